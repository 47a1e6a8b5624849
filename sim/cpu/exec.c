/* The interpreter loop: runs decoded instructions against an exact budget (RISC-V
 * unprivileged spec ch. 2 (RV64I), 8 (M), 9 (A); privileged spec §3.3 for ecall,
 * ebreak, mret and wfi).
 *
 * Budget and time: every instruction that executes costs one virtual-clock unit,
 * including one that traps (ecall, illegal, faults); counting it keeps the clock a
 * simple function of the path taken, so budgets stay exact and runs repeat bit for bit.
 * Taking an interrupt costs nothing: it happens between instructions.
 *
 * Blocks: interrupts, exit requests and the budget's end are checked at block
 * boundaries. A block ends every POLL_INSNS instructions, and after every CSR
 * instruction, mret, trap, and after any device access or watched RAM store whose
 * callback changed the interrupt state (cpu_set_irq sets c->stop) or asked for an exit
 * (cpu_request_exit), so a newly enabled or newly pending interrupt is taken, and a
 * debugger's stop happens, right after the instruction that caused it. Where blocks
 * end never shows in the run: interrupts are taken at the first boundary after they
 * become takeable, and every change that makes one takeable ends the block.
 *
 * Speed (bench/run.py): dispatch is threaded, each handler ending in its own jump
 * through the label table (computed goto, a GNU C extension that gcc and clang accept
 * under -std=c11). The hot path never waits on a load to find the next instruction:
 * sequential code steps the Insn pointer by the handler's own constant length (each
 * common handler exists for 2- and 4-byte instructions) and learns it left the page
 * only by landing on a sentinel slot; jumps and taken branches look the page up. pc is
 * not counted per instruction: it is set at transfers of control and otherwise derived
 * from the Insn pointer (PC); it and the block's countdown are written back (SYNC)
 * before anything that can observe them: device callbacks, CSR reads, traps. */
#include "cpu/cpu_internal.h"

/* ---- memory paths off the fast path ---- */

/* A RAM store landed in a page with flags (the store is done): RAM drops decoded code
 * and reports watched stores, for both pages of a straddling store. */
static void store_flagged(Cpu *c, uint64_t a, unsigned size, uint64_t v)
{
    ram_store_done(c->cfg.ram, a, size, v);
}

/* Translation and PMP (mmu.c), when they apply: under Sv39 an access that crosses a
 * page is split by no one and raises address misaligned, which the privileged spec
 * allows for any misaligned access (§3.6.3.4 of the unprivileged spec's EEI), and
 * M-mode firmware (OpenSBI) emulates it. */
static unsigned data_addr(Cpu *c, uint64_t *a, unsigned size, unsigned acc)
{
    return c->xl_data ? cpu_translate(c, *a, acc, size, a) : 0;
}

/* 0, or the exception cause (tval is the virtual address). */
static unsigned load_slow(Cpu *c, uint64_t a, unsigned size, uint64_t *v)
{
    unsigned cause = data_addr(c, &a, size, ACC_LOAD);
    if (cause)
        return cause;
    const uint8_t *p = ram_ptr(c->cfg.ram, a, size);
    if (p) {
        *v = ldn_le(p, size);
        if (unlikely(c->load_hook != NULL))
            c->load_hook(c->load_ctx, a, size, *v);
        return 0;
    }
    return as_read(c->cfg.mem, a, size, v) < 0 ? EXC_LOAD_ACCESS : 0;
}

static unsigned store_slow(Cpu *c, uint64_t a, unsigned size, uint64_t v)
{
    unsigned cause = data_addr(c, &a, size, ACC_STORE);
    if (cause)
        return cause;
    Ram *ram = c->cfg.ram;
    uint8_t *p = ram_ptr(ram, a, size);
    if (p) {
        stn_le(p, size, v);
        uint64_t o = a - ram->base;
        if (ram->page_flags[o >> RAM_PAGE_SHIFT] | ram->page_flags[(o + size - 1) >> RAM_PAGE_SHIFT])
            store_flagged(c, a, size, v);
        return 0;
    }
    return as_write(c->cfg.mem, a, size, v) < 0 ? EXC_STORE_ACCESS : 0;
}

/* AMOs, LR and SC: aligned by rule, so they never straddle RAM's end or a page. */
static uint64_t amo_compute(unsigned op, uint64_t old, uint64_t src, bool w)
{
    int64_t so = w ? (int32_t)old : (int64_t)old, ss = w ? (int32_t)src : (int64_t)src;
    uint64_t uo = w ? (uint32_t)old : old, us = w ? (uint32_t)src : src;
    switch (op) {
    case OP_AMOSWAP_W: case OP_AMOSWAP_D: return src;
    case OP_AMOADD_W: case OP_AMOADD_D: return old + src;
    case OP_AMOXOR_W: case OP_AMOXOR_D: return old ^ src;
    case OP_AMOAND_W: case OP_AMOAND_D: return old & src;
    case OP_AMOOR_W: case OP_AMOOR_D: return old | src;
    case OP_AMOMIN_W: case OP_AMOMIN_D: return so < ss ? old : src;
    case OP_AMOMAX_W: case OP_AMOMAX_D: return so > ss ? old : src;
    case OP_AMOMINU_W: case OP_AMOMINU_D: return uo < us ? old : src;
    default: return uo > us ? old : src;     /* AMOMAXU */
    }
}

static unsigned atomic_phys(Cpu *c, unsigned op, uint64_t a, uint64_t src, unsigned size, bool w,
                            uint64_t *rdval);

/* Executes an A-extension instruction. Returns 0, or the exception cause (its tval is
 * the address). *rdval gets the value for rd. */
static unsigned exec_atomic(Cpu *c, unsigned op, uint64_t a, uint64_t src, uint64_t *rdval)
{
    bool w = op == OP_LR_W || op == OP_SC_W || (op >= OP_AMOSWAP_W && op <= OP_AMOMAXU_W);
    unsigned size = w ? 4 : 8;
    /* A misaligned LR is a load: load address misaligned (cause 4), as its access
     * fault is a load access fault; SC and AMOs raise store/AMO address misaligned
     * (unprivileged spec §8.2-8.4, privileged Table 3.6; Sail, Spike and QEMU agree). */
    if (a & (size - 1))
        return op == OP_LR_W || op == OP_LR_D ? EXC_LOAD_MISALIGNED : EXC_STORE_MISALIGNED;
    bool lr = op == OP_LR_W || op == OP_LR_D;
    /* Translated once, as a store for SC and AMOs (their faults are store/AMO faults,
     * privileged Table 3.6); aligned, so one page. The rest runs on the physical
     * address, so the reservation is physical too. */
    unsigned cause = c->xl_data ? cpu_translate(c, a, lr ? ACC_LOAD : ACC_STORE, size, &a) : 0;
    if (cause)
        return cause;
    bool xl = c->xl_data;
    c->xl_data = false;
    cause = atomic_phys(c, op, a, src, size, w, rdval);
    c->xl_data = xl;
    return cause;
}

/* The access of an A-extension instruction at physical address a (aligned). */
static unsigned atomic_phys(Cpu *c, unsigned op, uint64_t a, uint64_t src, unsigned size, bool w,
                            uint64_t *rdval)
{
    uint64_t old;
    if (op == OP_LR_W || op == OP_LR_D) {
        if (load_slow(c, a, size, &old))
            return EXC_LOAD_ACCESS;
        c->resv_addr = a;
        c->resv_valid = true;
        *rdval = w ? (uint64_t)(int64_t)(int32_t)old : old;
        return 0;
    }
    /* The reservation set is the LR's address. Every SC clears it, succeeding or not;
     * a plain store by this hart leaves it valid, which §8.2 permits (only another
     * hart's store must break it). Alignment is checked before the reservation and the
     * store's access after, so an SC without a reservation fails without faulting. */
    if (op == OP_SC_W || op == OP_SC_D) {
        bool ok = c->resv_valid && c->resv_addr == a;
        c->resv_valid = false;
        if (ok && store_slow(c, a, size, src))
            return EXC_STORE_ACCESS;
        *rdval = !ok;
        return 0;
    }
    if (load_slow(c, a, size, &old))
        return EXC_STORE_ACCESS;
    uint64_t nv = amo_compute(op, old, src, w);
    if (store_slow(c, a, size, nv))
        return EXC_STORE_ACCESS;
    *rdval = w ? (uint64_t)(int64_t)(int32_t)old : old;
    return 0;
}

/* ---- M extension helpers (unprivileged spec §8.2: division by zero and overflow) ---- */

static inline uint64_t mulhu64(uint64_t a, uint64_t b)
{
    return (uint64_t)(((unsigned __int128)a * b) >> 64);
}
static inline uint64_t mulh64(int64_t a, int64_t b)
{
    return (uint64_t)((__int128)a * b >> 64);
}
static inline uint64_t mulhsu64(int64_t a, uint64_t b)
{
    return (uint64_t)((__int128)a * (__int128)b >> 64);
}
static inline uint64_t div64(int64_t a, int64_t b)
{
    if (b == 0) return ~0ull;
    if (a == INT64_MIN && b == -1) return (uint64_t)a;
    return (uint64_t)(a / b);
}
static inline uint64_t rem64(int64_t a, int64_t b)
{
    if (b == 0) return (uint64_t)a;
    if (a == INT64_MIN && b == -1) return 0;
    return (uint64_t)(a % b);
}
static inline uint64_t sx32(uint64_t v) { return (uint64_t)(int64_t)(int32_t)(uint32_t)v; }

/* ---- the loop ---- */

#define POLL_INSNS 65536u

CpuExit cpu_run(Cpu *c, uint64_t budget)
{
    Ram *ram = c->cfg.ram;
    uint8_t *const host = ram->host;
    const uint8_t *const flags = ram->page_flags;
    const uint64_t rbase = ram->base, rsize = ram->size;
    /* Physical fast paths, untranslated: RAM loads below rlim_ld (all of RAM, or none
     * while someone watches loads (cpu_set_load_hook), so that load_slow reports each
     * one), stores below rlim_st, fetch lookups below rlim_f. Under Sv39 they are 0 and
     * the TLB sets tld, tst and the fetch TLB take over: a hit is a compare and an add.
     * Set at each block start (cpu_mmu_mode): every change of privilege, satp or
     * mstatus ends the block. */
    uint64_t rlim_ld, rlim_st, rlim_f;
    bool xld;
    const TlbEntry *tld, *tst;
    Insn *const *const pages = c->pages;
    uint64_t *const x = c->x;
    const uint64_t start = c->instret;
    /* The budget left is stop_at + n: n counts down the instructions of this block. */
    /* pc is known only at transfers of control (the local pc); in between it is PC,
     * derived from the Insn pointer: slot k of a page is 2 k bytes into it and
     * sizeof(Insn) * k bytes into its array, so pc = pcd + in / 4, pcd set with in at
     * each lookup. Sequential code then costs no pc arithmetic. */
    uint64_t pc = c->pc, pcd = 0, left, stop_at = budget, n = 0;
    Insn *in;
    /* Code outside RAM is decoded into tmp[0] each time; stepping on from it lands on
     * tmp[1] or tmp[2], which send the next instruction the same way. */
    Insn tmp[3] = { { .h = OP_FETCH_SLOW * 2 }, { .h = OP_FETCH_SLOW * 2 }, { .h = OP_FETCH_SLOW * 2 } };
    uint64_t fault;
    unsigned fcause;
    /* One label per op: an op without a handler fails to compile. */
    static void *const labels[2 * OP_COUNT] = {
#define X(name) &&L_OP_##name##_2, &&L_OP_##name##_4,
        CPU_OPS(X)
#undef X
    };

/* The dispatch is two host instructions, so compilers copy it into every handler
 * instead of sharing one indirect jump. Handlers read their operands from *in; one that can
 * reach a device or store to RAM copies them first, since its Insn may be cleared. */
#define DISPATCH() goto *labels[in->h]
_Static_assert(sizeof(Insn) / 2 == 4 && _Alignof(Insn) >= 4, "PC divides the Insn address by 4");
#define PC (pcd + ((uint64_t)(uintptr_t)in >> 2))
#define SET_PCD() (pcd = pc - ((uint64_t)(uintptr_t)in >> 2))
#define STEP(l) (in += (l) / 2)
#define NEXT_L(l) do { STEP(l); if (unlikely(--n == 0)) { pc = PC; goto block; } DISPATCH(); } while (0)
#define NEXT() NEXT_L(ilen)
/* After a transfer of control: pc is set, the instruction is counted. */
#define LOOKUP() do { \
        uint64_t o_ = pc - rbase; \
        Insn *p_; \
        if (likely(o_ < rlim_f) && likely((p_ = pages[o_ >> RAM_PAGE_SHIFT]) != NULL)) \
            in = p_ + ((o_ & (RAM_PAGE_SIZE - 1)) >> 1); \
        else \
            in = cpu_code_insn(c, pc); \
        SET_PCD(); \
    } while (0)
#define JUMPED() do { if (unlikely(--n == 0)) goto block; LOOKUP(); DISPATCH(); } while (0)
/* After an instruction that called out: a device may have asked to stop. */
#define NEXT_CHECKED(l) do { STEP(l); n--; if (c->stop || n == 0) { pc = PC; goto block; } DISPATCH(); } while (0)
#define SYNC_AT(p) do { c->pc = (p); c->instret = start + (budget - (stop_at + n)); } while (0)
#define SYNC() SYNC_AT(PC)
#define END_BLOCK() do { n--; goto block; } while (0)
#define TRAP(cause, tval) do { SYNC(); cpu_take_trap(c, (cause), (tval)); pc = c->pc; \
                               END_BLOCK(); } while (0)
#define IMM ((uint64_t)in->imm)
#define R1 x[in->rs1]
#define R2 x[in->rs2]
#define RD x[in->rd]
/* A TLB hit: the entry of a_'s page, and the access inside that page. */
#define TLB_HIT(set, size) ((set)[(a_ >> 12) & (TLB_SIZE - 1)].tag == a_ >> 12 && \
                            (a_ & (RAM_PAGE_SIZE - 1)) <= RAM_PAGE_SIZE - (size))
#define TLB_OFF(set) ((set)[(a_ >> 12) & (TLB_SIZE - 1)].off)
#define LOAD(expr_fast, size, conv) { \
        uint64_t a_ = R1 + IMM, o_ = a_ - rbase, v_; \
        if (likely(o_ < rlim_ld)) { v_ = (expr_fast); RD = conv; NEXT(); } \
        if (xld && likely(TLB_HIT(tld, size))) { o_ = a_ + TLB_OFF(tld); v_ = (expr_fast); RD = conv; NEXT(); } \
        unsigned rd_ = in->rd, cause_; \
        uint64_t sv_;                /* v_'s address is not taken: it stays in a register */ \
        SYNC(); \
        if ((cause_ = load_slow(c, a_, size, &sv_)) != 0) TRAP(cause_, a_); \
        v_ = sv_; \
        x[rd_] = conv; \
        NEXT_CHECKED(ilen); \
    }
#define STORE(store_fast, size) { \
        uint64_t a_ = R1 + IMM, o_ = a_ - rbase, v_ = R2; \
        enum { len_ = ilen }; \
        unsigned cause_; \
        if (likely(o_ < rlim_st)) { \
            store_fast; \
            if (likely(!(flags[o_ >> RAM_PAGE_SHIFT] | flags[(o_ + size - 1) >> RAM_PAGE_SHIFT]))) \
                NEXT_L(len_); \
            SYNC(); store_flagged(c, a_, size, v_); NEXT_CHECKED(len_); \
        } \
        if (xld && likely(TLB_HIT(tst, size))) { \
            o_ = a_ + TLB_OFF(tst); \
            store_fast; \
            if (likely(!flags[o_ >> RAM_PAGE_SHIFT])) \
                NEXT_L(len_); \
            SYNC(); store_flagged(c, rbase + o_, size, v_); NEXT_CHECKED(len_); \
        } \
        SYNC(); \
        if ((cause_ = store_slow(c, a_, size, v_)) != 0) TRAP(cause_, a_); \
        NEXT_CHECKED(len_); \
    }

/* The common handlers exist twice, for 2- and 4-byte instructions (the table index is
 * op * 2 + (len == 4)): with the length a constant, finding the next Insn does not wait
 * for a load from this one. */
#define H(name, ...) \
    L_OP_##name##_2: { enum { ilen = 2 }; __VA_ARGS__ } \
    L_OP_##name##_4: { enum { ilen = 4 }; __VA_ARGS__ }

    /* A request made between runs is not dropped: this run returns at once. */
block:
    left = stop_at + n;
    SYNC_AT(pc);
    c->stop = false;
    if (c->exit_req) {
        c->exit_req = false;
        return CPU_EXIT_REQUEST;
    }
    if (left == 0)
        return CPU_EXIT_BUDGET;
    if (unlikely(c->mip & c->mie)) {
        uint64_t irq = cpu_pending_irq(c);
        if (irq) {
            cpu_take_trap(c, irq, 0);
            pc = c->pc;
            if (c->exit_req) {           /* the trap hook asked */
                c->exit_req = false;
                return CPU_EXIT_REQUEST;
            }
        }
    }
    cpu_mmu_mode(c);
    xld = c->xl_data;
    rlim_ld = xld || c->load_hook ? 0 : rsize - 7;
    rlim_st = xld ? 0 : rsize - 7;
    rlim_f = c->xl_fetch ? 0 : rsize;
    tld = c->tlb_load;
    tst = c->tlb_store;
    /* Long blocks are cut so that a request from outside the run (a signal handler
     * calling cpu_request_exit) is seen within POLL_INSNS instructions. */
    stop_at = left > POLL_INSNS ? left - POLL_INSNS : 0;
    n = left - stop_at;
    if (unlikely(c->bp_skip) && pc != c->bp_skip_pc)
        c->bp_skip = false;          /* the step-over was for another instruction */
    LOOKUP();
    DISPATCH();

    {
        L_OP_DECODE_2: L_OP_DECODE_4:
            if ((fcause = cpu_code_fill(c, PC, in, &fault)) != 0)
                TRAP(fcause, fault);
            DISPATCH();
        L_OP_FETCH_SLOW_2: L_OP_FETCH_SLOW_4:
            /* Code outside RAM, a page's last slot, a fetch that faults, or a step on
             * from one of them: back to the cache when pc has a slot there. */
            pc = PC;
            if ((pc & (RAM_PAGE_SIZE - 2)) != RAM_PAGE_SIZE - 2) {
                Insn *p_ = cpu_code_insn(c, pc);
                if (p_->h != OP_FETCH_SLOW * 2) {
                    in = p_;
                    SET_PCD();
                    DISPATCH();
                }
            }
            if ((fcause = cpu_fetch_decode(c, pc, &tmp[0], &fault, true)) != 0)
                TRAP(fcause, fault);
            in = &tmp[0];
            SET_PCD();
            DISPATCH();
        L_OP_PAGE_END_2: L_OP_PAGE_END_4:                   /* stepped off the end of a page: not an insn */
            pc = PC;
            LOOKUP();
            DISPATCH();
        L_OP_ILLEGAL_2: L_OP_ILLEGAL_4: TRAP(EXC_ILLEGAL, (uint32_t)in->imm);
        L_OP_BKPT_2: L_OP_BKPT_4:                           /* a debugger breakpoint at pc */
            pc = PC;
            if (c->bp_skip && pc == c->bp_skip_pc) {
                /* Its own handler, on a copy decoded without the breakpoint (the
                 * slot keeps OP_BKPT); stepping on from tmp[0] finds the cache again. */
                c->bp_skip = false;
                if ((fcause = cpu_fetch_decode(c, pc, &tmp[0], &fault, false)) != 0)
                    TRAP(fcause, fault);
                in = &tmp[0];
                SET_PCD();
                DISPATCH();
            }
            SYNC();
            return CPU_EXIT_BREAK;

        H(LUI, RD = IMM; NEXT();)
        H(AUIPC, RD = PC + IMM; NEXT();)
        H(JAL, { uint64_t p_ = PC; RD = p_ + ilen; pc = p_ + IMM; JUMPED(); })
        H(JALR, {
            uint64_t t = (R1 + IMM) & ~1ull;
            RD = PC + ilen;
            pc = t;
            JUMPED();
        })
#define BRANCH(cond) do { if (cond) { pc = PC + IMM; JUMPED(); } NEXT(); } while (0)
        H(BEQ, BRANCH(R1 == R2);)
        H(BNE, BRANCH(R1 != R2);)
        H(BLT, BRANCH((int64_t)R1 < (int64_t)R2);)
        H(BGE, BRANCH((int64_t)R1 >= (int64_t)R2);)
        H(BLTU, BRANCH(R1 < R2);)
        H(BGEU, BRANCH(R1 >= R2);)

        H(LB, LOAD(host[o_], 1, (uint64_t)(int64_t)(int8_t)v_);)
        H(LH, LOAD(ld16_le(host + o_), 2, (uint64_t)(int64_t)(int16_t)v_);)
        H(LW, LOAD(ld32_le(host + o_), 4, sx32(v_));)
        H(LD, LOAD(ld64_le(host + o_), 8, v_);)
        H(LBU, LOAD(host[o_], 1, (uint8_t)v_);)
        H(LHU, LOAD(ld16_le(host + o_), 2, (uint16_t)v_);)
        H(LWU, LOAD(ld32_le(host + o_), 4, (uint32_t)v_);)
        H(SB, STORE(host[o_] = (uint8_t)v_, 1);)
        H(SH, STORE(st16_le(host + o_, (uint16_t)v_), 2);)
        H(SW, STORE(st32_le(host + o_, (uint32_t)v_), 4);)
        H(SD, STORE(st64_le(host + o_, v_), 8);)

        H(ADDI, RD = R1 + IMM; NEXT();)
        H(SLTI, RD = (int64_t)R1 < in->imm; NEXT();)
        H(SLTIU, RD = R1 < IMM; NEXT();)
        H(XORI, RD = R1 ^ IMM; NEXT();)
        H(ORI, RD = R1 | IMM; NEXT();)
        H(ANDI, RD = R1 & IMM; NEXT();)
        H(SLLI, RD = R1 << in->imm; NEXT();)
        H(SRLI, RD = R1 >> in->imm; NEXT();)
        H(SRAI, RD = (uint64_t)((int64_t)R1 >> in->imm); NEXT();)
        H(ADD, RD = R1 + R2; NEXT();)
        H(SUB, RD = R1 - R2; NEXT();)
        H(SLL, RD = R1 << (R2 & 63); NEXT();)
        H(SLT, RD = (int64_t)R1 < (int64_t)R2; NEXT();)
        H(SLTU, RD = R1 < R2; NEXT();)
        H(XOR, RD = R1 ^ R2; NEXT();)
        H(SRL, RD = R1 >> (R2 & 63); NEXT();)
        H(SRA, RD = (uint64_t)((int64_t)R1 >> (R2 & 63)); NEXT();)
        H(OR, RD = R1 | R2; NEXT();)
        H(AND, RD = R1 & R2; NEXT();)
        H(ADDIW, RD = sx32(R1 + IMM); NEXT();)
        H(SLLIW, RD = sx32((uint32_t)R1 << in->imm); NEXT();)
        H(SRLIW, RD = sx32((uint32_t)R1 >> in->imm); NEXT();)
        H(SRAIW, RD = (uint64_t)(int64_t)((int32_t)R1 >> in->imm); NEXT();)
        H(ADDW, RD = sx32(R1 + R2); NEXT();)
        H(SUBW, RD = sx32(R1 - R2); NEXT();)
        H(SLLW, RD = sx32((uint32_t)R1 << (R2 & 31)); NEXT();)
        H(SRLW, RD = sx32((uint32_t)R1 >> (R2 & 31)); NEXT();)
        H(SRAW, RD = (uint64_t)(int64_t)((int32_t)R1 >> (R2 & 31)); NEXT();)

        H(MUL, RD = R1 * R2; NEXT();)
        H(MULH, RD = mulh64((int64_t)R1, (int64_t)R2); NEXT();)
        H(MULHSU, RD = mulhsu64((int64_t)R1, R2); NEXT();)
        H(MULHU, RD = mulhu64(R1, R2); NEXT();)
        H(DIV, RD = div64((int64_t)R1, (int64_t)R2); NEXT();)
        H(DIVU, RD = R2 ? R1 / R2 : ~0ull; NEXT();)
        H(REM, RD = rem64((int64_t)R1, (int64_t)R2); NEXT();)
        H(REMU, RD = R2 ? R1 % R2 : R1; NEXT();)
        H(MULW, RD = sx32(R1 * R2); NEXT();)
        H(DIVW, {
            int32_t a = (int32_t)R1, b = (int32_t)R2;
            RD = b == 0 ? ~0ull : (a == INT32_MIN && b == -1) ? sx32((uint32_t)a) : (uint64_t)(int64_t)(a / b);
            NEXT();
        })
        H(DIVUW, {
            uint32_t a = (uint32_t)R1, b = (uint32_t)R2;
            RD = b ? sx32(a / b) : ~0ull;
            NEXT();
        })
        H(REMW, {
            int32_t a = (int32_t)R1, b = (int32_t)R2;
            RD = b == 0 ? sx32((uint32_t)a) : (a == INT32_MIN && b == -1) ? 0 : (uint64_t)(int64_t)(a % b);
            NEXT();
        })
        H(REMUW, {
            uint32_t a = (uint32_t)R1, b = (uint32_t)R2;
            RD = sx32(b ? a % b : a);
            NEXT();
        })

        L_OP_LR_W_2: L_OP_LR_W_4: L_OP_SC_W_2: L_OP_SC_W_4: L_OP_LR_D_2: L_OP_LR_D_4: L_OP_SC_D_2: L_OP_SC_D_4:
        L_OP_AMOSWAP_W_2: L_OP_AMOSWAP_W_4: L_OP_AMOADD_W_2: L_OP_AMOADD_W_4: L_OP_AMOXOR_W_2: L_OP_AMOXOR_W_4: L_OP_AMOAND_W_2: L_OP_AMOAND_W_4:
        L_OP_AMOOR_W_2: L_OP_AMOOR_W_4: L_OP_AMOMIN_W_2: L_OP_AMOMIN_W_4: L_OP_AMOMAX_W_2: L_OP_AMOMAX_W_4: L_OP_AMOMINU_W_2: L_OP_AMOMINU_W_4:
        L_OP_AMOMAXU_W_2: L_OP_AMOMAXU_W_4:
        L_OP_AMOSWAP_D_2: L_OP_AMOSWAP_D_4: L_OP_AMOADD_D_2: L_OP_AMOADD_D_4: L_OP_AMOXOR_D_2: L_OP_AMOXOR_D_4: L_OP_AMOAND_D_2: L_OP_AMOAND_D_4:
        L_OP_AMOOR_D_2: L_OP_AMOOR_D_4: L_OP_AMOMIN_D_2: L_OP_AMOMIN_D_4: L_OP_AMOMAX_D_2: L_OP_AMOMAX_D_4: L_OP_AMOMINU_D_2: L_OP_AMOMINU_D_4:
        L_OP_AMOMAXU_D_2: L_OP_AMOMAXU_D_4: {
            uint64_t a = R1, v = 0;
            unsigned rd = in->rd, len = INSN_LEN(in);
            SYNC();
            unsigned cause = exec_atomic(c, INSN_OP(in), a, R2, &v);
            if (cause)
                TRAP(cause, a);
            x[rd] = v;
            NEXT_CHECKED(len);
        }

        H(FENCE, NEXT();)
        H(FENCE_I, NEXT();)
        L_OP_ECALL_2: L_OP_ECALL_4: TRAP(EXC_ECALL_U + c->priv, 0);     /* 8, 9 or 11 */
        L_OP_EBREAK_2: L_OP_EBREAK_4: TRAP(EXC_BREAKPOINT, PC);
        L_OP_MRET_2: L_OP_MRET_4:
            if (c->priv != PRV_M)
                TRAP(EXC_ILLEGAL, 0x30200073u);
            SYNC();
            cpu_mret(c);
            pc = c->pc;
            END_BLOCK();
        L_OP_SRET_2: L_OP_SRET_4:
            if (c->priv < PRV_S || (c->priv == PRV_S && (c->mstatus & MSTATUS_TSR)))
                TRAP(EXC_ILLEGAL, 0x10200073u);
            SYNC();
            cpu_sret(c);
            pc = c->pc;
            END_BLOCK();
        L_OP_SFENCE_VMA_2: L_OP_SFENCE_VMA_4: {
            /* §4.2.1: by address when rs1 is not x0; ASIDs are not kept (ASIDLEN 0). */
            unsigned rs1 = in->rs1, len = INSN_LEN(in);
            if (c->priv < PRV_S || (c->priv == PRV_S && (c->mstatus & MSTATUS_TVM)))
                TRAP(EXC_ILLEGAL, cpu_insn_bits(c, PC));
            SYNC();
            cpu_tlb_flush_va(c, rs1 != 0, x[rs1]);
            pc = PC + len;
            END_BLOCK();
        }
        L_OP_WFI_2: L_OP_WFI_4:
            if (c->priv != PRV_M && (c->mstatus & MSTATUS_TW))
                TRAP(EXC_ILLEGAL, 0x10500073u);
            pc = PC + INSN_LEN(in);
            n--;
            if (c->mip & c->mie)
                goto block;          /* an interrupt is pending: wfi is a no-op */
            SYNC_AT(pc);
            return CPU_EXIT_WFI;
        L_OP_CSRRW_2: L_OP_CSRRW_4: L_OP_CSRRS_2: L_OP_CSRRS_4: L_OP_CSRRC_2: L_OP_CSRRC_4:
        L_OP_CSRRWI_2: L_OP_CSRRWI_4: L_OP_CSRRSI_2: L_OP_CSRRSI_4: L_OP_CSRRCI_2: L_OP_CSRRCI_4: {
            unsigned op = INSN_OP(in), csr = (unsigned)in->imm & 0xfff, in_rd = in->rd, in_rs1 = in->rs1;
            unsigned len = INSN_LEN(in);
            bool is_imm = op >= OP_CSRRWI, is_w = op == OP_CSRRW || op == OP_CSRRWI;
            uint64_t src = is_imm ? in_rs1 : x[in_rs1], old;
            SYNC();
            if (cpu_csr_op(c, csr, &old, !is_w || in_rd != REG_SCRATCH, is_w || in_rs1 != 0, src, op) < 0) {
                uint32_t bits = (uint32_t)csr << 20 | in_rs1 << 15 | (uint32_t)(op - OP_CSRRW + 1 + (is_imm ? 1 : 0)) << 12 |
                                (in_rd == REG_SCRATCH ? 0 : in_rd) << 7 | 0x73;
                TRAP(EXC_ILLEGAL, bits);
            }
            x[in_rd] = old;
            pc = PC + len;
            END_BLOCK();
        }

        /* The F/D moves: illegal while mstatus.FS is Off, which it always is unless
         * CPU_FP_MOVES (cpu_internal.h); any write dirties FS. Single values are
         * NaN-boxed in the 64-bit register (unprivileged spec §13.2). */
        L_OP_FLW_2: L_OP_FLW_4: L_OP_FLD_2: L_OP_FLD_4: L_OP_FSW_2: L_OP_FSW_4: L_OP_FSD_2: L_OP_FSD_4:
        L_OP_FMV_X_W_2: L_OP_FMV_X_W_4: L_OP_FMV_W_X_2: L_OP_FMV_W_X_4: L_OP_FMV_X_D_2: L_OP_FMV_X_D_4: L_OP_FMV_D_X_2: L_OP_FMV_D_X_4: {
            unsigned op = INSN_OP(in), in_rd = in->rd, in_rs1 = in->rs1, in_rs2 = in->rs2, len = INSN_LEN(in);
            if (!(c->mstatus & MSTATUS_FS)) {
                SYNC();
                TRAP(EXC_ILLEGAL, cpu_insn_bits(c, PC));
            }
            if (op == OP_FMV_X_W) { x[in_rd] = sx32(c->f[in_rs1]); NEXT_L(len); }
            if (op == OP_FMV_X_D) { x[in_rd] = c->f[in_rs1]; NEXT_L(len); }
            c->mstatus |= MSTATUS_FS;
            if (op == OP_FMV_W_X) { c->f[in_rd] = x[in_rs1] | 0xffffffff00000000ull; NEXT_L(len); }
            if (op == OP_FMV_D_X) { c->f[in_rd] = x[in_rs1]; NEXT_L(len); }
            uint64_t a = x[in_rs1] + IMM, v = 0;
            unsigned size = op == OP_FLW || op == OP_FSW ? 4 : 8;
            SYNC();
            if (op == OP_FLW || op == OP_FLD) {
                if ((fcause = load_slow(c, a, size, &v)) != 0)
                    TRAP(fcause, a);
                c->f[in_rd] = size == 4 ? v | 0xffffffff00000000ull : v;
            } else if ((fcause = store_slow(c, a, size, size == 4 ? (uint32_t)c->f[in_rs2] : c->f[in_rs2])) != 0) {
                TRAP(fcause, a);
            }
            NEXT_CHECKED(len);
        }
    }
#undef SYNC
#undef SYNC_AT
#undef PC
#undef SET_PCD
#undef NEXT
#undef NEXT_L
#undef NEXT_CHECKED
#undef STEP
#undef JUMPED
#undef LOOKUP
#undef END_BLOCK
#undef TRAP
#undef IMM
#undef R1
#undef R2
#undef RD
#undef LOAD
#undef STORE
#undef TLB_HIT
#undef TLB_OFF
#undef BRANCH
#undef H
#undef DISPATCH
}
