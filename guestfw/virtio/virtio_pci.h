/* virtio over PCI (virtio 1.2 §4.1), shared between the PCI driver (virtio_pci.c)
 * and the two register maps: modern vendor capabilities (virtio_pci_modern.c,
 * §4.1.4) and the legacy I/O BAR (virtio_pci_legacy.c, §4.1.4.8 / virtio 0.9.5). */
#ifndef GUESTFW_VIRTIO_PCI_H
#define GUESTFW_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "pci.h"
#include "virtio/virtio.h"
#include "virtio/virtio_ring.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_MSI_NO_VECTOR 0xffff

struct virtio_pci_device {
    struct virtio_device vdev;          /* first: the virtio bus sees this */
    struct pci_dev *pdev;
    bool modern;
    /* legacy: the I/O BAR0 as reached through the CPU's I/O window */
    uintptr_t ioaddr;
    /* modern: the structures the vendor capabilities point at */
    uintptr_t common, isr, device, notify_base;
    uint32_t device_len, notify_len, notify_off_multiplier;
    /* Creates queue index (num chosen by the transport) and programs its rings. */
    int (*setup_vq)(struct virtio_pci_device *vp, unsigned index, const char *name,
                    vq_callback_fn *cb, struct virtqueue **out);
    bool irq_registered;
};

#define to_vp_device(v) ((struct virtio_pci_device *)(void *)(v))

/* Each returns 0 when the device offers that interface and it was set up (ops
 * installed), -1 otherwise (with the reason printed). */
int virtio_pci_modern_probe(struct virtio_pci_device *vp);
int virtio_pci_legacy_probe(struct virtio_pci_device *vp);

/* Registers the virtio bus and the virtio-pci PCI driver (idempotent). */
int virtio_pci_init(void);

/* Shared by both maps (virtio_pci.c). */
int vp_find_vqs(struct virtio_device *vdev, unsigned n, struct virtqueue *vqs[],
                vq_callback_fn *const callbacks[], const char *const names[],
                const unsigned indices[]);
unsigned vp_irq(struct virtio_device *vdev);
/* Device-config access with the width of the field (§4.1.3.1). */
void vp_config_read(uintptr_t base, unsigned off, void *buf, unsigned len);
void vp_config_write(uintptr_t base, unsigned off, const void *buf, unsigned len);
/* Polls until the status reads 0 after a reset, bounded in virtual time. */
int vp_wait_reset(struct virtio_device *vdev);

#endif
