/* The peer's ICMP echo responder (RFC 792, "Echo or Echo Reply Message"): an echo
 * request to the gateway comes back as a reply with the same identifier, sequence
 * number and data, and a fresh checksum. Other ICMP messages are counted and dropped. */
#include "peer_priv.h"

int peer_icmp_input(NetPeer *p, const uint8_t *src_mac, const Ipv4View *ip, PeerAction *act)
{
    if (ip->plen < ICMP_HLEN)
        return peer_drop(act, PEER_DROP_ICMP_BAD);
    const uint8_t *m = ip->payload;
    if (inet_csum(m, ip->plen) != 0)
        return peer_drop(act, PEER_DROP_ICMP_CSUM);
    if (m[ICMP_TYPE] != ICMP_ECHO_REQUEST || m[ICMP_CODE] != 0)
        return peer_drop(act, PEER_DROP_ICMP_TYPE);
    /* The reply's IP header has no options, so it always fits where the request did. */
    uint8_t *r = p->tx + ETH_HLEN + IPV4_HLEN;
    memcpy(r, m, ip->plen);
    r[ICMP_TYPE] = ICMP_ECHO_REPLY;
    st16_be(r + ICMP_CSUM, 0);
    st16_be(r + ICMP_CSUM, inet_csum(r, ip->plen));
    peer_emit_ip(p, src_mac, ip->src, IPPROTO_ICMP_, ip->plen);
    peer_act(act, PEER_ACT_ICMP_ECHO_REPLY, "id %u seq %u", ld16_be(m + ICMP_ID), ld16_be(m + ICMP_SEQ));
    return 1;
}
