/* The virtio-net driver (virtio 1.2 §5.1 "Network Device"), following the order of
 * Linux's virtnet_probe: negotiate, read the config (§5.1.4), find the queues (rx N =
 * 2N, tx N = 2N+1, control last, §5.1.2), register the interface, DRIVER_OK, and
 * at open fill the receive rings (try_fill_recv). Frames travel with the
 * virtio_net_hdr of §5.1.6; control commands follow §5.1.6.5. Interrupts only schedule work (NAPI-style): the
 * frames are delivered from netdev poll, so the stack is never re-entered. */
#include "fdt.h"
#include "libc.h"
#include "platform.h"
#include "virtio/virtio.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_pci.h"
#include "virtio/virtio_net_priv.h"
#include "virtio/virtio_ring.h"

static unsigned netdev_count;

static const unsigned vnet_features[] = {
    VIRTIO_NET_F_MAC, VIRTIO_NET_F_STATUS, VIRTIO_NET_F_MTU, VIRTIO_NET_F_MRG_RXBUF,
    VIRTIO_NET_F_CSUM, VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_CTRL_VQ, VIRTIO_NET_F_CTRL_RX,
    VIRTIO_NET_F_CTRL_VLAN, VIRTIO_NET_F_CTRL_MAC_ADDR, VIRTIO_NET_F_MQ,
    VIRTIO_NET_F_GUEST_ANNOUNCE, VIRTIO_NET_F_CTRL_RX_EXTRA,
};

/* ---- feature validation (before FEATURES_OK) ---- */

static void clear_feature(struct virtio_device *vdev, unsigned bit, const char *why)
{
    if (!virtio_has_feature(vdev, bit))
        return;
    vdev->features &= ~(1ull << bit);
    printf("virtio-net: not accepting %s (%s)\n", virtio_feature_name(VIRTIO_ID_NET, bit), why);
}

static void vnet_validate(struct virtio_device *vdev)
{
    /* Bootarg switches use QEMU's property names. */
    static const struct { const char *arg; unsigned bit; } switches[] = {
        { "csum", VIRTIO_NET_F_CSUM }, { "guest_csum", VIRTIO_NET_F_GUEST_CSUM },
        { "mrg_rxbuf", VIRTIO_NET_F_MRG_RXBUF }, { "mq", VIRTIO_NET_F_MQ },
        { "ctrl_vq", VIRTIO_NET_F_CTRL_VQ }, { "status", VIRTIO_NET_F_STATUS },
        { "mtu", VIRTIO_NET_F_MTU }, { "mac", VIRTIO_NET_F_MAC },
    };
    for (size_t i = 0; i < sizeof switches / sizeof switches[0]; i++)
        if (bootarg_is(switches[i].arg, "off"))
            clear_feature(vdev, switches[i].bit, "switched off on the command line");
    /* Everything on the control queue depends on it (§5.1.3.1). */
    if (!virtio_has_feature(vdev, VIRTIO_NET_F_CTRL_VQ)) {
        static const unsigned deps[] = { VIRTIO_NET_F_CTRL_RX, VIRTIO_NET_F_CTRL_VLAN,
            VIRTIO_NET_F_GUEST_ANNOUNCE, VIRTIO_NET_F_MQ, VIRTIO_NET_F_CTRL_MAC_ADDR };
        for (size_t i = 0; i < sizeof deps / sizeof deps[0]; i++)
            clear_feature(vdev, deps[i], "needs CTRL_VQ");
    }
    if (!virtio_has_feature(vdev, VIRTIO_NET_F_CTRL_RX))
        clear_feature(vdev, VIRTIO_NET_F_CTRL_RX_EXTRA, "needs CTRL_RX");
    if (virtio_has_feature(vdev, VIRTIO_NET_F_MTU)) {
        uint16_t mtu = 0;
        virtio_cread_bytes(vdev, CFG_MTU, &mtu, 2);
        if (mtu < MIN_MTU)
            clear_feature(vdev, VIRTIO_NET_F_MTU, "device mtu below 68");
    }
    if (virtio_has_feature(vdev, VIRTIO_NET_F_MQ)) {
        uint16_t pairs = 0;
        virtio_cread_bytes(vdev, CFG_MAX_PAIRS, &pairs, 2);
        if (pairs < VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN || pairs > VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX)
            clear_feature(vdev, VIRTIO_NET_F_MQ, "max_virtqueue_pairs out of range");
    }
}

static const struct netdev_ops vnet_ops = {
    .xmit = vnet_xmit,
    .xmit_csum = vnet_xmit_csum,
    .poll = vnet_poll,
    .set_mac = vnet_set_mac,
    .set_rx_mode = vnet_set_rx_mode,
    .set_mac_table = vnet_set_mac_table,
    .vlan = vnet_vlan,
    .set_queue_pairs = vnet_set_queue_pairs,
    .announce_ack = vnet_announce_ack,
};

/* ---- probe ---- */

static int read_config(struct vnet *vi)
{
    struct virtio_device *vdev = vi->vdev;
    struct netdev *nd = &vi->nd;
    if (virtio_has_feature(vdev, VIRTIO_NET_F_MAC)) {
        if (virtio_cread_bytes(vdev, CFG_MAC, nd->mac, 6) != 0)
            return -1;
    } else {
        /* A fixed, locally administered address keeps runs deterministic. */
        static const uint8_t local[6] = { 0x02, 0x52, 0x53, 0x00, 0x00, 0x01 };
        memcpy(nd->mac, local, 6);
        nd->mac[5] = (uint8_t)(nd->mac[5] + netdev_count);
    }
    vnet_read_status(vi);
    vi->max_pairs = 1;
    if (virtio_has_feature(vdev, VIRTIO_NET_F_MQ)) {
        uint16_t p = 1;
        if (virtio_cread_bytes(vdev, CFG_MAX_PAIRS, &p, 2) != 0)
            return -1;
        vi->max_pairs = p;
    }
    unsigned dev_pairs = vi->max_pairs;
    vi->dev_pairs = dev_pairs;
    if (vi->max_pairs > VIRTIO_NET_MAX_PAIRS)
        vi->max_pairs = VIRTIO_NET_MAX_PAIRS;
    vi->mtu = 1500;
    if (virtio_has_feature(vdev, VIRTIO_NET_F_MTU)) {
        uint16_t m = 0;
        if (virtio_cread_bytes(vdev, CFG_MTU, &m, 2) != 0)
            return -1;
        vi->mtu = m;
    }
    nd->mtu = vi->mtu;
    printf("virtio-net: config: mac %02x:%02x:%02x:%02x:%02x:%02x%s status 0x%x (link %s) "
           "max_virtqueue_pairs %u (using %u) mtu %u%s\n",
           nd->mac[0], nd->mac[1], nd->mac[2], nd->mac[3], nd->mac[4], nd->mac[5],
           virtio_has_feature(vdev, VIRTIO_NET_F_MAC) ? "" : " (generated)", vi->config_status,
           nd->link_up ? "up" : "down", dev_pairs, vi->max_pairs, vi->mtu,
           virtio_has_feature(vdev, VIRTIO_NET_F_MTU) ? "" : " (default)");
    return 0;
}

static int init_vqs(struct vnet *vi)
{
    static const char *const rx_names[] = { "rx0", "rx1", "rx2", "rx3" };
    static const char *const tx_names[] = { "tx0", "tx1", "tx2", "tx3" };
    struct virtio_device *vdev = vi->vdev;
    bool ctrl = virtio_has_feature(vdev, VIRTIO_NET_F_CTRL_VQ);
    unsigned n = 2 * vi->max_pairs + (ctrl ? 1 : 0);
    struct virtqueue *vqs[2 * VIRTIO_NET_MAX_PAIRS + 1];
    vq_callback_fn *cbs[2 * VIRTIO_NET_MAX_PAIRS + 1];
    const char *names[2 * VIRTIO_NET_MAX_PAIRS + 1];
    unsigned idx[2 * VIRTIO_NET_MAX_PAIRS + 1];
    for (unsigned q = 0; q < vi->max_pairs; q++) {
        cbs[2 * q] = vnet_rx_done;
        cbs[2 * q + 1] = vnet_tx_done;
        names[2 * q] = rx_names[q];
        names[2 * q + 1] = tx_names[q];
        idx[2 * q] = 2 * q;
        idx[2 * q + 1] = 2 * q + 1;
    }
    /* The control queue is the last one whatever the device's pair count (§5.1.2):
     * with MQ its index is 2 * max_virtqueue_pairs, not 2 * the pairs we use. */
    if (ctrl) {
        cbs[n - 1] = NULL;
        names[n - 1] = "ctrl";
        idx[n - 1] = 2 * vi->dev_pairs;
    }
    printf("virtio-net: find_vqs: %u queue pair%s%s\n", vi->max_pairs,
           vi->max_pairs == 1 ? "" : "s", ctrl ? " + control queue" : "");
    if (vdev->config->find_vqs(vdev, n, vqs, cbs, names, idx) != 0)
        return -1;
    for (unsigned q = 0; q < vi->max_pairs; q++) {
        vi->rq[q].vq = vqs[2 * q];
        vi->sq[q].vq = vqs[2 * q + 1];
        vqs[2 * q]->priv = &vi->rq[q];
        vqs[2 * q + 1]->priv = &vi->sq[q];
    }
    if (ctrl)
        vi->cvq = vqs[n - 1];
    return 0;
}

static void alloc_buffers(struct vnet *vi)
{
    for (unsigned q = 0; q < vi->max_pairs; q++) {
        struct vnet_rq *rq = &vi->rq[q];
        struct vnet_sq *sq = &vi->sq[q];
        rq->stride = (vi->hdr_len + vi->max_frame + 63) & ~63u;
        rq->nbufs = rq->vq->num;
        rq->bufs = fw_alloc((size_t)rq->nbufs * rq->stride, 64);
        sq->stride = (HDR_ROOM + vi->max_frame + 63) & ~63u;
        sq->nslots = sq->vq->num < TX_SLOTS_MAX ? sq->vq->num : TX_SLOTS_MAX;
        sq->bufs = fw_alloc((size_t)sq->nslots * sq->stride, 64);
        sq->free_slots = fw_alloc(sizeof(uint16_t) * sq->nslots, 0);
        for (unsigned i = 0; i < sq->nslots; i++)
            sq->free_slots[i] = (uint16_t)(sq->nslots - 1 - i);
        sq->nfree = sq->nslots;
    }
    vi->scratch = fw_alloc(RX_SCRATCH, 64);
    vi->ctrl_hdr = fw_alloc(16, 16);
    vi->ctrl_ack = fw_alloc(16, 16);
    vi->ctrl_data = fw_alloc(CTRL_DATA_MAX, 16);
}

/* Linux's virtnet_open: fill the receive queues of the pairs in use (try_fill_recv,
 * each followed by its kick); pairs taken into use later are filled then
 * (vnet_set_queue_pairs, as Linux's refill work). Transmit completions are reaped on
 * the next send, not by interrupt. */
static int virtnet_open(struct vnet *vi)
{
    printf("virtio-net: virtnet_open %s\n", vi->name);
    vi->opened = true;
    for (unsigned q = 0; q < vi->curr_pairs; q++)
        if (vnet_fill_rx_queue(vi, q) != 0)
            return -1;
    for (unsigned q = 0; q < vi->max_pairs; q++)
        virtqueue_disable_cb(vi->sq[q].vq);
    return 0;
}

/* Layer-2 transmit queue index mapping from Linux's virtnet (rx N = 2N, tx N = 2N+1)
 * is fixed by init_vqs; here the probe proper. */
static int virtnet_probe(struct virtio_device *vdev)
{
    struct vnet *vi = fw_alloc(sizeof(*vi), 0);
    vi->vdev = vdev;
    vdev->priv = vi;
    struct netdev *nd = &vi->nd;
    printf("virtio-net: virtnet_probe\n");

    /* Header size (§5.1.6): num_buffers exists with VERSION_1 or MRG_RXBUF. */
    vi->mergeable = virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF);
    vi->any_layout = virtio_has_feature(vdev, VIRTIO_F_VERSION_1)
                     || virtio_has_feature(vdev, VIRTIO_F_ANY_LAYOUT);
    vi->hdr_len = (vi->mergeable || virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) ? 12 : 10;
    vi->csum_tx = virtio_has_feature(vdev, VIRTIO_NET_F_CSUM);
    vi->guest_csum = virtio_has_feature(vdev, VIRTIO_NET_F_GUEST_CSUM);
    if (read_config(vi) != 0)
        return -1;
    vi->max_frame = (vi->mtu > 1500 ? vi->mtu : 1500) + ETH_HLEN + VLAN_HLEN;
    printf("virtio-net: header %u bytes, %s rx buffers, tx checksum offload %s\n",
           vi->hdr_len, vi->mergeable ? "mergeable" : vi->any_layout ? "single" : "split-header",
           vi->csum_tx ? "on (used for UDP)" : "off");

    if (init_vqs(vi) != 0) {
        virtio_fail(vdev, "find_vqs failed");
        return -1;
    }
    alloc_buffers(vi);
    vi->curr_pairs = 1;

    snprintf(vi->name, sizeof(vi->name), "eth%u", netdev_count++);
    nd->name = vi->name;
    nd->ops = &vnet_ops;
    nd->priv = vi;
    nd->tx_csum = vi->csum_tx;     /* csum=off already cleared the feature */
    nd->max_queue_pairs = vi->max_pairs;
    nd->queue_pairs = 1;

    /* Linux 6.1's order: register_netdevice, then virtio_device_ready (DRIVER_OK),
     * then _virtnet_set_queues; the receive buffers go in at virtnet_open, when the
     * stack brings the interface up, so the device sees DRIVER_OK before any buffer. */
    printf("virtio-net: register_netdev %s\n", nd->name);
    if (netdev_register(nd) != 0)
        return -1;
    virtio_device_ready(vdev);
    /* As virtnet_probe does after virtio_device_ready: the device does not notify
     * config changes before DRIVER_OK (virtio 1.2 §3.1.1), so a link that came up
     * since the first read is only seen by reading again. */
    vnet_read_status(vi);
    /* One pair until asked for more, as virtnet_probe's _virtnet_set_queues. */
    if (virtio_has_feature(vdev, VIRTIO_NET_F_MQ) && vnet_set_queue_pairs(nd, 1) != 0)
        printf("virtio-net: could not set 1 queue pair; continuing\n");
    if (!virtio_has_feature(vdev, VIRTIO_NET_F_MAC)) {
        uint8_t mac[6];
        memcpy(mac, nd->mac, 6);
        if (vnet_set_mac(nd, mac) != 0)
            printf("virtio-net: device keeps its own address filter\n");
    }
    if (virtio_check_needs_reset(vdev)) {
        virtio_fail(vdev, "device needs a reset after DRIVER_OK");
        netdev_unregister(nd);
        return -1;
    }
    if (virtnet_open(vi) != 0) {
        netdev_unregister(nd);
        return -1;
    }
    return 0;
}

static const struct virtio_device_id vnet_ids[] = { { VIRTIO_ID_NET }, { 0 } };

static struct virtio_driver virtio_net_driver = {
    .drv = { .name = "virtio_net" },
    .id_table = vnet_ids,
    .feature_table = vnet_features,
    .feature_table_size = sizeof vnet_features / sizeof vnet_features[0],
    .validate = vnet_validate,
    .probe = virtnet_probe,
    .config_changed = vnet_config_changed,
};

int virtio_net_init(void)
{
    static bool done;
    if (done)
        return 0;
    if (virtio_pci_init() != 0 || register_virtio_driver(&virtio_net_driver) != 0)
        return -1;
    done = true;
    return 0;
}

int virtio_net_get_info(struct netdev *nd, struct virtio_net_info *out)
{
    if (!nd || nd->ops != &vnet_ops)
        return -1;
    struct vnet *vi = vnet_of(nd);
    struct virtio_device *vdev = vi->vdev;
    memset(out, 0, sizeof(*out));
    out->device_features = vdev->device_features;
    out->features = vdev->features;
    out->legacy = vdev->legacy;
    out->hdr_len = vi->hdr_len;
    out->mergeable = vi->mergeable;
    out->csum_offload = vi->csum_tx;
    out->ctrl_vq = vi->cvq != NULL;
    out->config_status = vi->config_status;
    out->max_pairs = (uint16_t)vi->max_pairs;
    out->mtu = vi->mtu;
    out->rx_bufs_posted = vi->rx_posted0;
    out->queue_size = vi->rq[0].vq->num;
    for (unsigned q = 0; q < vi->max_pairs; q++) {
        out->tx_kicks += vi->sq[q].vq->kicks;
        out->tx_kicks_suppressed += vi->sq[q].vq->kicks_suppressed;
    }
    out->rx_irqs = vi->rx_irqs;
    out->config_irqs = vi->config_irqs;
    out->broken = vdev->broken;
    return 0;
}
