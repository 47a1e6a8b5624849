/* Privilege rules, per mode (privileged spec 1.12): ecall's cause by mode (§3.3.1:
 * 8 U, 9 S, 11 M) and the previous privilege it leaves in xPP; delegation (§3.1.8:
 * medeleg sends U's ecall to S, taken from U but never from M); CSR access by
 * privilege and read-only-ness (§2.1: a CSR above the current mode, or a write to a
 * read-only one, is illegal, cause 2; counters below M with mcounteren clear, §3.1.11;
 * satp ignoring an unsupported MODE, §4.1.11); mret and sret (§3.3.2: illegal below
 * their mode; where allowed, xPP = U, xPIE = 1 and xIE = the old xPIE afterwards).
 * Sv39's rules are t_vm's. */
#include "rt.h"

const char rt_name[] = "t_priv";

const uint64_t rt_medeleg = 1u << EXC_ECALL_U;

/* ecall: its cause names the mode; the handler's xPP (or SPP) names it too. */
static int ecall_by_mode(void)
{
    uint64_t cause = rt_mode == 'M' ? EXC_ECALL_M : rt_mode == 'S' ? EXC_ECALL_S : EXC_ECALL_U;
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

int test_main(void)
{
    int r;
    if ((r = ecall_by_mode()) || (r = csr_access()) || (r = xret()))
        return r;
    return 0;
}
