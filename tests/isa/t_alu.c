/* RV64I integer register-register and register-immediate instructions, with the edge
 * cases the unprivileged spec (20191213) §2.4 and §5.2-5.3 call out: wrap-around on
 * overflow, shift amounts of 63 (and the W forms' 31, with their 5-bit shamt taken from
 * rs2), the W forms' sign extension of bit 31, slt/sltu with the sign bit, lui's sign
 * extension on RV64. */
#include "rt.h"
#include "isa_ops.h"

const char rt_name[] = "t_alu";

#define MIN64 0x8000000000000000ull
#define MAX64 0x7fffffffffffffffull

int test_main(void)
{
    CHECK(RR("add", 1, 2) == 3);
    CHECK(RR("add", MAX64, 1) == MIN64);                 /* overflow wraps */
    CHECK(RR("add", ~0ull, 1) == 0);
    CHECK(RR("sub", 0, 1) == ~0ull);
    CHECK(RR("sub", MIN64, 1) == MAX64);
    CHECK(RI("addi", 5, -6) == ~0ull);
    CHECK(RI("addi", 0, 2047) == 2047);
    CHECK(RI("addi", 0, -2048) == (uint64_t)-2048);
    /* W forms: 32-bit result, sign-extended from bit 31; the upper input bits ignored. */
    CHECK(RR("addw", 0x7fffffff, 1) == 0xffffffff80000000ull);
    CHECK(RR("addw", 0x123456789ull << 4, 0) == 0x34567890ull);   /* upper bits dropped */
    CHECK(RR("addw", 0x1c0000000ull, 0) == 0xffffffffc0000000ull);
    CHECK(RR("subw", 0x80000000ull, 1) == 0x7fffffff);
    CHECK(RR("subw", 0, 1) == ~0ull);
    CHECK(RI("addiw", 0xffffffffull, 0) == ~0ull);      /* sext.w */
    CHECK(RI("addiw", 0x17fffffffull, 1) == 0xffffffff80000000ull);
    /* Shifts: 6-bit shamt on RV64, rs2's upper bits ignored. */
    CHECK(RR("sll", 1, 63) == MIN64);
    CHECK(RR("sll", 1, 64 + 3) == 8);
    CHECK(RR("srl", MIN64, 63) == 1);
    CHECK(RR("sra", MIN64, 63) == ~0ull);
    CHECK(RI("slli", 1, 63) == MIN64);
    CHECK(RI("srli", ~0ull, 63) == 1);
    CHECK(RI("srai", MIN64, 63) == ~0ull);
    CHECK(RI("srai", MAX64, 63) == 0);
    CHECK(RR("sllw", 1, 31) == 0xffffffff80000000ull);
    CHECK(RR("sllw", 1, 32) == 1);                       /* 5-bit shamt */
    CHECK(RR("srlw", 0xffffffff80000000ull, 31) == 1);
    CHECK(RR("srlw", 0x80000000ull, 0) == 0xffffffff80000000ull);
    CHECK(RR("sraw", 0x80000000ull, 31) == ~0ull);
    CHECK(RI("slliw", 3, 31) == 0xffffffff80000000ull);
    CHECK(RI("srliw", 0xffffffff00000000ull | 0x80000000, 31) == 1);
    CHECK(RI("sraiw", 0x80000000ull, 4) == 0xfffffffff8000000ull);
    /* Logic and comparisons. */
    CHECK(RR("and", 0xf0f0, 0xff00) == 0xf000);
    CHECK(RR("or", 0xf0f0, 0xff00) == 0xfff0);
    CHECK(RR("xor", 0xf0f0, 0xff00) == 0x0ff0);
    CHECK(RI("xori", 0x1234, -1) == ~0x1234ull);         /* not */
    CHECK(RI("andi", ~0ull, -2048) == ~0x7ffull);        /* sign-extended immediate */
    CHECK(RI("ori", 0, -1) == ~0ull);
    CHECK(RR("slt", MIN64, 0) == 1);
    CHECK(RR("slt", 0, MIN64) == 0);
    CHECK(RR("sltu", MIN64, 0) == 0);
    CHECK(RR("sltu", 0, MIN64) == 1);
    CHECK(RI("slti", ~0ull, 0) == 1);
    CHECK(RI("sltiu", 5, -1) == 1);                      /* -1 is the largest unsigned */
    CHECK(RI("sltiu", 0, 1) == 1);                       /* seqz */
    /* lui and auipc: 32-bit results sign-extended on RV64. */
    CHECK(UI("lui", 0x80000) == 0xffffffff80000000ull);
    CHECK(UI("lui", 0x7ffff) == 0x7ffff000ull);
    uint64_t here, there;
    __asm__ volatile(NORVC("auipc %0, 0\nauipc %1, 1") : "=r"(here), "=r"(there));
    CHECK(there - here == 0x1000 + 4);
#ifdef ISA_PLANT
    CHECK(RR("add", 2, 2) == 5);                         /* the planted failure */
#endif
    return 0;
}
