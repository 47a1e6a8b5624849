/* The peer's ARP responder (RFC 826, Ethernet/IPv4 only): answers who-has for the
 * gateway and the DNS address, each at its own MAC as slirp does (52:55 then the four
 * address bytes: 10.0.2.3 is-at 52:55:0a:00:02:03), and learns the guest's MAC from
 * anything it announces. */
#include "peer_priv.h"

static bool peer_owns(uint32_t ip) { return ip == PEER_GW_IP || ip == PEER_DNS_IP; }

int peer_arp_input(NetPeer *p, const uint8_t *frame, size_t len, PeerAction *act)
{
    if (len < ETH_HLEN + ARP_LEN)
        return peer_drop(act, PEER_DROP_ARP_BAD);
    const uint8_t *a = frame + ETH_HLEN;
    if (ld16_be(a + ARP_HTYPE) != 1 || ld16_be(a + ARP_PTYPE) != ETHERTYPE_IPV4 ||
        a[ARP_HLEN] != ETH_ALEN || a[ARP_PLEN] != 4)
        return peer_drop(act, PEER_DROP_ARP_BAD);
    uint16_t oper = ld16_be(a + ARP_OPER);
    uint32_t spa = ld32_be(a + ARP_SPA), tpa = ld32_be(a + ARP_TPA);
    char ip[16], mac[18];
    if (oper != ARP_REQUEST && oper != ARP_REPLY)
        return peer_drop(act, PEER_DROP_ARP_BAD);
    if (a[ARP_SHA] & 1)        /* a multicast sender hardware address is forged */
        return peer_drop(act, PEER_DROP_ARP_BAD);
    if (oper == ARP_REPLY || !peer_owns(tpa)) {
        /* Announcements (gratuitous ARP, probes, replies) teach us the guest's MAC;
         * requests for other hosts on the segment go unanswered. */
        if (spa == 0 || spa == tpa || oper == ARP_REPLY) {
            memcpy(p->guest_mac, a + ARP_SHA, 6);
            p->guest_mac_known = true;
            peer_act(act, PEER_ACT_ARP_LEARNED, "%s is-at %s", ipv4_str(spa, ip), mac_str(a + ARP_SHA, mac));
            return 0;
        }
        return peer_drop(act, PEER_DROP_ARP_OTHER);
    }
    memcpy(p->guest_mac, a + ARP_SHA, 6);
    p->guest_mac_known = true;

    uint8_t *r = p->tx + ETH_HLEN;
    st16_be(r + ARP_HTYPE, 1);
    st16_be(r + ARP_PTYPE, ETHERTYPE_IPV4);
    r[ARP_HLEN] = ETH_ALEN;
    r[ARP_PLEN] = 4;
    st16_be(r + ARP_OPER, ARP_REPLY);
    uint8_t sha[6] = { peer_mac[0], peer_mac[1] };
    st32_be(sha + 2, tpa);
    memcpy(r + ARP_SHA, sha, 6);
    st32_be(r + ARP_SPA, tpa);
    memcpy(r + ARP_THA, a + ARP_SHA, 6);
    st32_be(r + ARP_TPA, spa);
    peer_emit_eth(p, a + ARP_SHA, ETHERTYPE_ARP, ETH_HLEN + ARP_LEN);
    peer_act(act, PEER_ACT_ARP_REPLY, "%s is-at %s", ipv4_str(tpa, ip), mac_str(sha, mac));
    return 1;
}
