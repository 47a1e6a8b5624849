/* RV64M: multiplication's low and high halves with every sign combination, division
 * and remainder with the results the unprivileged spec (20191213) §7.2, Table 7.1,
 * fixes for division by zero and signed overflow (no trap), and the W forms, which
 * work on the low 32 bits and sign-extend their 32-bit result (§7.1, §7.2). */
#include "rt.h"
#include "isa_ops.h"

const char rt_name[] = "t_muldiv";

#define MIN64 0x8000000000000000ull
#define MAX64 0x7fffffffffffffffull
#define ONES  0xffffffffffffffffull
#define SX32(v) ((uint64_t)(int64_t)(int32_t)(uint32_t)(v))

int test_main(void)
{
    /* mul: the low 64 bits, the same for signed and unsigned operands. */
    CHECK(RR("mul", 6, 7) == 42);
    CHECK(RR("mul", ONES, ONES) == 1);
    CHECK(RR("mul", MIN64, 2) == 0);
    CHECK(RR("mul", 0x100000001ull, 0x100000001ull) == 0x200000001ull);
    /* mulh (signed x signed), mulhu (unsigned x unsigned), mulhsu (signed rs1 x
     * unsigned rs2): the high 64 bits of the 128-bit product. */
    CHECK(RR("mulh", ONES, ONES) == 0);                  /* -1 * -1 = 1 */
    CHECK(RR("mulh", MIN64, MIN64) == 0x4000000000000000ull);
    CHECK(RR("mulh", MIN64, 2) == ONES);                 /* -2^64 */
    CHECK(RR("mulh", MAX64, MAX64) == 0x3fffffffffffffffull);
    CHECK(RR("mulhu", ONES, ONES) == ONES - 1);
    CHECK(RR("mulhu", MIN64, 2) == 1);
    CHECK(RR("mulhu", 0x100000000ull, 0x100000000ull) == 1);
    CHECK(RR("mulhsu", ONES, ONES) == ONES);             /* -1 * (2^64 - 1) */
    CHECK(RR("mulhsu", 2, ONES) == 1);                   /* 2 * (2^64 - 1) */
    CHECK(RR("mulhsu", MIN64, 2) == ONES);
    CHECK(RR("mulhsu", ONES, 1) == ONES);                /* -1: the high half is all sign */
    /* mulw: low 32 bits of the product, sign-extended; upper input bits ignored. */
    CHECK(RR("mulw", 0x10000, 0x8000) == 0xffffffff80000000ull);
    CHECK(RR("mulw", 0xffffffff00000003ull, 5) == 15);
    CHECK(RR("mulw", 0x7fffffff, 2) == ONES - 1);
    /* div/divu/rem/remu: rounding toward zero; the remainder has the dividend's sign. */
    CHECK(RR("div", (uint64_t)-7, 2) == (uint64_t)-3);
    CHECK(RR("rem", (uint64_t)-7, 2) == (uint64_t)-1);
    CHECK(RR("div", 7, (uint64_t)-2) == (uint64_t)-3);
    CHECK(RR("rem", 7, (uint64_t)-2) == 1);
    CHECK(RR("divu", (uint64_t)-7, 2) == 0x7ffffffffffffffcull);
    CHECK(RR("remu", (uint64_t)-7, 2) == 1);
    /* Division by zero (Table 7.1): quotient all ones, remainder the dividend. */
    CHECK(RR("div", 42, 0) == ONES);
    CHECK(RR("divu", 42, 0) == ONES);
    CHECK(RR("rem", (uint64_t)-42, 0) == (uint64_t)-42);
    CHECK(RR("remu", 42, 0) == 42);
    /* Signed overflow: -2^63 / -1 is -2^63, remainder 0. */
    CHECK(RR("div", MIN64, ONES) == MIN64);
    CHECK(RR("rem", MIN64, ONES) == 0);
    CHECK(RR("divu", MIN64, ONES) == 0);
    /* W forms: 32-bit operands, 32-bit results sign-extended. */
    CHECK(RR("divw", 0xffffffff00000007ull, 2) == 3);
    CHECK(RR("divw", (uint64_t)-7, 2) == (uint64_t)-3);
    CHECK(RR("divuw", 0xfffffff9ull, 2) == 0x7ffffffcull);
    CHECK(RR("divuw", 0xfffffffeull, 1) == ONES - 1);    /* 0xfffffffe, sign-extended */
    CHECK(RR("remw", (uint64_t)-7, 2) == (uint64_t)-1);
    CHECK(RR("remuw", 0x80000001ull, 0x10000000ull) == 1);
    CHECK(RR("divw", 42, 0x100000000ull) == ONES);       /* divisor's low 32 bits are 0 */
    CHECK(RR("divuw", 42, 0) == ONES);                   /* 2^32 - 1, sign-extended */
    CHECK(RR("remw", 0x80000000ull, 0) == SX32(0x80000000));
    CHECK(RR("remuw", 0x123456789ull, 0) == SX32(0x23456789));
    CHECK(RR("remuw", 0x80000000ull, 0) == SX32(0x80000000));
    CHECK(RR("divw", 0x80000000ull, ONES) == SX32(0x80000000));   /* overflow */
    CHECK(RR("remw", 0x80000000ull, ONES) == 0);
    return 0;
}
