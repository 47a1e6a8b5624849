/* Internal to the virtio-net driver (virtio 1.2 §5.1): the per-device state shared by
 * probe (virtio_net.c), the data path (virtio_net_rxtx.c) and the control queue
 * (virtio_net_ctrl.c). Nothing outside guestfw/virtio/ includes this. */
#ifndef GUESTFW_VIRTIO_NET_PRIV_H
#define GUESTFW_VIRTIO_NET_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netdev.h"
#include "virtio/virtio.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_ring.h"

/* Device config layout (§5.1.4). */
#define CFG_MAC        0
#define CFG_STATUS     6
#define CFG_MAX_PAIRS  8
#define CFG_MTU        10

/* virtio_net_hdr (§5.1.6) field offsets. */
#define HDR_FLAGS       0
#define HDR_CSUM_START  6
#define HDR_CSUM_OFFSET 8
#define HDR_NUM_BUFFERS 10
#define HDR_ROOM        16      /* the largest header, rounded: frame data starts here */

#define ETH_HLEN        14
#define VLAN_HLEN       4
#define MIN_MTU         68
#define TX_SLOTS_MAX    64      /* tx buffers per queue (bounded by the ring size) */
#define RX_SCRATCH      16384   /* a merged frame is reassembled here */
#define RX_BUDGET       64      /* frames per queue per poll, like a NAPI weight */
#define CTRL_DATA_MAX   512
#define CTRL_TIMEOUT_MS 500     /* virtual time */

struct vnet_rq {
    struct virtqueue *vq;
    uint8_t *bufs;              /* nbufs slots of stride bytes */
    unsigned nbufs, stride;
    bool pending;               /* an interrupt asked for a poll */
    bool filled;                /* its buffers are posted (vnet_fill_rx_queue) */
};

struct vnet_sq {
    struct virtqueue *vq;
    uint8_t *bufs;              /* nslots slots of stride bytes */
    unsigned nslots, stride;
    uint16_t *free_slots;
    unsigned nfree;
};

struct vnet {
    struct netdev nd;
    struct virtio_device *vdev;
    struct vnet_rq rq[VIRTIO_NET_MAX_PAIRS];
    struct vnet_sq sq[VIRTIO_NET_MAX_PAIRS];
    struct virtqueue *cvq;
    unsigned max_pairs, curr_pairs, dev_pairs;
    unsigned hdr_len, max_frame;
    bool mergeable, any_layout, csum_tx, guest_csum, ctrl_broken, in_poll;
    uint16_t config_status, mtu;
    uint8_t *scratch;
    /* control command buffers: {class, cmd}, data, ack */
    uint8_t *ctrl_hdr, *ctrl_data, *ctrl_ack;
    unsigned rx_posted0;
    bool opened;                /* virtnet_open ran: queue pairs taken into use get buffers */
    uint64_t rx_irqs, config_irqs;
    char name[8];
};

static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline uint16_t get_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline void put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static inline struct vnet *vnet_of(struct netdev *nd) { return nd->priv; }

/* virtio_net_ctrl.c: control-queue commands and the netdev operations built on them. */
int vnet_send_command(struct vnet *vi, uint8_t cls, uint8_t cmd, const void *data, unsigned len);
int vnet_set_mac(struct netdev *nd, const uint8_t mac[6]);
int vnet_set_rx_mode(struct netdev *nd, unsigned cmd, bool on);
int vnet_set_mac_table(struct netdev *nd, const uint8_t (*uni)[6], unsigned n_uni,
                       const uint8_t (*multi)[6], unsigned n_multi);
int vnet_vlan(struct netdev *nd, bool add, uint16_t vid);
int vnet_set_queue_pairs(struct netdev *nd, unsigned n);
int vnet_announce_ack(struct netdev *nd);

/* virtio_net_rxtx.c: buffers, transmit, receive, poll and the queue callbacks. */
unsigned vnet_try_fill_recv(struct vnet *vi, struct vnet_rq *rq);
/* Posts receive queue q's buffers once and kicks the device (virtnet_open for the pairs
 * in use, the refill when more are taken into use); 0, or -1 with the device FAILED. */
int vnet_fill_rx_queue(struct vnet *vi, unsigned q);
int vnet_xmit(struct netdev *nd, unsigned qp, const void *frame, size_t len);
int vnet_xmit_csum(struct netdev *nd, unsigned qp, const void *frame, size_t len,
                   uint16_t csum_start, uint16_t csum_offset);
int vnet_poll(struct netdev *nd);
void vnet_rx_done(struct virtqueue *vq);
void vnet_tx_done(struct virtqueue *vq);
void vnet_read_status(struct vnet *vi);
void vnet_config_changed(struct virtio_device *vdev);

#endif
