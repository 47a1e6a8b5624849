/* Unit tests of the device side of the virtqueue (sim/virtio/virtqueue.c) with the split
 * layout (sim/virtio/ring_split.c) against rings built by hand in guest RAM, the way
 * Linux's tools/virtio tests its ring code: direct, indirect and mixed chains (their
 * ids and descriptor counts), 16-bit index wrap, event idx and NO_INTERRUPT, the legacy
 * layout, every driver mistake the device must refuse without harm, and the queue
 * operations themselves: fill without flush, wrappers, the ring watch's questions, and
 * the field addresses of ring_split.def against the spec's numbers (the Python side of
 * the table is checked against the same numbers by tests/integration/test_ring_layout.sh). */
#include <CUnit/CUnit.h>
#include <stdlib.h>

#include "sim/ram.h"
#include "sim/tracer.h"
#include "sim/virtio/virtqueue.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x100000ull
#define DESC  (RAM_BASE + 0x1000)
#define AVAIL (RAM_BASE + 0x2000)
#define USED  (RAM_BASE + 0x3000)
#define BUF   (RAM_BASE + 0x10000)
#define ITAB  (RAM_BASE + 0x8000)

static Ram ram;
static VirtQueue vq;
static Err err;

/* ---- trace capture ---- */

typedef struct Seen {
    TraceEventType type;
    const char *reason;
    size_t ndesc;
    uint16_t a, b;
} Seen;
static Seen seen[64];
static unsigned nseen;
static TraceWriter *tw;
static Tracer tracer;

static void tap(void *o, const TraceEvent *ev)
{
    (void)o;
    if (nseen >= ARRAY_SIZE(seen))
        return;
    Seen s = { .type = ev->type };
    switch (ev->type) {
    case TRACE_EV_chain_fetch: s.ndesc = ev->u.chain_fetch.chain.n; s.a = ev->u.chain_fetch.head; break;
    case TRACE_EV_irq_raise: s.reason = ev->u.irq_raise.reason; break;
    case TRACE_EV_irq_suppress: s.reason = ev->u.irq_suppress.reason; break;
    case TRACE_EV_used_idx: s.a = ev->u.used_idx.idx; break;
    case TRACE_EV_used_write: s.a = ev->u.used_write.slot; s.b = (uint16_t)ev->u.used_write.id; break;
    case TRACE_EV_avail_event_write: s.a = ev->u.avail_event_write.value; break;
    case TRACE_EV_used_flags_write: s.a = ev->u.used_flags_write.flags; break;
    case TRACE_EV_desc_write: s.a = ev->u.desc_write.index; s.b = (uint16_t)ev->u.desc_write.len; break;
    case TRACE_EV_avail_write: s.a = ev->u.avail_write.slot; s.b = ev->u.avail_write.id; break;
    case TRACE_EV_avail_idx: s.a = ev->u.avail_idx.idx; break;
    case TRACE_EV_avail_flags_write: s.a = ev->u.avail_flags_write.flags; break;
    case TRACE_EV_used_event_write: s.a = ev->u.used_event_write.value; break;
    default: break;
    }
    seen[nseen++] = s;
}

static const Seen *last_seen(TraceEventType t)
{
    for (unsigned i = nseen; i-- > 0;)
        if (seen[i].type == t)
            return &seen[i];
    return NULL;
}

/* ---- ring building, as a driver would ---- */

static void put16(uint64_t a, uint16_t v) { st16_le(ram_ptr(&ram, a, 2), v); }
static uint16_t get16(uint64_t a) { return ld16_le(ram_ptr(&ram, a, 2)); }
static uint32_t get32(uint64_t a) { return ld32_le(ram_ptr(&ram, a, 4)); }

static void set_desc(uint64_t table, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    uint8_t *p = ram_ptr(&ram, table + 16u * i, 16);
    st64_le(p, addr);
    st32_le(p + 8, len);
    st16_le(p + 12, flags);
    st16_le(p + 14, next);
}

static uint16_t drv_avail_idx;
static void offer(uint16_t size, uint16_t head)
{
    put16(AVAIL + 4 + 2u * (drv_avail_idx & (size - 1)), head);
    put16(AVAIL + 2, ++drv_avail_idx);
}

static void setup(uint16_t size)
{
    memset(ram.host, 0, RAM_SIZE);
    vq_reset(&vq);
    CU_ASSERT_EQUAL_FATAL(vq_configure(&vq, &vq_split_ops, size, DESC, AVAIL, USED, &err), 0);
    vq_set_ready(&vq, true);
    drv_avail_idx = 0;
    nseen = 0;
    err.msg[0] = 0;
}

static int init(void)
{
    if (ram_init(&ram, RAM_BASE, RAM_SIZE, &err) < 0)
        return -1;
    tw = trace_open(NULL, NULL, &err);
    if (!tw)
        return -1;
    tracer_init(&tracer);
    tracer_observe(&tracer, tap, NULL, NULL);
    tracer_observe(&tracer, trace_observe, tw, NULL);
    vq_init(&vq, 3, vq_dma_ram(&ram), &tracer, "vqtest");
    return 0;
}

static int cleanup(void)
{
    vq_destroy(&vq);
    trace_close(tw, NULL);
    ram_destroy(&ram);
    return 0;
}

/* ---- tests ---- */

static void test_direct_chain(void)
{
    setup(8);
    memcpy(ram_ptr(&ram, BUF, 4), "abcd", 4);
    memcpy(ram_ptr(&ram, BUF + 0x100, 6), "efghij", 6);
    set_desc(DESC, 5, BUF, 4, VRING_DESC_F_NEXT, 2);
    set_desc(DESC, 2, BUF + 0x100, 6, VRING_DESC_F_NEXT, 7);
    set_desc(DESC, 7, BUF + 0x200, 16, VRING_DESC_F_WRITE, 0);
    offer(8, 5);

    VqElem e = { 0 };
    CU_ASSERT_EQUAL(vq_pending(&vq, &err), 1);
    CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), 1);
    CU_ASSERT_EQUAL(e.id, 5);
    CU_ASSERT_EQUAL(e.nseg, 3);
    CU_ASSERT_EQUAL(e.nout, 2);
    CU_ASSERT_EQUAL(e.out_len, 10);
    CU_ASSERT_EQUAL(e.in_len, 16);
    CU_ASSERT_TRUE(e.seg[2].writable);

    /* A read at an offset crosses from the first buffer into the second. */
    char buf[16] = { 0 };
    CU_ASSERT_EQUAL(vq_elem_read(&vq, &e, 2, buf, 5), 5);
    CU_ASSERT_NSTRING_EQUAL(buf, "cdefg", 5);
    /* Past the readable part: short count, never the writable buffer. */
    CU_ASSERT_EQUAL(vq_elem_read(&vq, &e, 8, buf, 10), 2);
    CU_ASSERT_EQUAL(vq_elem_write(&vq, &e, 4, "XYZ", 3), 3);
    CU_ASSERT_EQUAL(memcmp(ram_ptr(&ram, BUF + 0x204, 3), "XYZ", 3), 0);
    CU_ASSERT_EQUAL(vq_elem_write(&vq, &e, 10, "0123456789", 10), 6);

    const Seen *s = last_seen(TRACE_EV_chain_fetch);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->ndesc, 3);
    CU_ASSERT_EQUAL(s->a, 5);

    /* The used element is written but not visible until the flush. */
    CU_ASSERT_EQUAL(vq_push(&vq, &e, 7, &err), 0);
    CU_ASSERT_EQUAL(get32(USED + 4), 5);
    CU_ASSERT_EQUAL(get32(USED + 8), 7);
    CU_ASSERT_EQUAL(get16(USED + 2), 0);
    CU_ASSERT_EQUAL(vq_flush(&vq, &err), 1);
    CU_ASSERT_EQUAL(get16(USED + 2), 1);
    CU_ASSERT_EQUAL(last_seen(TRACE_EV_used_idx)->a, 1);

    /* Nothing more to fetch; a second push of an unpopped chain is refused. */
    CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), 0);
    CU_ASSERT_EQUAL(vq_push(&vq, &e, 0, &err), -1);
    vq_elem_free(&e);
}

static void test_indirect_and_mixed(void)
{
    setup(8);
    vq.indirect = true;
    /* A pure indirect chain: one ring descriptor pointing at a table of three. */
    set_desc(ITAB, 0, BUF, 12, VRING_DESC_F_NEXT, 2);
    set_desc(ITAB, 2, BUF + 0x40, 100, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
    set_desc(ITAB, 1, BUF + 0x100, 50, VRING_DESC_F_WRITE, 0);
    set_desc(DESC, 0, ITAB, 3 * 16, VRING_DESC_F_INDIRECT, 0);
    offer(8, 0);
    /* Mixed: a direct readable descriptor then an indirect one (§2.7.5.3.2). */
    set_desc(ITAB + 0x100, 0, BUF + 0x400, 20, VRING_DESC_F_WRITE, 0);
    set_desc(DESC, 3, BUF + 0x300, 8, VRING_DESC_F_NEXT, 4);
    set_desc(DESC, 4, ITAB + 0x100, 16, VRING_DESC_F_INDIRECT, 0);
    offer(8, 3);

    VqElem e = { 0 };
    CU_ASSERT_EQUAL_FATAL(vq_pop(&vq, &e, &err), 1);
    CU_ASSERT_EQUAL(e.id, 0);
    CU_ASSERT_EQUAL(e.nseg, 3);
    CU_ASSERT_EQUAL(e.nout, 1);
    CU_ASSERT_EQUAL(e.in_len, 150);
    CU_ASSERT_EQUAL(e.seg[1].addr, BUF + 0x40);
    CU_ASSERT_EQUAL(e.seg[2].addr, BUF + 0x100);
    /* The trace shows the indirect descriptor and the table's three. */
    CU_ASSERT_EQUAL(last_seen(TRACE_EV_chain_fetch)->ndesc, 4);

    CU_ASSERT_EQUAL_FATAL(vq_pop(&vq, &e, &err), 1);
    CU_ASSERT_EQUAL(e.id, 3);
    CU_ASSERT_EQUAL(e.nseg, 2);
    CU_ASSERT_EQUAL(e.out_len, 8);
    CU_ASSERT_EQUAL(e.in_len, 20);
    vq_elem_free(&e);
}

static void test_index_wrap(void)
{
    setup(4);
    /* Driver and device both start near the top of the 16-bit space. */
    drv_avail_idx = 65530;
    put16(AVAIL + 2, 65530);
    vq.split.last_avail = vq.split.used_idx = vq.split.published = 65530;
    for (uint16_t i = 0; i < 4; i++)
        set_desc(DESC, i, BUF + 0x100u * i, 64, VRING_DESC_F_WRITE, 0);
    VqElem e = { 0 };
    for (unsigned round = 0; round < 3; round++) {
        for (uint16_t i = 0; i < 4; i++)
            offer(4, (uint16_t)((i + round) % 4));
        CU_ASSERT_EQUAL(vq_pending(&vq, &err), 4);
        for (uint16_t i = 0; i < 4; i++) {
            CU_ASSERT_EQUAL_FATAL(vq_pop(&vq, &e, &err), 1);
            CU_ASSERT_EQUAL(e.id, (i + round) % 4);
            CU_ASSERT_EQUAL(vq_push(&vq, &e, i, &err), 0);
        }
        CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), 0);
        CU_ASSERT_EQUAL(vq_flush(&vq, &err), 1);
    }
    /* 65530 + 12 wraps to 6; slots were written modulo the size. */
    CU_ASSERT_EQUAL(get16(USED + 2), 6);
    CU_ASSERT_EQUAL(vq.split.last_avail, 6);
    CU_ASSERT_EQUAL(get32(USED + 4 + 8 * (5 & 3)), (2 + 3) % 4);
    vq_elem_free(&e);
}

static void test_event_idx_arithmetic(void)
{
    /* used_event = 0: the first buffer (idx 0 -> 1) needs an interrupt. */
    CU_ASSERT_TRUE(vring_need_event(0, 1, 0));
    /* The driver wants one when entry 5 is written, i.e. idx reaches 6. */
    CU_ASSERT_FALSE(vring_need_event(5, 5, 3));
    CU_ASSERT_TRUE(vring_need_event(5, 6, 5));
    CU_ASSERT_TRUE(vring_need_event(5, 9, 3));
    /* An event already passed before old needs nothing. */
    CU_ASSERT_FALSE(vring_need_event(10, 20, 15));
    /* Across the 16-bit wrap, both ways. */
    CU_ASSERT_TRUE(vring_need_event(65535, 1, 65534));
    CU_ASSERT_TRUE(vring_need_event(0, 2, 65535));
    CU_ASSERT_FALSE(vring_need_event(3, 2, 65530));
    CU_ASSERT_FALSE(vring_need_event(65530, 3, 65532));
    /* Nothing moved: never. */
    CU_ASSERT_FALSE(vring_need_event(7, 7, 7));
}

/* Offers, pops and pushes n single-descriptor chains, then flushes. */
static void complete(unsigned n)
{
    VqElem e = { 0 };
    for (unsigned i = 0; i < n; i++) {
        set_desc(DESC, 0, BUF, 8, VRING_DESC_F_WRITE, 0);
        offer(vq.size, 0);
        CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), 1);
        CU_ASSERT_EQUAL(vq_push(&vq, &e, 8, &err), 0);
    }
    CU_ASSERT_EQUAL(vq_flush(&vq, &err), n > 0);
    vq_elem_free(&e);
}

static void test_no_interrupt_flag(void)
{
    setup(8);
    complete(1);
    CU_ASSERT_TRUE(vq_need_interrupt(&vq));
    CU_ASSERT_STRING_EQUAL(last_seen(TRACE_EV_irq_raise)->reason, "no_suppression");
    put16(AVAIL, VRING_AVAIL_F_NO_INTERRUPT);
    complete(1);
    CU_ASSERT_FALSE(vq_need_interrupt(&vq));
    CU_ASSERT_STRING_EQUAL(last_seen(TRACE_EV_irq_suppress)->reason, "flags");
    /* With event idx the flag is ignored (§2.7.7 device requirements). */
    setup(8);
    vq.event_idx = true;
    put16(AVAIL, VRING_AVAIL_F_NO_INTERRUPT);
    complete(1);
    CU_ASSERT_TRUE(vq_need_interrupt(&vq));
}

static void test_event_idx_device(void)
{
    setup(8);
    vq.event_idx = true;
    complete(1);
    CU_ASSERT_TRUE(vq_need_interrupt(&vq));      /* first one always */
    /* The driver asks for an interrupt once entry 3 is used (idx reaches 4). */
    put16(AVAIL + 4 + 2 * 8, 3);
    complete(1);                                  /* idx 2 */
    CU_ASSERT_FALSE(vq_need_interrupt(&vq));
    CU_ASSERT_STRING_EQUAL(last_seen(TRACE_EV_irq_suppress)->reason, "event_idx");
    complete(1);                                  /* idx 3 */
    CU_ASSERT_FALSE(vq_need_interrupt(&vq));
    /* Two flushes before the next check still see the crossing of 4. */
    complete(1);
    complete(1);                                  /* idx 5 */
    CU_ASSERT_TRUE(vq_need_interrupt(&vq));
    CU_ASSERT_STRING_EQUAL(last_seen(TRACE_EV_irq_raise)->reason, "event_idx");
    complete(1);
    CU_ASSERT_FALSE(vq_need_interrupt(&vq));
}

static void test_notification_suppression(void)
{
    setup(8);
    CU_ASSERT_EQUAL(vq_set_notification(&vq, false, &err), 0);
    CU_ASSERT_EQUAL(get16(USED), VRING_USED_F_NO_NOTIFY);
    CU_ASSERT_EQUAL(last_seen(TRACE_EV_used_flags_write)->a, 1);
    CU_ASSERT_EQUAL(vq_set_notification(&vq, true, &err), 0);
    CU_ASSERT_EQUAL(get16(USED), 0);
    setup(8);
    vq.event_idx = true;
    put16(AVAIL + 2, 42);
    CU_ASSERT_EQUAL(vq_set_notification(&vq, true, &err), 0);
    CU_ASSERT_EQUAL(get16(USED + 4 + 8 * 8), 42);
    CU_ASSERT_EQUAL(last_seen(TRACE_EV_avail_event_write)->a, 42);
    CU_ASSERT_EQUAL(get16(USED), 0);
}

static void test_legacy_layout(void)
{
    vq_reset(&vq);
    CU_ASSERT_EQUAL(vq_configure_legacy(&vq, 256, 0x80001, &err), 0);
    CU_ASSERT_EQUAL(vq.desc, 0x80001000ull);
    CU_ASSERT_EQUAL(vq.driver, 0x80002000ull);
    CU_ASSERT_EQUAL(vq.device, 0x80003000ull);
    CU_ASSERT_EQUAL(vq_legacy_bytes(256), 0x2000 + 6 + 8 * 256);
    CU_ASSERT_EQUAL(vq_configure_legacy(&vq, 128, 0x80010, &err), 0);
    CU_ASSERT_EQUAL(vq.driver, 0x80010800ull);
    CU_ASSERT_EQUAL(vq.device, 0x80011000ull);
    CU_ASSERT_EQUAL(vq_configure_legacy(&vq, 100, 0x80010, &err), -1);
    CU_ASSERT_EQUAL(vq_configure(&vq, &vq_split_ops, 8, DESC + 8, AVAIL, USED, &err), -1);
}

/* Each violation: pop fails with a reason containing `why`, the queue is broken after. */
static void expect_violation(const char *why)
{
    VqElem e = { 0 };
    err.msg[0] = 0;
    CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), -1);
    if (!strstr(err.msg, why))
        fprintf(stderr, "\n  expected '%s', got '%s'\n", why, err.msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, why));
    CU_ASSERT_TRUE(vq.broken);
    CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), -1);
    CU_ASSERT_PTR_NULL(last_seen(TRACE_EV_chain_fetch));
    vq_elem_free(&e);
}

static void test_violations(void)
{
    setup(4);
    set_desc(DESC, 0, BUF, 8, VRING_DESC_F_NEXT, 1);
    set_desc(DESC, 1, BUF, 8, VRING_DESC_F_NEXT, 0);
    offer(4, 0);
    expect_violation("loops");

    setup(4);
    set_desc(DESC, 0, BUF, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
    set_desc(DESC, 1, BUF, 8, 0, 0);
    offer(4, 0);
    expect_violation("readable after a device-writable");

    setup(4);
    set_desc(DESC, 0, RAM_BASE + RAM_SIZE - 4, 8, 0, 0);
    offer(4, 0);
    expect_violation("outside guest memory");

    setup(4);
    set_desc(DESC, 0, 0xfffffffffffffff0ull, 0x100, 0, 0);
    offer(4, 0);
    expect_violation("outside guest memory");

    setup(4);
    set_desc(DESC, 0, BUF, 8, VRING_DESC_F_NEXT, 4);
    offer(4, 0);
    expect_violation("next 4 is outside");

    setup(4);
    offer(4, 4);
    expect_violation("head 4");

    setup(4);
    put16(AVAIL + 2, 5);
    expect_violation("more than the queue size");

    /* Indirect misuse. */
    setup(4);
    set_desc(DESC, 0, ITAB, 32, VRING_DESC_F_INDIRECT, 0);
    offer(4, 0);
    expect_violation("not negotiated");

    setup(4);
    vq.indirect = true;
    set_desc(DESC, 0, ITAB, 32, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
    offer(4, 0);
    expect_violation("NEXT set");

    setup(4);
    vq.indirect = true;
    set_desc(DESC, 0, ITAB, 0, VRING_DESC_F_INDIRECT, 0);
    offer(4, 0);
    expect_violation("multiple of 16");

    setup(4);
    vq.indirect = true;
    set_desc(DESC, 0, ITAB, 24, VRING_DESC_F_INDIRECT, 0);
    offer(4, 0);
    expect_violation("multiple of 16");

    setup(4);
    vq.indirect = true;
    set_desc(DESC, 0, ITAB, 32, VRING_DESC_F_INDIRECT, 0);
    set_desc(ITAB, 0, ITAB + 0x100, 16, VRING_DESC_F_INDIRECT, 0);
    offer(4, 0);
    expect_violation("inside an indirect table");

    setup(4);
    vq.indirect = true;
    set_desc(DESC, 0, ITAB, 32, VRING_DESC_F_INDIRECT, 0);
    set_desc(ITAB, 0, BUF, 8, VRING_DESC_F_NEXT, 1);
    set_desc(ITAB, 1, BUF, 8, VRING_DESC_F_NEXT, 0);
    offer(4, 0);
    expect_violation("loops inside its indirect table");

    setup(4);
    vq.indirect = true;
    set_desc(DESC, 0, RAM_BASE + RAM_SIZE - 16, 32, VRING_DESC_F_INDIRECT, 0);
    offer(4, 0);
    expect_violation("outside guest memory");

    /* Eight descriptors in an indirect table exceed a queue of four (§2.7.5.3.1). */
    setup(4);
    vq.indirect = true;
    set_desc(DESC, 0, ITAB, 8 * 16, VRING_DESC_F_INDIRECT, 0);
    for (uint16_t i = 0; i < 8; i++)
        set_desc(ITAB, i, BUF, 8, i < 7 ? VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
    offer(4, 0);
    expect_violation("longer than the queue size");

    /* The descriptor table itself outside RAM. */
    setup(4);
    CU_ASSERT_EQUAL(vq_configure(&vq, &vq_split_ops, 4, RAM_BASE + RAM_SIZE - 32, AVAIL, USED, &err), 0);
    offer(4, 3);
    expect_violation("outside guest memory");

    /* Reset clears the broken state. */
    setup(4);
    CU_ASSERT_FALSE(vq.broken);
    CU_ASSERT_EQUAL(vq_pop(&vq, &(VqElem){ 0 }, &err), 0);
}

static int refuse_read(void *o, uint64_t a, void *b, uint64_t l) { (void)o; (void)a; (void)b; (void)l; return -1; }
static int refuse_write(void *o, uint64_t a, const void *b, uint64_t l) { (void)o; (void)a; (void)b; (void)l; return -1; }

static void test_dma_refused(void)
{
    VirtQueue q;
    vq_init(&q, 0, (VqDma){ .read = refuse_read, .write = refuse_write }, NULL, "nodma");
    CU_ASSERT_EQUAL(vq_configure(&q, &vq_split_ops, 4, DESC, AVAIL, USED, &err), 0);
    vq_set_ready(&q, true);
    VqElem e = { 0 };
    CU_ASSERT_EQUAL(vq_pop(&q, &e, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not reachable"));
    vq_destroy(&q);
}

static void test_not_ready(void)
{
    setup(4);
    vq_set_ready(&vq, false);
    set_desc(DESC, 0, BUF, 8, 0, 0);
    offer(4, 0);
    VqElem e = { 0 };
    CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), 0);
    CU_ASSERT_FALSE(vq_need_interrupt(&vq));
    vq_set_ready(&vq, true);
    CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), 1);
    vq_elem_free(&e);
    /* Event idx negotiated on a queue the driver never set up (a device that polls
     * every queue at DRIVER_OK): nothing is written, the queue is not broken. */
    vq_reset(&vq);
    vq.event_idx = true;
    nseen = 0;
    CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), 0);
    CU_ASSERT_FALSE(vq.broken);
    CU_ASSERT_PTR_NULL(last_seen(TRACE_EV_avail_event_write));
    vq_elem_free(&e);
}

/* ---- the queue operations ---- */

static void test_ids_and_ndescs(void)
{
    setup(8);
    vq.indirect = true;
    CU_ASSERT_PTR_EQUAL(vq.ops, &vq_split_ops);
    /* direct: 6 -> 1 -> 4 */
    set_desc(DESC, 6, BUF, 8, VRING_DESC_F_NEXT, 1);
    set_desc(DESC, 1, BUF + 0x40, 8, VRING_DESC_F_NEXT, 4);
    set_desc(DESC, 4, BUF + 0x80, 8, VRING_DESC_F_WRITE, 0);
    offer(8, 6);
    /* indirect only: one ring descriptor, a table of three */
    set_desc(ITAB, 0, BUF, 8, VRING_DESC_F_NEXT, 1);
    set_desc(ITAB, 1, BUF + 0x40, 8, VRING_DESC_F_NEXT, 2);
    set_desc(ITAB, 2, BUF + 0x80, 8, VRING_DESC_F_WRITE, 0);
    set_desc(DESC, 2, ITAB, 3 * 16, VRING_DESC_F_INDIRECT, 0);
    offer(8, 2);
    /* mixed: a direct descriptor, then an indirect one with a table of two */
    set_desc(ITAB + 0x100, 0, BUF, 8, VRING_DESC_F_NEXT, 1);
    set_desc(ITAB + 0x100, 1, BUF + 0x40, 8, VRING_DESC_F_WRITE, 0);
    set_desc(DESC, 0, BUF + 0xc0, 4, VRING_DESC_F_NEXT, 7);
    set_desc(DESC, 7, ITAB + 0x100, 2 * 16, VRING_DESC_F_INDIRECT, 0);
    offer(8, 0);

    static const struct { uint16_t id, ndescs; unsigned nseg; } want[] = { { 6, 3, 3 }, { 2, 1, 3 }, { 0, 2, 3 } };
    VqElem e[3] = { { 0 } };
    for (unsigned k = 0; k < 3; k++) {
        CU_ASSERT_EQUAL_FATAL(vq_pop(&vq, &e[k], &err), 1);
        CU_ASSERT_EQUAL(e[k].id, want[k].id);
        CU_ASSERT_EQUAL(e[k].ndescs, want[k].ndescs);
        CU_ASSERT_EQUAL(e[k].nseg, want[k].nseg);
    }
    CU_ASSERT_EQUAL(vq_inflight(&vq), 3);
    /* Returned out of order: each used element names the element's id. */
    CU_ASSERT_EQUAL(vq_push(&vq, &e[1], 11, &err), 0);
    CU_ASSERT_EQUAL(vq_push(&vq, &e[2], 22, &err), 0);
    CU_ASSERT_EQUAL(vq_push(&vq, &e[0], 33, &err), 0);
    CU_ASSERT_EQUAL(vq_inflight(&vq), 0);
    CU_ASSERT_EQUAL(vq_unpublished(&vq), 3);
    CU_ASSERT_EQUAL(vq_flush(&vq, &err), 1);
    CU_ASSERT_EQUAL(vq_unpublished(&vq), 0);
    CU_ASSERT_EQUAL(get16(USED + 2), 3);
    CU_ASSERT_EQUAL(get32(USED + 4), 2);
    CU_ASSERT_EQUAL(get32(USED + 8), 11);
    CU_ASSERT_EQUAL(get32(USED + 12), 0);
    CU_ASSERT_EQUAL(get32(USED + 20), 6);
    CU_ASSERT_EQUAL(get32(USED + 24), 33);
    /* Nothing more to publish: 0, and no used_idx event. */
    nseen = 0;
    CU_ASSERT_EQUAL(vq_flush(&vq, &err), 0);
    CU_ASSERT_PTR_NULL(last_seen(TRACE_EV_used_idx));
    /* A fourth push has no chain in flight. */
    CU_ASSERT_EQUAL(vq_push(&vq, &e[0], 0, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "never popped"));
    for (unsigned k = 0; k < 3; k++)
        vq_elem_free(&e[k]);
}

static void test_fill_without_flush(void)
{
    setup(8);
    /* The layout's fill writes the element where the next used element goes and moves
     * past it, but the driver sees nothing until flush publishes the index. */
    CU_ASSERT_EQUAL(vq.ops->fill(&vq, 5, 1, 64, &err), 0);
    CU_ASSERT_EQUAL(get32(USED + 4), 5);
    CU_ASSERT_EQUAL(get32(USED + 8), 64);
    CU_ASSERT_EQUAL(get16(USED + 2), 0);
    const Seen *w = last_seen(TRACE_EV_used_write);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(w->a, 0);
    CU_ASSERT_EQUAL(w->b, 5);
    CU_ASSERT_PTR_NULL(last_seen(TRACE_EV_used_idx));
    /* A second fill takes the next slot; fill writes any id (checking is vq_push's). */
    CU_ASSERT_EQUAL(vq.ops->fill(&vq, 8, 1, 0, &err), 0);
    CU_ASSERT_EQUAL(get32(USED + 12), 8);
    CU_ASSERT_EQUAL(get16(USED + 2), 0);
    CU_ASSERT_EQUAL(vq_flush(&vq, &err), 1);
    CU_ASSERT_EQUAL(get16(USED + 2), 2);
    CU_ASSERT_EQUAL(last_seen(TRACE_EV_used_idx)->a, 2);
    /* A fill the DMA path refuses breaks the queue. */
    setup(4);
    CU_ASSERT_EQUAL(vq_configure(&vq, &vq_split_ops, 4, DESC, AVAIL, RAM_BASE + RAM_SIZE - 4, &err), 0);
    CU_ASSERT_EQUAL(vq.ops->fill(&vq, 0, 1, 0, &err), -1);
    CU_ASSERT_TRUE(vq.broken);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "used ring slot 0"));
}

static void test_is_posted(void)
{
    setup(8);
    set_desc(DESC, 3, BUF, 8, 0, 0);
    set_desc(DESC, 5, BUF, 8, 0, 0);
    offer(8, 3);
    offer(8, 5);
    CU_ASSERT_TRUE(vq_is_posted(&vq, 3));
    CU_ASSERT_TRUE(vq_is_posted(&vq, 5));
    CU_ASSERT_FALSE(vq_is_posted(&vq, 4));
    VqElem e = { 0 };
    CU_ASSERT_EQUAL(vq_pop(&vq, &e, &err), 1);
    CU_ASSERT_FALSE(vq_is_posted(&vq, 3));       /* fetched: no longer waiting */
    CU_ASSERT_TRUE(vq_is_posted(&vq, 5));
    /* An impossible avail idx is not a violation here: nothing is posted beyond size. */
    put16(AVAIL + 2, 200);
    CU_ASSERT_FALSE(vq_is_posted(&vq, 7));
    CU_ASSERT_FALSE(vq.broken);
    vq_elem_free(&e);
}

/* A wrapper that counts pops and flushes and passes them to the layout. */
static unsigned wrapped_pops, wrapped_flushes;
static int counting_pop(VirtQueue *q, VqElem *e, Err *er)
{
    CU_ASSERT_PTR_EQUAL(q->wrap_ctx, &wrapped_pops);
    wrapped_pops++;
    return q->ops->pop(q, e, er);
}
static int counting_flush(VirtQueue *q, Err *er)
{
    wrapped_flushes++;
    return q->ops->flush(q, er);
}
static const VqOps counting_ops = { .name = "counting", .pop = counting_pop, .flush = counting_flush };

static void test_wrapper(void)
{
    setup(8);
    vq_wrap(&vq, &counting_ops, &wrapped_pops);
    wrapped_pops = wrapped_flushes = 0;
    complete(2);                                  /* pops through the wrapper, pushes not */
    CU_ASSERT_EQUAL(wrapped_pops, 2);
    CU_ASSERT_EQUAL(wrapped_flushes, 1);
    CU_ASSERT_EQUAL(get16(USED + 2), 2);          /* the layout did the work */
    CU_ASSERT_TRUE(vq_need_interrupt(&vq));       /* not wrapped: the layout's */
    /* Unwrapped: the layout directly. */
    vq_wrap(&vq, NULL, &wrapped_pops);
    CU_ASSERT_PTR_NULL(vq.wrap_ctx);
    complete(1);
    CU_ASSERT_EQUAL(wrapped_pops, 2);
    CU_ASSERT_EQUAL(get16(USED + 2), 3);
    /* A reset forgets the layout and the wrapper. */
    vq_wrap(&vq, &counting_ops, &wrapped_pops);
    vq_reset(&vq);
    CU_ASSERT_PTR_NULL(vq.ops);
    CU_ASSERT_PTR_NULL(vq.wrap);
    vq_set_ready(&vq, true);
    CU_ASSERT_FALSE(vq_ready(&vq));               /* no layout: cannot be enabled */
}

/* The addresses the C side takes from ring_split.def, in spec numbers (§2.7.5, §2.7.6,
 * §2.7.8): desc 16*i, avail flags 0 / idx 2 / ring 4+2*i / used_event 4+2*N, used
 * flags 0 / idx 2 / ring 4+8*i / avail_event 4+8*N. */
static void test_split_addresses(void)
{
    enum { N = 16 };
    setup(N);
    VqArea a[VQ_MAX_AREAS];
    CU_ASSERT_EQUAL_FATAL(vq_driver_areas(&vq, a), 2);
    CU_ASSERT_EQUAL(a[0].base, DESC);
    CU_ASSERT_EQUAL(a[0].len, 16 * N);
    CU_ASSERT_EQUAL(a[1].base, AVAIL);
    CU_ASSERT_EQUAL(a[1].len, 4 + 2 * N + 2);

    /* The driver's stores, decoded as the ring watch asks. */
    static const struct {
        uint64_t addr;
        unsigned size;
        TraceEventType type;
        uint16_t a;
    } store[] = {
        { DESC + 16 * 5 + 8, 4, TRACE_EV_desc_write, 5 },
        { DESC + 16 * 15 + 14, 2, TRACE_EV_desc_write, 15 },
        { AVAIL + 0, 2, TRACE_EV_avail_flags_write, 1 },
        { AVAIL + 2, 2, TRACE_EV_avail_idx, 7 },
        { AVAIL + 4 + 2 * 3, 2, TRACE_EV_avail_write, 3 },
        { AVAIL + 4 + 2 * (N - 1), 2, TRACE_EV_avail_write, N - 1 },
        { AVAIL + 4 + 2 * N, 2, TRACE_EV_used_event_write, 9 },
    };
    put16(AVAIL, 1);
    put16(AVAIL + 2, 7);
    put16(AVAIL + 4 + 2 * N, 9);
    for (size_t k = 0; k < ARRAY_SIZE(store); k++) {
        nseen = 0;
        vq_decode_store(&vq, store[k].addr, store[k].size);
        CU_ASSERT_EQUAL_FATAL(nseen, 1);
        CU_ASSERT_EQUAL(seen[0].type, store[k].type);
        CU_ASSERT_EQUAL(seen[0].a, store[k].a);
    }
    /* A 4-byte store over flags and idx names both; one past the area names nothing. */
    nseen = 0;
    vq_decode_store(&vq, AVAIL, 4);
    CU_ASSERT_EQUAL(nseen, 2);
    nseen = 0;
    vq_decode_store(&vq, AVAIL + 4 + 2 * N + 2, 2);
    vq_decode_store(&vq, DESC + 16 * N, 8);
    CU_ASSERT_EQUAL(nseen, 0);

    /* The device's fields: used ring slots, used idx, avail_event, used flags. */
    for (uint16_t k = 0; k < 3; k++)
        CU_ASSERT_EQUAL(vq.ops->fill(&vq, (uint32_t)(100 + k), 1, k, &err), 0);
    CU_ASSERT_EQUAL(get32(USED + 4 + 8 * 2), 102);
    CU_ASSERT_EQUAL(get32(USED + 4 + 8 * 2 + 4), 2);
    CU_ASSERT_EQUAL(vq_flush(&vq, &err), 1);
    CU_ASSERT_EQUAL(get16(USED + 2), 3);
    CU_ASSERT_EQUAL(vq_set_notification(&vq, false, &err), 0);
    CU_ASSERT_EQUAL(get16(USED + 0), VRING_USED_F_NO_NOTIFY);
    vq.event_idx = true;
    CU_ASSERT_EQUAL(vq_set_notification(&vq, true, &err), 0);
    CU_ASSERT_EQUAL(get16(USED + 4 + 8 * N), 7);
    /* Not configured: no areas, nothing decoded. */
    vq_reset(&vq);
    CU_ASSERT_EQUAL(vq_driver_areas(&vq, a), 0);
    nseen = 0;
    vq_decode_store(&vq, AVAIL + 2, 2);
    CU_ASSERT_EQUAL(nseen, 0);
}

int suite_virtqueue(void)
{
    CU_pSuite s = CU_add_suite("virtqueue", init, cleanup);
    if (!s)
        return -1;
    CU_add_test(s, "direct chain, sg copies, push and flush", test_direct_chain);
    CU_add_test(s, "indirect and mixed chains", test_indirect_and_mixed);
    CU_add_test(s, "16-bit index wrap from 65530", test_index_wrap);
    CU_add_test(s, "vring_need_event arithmetic", test_event_idx_arithmetic);
    CU_add_test(s, "NO_INTERRUPT flag", test_no_interrupt_flag);
    CU_add_test(s, "event idx on the device", test_event_idx_device);
    CU_add_test(s, "NO_NOTIFY and avail_event", test_notification_suppression);
    CU_add_test(s, "legacy PFN layout", test_legacy_layout);
    CU_add_test(s, "driver violations", test_violations);
    CU_add_test(s, "refused DMA", test_dma_refused);
    CU_add_test(s, "queue not ready", test_not_ready);
    CU_add_test(s, "ops: ids and descriptor counts, direct and indirect", test_ids_and_ndescs);
    CU_add_test(s, "ops: fill is invisible until flush", test_fill_without_flush);
    CU_add_test(s, "ops: is_posted", test_is_posted);
    CU_add_test(s, "ops: a wrapper and the layout", test_wrapper);
    CU_add_test(s, "split field addresses (ring_split.def)", test_split_addresses);
    return CU_get_error();
}
