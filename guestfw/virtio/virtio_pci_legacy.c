/* The legacy virtio-pci register map in I/O BAR0 (virtio 1.2 §4.1.4.8 "Legacy
 * Interfaces: A Note on PCI Device Layout", virtio 0.9.5 §2.3), after Linux's
 * virtio_pci_legacy.c: 32 feature bits, no FEATURES_OK, one contiguous ring area
 * per queue given to the device as a page frame number. */
#include "libc.h"
#include "platform.h"
#include "virtio/virtio_pci.h"

#define L_DEVICE_FEATURES 0x00
#define L_GUEST_FEATURES  0x04
#define L_QUEUE_PFN       0x08
#define L_QUEUE_SIZE      0x0c
#define L_QUEUE_SELECT    0x0e
#define L_QUEUE_NOTIFY    0x10
#define L_STATUS          0x12
#define L_ISR             0x13
/* Device config follows at 0x14, or 0x18 when MSI-X is enabled; this firmware never
 * enables MSI-X. */
#define L_CONFIG          0x14
#define L_QUEUE_PFN_SHIFT 12

static uintptr_t io(struct virtio_device *vdev) { return to_vp_device(vdev)->ioaddr; }

static uint8_t l_get_status(struct virtio_device *vdev)
{
    return mmio_read8(io(vdev) + L_STATUS);
}

static void l_set_status(struct virtio_device *vdev, uint8_t s)
{
    mmio_write8(io(vdev) + L_STATUS, s);
}

static int l_reset(struct virtio_device *vdev)
{
    l_set_status(vdev, 0);
    return vp_wait_reset(vdev);
}

static uint64_t l_get_features(struct virtio_device *vdev)
{
    return mmio_read32(io(vdev) + L_DEVICE_FEATURES);
}

static int l_finalize_features(struct virtio_device *vdev)
{
    /* The legacy register holds bits 0..31 only; higher bits cannot be accepted. */
    if (vdev->features >> 32)
        return -1;
    mmio_write32(io(vdev) + L_GUEST_FEATURES, (uint32_t)vdev->features);
    return 0;
}

static void l_get_config(struct virtio_device *vdev, unsigned off, void *buf, unsigned len)
{
    vp_config_read(io(vdev) + L_CONFIG, off, buf, len);
}

static void l_set_config(struct virtio_device *vdev, unsigned off, const void *buf, unsigned len)
{
    vp_config_write(io(vdev) + L_CONFIG, off, buf, len);
}

static uint32_t l_generation(struct virtio_device *vdev)
{
    (void)vdev;
    return 0;
}

static void l_notify(struct virtqueue *vq)
{
    mmio_write16(vq->notify_addr, (uint16_t)vq->index);
}

static uint8_t l_read_isr(struct virtio_device *vdev)
{
    return mmio_read8(io(vdev) + L_ISR);
}

static const char *l_name(struct virtio_device *vdev)
{
    (void)vdev;
    return "legacy";
}

static int l_setup_vq(struct virtio_pci_device *vp, unsigned index, const char *name,
                      vq_callback_fn *cb, struct virtqueue **out)
{
    struct virtio_device *vdev = &vp->vdev;
    mmio_write16(vp->ioaddr + L_QUEUE_SELECT, (uint16_t)index);
    unsigned num = mmio_read16(vp->ioaddr + L_QUEUE_SIZE);
    if (num == 0 || mmio_read32(vp->ioaddr + L_QUEUE_PFN) != 0) {
        printf("%s: queue %u unavailable (size %u)\n", vdev->label, index, num);
        return -1;
    }
    /* The legacy device fixes the size; the layout follows from it. */
    struct virtqueue *vq = vring_create_split(vdev, index, num, true, name, cb);
    if (!vq) {
        printf("%s: queue %u: size %u unsupported\n", vdev->label, index, num);
        return -1;
    }
    uint64_t pfn = vq->desc_dma >> L_QUEUE_PFN_SHIFT;
    if (pfn >> 32) {
        printf("%s: queue %u above the 44-bit legacy limit\n", vdev->label, index);
        return -1;
    }
    vq->notify_addr = vp->ioaddr + L_QUEUE_NOTIFY;
    mmio_write32(vp->ioaddr + L_QUEUE_PFN, (uint32_t)pfn);
    *out = vq;
    return 0;
}

static const struct virtio_config_ops legacy_ops = {
    .get_status = l_get_status,
    .set_status = l_set_status,
    .reset = l_reset,
    .get_features = l_get_features,
    .finalize_features = l_finalize_features,
    .get_config = l_get_config,
    .set_config = l_set_config,
    .generation = l_generation,
    .find_vqs = vp_find_vqs,
    .notify = l_notify,
    .read_isr = l_read_isr,
    .irq = vp_irq,
    .transport_name = l_name,
};

int virtio_pci_legacy_probe(struct virtio_pci_device *vp)
{
    struct pci_dev *pdev = vp->pdev;
    /* Transitional devices keep the legacy registers in an I/O BAR0 (§4.1.4.8). */
    if (pdev->bar[0].size < 0x14 || !pdev->bar[0].io) {
        printf("virtio-pci %s: no legacy I/O BAR0\n", pdev->dev.name);
        return -1;
    }
    vp->ioaddr = pci_bar_cpu_addr(pdev, 0);
    if (!vp->ioaddr) {
        printf("virtio-pci %s: legacy BAR0 not assigned\n", pdev->dev.name);
        return -1;
    }
    vp->modern = false;
    vp->vdev.legacy = true;
    vp->vdev.config = &legacy_ops;
    vp->setup_vq = l_setup_vq;
    printf("virtio-pci %s: legacy interface, I/O port 0x%llx (cpu 0x%lx)\n", pdev->dev.name,
           (unsigned long long)pdev->bar[0].addr, (unsigned long)vp->ioaddr);
    return 0;
}
