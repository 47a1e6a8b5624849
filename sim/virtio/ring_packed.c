/* The packed virtqueue layout, device side (virtio 1.2 §2.8), behind VqOps: one
 * descriptor ring that driver and device share, a descriptor being available when its
 * AVAIL bit equals the driver's wrap counter and its USED bit does not (§2.8.1), and
 * used when both equal the device's; chains of consecutive descriptors whose
 * buffer id is in the last (§2.8.6), indirect tables (§2.8.7), used descriptors
 * written back once per buffer with the position skipping the chain's length
 * (§2.8.6), and the two event suppression structures (§2.8.10, §2.8.14). Every field
 * address comes from ring_packed.def.
 *
 * Ownership: the driver owns a descriptor from the moment it flips its flags to
 * available until the device writes the used flags; the driver owns the driver event
 * suppression area, the device the device area. The device keeps its own positions and
 * wrap counters (VqPacked) and never trusts a guest copy of them. Every guest value is
 * checked where it is used; a violation breaks the queue until reset (Linux's BAD_RING).
 *
 * Ordering: a real device reads a descriptor's flags before its other fields (a read
 * barrier between), and writes a used descriptor's id and len before its flags. Here
 * device and driver share one host thread, so program order is enough, and the order
 * the spec asks is kept: the descriptor is read whole after its flags said available,
 * and of a batch of used descriptors the first one's flags are written last, at flush,
 * so the driver sees the batch at once (§2.8.9).
 *
 * Choices (the spec leaves them to the device, docs/architecture.md): a buffer id must
 * be below the queue size (ids name the device's in-flight slots, as Linux and QEMU
 * use them); an indirect descriptor must be a chain's only one (§2.8.19 forbids it in a
 * NEXT list); inside an indirect table NEXT is ignored (the table's length delimits it,
 * §2.8.7) but INDIRECT is refused: §2.8.7 calls every flag but WRITE there reserved and
 * ignored, yet §2.8.19 forbids the driver to set one, and a nested table is the one a
 * hostile driver would use, so it is named as the split ring names it; the first interrupt
 * decision with EVENT_IDX always interrupts, as the split ring's does; DESC in the
 * driver's event flags without EVENT_IDX, and reserved flag values, interrupt. */
#include "virtqueue.h"

#include "virtio/ring_field.h"
#include "virtio/virtio_names.h"

#include "tracer.h"

/* ---- field addresses, from the table ---- */

#define AREA_desc(vq) ((vq)->desc)
#define AREA_driver(vq) ((vq)->driver)
#define AREA_device(vq) ((vq)->device)

#define RING_FIELD RING_FIELD_ACCESSORS
#include "virtio/ring_packed.def"
#undef RING_FIELD

static uint64_t desc_bytes(uint64_t n) { return desc_entry_off(n, n); }
static uint64_t event_bytes(void) { return driver_flags_off(0, 0) + driver_flags_width; }

/* Inside one descriptor {le64 addr, le32 len, le16 id, le16 flags} (§2.8.13). */
enum { DESC_ADDR = 0, DESC_LEN = 8, DESC_ID = 12, DESC_FLAGS = 14 };
/* Alignment of the three areas (§2.8.10.1 table). */
enum { DESC_ALIGN = 16, EVENT_ALIGN = 4 };
/* desc_event_flags values (§2.8.10) and the wrap bit of desc_event_off_wrap. */
enum { EVENT_ENABLE = 0, EVENT_DISABLE = 1, EVENT_DESC = 2, EVENT_FLAGS_MASK = 3, OFF_WRAP_BIT = 15 };

typedef struct Desc {
    uint64_t addr;
    uint32_t len;
    uint16_t id, flags;
} Desc;

static void desc_decode(const uint8_t *b, Desc *d)
{
    d->addr = ld64_le(b + DESC_ADDR);
    d->len = ld32_le(b + DESC_LEN);
    d->id = ld16_le(b + DESC_ID);
    d->flags = ld16_le(b + DESC_FLAGS);
}

/* §2.8.1: available under wrap counter w when AVAIL == w and USED != w. */
static bool is_avail(uint16_t flags, bool w)
{
    return !!(flags & VRING_DESC_F_AVAIL) == w && !!(flags & VRING_DESC_F_USED) != w;
}

/* A position with its wrap counter, folded into one number mod 2N, so that event idx
 * distances are plain subtractions (the two laps of §2.8.10 as one index space). */
static uint32_t fold(const VirtQueue *vq, uint16_t pos, bool wrap)
{
    return wrap ? pos : (uint32_t)pos + vq->size;
}

/* §2.7.10's crossing test over the folded space of 2N positions. */
static bool need_event(const VirtQueue *vq, uint32_t event, uint32_t new_pos, uint32_t old)
{
    uint32_t m = 2u * vq->size;
    return (new_pos + m - event - 1) % m < (new_pos + m - old) % m;
}

static void advance(const VirtQueue *vq, uint16_t *pos, bool *wrap, uint16_t by)
{
    uint32_t p = (uint32_t)*pos + by;
    if (p >= vq->size) {
        p -= vq->size;
        *wrap = !*wrap;
    }
    *pos = (uint16_t)p;
}

/* ---- configuration ---- */

static int packed_configure(VirtQueue *vq, uint16_t size, uint64_t desc, uint64_t driver, uint64_t device,
                            Err *err)
{
    /* §2.8: any size up to 32768, not only powers of 2. */
    if (size == 0 || size > VQ_MAX_SIZE)
        return err_set(err, "queue size %u is not in 1..32768", size);
    if (desc % DESC_ALIGN || driver % EVENT_ALIGN || device % EVENT_ALIGN)
        return err_set(err, "ring addresses misaligned (desc %#llx needs 16, driver %#llx 4, device %#llx 4)",
                       (unsigned long long)desc, (unsigned long long)driver, (unsigned long long)device);
    vq->size = size;
    vq->desc = desc;
    vq->driver = driver;
    vq->device = device;
    /* §2.8.1: both wrap counters start at 1. */
    vq->packed = (VqPacked){ .avail_wrap = true, .used_wrap = true };
    return 0;
}

/* ---- fetching chains ---- */

static int read_desc(VirtQueue *vq, uint64_t addr, Desc *d)
{
    uint8_t b[desc_entry_width];
    if (vq->dma.read(vq->dma.opaque, addr, b, sizeof b) < 0)
        return -1;
    desc_decode(b, d);
    return 0;
}

/* Whether the descriptor at the device's next position is available: 1, 0, -1 (err). */
static int next_avail(VirtQueue *vq, Err *err)
{
    Desc d;
    if (read_desc(vq, desc_entry_at(vq, vq->packed.last_avail), &d) < 0)
        return vq_break(vq, err, "descriptor %u at %#llx is outside guest memory", vq->packed.last_avail,
                        (unsigned long long)desc_entry_at(vq, vq->packed.last_avail));
    return is_avail(d.flags, vq->packed.avail_wrap);
}

/* One more chain is pending or not: the packed ring has no index to count them by
 * (virtio-net asks only whether there is one). */
static int packed_pending(VirtQueue *vq, Err *err)
{
    return next_avail(vq, err);
}

static int add_seg(VirtQueue *vq, VqElem *e, const Desc *d, bool *seen_writable, uint16_t where, Err *err)
{
    if (d->flags & VRING_DESC_F_WRITE)
        *seen_writable = true;
    else if (*seen_writable)
        return vq_break(vq, err, "descriptor %u is device-readable after a device-writable one", where);
    if (!vq_range_ok(vq, d->addr, d->len))
        return vq_break(vq, err, "buffer %#llx+%u of descriptor %u is outside guest memory",
                        (unsigned long long)d->addr, d->len, where);
    if (e->nseg >= vq->size)
        return vq_break(vq, err, "descriptor chain is longer than the queue size %u", vq->size);
    if (!vq_grow((void **)&e->seg, &e->cap, e->nseg + 1, sizeof *e->seg))
        return vq_break(vq, err, "out of host memory");
    e->seg[e->nseg++] = (VqSeg){ .addr = d->addr, .len = d->len, .writable = *seen_writable };
    if (*seen_writable)
        e->in_len += d->len;
    else {
        e->out_len += d->len;
        e->nout++;
    }
    if (e->in_len + e->out_len > UINT32_MAX)
        return vq_break(vq, err, "descriptor chain is longer than 2^32 bytes");
    return 0;
}

static int note(VirtQueue *vq, unsigned *ntrace, uint16_t index, const Desc *d, Err *err)
{
    if (!TRACE_WANTED(vq->tracer, packed_chain_fetch))
        return 0;
    TraceDesc td = { .addr = d->addr, .len = d->len, .index = index, .flags = d->flags, .next = d->id };
    return vq_note_desc(vq, ntrace, &td) < 0 ? vq_break(vq, err, "out of host memory") : 0;
}

/* The indirect table of descriptor d at ring position pos (§2.8.7). */
static int walk_indirect(VirtQueue *vq, const Desc *d, uint16_t pos, VqElem *e, unsigned *ntrace, Err *err)
{
    if (!vq->indirect)
        return vq_break(vq, err, "descriptor %u is indirect but RING_INDIRECT_DESC was not negotiated", pos);
    if (d->flags & VRING_DESC_F_NEXT)
        return vq_break(vq, err, "indirect descriptor %u has NEXT set too", pos);
    if (d->len == 0 || d->len % desc_entry_width)
        return vq_break(vq, err, "indirect table length %u of descriptor %u is not a non-zero multiple of 16",
                        d->len, pos);
    if (!vq_range_ok(vq, d->addr, d->len))
        return vq_break(vq, err, "indirect table %#llx+%u of descriptor %u is outside guest memory",
                        (unsigned long long)d->addr, d->len, pos);
    uint32_t n = d->len / desc_entry_width;
    if (n > vq->size)
        return vq_break(vq, err, "indirect table of descriptor %u has %u entries, more than the queue size %u", pos,
                        n, vq->size);
    bool seen_writable = false;
    for (uint32_t k = 0; k < n; k++) {
        Desc t;
        if (read_desc(vq, d->addr + desc_entry_off(0, k), &t) < 0)
            return vq_break(vq, err, "indirect table entry %u is outside guest memory", k);
        if (note(vq, ntrace, (uint16_t)k, &t, err) < 0)
            return -1;
        if (t.flags & VRING_DESC_F_INDIRECT)
            return vq_break(vq, err, "indirect descriptor %u inside an indirect table (position %u)", k, pos);
        if (add_seg(vq, e, &t, &seen_writable, (uint16_t)k, err) < 0)
            return -1;
    }
    return 0;
}

/* Walks the chain at the device's position into e (§2.8.6, §2.8.7, §2.8.17), checking
 * every rule; moves the device's position only when the whole chain is good. */
static int walk_chain(VirtQueue *vq, VqElem *e, unsigned *ntrace, Err *err)
{
    VqPacked *p = &vq->packed;
    uint16_t head = p->last_avail, pos = head;
    bool wrap = p->avail_wrap, seen_writable = false;

    e->ndescs = 0;
    e->nseg = e->nout = 0;
    e->out_len = e->in_len = 0;
    *ntrace = 0;
    for (;;) {
        /* A chain holds at most the ring; NEXT on every descriptor would go round it. */
        if (e->ndescs >= vq->size)
            return vq_break(vq, err, "descriptor chain at position %u loops: NEXT on all %u descriptors", head,
                            vq->size);
        Desc d;
        if (read_desc(vq, desc_entry_at(vq, pos), &d) < 0)
            return vq_break(vq, err, "descriptor %u at %#llx is outside guest memory", pos,
                            (unsigned long long)desc_entry_at(vq, pos));
        if (note(vq, ntrace, pos, &d, err) < 0)
            return -1;
        /* The driver makes the rest of a chain available before its first descriptor
         * (§2.8.17), with its wrap counter flipped past the ring's end. */
        if (!is_avail(d.flags, wrap))
            return vq_break(vq, err,
                            "descriptor %u of the chain at position %u is not available (flags %#x: AVAIL %u USED %u, "
                            "wrap counter %u)",
                            pos, head, d.flags, !!(d.flags & VRING_DESC_F_AVAIL), !!(d.flags & VRING_DESC_F_USED),
                            wrap);
        e->ndescs++;
        if (d.flags & VRING_DESC_F_INDIRECT) {
            if (e->ndescs != 1)
                return vq_break(vq, err, "indirect descriptor %u is not the first of its chain (position %u)", pos,
                                head);
            if (walk_indirect(vq, &d, pos, e, ntrace, err) < 0)
                return -1;
        } else if (add_seg(vq, e, &d, &seen_writable, pos, err) < 0)
            return -1;
        advance(vq, &pos, &wrap, 1);
        if (!(d.flags & VRING_DESC_F_NEXT)) {
            /* §2.8.6: the buffer id is in the chain's last descriptor. */
            if (d.id >= vq->size)
                return vq_break(vq, err, "buffer id %u of the chain at position %u is not below the queue size %u",
                                d.id, head, vq->size);
            e->id = d.id;
            return 0;
        }
    }
}

/* With event idx, asks to be told when the driver makes the next descriptor available
 * (§2.8.10 DESC mode), as the split ring moves avail_event when it runs dry. */
static int write_dev_event(VirtQueue *vq, uint16_t flags, uint16_t off_wrap, Err *err)
{
    VqPacked *p = &vq->packed;
    if (p->dev_event_valid && p->dev_event == flags && p->dev_off_wrap == off_wrap)
        return 0;
    uint8_t b[4];
    st16_le(b + device_off_wrap_off(0, 0), off_wrap);
    st16_le(b + device_flags_off(0, 0), flags);
    if (vq->dma.write(vq->dma.opaque, device_off_wrap_at(vq, 0), b, sizeof b) < 0)
        return vq_break(vq, err, "device area at %#llx is outside guest memory", (unsigned long long)vq->device);
    p->dev_event = flags;
    p->dev_off_wrap = off_wrap;
    p->dev_event_valid = true;
    TRACE(vq->tracer, device_event_write, vq->dev_name, vq->index, off_wrap, flags);
    return 0;
}

static uint16_t off_wrap_of(uint16_t pos, bool wrap)
{
    return (uint16_t)(pos | (unsigned)wrap << OFF_WRAP_BIT);
}

static int packed_pop(VirtQueue *vq, VqElem *e, Err *err)
{
    VqPacked *p = &vq->packed;
    int n = next_avail(vq, err);
    if (n == 0 && vq->event_idx && write_dev_event(vq, EVENT_DESC, off_wrap_of(p->last_avail, p->avail_wrap), err) < 0)
        return -1;
    if (n <= 0)
        return n;
    uint16_t head = p->last_avail;
    bool wrap = p->avail_wrap;
    unsigned ntrace;
    if (walk_chain(vq, e, &ntrace, err) < 0)
        return -1;
    advance(vq, &p->last_avail, &p->avail_wrap, e->ndescs);
    TRACE(vq->tracer, packed_chain_fetch, vq->dev_name, vq->index, head, wrap, e->id, vq->tdesc, ntrace);
    if (p->avail_wrap != wrap)
        TRACE(vq->tracer, packed_wrap, vq->dev_name, vq->index, "avail", p->avail_wrap);
    return 1;
}

/* Whether a chain with buffer id is available and not fetched: walks the available
 * descriptors from the device's position without moving it or breaking the queue. */
static bool packed_is_posted(VirtQueue *vq, uint16_t id)
{
    uint16_t pos = vq->packed.last_avail;
    bool wrap = vq->packed.avail_wrap;
    for (unsigned k = 0; k < vq->size; k++) {
        Desc d;
        if (read_desc(vq, desc_entry_at(vq, pos), &d) < 0 || !is_avail(d.flags, wrap))
            return false;
        if (!(d.flags & VRING_DESC_F_NEXT) && d.id == id)
            return true;
        advance(vq, &pos, &wrap, 1);
    }
    return false;
}

/* ---- returning chains ---- */

static int packed_fill(VirtQueue *vq, uint32_t id, uint16_t ndescs, uint32_t len, Err *err)
{
    VqPacked *p = &vq->packed;
    /* §2.8.1: used when AVAIL and USED both equal the device's wrap counter; WRITE says
     * that len counts bytes written (§2.8.3). */
    uint16_t flags = (uint16_t)((p->used_wrap ? VRING_DESC_F_AVAIL | VRING_DESC_F_USED : 0) |
                                (len ? VRING_DESC_F_WRITE : 0));
    uint64_t at = desc_entry_at(vq, p->used_pos);
    uint8_t b[6];
    st32_le(b, len);
    st16_le(b + 4, (uint16_t)id);
    if (vq->dma.write(vq->dma.opaque, at + DESC_LEN, b, sizeof b) < 0)
        return vq_break(vq, err, "descriptor %u is outside guest memory", p->used_pos);
    if (!p->batch) {
        /* The first of a batch: its flags go last, at flush. */
        p->batch = true;
        p->batch_pos = p->used_pos;
        p->batch_flags = flags;
    } else if (vq_wr16(vq, at + DESC_FLAGS, flags) < 0)
        return vq_break(vq, err, "descriptor %u is outside guest memory", p->used_pos);
    TRACE(vq->tracer, packed_used_write, vq->dev_name, vq->index, p->used_pos, (uint16_t)id, len, flags);
    bool was = p->used_wrap;
    /* §2.8.6: the device skips the chain's descriptors (an indirect table is one). */
    advance(vq, &p->used_pos, &p->used_wrap, ndescs ? ndescs : 1);
    if (p->used_wrap != was)
        TRACE(vq->tracer, packed_wrap, vq->dev_name, vq->index, "used", p->used_wrap);
    return 0;
}

static int packed_flush(VirtQueue *vq, Err *err)
{
    VqPacked *p = &vq->packed;
    if (!p->batch)
        return 0;
    if (vq_wr16(vq, desc_entry_at(vq, p->batch_pos) + DESC_FLAGS, p->batch_flags) < 0)
        return vq_break(vq, err, "descriptor %u is outside guest memory", p->batch_pos);
    p->batch = false;
    TRACE(vq->tracer, packed_used_flags, vq->dev_name, vq->index, p->batch_pos, p->batch_flags);
    return 1;
}

/* §2.8.10: the driver event suppression structure decides. */
static bool packed_need_interrupt(VirtQueue *vq)
{
    VqPacked *p = &vq->packed;
    uint32_t now = fold(vq, p->used_pos, p->used_wrap), old = p->signalled;
    bool valid = p->signalled_valid;
    p->signalled = (uint16_t)now;
    p->signalled_valid = true;
    uint8_t b[4];
    if (vq->dma.read(vq->dma.opaque, driver_off_wrap_at(vq, 0), b, sizeof b) < 0)
        return vq_decide_irq(vq, true, "no_suppression");
    uint16_t off_wrap = ld16_le(b + driver_off_wrap_off(0, 0));
    uint16_t flags = ld16_le(b + driver_flags_off(0, 0)) & EVENT_FLAGS_MASK;
    if (flags == EVENT_DISABLE)
        return vq_decide_irq(vq, false, "flags");
    if (flags != EVENT_DESC || !vq->event_idx)
        return vq_decide_irq(vq, true, "no_suppression");
    if (!valid)
        return vq_decide_irq(vq, true, "event_idx");
    uint16_t off = off_wrap & (uint16_t)~(1u << OFF_WRAP_BIT);
    if (off >= vq->size)
        return vq_decide_irq(vq, true, "event_idx");
    return vq_decide_irq(vq, need_event(vq, fold(vq, off, off_wrap >> OFF_WRAP_BIT), now, old), "event_idx");
}

static int packed_set_notification(VirtQueue *vq, bool enable, Err *err)
{
    VqPacked *p = &vq->packed;
    if (!enable)
        return write_dev_event(vq, EVENT_DISABLE, 0, err);
    if (vq->event_idx)
        return write_dev_event(vq, EVENT_DESC, off_wrap_of(p->last_avail, p->avail_wrap), err);
    return write_dev_event(vq, EVENT_ENABLE, 0, err);
}

/* ---- the driver's stores, for the ring watch (DESIGN.md §8) ---- */

static unsigned packed_driver_areas(const VirtQueue *vq, VqArea *out)
{
    out[0] = (VqArea){ vq->desc, desc_bytes(vq->size) };
    out[1] = (VqArea){ vq->driver, event_bytes() };
    return 2;
}

static void packed_decode_store(const VirtQueue *vq, uint64_t addr, unsigned size)
{
    const struct Tracer *t = vq->tracer;
    if (addr >= vq->desc && addr < vq->desc + desc_bytes(vq->size)) {
        uint64_t first = (addr - vq->desc) / desc_entry_width;
        uint64_t last = (addr + size - 1 - vq->desc) / desc_entry_width;
        for (uint64_t i = first; i <= last && i < vq->size; i++) {
            uint8_t b[desc_entry_width] = { 0 };
            if (vq->dma.read(vq->dma.opaque, desc_entry_at(vq, i), b, sizeof b) != 0)
                memset(b, 0, sizeof b);
            Desc d;
            desc_decode(b, &d);
            TRACE(t, packed_desc_write, vq->dev_name, vq->index, (uint16_t)i, d.addr, d.len, d.id, d.flags);
            /* A store reaching the flags that leaves AVAIL != USED hands the descriptor
             * over (§2.8.1): the step the teaching story turns on. */
            uint64_t fl = desc_entry_at(vq, i) + DESC_FLAGS;
            bool avail = !!(d.flags & VRING_DESC_F_AVAIL), used = !!(d.flags & VRING_DESC_F_USED);
            if (addr < fl + 2 && addr + size > fl && avail != used)
                TRACE(t, packed_desc_avail, vq->dev_name, vq->index, (uint16_t)i, d.id, d.flags, avail);
        }
        return;
    }
    if (addr + size <= vq->driver || addr >= vq->driver + event_bytes())
        return;
    uint8_t b[4] = { 0 };
    if (vq->dma.read(vq->dma.opaque, vq->driver, b, sizeof b) != 0)
        memset(b, 0, sizeof b);
    TRACE(t, driver_event_write, vq->dev_name, vq->index, ld16_le(b + driver_off_wrap_off(0, 0)),
          ld16_le(b + driver_flags_off(0, 0)));
}

/* ---- the debugger's picture ---- */

static const char *event_name(uint16_t flags)
{
    static const char *const names[4] = { "enable", "disable", "desc", "reserved" };
    return names[flags & EVENT_FLAGS_MASK];
}

/* Who holds a descriptor, seen from the device's next avail position (wrap there). */
static const char *owner(const Desc *d, bool wrap)
{
    bool a = d->flags & VRING_DESC_F_AVAIL, u = d->flags & VRING_DESC_F_USED;
    if (is_avail(d->flags, wrap))
        return "available (not fetched)";
    if (a != u)
        return "device (fetched, not used)";
    return a || u ? "driver (used)" : "driver (never made available)";
}

static void packed_describe(const VirtQueue *vq, VqPeekFn *peek, void *ctx, FILE *f)
{
    enum { SHOW = 8 };
    const VqPacked *p = &vq->packed;
    uint8_t drv[4] = { 0 }, dev[4] = { 0 };
    bool ok = peek(ctx, vq->driver, drv, 4) == 0 && peek(ctx, vq->device, dev, 4) == 0;
    fprintf(f, "packed ring of %u entries%s: desc 0x%llx, driver 0x%llx, device 0x%llx%s%s%s\n", vq->size,
            vq->ready ? "" : " (not enabled)", (unsigned long long)vq->desc, (unsigned long long)vq->driver,
            (unsigned long long)vq->device, vq->event_idx ? ", event_idx" : "", vq->indirect ? ", indirect" : "",
            vq->broken ? ", BROKEN until reset" : "");
    if (!ok) {
        fprintf(f, "  the rings are not in RAM\n");
        return;
    }
    fprintf(f, "  driver event: off_wrap 0x%x, flags %s\n", ld16_le(drv), event_name(ld16_le(drv + 2)));
    fprintf(f, "  device event: off_wrap 0x%x, flags %s\n", ld16_le(dev), event_name(ld16_le(dev + 2)));
    fprintf(f, "  device keeps: next avail %u (wrap %u), next used %u (wrap %u), in flight %u\n", p->last_avail,
            p->avail_wrap, p->used_pos, p->used_wrap, vq->inflight);
    fprintf(f, "  descriptors from the device's next avail position:\n");
    uint16_t pos = p->last_avail;
    bool wrap = p->avail_wrap;
    for (unsigned k = 0; k < SHOW && k < vq->size; k++) {
        uint8_t b[desc_entry_width];
        if (peek(ctx, desc_entry_at(vq, pos), b, sizeof b) != 0)
            break;
        Desc d;
        desc_decode(b, &d);
        char names[80];
        virtio_format_bits(VIRTIO_DOM_DESC, 0, d.flags, names, sizeof names);
        fprintf(f, "    desc[%u] addr 0x%llx len %u id %u flags %s: %s\n", pos, (unsigned long long)d.addr, d.len,
                d.id, names, owner(&d, wrap));
        advance(vq, &pos, &wrap, 1);
    }
}

const VqOps vq_packed_ops = {
    .name = "packed",
    .configure = packed_configure,
    .pending = packed_pending,
    .pop = packed_pop,
    .fill = packed_fill,
    .flush = packed_flush,
    .need_interrupt = packed_need_interrupt,
    .set_notification = packed_set_notification,
    .is_posted = packed_is_posted,
    .driver_areas = packed_driver_areas,
    .decode_store = packed_decode_store,
    .describe = packed_describe,
};
