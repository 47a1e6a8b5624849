/* Helpers for the ISA suite's test bodies: one instruction each, in its 32-bit form
 * (norvc: the assembler would otherwise compress some of them) or, for the C
 * extension's tests, in the compressed form the mnemonic names. */
#ifndef ISA_OPS_H
#define ISA_OPS_H

#include <stdint.h>

#define NORVC(ins) ".option push\n.option norvc\n" ins "\n.option pop"
/* rd = op rs1, rs2 */
#define RR(op, a, b) ({ uint64_t _r; __asm__ volatile(NORVC(op " %0, %1, %2") : "=r"(_r) \
    : "r"((uint64_t)(a)), "r"((uint64_t)(b))); _r; })
/* rd = op rs1, imm */
#define RI(op, a, imm) ({ uint64_t _r; __asm__ volatile(NORVC(op " %0, %1, %2") : "=r"(_r) \
    : "r"((uint64_t)(a)), "i"(imm)); _r; })
/* rd = op imm (lui, auipc is pc-dependent) */
#define UI(op, imm) ({ uint64_t _r; __asm__ volatile(NORVC(op " %0, %1") : "=r"(_r) : "i"(imm)); _r; })

#endif
