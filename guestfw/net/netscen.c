/* Bring-up and ping reporting shared by the network scenarios: the steps Linux takes
 * from probe to a configured interface (virtio_pci_probe, virtnet_probe, then a DHCP
 * client such as dhclient), and ping's console lines with virtual-time round trips. */
#include "fdt.h"
#include "libc.h"
#include "pci.h"
#include "platform.h"
#include "net/netscen.h"
#include "virtio/virtio_net.h"

/* The driver-registration entry points live with the virtio helpers; weak, so the
 * scenarios still link (and report "no netdev") while a driver is missing. They are
 * reached through a data table: a PC-relative call to an undefined weak symbol
 * could not be relocated under -mcmodel=medany, and volatile stops the
 * compiler from folding the table back into such a reference. */
extern int virtio_pci_init(void) __attribute__((weak));
extern int virtio_net_init(void) __attribute__((weak));
extern int virtio_net_get_info(struct netdev *nd, struct virtio_net_info *out) __attribute__((weak));
static int (*volatile const driver_inits[])(void) = { virtio_pci_init, virtio_net_init };
extern struct netdev *netdev_first(void) __attribute__((weak));
static struct netdev *(*volatile const first_netdev)(void) = netdev_first;
static int (*volatile const get_info)(struct netdev *, struct virtio_net_info *) = virtio_net_get_info;

int netscen_has_feature(unsigned bit)
{
    struct virtio_net_info info;
    if (!get_info || !net_dev() || get_info(net_dev(), &info) != 0 || bit >= 64)
        return -1;
    return (info.features >> bit) & 1 ? 1 : 0;
}

static struct netdev *find_netdev(void)
{
    for (unsigned i = 0; i < sizeof driver_inits / sizeof driver_inits[0]; i++)
        if (driver_inits[i])
            driver_inits[i]();
    pci_enumerate();
    return first_netdev ? first_netdev() : NULL;
}

char *netscen_us(uint64_t ticks, char *buf)
{
    uint64_t t = net_ticks_to_tenth_us(ticks);
    snprintf(buf, 24, "%llu.%llu", (unsigned long long)(t / 10), (unsigned long long)(t % 10));
    return buf;
}

int netscen_up(void)
{
    static bool up;
    static int result;
    if (up)
        return result;
    up = true;
    char a[16], b[16], c[16], d[16], m[18];
    struct netdev *nd = find_netdev();
    if (!nd) {
        printf("net: no network device\n");
        return result = NX_NO_NETDEV;
    }
    if (net_init(nd) != 0) {
        printf("net: %s has no xmit/poll operations\n", nd->name ? nd->name : "?");
        return result = NX_INIT;
    }
    /* Interrupts on, as in Linux after register_netdev: waits then sleep in wfi until
     * the device's interrupt (or the timer bounding the wait); `irq=off` keeps the
     * firmware polling. */
    bool irqs = !bootarg_is("irq", "off");
    if (irqs)
        interrupts_on();
    printf("net: %s mac %s mtu %u link %s queue pairs %u/%u%s\n", nd->name ? nd->name : "eth?",
           mac_str(nd->mac, m), nd->mtu, nd->link_up ? "up" : "down", nd->queue_pairs,
           nd->max_queue_pairs, irqs ? "" : " (polling)");
    const struct net_config *cfg = net_config();
    const char *sip = bootarg("ip");
    if (sip && *sip) {
        /* A static address (`ip=A.B.C.D gw=A.B.C.D`, a /24) for networks without a
         * DHCP server, such as a bare tap device. */
        struct net_config st = { .netmask = 0xffffff00u };
        const char *gw = bootarg("gw");
        if (ip_parse(sip, &st.ip) != 0 || (gw && ip_parse(gw, &st.gateway) != 0)) {
            printf("net: bad ip=%s or gw=%s\n", sip, gw ? gw : "");
            return result = NX_INIT;
        }
        if (!gw)
            st.gateway = (st.ip & st.netmask) | 2;     /* slirp's and the peer's .2 */
        net_set_config(&st);
        printf("net: static address %s mask %s router %s\n", ip_str(cfg->ip, a),
               ip_str(cfg->netmask, c), ip_str(cfg->gateway, d));
    } else {
        int rc = net_dhcp(NET_DHCP_TIMEOUT_US);
        if (rc != 0) {
            printf("dhcp: %s\n", rc == -2 ? "refused (NAK)" : rc == -3 ? "stopped: the device failed"
                                                                    : "no lease (timeout)");
            return result = rc == -2 ? NX_DHCP_NAK : rc == -3 ? NX_DEVICE_FAILED : NX_DHCP_TIMEOUT;
        }
        printf("dhcp: lease %s from %s mask %s router %s dns %s time %u s\n", ip_str(cfg->ip, a),
               ip_str(cfg->server, b), ip_str(cfg->netmask, c), ip_str(cfg->gateway, d),
               ip_str(cfg->dns, m), (unsigned)cfg->lease_secs);
    }
    uint8_t gw_mac[ETH_ALEN];
    uint64_t t0 = rdtime();
    if (cfg->gateway == 0 || arp_resolve(cfg->gateway, gw_mac, NET_GW_TIMEOUT_US) != 0) {
        printf("arp: gateway %s did not answer\n", ip_str(cfg->gateway, a));
        return result = NX_ARP_GW;
    }
    printf("arp: %s is-at %s (%s us)\n", ip_str(cfg->gateway, a), mac_str(gw_mac, m),
           netscen_us(rdtime() - t0, b));
    return result = NX_OK;
}

void netscen_ping(uint32_t ip, unsigned count, unsigned first_seq, size_t payload,
                  uint32_t timeout_us, bool quiet, struct ping_result *r)
{
    char a[16], t[24], t2[24], t3[24];
    memset(r, 0, sizeof *r);
    if (!quiet)
        printf("PING %s %u(%u) bytes of data.\n", ip_str(ip, a), (unsigned)payload,
               (unsigned)(payload + 28));
    for (unsigned i = 0; i < count; i++) {
        uint16_t seq = (uint16_t)(first_seq + i);
        uint64_t rtt = 0;
        int rc = net_ping(ip, seq, payload, timeout_us, &rtt);
        r->sent++;
        if (rc == 0 || rc == -4) {
            r->received++;
            r->rtt_min = r->received == 1 || rtt < r->rtt_min ? rtt : r->rtt_min;
            r->rtt_max = rtt > r->rtt_max ? rtt : r->rtt_max;
            r->rtt_sum += rtt;
            if (rc == -4)
                r->corrupt++;
            if (!quiet)
                printf("%u bytes from %s: icmp_seq=%u time=%s us%s\n", (unsigned)(payload + 8),
                       ip_str(ip, a), seq, netscen_us(rtt, t), rc == -4 ? " (DAMAGED)" : "");
        } else {
            if (rc == -1 || rc == -2)
                r->send_err++;
            if (!quiet)
                printf("no reply from %s: icmp_seq=%u (%s)\n", ip_str(ip, a), seq,
                       rc == -1 ? "no route" : rc == -2 ? "send failed" : "timeout");
        }
    }
    if (quiet)
        return;
    unsigned loss = r->sent ? (r->sent - r->received) * 100 / r->sent : 0;
    printf("--- %s ping statistics ---\n", ip_str(ip, a));
    printf("%u packets transmitted, %u received, %u%% packet loss\n", r->sent, r->received, loss);
    if (r->received)
        printf("rtt min/avg/max = %s/%s/%s us\n", netscen_us(r->rtt_min, t),
               netscen_us(r->rtt_sum / r->received, t2), netscen_us(r->rtt_max, t3));
}

void netscen_print_stats(void)
{
    struct netdev *nd = net_dev();
    if (!nd)
        return;
    printf("%s: rx packets %llu bytes %llu dropped %llu; tx packets %llu bytes %llu dropped %llu; irqs %llu\n",
           nd->name ? nd->name : "eth?", (unsigned long long)nd->rx_packets,
           (unsigned long long)nd->rx_bytes, (unsigned long long)nd->rx_dropped,
           (unsigned long long)nd->tx_packets, (unsigned long long)nd->tx_bytes,
           (unsigned long long)nd->tx_dropped, (unsigned long long)nd->irqs);
    const struct net_stats *s = net_stats();
    printf("net: rx frames %llu (arp %llu, ip %llu, icmp %llu, udp %llu), not for us %llu, "
           "dropped: runt %llu vlan %llu ethertype %llu arp %llu ip %llu ip-csum %llu "
           "fragment %llu icmp %llu udp %llu udp-csum %llu no-port %llu\n",
           (unsigned long long)s->rx_frames, (unsigned long long)s->rx_arp,
           (unsigned long long)s->rx_ip, (unsigned long long)s->rx_icmp,
           (unsigned long long)s->rx_udp, (unsigned long long)s->rx_not_for_us,
           (unsigned long long)s->rx_runt, (unsigned long long)s->rx_vlan_other,
           (unsigned long long)s->rx_ethertype, (unsigned long long)s->rx_arp_bad,
           (unsigned long long)s->rx_ip_bad, (unsigned long long)s->rx_ip_csum,
           (unsigned long long)s->rx_ip_frag, (unsigned long long)s->rx_icmp_bad,
           (unsigned long long)s->rx_udp_bad, (unsigned long long)s->rx_udp_csum,
           (unsigned long long)s->rx_udp_no_port);
    printf("net: tx frames %llu, errors %llu, no route %llu\n", (unsigned long long)s->tx_frames,
           (unsigned long long)s->tx_errors, (unsigned long long)s->tx_no_route);
    struct virtio_net_info vi;
    if (get_info && get_info(nd, &vi) == 0)
        printf("virtio-net: tx kicks %llu (suppressed %llu), rx irqs %llu, config irqs %llu, "
               "rx buffers posted %u\n", (unsigned long long)vi.tx_kicks,
               (unsigned long long)vi.tx_kicks_suppressed, (unsigned long long)vi.rx_irqs,
               (unsigned long long)vi.config_irqs, vi.rx_bufs_posted);
}
