/* scenario=hostile mode=NAME: a driver that breaks the split-ring rules on purpose
 * (virtio 1.2 §2.7.4.2, §2.7.5.3, §2.7.6) on the tx queue of a virtio-net device, or
 * with ring=packed the packed ring's (§2.8.1 wrap counters, §2.8.6 chains and ids,
 * §2.8.7 indirect tables; the device must offer RING_PACKED), to
 * check the device's side of §2.1.2: it must set DEVICE_NEEDS_RESET and, the driver
 * being live, send a configuration change notification (ISR bit 1, §4.1.4.5), without
 * using the bad chain. Then the device is reset (§2.4) and brought up again, and an ARP
 * exchange with 10.0.2.2 shows that nothing was lost.
 *
 * The scenario binds its own small virtio driver to the device instead of virtio_net
 * (so the real driver's shadow state never meets the forged ring), and reuses the
 * transport and the well-behaved ring code for the recovery. Exit codes: HX_* below. */
#include "fdt.h"
#include "libc.h"
#include "platform.h"
#include "scenario.h"
#include "virtio/virtio.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_pci.h"
#include "virtio/virtio_ring.h"

enum hostile_exit {
    HX_OK = 0,
    HX_USAGE = 90,          /* no or unknown mode= */
    HX_NO_DEVICE = 91,      /* no virtio-net device bound to this driver */
    HX_NO_NEEDS_RESET = 92, /* the device accepted the broken ring */
    HX_NO_CONFIG_IRQ = 93,  /* NEEDS_RESET without the config change notification */
    HX_USED = 94,           /* the device used (completed) the broken chain */
    HX_REINIT = 95,         /* the reset or second bring-up failed */
    HX_ARP = 96,            /* no ARP reply after the reset */
    HX_SETUP = 97,          /* the mode needs a feature the device did not grant */
};

#define RX_BUFS        8
#define FRAME_MAX      1518
#define IRQ_WAIT_US    1000u     /* virtual time for the config interrupt to arrive */
#define ARP_WAIT_US    100000u

static struct {
    struct virtio_device *vdev;
    struct virtqueue *rx, *tx;
    volatile unsigned config_irqs;
    bool probed;
} hs;

/* ---- a minimal driver: rx0 and tx0, no callbacks (the scenario polls) ---- */

static int bring_up_queues(struct virtio_device *vdev)
{
    struct virtqueue *vqs[2];
    static vq_callback_fn *const cbs[2] = { NULL, NULL };
    static const char *const names[2] = { "rx0", "tx0" };
    if (vdev->config->find_vqs(vdev, 2, vqs, cbs, names, NULL) != 0)
        return -1;
    hs.rx = vqs[0];
    hs.tx = vqs[1];
    virtio_device_ready(vdev);
    return 0;
}

static int hostile_probe(struct virtio_device *vdev)
{
    hs.vdev = vdev;
    hs.probed = true;
    return bring_up_queues(vdev);
}

static void hostile_config_changed(struct virtio_device *vdev)
{
    (void)vdev;
    hs.config_irqs++;
}

static const struct virtio_device_id hostile_ids[] = { { VIRTIO_ID_NET }, { 0 } };
static const unsigned hostile_features[] = { VIRTIO_NET_F_MAC };

static struct virtio_driver hostile_driver = {
    .drv = { .name = "hostile" },
    .id_table = hostile_ids,
    .feature_table = hostile_features,
    .feature_table_size = 1,
    .probe = hostile_probe,
    .config_changed = hostile_config_changed,
};

/* ---- forging the tx ring ---- */

static uint8_t payload[64] __attribute__((aligned(16)));
/* Indirect tables: "long" needs more entries than the queue has. */
static uint8_t *indirect_table;

static void put_desc(uint8_t *table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    uint8_t *d = table + 16u * i;
    *(volatile uint64_t *)(void *)d = addr;
    *(volatile uint32_t *)(void *)(d + 8) = len;
    *(volatile uint16_t *)(void *)(d + 12) = flags;
    *(volatile uint16_t *)(void *)(d + 14) = next;
}

/* Publishes head in the next avail slot and moves avail idx by step (1 normally). */
static void publish(struct virtqueue *vq, uint16_t head, uint16_t step)
{
    uint16_t idx = *(volatile uint16_t *)(void *)(vq->avail + 2);
    *(volatile uint16_t *)(void *)(vq->avail + 4 + 2u * (idx & (vq->num - 1))) = head;
    /* The ring entry before the index that covers it (§2.7.13.2). */
    wmb();
    *(volatile uint16_t *)(void *)(vq->avail + 2) = (uint16_t)(idx + step);
    mb();
}

static uint64_t buf(void) { return dma_addr(payload); }

struct mode {
    const char *name;
    const char *what;       /* the rule broken, for the console */
    bool needs_indirect;
    void (*forge)(struct virtqueue *vq);          /* on a split ring, or NULL */
    void (*forge_packed)(struct virtqueue *vq);   /* on a packed ring, or NULL */
};

/* ---- forging a packed tx ring (§2.8.13 descriptors, §2.8.1 AVAIL/USED) ---- */

#define P_AVAIL VRING_PACKED_DESC_F_AVAIL
#define P_USED  VRING_PACKED_DESC_F_USED

static void put_pdesc(uint8_t *table, unsigned i, uint64_t addr, uint32_t len, uint16_t id,
                      uint16_t flags)
{
    uint8_t *d = table + 16u * i;
    *(volatile uint64_t *)(void *)d = addr;
    *(volatile uint32_t *)(void *)(d + 8) = len;
    *(volatile uint16_t *)(void *)(d + 12) = id;
    *(volatile uint16_t *)(void *)(d + 14) = flags;
}

/* Where the forged chain starts, and the driver's wrap counter there (§2.8.1). */
static unsigned p_head;
static bool p_wrap;

/* The AVAIL/USED bits that make a descriptor available under the driver's counter. */
static uint16_t p_avail(bool wrap) { return wrap ? P_AVAIL : P_USED; }

/* Hands the chain at p_head over: its first flags last, after the rest (§2.8.17). */
static void p_publish(struct virtqueue *vq, uint32_t len0, uint16_t id, uint16_t flags0, uint64_t addr0)
{
    wmb();
    put_pdesc(vq->desc, p_head, addr0, len0, id, (uint16_t)(flags0 | p_avail(p_wrap)));
    mb();
}

static unsigned p_next(const struct virtqueue *vq, unsigned k) { return (p_head + k) % vq->num; }

static void forge_p_loop(struct virtqueue *vq)
{
    /* NEXT on every descriptor of the ring: the chain would go round it for ever. */
    for (unsigned k = 1; k < vq->num; k++)
        put_pdesc(vq->desc, p_next(vq, k), buf(), 16, 0, VRING_DESC_F_NEXT | p_avail(p_wrap));
    p_publish(vq, 16, 0, VRING_DESC_F_NEXT, buf());
}

static void forge_p_oob(struct virtqueue *vq)
{
    p_publish(vq, 64, 0, 0, ram_base() + ram_size() + 0x1000);
}

static void forge_p_long(struct virtqueue *vq)
{
    unsigned n = vq->num + 1;
    for (unsigned i = 0; i < n; i++)
        put_pdesc(indirect_table, i, buf(), 1, 0, 0);
    p_publish(vq, 16u * n, 0, VRING_DESC_F_INDIRECT, dma_addr(indirect_table));
}

static void forge_p_wbr(struct virtqueue *vq)
{
    put_pdesc(vq->desc, p_next(vq, 1), buf() + 32, 32, 0, p_avail(p_wrap));
    p_publish(vq, 32, 0, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, buf());
}

static void forge_p_indirect_nested(struct virtqueue *vq)
{
    /* The table's first entry points back at the table itself. */
    put_pdesc(indirect_table, 0, dma_addr(indirect_table), 32, 0, VRING_DESC_F_INDIRECT);
    put_pdesc(indirect_table, 1, buf(), 32, 0, 0);
    p_publish(vq, 32, 0, VRING_DESC_F_INDIRECT, dma_addr(indirect_table));
}

static void forge_p_wrap(struct virtqueue *vq)
{
    /* The chain's second descriptor keeps the bits of a used one: not available. */
    put_pdesc(vq->desc, p_next(vq, 1), buf() + 16, 16, 0,
              p_wrap ? (P_AVAIL | P_USED) : 0);
    p_publish(vq, 16, 0, VRING_DESC_F_NEXT, buf());
}

static void forge_p_cross_end(struct virtqueue *vq)
{
    /* From p_head (past 0: the scenario had one good chain used first) to the ring's
     * last slot, then on at slot 0 without flipping the wrap counter (§2.8.1: the driver
     * flips it each time it wraps). */
    unsigned k = 1;
    for (; p_next(vq, k) != 0; k++)
        put_pdesc(vq->desc, p_next(vq, k), buf(), 1, 0, VRING_DESC_F_NEXT | p_avail(p_wrap));
    put_pdesc(vq->desc, 0, buf(), 1, 0, p_avail(p_wrap));      /* should be p_avail(!p_wrap) */
    p_publish(vq, 1, 0, VRING_DESC_F_NEXT, buf());
}

static void forge_p_id_oob(struct virtqueue *vq)
{
    p_publish(vq, 16, (uint16_t)vq->num, 0, buf());
}


static void forge_loop(struct virtqueue *vq)
{
    put_desc(vq->desc, 0, buf(), 16, VRING_DESC_F_NEXT, 1);
    put_desc(vq->desc, 1, buf() + 16, 16, VRING_DESC_F_NEXT, 0);
    publish(vq, 0, 1);
}

static void forge_oob(struct virtqueue *vq)
{
    put_desc(vq->desc, 0, ram_base() + ram_size() + 0x1000, 64, 0, 0);
    publish(vq, 0, 1);
}

static void forge_long(struct virtqueue *vq)
{
    /* No loop in the main table can be longer than the queue, so the chain lives in an
     * indirect table of num + 1 entries linked in order: finite, but too long (§2.7.5.3.1). */
    unsigned n = vq->num + 1;
    for (unsigned i = 0; i < n; i++)
        put_desc(indirect_table, i, buf(), 1, i + 1 < n ? VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
    put_desc(vq->desc, 0, dma_addr(indirect_table), 16u * n, VRING_DESC_F_INDIRECT, 0);
    publish(vq, 0, 1);
}

static void forge_wbr(struct virtqueue *vq)
{
    put_desc(vq->desc, 0, buf(), 32, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
    put_desc(vq->desc, 1, buf() + 32, 32, 0, 0);
    publish(vq, 0, 1);
}

static void forge_indirect_nested(struct virtqueue *vq)
{
    put_desc(indirect_table, 0, dma_addr(indirect_table) + 64, 32, VRING_DESC_F_INDIRECT, 0);
    put_desc(indirect_table, 4, buf(), 32, 0, 0);
    put_desc(vq->desc, 0, dma_addr(indirect_table), 32, VRING_DESC_F_INDIRECT, 0);
    publish(vq, 0, 1);
}

static void forge_idx_jump(struct virtqueue *vq)
{
    put_desc(vq->desc, 0, buf(), 64, 0, 0);
    publish(vq, 0, (uint16_t)(vq->num + 1));
}

static void forge_head_oob(struct virtqueue *vq)
{
    publish(vq, (uint16_t)vq->num, 1);
}

static const struct mode modes[] = {
    { "loop", "a descriptor chain whose next points back", false, forge_loop, forge_p_loop },
    { "oob", "a buffer address beyond RAM", false, forge_oob, forge_p_oob },
    { "long", "a chain longer than the queue (indirect)", true, forge_long, forge_p_long },
    { "wbr", "a device-readable descriptor after a device-writable one", false, forge_wbr, forge_p_wbr },
    { "indirect-nested", "an indirect descriptor inside an indirect table", true, forge_indirect_nested,
      forge_p_indirect_nested },
    { "idx-jump", "avail idx advanced by more than the queue size", false, forge_idx_jump, NULL },
    { "head-oob", "an avail ring entry not below the queue size", false, forge_head_oob, NULL },
    { "wrap", "a chain's descriptor with the wrong AVAIL/USED bits (packed)", false, NULL, forge_p_wrap },
    { "cross-end", "a chain crossing the ring's end without the wrap counter flipped (packed)", false, NULL,
      forge_p_cross_end },
    { "id-oob", "a buffer id not below the queue size (packed)", false, NULL, forge_p_id_oob },
};

/* ---- recovery: reset, bring-up, ARP ---- */

static int reinit(struct virtio_device *vdev)
{
    printf("hostile: resetting the device\n");
    if (vdev->config->reset(vdev) != 0) {
        printf("hostile: the device did not complete the reset\n");
        return -1;
    }
    vdev->broken = false;
    vdev->vqs = NULL;       /* the old rings are abandoned with the old queues */
    virtio_add_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_add_status(vdev, VIRTIO_STATUS_DRIVER);
    if (vdev->config->finalize_features(vdev) != 0)
        return -1;
    if (virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) {
        virtio_add_status(vdev, VIRTIO_STATUS_FEATURES_OK);
        if (!(vdev->config->get_status(vdev) & VIRTIO_STATUS_FEATURES_OK)) {
            printf("hostile: FEATURES_OK did not stick after the reset\n");
            return -1;
        }
    }
    return bring_up_queues(vdev);
}

static void put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static const uint8_t gw_ip[4] = { 10, 0, 2, 2 }, my_ip[4] = { 10, 0, 2, 15 };

static bool is_arp_reply(const uint8_t *f, uint32_t len)
{
    return len >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[20] == 0 && f[21] == 2 &&
           memcmp(f + 28, gw_ip, 4) == 0;
}

static int arp_gateway(struct virtio_device *vdev)
{
    unsigned hdr_len = virtio_has_feature(vdev, VIRTIO_F_VERSION_1) ? 12 : 10;
    uint8_t mac[6];
    vdev->config->get_config(vdev, 0, mac, 6);

    static uint8_t rx_hdr[RX_BUFS][12], rx_frame[RX_BUFS][FRAME_MAX], tx_hdr[12], tx_frame[60];
    for (unsigned i = 0; i < RX_BUFS; i++) {
        struct vq_sg in[2] = { { rx_hdr[i], hdr_len }, { rx_frame[i], FRAME_MAX } };
        if (virtqueue_add_sgs(hs.rx, NULL, 0, in, 2, rx_frame[i]) != 0)
            return -1;
    }
    virtqueue_kick(hs.rx);

    memset(tx_hdr, 0, sizeof tx_hdr);
    memset(tx_frame, 0, sizeof tx_frame);
    memset(tx_frame, 0xff, 6);                              /* broadcast */
    memcpy(tx_frame + 6, mac, 6);
    put_be16(tx_frame + 12, 0x0806);
    put_be16(tx_frame + 14, 1);                             /* Ethernet */
    put_be16(tx_frame + 16, 0x0800);                        /* IPv4 */
    tx_frame[18] = 6;
    tx_frame[19] = 4;
    put_be16(tx_frame + 20, 1);                             /* request */
    memcpy(tx_frame + 22, mac, 6);
    memcpy(tx_frame + 28, my_ip, 4);
    memcpy(tx_frame + 38, gw_ip, 4);
    struct vq_sg out[2] = { { tx_hdr, hdr_len }, { tx_frame, sizeof tx_frame } };
    if (virtqueue_add_sgs(hs.tx, out, 2, NULL, 0, tx_frame) != 0)
        return -1;
    uint64_t t0 = rdtime();
    virtqueue_kick(hs.tx);

    uint64_t deadline = t0 + timebase_hz() * ARP_WAIT_US / 1000000u;
    bool sent = false;
    while (rdtime() < deadline && !vdev->broken) {
        uint32_t len;
        if (!sent && virtqueue_get_buf(hs.tx, &len))
            sent = true;
        uint8_t *f = virtqueue_get_buf(hs.rx, &len);
        if (!f)
            continue;
        uint32_t flen = len > hdr_len ? len - hdr_len : 0;
        if (is_arp_reply(f, flen)) {
            const uint8_t *m = f + 22;
            printf("hostile: after the reset: 10.0.2.2 is-at %02x:%02x:%02x:%02x:%02x:%02x "
                   "(tx %s, reply after %llu us)\n", m[0], m[1], m[2], m[3], m[4], m[5],
                   sent ? "completed" : "pending",
                   (unsigned long long)((rdtime() - t0) * 1000000u / timebase_hz()));
            return 0;
        }
    }
    printf("hostile: after the reset: no ARP reply from 10.0.2.2%s\n",
           vdev->broken ? " (device broken again)" : "");
    return -1;
}

/* Packed cross-end: one good frame first, so the forged chain starts past slot 0. */
static int send_one_good(struct virtqueue *tx)
{
    static uint8_t hdr[12], frame[60];
    struct vq_sg out[2] = { { hdr, sizeof hdr }, { frame, sizeof frame } };
    memset(frame, 0xff, 12);
    if (virtqueue_add_sgs(tx, out, 2, NULL, 0, frame) != 0)
        return -1;
    virtqueue_kick(tx);
    uint64_t deadline = rdtime() + timebase_hz() * IRQ_WAIT_US / 1000000u;
    while (rdtime() < deadline)
        if (virtqueue_get_buf(tx, NULL))
            return 0;
    printf("hostile: the good frame before the forged chain was never used\n");
    return -1;
}

static uint16_t forged_used(struct virtqueue *tx)
{
    uint16_t f = *(volatile uint16_t *)(void *)(tx->desc + 16u * p_head + 14);
    bool a = f & P_AVAIL, u = f & P_USED;
    return a == p_wrap && u == p_wrap;
}

/* ---- the scenario ---- */

static bool wait_config_irq(struct virtio_device *vdev, bool irqs, uint8_t *isr)
{
    *isr = 0;
    if (!irqs) {
        /* Polling: the ISR itself says whether the notification was sent. */
        *isr = vdev->config->read_isr(vdev);
        return *isr & VIRTIO_ISR_CONFIG;
    }
    uint64_t deadline = rdtime() + timebase_hz() * IRQ_WAIT_US / 1000000u;
    while (hs.config_irqs == 0 && rdtime() < deadline)
        ;
    return hs.config_irqs != 0;
}

static int hostile_run(void)
{
    const struct mode *m = NULL;
    for (unsigned i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (bootarg_is("mode", modes[i].name))
            m = &modes[i];
    if (!m) {
        printf("hostile: mode=NAME needed; modes:");
        for (unsigned i = 0; i < sizeof modes / sizeof modes[0]; i++)
            printf(" %s", modes[i].name);
        printf("\n");
        return HX_USAGE;
    }
    if (virtio_pci_init() != 0 || register_virtio_driver(&hostile_driver) != 0)
        return HX_NO_DEVICE;
    pci_enumerate();
    if (!hs.probed || !hs.vdev || !hs.tx) {
        printf("hostile: no virtio-net device came up\n");
        return HX_NO_DEVICE;
    }
    struct virtio_device *vdev = hs.vdev;
    struct virtqueue *tx = hs.tx;
    if (m->needs_indirect && !tx->indirect) {
        printf("hostile: mode %s needs RING_INDIRECT_DESC, which was not negotiated\n", m->name);
        return HX_SETUP;
    }
    void (*forge)(struct virtqueue *) = tx->packed ? m->forge_packed : m->forge;
    if (!forge) {
        printf("hostile: mode %s needs a %s ring\n", m->name, tx->packed ? "split" : "packed");
        return HX_SETUP;
    }
    indirect_table = fw_alloc(16u * (tx->num + 1), 16);
    bool irqs = !bootarg_is("irq", "off");
    if (irqs)
        interrupts_on();

    if (tx->packed && forge == forge_p_cross_end && send_one_good(tx) != 0)
        return HX_SETUP;
    p_head = tx->next_avail;
    p_wrap = tx->avail_wrap;
    printf("hostile: mode %s: %s, on %s (queue %u, %u entries%s)\n", m->name, m->what, tx->name,
           tx->index, tx->num, tx->packed ? ", packed" : "");
    forge(tx);
    vdev->config->notify(tx);

    uint8_t isr;
    bool config_irq = wait_config_irq(vdev, irqs, &isr);
    uint8_t status = vdev->config->get_status(vdev);
    /* Split: the used idx; packed: 1 if the forged chain's head came back used. */
    uint16_t used_idx = tx->packed ? forged_used(tx) : *(volatile uint16_t *)(void *)(tx->used + 2);
    printf("hostile: device status 0x%02x: DEVICE_NEEDS_RESET %s; config change %s%s; "
           "tx used idx %u\n", status, status & VIRTIO_STATUS_DEVICE_NEEDS_RESET ? "set" : "NOT set",
           config_irq ? "notified" : "NOT notified",
           irqs ? " (interrupt)" : " (ISR polled)", used_idx);
    if (!(status & VIRTIO_STATUS_DEVICE_NEEDS_RESET))
        return HX_NO_NEEDS_RESET;
    if (!config_irq)
        return HX_NO_CONFIG_IRQ;
    if (used_idx != 0)
        return HX_USED;

    if (reinit(vdev) != 0)
        return HX_REINIT;
    if (arp_gateway(vdev) != 0)
        return HX_ARP;
    printf("hostile: mode %s: the device refused the ring, and works again after a reset\n", m->name);
    return HX_OK;
}

const struct scenario scenario_hostile = {
    "hostile", hostile_run,
    "break a ring rule on tx (mode=loop|oob|long|wbr|indirect-nested|idx-jump|head-oob, "
    "with ring=packed also wrap|cross-end|id-oob); expect NEEDS_RESET, then reset and ARP",
};
