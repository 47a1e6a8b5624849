/* scenario=stats: a short ping (`count=`, default 4), then every counter: the
 * interface's (as `ip -s link` shows them), the stack's, and the virtio-net driver's
 * (kicks and interrupts, with the suppressions that event-idx buys). */
#include "fdt.h"
#include "libc.h"
#include "scenario.h"
#include "net/netscen.h"

static int stats_run(void)
{
    int rc = netscen_up();
    if (rc != NX_OK)
        return rc;
    struct ping_result r;
    netscen_ping(net_config()->gateway, (unsigned)bootarg_ulong("count", 4), 1, 56, 1000000,
                 false, &r);
    netscen_print_stats();
    return r.received == r.sent ? NX_OK : NX_PING_LOST;
}

const struct scenario scenario_stats = {
    "stats", stats_run, "ping, then the interface, stack and driver counters",
};
