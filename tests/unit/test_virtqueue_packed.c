/* Unit tests of the packed virtqueue, device side (sim/virtio/ring_packed.c, virtio 1.2
 * §2.8), against rings built by hand in guest RAM as a driver would: chains and their
 * buffer ids, used descriptors and the batch whose first flags go last, wrap-around at
 * small sizes with chains crossing the ring's end, indirect tables, the driver's event
 * suppression modes (enable, disable, descriptor-specific with EVENT_IDX) and the
 * device's, every driver mistake the device refuses (the queue broken, nothing used),
 * the ring watch's events and the field addresses of ring_packed.def. */
#include <CUnit/CUnit.h>
#include <stdlib.h>

#include "sim/ram.h"
#include "sim/tracer.h"
#include "sim/virtio/virtqueue.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x100000ull
#define DESC (RAM_BASE + 0x1000)
#define DRV  (RAM_BASE + 0x2000)
#define DEV  (RAM_BASE + 0x3000)
#define ITAB (RAM_BASE + 0x8000)
#define BUF  (RAM_BASE + 0x10000)

enum { F_NEXT = 1, F_WRITE = 2, F_INDIRECT = 4, F_AVAIL = 0x80, F_USED = 0x8000 };

static Ram ram;
static VirtQueue vq;
static Err err;
static Tracer tracer;

typedef struct Seen {
    TraceEventType type;
    const char *reason;
    uint16_t a, b, c;
} Seen;
static Seen seen[256];
static unsigned nseen;

static void tap(void *o, const TraceEvent *ev)
{
    (void)o;
    if (nseen >= ARRAY_SIZE(seen))
        return;
    Seen s = { .type = ev->type };
    switch (ev->type) {
    case TRACE_EV_irq_raise: s.reason = ev->u.irq_raise.reason; break;
    case TRACE_EV_irq_suppress: s.reason = ev->u.irq_suppress.reason; break;
    case TRACE_EV_packed_chain_fetch:
        s.a = ev->u.packed_chain_fetch.pos;
        s.b = ev->u.packed_chain_fetch.id;
        s.c = (uint16_t)ev->u.packed_chain_fetch.chain.n;
        break;
    case TRACE_EV_packed_used_write: s.a = ev->u.packed_used_write.pos; s.b = ev->u.packed_used_write.id; break;
    case TRACE_EV_packed_used_flags: s.a = ev->u.packed_used_flags.pos; s.b = ev->u.packed_used_flags.flags; break;
    case TRACE_EV_device_event_write:
        s.a = ev->u.device_event_write.off_wrap;
        s.b = ev->u.device_event_write.flags;
        break;
    case TRACE_EV_packed_desc_write: s.a = ev->u.packed_desc_write.index; s.b = ev->u.packed_desc_write.flags; break;
    case TRACE_EV_packed_desc_avail: s.a = ev->u.packed_desc_avail.index; s.b = ev->u.packed_desc_avail.wrap; break;
    case TRACE_EV_driver_event_write:
        s.a = ev->u.driver_event_write.off_wrap;
        s.b = ev->u.driver_event_write.flags;
        break;
    case TRACE_EV_packed_wrap: s.a = ev->u.packed_wrap.wrap; break;
    default: break;
    }
    seen[nseen++] = s;
}

static unsigned count(TraceEventType t)
{
    unsigned n = 0;
    for (unsigned i = 0; i < nseen; i++)
        n += seen[i].type == t;
    return n;
}

static const Seen *last(TraceEventType t)
{
    for (unsigned i = nseen; i-- > 0;)
        if (seen[i].type == t)
            return &seen[i];
    return NULL;
}

static uint16_t get16(uint64_t a) { return ld16_le(ram_ptr(&ram, a, 2)); }
static uint32_t get32(uint64_t a) { return ld32_le(ram_ptr(&ram, a, 4)); }
static void put16(uint64_t a, uint16_t v) { st16_le(ram_ptr(&ram, a, 2), v); }

static void raw_desc(uint64_t table, uint16_t i, uint64_t addr, uint32_t len, uint16_t id, uint16_t flags)
{
    uint8_t *p = ram_ptr(&ram, table + 16u * i, 16);
    st64_le(p, addr);
    st32_le(p + 8, len);
    st16_le(p + 12, id);
    st16_le(p + 14, flags);
}

/* The driver's side, as §2.8.21 has it: position and wrap counter, AVAIL = wrap and
 * USED = !wrap on each descriptor, the chain's first flags written last. */
static uint16_t drv_pos;
static bool drv_wrap;

static uint16_t avail_bits(bool w) { return w ? F_AVAIL : F_USED; }

static void drv_advance(uint16_t *pos, bool *w)
{
    if (++*pos == vq.size) {
        *pos = 0;
        *w = !*w;
    }
}

/* Offers n direct buffers of 16 bytes (the last writable ones from `first_w`) as one
 * chain with buffer id. */
static void offer(unsigned n, unsigned first_w, uint16_t id)
{
    uint16_t head = drv_pos, head_flags = 0;
    for (unsigned k = 0; k < n; k++) {
        uint16_t f = (uint16_t)((k >= first_w ? F_WRITE : 0) | (k + 1 < n ? F_NEXT : 0) | avail_bits(drv_wrap));
        raw_desc(DESC, drv_pos, BUF + 0x100u * k, 16, id, 0);
        if (k == 0)
            head_flags = f;
        else
            put16(DESC + 16u * drv_pos + 14, f);
        drv_advance(&drv_pos, &drv_wrap);
    }
    put16(DESC + 16u * head + 14, head_flags);
}

static void setup(uint16_t size)
{
    memset(ram.host, 0, RAM_SIZE);
    vq_reset(&vq);
    CU_ASSERT_EQUAL_FATAL(vq_configure(&vq, &vq_packed_ops, size, DESC, DRV, DEV, &err), 0);
    vq_set_ready(&vq, true);
    drv_pos = 0;
    drv_wrap = true;
    nseen = 0;
    err.msg[0] = 0;
}

static int init(void)
{
    if (ram_init(&ram, RAM_BASE, RAM_SIZE, &err) < 0)
        return -1;
    tracer_init(&tracer);
    tracer_observe(&tracer, tap, NULL, NULL);
    vq_init(&vq, 2, vq_dma_ram(&ram), &tracer, "pktest");
    return 0;
}

static int cleanup(void)
{
    vq_destroy(&vq);
    ram_destroy(&ram);
    return 0;
}

/* ---- tests ---- */

static void test_chain_and_used(void)
{
    setup(8);
    VqElem e = { 0 };
    CU_ASSERT_EQUAL(vq_pending(&vq, &err), 0);
    CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), 0);
    offer(3, 2, 5);
    CU_ASSERT_EQUAL(vq_pending(&vq, &err), 1);
    CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), 1);
    CU_ASSERT_EQUAL(e.id, 5);
    CU_ASSERT_EQUAL(e.ndescs, 3);
    CU_ASSERT_EQUAL(e.nseg, 3);
    CU_ASSERT_EQUAL(e.nout, 2);
    CU_ASSERT_EQUAL(e.out_len, 32);
    CU_ASSERT_EQUAL(e.in_len, 16);
    CU_ASSERT_EQUAL(last(TRACE_EV_packed_chain_fetch)->c, 3);
    CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), 0);   /* nothing more */
    offer(1, 1, 6);
    VqElem e2 = { 0 };
    CU_ASSERT_EQUAL(vq_pop(&vq, &e2, &err), 1);
    CU_ASSERT_EQUAL(e2.id, 6);

    /* Two used descriptors: the first's flags wait for the flush, the second's do not. */
    CU_ASSERT_EQUAL(vq_push(&vq, &e, 16, &err), 0);
    CU_ASSERT_EQUAL(get16(DESC + 12), 5);
    CU_ASSERT_EQUAL(get32(DESC + 8), 16);
    CU_ASSERT_EQUAL(get16(DESC + 14) & (F_AVAIL | F_USED), F_AVAIL);   /* still the driver's offer */
    CU_ASSERT_EQUAL(vq_push(&vq, &e2, 0, &err), 0);
    CU_ASSERT_EQUAL(get16(DESC + 16 * 3 + 12), 6);                      /* skipped the 3-chain */
    CU_ASSERT_EQUAL(get16(DESC + 16 * 3 + 14), F_AVAIL | F_USED);       /* len 0: no WRITE */
    CU_ASSERT_EQUAL(vq_flush(&vq, &err), 1);
    CU_ASSERT_EQUAL(get16(DESC + 14), F_AVAIL | F_USED | F_WRITE);
    CU_ASSERT_EQUAL(last(TRACE_EV_packed_used_flags)->a, 0);
    CU_ASSERT_EQUAL(vq_flush(&vq, &err), 0);
    CU_ASSERT_EQUAL(vq_inflight(&vq), 0);
    vq_elem_free(&e);
    vq_elem_free(&e2);
}

/* Sizes 1, 3 and 5, chains of 1..size descriptors crossing the end, many laps: the
 * device follows the driver's wrap counter and writes used flags with its own. */
static void test_wrap_around(void)
{
    static const uint16_t sizes[] = { 1, 3, 5 };
    for (unsigned z = 0; z < ARRAY_SIZE(sizes); z++) {
        uint16_t n = sizes[z];
        setup(n);
        uint16_t used_pos = 0;
        bool used_wrap = true;
        for (unsigned round = 0; round < 40; round++) {
            unsigned len = 1 + round % n;
            offer(len, len, (uint16_t)(round % n));
            VqElem e = { 0 };
            CU_ASSERT_EQUAL_FATAL(vq_pop(&vq, &e, &err), 1);
            CU_ASSERT_EQUAL(e.ndescs, len);
            CU_ASSERT_EQUAL(e.id, round % n);
            CU_ASSERT_EQUAL(vq_push(&vq, &e, 7, &err), 0);
            CU_ASSERT_EQUAL(vq_flush(&vq, &err), 1);
            /* The used descriptor, at the device's position, with its wrap counter. */
            uint16_t f = get16(DESC + 16u * used_pos + 14);
            CU_ASSERT_EQUAL(f & (F_AVAIL | F_USED), used_wrap ? (F_AVAIL | F_USED) : 0);
            CU_ASSERT_EQUAL(get16(DESC + 16u * used_pos + 12), round % n);
            for (unsigned k = 0; k < len; k++)
                drv_advance(&used_pos, &used_wrap);
            vq_elem_free(&e);
        }
        CU_ASSERT_FALSE(vq_is_broken(&vq));
        CU_ASSERT(count(TRACE_EV_packed_wrap) >= 2);
    }
}

static void test_indirect(void)
{
    setup(4);
    vq.indirect = true;
    raw_desc(ITAB, 0, BUF, 10, 0, 0);
    raw_desc(ITAB, 1, BUF + 0x100, 20, 0, F_NEXT);        /* NEXT is ignored in a table */
    raw_desc(ITAB, 2, BUF + 0x200, 30, 0, F_WRITE);
    raw_desc(DESC, 0, ITAB, 48, 3, F_INDIRECT | F_AVAIL);
    VqElem e = { 0 };
    CU_ASSERT_EQUAL_FATAL(vq_pop(&vq, &e, &err), 1);
    CU_ASSERT_EQUAL(e.id, 3);
    CU_ASSERT_EQUAL(e.ndescs, 1);
    CU_ASSERT_EQUAL(e.nseg, 3);
    CU_ASSERT_EQUAL(e.out_len, 30);
    CU_ASSERT_EQUAL(e.in_len, 30);
    CU_ASSERT_EQUAL(last(TRACE_EV_packed_chain_fetch)->c, 4);   /* the ring's and the table's */
    CU_ASSERT_EQUAL(vq_push(&vq, &e, 30, &err), 0);
    CU_ASSERT_EQUAL(vq_flush(&vq, &err), 1);
    vq_elem_free(&e);
    /* The next chain starts at position 1: the indirect table took one slot. */
    drv_pos = 1;
    offer(1, 0, 2);
    CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), 1);
    CU_ASSERT_EQUAL(last(TRACE_EV_packed_chain_fetch)->a, 1);
    vq_elem_free(&e);
}

static const char *decided(void)
{
    const Seen *r = last(TRACE_EV_irq_raise), *s = last(TRACE_EV_irq_suppress);
    return r > s ? "raise" : "suppress";
}

static void complete_one(uint16_t id)
{
    offer(1, 0, id);
    VqElem e = { 0 };
    CU_ASSERT_EQUAL_FATAL(vq_pop(&vq, &e, &err), 1);
    CU_ASSERT_EQUAL(vq_push(&vq, &e, 0, &err), 0);
    CU_ASSERT_EQUAL(vq_flush(&vq, &err), 1);
    vq_elem_free(&e);
}

static void test_event_suppression(void)
{
    setup(8);
    /* The driver's area: ENABLE (0), DISABLE (1). */
    complete_one(0);
    CU_ASSERT_TRUE(vq_need_interrupt(&vq));
    put16(DRV + 2, 1);
    complete_one(1);
    CU_ASSERT_FALSE(vq_need_interrupt(&vq));
    CU_ASSERT_STRING_EQUAL(last(TRACE_EV_irq_suppress)->reason, "flags");
    /* DESC without EVENT_IDX is not for the driver to use: the device interrupts. */
    put16(DRV + 2, 2);
    complete_one(2);
    CU_ASSERT_TRUE(vq_need_interrupt(&vq));

    /* With EVENT_IDX: interrupt when the used descriptor at off (wrap) is written. */
    setup(4);
    vq.event_idx = true;
    put16(DRV + 2, 2);
    put16(DRV, (uint16_t)(2 | 1u << 15));      /* position 2, first lap */
    complete_one(0);
    CU_ASSERT_TRUE(vq_need_interrupt(&vq));    /* the first decision always interrupts */
    complete_one(1);
    CU_ASSERT_FALSE(vq_need_interrupt(&vq));   /* used position 1 written: not yet 2 */
    CU_ASSERT_STRING_EQUAL(decided(), "suppress");
    complete_one(2);
    CU_ASSERT_TRUE(vq_need_interrupt(&vq));    /* position 2 written */
    complete_one(3);
    CU_ASSERT_FALSE(vq_need_interrupt(&vq));
    /* Across the end: the event at position 1 of the second lap (wrap 0). */
    put16(DRV, 1);
    complete_one(0);                           /* position 0, lap 2 */
    CU_ASSERT_FALSE(vq_need_interrupt(&vq));
    complete_one(1);                           /* position 1, lap 2 */
    CU_ASSERT_TRUE(vq_need_interrupt(&vq));
    CU_ASSERT_STRING_EQUAL(last(TRACE_EV_irq_raise)->reason, "event_idx");

    /* The device's area: drained with EVENT_IDX it asks for the next position (DESC);
     * set_notification writes DISABLE, ENABLE or DESC. */
    VqElem e = { 0 };
    CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), 0);
    CU_ASSERT_EQUAL(get16(DEV + 2), 2);
    CU_ASSERT_EQUAL(get16(DEV), 2);            /* position 2, wrap 0 */
    CU_ASSERT_EQUAL(vq_set_notification(&vq, false, &err), 0);
    CU_ASSERT_EQUAL(get16(DEV + 2), 1);
    vq.event_idx = false;
    CU_ASSERT_EQUAL(vq_set_notification(&vq, true, &err), 0);
    CU_ASSERT_EQUAL(get16(DEV + 2), 0);
    CU_ASSERT_EQUAL(last(TRACE_EV_device_event_write)->b, 0);
    unsigned n = count(TRACE_EV_device_event_write);
    CU_ASSERT_EQUAL(vq_set_notification(&vq, true, &err), 0);     /* unchanged: not rewritten */
    CU_ASSERT_EQUAL(count(TRACE_EV_device_event_write), n);
    vq_elem_free(&e);
}

/* Each mistake: pop fails, the queue is broken with the named rule, nothing used. */
static void refused(const char *what)
{
    VqElem e = { 0 };
    int r = vq_pop(&vq, &e, &err);
    CU_ASSERT_EQUAL(r, -1);
    CU_ASSERT_TRUE(vq_is_broken(&vq));
    if (!strstr(err.msg, what))
        fprintf(stderr, "\nexpected '%s' in '%s'\n", what, err.msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, what));
    CU_ASSERT_EQUAL(count(TRACE_EV_packed_used_write), 0);
    CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), -1);               /* broken until reset */
    vq_elem_free(&e);
}

static void test_violations(void)
{
    /* A chain's second descriptor with the wrong wrap bits. */
    setup(4);
    raw_desc(DESC, 0, BUF, 16, 0, F_NEXT | F_AVAIL);
    raw_desc(DESC, 1, BUF, 16, 0, F_USED);
    refused("descriptor 1 of the chain at position 0 is not available");
    /* Crossing the end without flipping the wrap counter. */
    setup(2);
    complete_one(0);
    raw_desc(DESC, 1, BUF, 16, 1, F_NEXT | F_AVAIL);
    raw_desc(DESC, 0, BUF, 16, 1, F_AVAIL);                  /* should be USED (wrap 0) */
    nseen = 0;
    refused("descriptor 0 of the chain at position 1 is not available");
    /* NEXT on every descriptor: round the ring. */
    setup(3);
    for (uint16_t i = 0; i < 3; i++)
        raw_desc(DESC, i, BUF, 16, 0, F_NEXT | F_AVAIL);
    refused("loops: NEXT on all 3 descriptors");
    /* Buffer id out of range. */
    setup(4);
    raw_desc(DESC, 0, BUF, 16, 4, F_AVAIL);
    refused("buffer id 4 of the chain at position 0 is not below the queue size 4");
    /* Readable after writable. */
    setup(4);
    raw_desc(DESC, 0, BUF, 16, 0, F_WRITE | F_NEXT | F_AVAIL);
    raw_desc(DESC, 1, BUF, 16, 0, F_AVAIL);
    refused("device-readable after a device-writable one");
    /* A buffer outside RAM. */
    setup(4);
    raw_desc(DESC, 0, RAM_BASE + RAM_SIZE, 16, 0, F_AVAIL);
    refused("is outside guest memory");
    /* Indirect: not negotiated, with NEXT, in a chain, bad length, too long, nested. */
    setup(4);
    raw_desc(DESC, 0, ITAB, 16, 0, F_INDIRECT | F_AVAIL);
    refused("RING_INDIRECT_DESC was not negotiated");
    setup(4);
    vq.indirect = true;
    raw_desc(DESC, 0, ITAB, 16, 0, F_INDIRECT | F_NEXT | F_AVAIL);
    refused("has NEXT set too");
    setup(4);
    vq.indirect = true;
    raw_desc(DESC, 0, BUF, 16, 0, F_NEXT | F_AVAIL);
    raw_desc(DESC, 1, ITAB, 16, 0, F_INDIRECT | F_AVAIL);
    refused("is not the first of its chain");
    setup(4);
    vq.indirect = true;
    raw_desc(DESC, 0, ITAB, 24, 0, F_INDIRECT | F_AVAIL);
    refused("not a non-zero multiple of 16");
    setup(4);
    vq.indirect = true;
    raw_desc(DESC, 0, ITAB, 16 * 5, 0, F_INDIRECT | F_AVAIL);
    refused("5 entries, more than the queue size 4");
    setup(4);
    vq.indirect = true;
    raw_desc(ITAB, 0, BUF, 16, 0, 0);
    raw_desc(ITAB, 1, ITAB, 16, 0, F_INDIRECT);
    raw_desc(DESC, 0, ITAB, 32, 0, F_INDIRECT | F_AVAIL);
    refused("indirect descriptor 1 inside an indirect table");
    /* The ring itself outside RAM; a reset mends a broken queue. */
    setup(4);
    vq_reset(&vq);
    CU_ASSERT_EQUAL(vq_configure(&vq, &vq_packed_ops, 4, RAM_BASE + RAM_SIZE, DRV, DEV, &err), 0);
    vq_set_ready(&vq, true);
    refused("outside guest memory");
    setup(4);
    CU_ASSERT_FALSE(vq_is_broken(&vq));
    /* Configuration: any size up to 32768, alignment 16 / 4 / 4. */
    vq_reset(&vq);
    CU_ASSERT_EQUAL(vq_configure(&vq, &vq_packed_ops, 0, DESC, DRV, DEV, &err), -1);
    CU_ASSERT_EQUAL(vq_configure(&vq, &vq_packed_ops, 32769, DESC, DRV, DEV, &err), -1);
    CU_ASSERT_EQUAL(vq_configure(&vq, &vq_packed_ops, 6, DESC + 8, DRV, DEV, &err), -1);
    CU_ASSERT_EQUAL(vq_configure(&vq, &vq_packed_ops, 6, DESC, DRV + 2, DEV, &err), -1);
    CU_ASSERT_EQUAL(vq_configure(&vq, &vq_packed_ops, 6, DESC, DRV, DEV + 2, &err), -1);
    CU_ASSERT_EQUAL(vq_configure(&vq, &vq_packed_ops, 6, DESC, DRV, DEV, &err), 0);
}

static void test_is_posted_and_watch(void)
{
    setup(4);
    offer(2, 2, 3);
    offer(1, 1, 1);
    CU_ASSERT_TRUE(vq_is_posted(&vq, 3));
    CU_ASSERT_TRUE(vq_is_posted(&vq, 1));
    CU_ASSERT_FALSE(vq_is_posted(&vq, 0));
    VqElem e = { 0 };
    CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), 1);
    CU_ASSERT_FALSE(vq_is_posted(&vq, 3));
    vq_elem_free(&e);

    /* The ring watch: the descriptor ring and the driver event area. */
    VqArea a[VQ_MAX_AREAS];
    CU_ASSERT_EQUAL(vq_driver_areas(&vq, a), 2);
    CU_ASSERT_EQUAL(a[0].base, DESC);
    CU_ASSERT_EQUAL(a[0].len, 64);
    CU_ASSERT_EQUAL(a[1].base, DRV);
    CU_ASSERT_EQUAL(a[1].len, 4);
    nseen = 0;
    vq_decode_store(&vq, DESC + 16 * 3, 8);                   /* addr: not a hand-over */
    CU_ASSERT_EQUAL(count(TRACE_EV_packed_desc_write), 1);
    CU_ASSERT_EQUAL(count(TRACE_EV_packed_desc_avail), 0);
    raw_desc(DESC, 3, BUF, 16, 2, F_USED);                    /* available under wrap 0 */
    vq_decode_store(&vq, DESC + 16 * 3 + 14, 2);
    CU_ASSERT_EQUAL(count(TRACE_EV_packed_desc_avail), 1);
    CU_ASSERT_EQUAL(last(TRACE_EV_packed_desc_avail)->a, 3);
    CU_ASSERT_EQUAL(last(TRACE_EV_packed_desc_avail)->b, 0);
    put16(DRV + 2, 1);
    vq_decode_store(&vq, DRV + 2, 2);
    CU_ASSERT_EQUAL(last(TRACE_EV_driver_event_write)->b, 1);
    nseen = 0;
    vq_decode_store(&vq, DEV, 2);                             /* not the driver's */
    vq_decode_store(&vq, DESC + 16 * 4, 2);                   /* past the ring */
    CU_ASSERT_EQUAL(nseen, 0);
}

/* ring_packed.def against §2.8.13 and §2.8.14, through the layout the device uses. */
static void test_packed_addresses(void)
{
    setup(5);
    VqArea a[VQ_MAX_AREAS];
    CU_ASSERT_EQUAL(vq_driver_areas(&vq, a), 2);
    CU_ASSERT_EQUAL(a[0].len, 16 * 5);                        /* desc[i] at 16 * i */
    /* The driver event area: off_wrap at 0, flags at 2 (written and decoded). */
    put16(DRV, 0x8003);
    put16(DRV + 2, 2);
    nseen = 0;
    vq_decode_store(&vq, DRV, 4);
    CU_ASSERT_EQUAL(last(TRACE_EV_driver_event_write)->a, 0x8003);
    CU_ASSERT_EQUAL(last(TRACE_EV_driver_event_write)->b, 2);
    /* The device event area, the same shape. */
    CU_ASSERT_EQUAL(vq_set_notification(&vq, false, &err), 0);
    CU_ASSERT_EQUAL(get16(DEV + 2), 1);
    CU_ASSERT_EQUAL(get16(DEV), 0);
    /* Inside a descriptor: addr 0, len 8, id 12, flags 14. */
    raw_desc(DESC, 0, BUF + 0x40, 9, 1, F_AVAIL);
    VqElem e = { 0 };
    CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), 1);
    CU_ASSERT_EQUAL(e.seg[0].addr, BUF + 0x40);
    CU_ASSERT_EQUAL(e.seg[0].len, 9);
    CU_ASSERT_EQUAL(e.id, 1);
    vq_elem_free(&e);
}

/* Rings of seeded random bytes (a fixed xorshift, so every run tries the same): the
 * device fetches, returns and decides interrupts without reading outside what it
 * checked (ASan in check-san), and a queue it breaks stays broken. */
static uint32_t rnd_state = 20261202;
static uint32_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

static void test_random_rings(void)
{
    unsigned broken = 0, fetched = 0;
    VqElem e[8];
    memset(e, 0, sizeof e);
    for (unsigned round = 0; round < 3000; round++) {
        uint16_t n = (uint16_t)(1 + rnd() % 8);
        setup(n);
        vq.indirect = rnd() & 1;
        vq.event_idx = rnd() & 1;
        /* Descriptors and tables: addresses near and outside RAM, small lengths, flags
         * mostly AVAIL-looking so that chains get walked. */
        for (unsigned i = 0; i < n + 8u; i++) {
            uint64_t table = i < n ? DESC : ITAB;
            uint16_t k = (uint16_t)(i < n ? i : i - n);
            uint64_t addr = rnd() % 4 ? BUF + (rnd() % 0x1000) : (rnd() % 2 ? ITAB : RAM_BASE + RAM_SIZE - (rnd() % 64));
            uint16_t fl = (uint16_t)(rnd() & (F_NEXT | F_WRITE | F_INDIRECT | F_AVAIL | F_USED));
            if (rnd() % 3)
                fl = (uint16_t)((fl & ~(F_AVAIL | F_USED)) | F_AVAIL);
            raw_desc(table, k, addr, rnd() % 3 ? rnd() % 96 : rnd(), (uint16_t)(rnd() % (n + 2u)), fl);
        }
        put16(DRV, (uint16_t)rnd());
        put16(DRV + 2, (uint16_t)(rnd() % 4));
        unsigned got = 0;
        for (unsigned k = 0; k < n && got < ARRAY_SIZE(e); k++) {
            int r = vq_pop(&vq, &e[got], &err);
            if (r <= 0)
                break;
            got++;
        }
        fetched += got;
        for (unsigned k = 0; k < got; k++)
            if (vq_push(&vq, &e[k], (uint32_t)(rnd() % 64), &err) < 0)
                break;
        (void)vq_flush(&vq, &err);
        (void)vq_need_interrupt(&vq);
        (void)vq_is_posted(&vq, (uint16_t)(rnd() % n));
        if (vq_is_broken(&vq)) {
            broken++;
            CU_ASSERT_EQUAL(vq_pop(&vq, &e[0], &err), -1);
        }
    }
    for (unsigned k = 0; k < ARRAY_SIZE(e); k++)
        vq_elem_free(&e[k]);
    /* Both outcomes happen, so the test exercises the walk and the checks. */
    CU_ASSERT(broken > 100);
    CU_ASSERT(fetched > 100);
}

int suite_virtqueue_packed(void)
{
    CU_pSuite s = CU_add_suite("virtqueue_packed", init, cleanup);
    if (!s)
        return -1;
    CU_add_test(s, "chains, ids, used descriptors, batch flags last", test_chain_and_used);
    CU_add_test(s, "wrap-around at sizes 1, 3, 5", test_wrap_around);
    CU_add_test(s, "indirect tables", test_indirect);
    CU_add_test(s, "event suppression: enable, disable, desc", test_event_suppression);
    CU_add_test(s, "driver violations", test_violations);
    CU_add_test(s, "is_posted and the ring watch", test_is_posted_and_watch);
    CU_add_test(s, "packed field addresses (ring_packed.def)", test_packed_addresses);
    CU_add_test(s, "seeded random rings", test_random_rings);
    return CU_get_error();
}
