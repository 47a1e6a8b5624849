/* The built-in deterministic network peer (DESIGN.md §7): one host on QEMU's user-
 * network addresses answering ARP, ICMP echo, DHCP, read-only TFTP and UDP echo, with
 * no clock and no randomness, so the same guest frames always get the same answers. */
#ifndef RINGSIDE_NET_PEER_H
#define RINGSIDE_NET_PEER_H

#include "common.h"

/* Addresses of slirp's default user network (QEMU docs, "Network emulation"). */
#define PEER_NET        0x0a000200u   /* 10.0.2.0/24 */
#define PEER_NETMASK    0xffffff00u
#define PEER_GW_IP      0x0a000202u   /* 10.0.2.2: gateway, DHCP, TFTP, echo */
#define PEER_DNS_IP     0x0a000203u   /* 10.0.2.3: advertised, answers ARP only */
#define PEER_GUEST_IP   0x0a00020fu   /* 10.0.2.15: the one lease */
#define PEER_LEASE_SECS 86400u
extern const uint8_t peer_mac[6];     /* 52:55:0a:00:02:02, as slirp */

/* Frames the peer sends towards the guest, called synchronously from peer_input;
 * the frame is only valid during the call. */
typedef void PeerEmitFn(void *opaque, const uint8_t *frame, size_t len);

/* A file to serve over TFTP, by the name the guest asked for (already checked not to
 * leave the directory): 0 with its bytes in *data (malloc'd; the peer frees them), or
 * -1 with the TFTP error code (0 other, 1 not found, 2 access violation) and why. */
typedef int PeerFileFn(void *opaque, const char *name, uint8_t **data, size_t *len,
                       uint16_t *code, const char **why);
/* Told of every file read from tftp_dir: its bytes (why NULL) or the code and why it
 * could not be read. */
typedef void PeerFileSeenFn(void *opaque, const char *name, const uint8_t *data, size_t len,
                            uint16_t code, const char *why);

typedef struct PeerConfig {
    const char *tftp_dir;      /* NULL: every TFTP read is "file not found" */
    const char *bootfile;      /* NULL or DHCP option 67 / BOOTP file field */
    PeerEmitFn *emit;
    void *opaque;
    /* Replay: files come from file_read instead of tftp_dir, which is then never
     * opened (it only says that TFTP is on). Recording: file_seen sees each read. */
    PeerFileFn *file_read;
    PeerFileSeenFn *file_seen;
    void *file_opaque;
} PeerConfig;

/* What the peer did with one frame, for the trace. Names in peer_action_name. */
#define PEER_ACTIONS(X)                                    \
    X(PEER_ACT_DROPPED,        "dropped")                  \
    X(PEER_ACT_ARP_REPLY,      "arp reply")                \
    X(PEER_ACT_ARP_LEARNED,    "arp learned")              \
    X(PEER_ACT_ICMP_ECHO_REPLY,"icmp echo reply")          \
    X(PEER_ACT_DHCP_OFFER,     "dhcp offer")               \
    X(PEER_ACT_DHCP_ACK,       "dhcp ack")                 \
    X(PEER_ACT_DHCP_NAK,       "dhcp nak")                 \
    X(PEER_ACT_DHCP_RELEASE,   "dhcp release")             \
    X(PEER_ACT_TFTP_OACK,      "tftp oack")                \
    X(PEER_ACT_TFTP_DATA,      "tftp data")                \
    X(PEER_ACT_TFTP_DONE,      "tftp done")                \
    X(PEER_ACT_TFTP_ERROR,     "tftp error")               \
    X(PEER_ACT_UDP_ECHO,       "udp echo")

typedef enum {
#define X(id, name) id,
    PEER_ACTIONS(X)
#undef X
    PEER_ACT__COUNT
} PeerActionKind;

/* Why a frame was dropped. Names in peer_drop_name. */
#define PEER_DROPS(X)                                      \
    X(PEER_DROP_NONE,          "")                         \
    X(PEER_DROP_RUNT,          "truncated ethernet header")\
    X(PEER_DROP_NOT_FOR_US,    "not addressed to the peer")\
    X(PEER_DROP_ETHERTYPE,     "unsupported ethertype")    \
    X(PEER_DROP_VLAN,          "802.1Q tagged frame: the peer is untagged") \
    X(PEER_DROP_ARP_BAD,       "malformed arp")            \
    X(PEER_DROP_ARP_OTHER,     "arp for another address")  \
    X(PEER_DROP_IP_TRUNCATED,  "truncated ip datagram")    \
    X(PEER_DROP_IP_VERSION,    "bad ip version")           \
    X(PEER_DROP_IP_HLEN,       "bad ip header length")     \
    X(PEER_DROP_IP_CSUM,       "bad ip checksum")          \
    X(PEER_DROP_IP_FRAGMENT,   "ip fragment")              \
    X(PEER_DROP_IP_PROTO,      "unsupported ip protocol")  \
    X(PEER_DROP_ICMP_BAD,      "malformed icmp")           \
    X(PEER_DROP_ICMP_CSUM,     "bad icmp checksum")        \
    X(PEER_DROP_ICMP_TYPE,     "unsupported icmp type")    \
    X(PEER_DROP_UDP_BAD,       "malformed udp")            \
    X(PEER_DROP_UDP_CSUM,      "bad udp checksum")         \
    X(PEER_DROP_NO_SERVICE,    "no service on port")       \
    X(PEER_DROP_DHCP_BAD,      "malformed dhcp")           \
    X(PEER_DROP_DHCP_IGNORED,  "dhcp message not for this server") \
    X(PEER_DROP_TFTP_BAD,      "malformed tftp")           \
    X(PEER_DROP_TFTP_STALE,    "tftp ack out of sequence") \
    X(PEER_DROP_TFTP_DUP_ACK,  "tftp duplicate ack")

typedef enum {
#define X(id, name) id,
    PEER_DROPS(X)
#undef X
    PEER_DROP__COUNT
} PeerDropReason;

typedef struct PeerAction {
    PeerActionKind kind;
    PeerDropReason drop;       /* PEER_DROP_NONE unless kind is PEER_ACT_DROPPED */
    char detail[96];           /* "id 1 seq 3", "10.0.2.15", "block 2", the drop reason */
} PeerAction;

typedef struct PeerStats {
    uint64_t rx_frames, tx_frames;
    uint64_t actions[PEER_ACT__COUNT];
    uint64_t drops[PEER_DROP__COUNT];
} PeerStats;

typedef struct NetPeer NetPeer;

NetPeer *peer_create(const PeerConfig *cfg, Err *err);
void peer_destroy(NetPeer *p);
/* The peer's snapshot state: what it learnt of the guest, its counters and the TFTP
 * transfers under way with the files they serve (snap/snap.h). */
struct SnapDesc;
extern const struct SnapDesc net_peer_snap;

/* One frame from the guest (no virtio header, no FCS). Answers go out through emit
 * before this returns; act (may be NULL) says what happened. Returns the number of
 * frames emitted. Never reads past len, whatever the frame holds. */
int peer_input(NetPeer *p, const uint8_t *frame, size_t len, PeerAction *act);

const PeerStats *peer_stats(const NetPeer *p);
/* The guest's MAC as learned from its ARP and IP traffic; false until seen. */
bool peer_guest_mac(const NetPeer *p, uint8_t mac[6]);

const char *peer_action_name(PeerActionKind k);
const char *peer_drop_name(PeerDropReason r);

#endif
