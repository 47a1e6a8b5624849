/* The hart's life cycle, traps and the decoded-instruction cache (privileged spec §3.1
 * for mstatus/mtvec/mepc/mcause, §3.1.8 for delegation, §4.1 for the S-mode trap
 * CSRs, §3.3.2 for mret and sret, §3.1.9 for interrupt priority).
 * The interpreter loop itself is in exec.c. */
#include "cpu/cpu_internal.h"

#include <stdlib.h>

static void code_written(void *opaque, uint64_t addr, uint64_t len);

/* A page's array forgets its decoded instructions. Its last slot is never a cache
 * entry: an instruction there may straddle into the next page, which under Sv39 need
 * not be the next physical page, so it is fetched afresh each time (OP_FETCH_SLOW). */
static void page_clear(Insn *p)
{
    memset(p, 0, INSNS_PER_PAGE * sizeof(Insn));
    p[INSNS_PER_PAGE - 1].h = OP_FETCH_SLOW * 2;
}

Cpu *cpu_create(const CpuConfig *cfg, Err *err)
{
    if (!cfg->ram || !cfg->mem) {
        err_set(err, "cpu: RAM and memory space are required");
        return NULL;
    }
    Cpu *c = calloc(1, sizeof *c);
    if (!c) {
        err_set(err, "cpu: out of memory");
        return NULL;
    }
    c->cfg = *cfg;
    if (c->cfg.insns_per_tick == 0)
        c->cfg.insns_per_tick = 10;
    c->npages = cfg->ram->size >> RAM_PAGE_SHIFT;
    c->pages = calloc(c->npages, sizeof *c->pages);
    c->code_gran = calloc(c->npages, sizeof *c->code_gran);
    if (!c->pages || !c->code_gran) {
        free(c->pages);
        free(c->code_gran);
        free(c);
        err_set(err, "cpu: out of memory for the decode cache");
        return NULL;
    }
    if (cpu_csr_index(c, err) < 0) {
        free(c->pages);
        free(c->code_gran);
        free(c);
        return NULL;
    }
    for (unsigned i = 0; i < INSNS_PER_PAGE + INSN_SENTINELS; i++)
        c->slow_page[i].h = OP_FETCH_SLOW * 2;
    cfg->ram->code_written = code_written;
    cfg->ram->code_opaque = c;
    cpu_reset(c, cfg->ram->base);
    return c;
}

void cpu_destroy(Cpu *c)
{
    if (!c)
        return;
    if (c->cfg.ram->code_opaque == c) {
        c->cfg.ram->code_written = NULL;
        c->cfg.ram->code_opaque = NULL;
    }
    for (uint64_t i = 0; i < c->npages; i++) {
        if (c->pages[i])
            c->cfg.ram->page_flags[i] &= (uint8_t)~RAM_PAGE_CODE;
        free(c->pages[i]);
    }
    free(c->pages);
    free(c->code_gran);
    free(c);
}

/* Reset also forgets all decoded code: a loader may have written RAM through its host
 * pointer (no code_written call), e.g. when the machine reloads its image on reset. */
void cpu_reset(Cpu *c, uint64_t reset_pc)
{
    for (uint64_t i = 0; i < c->npages; i++) {
        if (c->pages[i]) {
            page_clear(c->pages[i]);
            c->cfg.ram->page_flags[i] &= (uint8_t)~RAM_PAGE_CODE;
        }
        c->code_gran[i] = 0;
    }
    memset(c->x, 0, sizeof c->x);
    memset(c->f, 0, sizeof c->f);
    c->fcsr = 0;
    c->pc = reset_pc;
    c->priv = PRV_M;
    c->instret = c->skipped = c->excepted = c->mcycle_off = c->minstret_off = 0;
    c->cycle_frozen = c->instret_frozen = 0;
    c->mstatus = c->mtvec = c->mie = c->mip = 0;
    c->mscratch = c->mepc = c->mcause = c->mtval = 0;
    c->mcounteren = c->mcountinhibit = 0;
    c->menvcfg = 0;
    c->medeleg = c->mideleg = 0;
    c->stvec = c->sscratch = c->sepc = c->scause = c->stval = c->satp = 0;
    c->scounteren = c->senvcfg = 0;
    c->irq_lines = c->mip_sw = 0;
    memset(c->pmpcfg, 0, sizeof c->pmpcfg);
    memset(c->pmpaddr, 0, sizeof c->pmpaddr);
    cpu_tlb_flush(c);
    cpu_mmu_mode(c);
    c->resv_valid = false;
    c->stop = false;
    c->exit_req = false;
    c->bp_skip = false;
}

/* ---- the decoded-instruction cache ---- */

/* A store wrote [addr, addr + len) of a code page: the granules it touched forget
 * their decoded instructions (re-decoded at the next fetch, even in the middle of the
 * running block), and so does the previous granule's last slot when it holds a 4-byte
 * instruction, whose upper half is here. No
 * slot of the page before holds bits of this one: last slots are never cached
 * (page_clear). The page stays RAM_PAGE_CODE while any granule of it holds code. */
static void code_written(void *opaque, uint64_t addr, uint64_t len)
{
    Cpu *c = opaque;
    Ram *ram = c->cfg.ram;
    uint64_t off = addr - ram->base;
    uint64_t pg = off >> RAM_PAGE_SHIFT;
    if (pg >= c->npages || len == 0)
        return;
    Insn *p = c->pages[pg];
    uint32_t m = c->code_gran[pg];
    unsigned g0 = (unsigned)(off & (RAM_PAGE_SIZE - 1)) >> CODE_GRANULE_SHIFT;
    unsigned g1 = (unsigned)((off + len - 1) & (RAM_PAGE_SIZE - 1)) >> CODE_GRANULE_SHIFT;
    enum { SLOTS = CODE_GRANULE / 2 };
    for (unsigned g = g0; p && g <= g1; g++) {
        if (!(m & (1u << g)))
            continue;
        m &= ~(1u << g);
        memset(p + g * SLOTS, 0, SLOTS * sizeof(Insn));
        if (g > 0 && (p[g * SLOTS - 1].h & 1))
            p[g * SLOTS - 1].h = OP_DECODE * 2;
    }
    if (p)
        p[INSNS_PER_PAGE - 1].h = OP_FETCH_SLOW * 2;
    c->code_gran[pg] = m;
    if (!m)
        ram->page_flags[pg] &= (uint8_t)~RAM_PAGE_CODE;
}

/* The cache is keyed by physical page. Under Sv39, and wherever PMP checks fetches
 * (below M always, in M while a locked entry binds it), pc goes through the fetch TLB
 * first (a hit, or cpu_translate's walk and PMP check), so a changed page table never
 * runs code decoded from the page it used to map, and no privilege enters a decoded
 * page that PMP does not let it execute: the fetch TLB holds only pages PMP allows
 * whole, and every PMP write flushes it. A fetch that faults, or one in a page whose
 * PMP decision is not the same for all of it, goes to the slow page, which fetches
 * (and checks) each instruction afresh. */
static Insn *code_insn_phys(Cpu *c, uint64_t pc, uint64_t slot);

/* A fetch TLB miss: the page's entry made, or the slow page (a fault, or a page whose
 * PMP decision is not the same for all of it: no entry). Apart, to keep the hit path
 * of cpu_code_insn free of the call's register saves. */
static __attribute__((noinline)) Insn *code_insn_miss(Cpu *c, uint64_t pc, uint64_t slot)
{
    uint64_t pa;
    if (cpu_translate(c, pc, ACC_FETCH, 2, &pa) != 0 ||
        c->tlb_fetch[(pc >> 12) & (TLB_SIZE - 1)].tag != pc >> 12)
        return &c->slow_page[slot];
    return code_insn_phys(c, pa, slot);
}

Insn *cpu_code_insn(Cpu *c, uint64_t pc)
{
    uint64_t slot = (pc & (RAM_PAGE_SIZE - 1)) >> 1;
    if (c->xl_fetch) {
        const TlbEntry *e = &c->tlb_fetch[(pc >> 12) & (TLB_SIZE - 1)];
        if (unlikely(e->tag != pc >> 12))
            return code_insn_miss(c, pc, slot);
        pc += e->off;
    }
    return code_insn_phys(c, pc, slot);
}

/* A RAM page's array on its first execution: NULL without memory (the slow page then
 * serves, still correct, only slower). */
static __attribute__((noinline)) Insn *page_alloc(Cpu *c, uint64_t pg)
{
    Insn *p = calloc(INSNS_PER_PAGE + INSN_SENTINELS, sizeof(Insn));
    if (!p)
        return NULL;
    for (unsigned i = 0; i < INSN_SENTINELS; i++)
        p[INSNS_PER_PAGE + i].h = OP_PAGE_END * 2;
    p[INSNS_PER_PAGE - 1].h = OP_FETCH_SLOW * 2;
    c->pages[pg] = p;
    return p;
}

/* The slot of physical pc, allocating its page's array on first use. */
static Insn *code_insn_phys(Cpu *c, uint64_t pc, uint64_t slot)
{
    Ram *ram = c->cfg.ram;
    uint64_t off = pc - ram->base;
    if (off < ram->size) {
        uint64_t pg = off >> RAM_PAGE_SHIFT;
        Insn *p = c->pages[pg];
        if (unlikely(!p) && !(p = page_alloc(c, pg)))
            return &c->slow_page[slot];
        return &p[slot];
    }
    return &c->slow_page[slot];
}

/* Host bytes of one instruction parcel at addr, or NULL (instruction access fault). */
static const uint8_t *fetch_parcel(Cpu *c, uint64_t addr)
{
    uint8_t *p = ram_ptr(c->cfg.ram, addr, 2);
    if (p)
        return p;
    const Region *r = as_find(c->cfg.mem, addr);
    if (r && r->ops->fetch_ptr && addr - r->base + 2 <= r->size)
        return r->ops->fetch_ptr(r->opaque, addr - r->base);
    return NULL;
}

/* Physical address of the parcel at va: 0, or the fault cause. */
static unsigned fetch_addr(Cpu *c, uint64_t va, uint64_t *pa)
{
    *pa = va;
    return c->xl_fetch ? cpu_translate(c, va, ACC_FETCH, 2, pa) : 0;
}

uint32_t cpu_insn_bits(Cpu *c, uint64_t pc)
{
    uint64_t pa;
    const uint8_t *lo = fetch_addr(c, pc, &pa) ? NULL : fetch_parcel(c, pa);
    if (!lo)
        return 0;
    uint32_t bits = ld16_le(lo);
    if ((bits & 3) != 3)
        return bits;
    if (((pc + 2) & (RAM_PAGE_SIZE - 1)) == 0 && fetch_addr(c, pc + 2, &pa))
        return 0;
    else if (((pc + 2) & (RAM_PAGE_SIZE - 1)) != 0)
        pa += 2;
    const uint8_t *hi = fetch_parcel(c, pa);
    return hi ? bits | (uint32_t)ld16_le(hi) << 16 : 0;
}

/* cpu_fetch_decode, also giving the first parcel's physical address. */
static unsigned fetch_decode_pa(Cpu *c, uint64_t pc, Insn *in, uint64_t *fault_addr, bool breaks,
                                uint64_t *pa_out)
{
    uint64_t pa, pa_hi;
    unsigned cause = fetch_addr(c, pc, &pa);
    const uint8_t *lo = cause ? NULL : fetch_parcel(c, pa);
    if (!lo) {
        *fault_addr = pc;
        return cause ? cause : EXC_INSN_ACCESS;
    }
    uint32_t bits = ld16_le(lo);
    pa_hi = pa + 2;
    if ((bits & 3) == 3) {
        /* Parcels are fetched separately: the instruction may straddle a page, and
         * then its upper half is translated on its own. Inside a page the upper half
         * may still cross a PMP boundary (all are 4-byte aligned) when pc is not. */
        if (((pc + 2) & (RAM_PAGE_SIZE - 1)) == 0)
            cause = fetch_addr(c, pc + 2, &pa_hi);
        else if ((pc & 2) && c->xl_fetch && !cpu_pmp_ok(c, pa_hi, 2, ACC_FETCH, c->priv))
            cause = EXC_INSN_ACCESS;
        const uint8_t *hi = cause ? NULL : fetch_parcel(c, pa_hi);
        if (!hi) {
            *fault_addr = pc + 2;
            return cause ? cause : EXC_INSN_ACCESS;
        }
        bits |= (uint32_t)ld16_le(hi) << 16;
    }
    cpu_decode(bits, in);
    if (unlikely(c->nbreaks) && breaks && cpu_break_at(c, pc))
        in->h = (uint8_t)(OP_BKPT * 2 + (in->h & 1));
    Ram *ram = c->cfg.ram;
    if (ram_contains(ram, pa, 2))
        ram->page_flags[(pa - ram->base) >> RAM_PAGE_SHIFT] |= RAM_PAGE_CODE;
    if ((in->h & 1) && ram_contains(ram, pa_hi, 2))
        ram->page_flags[(pa_hi - ram->base) >> RAM_PAGE_SHIFT] |= RAM_PAGE_CODE;
    *pa_out = pa;
    return 0;
}

unsigned cpu_fetch_decode(Cpu *c, uint64_t pc, Insn *in, uint64_t *fault_addr, bool breaks)
{
    uint64_t pa;
    return fetch_decode_pa(c, pc, in, fault_addr, breaks, &pa);
}

unsigned cpu_code_fill(Cpu *c, uint64_t pc, Insn *in, uint64_t *fault_addr)
{
    uint64_t pa;
    unsigned cause = fetch_decode_pa(c, pc, in, fault_addr, true, &pa);
    Ram *ram = c->cfg.ram;
    if (cause || !ram_contains(ram, pa, 2))
        return cause;
    uint64_t off = pa - ram->base, len = INSN_LEN(in);
    /* A cache slot is never a page's last, so the instruction ends in this page. */
    c->code_gran[off >> RAM_PAGE_SHIFT] |=
        1u << ((off & (RAM_PAGE_SIZE - 1)) >> CODE_GRANULE_SHIFT) |
        1u << (((off + len - 1) & (RAM_PAGE_SIZE - 1)) >> CODE_GRANULE_SHIFT);
    return 0;
}

/* ---- breakpoints ---- */

bool cpu_break_at(const Cpu *c, uint64_t pc)
{
    for (unsigned i = 0; i < c->nbreaks; i++)
        if (c->breaks[i] == pc)
            return true;
    return false;
}

/* The decoded slot of pc in RAM, if the page has been decoded; NULL otherwise (the
 * breakpoint is then set when the instruction is decoded). */
static Insn *decoded_slot(Cpu *c, uint64_t pc)
{
    Ram *ram = c->cfg.ram;
    uint64_t off = pc - ram->base;
    if (off >= ram->size || !c->pages[off >> RAM_PAGE_SHIFT] ||
        (off & (RAM_PAGE_SIZE - 1)) >> 1 == INSNS_PER_PAGE - 1)
        return NULL;                 /* last slots are never cached (page_clear) */
    Insn *in = &c->pages[off >> RAM_PAGE_SHIFT][(off & (RAM_PAGE_SIZE - 1)) >> 1];
    return in->h != OP_DECODE * 2 ? in : NULL;
}

int cpu_break_add(Cpu *c, uint64_t pc)
{
    pc &= ~1ull;
    if (cpu_break_at(c, pc))
        return 0;
    if (c->nbreaks == CPU_MAX_BREAKS)
        return -1;
    c->breaks[c->nbreaks++] = pc;
    Insn *in = decoded_slot(c, pc);
    if (in)
        in->h = (uint8_t)(OP_BKPT * 2 + (in->h & 1));
    return 0;
}

void cpu_break_remove(Cpu *c, uint64_t pc)
{
    pc &= ~1ull;
    unsigned j = 0;
    for (unsigned i = 0; i < c->nbreaks; i++)
        if (c->breaks[i] != pc)
            c->breaks[j++] = c->breaks[i];
    if (j == c->nbreaks)
        return;
    c->nbreaks = j;
    Insn *in = decoded_slot(c, pc);
    if (in && INSN_OP(in) == OP_BKPT)
        in->h = OP_DECODE * 2;       /* decoded afresh when next run */
}

void cpu_break_step_over(Cpu *c)
{
    c->bp_skip = true;
    c->bp_skip_pc = c->pc;
}

void cpu_set_load_hook(Cpu *c, CpuLoadHook *fn, void *ctx)
{
    cpu_tlb_flush(c);                /* load entries must not bypass a new hook */
    c->load_hook = fn;
    c->load_ctx = ctx;
}

/* ---- traps ---- */

/* Vectored mode sends interrupts to base + 4 * cause (§3.1.7, §4.1.2). */
static uint64_t trap_vector(uint64_t tvec, uint64_t cause)
{
    uint64_t base = tvec & ~3ull;
    if ((tvec & 3) == 1 && (cause & CAUSE_INTERRUPT))
        return base + 4 * (cause & ~CAUSE_INTERRUPT);
    return base;
}

/* A trap from U or S goes to S when medeleg (exceptions) or mideleg (interrupts)
 * delegates its cause (§3.1.8); a trap in M mode never goes down. */
void cpu_take_trap(Cpu *c, uint64_t cause, uint64_t tval)
{
    unsigned from = c->priv;
    uint64_t epc = c->pc;
    uint64_t s = c->mstatus;
    uint64_t deleg = (cause & CAUSE_INTERRUPT) ? c->mideleg : c->medeleg;
    if (from <= PRV_S && ((deleg >> (cause & 63)) & 1)) {
        s = (s & ~MSTATUS_SPIE) | ((s & MSTATUS_SIE) ? MSTATUS_SPIE : 0);
        s &= ~MSTATUS_SIE;
        s = (s & ~MSTATUS_SPP) | (from == PRV_S ? MSTATUS_SPP : 0);
        c->mstatus = s;
        c->priv = PRV_S;
        c->sepc = epc;
        c->scause = cause;
        c->stval = tval;
        c->pc = trap_vector(c->stvec, cause);
    } else {
        s = (s & ~MSTATUS_MPIE) | ((s & MSTATUS_MIE) ? MSTATUS_MPIE : 0);
        s &= ~MSTATUS_MIE;
        s = (s & ~MSTATUS_MPP) | ((uint64_t)from << MSTATUS_MPP_SHIFT);
        c->mstatus = s;
        c->priv = PRV_M;
        c->mepc = epc;
        c->mcause = cause;
        c->mtval = tval;
        c->pc = trap_vector(c->mtvec, cause);
    }
    /* An exception is raised by an instruction that instret already counted. */
    if (!(cause & CAUSE_INTERRUPT))
        c->excepted++;
    /* Dropping the reservation on a trap is allowed (unprivileged spec §8.2: an SC may
     * fail for implementation reasons) and keeps a handler's LR/SC from pairing with
     * the interrupted code's. */
    c->resv_valid = false;
    if (c->trap_hook) {
        CpuTrap t = { cause, tval, epc, cpu_vclock_now(c), from };
        c->trap_hook(c->trap_ctx, &t);
    }
}

void cpu_mret(Cpu *c)
{
    uint64_t s = c->mstatus;
    unsigned to = (unsigned)((s & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT);
    s = (s & ~MSTATUS_MIE) | ((s & MSTATUS_MPIE) ? MSTATUS_MIE : 0);
    s |= MSTATUS_MPIE;
    s &= ~MSTATUS_MPP;                    /* MPP := U, the least-privileged mode */
    if (to != PRV_M)
        s &= ~MSTATUS_MPRV;
    c->mstatus = s;
    c->priv = to;
    c->pc = c->mepc;
}

/* §3.3.2: SIE := SPIE, SPIE := 1, SPP := U; leaving for S or U clears MPRV. */
void cpu_sret(Cpu *c)
{
    uint64_t s = c->mstatus;
    unsigned to = (s & MSTATUS_SPP) ? PRV_S : PRV_U;
    s = (s & ~MSTATUS_SIE) | ((s & MSTATUS_SPIE) ? MSTATUS_SIE : 0);
    s |= MSTATUS_SPIE;
    s &= ~(MSTATUS_SPP | MSTATUS_MPRV);
    c->mstatus = s;
    c->priv = to;
    c->pc = c->sepc;
}

const char *cpu_cause_name(uint64_t cause)
{
    static const char *const exc[64] = {
#define EXC(code, name, id) [code] = #name,
#define IRQ(code, name, id)
#include "cpu/causes.def"
#undef EXC
#undef IRQ
    };
    static const char *const irq[64] = {
#define EXC(code, name, id)
#define IRQ(code, name, id) [code] = #name,
#include "cpu/causes.def"
#undef EXC
#undef IRQ
    };
    const char *const *names = (cause & CAUSE_INTERRUPT) ? irq : exc;
    uint64_t code = cause & ~CAUSE_INTERRUPT;
    return code < 64 ? names[code] : NULL;
}

/* §3.1.9: an interrupt not delegated is taken below M, or in M with MIE; a
 * delegated one below S, or in S with SIE. M-level ones come first, and within each
 * level external, software, timer. */
uint64_t cpu_pending_irq(const Cpu *c)
{
    uint64_t p = c->mip & c->mie;
    if (!p)
        return 0;
    uint64_t m = p & ~c->mideleg, s = p & c->mideleg;
    if (!(c->priv < PRV_M || (c->mstatus & MSTATUS_MIE)))
        m = 0;
    if (!(c->priv < PRV_S || (c->priv == PRV_S && (c->mstatus & MSTATUS_SIE))))
        s = 0;
    p = m ? m : s;
    static const unsigned order[] = { MIP_MEIP, MIP_MSIP, MIP_MTIP, MIP_SEIP, MIP_SSIP, MIP_STIP };
    for (unsigned i = 0; i < ARRAY_SIZE(order); i++)
        if (p & (1ull << order[i]))
            return CAUSE_INTERRUPT | order[i];
    return 0;
}

void cpu_update_mip(Cpu *c)
{
    uint64_t nv = c->irq_lines | c->mip_sw;
    if (nv != c->mip) {
        c->mip = nv;
        c->stop = true;
    }
}

/* ---- public accessors ---- */

void cpu_request_exit(Cpu *c)
{
    c->exit_req = true;
    c->stop = true;
}

void cpu_skip(Cpu *c, uint64_t ticks) { c->skipped += ticks; }

void cpu_set_irq(Cpu *c, unsigned mip_bit, int level)
{
    uint64_t m = 1ull << (mip_bit & 63);
    c->irq_lines = level ? (c->irq_lines | m) : (c->irq_lines & ~m);
    cpu_update_mip(c);
}

uint64_t cpu_vclock(const Cpu *c) { return cpu_vclock_now(c); }
uint64_t cpu_instret(const Cpu *c) { return c->instret; }
uint64_t cpu_mtime(const Cpu *c) { return cpu_vclock_now(c) / c->cfg.insns_per_tick; }

uint64_t cpu_get_pc(const Cpu *c) { return c->pc; }
void cpu_set_pc(Cpu *c, uint64_t pc) { c->pc = pc & ~1ull; }
uint64_t cpu_get_reg(const Cpu *c, unsigned r) { return r && r < 32 ? c->x[r] : 0; }
void cpu_set_reg(Cpu *c, unsigned r, uint64_t v)
{
    if (r && r < 32)
        c->x[r] = v;
}
unsigned cpu_get_priv(const Cpu *c) { return c->priv; }

static const char *const gpr_names[32] = {
#define GPR(n, name) [n] = #name,
#include "cpu/gprs.def"
#undef GPR
};

const char *cpu_reg_name(unsigned r) { return r < 32 ? gpr_names[r] : NULL; }

int cpu_reg_number(const char *name)
{
    for (unsigned r = 0; r < 32; r++)
        if (strcmp(name, gpr_names[r]) == 0)
            return (int)r;
    if (strcmp(name, "fp") == 0)
        return 8;                    /* s0's other name */
    if (name[0] == 'x' && name[1] >= '0' && name[1] <= '9') {
        char *end;
        unsigned long r = strtoul(name + 1, &end, 10);
        if (!*end && r < 32)
            return (int)r;
    }
    return -1;
}

void cpu_set_trap_hook(Cpu *c, CpuTrapHook *fn, void *ctx)
{
    c->trap_hook = fn;
    c->trap_ctx = ctx;
}

/* FNV-1a over 64-bit words, each folded in with a multiply so that every bit of every
 * word reaches the result. */
uint64_t cpu_state_hash(const Cpu *c)
{
    uint64_t words[32 + 11];
    unsigned n = 0;
    words[n++] = c->pc;
    for (unsigned i = 1; i < 32; i++)
        words[n++] = c->x[i];
    words[n++] = c->priv;
    words[n++] = c->mstatus;
    words[n++] = c->mepc;
    words[n++] = c->mcause;
    words[n++] = c->mtval;
    words[n++] = c->mtvec;
    words[n++] = c->mie;
    words[n++] = c->mip;
    words[n++] = c->instret;
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned i = 0; i < n; i++) {
        h ^= words[i];
        h *= 0x100000001b3ull;
        h ^= h >> 29;
    }
    return h;
}
