/* Sv39 address translation and the software TLB (RISC-V privileged spec 1.12, §4.3
 * for the page-table walk, §4.4 for Sv39, §4.2.1 for sfence.vma, §3.1.6.3 for MPRV,
 * SUM and MXR).
 *
 * The walk is the spec's algorithm (§4.3.2) step by step. A and D are updated by the
 * hart (the second scheme §4.3.1 allows; the update is a plain store, which is atomic
 * with one hart and no DMA walking page tables), so software that keeps A or D clear
 * sees them set, as on QEMU, and Linux takes no extra faults.
 *
 * The TLB (see cpu_internal.h) caches 4 KiB pieces of leaf translations, never
 * non-leaf entries, so sfence.vma by address needs to drop only the entries of that
 * page -- unless a superpage was cached since the last full flush: then its other
 * pieces may hold the old mapping too, and an address flush flushes everything.
 *
 * PMP (§3.7, pmp.c) is checked here too, on the physical address: the page-table
 * walk's reads and A/D writes as S-mode accesses whatever the privilege (§3.7.1), the
 * access itself at its effective privilege; a PMP failure is an access fault of the
 * original access's kind, never a page fault. With satp Bare, or in M mode, the
 * "translation" is the identity and only PMP is checked. A TLB entry is made only when
 * PMP decides the whole 4 KiB page one way (cpu_pmp_page, from PMP's page cache); a
 * page with an entry's boundary inside is checked access by access, uncached. A PMP
 * CSR write or a change of satp.MODE flushes the TLB (csr.c). Page tables must be in
 * RAM: a PTE address outside RAM is an access fault. */
#include "cpu/cpu_internal.h"

static const uint8_t page_fault[] = { EXC_INSN_PAGE_FAULT, EXC_LOAD_PAGE_FAULT, EXC_STORE_PAGE_FAULT };
static const uint8_t access_fault[] = { EXC_INSN_ACCESS, EXC_LOAD_ACCESS, EXC_STORE_ACCESS };
static const uint8_t misaligned[] = { EXC_INSN_MISALIGNED, EXC_LOAD_MISALIGNED, EXC_STORE_MISALIGNED };

/* The privilege a data access runs at: MPRV makes M-mode loads and stores use MPP's
 * (§3.1.6.3); fetches always use the current one. */
static unsigned data_priv(const Cpu *c)
{
    if (c->priv == PRV_M && (c->mstatus & MSTATUS_MPRV))
        return (unsigned)((c->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT);
    return c->priv;
}

static TlbEntry *tlb_set(Cpu *c, unsigned acc)
{
    static const uint8_t fetch[4] = { TLB_FETCH_U, TLB_FETCH_S, TLB_FETCH_S, TLB_FETCH_M };
    if (acc == ACC_FETCH)
        return c->tlb[fetch[c->priv & 3]];
    unsigned p = data_priv(c);
    unsigned v = p == PRV_U ? 0 : p == PRV_M ? 3 : (c->mstatus & MSTATUS_SUM) ? 2 : 1;
    return c->tlb[(acc == ACC_LOAD ? TLB_LOAD_U : TLB_STORE_U) + v];
}

static bool sv39(const Cpu *c) { return c->satp >> SATP_MODE_SHIFT == SATP_MODE_SV39; }

/* Below M every access goes through cpu_translate (PMP checks S and U always); M mode
 * only while a locked entry binds it, so that otherwise its fast paths stay as they
 * are. */
void cpu_mmu_mode(Cpu *c)
{
    bool m_checked = cpu_pmp_binds_m(c);
    c->xl_fetch = c->priv != PRV_M || m_checked;
    c->xl_data = data_priv(c) != PRV_M || m_checked;
    c->tlb_fetch = tlb_set(c, ACC_FETCH);
    c->tlb_load = tlb_set(c, ACC_LOAD);
    c->tlb_store = tlb_set(c, ACC_STORE);
}

void cpu_tlb_flush(Cpu *c)
{
    memset(c->tlb, 0xff, sizeof c->tlb);       /* every tag TLB_EMPTY */
    memset(c->pmp_page_tag, 0xff, sizeof c->pmp_page_tag);
    c->tlb_super = false;
}

/* sfence.vma: the translated sets only. M's sets and the PMP page cache hold no
 * translation (PMP writes flush everything themselves). */
void cpu_tlb_flush_va(Cpu *c, bool has_va, uint64_t va)
{
    if (!has_va || c->tlb_super) {
        memset(c->tlb, 0xff, TLB_SETS_TRANSLATED * sizeof c->tlb[0]);
        c->tlb_super = false;
        return;
    }
    uint64_t tag = va >> 12;
    for (unsigned s = 0; s < TLB_SETS_TRANSLATED; s++) {
        TlbEntry *e = &c->tlb[s][tag & (TLB_SIZE - 1)];
        if (e->tag == tag)
            e->tag = TLB_EMPTY;
    }
}

/* The Sv39 walk (§4.3.2) of va for an access of kind acc at privilege priv: 0 with
 * the leaf's physical address and level, or the fault. The walk's own reads and A/D
 * writes are S-mode accesses for PMP (§3.7.1); A and D are set only once the access
 * itself passes PMP. */
static unsigned walk(Cpu *c, uint64_t va, unsigned acc, unsigned len, unsigned priv,
                     uint64_t *phys, int *level_out)
{
    Ram *ram = c->cfg.ram;
    unsigned pf = page_fault[acc];
    /* Bits 63:39 must all equal bit 38 (§4.4.1). */
    if ((uint64_t)((int64_t)(va << 25) >> 25) != va)
        return pf;
    uint64_t a = (c->satp & SATP_PPN_MASK) << 12, pte, pte_addr;
    uint8_t *p;
    int level = 2;
    for (;; level--) {
        pte_addr = a + ((va >> (12 + 9 * level)) & 511) * 8;
        p = ram_ptr(ram, pte_addr, 8);
        if (!p || !cpu_pmp_ok(c, pte_addr, 8, ACC_LOAD, PRV_S))
            return access_fault[acc];
        pte = ld64_le(p);
        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) || (pte & PTE_RESERVED))
            return pf;
        if (pte & (PTE_R | PTE_X))
            break;                                  /* a leaf */
        if (level == 0)
            return pf;
        a = PTE_PPN(pte) << 12;
    }
    /* Permissions (§4.3.2 step 5; §4.3.1 for U, SUM and MXR). */
    if (priv == PRV_U && !(pte & PTE_U))
        return pf;
    if (priv == PRV_S && (pte & PTE_U) && (acc == ACC_FETCH || !(c->mstatus & MSTATUS_SUM)))
        return pf;
    bool ok = acc == ACC_FETCH ? (pte & PTE_X) != 0
            : acc == ACC_STORE ? (pte & PTE_W) != 0
            : (pte & PTE_R) || ((c->mstatus & MSTATUS_MXR) && (pte & PTE_X));
    if (!ok)
        return pf;
    uint64_t ppn = PTE_PPN(pte), low = (1ull << (9 * level)) - 1;
    if (ppn & low)
        return pf;                                  /* misaligned superpage (step 6) */
    *phys = (ppn << 12) + (va & ((1ull << (12 + 9 * level)) - 1));
    *level_out = level;
    if (!cpu_pmp_ok(c, *phys, len, acc, priv))
        return access_fault[acc];
    uint64_t need = PTE_A | (acc == ACC_STORE ? PTE_D : 0);
    if ((pte & need) != need) {
        if (!cpu_pmp_ok(c, pte_addr, 8, ACC_STORE, PRV_S))
            return access_fault[acc];
        pte |= need;
        st64_le(p, pte);
        ram_store_done(ram, pte_addr, 8, pte);     /* code or watched pages see it */
    }
    return 0;
}

unsigned cpu_translate(Cpu *c, uint64_t va, unsigned acc, unsigned len, uint64_t *pa)
{
    Ram *ram = c->cfg.ram;
    unsigned priv = acc == ACC_FETCH ? c->priv : data_priv(c);
    bool paged = sv39(c) && priv != PRV_M;
    if ((va & (RAM_PAGE_SIZE - 1)) + len > RAM_PAGE_SIZE) {
        /* Translated, an access that crosses a page is split by no one: address
         * misaligned, which the spec allows for any misaligned access (M-mode
         * firmware emulates it). Untranslated, it is checked whole, uncached. */
        if (paged)
            return misaligned[acc];
        *pa = va;
        return cpu_pmp_ok(c, va, len, acc, priv) ? 0 : access_fault[acc];
    }
    uint64_t phys = va;
    int level = 0;
    if (paged) {
        unsigned cause = walk(c, va, acc, len, priv, &phys, &level);
        if (cause)
            return cause;
    }
    *pa = phys;
    uint64_t vpage = va & ~0xfffull, ppage = phys & ~0xfffull;
    PmpResult page = cpu_pmp_page(c, ppage, acc, priv);
    if (page == PMP_DENY)
        return access_fault[acc];
    if (page == PMP_PARTIAL)                        /* an entry's boundary in the page */
        return cpu_pmp_ok(c, phys, len, acc, priv) ? 0 : access_fault[acc];

    TlbEntry *e = &tlb_set(c, acc)[(va >> 12) & (TLB_SIZE - 1)];
    if (acc == ACC_FETCH) {
        e->tag = va >> 12;
        e->off = ppage - vpage;
    } else if (ram_contains(ram, ppage, RAM_PAGE_SIZE) &&
               (acc == ACC_STORE || !c->load_hook)) {
        /* Loads under a watch hook must reach load_slow: no entry for them. */
        e->tag = va >> 12;
        e->off = (ppage - ram->base) - vpage;
    } else {
        return 0;
    }
    if (level > 0)
        c->tlb_super = true;
    return 0;
}
