/* The C extension on RV64 (unprivileged spec 20191213 ch. 16): each compressed
 * instruction gives what its 32-bit expansion gives, with its own immediates (sign-
 * extended 6-bit ones, c.lui's 17:12, c.addi16sp's multiples of 16, c.addi4spn's of 4,
 * scaled load/store offsets), the RV64 forms (c.addiw, c.addw, c.subw, c.ld, c.sd, 6-bit
 * shift amounts), c.jalr linking pc + 2, c.ebreak (breakpoint, cause 3) and the
 * all-zero parcel, which is defined illegal (§16.5). Registers are pinned to x8-x15
 * where the form needs them; every mnemonic is c.*, so the assembler must compress. */
#include "rt.h"

const char rt_name[] = "t_rvc";

/* a = op a, imm (a in a0) */
#define CI(op, a, imm) ({ register uint64_t _a __asm__("a0") = (uint64_t)(a); \
    __asm__ volatile(op " %0, %1" : "+r"(_a) : "i"(imm)); _a; })
/* a = op a, b (a0, a1) */
#define CA(op, a, b) ({ register uint64_t _a __asm__("a0") = (uint64_t)(a); \
    register uint64_t _b __asm__("a1") = (uint64_t)(b); \
    __asm__ volatile(op " %0, %1" : "+r"(_a) : "r"(_b)); _a; })

uint64_t p_cebreak(void), p_zero_parcel(void);
__asm__(".text\n"
        ".globl p_cebreak\np_cebreak: c.ebreak\nret\n"
        ".globl p_zero_parcel\np_zero_parcel: .2byte 0\nret\n");

static uint64_t mem[4] __attribute__((aligned(8)));

int test_main(void)
{
    CHECK(CI("c.li", 0, -32) == (uint64_t)-32);
    CHECK(CI("c.li", 0, 31) == 31);
    CHECK(CI("c.lui", 0, 1) == 0x1000);
    CHECK(CI("c.lui", 0, 0x1f) == 0x1f000);
    CHECK(CI("c.lui", 0, 0xfffe0) == 0xfffffffffffe0000ull);  /* nzimm[17] = sign */
    CHECK(CI("c.addi", 5, -6) == ~0ull);
    CHECK(CI("c.addiw", 0x7fffffff, 1) == 0xffffffff80000000ull);
    CHECK(CI("c.addiw", 0x1ffffffffull, 0) == ~0ull);        /* sext.w */
    CHECK(CI("c.slli", 1, 63) == 0x8000000000000000ull);
    CHECK(CI("c.srli", 0x8000000000000000ull, 63) == 1);
    CHECK(CI("c.srai", 0x8000000000000000ull, 63) == ~0ull);
    CHECK(CI("c.andi", ~0ull, -32) == ~31ull);
    CHECK(CI("c.andi", 0xff, 15) == 15);
    CHECK(CA("c.sub", 1, 2) == ~0ull);
    CHECK(CA("c.xor", 0xf0f0, 0xff00) == 0x0ff0);
    CHECK(CA("c.or", 0xf0f0, 0xff00) == 0xfff0);
    CHECK(CA("c.and", 0xf0f0, 0xff00) == 0xf000);
    CHECK(CA("c.addw", 0x7fffffff, 1) == 0xffffffff80000000ull);
    CHECK(CA("c.subw", 0, 1) == ~0ull);
    CHECK(CA("c.subw", 0x100000000ull, 0) == 0);              /* upper bits dropped */
    CHECK(CA("c.add", 0x8000000000000000ull, 0x8000000000000000ull) == 0);
    CHECK(CA("c.mv", 1, 0x123456789abcdefull) == 0x123456789abcdefull);

    /* Loads and stores with scaled offsets (x8-x15 as base). */
    register uint64_t base __asm__("a2") = (uint64_t)(uintptr_t)mem;
    register uint64_t v __asm__("a3") = 0x80000000fedcba98ull, w __asm__("a4"), d __asm__("a5");
    __asm__ volatile("c.sd %2, 8(%3)\nc.ld %1, 8(%3)\nc.sw %2, 16(%3)\nc.lw %0, 16(%3)"
                     : "=&r"(w), "=&r"(d) : "r"(v), "r"(base) : "memory");
    CHECK(d == 0x80000000fedcba98ull);
    CHECK(w == 0xfffffffffedcba98ull);                        /* c.lw sign-extends */
    CHECK(mem[2] == 0xfedcba98ull);

    /* The stack-pointer forms: c.addi16sp, c.addi4spn, c.sdsp/c.ldsp, c.swsp/c.lwsp. */
    register uint64_t spn __asm__("a0"), sp0 __asm__("a1"), sp1 __asm__("a2");
    register uint64_t x __asm__("a3") = 0xffffffff87654321ull, ld __asm__("a4"), lw __asm__("a5");
    __asm__ volatile("mv %1, sp\n"
                     "c.addi16sp sp, -64\n"
                     "mv %2, sp\n"
                     "c.addi4spn %0, sp, 8\n"
                     "c.sdsp %5, 16(sp)\n"
                     "c.ldsp %3, 16(sp)\n"
                     "c.swsp %5, 32(sp)\n"
                     "c.lwsp %4, 32(sp)\n"
                     "c.addi16sp sp, 64\n"
                     : "=&r"(spn), "=&r"(sp0), "=&r"(sp1), "=&r"(ld), "=&r"(lw)
                     : "r"(x) : "memory");
    CHECK(sp1 == sp0 - 64);
    CHECK(spn == sp1 + 8);
    CHECK(ld == 0xffffffff87654321ull && lw == 0xffffffff87654321ull);

    /* Control: c.j, c.beqz/c.bnez both ways, c.jr, c.jalr linking pc + 2. */
    register uint64_t t __asm__("a0") = 0, z __asm__("a1") = 0, nz __asm__("a2") = 7;
    __asm__ volatile("c.j 1f\nc.addi %0, 1\n1:\n"
                     "c.beqz %1, 2f\nc.addi %0, 2\n2:\n"
                     "c.bnez %2, 3f\nc.addi %0, 4\n3:\n"
                     "c.beqz %2, 4f\nc.addi %0, 8\n4:\n"
                     "c.bnez %1, 5f\nc.addi %0, 16\n5:\n"
                     : "+r"(t) : "r"(z), "r"(nz));
    CHECK(t == 8 + 16);
    __asm__ volatile("c.nop");
    register uint64_t at __asm__("a0"), link __asm__("a1");
    __asm__ volatile(".option push\n.option norvc\n"
                     "auipc %0, 0\n"          /* X */
                     "addi t0, %0, 12\n"      /* X + 4: t0 = X + 12 */
                     ".option pop\n"
                     "c.jalr t0\n"            /* X + 8: ra = X + 10 */
                     "c.ebreak\n"             /* X + 10: skipped */
                     "mv %1, ra\n"            /* X + 12 */
                     : "=&r"(at), "=&r"(link) : : "t0", "ra");
    CHECK(link == at + 10);
    register uint64_t j __asm__("a0");
    __asm__ volatile(".option push\n.option norvc\n"
                     "auipc %0, 0\naddi t0, %0, 12\n"
                     ".option pop\n"
                     "c.jr t0\nc.ebreak\n"
                     : "=&r"(j) : : "t0");        /* a missed jump breaks, unexpectedly */
    (void)j;

    /* c.ebreak: a breakpoint; the zero parcel: illegal instruction. */
    rt_arm();
    (void)p_cebreak();
    CHECK_CAUSE(EXC_BREAKPOINT);
    rt_arm();
    (void)p_zero_parcel();
    CHECK_CAUSE(EXC_ILLEGAL);
    return 0;
}
