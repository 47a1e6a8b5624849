/* The transport-independent core of a virtio device (virtio 1.2 §2.1 status, §2.2
 * feature bits, §2.4 device reset, §2.5 config space generation, §3.1 initialisation).
 *
 * A device model (virtio-net, test dummies) embeds a VirtioDevice as its first member
 * and supplies VirtioDeviceOps; a transport (virtio-pci) turns register accesses into
 * the virtio_* calls below and gives the core its DMA path and interrupt line. The core
 * owns device status, feature negotiation, queue configuration, the ISR and
 * DEVICE_NEEDS_RESET; the model only handles its queues and its config space. */
#ifndef RINGSIDE_VIRTIO_H
#define RINGSIDE_VIRTIO_H

#include "bus.h"
#include "common.h"
#include "virtio/virtio_names.h"
#include "virtio/virtqueue.h"

struct Tracer;

/* Device status bits VIRTIO_STATUS_* (§2.1), device-independent feature bits VIRTIO_F_*
 * (§6) and ISR bits VIRTIO_ISR_* (§4.1.4.5) come from the one names table,
 * virtio/virtio_names.def, through virtio_names.h. */

typedef struct VirtioDevice VirtioDevice;

/* What a device model supplies. Every callback is optional. */
typedef struct VirtioDeviceOps {
    /* Device-specific config space (§2.5), offsets from its start; sizes 1, 2, 4, 8. */
    uint64_t (*config_read)(VirtioDevice *vd, unsigned off, unsigned size);
    void (*config_write)(VirtioDevice *vd, unsigned off, unsigned size, uint64_t val);
    /* Names of the config fields ("mac", "status"), for the trace and the bus names. */
    const RegDesc *config_regs;
    unsigned n_config_regs;
    /* The driver made buffers available on queue q (only called for a ready queue). */
    void (*queue_notify)(VirtioDevice *vd, unsigned q);
    /* The device was reset (status 0 written): forget device-specific state. */
    void (*reset)(VirtioDevice *vd);
    /* Device-specific feature dependency checks before FEATURES_OK is accepted
     * (e.g. CTRL_RX needs CTRL_VQ); -1 with err refuses FEATURES_OK. */
    int (*validate_features)(VirtioDevice *vd, uint64_t features, Err *err);
    /* Status changed and was accepted (DRIVER_OK set: the driver is live). */
    void (*set_status)(VirtioDevice *vd, uint8_t old, uint8_t status);
} VirtioDeviceOps;

typedef struct VirtioDeviceInfo {
    const char *name;            /* "virtio-net": the dev field of every trace event */
    uint16_t device_id;          /* virtio device id (§5): 1 = network */
    unsigned num_queues;
    uint16_t queue_size;         /* maximum (and default) size of each queue */
    uint64_t features;           /* offered */
    unsigned config_size;        /* bytes of device config space */
} VirtioDeviceInfo;

/* The driver-visible configuration of one queue, held until the queue is enabled. */
typedef struct VirtioQueueCfg {
    uint16_t size;               /* as the driver set it (starts at the maximum) */
    uint64_t desc, driver, device;
} VirtioQueueCfg;

/* The transport's side: how the core reaches guest memory and the interrupt line. */
typedef struct VirtioTransport {
    VqDma dma;
    /* The ISR changed: drive the interrupt line from vd->isr. */
    void (*update_irq)(VirtioDevice *vd);
    void *opaque;
} VirtioTransport;

struct VirtioDevice {
    const VirtioDeviceOps *ops;
    VirtioDeviceInfo info;
    VirtioTransport transport;
    const struct Tracer *tracer;

    uint8_t status;
    uint8_t isr;
    uint8_t config_generation;
    bool config_unread_change;     /* config changed since the driver last read it */
    uint32_t dfselect, gfselect;   /* feature word selectors (modern) */
    uint64_t guest_features;       /* what the driver accepted */
    uint16_t queue_sel;
    bool modern_only;              /* no legacy interface: VERSION_1 is required */

    VirtQueue *vq;                 /* info.num_queues of them */
    VirtioQueueCfg *qcfg;

    /* Optional observer (the machine's ring watch for the trace): called after queue q
     * goes live with its final layout, and before it is torn down (reset, legacy PFN 0)
     * while vq still holds the layout that was watched. */
    void (*queue_live)(void *ctx, VirtioDevice *vd, unsigned q, bool live);
    void *queue_live_ctx;

    /* A wrapper of the device's and its queues' operations (see virtio_wrap), or NULL:
     * its queue operations and its own state. */
    const VqOps *queue_wrap;
    void *wrap_ctx;
};

/* Allocates the queues; the device starts reset. -1 with err on a bad info. */
int virtio_init(VirtioDevice *vd, const VirtioDeviceInfo *info, const VirtioDeviceOps *ops, Err *err);
void virtio_destroy(VirtioDevice *vd);
/* The core's snapshot state, with its queues as children (snap/snap.h). */
struct SnapDesc;
extern const struct SnapDesc virtio_snap;
/* Called by the transport once: DMA path and interrupt callback for all queues. */
void virtio_set_transport(VirtioDevice *vd, const VirtioTransport *t);
void virtio_set_tracer(VirtioDevice *vd, const struct Tracer *t);
/* Wraps the device's operations and its queues' (fault injection does, to test
 * drivers): ops replaces vd->ops (the wrapper keeps the old ones and calls them),
 * queue_ops wraps each queue's layout (live queues at once, the others when they are
 * enabled; see VirtQueue.wrap), ctx is the wrapper's state (vd->wrap_ctx and each
 * queue's wrap_ctx). virtio_wrap(vd, old_ops, NULL, NULL) undoes it. */
void virtio_wrap(VirtioDevice *vd, const VirtioDeviceOps *ops, const VqOps *queue_ops, void *ctx);

/* Device reset (§2.4): status, features, selectors, ISR and all queues forgotten. */
void virtio_reset(VirtioDevice *vd);

/* ---- driver-facing operations, called by transports ---- */

/* A status write; legacy says which interface it came through (legacy has no
 * FEATURES_OK step, §4.1.4.8 / §3.1.2). Writing 0 resets. */
void virtio_write_status(VirtioDevice *vd, uint8_t status, bool legacy);
/* 32-bit feature words (§4.1.4.3): word 0 = bits 0..31, word 1 = bits 32..63. */
uint32_t virtio_read_device_features(VirtioDevice *vd, uint32_t word);
void virtio_write_driver_features(VirtioDevice *vd, uint32_t word, uint32_t value);
uint32_t virtio_read_driver_features(VirtioDevice *vd, uint32_t word);
/* The legacy guest_features register: word 0, with bits that were not offered dropped. */
void virtio_write_legacy_features(VirtioDevice *vd, uint32_t value);
void virtio_select_features(VirtioDevice *vd, bool driver_side, uint32_t word);
/* Queue configuration (modern): writes are ignored while the queue is enabled. */
void virtio_queue_set_size(VirtioDevice *vd, unsigned q, uint16_t size);
void virtio_queue_set_addr(VirtioDevice *vd, unsigned q, int which, uint64_t addr);   /* 0 desc, 1 driver, 2 device */
/* Enable with the configured size and addresses; a bad configuration sets NEEDS_RESET. */
void virtio_queue_enable(VirtioDevice *vd, unsigned q);
/* Legacy: the queue at pfn << 12 with the contiguous layout; pfn 0 disables it. */
void virtio_queue_set_pfn(VirtioDevice *vd, unsigned q, uint32_t pfn);
uint32_t virtio_queue_pfn(const VirtioDevice *vd, unsigned q);
/* The driver's available buffer notification for queue q. */
void virtio_queue_notify(VirtioDevice *vd, unsigned q);
/* Read-to-clear ISR (§4.1.4.5.1): returns the bits, clears them, lowers the line. */
uint8_t virtio_isr_read(VirtioDevice *vd);
/* Device config access through the transport (traced with the field name). */
uint64_t virtio_config_read(VirtioDevice *vd, unsigned off, unsigned size);
void virtio_config_write(VirtioDevice *vd, unsigned off, unsigned size, uint64_t val);
const char *virtio_config_field(const VirtioDevice *vd, unsigned off);

/* ---- device-facing operations, called by device models ---- */

static inline bool virtio_has_feature(const VirtioDevice *vd, unsigned bit)
{
    return (vd->guest_features >> bit) & 1;
}
static inline bool virtio_driver_ok(const VirtioDevice *vd)
{
    return (vd->status & VIRTIO_STATUS_DRIVER_OK) && !(vd->status & VIRTIO_STATUS_NEEDS_RESET);
}
/* A device reaches its queues through these only (never a VirtQueue's fields or ring
 * memory), so that every ring layout serves every device. */
bool virtio_queue_ready(const VirtioDevice *vd, unsigned q);
/* The size the driver configured (0 when the queue is not set up). */
uint16_t virtio_queue_size(const VirtioDevice *vd, unsigned q);
/* Chains fetched from q and not yet pushed back. */
unsigned virtio_queue_inflight(const VirtioDevice *vd, unsigned q);
/* Chains the driver made available on q and the device has not fetched; -1 with err
 * when the queue is broken (the next pop reports it). */
int virtio_queue_pending(VirtioDevice *vd, unsigned q, Err *err);
/* vq_pop on queue q; a ring violation becomes virtio_error (NEEDS_RESET) and returns -1. */
int virtio_queue_pop(VirtioDevice *vd, unsigned q, VqElem *e);
/* Copies out of / into a chain fetched from q: bytes copied, or -1 on a refused DMA. */
int64_t virtio_elem_read(VirtioDevice *vd, unsigned q, const VqElem *e, uint64_t off, void *buf, uint64_t len);
int64_t virtio_elem_write(VirtioDevice *vd, unsigned q, const VqElem *e, uint64_t off, const void *buf,
                          uint64_t len);
/* vq_push of e with len bytes written; a failure becomes virtio_error and returns -1. */
int virtio_queue_push(VirtioDevice *vd, unsigned q, const VqElem *e, uint32_t len);
/* Flush queue q's used ring and raise the used-buffer interrupt if the driver wants it. */
void virtio_queue_complete(VirtioDevice *vd, unsigned q);
/* The device config changed (§2.5.1): bump the generation and, once the driver is live,
 * send a config change notification. */
void virtio_config_changed(VirtioDevice *vd);
/* The same without the notification (the driver caused the change and knows of it). */
void virtio_config_touch(VirtioDevice *vd);
/* A device error (§2.1.2): sets DEVICE_NEEDS_RESET, traces the reason, and notifies a
 * live driver with a config change interrupt. */
void virtio_error(VirtioDevice *vd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
