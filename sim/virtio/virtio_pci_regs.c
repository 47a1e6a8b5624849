/* The register maps of virtio-pci as tables: the legacy block of BAR0 (virtio 1.2
 * §4.1.4.8) and the modern BAR4 structures — common config (§4.1.4.3), ISR (§4.1.4.5),
 * device config (§4.1.4.6) and notifications (§4.1.4.4). The same RegDesc table names
 * each register for the trace ("common.device_status", "legacy.queue_pfn") and
 * dispatches it.
 *
 * Each field is accessed with its own width (§4.1.3.1); 64-bit fields as two 32-bit
 * halves (the bus splits 8-byte accesses, max_size 4). An access of another width reads
 * 0 and writes nothing: the bus trace still shows it. */
#include "virtio_pci.h"

/* The row at off if the access has the row's width, or is one 32-bit half of a 64-bit
 * row; NULL otherwise (§4.1.3.1). */
static const RegDesc *exact_reg(const RegDesc *tab, unsigned n, uint64_t off, unsigned size)
{
    const RegDesc *r = regdesc_find(tab, n, off);
    if (!r)
        return NULL;
    unsigned sub = (unsigned)(off - r->off);
    if (r->size == 8 ? size == 4 && (sub == 0 || sub == 4) : size == r->size && sub == 0)
        return r;
    return NULL;
}

static uint64_t reg_read(const RegDesc *r, VirtioPci *vp, uint64_t off, unsigned size)
{
    return r && r->read ? r->read(vp, (unsigned)(off - r->off), size) : 0;
}

static void reg_write(const RegDesc *r, VirtioPci *vp, uint64_t off, unsigned size, uint64_t val)
{
    if (r && r->write)
        r->write(vp, (unsigned)(off - r->off), size, val);
}

/* The rows' callbacks get the VirtioPci; most need only its device. */
static VirtioDevice *VD(void *o) { return ((VirtioPci *)o)->vd; }

static VirtQueue *sel_vq(VirtioDevice *vd)
{
    return vd->queue_sel < vd->info.num_queues ? &vd->vq[vd->queue_sel] : NULL;
}

/* ---- legacy (BAR0) ---- */

static uint64_t l_dfeat(void *o, unsigned s, unsigned n) { return virtio_read_device_features(VD(o), 0); }
static uint64_t l_gfeat(void *o, unsigned s, unsigned n) { return virtio_read_driver_features(VD(o), 0); }
static void l_gfeat_w(void *o, unsigned s, unsigned n, uint64_t v) { virtio_write_legacy_features(VD(o), (uint32_t)v); }
static uint64_t l_pfn(void *o, unsigned s, unsigned n) { return virtio_queue_pfn(VD(o), VD(o)->queue_sel); }
static void l_pfn_w(void *o, unsigned s, unsigned n, uint64_t v) { virtio_queue_set_pfn(VD(o), VD(o)->queue_sel, (uint32_t)v); }
static uint64_t l_qsize(void *o, unsigned s, unsigned n) { return sel_vq(VD(o)) ? VD(o)->info.queue_size : 0; }
static uint64_t qsel(void *o, unsigned s, unsigned n) { return VD(o)->queue_sel; }
static void qsel_w(void *o, unsigned s, unsigned n, uint64_t v) { VD(o)->queue_sel = (uint16_t)v; }
static void l_notify_w(void *o, unsigned s, unsigned n, uint64_t v) { virtio_queue_notify(VD(o), (uint16_t)v); }
static uint64_t status(void *o, unsigned s, unsigned n) { return VD(o)->status; }
static void l_status_w(void *o, unsigned s, unsigned n, uint64_t v) { virtio_write_status(VD(o), (uint8_t)v, true); }
static uint64_t isr(void *o, unsigned s, unsigned n) { return virtio_isr_read(VD(o)); }

static const RegDesc legacy_regs[] = {
    { 0x00, 4, "legacy.device_features", l_dfeat, NULL },
    { 0x04, 4, "legacy.guest_features", l_gfeat, l_gfeat_w },
    { 0x08, 4, "legacy.queue_pfn", l_pfn, l_pfn_w },
    { 0x0c, 2, "legacy.queue_size", l_qsize, NULL },
    { 0x0e, 2, "legacy.queue_select", qsel, qsel_w },
    { 0x10, 2, "legacy.queue_notify", NULL, l_notify_w },
    { 0x12, 1, "legacy.device_status", status, l_status_w },
    { 0x13, 1, "legacy.isr", isr, NULL },
};

static const char *field_name(VirtioPci *vp, unsigned off)
{
    const VirtioDeviceOps *ops = vp->vd->ops;
    const RegDesc *r = ops->config_regs ? regdesc_find(ops->config_regs, ops->n_config_regs, off) : NULL;
    return r ? vp->field_names[r - ops->config_regs] : NULL;
}

static int legacy_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    VirtioPci *vp = opaque;
    virtio_pci_sync_tracer(vp);
    if (off >= VIRTIO_PCI_LEGACY_CONFIG)
        *val = virtio_config_read(vp->vd, (unsigned)(off - VIRTIO_PCI_LEGACY_CONFIG), size);
    else
        *val = reg_read(exact_reg(legacy_regs, ARRAY_SIZE(legacy_regs), off, size), vp, off, size);
    return 0;
}

static int legacy_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    VirtioPci *vp = opaque;
    virtio_pci_sync_tracer(vp);
    if (off >= VIRTIO_PCI_LEGACY_CONFIG)
        virtio_config_write(vp->vd, (unsigned)(off - VIRTIO_PCI_LEGACY_CONFIG), size, val);
    else
        reg_write(exact_reg(legacy_regs, ARRAY_SIZE(legacy_regs), off, size), vp, off, size, val);
    return 0;
}

static const char *legacy_reg_name(void *opaque, uint64_t off, unsigned size)
{
    VirtioPci *vp = opaque;
    if (off >= VIRTIO_PCI_LEGACY_CONFIG)
        return field_name(vp, (unsigned)(off - VIRTIO_PCI_LEGACY_CONFIG));
    const RegDesc *r = regdesc_find(legacy_regs, ARRAY_SIZE(legacy_regs), off);
    return r ? r->name : NULL;
}

const MemOps virtio_pci_legacy_ops = {
    .read = legacy_read, .write = legacy_write, .min_size = 1, .max_size = 4,
    .reg_name = legacy_reg_name,
};

/* ---- modern common config (BAR4 + 0) ---- */

static uint64_t dfsel(void *o, unsigned s, unsigned n) { return VD(o)->dfselect; }
static void dfsel_w(void *o, unsigned s, unsigned n, uint64_t v) { virtio_select_features(VD(o), false, (uint32_t)v); }
static uint64_t dfeat(void *o, unsigned s, unsigned n) { return virtio_read_device_features(VD(o), VD(o)->dfselect); }
static uint64_t gfsel(void *o, unsigned s, unsigned n) { return VD(o)->gfselect; }
static void gfsel_w(void *o, unsigned s, unsigned n, uint64_t v) { virtio_select_features(VD(o), true, (uint32_t)v); }
static uint64_t gfeat(void *o, unsigned s, unsigned n) { return virtio_read_driver_features(VD(o), VD(o)->gfselect); }
static void gfeat_w(void *o, unsigned s, unsigned n, uint64_t v) { virtio_write_driver_features(VD(o), VD(o)->gfselect, (uint32_t)v); }
/* No MSI-X capability: every vector reads VIRTIO_MSI_NO_VECTOR and stays so. */
static uint64_t no_vector(void *o, unsigned s, unsigned n) { return 0xffff; }
static void no_vector_w(void *o, unsigned s, unsigned n, uint64_t v) { }
static uint64_t numq(void *o, unsigned s, unsigned n) { return VD(o)->info.num_queues; }
static void status_w(void *o, unsigned s, unsigned n, uint64_t v) { virtio_write_status(VD(o), (uint8_t)v, false); }
static uint64_t gen(void *o, unsigned s, unsigned n) { return VD(o)->config_generation; }
/* A queue that does not exist reads size 0 (§4.1.4.3.2). */
static uint64_t qsize(void *o, unsigned s, unsigned n) { return sel_vq(VD(o)) ? VD(o)->qcfg[VD(o)->queue_sel].size : 0; }
static void qsize_w(void *o, unsigned s, unsigned n, uint64_t v) { virtio_queue_set_size(VD(o), VD(o)->queue_sel, (uint16_t)v); }
static uint64_t qenable(void *o, unsigned s, unsigned n) { VirtQueue *q = sel_vq(VD(o)); return q && q->ready; }
static void qenable_w(void *o, unsigned s, unsigned n, uint64_t v)
{
    /* §4.1.4.3.2: the driver never writes 0 here (that needs RING_RESET). */
    if (v == 1)
        virtio_queue_enable(VD(o), VD(o)->queue_sel);
}
static uint64_t qnotify_off(void *o, unsigned s, unsigned n) { return sel_vq(VD(o)) ? VD(o)->queue_sel : 0; }

static uint64_t qaddr(VirtioDevice *vd, unsigned s, int which)
{
    if (!sel_vq(vd))
        return 0;
    const VirtioQueueCfg *c = &vd->qcfg[vd->queue_sel];
    uint64_t a = which == 0 ? c->desc : which == 1 ? c->driver : c->device;
    return (uint32_t)(a >> (8 * s));
}
static void qaddr_w(VirtioDevice *vd, unsigned s, uint32_t v, int which)
{
    if (!sel_vq(vd))
        return;
    uint64_t a = qaddr(vd, 0, which) | qaddr(vd, 4, which) << 32;
    a = s ? (a & UINT32_MAX) | (uint64_t)v << 32 : (a & ~(uint64_t)UINT32_MAX) | v;
    virtio_queue_set_addr(vd, vd->queue_sel, which, a);
}
static uint64_t qdesc(void *o, unsigned s, unsigned n) { return qaddr(VD(o), s, 0); }
static void qdesc_w(void *o, unsigned s, unsigned n, uint64_t v) { qaddr_w(VD(o), s, (uint32_t)v, 0); }
static uint64_t qdrv(void *o, unsigned s, unsigned n) { return qaddr(VD(o), s, 1); }
static void qdrv_w(void *o, unsigned s, unsigned n, uint64_t v) { qaddr_w(VD(o), s, (uint32_t)v, 1); }
static uint64_t qdev(void *o, unsigned s, unsigned n) { return qaddr(VD(o), s, 2); }
static void qdev_w(void *o, unsigned s, unsigned n, uint64_t v) { qaddr_w(VD(o), s, (uint32_t)v, 2); }

static const RegDesc common_regs[] = {
    { 0x00, 4, "common.device_feature_select", dfsel, dfsel_w },
    { 0x04, 4, "common.device_feature", dfeat, NULL },
    { 0x08, 4, "common.driver_feature_select", gfsel, gfsel_w },
    { 0x0c, 4, "common.driver_feature", gfeat, gfeat_w },
    { 0x10, 2, "common.config_msix_vector", no_vector, no_vector_w },
    { 0x12, 2, "common.num_queues", numq, NULL },
    { 0x14, 1, "common.device_status", status, status_w },
    { 0x15, 1, "common.config_generation", gen, NULL },
    { 0x16, 2, "common.queue_select", qsel, qsel_w },
    { 0x18, 2, "common.queue_size", qsize, qsize_w },
    { 0x1a, 2, "common.queue_msix_vector", no_vector, no_vector_w },
    { 0x1c, 2, "common.queue_enable", qenable, qenable_w },
    { 0x1e, 2, "common.queue_notify_off", qnotify_off, NULL },
    { 0x20, 8, "common.queue_desc", qdesc, qdesc_w },
    { 0x28, 8, "common.queue_driver", qdrv, qdrv_w },
    { 0x30, 8, "common.queue_device", qdev, qdev_w },
};

unsigned virtio_pci_reg_width(const char *name)
{
    static const struct { const RegDesc *t; unsigned n; } maps[] = {
        { legacy_regs, ARRAY_SIZE(legacy_regs) }, { common_regs, ARRAY_SIZE(common_regs) },
    };
    for (size_t m = 0; name && m < ARRAY_SIZE(maps); m++)
        for (unsigned i = 0; i < maps[m].n; i++)
            if (strcmp(maps[m].t[i].name, name) == 0)
                return maps[m].t[i].size;
    return 0;
}

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

static int modern_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    VirtioPci *vp = opaque;
    unsigned rel;
    virtio_pci_sync_tracer(vp);
    switch (part_of(vp, off, &rel)) {
    case M_COMMON:
        *val = reg_read(exact_reg(common_regs, ARRAY_SIZE(common_regs), rel, size), vp, rel, size);
        break;
    case M_ISR: *val = virtio_isr_read(vp->vd); break;
    case M_DEVICE: *val = virtio_config_read(vp->vd, rel, size); break;
    default: *val = 0; break;
    }
    return 0;
}

static int modern_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    VirtioPci *vp = opaque;
    unsigned rel;
    virtio_pci_sync_tracer(vp);
    switch (part_of(vp, off, &rel)) {
    case M_COMMON:
        reg_write(exact_reg(common_regs, ARRAY_SIZE(common_regs), rel, size), vp, rel, size, val);
        break;
    case M_DEVICE: virtio_config_write(vp->vd, rel, size, val); break;
    case M_NOTIFY:
        /* The queue is the one whose notify address this is (queue_notify_off = index). */
        if (rel % VIRTIO_PCI_NOTIFY_MULT == 0)
            virtio_queue_notify(vp->vd, rel / VIRTIO_PCI_NOTIFY_MULT);
        break;
    default: break;
    }
    return 0;
}

static const char *modern_reg_name(void *opaque, uint64_t off, unsigned size)
{
    VirtioPci *vp = opaque;
    unsigned rel;
    const RegDesc *r;
    switch (part_of(vp, off, &rel)) {
    case M_COMMON:
        r = regdesc_find(common_regs, ARRAY_SIZE(common_regs), rel);
        return r ? r->name : NULL;
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
