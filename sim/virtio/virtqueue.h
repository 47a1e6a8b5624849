/* The device side of a split virtqueue (virtio 1.2 §2.7): fetching descriptor chains
 * from the available ring with every driver-supplied value checked (§2.7.4.2, §2.7.5),
 * copying through their scatter-gather lists, returning them on the used ring, and
 * deciding whether the driver wants an interrupt (§2.7.7, §2.7.10, event idx).
 *
 * Guest memory is reached only through a VqDma, so the PCI layer can refuse DMA while
 * bus mastering is off. Names carry _split where the packed ring will differ later. */
#ifndef RINGSIDE_VIRTQUEUE_H
#define RINGSIDE_VIRTQUEUE_H

#include "common.h"

struct Ram;
struct Tracer;

/* Ring layout constants (§2.7.5, §2.7.6, §2.7.8). */
enum {
    VRING_DESC_F_NEXT = 1,
    VRING_DESC_F_WRITE = 2,
    VRING_DESC_F_INDIRECT = 4,
    VRING_AVAIL_F_NO_INTERRUPT = 1,
    VRING_USED_F_NO_NOTIFY = 1,
    VRING_DESC_SIZE = 16,
    VRING_USED_ELEM_SIZE = 8,
    VQ_MAX_SIZE = 32768,            /* §2.7: queue size is a power of 2, at most 32768 */
    VQ_LEGACY_ALIGN = 4096,         /* legacy PCI: used ring aligned to a page (§4.1.5.1.4.1 legacy) */
};

/* How the device reaches guest memory. read/write return 0, or -1 when the access is
 * refused (outside RAM, bus mastering off). check, if set, says whether a range is
 * reachable at all, so a chain is validated before any byte of it is used. */
typedef struct VqDma {
    int (*read)(void *opaque, uint64_t addr, void *buf, uint64_t len);
    int (*write)(void *opaque, uint64_t addr, const void *buf, uint64_t len);
    bool (*check)(void *opaque, uint64_t addr, uint64_t len);
    void *opaque;
} VqDma;

/* A VqDma straight over guest RAM. */
VqDma vq_dma_ram(struct Ram *ram);

/* One buffer of a fetched chain. */
typedef struct VqSeg {
    uint64_t addr;
    uint32_t len;
    bool writable;
} VqSeg;

/* One descriptor chain as the device fetched it. The segments are held in storage owned
 * by the element (grown on demand, reused by the next vq_pop into the same element), so
 * a device may keep several elements at once (mergeable rx buffers). */
typedef struct VqElem {
    uint16_t head;           /* index in the descriptor table: the used element's id */
    unsigned nseg;           /* readable segments first, then writable ones */
    unsigned nout;           /* how many are device-readable */
    uint64_t out_len;        /* bytes readable by the device */
    uint64_t in_len;         /* bytes the device may write */
    VqSeg *seg;
    unsigned cap;
} VqElem;

void vq_elem_free(VqElem *e);

typedef struct VirtQueue {
    /* configuration, written by the transport */
    uint16_t size;           /* 0: not configured */
    bool ready;              /* enabled by the driver; pops refused otherwise */
    uint64_t desc, avail, used;
    bool event_idx;          /* VIRTIO_F_RING_EVENT_IDX negotiated */
    bool indirect;           /* VIRTIO_F_RING_INDIRECT_DESC negotiated */
    bool notify_on_empty;    /* VIRTIO_F_NOTIFY_ON_EMPTY negotiated */

    /* device-owned state: the driver never sees these directly */
    uint16_t last_avail;     /* next avail ring slot the device will read */
    uint16_t used_idx;       /* the device's used idx including unpublished pushes */
    uint16_t published;      /* the used idx last written to guest memory */
    uint16_t signalled;      /* used idx when the driver was last interrupted ... */
    bool signalled_valid;    /* ... once there was such a time (event idx) */
    uint16_t avail_event;    /* last value written to avail_event (event idx) */
    bool avail_event_valid;
    unsigned inflight;       /* chains popped but not yet pushed */
    bool broken;             /* a violation was seen; only a reset clears it */

    VqDma dma;
    /* for the trace */
    const struct Tracer *tracer;
    const char *dev_name;
    uint16_t index;
    struct TraceDesc *tdesc; /* scratch for the chain_fetch event */
    unsigned tdesc_cap;
} VirtQueue;

void vq_init(VirtQueue *vq, uint16_t index, VqDma dma, const struct Tracer *t, const char *dev_name);
void vq_destroy(VirtQueue *vq);
/* Forgets the configuration and all device state (device reset, §2.1, §4.1.4.3). */
void vq_reset(VirtQueue *vq);

/* Sets size and the three ring addresses; checks size (power of 2, <= 32768) and the
 * modern alignments (desc 16, driver 2, device 4, §2.7). Does not enable the queue. */
int vq_configure_split(VirtQueue *vq, uint16_t size, uint64_t desc, uint64_t avail,
                       uint64_t used, Err *err);
/* The legacy contiguous layout for a ring at pfn << 12 (§2.7 legacy, 4096 alignment):
 * descriptor table, then the avail ring, then the used ring on the next 4096 boundary. */
int vq_configure_legacy(VirtQueue *vq, uint16_t size, uint32_t pfn, Err *err);
/* Bytes used by the legacy layout of a queue of this size. */
uint64_t vq_legacy_bytes(uint16_t size);
/* Enables or disables (enabling needs a configured size). Indices are not touched:
 * they start at 0 after vq_reset, as the driver's do. */
void vq_set_ready(VirtQueue *vq, bool ready);

/* Fetches the next available chain: 1 = a chain in *e, 0 = none available (or the
 * queue is not enabled), -1 = the driver broke a rule (err says which; the queue is then
 * broken until reset). The chain_fetch event lists every descriptor read: an indirect
 * descriptor is followed by its table's entries, whose index is their table position.
 * Zero-length data descriptors are accepted (the spec does not forbid them); the chain
 * length bound counts data descriptors, indirect ones included (§2.7.5.3.1). */
int vq_pop(VirtQueue *vq, VqElem *e, Err *err);
/* Number of chains the driver has made available and the device has not fetched, or -1
 * if the avail idx cannot be read or is impossible. */
int vq_avail_count(VirtQueue *vq, Err *err);

/* Copy from the device-readable part of e starting at byte off; returns bytes copied
 * (short when the chain is shorter), or -1 on a refused DMA. */
int64_t vq_elem_read(VirtQueue *vq, const VqElem *e, uint64_t off, void *buf, uint64_t len);
/* Copy into the device-writable part of e starting at byte off; same results. */
int64_t vq_elem_write(VirtQueue *vq, const VqElem *e, uint64_t off, const void *buf, uint64_t len);

/* Writes a used element {head, len} (not yet visible: see vq_flush). */
int vq_push(VirtQueue *vq, uint16_t head, uint32_t len, Err *err);
/* Publishes the used idx of everything pushed. */
int vq_flush(VirtQueue *vq, Err *err);
/* After a flush: does the driver want a used buffer notification? Emits irq_raise or
 * irq_suppress with the rule that decided. */
bool vq_need_interrupt(VirtQueue *vq);
/* Asks the driver for (or to stop sending) available buffer notifications: NO_NOTIFY
 * in used flags, or avail_event when event idx is negotiated. */
int vq_set_notification(VirtQueue *vq, bool enable, Err *err);

/* The event-idx rule of §2.7.10: with the driver's event at event_idx, moving the index
 * from old to new_idx crosses it. All three wrap at 16 bits. */
static inline bool vring_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old)
{
    return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old);
}

#endif
