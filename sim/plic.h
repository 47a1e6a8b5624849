/* Platform-Level Interrupt Controller, SiFive PLIC as on QEMU's virt board
 * (RISC-V PLIC specification 1.0.0). */
#ifndef RINGSIDE_PLIC_H
#define RINGSIDE_PLIC_H

#include "bus.h"
#include "irq.h"
#include "snap/snap.h"

#define PLIC_BASE 0x0c000000u
#define PLIC_SIZE 0x600000u
#define PLIC_NUM_SOURCES 96   /* source 0 is "no interrupt"; riscv,ndev = 95 */
#define PLIC_NUM_CONTEXTS 2   /* 0 = hart 0 M mode, 1 = hart 0 S mode */

typedef struct Plic {
    uint32_t priority[PLIC_NUM_SOURCES];
    uint32_t level[PLIC_NUM_SOURCES / 32];     /* input line levels */
    uint32_t pending[PLIC_NUM_SOURCES / 32];
    uint32_t claimed[PLIC_NUM_SOURCES / 32];   /* in service: gateway closed */
    uint32_t enable[PLIC_NUM_CONTEXTS][PLIC_NUM_SOURCES / 32];
    uint32_t threshold[PLIC_NUM_CONTEXTS];
    IrqLine out[PLIC_NUM_CONTEXTS];            /* to the hart's MEIP / SEIP */
    int out_level[PLIC_NUM_CONTEXTS];
} Plic;

extern const MemOps plic_ops;
extern const SnapDesc plic_snap;

void plic_init(Plic *p, IrqLine m_ext, IrqLine s_ext);
/* The input side: source n's level (level-triggered gateways). */
void plic_set_source(void *plic, unsigned n, int level);
static inline IrqLine plic_irq(Plic *p, unsigned source) { return (IrqLine){ plic_set_source, p, source }; }
/* Register-level access for tests and the monitor. */
uint32_t plic_claim(Plic *p, unsigned ctx);
void plic_complete(Plic *p, unsigned ctx, uint32_t source);

#endif
