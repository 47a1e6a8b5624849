/* The device side of a virtqueue (virtio 1.2 §2.6), whatever its ring layout: a queue's
 * configuration and accounting, the descriptor chains the device fetched (VqElem),
 * scatter-gather copies through them, and the queue operations (VqOps) that each layout
 * implements: the split ring (§2.7) in ring_split.c, the packed ring (§2.8) in
 * ring_packed.c. Devices call the vq_* functions (or virtio.h's virtio_queue_*), never a layout.
 *
 * Guest memory is reached only through a VqDma, so the PCI layer can refuse DMA while
 * bus mastering is off. */
#ifndef RINGSIDE_VIRTQUEUE_H
#define RINGSIDE_VIRTQUEUE_H

#include "common.h"
#include "virtio/virtio_names.h"

struct Ram;
struct Tracer;
struct TraceDesc;
struct VqPicture;

/* Descriptor flags VRING_DESC_F_* (§2.7.5; the packed ring keeps these bits and adds
 * AVAIL and USED, §2.8.1) and the split ring's suppression flags VRING_AVAIL_F_* and
 * VRING_USED_F_* (§2.7.7, §2.7.10) come from the one names table, virtio_names.def.
 * Field addresses are the layout's alone. */
enum {
    VQ_MAX_SIZE = 32768,            /* §2.7: queue size is at most 32768 */
    VQ_MAX_AREAS = 2,               /* guest ranges a driver writes, for the ring watch */
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
    uint16_t id;             /* the buffer id its used element names (split: the head) */
    uint16_t ndescs;         /* descriptors it took in the ring, an indirect table counting
                              * as the one that points at it (packed: the used element's skip) */
    unsigned nseg;           /* readable segments first, then writable ones */
    unsigned nout;           /* how many are device-readable */
    uint64_t out_len;        /* bytes readable by the device */
    uint64_t in_len;         /* bytes the device may write */
    VqSeg *seg;
    unsigned cap;
} VqElem;

void vq_elem_free(VqElem *e);

/* A guest range of a queue (for the ring watch). */
typedef struct VqArea {
    uint64_t base, len;
} VqArea;

typedef struct VirtQueue VirtQueue;

/* Reads guest memory for an observer (0, or -1 when it is not RAM). */
typedef int VqPeekFn(void *ctx, uint64_t addr, void *buf, uint64_t len);

/* What a ring layout implements. The vq_* functions below check what is common (queue
 * enabled, not broken, chains in flight) before they call an operation, so a layout
 * only sees a configured, enabled queue (configure excepted). */
typedef struct VqOps {
    const char *name;
    /* Checks size and the three addresses (descriptor area, driver area, device area,
     * §2.6) against the layout's rules and stores them; does not enable the queue. */
    int (*configure)(VirtQueue *vq, uint16_t size, uint64_t desc, uint64_t driver, uint64_t device, Err *err);
    /* Chains the driver made available that the device has not fetched; -1 with err
     * (the queue broken) when the driver's index is impossible or unreachable. */
    int (*pending)(VirtQueue *vq, Err *err);
    /* Fetches the next chain into e: 1, 0 when none, -1 on a violation (broken). */
    int (*pop)(VirtQueue *vq, VqElem *e, Err *err);
    /* Writes a used element {id, len} at the device's next used position and moves past
     * it, invisible to the driver until flush. id is written as given: checking that it
     * was popped is vq_push's job (fault injection writes one that never was). */
    int (*fill)(VirtQueue *vq, uint32_t id, uint16_t ndescs, uint32_t len, Err *err);
    /* Makes everything filled visible: 1 when something new was published, 0 when
     * there was nothing, -1 with err. */
    int (*flush)(VirtQueue *vq, Err *err);
    /* After a flush: does the driver want a used buffer notification? Emits irq_raise
     * or irq_suppress with the rule that decided. */
    bool (*need_interrupt)(VirtQueue *vq);
    /* Asks the driver for (or to stop sending) available buffer notifications. */
    int (*set_notification)(VirtQueue *vq, bool enable, Err *err);
    /* Whether buffer id is waiting in the ring, made available and not yet fetched
     * (read without breaking the queue; false when unreadable). */
    bool (*is_posted)(VirtQueue *vq, uint16_t id);
    /* The ring watch: the guest ranges the driver writes (returns how many, at most
     * VQ_MAX_AREAS) and the ring_drv events of one store into them, already done. */
    unsigned (*driver_areas)(const VirtQueue *vq, VqArea *out);
    void (*decode_store)(const VirtQueue *vq, uint64_t addr, unsigned size);
    /* The debugger's picture of the queue (the monitor's `info vq`): both sides' indices,
     * the newest avail and used entries and the descriptors of their chains, each with
     * its owner; guest memory is read with peek, never through the DMA path (a debugger
     * changes nothing, and a refused DMA is a trace event). */
    void (*describe)(const VirtQueue *vq, VqPeekFn *peek, void *ctx, FILE *f);
    /* The same queue as a picture to draw (vq_picture.h), read the same way. NULL: the
     * layout cannot be drawn yet (the window then says so). */
    void (*picture)(const VirtQueue *vq, VqPeekFn *peek, void *ctx, struct VqPicture *p);
} VqOps;

/* The split layout's device-owned state (ring_split.c); the driver never sees it. */
typedef struct VqSplit {
    uint16_t last_avail;     /* next avail ring slot the device will read */
    uint16_t used_idx;       /* the device's used idx including unpublished pushes */
    uint16_t published;      /* the used idx last written to guest memory */
    uint16_t signalled;      /* used idx when the driver was last interrupted ... */
    bool signalled_valid;    /* ... once there was such a time (event idx) */
    uint16_t avail_event;    /* last value written to avail_event (event idx) */
    bool avail_event_valid;
} VqSplit;

/* The packed layout's device-owned state (ring_packed.c, §2.8.1): where the device reads
 * and writes in the one descriptor ring and its two wrap counters, which start at 1. */
typedef struct VqPacked {
    uint16_t last_avail;     /* ring position of the next descriptor the device reads */
    bool avail_wrap;         /* the driver's wrap counter the device expects there */
    uint16_t used_pos;       /* ring position of the next used descriptor */
    bool used_wrap;          /* the device's wrap counter there */
    bool batch;              /* a used descriptor since the last flush waits for its flags */
    uint16_t batch_pos;      /* ... at this position */
    uint16_t batch_flags;    /* ... these */
    uint16_t signalled;      /* used position (wrap folded in, mod 2N) at the last interrupt
                              * decision ... */
    bool signalled_valid;    /* ... once there was one (event idx) */
    uint16_t dev_event;      /* the device event suppression words last written ... */
    uint16_t dev_off_wrap;
    bool dev_event_valid;    /* ... once written */
} VqPacked;

struct VirtQueue {
    /* configuration, written by the transport */
    uint16_t size;           /* 0: not configured */
    bool ready;              /* enabled by the driver; pops refused otherwise */
    uint64_t desc, driver, device;   /* split: descriptor table, avail ring, used ring */
    bool event_idx;          /* VIRTIO_F_RING_EVENT_IDX negotiated */
    bool indirect;           /* VIRTIO_F_RING_INDIRECT_DESC negotiated */
    bool notify_on_empty;    /* VIRTIO_F_NOTIFY_ON_EMPTY negotiated */
    const VqOps *ops;        /* the layout, set by vq_configure; NULL before */
    const VqOps *wrap;       /* NULL, or a wrapper whose non-NULL operations are called
                              * instead of the layout's (they reach it through ops) */
    void *wrap_ctx;          /* the wrapper's own state */

    /* device-owned state: the driver never sees these directly */
    unsigned inflight;       /* chains popped but not yet pushed */
    unsigned unpublished;    /* chains pushed since the last flush */
    bool broken;             /* a violation was seen; only a reset clears it */
    union {                  /* the layout's own, cleared by vq_reset */
        VqSplit split;
        VqPacked packed;
    };

    VqDma dma;
    /* for the trace */
    const struct Tracer *tracer;
    const char *dev_name;
    uint16_t index;
    struct TraceDesc *tdesc; /* scratch for the chain_fetch event */
    unsigned tdesc_cap;
};

void vq_init(VirtQueue *vq, uint16_t index, VqDma dma, const struct Tracer *t, const char *dev_name);
void vq_destroy(VirtQueue *vq);
/* Forgets the configuration, the layout, any wrapper and all device state (device
 * reset, §2.1, §4.1.4.3). */
void vq_reset(VirtQueue *vq);

/* Gives the queue a layout, its size and its three areas (layout->configure checks
 * them). Does not enable the queue. */
int vq_configure(VirtQueue *vq, const VqOps *layout, uint16_t size, uint64_t desc, uint64_t driver,
                 uint64_t device, Err *err);
/* Enables or disables (enabling needs a configured queue). Indices are not touched:
 * they start at 0 after vq_reset, as the driver's do. */
void vq_set_ready(VirtQueue *vq, bool ready);
/* Installs (NULL: removes) a wrapper of the queue's operations. */
void vq_wrap(VirtQueue *vq, const VqOps *wrap, void *ctx);

static inline uint16_t vq_size(const VirtQueue *vq) { return vq->size; }
static inline bool vq_ready(const VirtQueue *vq) { return vq->ready; }
static inline bool vq_is_broken(const VirtQueue *vq) { return vq->broken; }
static inline unsigned vq_inflight(const VirtQueue *vq) { return vq->inflight; }
static inline unsigned vq_unpublished(const VirtQueue *vq) { return vq->unpublished; }

/* Chains available and not fetched: 0 when the queue is not enabled, -1 (err) when it
 * is broken or the driver's index is impossible. */
int vq_pending(VirtQueue *vq, Err *err);
/* Fetches the next available chain: 1 = a chain in *e, 0 = none available (or the
 * queue is not enabled), -1 = the driver broke a rule (err says which; the queue is then
 * broken until reset). The chain_fetch event lists every descriptor read: an indirect
 * descriptor is followed by its table's entries, whose index is their table position.
 * Zero-length data descriptors are accepted (the spec does not forbid them); the chain
 * length bound counts data descriptors, indirect ones included (§2.7.5.3.1). */
int vq_pop(VirtQueue *vq, VqElem *e, Err *err);

/* Copy from the device-readable part of e starting at byte off; returns bytes copied
 * (short when the chain is shorter), or -1 on a refused DMA. */
int64_t vq_elem_read(VirtQueue *vq, const VqElem *e, uint64_t off, void *buf, uint64_t len);
/* Copy into the device-writable part of e starting at byte off; same results. */
int64_t vq_elem_write(VirtQueue *vq, const VqElem *e, uint64_t off, const void *buf, uint64_t len);

/* Returns e to the driver with len bytes written (not yet visible: see vq_flush). */
int vq_push(VirtQueue *vq, const VqElem *e, uint32_t len, Err *err);
/* Publishes everything pushed: 1 when something new became visible, 0 when nothing
 * did, -1 with err. */
int vq_flush(VirtQueue *vq, Err *err);
/* After a flush: does the driver want a used buffer notification? Emits irq_raise or
 * irq_suppress with the rule that decided. */
bool vq_need_interrupt(VirtQueue *vq);
/* Asks the driver for (or to stop sending) available buffer notifications (split:
 * NO_NOTIFY in used flags, or avail_event when event idx is negotiated). */
int vq_set_notification(VirtQueue *vq, bool enable, Err *err);
/* Whether buffer id is made available and not yet fetched (fault injection). */
bool vq_is_posted(VirtQueue *vq, uint16_t id);
/* The ring watch's questions: see VqOps. No areas while the queue is not configured. */
unsigned vq_driver_areas(const VirtQueue *vq, VqArea out[VQ_MAX_AREAS]);
void vq_decode_store(const VirtQueue *vq, uint64_t addr, unsigned size);
/* The layout's describe (nothing for a queue that is not configured). */
void vq_describe(const VirtQueue *vq, VqPeekFn *peek, void *ctx, FILE *f);
/* The layout's picture; p->layout stays NULL for a queue that is not configured or
 * whose layout has none. */
void vq_picture(const VirtQueue *vq, VqPeekFn *peek, void *ctx, struct VqPicture *p);

/* ---- the split layout (ring_split.c, §2.7) ---- */

extern const VqOps vq_split_ops;
/* The layout called name (VqOps.name), or NULL: snapshots name a queue's layout. */
const VqOps *vq_layout_named(const char *name);
struct SnapDesc;
extern const struct SnapDesc vq_snap;
/* The legacy contiguous layout for a ring at pfn << 12 (§2.7 legacy, 4096 alignment):
 * descriptor table, then the avail ring, then the used ring on the next 4096 boundary. */
int vq_configure_legacy(VirtQueue *vq, uint16_t size, uint32_t pfn, Err *err);
/* Bytes used by the legacy layout of a queue of this size. */
uint64_t vq_legacy_bytes(uint16_t size);

/* The split layout as an observer reads it from guest memory (the driver checker),
 * from the same table: the bytes of each area (VQ_SPLIT_DESC the descriptor table,
 * VQ_SPLIT_AVAIL the driver area, VQ_SPLIT_USED the device area), where descriptor i
 * of a table (the queue's or an indirect one) and avail.ring[i] and used.flags are,
 * a descriptor decoded from its bytes, and the table's name of the field at an offset
 * of an area ("used.ring[3]"). */
typedef enum { VQ_SPLIT_DESC, VQ_SPLIT_AVAIL, VQ_SPLIT_USED } VqSplitArea;
typedef struct VqSplitDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
} VqSplitDesc;
uint64_t vq_split_area_bytes(VqSplitArea area, uint16_t size);
uint64_t vq_split_desc_off(uint32_t i);
unsigned vq_split_desc_bytes(void);
uint64_t vq_split_avail_ring_off(uint16_t size, uint16_t i);
uint64_t vq_split_used_flags_off(uint16_t size);
void vq_split_desc_decode(const uint8_t *b, VqSplitDesc *d);
const char *vq_split_field_label(VqSplitArea area, uint16_t size, uint64_t off, char *buf, size_t n);

/* ---- the packed layout (ring_packed.c, §2.8) ---- */

extern const VqOps vq_packed_ops;

/* The event-idx rule of §2.7.10: with the driver's event at event_idx, moving the index
 * from old to new_idx crosses it. All three wrap at 16 bits. */
static inline bool vring_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old)
{
    return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old);
}

/* ---- for layout implementations ---- */

/* Marks the queue broken (Linux's BAD_RING) with err "queue N: ..."; returns -1. */
int vq_break(VirtQueue *vq, Err *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Little-endian 16-bit guest accesses through the queue's DMA path; 0 or -1. */
int vq_rd16(VirtQueue *vq, uint64_t addr, uint16_t *v);
int vq_wr16(VirtQueue *vq, uint64_t addr, uint16_t v);
/* A range is usable if it does not wrap the 64-bit space and the DMA path reaches it. */
bool vq_range_ok(VirtQueue *vq, uint64_t addr, uint64_t len);
/* Grows an array *p of *cap elements to hold need; false when out of memory. */
bool vq_grow(void **p, unsigned *cap, unsigned need, size_t elsize);
/* Emits irq_raise or irq_suppress with the rule that decided (reason); returns raise. */
bool vq_decide_irq(VirtQueue *vq, bool raise, const char *reason);
/* Appends one descriptor to the chain_fetch scratch; -1 when out of memory. */
int vq_note_desc(VirtQueue *vq, unsigned *n, const struct TraceDesc *d);

#endif
