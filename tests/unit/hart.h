/* A hart on 4 MiB of RAM at 0x80000000 for the CUnit tests of its privileged parts
 * (test_mmu.c, test_pmp.c): the RAM, the memory space and the Cpu, helpers to poke RAM
 * and read CSRs, the few encodings those tests run, and pmp_open, the PMP entry that
 * lets S and U mode reach everything (privileged spec §3.7.1: with PMP implemented,
 * an S or U access no entry matches fails). One hart per test: hart_setup, then
 * hart_teardown. */
#ifndef RINGSIDE_TEST_HART_H
#define RINGSIDE_TEST_HART_H

#include <CUnit/CUnit.h>

#include "sim/cpu.h"
#include "sim/cpu/cpu_internal.h"    /* TLB, walk and PMP internals */
#include "tests/unit/rvenc.h"

#define BASE 0x80000000ull

#define SRET 0x10200073u
#define MRET 0x30200073u
#define ECALL 0x00000073u
#define SFENCE(rs1) (0x12000073u | (rs1) << 15)
#define LD(rd, rs1, off) rv_i(off, rs1, 3, rd, 0x03)
#define SD(rs2, rs1, off) rv_s(off, rs2, rs1, 3, 0x23)
#define ADDI(rd, rs1, imm) RV_ADDI(rd, rs1, imm)
/* csrrw x0, csr, rs1 */
#define CSRW(csr, rs1) rv_i((int32_t)(csr), rs1, 1, 0, 0x73)

enum { CSR_SSTATUS = 0x100, CSR_STVEC = 0x105, CSR_SEPC = 0x141, CSR_SCAUSE = 0x142,
       CSR_STVAL = 0x143, CSR_SATP = 0x180, CSR_MSTATUS = 0x300, CSR_MEDELEG = 0x302,
       CSR_MTVEC = 0x305, CSR_MEPC = 0x341, CSR_MCAUSE = 0x342, CSR_MTVAL = 0x343,
       CSR_PMPCFG0 = 0x3a0, CSR_PMPADDR0 = 0x3b0 };

static Ram ram;
static AddrSpace mem;
static Cpu *cpu;

static inline void put32(uint64_t a, uint32_t v) { uint8_t b[4]; st32_le(b, v); ram_write(&ram, a, b, 4); }
static inline void put64(uint64_t a, uint64_t v) { uint8_t b[8]; st64_le(b, v); ram_write(&ram, a, b, 8); }
static inline uint64_t get64(uint64_t a) { uint64_t v = 0; ram_read(&ram, a, &v, 8); return v; }
static inline uint64_t csr(unsigned n) { uint64_t v = ~0ull; CU_ASSERT(cpu_csr_read(cpu, n, &v) == 0); return v; }

/* Entry 15 (the last, so the others keep priority over it): NAPOT over the whole
 * address space, R W X, unlocked -- what OpenSBI and QEMU-run firmware program last. */
static inline void pmp_open(void)
{
    cpu_csr_write(cpu, CSR_PMPADDR0 + 15, ~0ull);
    cpu_csr_write(cpu, CSR_PMPCFG0 + 2, csr(CSR_PMPCFG0 + 2) | 0x1full << 56);
}

static inline void hart_setup(void)
{
    CU_ASSERT_FATAL(ram_init(&ram, BASE, 4 << 20, NULL) == 0);
    as_init(&mem, "mem", SPACE_MEM);
    CpuConfig cfg = { .mem = &mem, .ram = &ram, .hartid = 0, .insns_per_tick = 10 };
    cpu = cpu_create(&cfg, NULL);
    CU_ASSERT_FATAL(cpu != NULL);
    cpu_reset(cpu, BASE);
}

static inline void hart_teardown(void)
{
    cpu_destroy(cpu);
    as_destroy(&mem);
    ram_destroy(&ram);
}

/* Runs code at pc in privilege priv: M mode at BASE does mret to it (one instruction),
 * with mstatus = status apart from MPP. */
static inline void hart_enter(unsigned priv, uint64_t pc, uint64_t status)
{
    put32(BASE, MRET);
    cpu_set_pc(cpu, BASE);
    cpu->priv = PRV_M;
    cpu_csr_write(cpu, CSR_MSTATUS, status | (uint64_t)priv << MSTATUS_MPP_SHIFT);
    cpu_csr_write(cpu, CSR_MEPC, pc);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL_FATAL(cpu_get_priv(cpu), priv);
}

#endif
