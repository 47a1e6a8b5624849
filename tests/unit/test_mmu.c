/* Unit tests of S mode and Sv39 (sim/cpu/mmu.c, cpu.c, csr.c), each pinned to the
 * clause of the RISC-V privileged spec 1.12 it checks: the page-table walk (§4.3.2),
 * superpages and their alignment, permissions with U, SUM and MXR (§4.3.1, §3.1.6.3),
 * A/D updates, canonical addresses (§4.4.1), the TLB and sfence.vma (§4.2.1), trap
 * delegation and S-mode trap entry (§3.1.8, §4.1), sret and TSR (§3.3.2), interrupt
 * delegation (§3.1.9). PMP has its own tests (test_pmp.c). */
#include "tests/unit/hart.h"

#define ROOT (BASE + 0x10000)        /* page tables: root, level 1, level 0 */
#define L1 (BASE + 0x11000)
#define L0 (BASE + 0x12000)
#define CODE_PA (BASE + 0x30000)
#define DATA_PA (BASE + 0x31000)
#define CODE_VA 0x40000000ull
#define DATA_VA 0x40001000ull
#define SATP_SV39 (8ull << 60 | (ROOT >> 12))

enum { V = 1, R = 2, W = 4, X = 8, U = 16, A = 64, D = 128 };

static uint64_t pte(uint64_t pa, unsigned flags) { return (pa >> 12) << 10 | flags; }

/* A hart whose PMP lets S and U reach everything (pmp_open), with Sv39 on. */
static void setup(void)
{
    hart_setup();
    pmp_open();
    /* root[1] -> L1, L1[0] -> L0: VAs 0x40000000.. map through L0. */
    put64(ROOT + 8 * 1, pte(L1, V));
    put64(L1 + 0, pte(L0, V));
    cpu_csr_write(cpu, CSR_SATP, SATP_SV39);
}

static void teardown(void) { hart_teardown(); }

static void map(uint64_t va, uint64_t pa, unsigned flags) { put64(L0 + ((va >> 12) & 511) * 8, pte(pa, flags)); }

/* Translates at privilege priv with the given mstatus bits. */
static unsigned xlate(unsigned priv, uint64_t status, uint64_t va, unsigned acc, uint64_t *pa)
{
    cpu->priv = priv;
    cpu->mstatus = status;
    cpu_tlb_flush(cpu);
    cpu_mmu_mode(cpu);
    *pa = 0;
    return cpu_translate(cpu, va, acc, 8, pa);
}

/* §4.3.2: a three-level walk to a 4 KiB leaf; the offset is kept. */
static void test_walk(void)
{
    setup();
    uint64_t pa;
    map(DATA_VA, DATA_PA, V | R | W | A | D);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, DATA_VA + 0x123, ACC_LOAD, &pa), 0);
    CU_ASSERT_EQUAL(pa, DATA_PA + 0x123);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, DATA_VA + 8, ACC_STORE, &pa), 0);
    /* Not executable: instruction page fault. */
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, DATA_VA, ACC_FETCH, &pa), EXC_INSN_PAGE_FAULT);
    /* V = 0; W without R (reserved); reserved bits 63:54; a pointer at level 0. */
    map(DATA_VA, DATA_PA, R | W | A | D);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, DATA_VA, ACC_LOAD, &pa), EXC_LOAD_PAGE_FAULT);
    map(DATA_VA, DATA_PA, V | W | A | D);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, DATA_VA, ACC_STORE, &pa), EXC_STORE_PAGE_FAULT);
    put64(L0 + 8, pte(DATA_PA, V | R | A) | 1ull << 60);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, DATA_VA, ACC_LOAD, &pa), EXC_LOAD_PAGE_FAULT);
    map(DATA_VA, DATA_PA, V);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, DATA_VA, ACC_LOAD, &pa), EXC_LOAD_PAGE_FAULT);
    /* §4.4.1: bits 63:39 must equal bit 38. */
    map(DATA_VA, DATA_PA, V | R | A);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, DATA_VA | 1ull << 40, ACC_LOAD, &pa), EXC_LOAD_PAGE_FAULT);
    /* A PTE outside RAM is an access fault (no memory there). */
    put64(ROOT + 8 * 2, pte(0x10000000, V));
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, 0x80000000ull, ACC_LOAD, &pa), EXC_LOAD_ACCESS);
    /* M mode does not translate; MPRV with MPP = S does, for data only. */
    cpu->priv = PRV_M;
    cpu->mstatus = 0;
    cpu_mmu_mode(cpu);
    CU_ASSERT_FALSE(cpu->xl_fetch);
    CU_ASSERT_FALSE(cpu->xl_data);
    cpu->mstatus = MSTATUS_MPRV | 1ull << MSTATUS_MPP_SHIFT;
    cpu_mmu_mode(cpu);
    CU_ASSERT_FALSE(cpu->xl_fetch);
    CU_ASSERT_TRUE(cpu->xl_data);
    /* A bare satp: nothing translates, but S mode's accesses still go through the TLB,
     * for PMP (pages map to themselves). */
    cpu_csr_write(cpu, 0x180, 0);
    cpu->priv = PRV_S;
    cpu_mmu_mode(cpu);
    CU_ASSERT_TRUE(cpu->xl_fetch);
    CU_ASSERT_EQUAL(cpu_translate(cpu, DATA_VA + 4, ACC_LOAD, 4, &pa), 0);
    CU_ASSERT_EQUAL(pa, DATA_VA + 4);
    teardown();
}

/* Superpages: a 1 GiB leaf at level 2 and a 2 MiB one at level 1 keep the low VPNs;
 * a leaf whose low PPN bits are not zero is a misaligned superpage (step 6). */
static void test_superpages(void)
{
    setup();
    uint64_t pa;
    put64(ROOT + 8 * 3, pte(0x80000000ull, V | R | X | A));        /* 0xc0000000 -> 0x80000000 */
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, 0xc0123456ull, ACC_LOAD, &pa), 0);
    CU_ASSERT_EQUAL(pa, 0x80123456ull);
    CU_ASSERT_TRUE(cpu->tlb_super);
    put64(L1 + 8 * 1, pte(BASE + 0x200000, V | R | A));            /* 0x40200000 -> BASE + 2 MiB */
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, 0x40212345ull, ACC_LOAD, &pa), 0);
    CU_ASSERT_EQUAL(pa, BASE + 0x212345);
    put64(L1 + 8 * 1, pte(BASE + 0x201000, V | R | A));
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, 0x40212345ull, ACC_LOAD, &pa), EXC_LOAD_PAGE_FAULT);
    put64(ROOT + 8 * 3, pte(0x80200000ull, V | R | A));
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, 0xc0000000ull, ACC_LOAD, &pa), EXC_LOAD_PAGE_FAULT);
    teardown();
}

/* §4.3.1: U pages only from U, or from S for loads and stores with SUM (never
 * fetches); MXR makes execute-only pages readable. */
static void test_permissions(void)
{
    setup();
    uint64_t pa;
    map(DATA_VA, DATA_PA, V | R | W | U | A | D);
    CU_ASSERT_EQUAL(xlate(PRV_U, 0, DATA_VA, ACC_LOAD, &pa), 0);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, DATA_VA, ACC_LOAD, &pa), EXC_LOAD_PAGE_FAULT);
    CU_ASSERT_EQUAL(xlate(PRV_S, MSTATUS_SUM, DATA_VA, ACC_LOAD, &pa), 0);
    CU_ASSERT_EQUAL(xlate(PRV_S, MSTATUS_SUM, DATA_VA, ACC_STORE, &pa), 0);
    map(DATA_VA, DATA_PA, V | X | U | A);
    CU_ASSERT_EQUAL(xlate(PRV_U, 0, DATA_VA, ACC_FETCH, &pa), 0);
    CU_ASSERT_EQUAL(xlate(PRV_S, MSTATUS_SUM, DATA_VA, ACC_FETCH, &pa), EXC_INSN_PAGE_FAULT);
    CU_ASSERT_EQUAL(xlate(PRV_U, 0, DATA_VA, ACC_LOAD, &pa), EXC_LOAD_PAGE_FAULT);
    CU_ASSERT_EQUAL(xlate(PRV_U, MSTATUS_MXR, DATA_VA, ACC_LOAD, &pa), 0);
    map(DATA_VA, DATA_PA, V | R | A);
    CU_ASSERT_EQUAL(xlate(PRV_U, 0, DATA_VA, ACC_LOAD, &pa), EXC_LOAD_PAGE_FAULT);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, DATA_VA, ACC_STORE, &pa), EXC_STORE_PAGE_FAULT);
    /* MPRV: an M-mode load with MPP = U is checked as U's. */
    CU_ASSERT_EQUAL(xlate(PRV_M, MSTATUS_MPRV, DATA_VA, ACC_LOAD, &pa), EXC_LOAD_PAGE_FAULT);
    CU_ASSERT_EQUAL(xlate(PRV_M, MSTATUS_MPRV | 1ull << MSTATUS_MPP_SHIFT, DATA_VA, ACC_LOAD, &pa), 0);
    teardown();
}

/* A and D are set by the hart (§4.3.1's second scheme): a load sets A, a store D. */
static void test_accessed_dirty(void)
{
    setup();
    uint64_t pa, slot = L0 + ((DATA_VA >> 12) & 511) * 8;
    map(DATA_VA, DATA_PA, V | R | W);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, DATA_VA, ACC_LOAD, &pa), 0);
    CU_ASSERT_EQUAL(get64(slot) & (A | D), A);
    /* The load's TLB entry does not let a store through without setting D. */
    CU_ASSERT_EQUAL(cpu->tlb[TLB_STORE_S][(DATA_VA >> 12) & (TLB_SIZE - 1)].tag, TLB_EMPTY);
    CU_ASSERT_EQUAL(cpu_translate(cpu, DATA_VA, ACC_STORE, 8, &pa), 0);
    CU_ASSERT_EQUAL(get64(slot) & (A | D), A | D);
    teardown();
}

/* Runs S-mode code at va: M mode at BASE does mret to it. */
static void enter_s(uint64_t va) { hart_enter(PRV_S, va, 0); }

/* Translated execution: code and data from virtual pages; a page fault delegated to
 * S has stval = the faulting address and sepc = the instruction (§4.1.9, §4.1.7);
 * one not delegated goes to M with mtval. */
static void test_run_translated(void)
{
    setup();
    map(CODE_VA, CODE_PA, V | R | X | A);
    map(DATA_VA, DATA_PA, V | R | W | A | D);
    put64(DATA_PA + 16, 0x1122334455667788ull);
    put32(CODE_PA + 0, LD(5, 6, 16));
    put32(CODE_PA + 4, SD(5, 6, 24));
    put32(CODE_PA + 8, LD(7, 8, 0));              /* DATA_VA + 0x1000: not mapped */
    cpu_set_reg(cpu, 6, DATA_VA);
    cpu_set_reg(cpu, 8, DATA_VA + 0x1000);
    cpu_csr_write(cpu, 0x105, CODE_VA + 0x100);   /* stvec */
    cpu_csr_write(cpu, 0x305, BASE + 0x100);      /* mtvec */
    cpu_csr_write(cpu, 0x302, 1u << EXC_LOAD_PAGE_FAULT);
    enter_s(CODE_VA);
    cpu_run(cpu, 3);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 0x1122334455667788ull);
    CU_ASSERT_EQUAL(get64(DATA_PA + 24), 0x1122334455667788ull);
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), PRV_S);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), CODE_VA + 0x100);
    CU_ASSERT_EQUAL(csr(0x142), EXC_LOAD_PAGE_FAULT);     /* scause */
    CU_ASSERT_EQUAL(csr(0x143), DATA_VA + 0x1000);        /* stval */
    CU_ASSERT_EQUAL(csr(0x141), CODE_VA + 8);             /* sepc */
    CU_ASSERT_EQUAL((csr(0x100) >> 8) & 1, 1);            /* sstatus.SPP = S */
    /* Not delegated: the same fault goes to M, mtval the address, MPP = S. */
    cpu_csr_write(cpu, 0x302, 0);
    enter_s(CODE_VA + 8);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), PRV_M);
    CU_ASSERT_EQUAL(csr(0x342), EXC_LOAD_PAGE_FAULT);
    CU_ASSERT_EQUAL(csr(0x343), DATA_VA + 0x1000);
    CU_ASSERT_EQUAL((csr(0x300) >> MSTATUS_MPP_SHIFT) & 3, PRV_S);
    /* Fetch from an unmapped page: instruction page fault, tval = pc. */
    enter_s(CODE_VA + 0x5000);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(0x342), EXC_INSN_PAGE_FAULT);
    CU_ASSERT_EQUAL(csr(0x343), CODE_VA + 0x5000);
    teardown();
}

/* §4.2.1: a changed PTE is not seen until sfence.vma (the TLB caches it, as the spec
 * allows); sfence.vma by address, and with rs1 = x0 for all. In U mode sfence.vma is
 * illegal, and in S mode while TVM is set. */
static void test_sfence(void)
{
    setup();
    map(CODE_VA, CODE_PA, V | R | X | A);
    map(DATA_VA, DATA_PA, V | R | W | A | D);
    put64(DATA_PA, 1);
    put64(DATA_PA + 0x1000, 2);
    put32(CODE_PA + 0, LD(5, 6, 0));
    put32(CODE_PA + 4, LD(5, 6, 0));
    put32(CODE_PA + 8, SFENCE(6));
    put32(CODE_PA + 12, LD(5, 6, 0));
    put32(CODE_PA + 16, SFENCE(0));
    put32(CODE_PA + 20, LD(5, 6, 0));
    cpu_set_reg(cpu, 6, DATA_VA);
    enter_s(CODE_VA);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 1);
    map(DATA_VA, DATA_PA + 0x1000, V | R | W | A | D);     /* remapped, not fenced */
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 1);
    cpu_run(cpu, 2);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 2);
    map(DATA_VA, DATA_PA, V | R | W | A | D);
    cpu_run(cpu, 2);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 1);
    /* TVM: sfence.vma and satp are illegal in S mode. */
    cpu_csr_write(cpu, 0x305, BASE + 0x100);
    put32(CODE_PA + 24, SFENCE(0));
    put32(CODE_PA + 28, rv_i(0x180, 0, 2, 5, 0x73));       /* csrr x5, satp */
    cpu->mstatus |= MSTATUS_TVM;
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(0x342), EXC_ILLEGAL);
    CU_ASSERT_EQUAL(csr(0x343), SFENCE(0));
    enter_s(CODE_VA + 28);
    cpu_csr_write(cpu, 0x300, csr(0x300) | MSTATUS_TVM);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(0x342), EXC_ILLEGAL);
    teardown();
}

/* §3.1.8: ecall from U goes to S when medeleg delegates it, with SPP = U, SPIE = SIE
 * and SIE cleared; sret returns to SPP's mode with SIE = SPIE (§3.3.2). ecall from S
 * is cause 9. sret is illegal in U, and in S while TSR is set. */
static void test_delegation_and_sret(void)
{
    setup();
    cpu_csr_write(cpu, 0x180, 0);                    /* bare: physical addresses */
    cpu_csr_write(cpu, 0x305, BASE + 0x100);
    cpu_csr_write(cpu, 0x105, BASE + 0x200);
    cpu_csr_write(cpu, 0x302, 1u << EXC_ECALL_U);
    put32(BASE + 0x40, ECALL);                       /* U code */
    put32(BASE + 0x200, SRET);                       /* S handler */
    put32(BASE + 0x80, ECALL);                       /* S code */
    /* M: mret to S at BASE + 0x200 would be the handler; set up U via sret instead. */
    put32(BASE, MRET);
    cpu_set_pc(cpu, BASE);
    cpu_csr_write(cpu, 0x300, 1ull << MSTATUS_MPP_SHIFT);
    cpu_csr_write(cpu, 0x341, BASE + 0x300);
    put32(BASE + 0x300, SRET);                       /* S: sret to U at sepc */
    cpu_csr_write(cpu, 0x141, BASE + 0x40);
    cpu_csr_write(cpu, 0x100, MSTATUS_SPIE);         /* SPP = U, SPIE = 1 */
    cpu_run(cpu, 2);
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), PRV_U);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x40);
    CU_ASSERT_EQUAL(csr(0x100) & (MSTATUS_SIE | MSTATUS_SPIE), MSTATUS_SIE | MSTATUS_SPIE);
    cpu_run(cpu, 1);                                 /* ecall from U: to S */
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), PRV_S);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x200);
    CU_ASSERT_EQUAL(csr(0x142), EXC_ECALL_U);
    CU_ASSERT_EQUAL(csr(0x141), BASE + 0x40);
    CU_ASSERT_EQUAL(csr(0x100) & (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP), MSTATUS_SPIE);
    CU_ASSERT_EQUAL(csr(0x342), 0);                  /* M saw nothing */
    /* sret in U: illegal, to M. */
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), PRV_U);
    put32(BASE + 0x40, SRET);
    cpu_set_pc(cpu, BASE + 0x40);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), PRV_M);
    CU_ASSERT_EQUAL(csr(0x342), EXC_ILLEGAL);
    CU_ASSERT_EQUAL(csr(0x343), SRET);
    /* ecall from S, not delegated: cause 9 in M. TSR: sret in S is illegal. */
    cpu_csr_write(cpu, 0x300, 1ull << MSTATUS_MPP_SHIFT);
    cpu_csr_write(cpu, 0x341, BASE + 0x80);
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 2);
    CU_ASSERT_EQUAL(csr(0x342), EXC_ECALL_S);
    cpu_csr_write(cpu, 0x300, 1ull << MSTATUS_MPP_SHIFT | MSTATUS_TSR);
    cpu_csr_write(cpu, 0x341, BASE + 0x200);
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 2);
    CU_ASSERT_EQUAL(csr(0x342), EXC_ILLEGAL);
    CU_ASSERT_EQUAL((csr(0x300) >> MSTATUS_MPP_SHIFT) & 3, PRV_S);
    teardown();
}

/* §3.1.9: a delegated interrupt is taken in U always, in S only with SIE, never in M;
 * one not delegated is taken in S and U whatever SIE says. */
static void test_interrupt_delegation(void)
{
    setup();
    cpu_csr_write(cpu, 0x180, 0);
    cpu_csr_write(cpu, 0x305, BASE + 0x100);
    cpu_csr_write(cpu, 0x105, BASE + 0x200);
    for (unsigned i = 0x100; i < 0x800; i += 4)
        put32(BASE + i, ADDI(0, 0, 0));
    cpu_csr_write(cpu, 0x303, 1u << MIP_STIP);
    cpu_csr_write(cpu, 0x304, 1u << MIP_STIP);
    cpu_csr_write(cpu, 0x344, 1u << MIP_STIP);       /* M sets STIP, as OpenSBI does */
    CU_ASSERT_EQUAL(csr(0x144), 1u << MIP_STIP);     /* sip shows it: delegated */
    /* In M with MIE: a delegated interrupt is not taken. */
    cpu_csr_write(cpu, 0x300, MSTATUS_MIE);
    cpu_set_pc(cpu, BASE + 0x400);
    cpu_run(cpu, 2);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x408);
    /* In S without SIE: not taken; with SIE: to stvec. */
    enter_s(BASE + 0x400);
    cpu_run(cpu, 2);
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), PRV_S);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x408);
    cpu_csr_write(cpu, 0x100, MSTATUS_SIE);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x200 + 4);
    CU_ASSERT_EQUAL(csr(0x142), CAUSE_INTERRUPT | MIP_STIP);
    /* Not delegated: MTIP-like, taken in S even with SIE clear. */
    cpu_csr_write(cpu, 0x344, 0);
    cpu_csr_write(cpu, 0x303, 0);
    cpu_csr_write(cpu, 0x304, 1u << MIP_SSIP);
    cpu_csr_write(cpu, 0x344, 1u << MIP_SSIP);
    CU_ASSERT_EQUAL(csr(0x144), 0);                  /* sip: not delegated, reads 0 */
    enter_s(BASE + 0x400);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), PRV_M);
    CU_ASSERT_EQUAL(csr(0x342), CAUSE_INTERRUPT | MIP_SSIP);
    teardown();
}

int suite_mmu(void)
{
    CU_pSuite s = CU_add_suite("mmu", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "sv39 walk, faults, canonical addresses", test_walk);
    CU_add_test(s, "superpages and their alignment", test_superpages);
    CU_add_test(s, "U, SUM, MXR, MPRV permissions", test_permissions);
    CU_add_test(s, "A and D updates", test_accessed_dirty);
    CU_add_test(s, "translated execution and page faults", test_run_translated);
    CU_add_test(s, "sfence.vma and TVM", test_sfence);
    CU_add_test(s, "delegation, S trap entry, sret, TSR", test_delegation_and_sret);
    CU_add_test(s, "interrupt delegation", test_interrupt_delegation);
    return 0;
}
