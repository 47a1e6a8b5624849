/* Internals shared by the stack's layers: network-order loads and stores, the one
 * stack state, the transmit buffers and each layer's input/output entry points.
 * Frames are built in place: a layer writes its payload at a fixed offset of a
 * struct net_pkt and the layer below prepends its header in front of it. */
#ifndef GUESTFW_NET_PRIV_H
#define GUESTFW_NET_PRIV_H

#include "net/net.h"

static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t get32(const uint8_t *p)
{ return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void put32(uint8_t *p, uint32_t v)
{ p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP  0x0806
#define ETHERTYPE_VLAN 0x8100
#define VLAN_HLEN      4
#define IPPROTO_ICMP   1
#define IPPROTO_UDP    17

/* A frame under construction. Room for a VLAN tag in front keeps every layer's
 * offset fixed: the Ethernet header starts at buf + VLAN_HLEN, or at buf when
 * eth_output inserts a tag. */
#define PKT_ETH   VLAN_HLEN
#define PKT_L3    (PKT_ETH + ETH_HLEN)
#define PKT_L4    (PKT_L3 + IP_HLEN)
#define PKT_MAX   (VLAN_HLEN + ETH_HLEN + ETH_MTU)
struct net_pkt {
    uint8_t buf[PKT_MAX];
    /* CHECKSUM_PARTIAL: the device finishes the L4 checksum at PKT_L4 + csum_offset
     * (netdev xmit_csum). eth_output consumes it: the next frame starts without. */
    bool csum_partial;
    uint16_t csum_offset;
};

struct net_state {
    struct netdev *nd;
    uint8_t mac[ETH_ALEN];
    struct net_config cfg;
    unsigned tx_qp;
    uint16_t vlan;
    bool promisc, use_wfi;
    bool failure_reported;   /* "the device failed" printed once */
    uint16_t ip_id;
    struct net_stats st;
    /* Frames the stack originates (main context) and replies built while handling a
     * received frame (rx context): separate, so a reply never clobbers a frame that
     * the main context is still building. */
    struct net_pkt tx, reply;
};
extern struct net_state net;

extern const uint8_t eth_broadcast[ETH_ALEN];

/* RFC 1071 one's-complement sum: csum_partial over an even-length prefix chain,
 * csum_fold to the final 16-bit checksum (complemented). */
uint32_t csum_partial(const void *data, size_t len, uint32_t sum);
uint16_t csum_fold(uint32_t sum);
uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);

/* Sends the l3_len bytes at pkt->buf + PKT_L3 with the given destination MAC and
 * ethertype (tagged with net.vlan when set). 0, or -1 when the device refused. */
int eth_output(struct net_pkt *pkt, const uint8_t dst[ETH_ALEN], uint16_t ethertype,
               size_t l3_len);
void eth_input(const uint8_t *frame, size_t len);

void arp_input(const uint8_t *src_mac, const uint8_t *p, size_t len);

/* Builds the IPv4 header in front of the l4_len bytes at pkt->buf + PKT_L4 and sends
 * it to dst_mac. */
int ip_output(struct net_pkt *pkt, const uint8_t dst_mac[ETH_ALEN], uint32_t dst,
              uint8_t proto, size_t l4_len);
/* Resolves the next hop of dst into mac (broadcast for 255.255.255.255); 0 or -1. */
int ip_route(uint32_t dst, uint8_t mac[ETH_ALEN], uint32_t timeout_us);
void ip_input(const uint8_t *src_mac, const uint8_t *p, size_t len);

/* Layer-4 input: src_mac is the sender's Ethernet address (replies go there without
 * an ARP round trip), the IP header is already validated. */
struct ip_rx {
    const uint8_t *src_mac;
    uint32_t src, dst;
    const uint8_t *data;   /* layer-4 bytes */
    size_t len;
};
void icmp_input(const struct ip_rx *ip);
void udp_input(const struct ip_rx *ip);

/* DHCP internals, exposed for the self-test's canned messages. */
#define DHCP_XID 0x52494e47u           /* "RING" */
struct dhcp_msg {
    uint8_t type;              /* option 53 */
    uint32_t yiaddr, server, netmask, router, dns, lease, siaddr;
    char bootfile[128];
};
/* Parses a BOOTREPLY for our xid and MAC; false for anything malformed or foreign. */
bool dhcp_parse(const uint8_t *m, size_t len, struct dhcp_msg *out);
/* Builds a client message (static buffer) and its length. */
const uint8_t *dhcp_build(uint8_t type, uint32_t req_ip, uint32_t server, size_t *len);

#endif
