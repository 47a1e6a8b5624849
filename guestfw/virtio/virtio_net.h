/* The virtio-net driver's public surface (virtio 1.2 §5.1 "Network Device"):
 * feature bits, the control-queue command numbers that netdev_ops take, and the
 * driver's registration. The driver itself is virtio_net.c. */
#ifndef GUESTFW_VIRTIO_NET_H
#define GUESTFW_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "netdev.h"

/* Feature bits (§5.1.3). */
#define VIRTIO_NET_F_CSUM           0
#define VIRTIO_NET_F_GUEST_CSUM     1
#define VIRTIO_NET_F_CTRL_GUEST_OFFLOADS 2
#define VIRTIO_NET_F_MTU            3
#define VIRTIO_NET_F_MAC            5
#define VIRTIO_NET_F_MRG_RXBUF      15
#define VIRTIO_NET_F_STATUS         16
#define VIRTIO_NET_F_CTRL_VQ        17
#define VIRTIO_NET_F_CTRL_RX        18
#define VIRTIO_NET_F_CTRL_VLAN      19
#define VIRTIO_NET_F_CTRL_RX_EXTRA  20
#define VIRTIO_NET_F_GUEST_ANNOUNCE 21
#define VIRTIO_NET_F_MQ             22
#define VIRTIO_NET_F_CTRL_MAC_ADDR  23

/* Config status bits (§5.1.4). */
#define VIRTIO_NET_S_LINK_UP  1
#define VIRTIO_NET_S_ANNOUNCE 2

/* Header flags (§5.1.6). */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2

/* Control queue (§5.1.6.5). */
#define VIRTIO_NET_OK  0
#define VIRTIO_NET_ERR 1
#define VIRTIO_NET_CTRL_RX        0
#define  VIRTIO_NET_CTRL_RX_PROMISC   0
#define  VIRTIO_NET_CTRL_RX_ALLMULTI  1
#define  VIRTIO_NET_CTRL_RX_ALLUNI    2
#define  VIRTIO_NET_CTRL_RX_NOMULTI   3
#define  VIRTIO_NET_CTRL_RX_NOUNI     4
#define  VIRTIO_NET_CTRL_RX_NOBCAST   5
#define VIRTIO_NET_CTRL_MAC       1
#define  VIRTIO_NET_CTRL_MAC_TABLE_SET 0
#define  VIRTIO_NET_CTRL_MAC_ADDR_SET  1
#define VIRTIO_NET_CTRL_VLAN      2
#define  VIRTIO_NET_CTRL_VLAN_ADD 0
#define  VIRTIO_NET_CTRL_VLAN_DEL 1
#define VIRTIO_NET_CTRL_ANNOUNCE  3
#define  VIRTIO_NET_CTRL_ANNOUNCE_ACK 0
#define VIRTIO_NET_CTRL_MQ        4
#define  VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET 0
#define  VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN 1
#define  VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX 0x8000

/* The most queue pairs this driver sets up (the device may offer more). */
#define VIRTIO_NET_MAX_PAIRS 4

/* Registers the virtio bus, the virtio-pci driver and the virtio-net driver
 * (idempotent). Devices already enumerated on the PCI bus are probed now, later
 * ones when pci_enumerate registers them. Returns 0 or -1. */
int virtio_net_init(void);

/* Overrides the `virtio=` bootarg for devices probed afterwards: "legacy",
 * "modern", or NULL for the default (modern when offered). */
void virtio_pci_set_interface(const char *which);

/* What the driver negotiated and read, for scenarios and statistics. */
struct virtio_net_info {
    uint64_t device_features, features;
    bool legacy;                 /* transport */
    unsigned hdr_len;            /* 10 or 12 */
    bool mergeable, csum_offload, ctrl_vq;
    uint16_t config_status, max_pairs, mtu;
    unsigned rx_bufs_posted;     /* on rx0 after try_fill_recv */
    unsigned queue_size;         /* rx0 */
    uint64_t tx_kicks, tx_kicks_suppressed, rx_irqs, config_irqs;
    bool broken;
};
/* 0 and *out when nd is a virtio-net interface, else -1. */
int virtio_net_get_info(struct netdev *nd, struct virtio_net_info *out);

#endif
