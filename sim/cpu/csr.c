/* Machine-mode CSRs of a hart with M and U modes and no S mode (RISC-V privileged spec
 * §2 and §3). Supervisor CSRs (satp included) do not exist and raise illegal
 * instruction, which §3.1.6.5 allows; there are no PMP entries and no F extension.
 * Counters follow the virtual clock: cycle is vclock, instret is instructions retired
 * (executed less those that raised an exception), time is cpu_mtime(). */
#include "cpu/cpu_internal.h"

#define MISA_VALUE (2ull << 62 | 1u << ('I' - 'A') | 1u << ('M' - 'A') | \
                    1u << ('A' - 'A') | 1u << ('C' - 'A') | 1u << ('U' - 'A'))

enum {
    CSR_FFLAGS = 0x001, CSR_FRM = 0x002, CSR_FCSR = 0x003,
    CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02,
    CSR_HPMCOUNTER3 = 0xc03, CSR_HPMCOUNTER31 = 0xc1f,
    CSR_MVENDORID = 0xf11, CSR_MARCHID = 0xf12, CSR_MIMPID = 0xf13, CSR_MHARTID = 0xf14,
    CSR_MCONFIGPTR = 0xf15,
    CSR_MSTATUS = 0x300, CSR_MISA = 0x301, CSR_MEDELEG = 0x302, CSR_MIDELEG = 0x303,
    CSR_MIE = 0x304, CSR_MTVEC = 0x305, CSR_MCOUNTEREN = 0x306, CSR_MENVCFG = 0x30a,
    CSR_MCOUNTINHIBIT = 0x320, CSR_MHPMEVENT3 = 0x323, CSR_MHPMEVENT31 = 0x33f,
    CSR_MSCRATCH = 0x340, CSR_MEPC = 0x341, CSR_MCAUSE = 0x342, CSR_MTVAL = 0x343,
    CSR_MIP = 0x344,
    CSR_PMPCFG0 = 0x3a0, CSR_PMPCFG15 = 0x3af, CSR_PMPADDR0 = 0x3b0, CSR_PMPADDR63 = 0x3ef,
    CSR_MCYCLE = 0xb00, CSR_MINSTRET = 0xb02,
    CSR_MHPMCOUNTER3 = 0xb03, CSR_MHPMCOUNTER31 = 0xb1f,
};

/* Writable mstatus fields with M and U modes: SIE, SPIE, SPP, SUM, MXR, TVM, TSR and
 * SXL are zero without S mode, the endianness bits zero (little-endian), UXL reads 2,
 * FS follows CPU_FP_MOVES (§3.1.6). */
#define MSTATUS_WMASK (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TW | \
                       (CPU_FP_MOVES ? MSTATUS_FS : 0))

/* mcountinhibit.CY/IR hold the counters at the value they had when stopped. */
static uint64_t counter_cycle(const Cpu *c)
{
    return (c->mcountinhibit & 1) ? c->cycle_frozen : cpu_vclock_now(c) + c->mcycle_off;
}
/* Instructions retired: those executed less those that raised an exception (ecall,
 * ebreak, illegal, faults), which do not retire (privileged spec §3.3.1, §3.1.11). */
static uint64_t retired(const Cpu *c) { return c->instret - c->excepted; }
static uint64_t counter_instret(const Cpu *c)
{
    return (c->mcountinhibit & 4) ? c->instret_frozen : retired(c) + c->minstret_off;
}

static void set_inhibit(Cpu *c, uint32_t nv, unsigned retiring)
{
    nv &= ~2u;                                   /* TM is read-only zero */
    uint32_t old = c->mcountinhibit;
    if (!(old & 1) && (nv & 1))
        c->cycle_frozen = counter_cycle(c);
    if ((old & 1) && !(nv & 1))
        c->mcycle_off = c->cycle_frozen - (cpu_vclock_now(c) + retiring);
    if (!(old & 4) && (nv & 4))
        c->instret_frozen = counter_instret(c);
    if ((old & 4) && !(nv & 4))
        c->minstret_off = c->instret_frozen - (retired(c) + retiring);
    c->mcountinhibit = nv;
}

/* Reads csr into *v; -1 if it does not exist. */
static int csr_get(Cpu *c, unsigned csr, uint64_t *v)
{
    /* No PMP entries (§3.7.1 allows zero): every PMP CSR reads zero and ignores
     * writes, so software that probes for entries finds none rather than entries that
     * would not protect anything. On RV64 the odd pmpcfg registers do not exist. */
    if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) {
        *v = 0;
        return (csr & 1) ? -1 : 0;
    }
    if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) { *v = 0; return 0; }
    if ((csr >= CSR_HPMCOUNTER3 && csr <= CSR_HPMCOUNTER31) ||
        (csr >= CSR_MHPMCOUNTER3 && csr <= CSR_MHPMCOUNTER31) ||
        (csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31)) {
        *v = 0;
        return 0;
    }
    switch (csr) {
    case CSR_CYCLE: case CSR_MCYCLE: *v = counter_cycle(c); return 0;
    case CSR_INSTRET: case CSR_MINSTRET: *v = counter_instret(c); return 0;
    case CSR_TIME: *v = cpu_mtime(c); return 0;
    case CSR_MVENDORID: case CSR_MARCHID: case CSR_MIMPID: case CSR_MCONFIGPTR: *v = 0; return 0;
    case CSR_MHARTID: *v = c->cfg.hartid; return 0;
    case CSR_MSTATUS:
        *v = c->mstatus | MSTATUS_UXL | ((c->mstatus & MSTATUS_FS) == MSTATUS_FS ? MSTATUS_SD : 0);
        return 0;
    case CSR_FFLAGS: *v = c->fcsr & 0x1f; return 0;
    case CSR_FRM: *v = (c->fcsr >> 5) & 7; return 0;
    case CSR_FCSR: *v = c->fcsr & 0xff; return 0;
    case CSR_MISA: *v = MISA_VALUE; return 0;
    case CSR_MEDELEG: case CSR_MIDELEG: *v = 0; return 0;
    case CSR_MIE: *v = c->mie; return 0;
    case CSR_MIP: *v = c->mip & MIP_M_BITS; return 0;
    case CSR_MTVEC: *v = c->mtvec; return 0;
    case CSR_MCOUNTEREN: *v = c->mcounteren; return 0;
    case CSR_MCOUNTINHIBIT: *v = c->mcountinhibit; return 0;
    case CSR_MENVCFG: *v = c->menvcfg; return 0;
    case CSR_MSCRATCH: *v = c->mscratch; return 0;
    case CSR_MEPC: *v = c->mepc; return 0;
    case CSR_MCAUSE: *v = c->mcause; return 0;
    case CSR_MTVAL: *v = c->mtval; return 0;
    }
    return -1;
}

/* Writes csr (which exists and is writable); WARL fields keep legal values only.
 * `retiring` is 1 when a CSR instruction writes: the counters then read back the
 * written value at the next instruction (privileged spec §3.3.1 ordering). */
static void csr_put(Cpu *c, unsigned csr, uint64_t v, unsigned retiring)
{
    switch (csr) {
    case CSR_FFLAGS: c->fcsr = (c->fcsr & ~0x1fu) | ((uint32_t)v & 0x1f); break;
    case CSR_FRM: c->fcsr = (c->fcsr & 0x1f) | ((uint32_t)v & 7) << 5; break;
    case CSR_FCSR: c->fcsr = (uint32_t)v & 0xff; break;
    case CSR_MSTATUS: {
        uint64_t mpp = v & MSTATUS_MPP;
        /* MPP is WARL with M and U legal: an S or H value leaves the field as it was. */
        if (mpp != MSTATUS_MPP && mpp != 0)
            v = (v & ~MSTATUS_MPP) | (c->mstatus & MSTATUS_MPP);
        c->mstatus = (c->mstatus & ~MSTATUS_WMASK) | (v & MSTATUS_WMASK);
        break;
    }
    case CSR_MIE: c->mie = v & MIE_MASK; break;
    case CSR_MIP: c->mip = (c->mip & ~MIP_SW_MASK) | (v & MIP_SW_MASK); break;
    case CSR_MTVEC: c->mtvec = (v & 3) >= 2 ? (v & ~3ull) : v; break;  /* modes 0, 1 */
    case CSR_MCOUNTEREN: c->mcounteren = (uint32_t)v; break;
    case CSR_MCOUNTINHIBIT: set_inhibit(c, (uint32_t)v, retiring); break;
    case CSR_MENVCFG: c->menvcfg = v & 1; break;                           /* FIOM */
    case CSR_MSCRATCH: c->mscratch = v; break;
    case CSR_MEPC: c->mepc = v & ~1ull; break;    /* IALIGN = 16 */
    case CSR_MCAUSE: c->mcause = v; break;
    case CSR_MTVAL: c->mtval = v; break;
    case CSR_MCYCLE:
        c->cycle_frozen = v;
        c->mcycle_off = v - (cpu_vclock_now(c) + retiring);
        break;
    case CSR_MINSTRET:
        c->instret_frozen = v;
        c->minstret_off = v - (retired(c) + retiring);
        break;
    /* misa, medeleg, mideleg, PMP, hpm counters and events: WARL 0. medeleg and
     * mideleg "should not exist" without S mode (§3.1.8); reading zero is what
     * portable M-mode software that probes them expects. */
    default: break;
    }
}

/* U-mode access to the user counters needs the mcounteren bit (§3.1.11). */
static bool counter_allowed(const Cpu *c, unsigned csr)
{
    if (c->priv == PRV_M || csr < CSR_CYCLE || csr > CSR_HPMCOUNTER31)
        return true;
    return (c->mcounteren >> (csr - CSR_CYCLE)) & 1;
}

int cpu_csr_op(Cpu *c, unsigned csr, uint64_t *old, bool do_read, bool do_write,
               uint64_t wval, unsigned op)
{
    uint64_t v = 0;
    if (((csr >> 8) & 3) > c->priv || !counter_allowed(c, csr))
        return -1;
    if (csr_get(c, csr, &v) < 0)
        return -1;
    if (csr <= CSR_FCSR) {
        /* fcsr and its views need the FP unit on (mstatus.FS); writing dirties it. */
        if (!(c->mstatus & MSTATUS_FS))
            return -1;
        if (do_write)
            c->mstatus |= MSTATUS_FS;
    }
    if (do_write && (csr >> 10) == 3)
        return -1;                     /* read-only CSR */
    (void)do_read;                     /* no CSR here has read side effects */
    *old = v;
    if (do_write) {
        uint64_t nv = op == OP_CSRRW || op == OP_CSRRWI ? wval
                    : op == OP_CSRRS || op == OP_CSRRSI ? v | wval : v & ~wval;
        csr_put(c, csr, nv, 1);
    }
    return 0;
}

int cpu_csr_read(Cpu *c, unsigned csr, uint64_t *val)
{
    return csr_get(c, csr & 0xfff, val);
}

int cpu_csr_write(Cpu *c, unsigned csr, uint64_t val)
{
    uint64_t old;
    if (csr_get(c, csr & 0xfff, &old) < 0)
        return -1;
    csr_put(c, csr & 0xfff, val, 0);
    return 0;
}
