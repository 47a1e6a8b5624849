/* Core-Local Interruptor (SiFive CLINT, as on QEMU's virt board): msip at +0x0,
 * mtimecmp at +0x4000, mtime at +0xbff8. mtime is derived from the virtual clock
 * (DESIGN.md §3), so the timer interrupt is an event at an exact instruction count.
 * mtime is read-only here: a guest store to it is dropped, so that the `time` CSR and
 * the CLINT's mtime can never disagree (no firmware ringside targets writes it). */
#ifndef RINGSIDE_CLINT_H
#define RINGSIDE_CLINT_H

#include "bus.h"
#include "cpu.h"
#include "events.h"

#define CLINT_BASE 0x02000000u
#define CLINT_SIZE 0x10000u

typedef struct Clint {
    Cpu *cpu;
    EventQueue *q;
    Timer timer;
    uint32_t insns_per_tick;
    uint64_t mtimecmp;
    uint32_t msip;
} Clint;

extern const MemOps clint_ops;

void clint_init(Clint *c, Cpu *cpu, EventQueue *q, uint32_t insns_per_tick);
uint64_t clint_mtime(const Clint *c);

#endif
