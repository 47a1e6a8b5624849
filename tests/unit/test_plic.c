/* Unit tests of the PLIC (sim/plic.c): priorities, enables, threshold, claim and
 * complete through the register map, level-triggered gateways. */
#include <CUnit/CUnit.h>

#include "sim/plic.h"

static int meip, seip;
static void sink(void *o, unsigned n, int level) { *(n == 11 ? &meip : &seip) = level; }

static uint32_t rd(Plic *p, uint64_t off)
{
    uint64_t v = 0;
    CU_ASSERT_EQUAL(memops_read(&plic_ops, p, off, 4, &v), 0);
    return (uint32_t)v;
}
static void wr(Plic *p, uint64_t off, uint32_t v) { CU_ASSERT_EQUAL(memops_write(&plic_ops, p, off, 4, v), 0); }

static void setup_plic(Plic *p)
{
    meip = seip = 0;
    plic_init(p, (IrqLine){ sink, NULL, 11 }, (IrqLine){ sink, NULL, 9 });
}

static void test_claim_complete(void)
{
    Plic p;
    setup_plic(&p);
    plic_set_source(&p, 10, 1);
    CU_ASSERT_EQUAL(meip, 0);                  /* priority 0 never interrupts */
    CU_ASSERT_EQUAL(rd(&p, 0x1000) & (1u << 10), 1u << 10); /* but it is pending */
    wr(&p, 10 * 4, 1);
    CU_ASSERT_EQUAL(meip, 0);                  /* not enabled yet */
    wr(&p, 0x2000, 1u << 10);
    CU_ASSERT_EQUAL(meip, 1);
    CU_ASSERT_EQUAL(seip, 0);                  /* context 1 has no enables */
    CU_ASSERT_EQUAL(rd(&p, 0x200004), 10);     /* claim */
    CU_ASSERT_EQUAL(meip, 0);
    CU_ASSERT_EQUAL(rd(&p, 0x200004), 0);      /* nothing else */
    wr(&p, 0x200004, 10);                      /* complete: line still high, pending again */
    CU_ASSERT_EQUAL(meip, 1);
    CU_ASSERT_EQUAL(rd(&p, 0x200004), 10);
    plic_set_source(&p, 10, 0);
    wr(&p, 0x200004, 10);
    CU_ASSERT_EQUAL(meip, 0);
    CU_ASSERT_EQUAL(rd(&p, 0x1000) & (1u << 10), 0);
}

static void test_priority_threshold(void)
{
    Plic p;
    setup_plic(&p);
    wr(&p, 33 * 4, 2);
    wr(&p, 34 * 4, 5);
    wr(&p, 0x2004, (1u << 1) | (1u << 2));    /* sources 33, 34 */
    plic_set_source(&p, 33, 1);
    plic_set_source(&p, 34, 1);
    CU_ASSERT_EQUAL(meip, 1);
    wr(&p, 0x200000, 5);                       /* threshold 5 masks both */
    CU_ASSERT_EQUAL(meip, 0);
    wr(&p, 0x200000, 2);                       /* only 34 is above 2 */
    CU_ASSERT_EQUAL(rd(&p, 0x200004), 34);
    CU_ASSERT_EQUAL(meip, 0);
    wr(&p, 0x200000, 0);
    CU_ASSERT_EQUAL(rd(&p, 0x200004), 33);
    CU_ASSERT_EQUAL(rd(&p, 0x200000), 0);
    CU_ASSERT_EQUAL(rd(&p, 33 * 4), 2);
}

static void test_s_context_and_source0(void)
{
    Plic p;
    setup_plic(&p);
    wr(&p, 0x2080, 0xffffffff);                /* source 0 cannot be enabled */
    CU_ASSERT_EQUAL(rd(&p, 0x2080), 0xfffffffe);
    wr(&p, 5 * 4, 1);
    plic_set_source(&p, 5, 1);
    CU_ASSERT_EQUAL(seip, 1);
    CU_ASSERT_EQUAL(meip, 0);
    CU_ASSERT_EQUAL(rd(&p, 0x201004), 5);
    CU_ASSERT_EQUAL(seip, 0);
    plic_set_source(&p, 0, 1);                 /* ignored */
    plic_set_source(&p, 200, 1);               /* out of range: ignored */
    CU_ASSERT_EQUAL(rd(&p, 0x201004), 0);
}

/* The names the trace gives each register (golden traces contain them), from the
 * same table the bus dispatches through. */
static void test_register_names(void)
{
    Plic p;
    setup_plic(&p);
    const Region r = { PLIC_BASE, PLIC_SIZE, "plic", &plic_ops, &p };
    static const struct { uint32_t off; const char *name; } names[] = {
        { 0x0, "priority" }, { 95 * 4, "priority" }, { 0x1000, "pending" }, { 0x107c, "pending" },
        { 0x2000, "enable.m" }, { 0x2008, "enable.m" }, { 0x2080, "enable.s" }, { 0x20fc, "enable.s" },
        { 0x200000, "threshold.m" }, { 0x200004, "claim.m" },
        { 0x201000, "threshold.s" }, { 0x201004, "claim.s" },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
        CU_ASSERT_STRING_EQUAL(region_reg_name(&r, names[i].off, 4), names[i].name);
    CU_ASSERT_PTR_NULL(region_reg_name(&r, 96 * 4, 4));
    CU_ASSERT_PTR_NULL(region_reg_name(&r, 0x1080, 4));
    CU_ASSERT_PTR_NULL(region_reg_name(&r, 0x200008, 4));
    CU_ASSERT_PTR_NULL(region_reg_name(&r, 0x202000, 4));
    /* Holes read 0 and take no writes; a reserved enable word reads 0. */
    CU_ASSERT_EQUAL(rd(&p, 0x200008), 0);
    wr(&p, 0x200008, 7);
    CU_ASSERT_EQUAL(rd(&p, 0x200008), 0);
    wr(&p, 0x200c, 0xffffffff);
    CU_ASSERT_EQUAL(rd(&p, 0x200c), 0);
    /* The S context's threshold is its own. */
    wr(&p, 0x201000, 3);
    CU_ASSERT_EQUAL(rd(&p, 0x201000), 3);
    CU_ASSERT_EQUAL(rd(&p, 0x200000), 0);
}

int suite_plic(void)
{
    CU_pSuite s = CU_add_suite("plic", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "claim and complete", test_claim_complete);
    CU_add_test(s, "priority and threshold", test_priority_threshold);
    CU_add_test(s, "S context, source 0", test_s_context_and_source0);
    CU_add_test(s, "register names and holes", test_register_names);
    return 0;
}
