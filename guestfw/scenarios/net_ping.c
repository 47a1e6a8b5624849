/* scenario=ping: the whole story in one run — probe the virtio-net device, bring the
 * interface up with DHCP, ARP the gateway and ping it `count=N` times (default 4),
 * printing round trips in time-CSR time (virtual time on ringside) like Linux ping. */
#include "fdt.h"
#include "libc.h"
#include "scenario.h"
#include "net/netscen.h"

#define PING_PAYLOAD    56             /* Linux ping's default: 64 bytes of ICMP */
#define PING_TIMEOUT_US 1000000u

static int ping_run(void)
{
    int rc = netscen_up();
    if (rc != NX_OK)
        return rc;
    unsigned count = (unsigned)bootarg_ulong("count", 4);
    struct ping_result r;
    netscen_ping(net_config()->gateway, count, 1, PING_PAYLOAD, PING_TIMEOUT_US, false, &r);
    if (count == 0)
        return NX_OK;
    if (r.send_err == r.sent)
        return NX_PING_SEND;
    if (r.received == 0)
        return NX_PING_NONE;
    if (r.corrupt)
        return NX_PING_CORRUPT;
    return r.received < r.sent ? NX_PING_LOST : NX_OK;
}

const struct scenario scenario_ping = {
    "ping", ping_run, "DHCP, ARP the gateway, ping it count=N times (default 4)",
};
