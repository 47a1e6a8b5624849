/* scenario=all: ping, udp, ctrl and mq in sequence on one interface brought up once;
 * stops at the first failure and returns its exit code. */
#include "libc.h"
#include "scenario.h"
#include "net/netscen.h"

extern const struct scenario scenario_ping, scenario_udp, scenario_ctrl, scenario_mq;

static int all_run(void)
{
    const struct scenario *const steps[] = { &scenario_ping, &scenario_udp, &scenario_ctrl,
                                             &scenario_mq };
    for (unsigned i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        printf("== %s ==\n", steps[i]->name);
        int rc = steps[i]->run();
        printf("== %s: %s (exit %d) ==\n", steps[i]->name, rc == 0 ? "ok" : "FAILED", rc);
        if (rc != 0)
            return rc;
    }
    return 0;
}

const struct scenario scenario_all = {
    "all", all_run, "ping, udp, ctrl and mq in sequence",
};
