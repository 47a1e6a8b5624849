/* scenario=ctrl: the control-queue netdev operations (virtio 1.2 §5.1.6.5) checked
 * against the wire, as ndo_set_mac_address, ndo_set_rx_mode and ndo_vlan_rx_add_vid
 * drive them in Linux:
 *  - promiscuous (CTRL_RX): provoke an ARP reply to a MAC that is not ours (an ARP
 *    request sent from it); with PROMISC on the device must deliver it. With it off,
 *    a unicast filter is best effort (the spec gives no guarantee), so whether the
 *    device dropped it is reported, not required. Ping must work after each step.
 *  - MAC (CTRL_MAC_ADDR): switch to a new address, announce it, and ping: the device
 *    must now deliver to the new MAC (with promiscuous mode off, this means its
 *    filter follows the new address); whether the old one is still let in is
 *    reported. The old address is restored the same way.
 *  - VLAN (CTRL_VLAN): add and delete VID 42. The peer is untagged and answers no
 *    tagged frame, so what is checked is that both commands are acknowledged, that
 *    the device accepts a tagged frame for transmission, and that untagged traffic
 *    still flows with the filter entry present and after its removal.
 * A step whose feature was not negotiated prints "skipped: no FEATURE". */
#include "libc.h"
#include "platform.h"
#include "scenario.h"
#include "net/netscen.h"
#include "virtio/virtio_net.h"

#define CTRL_VID        42
#define CTRL_WAIT_US    200000u
#define PING_TIMEOUT_US 1000000u
#define FOREIGN_IP      IPV4(10, 0, 2, 99)

static unsigned seq = 100;
/* The promiscuous step saw the device drop a frame for a foreign MAC. */
static bool device_filters;

/* Two echoes must come back. */
static bool ping_ok(const char *when)
{
    struct ping_result r;
    netscen_ping(net_config()->gateway, 2, seq, 56, PING_TIMEOUT_US, true, &r);
    seq += 2;
    printf("ctrl: ping %s: %u/%u replies\n", when, r.received, r.sent);
    return r.received == r.sent && r.corrupt == 0;
}

/* -1 means the scenario cannot tell: then the operation decides. */
static bool feature(unsigned bit, const char *name, int op_rc)
{
    int has = netscen_has_feature(bit);
    if (has == 0 || (has < 0 && op_rc != 0)) {
        printf("ctrl: skipped: no %s\n", name);
        return false;
    }
    return true;
}

static bool nothing(void *ctx) { (void)ctx; return false; }

/* Asks the gateway for its MAC from `foreign`; returns how many replies to foreign
 * the device delivered (with the stack's promiscuous flag on, so it counts them). */
static uint64_t provoke_reply_to(const uint8_t foreign[6])
{
    arp_watch(foreign);
    net_set_promisc(true);
    arp_send_request_from(foreign, FOREIGN_IP, net_config()->gateway);
    net_wait(nothing, NULL, CTRL_WAIT_US);
    net_set_promisc(false);
    arp_announce();          /* in case the peer took foreign for our MAC */
    return arp_watch_count();
}

static int switch_mac(struct netdev *nd, const uint8_t mac[6], const char *what)
{
    char m[18];
    if (nd->ops->set_mac(nd, mac) != 0) {
        printf("ctrl: set_mac %s refused\n", mac_str(mac, m));
        return -1;
    }
    net_set_mac(mac);
    arp_flush();
    arp_announce();          /* the peer (and slirp) learn the new address from it */
    printf("ctrl: mac %s %s\n", what, mac_str(mac, m));
    return 0;
}

static int ctrl_mac(struct netdev *nd)
{
    if (!nd->ops->set_mac) {
        printf("ctrl: skipped: no CTRL_MAC_ADDR\n");
        return NX_OK;
    }
    uint8_t old[6], mac[6];
    memcpy(old, net_mac(), 6);
    memcpy(mac, old, 6);
    mac[0] = (uint8_t)((mac[0] | 0x02) & ~0x01);     /* locally administered unicast */
    mac[5] ^= 0x5a;
    int has = netscen_has_feature(VIRTIO_NET_F_CTRL_MAC_ADDR);
    if (has == 0) {
        printf("ctrl: skipped: no CTRL_MAC_ADDR\n");
        return NX_OK;
    }
    if (switch_mac(nd, mac, "changed to") != 0) {
        if (has < 0) {
            printf("ctrl: skipped: no CTRL_MAC_ADDR\n");
            return NX_OK;
        }
        return NX_CTRL_MAC_CMD;
    }
    if (!ping_ok("after mac change"))
        return NX_CTRL_MAC_PING;
    /* Is the old address still let in? Filtering is best effort, but a device that
     * filtered in the promiscuous step must have moved its filter to the new MAC. */
    char m[18];
    uint64_t n = provoke_reply_to(old);
    printf("ctrl: after mac change: %llu arp replies to old %s delivered (%s)\n",
           (unsigned long long)n, mac_str(old, m), n ? "device does not filter unicast" : "filtered");
    if (n && device_filters)
        return NX_CTRL_MAC_OLD;
    if (switch_mac(nd, old, "restored to") != 0)
        return NX_CTRL_MAC_CMD;
    return ping_ok("after mac restore") ? NX_OK : NX_CTRL_MAC_RESTORE;
}

static int ctrl_promisc(struct netdev *nd)
{
    static const uint8_t foreign[6] = { 0x52, 0x54, 0x00, 0xfe, 0xed, 0x01 };
    char m[18];
    int rc = nd->ops->set_rx_mode ? nd->ops->set_rx_mode(nd, VIRTIO_NET_CTRL_RX_PROMISC, true) : -1;
    if (!feature(VIRTIO_NET_F_CTRL_RX, "CTRL_RX", rc))
        return NX_OK;
    if (rc != 0) {
        printf("ctrl: promiscuous on refused\n");
        return NX_CTRL_PROMISC_CMD;
    }
    uint64_t on = provoke_reply_to(foreign);
    printf("ctrl: promiscuous on: %llu arp replies to %s delivered\n", (unsigned long long)on,
           mac_str(foreign, m));
    if (on == 0)
        return NX_CTRL_PROMISC_RX;
    if (nd->ops->set_rx_mode(nd, VIRTIO_NET_CTRL_RX_PROMISC, false) != 0) {
        printf("ctrl: promiscuous off refused\n");
        return NX_CTRL_PROMISC_CMD;
    }
    uint64_t off = provoke_reply_to(foreign);
    device_filters = off == 0;
    printf("ctrl: promiscuous off: %llu arp replies to %s delivered (%s)\n",
           (unsigned long long)off, mac_str(foreign, m),
           off ? "device does not filter unicast" : "filtered");
    return ping_ok("after promiscuous off") ? NX_OK : NX_CTRL_PROMISC_PING;
}

static int ctrl_vlan(struct netdev *nd)
{
    int rc = nd->ops->vlan ? nd->ops->vlan(nd, true, CTRL_VID) : -1;
    if (!feature(VIRTIO_NET_F_CTRL_VLAN, "CTRL_VLAN", rc))
        return NX_OK;
    if (rc != 0) {
        printf("ctrl: vlan add %u refused\n", CTRL_VID);
        return NX_CTRL_VLAN_CMD;
    }
    printf("ctrl: vlan %u added\n", CTRL_VID);
    /* One tagged frame out: a gratuitous ARP on VLAN 42 (no one answers it). */
    net_set_vlan(CTRL_VID);
    rc = arp_announce();
    net_set_vlan(0);
    printf("ctrl: tagged frame on vlan %u %s\n", CTRL_VID, rc == 0 ? "sent" : "refused");
    if (rc != 0)
        return NX_CTRL_VLAN_CMD;
    if (!ping_ok("untagged with vlan filter"))
        return NX_CTRL_VLAN_PING;
    if (nd->ops->vlan(nd, false, CTRL_VID) != 0) {
        printf("ctrl: vlan del %u refused\n", CTRL_VID);
        return NX_CTRL_VLAN_CMD;
    }
    printf("ctrl: vlan %u deleted\n", CTRL_VID);
    return ping_ok("after vlan delete") ? NX_OK : NX_CTRL_VLAN_PING;
}

static int ctrl_run(void)
{
    int rc = netscen_up();
    if (rc != NX_OK)
        return rc;
    struct netdev *nd = net_dev();
    /* Promiscuous first: it ends with the mode off, so that the MAC step then runs
     * with the device filtering (QEMU's device, for one, starts promiscuous). */
    if ((rc = ctrl_promisc(nd)) != NX_OK || (rc = ctrl_mac(nd)) != NX_OK ||
        (rc = ctrl_vlan(nd)) != NX_OK)
        return rc;
    printf("ctrl: all checks passed\n");
    return NX_OK;
}

const struct scenario scenario_ctrl = {
    "ctrl", ctrl_run, "control queue: MAC change, promiscuous mode, VLAN filter",
};
