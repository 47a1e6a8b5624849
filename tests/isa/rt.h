/* The ISA suite's runtime, as a test body sees it (docs/isa-suite.md). A test is one
 * file tests/isa/t_NAME.c defining rt_name[] and test_main(); the Makefile links its
 * object three times, with rt.c built for M mode bare, S mode under Sv39 (RAM
 * identity-mapped) and U mode under Sv39 (RAM only at RT_UOFF above its physical
 * address: no identity mapping). test_main returns 0 to pass, else the failing
 * check's line (CHECK), which the runtime reports on the UART and as
 * (line << 16) | 0x3333 to the sifive_test device.
 *
 * U runs execute at an alias of the addresses the image is linked at, so a body takes
 * no absolute address at link time (no initialised pointers in data; the Makefile
 * turns jump tables off): code and data are reached pc-relative (medany).
 *
 * Exceptions a test expects are taken through probes: rt_arm() then a call of a leaf
 * function that does the faulting thing; the trap handler (M, or S when delegated
 * through rt_medeleg) records cause, tval, epc, status and the mode it was taken in,
 * and returns from the probe (pc = ra), so every probe can fault anywhere, even on its
 * own fetch. A body may write its own probes (a global asm block: the instruction,
 * then ret). An expected software interrupt (SSI, MSI) is recorded the same way, its
 * source cleared, and the interrupted code resumes where it was. */
#ifndef ISA_RT_H
#define ISA_RT_H

#include <stdint.h>

/* Where the test pages live (every run but M's maps them; privileged spec §4.3-4.4). */
#define RT_TP     0x2000000000ull
#define RT_TP_RW  (RT_TP + 0x0000)   /* R W, U as the run's mode */
#define RT_TP_RO  (RT_TP + 0x1000)   /* R only */
#define RT_TP_XO  (RT_TP + 0x2000)   /* X only: a `ret` (MXR); at +4094 half an insn */
#define RT_TP_NONE (RT_TP + 0x3000)  /* not mapped (V = 0) */
#define RT_TP_USR (RT_TP + 0x4000)   /* R W U, whatever the run's mode (SUM) */
#define RT_TP_SUP (RT_TP + 0x5000)   /* R W, never U */
#define RT_TP_SPARE (RT_TP + 0x6000) /* as RT_TP_RW, same page; for a test to remap */
#define RT_SUPER  (RT_TP + 0x200000) /* not mapped; its L1 entry is a test's (superpages) */
/* What the readable test pages hold in their first doubleword: RW, RO, -, -, USR, SUP. */
#define RT_PATTERN(page) (0x1111111111111111ull * (uint64_t)((page) + 1))
#define RT_UOFF   0x1000000000ull    /* U runs: VA = PA + RT_UOFF */

/* A page of the image that PMP entry 0 denies to S and U (no R, W or X; M is not
 * bound, the entry being unlocked); it starts with a `ret`. Reached at its address in
 * every run (in U runs through the image's U alias). */
extern uint8_t rt_pmp_page[4096];

/* Exception causes (privileged spec Table 3.6) and the status bits tests look at
 * (§3.1.6, §4.1.1). */
#define EXC_FETCH_MISALIGNED 0
#define EXC_FETCH_AF         1
#define EXC_ILLEGAL          2
#define EXC_BREAKPOINT       3
#define EXC_LOAD_MISALIGNED  4
#define EXC_LOAD_AF          5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_AF         7
#define EXC_ECALL_U          8
#define EXC_ECALL_S          9
#define EXC_ECALL_M          11
#define EXC_FETCH_PF         12
#define EXC_LOAD_PF          13
#define EXC_STORE_PF         15
#define IRQ_SSI              1      /* interrupt causes (mcause bit 63 set) */
#define IRQ_MSI              3
#define IRQ(code)            (1ull << 63 | (code))
#define SSTATUS_SIE  (1ull << 1)
#define SSTATUS_SPIE (1ull << 5)
#define SSTATUS_SPP  (1ull << 8)
#define SSTATUS_SUM  (1ull << 18)
#define SSTATUS_MXR  (1ull << 19)
#define MSTATUS_MIE  (1ull << 3)
#define MSTATUS_MPIE (1ull << 7)
#define MSTATUS_MPP  (3ull << 11)

/* Instructions a test writes as data (unprivileged spec §2.4, §2.5, ch. 3). */
#define INSN_LI_A0(imm) ((uint32_t)(imm) << 20 | 0x513u)  /* addi a0, x0, imm */
#define INSN_RET        0x00008067u                       /* jalr x0, 0(ra) */
#define FENCE_I() __asm__ volatile(".4byte 0x0000100f" ::: "memory")

#define CHECK(cond) do { if (!(cond)) return __LINE__; } while (0)
/* The probe just called took the trap expected: cause, tval, in the handler it goes to. */
#define CHECK_TRAP(c, tv) do { CHECK(rt_trap.taken); CHECK(rt_trap.cause == (c)); \
    CHECK(rt_trap.tval == (tv)); CHECK(rt_trap.mode == (uint64_t)rt_handler(c)); } while (0)
/* The same where tval is the implementation's choice (illegal instruction: 0 or the
 * instruction, §3.1.16; breakpoint). */
#define CHECK_CAUSE(c) do { CHECK(rt_trap.taken); CHECK(rt_trap.cause == (c)); \
    CHECK(rt_trap.mode == (uint64_t)rt_handler(c)); } while (0)
#define CHECK_NO_TRAP() do { rt_disarm(); CHECK(!rt_trap.taken); } while (0)

/* 'M', 'S' or 'U': the mode test_main runs in. */
extern const char rt_mode;
/* Traps this test wants delegated to S (medeleg, mideleg); a test defines them to
 * override 0. */
extern const uint64_t rt_medeleg, rt_mideleg;

/* The handler that takes a trap of this cause from the run's mode (§3.1.8-3.1.9). */
static inline char rt_handler(uint64_t cause)
{
    uint64_t deleg = cause >> 63 ? rt_mideleg : rt_medeleg;
    return rt_mode != 'M' && (deleg >> (cause & 63) & 1) ? 'S' : 'M';
}

/* The last expected trap. */
struct rt_trap {
    uint64_t taken;     /* 1 once a trap was taken since rt_arm() */
    uint64_t cause;
    uint64_t tval;
    uint64_t mode;      /* 'M' or 'S': which handler took it */
    uint64_t status;    /* mstatus (M) or sstatus (S) as the handler found it */
    uint64_t epc;       /* mepc or sepc */
};
extern volatile struct rt_trap rt_trap;
void rt_arm(void);
/* Ends rt_arm's expectation when the probe did not trap (a later trap is then
 * unexpected again); a trap taken ends it by itself. */
void rt_disarm(void);

/* The runtime's page-table entry for va at level (0: 4 KiB, 1: 2 MiB), as a pointer the
 * run's mode may use; 0 in M runs or when the walk ends above level. A test that
 * changes one runs sfence.vma (S) before relying on it. */
volatile uint64_t *rt_pte(uint64_t va, int level);
#define PTE_V 0x1
#define PTE_R 0x2
#define PTE_W 0x4
#define PTE_X 0x8
#define PTE_U 0x10
#define PTE_A 0x40
#define PTE_D 0x80

/* Probes (rt_start.S): each returns normally, or through the handler after a trap. */
uint64_t rt_ld(uint64_t a, int width);          /* width: 1 2 4 8 signed, -1 -2 -4 unsigned */
void rt_st(uint64_t a, uint64_t v, int width);  /* width: 1 2 4 8 */
uint64_t rt_call(uint64_t a);   /* jumps to a, whose `ret` returns its a0 to the caller */
void rt_ecall(void);
void rt_sret(void);
void rt_mret(void);
uint64_t rt_csrr_mstatus(void);
void rt_csrw_mstatus(uint64_t v);
uint64_t rt_csrr_sstatus(void);
void rt_csrw_sstatus(uint64_t v);
uint64_t rt_csrr_satp(void);
void rt_csrw_mvendorid(uint64_t v);  /* read-only CSR */
void rt_csrw_cycle(uint64_t v);      /* read-only (user counter) CSR */
uint64_t rt_csrr_cycle(void);
uint64_t rt_csrr_misa(void);
void rt_wfi(void);
void rt_sfence(void);                /* sfence.vma zero, zero */
void rt_sfence_va(uint64_t va);      /* sfence.vma va, zero */
void rt_csrw_satp(uint64_t v);
/* Sets bits in sstatus (SUM, MXR); allowed in S and M. */
void rt_sstatus_set(uint64_t bits);
void rt_sstatus_clear(uint64_t bits);

#endif
