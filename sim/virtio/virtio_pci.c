/* Assembly of a virtio-pci function (virtio 1.2 §4.1.2 discovery, §4.1.4 capabilities,
 * §4.1.4.9 the pci_cfg access window, §4.1.5.3 INTx): PCI IDs per mode, the BARs, the
 * vendor capabilities, the DMA path (refused without bus mastering) and the INTx line.
 * The registers themselves are in virtio_pci_regs.c. */
#include "virtio_pci.h"

#include <stdlib.h>

#include "snap/snap.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_MODERN_BASE 0x1040
#define VIRTIO_PCI_SUBSYS_MODERN 0x1100   /* non-transitional: >= 0x40 (§4.1.2.1); QEMU's value */

/* Per virtio device id: the transitional PCI device id (§4.1.2.1 table) and class. */
static const struct {
    uint16_t virtio_id, transitional_id;
    uint32_t class_code;
} pci_ids[] = {
    { 1, 0x1000, 0x020000 },   /* network: ethernet controller */
    { 2, 0x1001, 0x010000 },   /* block: SCSI storage controller */
    { 3, 0x1003, 0x078000 },   /* console: other communication controller */
    { 4, 0x1005, 0x00ff00 },   /* entropy source */
    { 5, 0x1002, 0x050000 },   /* memory balloon: RAM controller */
    { 8, 0x1004, 0x010000 },   /* SCSI host */
    { 9, 0x1009, 0x000200 },   /* 9P transport */
};

int virtio_pci_parse_mode(const char *s, VirtioPciMode *mode)
{
    static const char *const names[] = { "transitional", "legacy", "modern" };
    for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
        if (strcmp(s, names[i]) == 0) {
            *mode = (VirtioPciMode)i;
            return 0;
        }
    return -1;
}

/* ---- DMA and interrupt, as the virtio core sees them ---- */

static int dma_read(void *o, uint64_t addr, void *buf, uint64_t len) { return pci_dma_read(o, addr, buf, len); }
static int dma_write(void *o, uint64_t addr, const void *buf, uint64_t len) { return pci_dma_write(o, addr, buf, len); }
static bool dma_check(void *o, uint64_t addr, uint64_t len)
{
    const PciDev *d = o;
    return d->bus && d->bus->ram && ram_contains(d->bus->ram, addr, len);
}

static void update_irq(VirtioDevice *vd)
{
    VirtioPci *vp = vd->transport.opaque;
    pci_set_irq(&vp->pci, vd->isr != 0);
}

/* ---- the pci_cfg access window (§4.1.4.9) ---- */

enum { CAP_BAR = 4, CAP_ID = 5, CAP_OFFSET = 8, CAP_LENGTH = 12, CAP_DATA = 16 };

/* The BAR access the window describes, or NULL if cap.bar/offset/length are not one
 * the device can perform (length 1, 2 or 4, offset aligned to it, inside the BAR). */
static const PciBar *window(VirtioPci *vp, uint32_t *off, unsigned *len)
{
    unsigned c = vp->cap_pcicfg;
    uint8_t bar = pci_cfg_get8(&vp->pci, c + CAP_BAR);
    *off = pci_cfg_get32(&vp->pci, c + CAP_OFFSET);
    *len = pci_cfg_get32(&vp->pci, c + CAP_LENGTH);
    if (bar >= PCI_NUM_BARS || !vp->pci.bars[bar].ops)
        return NULL;
    const PciBar *b = &vp->pci.bars[bar];
    if ((*len != 1 && *len != 2 && *len != 4) || *off % *len || *off + (uint64_t)*len > b->size)
        return NULL;
    return b;
}

static bool touches_data(const VirtioPci *vp, unsigned off, unsigned size)
{
    unsigned d = vp->cap_pcicfg + CAP_DATA;
    return vp->cap_pcicfg && off < d + 4 && d < off + size;
}

static uint32_t vp_config_read(PciDev *d, unsigned off, unsigned size, uint32_t val)
{
    VirtioPci *vp = d->opaque;
    if (!touches_data(vp, off, size))
        return val;
    uint32_t boff;
    unsigned len;
    const PciBar *b = window(vp, &boff, &len);
    if (!b)
        return val;
    virtio_pci_sync_tracer(vp);
    uint64_t v = 0;
    if (memops_read(b->ops, b->opaque, boff, len, &v) != 0)
        v = UINT64_MAX;      /* a refused read reads as the bus would: all ones */
    unsigned data = vp->cap_pcicfg + CAP_DATA;
    stn_le(d->config + data, len, v);
    return (uint32_t)ldn_le(d->config + off, size);
}

static void vp_config_write(PciDev *d, unsigned off, unsigned size, uint32_t val)
{
    VirtioPci *vp = d->opaque;
    if (!touches_data(vp, off, size))
        return;
    uint32_t boff;
    unsigned len;
    const PciBar *b = window(vp, &boff, &len);
    if (!b)
        return;
    virtio_pci_sync_tracer(vp);
    /* A refused write has no one to report to here: config writes do not fail. */
    memops_write(b->ops, b->opaque, boff, len, ldn_le(d->config + vp->cap_pcicfg + CAP_DATA, len));
}

static const char *vp_config_reg_name(PciDev *d, unsigned off)
{
    static const char *const names[] = { "cap.vndr", "cap.next", "cap.len", "cap.cfg_type", "cap.bar", "cap.id" };
    VirtioPci *vp = d->opaque;
    unsigned caps[] = { vp->cap_common, vp->cap_notify, vp->cap_isr, vp->cap_device, vp->cap_pcicfg };
    for (unsigned i = 0; i < ARRAY_SIZE(caps); i++) {
        unsigned c = caps[i];
        if (!c || off < c || off >= c + pci_cfg_get8(d, c + 2))
            continue;
        unsigned r = off - c;
        if (r < ARRAY_SIZE(names))
            return names[r];
        if (r >= CAP_OFFSET && r < CAP_LENGTH)
            return "cap.offset";
        if (r >= CAP_LENGTH && r < CAP_DATA)
            return "cap.length";
        return caps[i] == vp->cap_notify ? "cap.notify_off_multiplier" : "cap.pci_cfg_data";
    }
    return NULL;
}

/* ---- assembly ---- */

static unsigned add_cap(VirtioPci *vp, uint8_t type, unsigned len, uint32_t offset, uint32_t length)
{
    PciDev *d = &vp->pci;
    unsigned c = pci_add_capability(d, PCI_CAP_ID_VNDR, len);
    if (!c)
        return 0;
    pci_cfg_set8(d, c + 2, (uint8_t)len);
    pci_cfg_set8(d, c + 3, type);
    pci_cfg_set8(d, c + CAP_BAR, type == VIRTIO_PCI_CAP_PCI_CFG ? 0 : VIRTIO_PCI_MODERN_BAR);
    pci_cfg_set32(d, c + CAP_OFFSET, offset);
    pci_cfg_set32(d, c + CAP_LENGTH, length);
    return c;
}

static unsigned pow2_at_least(unsigned n)
{
    unsigned p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

int virtio_pci_init(VirtioPci *vp, VirtioDevice *vd, VirtioPciMode mode, Err *err)
{
    memset(vp, 0, sizeof *vp);
    vp->vd = vd;
    vp->mode = mode;
    const VirtioDeviceInfo *vi = &vd->info;
    unsigned k = 0;
    while (k < ARRAY_SIZE(pci_ids) && pci_ids[k].virtio_id != vi->device_id)
        k++;
    if (mode != VIRTIO_PCI_MODERN && k == ARRAY_SIZE(pci_ids))
        return err_set(err, "%s: virtio device id %u has no legacy PCI id; use modern mode", vi->name,
                       vi->device_id);
    if (mode != VIRTIO_PCI_LEGACY && VIRTIO_PCI_DEVICE_OFF + vi->config_size > VIRTIO_PCI_NOTIFY_OFF)
        return err_set(err, "%s: device config of %u bytes does not fit BAR4", vi->name, vi->config_size);

    bool modern = mode == VIRTIO_PCI_MODERN;
    pci_dev_init(&vp->pci, &(PciDevInfo){
        .name = vi->name,
        .vendor_id = VIRTIO_PCI_VENDOR,
        .device_id = modern ? (uint16_t)(VIRTIO_PCI_MODERN_BASE + vi->device_id) : pci_ids[k].transitional_id,
        .subsys_vendor_id = VIRTIO_PCI_VENDOR,
        .subsys_id = modern ? VIRTIO_PCI_SUBSYS_MODERN : vi->device_id,
        .class_code = k < ARRAY_SIZE(pci_ids) ? pci_ids[k].class_code : 0x00ff00,
        .revision = modern ? 1 : 0,
        .irq_pin = 1,
    });
    vp->pci.opaque = vp;
    vp->pci.config_read = vp_config_read;
    vp->pci.config_write = vp_config_write;
    vp->pci.config_reg_name = vp_config_reg_name;

    if (mode != VIRTIO_PCI_MODERN &&
        pci_register_bar(&vp->pci, VIRTIO_PCI_LEGACY_BAR, PCI_BAR_IO,
                         pow2_at_least(VIRTIO_PCI_LEGACY_CONFIG + vi->config_size), &virtio_pci_legacy_ops, vp, NULL) < 0)
        return err_set(err, "%s: cannot register the legacy BAR", vi->name);
    if (mode != VIRTIO_PCI_LEGACY) {
        if (pci_register_bar(&vp->pci, VIRTIO_PCI_MODERN_BAR, PCI_BAR_MEM64 | PCI_BAR_PREFETCH,
                             VIRTIO_PCI_BAR4_SIZE, &virtio_pci_modern_ops, vp, NULL) < 0)
            return err_set(err, "%s: cannot register the modern BAR", vi->name);
        vp->cap_common = add_cap(vp, VIRTIO_PCI_CAP_COMMON_CFG, 16, VIRTIO_PCI_COMMON_OFF, VIRTIO_PCI_COMMON_LEN);
        vp->cap_notify = add_cap(vp, VIRTIO_PCI_CAP_NOTIFY_CFG, 20, VIRTIO_PCI_NOTIFY_OFF,
                                 VIRTIO_PCI_NOTIFY_MULT * vi->num_queues);
        if (vp->cap_notify)
            pci_cfg_set32(&vp->pci, vp->cap_notify + CAP_DATA, VIRTIO_PCI_NOTIFY_MULT);
        vp->cap_isr = add_cap(vp, VIRTIO_PCI_CAP_ISR_CFG, 16, VIRTIO_PCI_ISR_OFF, 1);
        if (vi->config_size)
            vp->cap_device = add_cap(vp, VIRTIO_PCI_CAP_DEVICE_CFG, 16, VIRTIO_PCI_DEVICE_OFF, vi->config_size);
        vp->cap_pcicfg = add_cap(vp, VIRTIO_PCI_CAP_PCI_CFG, 20, 0, 0);
        if (!vp->cap_common || !vp->cap_notify || !vp->cap_isr || !vp->cap_pcicfg ||
            (vi->config_size && !vp->cap_device))
            return err_set(err, "%s: PCI capability space full", vi->name);
        /* The window's bar, offset, length and data are the driver's to write. */
        pci_cfg_set_wmask(&vp->pci, vp->cap_pcicfg + CAP_BAR, 1, 0xff);
        pci_cfg_set_wmask(&vp->pci, vp->cap_pcicfg + CAP_OFFSET, 4, UINT32_MAX);
        pci_cfg_set_wmask(&vp->pci, vp->cap_pcicfg + CAP_LENGTH, 4, UINT32_MAX);
        pci_cfg_set_wmask(&vp->pci, vp->cap_pcicfg + CAP_DATA, 4, UINT32_MAX);
    }

    const VirtioDeviceOps *ops = vd->ops;
    if (ops->n_config_regs) {
        vp->field_names = calloc(ops->n_config_regs, sizeof *vp->field_names);
        if (!vp->field_names)
            return err_set(err, "%s: out of memory", vi->name);
        for (unsigned i = 0; i < ops->n_config_regs; i++)
            snprintf(vp->field_names[i], sizeof vp->field_names[i], "device.%s", ops->config_regs[i].name);
    }

    vd->modern_only = modern;
    virtio_set_transport(vd, &(VirtioTransport){
        .dma = { .read = dma_read, .write = dma_write, .check = dma_check, .opaque = &vp->pci },
        .update_irq = update_irq,
        .opaque = vp,
    });
    return 0;
}

void virtio_pci_destroy(VirtioPci *vp)
{
    free(vp->field_names);
    vp->field_names = NULL;
}

const SnapDesc virtio_pci_snap = { .name = "virtio-pci", .version = 1, .size = sizeof(VirtioPci) };
