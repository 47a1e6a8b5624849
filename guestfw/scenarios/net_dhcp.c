/* scenario=dhcp: only the DHCP client (RFC 2131): DISCOVER, OFFER, REQUEST, ACK, then
 * the lease, router, DNS and boot parameters it carried. */
#include "libc.h"
#include "scenario.h"
#include "net/netscen.h"

static int dhcp_run(void)
{
    int rc = netscen_up();
    if (rc != NX_OK)
        return rc;
    const struct net_config *c = net_config();
    char a[16];
    printf("dhcp: next-server %s bootfile '%s'\n", ip_str(c->next_server, a), c->bootfile);
    return NX_OK;
}

const struct scenario scenario_dhcp = {
    "dhcp", dhcp_run, "DHCP only: print the lease and its options",
};
