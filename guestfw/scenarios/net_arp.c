/* scenario=arp: address resolution (RFC 826) after DHCP: the gateway and the DNS
 * server must answer; an address nobody holds (`absent=`, default 10.0.2.77) must
 * time out after its retries; then the cache is printed. */
#include "fdt.h"
#include "libc.h"
#include "platform.h"
#include "scenario.h"
#include "net/netscen.h"

#define ARP_TIMEOUT_US 300000u

static int arp_run(void)
{
    int rc = netscen_up();
    if (rc != NX_OK)
        return rc;
    const struct net_config *c = net_config();
    char a[16], m[18], t[24];
    uint8_t mac[6];
    uint64_t t0 = rdtime();
    if (c->dns && arp_resolve(c->dns, mac, ARP_TIMEOUT_US) != 0) {
        printf("arp: dns %s did not answer\n", ip_str(c->dns, a));
        return NX_ARP_DNS;
    }
    if (c->dns)
        printf("arp: %s is-at %s (%s us)\n", ip_str(c->dns, a), mac_str(mac, m),
               netscen_us(rdtime() - t0, t));
    uint32_t absent = IPV4(10, 0, 2, 77);
    const char *s = bootarg("absent");
    if (s && *s && ip_parse(s, &absent) != 0)
        absent = IPV4(10, 0, 2, 77);
    uint64_t tx0 = net_stats()->tx_frames;
    t0 = rdtime();
    if (arp_resolve(absent, mac, ARP_TIMEOUT_US) == 0) {
        printf("arp: %s answered (is-at %s) but should not exist\n", ip_str(absent, a),
               mac_str(mac, m));
        return NX_ARP_ABSENT;
    }
    printf("arp: %s: no answer after %llu requests (%s us)\n", ip_str(absent, a),
           (unsigned long long)(net_stats()->tx_frames - tx0), netscen_us(rdtime() - t0, t));
    printf("arp: cache:\n");
    uint32_t ip;
    for (unsigned i = 0; i < 8; i++)
        if (arp_cache_at(i, &ip, mac))
            printf("  %-15s %s\n", ip_str(ip, a), mac_str(mac, m));
    return NX_OK;
}

const struct scenario scenario_arp = {
    "arp", arp_run, "ARP: resolve the gateway and DNS, time out on an absent host",
};
