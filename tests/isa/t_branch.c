/* Control transfer (unprivileged spec 20191213 §2.5): the six conditional branches,
 * signed and unsigned, taken and not taken, forward and backward; jal and jalr writing
 * pc + 4 to the link register (and nothing when rd is x0); jalr's target
 * (rs1 + imm) & ~1, with rd written after rs1 is read when they are the same
 * register. */
#include "rt.h"
#include "isa_ops.h"

const char rt_name[] = "t_branch";

/* 1 if `op a, b` branches. */
#define TAKEN(op, a, b) ({ uint64_t _t; __asm__ volatile(NORVC( \
    "li %0, 1\n" op " %1, %2, 1f\nli %0, 0\n1:") : "=&r"(_t) \
    : "r"((uint64_t)(a)), "r"((uint64_t)(b))); _t; })

#define MIN64 0x8000000000000000ull

int test_main(void)
{
    CHECK(TAKEN("beq", 5, 5) && !TAKEN("beq", 5, 6));
    CHECK(TAKEN("bne", 5, 6) && !TAKEN("bne", 5, 5));
    CHECK(TAKEN("blt", MIN64, 0) && !TAKEN("blt", 0, MIN64) && !TAKEN("blt", 3, 3));
    CHECK(TAKEN("bge", 0, MIN64) && !TAKEN("bge", MIN64, 0) && TAKEN("bge", 3, 3));
    CHECK(TAKEN("bltu", 0, MIN64) && !TAKEN("bltu", MIN64, 0) && !TAKEN("bltu", 3, 3));
    CHECK(TAKEN("bgeu", MIN64, 0) && !TAKEN("bgeu", 0, MIN64) && TAKEN("bgeu", 3, 3));
    CHECK(TAKEN("blt", ~0ull, 0) && TAKEN("bltu", 0, ~0ull));

    /* A backward branch: a loop of 5. */
    uint64_t n = 0, i = 5;
    __asm__ volatile(NORVC("1: addi %0, %0, 1\naddi %1, %1, -1\nbnez %1, 1b")
                     : "+r"(n), "+r"(i));
    CHECK(n == 5 && i == 0);

    /* jal: rd = the address after the jal; the target skips one instruction. */
    uint64_t link, at, skipped = 0;
    __asm__ volatile(NORVC("auipc %1, 0\njal %0, 1f\nli %2, 1\n1:")
                     : "=&r"(link), "=&r"(at), "+r"(skipped));
    CHECK(link == at + 8 && skipped == 0);
    /* jal x0: a plain jump, x0 stays 0. */
    uint64_t z;
    __asm__ volatile(NORVC("jal x0, 1f\n1: mv %0, x0") : "=r"(z));
    CHECK(z == 0);

    /* jalr: target (rs1 + imm) with bit 0 cleared; rd = pc + 4. */
    uint64_t base, l2, hit = 0;
    __asm__ volatile(NORVC("auipc %0, 0\naddi %0, %0, 17\njalr %1, -1(%0)\nj 2f\n"
                           "li %2, 1\n2:")
                     : "=&r"(base), "=&r"(l2), "+r"(hit));
    /* base = auipc + 17; jalr's target (base - 1) & ~1 = auipc + 16: past `j 2f`
     * (auipc+12) onto li; l2 = the address of `j 2f`. */
    CHECK(hit == 1 && l2 == base - 17 + 12);
    /* An odd target with imm 0: bit 0 of rs1 is dropped. */
    uint64_t b3, l3, hit3 = 0;
    __asm__ volatile(NORVC("auipc %0, 0\naddi %0, %0, 17\njalr %1, 0(%0)\nnop\n"
                           "li %2, 1\n")
                     : "=&r"(b3), "=&r"(l3), "+r"(hit3));
    /* The target, auipc + 16, is the li (the nop is skipped). */
    CHECK(hit3 == 1 && l3 == b3 - 17 + 12);
    /* rd == rs1: the target uses the old value. */
    uint64_t r, start;
    __asm__ volatile(NORVC("auipc %1, 0\naddi %0, %1, 16\njalr %0, 0(%0)\nli %0, 0\n")
                     : "=&r"(r), "=&r"(start));
    CHECK(r == start + 12);
    return 0;
}
