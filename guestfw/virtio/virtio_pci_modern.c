/* The modern virtio-pci register map (virtio 1.2 §4.1.4 "Virtio Structure PCI
 * Capabilities"; §4.1.4.3 common configuration, §4.1.4.4 notifications, §4.1.4.5
 * ISR, §4.1.4.6 device configuration), after Linux's virtio_pci_modern{,_dev}.c. */
#include "fdt.h"
#include "libc.h"
#include "platform.h"
#include "virtio/virtio_pci.h"

/* struct virtio_pci_cap (§4.1.4) */
#define CAP_CFG_TYPE  3
#define CAP_BAR       4
#define CAP_OFFSET    8
#define CAP_LENGTH    12
#define CAP_NOTIFY_MULT 16

#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR    3
#define CFG_DEVICE 4

/* struct virtio_pci_common_cfg (§4.1.4.3) */
#define COMMON_DFSELECT       0x00
#define COMMON_DF             0x04
#define COMMON_GFSELECT       0x08
#define COMMON_GF             0x0c
#define COMMON_MSIX_CONFIG    0x10
#define COMMON_NUM_QUEUES     0x12
#define COMMON_STATUS         0x14
#define COMMON_GENERATION     0x15
#define COMMON_Q_SELECT       0x16
#define COMMON_Q_SIZE         0x18
#define COMMON_Q_MSIX_VECTOR  0x1a
#define COMMON_Q_ENABLE       0x1c
#define COMMON_Q_NOTIFY_OFF   0x1e
#define COMMON_Q_DESC         0x20
#define COMMON_Q_DRIVER       0x28
#define COMMON_Q_DEVICE       0x30
#define COMMON_MIN_LEN        0x38

static uint8_t m_get_status(struct virtio_device *vdev)
{
    return mmio_read8(to_vp_device(vdev)->common + COMMON_STATUS);
}

static void m_set_status(struct virtio_device *vdev, uint8_t s)
{
    mmio_write8(to_vp_device(vdev)->common + COMMON_STATUS, s);
}

static int m_reset(struct virtio_device *vdev)
{
    m_set_status(vdev, 0);
    return vp_wait_reset(vdev);
}

static uint64_t m_get_features(struct virtio_device *vdev)
{
    uintptr_t c = to_vp_device(vdev)->common;
    mmio_write32(c + COMMON_DFSELECT, 0);
    uint64_t lo = mmio_read32(c + COMMON_DF);
    mmio_write32(c + COMMON_DFSELECT, 1);
    uint64_t hi = mmio_read32(c + COMMON_DF);
    return hi << 32 | lo;
}

static int m_finalize_features(struct virtio_device *vdev)
{
    uintptr_t c = to_vp_device(vdev)->common;
    mmio_write32(c + COMMON_GFSELECT, 0);
    mmio_write32(c + COMMON_GF, (uint32_t)vdev->features);
    mmio_write32(c + COMMON_GFSELECT, 1);
    mmio_write32(c + COMMON_GF, (uint32_t)(vdev->features >> 32));
    return 0;
}

static void m_get_config(struct virtio_device *vdev, unsigned off, void *buf, unsigned len)
{
    struct virtio_pci_device *vp = to_vp_device(vdev);
    if (!vp->device || off + len > vp->device_len) {
        memset(buf, 0xff, len);
        return;
    }
    vp_config_read(vp->device, off, buf, len);
}

static void m_set_config(struct virtio_device *vdev, unsigned off, const void *buf, unsigned len)
{
    struct virtio_pci_device *vp = to_vp_device(vdev);
    if (vp->device && off + len <= vp->device_len)
        vp_config_write(vp->device, off, buf, len);
}

static uint32_t m_generation(struct virtio_device *vdev)
{
    return mmio_read8(to_vp_device(vdev)->common + COMMON_GENERATION);
}

static void m_notify(struct virtqueue *vq)
{
    mmio_write16(vq->notify_addr, (uint16_t)vq->index);
}

static uint8_t m_read_isr(struct virtio_device *vdev)
{
    return mmio_read8(to_vp_device(vdev)->isr);
}

static const char *m_name(struct virtio_device *vdev)
{
    (void)vdev;
    return "modern";
}

static void write64_twopart(uintptr_t a, uint64_t v)
{
    /* §4.1.3.1 allows the two halves separately; every device accepts that. */
    mmio_write32(a, (uint32_t)v);
    mmio_write32(a + 4, (uint32_t)(v >> 32));
}

static int m_setup_vq(struct virtio_pci_device *vp, unsigned index, const char *name,
                      vq_callback_fn *cb, struct virtqueue **out)
{
    struct virtio_device *vdev = &vp->vdev;
    uintptr_t c = vp->common;
    if (index >= mmio_read16(c + COMMON_NUM_QUEUES)) {
        printf("%s: queue %u beyond num_queues\n", vdev->label, index);
        return -1;
    }
    mmio_write16(c + COMMON_Q_SELECT, (uint16_t)index);
    unsigned size = mmio_read16(c + COMMON_Q_SIZE);
    if (size == 0 || mmio_read16(c + COMMON_Q_ENABLE)) {
        printf("%s: queue %u unavailable (size %u)\n", vdev->label, index, size);
        return -1;
    }
    /* Split rings need a power of two, packed ones any size (§2.8); the driver may
     * shrink the queue, to 256 entries or to bootarg queue_size=N. */
    bool packed = virtio_has_feature(vdev, VIRTIO_F_RING_PACKED);
    unsigned limit = (unsigned)bootarg_ulong("queue_size", 256);
    if (limit == 0 || limit > VQ_MAX_SIZE)
        limit = 256;
    unsigned num = size < limit ? size : limit;
    if (!packed) {
        num = VQ_MAX_SIZE;
        while (num > size || num > limit)
            num >>= 1;
    }
    struct virtqueue *vq = packed ? vring_create_packed(vdev, index, num, name, cb)
                                  : vring_create_split(vdev, index, num, false, name, cb);
    if (!vq)
        return -1;
    uint32_t off = mmio_read16(c + COMMON_Q_NOTIFY_OFF);
    uint64_t noff = (uint64_t)off * vp->notify_off_multiplier;
    if (noff + 2 > vp->notify_len) {
        printf("%s: queue %u notify offset 0x%llx outside the notify area\n", vdev->label,
               index, (unsigned long long)noff);
        return -1;
    }
    vq->notify_addr = vp->notify_base + (uintptr_t)noff;
    if (num != size)
        mmio_write16(c + COMMON_Q_SIZE, (uint16_t)num);
    write64_twopart(c + COMMON_Q_DESC, vq->desc_dma);
    write64_twopart(c + COMMON_Q_DRIVER, vq->avail_dma);
    write64_twopart(c + COMMON_Q_DEVICE, vq->used_dma);
    /* No MSI-X in this machine: say so explicitly, as Linux does for INTx. */
    mmio_write16(c + COMMON_Q_MSIX_VECTOR, VIRTIO_MSI_NO_VECTOR);
    mmio_write16(c + COMMON_Q_ENABLE, 1);
    *out = vq;
    return 0;
}

static const struct virtio_config_ops modern_ops = {
    .get_status = m_get_status,
    .set_status = m_set_status,
    .reset = m_reset,
    .get_features = m_get_features,
    .finalize_features = m_finalize_features,
    .get_config = m_get_config,
    .set_config = m_set_config,
    .generation = m_generation,
    .find_vqs = vp_find_vqs,
    .notify = m_notify,
    .read_isr = m_read_isr,
    .irq = vp_irq,
    .transport_name = m_name,
};

struct cap_loc {
    bool found;
    uint8_t bar;
    uint32_t offset, length, mult;
    unsigned pos;
};

/* The first capability of each type that points into an implemented memory BAR
 * wins (§4.1.4.1: later ones are alternatives the driver may ignore). */
static void walk_caps(struct pci_dev *pdev, struct cap_loc loc[5])
{
    for (unsigned pos = pci_find_capability(pdev, PCI_CAP_ID_VNDR); pos;
         pos = pci_find_next_capability(pdev, pos, PCI_CAP_ID_VNDR)) {
        uint8_t type = pci_read8(pdev, pos + CAP_CFG_TYPE);
        uint8_t bar = pci_read8(pdev, pos + CAP_BAR);
        if (type < CFG_COMMON || type > CFG_DEVICE || loc[type].found)
            continue;
        if (bar > 5 || pdev->bar[bar].size == 0 || pdev->bar[bar].io)
            continue;
        uint32_t offset = pci_read32(pdev, pos + CAP_OFFSET);
        uint32_t length = pci_read32(pdev, pos + CAP_LENGTH);
        if ((uint64_t)offset + length > pdev->bar[bar].size)
            continue;
        loc[type] = (struct cap_loc){ true, bar, offset, length, 0, pos };
        if (type == CFG_NOTIFY)
            loc[type].mult = pci_read32(pdev, pos + CAP_NOTIFY_MULT);
    }
}

static uintptr_t map_cap(struct pci_dev *pdev, const struct cap_loc *l)
{
    uintptr_t base = pci_bar_cpu_addr(pdev, l->bar);
    return base ? base + l->offset : 0;
}

int virtio_pci_modern_probe(struct virtio_pci_device *vp)
{
    static const char *const names[5] = { "", "common", "notify", "isr", "device" };
    struct pci_dev *pdev = vp->pdev;
    struct cap_loc loc[5] = { 0 };
    walk_caps(pdev, loc);
    if (!loc[CFG_COMMON].found || !loc[CFG_NOTIFY].found || !loc[CFG_ISR].found) {
        printf("virtio-pci %s: no modern capabilities (legacy device)\n", pdev->dev.name);
        return -1;
    }
    if (loc[CFG_COMMON].length < COMMON_MIN_LEN || loc[CFG_NOTIFY].length < 2) {
        printf("virtio-pci %s: modern capabilities too small\n", pdev->dev.name);
        return -1;
    }
    for (unsigned t = CFG_COMMON; t <= CFG_DEVICE; t++)
        if (loc[t].found)
            printf("virtio-pci %s: cap@0x%02x %s: BAR%u + 0x%x, length 0x%x\n",
                   pdev->dev.name, loc[t].pos, names[t], loc[t].bar, loc[t].offset,
                   loc[t].length);
    vp->common = map_cap(pdev, &loc[CFG_COMMON]);
    vp->notify_base = map_cap(pdev, &loc[CFG_NOTIFY]);
    vp->isr = map_cap(pdev, &loc[CFG_ISR]);
    if (loc[CFG_DEVICE].found) {
        vp->device = map_cap(pdev, &loc[CFG_DEVICE]);
        vp->device_len = loc[CFG_DEVICE].length;
    }
    if (!vp->common || !vp->notify_base || !vp->isr) {
        printf("virtio-pci %s: modern BAR not assigned\n", pdev->dev.name);
        return -1;
    }
    vp->notify_len = loc[CFG_NOTIFY].length;
    vp->notify_off_multiplier = loc[CFG_NOTIFY].mult;
    vp->modern = true;
    vp->vdev.legacy = false;
    vp->vdev.config = &modern_ops;
    vp->setup_vq = m_setup_vq;
    printf("virtio-pci %s: modern interface, notify_off_multiplier %u\n", pdev->dev.name,
           vp->notify_off_multiplier);
    return 0;
}
