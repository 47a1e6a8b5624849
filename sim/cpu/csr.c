/* The CSRs of a hart with M, S and U modes (RISC-V privileged spec 1.12, §2, §3 and
 * §4.1): sstatus, sie and sip are views of mstatus, mie and mip; satp selects Bare or
 * Sv39 (mmu.c); 16 PMP entries hold what is written (§3.7.1: WARL, locking), and
 * pmp.c checks accesses against them. There is no F extension.
 * Counters follow the virtual clock: cycle is vclock, instret is instructions retired
 * (executed less those that raised an exception), time is cpu_mtime().
 *
 * Every CSR is one row of cpu/csrs.def (number, name, privilege, read and write
 * functions, storage, write mask); this file holds the few functions with behaviour of
 * their own and the generic rules of §2.1 (privilege and read-only from the number). */
#include "cpu/cpu_internal.h"

#include <stddef.h>
#include <string.h>

#define MISA_VALUE (2ull << 62 | 1u << ('I' - 'A') | 1u << ('M' - 'A') | 1u << ('A' - 'A') | \
                    1u << ('C' - 'A') | 1u << ('S' - 'A') | 1u << ('U' - 'A'))

/* Writable mstatus fields (§3.1.6): the endianness bits are zero (little-endian), UXL
 * and SXL read 2, FS follows CPU_FP_MOVES, XS is zero. sstatus shows the S fields. */
#define MSTATUS_WMASK (MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP | \
                       MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | \
                       MSTATUS_TW | MSTATUS_TSR | (CPU_FP_MOVES ? MSTATUS_FS : 0))
#define SSTATUS_WMASK (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR | \
                       (CPU_FP_MOVES ? MSTATUS_FS : 0))
#define SSTATUS_RMASK (SSTATUS_WMASK | MSTATUS_FS | MSTATUS_UXL | MSTATUS_SD)
/* medeleg: every exception that can happen below M, not ecall from M (§3.1.8). */
#define MEDELEG_MASK 0xb3ffull

enum {
    CSR_FP = 1,      /* needs mstatus.FS on; a write sets FS dirty (§3.1.6.6) */
    CSR_CTR = 2,     /* below M, needs mcounteren bit (number & 31), in U scounteren's too (§3.1.11, §4.1.4) */
    CSR_TVM = 4,     /* in S mode, illegal while mstatus.TVM is set (§3.1.6.5) */
    CSR_RMW_REG = 8, /* csrrs/csrrc modify reg, not the value read (mip.SEIP, §3.1.9) */
};

typedef struct CsrDesc CsrDesc;
/* csr is the number accessed (a member of d's range). */
typedef uint64_t CsrRead(const Cpu *c, const CsrDesc *d, unsigned csr);
/* Writes a CSR that exists; WARL fields keep legal values only. `retiring` is 1 when
 * a CSR instruction writes: the counters then read back the written value at the next
 * instruction (privileged spec §3.3.1 ordering); 0 for the debugger and tests. */
typedef void CsrWrite(Cpu *c, const CsrDesc *d, unsigned csr, uint64_t v, unsigned retiring);

/* One row of csrs.def. A single CSR is a range of one, named without a suffix. */
struct CsrDesc {
    const char *name;
    const char *const *names;   /* a range's member names (name0..name63), or NULL */
    uint16_t num;               /* number of the first member */
    uint8_t first, last, step;  /* member indices first, first + step, ..., last */
    uint8_t priv, flags;
    CsrRead *read;
    CsrWrite *write;
    size_t reg;                 /* offset of the uint64_t in Cpu, or NOREG */
    uint64_t wmask;
};

#define NOREG SIZE_MAX
/* The member must be a uint64_t: any other type selects no association of _Generic
 * and does not compile. */
#define REG(member) _Generic(((Cpu *)0)->member, uint64_t: offsetof(Cpu, member))

static uint64_t *reg_of(Cpu *c, const CsrDesc *d) { return (uint64_t *)((char *)c + d->reg); }

/* ---- generic behaviour ---- */

static uint64_t csr_rd_zero(const Cpu *c, const CsrDesc *d, unsigned csr) { return 0; }
static uint64_t csr_rd_reg(const Cpu *c, const CsrDesc *d, unsigned csr)
{
    return *(const uint64_t *)((const char *)c + d->reg);
}
static void csr_wr_none(Cpu *c, const CsrDesc *d, unsigned csr, uint64_t v, unsigned retiring) {}
static void csr_wr_reg(Cpu *c, const CsrDesc *d, unsigned csr, uint64_t v, unsigned retiring)
{
    uint64_t *r = reg_of(c, d);
    *r = (*r & ~d->wmask) | (v & d->wmask);
}

/* ---- CSRs with behaviour of their own ---- */

/* fflags, frm and fcsr are views of one register: wmask picks the bits shown. */
static uint64_t csr_rd_fcsr(const Cpu *c, const CsrDesc *d, unsigned csr)
{
    return (c->fcsr & d->wmask) >> __builtin_ctzll(d->wmask);
}
static void csr_wr_fcsr(Cpu *c, const CsrDesc *d, unsigned csr, uint64_t v, unsigned retiring)
{
    c->fcsr = (uint32_t)((c->fcsr & ~d->wmask) | ((v << __builtin_ctzll(d->wmask)) & d->wmask));
}

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

static uint64_t csr_rd_cycle(const Cpu *c, const CsrDesc *d, unsigned csr) { return counter_cycle(c); }
static uint64_t csr_rd_instret(const Cpu *c, const CsrDesc *d, unsigned csr) { return counter_instret(c); }
static uint64_t csr_rd_time(const Cpu *c, const CsrDesc *d, unsigned csr) { return cpu_mtime(c); }

static void csr_wr_mcycle(Cpu *c, const CsrDesc *d, unsigned csr, uint64_t v, unsigned retiring)
{
    c->cycle_frozen = v;
    c->mcycle_off = v - (cpu_vclock_now(c) + retiring);
}
static void csr_wr_minstret(Cpu *c, const CsrDesc *d, unsigned csr, uint64_t v, unsigned retiring)
{
    c->instret_frozen = v;
    c->minstret_off = v - (retired(c) + retiring);
}

/* Stopping a counter freezes the value it has now; restarting it resumes from there
 * at the next instruction. */
static void csr_wr_mcountinhibit(Cpu *c, const CsrDesc *d, unsigned csr, uint64_t v, unsigned retiring)
{
    uint64_t nv = v & d->wmask, old = c->mcountinhibit;
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

static uint64_t csr_rd_mhartid(const Cpu *c, const CsrDesc *d, unsigned csr) { return c->cfg.hartid; }
static uint64_t csr_rd_misa(const Cpu *c, const CsrDesc *d, unsigned csr) { return MISA_VALUE; }

static uint64_t csr_rd_mstatus(const Cpu *c, const CsrDesc *d, unsigned csr)
{
    return c->mstatus | MSTATUS_UXL | MSTATUS_SXL |
           ((c->mstatus & MSTATUS_FS) == MSTATUS_FS ? MSTATUS_SD : 0);
}
static uint64_t csr_rd_sstatus(const Cpu *c, const CsrDesc *d, unsigned csr)
{
    return csr_rd_mstatus(c, d, csr) & SSTATUS_RMASK;
}
/* MPP is WARL with M, S and U legal: the reserved value 2 leaves the field as it was.
 * A change of MXR changes what a load may read: the TLB forgets (SUM selects a TLB set
 * instead, and MPRV/MPP take effect at the next block, which every CSR write starts). */
static void csr_wr_mstatus(Cpu *c, const CsrDesc *d, unsigned csr, uint64_t v, unsigned retiring)
{
    uint64_t old = c->mstatus;
    if ((v & MSTATUS_MPP) == 2ull << MSTATUS_MPP_SHIFT)
        v = (v & ~MSTATUS_MPP) | (c->mstatus & MSTATUS_MPP);
    csr_wr_reg(c, d, csr, v, retiring);
    if ((old ^ c->mstatus) & MSTATUS_MXR)
        cpu_tlb_flush(c);
}

/* Modes 0 (direct) and 1 (vectored); the reserved modes 2 and 3 read back as direct.
 * mtvec and stvec alike (§3.1.7, §4.1.2). */
static void csr_wr_mtvec(Cpu *c, const CsrDesc *d, unsigned csr, uint64_t v, unsigned retiring)
{
    csr_wr_reg(c, d, csr, (v & 3) >= 2 ? (v & ~3ull) : v, retiring);
}

/* mip: the platform's lines OR the bits M mode wrote (cpu_update_mip). */
static uint64_t csr_rd_mip(const Cpu *c, const CsrDesc *d, unsigned csr) { return c->mip & MIE_MASK; }
static void csr_wr_mip(Cpu *c, const CsrDesc *d, unsigned csr, uint64_t v, unsigned retiring)
{
    c->mip_sw = (c->mip_sw & ~d->wmask) | (v & d->wmask);
    cpu_update_mip(c);
}
/* sie and sip show the delegated interrupts only (§4.1.3); of sip, only SSIP is
 * writable. */
static uint64_t csr_rd_sie(const Cpu *c, const CsrDesc *d, unsigned csr) { return c->mie & c->mideleg; }
static void csr_wr_sie(Cpu *c, const CsrDesc *d, unsigned csr, uint64_t v, unsigned retiring)
{
    uint64_t m = d->wmask & c->mideleg;
    c->mie = (c->mie & ~m) | (v & m);
}
static uint64_t csr_rd_sip(const Cpu *c, const CsrDesc *d, unsigned csr) { return c->mip & c->mideleg; }
static void csr_wr_sip(Cpu *c, const CsrDesc *d, unsigned csr, uint64_t v, unsigned retiring)
{
    uint64_t m = d->wmask & c->mideleg;
    c->mip_sw = (c->mip_sw & ~m) | (v & m);
    cpu_update_mip(c);
}

/* satp (§4.1.11): a write of a mode other than Bare or Sv39 has no effect; ASID is
 * read-only zero. The TLB is not flushed by a new root (sfence.vma does that), but a
 * mode change takes effect at once: the write ends the block, and the TLB forgets the
 * entries of the other mode (Bare's map pages to themselves, mmu.c). */
static void csr_wr_satp(Cpu *c, const CsrDesc *d, unsigned csr, uint64_t v, unsigned retiring)
{
    uint64_t mode = v >> SATP_MODE_SHIFT;
    if (mode != SATP_MODE_BARE && mode != SATP_MODE_SV39)
        return;
    uint64_t old = c->satp;
    c->satp = mode == SATP_MODE_BARE ? 0 : (v & (0xfull << SATP_MODE_SHIFT | SATP_PPN_MASK));
    if ((old ^ c->satp) >> SATP_MODE_SHIFT)
        cpu_tlb_flush(c);
}

/* PMP (§3.7.1). pmpcfg0 holds entries 0-7, pmpcfg2 entries 8-15; the others of the
 * range are zero. A locked entry (L) ignores writes to its cfg byte and address, and
 * a locked TOR entry also locks the address below it. R=0 W=1 is reserved (the RWX
 * field is WARL): W is then written as 0. The grain is 4 bytes (G = 0): pmpaddr holds
 * bits 55:2. Every write flushes the TLB, which caches PMP decisions (mmu.c); which
 * privileges are checked follows at the next block, which the write starts. */
static uint64_t csr_rd_pmpcfg(const Cpu *c, const CsrDesc *d, unsigned csr)
{
    unsigned k = (csr - d->num) / 2;
    return k < ARRAY_SIZE(c->pmpcfg) ? c->pmpcfg[k] : 0;
}
static void csr_wr_pmpcfg(Cpu *c, const CsrDesc *d, unsigned csr, uint64_t v, unsigned retiring)
{
    unsigned k = (csr - d->num) / 2;
    if (k >= ARRAY_SIZE(c->pmpcfg))
        return;
    for (unsigned b = 0; b < 8; b++) {
        unsigned i = k * 8 + b;
        uint8_t nb = (uint8_t)(v >> (8 * b)) & 0x9f;   /* bits 6:5 are zero */
        if (cpu_pmp_cfg(c, i) & PMP_L)
            continue;
        if ((nb & (PMP_R | PMP_W)) == PMP_W)
            nb &= (uint8_t)~PMP_W;
        c->pmpcfg[k] = (c->pmpcfg[k] & ~(0xffull << (8 * b))) | (uint64_t)nb << (8 * b);
    }
    cpu_tlb_flush(c);
}
static uint64_t csr_rd_pmpaddr(const Cpu *c, const CsrDesc *d, unsigned csr)
{
    unsigned i = csr - d->num;
    return i < PMP_ENTRIES ? c->pmpaddr[i] : 0;
}
static void csr_wr_pmpaddr(Cpu *c, const CsrDesc *d, unsigned csr, uint64_t v, unsigned retiring)
{
    unsigned i = csr - d->num;
    if (i >= PMP_ENTRIES || (cpu_pmp_cfg(c, i) & PMP_L))
        return;
    if (i + 1 < PMP_ENTRIES && (cpu_pmp_cfg(c, i + 1) & (PMP_L | PMP_A)) == (PMP_L | PMP_A_TOR))
        return;
    c->pmpaddr[i] = v & ((1ull << 54) - 1);
    cpu_tlb_flush(c);
}

/* ---- the table ---- */

/* Member names of a range, "pmpaddr0" .. "pmpaddr63": string literals, so that
 * cpu_csr_name returns constant storage. */
#define CSR_D10(p, t) p t "0", p t "1", p t "2", p t "3", p t "4", \
                      p t "5", p t "6", p t "7", p t "8", p t "9"
#define CSR_NAMES64(p) CSR_D10(p, ""), CSR_D10(p, "1"), CSR_D10(p, "2"), \
                       CSR_D10(p, "3"), CSR_D10(p, "4"), CSR_D10(p, "5"), \
                       p "60", p "61", p "62", p "63"

#define CSR(number, name, priv, flags, read, write, reg, wmask)
#define CSRS(number, name, first, last, step, priv, flags, read, write, reg, wmask) \
    static const char *const csr_names_##name[64] = { CSR_NAMES64(#name) };
#include "cpu/csrs.def"
#undef CSR
#undef CSRS

/* Bits 9:8 of a number are the lowest privilege that may access it (§2.1). */
#define CSR_PRIV_OK(number, priv) (((number) >> 8 & 3) == PRV_##priv)
#define CSR(number, name, priv, flags, read, write, reg, wmask) \
    _Static_assert(CSR_PRIV_OK(number, priv), #name ": priv is not bits 9:8 of the number");
#define CSRS(number, name, first, last, step, priv, flags, read, write, reg, wmask) \
    _Static_assert(CSR_PRIV_OK(number, priv) && CSR_PRIV_OK((number) + (last) - (first), priv), \
                   #name ": priv is not bits 9:8 of the numbers"); \
    _Static_assert((last) < 64 && (first) <= (last) && (step) > 0 && ((last) - (first)) % (step) == 0, \
                   #name ": first, last, step do not describe a range");
#include "cpu/csrs.def"
#undef CSR
#undef CSRS

static const CsrDesc csr_table[] = {
#define CSR(number, name, priv, flags, read, write, reg, wmask) \
    { #name, NULL, number, 0, 0, 1, PRV_##priv, flags, csr_rd_##read, csr_wr_##write, reg, wmask },
#define CSRS(number, name, first, last, step, priv, flags, read, write, reg, wmask) \
    { #name, csr_names_##name, number, first, last, step, PRV_##priv, flags, \
      csr_rd_##read, csr_wr_##write, reg, wmask },
#include "cpu/csrs.def"
#undef CSR
#undef CSRS
};
_Static_assert(ARRAY_SIZE(csr_table) < 255, "Cpu.csr_row holds 1 + a row in a byte");

int cpu_csr_index(Cpu *c, Err *err)
{
    memset(c->csr_row, 0, sizeof c->csr_row);
    for (unsigned r = 0; r < ARRAY_SIZE(csr_table); r++) {
        const CsrDesc *d = &csr_table[r];
        if ((d->read == csr_rd_reg || d->write == csr_wr_reg) && d->reg == NOREG)
            return err_set(err, "cpu: CSR %s reads or writes reg but has none", d->name);
        for (unsigned k = d->first; k <= d->last; k += d->step) {
            unsigned csr = d->num + k - d->first;
            if (csr >= ARRAY_SIZE(c->csr_row) || c->csr_row[csr])
                return err_set(err, "cpu: CSR %s: number 0x%x out of range or taken", d->name, csr);
            c->csr_row[csr] = (uint8_t)(r + 1);
        }
    }
    return 0;
}

static const CsrDesc *csr_desc(const Cpu *c, unsigned csr)
{
    unsigned r = c->csr_row[csr & 0xfff];
    return r ? &csr_table[r - 1] : NULL;
}

/* ---- names, for other modules ---- */

static const char *member_name(const CsrDesc *d, unsigned csr)
{
    unsigned first = d->num, last = first + d->last - d->first;
    if (csr < first || csr > last || (csr - first) % d->step)
        return NULL;
    return d->names ? d->names[d->first + csr - first] : d->name;
}

const char *cpu_csr_name(unsigned csr)
{
    for (unsigned r = 0; r < ARRAY_SIZE(csr_table); r++) {
        const char *n = member_name(&csr_table[r], csr);
        if (n)
            return n;
    }
    return NULL;
}

int cpu_csr_number(const char *name)
{
    if (!name)
        return -1;
    for (unsigned r = 0; r < ARRAY_SIZE(csr_table); r++) {
        const CsrDesc *d = &csr_table[r];
        size_t len = strlen(d->name);
        if (strncmp(name, d->name, len) != 0)
            continue;
        /* A range member's name is compared whole, so "pmpaddr012" is no name. */
        for (unsigned k = d->first; k <= d->last; k += d->step)
            if (strcmp(name, d->names ? d->names[k] : d->name) == 0)
                return (int)(d->num + k - d->first);
    }
    return -1;
}

/* ---- access ---- */

int cpu_csr_op(Cpu *c, unsigned csr, uint64_t *old, bool do_read, bool do_write,
               uint64_t wval, unsigned op)
{
    const CsrDesc *d = csr_desc(c, csr);
    if (!d || d->priv > c->priv)
        return -1;
    /* Below M the user counters need the mcounteren bit, in U scounteren's too
     * (§3.1.11, §4.1.4). */
    if ((d->flags & CSR_CTR) && c->priv != PRV_M) {
        if (!((c->mcounteren >> (csr & 31)) & 1))
            return -1;
        if (c->priv == PRV_U && !((c->scounteren >> (csr & 31)) & 1))
            return -1;
    }
    if ((d->flags & CSR_TVM) && c->priv == PRV_S && (c->mstatus & MSTATUS_TVM))
        return -1;
    uint64_t v = d->read(c, d, csr);
    if (d->flags & CSR_FP) {
        /* fcsr and its views need the FP unit on (mstatus.FS); writing dirties it. */
        if (!(c->mstatus & MSTATUS_FS))
            return -1;
        if (do_write)
            c->mstatus |= MSTATUS_FS;
    }
    if (do_write && (csr >> 10) == 3)
        return -1;                     /* read-only CSR (§2.1) */
    (void)do_read;                     /* no CSR here has read side effects */
    *old = v;
    if (do_write) {
        uint64_t base = (d->flags & CSR_RMW_REG) ? *reg_of(c, d) : v;
        uint64_t nv = op == OP_CSRRW || op == OP_CSRRWI ? wval
                    : op == OP_CSRRS || op == OP_CSRRSI ? base | wval : base & ~wval;
        d->write(c, d, csr, nv, 1);
    }
    return 0;
}

int cpu_csr_read(Cpu *c, unsigned csr, uint64_t *val)
{
    const CsrDesc *d = csr_desc(c, csr);
    if (!d)
        return -1;
    *val = d->read(c, d, csr & 0xfff);
    return 0;
}

int cpu_csr_write(Cpu *c, unsigned csr, uint64_t val)
{
    const CsrDesc *d = csr_desc(c, csr);
    if (!d)
        return -1;
    d->write(c, d, csr & 0xfff, val, 0);
    return 0;
}
