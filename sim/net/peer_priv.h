/* Internals shared by the peer's services (sim/net/peer.c dispatches, arp.c, icmp.c,
 * dhcp.c, tftp.c and udp_echo.c answer): the peer's state, the frame-building helpers
 * and the per-service entry points. Not for use outside sim/net/. */
#ifndef RINGSIDE_NET_PEER_PRIV_H
#define RINGSIDE_NET_PEER_PRIV_H

#include "inet.h"
#include "peer.h"

enum { PORT_ECHO = 7, PORT_DHCP_SERVER = 67, PORT_DHCP_CLIENT = 68, PORT_TFTP = 69 };

/* Each transfer answers from its own port (RFC 1350 §4, "transfer identifiers"),
 * numbered from the transfer count so that runs agree. */
#define TFTP_PORT_BASE 49152u
#define TFTP_PORT_SPAN 16384u
#define TFTP_SESSIONS 4

typedef struct TftpSession {
    bool live;
    uint64_t started;          /* transfer number: port and eviction order */
    uint32_t client_ip;
    uint16_t client_port, server_port;
    uint8_t client_mac[6];
    uint8_t *data;             /* the whole file, read when the transfer began */
    uint64_t size;
    uint32_t blksize;
    uint64_t block;            /* last block sent (0: OACK sent, awaiting ACK 0) */
    unsigned dup_acks;         /* duplicate ACKs of block - 1 since block was sent */
} TftpSession;

struct NetPeer {
    PeerEmitFn *emit;
    void *opaque;
    char *tftp_dir;            /* realpath of the configured directory, or NULL */
    bool tftp_on;              /* --tftp given (in a replay tftp_dir stays NULL) */
    PeerFileFn *file_read;
    PeerFileSeenFn *file_seen;
    void *file_opaque;
    char *bootfile;
    PeerStats stats;
    uint8_t guest_mac[6];
    bool guest_mac_known;
    uint16_t ip_id;
    uint64_t tftp_transfers;
    TftpSession tftp[TFTP_SESSIONS];
    uint8_t tx[ETH_FRAME_MAX];
};

/* Where the UDP payload of an outgoing frame is built, in p->tx. */
#define PEER_UDP_PAYLOAD (ETH_HLEN + IPV4_HLEN + UDP_HLEN)
#define PEER_UDP_PAYLOAD_MAX (ETH_FRAME_MAX - PEER_UDP_PAYLOAD)

/* A UDP datagram that arrived for the peer, checked down to its payload. */
typedef struct UdpIn {
    const uint8_t *src_mac;
    const Ipv4View *ip;
    uint16_t sport, dport;
    const uint8_t *data;
    size_t len;
} UdpIn;

int peer_drop(PeerAction *act, PeerDropReason why);
void peer_act(PeerAction *act, PeerActionKind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Write the Ethernet header to p->tx and send len bytes, padded to ETH_ZLEN. */
void peer_emit_eth(NetPeer *p, const uint8_t *dst_mac, uint16_t type, size_t len);
/* Wrap payload_len bytes already at p->tx + PEER_UDP_PAYLOAD in UDP/IPv4/Ethernet
 * from the peer's address and send them. */
void peer_emit_udp(NetPeer *p, const uint8_t *dst_mac, uint32_t dst_ip, uint16_t sport,
                   uint16_t dport, size_t payload_len);
/* The same for an ICMP message already at p->tx + ETH_HLEN + IPV4_HLEN. */
void peer_emit_ip(NetPeer *p, const uint8_t *dst_mac, uint32_t dst_ip, uint8_t proto,
                  size_t payload_len);

int peer_arp_input(NetPeer *p, const uint8_t *frame, size_t len, PeerAction *act);
int peer_icmp_input(NetPeer *p, const uint8_t *src_mac, const Ipv4View *ip, PeerAction *act);
int peer_dhcp_input(NetPeer *p, const UdpIn *u, PeerAction *act);
int peer_tftp_input(NetPeer *p, const UdpIn *u, PeerAction *act);
int peer_udp_echo_input(NetPeer *p, const UdpIn *u, PeerAction *act);
bool peer_tftp_owns_port(const NetPeer *p, uint16_t port);
void peer_tftp_close_all(NetPeer *p);

#endif
