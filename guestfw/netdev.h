/* The firmware's network-interface abstraction, the small cousin of Linux's
 * struct net_device: the virtio-net driver registers one, the network stack
 * (guestfw/net/) sends and receives Ethernet frames through it. */
#ifndef GUESTFW_NETDEV_H
#define GUESTFW_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netdev;

/* Called for every received frame (without any virtio header), from netdev_poll or
 * from the interrupt handler's bottom half; the frame is only valid during the call. */
typedef void netdev_rx_fn(struct netdev *nd, const uint8_t *frame, size_t len, void *ctx);

struct netdev_ops {
    /* Queues one frame (Ethernet header onwards) for transmission on queue pair qp.
     * Returns 0, or -1 when the ring is full (after reclaiming) or the device failed. */
    int (*xmit)(struct netdev *nd, unsigned qp, const void *frame, size_t len);
    /* As xmit, but the device finishes one checksum (Linux's CHECKSUM_PARTIAL; virtio
     * 1.2 §5.1.6.2): it sums the frame from csum_start (the L4 header's offset from
     * the start of the frame) to the end, the 16-bit field at csum_start + csum_offset
     * included, and stores the complement there (0 as 0xffff). The caller seeds the
     * field: the folded, uncomplemented pseudo-header sum for TCP/UDP, 0 for a
     * checksum without one. Only when tx_csum is set; -1 also for a field outside the
     * frame. NULL in drivers without offload. */
    int (*xmit_csum)(struct netdev *nd, unsigned qp, const void *frame, size_t len,
                     uint16_t csum_start, uint16_t csum_offset);
    /* Reclaims transmitted buffers and delivers received frames to rx_fn; returns the
     * number of frames delivered. Safe to call with interrupts on or off. */
    int (*poll)(struct netdev *nd);
    /* Control-queue operations; -1 when the feature was not negotiated or the device
     * answered VIRTIO_NET_ERR. */
    int (*set_mac)(struct netdev *nd, const uint8_t mac[6]);
    int (*set_rx_mode)(struct netdev *nd, unsigned cmd /* VIRTIO_NET_CTRL_RX_* */, bool on);
    int (*set_mac_table)(struct netdev *nd, const uint8_t (*uni)[6], unsigned n_uni,
                         const uint8_t (*multi)[6], unsigned n_multi);
    int (*vlan)(struct netdev *nd, bool add, uint16_t vid);
    int (*set_queue_pairs)(struct netdev *nd, unsigned n);
    int (*announce_ack)(struct netdev *nd);
};

struct netdev {
    const char *name;              /* "eth0" */
    uint8_t mac[6];
    uint16_t mtu;
    bool link_up;
    bool tx_csum;                  /* ops->xmit_csum works (NETIF_F_HW_CSUM) */
    bool failed;                   /* the device broke (NEEDS_RESET, a bad ring): stop waiting */
    unsigned max_queue_pairs, queue_pairs;
    const struct netdev_ops *ops;
    netdev_rx_fn *rx_fn;
    void *rx_ctx;
    void *priv;                    /* the driver's state */
    /* statistics, as `ip -s link` shows them */
    uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes, tx_dropped, rx_dropped, irqs;
    struct netdev *next;
};

/* Registers an interface (register_netdev); the stack finds it with netdev_first. */
int netdev_register(struct netdev *nd);
/* Takes a registered interface off the list again (a probe that failed after it). */
void netdev_unregister(struct netdev *nd);
struct netdev *netdev_first(void);

#endif
