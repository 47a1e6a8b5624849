/* The virtio network device (virtio 1.2 §5.1): feature bits and their dependencies
 * (§5.1.3, §5.1.3.1), the config layout (§5.1.4), transmit with checksum offload
 * (§5.1.6.2), receive into single or merged buffers (§5.1.6.3, §5.1.6.4), receive
 * filtering and the control virtqueue (§5.1.6.5). DESIGN.md §6, §7.
 *
 * Typical use, by the machine:
 *     VirtioNetConfig c; virtio_net_config_default(&c);   // then --mac, --net-features
 *     virtio_net_init(&net, &c, err);
 *     backend cfg: .deliver = virtio_net_receive, .opaque = &net
 *     virtio_net_set_backend(&net, nb);
 *     virtio_pci_init(&vp, &net.vdev, mode, err); ...
 *
 * Queues: rx N = 2N, tx N = 2N + 1; the control queue is 2 * max_virtqueue_pairs when
 * MQ is negotiated and 2 otherwise (§5.1.2), so the device has 2 * max_pairs + 1
 * queues and the control queue's index depends on what the driver accepted.
 *
 * Choices where the spec leaves room (documented in the .c file too):
 *  - After reset the device is promiscuous, as QEMU's is, so a driver without CTRL_RX
 *    receives everything; a driver that wants filtering turns PROMISC off.
 *  - Frames dropped (filtered, link down, malformed tx) are counted in VirtioNetStats.
 *  - Receive steering with MQ: a symmetric hash of the IPv4 addresses and TCP/UDP ports
 *    (virtio_net_flow_hash) modulo the active pairs; anything else goes to pair 0.
 *  - DATA_VALID (with GUEST_CSUM on) only for frames whose checksum the device checked:
 *    TCP/UDP over IPv4 or IPv6 without extension headers, and ICMPv4; others get flags 0.
 *  - A non-mergeable rx chain too small for the frame is returned with len 0 and the
 *    frame dropped (QEMU truncates); a tx NEEDS_CSUM without CSUM negotiated is dropped.
 *  - Without MTU negotiated rx frames up to 65535 bytes pass; with it, mtu + 14 (+ 4
 *    with an 802.1Q tag).
 *  - Control commands made available before DRIVER_OK wait for it (§2.1.2). */
#ifndef RINGSIDE_VIRTIO_NET_H
#define RINGSIDE_VIRTIO_NET_H

#include "virtio/virtio.h"

struct NetBackend;

/* Device-specific feature bits VIRTIO_NET_F_* (§5.1.3) come from the one names table
 * (virtio/virtio_names.def, through virtio_names.h). */

#define VNET_BIT(b) (1ull << (b))
/* Everything this model implements; all offered unless switched off. */
#define VIRTIO_NET_DEFAULT_FEATURES                                                      \
    (VNET_BIT(VIRTIO_F_VERSION_1) | VNET_BIT(VIRTIO_NET_F_MAC) |                        \
     VNET_BIT(VIRTIO_NET_F_STATUS) | VNET_BIT(VIRTIO_NET_F_MTU) |                       \
     VNET_BIT(VIRTIO_NET_F_MRG_RXBUF) | VNET_BIT(VIRTIO_NET_F_CSUM) |                   \
     VNET_BIT(VIRTIO_NET_F_GUEST_CSUM) | VNET_BIT(VIRTIO_NET_F_CTRL_VQ) |               \
     VNET_BIT(VIRTIO_NET_F_CTRL_RX) | VNET_BIT(VIRTIO_NET_F_CTRL_RX_EXTRA) |            \
     VNET_BIT(VIRTIO_NET_F_CTRL_VLAN) | VNET_BIT(VIRTIO_NET_F_CTRL_MAC_ADDR) |          \
     VNET_BIT(VIRTIO_NET_F_GUEST_ANNOUNCE) | VNET_BIT(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) | \
     VNET_BIT(VIRTIO_NET_F_MQ) | VNET_BIT(VIRTIO_F_RING_INDIRECT_DESC) |                \
     VNET_BIT(VIRTIO_F_RING_EVENT_IDX))
/* Implemented but not offered unless switched on (--net-features=+ring_packed), as
 * QEMU's packed=off: the packed ring (§2.8). */
#define VIRTIO_NET_OPTIONAL_FEATURES (VNET_BIT(VIRTIO_F_RING_PACKED))

/* Config status bits (§5.1.4): the status field's bits, VIRTIO_NET_S_LINK_UP and _ANNOUNCE: virtio/virtio_names.h,
 * from the table virtio/virtio_cfg_names.def. */

/* virtio_net_hdr (§5.1.6): flags and gso_type values, field offsets, sizes. */
enum {
    VIRTIO_NET_HDR_F_NEEDS_CSUM = 1,
    VIRTIO_NET_HDR_F_DATA_VALID = 2,
    VIRTIO_NET_HDR_GSO_NONE = 0,
    VNET_HDR_FLAGS = 0, VNET_HDR_GSO_TYPE = 1, VNET_HDR_HDR_LEN = 2, VNET_HDR_GSO_SIZE = 4,
    VNET_HDR_CSUM_START = 6, VNET_HDR_CSUM_OFFSET = 8, VNET_HDR_NUM_BUFFERS = 10,
    VNET_HDR_LEN_LEGACY = 10,       /* without VERSION_1 and MRG_RXBUF */
    VNET_HDR_LEN = 12,
};

/* Control queue (§5.1.6.5). */
enum {
    VIRTIO_NET_OK = 0, VIRTIO_NET_ERR = 1,
    VIRTIO_NET_CTRL_RX = 0,
    VIRTIO_NET_CTRL_RX_PROMISC = 0, VIRTIO_NET_CTRL_RX_ALLMULTI = 1, VIRTIO_NET_CTRL_RX_ALLUNI = 2,
    VIRTIO_NET_CTRL_RX_NOMULTI = 3, VIRTIO_NET_CTRL_RX_NOUNI = 4, VIRTIO_NET_CTRL_RX_NOBCAST = 5,
    VIRTIO_NET_CTRL_MAC = 1,
    VIRTIO_NET_CTRL_MAC_TABLE_SET = 0, VIRTIO_NET_CTRL_MAC_ADDR_SET = 1,
    VIRTIO_NET_CTRL_VLAN = 2,
    VIRTIO_NET_CTRL_VLAN_ADD = 0, VIRTIO_NET_CTRL_VLAN_DEL = 1,
    VIRTIO_NET_CTRL_ANNOUNCE = 3,
    VIRTIO_NET_CTRL_ANNOUNCE_ACK = 0,
    VIRTIO_NET_CTRL_MQ = 4,
    VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET = 0,
    VIRTIO_NET_CTRL_GUEST_OFFLOADS = 5,
    VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET = 0,
};

enum {
    VIRTIO_NET_CONFIG_SIZE = 12,      /* mac, status, max_virtqueue_pairs, mtu */
    VIRTIO_NET_MAX_PAIRS = 256,       /* what this model allows configuring */
    VIRTIO_NET_MAC_TABLE = 64,        /* MAC filter entries (unicast + multicast) */
    VIRTIO_NET_MAX_FRAME = 65535,     /* largest frame either way (no GSO) */
    VIRTIO_NET_MIN_FRAME = 14,        /* an Ethernet header */
};

typedef struct VirtioNetConfig {
    uint8_t mac[6];              /* default 52:54:00:12:34:56, as QEMU */
    uint64_t features;           /* offered; default VIRTIO_NET_DEFAULT_FEATURES */
    uint16_t mtu;                /* default 1500 (68..65535) */
    uint16_t max_pairs;          /* default 4; 1 when MQ is not offered */
    uint16_t queue_size;         /* default 256 */
    bool link_down;              /* initial link state (default up) */
    const char *name;            /* trace device name; default "virtio-net" */
} VirtioNetConfig;

typedef struct VirtioNetStats {
    uint64_t tx_frames, tx_dropped;     /* tx_dropped: runt/oversize, bad csum request, link down */
    uint64_t rx_frames, rx_filtered;    /* rx_filtered: refused by the receive filter */
    uint64_t rx_dropped;                /* link down, over MTU, buffer too small */
    uint64_t ctrl_ok, ctrl_err;
} VirtioNetStats;

/* Where transmitted frames go, and who hears that rx buffers were posted. */
typedef struct VirtioNetPeer {
    void (*send)(void *opaque, const uint8_t *frame, size_t len);
    void (*rx_ready)(void *opaque);
    void *opaque;
} VirtioNetPeer;

/* Receive buffers fetched but not yet used (a merged frame waiting for more). */
typedef struct VirtioNetRxHeld {
    VqElem *elem;
    unsigned n, cap;
} VirtioNetRxHeld;

typedef struct VirtioNet {
    VirtioDevice vdev;               /* first: the core and the transport see only this */
    VirtioNetConfig cfg;
    VirtioNetPeer peer;

    uint8_t mac[6];                  /* current (ADDR_SET, legacy config write) */
    uint16_t status;
    uint16_t curr_pairs;
    uint64_t guest_offloads;         /* GUEST_CSUM currently on (CTRL_GUEST_OFFLOADS) */

    /* receive filter (§5.1.6.5.1, §5.1.6.5.2, §5.1.6.5.3) */
    bool promisc, allmulti, alluni, nomulti, nouni, nobcast;
    uint8_t macs[VIRTIO_NET_MAC_TABLE][6];
    unsigned n_uni, n_multi;         /* macs[0..n_uni) unicast, then n_multi multicast */
    bool uni_overflow, multi_overflow;
    uint32_t vlans[4096 / 32];

    VirtioNetRxHeld *held;           /* one per pair */
    VqElem elem;                     /* scratch for tx and control chains */
    uint8_t *buf;                    /* scratch: header + the largest frame */
    VirtioNetStats stats;
} VirtioNet;

void virtio_net_config_default(VirtioNetConfig *c);
int virtio_net_init(VirtioNet *n, const VirtioNetConfig *cfg, Err *err);
void virtio_net_destroy(VirtioNet *n);
/* The device's snapshot state, the virtio core as its child (snap/snap.h). */
struct SnapDesc;
extern const struct SnapDesc virtio_net_snap;
/* Transmitted frames go to nb (net_backend_send), rx notifies call net_backend_rx_ready. */
void virtio_net_set_backend(VirtioNet *n, struct NetBackend *nb);
/* The same with any peer (tests, other backends). */
void virtio_net_set_peer(VirtioNet *n, const VirtioNetPeer *p);

/* The backend's deliver callback (NetDeliverFn), opaque = the VirtioNet: true if the
 * frame was consumed (written to the guest, filtered out or dropped), false if the
 * guest has no receive buffer for it yet (or is not running): offer it again after the
 * next rx_ready. */
bool virtio_net_receive(void *opaque, const uint8_t *frame, size_t len);

/* Sets status.LINK_UP and notifies a config change. With STATUS offered, frames are
 * dropped both ways while the link is down; without it the driver cannot learn of the
 * link (§5.1.4: it assumes the link is up), so traffic is not affected. Returns 1 if
 * the state changed, else 0. */
int virtio_net_set_link(VirtioNet *n, bool up);
/* Asks the driver to announce itself (status.ANNOUNCE, §5.1.6.5.4); 0, or -1 when
 * GUEST_ANNOUNCE was not negotiated. */
int virtio_net_announce(VirtioNet *n);

/* Queue index of the control queue under the features the driver accepted. */
unsigned virtio_net_ctrl_queue(const VirtioNet *n);
/* What the driver and the device both follow (also the driver checker's, sim/check/):
 * the virtio_net_hdr length under these features (12 with VERSION_1 or MRG_RXBUF,
 * else 10; §5.1.6); the first feature dependency of §5.1.3.1 the set breaks (1, with
 * the feature and the one it needs, else 0); the feature an optional config field at
 * off needs to exist (§5.1.4), or -1 for a field that always does. */
unsigned virtio_net_hdr_len(uint64_t features);
int virtio_net_feature_conflict(uint64_t features, unsigned *bit, unsigned *needs);
int virtio_net_config_feature(unsigned off);
/* The config fields, with their widths (what VirtioDeviceOps.config_regs holds). */
const RegDesc *virtio_net_config_regs(unsigned *n);
/* The steering hash: symmetric over IPv4 addresses and TCP/UDP ports (so a flow's two
 * directions agree), 0 for other frames. */
uint32_t virtio_net_flow_hash(const uint8_t *frame, size_t len);

/* net_features.c: "--net-features=-mrg_rxbuf,+mq,-csum" applied to *features. Names
 * are the names table's command-line spellings (the spec's names without VIRTIO_NET_F_ /
 * VIRTIO_F_, in lower case: "indirect_desc", "event_idx"); a bare name means +. Names
 * that are unknown, or of features this model does not implement, are refused with the
 * valid list. */
int virtio_net_parse_features(const char *spec, uint64_t *features, Err *err);
/* The command-line spelling of a feature bit of virtio-net ("ctrl_vlan"), or NULL. */
const char *virtio_net_feature_name(unsigned bit);

#endif
