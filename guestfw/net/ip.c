/* IPv4 (RFC 791) without options on transmit and without fragmentation: fragments
 * are counted and dropped; the Internet checksum (RFC 1071); the next hop is the
 * destination on our subnet, the gateway elsewhere. */
#include "libc.h"
#include "net/net_priv.h"

uint32_t csum_partial(const void *data, size_t len, uint32_t sum)
{
    const uint8_t *p = data;
    uint64_t s = sum;
    for (; len >= 2; p += 2, len -= 2)
        s += (uint32_t)(p[0] << 8 | p[1]);
    if (len)
        s += (uint32_t)p[0] << 8;          /* odd byte: padded with a zero */
    while (s >> 32)
        s = (s & 0xffffffffu) + (s >> 32);
    return (uint32_t)s;
}

uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
    uint64_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + len;
    return (uint32_t)((s & 0xffffffffu) + (s >> 32));
}

int ip_route(uint32_t dst, uint8_t mac[ETH_ALEN], uint32_t timeout_us)
{
    const struct net_config *c = &net.cfg;
    if (dst == IP_BROADCAST || (c->netmask && dst == (c->ip | ~c->netmask))) {
        memcpy(mac, eth_broadcast, ETH_ALEN);
        return 0;
    }
    uint32_t hop = dst;
    if (c->netmask == 0 || (dst & c->netmask) != (c->ip & c->netmask))
        hop = c->gateway;
    if (hop == 0) {
        net.st.tx_no_route++;
        return -1;
    }
    return arp_resolve(hop, mac, timeout_us);
}

int ip_output(struct net_pkt *pkt, const uint8_t dst_mac[ETH_ALEN], uint32_t dst,
              uint8_t proto, size_t l4_len)
{
    if (l4_len > ETH_MTU - IP_HLEN)
        return -1;
    uint8_t *h = pkt->buf + PKT_L3;
    uint16_t total = (uint16_t)(IP_HLEN + l4_len);
    h[0] = 0x45;                 /* version 4, 5 words */
    h[1] = 0;                    /* DSCP/ECN */
    put16(h + 2, total);
    put16(h + 4, net.ip_id++);   /* a counter from 0: deterministic */
    put16(h + 6, 0);             /* no flags, offset 0 */
    h[8] = 64;                   /* TTL */
    h[9] = proto;
    put16(h + 10, 0);
    put32(h + 12, net.cfg.ip);
    put32(h + 16, dst);
    put16(h + 10, csum_fold(csum_partial(h, IP_HLEN, 0)));
    return eth_output(pkt, dst_mac, ETHERTYPE_IPV4, total);
}

static bool ip_for_us(uint32_t dst, uint8_t proto)
{
    const struct net_config *c = &net.cfg;
    if (dst == IP_BROADCAST || (c->ip && dst == c->ip))
        return true;
    if (c->netmask && dst == (c->ip | ~c->netmask))
        return true;
    /* Unconfigured (RFC 2131 §4.1): the server may unicast the OFFER and ACK to the
     * address it offers, which we do not know yet. */
    return c->ip == 0 && proto == IPPROTO_UDP;
}

void ip_input(const uint8_t *src_mac, const uint8_t *h, size_t len)
{
    net.st.rx_ip++;
    if (len < IP_HLEN || (h[0] >> 4) != 4) {
        net.st.rx_ip_bad++;
        return;
    }
    size_t hlen = (size_t)(h[0] & 0xf) * 4;
    size_t total = get16(h + 2);
    /* The frame may carry Ethernet padding past total, never less than total. */
    if (hlen < IP_HLEN || total < hlen || total > len) {
        net.st.rx_ip_bad++;
        return;
    }
    if (csum_fold(csum_partial(h, hlen, 0)) != 0) {
        net.st.rx_ip_csum++;
        return;
    }
    uint16_t frag = get16(h + 6);
    if ((frag & 0x2000) || (frag & 0x1fff)) {   /* MF, or a non-zero offset */
        net.st.rx_ip_frag++;
        return;
    }
    struct ip_rx rx = {
        .src_mac = src_mac, .src = get32(h + 12), .dst = get32(h + 16),
        .data = h + hlen, .len = total - hlen,
    };
    if (!ip_for_us(rx.dst, h[9])) {
        net.st.rx_ip_other_dst++;
        return;
    }
    switch (h[9]) {
    case IPPROTO_ICMP: icmp_input(&rx); break;
    case IPPROTO_UDP: udp_input(&rx); break;
    default: net.st.rx_ip_bad++; break;
    }
}
