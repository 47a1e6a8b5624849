/* The RISC-V hart: RV64IMAC + Zicsr + Zifencei, M and U modes (DESIGN.md §3).
 *
 * This header is the CPU's whole public surface for the machine, the debugger and the
 * tests. The interpreter decodes each instruction once into a per-page cache, runs
 * blocks against a budget that ends exactly at the next scheduled event, reaches RAM
 * without the region table, and reaches devices through the memory address space. */
#ifndef RINGSIDE_CPU_H
#define RINGSIDE_CPU_H

#include "bus.h"
#include "ram.h"

typedef struct Cpu Cpu;

typedef struct CpuConfig {
    AddrSpace *mem;          /* devices (and, via the PCI I/O window, PIO) */
    Ram *ram;
    uint64_t hartid;
    uint32_t insns_per_tick; /* virtual clock units per mtime tick (default 10) */
} CpuConfig;

/* Why cpu_run returned. */
typedef enum CpuExit {
    CPU_EXIT_BUDGET,         /* the budget ran out: an event is due */
    CPU_EXIT_WFI,            /* wfi with no interrupt pending: skip to the next event */
    CPU_EXIT_REQUEST,        /* a device or the debugger asked (cpu_request_exit) */
    CPU_EXIT_BREAK,          /* pc is at a breakpoint (cpu_break_add); it has not executed */
} CpuExit;

/* mip bits the platform drives: bit i of mip is interrupt cause i (cpu/causes.def). */
enum {
#define EXC(code, name, id)
#define IRQ(code, name, id) MIP_##id = code,
#include "cpu/causes.def"
#undef EXC
#undef IRQ
};

/* Observer of the CPU's traps (exceptions and interrupts taken); NULL = none. */
typedef struct CpuTrap {
    uint64_t cause, tval, epc, vclock;
    unsigned from_priv;
} CpuTrap;
typedef void CpuTrapHook(void *ctx, const CpuTrap *t);

Cpu *cpu_create(const CpuConfig *cfg, Err *err);
void cpu_destroy(Cpu *c);
/* Reset: M mode, pc = reset_pc, mstatus/mie/mip cleared, counters zero. */
void cpu_reset(Cpu *c, uint64_t reset_pc);

/* Runs until budget virtual-clock units have elapsed or an exit reason arises. */
CpuExit cpu_run(Cpu *c, uint64_t budget);
/* Ends the current block after the current instruction (safe from device callbacks). */
void cpu_request_exit(Cpu *c);
/* wfi sleep: advance the virtual clock by ticks without retiring instructions. */
void cpu_skip(Cpu *c, uint64_t ticks);

/* Level of a platform interrupt line into mip (MSIP, MTIP, MEIP, SEIP). Ends the
 * current block so that a newly pending interrupt is taken at once. */
void cpu_set_irq(Cpu *c, unsigned mip_bit, int level);

/* Virtual clock: instructions retired + ticks skipped by wfi. Drives mtime and events. */
uint64_t cpu_vclock(const Cpu *c);
uint64_t cpu_instret(const Cpu *c);
/* mtime as the CLINT presents it: vclock / insns_per_tick. */
uint64_t cpu_mtime(const Cpu *c);

/* Register access for the machine, the debugger and the tests. */
uint64_t cpu_get_pc(const Cpu *c);
void cpu_set_pc(Cpu *c, uint64_t pc);
uint64_t cpu_get_reg(const Cpu *c, unsigned r);
/* ABI name of x<r> (sim/cpu/gprs.def: "zero", "ra", "sp", ...), NULL above 31; and the
 * number of an ABI name or "x<N>", -1 if none. */
const char *cpu_reg_name(unsigned r);
int cpu_reg_number(const char *name);
void cpu_set_reg(Cpu *c, unsigned r, uint64_t v);
unsigned cpu_get_priv(const Cpu *c);
/* CSR access without side effects of privilege checks; -1 if the CSR does not exist. */
int cpu_csr_read(Cpu *c, unsigned csr, uint64_t *val);
int cpu_csr_write(Cpu *c, unsigned csr, uint64_t val);

/* Names from the one CSR table (cpu/csrs.def), as the privileged spec spells them
 * ("mstatus", "pmpaddr12"): NULL if this hart has no such CSR (csr > 0xfff included). */
const char *cpu_csr_name(unsigned csr);
/* The number of the CSR called name (case matters), or -1 if this hart has none. */
int cpu_csr_number(const char *name);
/* Name of an mcause value (cpu/causes.def: "illegal_instruction", with bit 63 set
 * "machine_timer_interrupt"), or NULL for a reserved or custom code. */
const char *cpu_cause_name(uint64_t cause);

void cpu_set_trap_hook(Cpu *c, CpuTrapHook *fn, void *ctx);

/* Breakpoints for the debugger: cpu_run returns CPU_EXIT_BREAK before it executes an
 * instruction at pc. They live in the decoded-instruction cache (the entry's handler is
 * swapped), so they cost nothing where they are not and never change guest memory.
 * cpu_break_add returns -1 when the table is full (CPU_MAX_BREAKS). */
#define CPU_MAX_BREAKS 64
int cpu_break_add(Cpu *c, uint64_t pc);
void cpu_break_remove(Cpu *c, uint64_t pc);
bool cpu_break_at(const Cpu *c, uint64_t pc);
/* The next cpu_run executes the instruction at the current pc even if it is a
 * breakpoint (to go on from one); any other first instruction cancels this. */
void cpu_break_step_over(Cpu *c);

/* Observer of the hart's RAM loads (watchpoints); NULL = none. While one is set, every
 * RAM load leaves the fast path, so it costs only while it is wanted. */
typedef void CpuLoadHook(void *ctx, uint64_t addr, unsigned size, uint64_t val);
void cpu_set_load_hook(Cpu *c, CpuLoadHook *fn, void *ctx);
/* Registers the hart's state for snapshots (cpu/cpu_snap.c). */
struct SnapReg;
void cpu_snap_add(Cpu *c, struct SnapReg *r);
/* A cheap, deterministic hash of the architectural state (pc, x1..x31, priv, key CSRs). */
uint64_t cpu_state_hash(const Cpu *c);

#endif
