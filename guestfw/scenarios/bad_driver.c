/* scenario=bad-driver rule=ID: a virtio-net driver that breaks one driver rule of
 * virtio 1.2 on purpose (the rule ids of ringside's driver checker, sim/check/rules.def,
 * kept here as plain strings: the firmware shares no code with the simulator) and
 * otherwise follows the spec, so the checker must report exactly that rule, once.
 *
 * The virtio bus brings the device up as usual and hands it to this driver; the
 * scenario then resets it and initialises it again itself (§3.1.1), breaking the rule
 * at its step: in the initialisation (after which the driver carries on, or stops when
 * the device can no longer work), in the set-up of queue 0, or once rx0 and tx0 are
 * live, on their rings, buffers or registers. A run that carries on ends with an ARP
 * exchange with 10.0.2.2. Most rules need the modern interface (--virtio modern);
 * the test passes the others what they need. Exit codes: BD_* below. */
#include "fdt.h"
#include "libc.h"
#include "pci.h"
#include "platform.h"
#include "scenario.h"
#include "virtio/virtio.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_pci.h"
#include "virtio/virtio_ring.h"

enum bd_exit {
    BD_OK = 0,
    BD_USAGE = 80,          /* no or unknown rule= */
    BD_NO_DEVICE = 81,      /* no virtio-net device bound to this driver */
    BD_SETUP = 82,          /* the device or the transport cannot do what the rule needs */
    BD_ARP = 83,            /* no ARP reply where the driver carried on */
};

#define F(bit)      (1ull << (bit))
#define RX_BUFS     4
#define FRAME_MAX   1518
#define WAIT_US     50000u

/* Common configuration offsets (§4.1.4.3), for the raw register writes. */
#define C_NUM_QUEUES 0x12
#define C_STATUS     0x14
#define C_Q_SELECT   0x16
#define C_Q_SIZE     0x18
#define C_Q_ENABLE   0x1c
#define C_Q_DESC     0x20
#define C_Q_DRIVER   0x28
#define C_Q_DEVICE   0x30

static struct {
    struct virtio_device *vdev;
    struct virtio_pci_device *vp;
    const struct virtio_config_ops *ops;
    const char *rule;
    uint8_t status;                 /* what this driver has written */
    struct virtqueue *rx, *tx, *ctrl;
    unsigned hdr_len;
} bd;

static bool is(const char *id) { return strcmp(bd.rule, id) == 0; }

/* ---- the bus hands the device over ---- */

/* The device is taken at validate, before the bus writes features: so it is ours even
 * when the device then refuses FEATURES_OK (--virtio-fault refuse-features-ok). */
static void bd_validate(struct virtio_device *vdev)
{
    bd.vdev = vdev;
}

static int bd_probe(struct virtio_device *vdev)
{
    (void)vdev;
    return 0;               /* no queues, no DRIVER_OK: the scenario starts again */
}

static const struct virtio_device_id bd_ids[] = { { VIRTIO_ID_NET }, { 0 } };
static const unsigned bd_features[] = { VIRTIO_NET_F_MAC };
static struct virtio_driver bd_driver = {
    .drv = { .name = "bad-driver" },
    .id_table = bd_ids,
    .feature_table = bd_features,
    .feature_table_size = 1,
    .validate = bd_validate,
    .probe = bd_probe,
};

/* ---- what each rule needs ---- */

struct bd_rule {
    const char *id;
    uint64_t add, drop;     /* features accepted on top of MAC (and VERSION_1), or not */
    int (*live)(void);      /* the break once rx0 and tx0 are live (NULL: it is earlier) */
};

static void add_status(uint8_t bit)
{
    bd.status |= bit;
    bd.ops->set_status(bd.vdev, bd.status);
}

static uint64_t ram_end(void) { return ram_base() + ram_size(); }

/* ---- raw descriptors and ring entries, for the ring rules (§2.7.5, §2.7.6) ---- */

static uint8_t payload[128] __attribute__((aligned(16)));
static uint8_t *table;      /* an indirect table of queue size + 1 entries */

static void put_desc(uint8_t *t, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    uint8_t *d = t + 16u * i;
    *(volatile uint64_t *)(void *)d = addr;
    *(volatile uint32_t *)(void *)(d + 8) = len;
    *(volatile uint16_t *)(void *)(d + 12) = flags;
    *(volatile uint16_t *)(void *)(d + 14) = next;
}

static volatile uint16_t *avail_idx(struct virtqueue *vq) { return (volatile uint16_t *)(void *)(vq->avail + 2); }
static volatile uint16_t *avail_slot(struct virtqueue *vq, unsigned i)
{
    return (volatile uint16_t *)(void *)(vq->avail + 4 + 2u * (i & (vq->num - 1)));
}

/* Offers head in the next avail slot with avail idx moved by step, and notifies. */
static void offer(struct virtqueue *vq, uint16_t head, uint16_t step)
{
    uint16_t idx = *avail_idx(vq);
    *avail_slot(vq, idx) = head;
    wmb();                  /* the entry before the idx that covers it (§2.7.13.3.1) */
    *avail_idx(vq) = (uint16_t)(idx + step);
    mb();
    bd.ops->notify(vq);
}

static uint64_t buf(void) { return dma_addr(payload); }

/* ---- frames: an ARP request for 10.0.2.2, as the normal traffic ---- */

static uint8_t tx_hdr[12], tx_frame[60], rx_mem[RX_BUFS][12 + FRAME_MAX];
static uint8_t mac[6];

static void put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static void arp_request(void)
{
    static const uint8_t gw[4] = { 10, 0, 2, 2 }, me[4] = { 10, 0, 2, 15 };
    memset(tx_frame, 0, sizeof tx_frame);
    memset(tx_frame, 0xff, 6);
    memcpy(tx_frame + 6, mac, 6);
    put_be16(tx_frame + 12, 0x0806);
    put_be16(tx_frame + 14, 1);
    put_be16(tx_frame + 16, 0x0800);
    tx_frame[18] = 6;
    tx_frame[19] = 4;
    put_be16(tx_frame + 20, 1);
    memcpy(tx_frame + 22, mac, 6);
    memcpy(tx_frame + 28, me, 4);
    memcpy(tx_frame + 38, gw, 4);
}

/* Sends the header and frame as two buffers (or with the header given). */
static int send(const uint8_t *hdr, unsigned hdr_len)
{
    struct vq_sg out[2] = { { (void *)hdr, hdr_len }, { tx_frame, sizeof tx_frame } };
    if (virtqueue_add_sgs(bd.tx, out, 2, NULL, 0, tx_frame) != 0)
        return -1;
    virtqueue_kick(bd.tx);
    return 0;
}

/* Posts n receive buffers (notified later, once the device is live). */
static void fill_rx(unsigned n, unsigned len)
{
    for (unsigned i = 0; i < n; i++) {
        struct vq_sg in[2] = { { rx_mem[i], bd.hdr_len }, { rx_mem[i] + bd.hdr_len, len } };
        bool mrg = virtio_has_feature(bd.vdev, VIRTIO_NET_F_MRG_RXBUF);
        /* With MRG_RXBUF each descriptor is a buffer that holds its header (§5.1.6.3.1). */
        if (mrg)
            in[0].len += len;
        virtqueue_add_sgs(bd.rx, NULL, 0, in, mrg ? 1 : 2, rx_mem[i]);
    }
}

/* Waits for anything on rx (true) for WAIT_US of virtual time. */
static bool wait_rx(void)
{
    uint64_t deadline = rdtime() + timebase_hz() * WAIT_US / 1000000u;
    uint32_t len;
    while (rdtime() < deadline) {
        virtqueue_get_buf(bd.tx, &len);
        if (virtqueue_get_buf(bd.rx, &len))
            return true;
    }
    return false;
}

static void wait_tx(void)
{
    uint64_t deadline = rdtime() + timebase_hz() * WAIT_US / 1000000u;
    uint32_t len;
    while (rdtime() < deadline && !virtqueue_get_buf(bd.tx, &len))
        ;
}

/* ---- breaks once the queues are live ---- */

static int r_chain_write_after_read(void)
{
    put_desc(bd.tx->desc, 0, buf(), 32, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
    put_desc(bd.tx->desc, 1, buf() + 32, 32, 0, 0);
    offer(bd.tx, 0, 1);
    return BD_OK;
}
static int r_chain_next_range(void)
{
    put_desc(bd.tx->desc, 0, buf(), 64, VRING_DESC_F_NEXT, (uint16_t)bd.tx->num);
    offer(bd.tx, 0, 1);
    return BD_OK;
}
static int r_chain_loop(void)
{
    put_desc(bd.tx->desc, 0, buf(), 16, VRING_DESC_F_NEXT, 1);
    put_desc(bd.tx->desc, 1, buf() + 16, 16, VRING_DESC_F_NEXT, 0);
    offer(bd.tx, 0, 1);
    return BD_OK;
}
static int r_chain_too_long(void)
{
    unsigned n = bd.tx->num + 1;
    for (unsigned i = 0; i < n; i++)
        put_desc(table, i, buf(), 1, i + 1 < n ? VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
    put_desc(bd.tx->desc, 0, dma_addr(table), 16u * n, VRING_DESC_F_INDIRECT, 0);
    offer(bd.tx, 0, 1);
    return BD_OK;
}
static int r_indirect_not_negotiated(void)
{
    put_desc(table, 0, buf(), 64, 0, 0);
    put_desc(bd.tx->desc, 0, dma_addr(table), 16, VRING_DESC_F_INDIRECT, 0);
    offer(bd.tx, 0, 1);
    return BD_OK;
}
static int r_indirect_nested(void)
{
    put_desc(table, 0, dma_addr(table) + 64, 32, VRING_DESC_F_INDIRECT, 0);
    put_desc(table, 4, buf(), 32, 0, 0);
    put_desc(bd.tx->desc, 0, dma_addr(table), 32, VRING_DESC_F_INDIRECT, 0);
    offer(bd.tx, 0, 1);
    return BD_OK;
}
static int r_indirect_and_next(void)
{
    put_desc(table, 0, buf(), 64, 0, 0);
    put_desc(bd.tx->desc, 0, dma_addr(table), 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
    put_desc(bd.tx->desc, 1, buf(), 16, 0, 0);
    offer(bd.tx, 0, 1);
    return BD_OK;
}
static int r_desc_addr_not_ram(void)
{
    put_desc(bd.tx->desc, 0, ram_end() + 0x1000, 64, 0, 0);
    offer(bd.tx, 0, 1);
    return BD_OK;
}
static int r_avail_head_range(void)
{
    offer(bd.tx, (uint16_t)bd.tx->num, 1);
    return BD_OK;
}
static int r_avail_idx_decrease(void)
{
    if (send(tx_hdr, bd.hdr_len) != 0)
        return BD_SETUP;
    wait_tx();
    *avail_idx(bd.tx) = (uint16_t)(*avail_idx(bd.tx) - 1);
    return BD_OK;
}
static int r_avail_idx_jump(void)
{
    put_desc(bd.tx->desc, 0, buf(), 64, 0, 0);
    offer(bd.tx, 0, (uint16_t)(bd.tx->num + 1));
    return BD_OK;
}
/* A buffer made available (not yet notified, so the device cannot have used it) ... */
static int offered_tx(unsigned *slot, uint16_t *head)
{
    uint16_t idx = *avail_idx(bd.tx);
    struct vq_sg out[2] = { { tx_hdr, bd.hdr_len }, { tx_frame, sizeof tx_frame } };
    if (virtqueue_add_sgs(bd.tx, out, 2, NULL, 0, tx_frame) != 0)
        return -1;
    *slot = idx & (bd.tx->num - 1);
    *head = *avail_slot(bd.tx, idx);
    return 0;
}
/* ... and changed: its descriptor, or its avail ring entry. */
static int r_desc_owned_write(void)
{
    unsigned slot;
    uint16_t head;
    if (offered_tx(&slot, &head) != 0)
        return BD_SETUP;
    volatile uint32_t *len = (volatile uint32_t *)(void *)(bd.tx->desc + 16u * head + 8);
    *len = *len;
    return BD_OK;
}
static int r_avail_entry_owned_write(void)
{
    unsigned slot;
    uint16_t head;
    if (offered_tx(&slot, &head) != 0)
        return BD_SETUP;
    *avail_slot(bd.tx, slot) = head;
    return BD_OK;
}
static int r_avail_flags_value(void)
{
    *(volatile uint16_t *)(void *)bd.tx->avail = VRING_AVAIL_F_NO_INTERRUPT;
    return BD_OK;
}
static int r_used_ring_write(void)
{
    volatile uint16_t *idx = (volatile uint16_t *)(void *)(bd.tx->used + 2);
    *idx = *idx;
    return BD_OK;
}
/* The packed ring's rules (§2.8): the rule's features add RING_PACKED, so rx0 and tx0
 * are packed when the device offers it (--net-features +ring_packed). */
static int r_packed_desc_owned_write(void)
{
    if (!bd.rx->packed)
        return BD_SETUP;
    /* rx0's first buffer is available, and no frame came to use it yet. */
    volatile uint32_t *len = (volatile uint32_t *)(void *)(bd.rx->desc + 8);
    *len = *len;
    return BD_OK;
}
static int r_packed_event_flags(void)
{
    if (!bd.rx->packed || virtio_has_feature(bd.vdev, VIRTIO_F_RING_EVENT_IDX))
        return BD_SETUP;
    *(volatile uint16_t *)(void *)(bd.rx->avail + 2) = VRING_PACKED_EVENT_DESC;
    return BD_OK;
}
static int r_packed_device_area_write(void)
{
    if (!bd.tx->packed)
        return BD_SETUP;
    volatile uint16_t *flags = (volatile uint16_t *)(void *)(bd.tx->used + 2);
    *flags = *flags;
    return BD_OK;
}
static int r_notify_unknown_queue(void)
{
    uintptr_t a = bd.vp->notify_base + 7u * bd.vp->notify_off_multiplier;   /* queue_notify_off = index */
    mmio_write16(a, 7);
    return BD_OK;
}
static int r_notify_value(void)
{
    mmio_write16(bd.tx->notify_addr, 0);
    return BD_OK;
}

/* ---- the network device's buffers ---- */

static int tx_with(void (*edit)(uint8_t *hdr))
{
    memset(tx_hdr, 0, sizeof tx_hdr);
    edit(tx_hdr);
    if (send(tx_hdr, bd.hdr_len) != 0)
        return BD_SETUP;
    wait_tx();
    return BD_OK;
}
static void h_num_buffers(uint8_t *h) { h[10] = 1; }
static void h_flags(uint8_t *h) { h[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM; }
static void h_gso(uint8_t *h) { h[1] = 1; /* GSO_TCPV4 */ }
static void h_csum(uint8_t *h)
{
    h[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    h[6] = 1500 & 0xff;     /* csum_start 1500, csum_offset 16 (little-endian) */
    h[7] = 1500 >> 8;
    h[8] = 16;
}
static int r_net_tx_hdr_short(void)
{
    struct vq_sg out[1] = { { tx_frame, 8 } };
    if (virtqueue_add_sgs(bd.tx, out, 1, NULL, 0, tx_frame) != 0)
        return BD_SETUP;
    virtqueue_kick(bd.tx);
    return BD_OK;
}
static int r_net_tx_num_buffers(void) { return tx_with(h_num_buffers); }
static int r_net_tx_flags(void) { return tx_with(h_flags); }
static int r_net_tx_gso(void) { return tx_with(h_gso); }
static int r_net_tx_csum_range(void) { return tx_with(h_csum); }
static int r_net_rx_buf_small(void)
{
    struct vq_sg in[1] = { { rx_mem[0], 8 } };
    virtqueue_add_sgs(bd.rx, NULL, 0, in, 1, rx_mem[0]);
    virtqueue_kick(bd.rx);
    send(tx_hdr, bd.hdr_len);
    wait_rx();
    return BD_OK;
}
static int r_net_legacy_framing(void)
{
    static uint8_t one[12 + sizeof tx_frame];
    memset(one, 0, bd.hdr_len);
    memcpy(one + bd.hdr_len, tx_frame, sizeof tx_frame);
    struct vq_sg out[1] = { { one, bd.hdr_len + (uint32_t)sizeof tx_frame } };
    if (virtqueue_add_sgs(bd.tx, out, 1, NULL, 0, one) != 0)
        return BD_SETUP;
    virtqueue_kick(bd.tx);
    wait_tx();
    return BD_OK;
}

/* A control command: class and command, data, and the ack the device writes. */
static int ctrl(uint8_t cls, uint8_t cmd, const void *data, unsigned len)
{
    static uint8_t hdr[2], body[16], ack;
    if (!bd.ctrl)
        return BD_SETUP;
    hdr[0] = cls;
    hdr[1] = cmd;
    memcpy(body, data, len);
    ack = 0xff;
    struct vq_sg out[2] = { { hdr, 2 }, { body, len } };
    struct vq_sg in[1] = { { &ack, 1 } };
    if (virtqueue_add_sgs(bd.ctrl, out, 2, in, 1, hdr) != 0)
        return BD_SETUP;
    virtqueue_kick(bd.ctrl);
    uint32_t l;
    uint64_t deadline = rdtime() + timebase_hz() * WAIT_US / 1000000u;
    while (rdtime() < deadline && !virtqueue_get_buf(bd.ctrl, &l))
        ;
    printf("bad-driver: control class %u command %u: ack %u\n", cls, cmd, ack);
    return BD_OK;
}
static int r_net_ctrl_rx_feature(void)
{
    uint8_t on = 1;
    return ctrl(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &on, 1);
}
static int r_net_ctrl_mac_feature(void)
{
    return ctrl(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, mac, 6);
}
static int r_net_ctrl_mq_pairs(void)
{
    uint16_t max;
    bd.ops->get_config(bd.vdev, 8, &max, 2);
    uint16_t pairs = (uint16_t)(max + 1);
    return ctrl(VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 2);
}
static int r_net_ctrl_offloads(void)
{
    uint64_t offloads = F(VIRTIO_NET_F_GUEST_CSUM);
    return ctrl(5, 0, &offloads, 8);   /* GUEST_OFFLOADS_SET */
}
static int r_net_config_write(void)
{
    bd.ops->set_config(bd.vdev, 5, &mac[5], 1);
    return BD_OK;
}
static int r_config_field_unoffered(void)
{
    uint16_t mtu;
    bd.ops->get_config(bd.vdev, 10, &mtu, 2);
    return BD_OK;
}

/* ---- virtio over PCI ---- */

static int r_pci_access_width(void)
{
    (void)mmio_read32(bd.vp->common + C_STATUS);
    return BD_OK;
}
static int r_pci_cap_write(void)
{
    unsigned pos = pci_find_capability(bd.vp->pdev, 0x09);   /* the first vendor capability */
    if (!pos)
        return BD_SETUP;
    pci_write32(bd.vp->pdev, pos + 8, pci_read32(bd.vp->pdev, pos + 8));
    return BD_OK;
}
static int r_common_readonly_write(void)
{
    mmio_write16(bd.vp->common + C_NUM_QUEUES, mmio_read16(bd.vp->common + C_NUM_QUEUES));
    return BD_OK;
}

#define CTRL F(VIRTIO_NET_F_CTRL_VQ)
#define INDIRECT F(VIRTIO_F_RING_INDIRECT_DESC)

static const struct bd_rule rules[] = {
    /* the initialisation: broken inline in bring_up */
    { "status_clear_bit", 0, 0, NULL }, { "status_order", 0, 0, NULL }, { "failed_no_reset", 0, 0, NULL }, { "reset_not_awaited", 0, 0, NULL },
    { "features_ok_reread", 0, 0, NULL }, { "features_refused_continue", 0, 0, NULL }, { "setup_before_features_ok", 0, 0, NULL },
    { "config_write_before_features_ok", 0, 0, NULL }, { "notify_before_driver_ok", 0, 0, NULL },
    { "feature_not_offered", 0, 0, NULL }, { "feature_dependency", 0, 0, NULL }, { "feature_version_1", 0, 0, NULL }, { "feature_after_features_ok", 0, 0, NULL },
    /* queue 0's set-up: broken in setup_queue0 */
    { "queue_size_invalid", 0, 0, NULL }, { "queue_enable_zero", 0, 0, NULL }, { "queue_config_order", 0, 0, NULL }, { "queue_align", 0, 0, NULL },
    { "queue_not_in_ram", 0, 0, NULL }, { "used_flags_init", 0, 0, NULL },
    /* the split ring of tx0 */
    { "chain_write_after_read", 0, 0, r_chain_write_after_read },
    { "chain_next_range", 0, 0, r_chain_next_range },
    { "chain_loop", 0, 0, r_chain_loop },
    { "chain_too_long", INDIRECT, 0, r_chain_too_long },
    { "indirect_not_negotiated", 0, INDIRECT, r_indirect_not_negotiated },
    { "indirect_nested", INDIRECT, 0, r_indirect_nested },
    { "indirect_and_next", INDIRECT, 0, r_indirect_and_next },
    { "desc_addr_not_ram", 0, 0, r_desc_addr_not_ram },
    { "avail_head_range", 0, 0, r_avail_head_range },
    { "avail_idx_decrease", 0, 0, r_avail_idx_decrease },
    { "avail_idx_jump", 0, 0, r_avail_idx_jump },
    { "desc_owned_write", 0, 0, r_desc_owned_write },
    { "avail_entry_owned_write", 0, 0, r_avail_entry_owned_write },
    { "avail_flags_value", F(VIRTIO_F_RING_EVENT_IDX), 0, r_avail_flags_value },
    { "used_ring_write", 0, 0, r_used_ring_write },
    /* the packed ring of rx0 and tx0 */
    { "packed_desc_owned_write", F(VIRTIO_F_RING_PACKED), 0, r_packed_desc_owned_write },
    { "packed_event_flags", F(VIRTIO_F_RING_PACKED), F(VIRTIO_F_RING_EVENT_IDX), r_packed_event_flags },
    { "packed_device_area_write", F(VIRTIO_F_RING_PACKED), 0, r_packed_device_area_write },
    { "notify_unknown_queue", 0, 0, r_notify_unknown_queue },
    { "notify_value", 0, 0, r_notify_value },
    /* the network device */
    { "net_tx_hdr_short", 0, 0, r_net_tx_hdr_short },
    { "net_tx_num_buffers", 0, 0, r_net_tx_num_buffers },
    { "net_tx_flags", 0, 0, r_net_tx_flags },
    { "net_tx_gso", 0, 0, r_net_tx_gso },
    { "net_tx_csum_range", F(VIRTIO_NET_F_CSUM), 0, r_net_tx_csum_range },
    { "net_rx_buf_small", F(VIRTIO_NET_F_MRG_RXBUF), 0, r_net_rx_buf_small },
    { "net_legacy_framing", 0, 0, r_net_legacy_framing },
    { "net_ctrl_rx_feature", CTRL, 0, r_net_ctrl_rx_feature },
    { "net_ctrl_mac_feature", CTRL, 0, r_net_ctrl_mac_feature },
    { "net_ctrl_mq_pairs", CTRL | F(VIRTIO_NET_F_MQ), 0, r_net_ctrl_mq_pairs },
    { "net_ctrl_offloads", CTRL | F(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS), 0, r_net_ctrl_offloads },
    { "net_config_write", 0, 0, r_net_config_write },
    { "config_field_unoffered", 0, 0, r_config_field_unoffered },
    /* virtio over PCI */
    { "pci_access_width", 0, 0, r_pci_access_width },
    { "pci_cap_write", 0, 0, r_pci_cap_write },
    { "common_readonly_write", 0, 0, r_common_readonly_write },
};

/* ---- queue 0 by hand, for the set-up rules (§4.1.4.3.2, §2.7.1, §2.7.10.1) ---- */

static void write64(uintptr_t a, uint64_t v)
{
    mmio_write32(a, (uint32_t)v);
    mmio_write32(a + 4, (uint32_t)(v >> 32));
}

static int setup_queue0(void)
{
    uintptr_t c = bd.vp->common;
    enum { N = 16 };
    uint8_t *desc = fw_alloc(16 * N, 16), *avail = fw_alloc(6 + 2 * N, 2), *used = fw_alloc(6 + 8 * N, 4);
    uint64_t d = dma_addr(desc), a = dma_addr(avail), u = dma_addr(used);
    mmio_write16(c + C_Q_SELECT, 0);
    mmio_write16(c + C_Q_SIZE, is("queue_size_invalid") ? 100 : N);
    if (is("queue_size_invalid"))
        return BD_OK;
    if (is("queue_config_order")) {
        mmio_write16(c + C_Q_ENABLE, 1);       /* before any address */
        return BD_OK;
    }
    if (is("queue_not_in_ram"))
        d = 0x10000000;                        /* the UART, not RAM */
    if (is("queue_align"))
        u += 2;
    if (is("used_flags_init"))
        *(volatile uint16_t *)(void *)used = VRING_USED_F_NO_NOTIFY;
    write64(c + C_Q_DESC, d);
    write64(c + C_Q_DRIVER, a);
    write64(c + C_Q_DEVICE, u);
    mmio_write16(c + C_Q_ENABLE, 1);
    if (is("queue_enable_zero"))
        mmio_write16(c + C_Q_ENABLE, 0);
    return BD_OK;
}

static bool queue0_rule(void)
{
    static const char *const ids[] = { "queue_size_invalid", "queue_enable_zero", "queue_config_order",
                                       "queue_align", "queue_not_in_ram", "used_flags_init" };
    for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (is(ids[i]))
            return true;
    return false;
}

/* ---- the initialisation (§3.1.1), with its own breaks ---- */

/* 1: go on with the queues; 0: the break ended the run's use of the device. */
static int bring_up(const struct bd_rule *r)
{
    struct virtio_device *v = bd.vdev;
    bool modern = !v->legacy;
    bd.status = 0;
    if (is("reset_not_awaited")) {
        bd.ops->set_status(v, 0);              /* and never read back */
    } else if (bd.ops->reset(v) != 0) {
        return -1;
    }
    if (!is("status_order"))
        add_status(VIRTIO_STATUS_ACKNOWLEDGE);
    add_status(VIRTIO_STATUS_DRIVER);
    uint64_t offered = bd.ops->get_features(v);
    uint64_t want = (F(VIRTIO_NET_F_MAC) | (modern ? F(VIRTIO_F_VERSION_1) : 0) | r->add) & ~r->drop;
    v->features = offered & want;
    if (is("feature_not_offered"))
        v->features |= F(6);                   /* GSO: not offered */
    if (is("feature_dependency"))
        v->features |= F(VIRTIO_NET_F_CTRL_RX);   /* without CTRL_VQ */
    if (is("feature_version_1"))
        v->features &= ~F(VIRTIO_F_VERSION_1);
    if (is("config_write_before_features_ok")) {
        uint8_t b;
        bd.ops->get_config(v, 0, &b, 1);
        bd.ops->set_config(v, 0, &b, 1);
    }
    bd.ops->finalize_features(v);
    virtio_print_features(v, "bad-driver accepts", v->features);
    if (modern && !is("setup_before_features_ok")) {
        add_status(VIRTIO_STATUS_FEATURES_OK);
        if (!is("features_ok_reread")) {
            uint8_t s = bd.ops->get_status(v);
            if (!(s & VIRTIO_STATUS_FEATURES_OK) && !is("features_refused_continue")) {
                printf("bad-driver: the device refused the features (status 0x%02x)\n", s);
                bd.status = s;
                add_status(VIRTIO_STATUS_FAILED);
                return 0;
            }
        }
    }
    if (is("feature_after_features_ok")) {
        v->features |= offered & F(VIRTIO_NET_F_STATUS);
        bd.ops->finalize_features(v);
    }
    if (is("status_clear_bit")) {
        bd.status &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
        bd.ops->set_status(v, bd.status);
        return 0;
    }
    if (is("failed_no_reset")) {
        add_status(VIRTIO_STATUS_FAILED);
        add_status(VIRTIO_STATUS_DRIVER_OK);
        return 0;
    }
    if (queue0_rule()) {
        setup_queue0();
        return 0;
    }
    bd.hdr_len = virtio_has_feature(v, VIRTIO_F_VERSION_1) || virtio_has_feature(v, VIRTIO_NET_F_MRG_RXBUF) ? 12 : 10;
    bool ctrl = virtio_has_feature(v, VIRTIO_NET_F_CTRL_VQ);
    unsigned ctrl_index = 2;
    if (virtio_has_feature(v, VIRTIO_NET_F_MQ)) {
        uint16_t max;
        bd.ops->get_config(v, 8, &max, 2);
        ctrl_index = 2u * max;
    }
    struct virtqueue *vqs[3];
    static vq_callback_fn *const cbs[3] = { NULL, NULL, NULL };
    static const char *const names[3] = { "rx0", "tx0", "ctrl" };
    const unsigned idx[3] = { 0, 1, ctrl_index };
    if (bd.ops->find_vqs(v, ctrl ? 3 : 2, vqs, cbs, names, idx) != 0)
        return -1;
    bd.rx = vqs[0];
    bd.tx = vqs[1];
    bd.ctrl = ctrl ? vqs[2] : NULL;
    if (is("features_refused_continue") || is("setup_before_features_ok"))
        return 0;
    bd.ops->get_config(v, 0, mac, 6);
    arp_request();
    if (r->live != r_net_rx_buf_small)
        fill_rx(RX_BUFS, FRAME_MAX);
    if (is("notify_before_driver_ok"))
        bd.ops->notify(bd.rx);
    add_status(VIRTIO_STATUS_DRIVER_OK);
    virtqueue_kick(bd.rx);
    return 1;
}

static int bad_driver_run(void)
{
    const struct bd_rule *r = NULL;
    for (unsigned i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (bootarg_is("rule", rules[i].id))
            r = &rules[i];
    if (!r) {
        printf("bad-driver: rule=ID needed; rules:");
        for (unsigned i = 0; i < sizeof rules / sizeof rules[0]; i++)
            printf(" %s", rules[i].id);
        printf("\n");
        return BD_USAGE;
    }
    bd.rule = r->id;
    if (virtio_pci_init() != 0 || register_virtio_driver(&bd_driver) != 0)
        return BD_NO_DEVICE;
    pci_enumerate();
    if (!bd.vdev) {
        printf("bad-driver: no virtio-net device came up\n");
        return BD_NO_DEVICE;
    }
    bd.vp = to_vp_device(bd.vdev);
    bd.ops = bd.vdev->config;
    printf("bad-driver: breaking %s on the %s interface\n", r->id, bd.ops->transport_name(bd.vdev));
    int up = bring_up(r);
    if (up < 0)
        return BD_SETUP;
    if (up == 0)
        return BD_OK;
    if (r->live) {
        table = fw_alloc(16u * (bd.tx->num + 1), 16);
        return r->live();
    }
    /* The rule was broken on the way up: the rest is a driver that works. */
    if (send(tx_hdr, bd.hdr_len) != 0 || !wait_rx()) {
        printf("bad-driver: no reply from 10.0.2.2\n");
        return BD_ARP;
    }
    printf("bad-driver: ARP reply from 10.0.2.2 after the break\n");
    return BD_OK;
}

const struct scenario scenario_bad_driver = {
    "bad-driver", bad_driver_run,
    "break one driver rule of virtio 1.2 (rule=ID, an id of ringside's driver checker); "
    "the checker must report exactly that rule",
};
