/* The hart's state for snapshots (snap/snap.h): the register files, the privilege, the
 * counters and the LR/SC reservation by name, and every CSR that has a member of Cpu
 * straight from the CSR table (cpu/csrs.def, the REG column), so a CSR added there is
 * in every snapshot without a line here. The decoded-instruction cache and Sv39's TLB
 * are not state: restoring RAM drops the decoded pages that changed (ram_write's code
 * check), and the TLB is emptied. */
#include "cpu/cpu_internal.h"
#include "snap/snap.h"

#define REG(member) SNAP_FIELD(Cpu, member),
#define NOREG
#define CSR(number, name, priv, flags, read, write, reg, wmask) reg
#define CSRS(number, name, first, last, step, priv, flags, read, write, reg, wmask) reg
static const SnapField cpu_fields[] = {
    SNAP_FIELD(Cpu, x), SNAP_FIELD(Cpu, f), SNAP_FIELD(Cpu, fcsr), SNAP_FIELD(Cpu, pc),
    SNAP_FIELD(Cpu, priv), SNAP_FIELD(Cpu, instret), SNAP_FIELD(Cpu, skipped),
    SNAP_FIELD(Cpu, excepted), SNAP_FIELD(Cpu, mcycle_off), SNAP_FIELD(Cpu, minstret_off),
    SNAP_FIELD(Cpu, cycle_frozen), SNAP_FIELD(Cpu, instret_frozen),
    SNAP_FIELD(Cpu, resv_addr), SNAP_FIELD(Cpu, resv_valid),
    SNAP_FIELD(Cpu, irq_lines), SNAP_FIELD(Cpu, mip_sw),     /* mip's two parts */
    SNAP_FIELD(Cpu, pmpcfg), SNAP_FIELD(Cpu, pmpaddr),      /* NOREG rows of csrs.def */
#include "cpu/csrs.def"
};
#undef CSR
#undef CSRS
#undef REG
#undef NOREG

/* A restored hart stands between two instructions: no exit pending, no breakpoint
 * being stepped over (the debugger's breakpoints are its own, not the machine's). */
static void cpu_post_load(void *obj)
{
    Cpu *c = obj;
    c->stop = false;
    c->exit_req = false;
    c->bp_skip = false;
    c->mip = c->irq_lines | c->mip_sw;   /* mip is their OR, not a state of its own */
    cpu_tlb_flush(c);        /* a cache of the old page tables: refilled on demand */
    cpu_mmu_mode(c);         /* which accesses translate follows the restored CSRs */
}

static const SnapDesc cpu_snap = SNAP_DESC("cpu", 1, Cpu, cpu_fields, .post_load = cpu_post_load);

void cpu_snap_add(Cpu *c, SnapReg *r)
{
    snap_add(r, &cpu_snap, c, NULL);
}
