/* The firmware's virtio bus (virtio 1.2 §2 "Basic Facilities of a Virtio Device",
 * §3.1 "Device Initialization"), modelled on Linux's drivers/virtio/virtio.c: a
 * transport (virtio-pci) registers a struct virtio_device with a config-ops table;
 * the bus matches it by device id to a struct virtio_driver and runs the
 * negotiation steps around the driver's probe. */
#ifndef GUESTFW_VIRTIO_H
#define GUESTFW_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus.h"

/* Device status bits (§2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE        1
#define VIRTIO_STATUS_DRIVER             2
#define VIRTIO_STATUS_DRIVER_OK          4
#define VIRTIO_STATUS_FEATURES_OK        8
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED             128

/* Device-independent feature bits (§6). */
#define VIRTIO_F_NOTIFY_ON_EMPTY     24
#define VIRTIO_F_ANY_LAYOUT          27
#define VIRTIO_F_RING_INDIRECT_DESC  28
#define VIRTIO_F_RING_EVENT_IDX      29
#define VIRTIO_F_VERSION_1           32
#define VIRTIO_F_ACCESS_PLATFORM     33
#define VIRTIO_F_RING_PACKED         34
#define VIRTIO_F_IN_ORDER            35

#define VIRTIO_ID_NET 1

/* ISR status bits (§4.1.4.5). */
#define VIRTIO_ISR_VQ     1
#define VIRTIO_ISR_CONFIG 2

struct virtio_device;
struct virtqueue;

typedef void vq_callback_fn(struct virtqueue *vq);

/* What a transport does for the core and the drivers (Linux's virtio_config_ops). */
struct virtio_config_ops {
    uint8_t (*get_status)(struct virtio_device *vdev);
    void (*set_status)(struct virtio_device *vdev, uint8_t status);
    /* Writes 0 to the status and waits until the device reads back 0. */
    int (*reset)(struct virtio_device *vdev);
    uint64_t (*get_features)(struct virtio_device *vdev);
    /* Writes vdev->features (the driver's accepted set) to the device. */
    int (*finalize_features)(struct virtio_device *vdev);
    /* Device-specific configuration, accessed with the field's natural width
     * (len 1, 2, 4; 8 as two 4-byte halves; anything else byte by byte). */
    void (*get_config)(struct virtio_device *vdev, unsigned off, void *buf, unsigned len);
    void (*set_config)(struct virtio_device *vdev, unsigned off, const void *buf, unsigned len);
    /* config_generation (0 for transports without one). */
    uint32_t (*generation)(struct virtio_device *vdev);
    /* Creates n queues, the i-th at queue index indices[i] (indices NULL: index i);
     * callbacks[i] may be NULL (no interrupt processing). */
    int (*find_vqs)(struct virtio_device *vdev, unsigned n, struct virtqueue *vqs[],
                    vq_callback_fn *const callbacks[], const char *const names[],
                    const unsigned indices[]);
    /* Buffer-available notification for vq. */
    void (*notify)(struct virtqueue *vq);
    /* Reads (and so clears) the ISR status byte. */
    uint8_t (*read_isr)(struct virtio_device *vdev);
    /* PLIC source of the device's interrupt, 0 when none. */
    unsigned (*irq)(struct virtio_device *vdev);
    const char *(*transport_name)(struct virtio_device *vdev);  /* "modern", "legacy" */
};

struct virtio_device {
    struct device dev;          /* on virtio_bus, dev.name "virtio0"; dev.parent = PCI fn */
    uint32_t id;                /* virtio device id (1 = net) */
    uint32_t vendor;
    const char *label;          /* console prefix, "virtio-net" */
    const struct virtio_config_ops *config;
    uint64_t device_features;   /* as offered */
    uint64_t features;          /* negotiated */
    bool legacy;                /* the transport is the legacy (0.9.5) interface */
    bool broken;                /* set on a malformed ring or NEEDS_RESET */
    uint64_t irqs;              /* interrupts with a non-zero ISR */
    struct virtqueue *vqs;      /* list of created queues */
    void *priv;                 /* the driver's state */
    char name_buf[12];
};

#define to_virtio_device(d) ((struct virtio_device *)(void *)(d))

struct virtio_device_id {
    uint32_t device;            /* table ends with device 0 */
};

struct virtio_driver {
    struct driver drv;          /* drv.name must be set */
    const struct virtio_device_id *id_table;
    const unsigned *feature_table;      /* feature bit numbers the driver understands */
    unsigned feature_table_size;
    /* Optional, before the features are written: may clear bits of vdev->features
     * (dependencies, bootarg switches, config values it cannot use), as Linux's
     * virtio_driver.validate. Device config may be read here (§3.1.1 step 4). */
    void (*validate)(struct virtio_device *vdev);
    /* Called after features are negotiated (FEATURES_OK stuck); sets DRIVER_OK itself
     * with virtio_device_ready once its queues are ready. 0 = bound. */
    int (*probe)(struct virtio_device *vdev);
    /* Config-change interrupt (ISR bit 1). */
    void (*config_changed)(struct virtio_device *vdev);
};

#define to_virtio_driver(d) ((struct virtio_driver *)(void *)(d))

extern struct bus_type virtio_bus;

/* Registers the virtio bus (idempotent). */
int virtio_bus_init(void);
/* Called by a transport: names the device, resets it, sets ACKNOWLEDGE and puts it on
 * the bus (which probes a matching driver). */
int register_virtio_device(struct virtio_device *vdev);
int register_virtio_driver(struct virtio_driver *vdrv);

static inline bool virtio_has_feature(const struct virtio_device *vdev, unsigned bit)
{ return (vdev->features >> bit) & 1; }

/* Status helpers that print one console line per step (the trace's story). */
void virtio_add_status(struct virtio_device *vdev, uint8_t bit);
void virtio_device_ready(struct virtio_device *vdev);     /* DRIVER_OK */
/* FAILED, with the reason printed. */
void virtio_fail(struct virtio_device *vdev, const char *why);
/* True (and the device marked broken, with a message) when the device has set
 * DEVICE_NEEDS_RESET. */
bool virtio_check_needs_reset(struct virtio_device *vdev);

/* Device config read in a config_generation retry loop (§2.5.1 / §4.1.4.3.1);
 * returns 0, or -1 when the generation never settles. */
int virtio_cread_bytes(struct virtio_device *vdev, unsigned off, void *buf, unsigned len);

/* Dispatches an interrupt: reads the ISR, runs the queues' callbacks on bit 0 and
 * the driver's config_changed on bit 1. Returns the ISR byte. */
uint8_t virtio_interrupt(struct virtio_device *vdev);

/* Feature bit name for the console ("MRG_RXBUF"), or NULL. Device-specific names for
 * VIRTIO_ID_NET. */
const char *virtio_feature_name(uint32_t device_id, unsigned bit);
/* Prints "label: <what> features 0x...: NAME NAME ...". */
void virtio_print_features(const struct virtio_device *vdev, const char *what, uint64_t f);

/* Local interrupt masking that nests (mstatus.MIE saved and restored). */
static inline unsigned long virtio_irq_save(void)
{ unsigned long old; __asm__ volatile("csrrci %0, mstatus, 8" : "=r"(old) :: "memory"); return old & 8; }
static inline void virtio_irq_restore(unsigned long old)
{ if (old) __asm__ volatile("csrsi mstatus, 8" ::: "memory"); }

#endif
