/* Software interrupts (privileged spec 1.12 §3.1.9, §4.1.3): when a pending and enabled
 * interrupt is taken, by mode. In M: the CLINT's msip raises MSIP, taken only once
 * mstatus.MIE is set, with mcause = interrupt | 3 and MPIE = the old MIE; SSIP,
 * delegated to S (mideleg), is never taken in M even with MIE set ("interrupts for
 * lower-privilege modes are always disabled"). In S: SSIP set through sip (writable
 * there when delegated) waits for sstatus.SIE, then traps to S with scause =
 * interrupt | 1, SPP = S and SPIE = 1. U cannot make an interrupt pending (sip and the
 * CLINT are not its own), so a U run only checks that sip is not reachable. */
#include "rt.h"

const char rt_name[] = "t_irq";

const uint64_t rt_mideleg = 1u << IRQ_SSI;

#define CLINT_MSIP 0x2000000ul
#define MIE_SSIE (1ull << IRQ_SSI)
#define MIE_MSIE (1ull << IRQ_MSI)
#define CSRS(csr, v) __asm__ volatile("csrs " #csr ", %0" ::"r"((uint64_t)(v)) : "memory")
#define CSRC(csr, v) __asm__ volatile("csrc " #csr ", %0" ::"r"((uint64_t)(v)) : "memory")
#define CSRR(csr) ({ uint64_t _v; __asm__ volatile("csrr %0, " #csr : "=r"(_v)); _v; })

static int in_m(void)
{
    /* A delegated SSI stays pending in M, MIE or not. */
    CSRS(mie, MIE_SSIE);
    rt_arm();
    CSRS(mip, 1ull << IRQ_SSI);
    CSRS(mstatus, MSTATUS_MIE);
    CSRC(mstatus, MSTATUS_MIE);
    CHECK_NO_TRAP();
    CHECK(CSRR(mip) & 1ull << IRQ_SSI);
    CSRC(mip, 1ull << IRQ_SSI);
    CSRC(mie, MIE_SSIE);
    /* MSI: pending (mip.MSIP reads the CLINT's bit), taken once MIE is set. */
    CSRS(mie, MIE_MSIE);
    rt_arm();
    *(volatile uint32_t *)CLINT_MSIP = 1;
    for (int i = 0; i < 8 && !(CSRR(mip) & 1ull << IRQ_MSI); i++)
        ;
    CHECK(CSRR(mip) & 1ull << IRQ_MSI);
    CHECK(!rt_trap.taken);
    CSRS(mstatus, MSTATUS_MIE);
    __asm__ volatile("nop");
    CSRC(mstatus, MSTATUS_MIE);
    CHECK_CAUSE(IRQ(IRQ_MSI));
    CHECK(rt_trap.status & MSTATUS_MPIE);                     /* MIE was 1 */
    CHECK(!(rt_trap.status & MSTATUS_MIE));
    CHECK(!(CSRR(mip) & 1ull << IRQ_MSI));                    /* the handler cleared msip */
    CSRC(mie, MIE_MSIE);
    return 0;
}

static int in_s(void)
{
    CSRS(sie, MIE_SSIE);
    rt_arm();
    CSRS(sip, 1ull << IRQ_SSI);                               /* pending, SIE = 0: waits */
    __asm__ volatile("nop");
    CHECK(!rt_trap.taken);
    CHECK(CSRR(sip) & 1ull << IRQ_SSI);
    CSRS(sstatus, SSTATUS_SIE);
    __asm__ volatile("nop");
    CSRC(sstatus, SSTATUS_SIE);
    CHECK_CAUSE(IRQ(IRQ_SSI));
    CHECK((rt_trap.status & SSTATUS_SPP) && (rt_trap.status & SSTATUS_SPIE));
    CHECK(!(rt_trap.status & SSTATUS_SIE));
    CHECK(!(CSRR(sip) & 1ull << IRQ_SSI));
    CSRC(sie, MIE_SSIE);
    return 0;
}

uint64_t p_csrr_sip(void);
__asm__(".text\n.globl p_csrr_sip\np_csrr_sip: csrr a0, sip\nret\n");

int test_main(void)
{
    if (rt_mode == 'M')
        return in_m();
    if (rt_mode == 'S')
        return in_s();
    rt_arm();
    (void)p_csrr_sip();
    CHECK_CAUSE(EXC_ILLEGAL);
    return 0;
}
