/* Privilege rules, per mode (privileged spec 1.12): ecall's cause by mode (§3.3.1:
 * 8 U, 9 S, 11 M) and the previous privilege it leaves in xPP; delegation (§3.1.8:
 * medeleg sends U's ecall, load page faults and load access faults to S, taken from S
 * or U but never from M); CSR access by privilege and read-only-ness (§2.1: a CSR above
 * the current mode, or a write to a read-only one, is illegal, cause 2; counters below M
 * with mcounteren clear; satp ignoring an unsupported MODE, §4.1.11); mret and sret
 * (§3.3.2: illegal below their mode; xPP, xPIE and xIE afterwards); and under Sv39
 * (§4.3): page faults with the faulting address in tval, U pages from S (SUM, §4.3.1)
 * and execute-only pages (MXR), the hardware's A and D updates (§4.3.1, as ringside and
 * QEMU do them), sfence.vma after a PTE changes (§4.2.1), a misaligned superpage
 * faulting (§4.3.2 step 6) where an aligned one maps, reserved PTE encodings and bits,
 * non-canonical addresses, a fetch faulting on an instruction's second half, and a
 * leaf naming no memory raising an access fault (or reading all ones: NO_MEMORY_READ).
 * Page-table changes and SUM/MXR are S runs' (U cannot sfence.vma or write sstatus). */
#include "rt.h"

const char rt_name[] = "t_priv";

#define EXC_ILLEGAL  2
#define EXC_LOAD_AF  5
#define EXC_FETCH_PF 12
#define EXC_LOAD_PF  13
#define EXC_STORE_PF 15
#define SSTATUS_SPP  (1ull << 8)
#define SSTATUS_SPIE (1ull << 5)
#define SSTATUS_SIE  (1ull << 1)
#define SSTATUS_SUM  (1ull << 18)
#define SSTATUS_MXR  (1ull << 19)
#define MSTATUS_MPP  (3ull << 11)
#define MSTATUS_MPIE (1ull << 7)
#define MSTATUS_MIE  (1ull << 3)

/* A load from an address no memory or device answers: an access fault (QEMU; ringside
 * with --strict), or, as ringside does by default (docs/architecture.md, the bus), all
 * ones without a trap. Either passes. */
#define NO_MEMORY_READ(v) (rt_disarm(), !rt_trap.taken && (v) == ~0ull)

const uint64_t rt_medeleg = 1u << 5 | 1u << 8 | 1u << EXC_LOAD_PF;

static uint64_t image_word = 0x0123456789abcdefull;

/* ecall: its cause names the mode; the handler's xPP (or SPP) names it too. */
static int ecall_by_mode(void)
{
    uint64_t cause = rt_mode == 'M' ? 11 : rt_mode == 'S' ? 9 : 8;
    rt_arm();
    rt_ecall();
    CHECK_TRAP(cause, 0);
    if (rt_trap.mode == 'M')
        CHECK((rt_trap.status & MSTATUS_MPP) >> 11 == (rt_mode == 'M' ? 3u : rt_mode == 'S' ? 1u : 0u));
    else
        CHECK(!(rt_trap.status & SSTATUS_SPP));              /* from U */
    return 0;
}

/* CSRs: by the privilege their number names, and read-only ones. */
static int csr_access(void)
{
    rt_arm();
    rt_csrw_mvendorid(1);                                     /* read-only, any mode */
    CHECK_CAUSE(EXC_ILLEGAL);
    CHECK(rt_trap.tval == 0 || rt_trap.tval == 0xf1151073u);  /* csrrw x0, mvendorid, a0 */
    rt_arm();
    (void)rt_csrr_cycle();                   /* the runtime cleared mcounteren (§3.1.11) */
    if (rt_mode == 'M')
        CHECK_NO_TRAP();
    else
        CHECK_CAUSE(EXC_ILLEGAL);
    rt_arm();
    rt_csrw_cycle(1);                                         /* read-only counter */
    CHECK_CAUSE(EXC_ILLEGAL);
    rt_arm();
    uint64_t misa = rt_csrr_misa();
    if (rt_mode == 'M') {
        CHECK_NO_TRAP();
        CHECK(misa >> 62 == 2);                               /* MXL 64 */
        const char *ext = "ACIMSU";
        for (const char *e = ext; *e; e++)
            CHECK(misa >> (*e - 'A') & 1);
    } else {
        CHECK_CAUSE(EXC_ILLEGAL);                /* an M CSR below M */
    }
    rt_arm();
    uint64_t ms = rt_csrr_mstatus();
    if (rt_mode == 'M')
        CHECK_NO_TRAP();
    else
        CHECK_CAUSE(EXC_ILLEGAL);
    rt_arm();
    rt_csrw_mstatus(ms);
    if (rt_mode == 'M')
        CHECK_NO_TRAP();
    else
        CHECK_CAUSE(EXC_ILLEGAL);
    rt_arm();
    uint64_t satp = rt_csrr_satp();
    if (rt_mode == 'U') {
        CHECK_CAUSE(EXC_ILLEGAL);                /* an S CSR from U */
        rt_arm();
        (void)rt_csrr_sstatus();
        CHECK_CAUSE(EXC_ILLEGAL);
        rt_arm();
        rt_sstatus_set(SSTATUS_SUM);
        CHECK_CAUSE(EXC_ILLEGAL);
    } else {
        CHECK_NO_TRAP();
        CHECK(satp >> 60 == (rt_mode == 'S' ? 8u : 0u));      /* Sv39, or bare */
        /* A MODE the hart does not support (1-7 are reserved): no effect at all. */
        rt_csrw_satp(1ull << 60 | 0x12345);
        CHECK(rt_csrr_satp() == satp);
    }
    return 0;
}

/* mret and sret: illegal below their mode; where allowed, they return to xepc in
 * xPP's mode and leave xPP = U, xPIE = 1, xIE = the old xPIE. */
static int xret(void)
{
    if (rt_mode != 'M') {
        rt_arm();
        rt_mret();
        CHECK_CAUSE(EXC_ILLEGAL);
    }
    if (rt_mode == 'U') {
        rt_arm();
        rt_sret();
        CHECK_CAUSE(EXC_ILLEGAL);
    }
    if (rt_mode == 'S') {
        __asm__ volatile(".option push\n.option norvc\n"
                         "la t0, 1f\ncsrw sepc, t0\n"
                         "li t1, 0x100\ncsrs sstatus, t1\n"  /* SPP = S */
                         "li t1, 0x22\ncsrc sstatus, t1\n"   /* SPIE = SIE = 0 */
                         "sret\n1:\n.option pop" ::: "t0", "t1", "memory");
        uint64_t s = rt_csrr_sstatus();                       /* still S: no trap */
        CHECK(!(s & SSTATUS_SPP) && (s & SSTATUS_SPIE) && !(s & SSTATUS_SIE));
    }
    if (rt_mode == 'M') {
        __asm__ volatile(".option push\n.option norvc\n"
                         "la t0, 1f\ncsrw mepc, t0\n"
                         "li t1, 0x1800\ncsrs mstatus, t1\n" /* MPP = M */
                         "li t1, 0x88\ncsrc mstatus, t1\n"   /* MPIE = MIE = 0 */
                         "mret\n1:\n.option pop" ::: "t0", "t1", "memory");
        uint64_t m = rt_csrr_mstatus();
        CHECK(!(m & MSTATUS_MPP) && (m & MSTATUS_MPIE) && !(m & MSTATUS_MIE));
    }
    return 0;
}

/* Page faults, with tval the faulting address, in S and U alike; in M (bare) the test
 * pages' addresses name no memory: a load access fault. */
static int faults(void)
{
    if (rt_mode == 'M') {
        rt_arm();
        uint64_t v = rt_ld(RT_TP_RO, 8);
        if (!NO_MEMORY_READ(v))
            CHECK_TRAP(EXC_LOAD_AF, RT_TP_RO);                /* delegated, but from M */
        return 0;
    }
    CHECK(rt_ld(RT_TP_RO, 8) == RT_PATTERN(1));
    CHECK(rt_ld(RT_TP_RW, 8) == RT_PATTERN(0));
    rt_arm();
    (void)rt_ld(RT_TP_NONE + 8, 8);
    CHECK_TRAP(EXC_LOAD_PF, RT_TP_NONE + 8);                 /* to S: delegated */
    rt_arm();
    rt_st(RT_TP_RO + 16, 1, 8);
    CHECK_TRAP(EXC_STORE_PF, RT_TP_RO + 16);                 /* to M */
    rt_arm();
    rt_st(RT_TP_XO, 1, 4);
    CHECK_TRAP(EXC_STORE_PF, RT_TP_XO);
    rt_arm();
    rt_call(RT_TP_RW + 4);                                    /* R W, no X */
    CHECK_TRAP(EXC_FETCH_PF, RT_TP_RW + 4);
    rt_arm();
    rt_call(RT_TP_XO);                                        /* X only: its `ret` runs */
    CHECK_NO_TRAP();
    rt_arm();
    (void)rt_ld(RT_TP_XO, 4);                                 /* no R, no MXR */
    CHECK_TRAP(EXC_LOAD_PF, RT_TP_XO);
    /* A 4-byte instruction whose second half is on an unmapped page: tval is that
     * half's address, epc the instruction's (§3.1.16). */
    rt_arm();
    rt_call(RT_TP_XO + 4094);
    CHECK_TRAP(EXC_FETCH_PF, RT_TP_NONE);
    CHECK(rt_trap.epc == RT_TP_XO + 4094);
    /* Bits 63:39 must all equal bit 38 (§4.3.1): this is RT_TP_RW with bit 39 set. */
    rt_arm();
    (void)rt_ld(RT_TP_RW | 1ull << 39, 8);
    CHECK_TRAP(EXC_LOAD_PF, RT_TP_RW | 1ull << 39);
    if (rt_mode == 'U') {
        rt_arm();
        (void)rt_ld(RT_TP_SUP + 8, 8);                        /* not a U page */
        CHECK_TRAP(EXC_LOAD_PF, RT_TP_SUP + 8);
        rt_arm();
        rt_st(RT_TP_SUP, 1, 8);
        CHECK_TRAP(EXC_STORE_PF, RT_TP_SUP);
        CHECK(rt_ld(RT_TP_USR, 8) == RT_PATTERN(4));
        rt_arm();
        rt_call(RT_TP_SUP);                                   /* nor for fetch */
        CHECK_TRAP(EXC_FETCH_PF, RT_TP_SUP);
    }
    return 0;
}

/* S only: SUM lets S load and store U pages, never execute them; MXR lets loads read
 * execute-only pages. */
static int sum_mxr(void)
{
    rt_arm();
    (void)rt_ld(RT_TP_USR, 8);
    CHECK_TRAP(EXC_LOAD_PF, RT_TP_USR);
    rt_arm();
    rt_st(RT_TP_USR + 8, 7, 8);
    CHECK_TRAP(EXC_STORE_PF, RT_TP_USR + 8);
    rt_sstatus_set(SSTATUS_SUM);
    CHECK(rt_csrr_sstatus() & SSTATUS_SUM);
    CHECK(rt_ld(RT_TP_USR, 8) == RT_PATTERN(4));
    rt_st(RT_TP_USR + 8, 7, 8);
    CHECK(rt_ld(RT_TP_USR + 8, 8) == 7);
    rt_arm();
    rt_call(RT_TP_USR);
    CHECK_TRAP(EXC_FETCH_PF, RT_TP_USR);                      /* SUM does not cover fetch */
    rt_sstatus_clear(SSTATUS_SUM);
    rt_arm();
    (void)rt_ld(RT_TP_USR, 8);
    CHECK_TRAP(EXC_LOAD_PF, RT_TP_USR);

    rt_sstatus_set(SSTATUS_MXR);
    CHECK(rt_ld(RT_TP_XO, -4) == 0x00008067u);                /* the page's `ret` */
    rt_arm();
    rt_st(RT_TP_XO, 1, 4);                                    /* MXR is for loads only */
    CHECK_TRAP(EXC_STORE_PF, RT_TP_XO);
    rt_sstatus_clear(SSTATUS_MXR);
    return 0;
}

/* S only: A and D set by the hart on the first access and the first store; a remapped
 * page seen after sfence.vma; superpages; a leaf naming no memory. */
static int page_tables(void)
{
    volatile uint64_t *spare = rt_pte(RT_TP_SPARE, 0);
    CHECK(spare != 0);
    uint64_t orig = *spare;
    *spare = orig & ~(uint64_t)(PTE_A | PTE_D);
    rt_sfence();
    CHECK(rt_ld(RT_TP_SPARE, 8) == RT_PATTERN(0));
    CHECK((*spare & PTE_A) && !(*spare & PTE_D));
    rt_st(RT_TP_SPARE + 24, 5, 8);
    CHECK((*spare & PTE_A) && (*spare & PTE_D));
    CHECK(rt_ld(RT_TP_RW + 24, 8) == 5);                      /* the same page */

    /* W without R is reserved (§4.3.1): a page fault for a load and a store. */
    *spare = orig & ~(uint64_t)PTE_R;
    rt_sfence();
    rt_arm();
    (void)rt_ld(RT_TP_SPARE, 8);
    CHECK_TRAP(EXC_LOAD_PF, RT_TP_SPARE);
    rt_arm();
    rt_st(RT_TP_SPARE, 1, 8);
    CHECK_TRAP(EXC_STORE_PF, RT_TP_SPARE);
    /* A pointer (no R, W, X) at the last level: a page fault (§4.3.2 step 4). */
    *spare = orig & ~(uint64_t)(PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D);
    rt_sfence();
    rt_arm();
    (void)rt_ld(RT_TP_SPARE, 8);
    CHECK_TRAP(EXC_LOAD_PF, RT_TP_SPARE);

    /* Bits 63:54 are reserved (§4.4.1, no Svpbmt or Svnapot): set, a page fault. */
    *spare = orig | 1ull << 60;
    rt_sfence();
    rt_arm();
    (void)rt_ld(RT_TP_SPARE, 8);
    CHECK_TRAP(EXC_LOAD_PF, RT_TP_SPARE);

    /* Remap to the read-only page, flushing that one address. */
    *spare = *rt_pte(RT_TP_RO, 0);
    rt_sfence_va(RT_TP_SPARE);
    CHECK(rt_ld(RT_TP_SPARE, 8) == RT_PATTERN(1));
    rt_arm();
    rt_st(RT_TP_SPARE, 1, 8);
    CHECK_TRAP(EXC_STORE_PF, RT_TP_SPARE);
    /* A leaf naming no memory (PA 0x20_0000_0000): an access fault, not a page fault. */
    *spare = (0x2000000000ull >> 12) << 10 | PTE_R | PTE_W | PTE_A | PTE_D | PTE_V;
    rt_sfence();
    rt_arm();
    uint64_t v = rt_ld(RT_TP_SPARE + 8, 8);
    if (!NO_MEMORY_READ(v))
        CHECK_TRAP(EXC_LOAD_AF, RT_TP_SPARE + 8);
    *spare = orig;
    rt_sfence();
    CHECK(rt_ld(RT_TP_SPARE, 8) == RT_PATTERN(0));

    /* A 2 MiB leaf must have PPN[0] = 0; one that does not is a page fault. */
    volatile uint64_t *l1 = rt_pte(RT_SUPER, 1);
    CHECK(l1 != 0 && *l1 == 0);
    uint64_t ppn_rw = *rt_pte(RT_TP_RW, 0) >> 10 & ((1ull << 44) - 1);
    CHECK(ppn_rw & 0x1ff);                                    /* not 2 MiB aligned */
    *l1 = ppn_rw << 10 | PTE_R | PTE_A | PTE_V;
    rt_sfence();
    rt_arm();
    (void)rt_ld(RT_SUPER + 0x1008, 8);
    CHECK_TRAP(EXC_LOAD_PF, RT_SUPER + 0x1008);
    /* Aligned (the image's first 2 MiB): a word of the image through it. */
    *l1 = (0x80000000ull >> 12) << 10 | PTE_R | PTE_A | PTE_V;
    rt_sfence();
    uint64_t off = (uint64_t)(uintptr_t)&image_word - 0x80000000ull;
    CHECK(rt_ld(RT_SUPER + off, 8) == image_word);
    *l1 = 0;
    rt_sfence();
    rt_arm();
    (void)rt_ld(RT_SUPER + off, 8);
    CHECK_TRAP(EXC_LOAD_PF, RT_SUPER + off);
    return 0;
}

int test_main(void)
{
    int r;
    if ((r = ecall_by_mode()) || (r = csr_access()) || (r = xret()) || (r = faults()))
        return r;
    if (rt_mode == 'S' && ((r = sum_mxr()) || (r = page_tables())))
        return r;
    return 0;
}
