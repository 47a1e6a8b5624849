/* Decoder: RV64I, M, A, Zicsr, Zifencei and the RV64C compressed set into Insn
 * (RISC-V unprivileged spec, chapters 2, 5, 7, 8, 10 and 16; opcode map ch. 34).
 * Runs once per instruction slot; everything it cannot place is OP_ILLEGAL with the
 * raw bits kept for mtval. Of F and D only the moves exist: loads, stores, fmv. */
#include "cpu/cpu_internal.h"

static inline uint32_t bits_of(uint32_t v, unsigned hi, unsigned lo)
{
    return (v >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static inline int32_t sext(uint32_t v, unsigned width)
{
    return (int32_t)(v << (32 - width)) >> (32 - width);
}

static void set(Insn *in, unsigned op, unsigned rd, unsigned rs1, unsigned rs2, int32_t imm)
{
    in->h = (uint8_t)(op * 2);          /* cpu_decode adds the length bit */
    in->rd = (uint8_t)(rd ? rd : REG_SCRATCH);
    in->rs1 = (uint8_t)rs1;
    in->rs2 = (uint8_t)rs2;
    in->imm = imm;
}

/* FP destination registers are not remapped: f0 is a real register. */
static void set_frd(Insn *in, unsigned op, unsigned frd, unsigned rs1, int32_t imm)
{
    set(in, op, 0, rs1, 0, imm);
    in->rd = (uint8_t)frd;
}

static void illegal(Insn *in, uint32_t bits)
{
    set(in, OP_ILLEGAL, 0, 0, 0, (int32_t)bits);
}

static const uint8_t branch_ops[8] = { OP_BEQ, OP_BNE, 0, 0, OP_BLT, OP_BGE, OP_BLTU, OP_BGEU };
static const uint8_t load_ops[8] = { OP_LB, OP_LH, OP_LW, OP_LD, OP_LBU, OP_LHU, OP_LWU, 0 };
static const uint8_t store_ops[8] = { OP_SB, OP_SH, OP_SW, OP_SD, 0, 0, 0, 0 };
static const uint8_t op_ops[8] = { OP_ADD, OP_SLL, OP_SLT, OP_SLTU, OP_XOR, OP_SRL, OP_OR, OP_AND };
static const uint8_t mul_ops[8] = { OP_MUL, OP_MULH, OP_MULHSU, OP_MULHU, OP_DIV, OP_DIVU, OP_REM, OP_REMU };
static const uint8_t mulw_ops[8] = { OP_MULW, 0, 0, 0, OP_DIVW, OP_DIVUW, OP_REMW, OP_REMUW };
static const uint8_t imm_ops[8] = { OP_ADDI, 0, OP_SLTI, OP_SLTIU, OP_XORI, 0, OP_ORI, OP_ANDI };
static const uint8_t csr_ops[8] = { 0, OP_CSRRW, OP_CSRRS, OP_CSRRC, 0, OP_CSRRWI, OP_CSRRSI, OP_CSRRCI };

/* AMO funct5 -> op for .W; the .D op follows at a fixed distance. */
static unsigned amo_op(unsigned f5, bool dbl)
{
    static const struct { uint8_t f5, w, d; } tab[] = {
        { 0x02, OP_LR_W, OP_LR_D },           { 0x03, OP_SC_W, OP_SC_D },
        { 0x01, OP_AMOSWAP_W, OP_AMOSWAP_D }, { 0x00, OP_AMOADD_W, OP_AMOADD_D },
        { 0x04, OP_AMOXOR_W, OP_AMOXOR_D },   { 0x0c, OP_AMOAND_W, OP_AMOAND_D },
        { 0x08, OP_AMOOR_W, OP_AMOOR_D },     { 0x10, OP_AMOMIN_W, OP_AMOMIN_D },
        { 0x14, OP_AMOMAX_W, OP_AMOMAX_D },   { 0x18, OP_AMOMINU_W, OP_AMOMINU_D },
        { 0x1c, OP_AMOMAXU_W, OP_AMOMAXU_D },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(tab); i++)
        if (tab[i].f5 == f5)
            return dbl ? tab[i].d : tab[i].w;
    return 0;
}

static void decode32(uint32_t b, Insn *in)
{
    unsigned rd = bits_of(b, 11, 7), f3 = bits_of(b, 14, 12), rs1 = bits_of(b, 19, 15);
    unsigned rs2 = bits_of(b, 24, 20), f7 = b >> 25;
    int32_t imm_i = (int32_t)b >> 20;
    int32_t imm_s = (int32_t)(b & 0xfe000000u) >> 20 | (int32_t)rd;
    int32_t imm_b = sext(bits_of(b, 31, 31) << 12 | bits_of(b, 7, 7) << 11 |
                         bits_of(b, 30, 25) << 5 | bits_of(b, 11, 8) << 1, 13);
    int32_t imm_j = sext(bits_of(b, 31, 31) << 20 | bits_of(b, 19, 12) << 12 |
                         bits_of(b, 20, 20) << 11 | bits_of(b, 30, 21) << 1, 21);
    unsigned op = 0;

    switch (b & 0x7f) {
    case 0x37: set(in, OP_LUI, rd, 0, 0, (int32_t)(b & 0xfffff000u)); return;
    case 0x17: set(in, OP_AUIPC, rd, 0, 0, (int32_t)(b & 0xfffff000u)); return;
    case 0x6f: set(in, OP_JAL, rd, 0, 0, imm_j); return;
    case 0x67:
        if (f3 == 0) { set(in, OP_JALR, rd, rs1, 0, imm_i); return; }
        break;
    case 0x63:
        if ((op = branch_ops[f3])) { set(in, op, 0, rs1, rs2, imm_b); return; }
        break;
    case 0x03:
        if ((op = load_ops[f3])) { set(in, op, rd, rs1, 0, imm_i); return; }
        break;
    case 0x23:
        if ((op = store_ops[f3])) { set(in, op, 0, rs1, rs2, imm_s); return; }
        break;
    case 0x13:
        if (f3 == 1 && (b >> 26) == 0) { set(in, OP_SLLI, rd, rs1, 0, (int32_t)bits_of(b, 25, 20)); return; }
        if (f3 == 5 && (b >> 26) == 0) { set(in, OP_SRLI, rd, rs1, 0, (int32_t)bits_of(b, 25, 20)); return; }
        if (f3 == 5 && (b >> 26) == 0x10) { set(in, OP_SRAI, rd, rs1, 0, (int32_t)bits_of(b, 25, 20)); return; }
        if ((op = imm_ops[f3])) { set(in, op, rd, rs1, 0, imm_i); return; }
        break;
    case 0x1b:
        if (f3 == 0) { set(in, OP_ADDIW, rd, rs1, 0, imm_i); return; }
        if (f3 == 1 && f7 == 0) { set(in, OP_SLLIW, rd, rs1, 0, (int32_t)rs2); return; }
        if (f3 == 5 && f7 == 0) { set(in, OP_SRLIW, rd, rs1, 0, (int32_t)rs2); return; }
        if (f3 == 5 && f7 == 0x20) { set(in, OP_SRAIW, rd, rs1, 0, (int32_t)rs2); return; }
        break;
    case 0x33:
        if (f7 == 0) op = op_ops[f3];
        else if (f7 == 1) op = mul_ops[f3];
        else if (f7 == 0x20) op = f3 == 0 ? OP_SUB : f3 == 5 ? OP_SRA : 0;
        if (op) { set(in, op, rd, rs1, rs2, 0); return; }
        break;
    case 0x3b:
        if (f7 == 0) op = f3 == 0 ? OP_ADDW : f3 == 1 ? OP_SLLW : f3 == 5 ? OP_SRLW : 0;
        else if (f7 == 1) op = mulw_ops[f3];
        else if (f7 == 0x20) op = f3 == 0 ? OP_SUBW : f3 == 5 ? OP_SRAW : 0;
        if (op) { set(in, op, rd, rs1, rs2, 0); return; }
        break;
    case 0x07:
        if (f3 == 2 || f3 == 3) { set_frd(in, f3 == 2 ? OP_FLW : OP_FLD, rd, rs1, imm_i); return; }
        break;
    case 0x27:
        if (f3 == 2 || f3 == 3) { set(in, f3 == 2 ? OP_FSW : OP_FSD, 0, rs1, rs2, imm_s); return; }
        break;
    case 0x53:
        if (f3 == 0 && rs2 == 0) {
            switch (f7) {
            case 0x70: set(in, OP_FMV_X_W, rd, rs1, 0, 0); return;
            case 0x71: set(in, OP_FMV_X_D, rd, rs1, 0, 0); return;
            case 0x78: set_frd(in, OP_FMV_W_X, rd, rs1, 0); return;
            case 0x79: set_frd(in, OP_FMV_D_X, rd, rs1, 0); return;
            }
        }
        break;
    case 0x2f:
        if (f3 == 2 || f3 == 3) {
            op = amo_op(b >> 27, f3 == 3);
            if ((op == OP_LR_W || op == OP_LR_D) && rs2 != 0)
                op = 0;
            if (op) { set(in, op, rd, rs1, rs2, 0); return; }
        }
        break;
    case 0x0f:
        /* fence's pred/succ/fm and fence.i's fields are ignored: one hart, and stores
         * into code pages already invalidate the decoded cache. */
        if (f3 == 0) { set(in, OP_FENCE, 0, 0, 0, 0); return; }
        if (f3 == 1) { set(in, OP_FENCE_I, 0, 0, 0, 0); return; }
        break;
    case 0x73:
        if (f3 == 0) {
            switch (b) {
            case 0x00000073: set(in, OP_ECALL, 0, 0, 0, 0); return;
            case 0x00100073: set(in, OP_EBREAK, 0, 0, 0, 0); return;
            case 0x30200073: set(in, OP_MRET, 0, 0, 0, 0); return;
            case 0x10500073: set(in, OP_WFI, 0, 0, 0, 0); return;
            case 0x10200073: set(in, OP_SRET, 0, 0, 0, 0); return;
            }
            if (f7 == 0x09 && rd == 0) {     /* sfence.vma rs1, rs2 (privileged §4.2.1) */
                set(in, OP_SFENCE_VMA, 0, rs1, rs2, 0);
                return;
            }
        } else if ((op = csr_ops[f3])) {
            set(in, op, rd, rs1, 0, (int32_t)(b >> 20));
            return;
        }
        break;
    }
    illegal(in, b);
}

static void decode16(uint32_t b, Insn *in)
{
    unsigned f3 = bits_of(b, 15, 13);
    unsigned rdp = 8 + bits_of(b, 4, 2), rs1p = 8 + bits_of(b, 9, 7);
    unsigned rd = bits_of(b, 11, 7), rs2 = bits_of(b, 6, 2);
    int32_t imm6 = sext(bits_of(b, 12, 12) << 5 | bits_of(b, 6, 2), 6);
    uint32_t sh6 = bits_of(b, 12, 12) << 5 | bits_of(b, 6, 2);
    uint32_t lw_off = bits_of(b, 12, 10) << 3 | bits_of(b, 6, 6) << 2 | bits_of(b, 5, 5) << 6;
    uint32_t ld_off = bits_of(b, 12, 10) << 3 | bits_of(b, 6, 5) << 6;

    switch ((b & 3) << 3 | f3) {
    case 000: {     /* c.addi4spn */
        uint32_t u = bits_of(b, 12, 11) << 4 | bits_of(b, 10, 7) << 6 |
                     bits_of(b, 6, 6) << 2 | bits_of(b, 5, 5) << 3;
        if (u) { set(in, OP_ADDI, rdp, 2, 0, (int32_t)u); return; }
        break;
    }
    case 001: set_frd(in, OP_FLD, rdp, rs1p, (int32_t)ld_off); return;        /* c.fld */
    case 005: set(in, OP_FSD, 0, rs1p, rdp, (int32_t)ld_off); return;         /* c.fsd */
    case 002: set(in, OP_LW, rdp, rs1p, 0, (int32_t)lw_off); return;
    case 003: set(in, OP_LD, rdp, rs1p, 0, (int32_t)ld_off); return;
    case 006: set(in, OP_SW, 0, rs1p, rdp, (int32_t)lw_off); return;
    case 007: set(in, OP_SD, 0, rs1p, rdp, (int32_t)ld_off); return;
    case 010: set(in, OP_ADDI, rd, rd, 0, imm6); return;           /* c.addi, c.nop */
    case 011:                                                       /* c.addiw */
        if (rd) { set(in, OP_ADDIW, rd, rd, 0, imm6); return; }
        break;
    case 012: set(in, OP_ADDI, rd, 0, 0, imm6); return;            /* c.li */
    case 013:
        if (rd == 2) {                                              /* c.addi16sp */
            int32_t v = sext(bits_of(b, 12, 12) << 9 | bits_of(b, 6, 6) << 4 |
                             bits_of(b, 5, 5) << 6 | bits_of(b, 4, 3) << 7 |
                             bits_of(b, 2, 2) << 5, 10);
            if (v) { set(in, OP_ADDI, 2, 2, 0, v); return; }
        } else if (imm6) {                                          /* c.lui */
            set(in, OP_LUI, rd, 0, 0, (int32_t)((uint32_t)imm6 << 12));
            return;
        }
        break;
    case 014:
        switch (bits_of(b, 11, 10)) {
        case 0: set(in, OP_SRLI, rs1p, rs1p, 0, (int32_t)sh6); return;
        case 1: set(in, OP_SRAI, rs1p, rs1p, 0, (int32_t)sh6); return;
        case 2: set(in, OP_ANDI, rs1p, rs1p, 0, imm6); return;
        default: {
            static const uint8_t ops[8] = { OP_SUB, OP_XOR, OP_OR, OP_AND, OP_SUBW, OP_ADDW, 0, 0 };
            unsigned op = ops[bits_of(b, 12, 12) << 2 | bits_of(b, 6, 5)];
            if (op) { set(in, op, rs1p, rs1p, rdp, 0); return; }
        }
        }
        break;
    case 015: {                                                     /* c.j */
        int32_t v = sext(bits_of(b, 12, 12) << 11 | bits_of(b, 11, 11) << 4 |
                         bits_of(b, 10, 9) << 8 | bits_of(b, 8, 8) << 10 |
                         bits_of(b, 7, 7) << 6 | bits_of(b, 6, 6) << 7 |
                         bits_of(b, 5, 3) << 1 | bits_of(b, 2, 2) << 5, 12);
        set(in, OP_JAL, 0, 0, 0, v);
        return;
    }
    case 016:
    case 017: {                                                     /* c.beqz, c.bnez */
        int32_t v = sext(bits_of(b, 12, 12) << 8 | bits_of(b, 11, 10) << 3 |
                         bits_of(b, 6, 5) << 6 | bits_of(b, 4, 3) << 1 |
                         bits_of(b, 2, 2) << 5, 9);
        set(in, f3 == 6 ? OP_BEQ : OP_BNE, 0, rs1p, 0, v);
        return;
    }
    case 020: set(in, OP_SLLI, rd, rd, 0, (int32_t)sh6); return;   /* c.slli */
    case 021:                                                       /* c.fldsp */
        set_frd(in, OP_FLD, rd, 2, (int32_t)(bits_of(b, 12, 12) << 5 | bits_of(b, 6, 5) << 3 |
                                             bits_of(b, 4, 2) << 6));
        return;
    case 025:                                                       /* c.fsdsp */
        set(in, OP_FSD, 0, 2, rs2, (int32_t)(bits_of(b, 12, 10) << 3 | bits_of(b, 9, 7) << 6));
        return;
    case 022:                                                       /* c.lwsp */
        if (rd) {
            set(in, OP_LW, rd, 2, 0, (int32_t)(bits_of(b, 12, 12) << 5 | bits_of(b, 6, 4) << 2 |
                                               bits_of(b, 3, 2) << 6));
            return;
        }
        break;
    case 023:                                                       /* c.ldsp */
        if (rd) {
            set(in, OP_LD, rd, 2, 0, (int32_t)(bits_of(b, 12, 12) << 5 | bits_of(b, 6, 5) << 3 |
                                               bits_of(b, 4, 2) << 6));
            return;
        }
        break;
    case 024:
        if (!bits_of(b, 12, 12)) {
            if (rs2) { set(in, OP_ADD, rd, 0, rs2, 0); return; }        /* c.mv */
            if (rd) { set(in, OP_JALR, 0, rd, 0, 0); return; }          /* c.jr */
        } else {
            if (rs2) { set(in, OP_ADD, rd, rd, rs2, 0); return; }       /* c.add */
            if (rd) { set(in, OP_JALR, 1, rd, 0, 0); return; }          /* c.jalr */
            set(in, OP_EBREAK, 0, 0, 0, 0);                             /* c.ebreak */
            return;
        }
        break;
    case 026:                                                       /* c.swsp */
        set(in, OP_SW, 0, 2, rs2, (int32_t)(bits_of(b, 12, 9) << 2 | bits_of(b, 8, 7) << 6));
        return;
    case 027:                                                       /* c.sdsp */
        set(in, OP_SD, 0, 2, rs2, (int32_t)(bits_of(b, 12, 10) << 3 | bits_of(b, 9, 7) << 6));
        return;
    }
    illegal(in, b & 0xffff);
}

void cpu_decode(uint32_t bits, Insn *in)
{
    if ((bits & 3) == 3) {
        decode32(bits, in);
        in->h |= 1;
    } else {
        decode16(bits & 0xffff, in);
    }
}
