/* Private state of the RISC-V hart (see sim/cpu.h): the register file, the machine and
 * supervisor CSRs of the privileged spec (M, S and U modes), the software TLB of Sv39
 * and PMP (mmu.c, pmp.c) and the decoded-instruction cache.
 *
 * The cache holds one Insn per 2-byte slot of each guest RAM page that has held code,
 * allocated on first execution. An Insn is decoded once (cpu_code_fill, the one place
 * a slot is filled) and then dispatched without looking at the instruction bits again.
 * Invalidation is by granule (CODE_GRANULE bytes): each page keeps a mask of the
 * granules its slots were decoded from, and a store to a RAM_PAGE_CODE page clears the
 * Insns of the granules it touched only (ram->code_written), so self-modifying code
 * re-decodes and data sharing a page with code costs a mask test per store.
 *
 * Each page's array has INSN_SENTINELS extra slots after its last one, holding
 * OP_PAGE_END: the interpreter steps from one Insn to the next by pointer arithmetic
 * (slot += len / 2) and finds out it left the page only when it lands on one. */
#ifndef RINGSIDE_CPU_INTERNAL_H
#define RINGSIDE_CPU_INTERNAL_H

#include "cpu.h"

/* Operation of a decoded instruction. OP_DECODE (0) marks a slot not yet decoded, so
 * a freshly zeroed page needs no initialisation. */
#define CPU_OPS(X) \
    X(DECODE) X(FETCH_SLOW) X(PAGE_END) X(ILLEGAL) X(BKPT) \
    X(LUI) X(AUIPC) X(JAL) X(JALR) \
    X(BEQ) X(BNE) X(BLT) X(BGE) X(BLTU) X(BGEU) \
    X(LB) X(LH) X(LW) X(LD) X(LBU) X(LHU) X(LWU) \
    X(SB) X(SH) X(SW) X(SD) \
    X(ADDI) X(SLTI) X(SLTIU) X(XORI) X(ORI) X(ANDI) X(SLLI) X(SRLI) X(SRAI) \
    X(ADD) X(SUB) X(SLL) X(SLT) X(SLTU) X(XOR) X(SRL) X(SRA) X(OR) X(AND) \
    X(ADDIW) X(SLLIW) X(SRLIW) X(SRAIW) \
    X(ADDW) X(SUBW) X(SLLW) X(SRLW) X(SRAW) \
    X(MUL) X(MULH) X(MULHSU) X(MULHU) X(DIV) X(DIVU) X(REM) X(REMU) \
    X(MULW) X(DIVW) X(DIVUW) X(REMW) X(REMUW) \
    X(LR_W) X(SC_W) X(LR_D) X(SC_D) \
    X(AMOSWAP_W) X(AMOADD_W) X(AMOXOR_W) X(AMOAND_W) X(AMOOR_W) \
    X(AMOMIN_W) X(AMOMAX_W) X(AMOMINU_W) X(AMOMAXU_W) \
    X(AMOSWAP_D) X(AMOADD_D) X(AMOXOR_D) X(AMOAND_D) X(AMOOR_D) \
    X(AMOMIN_D) X(AMOMAX_D) X(AMOMINU_D) X(AMOMAXU_D) \
    X(FENCE) X(FENCE_I) X(ECALL) X(EBREAK) X(MRET) X(WFI) X(SRET) X(SFENCE_VMA) \
    X(CSRRW) X(CSRRS) X(CSRRC) X(CSRRWI) X(CSRRSI) X(CSRRCI) \
    X(FLW) X(FLD) X(FSW) X(FSD) X(FMV_X_W) X(FMV_W_X) X(FMV_X_D) X(FMV_D_X)


enum {
#define X(name) OP_##name,
    CPU_OPS(X)
#undef X
    OP_COUNT
};
_Static_assert(OP_COUNT * 2 <= 256, "Insn.h holds op * 2 + 1 in a byte");

/* rd is 32 (a scratch register) when the architectural rd is x0, so handlers write
 * without testing for x0 (an FP destination keeps its number: f0 is a register). imm
 * holds the raw bits for OP_ILLEGAL, and the CSR number for CSR instructions (whose
 * uimm is in rs1). h, the handler, is op * 2 + (len == 4): the op and the length are
 * read from it (INSN_OP, INSN_LEN), so an Insn is 8 bytes and a page's decoded code
 * 4 times its size, for the host's caches on large code; the next slot is
 * len * 4 bytes on. A breakpoint's slot (OP_BKPT) keeps only the length. */
typedef struct Insn {
    uint8_t h;               /* handler: op * 2 + (len == 4); 0 = not decoded */
    uint8_t rd, rs1, rs2;
    int32_t imm;
} Insn;
_Static_assert(sizeof(Insn) == 8, "Insn is 8 bytes: see above");
#define INSN_OP(in) ((unsigned)(in)->h >> 1)
#define INSN_LEN(in) (2u + 2u * ((in)->h & 1u))

#define INSNS_PER_PAGE (RAM_PAGE_SIZE / 2)
/* A 4-byte instruction in the last slot steps two slots past the end. */
#define INSN_SENTINELS 2
#define REG_SCRATCH 32
/* Invalidation unit: 128 bytes, 64 slots; a page's granule mask is 32 bits. */
#define CODE_GRANULE_SHIFT 7
#define CODE_GRANULE (1u << CODE_GRANULE_SHIFT)
#define GRANULES_PER_PAGE (RAM_PAGE_SIZE / CODE_GRANULE)
_Static_assert(GRANULES_PER_PAGE <= 32, "a page's granule mask is a uint32_t");

enum { PRV_U = 0, PRV_S = 1, PRV_M = 3 };

/* Without F (misa does not claim it), mstatus.FS could be read-only zero (privileged
 * spec §3.1.6.6 lets it be writable with S mode, for lazy context switches; it is kept
 * read-only zero here, which Linux built without FPU support accepts), so every FP instruction and fcsr access is illegal. 1
 * makes FS writable and enables the F/D moves (loads, stores, fmv, fcsr): a
 * non-standard subset for firmware that saves and restores FP state, kept for the F/D
 * work DESIGN.md §3 plans. Neither the bundled firmware nor U-Boot sets FS. */
#ifndef CPU_FP_MOVES
#define CPU_FP_MOVES 0
#endif

/* mstatus fields (privileged spec §3.1.6). */
#define MSTATUS_SIE   (1ull << 1)
#define MSTATUS_MIE   (1ull << 3)
#define MSTATUS_SPIE  (1ull << 5)
#define MSTATUS_MPIE  (1ull << 7)
#define MSTATUS_SPP   (1ull << 8)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPP   (3ull << 11)
#define MSTATUS_FS_SHIFT 13
#define MSTATUS_FS    (3ull << 13)
#define MSTATUS_MPRV  (1ull << 17)
#define MSTATUS_SUM   (1ull << 18)
#define MSTATUS_MXR   (1ull << 19)
#define MSTATUS_TVM   (1ull << 20)
#define MSTATUS_TW    (1ull << 21)
#define MSTATUS_TSR   (1ull << 22)
#define MSTATUS_UXL   (2ull << 32)     /* U mode is RV64; read-only */
#define MSTATUS_SXL   (2ull << 34)     /* S mode is RV64; read-only */
#define MSTATUS_SD    (1ull << 63)

#define MIP_M_BITS ((1ull << MIP_MSIP) | (1ull << MIP_MTIP) | (1ull << MIP_MEIP))
#define MIP_S_BITS ((1ull << MIP_SSIP) | (1ull << MIP_STIP) | (1ull << MIP_SEIP))
/* mie holds the enables of the six standard interrupts. In mip, SSIP, STIP and SEIP
 * are writable by M mode (§3.1.9); MSIP, MTIP and MEIP follow the CLINT and the
 * PLIC, and SEIP reads as the software bit OR the PLIC's S-context line. */
#define MIE_MASK   (MIP_M_BITS | MIP_S_BITS)
#define MIP_SW_MASK MIP_S_BITS

/* satp (§4.1.11): MODE in bits 63:60, ASID 59:44 (ASIDLEN is 0 here: the field is
 * read-only zero, which §4.1.11 allows; sfence.vma then flushes by address only), PPN
 * 43:0. */
#define SATP_MODE_SHIFT 60
#define SATP_MODE_BARE  0ull
#define SATP_MODE_SV39  8ull
#define SATP_PPN_MASK   ((1ull << 44) - 1)
/* Sv39 page-table entry bits (priv 1.12 §4.4.1), for the walk (mmu.c) and the
 * observers' side-effect-free reader (mmu_peek.c). */
#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_PPN(pte) (((pte) >> 10) & ((1ull << 44) - 1))
/* Bits 63:54 are reserved for Svnapot/Svpbmt, which this hart lacks (§4.4.1): a
 * leaf or pointer with any of them set is a page fault. */
#define PTE_RESERVED (0x3ffull << 54)

/* The software TLB (mmu.c): for each set, TLB_SIZE direct-mapped entries of one 4 KiB
 * virtual page each. tag is va >> 12 (TLB_EMPTY never matches: it has bits above
 * bit 51). A data entry maps only to RAM: off is (pa page - RAM base) - va page, so
 * that va + off is the RAM offset the interpreter's fast path indexes. A fetch entry
 * holds the physical page (off = pa page - va page), RAM or not. Sets: fetch by U, S
 * and M; loads and stores by U, S, S with SUM (Linux sets SUM around every user copy,
 * so it selects a set rather than flushing) and M. An entry exists only for an access
 * its permissions allow -- the page table's (a store entry only once D is set) and
 * PMP's, for the whole page -- so a hit needs no checks. With satp Bare (or in M
 * mode) an entry maps a page to itself: the TLB then caches PMP decisions only. The M
 * sets are used only while a locked PMP entry binds M mode (cpu_pmp_binds_m); else M
 * mode runs on the untranslated fast paths. */
#define TLB_BITS 8
#define TLB_SIZE (1u << TLB_BITS)
#define TLB_EMPTY (~0ull)
enum { TLB_FETCH_U, TLB_FETCH_S, TLB_LOAD_U, TLB_LOAD_S, TLB_LOAD_SUM,
       TLB_STORE_U, TLB_STORE_S, TLB_STORE_SUM,
       TLB_FETCH_M, TLB_LOAD_M, TLB_STORE_M, TLB_SETS };
/* The sets below TLB_FETCH_M are those sfence.vma empties: the M sets never translate. */
#define TLB_SETS_TRANSLATED TLB_FETCH_M
typedef struct TlbEntry {
    uint64_t tag;
    uint64_t off;
} TlbEntry;
enum { ACC_FETCH, ACC_LOAD, ACC_STORE };

#define PMP_ENTRIES 16
#define PMP_PAGE_CACHE 1024
/* pmpcfg fields of one entry (§3.7.1, Figure 3.28). */
#define PMP_R 0x01u
#define PMP_W 0x02u
#define PMP_X 0x04u
#define PMP_A 0x18u
#define PMP_A_TOR 0x08u
#define PMP_L 0x80u

/* Exception causes (privileged spec Table 3.6), from the one table: EXC_ILLEGAL, ... */
enum {
#define EXC(code, name, id) EXC_##id = code,
#define IRQ(code, name, id)
#include "cpu/causes.def"
#undef EXC
#undef IRQ
};
#define CAUSE_INTERRUPT (1ull << 63)

struct Cpu {
    uint64_t x[33];          /* x0..x31 and the scratch rd for writes to x0 */
    /* FP registers and fcsr: only the moves of F/D exist (loads, stores, fmv, fcsr),
     * and only when CPU_FP_MOVES makes mstatus.FS writable (see there). */
    uint64_t f[32];
    uint32_t fcsr;
    uint64_t pc;             /* during a device callback: pc of the accessing insn */
    unsigned priv;

    /* Virtual time: instret counts instructions executed (a trapping one included),
     * skipped counts ticks jumped over by wfi sleeps. vclock = instret + skipped. */
    uint64_t instret, skipped;
    /* Instructions that raised an exception: they count in instret (virtual time) but
     * did not retire, so minstret leaves them out (privileged spec §3.3.1). */
    uint64_t excepted;
    uint64_t mcycle_off, minstret_off;   /* guest writes to mcycle/minstret */
    uint64_t cycle_frozen, instret_frozen;   /* values held while mcountinhibit stops them */

    uint64_t mstatus, mtvec, mie, mip, mscratch, mepc, mcause, mtval;
    uint64_t mcounteren, mcountinhibit;     /* 32-bit CSRs, 64-bit like the others for REG() */
    uint64_t menvcfg;
    /* Supervisor mode (§4.1) and delegation (§3.1.8). */
    uint64_t medeleg, mideleg;
    uint64_t stvec, sscratch, sepc, scause, stval, satp, scounteren, senvcfg;
    /* mip's parts: the platform's lines (MSIP, MTIP, MEIP, SEIP) and the bits M mode
     * writes (SSIP, STIP, SEIP); mip above is always their OR. */
    uint64_t irq_lines, mip_sw;
    /* PMP (§3.7): 16 entries; pmpcfg0 and pmpcfg2 hold 8 each (RV64). */
    uint64_t pmpcfg[PMP_ENTRIES / 8];
    uint64_t pmpaddr[PMP_ENTRIES];

    uint64_t resv_addr;      /* LR/SC reservation */
    bool resv_valid;

    /* Set from device callbacks (or a signal handler); checked after MMIO and at block
     * boundaries. */
    volatile bool stop;      /* end the current block (interrupt state changed) */
    volatile bool exit_req;  /* cpu_run returns CPU_EXIT_REQUEST (and clears it) */

    CpuConfig cfg;
    CpuTrapHook *trap_hook;
    void *trap_ctx;
    CpuLoadHook *load_hook;
    void *load_ctx;

    /* Debugger breakpoints (cpu.c): their pcs, and the one to step over once. A slot at
     * a breakpoint has h = OP_BKPT (its own op stays in op). */
    uint64_t breaks[CPU_MAX_BREAKS];
    unsigned nbreaks;
    bool bp_skip;
    uint64_t bp_skip_pc;

    /* Decoded-instruction cache: one Insn array per RAM page, NULL until executed;
     * code_gran[pg] has bit g set while granule g of the page has decoded slots. */
    Insn **pages;
    uint32_t *code_gran;
    uint64_t npages;
    Insn slow_page[INSNS_PER_PAGE + INSN_SENTINELS];   /* all OP_FETCH_SLOW: code outside RAM */

    /* CSR number -> 1 + its row in csr.c's table (0: no such CSR), built by cpu_create;
     * last, away from the state the interpreter touches per instruction. */
    uint8_t csr_row[4096];

    /* Sv39's and PMP's software TLB (mmu.c), a cache only: cpu_tlb_flush empties it at
     * any time without changing behaviour. xl_fetch and xl_data say whether fetches and
     * data accesses go through it now (set at each block start by cpu_mmu_mode); tlb_fetch,
     * tlb_load and tlb_store point at the sets of the current privilege. */
    bool xl_fetch, xl_data;
    bool tlb_super;          /* a superpage piece was cached since the last full flush */
    TlbEntry *tlb_fetch, *tlb_load, *tlb_store;
    TlbEntry tlb[TLB_SETS][TLB_SIZE];
    /* PMP's page cache (pmp.c): physical page number (TLB_EMPTY: none) and what PMP
     * says of the whole page (PMP_PAGE_PART, or an allow bit per privilege and access
     * kind); a cache only, emptied with the TLB. */
    uint64_t pmp_page_tag[PMP_PAGE_CACHE];
    uint16_t pmp_page_bits[PMP_PAGE_CACHE];
};

/* decode.c: decodes the 16- or 32-bit instruction in bits (its length follows from
 * the low two bits) into *in. Never fails: unknown encodings become OP_ILLEGAL. */
void cpu_decode(uint32_t bits, Insn *in);

/* csr.c: fills c->csr_row from the CSR table; -1 if the table is inconsistent. */
int cpu_csr_index(Cpu *c, Err *err);
/* csr.c: a CSR instruction's access. Returns 0, or -1 for illegal instruction. */
int cpu_csr_op(Cpu *c, unsigned csr, uint64_t *old, bool do_read, bool do_write,
               uint64_t wval, unsigned op);

/* pmp.c: physical memory protection (privileged spec §3.7). */
typedef enum { PMP_DENY, PMP_ALLOW, PMP_PARTIAL } PmpResult;
/* Entry i's cfg byte. */
uint8_t cpu_pmp_cfg(const Cpu *c, unsigned i);
/* What the lowest-numbered entry matching any byte of [addr, addr + len) says of an
 * access of kind acc (ACC_*) at privilege priv: PMP_PARTIAL when it does not match all
 * of them (for one access: a failure; for a page: decide access by access). */
PmpResult cpu_pmp_match(const Cpu *c, uint64_t addr, uint64_t len, unsigned acc, unsigned priv);
/* Fills the page cache's slot for physical page number tag. */
void cpu_pmp_page_fill(Cpu *c, uint64_t tag);
/* A page cache slot's bits: bit 3 * priv + acc set when the whole page allows that
 * access at that privilege; PMP_PAGE_PART when an entry matches only part of it. */
#define PMP_PAGE_PART 0x8000u

/* Inline (below), as every TLB fill and walk step asks them; the cache's fill and
 * cpu_pmp_match are in pmp.c. */
static inline PmpResult cpu_pmp_page(Cpu *c, uint64_t addr, unsigned acc, unsigned priv);
/* cpu_pmp_match(...) == PMP_ALLOW, the page cache answering when it can. */
static inline bool cpu_pmp_ok(Cpu *c, uint64_t addr, uint64_t len, unsigned acc, unsigned priv);
/* A locked entry with A != OFF exists: M mode's accesses are checked too. */
bool cpu_pmp_binds_m(const Cpu *c);

/* mmu.c: Sv39 translation (privileged spec §4.3-4.4) and PMP checks behind the
 * software TLB. */
/* Recomputes xl_fetch, xl_data and the TLB set pointers from priv, mstatus, satp and
 * the PMP entries: an access goes through the TLB (cpu_translate) when it translates
 * or PMP checks it -- always below M, in M only while cpu_pmp_binds_m. */
void cpu_mmu_mode(Cpu *c);
/* Empties the TLB and PMP's page cache. */
void cpu_tlb_flush(Cpu *c);
/* sfence.vma rs1 = va (all addresses when !has_va). */
void cpu_tlb_flush_va(Cpu *c, bool has_va, uint64_t va);
/* Translates va for an access of kind acc (ACC_*) of len bytes at the current
 * effective privilege and checks it against PMP: 0 and *pa, or the cause (page fault,
 * access fault, or address misaligned when a translated access crosses a page). Fills
 * the TLB on success when the whole page has one PMP decision. Only to be called while
 * xl_fetch or xl_data is on for that kind of access. */
unsigned cpu_translate(Cpu *c, uint64_t va, unsigned acc, unsigned len, uint64_t *pa);

/* cpu.c */
void cpu_take_trap(Cpu *c, uint64_t cause, uint64_t tval);
void cpu_mret(Cpu *c);
void cpu_sret(Cpu *c);
/* mip = lines | software bits; sets c->stop when it changes. */
void cpu_update_mip(Cpu *c);
/* Interrupt to take now (cause with the interrupt bit), or 0. */
uint64_t cpu_pending_irq(const Cpu *c);
/* Fetch path when pc leaves the current page or jumps: the Insn slot of pc (allocating
 * its page's array on first use), or a slot of the slow page for code outside RAM. */
Insn *cpu_code_insn(Cpu *c, uint64_t pc);
/* Decodes the insn at pc into *in (len known after decode). Returns 0, or the
 * exception cause (access or page fault) with *fault_addr its tval. With breaks, a
 * debugger breakpoint at pc makes it OP_BKPT; without, it is the instruction itself
 * (a step over the breakpoint). */
unsigned cpu_fetch_decode(Cpu *c, uint64_t pc, Insn *in, uint64_t *fault_addr, bool breaks);
/* Fills the cache slot *in of pc: cpu_fetch_decode, then the granule mask. The one
 * fill of decoded pages (a check on what is fetched belongs here). */
unsigned cpu_code_fill(Cpu *c, uint64_t pc, Insn *in, uint64_t *fault_addr);

/* The instruction bits at pc (for mtval of an illegal instruction), or 0. */
uint32_t cpu_insn_bits(Cpu *c, uint64_t pc);

static inline uint64_t cpu_vclock_now(const Cpu *c) { return c->instret + c->skipped; }

/* cpu_pmp_match for the whole 4 KiB physical page holding addr, through the page cache
 * (cpu_tlb_flush empties it). */
static inline PmpResult cpu_pmp_page(Cpu *c, uint64_t addr, unsigned acc, unsigned priv)
{
    uint64_t tag = addr >> 12;
    unsigned k = (unsigned)tag & (PMP_PAGE_CACHE - 1);
    if (unlikely(c->pmp_page_tag[k] != tag))
        cpu_pmp_page_fill(c, tag);
    unsigned b = c->pmp_page_bits[k];
    if (b & PMP_PAGE_PART)
        return PMP_PARTIAL;
    return (b >> (3 * priv + acc)) & 1 ? PMP_ALLOW : PMP_DENY;
}

static inline bool cpu_pmp_ok(Cpu *c, uint64_t addr, uint64_t len, unsigned acc, unsigned priv)
{
    if ((addr & 0xfff) + len <= 0x1000) {
        PmpResult r = cpu_pmp_page(c, addr, acc, priv);
        if (r != PMP_PARTIAL)
            return r == PMP_ALLOW;
    }
    return cpu_pmp_match(c, addr, len, acc, priv) == PMP_ALLOW;
}

#endif
