/* Device side of the split virtqueue (virtio 1.2 §2.7); see virtqueue.h.
 *
 * Ownership: the driver owns the descriptor table, the avail ring and used_event; the
 * device owns the used ring and avail_event, and keeps its own last_avail / used_idx
 * shadows, never trusting the guest's copy of a field it owns. Every guest value is
 * checked where it is used; a violation breaks the queue until reset (Linux's BAD_RING).
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

#include <stdlib.h>

#include "ram.h"
#include "tracer.h"

/* ---- guest memory ---- */

static int ram_dma_read(void *o, uint64_t addr, void *buf, uint64_t len) { return ram_read(o, addr, buf, len); }
static int ram_dma_write(void *o, uint64_t addr, const void *buf, uint64_t len) { return ram_write(o, addr, buf, len); }
static bool ram_dma_check(void *o, uint64_t addr, uint64_t len) { return ram_contains(o, addr, len); }

VqDma vq_dma_ram(struct Ram *ram)
{
    return (VqDma){ .read = ram_dma_read, .write = ram_dma_write, .check = ram_dma_check, .opaque = ram };
}

static int rd16(VirtQueue *vq, uint64_t addr, uint16_t *v)
{
    uint8_t b[2];
    if (vq->dma.read(vq->dma.opaque, addr, b, 2) < 0)
        return -1;
    *v = ld16_le(b);
    return 0;
}

static int wr16(VirtQueue *vq, uint64_t addr, uint16_t v)
{
    uint8_t b[2];
    st16_le(b, v);
    return vq->dma.write(vq->dma.opaque, addr, b, 2);
}

/* A range is usable if it does not wrap the 64-bit space and the DMA path reaches it. */
static bool range_ok(VirtQueue *vq, uint64_t addr, uint64_t len)
{
    if (len && addr + len - 1 < addr)
        return false;
    return !vq->dma.check || len == 0 || vq->dma.check(vq->dma.opaque, addr, len);
}

/* Field addresses of the split layout (§2.7.5, §2.7.6, §2.7.8). */
static uint64_t avail_flags_at(const VirtQueue *vq) { return vq->avail; }
static uint64_t avail_idx_at(const VirtQueue *vq) { return vq->avail + 2; }
static uint64_t avail_ring_at(const VirtQueue *vq, uint16_t slot) { return vq->avail + 4 + 2u * slot; }
static uint64_t used_event_at(const VirtQueue *vq) { return vq->avail + 4 + 2u * vq->size; }
static uint64_t used_flags_at(const VirtQueue *vq) { return vq->used; }
static uint64_t used_idx_at(const VirtQueue *vq) { return vq->used + 2; }
static uint64_t used_elem_at(const VirtQueue *vq, uint16_t slot) { return vq->used + 4 + 8u * slot; }
static uint64_t avail_event_at(const VirtQueue *vq) { return vq->used + 4 + 8u * vq->size; }

/* ---- life cycle and configuration ---- */

void vq_init(VirtQueue *vq, uint16_t index, VqDma dma, const struct Tracer *t, const char *dev_name)
{
    memset(vq, 0, sizeof *vq);
    vq->index = index;
    vq->dma = dma;
    vq->tracer = t;
    vq->dev_name = dev_name;
}

void vq_destroy(VirtQueue *vq)
{
    free(vq->tdesc);
    vq->tdesc = NULL;
    vq->tdesc_cap = 0;
}

void vq_reset(VirtQueue *vq)
{
    vq->size = 0;
    vq->ready = false;
    vq->desc = vq->avail = vq->used = 0;
    vq->event_idx = vq->indirect = vq->notify_on_empty = false;
    vq->last_avail = vq->used_idx = vq->published = vq->signalled = 0;
    vq->signalled_valid = false;
    vq->avail_event_valid = false;
    vq->inflight = 0;
    vq->broken = false;
}

static int check_size(uint16_t size, Err *err)
{
    if (size == 0 || (size & (size - 1)) || size > VQ_MAX_SIZE)
        return err_set(err, "queue size %u is not a power of 2 in 1..32768", size);
    return 0;
}

int vq_configure_split(VirtQueue *vq, uint16_t size, uint64_t desc, uint64_t avail,
                       uint64_t used, Err *err)
{
    if (check_size(size, err) < 0)
        return -1;
    if (desc % 16 || avail % 2 || used % 4)
        return err_set(err, "ring addresses misaligned (desc %#llx needs 16, driver %#llx 2, device %#llx 4)",
                       (unsigned long long)desc, (unsigned long long)avail, (unsigned long long)used);
    vq->size = size;
    vq->desc = desc;
    vq->avail = avail;
    vq->used = used;
    return 0;
}

uint64_t vq_legacy_bytes(uint16_t size)
{
    uint64_t used_off = ((uint64_t)VRING_DESC_SIZE * size + 6 + 2u * size + VQ_LEGACY_ALIGN - 1)
                        & ~(uint64_t)(VQ_LEGACY_ALIGN - 1);
    return used_off + 6 + (uint64_t)VRING_USED_ELEM_SIZE * size;
}

int vq_configure_legacy(VirtQueue *vq, uint16_t size, uint32_t pfn, Err *err)
{
    if (check_size(size, err) < 0)
        return -1;
    uint64_t desc = (uint64_t)pfn << 12;
    uint64_t avail = desc + (uint64_t)VRING_DESC_SIZE * size;
    uint64_t used = (avail + 6 + 2u * size + VQ_LEGACY_ALIGN - 1) & ~(uint64_t)(VQ_LEGACY_ALIGN - 1);
    return vq_configure_split(vq, size, desc, avail, used, err);
}

void vq_set_ready(VirtQueue *vq, bool ready)
{
    vq->ready = ready && vq->size != 0;
}

void vq_elem_free(VqElem *e)
{
    free(e->seg);
    memset(e, 0, sizeof *e);
}

/* ---- fetching chains ---- */

static int broken(VirtQueue *vq, Err *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int broken(VirtQueue *vq, Err *err, const char *fmt, ...)
{
    vq->broken = true;
    if (err) {
        char msg[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        err_set(err, "queue %u: %s", vq->index, msg);
    }
    return -1;
}

int vq_avail_count(VirtQueue *vq, Err *err)
{
    uint16_t idx;
    if (vq->broken)
        return err_set(err, "queue %u is broken until reset", vq->index);
    if (!vq->ready)
        return 0;
    if (rd16(vq, avail_idx_at(vq), &idx) < 0)
        return broken(vq, err, "avail ring at %#llx is not reachable", (unsigned long long)vq->avail);
    uint16_t n = (uint16_t)(idx - vq->last_avail);
    if (n > vq->size)
        return broken(vq, err, "avail idx %u is %u ahead of the device (%u), more than the queue size %u",
                      idx, n, vq->last_avail, vq->size);
    return n;
}

static bool grow(void **p, unsigned *cap, unsigned need, size_t elsize)
{
    if (need <= *cap)
        return true;
    unsigned n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, (size_t)n * elsize);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

/* Descriptor as read from guest memory. */
typedef struct Desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
} Desc;

static int read_desc(VirtQueue *vq, uint64_t table, uint16_t i, Desc *d)
{
    uint8_t b[VRING_DESC_SIZE];
    if (vq->dma.read(vq->dma.opaque, table + (uint64_t)VRING_DESC_SIZE * i, b, sizeof b) < 0)
        return -1;
    d->addr = ld64_le(b);
    d->len = ld32_le(b + 8);
    d->flags = ld16_le(b + 12);
    d->next = ld16_le(b + 14);
    return 0;
}

static int note_desc(VirtQueue *vq, unsigned *nt, uint16_t i, const Desc *d)
{
    if (!grow((void **)&vq->tdesc, &vq->tdesc_cap, *nt + 1, sizeof *vq->tdesc))
        return -1;
    vq->tdesc[(*nt)++] = (TraceDesc){ .addr = d->addr, .len = d->len, .index = i, .flags = d->flags, .next = d->next };
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

    e->head = head;
    e->nseg = e->nout = 0;
    e->out_len = e->in_len = 0;
    *ntrace = 0;
    for (;;) {
        /* More reads than the table has entries means next pointers form a loop. */
        if (visited++ >= table_n)
            return broken(vq, err, "descriptor chain at head %u loops%s", head,
                          in_indirect ? " inside its indirect table" : "");
        Desc d;
        if (read_desc(vq, table, i, &d) < 0)
            return broken(vq, err, "descriptor %u at %#llx is outside guest memory", i,
                          (unsigned long long)(table + (uint64_t)VRING_DESC_SIZE * i));
        if (tracer_on(vq->tracer) && note_desc(vq, ntrace, i, &d) < 0)   /* only the trace needs it */
            return broken(vq, err, "out of host memory");

        if (d.flags & VRING_DESC_F_INDIRECT) {
            if (in_indirect)
                return broken(vq, err, "indirect descriptor %u inside an indirect table (head %u)", i, head);
            if (!vq->indirect)
                return broken(vq, err, "descriptor %u is indirect but RING_INDIRECT_DESC was not negotiated", i);
            if (d.flags & VRING_DESC_F_NEXT)
                return broken(vq, err, "indirect descriptor %u has NEXT set too", i);
            if (d.len == 0 || d.len % VRING_DESC_SIZE)
                return broken(vq, err, "indirect table length %u of descriptor %u is not a non-zero multiple of 16",
                              d.len, i);
            if (!range_ok(vq, d.addr, d.len))
                return broken(vq, err, "indirect table %#llx+%u of descriptor %u is outside guest memory",
                              (unsigned long long)d.addr, d.len, i);
            table = d.addr;
            table_n = d.len / VRING_DESC_SIZE;
            in_indirect = true;
            visited = 0;
            i = 0;
            continue;
        }

        if (d.flags & VRING_DESC_F_WRITE)
            seen_writable = true;
        else if (seen_writable)
            return broken(vq, err, "descriptor %u is device-readable after a device-writable one (head %u)", i, head);
        if (!range_ok(vq, d.addr, d.len))
            return broken(vq, err, "buffer %#llx+%u of descriptor %u is outside guest memory",
                          (unsigned long long)d.addr, d.len, i);
        if (e->nseg >= vq->size)
            return broken(vq, err, "descriptor chain at head %u is longer than the queue size %u", head, vq->size);
        if (!grow((void **)&e->seg, &e->cap, e->nseg + 1, sizeof *e->seg))
            return broken(vq, err, "out of host memory");
        e->seg[e->nseg++] = (VqSeg){ .addr = d.addr, .len = d.len, .writable = seen_writable };
        if (seen_writable)
            e->in_len += d.len;
        else {
            e->out_len += d.len;
            e->nout++;
        }
        if (e->in_len + e->out_len > UINT32_MAX)
            return broken(vq, err, "descriptor chain at head %u is longer than 2^32 bytes", head);

        if (!(d.flags & VRING_DESC_F_NEXT))
            return 0;
        if (d.next >= table_n)
            return broken(vq, err, "descriptor %u: next %u is outside the %s of %u entries", i, d.next,
                          in_indirect ? "indirect table" : "descriptor table", table_n);
        i = d.next;
    }
}

int vq_pop(VirtQueue *vq, VqElem *e, Err *err)
{
    /* Read avail->idx before the ring slot it covers (see the ordering note above). */
    int n = vq_avail_count(vq, err);
    /* A queue that is not enabled has no used ring to write to (§2.4.1: the device does
     * not touch a queue the driver has not set up), event idx or not. */
    if (n == 0 && vq->ready && vq->event_idx && (!vq->avail_event_valid || vq->avail_event != vq->last_avail)) {
        /* Drained: with event idx, ask to be notified of the next buffer (§2.7.10), as
         * vhost does when it runs out of work. While buffers remain, no notification
         * is needed, so avail_event is only moved here. */
        if (wr16(vq, avail_event_at(vq), vq->last_avail) < 0)
            return broken(vq, err, "used ring at %#llx is outside guest memory", (unsigned long long)vq->used);
        vq->avail_event = vq->last_avail;
        vq->avail_event_valid = true;
        TRACE(vq->tracer, avail_event_write, vq->dev_name, vq->index, vq->last_avail);
    }
    if (n <= 0)
        return n;
    uint16_t slot = vq->last_avail & (vq->size - 1);
    uint16_t head;
    if (rd16(vq, avail_ring_at(vq, slot), &head) < 0)
        return broken(vq, err, "avail ring slot %u is outside guest memory", slot);
    if (head >= vq->size)
        return broken(vq, err, "avail ring slot %u names head %u, not below the queue size %u", slot, head,
                      vq->size);
    unsigned ntrace;
    if (walk_chain(vq, head, e, &ntrace, err) < 0)
        return -1;
    vq->last_avail++;
    vq->inflight++;
    TRACE(vq->tracer, chain_fetch, vq->dev_name, vq->index, head, vq->tdesc, ntrace);
    return 1;
}

/* ---- scatter-gather copies ---- */

static int64_t copy_sg(VirtQueue *vq, const VqSeg *seg, unsigned n, uint64_t off, uint8_t *rbuf,
                       const uint8_t *wbuf, uint64_t len)
{
    uint64_t done = 0;
    for (unsigned k = 0; k < n && done < len; k++) {
        if (off >= seg[k].len) {
            off -= seg[k].len;
            continue;
        }
        uint64_t chunk = seg[k].len - off;
        if (chunk > len - done)
            chunk = len - done;
        int rc = rbuf ? vq->dma.read(vq->dma.opaque, seg[k].addr + off, rbuf + done, chunk)
                      : vq->dma.write(vq->dma.opaque, seg[k].addr + off, wbuf + done, chunk);
        if (rc < 0)
            return -1;
        done += chunk;
        off = 0;
    }
    return (int64_t)done;
}

int64_t vq_elem_read(VirtQueue *vq, const VqElem *e, uint64_t off, void *buf, uint64_t len)
{
    return copy_sg(vq, e->seg, e->nout, off, buf, NULL, len);
}

int64_t vq_elem_write(VirtQueue *vq, const VqElem *e, uint64_t off, const void *buf, uint64_t len)
{
    return copy_sg(vq, e->seg + e->nout, e->nseg - e->nout, off, NULL, buf, len);
}

/* ---- returning chains ---- */

int vq_push(VirtQueue *vq, uint16_t head, uint32_t len, Err *err)
{
    if (!vq->ready || vq->broken)
        return err_set(err, "queue %u is not usable", vq->index);
    if (vq->inflight == 0 || head >= vq->size)
        return err_set(err, "queue %u: push of head %u that was never popped", vq->index, head);
    uint16_t slot = vq->used_idx & (vq->size - 1);
    uint8_t b[VRING_USED_ELEM_SIZE];
    st32_le(b, head);
    st32_le(b + 4, len);
    if (vq->dma.write(vq->dma.opaque, used_elem_at(vq, slot), b, sizeof b) < 0)
        return broken(vq, err, "used ring slot %u is outside guest memory", slot);
    vq->used_idx++;
    vq->inflight--;
    TRACE(vq->tracer, used_write, vq->dev_name, vq->index, slot, head, len);
    return 0;
}

int vq_flush(VirtQueue *vq, Err *err)
{
    if (!vq->ready || vq->published == vq->used_idx)
        return 0;
    /* The used elements were written first; only now does the driver see them. */
    if (wr16(vq, used_idx_at(vq), vq->used_idx) < 0)
        return broken(vq, err, "used ring at %#llx is outside guest memory", (unsigned long long)vq->used);
    vq->published = vq->used_idx;
    TRACE(vq->tracer, used_idx, vq->dev_name, vq->index, vq->used_idx);
    return 0;
}

static bool decide(VirtQueue *vq, bool raise, const char *reason)
{
    if (raise)
        TRACE(vq->tracer, irq_raise, vq->dev_name, vq->index, reason);
    else
        TRACE(vq->tracer, irq_suppress, vq->dev_name, vq->index, reason);
    return raise;
}

bool vq_need_interrupt(VirtQueue *vq)
{
    uint16_t v;
    if (!vq->ready)
        return false;
    /* NOTIFY_ON_EMPTY (§6.3, legacy): interrupt when the ring ran dry, whatever the driver
     * asked for. */
    if (vq->notify_on_empty && vq->inflight == 0 && rd16(vq, avail_idx_at(vq), &v) == 0 && v == vq->last_avail)
        return decide(vq, true, "notify_on_empty");
    if (!vq->event_idx) {
        if (rd16(vq, avail_flags_at(vq), &v) < 0)
            return decide(vq, true, "no_suppression");
        if (v & VRING_AVAIL_F_NO_INTERRUPT)
            return decide(vq, false, "flags");
        return decide(vq, true, "no_suppression");
    }
    /* Event idx: interrupt when used idx moved past used_event since the last interrupt.
     * The device remembers what it last signalled rather than the previous flush, so
     * several flushes between two checks still find a crossing. */
    bool valid = vq->signalled_valid;
    uint16_t old = vq->signalled;
    vq->signalled = vq->published;
    vq->signalled_valid = true;
    if (!valid)
        return decide(vq, true, "event_idx");
    if (rd16(vq, used_event_at(vq), &v) < 0)
        return decide(vq, true, "no_suppression");
    return decide(vq, vring_need_event(v, vq->published, old), "event_idx");
}

int vq_set_notification(VirtQueue *vq, bool enable, Err *err)
{
    if (!vq->ready)
        return 0;
    if (vq->event_idx) {
        /* The device may only move avail_event; disabling means leaving it behind. */
        if (!enable)
            return 0;
        uint16_t idx;
        if (rd16(vq, avail_idx_at(vq), &idx) < 0 || wr16(vq, avail_event_at(vq), idx) < 0)
            return broken(vq, err, "rings at %#llx/%#llx are outside guest memory",
                          (unsigned long long)vq->avail, (unsigned long long)vq->used);
        TRACE(vq->tracer, avail_event_write, vq->dev_name, vq->index, idx);
        return 0;
    }
    uint16_t flags = enable ? 0 : VRING_USED_F_NO_NOTIFY;
    if (wr16(vq, used_flags_at(vq), flags) < 0)
        return broken(vq, err, "used ring at %#llx is outside guest memory", (unsigned long long)vq->used);
    TRACE(vq->tracer, used_flags_write, vq->dev_name, vq->index, flags);
    return 0;
}
