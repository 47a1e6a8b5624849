/* UDP (RFC 768): a table of bound local ports, datagram send and receive. The
 * transmit checksum over the pseudo header is left to the device when the netdev
 * offers offload (tx_csum, virtio 1.2 §5.1.6.2), else computed here; on receive it
 * is checked when present. */
#include "libc.h"
#include "net/net_priv.h"

#define UDP_SOCKETS 8

struct udp_sock {
    uint16_t port;             /* 0 = free */
    udp_rx_fn *fn;
    void *ctx;
};

static struct udp_sock socks[UDP_SOCKETS];

int udp_bind(uint16_t port, udp_rx_fn *fn, void *ctx)
{
    struct udp_sock *free_slot = NULL;
    if (port == 0 || !fn)
        return -1;
    for (unsigned i = 0; i < UDP_SOCKETS; i++) {
        if (socks[i].port == port)
            return -1;
        if (!free_slot && socks[i].port == 0)
            free_slot = &socks[i];
    }
    if (!free_slot)
        return -1;
    free_slot->port = port;
    free_slot->fn = fn;
    free_slot->ctx = ctx;
    return 0;
}

void udp_unbind(uint16_t port)
{
    for (unsigned i = 0; i < UDP_SOCKETS; i++)
        if (socks[i].port == port)
            memset(&socks[i], 0, sizeof socks[i]);
}

void udp_input(const struct ip_rx *ip)
{
    net.st.rx_udp++;
    const uint8_t *u = ip->data;
    if (ip->len < UDP_HLEN) {
        net.st.rx_udp_bad++;
        return;
    }
    size_t ulen = get16(u + 4);
    if (ulen < UDP_HLEN || ulen > ip->len) {
        net.st.rx_udp_bad++;
        return;
    }
    /* Checksum 0 means "not computed" (RFC 768). */
    if (get16(u + 6) != 0 &&
        csum_fold(csum_partial(u, ulen, csum_pseudo(ip->src, ip->dst, IPPROTO_UDP,
                                                    (uint16_t)ulen))) != 0) {
        net.st.rx_udp_csum++;
        return;
    }
    uint16_t dport = get16(u + 2);
    for (unsigned i = 0; i < UDP_SOCKETS; i++)
        if (socks[i].port == dport) {
            socks[i].fn(ip->src, get16(u), dport, u + UDP_HLEN, ulen - UDP_HLEN, socks[i].ctx);
            return;
        }
    net.st.rx_udp_no_port++;
}

int udp_sendto(uint16_t src_port, uint32_t dst_ip, uint16_t dst_port,
               const void *data, size_t len, uint32_t arp_timeout_us)
{
    if (len > UDP_MAX_PAYLOAD)
        return -1;
    uint8_t mac[ETH_ALEN];
    /* Route (and maybe ARP) before building: net.tx is ours only after that. */
    if (ip_route(dst_ip, mac, arp_timeout_us) != 0)
        return -1;
    uint8_t *u = net.tx.buf + PKT_L4;
    uint16_t ulen = (uint16_t)(UDP_HLEN + len);
    put16(u, src_port);
    put16(u + 2, dst_port);
    put16(u + 4, ulen);
    put16(u + 6, 0);
    if (len)
        memcpy(u + UDP_HLEN, data, len);
    uint32_t pseudo = csum_pseudo(net.cfg.ip, dst_ip, IPPROTO_UDP, ulen);
    if (net.nd && net.nd->tx_csum && net.nd->ops->xmit_csum) {
        /* As Linux's udp4_hwcsum: the field holds the folded pseudo-header sum, not
         * complemented; the device adds the header and payload and complements, and
         * sends a resulting 0 as all ones. */
        put16(u + 6, (uint16_t)~csum_fold(pseudo));
        net.tx.csum_partial = true;
        net.tx.csum_offset = 6;
    } else {
        uint16_t c = csum_fold(csum_partial(u, ulen, pseudo));
        put16(u + 6, c ? c : 0xffff);  /* a computed 0 is sent as all ones */
    }
    return ip_output(&net.tx, mac, dst_ip, IPPROTO_UDP, ulen);
}
