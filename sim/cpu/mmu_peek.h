/* Reading guest virtual memory as an observer does (RISC-V privileged spec 1.12,
 * §4.3.2 for the walk, §4.4 for Sv39): the trace's call-stack names (sim/debug/frames.c)
 * and anything else that must look at S-mode memory without changing the machine.
 *
 * A peek walks satp's page tables the way the hart does but changes nothing: no TLB
 * entry is filled, no A or D bit is set, no trap is taken, no RAM hook sees an access.
 * It checks only what makes a translation exist (V, the R/W/X combination, reserved
 * bits, superpage alignment, the tables in RAM), never permissions: an observer may
 * read what the code it watches could not. */
#ifndef RINGSIDE_CPU_MMU_PEEK_H
#define RINGSIDE_CPU_MMU_PEEK_H

#include "cpu.h"

/* The physical address of va under satp (Sv39, or Bare: va itself); false when va has
 * no translation. */
bool sv39_peek_translate(const Ram *ram, uint64_t satp, uint64_t va, uint64_t *pa);
/* Reads len bytes at va under satp into buf, page by page; false (buf partly
 * written) when a page has no translation or is not RAM. */
bool sv39_peek(const Ram *ram, uint64_t satp, uint64_t va, void *buf, size_t len);

/* The same under the hart's current satp. */
bool cpu_peek_va(const Cpu *c, uint64_t va, void *buf, size_t len);
/* Whether the hart's registers hold S-mode context now: it runs in S mode, or in M mode
 * entered from S (mstatus.MPP = S: a trap from S being reported), with Sv39 on. */
bool cpu_in_s_context(const Cpu *c);

#endif
