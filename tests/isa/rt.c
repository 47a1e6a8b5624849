/* The ISA suite's M-mode runtime (tests/isa/rt.h): sets up PMP, Sv39 page tables and
 * delegation, enters the test body in the mode this object was built for (RT_MODE:
 * 'M', 'S' or 'U'), takes its traps and reports the result on the UART and the
 * sifive_test device. Privileged spec 1.12: §3.7 (PMP), §4.3-4.4 (Sv39), §3.1.8
 * (medeleg), §3.3.2 (mret). Built three times, linked with the same test object. */
#include "rt.h"

#ifndef RT_MODE
#error "RT_MODE ('M', 'S' or 'U') is set by the Makefile"
#endif

#define UART      0x10000000ul
#define TESTDEV   0x100000ul
#define CLINT_MSIP 0x2000000ul       /* hart 0's msip (DESIGN.md's memory map) */
#define RT_EXIT   0x52545845
#define RT_SOFF   0x1800000000ull    /* U runs: the S handler's alias, VA = PA + RT_SOFF */
#define RAM_BASE  0x80000000ull
#define MAP_PAGES 512                /* the image's first 2 MiB, in 4 KiB pages */
#define PMP_R     0x01               /* pmpcfg fields (§3.7.1) */
#define PMP_W     0x02
#define PMP_X     0x04
#define PMP_NAPOT 0x18

const char rt_mode = RT_MODE;
__attribute__((weak)) const uint64_t rt_medeleg = 0;
__attribute__((weak)) const uint64_t rt_mideleg = 0;
extern const char rt_name[];
int test_main(void);

volatile struct rt_trap rt_trap;
static volatile uint64_t rt_armed;

static uint8_t s_trap_stack[4096] __attribute__((aligned(16)));
static uint8_t lower_stack[8192] __attribute__((aligned(16)));
/* root, L1 (identity or S alias), L1 (U alias), L1 (test pages), L0 (image, no U),
 * L0 (image, U), L0 (test pages), L1 (devices), L0 (sifive_test), L0 (UART). */
static uint64_t pt[10][512] __attribute__((aligned(4096)));
static uint8_t tp_page[6][4096] __attribute__((aligned(4096)));
uint8_t rt_pmp_page[4096] __attribute__((aligned(4096)));

extern char rt_m_trap_entry[], rt_s_trap_entry[], rt_lower_entry[];
void rt_enter(uint64_t pc, uint64_t sp) __attribute__((noreturn));

#define csrr(name) ({ uint64_t _v; __asm__ volatile("csrr %0, " #name : "=r"(_v)); _v; })
#define csrw(name, v) __asm__ volatile("csrw " #name ", %0" ::"r"((uint64_t)(v)) : "memory")

void rt_arm(void)
{
    rt_trap.taken = 0;
    rt_trap.cause = rt_trap.tval = rt_trap.mode = rt_trap.status = rt_trap.epc = 0;
    rt_armed = 1;
}

void rt_disarm(void)
{
    rt_armed = 0;
}

static void putc_uart(char ch)
{
    volatile uint8_t *u = (volatile uint8_t *)UART;
    while (!(u[5] & 0x20))
        ;
    u[0] = (uint8_t)ch;
}

static void puts_uart(const char *s)
{
    while (*s)
        putc_uart(*s++);
}

static void puthex(uint64_t v)
{
    puts_uart("0x");
    int started = 0;
    for (int sh = 60; sh >= 0; sh -= 4) {
        unsigned d = (v >> sh) & 0xf;
        if (d || started || sh == 0) {
            putc_uart("0123456789abcdef"[d]);
            started = 1;
        }
    }
}

static void putdec(uint64_t v)
{
    char b[24];
    int n = 0;
    do b[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    while (n)
        putc_uart(b[--n]);
}

static const char mode_name[4] = { RT_MODE, 0 };

/* code 0: pass; else the failing line, or 0xffff for an unexpected trap. */
static __attribute__((noreturn)) void report(uint64_t code)
{
    if (code != 0xffff) {            /* unexpected() has said what happened */
        puts_uart("isa: ");
        puts_uart(rt_name);
        puts_uart(" ");
        puts_uart(mode_name);
    }
    if (code == 0) {
        puts_uart(": pass\n");
        *(volatile uint32_t *)TESTDEV = 0x5555;
    } else {
        if (code != 0xffff) {
            puts_uart(": FAIL at tests/isa/");
            puts_uart(rt_name);
            puts_uart(".c:");
            putdec(code);
            puts_uart("\n");
            if (rt_trap.taken) {     /* what the check may have been looking at */
                puts_uart("isa: the last expected trap: cause ");
                puthex(rt_trap.cause);
                puts_uart(" tval ");
                puthex(rt_trap.tval);
                puts_uart(" in ");
                putc_uart((char)rt_trap.mode);
                puts_uart("\n");
            }
        }
        *(volatile uint32_t *)TESTDEV = (uint32_t)((code & 0xffff) << 16) | 0x3333;
    }
    for (;;)
        __asm__ volatile("wfi");
}

/* Frame: x[n] at n (rt_start.S). The exit ecall (a7 = RT_EXIT) reports; an armed trap
 * returns from the probe; anything else is a failure that says what trapped. */
static void unexpected(const char *who, uint64_t cause, uint64_t epc, uint64_t tval)
{
    puts_uart("isa: ");
    puts_uart(rt_name);
    puts_uart(" ");
    puts_uart(mode_name);
    puts_uart(": FAIL: unexpected trap in ");
    puts_uart(who);
    puts_uart(" handler, cause ");
    puthex(cause);
    puts_uart(" epc ");
    puthex(epc);
    puts_uart(" tval ");
    puthex(tval);
    puts_uart("\n");
    report(0xffff);
}

static void record(uint64_t cause, uint64_t epc, uint64_t tval, char mode, uint64_t status)
{
    rt_armed = 0;
    rt_trap.cause = cause;
    rt_trap.tval = tval;
    rt_trap.mode = (uint64_t)mode;
    rt_trap.status = status;
    rt_trap.epc = epc;
    rt_trap.taken = 1;
}

/* An expected exception (rt_arm): records it, makes the probe return 0xdead, and says
 * so; the caller then resumes at the probe's return address (x[1], into xepc). */
static int take_armed(uint64_t *x, uint64_t cause, uint64_t epc, uint64_t tval, char mode,
                      uint64_t status)
{
    if (!rt_armed || cause >> 63)
        return 0;
    record(cause, epc, tval, mode, status);
    x[10] = 0xdead;
    return 1;
}

/* An expected software interrupt (rt_arm): records it and clears its source (SSIP, or
 * the CLINT's msip), so the interrupted code resumes where it was (xepc unchanged). */
static int take_irq(uint64_t cause, uint64_t epc, char mode, uint64_t status)
{
    uint64_t code = cause & ~(1ull << 63);
    if (!rt_armed || !(cause >> 63) || (code != IRQ_SSI && code != IRQ_MSI))
        return 0;
    record(cause, epc, 0, mode, status);
    if (code == IRQ_MSI)
        *(volatile uint32_t *)CLINT_MSIP = 0;
    else if (mode == 'M')
        __asm__ volatile("csrc mip, %0" ::"r"(1ull << IRQ_SSI));
    else
        __asm__ volatile("csrc sip, %0" ::"r"(1ull << IRQ_SSI));
    return 1;
}

void rt_mtrap(uint64_t *x)
{
    uint64_t cause = csrr(mcause), epc = csrr(mepc), tval = csrr(mtval);
    if ((cause == 8 || cause == 9 || cause == 11) && x[17] == RT_EXIT)
        report(x[10]);
    if (take_armed(x, cause, epc, tval, 'M', csrr(mstatus))) {
        csrw(mepc, x[1]);
        return;
    }
    if (take_irq(cause, epc, 'M', csrr(mstatus)))
        return;
    unexpected("M", cause, epc, tval);
}

void rt_strap(uint64_t *x)
{
    uint64_t cause = csrr(scause), epc = csrr(sepc), tval = csrr(stval);
    /* A U run's exit ecall, delegated here (medeleg bit 8): passed on to M. */
    if (cause == 8 && x[17] == RT_EXIT) {
        register uint64_t a0 __asm__("a0") = x[10], a7 __asm__("a7") = RT_EXIT;
        __asm__ volatile("ecall" ::"r"(a0), "r"(a7));
    }
    if (take_armed(x, cause, epc, tval, 'S', csrr(sstatus))) {
        csrw(sepc, x[1]);
        return;
    }
    if (take_irq(cause, epc, 'S', csrr(sstatus)))
        return;
    unexpected("S", cause, epc, tval);
}

uint64_t rt_lb(uint64_t), rt_lh(uint64_t), rt_lw(uint64_t), rt_ldd(uint64_t);
uint64_t rt_lbu(uint64_t), rt_lhu(uint64_t), rt_lwu(uint64_t);
void rt_sb(uint64_t, uint64_t), rt_sh(uint64_t, uint64_t), rt_sw(uint64_t, uint64_t), rt_sd(uint64_t, uint64_t);

uint64_t rt_ld(uint64_t a, int width)
{
    switch (width) {
    case 1: return rt_lb(a);
    case 2: return rt_lh(a);
    case 4: return rt_lw(a);
    case -1: return rt_lbu(a);
    case -2: return rt_lhu(a);
    case -4: return rt_lwu(a);
    default: return rt_ldd(a);
    }
}

void rt_st(uint64_t a, uint64_t v, int width)
{
    switch (width) {
    case 1: rt_sb(a, v); break;
    case 2: rt_sh(a, v); break;
    case 4: rt_sw(a, v); break;
    default: rt_sd(a, v); break;
    }
}

static uint64_t pa(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

static uint64_t leaf(uint64_t phys, uint64_t flags)
{
    return (phys >> 12) << 10 | flags | PTE_V;
}

static uint64_t table(const void *next)
{
    return (pa(next) >> 12) << 10 | PTE_V;
}

static uint64_t vpn(uint64_t va, int level)
{
    return (va >> (12 + 9 * level)) & 0x1ff;
}

/* The image's 2 MiB at its physical address (S runs) or at RT_UOFF (U, with U set) and
 * RT_SOFF (U runs' S handler); the test pages at RT_TP; the two devices the runtime
 * reports through. A and D are preset, so the
 * hart's A/D policy (update or fault, §4.3.1) does not enter any test. */
static void build_tables(void)
{
    int user = RT_MODE == 'U';
    uint64_t rwx = PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
    for (int i = 0; i < MAP_PAGES; i++) {
        pt[4][i] = leaf(RAM_BASE + (uint64_t)i * 4096, rwx);
        pt[5][i] = leaf(RAM_BASE + (uint64_t)i * 4096, rwx | PTE_U);
    }
    uint64_t u = user ? PTE_U : 0;
    pt[6][0] = leaf(pa(tp_page[0]), PTE_R | PTE_W | PTE_A | PTE_D | u);
    pt[6][1] = leaf(pa(tp_page[1]), PTE_R | PTE_A | u);
    pt[6][2] = leaf(pa(tp_page[2]), PTE_X | PTE_A | u);
    pt[6][3] = 0;
    pt[6][4] = leaf(pa(tp_page[4]), PTE_R | PTE_W | PTE_A | PTE_D | PTE_U);
    pt[6][5] = leaf(pa(tp_page[5]), PTE_R | PTE_W | PTE_A | PTE_D);
    pt[6][6] = leaf(pa(tp_page[0]), PTE_R | PTE_W | PTE_A | PTE_D | u);
    /* The execute-only page holds `ret` (jalr x0, 0(ra)); readable ones a pattern. */
    *(volatile uint32_t *)tp_page[2] = 0x00008067;
    /* Its last 2 bytes: the first half of a 4-byte nop whose second half would be on
     * the next page, RT_TP_NONE (not mapped). */
    *(volatile uint16_t *)(tp_page[2] + 4094) = 0x0013;
    for (int p = 0; p < 6; p++)
        if (p != 2)
            *(volatile uint64_t *)tp_page[p] = 0x1111111111111111ull * (uint64_t)(p + 1);
    pt[1][0] = table(pt[4]);
    pt[2][0] = table(pt[5]);
    pt[3][0] = table(pt[6]);
    pt[0][vpn(RT_TP, 2)] = table(pt[3]);
    /* The UART and sifive_test at their own addresses, for S (not U): an S handler
     * can then report, in U runs too. */
    pt[0][vpn(UART, 2)] = table(pt[7]);
    pt[7][vpn(TESTDEV, 1)] = table(pt[8]);
    pt[8][vpn(TESTDEV, 0)] = leaf(TESTDEV, PTE_R | PTE_W | PTE_A | PTE_D);
    pt[7][vpn(UART, 1)] = table(pt[9]);
    pt[9][vpn(UART, 0)] = leaf(UART, PTE_R | PTE_W | PTE_A | PTE_D);
    if (user) {
        pt[0][vpn(RAM_BASE + RT_UOFF, 2)] = table(pt[2]);
        pt[0][vpn(RAM_BASE + RT_SOFF, 2)] = table(pt[1]);
    } else {
        pt[0][vpn(RAM_BASE, 2)] = table(pt[1]);
    }
}

/* Called from the run's mode: pt[0] is then at its virtual address, and so is every
 * table below it, at its physical one plus the mode's offset. */
volatile uint64_t *rt_pte(uint64_t va, int level)
{
    if (RT_MODE == 'M')
        return 0;
    uint64_t *t = pt[0];
    for (int l = 2; l > level; l--) {
        uint64_t e = t[vpn(va, l)];
        if ((e & (PTE_V | PTE_R | PTE_W | PTE_X)) != PTE_V)
            return 0;
        t = (uint64_t *)(uintptr_t)(((e >> 10) << 12) + (RT_MODE == 'U' ? RT_UOFF : 0));
    }
    return &t[vpn(va, level)];
}

void rt_main(void)
{
    /* PMP (§3.7.1): entry 0 NAPOT over rt_pmp_page with no permission, entry 1 NAPOT
     * over everything with R W X. Without a matching entry S and U may touch nothing
     * (QEMU checks PMP); M is bound by neither, as neither is locked. */
    csrw(pmpaddr0, pa(rt_pmp_page) >> 2 | (sizeof rt_pmp_page / 8 - 1));
    csrw(pmpaddr1, ~0ull >> 10);
    csrw(pmpcfg0, PMP_NAPOT << 8 | PMP_R << 8 | PMP_W << 8 | PMP_X << 8 | PMP_NAPOT);
    *(volatile uint32_t *)rt_pmp_page = 0x00008067;          /* ret */
    /* Delegation in M runs too: what is delegated must still trap to M from M. */
    csrw(medeleg, *(const volatile uint64_t *)&rt_medeleg);   /* weak: not folded to 0 */
    csrw(mideleg, *(const volatile uint64_t *)&rt_mideleg);
    csrw(mcounteren, 0);     /* no counter below M (§3.1.11): reset values differ */
    csrw(scounteren, 0);
    if (RT_MODE == 'M')
        report((uint64_t)test_main());
    build_tables();
    uint64_t off = RT_MODE == 'U' ? RT_UOFF : 0, soff = RT_MODE == 'U' ? RT_SOFF : 0;
    csrw(stvec, pa(rt_s_trap_entry) + soff);
    csrw(sscratch, pa(s_trap_stack + sizeof s_trap_stack) + soff);
    csrw(satp, 8ull << 60 | pa(pt[0]) >> 12);
    __asm__ volatile("sfence.vma" ::: "memory");
    uint64_t st = csrr(mstatus);
    st &= ~(3ull << 11 | 1ull << 17 | 1ull << 18 | 1ull << 19);  /* MPP, MPRV, SUM, MXR */
    st |= (RT_MODE == 'S' ? 1ull : 0ull) << 11;
    csrw(mstatus, st);
    rt_enter(pa(rt_lower_entry) + off, pa(lower_stack + sizeof lower_stack) + off);
}
