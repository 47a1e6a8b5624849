/* Unit tests of the stop-condition language (sim/debug/cond.c): selector words (event
 * names, families, whole-word parts of names, several intersected), field tests of
 * every operator on numbers and text, names resolved per field (status bits, queue
 * roles, a late value), and the errors that name what is wrong. */
#include <CUnit/CUnit.h>

#include "sim/debug/cond.h"

/* A resolver with the names the tests use: status bits on virtio_status, rx/tx roles
 * and a late "ctrl" on queue fields. */
static int resolve(void *ctx, TraceEventType type, const char *field, const char *word, uint64_t *num,
                   CondHint *hint)
{
    (void)ctx;
    if (type == TRACE_EV_virtio_status && strcmp(field, "new") == 0) {
        static const struct { const char *n; uint64_t v; } bits[] = {
            { "ACKNOWLEDGE", 1 }, { "DRIVER", 2 }, { "DRIVER_OK", 4 }, { "FEATURES_OK", 8 },
        };
        for (size_t i = 0; i < ARRAY_SIZE(bits); i++)
            if (strcmp(word, bits[i].n) == 0) {
                *num = bits[i].v;
                return 0;
            }
    }
    if (strcmp(field, "queue") == 0) {
        if (strcmp(word, "rx0") == 0) { *num = 0; return 0; }
        if (strcmp(word, "tx0") == 0) { *num = 1; return 0; }
        if (strcmp(word, "ctrl") == 0) { hint->late = COND_LATE_CTRL_QUEUE; return 0; }
    }
    return -1;
}

static uint64_t ctrl_index = 8;
static uint64_t late(void *ctx, CondLate l) { (void)ctx; return l == COND_LATE_CTRL_QUEUE ? ctrl_index : 0; }

static Cond parse_ok(const char *text)
{
    Cond c;
    Err err = { "" };
    int rc = cond_parse(text, &c, resolve, NULL, &err);
    if (rc != 0)
        fprintf(stderr, "\n  %s: %s\n", text, err.msg);
    CU_ASSERT_EQUAL(rc, 0);
    return c;
}

static void parse_bad(const char *text, const char *want)
{
    Cond c;
    Err err = { "" };
    CU_ASSERT_EQUAL(cond_parse(text, &c, resolve, NULL, &err), -1);
    if (!strstr(err.msg, want))
        fprintf(stderr, "\n  %s: expected \"%s\" in \"%s\"\n", text, want, err.msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
}

static void parse_bad(const char *text, const char *want);

static TraceEvent status(uint8_t old, uint8_t nw)
{
    TraceEvent e = { .type = TRACE_EV_virtio_status };
    e.u.virtio_status = (TraceEv_virtio_status){ "virtio-net", old, nw };
    return e;
}

static TraceEvent notify(uint16_t q)
{
    TraceEvent e = { .type = TRACE_EV_virtio_notify };
    e.u.virtio_notify = (TraceEv_virtio_notify){ "virtio-net", q };
    return e;
}

static TraceEvent mmio(const char *reg, uint64_t value)
{
    TraceEvent e = { .type = TRACE_EV_mmio_write };
    e.u.mmio_write = (TraceEv_mmio_write){ 0x400000014ull, 1, value, "virtio-net.bar4", reg };
    return e;
}

static void test_selectors(void)
{
    Cond c = parse_ok("virtio_status");
    TraceEvent s = status(0, 1), n = notify(1);
    CU_ASSERT_TRUE(cond_match(&c, &s, late, NULL));
    CU_ASSERT_FALSE(cond_match(&c, &n, late, NULL));
    c = parse_ok("notify");                         /* a whole-word part of virtio_notify */
    CU_ASSERT_TRUE(cond_match(&c, &n, late, NULL));
    CU_ASSERT_FALSE(cond_match(&c, &s, late, NULL));
    c = parse_ok("virtio");                         /* a family */
    CU_ASSERT_TRUE(cond_match(&c, &n, late, NULL));
    CU_ASSERT_TRUE(cond_match(&c, &s, late, NULL));
    c = parse_ok("ring_dev used");                  /* intersected: used_write, used_idx, used_flags_write */
    CU_ASSERT_TRUE(trace_types_has(&c.types, TRACE_EV_used_write));
    CU_ASSERT_TRUE(trace_types_has(&c.types, TRACE_EV_used_idx));
    CU_ASSERT_FALSE(trace_types_has(&c.types, TRACE_EV_used_event_write));   /* ring_drv */
    CU_ASSERT_FALSE(trace_types_has(&c.types, TRACE_EV_chain_fetch));
    c = parse_ok("pci_cfg");
    CU_ASSERT_TRUE(trace_types_has(&c.types, TRACE_EV_pci_cfg_read));
    CU_ASSERT_TRUE(trace_types_has(&c.types, TRACE_EV_pci_cfg_write));
    CU_ASSERT_FALSE(trace_types_has(&c.types, TRACE_EV_pci_bar_map));
    c = parse_ok("irq");
    CU_ASSERT_TRUE(trace_types_has(&c.types, TRACE_EV_irq_raise));
    CU_ASSERT_FALSE(trace_types_has(&c.types, TRACE_EV_pci_intx));
    parse_bad("us", "'us' names no event");         /* a part of a word is not a word */
}

static void test_tests(void)
{
    Cond c = parse_ok("virtio_status new&DRIVER_OK");
    TraceEvent a = status(0xb, 0xf), b = status(0x3, 0xb);
    CU_ASSERT_TRUE(cond_match(&c, &a, late, NULL));
    CU_ASSERT_FALSE(cond_match(&c, &b, late, NULL));
    c = parse_ok("virtio_status new=0xf");
    CU_ASSERT_TRUE(cond_match(&c, &a, late, NULL));
    c = parse_ok("virtio_status new=ACKNOWLEDGE|DRIVER|FEATURES_OK");
    CU_ASSERT_TRUE(cond_match(&c, &b, late, NULL));
    CU_ASSERT_FALSE(cond_match(&c, &a, late, NULL));
    c = parse_ok("virtio_status new!&DRIVER_OK old<4");
    CU_ASSERT_TRUE(cond_match(&c, &b, late, NULL));
    c = parse_ok("virtio_status new>=11 new<=11 new!=12 new>10");
    CU_ASSERT_TRUE(cond_match(&c, &b, late, NULL));
    CU_ASSERT_FALSE(cond_match(&c, &a, late, NULL));

    TraceEvent n0 = notify(0), n1 = notify(1), n8 = notify(8);
    c = parse_ok("notify queue=tx0");
    CU_ASSERT_TRUE(cond_match(&c, &n1, late, NULL));
    CU_ASSERT_FALSE(cond_match(&c, &n0, late, NULL));
    c = parse_ok("notify queue=ctrl");              /* resolved at match time */
    CU_ASSERT_TRUE(cond_match(&c, &n8, late, NULL));
    ctrl_index = 2;
    CU_ASSERT_FALSE(cond_match(&c, &n8, late, NULL));
    ctrl_index = 8;

    TraceEvent m1 = mmio("common.queue_enable", 1), m2 = mmio("common.device_status", 0xf), m3 = mmio(NULL, 0);
    c = parse_ok("mmio reg~common.queue_");
    CU_ASSERT_TRUE(cond_match(&c, &m1, late, NULL));
    CU_ASSERT_FALSE(cond_match(&c, &m2, late, NULL));
    CU_ASSERT_FALSE(cond_match(&c, &m3, late, NULL));
    CU_ASSERT_TRUE(trace_types_has(&c.types, TRACE_EV_mmio_read));
    c = parse_ok("mmio_write reg=common.device_status value&4");
    CU_ASSERT_TRUE(cond_match(&c, &m2, late, NULL));
    c = parse_ok("mmio_write reg!=\"common.device_status\"");
    CU_ASSERT_FALSE(cond_match(&c, &m2, late, NULL));
    CU_ASSERT_TRUE(cond_match(&c, &m1, late, NULL));
    /* A test keeps only the selected types that have the field. */
    c = parse_ok("virtio queue=1");
    CU_ASSERT_TRUE(cond_match(&c, &n1, late, NULL));
    CU_ASSERT_FALSE(trace_types_has(&c.types, TRACE_EV_virtio_status));
}

static void test_errors(void)
{
    parse_bad("", "an empty condition");
    parse_bad("frobnicate", "'frobnicate' names no event");
    parse_bad("new=1", "name an event first");
    parse_bad("virtio_status bogus=1", "no event selected has a field 'bogus' (fields: dev old new)");
    parse_bad("virtio_status new&BOGUS", "'BOGUS' is not a number nor a name new knows");
    parse_bad("virtio_status new=", "no value after the operator");
    parse_bad("virtio_status new~x", "~ is for text fields");
    parse_bad("mmio reg<3", "a text field takes = != or ~");
    parse_bad("virtio_status new=1 virtio_reset", "event words come before the field tests");
    parse_bad("virtio_status ring_dev", "no event is selected by all of its words");
    parse_bad("mmio reg=\"unclosed", "a quote is not closed");
    parse_bad("notify queue=ctrl|rx0", "cannot be combined with |");
    parse_bad("virtio_status new=DRIVER|", "empty name after |");
    char big[COND_MAX_TEXT + 10];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    parse_bad(big, "longer than");
}

int suite_cond(void)
{
    CU_pSuite s = CU_add_suite("cond", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "event words select types", test_selectors);
    CU_add_test(s, "field tests: numbers, names, roles, text", test_tests);
    CU_add_test(s, "errors name what is wrong", test_errors);
    return CU_get_error();
}
