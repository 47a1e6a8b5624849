/* Ethernet II, ARP, IPv4, UDP and ICMP header layouts and the Internet checksum
 * (IEEE 802.3 clause 3, RFC 826, RFC 791, RFC 768, RFC 792, RFC 1071). Network byte
 * order is big-endian: everything goes through the ld/st *_be helpers of common.h,
 * never a cast. */
#ifndef RINGSIDE_NET_INET_H
#define RINGSIDE_NET_INET_H

#include "common.h"

#define ETH_ALEN 6
#define ETH_HLEN 14            /* dst, src, ethertype: no 802.1Q tag */
#define ETH_ZLEN 60            /* minimum frame without the FCS */
#define ETH_MTU 1500
#define ETH_FRAME_MAX (ETH_HLEN + 65535) /* the largest IPv4 datagram, unfragmented */
enum { ETH_DST = 0, ETH_SRC = 6, ETH_TYPE = 12 };
enum { ETHERTYPE_IPV4 = 0x0800, ETHERTYPE_ARP = 0x0806, ETHERTYPE_VLAN = 0x8100 };

/* ARP for IPv4 over Ethernet (RFC 826): 28 bytes after the Ethernet header. */
#define ARP_LEN 28
enum { ARP_HTYPE = 0, ARP_PTYPE = 2, ARP_HLEN = 4, ARP_PLEN = 5, ARP_OPER = 6,
       ARP_SHA = 8, ARP_SPA = 14, ARP_THA = 18, ARP_TPA = 24 };
enum { ARP_REQUEST = 1, ARP_REPLY = 2 };

#define IPV4_HLEN 20           /* without options */
enum { IP_VHL = 0, IP_TOS = 1, IP_TOTLEN = 2, IP_ID = 4, IP_FRAG = 6, IP_TTL = 8,
       IP_PROTO = 9, IP_CSUM = 10, IP_SRC = 12, IP_DST = 16 };
#define IP_FRAG_MF 0x2000u
#define IP_FRAG_OFFSET 0x1fffu
enum { IPPROTO_ICMP_ = 1, IPPROTO_UDP_ = 17 }; /* trailing _: <netinet/in.h> may define the plain names */

#define UDP_HLEN 8
enum { UDP_SPORT = 0, UDP_DPORT = 2, UDP_LEN = 4, UDP_CSUM = 6 };

#define ICMP_HLEN 8
enum { ICMP_TYPE = 0, ICMP_CODE = 1, ICMP_CSUM = 2, ICMP_ID = 4, ICMP_SEQ = 6 };
enum { ICMP_ECHO_REPLY = 0, ICMP_ECHO_REQUEST = 8 };

#define IPV4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define IPV4_BROADCAST 0xffffffffu

/* RFC 1071: the one's-complement sum of 16-bit big-endian words, an odd last byte
 * padded with zero. inet_sum accumulates (so a pseudo-header and a payload can be
 * summed separately); inet_fold folds the carries and complements. */
uint32_t inet_sum(uint32_t acc, const uint8_t *p, size_t len);
uint16_t inet_fold(uint32_t acc);
static inline uint16_t inet_csum(const uint8_t *p, size_t len) { return inet_fold(inet_sum(0, p, len)); }

/* Sum of the IPv4 pseudo-header that UDP and TCP checksums cover (RFC 768). */
uint32_t inet_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);

/* A validated IPv4 datagram inside a frame: header and payload bounds. */
typedef struct Ipv4View {
    const uint8_t *hdr;        /* the IPv4 header */
    size_t hlen;               /* header length with options */
    const uint8_t *payload;
    size_t plen;               /* total length minus header: Ethernet padding excluded */
    uint32_t src, dst;
    uint8_t proto;
} Ipv4View;

/* Why an IPv4 datagram was refused; names in inet_ip_error_name. */
typedef enum {
    IPV4_OK,
    IPV4_TRUNCATED,            /* shorter than its header or its total length */
    IPV4_BAD_VERSION,
    IPV4_BAD_HLEN,             /* IHL < 5 or larger than the total length */
    IPV4_BAD_CSUM,
    IPV4_FRAGMENT,             /* MF set or a non-zero offset: no reassembly here */
} Ipv4Error;

Ipv4Error ipv4_parse(const uint8_t *p, size_t len, Ipv4View *v);

/* Write a 20-byte IPv4 header (no options, TTL 64, DF clear) with its checksum. */
void ipv4_build(uint8_t *hdr, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
                uint16_t payload_len);

/* Checksum of a UDP datagram (header + payload, checksum field included) under the
 * pseudo-header; a computed 0 is sent as 0xffff (RFC 768). */
uint16_t udp_csum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t len);

/* A received UDP checksum is fine if absent (0) or if the sum over everything is ~0. */
bool udp_csum_ok(uint32_t src, uint32_t dst, const uint8_t *udp, size_t len);

/* "10.0.2.15" into buf (at least 16 bytes); returns buf. */
char *ipv4_str(uint32_t ip, char *buf);
/* "52:55:0a:00:02:02" into buf (at least 18 bytes); returns buf. */
char *mac_str(const uint8_t *mac, char *buf);

#endif
