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
 * boundaries. A block ends every POLL_INSNS instructions, and after every CSR instruction, mret, trap, and after any
 * device access whose callback changed the interrupt state (cpu_set_irq sets c->stop),
 * so a newly enabled or newly pending interrupt is taken right after the instruction
 * that caused it. Dispatch is threaded: each handler ends by fetching the next Insn
 * and jumping through the label table (computed goto, a GNU C extension that gcc and
 * clang accept under -std=c11), so every handler has its own predicted indirect jump.
 * The hot path (RAM loads and stores, ALU, branches in one page) keeps
 * pc and the countdown in locals; they are written back (SYNC) before anything that
 * can observe them: device callbacks, CSR reads, traps. */
#include "cpu/cpu_internal.h"

/* ---- memory paths off the fast path ---- */

/* A RAM store landed in a page with flags: report it (watch) or drop decoded code. The
 * store itself is already done; ram_store_slow repeats it harmlessly. */
static void store_flagged(Cpu *c, uint64_t a, unsigned size, uint64_t v)
{
    Ram *ram = c->cfg.ram;
    uint64_t first = (a - ram->base) >> RAM_PAGE_SHIFT;
    uint64_t last = (a + size - 1 - ram->base) >> RAM_PAGE_SHIFT;
    bool first_code = ram->page_flags[first] & RAM_PAGE_CODE;
    ram_store_slow(ram, a, size, v);
    /* ram_store_slow only looks at the first page's flags: a misaligned store may
     * reach into a code page after it. */
    if (last != first && !first_code && (ram->page_flags[last] & RAM_PAGE_CODE) && ram->code_written)
        ram->code_written(ram->code_opaque, ram->base + (last << RAM_PAGE_SHIFT));
}

static int load_slow(Cpu *c, uint64_t a, unsigned size, uint64_t *v)
{
    const uint8_t *p = ram_ptr(c->cfg.ram, a, size);
    if (p) {
        *v = ldn_le(p, size);
        return 0;
    }
    return as_read(c->cfg.mem, a, size, v);
}

static int store_slow(Cpu *c, uint64_t a, unsigned size, uint64_t v)
{
    Ram *ram = c->cfg.ram;
    uint8_t *p = ram_ptr(ram, a, size);
    if (p) {
        stn_le(p, size, v);
        uint64_t o = a - ram->base;
        if (ram->page_flags[o >> RAM_PAGE_SHIFT] | ram->page_flags[(o + size - 1) >> RAM_PAGE_SHIFT])
            store_flagged(c, a, size, v);
        return 0;
    }
    return as_write(c->cfg.mem, a, size, v);
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

/* Executes an A-extension instruction. Returns 0, or the exception cause (its tval is
 * the address). *rdval gets the value for rd. */
static unsigned exec_atomic(Cpu *c, unsigned op, uint64_t a, uint64_t src, uint64_t *rdval)
{
    bool w = op == OP_LR_W || op == OP_SC_W || (op >= OP_AMOSWAP_W && op <= OP_AMOMAXU_W);
    unsigned size = w ? 4 : 8;
    uint64_t old;
    /* Decision (see DESIGN notes in the report): every misaligned A-extension access,
     * LR included, raises store/AMO address misaligned. */
    if (a & (size - 1))
        return EXC_STORE_MISALIGNED;
    if (op == OP_LR_W || op == OP_LR_D) {
        if (load_slow(c, a, size, &old) < 0)
            return EXC_LOAD_ACCESS;
        c->resv_addr = a;
        c->resv_valid = true;
        *rdval = w ? (uint64_t)(int64_t)(int32_t)old : old;
        return 0;
    }
    if (op == OP_SC_W || op == OP_SC_D) {
        bool ok = c->resv_valid && c->resv_addr == a;
        c->resv_valid = false;
        if (ok && store_slow(c, a, size, src) < 0)
            return EXC_STORE_ACCESS;
        *rdval = !ok;
        return 0;
    }
    if (load_slow(c, a, size, &old) < 0)
        return EXC_STORE_ACCESS;
    uint64_t nv = amo_compute(op, old, src, w);
    if (store_slow(c, a, size, nv) < 0)
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
    const uint64_t rbase = ram->base, rlast = ram->size - 8;
    uint64_t *const x = c->x;
    const uint64_t start = c->instret;
    uint64_t left = budget, pc = c->pc, page_va = 0, stop_at;
    Insn *page, *in, tmp;
    uint64_t fault;
    unsigned in_rd, in_rs1, in_rs2, len;
    int32_t imm;
    /* One label per op: an op without a handler fails to compile. */
    static void *const labels[OP_COUNT] = {
#define X(name) &&L_OP_##name,
        CPU_OPS(X)
#undef X
    };

/* Operands are copied out before the handler runs: a store may clear this very Insn. */
#define DISPATCH() do { in_rd = in->rd; in_rs1 = in->rs1; in_rs2 = in->rs2; len = in->len; \
                        imm = in->imm; goto *labels[in->op]; } while (0)
#define FETCH() do { \
        if (unlikely(left == stop_at)) goto block; \
        uint64_t poff_ = pc - page_va; \
        if (unlikely(poff_ >= RAM_PAGE_SIZE)) { \
            page = cpu_code_page(c, pc, &page_va); \
            poff_ = pc - page_va; \
        } \
        in = &page[poff_ >> 1]; \
        DISPATCH(); \
    } while (0)
#define SYNC() do { c->pc = pc; c->instret = start + (budget - left); } while (0)
#define NEXT() do { pc += len; left--; FETCH(); } while (0)
#define END_BLOCK() do { left--; goto block; } while (0)
#define TRAP(cause, tval) do { SYNC(); cpu_take_trap(c, (cause), (tval)); pc = c->pc; \
                               END_BLOCK(); } while (0)
#define R1 x[in_rs1]
#define R2 x[in_rs2]
#define RD x[in_rd]
#define LOAD(expr_fast, size, conv) { \
        uint64_t a_ = R1 + (uint64_t)(int64_t)imm, o_ = a_ - rbase, v_; \
        if (likely(o_ <= rlast)) { v_ = (expr_fast); RD = conv; NEXT(); } \
        SYNC(); \
        if (load_slow(c, a_, size, &v_) < 0) TRAP(EXC_LOAD_ACCESS, a_); \
        RD = conv; pc += len; left--; \
        if (c->stop) goto block; \
        FETCH(); \
    }
#define STORE(store_fast, size) { \
        uint64_t a_ = R1 + (uint64_t)(int64_t)imm, o_ = a_ - rbase, v_ = R2; \
        if (likely(o_ <= rlast)) { \
            store_fast; \
            if (likely(!(flags[o_ >> RAM_PAGE_SHIFT] | flags[(o_ + size - 1) >> RAM_PAGE_SHIFT]))) NEXT(); \
            SYNC(); store_flagged(c, a_, size, v_); NEXT(); \
        } \
        SYNC(); \
        if (store_slow(c, a_, size, v_) < 0) TRAP(EXC_STORE_ACCESS, a_); \
        pc += len; left--; \
        if (c->stop) goto block; \
        FETCH(); \
    }

    /* A request made between runs is not dropped: this run returns at once. */
block:
    SYNC();
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
    /* Long blocks are cut so that a request from outside the run (a signal handler
     * calling cpu_request_exit) is seen within POLL_INSNS instructions. */
    stop_at = left > POLL_INSNS ? left - POLL_INSNS : 0;
    page = cpu_code_page(c, pc, &page_va);

    FETCH();

    {
        L_OP_DECODE:
            if (cpu_fetch_decode(c, pc, in, &fault) < 0)
                TRAP(EXC_INSN_ACCESS, fault);
            DISPATCH();
        L_OP_FETCH_SLOW:
            if (cpu_fetch_decode(c, pc, &tmp, &fault) < 0)
                TRAP(EXC_INSN_ACCESS, fault);
            in = &tmp;
            DISPATCH();
        L_OP_ILLEGAL: TRAP(EXC_ILLEGAL, (uint32_t)imm);

        L_OP_LUI: RD = (uint64_t)(int64_t)imm; NEXT();
        L_OP_AUIPC: RD = pc + (uint64_t)(int64_t)imm; NEXT();
        L_OP_JAL: RD = pc + len; pc += (uint64_t)(int64_t)imm; left--; FETCH();
        L_OP_JALR: {
            uint64_t t = (R1 + (uint64_t)(int64_t)imm) & ~1ull;
            RD = pc + len;
            pc = t;
            left--;
            FETCH();
        }
#define BRANCH(cond) do { pc += (cond) ? (uint64_t)(int64_t)imm : len; left--; FETCH(); } while (0)
        L_OP_BEQ: BRANCH(R1 == R2);
        L_OP_BNE: BRANCH(R1 != R2);
        L_OP_BLT: BRANCH((int64_t)R1 < (int64_t)R2);
        L_OP_BGE: BRANCH((int64_t)R1 >= (int64_t)R2);
        L_OP_BLTU: BRANCH(R1 < R2);
        L_OP_BGEU: BRANCH(R1 >= R2);

        L_OP_LB: LOAD(host[o_], 1, (uint64_t)(int64_t)(int8_t)v_);
        L_OP_LH: LOAD(ld16_le(host + o_), 2, (uint64_t)(int64_t)(int16_t)v_);
        L_OP_LW: LOAD(ld32_le(host + o_), 4, sx32(v_));
        L_OP_LD: LOAD(ld64_le(host + o_), 8, v_);
        L_OP_LBU: LOAD(host[o_], 1, (uint8_t)v_);
        L_OP_LHU: LOAD(ld16_le(host + o_), 2, (uint16_t)v_);
        L_OP_LWU: LOAD(ld32_le(host + o_), 4, (uint32_t)v_);
        L_OP_SB: STORE(host[o_] = (uint8_t)v_, 1);
        L_OP_SH: STORE(st16_le(host + o_, (uint16_t)v_), 2);
        L_OP_SW: STORE(st32_le(host + o_, (uint32_t)v_), 4);
        L_OP_SD: STORE(st64_le(host + o_, v_), 8);

        L_OP_ADDI: RD = R1 + (uint64_t)(int64_t)imm; NEXT();
        L_OP_SLTI: RD = (int64_t)R1 < (int64_t)imm; NEXT();
        L_OP_SLTIU: RD = R1 < (uint64_t)(int64_t)imm; NEXT();
        L_OP_XORI: RD = R1 ^ (uint64_t)(int64_t)imm; NEXT();
        L_OP_ORI: RD = R1 | (uint64_t)(int64_t)imm; NEXT();
        L_OP_ANDI: RD = R1 & (uint64_t)(int64_t)imm; NEXT();
        L_OP_SLLI: RD = R1 << imm; NEXT();
        L_OP_SRLI: RD = R1 >> imm; NEXT();
        L_OP_SRAI: RD = (uint64_t)((int64_t)R1 >> imm); NEXT();
        L_OP_ADD: RD = R1 + R2; NEXT();
        L_OP_SUB: RD = R1 - R2; NEXT();
        L_OP_SLL: RD = R1 << (R2 & 63); NEXT();
        L_OP_SLT: RD = (int64_t)R1 < (int64_t)R2; NEXT();
        L_OP_SLTU: RD = R1 < R2; NEXT();
        L_OP_XOR: RD = R1 ^ R2; NEXT();
        L_OP_SRL: RD = R1 >> (R2 & 63); NEXT();
        L_OP_SRA: RD = (uint64_t)((int64_t)R1 >> (R2 & 63)); NEXT();
        L_OP_OR: RD = R1 | R2; NEXT();
        L_OP_AND: RD = R1 & R2; NEXT();
        L_OP_ADDIW: RD = sx32(R1 + (uint64_t)(int64_t)imm); NEXT();
        L_OP_SLLIW: RD = sx32((uint32_t)R1 << imm); NEXT();
        L_OP_SRLIW: RD = sx32((uint32_t)R1 >> imm); NEXT();
        L_OP_SRAIW: RD = (uint64_t)(int64_t)((int32_t)R1 >> imm); NEXT();
        L_OP_ADDW: RD = sx32(R1 + R2); NEXT();
        L_OP_SUBW: RD = sx32(R1 - R2); NEXT();
        L_OP_SLLW: RD = sx32((uint32_t)R1 << (R2 & 31)); NEXT();
        L_OP_SRLW: RD = sx32((uint32_t)R1 >> (R2 & 31)); NEXT();
        L_OP_SRAW: RD = (uint64_t)(int64_t)((int32_t)R1 >> (R2 & 31)); NEXT();

        L_OP_MUL: RD = R1 * R2; NEXT();
        L_OP_MULH: RD = mulh64((int64_t)R1, (int64_t)R2); NEXT();
        L_OP_MULHSU: RD = mulhsu64((int64_t)R1, R2); NEXT();
        L_OP_MULHU: RD = mulhu64(R1, R2); NEXT();
        L_OP_DIV: RD = div64((int64_t)R1, (int64_t)R2); NEXT();
        L_OP_DIVU: RD = R2 ? R1 / R2 : ~0ull; NEXT();
        L_OP_REM: RD = rem64((int64_t)R1, (int64_t)R2); NEXT();
        L_OP_REMU: RD = R2 ? R1 % R2 : R1; NEXT();
        L_OP_MULW: RD = sx32(R1 * R2); NEXT();
        L_OP_DIVW: {
            int32_t a = (int32_t)R1, b = (int32_t)R2;
            RD = b == 0 ? ~0ull : (a == INT32_MIN && b == -1) ? sx32((uint32_t)a) : (uint64_t)(int64_t)(a / b);
            NEXT();
        }
        L_OP_DIVUW: {
            uint32_t a = (uint32_t)R1, b = (uint32_t)R2;
            RD = b ? sx32(a / b) : ~0ull;
            NEXT();
        }
        L_OP_REMW: {
            int32_t a = (int32_t)R1, b = (int32_t)R2;
            RD = b == 0 ? sx32((uint32_t)a) : (a == INT32_MIN && b == -1) ? 0 : (uint64_t)(int64_t)(a % b);
            NEXT();
        }
        L_OP_REMUW: {
            uint32_t a = (uint32_t)R1, b = (uint32_t)R2;
            RD = sx32(b ? a % b : a);
            NEXT();
        }

        L_OP_LR_W: L_OP_SC_W: L_OP_LR_D: L_OP_SC_D:
        L_OP_AMOSWAP_W: L_OP_AMOADD_W: L_OP_AMOXOR_W: L_OP_AMOAND_W:
        L_OP_AMOOR_W: L_OP_AMOMIN_W: L_OP_AMOMAX_W: L_OP_AMOMINU_W:
        L_OP_AMOMAXU_W:
        L_OP_AMOSWAP_D: L_OP_AMOADD_D: L_OP_AMOXOR_D: L_OP_AMOAND_D:
        L_OP_AMOOR_D: L_OP_AMOMIN_D: L_OP_AMOMAX_D: L_OP_AMOMINU_D:
        L_OP_AMOMAXU_D: {
            uint64_t a = R1, v = 0;
            SYNC();
            unsigned cause = exec_atomic(c, in->op, a, R2, &v);
            if (cause)
                TRAP(cause, a);
            RD = v;
            pc += len;
            left--;
            if (c->stop)
                goto block;
            FETCH();
        }

        L_OP_FENCE: L_OP_FENCE_I: NEXT();
        L_OP_ECALL: TRAP(c->priv == PRV_U ? EXC_ECALL_U : EXC_ECALL_M, 0);
        L_OP_EBREAK: TRAP(EXC_BREAKPOINT, pc);
        L_OP_MRET:
            if (c->priv != PRV_M)
                TRAP(EXC_ILLEGAL, 0x30200073u);
            SYNC();
            cpu_mret(c);
            pc = c->pc;
            END_BLOCK();
        L_OP_WFI:
            if (c->priv == PRV_U && (c->mstatus & MSTATUS_TW))
                TRAP(EXC_ILLEGAL, 0x10500073u);
            pc += len;
            left--;
            if (c->mip & c->mie)
                goto block;          /* an interrupt is pending: wfi is a no-op */
            SYNC();
            return CPU_EXIT_WFI;
        L_OP_CSRRW: L_OP_CSRRS: L_OP_CSRRC:
        L_OP_CSRRWI: L_OP_CSRRSI: L_OP_CSRRCI: {
            unsigned op = in->op, csr = (unsigned)imm & 0xfff;
            bool is_imm = op >= OP_CSRRWI, is_w = op == OP_CSRRW || op == OP_CSRRWI;
            uint64_t src = is_imm ? in_rs1 : R1, old;
            SYNC();
            if (cpu_csr_op(c, csr, &old, !is_w || in_rd != REG_SCRATCH, is_w || in_rs1 != 0, src, op) < 0) {
                uint32_t bits = (uint32_t)csr << 20 | in_rs1 << 15 | (uint32_t)(op - OP_CSRRW + 1 + (is_imm ? 1 : 0)) << 12 |
                                (in_rd == REG_SCRATCH ? 0 : in_rd) << 7 | 0x73;
                TRAP(EXC_ILLEGAL, bits);
            }
            RD = old;
            pc += len;
            END_BLOCK();
        }

        /* The F/D moves: illegal while mstatus.FS is Off; any write dirties FS. Single
         * values are NaN-boxed in the 64-bit register (unprivileged spec §13.2). */
        L_OP_FLW: L_OP_FLD: L_OP_FSW: L_OP_FSD:
        L_OP_FMV_X_W: L_OP_FMV_W_X: L_OP_FMV_X_D: L_OP_FMV_D_X: {
            unsigned op = in->op;
            if (!(c->mstatus & MSTATUS_FS)) {
                SYNC();
                TRAP(EXC_ILLEGAL, cpu_insn_bits(c, pc));
            }
            if (op == OP_FMV_X_W) { RD = sx32(c->f[in_rs1]); NEXT(); }
            if (op == OP_FMV_X_D) { RD = c->f[in_rs1]; NEXT(); }
            c->mstatus |= MSTATUS_FS;
            if (op == OP_FMV_W_X) { c->f[in_rd] = R1 | 0xffffffff00000000ull; NEXT(); }
            if (op == OP_FMV_D_X) { c->f[in_rd] = R1; NEXT(); }
            uint64_t a = R1 + (uint64_t)(int64_t)imm, v = 0;
            unsigned size = op == OP_FLW || op == OP_FSW ? 4 : 8;
            SYNC();
            if (op == OP_FLW || op == OP_FLD) {
                if (load_slow(c, a, size, &v) < 0)
                    TRAP(EXC_LOAD_ACCESS, a);
                c->f[in_rd] = size == 4 ? v | 0xffffffff00000000ull : v;
            } else if (store_slow(c, a, size, size == 4 ? (uint32_t)c->f[in_rs2] : c->f[in_rs2]) < 0) {
                TRAP(EXC_STORE_ACCESS, a);
            }
            pc += len;
            left--;
            if (c->stop)
                goto block;
            FETCH();
        }
    }
#undef SYNC
#undef NEXT
#undef END_BLOCK
#undef TRAP
#undef R1
#undef R2
#undef RD
#undef LOAD
#undef STORE
#undef BRANCH
#undef FETCH
#undef DISPATCH
}
