/* The virtio-over-PCI transport (virtio 1.2 §4.1): a PCI function that carries a
 * VirtioDevice, with the legacy register block in I/O BAR0 (§4.1.4.8) and/or the modern
 * capabilities in 64-bit memory BAR4 (§4.1.4: common, notify, ISR, device config and the
 * pci_cfg access window). INTx pin A follows the ISR (§4.1.4.5). DESIGN.md §6.
 *
 * Typical use, by the machine:
 *     virtio_net_init(&net, ...);                       // fills net.vdev (VirtioDevice)
 *     virtio_pci_init(&vp, &net.vdev, VIRTIO_PCI_TRANSITIONAL, err);
 *     pci_host_plug(host, &vp.pci, slot, err); */
#ifndef RINGSIDE_VIRTIO_PCI_H
#define RINGSIDE_VIRTIO_PCI_H

#include "pci/pci.h"
#include "virtio/virtio.h"

typedef enum VirtioPciMode {
    VIRTIO_PCI_TRANSITIONAL = 0,  /* legacy BAR0 and modern BAR4; device id 0x1000 + ... */
    VIRTIO_PCI_LEGACY,            /* BAR0 only, no capabilities */
    VIRTIO_PCI_MODERN,            /* BAR4 only; device id 0x1040 + virtio id, revision 1 */
} VirtioPciMode;

/* Layout of BAR4 (modern): one 4 KiB page per structure, as QEMU does, so a driver may
 * map each with its own page-granular mapping. */
enum {
    VIRTIO_PCI_MODERN_BAR = 4,
    VIRTIO_PCI_LEGACY_BAR = 0,
    VIRTIO_PCI_COMMON_OFF = 0x0000,
    VIRTIO_PCI_COMMON_LEN = 0x38,
    VIRTIO_PCI_ISR_OFF = 0x1000,
    VIRTIO_PCI_DEVICE_OFF = 0x2000,
    VIRTIO_PCI_NOTIFY_OFF = 0x3000,
    VIRTIO_PCI_NOTIFY_MULT = 4,       /* notify_off_multiplier; queue_notify_off = queue */
    VIRTIO_PCI_BAR4_SIZE = 0x4000,
    VIRTIO_PCI_LEGACY_CONFIG = 0x14,  /* device config in BAR0 without MSI-X */
};

/* Capability cfg_type values (§4.1.4): VIRTIO_PCI_CAP_* in virtio/virtio_names.h, from
 * the table virtio/virtio_cfg_names.def. */

/* The transport keeps its state in its function's config space (the host bridge's to
 * snapshot) and in the virtio core (the device's); this declares that it has no more,
 * and covers its BAR regions (snap/snap.h). */
struct SnapDesc;
extern const struct SnapDesc virtio_pci_snap;

typedef struct VirtioPci {
    PciDev pci;                      /* first: the PCI model sees only this */
    VirtioDevice *vd;
    VirtioPciMode mode;
    /* config-space offsets of the vendor capabilities (0 = absent) */
    unsigned cap_common, cap_notify, cap_isr, cap_device, cap_pcicfg;
    char (*field_names)[40];         /* "device.<field>" for each config register */
} VirtioPci;

/* Sets up the PCI function for vd in the given mode: IDs, BARs, capabilities, the DMA
 * path and the INTx line. vd must outlive vp. -1 with err (e.g. no transitional PCI id
 * exists for this virtio device id). */
int virtio_pci_init(VirtioPci *vp, VirtioDevice *vd, VirtioPciMode mode, Err *err);
void virtio_pci_destroy(VirtioPci *vp);
/* "legacy", "modern", "transitional" -> mode; -1 if unknown. */
int virtio_pci_parse_mode(const char *s, VirtioPciMode *mode);

/* The register maps (virtio_pci_regs.c); offsets relative to each BAR. */
extern const MemOps virtio_pci_legacy_ops;
extern const MemOps virtio_pci_modern_ops;
/* The width of the register the trace names name ("common.queue_desc": 8,
 * "legacy.device_status": 1), or 0 when no row is called so. */
unsigned virtio_pci_reg_width(const char *name);
/* Keeps the device's tracer in step with the one the host bridge gave the function. */
static inline void virtio_pci_sync_tracer(VirtioPci *vp)
{
    if (vp->vd->tracer != vp->pci.tracer)
        virtio_set_tracer(vp->vd, vp->pci.tracer);
}

#endif
