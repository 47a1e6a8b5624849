/* Unit tests of physical memory protection (sim/cpu/pmp.c, its checks in mmu.c and
 * cpu.c, its CSRs in csr.c), each pinned to the clause of the RISC-V privileged spec
 * 1.12, §3.7.1, it checks: the WARL fields and locking, TOR, NA4 and NAPOT matching,
 * priority, partial matches, S and U failing where no entry matches, M mode unchecked
 * unless an entry is locked, MPRV, the page-table walk's accesses, instruction fetch,
 * and the TLB forgetting PMP decisions when an entry changes. */
#include "tests/unit/hart.h"

enum { NONE = 0, R = PMP_R, W = PMP_W, X = PMP_X, L = PMP_L,
       TOR = 0x08, NA4 = 0x10, NAPOT = 0x18 };

/* pmpaddr of the naturally aligned power-of-two region [base, base + size). */
static uint64_t napot(uint64_t base, uint64_t size) { return (base >> 2) | ((size >> 3) - 1); }

/* Entry i: address first (a locked cfg would refuse it afterwards), then cfg. */
static void pmp_set(unsigned i, unsigned cfg, uint64_t addr)
{
    unsigned reg = CSR_PMPCFG0 + 2 * (i / 8), sh = 8 * (i % 8);
    cpu_csr_write(cpu, CSR_PMPADDR0 + i, addr);
    cpu_csr_write(cpu, reg, (csr(reg) & ~(0xffull << sh)) | (uint64_t)cfg << sh);
}

static PmpResult match(uint64_t a, uint64_t len, unsigned acc, unsigned priv)
{
    return cpu_pmp_match(cpu, a, len, acc, priv);
}

/* Translates (or only checks, with satp Bare) an access at priv with mstatus bits. */
static unsigned xlate(unsigned priv, uint64_t status, uint64_t va, unsigned acc, unsigned len)
{
    uint64_t pa;
    cpu->priv = priv;
    cpu->mstatus = status;
    cpu_mmu_mode(cpu);
    return cpu_translate(cpu, va, acc, len, &pa);
}

/* pmpcfg fields are WARL (R = 0, W = 1 reads W = 0; bits 6:5 read 0); a locked entry
 * ignores writes to its cfg and address, and a locked TOR entry also locks the address
 * below it; pmpaddr holds 54 bits (G = 0). */
static void test_warl_and_locking(void)
{
    hart_setup();
    cpu_csr_write(cpu, CSR_PMPCFG0, 0x66);           /* entry 0: W without R, bits 6:5 */
    CU_ASSERT_EQUAL(csr(CSR_PMPCFG0), 0x04);         /* X alone */
    cpu_csr_write(cpu, CSR_PMPADDR0, 0x1000);
    cpu_csr_write(cpu, CSR_PMPCFG0, 0x8f00);         /* entry 1: L, TOR, RWX */
    CU_ASSERT_EQUAL(csr(CSR_PMPCFG0), 0x8f00);
    cpu_csr_write(cpu, CSR_PMPADDR0, 0x2000);        /* locked by entry 1's TOR */
    CU_ASSERT_EQUAL(csr(CSR_PMPADDR0), 0x1000);
    cpu_csr_write(cpu, CSR_PMPADDR0 + 1, 0x3000);    /* entry 1 itself is locked */
    CU_ASSERT_EQUAL(csr(CSR_PMPADDR0 + 1), 0);
    cpu_csr_write(cpu, CSR_PMPCFG0, 0);              /* byte 1 stays, byte 0 clears */
    CU_ASSERT_EQUAL(csr(CSR_PMPCFG0), 0x8f00);
    cpu_csr_write(cpu, CSR_PMPADDR0 + 2, ~0ull);
    CU_ASSERT_EQUAL(csr(CSR_PMPADDR0 + 2), (1ull << 54) - 1);
    /* A locked NAPOT entry locks only itself: the address below stays writable. */
    pmp_set(4, L | NAPOT | R, napot(BASE, 0x1000));
    cpu_csr_write(cpu, CSR_PMPADDR0 + 3, 0x77);
    CU_ASSERT_EQUAL(csr(CSR_PMPADDR0 + 3), 0x77);
    hart_teardown();
}

/* TOR: pmpaddr[i-1] <= a < pmpaddr[i]; entry 0's bottom is 0; a bottom not below the
 * top matches nothing. */
static void test_tor(void)
{
    hart_setup();
    pmp_set(0, TOR | X, 0x1000 >> 2);                /* [0, 0x1000) */
    pmp_set(1, NONE, (BASE + 0x1000) >> 2);          /* OFF: only a bottom */
    pmp_set(2, TOR | R, (BASE + 0x3000) >> 2);       /* [BASE + 0x1000, BASE + 0x3000) */
    CU_ASSERT_EQUAL(match(0, 4, ACC_FETCH, PRV_S), PMP_ALLOW);
    CU_ASSERT_EQUAL(match(0xffc, 4, ACC_FETCH, PRV_U), PMP_ALLOW);
    CU_ASSERT_EQUAL(match(0xffc, 4, ACC_LOAD, PRV_U), PMP_DENY);
    CU_ASSERT_EQUAL(match(0x1000, 4, ACC_FETCH, PRV_S), PMP_DENY);        /* no match */
    CU_ASSERT_EQUAL(match(BASE + 0x1000, 8, ACC_LOAD, PRV_S), PMP_ALLOW);
    CU_ASSERT_EQUAL(match(BASE + 0x2ff8, 8, ACC_LOAD, PRV_S), PMP_ALLOW);
    CU_ASSERT_EQUAL(match(BASE + 0x2ff8, 8, ACC_STORE, PRV_S), PMP_DENY);
    CU_ASSERT_EQUAL(match(BASE + 0x3000, 4, ACC_LOAD, PRV_S), PMP_DENY);
    CU_ASSERT_EQUAL(match(BASE + 0xffc, 4, ACC_LOAD, PRV_S), PMP_DENY);
    /* The whole region as one range: a page-sized question has one answer. */
    CU_ASSERT_EQUAL(match(BASE + 0x1000, 0x2000, ACC_LOAD, PRV_S), PMP_ALLOW);
    /* Bottom above top: entry 2 matches nothing. */
    pmp_set(1, NONE, (BASE + 0x4000) >> 2);
    CU_ASSERT_EQUAL(match(BASE + 0x1000, 4, ACC_LOAD, PRV_S), PMP_DENY);
    CU_ASSERT_EQUAL(match(BASE + 0x3800, 4, ACC_LOAD, PRV_S), PMP_DENY);
    hart_teardown();
}

/* NA4: the 4 bytes at pmpaddr << 2. NAPOT: a region of 2^(t+3) bytes for t trailing
 * ones; all 54 ones cover the whole physical address space. */
static void test_na4_napot(void)
{
    hart_setup();
    pmp_set(0, NA4 | R | W, (BASE + 0x100) >> 2);
    CU_ASSERT_EQUAL(match(BASE + 0x100, 4, ACC_STORE, PRV_U), PMP_ALLOW);
    CU_ASSERT_EQUAL(match(BASE + 0x103, 1, ACC_LOAD, PRV_U), PMP_ALLOW);
    CU_ASSERT_EQUAL(match(BASE + 0x104, 4, ACC_LOAD, PRV_U), PMP_DENY);
    CU_ASSERT_EQUAL(match(BASE + 0xfc, 4, ACC_LOAD, PRV_U), PMP_DENY);
    pmp_set(1, NAPOT | X, napot(BASE + 0x10000, 0x10000));     /* 64 KiB */
    CU_ASSERT_EQUAL(match(BASE + 0x10000, 2, ACC_FETCH, PRV_S), PMP_ALLOW);
    CU_ASSERT_EQUAL(match(BASE + 0x1fffe, 2, ACC_FETCH, PRV_S), PMP_ALLOW);
    CU_ASSERT_EQUAL(match(BASE + 0x20000, 2, ACC_FETCH, PRV_S), PMP_DENY);
    CU_ASSERT_EQUAL(match(BASE + 0xfffe, 2, ACC_FETCH, PRV_S), PMP_DENY);
    pmp_set(1, NAPOT | X, napot(BASE, 8));           /* the smallest NAPOT: 8 bytes */
    CU_ASSERT_EQUAL(match(BASE + 4, 4, ACC_FETCH, PRV_S), PMP_ALLOW);
    CU_ASSERT_EQUAL(match(BASE + 8, 4, ACC_FETCH, PRV_S), PMP_DENY);
    pmp_set(2, NAPOT | R, ~0ull);                    /* everything */
    CU_ASSERT_EQUAL(match(0, 8, ACC_LOAD, PRV_U), PMP_ALLOW);
    CU_ASSERT_EQUAL(match(BASE + 0x2000, 8, ACC_LOAD, PRV_U), PMP_ALLOW);
    CU_ASSERT_EQUAL(match((1ull << 56) - 8, 8, ACC_LOAD, PRV_U), PMP_ALLOW);
    CU_ASSERT_EQUAL(match(BASE + 0x2000, 8, ACC_STORE, PRV_U), PMP_DENY);
    hart_teardown();
}

/* The lowest-numbered matching entry decides, whether it grants or refuses. */
static void test_priority(void)
{
    hart_setup();
    pmp_set(0, NA4 | NONE, (BASE + 0x40) >> 2);      /* a hole ... */
    pmp_set(1, NAPOT | R | W | X, napot(BASE, 0x1000));   /* ... in an open page */
    pmp_set(2, NAPOT | NONE, napot(BASE, 0x2000));   /* later, refusing: does not count */
    CU_ASSERT_EQUAL(match(BASE + 0x40, 4, ACC_LOAD, PRV_S), PMP_DENY);
    CU_ASSERT_EQUAL(match(BASE + 0x44, 4, ACC_LOAD, PRV_S), PMP_ALLOW);
    CU_ASSERT_EQUAL(match(BASE + 0x800, 8, ACC_STORE, PRV_U), PMP_ALLOW);
    CU_ASSERT_EQUAL(match(BASE + 0x1000, 8, ACC_LOAD, PRV_S), PMP_DENY);
    /* The page holding the hole has no single answer: decided access by access. */
    CU_ASSERT_EQUAL(match(BASE, 0x1000, ACC_LOAD, PRV_S), PMP_PARTIAL);
    hart_teardown();
}

/* An access the deciding entry matches only in part fails, whatever its bits and
 * whatever later entries say; in M mode too once an entry is locked (the deciding one
 * is unlocked here: the spec fails partial matches "irrespective of the L ... bits"). */
static void test_partial_match(void)
{
    hart_setup();
    pmp_set(0, NA4 | R | W, (BASE + 0x104) >> 2);
    pmp_set(1, NAPOT | R | W, napot(BASE, 0x1000));
    CU_ASSERT_EQUAL(match(BASE + 0x100, 8, ACC_LOAD, PRV_S), PMP_PARTIAL);
    CU_ASSERT_EQUAL(match(BASE + 0x104, 8, ACC_LOAD, PRV_S), PMP_PARTIAL);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, BASE + 0x100, ACC_LOAD, 8), EXC_LOAD_ACCESS);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, BASE + 0x100, ACC_LOAD, 4), 0);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, BASE + 0x104, ACC_STORE, 4), 0);
    /* Across the region's end: one byte in, one out. */
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, BASE + 0xfff, ACC_STORE, 2), EXC_STORE_ACCESS);
    pmp_set(8, L | NA4 | R, (BASE + 0x3000) >> 2);   /* any locked entry: M is checked */
    CU_ASSERT_EQUAL(xlate(PRV_M, 0, BASE + 0x100, ACC_LOAD, 8), EXC_LOAD_ACCESS);
    CU_ASSERT_EQUAL(xlate(PRV_M, 0, BASE + 0x108, ACC_LOAD, 8), 0);
    hart_teardown();
}

/* With entries implemented, an S or U access no entry matches fails; M's succeeds. */
static void test_no_match(void)
{
    hart_setup();
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, BASE, ACC_LOAD, 8), EXC_LOAD_ACCESS);
    CU_ASSERT_EQUAL(xlate(PRV_U, 0, BASE, ACC_STORE, 8), EXC_STORE_ACCESS);
    CU_ASSERT_EQUAL(xlate(PRV_U, 0, BASE, ACC_FETCH, 2), EXC_INSN_ACCESS);
    CU_ASSERT_EQUAL(match(BASE, 8, ACC_STORE, PRV_M), PMP_ALLOW);
    pmp_set(0, NAPOT | R, napot(BASE, 0x1000));
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, BASE + 8, ACC_LOAD, 8), 0);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, BASE + 0x1000, ACC_LOAD, 8), EXC_LOAD_ACCESS);
    /* Outside RAM too: PMP refuses before the bus is asked. */
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, 0x10000000, ACC_LOAD, 1), EXC_LOAD_ACCESS);
    hart_teardown();
}

/* M mode: an unlocked entry neither grants nor refuses it, and its accesses stay on the
 * fast paths (no TLB); a locked entry binds M like S and U, and M then goes through
 * the M sets of the TLB. A locked entry's bits hold until reset. */
static void test_m_mode_and_lock(void)
{
    hart_setup();
    pmp_set(0, NAPOT | NONE, napot(BASE + 0x1000, 0x1000));
    cpu->priv = PRV_M;
    cpu_mmu_mode(cpu);
    CU_ASSERT_FALSE(cpu_pmp_binds_m(cpu));
    CU_ASSERT_FALSE(cpu->xl_fetch);
    CU_ASSERT_FALSE(cpu->xl_data);
    CU_ASSERT_EQUAL(match(BASE + 0x1000, 8, ACC_STORE, PRV_M), PMP_ALLOW);
    CU_ASSERT_EQUAL(match(BASE + 0x1000, 8, ACC_STORE, PRV_S), PMP_DENY);
    /* A locked entry that is OFF matches nothing: M stays unchecked. */
    pmp_set(1, L, 0);
    CU_ASSERT_FALSE(cpu_pmp_binds_m(cpu));
    pmp_set(2, L | NAPOT | R, napot(BASE + 0x2000, 0x1000));
    CU_ASSERT_TRUE(cpu_pmp_binds_m(cpu));
    CU_ASSERT_EQUAL(xlate(PRV_M, 0, BASE + 0x2000, ACC_LOAD, 8), 0);
    CU_ASSERT_TRUE(cpu->xl_data);
    CU_ASSERT_TRUE(cpu->xl_fetch);
    CU_ASSERT_EQUAL(xlate(PRV_M, 0, BASE + 0x2000, ACC_STORE, 8), EXC_STORE_ACCESS);
    CU_ASSERT_EQUAL(xlate(PRV_M, 0, BASE + 0x2000, ACC_FETCH, 2), EXC_INSN_ACCESS);
    CU_ASSERT_EQUAL(xlate(PRV_M, 0, BASE + 0x1000, ACC_STORE, 8), 0);    /* unlocked */
    CU_ASSERT_EQUAL(xlate(PRV_M, 0, BASE + 0x8000, ACC_STORE, 8), 0);    /* no match */
    /* The locked entry ignores writes, even M mode's wish to open it. */
    pmp_set(2, NAPOT | R | W | X, napot(BASE, 0x100000));
    CU_ASSERT_EQUAL(csr(CSR_PMPCFG0) >> 16 & 0xff, L | NAPOT | R);
    CU_ASSERT_EQUAL(csr(CSR_PMPADDR0 + 2), napot(BASE + 0x2000, 0x1000));
    CU_ASSERT_EQUAL(xlate(PRV_M, 0, BASE + 0x2000, ACC_STORE, 8), EXC_STORE_ACCESS);
    /* A store by M code to it, run: store access fault, mtval the address. */
    put32(BASE + 0x400, SD(5, 6, 0));
    cpu_set_reg(cpu, 6, BASE + 0x2010);
    cpu_csr_write(cpu, CSR_MTVEC, BASE + 0x100);
    cpu_set_pc(cpu, BASE + 0x400);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(CSR_MCAUSE), EXC_STORE_ACCESS);
    CU_ASSERT_EQUAL(csr(CSR_MTVAL), BASE + 0x2010);
    /* Reset unlocks. */
    cpu_reset(cpu, BASE);
    CU_ASSERT_EQUAL(csr(CSR_PMPCFG0), 0);
    CU_ASSERT_FALSE(cpu_pmp_binds_m(cpu));
    hart_teardown();
}

/* A locked TOR entry locks the pmpaddr below it as well, so its bottom cannot move;
 * matching then follows the locked region. */
static void test_locked_tor(void)
{
    hart_setup();
    pmp_set(0, NONE, (BASE + 0x1000) >> 2);
    pmp_set(1, L | TOR | R, (BASE + 0x2000) >> 2);
    cpu_csr_write(cpu, CSR_PMPADDR0, BASE >> 2);     /* ignored */
    CU_ASSERT_EQUAL(csr(CSR_PMPADDR0), (BASE + 0x1000) >> 2);
    cpu_csr_write(cpu, CSR_PMPCFG0, 0x1f);           /* entry 0's cfg stays writable */
    CU_ASSERT_EQUAL(csr(CSR_PMPCFG0) & 0xff, 0x1f);
    cpu_csr_write(cpu, CSR_PMPCFG0, csr(CSR_PMPCFG0) & ~0xffull);
    CU_ASSERT_EQUAL(xlate(PRV_M, 0, BASE + 0x1800, ACC_STORE, 8), EXC_STORE_ACCESS);
    CU_ASSERT_EQUAL(xlate(PRV_M, 0, BASE + 0x800, ACC_STORE, 8), 0);
    hart_teardown();
}

/* MPRV: M-mode loads and stores are checked at MPP's privilege (§3.1.6.3), also with
 * satp Bare; fetches stay M's. */
static void test_mprv(void)
{
    hart_setup();
    pmp_set(0, NAPOT | R, napot(BASE + 0x1000, 0x1000));
    uint64_t mprv_u = MSTATUS_MPRV, mprv_s = MSTATUS_MPRV | 1ull << MSTATUS_MPP_SHIFT;
    CU_ASSERT_EQUAL(xlate(PRV_M, mprv_u, BASE + 0x1000, ACC_LOAD, 8), 0);
    CU_ASSERT_TRUE(cpu->xl_data);
    CU_ASSERT_FALSE(cpu->xl_fetch);
    CU_ASSERT_EQUAL(xlate(PRV_M, mprv_u, BASE + 0x1000, ACC_STORE, 8), EXC_STORE_ACCESS);
    CU_ASSERT_EQUAL(xlate(PRV_M, mprv_s, BASE + 0x3000, ACC_LOAD, 8), EXC_LOAD_ACCESS);
    CU_ASSERT_EQUAL(xlate(PRV_M, 3ull << MSTATUS_MPP_SHIFT | MSTATUS_MPRV, BASE + 0x3000,
                          ACC_LOAD, 8), 0);          /* MPP = M: M's rules */
    /* Run: ld through MPRV with MPP = U from a region U may not read. */
    put32(BASE + 0x400, LD(5, 6, 0));
    cpu_set_reg(cpu, 6, BASE + 0x3000);
    cpu_csr_write(cpu, CSR_MTVEC, BASE + 0x100);
    cpu->priv = PRV_M;
    cpu_csr_write(cpu, CSR_MSTATUS, mprv_u);
    cpu_set_pc(cpu, BASE + 0x400);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(CSR_MCAUSE), EXC_LOAD_ACCESS);
    CU_ASSERT_EQUAL(csr(CSR_MTVAL), BASE + 0x3000);
    hart_teardown();
}

/* Sv39: the walk's reads of the page tables are S-mode accesses, checked whatever the
 * privilege translating (here also M with MPRV); a refused one is an access fault of
 * the original access's kind, not a page fault. The access itself is checked on the
 * physical address. */
#define ROOT (BASE + 0x10000)
#define L1 (BASE + 0x11000)
#define L0 (BASE + 0x12000)
#define PAGE_VA 0x40000000ull
static void test_walk_checked(void)
{
    hart_setup();
    enum { V = 1, PR = 2, PW = 4, PX = 8, PU = 16, A = 64, D = 128 };
    put64(ROOT + 8 * 1, (L1 >> 12) << 10 | V);
    put64(L1, (L0 >> 12) << 10 | V);
    put64(L0, ((BASE + 0x30000) >> 12) << 10 | V | PR | PW | PX | A | D);
    put64(L0 + 8, ((BASE + 0x31000) >> 12) << 10 | V | PR | PW | PU | A);
    cpu_csr_write(cpu, CSR_SATP, 8ull << 60 | ROOT >> 12);
    pmp_set(0, NAPOT | NONE, napot(BASE + 0x10000, 0x4000));      /* the page tables */
    pmp_open();
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, PAGE_VA, ACC_LOAD, 8), EXC_LOAD_ACCESS);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, PAGE_VA, ACC_STORE, 8), EXC_STORE_ACCESS);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, PAGE_VA, ACC_FETCH, 2), EXC_INSN_ACCESS);
    CU_ASSERT_EQUAL(xlate(PRV_M, MSTATUS_MPRV | 1ull << MSTATUS_MPP_SHIFT, PAGE_VA,
                          ACC_LOAD, 8), EXC_LOAD_ACCESS);
    /* Readable tables: the walk goes through; a page fault is still a page fault. */
    pmp_set(0, NAPOT | R, napot(BASE + 0x10000, 0x4000));
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, PAGE_VA, ACC_LOAD, 8), 0);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, PAGE_VA + 0x5000, ACC_LOAD, 8), EXC_LOAD_PAGE_FAULT);
    /* Setting D is a store to the tables: refused while they are read-only. */
    CU_ASSERT_EQUAL(xlate(PRV_U, 0, PAGE_VA + 0x1000, ACC_STORE, 8), EXC_STORE_ACCESS);
    CU_ASSERT_EQUAL(get64(L0 + 8) & D, 0);
    /* The mapped physical page itself: refused, with the PTE's A and D left alone. */
    pmp_set(1, NAPOT | R, napot(BASE + 0x31000, 0x1000));
    pmp_set(0, NAPOT | R | W, napot(BASE + 0x10000, 0x4000));
    CU_ASSERT_EQUAL(xlate(PRV_U, 0, PAGE_VA + 0x1000, ACC_STORE, 8), EXC_STORE_ACCESS);
    CU_ASSERT_EQUAL(get64(L0 + 8) & D, 0);
    CU_ASSERT_EQUAL(xlate(PRV_U, 0, PAGE_VA + 0x1000, ACC_LOAD, 8), 0);
    hart_teardown();
}

/* Instruction fetch: U code in a page PMP does not let it execute raises instruction
 * access fault (cause 1, mtval = pc), also when the page was decoded before by M
 * mode, when the boundary lies inside the page (each fetch is checked there) and when
 * only an instruction's upper half is past it. */
static void test_fetch_denied(void)
{
    hart_setup();
    cpu_csr_write(cpu, CSR_MTVEC, BASE + 0x100);
    uint64_t code = BASE + 0x2000;
    for (unsigned i = 0; i < 0x400; i++)
        put32(code + 4 * i, ADDI(5, 5, 1));
    /* M runs the page first, so its instructions are in the decoded-code cache. */
    cpu_set_pc(cpu, code);
    cpu_run(cpu, 4);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 4);
    pmp_set(0, NAPOT | R | W, napot(code, 0x1000));
    pmp_open();
    hart_enter(PRV_U, code, 0);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), PRV_M);
    CU_ASSERT_EQUAL(csr(CSR_MCAUSE), EXC_INSN_ACCESS);
    CU_ASSERT_EQUAL(csr(CSR_MTVAL), code);
    /* The first 0x100 bytes executable, the rest not: U runs 64 instructions, then
     * faults at the boundary. */
    pmp_set(0, NAPOT | R | X, napot(code, 0x100));
    pmp_set(1, NAPOT | R, napot(code, 0x1000));
    cpu_set_reg(cpu, 5, 0);
    hart_enter(PRV_U, code, 0);
    cpu_run(cpu, 65);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 64);
    CU_ASSERT_EQUAL(csr(CSR_MCAUSE), EXC_INSN_ACCESS);
    CU_ASSERT_EQUAL(csr(CSR_MTVAL), code + 0x100);
    /* A 4-byte instruction whose upper half crosses the boundary: c.nop at 0xfc, then
     * addi at 0xfe; the fault names the upper half's address. */
    uint8_t cnop[2] = { 0x01, 0x00 };
    ram_write(&ram, code + 0xfc, cnop, 2);
    put32(code + 0xfe, ADDI(5, 5, 1));
    cpu_set_reg(cpu, 5, 0);
    hart_enter(PRV_U, code + 0xfc, 0);
    cpu_run(cpu, 2);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 0);
    CU_ASSERT_EQUAL(csr(CSR_MCAUSE), EXC_INSN_ACCESS);
    CU_ASSERT_EQUAL(csr(CSR_MTVAL), code + 0x100);
    CU_ASSERT_EQUAL(csr(CSR_MEPC), code + 0xfe);
    /* S mode with Sv39 off is checked the same way; delegated, the fault reaches S. */
    cpu_csr_write(cpu, CSR_MEDELEG, 1u << EXC_INSN_ACCESS);
    cpu_csr_write(cpu, CSR_STVEC, code);
    hart_enter(PRV_S, code + 0x200, 0);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), PRV_S);
    CU_ASSERT_EQUAL(csr(CSR_SCAUSE), EXC_INSN_ACCESS);
    CU_ASSERT_EQUAL(csr(CSR_STVAL), code + 0x200);
    hart_teardown();
}

/* The TLB caches PMP decisions per page; every pmpcfg or pmpaddr write and every
 * change of satp.MODE forgets them, so a change binds the next access. A page with an
 * entry's boundary inside gets no TLB entry at all. */
static void test_tlb_flush(void)
{
    hart_setup();
    uint64_t data = BASE + 0x5000;
    pmp_set(0, NAPOT | R, napot(data, 0x1000));
    pmp_open();
    unsigned slot = (data >> 12) & (TLB_SIZE - 1);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, data, ACC_LOAD, 8), 0);
    CU_ASSERT_EQUAL(cpu->tlb[TLB_LOAD_S][slot].tag, data >> 12);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, data, ACC_STORE, 8), EXC_STORE_ACCESS);
    CU_ASSERT_EQUAL(cpu->tlb[TLB_STORE_S][slot].tag, TLB_EMPTY);
    cpu_csr_write(cpu, CSR_PMPADDR0 + 3, 0);         /* any PMP write */
    CU_ASSERT_EQUAL(cpu->tlb[TLB_LOAD_S][slot].tag, TLB_EMPTY);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, data, ACC_LOAD, 8), 0);
    pmp_set(0, NAPOT | NONE, napot(data, 0x1000));
    CU_ASSERT_EQUAL(cpu->tlb[TLB_LOAD_S][slot].tag, TLB_EMPTY);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, data, ACC_LOAD, 8), EXC_LOAD_ACCESS);
    /* Run: S loads twice from the page; M revokes R in between. */
    pmp_set(0, NAPOT | R, napot(data, 0x1000));
    uint64_t code = BASE + 0x6000;
    put32(code, LD(5, 6, 0));
    put32(code + 4, LD(7, 6, 0));
    put64(data, 42);
    cpu_set_reg(cpu, 6, data);
    cpu_csr_write(cpu, CSR_MTVEC, BASE + 0x100);
    hart_enter(PRV_S, code, 0);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 42);
    pmp_set(0, NAPOT | NONE, napot(data, 0x1000));
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(CSR_MCAUSE), EXC_LOAD_ACCESS);
    CU_ASSERT_EQUAL(csr(CSR_MTVAL), data);
    /* A boundary inside the page: no entry, each access checked. */
    pmp_set(0, NA4 | R, (data + 8) >> 2);
    pmp_set(1, NAPOT | NONE, napot(data, 0x1000));
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, data + 8, ACC_LOAD, 4), 0);
    CU_ASSERT_EQUAL(cpu->tlb[TLB_LOAD_S][slot].tag, TLB_EMPTY);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, data + 12, ACC_LOAD, 4), EXC_LOAD_ACCESS);
    /* satp.MODE: Bare's pages map to themselves; Sv39 must not find them. */
    pmp_set(0, NONE, 0);
    pmp_set(1, NONE, 0);
    CU_ASSERT_EQUAL(xlate(PRV_S, 0, data, ACC_LOAD, 8), 0);
    CU_ASSERT_EQUAL(cpu->tlb[TLB_LOAD_S][slot].tag, data >> 12);
    cpu_csr_write(cpu, CSR_SATP, 8ull << 60 | (BASE + 0x10000) >> 12);
    CU_ASSERT_EQUAL(cpu->tlb[TLB_LOAD_S][slot].tag, TLB_EMPTY);
    hart_teardown();
}

int suite_pmp(void)
{
    CU_pSuite s = CU_add_suite("pmp", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "warl fields and locking", test_warl_and_locking);
    CU_add_test(s, "tor", test_tor);
    CU_add_test(s, "na4 and napot, all-ones napot", test_na4_napot);
    CU_add_test(s, "lowest-numbered entry wins", test_priority);
    CU_add_test(s, "partial match fails", test_partial_match);
    CU_add_test(s, "S and U fail where nothing matches", test_no_match);
    CU_add_test(s, "M unchecked unless locked; lock ignores writes", test_m_mode_and_lock);
    CU_add_test(s, "locked tor locks the address below", test_locked_tor);
    CU_add_test(s, "mprv", test_mprv);
    CU_add_test(s, "page-table walk checked as S", test_walk_checked);
    CU_add_test(s, "fetch denied: instruction access fault", test_fetch_denied);
    CU_add_test(s, "tlb forgets on pmp and satp.MODE writes", test_tlb_flush);
    return 0;
}
