/* Core-Local Interruptor (SiFive CLINT, as on QEMU's virt board): msip at +0x0,
 * mtimecmp at +0x4000, mtime at +0xbff8. mtime is derived from the virtual clock
 * (DESIGN.md §3), so the timer interrupt is an event at an exact instruction count.
 * mtime is read-only here: a guest store to it is dropped, so that the `time` CSR and
 * the CLINT's mtime can never disagree (no firmware ringside targets writes it).
 * The CLINT drives two interrupt lines (the hart's MTIP and MSIP) and reads a clock;
 * it never sees the hart itself. */
#ifndef RINGSIDE_CLINT_H
#define RINGSIDE_CLINT_H

#include "bus.h"
#include "events.h"
#include "irq.h"
#include "snap/snap.h"

#define CLINT_BASE 0x02000000u
#define CLINT_SIZE 0x10000u

typedef struct Clint {
    IrqLine mtip, msip_line;     /* timer and software interrupt of hart 0 */
    EventQueue *q;
    Timer timer;
    uint64_t (*now)(void *ctx);  /* the virtual clock (DESIGN.md §3) */
    void *now_ctx;
    uint32_t insns_per_tick;     /* virtual clock units per mtime tick */
    uint64_t mtimecmp;
    uint32_t msip;
} Clint;

extern const MemOps clint_ops;
extern const SnapDesc clint_snap;

/* mtime = now(now_ctx) / insns_per_tick; the hart's `time` CSR must use the same ratio. */
void clint_init(Clint *c, IrqLine mtip, IrqLine msip, EventQueue *q,
                uint64_t (*now)(void *ctx), void *now_ctx, uint32_t insns_per_tick);
uint64_t clint_mtime(const Clint *c);

#endif
