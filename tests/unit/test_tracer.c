/* Unit tests of the event stream (sim/tracer.c): an event nobody observes is never
 * built (the clock is not even read), observers get exactly the types they asked for,
 * in registration order, the interest table and the changed callback follow every
 * observe/unobserve, and the list cannot change in the middle of a dispatch. */
#include <CUnit/CUnit.h>

#include "sim/tracer.h"

static unsigned clock_reads;
static uint64_t test_now(void *ctx, uint64_t *pc)
{
    (void)ctx;
    clock_reads++;
    *pc = 0x80000000;
    return 42;
}

typedef struct Seen {
    char order[16];            /* which observer saw each event: 'a', 'b' */
    unsigned n;
    TraceEventType last;
    uint64_t vtime, pc;
} Seen;
static Seen seen;

static void obs_a(void *ctx, const TraceEvent *ev)
{
    (void)ctx;
    if (seen.n < sizeof seen.order - 1)
        seen.order[seen.n++] = 'a';
    seen.last = ev->type;
    seen.vtime = ev->vtime;
    seen.pc = ev->pc;
}

static void obs_b(void *ctx, const TraceEvent *ev)
{
    (void)ctx;
    (void)ev;
    if (seen.n < sizeof seen.order - 1)
        seen.order[seen.n++] = 'b';
}

static unsigned changes;
static void on_change(void *ctx) { (void)ctx; changes++; }

static Tracer *nested_tracer;
static int nested_rc;
static void obs_nested(void *ctx, const TraceEvent *ev)
{
    (void)ctx;
    (void)ev;
    nested_rc = tracer_observe(nested_tracer, obs_b, NULL, NULL);
}

static void reset_seen(void) { memset(&seen, 0, sizeof seen); }

static void test_unobserved_costs_nothing(void)
{
    Tracer t;
    tracer_init(&t);
    t.now = test_now;
    clock_reads = 0;
    CU_ASSERT_FALSE(tracer_on(&t));
    CU_ASSERT_FALSE(TRACE_WANTED(&t, note));
    TRACE(&t, note, "nobody listens");
    TRACE(&t, virtio_notify, "virtio-net", 1);
    CU_ASSERT_EQUAL(clock_reads, 0);
    /* A NULL tracer is off too. */
    const Tracer *none = NULL;
    TRACE(none, note, "x");
    CU_ASSERT_FALSE(tracer_wants(none, TRACE_EV_note));
}

static void test_types_and_order(void)
{
    Tracer t;
    tracer_init(&t);
    t.now = test_now;
    t.changed = on_change;
    changes = 0;
    TraceTypeSet virtio = { { 0 } };
    CU_ASSERT(trace_types_add_family(&virtio, "virtio") >= 10);
    CU_ASSERT_EQUAL(trace_types_add_family(&virtio, "no-such-family"), 0);
    CU_ASSERT_EQUAL(tracer_observe(&t, obs_a, NULL, &virtio), 0);
    CU_ASSERT_EQUAL(changes, 1);
    CU_ASSERT_TRUE(tracer_on(&t));
    CU_ASSERT_TRUE(tracer_wants(&t, TRACE_EV_virtio_status));
    CU_ASSERT_FALSE(tracer_wants(&t, TRACE_EV_mmio_read));
    CU_ASSERT_TRUE(tracer_wants_family(&t, "virtio"));
    CU_ASSERT_FALSE(tracer_wants_family(&t, "bus"));

    reset_seen();
    clock_reads = 0;
    TRACE(&t, mmio_read, 0x1000, 4, 0, "bootrom", NULL);       /* not asked for */
    CU_ASSERT_EQUAL(seen.n, 0);
    CU_ASSERT_EQUAL(clock_reads, 0);
    TRACE(&t, virtio_status, "virtio-net", 0, 1);
    CU_ASSERT_EQUAL(seen.n, 1);
    CU_ASSERT_EQUAL(seen.last, TRACE_EV_virtio_status);
    CU_ASSERT_EQUAL(seen.vtime, 42);
    CU_ASSERT_EQUAL(seen.pc, 0x80000000);
    TRACE_AT(&t, 7, 0x1234, virtio_notify, "virtio-net", 2);
    CU_ASSERT_EQUAL(seen.vtime, 7);
    CU_ASSERT_EQUAL(seen.pc, 0x1234);

    /* A second observer of everything: both, in registration order. */
    CU_ASSERT_EQUAL(tracer_observe(&t, obs_b, NULL, NULL), 0);
    CU_ASSERT_EQUAL(changes, 2);
    CU_ASSERT_TRUE(tracer_wants(&t, TRACE_EV_mmio_read));
    reset_seen();
    TRACE(&t, virtio_reset, "virtio-net");
    TRACE(&t, note, "only b");
    CU_ASSERT_STRING_EQUAL(seen.order, "abb");

    /* Removing one leaves the other; removing an absent one changes nothing. */
    tracer_unobserve(&t, obs_a, NULL);
    CU_ASSERT_EQUAL(changes, 3);
    tracer_unobserve(&t, obs_a, NULL);
    CU_ASSERT_EQUAL(changes, 3);
    reset_seen();
    TRACE(&t, virtio_reset, "virtio-net");
    CU_ASSERT_STRING_EQUAL(seen.order, "b");
    tracer_unobserve(&t, obs_b, NULL);
    CU_ASSERT_FALSE(tracer_on(&t));
    CU_ASSERT_FALSE(tracer_wants(&t, TRACE_EV_note));
}

static void test_limits(void)
{
    Tracer t;
    tracer_init(&t);
    int ctx[TRACER_MAX_OBSERVERS + 1];
    for (unsigned i = 0; i < TRACER_MAX_OBSERVERS; i++)
        CU_ASSERT_EQUAL(tracer_observe(&t, obs_b, &ctx[i], NULL), 0);
    CU_ASSERT_EQUAL(tracer_observe(&t, obs_b, &ctx[TRACER_MAX_OBSERVERS], NULL), -1);
    CU_ASSERT_EQUAL(t.want[TRACE_EV_note], TRACER_MAX_OBSERVERS);

    /* No change to the list from inside a dispatch. */
    Tracer u;
    tracer_init(&u);
    nested_tracer = &u;
    nested_rc = 0;
    CU_ASSERT_EQUAL(tracer_observe(&u, obs_nested, NULL, NULL), 0);
    TRACE(&u, note, "x");
    CU_ASSERT_EQUAL(nested_rc, -1);
    CU_ASSERT_EQUAL(u.nobs, 1);
    CU_ASSERT_FALSE(u.dispatching);
    CU_ASSERT_EQUAL(tracer_observe(&u, obs_b, NULL, NULL), 0);   /* after it: fine */
}

int suite_tracer(void)
{
    CU_pSuite s = CU_add_suite("tracer", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "an unobserved event is never built", test_unobserved_costs_nothing);
    CU_add_test(s, "observers: types, order, unobserve, changed", test_types_and_order);
    CU_add_test(s, "observer limit, no change during dispatch", test_limits);
    return CU_get_error();
}
