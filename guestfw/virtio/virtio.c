/* The virtio bus (virtio 1.2 §3.1.1 "Driver Requirements: Device Initialization"),
 * after Linux's drivers/virtio/virtio.c: register_virtio_device resets the device and
 * sets ACKNOWLEDGE; the bus probe sets DRIVER, negotiates features (FEATURES_OK, and
 * checks that it stuck) and hands over to the driver, which ends with DRIVER_OK. */
#include "fdt.h"
#include "libc.h"
#include "platform.h"
#include "virtio/virtio.h"
#include "virtio/virtio_ring.h"

static int virtio_match(struct device *dev, struct driver *drv)
{
    const struct virtio_device *vdev = to_virtio_device(dev);
    const struct virtio_driver *vdrv = to_virtio_driver(drv);
    for (const struct virtio_device_id *id = vdrv->id_table; id && id->device; id++)
        if (id->device == vdev->id)
            return 1;
    return 0;
}

static const char *status_name(uint8_t bit)
{
    switch (bit) {
    case VIRTIO_STATUS_ACKNOWLEDGE: return "ACKNOWLEDGE";
    case VIRTIO_STATUS_DRIVER: return "DRIVER";
    case VIRTIO_STATUS_DRIVER_OK: return "DRIVER_OK";
    case VIRTIO_STATUS_FEATURES_OK: return "FEATURES_OK";
    case VIRTIO_STATUS_DEVICE_NEEDS_RESET: return "DEVICE_NEEDS_RESET";
    case VIRTIO_STATUS_FAILED: return "FAILED";
    default: return "?";
    }
}

void virtio_add_status(struct virtio_device *vdev, uint8_t bit)
{
    uint8_t s = vdev->config->get_status(vdev);
    vdev->config->set_status(vdev, (uint8_t)(s | bit));
    printf("%s: status %s (0x%02x)\n", vdev->label, status_name(bit), (unsigned)(s | bit));
}

void virtio_device_ready(struct virtio_device *vdev)
{
    virtio_add_status(vdev, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_fail(struct virtio_device *vdev, const char *why)
{
    printf("%s: %s\n", vdev->label, why);
    virtio_add_status(vdev, VIRTIO_STATUS_FAILED);
}

bool virtio_check_needs_reset(struct virtio_device *vdev)
{
    if (!(vdev->config->get_status(vdev) & VIRTIO_STATUS_DEVICE_NEEDS_RESET))
        return false;
    if (!vdev->broken)
        printf("%s: device set DEVICE_NEEDS_RESET; giving up on it\n", vdev->label);
    vdev->broken = true;
    return true;
}

int virtio_cread_bytes(struct virtio_device *vdev, unsigned off, void *buf, unsigned len)
{
    /* A multi-part read is consistent only if the generation did not move (§2.5.1);
     * a device that keeps changing it is given a bounded number of tries. */
    for (int tries = 0; tries < 64; tries++) {
        uint32_t before = vdev->config->generation(vdev);
        vdev->config->get_config(vdev, off, buf, len);
        if (vdev->config->generation(vdev) == before)
            return 0;
    }
    printf("%s: config generation never settled reading offset %u\n", vdev->label, off);
    return -1;
}

/* The driver's features intersected with the device's, plus the transport/ring
 * features this firmware implements (Linux's vring_transport_features). */
static uint64_t driver_features(struct virtio_device *vdev, const struct virtio_driver *vdrv)
{
    uint64_t want = 0;
    for (unsigned i = 0; i < vdrv->feature_table_size; i++)
        want |= 1ull << vdrv->feature_table[i];
    /* Switchable with QEMU's property names, to compare ring behaviours. */
    if (!bootarg_is("indirect_desc", "off"))
        want |= 1ull << VIRTIO_F_RING_INDIRECT_DESC;
    if (!bootarg_is("event_idx", "off"))
        want |= 1ull << VIRTIO_F_RING_EVENT_IDX;
    if (!vdev->legacy)
        want |= 1ull << VIRTIO_F_VERSION_1;
    /* ring=packed: the packed layout (§2.8) when the device offers it, a virtio 1
     * feature that the legacy interface never shows. */
    if (!vdev->legacy && bootarg_is("ring", "packed"))
        want |= 1ull << VIRTIO_F_RING_PACKED;
    return vdev->device_features & want;
}

static int virtio_dev_probe(struct device *dev)
{
    struct virtio_device *vdev = to_virtio_device(dev);
    struct virtio_driver *vdrv = to_virtio_driver(dev->driver);

    virtio_add_status(vdev, VIRTIO_STATUS_DRIVER);
    vdev->device_features = vdev->config->get_features(vdev);
    virtio_print_features(vdev, "device offers", vdev->device_features);
    vdev->features = driver_features(vdev, vdrv);
    if (vdrv->validate)
        vdrv->validate(vdev);
    if (!vdev->legacy && !virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) {
        virtio_fail(vdev, "modern device without VERSION_1");
        return -1;
    }
    if (vdev->config->finalize_features(vdev) != 0) {
        virtio_fail(vdev, "features could not be written");
        return -1;
    }
    virtio_print_features(vdev, "driver accepts", vdev->features);
    /* Legacy devices have no FEATURES_OK (§3.1.1 legacy note); modern ones may
     * refuse the subset, which shows as the bit not sticking. */
    if (virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) {
        virtio_add_status(vdev, VIRTIO_STATUS_FEATURES_OK);
        uint8_t s = vdev->config->get_status(vdev);
        if (!(s & VIRTIO_STATUS_FEATURES_OK)) {
            printf("%s: device refused the features (status 0x%02x)\n", vdev->label, s);
            virtio_fail(vdev, "feature negotiation failed");
            return -1;
        }
    }
    int rc = vdrv->probe(vdev);
    if (rc != 0) {
        if (!(vdev->config->get_status(vdev) & VIRTIO_STATUS_FAILED))
            virtio_fail(vdev, "driver probe failed");
        return rc;
    }
    return 0;
}

struct bus_type virtio_bus = {
    .name = "virtio",
    .match = virtio_match,
    .probe = virtio_dev_probe,
};

int virtio_bus_init(void)
{
    static bool done;
    if (done)
        return 0;
    if (bus_register(&virtio_bus) != 0)
        return -1;
    done = true;
    return 0;
}

static const char *device_label(uint32_t id)
{
    static const char *const names[] = {
        [1] = "virtio-net", [2] = "virtio-blk", [3] = "virtio-console",
        [4] = "virtio-rng", [5] = "virtio-balloon", [8] = "virtio-scsi",
        [9] = "virtio-9p", [16] = "virtio-gpu", [18] = "virtio-input",
    };
    if (id < sizeof(names) / sizeof(names[0]) && names[id])
        return names[id];
    return NULL;
}

int register_virtio_device(struct virtio_device *vdev)
{
    static unsigned next_index;
    if (virtio_bus_init() != 0)
        return -1;
    snprintf(vdev->name_buf, sizeof(vdev->name_buf), "virtio%u", next_index++);
    vdev->dev.name = vdev->name_buf;
    vdev->dev.bus = &virtio_bus;
    vdev->label = device_label(vdev->id);
    if (!vdev->label)
        vdev->label = vdev->name_buf;
    printf("%s: %s (device id %u) on %s, %s interface\n", vdev->label, vdev->name_buf,
           (unsigned)vdev->id, vdev->dev.parent ? vdev->dev.parent->name : "?",
           vdev->config->transport_name(vdev));
    /* Start from a known state, then tell the device we have seen it (§3.1.1 steps
     * 1 and 2). */
    printf("%s: reset\n", vdev->label);
    if (vdev->config->reset(vdev) != 0) {
        printf("%s: device did not complete the reset\n", vdev->label);
        return -1;
    }
    virtio_add_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE);
    return device_register(&vdev->dev);
}

int register_virtio_driver(struct virtio_driver *vdrv)
{
    if (virtio_bus_init() != 0)
        return -1;
    vdrv->drv.bus = &virtio_bus;
    return driver_register(&vdrv->drv);
}

uint8_t virtio_interrupt(struct virtio_device *vdev)
{
    uint8_t isr = vdev->config->read_isr(vdev);
    if (isr)
        vdev->irqs++;
    if (isr & VIRTIO_ISR_CONFIG) {
        struct virtio_driver *vdrv = vdev->dev.driver ? to_virtio_driver(vdev->dev.driver) : NULL;
        virtio_check_needs_reset(vdev);
        if (vdrv && vdrv->config_changed)
            vdrv->config_changed(vdev);
    }
    if (isr & VIRTIO_ISR_VQ)
        for (struct virtqueue *vq = vdev->vqs; vq; vq = vq->next)
            vring_interrupt(vq);
    return isr;
}

struct feature_name { uint8_t bit; const char *name; };

static const struct feature_name common_features[] = {
    { VIRTIO_F_NOTIFY_ON_EMPTY, "NOTIFY_ON_EMPTY" }, { VIRTIO_F_ANY_LAYOUT, "ANY_LAYOUT" },
    { VIRTIO_F_RING_INDIRECT_DESC, "RING_INDIRECT_DESC" },
    { VIRTIO_F_RING_EVENT_IDX, "RING_EVENT_IDX" }, { VIRTIO_F_VERSION_1, "VERSION_1" },
    { VIRTIO_F_ACCESS_PLATFORM, "ACCESS_PLATFORM" }, { VIRTIO_F_RING_PACKED, "RING_PACKED" },
    { VIRTIO_F_IN_ORDER, "IN_ORDER" }, { 30, "BAD_FEATURE" }, { 36, "ORDER_PLATFORM" },
    { 37, "SR_IOV" }, { 38, "NOTIFICATION_DATA" }, { 39, "NOTIF_CONFIG_DATA" },
    { 40, "RING_RESET" },
};

/* virtio 1.2 §5.1.3 */
static const struct feature_name net_features[] = {
    { 0, "CSUM" }, { 1, "GUEST_CSUM" }, { 2, "CTRL_GUEST_OFFLOADS" }, { 3, "MTU" },
    { 5, "MAC" }, { 6, "GSO" }, { 7, "GUEST_TSO4" }, { 8, "GUEST_TSO6" },
    { 9, "GUEST_ECN" }, { 10, "GUEST_UFO" }, { 11, "HOST_TSO4" }, { 12, "HOST_TSO6" },
    { 13, "HOST_ECN" }, { 14, "HOST_UFO" }, { 15, "MRG_RXBUF" }, { 16, "STATUS" },
    { 17, "CTRL_VQ" }, { 18, "CTRL_RX" }, { 19, "CTRL_VLAN" }, { 20, "CTRL_RX_EXTRA" },
    { 21, "GUEST_ANNOUNCE" }, { 22, "MQ" }, { 23, "CTRL_MAC_ADDR" },
    { 41, "DEVICE_STATS" }, { 52, "VQ_NOTF_COAL" }, { 53, "NOTF_COAL" },
    { 54, "GUEST_USO4" }, { 55, "GUEST_USO6" }, { 56, "HOST_USO" }, { 57, "HASH_REPORT" },
    { 59, "GUEST_HDRLEN" }, { 60, "RSS" }, { 61, "RSC_EXT" }, { 62, "STANDBY" },
    { 63, "SPEED_DUPLEX" },
};

static const char *lookup(const struct feature_name *t, size_t n, unsigned bit)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].bit == bit)
            return t[i].name;
    return NULL;
}

const char *virtio_feature_name(uint32_t device_id, unsigned bit)
{
    const char *n = lookup(common_features, sizeof(common_features) / sizeof(common_features[0]), bit);
    if (!n && device_id == VIRTIO_ID_NET)
        n = lookup(net_features, sizeof(net_features) / sizeof(net_features[0]), bit);
    return n;
}

void virtio_print_features(const struct virtio_device *vdev, const char *what, uint64_t f)
{
    printf("%s: %s features 0x%016llx:", vdev->label, what, (unsigned long long)f);
    for (unsigned bit = 0; bit < 64; bit++) {
        if (!((f >> bit) & 1))
            continue;
        const char *n = virtio_feature_name(vdev->id, bit);
        if (n)
            printf(" %s", n);
        else
            printf(" bit%u", bit);
    }
    printf("\n");
}
