/* The register maps of virtio-pci as tables: the legacy block of BAR0 (virtio 1.2
 * §4.1.4.8) and the modern BAR4 structures — common config (§4.1.4.3), ISR (§4.1.4.5),
 * device config (§4.1.4.6) and notifications (§4.1.4.4). The same table names each
 * register for the trace ("common.device_status", "legacy.queue_pfn") and dispatches it.
 *
 * Each field is accessed with its own width (§4.1.3.1); 64-bit fields as two 32-bit
 * halves (the bus splits 8-byte accesses, max_size 4). An access of another width reads
 * 0 and writes nothing: the bus trace still shows it. */
#include "virtio_pci.h"

typedef struct VpReg {
    RegDesc r;
    uint64_t (*rd)(VirtioPci *vp, unsigned sub);   /* sub: byte offset in the register */
    void (*wr)(VirtioPci *vp, unsigned sub, uint32_t val);
} VpReg;

static const VpReg *reg_find(const VpReg *tab, unsigned n, uint64_t off)
{
    for (unsigned i = 0; i < n; i++)
        if (off >= tab[i].r.off && off < (uint64_t)tab[i].r.off + tab[i].r.size)
            return &tab[i];
    return NULL;
}

/* The register at off if the access has its width (or is one half of a 64-bit one). */
static const VpReg *reg_for(const VpReg *tab, unsigned n, uint64_t off, unsigned size)
{
    const VpReg *r = reg_find(tab, n, off);
    if (!r)
        return NULL;
    unsigned sub = (unsigned)(off - r->r.off);
    if (r->r.size == 8 ? size == 4 && (sub == 0 || sub == 4) : size == r->r.size && sub == 0)
        return r;
    return NULL;
}

static VirtQueue *sel_vq(VirtioPci *vp)
{
    VirtioDevice *vd = vp->vd;
    return vd->queue_sel < vd->info.num_queues ? &vd->vq[vd->queue_sel] : NULL;
}

/* ---- legacy (BAR0) ---- */

static uint64_t l_dfeat(VirtioPci *vp, unsigned s) { return virtio_read_device_features(vp->vd, 0); }
static uint64_t l_gfeat(VirtioPci *vp, unsigned s) { return virtio_read_driver_features(vp->vd, 0); }
static void l_gfeat_w(VirtioPci *vp, unsigned s, uint32_t v) { virtio_write_legacy_features(vp->vd, v); }
static uint64_t l_pfn(VirtioPci *vp, unsigned s) { return virtio_queue_pfn(vp->vd, vp->vd->queue_sel); }
static void l_pfn_w(VirtioPci *vp, unsigned s, uint32_t v) { virtio_queue_set_pfn(vp->vd, vp->vd->queue_sel, v); }
static uint64_t l_qsize(VirtioPci *vp, unsigned s) { return sel_vq(vp) ? vp->vd->info.queue_size : 0; }
static uint64_t qsel(VirtioPci *vp, unsigned s) { return vp->vd->queue_sel; }
static void qsel_w(VirtioPci *vp, unsigned s, uint32_t v) { vp->vd->queue_sel = (uint16_t)v; }
static void l_notify_w(VirtioPci *vp, unsigned s, uint32_t v) { virtio_queue_notify(vp->vd, (uint16_t)v); }
static uint64_t status(VirtioPci *vp, unsigned s) { return vp->vd->status; }
static void l_status_w(VirtioPci *vp, unsigned s, uint32_t v) { virtio_write_status(vp->vd, (uint8_t)v, true); }
static uint64_t isr(VirtioPci *vp, unsigned s) { return virtio_isr_read(vp->vd); }

static const VpReg legacy_regs[] = {
    { { 0x00, 4, "legacy.device_features" }, l_dfeat, NULL },
    { { 0x04, 4, "legacy.guest_features" }, l_gfeat, l_gfeat_w },
    { { 0x08, 4, "legacy.queue_pfn" }, l_pfn, l_pfn_w },
    { { 0x0c, 2, "legacy.queue_size" }, l_qsize, NULL },
    { { 0x0e, 2, "legacy.queue_select" }, qsel, qsel_w },
    { { 0x10, 2, "legacy.queue_notify" }, NULL, l_notify_w },
    { { 0x12, 1, "legacy.device_status" }, status, l_status_w },
    { { 0x13, 1, "legacy.isr" }, isr, NULL },
};

static const char *field_name(VirtioPci *vp, unsigned off)
{
    const VirtioDeviceOps *ops = vp->vd->ops;
    const RegDesc *r = ops->config_regs ? regdesc_find(ops->config_regs, ops->n_config_regs, off) : NULL;
    return r ? vp->field_names[r - ops->config_regs] : NULL;
}

static uint64_t legacy_read(void *opaque, uint64_t off, unsigned size)
{
    VirtioPci *vp = opaque;
    virtio_pci_sync_tracer(vp);
    if (off >= VIRTIO_PCI_LEGACY_CONFIG)
        return virtio_config_read(vp->vd, (unsigned)(off - VIRTIO_PCI_LEGACY_CONFIG), size);
    const VpReg *r = reg_for(legacy_regs, ARRAY_SIZE(legacy_regs), off, size);
    return r && r->rd ? r->rd(vp, 0) : 0;
}

static void legacy_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    VirtioPci *vp = opaque;
    virtio_pci_sync_tracer(vp);
    if (off >= VIRTIO_PCI_LEGACY_CONFIG) {
        virtio_config_write(vp->vd, (unsigned)(off - VIRTIO_PCI_LEGACY_CONFIG), size, val);
        return;
    }
    const VpReg *r = reg_for(legacy_regs, ARRAY_SIZE(legacy_regs), off, size);
    if (r && r->wr)
        r->wr(vp, 0, (uint32_t)val);
}

static const char *legacy_reg_name(void *opaque, uint64_t off, unsigned size)
{
    VirtioPci *vp = opaque;
    if (off >= VIRTIO_PCI_LEGACY_CONFIG)
        return field_name(vp, (unsigned)(off - VIRTIO_PCI_LEGACY_CONFIG));
    const VpReg *r = reg_find(legacy_regs, ARRAY_SIZE(legacy_regs), off);
    return r ? r->r.name : NULL;
}

const MemOps virtio_pci_legacy_ops = {
    .read = legacy_read, .write = legacy_write, .min_size = 1, .max_size = 4,
    .reg_name = legacy_reg_name,
};

/* ---- modern common config (BAR4 + 0) ---- */

static uint64_t dfsel(VirtioPci *vp, unsigned s) { return vp->vd->dfselect; }
static void dfsel_w(VirtioPci *vp, unsigned s, uint32_t v) { virtio_select_features(vp->vd, false, v); }
static uint64_t dfeat(VirtioPci *vp, unsigned s) { return virtio_read_device_features(vp->vd, vp->vd->dfselect); }
static uint64_t gfsel(VirtioPci *vp, unsigned s) { return vp->vd->gfselect; }
static void gfsel_w(VirtioPci *vp, unsigned s, uint32_t v) { virtio_select_features(vp->vd, true, v); }
static uint64_t gfeat(VirtioPci *vp, unsigned s) { return virtio_read_driver_features(vp->vd, vp->vd->gfselect); }
static void gfeat_w(VirtioPci *vp, unsigned s, uint32_t v) { virtio_write_driver_features(vp->vd, vp->vd->gfselect, v); }
/* No MSI-X capability: every vector reads VIRTIO_MSI_NO_VECTOR and stays so. */
static uint64_t no_vector(VirtioPci *vp, unsigned s) { return 0xffff; }
static void no_vector_w(VirtioPci *vp, unsigned s, uint32_t v) { }
static uint64_t numq(VirtioPci *vp, unsigned s) { return vp->vd->info.num_queues; }
static void status_w(VirtioPci *vp, unsigned s, uint32_t v) { virtio_write_status(vp->vd, (uint8_t)v, false); }
static uint64_t gen(VirtioPci *vp, unsigned s) { return vp->vd->config_generation; }
/* A queue that does not exist reads size 0 (§4.1.4.3.2). */
static uint64_t qsize(VirtioPci *vp, unsigned s) { return sel_vq(vp) ? vp->vd->qcfg[vp->vd->queue_sel].size : 0; }
static void qsize_w(VirtioPci *vp, unsigned s, uint32_t v) { virtio_queue_set_size(vp->vd, vp->vd->queue_sel, (uint16_t)v); }
static uint64_t qenable(VirtioPci *vp, unsigned s) { VirtQueue *q = sel_vq(vp); return q && q->ready; }
static void qenable_w(VirtioPci *vp, unsigned s, uint32_t v)
{
    /* §4.1.4.3.2: the driver never writes 0 here (that needs RING_RESET). */
    if (v == 1)
        virtio_queue_enable(vp->vd, vp->vd->queue_sel);
}
static uint64_t qnotify_off(VirtioPci *vp, unsigned s) { return sel_vq(vp) ? vp->vd->queue_sel : 0; }

static uint64_t qaddr(VirtioPci *vp, unsigned s, int which)
{
    if (!sel_vq(vp))
        return 0;
    const VirtioQueueCfg *c = &vp->vd->qcfg[vp->vd->queue_sel];
    uint64_t a = which == 0 ? c->desc : which == 1 ? c->driver : c->device;
    return (uint32_t)(a >> (8 * s));
}
static void qaddr_w(VirtioPci *vp, unsigned s, uint32_t v, int which)
{
    if (!sel_vq(vp))
        return;
    uint64_t a = qaddr(vp, 0, which) | qaddr(vp, 4, which) << 32;
    a = s ? (a & UINT32_MAX) | (uint64_t)v << 32 : (a & ~(uint64_t)UINT32_MAX) | v;
    virtio_queue_set_addr(vp->vd, vp->vd->queue_sel, which, a);
}
static uint64_t qdesc(VirtioPci *vp, unsigned s) { return qaddr(vp, s, 0); }
static void qdesc_w(VirtioPci *vp, unsigned s, uint32_t v) { qaddr_w(vp, s, v, 0); }
static uint64_t qdrv(VirtioPci *vp, unsigned s) { return qaddr(vp, s, 1); }
static void qdrv_w(VirtioPci *vp, unsigned s, uint32_t v) { qaddr_w(vp, s, v, 1); }
static uint64_t qdev(VirtioPci *vp, unsigned s) { return qaddr(vp, s, 2); }
static void qdev_w(VirtioPci *vp, unsigned s, uint32_t v) { qaddr_w(vp, s, v, 2); }

static const VpReg common_regs[] = {
    { { 0x00, 4, "common.device_feature_select" }, dfsel, dfsel_w },
    { { 0x04, 4, "common.device_feature" }, dfeat, NULL },
    { { 0x08, 4, "common.driver_feature_select" }, gfsel, gfsel_w },
    { { 0x0c, 4, "common.driver_feature" }, gfeat, gfeat_w },
    { { 0x10, 2, "common.config_msix_vector" }, no_vector, no_vector_w },
    { { 0x12, 2, "common.num_queues" }, numq, NULL },
    { { 0x14, 1, "common.device_status" }, status, status_w },
    { { 0x15, 1, "common.config_generation" }, gen, NULL },
    { { 0x16, 2, "common.queue_select" }, qsel, qsel_w },
    { { 0x18, 2, "common.queue_size" }, qsize, qsize_w },
    { { 0x1a, 2, "common.queue_msix_vector" }, no_vector, no_vector_w },
    { { 0x1c, 2, "common.queue_enable" }, qenable, qenable_w },
    { { 0x1e, 2, "common.queue_notify_off" }, qnotify_off, NULL },
    { { 0x20, 8, "common.queue_desc" }, qdesc, qdesc_w },
    { { 0x28, 8, "common.queue_driver" }, qdrv, qdrv_w },
    { { 0x30, 8, "common.queue_device" }, qdev, qdev_w },
};

/* ---- modern BAR4: which structure an offset falls in ---- */

typedef enum { M_COMMON, M_ISR, M_DEVICE, M_NOTIFY, M_NONE } ModernPart;

static ModernPart part_of(const VirtioPci *vp, uint64_t off, unsigned *rel)
{
    if (off < VIRTIO_PCI_COMMON_LEN) {
        *rel = (unsigned)off;
        return M_COMMON;
    }
    if (off == VIRTIO_PCI_ISR_OFF) {
        *rel = 0;
        return M_ISR;
    }
    if (off >= VIRTIO_PCI_DEVICE_OFF && off < VIRTIO_PCI_DEVICE_OFF + vp->vd->info.config_size) {
        *rel = (unsigned)(off - VIRTIO_PCI_DEVICE_OFF);
        return M_DEVICE;
    }
    if (off >= VIRTIO_PCI_NOTIFY_OFF && off < VIRTIO_PCI_NOTIFY_OFF + (uint64_t)VIRTIO_PCI_NOTIFY_MULT * vp->vd->info.num_queues) {
        *rel = (unsigned)(off - VIRTIO_PCI_NOTIFY_OFF);
        return M_NOTIFY;
    }
    return M_NONE;
}

static uint64_t modern_read(void *opaque, uint64_t off, unsigned size)
{
    VirtioPci *vp = opaque;
    unsigned rel;
    const VpReg *r;
    virtio_pci_sync_tracer(vp);
    switch (part_of(vp, off, &rel)) {
    case M_COMMON:
        r = reg_for(common_regs, ARRAY_SIZE(common_regs), rel, size);
        return r && r->rd ? r->rd(vp, rel - r->r.off) : 0;
    case M_ISR: return virtio_isr_read(vp->vd);
    case M_DEVICE: return virtio_config_read(vp->vd, rel, size);
    default: return 0;
    }
}

static void modern_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    VirtioPci *vp = opaque;
    unsigned rel;
    const VpReg *r;
    virtio_pci_sync_tracer(vp);
    switch (part_of(vp, off, &rel)) {
    case M_COMMON:
        r = reg_for(common_regs, ARRAY_SIZE(common_regs), rel, size);
        if (r && r->wr)
            r->wr(vp, rel - r->r.off, (uint32_t)val);
        return;
    case M_DEVICE: virtio_config_write(vp->vd, rel, size, val); return;
    case M_NOTIFY:
        /* The queue is the one whose notify address this is (queue_notify_off = index). */
        if (rel % VIRTIO_PCI_NOTIFY_MULT == 0)
            virtio_queue_notify(vp->vd, rel / VIRTIO_PCI_NOTIFY_MULT);
        return;
    default: return;
    }
}

static const char *modern_reg_name(void *opaque, uint64_t off, unsigned size)
{
    VirtioPci *vp = opaque;
    unsigned rel;
    const VpReg *r;
    switch (part_of(vp, off, &rel)) {
    case M_COMMON:
        r = reg_find(common_regs, ARRAY_SIZE(common_regs), rel);
        return r ? r->r.name : NULL;
    case M_ISR: return "isr";
    case M_DEVICE: return field_name(vp, rel);
    case M_NOTIFY: return "notify";
    default: return NULL;
    }
}

const MemOps virtio_pci_modern_ops = {
    .read = modern_read, .write = modern_write, .min_size = 1, .max_size = 4,
    .reg_name = modern_reg_name,
};
