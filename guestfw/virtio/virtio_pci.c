/* The virtio PCI driver (virtio 1.2 §4.1.1 "Virtio Structure PCI Capabilities",
 * §4.1.2 "PCI Device Discovery"), after Linux's virtio_pci_common.c: claims vendor
 * 0x1af4 devices 0x1000..0x107f, enables the function, picks the modern interface
 * when its capabilities are there (unless `virtio=legacy`), else the legacy I/O BAR,
 * and registers a virtio device; INTx goes through the PLIC to virtio_interrupt. */
#include "fdt.h"
#include "libc.h"
#include "platform.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_pci.h"

void vp_config_read(uintptr_t base, unsigned off, void *buf, unsigned len)
{
    uint8_t *b = buf;
    uint32_t v32;
    uint16_t v16;
    switch (len) {
    case 1: b[0] = mmio_read8(base + off); break;
    case 2: v16 = mmio_read16(base + off); memcpy(b, &v16, 2); break;
    case 4: v32 = mmio_read32(base + off); memcpy(b, &v32, 4); break;
    case 8:
        v32 = mmio_read32(base + off); memcpy(b, &v32, 4);
        v32 = mmio_read32(base + off + 4); memcpy(b + 4, &v32, 4);
        break;
    default:
        for (unsigned i = 0; i < len; i++)
            b[i] = mmio_read8(base + off + i);
    }
}

void vp_config_write(uintptr_t base, unsigned off, const void *buf, unsigned len)
{
    const uint8_t *b = buf;
    uint32_t v32;
    uint16_t v16;
    switch (len) {
    case 2: memcpy(&v16, b, 2); mmio_write16(base + off, v16); break;
    case 4: memcpy(&v32, b, 4); mmio_write32(base + off, v32); break;
    default:
        for (unsigned i = 0; i < len; i++)
            mmio_write8(base + off + i, b[i]);
    }
}

int vp_wait_reset(struct virtio_device *vdev)
{
    /* §4.1.4.3.2: after writing 0 the driver waits for 0 to read back. 100 ms of
     * virtual time is far more than any device needs. */
    uint64_t deadline = rdtime() + timebase_hz() / 10;
    while (vdev->config->get_status(vdev) != 0)
        if (rdtime() > deadline)
            return -1;
    return 0;
}

unsigned vp_irq(struct virtio_device *vdev)
{
    return to_vp_device(vdev)->pdev->irq;
}

static void vp_interrupt(void *arg)
{
    virtio_interrupt(arg);
}

int vp_find_vqs(struct virtio_device *vdev, unsigned n, struct virtqueue *vqs[],
                vq_callback_fn *const callbacks[], const char *const names[],
                const unsigned indices[])
{
    struct virtio_pci_device *vp = to_vp_device(vdev);
    for (unsigned i = 0; i < n; i++) {
        unsigned index = indices ? indices[i] : i;
        if (vp->setup_vq(vp, index, names[i], callbacks[i], &vqs[i]) != 0)
            return -1;
        printf(vqs[i]->packed ? "%s: vq %u (%s): %u entries, packed: desc 0x%llx driver 0x%llx device 0x%llx%s%s\n"
                              : "%s: vq %u (%s): %u entries, desc 0x%llx avail 0x%llx used 0x%llx%s%s\n",
               vdev->label, index, names[i], vqs[i]->num,
               (unsigned long long)vqs[i]->desc_dma, (unsigned long long)vqs[i]->avail_dma,
               (unsigned long long)vqs[i]->used_dma, vqs[i]->indirect ? " indirect" : "",
               vqs[i]->event_idx ? " event-idx" : "");
    }
    /* INTx (no MSI-X here): one handler for the function, as vp_request_intx. */
    if (!vp->irq_registered && vp->pdev->irq) {
        irq_register(vp->pdev->irq, vp_interrupt, vdev);
        vp->irq_registered = true;
        printf("%s: INTx pin %c -> PLIC source %u\n", vdev->label,
               'A' + vp->pdev->irq_pin - 1, vp->pdev->irq);
    }
    return 0;
}

/* 0x1000..0x103f are transitional (the subsystem id names the device type),
 * 0x1040..0x107f modern-only (0x1040 + type), §4.1.2. */
static uint32_t virtio_id_of(const struct pci_dev *pdev)
{
    if (pdev->device >= 0x1040)
        return pdev->device - 0x1040u;
    return pdev->subsys_device;
}

static const char *interface_override;

void virtio_pci_set_interface(const char *which)
{
    interface_override = which;
}

static int virtio_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
    (void)id;
    if (pdev->device < 0x1000 || pdev->device > 0x107f)
        return -1;
    struct virtio_pci_device *vp = fw_alloc(sizeof(*vp), 0);
    vp->pdev = pdev;
    vp->vdev.id = virtio_id_of(pdev);
    vp->vdev.vendor = pdev->subsys_vendor;
    vp->vdev.dev.parent = &pdev->dev;
    printf("virtio-pci %s: probe: device %04x revision %u -> virtio device id %u\n",
           pdev->dev.name, pdev->device, pdev->revision, (unsigned)vp->vdev.id);

    /* pci_enable_device + pci_set_master: enumeration already turned on decoding for
     * the kinds of BAR it could place, and bus mastering; keep what it decided. */
    printf("virtio-pci %s: enabled (command 0x%04x)\n", pdev->dev.name,
           pci_read16(pdev, PCI_COMMAND));

    const char *want = interface_override ? interface_override : bootarg("virtio");
    bool force_legacy = want && strcmp(want, "legacy") == 0;
    bool force_modern = want && strcmp(want, "modern") == 0;
    int rc = -1;
    if (!force_legacy)
        rc = virtio_pci_modern_probe(vp);
    if (rc != 0 && !force_modern && pdev->device < 0x1040)
        rc = virtio_pci_legacy_probe(vp);
    if (rc != 0) {
        printf("virtio-pci %s: no usable virtio interface%s\n", pdev->dev.name,
               force_legacy ? " (legacy forced)" : force_modern ? " (modern forced)" : "");
        return -1;
    }
    return register_virtio_device(&vp->vdev);
}

static const struct pci_device_id virtio_pci_ids[] = {
    { VIRTIO_PCI_VENDOR, PCI_ANY_ID },
    { 0, 0 },
};

static struct pci_driver virtio_pci_driver = {
    .drv = { .name = "virtio-pci" },
    .id_table = virtio_pci_ids,
    .probe = virtio_pci_probe,
};

int virtio_pci_init(void)
{
    static bool done;
    if (done)
        return 0;
    if (virtio_bus_init() != 0 || pci_register_driver(&virtio_pci_driver) != 0)
        return -1;
    done = true;
    return 0;
}
