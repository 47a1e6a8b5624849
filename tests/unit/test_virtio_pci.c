/* Unit tests of the virtio core and the virtio-pci transport (sim/virtio/virtio.c,
 * virtio_pci.c, virtio_pci_regs.c) with a dummy device of two queues and an 8-byte
 * config space: PCI identity per mode, the capability list, the status machine and
 * FEATURES_OK refusal, reset, legacy and modern register maps reaching the same state,
 * ISR read-to-clear on INTx, notifications, the pci_cfg window and refused DMA. */
#include <CUnit/CUnit.h>

#include "sim/pci/pci.h"
#include "sim/ram.h"
#include "sim/virtio/virtio_pci.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x100000ull

/* ---- the dummy device ---- */

enum { F_A = 0, F_B = 1, F_C = 2, F_UNOFFERED = 3 };   /* F_B depends on F_A */

typedef struct Dummy {
    VirtioDevice vdev;
    uint8_t config[8];
    unsigned notified[4], resets, driver_ok;
} Dummy;

static const RegDesc dummy_regs[] = { { 0, 4, "magic" }, { 4, 2, "status" }, { 6, 2, "max" } };

static uint64_t d_cfg_read(VirtioDevice *vd, unsigned off, unsigned size) { return ldn_le(((Dummy *)vd)->config + off, size); }
static void d_cfg_write(VirtioDevice *vd, unsigned off, unsigned size, uint64_t v) { stn_le(((Dummy *)vd)->config + off, size, v); }
static void d_notify(VirtioDevice *vd, unsigned q) { ((Dummy *)vd)->notified[q]++; }
static void d_reset(VirtioDevice *vd) { ((Dummy *)vd)->resets++; }
static void d_status(VirtioDevice *vd, uint8_t old, uint8_t s)
{
    if ((s & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK))
        ((Dummy *)vd)->driver_ok++;
}
static int d_validate(VirtioDevice *vd, uint64_t f, Err *err)
{
    if ((f >> F_B & 1) && !(f >> F_A & 1))
        return err_set(err, "feature B needs feature A");
    return 0;
}

static const VirtioDeviceOps dummy_ops = {
    .config_read = d_cfg_read, .config_write = d_cfg_write,
    .config_regs = dummy_regs, .n_config_regs = 3,
    .queue_notify = d_notify, .reset = d_reset, .validate_features = d_validate, .set_status = d_status,
};

#define OFFERED ((1ull << F_A) | (1ull << F_B) | (1ull << F_C) | (1ull << VIRTIO_F_RING_EVENT_IDX) | \
                 (1ull << VIRTIO_F_RING_INDIRECT_DESC) | (1ull << VIRTIO_F_VERSION_1))

static Ram ram;
static Dummy dum;
static VirtioPci vp;
static PciBusCtx busctx;
static int line;
static Err err;

/* Trace capture: the last virtio_error reason and the last status transition. */
static TraceWriter *tw;
static Tracer tracer;
static char last_error[256];
static uint8_t last_old, last_new;
static unsigned n_resets_traced;
static void tap(void *o, const TraceEvent *ev)
{
    (void)o;
    if (ev->type == TRACE_EV_virtio_error)
        snprintf(last_error, sizeof last_error, "%s", ev->u.virtio_error.reason);
    if (ev->type == TRACE_EV_virtio_status) {
        last_old = ev->u.virtio_status.old;
        last_new = ev->u.virtio_status.new;
    }
    if (ev->type == TRACE_EV_virtio_reset)
        n_resets_traced++;
}

static void irq_sink(void *o, unsigned n, int level) { (void)o; (void)n; line = level; }

static int make(VirtioPciMode mode, uint16_t device_id)
{
    virtio_pci_destroy(&vp);
    virtio_destroy(&dum.vdev);
    memset(&dum, 0, sizeof dum);
    VirtioDeviceInfo info = { .name = "dummy", .device_id = device_id, .num_queues = 2, .queue_size = 16,
                              .features = OFFERED, .config_size = 8 };
    if (virtio_init(&dum.vdev, &info, &dummy_ops, &err) < 0)
        return -1;
    st32_le(dum.config, 0xfeedf00d);
    if (virtio_pci_init(&vp, &dum.vdev, mode, &err) < 0)
        return -1;
    /* Plugged by hand, as the host bridge would: DMA target and INTx sink. */
    vp.pci.plugged = true;
    vp.pci.bus = &busctx;
    vp.pci.intx = (IrqLine){ .set = irq_sink };
    vp.pci.tracer = &tracer;
    last_error[0] = 0;
    line = 0;
    memset(ram.host, 0, RAM_SIZE);
    return 0;
}

static uint64_t bar_rd(const MemOps *ops, uint64_t off, unsigned size)
{
    uint64_t v = 0;
    CU_ASSERT_EQUAL(memops_read(ops, &vp, off, size, &v), 0);
    return v;
}
static void bar_wr(const MemOps *ops, uint64_t off, unsigned size, uint64_t v)
{
    CU_ASSERT_EQUAL(memops_write(ops, &vp, off, size, v), 0);
}
static uint64_t mrd(uint64_t off, unsigned size) { return bar_rd(&virtio_pci_modern_ops, off, size); }
static void mwr(uint64_t off, unsigned size, uint64_t v) { bar_wr(&virtio_pci_modern_ops, off, size, v); }
static uint64_t lrd(uint64_t off, unsigned size) { return bar_rd(&virtio_pci_legacy_ops, off, size); }
static void lwr(uint64_t off, unsigned size, uint64_t v) { bar_wr(&virtio_pci_legacy_ops, off, size, v); }
static void mwr64(uint64_t off, uint64_t v) { mwr(off, 4, (uint32_t)v); mwr(off + 4, 4, v >> 32); }

static void set_features(uint64_t f)
{
    mwr(0x08, 4, 0);
    mwr(0x0c, 4, (uint32_t)f);
    mwr(0x08, 4, 1);
    mwr(0x0c, 4, (uint32_t)(f >> 32));
}

static uint8_t status(void) { return (uint8_t)mrd(0x14, 1); }

/* Modern handshake up to FEATURES_OK with the given features; returns the status. */
static uint8_t negotiate(uint64_t f)
{
    mwr(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE);
    mwr(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    set_features(f);
    mwr(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    return status();
}

static int init(void)
{
    if (ram_init(&ram, RAM_BASE, RAM_SIZE, &err) < 0)
        return -1;
    busctx = (PciBusCtx){ .ram = &ram };
    tw = trace_open(NULL, NULL, &err);
    if (!tw)
        return -1;
    tracer_init(&tracer);
    tracer_observe(&tracer, tap, NULL, NULL);
    tracer_observe(&tracer, trace_observe, tw, NULL);
    return 0;
}

static int cleanup(void)
{
    virtio_pci_destroy(&vp);
    virtio_destroy(&dum.vdev);
    trace_close(tw, NULL);
    ram_destroy(&ram);
    return 0;
}

/* ---- tests ---- */

static void test_identity(void)
{
    CU_ASSERT_EQUAL_FATAL(make(VIRTIO_PCI_TRANSITIONAL, 1), 0);
    CU_ASSERT_EQUAL(pci_cfg_get16(&vp.pci, PCI_VENDOR_ID), 0x1af4);
    CU_ASSERT_EQUAL(pci_cfg_get16(&vp.pci, PCI_DEVICE_ID), 0x1000);
    CU_ASSERT_EQUAL(pci_cfg_get16(&vp.pci, PCI_SUBSYSTEM_ID), 1);
    CU_ASSERT_EQUAL(pci_cfg_get8(&vp.pci, PCI_REVISION_ID), 0);
    CU_ASSERT_EQUAL(pci_cfg_get8(&vp.pci, PCI_INTERRUPT_PIN), 1);
    CU_ASSERT_EQUAL(pci_cfg_get8(&vp.pci, PCI_CLASS_DEVICE + 1), 0x02);
    CU_ASSERT_EQUAL(vp.pci.bars[0].flags, PCI_BAR_IO);
    CU_ASSERT_EQUAL(vp.pci.bars[0].size, 0x20);
    CU_ASSERT_TRUE(vp.pci.bars[4].flags & PCI_BAR_MEM64);
    CU_ASSERT_EQUAL(vp.pci.bars[4].size, VIRTIO_PCI_BAR4_SIZE);

    CU_ASSERT_EQUAL_FATAL(make(VIRTIO_PCI_MODERN, 1), 0);
    CU_ASSERT_EQUAL(pci_cfg_get16(&vp.pci, PCI_DEVICE_ID), 0x1041);
    CU_ASSERT_EQUAL(pci_cfg_get8(&vp.pci, PCI_REVISION_ID), 1);
    CU_ASSERT_TRUE(pci_cfg_get16(&vp.pci, PCI_SUBSYSTEM_ID) >= 0x40);
    CU_ASSERT_EQUAL(vp.pci.bars[0].flags, 0);

    CU_ASSERT_EQUAL_FATAL(make(VIRTIO_PCI_LEGACY, 1), 0);
    CU_ASSERT_EQUAL(pci_cfg_get16(&vp.pci, PCI_DEVICE_ID), 0x1000);
    CU_ASSERT_EQUAL(vp.pci.bars[4].flags, 0);
    CU_ASSERT_EQUAL(pci_find_capability(&vp.pci, PCI_CAP_ID_VNDR, 0), 0);

    /* A device type with no transitional id only exists as modern. */
    CU_ASSERT_EQUAL(make(VIRTIO_PCI_TRANSITIONAL, 42), -1);
    CU_ASSERT_EQUAL_FATAL(make(VIRTIO_PCI_MODERN, 42), 0);
    CU_ASSERT_EQUAL(pci_cfg_get16(&vp.pci, PCI_DEVICE_ID), 0x1040 + 42);

    VirtioPciMode m;
    CU_ASSERT_EQUAL(virtio_pci_parse_mode("legacy", &m), 0);
    CU_ASSERT_EQUAL(m, VIRTIO_PCI_LEGACY);
    CU_ASSERT_EQUAL(virtio_pci_parse_mode("modern", &m), 0);
    CU_ASSERT_EQUAL(m, VIRTIO_PCI_MODERN);
    CU_ASSERT_EQUAL(virtio_pci_parse_mode("sideways", &m), -1);
}

static void test_capabilities(void)
{
    CU_ASSERT_EQUAL_FATAL(make(VIRTIO_PCI_TRANSITIONAL, 1), 0);
    CU_ASSERT_TRUE(pci_config_read(&vp.pci, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
    /* Walk the list as a driver does, through config reads. */
    struct { uint8_t type, bar; uint32_t off, len; } want[] = {
        { 1, 4, 0x0000, 0x38 }, { 2, 4, 0x3000, 8 }, { 3, 4, 0x1000, 1 }, { 4, 4, 0x2000, 8 }, { 5, 0, 0, 0 },
    };
    unsigned c = pci_config_read(&vp.pci, PCI_CAPABILITY_LIST, 1), n = 0;
    while (c && n < 8) {
        CU_ASSERT_EQUAL(pci_config_read(&vp.pci, c, 1), PCI_CAP_ID_VNDR);
        if (n < ARRAY_SIZE(want)) {
            CU_ASSERT_EQUAL(pci_config_read(&vp.pci, c + 3, 1), want[n].type);
            CU_ASSERT_EQUAL(pci_config_read(&vp.pci, c + 4, 1), want[n].bar);
            CU_ASSERT_EQUAL(pci_config_read(&vp.pci, c + 8, 4), want[n].off);
            CU_ASSERT_EQUAL(pci_config_read(&vp.pci, c + 12, 4), want[n].len);
            CU_ASSERT_EQUAL(pci_config_read(&vp.pci, c + 2, 1), want[n].type == 2 || want[n].type == 5 ? 20 : 16);
            if (want[n].type == 2)
                CU_ASSERT_EQUAL(pci_config_read(&vp.pci, c + 16, 4), VIRTIO_PCI_NOTIFY_MULT);
        }
        c = pci_config_read(&vp.pci, c + 1, 1);
        n++;
    }
    CU_ASSERT_EQUAL(n, 5);
    /* The capability body is read-only except the pci_cfg window. */
    pci_config_write(&vp.pci, vp.cap_common + 8, 4, 0x1234);
    CU_ASSERT_EQUAL(pci_config_read(&vp.pci, vp.cap_common + 8, 4), 0);
    CU_ASSERT_STRING_EQUAL(vp.pci.config_reg_name(&vp.pci, vp.cap_notify + 16), "cap.notify_off_multiplier");
}

static void test_status_machine(void)
{
    CU_ASSERT_EQUAL_FATAL(make(VIRTIO_PCI_MODERN, 1), 0);
    CU_ASSERT_EQUAL(negotiate((1ull << F_A) | (1ull << F_B) | (1ull << VIRTIO_F_VERSION_1)), 0x0b);
    CU_ASSERT_TRUE(virtio_has_feature(&dum.vdev, F_B));
    mwr(0x14, 1, 0x0f);
    CU_ASSERT_EQUAL(status(), 0x0f);
    CU_ASSERT_EQUAL(dum.driver_ok, 1);
    CU_ASSERT_TRUE(virtio_driver_ok(&dum.vdev));
    /* Features cannot change after FEATURES_OK. */
    set_features(0);
    CU_ASSERT_TRUE(virtio_has_feature(&dum.vdev, F_B));

    /* Clearing a bit without reset is illegal: NEEDS_RESET and a config interrupt. */
    mwr(0x14, 1, 0x07);
    CU_ASSERT_TRUE(status() & VIRTIO_STATUS_NEEDS_RESET);
    CU_ASSERT_PTR_NOT_NULL(strstr(last_error, "cleared status bits"));
    CU_ASSERT_EQUAL(last_old, 0x0f);
    CU_ASSERT_EQUAL(last_new, 0x4f);
    CU_ASSERT_EQUAL(line, 1);
    CU_ASSERT_EQUAL(mrd(VIRTIO_PCI_ISR_OFF, 1), VIRTIO_ISR_CONFIG);
    CU_ASSERT_FALSE(virtio_driver_ok(&dum.vdev));

    /* Skipping FEATURES_OK is illegal on the modern interface ... */
    CU_ASSERT_EQUAL_FATAL(make(VIRTIO_PCI_TRANSITIONAL, 1), 0);
    mwr(0x14, 1, 0x01);
    mwr(0x14, 1, 0x03);
    mwr(0x14, 1, 0x07);
    CU_ASSERT_EQUAL(status(), 0x43);
    CU_ASSERT_EQUAL(line, 0);   /* the driver was never live */
    CU_ASSERT_EQUAL(dum.driver_ok, 0);
    /* ... and the legacy one has no such step. */
    lwr(0x12, 1, 0);
    lwr(0x12, 1, 0x01);
    lwr(0x12, 1, 0x03);
    lwr(0x12, 1, 0x07);
    CU_ASSERT_EQUAL(lrd(0x12, 1), 0x07);

    /* DRIVER without ACKNOWLEDGE is tolerated (U-Boot does it after its reset); the
     * driver setting NEEDS_RESET itself is not. */
    mwr(0x14, 1, 0);
    mwr(0x14, 1, VIRTIO_STATUS_DRIVER);
    CU_ASSERT_EQUAL(status(), VIRTIO_STATUS_DRIVER);
    mwr(0x14, 1, VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    CU_ASSERT_EQUAL(status(), VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    mwr(0x14, 1, 0);
    mwr(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_NEEDS_RESET);
    CU_ASSERT_TRUE(status() & VIRTIO_STATUS_NEEDS_RESET);
    /* FAILED is always the driver's to set. */
    mwr(0x14, 1, 0);
    mwr(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE);
    mwr(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_FAILED);
    CU_ASSERT_EQUAL(status(), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_FAILED);
}

static void test_features_ok_refused(void)
{
    CU_ASSERT_EQUAL_FATAL(make(VIRTIO_PCI_MODERN, 1), 0);
    /* The device features read back in two words. */
    mwr(0x00, 4, 0);
    CU_ASSERT_EQUAL(mrd(0x04, 4), (uint32_t)OFFERED);
    mwr(0x00, 4, 1);
    CU_ASSERT_EQUAL(mrd(0x04, 4), OFFERED >> 32);
    mwr(0x00, 4, 2);
    CU_ASSERT_EQUAL(mrd(0x04, 4), 0);

    uint64_t v1 = 1ull << VIRTIO_F_VERSION_1;
    CU_ASSERT_EQUAL(negotiate(v1 | (1ull << F_UNOFFERED)), 0x03);      /* not offered */
    CU_ASSERT_PTR_NOT_NULL(strstr(last_error, "FEATURES_OK refused"));
    CU_ASSERT_PTR_NOT_NULL(strstr(last_error, "0x8"));
    mwr(0x14, 1, 0);
    CU_ASSERT_EQUAL(negotiate(v1 | (1ull << F_B)), 0x03);             /* B without A */
    CU_ASSERT_PTR_NOT_NULL(strstr(last_error, "feature B needs feature A"));
    mwr(0x14, 1, 0);
    CU_ASSERT_EQUAL(negotiate(1ull << F_A), 0x03);                    /* modern-only needs VERSION_1 */
    mwr(0x14, 1, 0);
    CU_ASSERT_EQUAL(negotiate(v1 | (1ull << F_A) | (1ull << F_B)), 0x0b);
    /* A refusal is not a device error. */
    CU_ASSERT_FALSE(status() & VIRTIO_STATUS_NEEDS_RESET);
}

static void setup_modern_queue(unsigned q, uint16_t size, uint64_t desc, uint64_t drv, uint64_t dev)
{
    mwr(0x16, 2, q);
    mwr(0x18, 2, size);
    mwr64(0x20, desc);
    mwr64(0x28, drv);
    mwr64(0x30, dev);
    mwr(0x1c, 2, 1);
}

static int live_calls[2];
static void on_queue_live(void *ctx, VirtioDevice *vd, unsigned q, bool live)
{
    (void)ctx;
    /* The layout is still there when a queue goes away (so a watch can be undone). */
    CU_ASSERT_TRUE(vd->vq[q].ready && vd->vq[q].size != 0);
    live_calls[live]++;
}

static void test_queue_config_and_reset(void)
{
    CU_ASSERT_EQUAL_FATAL(make(VIRTIO_PCI_MODERN, 1), 0);
    dum.vdev.queue_live = on_queue_live;
    live_calls[0] = live_calls[1] = 0;
    CU_ASSERT_EQUAL(mrd(0x12, 2), 2);
    mwr(0x16, 2, 1);
    CU_ASSERT_EQUAL(mrd(0x18, 2), 16);
    CU_ASSERT_EQUAL(mrd(0x1e, 2), 1);
    CU_ASSERT_EQUAL(mrd(0x1a, 2), 0xffff);
    mwr(0x16, 2, 2);
    CU_ASSERT_EQUAL(mrd(0x18, 2), 0);                  /* no such queue */

    negotiate((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_RING_EVENT_IDX));
    setup_modern_queue(1, 8, 0x80001000, 0x80002000, 0x80003000);
    CU_ASSERT_EQUAL(mrd(0x1c, 2), 1);
    CU_ASSERT_EQUAL(mrd(0x20, 4), 0x80001000);
    CU_ASSERT_EQUAL(mrd(0x24, 4), 0);
    VirtQueue *vq = &dum.vdev.vq[1];
    CU_ASSERT_TRUE(vq->ready);
    CU_ASSERT_EQUAL(vq->size, 8);
    CU_ASSERT_EQUAL(vq->driver, 0x80002000);
    CU_ASSERT_TRUE(vq->event_idx);
    CU_ASSERT_EQUAL(live_calls[1], 1);
    /* Writes to an enabled queue are ignored. */
    mwr(0x18, 2, 4);
    CU_ASSERT_EQUAL(mrd(0x18, 2), 8);
    CU_ASSERT_EQUAL(vq->size, 8);

    /* A bad size (not a power of 2) on the other queue: the device never presents it
     * (§4.1.4.3.1: 0 or a power of 2), and says NEEDS_RESET at once. */
    mwr(0x16, 2, 0);
    mwr(0x18, 2, 12);
    CU_ASSERT_TRUE(status() & VIRTIO_STATUS_NEEDS_RESET);
    CU_ASSERT_EQUAL(mrd(0x18, 2), 16);
    mwr(0x18, 2, 32);                                  /* above the maximum: the same */
    CU_ASSERT_EQUAL(mrd(0x18, 2), 16);

    /* Reset forgets queues, features and status, and tells the device. */
    CU_ASSERT_PTR_NOT_NULL(strstr(last_error, "power of 2"));
    unsigned resets = dum.resets, traced = n_resets_traced;
    mwr(0x14, 1, 0);
    CU_ASSERT_EQUAL(n_resets_traced, traced + 1);
    CU_ASSERT_EQUAL(status(), 0);
    CU_ASSERT_EQUAL(dum.resets, resets + 1);
    CU_ASSERT_EQUAL(live_calls[0], 1);
    CU_ASSERT_EQUAL(dum.vdev.guest_features, 0);
    CU_ASSERT_FALSE(vq->ready);
    CU_ASSERT_EQUAL(mrd(0x16, 2), 0);                  /* queue_select too */
    mwr(0x16, 2, 1);
    CU_ASSERT_EQUAL(mrd(0x18, 2), 16);
    CU_ASSERT_EQUAL(mrd(0x1c, 2), 0);
    CU_ASSERT_EQUAL(mrd(0x20, 4), 0);
}

static void test_legacy_matches_modern(void)
{
    /* Through the legacy block ... */
    CU_ASSERT_EQUAL_FATAL(make(VIRTIO_PCI_TRANSITIONAL, 1), 0);
    CU_ASSERT_EQUAL(lrd(0x00, 4), (uint32_t)OFFERED);
    lwr(0x12, 1, 1);
    lwr(0x12, 1, 3);
    lwr(0x04, 4, (1u << F_A) | (1u << VIRTIO_F_RING_INDIRECT_DESC));
    lwr(0x0e, 2, 1);
    CU_ASSERT_EQUAL(lrd(0x0c, 2), 16);
    lwr(0x08, 4, 0x80010);
    CU_ASSERT_EQUAL(lrd(0x08, 4), 0x80010);
    lwr(0x12, 1, 7);
    VirtQueue legacy_vq = dum.vdev.vq[1];
    uint64_t legacy_features = dum.vdev.guest_features;
    uint8_t legacy_status = dum.vdev.status;
    CU_ASSERT_EQUAL(lrd(0x14, 4), 0xfeedf00d);
    CU_ASSERT_EQUAL(lrd(0x14 + 4, 2), 0);

    /* Legacy has no FEATURES_OK to refuse with: bits that were not offered are dropped
     * at the write, so all-ones cannot switch on NOTIFY_ON_EMPTY (§2.2, as QEMU). */
    CU_ASSERT_EQUAL_FATAL(make(VIRTIO_PCI_TRANSITIONAL, 1), 0);
    lwr(0x12, 1, 1);
    lwr(0x12, 1, 3);
    lwr(0x04, 4, 0xffffffff);
    CU_ASSERT_EQUAL(lrd(0x04, 4), (uint32_t)OFFERED);
    CU_ASSERT_FALSE(dum.vdev.guest_features & (1ull << F_UNOFFERED));
    CU_ASSERT_FALSE(dum.vdev.guest_features & (1ull << VIRTIO_F_NOTIFY_ON_EMPTY));
    lwr(0x08, 4, 0x80010);
    CU_ASSERT_FALSE(dum.vdev.vq[0].notify_on_empty);
    CU_ASSERT_FALSE(status() & VIRTIO_STATUS_NEEDS_RESET);

    /* ... and through the modern structures with the legacy ring layout. */
    CU_ASSERT_EQUAL_FATAL(make(VIRTIO_PCI_TRANSITIONAL, 1), 0);
    negotiate((1ull << F_A) | (1ull << VIRTIO_F_RING_INDIRECT_DESC));
    setup_modern_queue(1, 16, 0x80010000, 0x80010000 + 16 * 16, 0x80011000);
    mwr(0x14, 1, 0x0f);
    VirtQueue *m = &dum.vdev.vq[1];
    CU_ASSERT_EQUAL(m->size, legacy_vq.size);
    CU_ASSERT_EQUAL(m->desc, legacy_vq.desc);
    CU_ASSERT_EQUAL(m->driver, legacy_vq.driver);
    CU_ASSERT_EQUAL(m->device, legacy_vq.device);
    CU_ASSERT_EQUAL(m->ready, legacy_vq.ready);
    CU_ASSERT_EQUAL(m->indirect, legacy_vq.indirect);
    CU_ASSERT_EQUAL(dum.vdev.guest_features, legacy_features);
    CU_ASSERT_EQUAL(dum.vdev.status & ~VIRTIO_STATUS_FEATURES_OK, legacy_status);
    CU_ASSERT_EQUAL(mrd(VIRTIO_PCI_DEVICE_OFF, 4), 0xfeedf00d);
    /* Legacy PFN 0 releases the queue. */
    lwr(0x0e, 2, 1);
    lwr(0x08, 4, 0);
    CU_ASSERT_FALSE(m->ready);
}

/* Puts one writable buffer on queue q (legacy layout at pfn 0x80010) and returns it. */
static void use_one_buffer(unsigned q)
{
    VirtQueue *vq = &dum.vdev.vq[q];
    uint8_t *d = ram_ptr(&ram, vq->desc, 16);
    st64_le(d, RAM_BASE + 0x20000);
    st32_le(d + 8, 64);
    st16_le(d + 12, VRING_DESC_F_WRITE);
    st16_le(ram_ptr(&ram, vq->driver + 4, 2), 0);
    st16_le(ram_ptr(&ram, vq->driver + 2, 2), (uint16_t)(vq->split.last_avail + 1));
    VqElem e = { 0 };
    CU_ASSERT_EQUAL(virtio_queue_pop(&dum.vdev, q, &e), 1);
    CU_ASSERT_EQUAL(vq_elem_write(vq, &e, 0, "hi", 2), 2);
    CU_ASSERT_EQUAL(vq_push(vq, &e, 2, &err), 0);
    virtio_queue_complete(&dum.vdev, q);
    vq_elem_free(&e);
}

static void legacy_bring_up(void)
{
    CU_ASSERT_EQUAL_FATAL(make(VIRTIO_PCI_TRANSITIONAL, 1), 0);
    pci_config_write(&vp.pci, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
    lwr(0x12, 1, 1);
    lwr(0x12, 1, 3);
    lwr(0x0e, 2, 0);
    lwr(0x08, 4, 0x80010);
    lwr(0x12, 1, 7);
}

static void test_isr_and_intx(void)
{
    legacy_bring_up();
    use_one_buffer(0);
    CU_ASSERT_EQUAL(line, 1);
    CU_ASSERT_TRUE(pci_config_read(&vp.pci, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    CU_ASSERT_EQUAL(ld16_le(ram_ptr(&ram, dum.vdev.vq[0].device + 2, 2)), 1);
    /* Read-to-clear through the modern ISR ... */
    CU_ASSERT_EQUAL(mrd(VIRTIO_PCI_ISR_OFF, 1), VIRTIO_ISR_QUEUE);
    CU_ASSERT_EQUAL(line, 0);
    CU_ASSERT_EQUAL(mrd(VIRTIO_PCI_ISR_OFF, 1), 0);
    /* ... and the legacy one; a config change sets bit 1. */
    use_one_buffer(0);
    virtio_config_changed(&dum.vdev);
    CU_ASSERT_EQUAL(line, 1);
    CU_ASSERT_EQUAL(lrd(0x13, 1), VIRTIO_ISR_QUEUE | VIRTIO_ISR_CONFIG);
    CU_ASSERT_EQUAL(line, 0);
    CU_ASSERT_EQUAL(dum.vdev.config_generation, 1);
    /* The driver asked for no interrupts: the line stays low. */
    st16_le(ram_ptr(&ram, dum.vdev.vq[0].driver, 2), VRING_AVAIL_F_NO_INTERRUPT);
    use_one_buffer(0);
    CU_ASSERT_EQUAL(line, 0);
}

static void test_dma_needs_bus_master(void)
{
    legacy_bring_up();
    pci_config_write(&vp.pci, PCI_COMMAND, 2, 0);
    VirtQueue *vq = &dum.vdev.vq[0];
    st16_le(ram_ptr(&ram, vq->driver + 2, 2), 1);
    VqElem e = { 0 };
    CU_ASSERT_EQUAL(virtio_queue_pop(&dum.vdev, 0, &e), -1);
    CU_ASSERT_TRUE(dum.vdev.status & VIRTIO_STATUS_NEEDS_RESET);
    CU_ASSERT_EQUAL(line, 1);              /* the live driver is told */
    vq_elem_free(&e);
}

static void test_notify(void)
{
    legacy_bring_up();
    lwr(0x10, 2, 0);
    CU_ASSERT_EQUAL(dum.notified[0], 1);
    lwr(0x10, 2, 1);                       /* queue 1 not set up: not delivered */
    CU_ASSERT_EQUAL(dum.notified[1], 0);
    lwr(0x10, 2, 7);                       /* no such queue: ignored */
    lwr(0x0e, 2, 1);
    lwr(0x08, 4, 0x80020);
    mwr(VIRTIO_PCI_NOTIFY_OFF + 1 * VIRTIO_PCI_NOTIFY_MULT, 2, 1);
    CU_ASSERT_EQUAL(dum.notified[1], 1);
    mwr(VIRTIO_PCI_NOTIFY_OFF, 2, 0);
    CU_ASSERT_EQUAL(dum.notified[0], 2);
}

static void test_pci_cfg_window(void)
{
    CU_ASSERT_EQUAL_FATAL(make(VIRTIO_PCI_MODERN, 1), 0);
    unsigned c = vp.cap_pcicfg;
    /* Write device_status = ACKNOWLEDGE through the window (BAR4 + 0x14, 1 byte). */
    pci_config_write(&vp.pci, c + 4, 1, 4);
    pci_config_write(&vp.pci, c + 8, 4, 0x14);
    pci_config_write(&vp.pci, c + 12, 4, 1);
    pci_config_write(&vp.pci, c + 16, 4, VIRTIO_STATUS_ACKNOWLEDGE);
    CU_ASSERT_EQUAL(dum.vdev.status, VIRTIO_STATUS_ACKNOWLEDGE);
    /* Read num_queues (BAR4 + 0x12, 2 bytes) and the device config back. */
    pci_config_write(&vp.pci, c + 8, 4, 0x12);
    pci_config_write(&vp.pci, c + 12, 4, 2);
    CU_ASSERT_EQUAL(pci_config_read(&vp.pci, c + 16, 4) & 0xffff, 2);
    pci_config_write(&vp.pci, c + 8, 4, VIRTIO_PCI_DEVICE_OFF);
    pci_config_write(&vp.pci, c + 12, 4, 4);
    CU_ASSERT_EQUAL(pci_config_read(&vp.pci, c + 16, 4), 0xfeedf00d);
    /* A misaligned or out-of-BAR window does nothing. */
    pci_config_write(&vp.pci, c + 8, 4, 0x15);
    pci_config_write(&vp.pci, c + 12, 4, 2);
    pci_config_write(&vp.pci, c + 16, 4, 0);
    CU_ASSERT_EQUAL(dum.vdev.status, VIRTIO_STATUS_ACKNOWLEDGE);
    pci_config_write(&vp.pci, c + 4, 1, 3);
    pci_config_write(&vp.pci, c + 8, 4, 0x14);
    pci_config_write(&vp.pci, c + 12, 4, 1);
    pci_config_write(&vp.pci, c + 16, 4, 0);
    CU_ASSERT_EQUAL(dum.vdev.status, VIRTIO_STATUS_ACKNOWLEDGE);
}

static void test_config_generation(void)
{
    /* §4.1.4.3.1: after a change the driver must see a different config_generation.
     * 256 changes between two reads must not wrap it back to the value it held. */
    CU_ASSERT_EQUAL_FATAL(make(VIRTIO_PCI_MODERN, 1), 0);
    uint8_t g0 = (uint8_t)mrd(0x15, 1);
    for (int i = 0; i < 256; i++)
        virtio_config_changed(&dum.vdev);
    uint8_t g1 = (uint8_t)mrd(0x15, 1);
    CU_ASSERT_NOT_EQUAL(g1, g0);
    /* Once the driver read the config, the next change moves the generation again. */
    CU_ASSERT_EQUAL(mrd(VIRTIO_PCI_DEVICE_OFF, 4), 0xfeedf00d);
    virtio_config_changed(&dum.vdev);
    CU_ASSERT_NOT_EQUAL((uint8_t)mrd(0x15, 1), g1);
    /* Not before DRIVER_OK: the generation moves, but no config interrupt (§2.1.2). */
    CU_ASSERT_FALSE(dum.vdev.isr & VIRTIO_ISR_CONFIG);
}

static void test_register_names(void)
{
    CU_ASSERT_EQUAL_FATAL(make(VIRTIO_PCI_TRANSITIONAL, 1), 0);
    const MemOps *m = &virtio_pci_modern_ops, *l = &virtio_pci_legacy_ops;
    CU_ASSERT_STRING_EQUAL(m->reg_name(&vp, 0x14, 1), "common.device_status");
    CU_ASSERT_STRING_EQUAL(m->reg_name(&vp, 0x24, 4), "common.queue_desc");
    CU_ASSERT_STRING_EQUAL(m->reg_name(&vp, VIRTIO_PCI_ISR_OFF, 1), "isr");
    CU_ASSERT_STRING_EQUAL(m->reg_name(&vp, VIRTIO_PCI_DEVICE_OFF + 4, 2), "device.status");
    CU_ASSERT_STRING_EQUAL(m->reg_name(&vp, VIRTIO_PCI_NOTIFY_OFF + 4, 2), "notify");
    CU_ASSERT_PTR_NULL(m->reg_name(&vp, 0x800, 4));
    CU_ASSERT_STRING_EQUAL(l->reg_name(&vp, 0x08, 4), "legacy.queue_pfn");
    CU_ASSERT_STRING_EQUAL(l->reg_name(&vp, 0x12, 1), "legacy.device_status");
    CU_ASSERT_STRING_EQUAL(l->reg_name(&vp, 0x14, 4), "device.magic");
    CU_ASSERT_STRING_EQUAL(virtio_config_field(&dum.vdev, 6), "max");
    /* A field accessed with the wrong width does nothing. */
    mwr(0x14, 2, 1);
    CU_ASSERT_EQUAL(dum.vdev.status, 0);
}

int suite_virtio_pci(void)
{
    CU_pSuite s = CU_add_suite("virtio_pci", init, cleanup);
    if (!s)
        return -1;
    CU_add_test(s, "PCI identity per mode", test_identity);
    CU_add_test(s, "capability list", test_capabilities);
    CU_add_test(s, "status machine", test_status_machine);
    CU_add_test(s, "FEATURES_OK refused", test_features_ok_refused);
    CU_add_test(s, "queue configuration and reset", test_queue_config_and_reset);
    CU_add_test(s, "legacy and modern reach the same state", test_legacy_matches_modern);
    CU_add_test(s, "ISR read-to-clear and INTx", test_isr_and_intx);
    CU_add_test(s, "DMA needs bus mastering", test_dma_needs_bus_master);
    CU_add_test(s, "notify reaches the device", test_notify);
    CU_add_test(s, "pci_cfg access window", test_pci_cfg_window);
    CU_add_test(s, "config_generation never wraps onto a stale value", test_config_generation);
    CU_add_test(s, "register names", test_register_names);
    return CU_get_error();
}
