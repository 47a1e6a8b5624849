/* Frame builders and a frame sink for the network-peer unit tests: hand-made guest
 * frames (Ethernet II, ARP, IPv4 with UDP or ICMP) and a recorder of what the peer
 * emits. Header-only, shared by tests/unit/test_net*.c. */
#ifndef RINGSIDE_TESTS_NETBUILD_H
#define RINGSIDE_TESTS_NETBUILD_H

#include <stdlib.h>

#include "sim/net/inet.h"
#include "sim/net/peer.h"

static const uint8_t nb_guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t nb_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

#define NB_MAX_FRAMES 8
typedef struct NbSink {
    int n;
    size_t len[NB_MAX_FRAMES];
    uint8_t frame[NB_MAX_FRAMES][ETH_FRAME_MAX];
} NbSink;

static inline void nb_sink_emit(void *opaque, const uint8_t *frame, size_t len)
{
    NbSink *s = opaque;
    if (s->n < NB_MAX_FRAMES) {
        memcpy(s->frame[s->n], frame, len);
        s->len[s->n] = len;
    }
    s->n++;
}

static inline NetPeer *nb_peer(NbSink *s, const char *tftp_dir)
{
    PeerConfig cfg = { .tftp_dir = tftp_dir, .emit = nb_sink_emit, .opaque = s };
    Err e;
    return peer_create(&cfg, &e);
}

static inline size_t nb_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    st16_be(f + 12, type);
    return ETH_HLEN;
}

static inline size_t nb_arp(uint8_t *f, uint16_t oper, const uint8_t *sha, uint32_t spa, uint32_t tpa)
{
    size_t n = nb_eth(f, nb_bcast, sha, ETHERTYPE_ARP);
    uint8_t *a = f + n;
    st16_be(a, 1);
    st16_be(a + 2, ETHERTYPE_IPV4);
    a[4] = 6;
    a[5] = 4;
    st16_be(a + 6, oper);
    memcpy(a + 8, sha, 6);
    st32_be(a + 14, spa);
    memset(a + 18, 0, 6);
    st32_be(a + 24, tpa);
    return n + ARP_LEN;
}

/* IPv4 datagram from the guest MAC to the peer MAC, payload already at f + 34. */
static inline size_t nb_ip(uint8_t *f, const uint8_t *dst_mac, uint32_t src, uint32_t dst,
                           uint8_t proto, size_t plen)
{
    nb_eth(f, dst_mac, nb_guest_mac, ETHERTYPE_IPV4);
    ipv4_build(f + ETH_HLEN, src, dst, proto, 0x1234, (uint16_t)plen);
    return ETH_HLEN + IPV4_HLEN + plen;
}

static inline size_t nb_udp(uint8_t *f, const uint8_t *dst_mac, uint32_t src, uint32_t dst,
                            uint16_t sport, uint16_t dport, const void *data, size_t len)
{
    uint8_t *u = f + ETH_HLEN + IPV4_HLEN;
    st16_be(u, sport);
    st16_be(u + 2, dport);
    st16_be(u + 4, (uint16_t)(UDP_HLEN + len));
    st16_be(u + 6, 0);
    memmove(u + UDP_HLEN, data, len);
    st16_be(u + 6, udp_csum(src, dst, u, UDP_HLEN + len));
    return nb_ip(f, dst_mac, src, dst, IPPROTO_UDP_, UDP_HLEN + len);
}

static inline size_t nb_ping(uint8_t *f, uint32_t dst, uint16_t id, uint16_t seq,
                             const void *data, size_t len)
{
    uint8_t *m = f + ETH_HLEN + IPV4_HLEN;
    m[0] = ICMP_ECHO_REQUEST;
    m[1] = 0;
    st16_be(m + 2, 0);
    st16_be(m + 4, id);
    st16_be(m + 6, seq);
    memcpy(m + 8, data, len);
    st16_be(m + 2, inet_csum(m, ICMP_HLEN + len));
    return nb_ip(f, peer_mac, PEER_GUEST_IP, dst, IPPROTO_ICMP_, ICMP_HLEN + len);
}

/* Feed a frame from an exactly-sized heap copy, so ASan sees any read past len. */
static inline int nb_input(NetPeer *p, const uint8_t *frame, size_t len, PeerAction *act)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, frame, len);
    int n = peer_input(p, copy, len, act);
    free(copy);
    return n;
}

/* The UDP payload of an emitted frame, after checking its IPv4 and UDP framing. */
static inline const uint8_t *nb_udp_payload(const uint8_t *f, size_t len, size_t *plen)
{
    Ipv4View ip;
    if (len < ETH_HLEN || ipv4_parse(f + ETH_HLEN, len - ETH_HLEN, &ip) != IPV4_OK ||
        ip.proto != IPPROTO_UDP_ || ip.plen < UDP_HLEN || !udp_csum_ok(ip.src, ip.dst, ip.payload, ip.plen) ||
        ld16_be(ip.payload + UDP_CSUM) == 0)
        return NULL;
    *plen = ld16_be(ip.payload + UDP_LEN) - UDP_HLEN;
    return ip.payload + UDP_HLEN;
}

#endif
