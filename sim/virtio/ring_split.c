/* The split virtqueue layout, device side (virtio 1.2 §2.7), behind VqOps: fetching
 * descriptor chains from the available ring with every driver-supplied value checked
 * (§2.7.4.2, §2.7.5), returning them on the used ring (§2.7.8), deciding whether the
 * driver wants an interrupt (§2.7.7, §2.7.10 event idx), and naming the driver's stores
 * for the ring watch. Every field address comes from ring_split.def.
 *
 * Ownership: the driver owns the descriptor table, the avail ring and used_event; the
 * device owns the used ring and avail_event, and keeps its own last_avail / used_idx
 * shadows (VqSplit), never trusting the guest's copy of a field it owns. Every guest
 * value is checked where it is used; a violation breaks the queue until reset (Linux's
 * BAD_RING).
 *
 * Ordering: a real device needs a read barrier between reading avail->idx and reading
 * the ring entries it covers (and a write barrier before publishing used->idx). The
 * simulator runs device and driver on one host thread, so program order is enough, but
 * the code keeps the order the spec requires: idx first, then the ring slots; used
 * elements first, then used->idx.
 *
 * Choices: the first used-buffer check after an event-idx queue goes live always
 * interrupts (as QEMU and vhost do: the device has no earlier used_event to compare);
 * with event idx the device never writes used->flags, leaving the 0 the driver put
 * there (§2.7.10 asks for 0); a chain may hold at most queue-size data descriptors,
 * indirect ones included (§2.7.5.3.1). */
#include "virtqueue.h"

#include "virtio/ring_field.h"
#include "virtio/virtio_names.h"
#include "virtio/vq_picture.h"

#include "tracer.h"

/* ---- field addresses, from the table ---- */

#define AREA_desc(vq) ((vq)->desc)
#define AREA_avail(vq) ((vq)->driver)
#define AREA_used(vq) ((vq)->device)

/* For each row: area_field_off(N, i), area_field_at(vq, i), area_field_width. */
#define RING_FIELD RING_FIELD_ACCESSORS
#include "virtio/ring_split.def"
#undef RING_FIELD

/* Each area ends with its last row. */
static uint64_t desc_bytes(uint64_t n) { return desc_entry_off(n, n); }
static uint64_t avail_bytes(uint64_t n) { return avail_used_event_off(n, 0) + avail_used_event_width; }
static uint64_t used_bytes(uint64_t n) { return used_avail_event_off(n, 0) + used_avail_event_width; }

/* Inside one descriptor {le64 addr, le32 len, le16 flags, le16 next} (§2.7.5). */
enum { DESC_ADDR = 0, DESC_LEN = 8, DESC_FLAGS = 12, DESC_NEXT = 14 };

/* ---- the layout for observers (virtqueue.h) ---- */

uint64_t vq_split_area_bytes(VqSplitArea area, uint16_t n)
{
    switch (area) {
    case VQ_SPLIT_DESC: return desc_bytes(n);
    case VQ_SPLIT_AVAIL: return avail_bytes(n);
    default: return used_bytes(n);
    }
}

uint64_t vq_split_desc_off(uint32_t i) { return desc_entry_off(0, i); }
unsigned vq_split_desc_bytes(void) { return desc_entry_width; }
uint64_t vq_split_avail_ring_off(uint16_t n, uint16_t i) { return avail_ring_off(n, i); }
uint64_t vq_split_used_flags_off(uint16_t n) { return used_flags_off(n, 0); }

void vq_split_desc_decode(const uint8_t *b, VqSplitDesc *d)
{
    d->addr = ld64_le(b + DESC_ADDR);
    d->len = ld32_le(b + DESC_LEN);
    d->flags = ld16_le(b + DESC_FLAGS);
    d->next = ld16_le(b + DESC_NEXT);
}

/* Each row with its label and offset as the table spells them. */
static const struct {
    VqSplitArea area;
    const char *label, *offset;
    uint64_t (*off)(uint64_t N, uint64_t i);
    unsigned width;
} rows[] = {
#define AREA_ID_desc VQ_SPLIT_DESC
#define AREA_ID_avail VQ_SPLIT_AVAIL
#define AREA_ID_used VQ_SPLIT_USED
#define RING_FIELD(area, field, label, off, width) { AREA_ID_##area, label, #off, area##_##field##_off, width },
#include "virtio/ring_split.def"
#undef RING_FIELD
};

const char *vq_split_field_label(VqSplitArea area, uint16_t n, uint64_t o, char *buf, size_t len)
{
    for (size_t r = 0; r < ARRAY_SIZE(rows); r++) {
        if (rows[r].area != area)
            continue;
        uint64_t base = rows[r].off(n, 0);
        if (o < base)
            continue;
        uint64_t i = (o - base) / rows[r].width;
        if (strchr(rows[r].offset, 'i') ? i < n : o < base + rows[r].width) {
            const char *br = strstr(rows[r].label, "[i]");
            if (br)
                snprintf(buf, len, "%.*s[%llu]", (int)(br - rows[r].label), rows[r].label, (unsigned long long)i);
            else
                snprintf(buf, len, "%s", rows[r].label);
            return buf;
        }
    }
    snprintf(buf, len, "?");
    return buf;
}

/* Alignment of the three areas (§2.7 table) and of the legacy used ring (§2.7.2 legacy
 * interface: a page). */
enum { DESC_ALIGN = 16, AVAIL_ALIGN = 2, USED_ALIGN = 4, LEGACY_ALIGN = 4096 };

/* ---- configuration ---- */

static int split_configure(VirtQueue *vq, uint16_t size, uint64_t desc, uint64_t avail, uint64_t used, Err *err)
{
    if (size == 0 || (size & (size - 1)) || size > VQ_MAX_SIZE)
        return err_set(err, "queue size %u is not a power of 2 in 1..32768", size);
    if (desc % DESC_ALIGN || avail % AVAIL_ALIGN || used % USED_ALIGN)
        return err_set(err, "ring addresses misaligned (desc %#llx needs 16, driver %#llx 2, device %#llx 4)",
                       (unsigned long long)desc, (unsigned long long)avail, (unsigned long long)used);
    vq->size = size;
    vq->desc = desc;
    vq->driver = avail;
    vq->device = used;
    return 0;
}

static uint64_t legacy_used_off(uint16_t size)
{
    return (desc_bytes(size) + avail_bytes(size) + LEGACY_ALIGN - 1) & ~(uint64_t)(LEGACY_ALIGN - 1);
}

uint64_t vq_legacy_bytes(uint16_t size)
{
    return legacy_used_off(size) + used_bytes(size);
}

int vq_configure_legacy(VirtQueue *vq, uint16_t size, uint32_t pfn, Err *err)
{
    uint64_t desc = (uint64_t)pfn << 12;
    return vq_configure(vq, &vq_split_ops, size, desc, desc + desc_bytes(size), desc + legacy_used_off(size), err);
}

/* ---- fetching chains ---- */

static int split_pending(VirtQueue *vq, Err *err)
{
    uint16_t idx;
    if (vq_rd16(vq, avail_idx_at(vq, 0), &idx) < 0)
        return vq_break(vq, err, "avail ring at %#llx is not reachable", (unsigned long long)vq->driver);
    uint16_t n = (uint16_t)(idx - vq->split.last_avail);
    if (n > vq->size)
        return vq_break(vq, err, "avail idx %u is %u ahead of the device (%u), more than the queue size %u",
                        idx, n, vq->split.last_avail, vq->size);
    return n;
}

/* Descriptor as read from guest memory. */
typedef VqSplitDesc Desc;

static int read_desc(VirtQueue *vq, uint64_t table, uint16_t i, Desc *d)
{
    uint8_t b[desc_entry_width];
    if (vq->dma.read(vq->dma.opaque, table + desc_entry_off(vq->size, i), b, sizeof b) < 0)
        return -1;
    vq_split_desc_decode(b, d);
    return 0;
}

/* Walks the chain at head, filling e; every rule of §2.7.4.2 and §2.7.5.3 is checked. */
static int walk_chain(VirtQueue *vq, uint16_t head, VqElem *e, unsigned *ntrace, Err *err)
{
    uint64_t table = vq->desc;
    uint32_t table_n = vq->size;   /* entries in the table being walked */
    bool in_indirect = false;
    unsigned visited = 0;          /* descriptors read from the current table */
    bool seen_writable = false;
    uint16_t i = head;

    e->id = head;
    e->ndescs = 0;
    e->nseg = e->nout = 0;
    e->out_len = e->in_len = 0;
    *ntrace = 0;
    for (;;) {
        /* More reads than the table has entries means next pointers form a loop. */
        if (visited++ >= table_n)
            return vq_break(vq, err, "descriptor chain at head %u loops%s", head,
                            in_indirect ? " inside its indirect table" : "");
        Desc d;
        if (read_desc(vq, table, i, &d) < 0)
            return vq_break(vq, err, "descriptor %u at %#llx is outside guest memory", i,
                            (unsigned long long)(table + desc_entry_off(vq->size, i)));
        if (TRACE_WANTED(vq->tracer, chain_fetch)) {   /* only chain_fetch needs it */
            TraceDesc td = { .addr = d.addr, .len = d.len, .index = i, .flags = d.flags, .next = d.next };
            if (vq_note_desc(vq, ntrace, &td) < 0)
                return vq_break(vq, err, "out of host memory");
        }
        if (!in_indirect)
            e->ndescs++;

        if (d.flags & VRING_DESC_F_INDIRECT) {
            if (in_indirect)
                return vq_break(vq, err, "indirect descriptor %u inside an indirect table (head %u)", i, head);
            if (!vq->indirect)
                return vq_break(vq, err, "descriptor %u is indirect but RING_INDIRECT_DESC was not negotiated", i);
            if (d.flags & VRING_DESC_F_NEXT)
                return vq_break(vq, err, "indirect descriptor %u has NEXT set too", i);
            if (d.len == 0 || d.len % desc_entry_width)
                return vq_break(vq, err,
                                "indirect table length %u of descriptor %u is not a non-zero multiple of 16", d.len, i);
            if (!vq_range_ok(vq, d.addr, d.len))
                return vq_break(vq, err, "indirect table %#llx+%u of descriptor %u is outside guest memory",
                                (unsigned long long)d.addr, d.len, i);
            table = d.addr;
            table_n = d.len / desc_entry_width;
            in_indirect = true;
            visited = 0;
            i = 0;
            continue;
        }

        if (d.flags & VRING_DESC_F_WRITE)
            seen_writable = true;
        else if (seen_writable)
            return vq_break(vq, err, "descriptor %u is device-readable after a device-writable one (head %u)", i,
                            head);
        if (!vq_range_ok(vq, d.addr, d.len))
            return vq_break(vq, err, "buffer %#llx+%u of descriptor %u is outside guest memory",
                            (unsigned long long)d.addr, d.len, i);
        if (e->nseg >= vq->size)
            return vq_break(vq, err, "descriptor chain at head %u is longer than the queue size %u", head, vq->size);
        if (!vq_grow((void **)&e->seg, &e->cap, e->nseg + 1, sizeof *e->seg))
            return vq_break(vq, err, "out of host memory");
        e->seg[e->nseg++] = (VqSeg){ .addr = d.addr, .len = d.len, .writable = seen_writable };
        if (seen_writable)
            e->in_len += d.len;
        else {
            e->out_len += d.len;
            e->nout++;
        }
        if (e->in_len + e->out_len > UINT32_MAX)
            return vq_break(vq, err, "descriptor chain at head %u is longer than 2^32 bytes", head);

        if (!(d.flags & VRING_DESC_F_NEXT))
            return 0;
        if (d.next >= table_n)
            return vq_break(vq, err, "descriptor %u: next %u is outside the %s of %u entries", i, d.next,
                            in_indirect ? "indirect table" : "descriptor table", table_n);
        i = d.next;
    }
}

static int split_pop(VirtQueue *vq, VqElem *e, Err *err)
{
    VqSplit *s = &vq->split;
    /* Read avail->idx before the ring slot it covers (see the ordering note above). */
    int n = split_pending(vq, err);
    if (n == 0 && vq->event_idx && (!s->avail_event_valid || s->avail_event != s->last_avail)) {
        /* Drained: with event idx, ask to be notified of the next buffer (§2.7.10), as
         * vhost does when it runs out of work. While buffers remain, no notification
         * is needed, so avail_event is only moved here. */
        if (vq_wr16(vq, used_avail_event_at(vq, 0), s->last_avail) < 0)
            return vq_break(vq, err, "used ring at %#llx is outside guest memory", (unsigned long long)vq->device);
        s->avail_event = s->last_avail;
        s->avail_event_valid = true;
        TRACE(vq->tracer, avail_event_write, vq->dev_name, vq->index, s->last_avail);
    }
    if (n <= 0)
        return n;
    uint16_t slot = s->last_avail & (vq->size - 1);
    uint16_t head;
    if (vq_rd16(vq, avail_ring_at(vq, slot), &head) < 0)
        return vq_break(vq, err, "avail ring slot %u is outside guest memory", slot);
    if (head >= vq->size)
        return vq_break(vq, err, "avail ring slot %u names head %u, not below the queue size %u", slot, head,
                        vq->size);
    unsigned ntrace;
    if (walk_chain(vq, head, e, &ntrace, err) < 0)
        return -1;
    s->last_avail++;
    TRACE(vq->tracer, chain_fetch, vq->dev_name, vq->index, head, vq->tdesc, ntrace);
    return 1;
}

static bool split_is_posted(VirtQueue *vq, uint16_t id)
{
    uint16_t idx, v;
    if (vq_rd16(vq, avail_idx_at(vq, 0), &idx) < 0)
        return false;
    uint16_t n = (uint16_t)(idx - vq->split.last_avail);
    for (uint16_t k = 0; k < n && k < vq->size; k++) {
        uint16_t slot = (uint16_t)(vq->split.last_avail + k) & (vq->size - 1);
        if (vq_rd16(vq, avail_ring_at(vq, slot), &v) == 0 && v == id)
            return true;
    }
    return false;
}

/* ---- returning chains ---- */

static int split_fill(VirtQueue *vq, uint32_t id, uint16_t ndescs, uint32_t len, Err *err)
{
    (void)ndescs;   /* a split used element has no count: the chain's next fields give it */
    uint16_t slot = vq->split.used_idx & (vq->size - 1);
    uint8_t b[used_ring_width];
    st32_le(b, id);
    st32_le(b + 4, len);
    if (vq->dma.write(vq->dma.opaque, used_ring_at(vq, slot), b, sizeof b) < 0)
        return vq_break(vq, err, "used ring slot %u is outside guest memory", slot);
    vq->split.used_idx++;
    TRACE(vq->tracer, used_write, vq->dev_name, vq->index, slot, id, len);
    return 0;
}

static int split_flush(VirtQueue *vq, Err *err)
{
    VqSplit *s = &vq->split;
    if (s->published == s->used_idx)
        return 0;
    /* The used elements were written first; only now does the driver see them. */
    if (vq_wr16(vq, used_idx_at(vq, 0), s->used_idx) < 0)
        return vq_break(vq, err, "used ring at %#llx is outside guest memory", (unsigned long long)vq->device);
    s->published = s->used_idx;
    TRACE(vq->tracer, used_idx, vq->dev_name, vq->index, s->used_idx);
    return 1;
}

static bool split_need_interrupt(VirtQueue *vq)
{
    VqSplit *s = &vq->split;
    uint16_t v;
    /* NOTIFY_ON_EMPTY (§6.3, legacy): interrupt when the ring ran dry, whatever the driver
     * asked for. */
    if (vq->notify_on_empty && vq->inflight == 0 && vq_rd16(vq, avail_idx_at(vq, 0), &v) == 0 &&
        v == s->last_avail)
        return vq_decide_irq(vq, true, "notify_on_empty");
    if (!vq->event_idx) {
        if (vq_rd16(vq, avail_flags_at(vq, 0), &v) < 0)
            return vq_decide_irq(vq, true, "no_suppression");
        if (v & VRING_AVAIL_F_NO_INTERRUPT)
            return vq_decide_irq(vq, false, "flags");
        return vq_decide_irq(vq, true, "no_suppression");
    }
    /* Event idx: interrupt when used idx moved past used_event since the last interrupt.
     * The device remembers what it last signalled rather than the previous flush, so
     * several flushes between two checks still find a crossing. */
    bool valid = s->signalled_valid;
    uint16_t old = s->signalled;
    s->signalled = s->published;
    s->signalled_valid = true;
    if (!valid)
        return vq_decide_irq(vq, true, "event_idx");
    if (vq_rd16(vq, avail_used_event_at(vq, 0), &v) < 0)
        return vq_decide_irq(vq, true, "no_suppression");
    return vq_decide_irq(vq, vring_need_event(v, s->published, old), "event_idx");
}

static int split_set_notification(VirtQueue *vq, bool enable, Err *err)
{
    if (vq->event_idx) {
        /* The device may only move avail_event; disabling means leaving it behind. */
        if (!enable)
            return 0;
        uint16_t idx;
        if (vq_rd16(vq, avail_idx_at(vq, 0), &idx) < 0 || vq_wr16(vq, used_avail_event_at(vq, 0), idx) < 0)
            return vq_break(vq, err, "rings at %#llx/%#llx are outside guest memory",
                            (unsigned long long)vq->driver, (unsigned long long)vq->device);
        TRACE(vq->tracer, avail_event_write, vq->dev_name, vq->index, idx);
        return 0;
    }
    uint16_t flags = enable ? 0 : VRING_USED_F_NO_NOTIFY;
    if (vq_wr16(vq, used_flags_at(vq, 0), flags) < 0)
        return vq_break(vq, err, "used ring at %#llx is outside guest memory", (unsigned long long)vq->device);
    TRACE(vq->tracer, used_flags_write, vq->dev_name, vq->index, flags);
    return 0;
}

/* ---- the driver's stores, for the ring watch (DESIGN.md §8) ---- */

static unsigned split_driver_areas(const VirtQueue *vq, VqArea *out)
{
    out[0] = (VqArea){ vq->desc, desc_bytes(vq->size) };
    out[1] = (VqArea){ vq->driver, avail_bytes(vq->size) };
    return 2;
}

/* Reads a little-endian field back from guest memory after the store. */
static uint64_t rd(const VirtQueue *vq, uint64_t addr, unsigned size)
{
    uint8_t b[8] = { 0 };
    if (vq->dma.read(vq->dma.opaque, addr, b, size) != 0)
        return 0;
    return ldn_le(b, size);
}

static void split_decode_store(const VirtQueue *vq, uint64_t addr, unsigned size)
{
    const struct Tracer *t = vq->tracer;
    if (addr >= vq->desc && addr < vq->desc + desc_bytes(vq->size)) {
        /* One event per store, showing the whole descriptor as it now stands, so a
         * reader sees each field arrive in the order the driver wrote it. */
        uint64_t first = (addr - vq->desc) / desc_entry_width;
        uint64_t last = (addr + size - 1 - vq->desc) / desc_entry_width;
        for (uint64_t i = first; i <= last && i < vq->size && TRACE_WANTED(t, desc_write); i++) {
            /* A wide store may span two; the descriptor is read once, whole. */
            uint8_t b[desc_entry_width] = { 0 };
            if (vq->dma.read(vq->dma.opaque, desc_entry_at(vq, i), b, sizeof b) != 0)
                memset(b, 0, sizeof b);
            TRACE(t, desc_write, vq->dev_name, vq->index, (uint16_t)i, ld64_le(b + DESC_ADDR), ld32_le(b + DESC_LEN),
                  ld16_le(b + DESC_FLAGS), ld16_le(b + DESC_NEXT));
        }
        return;
    }
    uint64_t end = vq->driver + avail_bytes(vq->size);
    if (addr < vq->driver || addr >= end)
        return;
    /* A wide store may cover several fields: report each (all are 16 bits) it touches. */
    for (uint64_t a = vq->driver + ((addr - vq->driver) & ~1ull); a < addr + size && a < end; a += 2) {
        uint16_t v = (uint16_t)rd(vq, a, 2);
        if (a == avail_flags_at(vq, 0))
            TRACE(t, avail_flags_write, vq->dev_name, vq->index, v);
        else if (a == avail_idx_at(vq, 0))
            TRACE(t, avail_idx, vq->dev_name, vq->index, v);
        else if (a < avail_used_event_at(vq, 0))
            TRACE(t, avail_write, vq->dev_name, vq->index, (uint16_t)((a - avail_ring_at(vq, 0)) / avail_ring_width),
                  v);
        else
            TRACE(t, used_event_write, vq->dev_name, vq->index, v);
    }
}

/* ---- the debugger's picture ---- */

static uint64_t peek_n(VqPeekFn *peek, void *ctx, uint64_t addr, unsigned size, bool *ok)
{
    uint8_t b[8] = { 0 };
    if (peek(ctx, addr, b, size) != 0)
        *ok = false;
    return ldn_le(b, size);
}

/* Owner of the chain at avail slot s: on offer to the device until it fetched it; then
 * the device's while it holds it (the newest `inflight` fetched: virtio-net completes in
 * order); the driver's again once used. */
static VqOwner owner_of(const VirtQueue *vq, uint16_t s)
{
    uint16_t last = vq->split.last_avail;
    if ((uint16_t)(s - last) < 0x8000u)
        return VQ_OWN_AVAIL;
    if ((uint16_t)(last - s) <= vq->inflight)
        return VQ_OWN_DEVICE;
    return VQ_OWN_DRIVER;
}

static const char *slot_owner(const VirtQueue *vq, uint16_t s)
{
    static const char *const text[VQ_OWN_COUNT] = {
        [VQ_OWN_AVAIL] = "available (not fetched)",
        [VQ_OWN_DEVICE] = "device (fetched, not used)",
        [VQ_OWN_DRIVER] = "driver (used)",
    };
    return text[owner_of(vq, s)];
}

static void split_describe(const VirtQueue *vq, VqPeekFn *peek, void *ctx, FILE *f)
{
    enum { SHOW = 8 };
    bool ok = true;
    uint16_t aflags = (uint16_t)peek_n(peek, ctx, avail_flags_at(vq, 0), 2, &ok);
    uint16_t aidx = (uint16_t)peek_n(peek, ctx, avail_idx_at(vq, 0), 2, &ok);
    uint16_t uevent = (uint16_t)peek_n(peek, ctx, avail_used_event_at(vq, 0), 2, &ok);
    uint16_t uflags = (uint16_t)peek_n(peek, ctx, used_flags_at(vq, 0), 2, &ok);
    uint16_t uidx = (uint16_t)peek_n(peek, ctx, used_idx_at(vq, 0), 2, &ok);
    uint16_t aevent = (uint16_t)peek_n(peek, ctx, used_avail_event_at(vq, 0), 2, &ok);
    const VqSplit *sp = &vq->split;
    fprintf(f, "split ring of %u entries%s: desc 0x%llx, avail 0x%llx, used 0x%llx%s%s%s\n", vq->size,
            vq->ready ? "" : " (not enabled)", (unsigned long long)vq->desc, (unsigned long long)vq->driver,
            (unsigned long long)vq->device, vq->event_idx ? ", event_idx" : "", vq->indirect ? ", indirect" : "",
            vq->broken ? ", BROKEN until reset" : "");
    if (!ok) {
        fprintf(f, "  the rings are not in RAM\n");
        return;
    }
    fprintf(f, "  driver wrote: avail.flags 0x%x, avail.idx %u, used_event %u\n", aflags, aidx, uevent);
    fprintf(f, "  device wrote: used.flags 0x%x, used.idx %u, avail_event %u\n", uflags, uidx, aevent);
    fprintf(f, "  device keeps: last_avail %u, used_idx %u (published %u), in flight %u\n", sp->last_avail,
            sp->used_idx, sp->published, vq->inflight);
    uint16_t from = (uint16_t)(aidx - (aidx < SHOW ? aidx : SHOW));
    fprintf(f, "  avail ring, the newest %u of idx %u:\n", (uint16_t)(aidx - from), aidx);
    for (uint16_t s = from; s != aidx; s++) {
        uint16_t head = (uint16_t)peek_n(peek, ctx, avail_ring_at(vq, s & (vq->size - 1)), 2, &ok);
        fprintf(f, "    [%u] slot %u: head %u, %s\n", s, s & (vq->size - 1), head, slot_owner(vq, s));
        /* The chain, as the driver has written it (at most the queue size). */
        uint16_t i = head;
        for (unsigned k = 0; k < vq->size && i < vq->size; k++) {
            uint64_t d = desc_entry_at(vq, i);
            uint64_t addr = peek_n(peek, ctx, d + DESC_ADDR, 8, &ok);
            uint32_t len = (uint32_t)peek_n(peek, ctx, d + DESC_LEN, 4, &ok);
            uint16_t fl = (uint16_t)peek_n(peek, ctx, d + DESC_FLAGS, 2, &ok);
            uint16_t next = (uint16_t)peek_n(peek, ctx, d + DESC_NEXT, 2, &ok);
            char names[64];
            virtio_format_bits(VIRTIO_DOM_DESC, 0, fl, names, sizeof names);
            fprintf(f, "        desc[%u] addr 0x%llx len %u flags %s next %u\n", i, (unsigned long long)addr, len,
                    names, next);
            if (!(fl & VRING_DESC_F_NEXT))
                break;
            i = next;
        }
    }
    uint16_t ufrom = (uint16_t)(uidx - (uidx < SHOW ? uidx : SHOW));
    fprintf(f, "  used ring, the newest %u of idx %u:\n", (uint16_t)(uidx - ufrom), uidx);
    for (uint16_t s = ufrom; s != uidx; s++) {
        uint64_t e = used_ring_at(vq, s & (vq->size - 1));
        uint32_t id = (uint32_t)peek_n(peek, ctx, e, 4, &ok);
        uint32_t len = (uint32_t)peek_n(peek, ctx, e + 4, 4, &ok);
        fprintf(f, "    [%u] slot %u: id %u, len %u\n", s, s & (vq->size - 1), id, len);
    }
}

/* The picture (vq_picture.h): every avail entry the driver has written (the newest
 * `size` positions below avail.idx) gives its chain the owner of its position, oldest
 * first, so a descriptor reused by a newer chain shows the newer owner; a descriptor in
 * none that holds a buffer is being written; the used ring's
 * entries below used.idx are the driver's to read, those the device wrote but has not
 * published yet are still the device's. */
static void split_picture(const VirtQueue *vq, VqPeekFn *peek, void *ctx, VqPicture *p)
{
    bool ok = true;
    p->layout = "split";
    p->size = vq->size;
    p->shown = vq->size < VQ_PIC_MAX ? vq->size : VQ_PIC_MAX;
    p->ready = vq->ready;
    p->broken = vq->broken;
    p->event_idx = vq->event_idx;
    p->indirect = vq->indirect;
    p->desc_addr = vq->desc;
    p->driver_addr = vq->driver;
    p->device_addr = vq->device;
    p->avail_flags = (uint16_t)peek_n(peek, ctx, avail_flags_at(vq, 0), 2, &ok);
    p->avail_idx = (uint16_t)peek_n(peek, ctx, avail_idx_at(vq, 0), 2, &ok);
    p->used_event = (uint16_t)peek_n(peek, ctx, avail_used_event_at(vq, 0), 2, &ok);
    p->used_flags = (uint16_t)peek_n(peek, ctx, used_flags_at(vq, 0), 2, &ok);
    p->used_idx = (uint16_t)peek_n(peek, ctx, used_idx_at(vq, 0), 2, &ok);
    p->avail_event = (uint16_t)peek_n(peek, ctx, used_avail_event_at(vq, 0), 2, &ok);
    p->last_avail = vq->split.last_avail;
    p->dev_used_idx = vq->split.used_idx;
    p->inflight = vq->inflight;
    p->readable = ok;
    if (!ok)
        return;
    for (unsigned i = 0; i < p->shown; i++) {
        uint64_t d = desc_entry_at(vq, i);
        p->desc[i].addr = peek_n(peek, ctx, d + DESC_ADDR, 8, &ok);
        p->desc[i].len = (uint32_t)peek_n(peek, ctx, d + DESC_LEN, 4, &ok);
        p->desc[i].flags = (uint16_t)peek_n(peek, ctx, d + DESC_FLAGS, 2, &ok);
        p->desc[i].next = (uint16_t)peek_n(peek, ctx, d + DESC_NEXT, 2, &ok);
    }
    uint16_t aidx = p->avail_idx, n = vq->size;
    /* Below size, every position from 0 was written (unless the index wrapped 16 bits). */
    uint16_t written = aidx < n && vq->split.last_avail <= aidx ? aidx : n;
    for (uint16_t s = (uint16_t)(aidx - written); s != aidx; s++) {
        uint16_t slot = s & (n - 1);
        uint16_t head = (uint16_t)peek_n(peek, ctx, avail_ring_at(vq, slot), 2, &ok);
        VqOwner o = owner_of(vq, s);
        if (slot < p->shown) {
            p->avail[slot].id = head;
            p->avail[slot].owner = (uint8_t)o;
        }
        /* The chain as the driver wrote it, at most size descriptors (a loop ends). */
        uint16_t i = head;
        for (unsigned k = 0; k < n && i < p->shown; k++) {
            p->desc[i].owner = (uint8_t)o;
            p->desc[i].head = head;
            if (!(p->desc[i].flags & VRING_DESC_F_NEXT))
                break;
            i = p->desc[i].next;
        }
    }
    /* A descriptor in no offered chain that holds a buffer: the driver is filling it. */
    for (unsigned i = 0; i < p->shown; i++)
        if (p->desc[i].owner == VQ_OWN_FREE && (p->desc[i].addr || p->desc[i].len))
            p->desc[i].owner = VQ_OWN_WRITTEN;
    uint16_t published = vq->split.published, dev = vq->split.used_idx;
    uint16_t from = (uint16_t)(dev - published) > n ? published : (uint16_t)(dev - (dev < n ? dev : n));
    for (uint16_t s = from; s != dev; s++) {
        uint16_t slot = s & (n - 1);
        if (slot >= p->shown)
            continue;
        uint64_t e = used_ring_at(vq, slot);
        p->used[slot].id = (uint32_t)peek_n(peek, ctx, e, 4, &ok);
        p->used[slot].len = (uint32_t)peek_n(peek, ctx, e + 4, 4, &ok);
        p->used[slot].owner = (uint8_t)((uint16_t)(s - published) < 0x8000u ? VQ_OWN_DEVICE : VQ_OWN_DRIVER);
    }
    p->readable = ok;
}

const VqOps vq_split_ops = {
    .name = "split",
    .configure = split_configure,
    .pending = split_pending,
    .pop = split_pop,
    .fill = split_fill,
    .flush = split_flush,
    .need_interrupt = split_need_interrupt,
    .set_notification = split_set_notification,
    .is_posted = split_is_posted,
    .driver_areas = split_driver_areas,
    .decode_store = split_decode_store,
    .describe = split_describe,
    .picture = split_picture,
};
