/* libFuzzer harness for the device side of the virtqueue (sim/virtio/virtqueue.c over
 * the split layout, ring_split.c) against an oracle written here, independently, from
 * virtio 1.2 §2.7 (split virtqueues). Any disagreement, any device write outside what
 * the spec lets a device write, any crash or sanitizer report is a finding (abort).
 *
 * The oracle knows the spec, not the code: its constants are the spec's numbers, its
 * walk of a chain is its own. For each vq_pop it decides whether the chain the driver
 * offered is one the spec allows (then the device must return exactly its buffers, in
 * order, with their directions) or one it forbids (then the device must refuse it and
 * break the queue: ringside refuses every driver violation, DESIGN.md §6). Where the
 * spec leaves the device a choice, the oracle takes the one ringside documents in
 * virtqueue.h / ring_split.c, marked "device's choice" below.
 *
 * What a device may write (§2.7.5.1 "MUST NOT write to any descriptor table entry",
 * "MUST NOT write to a device-readable buffer"; §2.7.8 the used ring is the device's):
 * used.flags (0 or VIRTQ_USED_F_NO_NOTIFY), used.idx (the number of elements it has
 * filled, no more), used.ring[used_idx % size] with the id of a chain it holds and a
 * len no larger than its writable bytes, used.avail_event (only with EVENT_IDX, where
 * it exists), and the device-writable buffers of chains it holds. Every DMA write is
 * checked against that list before it lands.
 *
 * Also checked: vq_need_interrupt must say yes where the spec says MUST (§2.7.7.2: flags
 * 0 without EVENT_IDX; §2.7.10: an element placed at used_event with it), and
 * vq_is_posted must agree with the avail ring.
 *
 * Input: byte 0 options (bit 0 EVENT_IDX, bit 1 INDIRECT_DESC, bit 2 NOTIFY_ON_EMPTY,
 * bit 3 legacy layout, bits 4-6 log2 of the queue size (at most 64), bit 7 the raw
 * size byte 1 is used instead, so configure's refusals are fuzzed too); byte 2 where
 * the used ring is (0: its place; else near the end of guest memory, partly past it);
 * then the bytes of the descriptor table, the avail ring, an indirect-table area and
 * the used ring, in that order; the rest is a script of device (and driver) steps.
 *
 * Hook for other layouts: a layout is a row of `layouts` (its VqOps, how its areas are
 * placed, its oracle's pop and write rules); the packed ring (§2.8) adds its row when
 * ring_packed.c lands. Only the split row exists today. */
#include <stdint.h>
#include <stdlib.h>

#include "sim/tracer.h"
#include "sim/virtio/virtqueue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c, ...)                                                              \
    do {                                                                           \
        if (!(c)) {                                                                \
            fprintf(stderr, "fuzz_virtqueue: " __VA_ARGS__);                       \
            fputc('\n', stderr);                                                   \
            abort();                                                               \
        }                                                                          \
    } while (0)

/* ---- guest memory: 64 KiB at G ---- */

#define G 0x80000000ull
#define MEM 0x10000u
#define ITAB (G + 0x8000)             /* where the input puts indirect tables */
#define ITAB_BYTES 0x200u
static uint8_t mem[MEM];

static bool in_mem(uint64_t a, uint64_t n) { return a >= G && n <= MEM && a - G <= MEM - n; }

/* ---- the spec's numbers (§2.7.5, §2.7.6, §2.7.8) ---- */

enum { F_NEXT = 1, F_WRITE = 2, F_INDIRECT = 4 };   /* virtq_desc.flags */
enum { AVAIL_F_NO_INTERRUPT = 1, USED_F_NO_NOTIFY = 1 };
static uint16_t r16(uint64_t a) { return (uint16_t)(mem[a - G] | mem[a - G + 1] << 8); }
static uint32_t r32(uint64_t a) { return (uint32_t)r16(a) | (uint32_t)r16(a + 2) << 16; }
static uint64_t r64(uint64_t a) { return (uint64_t)r32(a) | (uint64_t)r32(a + 4) << 32; }

/* ---- the oracle's state ---- */

typedef struct Seg {
    uint64_t addr;
    uint32_t len;
    bool w;
} Seg;

#define MAX_HELD 4
typedef struct Held {
    VqElem e;                 /* the device's element */
    uint16_t head;
    uint64_t wbytes;          /* writable bytes: the largest len it may report */
} Held;

static struct {
    uint16_t n;                  /* queue size */
    uint64_t desc, avail, used;  /* areas */
    bool event_idx, indirect;
    uint16_t last_avail;         /* chains the oracle saw fetched */
    uint16_t filled;             /* used elements filled */
    uint16_t published;          /* used.idx the device last wrote */
    uint16_t checked;            /* published at the last interrupt decision */
    Held held[MAX_HELD];
    unsigned nheld;
    bool broken;
    /* the push in progress: the used element it may write */
    bool pushing;
    uint16_t push_id;
    uint32_t push_len;
} o;

/* Whether a device write of [a, a+len) with these bytes is allowed (see the top). */
static bool write_allowed(uint64_t a, const uint8_t *b, uint64_t len)
{
    uint64_t u = o.used;
    if (a == u && len == 2)
        return (b[0] | b[1] << 8) == 0 || (b[0] | b[1] << 8) == USED_F_NO_NOTIFY;
    if (a == u + 2 && len == 2) {
        uint16_t v = (uint16_t)(b[0] | b[1] << 8);
        return v == o.filled;
    }
    if (o.pushing && a == u + 4 + 8ull * (o.filled % o.n) && len == 8) {
        uint32_t id = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        uint32_t l = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
        return id == o.push_id && l == o.push_len;
    }
    if (o.event_idx && a == u + 4 + 8ull * o.n && len == 2)
        return true;
    for (unsigned h = 0; h < o.nheld; h++) {
        const VqElem *e = &o.held[h].e;
        for (unsigned s = e->nout; s < e->nseg; s++)
            if (a >= e->seg[s].addr && len <= e->seg[s].len && a - e->seg[s].addr <= e->seg[s].len - len)
                return true;
    }
    return false;
}

static int dma_read(void *opaque, uint64_t addr, void *buf, uint64_t len)
{
    (void)opaque;
    if (!in_mem(addr, len))
        return -1;
    memcpy(buf, mem + (addr - G), len);
    return 0;
}

static int dma_write(void *opaque, uint64_t addr, const void *buf, uint64_t len)
{
    (void)opaque;
    if (!in_mem(addr, len))
        return -1;
    CHECK(write_allowed(addr, buf, len), "the device wrote %llu bytes at %#llx, where the spec lets it not",
          (unsigned long long)len, (unsigned long long)addr);
    memcpy(mem + (addr - G), buf, len);
    return 0;
}

static bool dma_check(void *opaque, uint64_t addr, uint64_t len)
{
    (void)opaque;
    return in_mem(addr, len);
}

/* ---- the oracle's walk of one chain (§2.7.4, §2.7.5, §2.7.5.3) ---- */

#define MAX_SEGS 256
typedef struct Chain {
    bool ok;
    const char *why;          /* the rule broken */
    Seg seg[MAX_SEGS];
    unsigned nseg, nout, ndescs;
} Chain;

/* A zero-length buffer is reachable anywhere: no byte of it is ever touched. */
static bool reach(uint64_t a, uint64_t len) { return len == 0 || in_mem(a, len); }

static Chain walk(uint16_t head)
{
    Chain c = { 0 };
    uint64_t table = o.desc, tn = o.n, total = 0;
    bool ind = false, seen_w = false;
    uint64_t i = head, steps = 0;
    for (;;) {
        /* more descriptors than the table holds: the next fields loop (§2.7.5.2) */
        if (steps++ >= tn)
            return c.why = "loop", c;
        uint64_t d = table + 16 * i;
        if (!reach(d, 16))
            return c.why = "descriptor unreachable", c;
        uint64_t addr = r64(d);
        uint32_t len = r32(d + 8);
        uint16_t flags = r16(d + 12), next = r16(d + 14);
        if (!ind)
            c.ndescs++;
        if (flags & F_INDIRECT) {
            if (ind)
                return c.why = "indirect inside an indirect table (§2.7.5.3.1)", c;
            if (!o.indirect)
                return c.why = "indirect without VIRTIO_F_INDIRECT_DESC (§2.7.5.3.1)", c;
            if (flags & F_NEXT)
                return c.why = "INDIRECT and NEXT both set (§2.7.5.3.1)", c;
            /* device's choice: a table is whole descriptors, at least one (Linux and
             * QEMU refuse the rest too) */
            if (len == 0 || len % 16)
                return c.why = "indirect table length", c;
            if (!reach(addr, len))
                return c.why = "indirect table unreachable", c;
            /* the WRITE bit of this descriptor is ignored (§2.7.5.3.2) */
            table = addr;
            tn = len / 16;
            ind = true;
            i = 0;
            steps = 0;
            continue;
        }
        bool w = flags & F_WRITE;
        if (!w && seen_w)
            return c.why = "readable after writable (§2.7.4.2)", c;
        seen_w |= w;
        /* device's choice: a buffer it cannot reach is refused */
        if (!reach(addr, len))
            return c.why = "buffer unreachable", c;
        /* §2.7.5.3.1: no chain longer than the queue size (data descriptors counted) */
        if (c.nseg + 1u > o.n || c.nseg + 1u > MAX_SEGS)
            return c.why = "chain longer than the queue size", c;
        c.seg[c.nseg++] = (Seg){ addr, len, w };
        c.nout += !w;
        total += len;
        /* §2.7.5.2 forbids more than 2^32 bytes; the used element's le32 len cannot
         * count 2^32 itself, so the device refuses that too (device's choice) */
        if (total > UINT32_MAX)
            return c.why = "chain of 2^32 bytes or more", c;
        if (!(flags & F_NEXT))
            return c.ok = true, c;
        if (next >= tn)
            return c.why = "next outside its table", c;
        i = next;
    }
}

/* ---- the steps ---- */

static const uint8_t *sp, *send;
static unsigned take(void) { return sp < send ? *sp++ : 0; }

static VirtQueue vq;
static Tracer tracer;
static char line[4096];

static void observe(void *ctx, const TraceEvent *ev)
{
    (void)ctx;
    trace_event_format(ev, line, sizeof line);
}

static void step_pop(void)
{
    if (o.nheld == MAX_HELD)
        return;
    /* What the driver offers now, read before the device looks. */
    uint16_t idx = r16(o.avail + 2);
    uint16_t pend = (uint16_t)(idx - o.last_avail);
    Chain c = { 0 };
    uint16_t head = 0;
    bool bad = pend > o.n;          /* more chains than descriptors: impossible */
    if (!bad && pend) {
        head = r16(o.avail + 4 + 2u * (o.last_avail % o.n));
        if (head >= o.n)
            bad = true;
        else
            c = walk(head);
        bad |= !c.ok;
    }
    Held *h = &o.held[o.nheld];
    Err err;
    int rc = vq_pop(&vq, &h->e, &err);
    if (bad) {
        CHECK(rc < 0 && vq_is_broken(&vq), "vq_pop took a chain the spec forbids (%s; head %u)",
              c.why ? c.why : "avail idx or head", head);
        o.broken = true;
        return;
    }
    if (!pend && rc < 0 && o.event_idx && !in_mem(o.used + 4 + 8ull * o.n, 2)) {
        o.broken = true;     /* drained: asking for a notification hit memory it cannot reach */
        return;
    }
    if (!pend) {
        CHECK(rc == 0, "vq_pop returned %d with nothing available (%s)", rc, rc < 0 ? err.msg : "");
        return;
    }
    CHECK(rc == 1, "vq_pop refused a chain the spec allows (head %u): %s", head, rc < 0 ? err.msg : "none");
    VqElem *e = &h->e;
    CHECK(e->id == head && e->nseg == c.nseg && e->nout == c.nout && e->ndescs == c.ndescs,
          "chain at head %u: device id %u, %u segments (%u readable), %u descriptors; spec %u, %u (%u), %u", head,
          e->id, e->nseg, e->nout, e->ndescs, head, c.nseg, c.nout, c.ndescs);
    uint64_t in = 0, out = 0;
    for (unsigned s = 0; s < c.nseg; s++) {
        CHECK(e->seg[s].addr == c.seg[s].addr && e->seg[s].len == c.seg[s].len && e->seg[s].writable == c.seg[s].w,
              "chain at head %u: segment %u differs", head, s);
        if (c.seg[s].w)
            in += c.seg[s].len;
        else
            out += c.seg[s].len;
    }
    CHECK(e->in_len == in && e->out_len == out, "chain at head %u: byte counts differ", head);
    h->head = head;
    h->wbytes = in;
    o.nheld++;
    o.last_avail++;
}

/* The device uses the oldest chain it holds: reads it, writes part of its writable
 * buffers, returns it with the bytes written. */
static void step_push(unsigned arg)
{
    if (!o.nheld)
        return;
    Held *h = &o.held[0];
    uint8_t buf[256];
    int64_t got = vq_elem_read(&vq, &h->e, arg, buf, sizeof buf);
    CHECK(got >= 0, "reading a chain it holds failed");
    uint64_t want = h->wbytes > arg % 300 ? arg % 300 : h->wbytes;
    memset(buf, 0xa5, sizeof buf);
    int64_t put = vq_elem_write(&vq, &h->e, 0, buf, want > sizeof buf ? sizeof buf : want);
    CHECK(put >= 0 && (uint64_t)put == (want > sizeof buf ? sizeof buf : want), "writing a chain it holds");
    o.pushing = true;
    o.push_id = h->head;
    o.push_len = (uint32_t)put;
    Err err;
    int rc = vq_push(&vq, &h->e, (uint32_t)put, &err);
    o.pushing = false;
    if (rc < 0) {
        /* only a used ring the device cannot reach may fail it */
        CHECK(!in_mem(o.used + 4 + 8ull * (o.filled % o.n), 8), "vq_push failed: %s", err.msg);
        o.broken = true;
        return;
    }
    o.filled++;
    vq_elem_free(&h->e);
    memmove(&o.held[0], &o.held[1], (o.nheld - 1) * sizeof o.held[0]);
    memset(&o.held[--o.nheld], 0, sizeof o.held[0]);
}

static void step_flush(void)
{
    Err err;
    int rc = vq_flush(&vq, &err);
    if (rc < 0) {
        CHECK(!in_mem(o.used + 2, 2), "vq_flush failed: %s", err.msg);
        o.broken = true;
        return;
    }
    CHECK(rc == (o.published != o.filled), "vq_flush said %d with %u filled, %u published", rc, o.filled,
          o.published);
    o.published = o.filled;
}

static void step_interrupt(void)
{
    bool must;
    if (!o.event_idx) {
        must = o.published != o.checked && r16(o.avail) == 0;   /* §2.7.7.2 */
    } else {
        /* §2.7.10: an element placed at index used_event since the last decision */
        uint16_t ue = r16(o.avail + 4 + 2u * o.n);
        must = (uint16_t)(ue - o.checked) < (uint16_t)(o.published - o.checked);
    }
    bool said = vq_need_interrupt(&vq);
    CHECK(said || !must, "vq_need_interrupt said no where the spec says MUST (published %u, last %u)", o.published,
          o.checked);
    o.checked = o.published;
}

static void step_posted(unsigned id)
{
    uint16_t idx = r16(o.avail + 2), pend = (uint16_t)(idx - o.last_avail);
    if (pend > o.n)
        return;
    bool posted = false;
    for (uint16_t k = 0; k < pend; k++)
        posted |= r16(o.avail + 4 + 2u * ((uint16_t)(o.last_avail + k) % o.n)) == id;
    CHECK(vq_is_posted(&vq, (uint16_t)id) == posted, "vq_is_posted(%u) disagrees with the avail ring", id);
}

/* The driver moves: a new avail idx, or one byte of its areas changed. */
static void step_driver(unsigned a, unsigned b)
{
    if (a & 1) {
        mem[o.avail + 2 - G] = (uint8_t)b;
        return;
    }
    uint64_t span = 16ull * o.n + 6 + 2ull * o.n;
    uint64_t at = (a << 8 | b) % span;
    uint64_t addr = at < 16ull * o.n ? o.desc + at : o.avail + (at - 16ull * o.n);
    mem[addr - G] ^= (uint8_t)(b | 1);
}

typedef struct Layout {
    const char *name;
    const VqOps *ops;
} Layout;
/* The packed ring adds { "packed", &vq_packed_ops } with its own oracle. */
static const Layout layouts[] = { { "split", &vq_split_ops } };

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

static void fill(uint64_t at, uint64_t len)
{
    for (uint64_t k = 0; k < len && sp < send && in_mem(at + k, 1); k++)
        mem[at + k - G] = *sp++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    sp = data + 3;
    send = data + size;
    memset(mem, 0, sizeof mem);
    memset(&o, 0, sizeof o);
    unsigned opt = data[0];
    unsigned lg = (opt >> 4) & 7;
    uint16_t n = opt & 0x80 ? data[1] : (uint16_t)(1u << (lg > 6 ? 6 : lg));
    bool legacy = opt & 8;
    const Layout *L = &layouts[0];

    static bool observing;
    if (!observing) {
        tracer_init(&tracer);
        tracer_observe(&tracer, observe, NULL, NULL);
        observing = true;
    }
    vq_init(&vq, 0, (VqDma){ dma_read, dma_write, dma_check, NULL }, &tracer, "fuzz");
    Err err;
    int rc;
    /* §2.7: the descriptor table 16-aligned, avail 2, used 4; legacy: contiguous, the
     * used ring on the next 4096 boundary (§2.7.2 legacy interface). */
    o.desc = G;
    if (legacy) {
        o.avail = G + 16ull * n;
        o.used = G + align_up(16ull * n + 6 + 2ull * n, 4096);
        rc = vq_configure_legacy(&vq, n, (uint32_t)(G >> 12), &err);
    } else {
        o.avail = G + 0x1000;
        o.used = data[2] ? G + MEM - 4ull * data[2] : G + 0x2000;
        rc = vq_configure(&vq, L->ops, n, o.desc, o.avail, o.used, &err);
    }
    bool pow2 = n && !(n & (n - 1));
    CHECK((rc == 0) == pow2, "configure of a queue of %u %s", n, rc == 0 ? "accepted" : "refused");
    if (rc < 0) {
        vq_destroy(&vq);
        return 0;
    }
    o.n = n;
    o.event_idx = vq.event_idx = opt & 1;
    o.indirect = vq.indirect = opt & 2;
    vq.notify_on_empty = opt & 4;
    vq_set_ready(&vq, true);
    fill(o.desc, 16ull * n);
    fill(o.avail, 6 + 2ull * n);
    fill(ITAB, ITAB_BYTES);
    fill(o.used, 6 + 8ull * n);
    if (!in_mem(o.avail, 6 + 2ull * n))
        o.broken = true;     /* not reached by this harness's placements */

    for (unsigned steps = 0; sp < send && steps < 256 && !o.broken; steps++) {
        unsigned s = take();
        switch (s % 8) {
        case 0: case 1: step_pop(); break;
        case 2: step_push(take()); break;
        case 3: step_flush(); break;
        case 4: step_interrupt(); break;
        case 5: {
            Err e2;
            if (vq_set_notification(&vq, s & 8, &e2) < 0) {
                CHECK(!in_mem(o.used, 4 + 8ull * n + 2), "vq_set_notification failed: %s", e2.msg);
                o.broken = true;
            }
            break;
        }
        case 6: step_posted(take() % (n + 1u)); break;
        default: { unsigned a = take(); step_driver(a, take()); break; }
        }
        if (s & 0x80) {
            /* the observers' questions change nothing */
            VqArea areas[VQ_MAX_AREAS];
            unsigned na = vq_driver_areas(&vq, areas);
            for (unsigned k = 0; k < na; k++)
                vq_decode_store(&vq, areas[k].base + (s % 7), 1 + (s & 7));
        }
    }
    for (unsigned h = 0; h < MAX_HELD; h++)
        vq_elem_free(&o.held[h].e);
    vq_destroy(&vq);
    return 0;
}
