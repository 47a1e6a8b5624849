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

int suite_plic(void)
{
    CU_pSuite s = CU_add_suite("plic", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "claim and complete", test_claim_complete);
    CU_add_test(s, "priority and threshold", test_priority_threshold);
    CU_add_test(s, "S context, source 0", test_s_context_and_source0);
    return 0;
}
