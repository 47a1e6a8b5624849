/* Unit tests of device-side fault injection (sim/virtio/fault.c) through the virtio
 * core with a bare device of two 8-entry queues over RAM: option parsing, FEATURES_OK
 * refused, NEEDS_RESET with a config interrupt at an exact virtual time, a silent
 * device, and the bogus used id (in range, never fetched, not waiting in the avail
 * ring; injected once, alongside a genuine completion, noted before it is written).
 * Faults wrap the device's and the queues' operations: the device's own operations
 * still run under them, and detaching leaves the core behaving as it did before. */
#include <CUnit/CUnit.h>

#include "sim/events.h"
#include "sim/ram.h"
#include "sim/tracer.h"
#include "sim/virtio/fault.h"
#include "sim/virtio/virtio.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x10000ull
#define QSZ 8
#define DESC (RAM_BASE + 0x1000)
#define AVAIL (RAM_BASE + 0x2000)
#define USED (RAM_BASE + 0x3000)
#define BUF (RAM_BASE + 0x4000)

static Ram ram;
static VirtioDevice vd;
static VirtioFault fault;
static bool attached;            /* fault is attached to vd */
static EventQueue evq;
static TraceWriter *tw;
static Tracer tracer;
static char last_error[256], last_note[256];
static unsigned irq_updates;
static Err err;
static TraceEventType order[16];     /* the first event types after mark() */
static unsigned norder;

static void mark(void) { norder = 0; }

static void tap(void *o, const TraceEvent *ev)
{
    (void)o;
    if (norder < ARRAY_SIZE(order))
        order[norder++] = ev->type;
    if (ev->type == TRACE_EV_virtio_error)
        snprintf(last_error, sizeof last_error, "%s", ev->u.virtio_error.reason);
    if (ev->type == TRACE_EV_note)
        snprintf(last_note, sizeof last_note, "%s", ev->u.note.text);
}

static void update_irq(VirtioDevice *d) { (void)d; irq_updates++; }

/* The device model's own operations, to see that a fault's wrappers still call them. */
static unsigned dev_validates, dev_resets;
static bool dev_refuses;
static int dev_validate(VirtioDevice *d, uint64_t f, Err *e)
{
    (void)d;
    (void)f;
    dev_validates++;
    return dev_refuses ? err_set(e, "the device's own refusal") : 0;
}
static void dev_reset(VirtioDevice *d) { (void)d; dev_resets++; }
static const VirtioDeviceOps dev_ops = { .validate_features = dev_validate, .reset = dev_reset };
static const VirtioDeviceOps *model_ops;   /* NULL: a bare device */

static uint16_t rd16(uint64_t a) { return ld16_le(ram_ptr(&ram, a, 2)); }
static uint32_t rd32(uint64_t a) { return ld32_le(ram_ptr(&ram, a, 4)); }
static void wr16(uint64_t a, uint16_t v) { st16_le(ram_ptr(&ram, a, 2), v); }

static void detach(void)
{
    if (attached)
        virtio_fault_destroy(&fault, &evq);
    attached = false;
}

/* A device with fault spec (NULL: none), driver live with queue 0 enabled. */
static void make(const char *spec)
{
    if (vd.vq) {
        detach();
        virtio_destroy(&vd);
    }
    memset(ram.host, 0, RAM_SIZE);
    events_init(&evq);
    last_error[0] = last_note[0] = 0;
    irq_updates = 0;
    VirtioDeviceInfo info = { .name = "dummy", .device_id = 1, .num_queues = 2, .queue_size = QSZ,
                              .features = 1ull << VIRTIO_F_VERSION_1, .config_size = 0 };
    CU_ASSERT_FATAL(virtio_init(&vd, &info, model_ops, &err) == 0);
    VirtioTransport t = { .dma = vq_dma_ram(&ram), .update_irq = update_irq };
    virtio_set_transport(&vd, &t);
    virtio_set_tracer(&vd, &tracer);
    if (spec) {
        CU_ASSERT_FATAL(virtio_fault_parse(spec, &fault, &err) == 0);
        CU_ASSERT_FATAL(virtio_fault_attach(&fault, &vd, &evq, &err) == 0);
        attached = true;
    }
    virtio_write_status(&vd, 1, false);
    virtio_write_status(&vd, 3, false);
    virtio_write_driver_features(&vd, 1, 1);   /* VERSION_1 */
    virtio_write_status(&vd, 0xb, false);
    virtio_queue_set_size(&vd, 0, QSZ);
    virtio_queue_set_addr(&vd, 0, 0, DESC);
    virtio_queue_set_addr(&vd, 0, 1, AVAIL);
    virtio_queue_set_addr(&vd, 0, 2, USED);
    virtio_queue_enable(&vd, 0);
}

static void driver_ok(void) { virtio_write_status(&vd, 0xf, false); }

/* The driver makes head available (a one-descriptor chain of 64 readable bytes). */
static void post(uint16_t head)
{
    uint8_t *d = ram_ptr(&ram, DESC + 16u * head, 16);
    st64_le(d, BUF);
    st32_le(d + 8, 64);
    st16_le(d + 12, 0);
    st16_le(d + 14, 0);
    uint16_t idx = rd16(AVAIL + 2);
    wr16(AVAIL + 4 + 2u * (idx % QSZ), head);
    wr16(AVAIL + 2, (uint16_t)(idx + 1));
}

static void test_parse(void)
{
    VirtioFault f;
    CU_ASSERT(virtio_fault_parse("silent", &f, &err) == 0 && f.kind == VFAULT_SILENT);
    CU_ASSERT(virtio_fault_parse("refuse-features-ok", &f, &err) == 0 && f.kind == VFAULT_REFUSE_FEATURES_OK);
    CU_ASSERT(virtio_fault_parse("needs-reset@0x100", &f, &err) == 0 && f.kind == VFAULT_NEEDS_RESET && f.at == 256);
    CU_ASSERT(virtio_fault_parse("bogus-used-id", &f, &err) == 0 && f.kind == VFAULT_BOGUS_USED_ID && f.at == 0);
    CU_ASSERT(virtio_fault_parse("bogus-used-id@3", &f, &err) == 0 && f.at == 3);
    CU_ASSERT(virtio_fault_parse("needs-reset", &f, &err) < 0 && strstr(err.msg, "needs a virtual time"));
    CU_ASSERT(virtio_fault_parse("needs-reset@-1", &f, &err) < 0 && strstr(err.msg, "not a number"));
    CU_ASSERT(virtio_fault_parse("needs-reset@12x", &f, &err) < 0);
    CU_ASSERT(virtio_fault_parse("silent@5", &f, &err) < 0 && strstr(err.msg, "takes no"));
    CU_ASSERT(virtio_fault_parse("silentx", &f, &err) < 0 && strstr(err.msg, "unknown fault"));
    CU_ASSERT(virtio_fault_parse("", &f, &err) < 0);
}

static void test_refuse_features_ok(void)
{
    make(NULL);
    CU_ASSERT_EQUAL(vd.status, 0xb);
    make("refuse-features-ok");
    CU_ASSERT_EQUAL(vd.status, 0x3);                   /* FEATURES_OK did not stick */
    CU_ASSERT(strstr(last_error, "FEATURES_OK refused: injected refusal") != NULL);
    CU_ASSERT(strstr(last_note, "refuse-features-ok") != NULL);
}

static void test_needs_reset_at_time(void)
{
    make("needs-reset@1000");
    driver_ok();
    CU_ASSERT_EQUAL(events_next(&evq), 1000);
    events_run_due(&evq, 999);
    CU_ASSERT_EQUAL(vd.status, 0xf);
    events_run_due(&evq, 1000);
    CU_ASSERT_EQUAL(vd.status, 0x4f);
    CU_ASSERT(vd.isr & VIRTIO_ISR_CONFIG);             /* the live driver is notified */
    CU_ASSERT(irq_updates > 0);
    CU_ASSERT(strstr(last_error, "needs-reset@1000") != NULL);
    /* Once NEEDS_RESET is set, the device fetches nothing until reset. */
    post(0);
    VqElem e = { 0 };
    CU_ASSERT(virtio_queue_pop(&vd, 0, &e) < 0);
    virtio_write_status(&vd, 0, false);
    CU_ASSERT_EQUAL(vd.status, 0);
    CU_ASSERT_EQUAL(events_next(&evq), EVENT_NEVER);   /* fires once */
    vq_elem_free(&e);
}

static void test_silent(void)
{
    VqElem e = { 0 };
    make(NULL);
    driver_ok();
    post(0);
    CU_ASSERT_EQUAL(virtio_queue_pop(&vd, 0, &e), 1);
    make("silent");
    driver_ok();
    post(0);
    CU_ASSERT_EQUAL(virtio_queue_pop(&vd, 0, &e), 0);
    CU_ASSERT_EQUAL(virtio_queue_pop(&vd, 0, &e), 0);
    CU_ASSERT(strstr(last_note, "silent") != NULL);
    CU_ASSERT_EQUAL(vd.status, 0xf);                   /* silent, not failed */
    vq_elem_free(&e);
}

static void test_bogus_used_id(void)
{
    VqElem e = { 0 };
    make("bogus-used-id");
    driver_ok();
    post(0);
    post(7);    /* waiting in the avail ring: posted, so not a candidate */
    CU_ASSERT_EQUAL(virtio_queue_pop(&vd, 0, &e), 1);
    CU_ASSERT_EQUAL(e.id, 0);
    CU_ASSERT(virtio_queue_push(&vd, 0, &e, 0) == 0);
    virtio_queue_complete(&vd, 0);
    /* The genuine element, then the bogus one: the highest head neither fetched nor
     * waiting, 6; both published together. */
    CU_ASSERT_EQUAL(rd16(USED + 2), 2);
    CU_ASSERT_EQUAL(rd32(USED + 4), 0);
    CU_ASSERT_EQUAL(rd32(USED + 12), 6);
    CU_ASSERT(strstr(last_note, "used id 6 was never made available") != NULL);
    /* Once only: the next completion is genuine. */
    CU_ASSERT_EQUAL(virtio_queue_pop(&vd, 0, &e), 1);
    CU_ASSERT_EQUAL(e.id, 7);
    CU_ASSERT(virtio_queue_push(&vd, 0, &e, 0) == 0);
    virtio_queue_complete(&vd, 0);
    CU_ASSERT_EQUAL(rd16(USED + 2), 3);
    CU_ASSERT_EQUAL(rd32(USED + 4 + 8 * 2), 7);
    vq_elem_free(&e);
}

static void test_bogus_used_id_other_queue(void)
{
    VqElem e = { 0 };
    make("bogus-used-id@1");      /* queue 1 never completes: queue 0 is left alone */
    driver_ok();
    post(0);
    CU_ASSERT_EQUAL(virtio_queue_pop(&vd, 0, &e), 1);
    CU_ASSERT(virtio_queue_push(&vd, 0, &e, 0) == 0);
    virtio_queue_complete(&vd, 0);
    CU_ASSERT_EQUAL(rd16(USED + 2), 1);
    vq_elem_free(&e);
}

static void test_bogus_used_id_trace_order(void)
{
    VqElem e = { 0 };
    make("bogus-used-id");
    driver_ok();
    post(0);
    CU_ASSERT_EQUAL(virtio_queue_pop(&vd, 0, &e), 1);
    CU_ASSERT(virtio_queue_push(&vd, 0, &e, 0) == 0);
    /* The note says what comes before it comes: note, the bogus element, then the
     * index that publishes both, then the interrupt decision. */
    mark();
    virtio_queue_complete(&vd, 0);
    CU_ASSERT_EQUAL_FATAL(norder, 4);
    CU_ASSERT_EQUAL(order[0], TRACE_EV_note);
    CU_ASSERT_EQUAL(order[1], TRACE_EV_used_write);
    CU_ASSERT_EQUAL(order[2], TRACE_EV_used_idx);
    CU_ASSERT_EQUAL(order[3], TRACE_EV_irq_raise);
    /* Nothing pushed, nothing injected: a completion without a genuine element. */
    make("bogus-used-id");
    driver_ok();
    mark();
    virtio_queue_complete(&vd, 0);
    CU_ASSERT_EQUAL(norder, 0);
    vq_elem_free(&e);
}

static void test_detach(void)
{
    VqElem e = { 0 };
    /* Silent, then detached while the queue is live: it is serviced again. */
    make("silent");
    driver_ok();
    post(0);
    CU_ASSERT_EQUAL(virtio_queue_pop(&vd, 0, &e), 0);
    detach();
    CU_ASSERT_PTR_NULL(vd.queue_wrap);
    CU_ASSERT_PTR_NULL(vd.vq[0].wrap);
    CU_ASSERT_EQUAL(virtio_queue_pop(&vd, 0, &e), 1);

    /* Refusing FEATURES_OK, detached before the driver gets there: accepted. */
    model_ops = &dev_ops;
    make(NULL);
    const VirtioDeviceOps *own = vd.ops;
    virtio_write_status(&vd, 0, false);
    CU_ASSERT_FATAL(virtio_fault_parse("refuse-features-ok", &fault, &err) == 0);
    CU_ASSERT_FATAL(virtio_fault_attach(&fault, &vd, &evq, &err) == 0);
    attached = true;
    CU_ASSERT_PTR_NOT_EQUAL(vd.ops, own);
    detach();
    CU_ASSERT_PTR_EQUAL(vd.ops, own);
    virtio_write_status(&vd, 1, false);
    virtio_write_status(&vd, 3, false);
    virtio_write_driver_features(&vd, 1, 1);
    virtio_write_status(&vd, 0xb, false);
    CU_ASSERT_EQUAL(vd.status, 0xb);

    /* A bogus used id, detached before the completion: none injected. */
    make("bogus-used-id");
    driver_ok();
    post(0);
    CU_ASSERT_EQUAL(virtio_queue_pop(&vd, 0, &e), 1);
    CU_ASSERT(virtio_queue_push(&vd, 0, &e, 0) == 0);
    detach();
    virtio_queue_complete(&vd, 0);
    CU_ASSERT_EQUAL(rd16(USED + 2), 1);
    CU_ASSERT_PTR_EQUAL(vd.ops, own);
    model_ops = NULL;
    vq_elem_free(&e);
}

static void test_attached_to_a_live_queue(void)
{
    VqElem e = { 0 };
    make(NULL);
    driver_ok();
    post(0);
    CU_ASSERT_FATAL(virtio_fault_parse("silent", &fault, &err) == 0);
    CU_ASSERT_FATAL(virtio_fault_attach(&fault, &vd, &evq, &err) == 0);
    attached = true;
    CU_ASSERT_EQUAL(virtio_queue_pop(&vd, 0, &e), 0);
    CU_ASSERT(strstr(last_note, "silent: queue 0") != NULL);
    /* A queue enabled afterwards is wrapped when it goes live. */
    virtio_queue_set_size(&vd, 1, QSZ);
    virtio_queue_set_addr(&vd, 1, 0, DESC + 0x800);
    virtio_queue_set_addr(&vd, 1, 1, AVAIL + 0x800);
    virtio_queue_set_addr(&vd, 1, 2, USED + 0x800);
    virtio_queue_enable(&vd, 1);
    CU_ASSERT_PTR_NOT_NULL(vd.vq[1].wrap);
    vq_elem_free(&e);
}

static void test_wraps_the_device_ops(void)
{
    VqElem e = { 0 };
    model_ops = &dev_ops;
    /* The device's own validation runs first; a refusal of its own is not the fault's. */
    dev_validates = 0;
    dev_refuses = true;
    make("refuse-features-ok");
    CU_ASSERT_EQUAL(dev_validates, 1);
    CU_ASSERT_EQUAL(vd.status, 0x3);
    CU_ASSERT(strstr(last_error, "the device's own refusal") != NULL);
    CU_ASSERT_EQUAL(last_note[0], 0);
    dev_refuses = false;
    make("refuse-features-ok");
    CU_ASSERT_EQUAL(dev_validates, 2);
    CU_ASSERT(strstr(last_error, "injected refusal") != NULL);

    /* bogus-used-id: a reset still resets the device, and forgets what was fetched,
     * so the bogus id is chosen afresh. */
    make("bogus-used-id");
    driver_ok();
    post(7);
    CU_ASSERT_EQUAL(virtio_queue_pop(&vd, 0, &e), 1);   /* 7 fetched: not a candidate */
    dev_resets = 0;
    virtio_write_status(&vd, 0, false);
    CU_ASSERT_EQUAL(dev_resets, 1);
    memset(ram.host, 0, RAM_SIZE);
    virtio_write_status(&vd, 1, false);
    virtio_write_status(&vd, 3, false);
    virtio_write_driver_features(&vd, 1, 1);
    virtio_write_status(&vd, 0xb, false);
    virtio_queue_set_size(&vd, 0, QSZ);
    virtio_queue_set_addr(&vd, 0, 0, DESC);
    virtio_queue_set_addr(&vd, 0, 1, AVAIL);
    virtio_queue_set_addr(&vd, 0, 2, USED);
    virtio_queue_enable(&vd, 0);
    driver_ok();
    post(0);
    CU_ASSERT_EQUAL(virtio_queue_pop(&vd, 0, &e), 1);
    CU_ASSERT(virtio_queue_push(&vd, 0, &e, 0) == 0);
    virtio_queue_complete(&vd, 0);
    CU_ASSERT_EQUAL(rd32(USED + 12), 7);                /* 7 is forgotten: the highest again */
    model_ops = NULL;
    vq_elem_free(&e);
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
    return 0;
}

static int cleanup(void)
{
    if (vd.vq) {
        detach();
        virtio_destroy(&vd);
    }
    trace_close(tw, NULL);
    ram_destroy(&ram);
    return 0;
}

int suite_virtio_fault(void)
{
    CU_pSuite s = CU_add_suite("virtio_fault", init, cleanup);
    if (!s)
        return -1;
    CU_add_test(s, "option parsing", test_parse);
    CU_add_test(s, "refuse-features-ok", test_refuse_features_ok);
    CU_add_test(s, "needs-reset at a virtual time", test_needs_reset_at_time);
    CU_add_test(s, "silent", test_silent);
    CU_add_test(s, "bogus-used-id", test_bogus_used_id);
    CU_add_test(s, "bogus-used-id on another queue", test_bogus_used_id_other_queue);
    CU_add_test(s, "bogus-used-id: the note comes first", test_bogus_used_id_trace_order);
    CU_add_test(s, "detached: the core behaves again", test_detach);
    CU_add_test(s, "attached to a live queue", test_attached_to_a_live_queue);
    CU_add_test(s, "the device's own ops run under the wrappers", test_wraps_the_device_ops);
    return CU_get_error();
}
