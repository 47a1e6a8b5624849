/* Unit tests of the RISC-V hart (sim/cpu/): RV64IMAC semantics and edge cases, the
 * compressed set, traps and interrupts (privileged spec §3), CSRs and counters, exact
 * budgets, the decoded-instruction cache under self-modifying code, fetch from a ROM
 * region, strict-mode access faults, and what device callbacks see of the CPU; the
 * test_spec_* group pins clauses of the ISA manuals (section cited at each check). */
#include <CUnit/CUnit.h>

#include "sim/cpu.h"
#include "sim/cpu/cpu_internal.h"    /* CPU_FP_MOVES */

#define BASE 0x80000000ull
#define DATA (BASE + 0x1000)

/* ---- instruction encoders (unprivileged spec §2.3) ---- */
static uint32_t enc_r(unsigned f7, unsigned rs2, unsigned rs1, unsigned f3, unsigned rd, unsigned op)
{
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
static uint32_t enc_i(int32_t imm, unsigned rs1, unsigned f3, unsigned rd, unsigned op)
{
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
static uint32_t enc_s(int32_t imm, unsigned rs2, unsigned rs1, unsigned f3, unsigned op)
{
    uint32_t u = (uint32_t)imm;
    return ((u >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | op;
}
static uint32_t enc_b(int32_t imm, unsigned rs2, unsigned rs1, unsigned f3)
{
    uint32_t u = (uint32_t)imm;
    return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
           ((u >> 1) & 0xf) << 8 | ((u >> 11) & 1) << 7 | 0x63;
}
static uint32_t enc_u(uint32_t imm, unsigned rd, unsigned op) { return (imm & 0xfffff000u) | rd << 7 | op; }
static uint32_t enc_j(int32_t imm, unsigned rd)
{
    uint32_t u = (uint32_t)imm;
    return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 | ((u >> 11) & 1) << 20 |
           ((u >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
}
static uint32_t enc_amo(unsigned f5, unsigned rs2, unsigned rs1, unsigned f3, unsigned rd)
{
    return enc_r(f5 << 2, rs2, rs1, f3, rd, 0x2f);
}

#define ADDI(rd, rs1, imm) enc_i(imm, rs1, 0, rd, 0x13)
#define NOP ADDI(0, 0, 0)
#define CSRRW(rd, csr, rs1) enc_i((int32_t)(csr), rs1, 1, rd, 0x73)
#define CSRRS(rd, csr, rs1) enc_i((int32_t)(csr), rs1, 2, rd, 0x73)
#define JAL(rd, off) enc_j(off, rd)
#define SW(rs2, rs1, off) enc_s(off, rs2, rs1, 2, 0x23)
#define LW(rd, rs1, off) enc_i(off, rs1, 2, rd, 0x03)
#define ECALL 0x00000073u
#define MRET 0x30200073u
#define WFI 0x10500073u
#define FENCE_I 0x0000100fu

enum { MSTATUS = 0x300, MIE = 0x304, MTVEC = 0x305, MCOUNTEREN = 0x306, MEPC = 0x341,
       MCAUSE = 0x342, MTVAL = 0x343, MIP = 0x344, MINSTRET = 0xb02, CYCLE = 0xc00,
       INSTRET = 0xc02, TIME = 0xc01, SATP = 0x180, MVENDORID = 0xf11, MISA = 0x301 };

/* ---- fixture ---- */
static Ram ram;
static AddrSpace mem;
static Cpu *cpu;

typedef struct Dev {
    uint64_t last_pc, last_vclock, last_val;
    unsigned reads, writes;
    int irq_on_write;        /* raise MTIP when written */
    int refuse;              /* answer every access with a bus error */
    int exit_on_write;
} Dev;
static Dev dev;

static int dev_read(void *o, uint64_t off, unsigned size, uint64_t *val)
{
    Dev *d = o;
    d->reads++;
    d->last_pc = cpu_get_pc(cpu);
    d->last_vclock = cpu_vclock(cpu);
    *val = 0x1234 + off;
    return d->refuse ? -1 : 0;
}
static int dev_write(void *o, uint64_t off, unsigned size, uint64_t val)
{
    Dev *d = o;
    d->writes++;
    d->last_pc = cpu_get_pc(cpu);
    d->last_vclock = cpu_vclock(cpu);
    d->last_val = val;
    if (d->irq_on_write)
        cpu_set_irq(cpu, MIP_MTIP, 1);
    if (d->exit_on_write)
        cpu_request_exit(cpu);
    return d->refuse ? -1 : 0;
}
static const MemOps dev_ops = { .read = dev_read, .write = dev_write };

static uint8_t rom[0x100];
static int rom_read(void *o, uint64_t off, unsigned size, uint64_t *val) { *val = ldn_le(rom + off, size); return 0; }
static const uint8_t *rom_fetch(void *o, uint64_t off) { return off + 4 <= sizeof rom ? rom + off : NULL; }
static const MemOps rom_ops = { .read = rom_read, .fetch_ptr = rom_fetch };

static CpuTrap traps[8];
static unsigned ntraps;
static void trap_hook(void *ctx, const CpuTrap *t) { if (ntraps < 8) traps[ntraps++] = *t; }

static void setup(void)
{
    CU_ASSERT_FATAL(ram_init(&ram, BASE, 1 << 20, NULL) == 0);
    as_init(&mem, "mem", SPACE_MEM);
    memset(&dev, 0, sizeof dev);
    as_add(&mem, 0x10000000, 0x100, "dev", &dev_ops, &dev, NULL);
    as_add(&mem, 0x1000, sizeof rom, "rom", &rom_ops, NULL, NULL);
    CpuConfig cfg = { .mem = &mem, .ram = &ram, .hartid = 0, .insns_per_tick = 10 };
    cpu = cpu_create(&cfg, NULL);
    CU_ASSERT_FATAL(cpu != NULL);
    cpu_reset(cpu, BASE);
    /* PMP entry 15: NAPOT over everything, RWX, so that U-mode code may run (priv
     * §3.7.1: with PMP, an S or U access no entry matches fails). */
    cpu_csr_write(cpu, 0x3b0 + 15, ~0ull);
    cpu_csr_write(cpu, 0x3a2, 0x1full << 56);
    ntraps = 0;
    cpu_set_trap_hook(cpu, trap_hook, NULL);
}

static void teardown(void)
{
    cpu_destroy(cpu);
    as_destroy(&mem);
    ram_destroy(&ram);
}

static void put32(uint64_t a, uint32_t v) { uint8_t b[4]; st32_le(b, v); ram_write(&ram, a, b, 4); }
static void put16(uint64_t a, uint16_t v) { uint8_t b[2]; st16_le(b, v); ram_write(&ram, a, b, 2); }
static uint64_t get(uint64_t a, unsigned size) { uint64_t v = 0; ram_read(&ram, a, &v, size); return v; }
static void load_prog(uint64_t at, const uint32_t *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        put32(at + 4 * i, p[i]);
}
static uint64_t csr(unsigned n) { uint64_t v = ~0ull; CU_ASSERT(cpu_csr_read(cpu, n, &v) == 0); return v; }

/* Runs one instruction with x5 = a and x6 = b; returns x7. */
static uint64_t exec1(uint32_t insn, uint64_t a, uint64_t b)
{
    put32(BASE, insn);
    cpu_set_pc(cpu, BASE);
    cpu_set_reg(cpu, 5, a);
    cpu_set_reg(cpu, 6, b);
    cpu_set_reg(cpu, 7, 0xdeadbeef);
    CU_ASSERT_EQUAL(cpu_run(cpu, 1), CPU_EXIT_BUDGET);
    return cpu_get_reg(cpu, 7);
}
/* Runs the 16-bit instruction b at BASE; returns 1 if it trapped (to mtvec = BASE + 0x100). */
static int exec16(uint16_t b)
{
    put16(BASE, b);
    put16(BASE + 2, 0x0001);
    cpu_csr_write(cpu, MCAUSE, 0);
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 1);
    return cpu_get_pc(cpu) == BASE + 0x100;
}

#define R(f7, f3) enc_r(f7, 6, 5, f3, 7, 0x33)
#define RW(f7, f3) enc_r(f7, 6, 5, f3, 7, 0x3b)

/* ---- tests ---- */

static void test_alu(void)
{
    setup();
    CU_ASSERT_EQUAL(exec1(R(0, 0), 3, 4), 7);
    CU_ASSERT_EQUAL(exec1(R(0x20, 0), 3, 4), (uint64_t)-1);
    CU_ASSERT_EQUAL(exec1(R(0, 1), 1, 65), 2);                  /* sll uses 6 bits */
    CU_ASSERT_EQUAL(exec1(R(0, 2), (uint64_t)-1, 1), 1);        /* slt */
    CU_ASSERT_EQUAL(exec1(R(0, 3), (uint64_t)-1, 1), 0);        /* sltu */
    CU_ASSERT_EQUAL(exec1(R(0x20, 5), 0x8000000000000000ull, 63), (uint64_t)-1);   /* sra */
    CU_ASSERT_EQUAL(exec1(R(0, 5), 0x8000000000000000ull, 63), 1);                 /* srl */
    CU_ASSERT_EQUAL(exec1(ADDI(7, 5, -1), 0, 0), (uint64_t)-1);
    CU_ASSERT_EQUAL(exec1(enc_i(0, 5, 2, 7, 0x13), (uint64_t)-1, 0), 1);  /* slti -1 < 0 */
    CU_ASSERT_EQUAL(exec1(enc_i(-1, 5, 3, 7, 0x13), 1, 0), 1);            /* sltiu 1 < ~0 */
    CU_ASSERT_EQUAL(exec1(enc_i(-1, 5, 3, 7, 0x13), (uint64_t)-1, 0), 0);
    CU_ASSERT_EQUAL(exec1(enc_i(0x403, 5, 5, 7, 0x13), 0x8000000000000000ull, 0), 0xf000000000000000ull);
    CU_ASSERT_EQUAL(exec1(enc_i(1, 5, 0, 7, 0x1b), 0x7fffffff, 0), 0xffffffff80000000ull);  /* addiw */
    CU_ASSERT_EQUAL(exec1(RW(0, 1), 0x40000000, 1), 0xffffffff80000000ull);       /* sllw */
    CU_ASSERT_EQUAL(exec1(RW(0, 5), 0xffffffff80000000ull, 4), 0x08000000);       /* srlw */
    CU_ASSERT_EQUAL(exec1(RW(0x20, 5), 0x80000000, 4), 0xfffffffff8000000ull);    /* sraw */
    CU_ASSERT_EQUAL(exec1(RW(0, 1), 1, 33), 2);                                   /* 5-bit */
    CU_ASSERT_EQUAL(exec1(RW(0x20, 0), 0, 1), (uint64_t)-1);                      /* subw */
    CU_ASSERT_EQUAL(exec1(enc_u(0x80000000u, 7, 0x37), 0, 0), 0xffffffff80000000ull);  /* lui */
    CU_ASSERT_EQUAL(exec1(enc_u(0x1000, 7, 0x17), 0, 0), BASE + 0x1000);          /* auipc */
    /* x0 stays zero */
    exec1(ADDI(0, 5, 5), 1, 0);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 0), 0);
    teardown();
}

static void test_muldiv(void)
{
    setup();
    const uint64_t MIN = 0x8000000000000000ull, M1 = ~0ull;
    CU_ASSERT_EQUAL(exec1(R(1, 0), 7, (uint64_t)-3), (uint64_t)-21);
    CU_ASSERT_EQUAL(exec1(R(1, 1), M1, M1), 0);                         /* mulh -1*-1 */
    CU_ASSERT_EQUAL(exec1(R(1, 1), MIN, MIN), 0x4000000000000000ull);
    CU_ASSERT_EQUAL(exec1(R(1, 2), M1, M1), M1);                        /* mulhsu */
    CU_ASSERT_EQUAL(exec1(R(1, 3), M1, M1), 0xfffffffffffffffeull);     /* mulhu */
    CU_ASSERT_EQUAL(exec1(R(1, 4), 42, 0), M1);                         /* div by 0 */
    CU_ASSERT_EQUAL(exec1(R(1, 5), 42, 0), M1);                         /* divu by 0 */
    CU_ASSERT_EQUAL(exec1(R(1, 6), 42, 0), 42);                         /* rem by 0 */
    CU_ASSERT_EQUAL(exec1(R(1, 7), 42, 0), 42);                         /* remu by 0 */
    CU_ASSERT_EQUAL(exec1(R(1, 4), MIN, M1), MIN);                      /* overflow */
    CU_ASSERT_EQUAL(exec1(R(1, 6), MIN, M1), 0);
    CU_ASSERT_EQUAL(exec1(R(1, 4), (uint64_t)-7, 2), (uint64_t)-3);     /* truncates */
    CU_ASSERT_EQUAL(exec1(R(1, 6), (uint64_t)-7, 2), (uint64_t)-1);
    CU_ASSERT_EQUAL(exec1(RW(1, 0), 0x10000, 0x8000), 0xffffffff80000000ull);   /* mulw */
    CU_ASSERT_EQUAL(exec1(RW(1, 4), 0x80000000, M1), 0xffffffff80000000ull);    /* divw ovf */
    CU_ASSERT_EQUAL(exec1(RW(1, 6), 0x80000000, M1), 0);                        /* remw ovf */
    CU_ASSERT_EQUAL(exec1(RW(1, 4), 5, 0), M1);
    CU_ASSERT_EQUAL(exec1(RW(1, 5), 0xffffffff, 1), M1);                        /* divuw sext */
    CU_ASSERT_EQUAL(exec1(RW(1, 7), 0x80000005, 0), 0xffffffff80000005ull);     /* remuw by 0 */
    teardown();
}

static void test_loads_stores(void)
{
    setup();
    const uint8_t bytes[8] = { 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0xf8 };
    ram_write(&ram, DATA, bytes, 8);
    CU_ASSERT_EQUAL(exec1(enc_i(0, 5, 0, 7, 3), DATA, 0), 0xffffffffffffff81ull);  /* lb */
    CU_ASSERT_EQUAL(exec1(enc_i(0, 5, 1, 7, 3), DATA, 0), 0xffffffffffff8281ull);  /* lh */
    CU_ASSERT_EQUAL(exec1(enc_i(0, 5, 2, 7, 3), DATA, 0), 0xffffffff84838281ull);  /* lw */
    CU_ASSERT_EQUAL(exec1(enc_i(0, 5, 3, 7, 3), DATA, 0), 0xf887868584838281ull);  /* ld */
    CU_ASSERT_EQUAL(exec1(enc_i(0, 5, 4, 7, 3), DATA, 0), 0x81);                   /* lbu */
    CU_ASSERT_EQUAL(exec1(enc_i(0, 5, 5, 7, 3), DATA, 0), 0x8281);                 /* lhu */
    CU_ASSERT_EQUAL(exec1(enc_i(0, 5, 6, 7, 3), DATA, 0), 0x84838281);             /* lwu */
    CU_ASSERT_EQUAL(exec1(enc_i(4, 5, 2, 7, 3), DATA - 4, 0), 0xffffffff84838281ull);  /* +imm */
    /* Misaligned loads are performed (no trap). */
    CU_ASSERT_EQUAL(exec1(enc_i(1, 5, 2, 7, 3), DATA, 0), 0xffffffff85848382ull);
    CU_ASSERT_EQUAL(csr(MCAUSE), 0);
    /* Stores of each width. */
    exec1(enc_s(16, 6, 5, 0, 0x23), DATA, 0x1122334455667788ull);
    CU_ASSERT_EQUAL(get(DATA + 16, 8), 0x88);
    exec1(enc_s(24, 6, 5, 1, 0x23), DATA, 0x1122334455667788ull);
    CU_ASSERT_EQUAL(get(DATA + 24, 8), 0x7788);
    exec1(enc_s(32, 6, 5, 2, 0x23), DATA, 0x1122334455667788ull);
    CU_ASSERT_EQUAL(get(DATA + 32, 8), 0x55667788);
    exec1(enc_s(-8, 6, 5, 3, 0x23), DATA + 48, 0x1122334455667788ull);
    CU_ASSERT_EQUAL(get(DATA + 40, 8), 0x1122334455667788ull);
    exec1(enc_s(1, 6, 5, 3, 0x23), DATA + 56, 0x1122334455667788ull);  /* misaligned sd */
    CU_ASSERT_EQUAL(get(DATA + 57, 8), 0x1122334455667788ull);
    /* The last bytes of RAM (off the fast path) and a device load. */
    exec1(enc_s(0, 6, 5, 2, 0x23), BASE + (1 << 20) - 4, 0xcafef00d);
    CU_ASSERT_EQUAL(exec1(enc_i(0, 5, 6, 7, 3), BASE + (1 << 20) - 4, 0), 0xcafef00d);
    CU_ASSERT_EQUAL(exec1(enc_i(8, 5, 3, 7, 3), 0x10000000, 0), 0x1234 + 8);
    teardown();
}

static void test_atomics(void)
{
    setup();
    put32(DATA, 0x7fffffff);
    /* lr.w / sc.w: success then failure (reservation consumed). */
    CU_ASSERT_EQUAL(exec1(enc_amo(2, 0, 5, 2, 7), DATA, 0), 0x7fffffff);
    CU_ASSERT_EQUAL(exec1(enc_amo(3, 6, 5, 2, 7), DATA, 5), 0);
    CU_ASSERT_EQUAL(get(DATA, 4), 5);
    CU_ASSERT_EQUAL(exec1(enc_amo(3, 6, 5, 2, 7), DATA, 6), 1);
    CU_ASSERT_EQUAL(get(DATA, 4), 5);
    /* sc to another address than the reservation fails */
    exec1(enc_amo(2, 0, 5, 3, 7), DATA, 0);
    CU_ASSERT_EQUAL(exec1(enc_amo(3, 6, 5, 3, 7), DATA + 8, 1), 1);
    /* amoadd.w returns the old value sign-extended and wraps in 32 bits. */
    put32(DATA, 0x7fffffff);
    CU_ASSERT_EQUAL(exec1(enc_amo(0, 6, 5, 2, 7), DATA, 1), 0x7fffffff);
    CU_ASSERT_EQUAL(get(DATA, 8), 0x80000000);
    CU_ASSERT_EQUAL(exec1(enc_amo(1, 6, 5, 2, 7), DATA, 9), 0xffffffff80000000ull);  /* swap */
    CU_ASSERT_EQUAL(get(DATA, 4), 9);
    put32(DATA, 0xfffffffb);   /* -5 */
    exec1(enc_amo(0x14, 6, 5, 2, 7), DATA, 3);     /* amomax.w */
    CU_ASSERT_EQUAL(get(DATA, 4), 3);
    put32(DATA, 0xfffffffb);
    exec1(enc_amo(0x1c, 6, 5, 2, 7), DATA, 3);     /* amomaxu.w */
    CU_ASSERT_EQUAL(get(DATA, 4), 0xfffffffb);
    exec1(enc_amo(0x10, 6, 5, 2, 7), DATA, 3);     /* amomin.w */
    CU_ASSERT_EQUAL(get(DATA, 4), 0xfffffffb);
    exec1(enc_amo(0x18, 6, 5, 2, 7), DATA, 3);     /* amominu.w */
    CU_ASSERT_EQUAL(get(DATA, 4), 3);
    /* .d forms */
    uint64_t v = 0x8000000000000000ull;
    ram_write(&ram, DATA + 8, &v, 8);
    CU_ASSERT_EQUAL(exec1(enc_amo(0x10, 6, 5, 3, 7), DATA + 8, 1), v);   /* amomin.d */
    CU_ASSERT_EQUAL(get(DATA + 8, 8), v);
    exec1(enc_amo(0x18, 6, 5, 3, 7), DATA + 8, 1);                       /* amominu.d */
    CU_ASSERT_EQUAL(get(DATA + 8, 8), 1);
    exec1(enc_amo(0, 6, 5, 3, 7), DATA + 8, 0xffffffff);                 /* amoadd.d */
    CU_ASSERT_EQUAL(get(DATA + 8, 8), 0x100000000ull);
    /* Misaligned AMO: store/AMO address misaligned, tval = address. */
    cpu_csr_write(cpu, MTVEC, BASE + 0x100);
    exec1(enc_amo(0, 6, 5, 2, 7), DATA + 2, 1);
    CU_ASSERT_EQUAL(csr(MCAUSE), 6);
    CU_ASSERT_EQUAL(csr(MTVAL), DATA + 2);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x100);
    teardown();
}

static void test_branches_jumps(void)
{
    setup();
    const uint32_t prog[] = {
        ADDI(5, 0, 5),              /* 0 */
        ADDI(6, 0, 5),              /* 4 */
        enc_b(8, 6, 5, 0),          /* 8: beq -> 16 */
        ADDI(7, 0, 1),              /* 12: skipped */
        JAL(1, 8),                  /* 16: -> 24 */
        ADDI(8, 0, 1),              /* 20: skipped */
        enc_u(0, 10, 0x17),         /* 24: auipc x10, 0 */
        ADDI(10, 10, 17),           /* 28: x10 = BASE + 41 (odd) */
        enc_i(0, 10, 0, 11, 0x67),  /* 32: jalr x11, 0(x10) -> BASE + 40 */
        ADDI(12, 0, 1),             /* 36: skipped */
        ADDI(13, 0, 7),             /* 40 */
    };
    load_prog(BASE, prog, ARRAY_SIZE(prog));
    CU_ASSERT_EQUAL(cpu_run(cpu, 8), CPU_EXIT_BUDGET);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 44);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 7), 0);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 8), 0);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 12), 0);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 13), 7);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 1), BASE + 20);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 11), BASE + 36);
    /* Each branch kind, taken (pc + 8) or not (pc + 4), signed vs unsigned. */
    static const struct { unsigned f3; uint64_t a, b; int taken; } cases[] = {
        { 1, 1, 2, 1 }, { 1, 2, 2, 0 }, { 4, (uint64_t)-1, 1, 1 }, { 6, (uint64_t)-1, 1, 0 },
        { 5, 1, (uint64_t)-1, 1 }, { 7, 1, (uint64_t)-1, 0 }, { 5, 3, 3, 1 }, { 7, 3, 3, 1 },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        exec1(enc_b(8, 6, 5, cases[i].f3), cases[i].a, cases[i].b);
        CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + (cases[i].taken ? 8 : 4));
    }
    /* Backward branch. */
    put32(BASE + 16, enc_b(-16, 0, 0, 0));
    cpu_set_pc(cpu, BASE + 16);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE);
    teardown();
}

static void test_compressed(void)
{
    setup();
    static const uint16_t prog[] = {
        0x4515,   /* 0:  c.li a0, 5 */
        0x157d,   /* 2:  c.addi a0, -1 */
        0x6585,   /* 4:  c.lui a1, 1 */
        0x767d,   /* 6:  c.lui a2, 0xfffff */
        0x86aa,   /* 8:  c.mv a3, a0 */
        0x96ae,   /* 10: c.add a3, a1 */
        0x0686,   /* 12: c.slli a3, 1 */
        0x7139,   /* 14: c.addi16sp sp, -64 */
        0xe436,   /* 16: c.sdsp a3, 8(sp) */
        0x6722,   /* 18: c.ldsp a4, 8(sp) */
        0xc62a,   /* 20: c.swsp a0, 12(sp) */
        0x47b2,   /* 22: c.lwsp a5, 12(sp) */
        0xc111,   /* 24: c.beqz a0, +4 (not taken) */
        0xe111,   /* 26: c.bnez a0, +4 -> 30 */
        0x4501,   /* 28: c.li a0, 0 (skipped) */
        0xa011,   /* 30: c.j +4 -> 34 */
        0x4581,   /* 32: c.li a1, 0 (skipped) */
        0x9802,   /* 34: c.jalr a6 -> 40 */
        0x0001,   /* 36: c.nop */
        0x0001,   /* 38: c.nop */
        0x9002,   /* 40: c.ebreak */
    };
    for (unsigned i = 0; i < ARRAY_SIZE(prog); i++)
        put16(BASE + 2 * i, prog[i]);
    cpu_set_reg(cpu, 2, BASE + 0x2000);
    cpu_set_reg(cpu, 16, BASE + 40);
    cpu_csr_write(cpu, MTVEC, BASE + 0x100);
    CU_ASSERT_EQUAL(cpu_run(cpu, 17), CPU_EXIT_BUDGET);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 10), 4);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 11), 0x1000);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 12), 0xfffffffffffff000ull);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 13), 0x2008);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 2), BASE + 0x2000 - 64);
    CU_ASSERT_EQUAL(get(BASE + 0x2000 - 64 + 8, 8), 0x0000000400002008ull);  /* sdsp, then swsp at +12 */
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 14), 0x2008);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 15), 4);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 1), BASE + 36);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x100);
    CU_ASSERT_EQUAL(csr(MCAUSE), 3);
    CU_ASSERT_EQUAL(csr(MEPC), BASE + 40);
    CU_ASSERT_EQUAL(cpu_instret(cpu), 17);
    /* More forms, one at a time: c.addi4spn, c.sub, c.addw, c.lw, c.sd, c.srai, c.andi, c.jr. */
    cpu_set_reg(cpu, 2, 0x100);
    put16(BASE, 0x0808);     /* c.addi4spn a0, sp, 16 */
    cpu_set_pc(cpu, BASE); cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 10), 0x110);
    cpu_set_reg(cpu, 11, 0x10);
    put16(BASE, 0x8d0d);     /* c.sub a0, a1 */
    cpu_set_pc(cpu, BASE); cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 10), 0x100);
    cpu_set_reg(cpu, 10, 0x7fffffff); cpu_set_reg(cpu, 11, 1);
    put16(BASE, 0x9d2d);     /* c.addw a0, a1 */
    cpu_set_pc(cpu, BASE); cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 10), 0xffffffff80000000ull);
    put32(DATA, 0x80000001);
    cpu_set_reg(cpu, 11, DATA);
    put16(BASE, 0x4188);     /* c.lw a0, 0(a1) */
    cpu_set_pc(cpu, BASE); cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 10), 0xffffffff80000001ull);
    put16(BASE, 0xe588);     /* c.sd a0, 8(a1) */
    cpu_set_pc(cpu, BASE); cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(get(DATA + 8, 8), 0xffffffff80000001ull);
    put16(BASE, 0x8505);     /* c.srai a0, 1 */
    cpu_set_pc(cpu, BASE); cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 10), 0xffffffffc0000000ull);
    put16(BASE, 0x8905);     /* c.andi a0, 1 */
    cpu_set_pc(cpu, BASE); cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 10), 0);
    cpu_set_reg(cpu, 1, BASE + 0x40);
    put16(BASE, 0x8082);     /* c.jr ra (ret) */
    cpu_set_pc(cpu, BASE); cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x40);
    /* Reserved compressed encodings are illegal with the 16 bits in mtval. */
    put16(BASE, 0x0000);
    cpu_set_pc(cpu, BASE); cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(MCAUSE), 2);
    CU_ASSERT_EQUAL(csr(MTVAL), 0);
    put16(BASE, 0x6101);     /* c.addi16sp with imm 0: reserved */
    cpu_set_pc(cpu, BASE); cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(MCAUSE), 2);
    CU_ASSERT_EQUAL(csr(MTVAL), 0x6101);
    teardown();
}

static void test_illegal_and_ecall(void)
{
    setup();
    cpu_csr_write(cpu, MTVEC, BASE + 0x100);
    put32(BASE, 0xffffffffu);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(MCAUSE), 2);
    CU_ASSERT_EQUAL(csr(MTVAL), 0xffffffffu);
    CU_ASSERT_EQUAL(csr(MEPC), BASE);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x100);
    CU_ASSERT_EQUAL(ntraps, 1);
    CU_ASSERT_EQUAL(traps[0].cause, 2);
    CU_ASSERT_EQUAL(traps[0].epc, BASE);
    CU_ASSERT_EQUAL(traps[0].vclock, 0);
    /* ecall from M */
    put32(BASE, ECALL);
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(MCAUSE), 11);
    CU_ASSERT_EQUAL(cpu_vclock(cpu), 2);     /* trapping instructions count */
    /* mret to U (MPP = 0), then ecall from U. */
    const uint32_t prog[] = { MRET };
    load_prog(BASE, prog, 1);
    put32(BASE + 0x40, ECALL);
    cpu_csr_write(cpu, MEPC, BASE + 0x40);
    cpu_csr_write(cpu, MSTATUS, 1u << 7);     /* MPIE = 1, MPP = U */
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), 0);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x40);
    CU_ASSERT_EQUAL(csr(MSTATUS) & 0x1888, 0x88);   /* MIE = MPIE = 1, MPP = U */
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(MCAUSE), 8);
    CU_ASSERT_EQUAL(csr(MEPC), BASE + 0x40);
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), 3);
    CU_ASSERT_EQUAL(csr(MSTATUS) & 0x1888, 0x80);   /* MIE saved in MPIE, MPP = U */
    /* mret from U is illegal */
    cpu_csr_write(cpu, MSTATUS, 0);
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 1);                               /* mret -> U at BASE + 0x40 */
    put32(BASE + 0x40, MRET);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(MCAUSE), 2);
    CU_ASSERT_EQUAL(csr(MTVAL), MRET);
    /* wfi in U with TW = 1 is illegal */
    cpu_csr_write(cpu, MSTATUS, 1u << 21);
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 1);
    put32(BASE + 0x40, WFI);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(MCAUSE), 2);
    CU_ASSERT_EQUAL(csr(MTVAL), WFI);
    teardown();
}

static void test_csr_rules(void)
{
    setup();
    cpu_csr_write(cpu, MTVEC, BASE + 0x100);
    /* satp exists with S mode and reads as Bare after reset */
    put32(BASE, CSRRS(5, SATP, 0));
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(MCAUSE), 0);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 0);
    CU_ASSERT_EQUAL(cpu_csr_read(cpu, SATP, &(uint64_t){ 0 }), 0);
    /* read-only CSR: reading is fine, csrw raises illegal */
    cpu_csr_write(cpu, MCAUSE, 0);
    cpu_set_reg(cpu, 6, 5);
    put32(BASE, CSRRS(5, MVENDORID, 0));
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(MCAUSE), 0);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 4);
    put32(BASE, CSRRW(0, MVENDORID, 6));
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(MCAUSE), 2);
    CU_ASSERT_EQUAL(csr(MTVAL), CSRRW(0, MVENDORID, 6));
    /* misa: RV64 with I, M, A, C, S, U and nothing else */
    CU_ASSERT_EQUAL(csr(MISA), 2ull << 62 | 1 << 8 | 1 << 12 | 1 << 0 | 1 << 2 | 1 << 18 | 1 << 20);
    /* mstatus.MPP is WARL: S is kept, the reserved 2 is not */
    cpu_csr_write(cpu, MSTATUS, 3u << 11);
    cpu_csr_write(cpu, MSTATUS, 1u << 11);
    CU_ASSERT_EQUAL((csr(MSTATUS) >> 11) & 3, 1);
    cpu_csr_write(cpu, MSTATUS, 2u << 11);
    CU_ASSERT_EQUAL((csr(MSTATUS) >> 11) & 3, 1);
    cpu_csr_write(cpu, MSTATUS, 3u << 11);
    /* mip: MTIP is read-only to software */
    cpu_set_reg(cpu, 6, 1u << 7);
    put32(BASE, CSRRS(0, MIP, 6));
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(MIP) & (1u << 7), 0);
    /* M CSR from U is illegal */
    cpu_csr_write(cpu, MSTATUS, 0);
    cpu_csr_write(cpu, MEPC, BASE + 0x40);
    put32(BASE, MRET);
    put32(BASE + 0x40, CSRRS(5, MSTATUS, 0));
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 2);
    CU_ASSERT_EQUAL(csr(MCAUSE), 2);
    CU_ASSERT_EQUAL(csr(MEPC), BASE + 0x40);
    teardown();
}

static void test_counters(void)
{
    setup();
    cpu_csr_write(cpu, MTVEC, BASE + 0x100);
    const uint32_t prog[] = { NOP, NOP, CSRRS(5, CYCLE, 0), CSRRS(6, INSTRET, 0), CSRRS(7, TIME, 0) };
    load_prog(BASE, prog, ARRAY_SIZE(prog));
    cpu_skip(cpu, 30);
    cpu_run(cpu, 5);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 32);       /* vclock at the csrr: 30 + 2 */
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 6), 3);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 7), 3);        /* (30 + 4) / 10 */
    CU_ASSERT_EQUAL(cpu_mtime(cpu), 3);
    /* minstret is writable: the next instruction reads the value written. */
    cpu_set_reg(cpu, 8, 1000);
    put32(BASE, CSRRW(0, MINSTRET, 8));
    put32(BASE + 4, CSRRS(9, MINSTRET, 0));
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 2);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 9), 1000);
    /* mcountinhibit.IR holds minstret; clearing it resumes counting from there. */
    cpu_csr_write(cpu, 0x320, 4);
    for (unsigned i = 0; i < 2; i++) {
        cpu_set_pc(cpu, BASE + 4);
        cpu_run(cpu, 1);
        CU_ASSERT_EQUAL(cpu_get_reg(cpu, 9), 1001);
    }
    cpu_csr_write(cpu, 0x320, 0);
    cpu_set_pc(cpu, BASE + 4);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 9), 1001);
    cpu_set_pc(cpu, BASE + 4);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 9), 1002);
    /* U mode: rdcycle needs mcounteren.CY */
    cpu_csr_write(cpu, MEPC, BASE + 0x40);
    put32(BASE, MRET);
    put32(BASE + 0x40, CSRRS(5, CYCLE, 0));
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 2);
    CU_ASSERT_EQUAL(csr(MCAUSE), 2);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x100);
    cpu_csr_write(cpu, MCOUNTEREN, 1);
    cpu_csr_write(cpu, MCAUSE, 0);
    cpu_csr_write(cpu, MSTATUS, 0);
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 2);
    CU_ASSERT_EQUAL(csr(MCAUSE), 2);         /* U mode needs scounteren's bit too (§4.1.4) */
    cpu_csr_write(cpu, 0x106, 1);
    cpu_csr_write(cpu, MCAUSE, 0);
    cpu_csr_write(cpu, MSTATUS, 0);
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 2);
    CU_ASSERT_EQUAL(csr(MCAUSE), 0);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), cpu_vclock(cpu) - 1);
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), 0);
    teardown();
}

static void test_interrupts(void)
{
    setup();
    for (unsigned i = 0; i < 0x100; i += 4)
        put32(BASE + 0x200 + i, NOP);
    put32(BASE, JAL(0, 0));                       /* spin */
    cpu_csr_write(cpu, MTVEC, (BASE + 0x200) | 1);  /* vectored */
    cpu_csr_write(cpu, MIE, 1u << 7);
    cpu_csr_write(cpu, MSTATUS, 1u << 3);
    cpu_run(cpu, 5);
    CU_ASSERT_EQUAL(ntraps, 0);
    cpu_set_irq(cpu, MIP_MTIP, 1);
    CU_ASSERT_EQUAL(cpu_run(cpu, 1), CPU_EXIT_BUDGET);
    CU_ASSERT_EQUAL(csr(MCAUSE), 0x8000000000000007ull);
    CU_ASSERT_EQUAL(csr(MEPC), BASE);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x200 + 4 * 7 + 4);
    CU_ASSERT_EQUAL(ntraps, 1);
    CU_ASSERT_EQUAL(traps[0].cause, 0x8000000000000007ull);
    CU_ASSERT_EQUAL(traps[0].vclock, 5);
    CU_ASSERT_EQUAL(csr(MSTATUS) & 0x88, 0x80);   /* MIE cleared, MPIE set */
    /* Priority: MEI before MSI before MTI. */
    cpu_set_irq(cpu, MIP_MSIP, 1);
    cpu_set_irq(cpu, MIP_MEIP, 1);
    cpu_csr_write(cpu, MIE, 1u << 3 | 1u << 7 | 1u << 11);
    cpu_csr_write(cpu, MSTATUS, 1u << 3);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(MCAUSE), 0x800000000000000bull);
    teardown();

    /* A device store raises MTIP: the trap is taken right after that store. */
    setup();
    const uint32_t prog[] = { SW(0, 5, 0), ADDI(7, 7, 1), ADDI(7, 7, 1) };
    load_prog(BASE, prog, 3);
    cpu_set_reg(cpu, 5, 0x10000000);
    cpu_csr_write(cpu, MTVEC, BASE + 0x200);
    put32(BASE + 0x200, NOP);
    cpu_csr_write(cpu, MIE, 1u << 7);
    cpu_csr_write(cpu, MSTATUS, 1u << 3);
    dev.irq_on_write = 1;
    cpu_run(cpu, 2);
    CU_ASSERT_EQUAL(dev.writes, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 7), 0);
    CU_ASSERT_EQUAL(csr(MEPC), BASE + 4);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x204);
    teardown();

    /* Masked by mstatus.MIE until a csrs sets it; taken right after the csrs. */
    setup();
    const uint32_t prog2[] = { NOP, CSRRS(0, MSTATUS, 6), ADDI(7, 7, 1) };
    load_prog(BASE, prog2, 3);
    put32(BASE + 0x200, NOP);
    cpu_set_reg(cpu, 6, 1u << 3);
    cpu_csr_write(cpu, MTVEC, BASE + 0x200);
    cpu_csr_write(cpu, MIE, 1u << 7);
    cpu_set_irq(cpu, MIP_MTIP, 1);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(ntraps, 0);
    cpu_run(cpu, 2);
    CU_ASSERT_EQUAL(ntraps, 1);
    CU_ASSERT_EQUAL(csr(MEPC), BASE + 8);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 7), 0);
    /* In U mode M interrupts are taken regardless of mstatus.MIE. */
    cpu_csr_write(cpu, MSTATUS, 0);
    cpu_csr_write(cpu, MIE, 0);
    cpu_csr_write(cpu, MEPC, BASE + 8);
    put32(BASE + 4, MRET);
    cpu_set_pc(cpu, BASE + 4);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), 0);
    cpu_csr_write(cpu, MIE, 1u << 7);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(ntraps, 2);
    CU_ASSERT_EQUAL(traps[1].from_priv, 0);
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), 3);
    teardown();
}

static void test_wfi(void)
{
    setup();
    const uint32_t prog[] = { NOP, WFI, NOP, NOP };
    load_prog(BASE, prog, 4);
    cpu_csr_write(cpu, MIE, 1u << 7);
    CU_ASSERT_EQUAL(cpu_run(cpu, 100), CPU_EXIT_WFI);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 8);
    CU_ASSERT_EQUAL(cpu_instret(cpu), 2);
    cpu_skip(cpu, 48);
    CU_ASSERT_EQUAL(cpu_vclock(cpu), 50);
    CU_ASSERT_EQUAL(cpu_instret(cpu), 2);
    CU_ASSERT_EQUAL(cpu_mtime(cpu), 5);
    /* With an interrupt pending and enabled in mie (even with mstatus.MIE = 0) wfi
     * does not sleep. */
    cpu_set_irq(cpu, MIP_MTIP, 1);
    cpu_set_pc(cpu, BASE + 4);
    CU_ASSERT_EQUAL(cpu_run(cpu, 3), CPU_EXIT_BUDGET);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 16);
    CU_ASSERT_EQUAL(ntraps, 0);
    teardown();
}

static void test_budget_exact(void)
{
    /* A loop with a CSR access (ends blocks) and a store. */
    const uint32_t prog[] = {
        ADDI(5, 5, 1), CSRRS(6, MSTATUS, 0), SW(5, 2, 0), enc_b(-12, 0, 0, 0),
    };
    setup();
    load_prog(BASE, prog, ARRAY_SIZE(prog));
    cpu_set_reg(cpu, 2, DATA);
    CU_ASSERT_EQUAL(cpu_run(cpu, 1000), CPU_EXIT_BUDGET);
    CU_ASSERT_EQUAL(cpu_instret(cpu), 1000);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 250);
    uint64_t h1 = cpu_state_hash(cpu);
    teardown();

    setup();
    load_prog(BASE, prog, ARRAY_SIZE(prog));
    cpu_set_reg(cpu, 2, DATA);
    CU_ASSERT_EQUAL(cpu_run(cpu, 1), CPU_EXIT_BUDGET);
    CU_ASSERT_NOT_EQUAL(cpu_state_hash(cpu), h1);
    CU_ASSERT_EQUAL(cpu_run(cpu, 999), CPU_EXIT_BUDGET);
    CU_ASSERT_EQUAL(cpu_instret(cpu), 1000);
    CU_ASSERT_EQUAL(cpu_state_hash(cpu), h1);
    CU_ASSERT_EQUAL(cpu_run(cpu, 0), CPU_EXIT_BUDGET);
    CU_ASSERT_EQUAL(cpu_instret(cpu), 1000);
    /* Uneven splits land on the same state too. */
    for (unsigned i = 0; i < 7; i++)
        cpu_run(cpu, 3);
    cpu_run(cpu, 979);
    CU_ASSERT_EQUAL(cpu_instret(cpu), 2000);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 500);
    /* A budget longer than the internal polling block is still exact. */
    cpu_run(cpu, 200002);
    CU_ASSERT_EQUAL(cpu_instret(cpu), 202002);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 50501);
    teardown();
}

static void test_self_modifying(void)
{
    setup();
    const uint32_t prog[] = { ADDI(5, 0, 1), SW(6, 7, 0), FENCE_I, JAL(0, -12) };
    load_prog(BASE, prog, 4);
    cpu_set_reg(cpu, 6, ADDI(5, 0, 2));
    cpu_set_reg(cpu, 7, BASE);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 1);
    cpu_run(cpu, 4);                   /* store over it, fence.i, jump back, run it */
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 2);
    /* A device-style write (DMA) over the code. */
    put32(BASE, ADDI(5, 0, 3));
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 3);
    /* An instruction straddling a page boundary, then its upper half rewritten. */
    uint64_t at = BASE + 0x1ffe;
    put32(at, ADDI(5, 0, 9));
    cpu_set_pc(cpu, at);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 9);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), at + 4);
    put16(at + 2, (uint16_t)(ADDI(5, 0, 0x7f) >> 16));
    cpu_set_pc(cpu, at);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 0x7f);
    /* Writes behind the CPU's back (a loader using ram->host) are picked up after a
     * reset, which forgets all decoded code. */
    st32_le(ram.host, ADDI(5, 0, 0x55));
    cpu_reset(cpu, BASE);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 0x55);
    teardown();
}

/* Invalidation is by 128-byte granule: a store to data sharing a page with code keeps
 * the code decoded, a store into a granule drops that granule's slots only (and the
 * previous granule's last slot when a 4-byte instruction straddles into it). */
static void test_code_granules(void)
{
    setup();
    Insn *pg;
    /* Granule 0: x5 = 1, jump to granule 1 at BASE + 0x80; there x6 = 2, and a
     * 4-byte addi at 0xfe that straddles into granule 2, then stop by budget. */
    const uint32_t g0[] = { ADDI(5, 0, 1), JAL(0, 0x80 - 4) };
    load_prog(BASE, g0, 2);
    put32(BASE + 0x80, JAL(0, 0xfe - 0x80));
    put32(BASE + 0xfe, ADDI(6, 0, 2));
    cpu_run(cpu, 4);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 6), 2);
    pg = cpu->pages[0];
    CU_ASSERT_FATAL(pg != NULL);
    CU_ASSERT_EQUAL(cpu->code_gran[0], 0x7u);
    /* A CPU store (in granule 4) to data in granule 5 of the same page: nothing
     * else is forgotten. */
    cpu_set_reg(cpu, 7, BASE + 0x280);
    cpu_set_reg(cpu, 8, 0x1234);
    put32(BASE + 0x200, SW(8, 7, 0));
    cpu_set_pc(cpu, BASE + 0x200);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(get(BASE + 0x280, 4), 0x1234);
    CU_ASSERT_NOT_EQUAL(pg[0].h, 0);
    CU_ASSERT_NOT_EQUAL(pg[0x80 / 2].h, 0);
    CU_ASSERT_NOT_EQUAL(pg[0xfe / 2].h, 0);
    /* The straddler's upper half rewritten: granule 2 and the straddling slot are
     * dropped, granules 0 and 1 stay, and the new instruction runs. */
    put16(BASE + 0x100, (uint16_t)(ADDI(6, 0, 0x33) >> 16));
    CU_ASSERT_EQUAL(pg[0xfe / 2].h, 0);
    CU_ASSERT_NOT_EQUAL(pg[0].h, 0);
    CU_ASSERT_NOT_EQUAL(pg[0x80 / 2].h, 0);
    CU_ASSERT_EQUAL(cpu->code_gran[0] & 0x4u, 0);
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 4);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 6), 0x33);
    /* A store into granule 0 drops it alone; the code there re-decodes. */
    put32(BASE, ADDI(5, 0, 7));
    CU_ASSERT_EQUAL(pg[0].h, 0);
    CU_ASSERT_NOT_EQUAL(pg[0x80 / 2].h, 0);
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 7);
    teardown();
}

/* The interpreter steps from one decoded slot to the next without looking at pc, and
 * notices a page's end only on landing past it: straight-line code that crosses pages
 * (a compressed instruction in the last slot, a 4-byte one straddling), a store over
 * the very next instruction, and straight-line code in ROM must all still be exact. */
static void test_straight_line_stepping(void)
{
    setup();
    const uint16_t C_ADDI_X5_1 = 0x0285;           /* c.addi x5, 1 */
    /* Page 1 -> 2: 4-byte at 0x1ff8, compressed at 0x1ffc, a 4-byte one straddling at
     * 0x1ffe, compressed at 0x2002. Page 2 -> 3: compressed in the last slot, 0x2ffe. */
    put32(BASE + 0x1ff8, ADDI(5, 5, 1));
    put16(BASE + 0x1ffc, C_ADDI_X5_1);
    put32(BASE + 0x1ffe, ADDI(5, 5, 0x10));
    put16(BASE + 0x2002, C_ADDI_X5_1);
    put32(BASE + 0x2004, JAL(0, 0xff8));            /* -> 0x2ffc */
    put16(BASE + 0x2ffc, C_ADDI_X5_1);
    put16(BASE + 0x2ffe, C_ADDI_X5_1);
    put32(BASE + 0x3000, ADDI(5, 5, 0x100));
    put32(BASE + 0x3004, JAL(0, -0x100c));          /* -> 0x1ff8 */
    cpu_set_pc(cpu, BASE + 0x1ff8);
    /* One pass is 9 instructions; each budget ends at an exact point. */
    CU_ASSERT_EQUAL(cpu_run(cpu, 4), CPU_EXIT_BUDGET);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x2004);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 0x13);
    CU_ASSERT_EQUAL(cpu_run(cpu, 3), CPU_EXIT_BUDGET);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x3000);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 0x15);
    CU_ASSERT_EQUAL(cpu_run(cpu, 9 * 1000 - 7), CPU_EXIT_BUDGET);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x1ff8);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 0x115 * 1000);
    CU_ASSERT_EQUAL(cpu_instret(cpu), 9000);

    /* A store over the next instruction, with nothing in between: the new one runs. */
    const uint32_t prog[] = { SW(6, 7, 0), ADDI(5, 0, 1), ADDI(5, 5, 1) };
    load_prog(BASE, prog, ARRAY_SIZE(prog));
    cpu_set_reg(cpu, 6, ADDI(5, 0, 40));
    cpu_set_reg(cpu, 7, BASE + 4);
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 1);                                /* decodes the page ahead of time */
    cpu_set_pc(cpu, BASE);
    CU_ASSERT_EQUAL(cpu_run(cpu, 3), CPU_EXIT_BUDGET);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 41);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 12);

    /* Straight-line code outside RAM, mixed lengths, then a jump into RAM. */
    st16_le(rom, C_ADDI_X5_1);
    st32_le(rom + 2, ADDI(5, 5, 0x20));
    st16_le(rom + 6, C_ADDI_X5_1);
    st32_le(rom + 8, ADDI(5, 5, 0x20));
    st32_le(rom + 12, enc_i(0, 8, 0, 0, 0x67));    /* jalr x0, 0(x8) */
    cpu_set_reg(cpu, 5, 0);
    cpu_set_reg(cpu, 8, BASE + 8);
    cpu_set_pc(cpu, 0x1000);
    CU_ASSERT_EQUAL(cpu_run(cpu, 6), CPU_EXIT_BUDGET);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 0x43);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 12);
    teardown();
}

static void test_rom_fetch_and_faults(void)
{
    setup();
    st32_le(rom, ADDI(5, 0, 7));
    st32_le(rom + 4, JAL(0, 0x100));
    cpu_set_pc(cpu, 0x1000);
    cpu_run(cpu, 2);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 7);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), 0x1104);
    /* Fetch from nowhere: instruction access fault. */
    cpu_csr_write(cpu, MTVEC, BASE + 0x100);
    cpu_set_pc(cpu, 0x5000);
    cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(csr(MCAUSE), 1);
    CU_ASSERT_EQUAL(csr(MTVAL), 0x5000);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x100);
    /* Strict mode: an unmapped load or store faults with the address in mtval. */
    mem.strict = true;
    exec1(LW(7, 5, 0), 0x20000000, 0);
    CU_ASSERT_EQUAL(csr(MCAUSE), 5);
    CU_ASSERT_EQUAL(csr(MTVAL), 0x20000000);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 7), 0xdeadbeef);
    exec1(SW(6, 5, 4), 0x20000000, 0);
    CU_ASSERT_EQUAL(csr(MCAUSE), 7);
    CU_ASSERT_EQUAL(csr(MTVAL), 0x20000004);
    /* Not strict: all ones. */
    mem.strict = false;
    CU_ASSERT_EQUAL(exec1(LW(7, 5, 0), 0x20000000, 0), ~0ull);
    /* A device's bus error is an access fault, strict or not; rd keeps its value. */
    dev.refuse = 1;
    exec1(LW(7, 5, 0), 0x10000010, 0);
    CU_ASSERT_EQUAL(csr(MCAUSE), 5);
    CU_ASSERT_EQUAL(csr(MTVAL), 0x10000010);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 7), 0xdeadbeef);
    exec1(SW(6, 5, 4), 0x10000010, 0);
    CU_ASSERT_EQUAL(csr(MCAUSE), 7);
    CU_ASSERT_EQUAL(csr(MTVAL), 0x10000014);
    dev.refuse = 0;
    teardown();
}

static void test_device_view(void)
{
    setup();
    const uint32_t prog[] = { NOP, NOP, NOP, LW(6, 5, 0), SW(6, 5, 8), NOP, NOP };
    load_prog(BASE, prog, ARRAY_SIZE(prog));
    cpu_set_reg(cpu, 5, 0x10000000);
    cpu_run(cpu, 4);
    CU_ASSERT_EQUAL(dev.reads, 1);
    CU_ASSERT_EQUAL(dev.last_pc, BASE + 12);
    CU_ASSERT_EQUAL(dev.last_vclock, 3);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 6), 0x1234);
    /* A device asks the CPU to stop: it does, right after that store. */
    dev.exit_on_write = 1;
    CU_ASSERT_EQUAL(cpu_run(cpu, 100), CPU_EXIT_REQUEST);
    CU_ASSERT_EQUAL(dev.last_pc, BASE + 16);
    CU_ASSERT_EQUAL(dev.last_vclock, 4);
    CU_ASSERT_EQUAL(dev.last_val, 0x1234);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 20);
    CU_ASSERT_EQUAL(cpu_instret(cpu), 5);
    /* The request was consumed; one made between runs stops the next run at once. */
    CU_ASSERT_EQUAL(cpu_run(cpu, 1), CPU_EXIT_BUDGET);
    cpu_request_exit(cpu);
    CU_ASSERT_EQUAL(cpu_run(cpu, 100), CPU_EXIT_REQUEST);
    CU_ASSERT_EQUAL(cpu_instret(cpu), 6);
    teardown();
}

#if !CPU_FP_MOVES
/* Without F, mstatus.FS is read-only zero (priv §3.1.6.6): FP loads, stores, moves
 * (16- and 32-bit) and fcsr are illegal, with the instruction bits in mtval. */
static void test_fp_absent(void)
{
    setup();
    cpu_csr_write(cpu, MTVEC, BASE + 0x100);
    exec1(CSRRW(0, MSTATUS, 5), 3u << 13, 0);
    CU_ASSERT_EQUAL(csr(MSTATUS), 2ull << 32 | 2ull << 34);
    static const uint32_t fp[] = {
        0x0002b087u,   /* fld f1, 0(x5) */
        0x0012b427u,   /* fsd f1, 8(x5) */
        0xf20283d3u,   /* fmv.d.x f7, x5 */
        0xe20003d3u,   /* fmv.x.d x7, f0 */
        0x003023f3u,   /* csrr x7, fcsr */
        0x00129073u,   /* csrw fflags, x5 */
    };
    for (unsigned i = 0; i < ARRAY_SIZE(fp); i++) {
        cpu_csr_write(cpu, MCAUSE, 0);
        CU_ASSERT_EQUAL(exec1(fp[i], DATA, 0), 0xdeadbeef);
        CU_ASSERT_EQUAL(csr(MCAUSE), 2);
        CU_ASSERT_EQUAL(csr(MTVAL), fp[i]);
    }
    cpu_set_reg(cpu, 2, DATA);
    CU_ASSERT(exec16(0xa422));     /* c.fsdsp */
    CU_ASSERT_EQUAL(csr(MTVAL), 0xa422);
    CU_ASSERT(exec16(0x24a2));     /* c.fldsp */
    CU_ASSERT_EQUAL(csr(MCAUSE), 2);
    teardown();
}

#else
static void test_fp_moves(void)
{
    setup();
    cpu_csr_write(cpu, MTVEC, BASE + 0x100);
    uint64_t v = 0x400921fb54442d18ull;     /* pi */
    ram_write(&ram, DATA, &v, 8);
    /* FS = Off: FP loads and fcsr are illegal, mtval = the bits. */
    exec1(enc_i(0, 5, 3, 1, 0x07), DATA, 0);
    CU_ASSERT_EQUAL(csr(MCAUSE), 2);
    CU_ASSERT_EQUAL(csr(MTVAL), enc_i(0, 5, 3, 1, 0x07));
    exec1(CSRRS(7, 0x003, 0), 0, 0);
    CU_ASSERT_EQUAL(csr(MCAUSE), 2);
    /* FS = Initial: loads, stores and moves work and dirty FS (SD follows). */
    cpu_csr_write(cpu, MSTATUS, 1u << 13);
    cpu_csr_write(cpu, MCAUSE, 0);
    exec1(enc_i(0, 5, 3, 1, 0x07), DATA, 0);                  /* fld f1, 0(x5) */
    exec1(enc_s(8, 1, 5, 3, 0x27), DATA, 0);                  /* fsd f1, 8(x5) */
    CU_ASSERT_EQUAL(get(DATA + 8, 8), v);
    CU_ASSERT_EQUAL(csr(MSTATUS) >> 63, 1);
    CU_ASSERT_EQUAL((csr(MSTATUS) >> 13) & 3, 3);
    exec1(enc_i(4, 5, 2, 2, 0x07), DATA, 0);                  /* flw f2, 4(x5): NaN-boxed */
    CU_ASSERT_EQUAL(exec1(enc_r(0x71, 0, 2, 0, 7, 0x53), 0, 0), 0xffffffff400921fbull);
    CU_ASSERT_EQUAL(exec1(enc_r(0x70, 0, 2, 0, 7, 0x53), 0, 0), 0x400921fb);  /* fmv.x.w */
    exec1(enc_r(0x78, 0, 5, 0, 0, 0x53), 0x80000001, 0);     /* fmv.w.x f0, x5 */
    CU_ASSERT_EQUAL(exec1(enc_r(0x71, 0, 0, 0, 7, 0x53), 0, 0), 0xffffffff80000001ull);
    CU_ASSERT_EQUAL(exec1(enc_r(0x70, 0, 0, 0, 7, 0x53), 0, 0), 0xffffffff80000001ull);
    exec1(enc_r(0x79, 0, 5, 0, 8, 0x53), 0x1122334455667788ull, 0);   /* fmv.d.x f8, x5 */
    /* c.fsdsp fs0, 8(sp); c.fldsp fs1, 8(sp); fsw of fs1 stores the low word. */
    cpu_set_reg(cpu, 2, DATA + 0x100);
    put16(BASE, 0xa422);
    cpu_set_pc(cpu, BASE); cpu_run(cpu, 1);
    CU_ASSERT_EQUAL(get(DATA + 0x108, 8), 0x1122334455667788ull);
    put16(BASE, 0x24a2);
    cpu_set_pc(cpu, BASE); cpu_run(cpu, 1);
    exec1(enc_s(0, 9, 5, 2, 0x27), DATA + 0x200, 0);
    CU_ASSERT_EQUAL(get(DATA + 0x200, 8), 0x55667788);
    /* fcsr and its views */
    CU_ASSERT_EQUAL(exec1(CSRRW(7, 0x003, 5), 0xe5, 0), 0);
    CU_ASSERT_EQUAL(exec1(CSRRS(7, 0x002, 0), 0, 0), 7);
    CU_ASSERT_EQUAL(exec1(CSRRS(7, 0x001, 0), 0, 0), 5);
    CU_ASSERT_EQUAL(csr(MCAUSE), 0);
    teardown();
}
#endif

/* ---- spec review: each block pins one clause (the section is in the comment) ---- */

static void test_spec_atomics(void)
{
    setup();
    cpu_csr_write(cpu, MTVEC, BASE + 0x100);
    /* A misaligned LR is a load: load address misaligned (cause 4), tval = address;
     * a misaligned SC or AMO is store/AMO address misaligned (6). Unpriv §8.2. */
    exec1(enc_amo(2, 0, 5, 2, 7), DATA + 2, 0);                  /* lr.w */
    CU_ASSERT_EQUAL(csr(MCAUSE), 4);
    CU_ASSERT_EQUAL(csr(MTVAL), DATA + 2);
    exec1(enc_amo(2, 0, 5, 3, 7), DATA + 4, 0);                  /* lr.d */
    CU_ASSERT_EQUAL(csr(MCAUSE), 4);
    exec1(enc_amo(3, 6, 5, 3, 7), DATA + 4, 0);                  /* sc.d */
    CU_ASSERT_EQUAL(csr(MCAUSE), 6);
    /* An SC without a reservation fails (rd = 1) and writes nothing, even where a
     * store would fault: the reservation is checked before the access. */
    cpu_csr_write(cpu, MCAUSE, 0);
    CU_ASSERT_EQUAL(exec1(enc_amo(3, 6, 5, 2, 7), 0x20000000, 1), 1);
    CU_ASSERT_EQUAL(csr(MCAUSE), 0);
    /* Documented choice: a store by this hart to the reserved address keeps the
     * reservation; the SC then succeeds and clears it. */
    put32(DATA, 1);
    exec1(enc_amo(2, 0, 5, 2, 7), DATA, 0);
    exec1(enc_s(0, 6, 5, 2, 0x23), DATA, 7);                      /* sw */
    CU_ASSERT_EQUAL(exec1(enc_amo(3, 6, 5, 2, 7), DATA, 9), 0);
    CU_ASSERT_EQUAL(get(DATA, 4), 9);
    CU_ASSERT_EQUAL(exec1(enc_amo(3, 6, 5, 2, 7), DATA, 10), 1);
    /* A trap between LR and SC drops the reservation. */
    exec1(enc_amo(2, 0, 5, 2, 7), DATA, 0);
    exec1(ECALL, 0, 0);
    CU_ASSERT_EQUAL(exec1(enc_amo(3, 6, 5, 2, 7), DATA, 11), 1);
    CU_ASSERT_EQUAL(get(DATA, 4), 9);
    /* amo*.w results in rd are sign-extended; the .d ones are not truncated. */
    put32(DATA, 0x80000000);
    CU_ASSERT_EQUAL(exec1(enc_amo(0x08, 6, 5, 2, 7), DATA, 1), 0xffffffff80000000ull);  /* amoor.w */
    CU_ASSERT_EQUAL(get(DATA, 8), 0x80000001);
    /* Strict mode: a fault on an AMO is a store/AMO access fault (even though the
     * read faulted), on an LR a load access fault. */
    mem.strict = true;
    exec1(enc_amo(0, 6, 5, 3, 7), 0x20000000, 1);
    CU_ASSERT_EQUAL(csr(MCAUSE), 7);
    CU_ASSERT_EQUAL(csr(MTVAL), 0x20000000);
    exec1(enc_amo(2, 0, 5, 3, 7), 0x20000008, 0);
    CU_ASSERT_EQUAL(csr(MCAUSE), 5);
    CU_ASSERT_EQUAL(csr(MTVAL), 0x20000008);
    mem.strict = false;
    teardown();
}

/* Under Sv39, an AMO's page fault is a store/AMO page fault (15) even where the page
 * also denies the read, and an LR's a load page fault (13), with tval the address
 * (privileged spec Table 3.6; unprivileged §8.4: AMOs need both permissions). The ISA
 * suite (tests/isa/t_amo.c, t_vm.c) cannot require it: QEMU 7.2 raises 13 there. */
static void test_spec_amo_page_faults(void)
{
    setup();
    enum { V = 1, R = 2, W = 4, X = 8, U = 16, A = 64, D = 128 };
    uint64_t root = BASE + 0x10000, l1 = BASE + 0x11000, l0 = BASE + 0x12000;
    uint8_t b[8];
#define PUT64(a, v) (st64_le(b, (v)), ram_write(&ram, (a), b, 8))
    PUT64(root + 8 * 2, (BASE >> 12) << 10 | R | W | X | A | D | V);  /* 1 GiB: the code */
    PUT64(root + 8 * 1, (l1 >> 12) << 10 | V);
    PUT64(l1, (l0 >> 12) << 10 | V);
    PUT64(l0, (DATA >> 12) << 10 | X | A | V);                         /* 0x40000000: X only */
    PUT64(l0 + 8, ((DATA + 0x1000) >> 12) << 10 | U | R | W | A | D | V);  /* 0x40001000: U */
    PUT64(l0 + 16, ((DATA + 0x2000) >> 12) << 10 | R | A | D | V);     /* 0x40002000: R only */
#undef PUT64
    cpu_csr_write(cpu, SATP, 8ull << 60 | root >> 12);
    cpu_csr_write(cpu, MTVEC, BASE + 0x100);
    static const struct { uint32_t insn; uint64_t va; uint64_t cause; } t[] = {
        { 0, 0x40000000, 15 },              /* amoadd.d on X only */
        { 0, 0x40001000, 15 },              /* amoadd.d on a U page from S, SUM = 0 */
        { 0, 0x40002000, 15 },              /* amoadd.d on R only */
        { 1, 0x40000000, 13 },              /* lr.d on X only */
        { 1, 0x40001000, 13 },
        { 2, 0x40002000, 15 },              /* amoswap.w on R only */
    };
    for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint32_t insn = t[i].insn == 0 ? enc_amo(0, 6, 5, 3, 7) : t[i].insn == 1 ? enc_amo(2, 0, 5, 3, 7)
                                                                                  : enc_amo(1, 6, 5, 2, 7);
        cpu->priv = 1;                      /* S */
        cpu_csr_write(cpu, MCAUSE, 0);
        exec1(insn, t[i].va, 1);
        CU_ASSERT_EQUAL(csr(MCAUSE), t[i].cause);
        CU_ASSERT_EQUAL(csr(MTVAL), t[i].va);
        CU_ASSERT_EQUAL(cpu_get_reg(cpu, 7), 0xdeadbeef);   /* rd not written */
    }
    CU_ASSERT_EQUAL(get(DATA + 0x2000, 8), 0);              /* nothing stored */
    teardown();
}

static void test_spec_compressed(void)
{
    setup();
    cpu_csr_write(cpu, MTVEC, BASE + 0x100);
    /* Reserved encodings (unpriv §16.8 table): illegal, the 16 bits in mtval. */
    static const uint16_t reserved[] = {
        0x0004,   /* c.addi4spn x9, 0 */
        0x6081,   /* c.lui x1, 0 */
        0x6001,   /* c.lui x0, 0 */
        0x6101,   /* c.addi16sp 0 */
        0x8002,   /* c.jr x0 */
        0x4002,   /* c.lwsp x0 */
        0x6002,   /* c.ldsp x0 */
        0x2001,   /* c.addiw x0 */
        0x9c41,   /* c.subw-group reserved (bit 12, 6:5 = 10) */
        0x8000,   /* quadrant 0 funct3 100 */
    };
    for (unsigned i = 0; i < ARRAY_SIZE(reserved); i++) {
        CU_ASSERT(exec16(reserved[i]));
        CU_ASSERT_EQUAL(csr(MCAUSE), 2);
        CU_ASSERT_EQUAL(csr(MTVAL), reserved[i]);
    }
    /* HINTs execute as no-ops: no trap, x0 stays zero, pc moves on by 2. */
    static const uint16_t hints[] = {
        0x0005,   /* c.nop 1 */
        0x4015,   /* c.li x0, 5 */
        0x6005,   /* c.lui x0, 1 */
        0x8016,   /* c.mv x0, x5 */
        0x9016,   /* c.add x0, x5 */
        0x0006,   /* c.slli x0, 1 */
        0x0281,   /* c.addi x5, 0 */
        0x8281,   /* c.srli x13, 0 (RV64: shamt 0 is a HINT) */
    };
    cpu_set_reg(cpu, 5, 0x55);
    cpu_set_reg(cpu, 13, 0x66);
    for (unsigned i = 0; i < ARRAY_SIZE(hints); i++) {
        CU_ASSERT(!exec16(hints[i]));
        CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 2);
        CU_ASSERT_EQUAL(cpu_get_reg(cpu, 0), 0);
    }
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 5), 0x55);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 13), 0x66);
    /* Base-ISA HINTs with rd = x0 (unpriv §2.9) and fence's ignored fields. */
    CU_ASSERT_EQUAL(exec1(enc_u(0x12345000u, 0, 0x37), 0, 0), 0xdeadbeef);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 4);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 0), 0);
    exec1(0x8330000fu, 0, 0);                                    /* fence.tso */
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 4);
    teardown();
}

static void test_spec_csrs(void)
{
    setup();
    cpu_csr_write(cpu, MTVEC, BASE + 0x100);
    /* csrrsi/csrrci with uimm 0 and csrrs with rs1 = x0 do not write: no trap on a
     * read-only CSR; csrrwi with uimm 0 does write (Zicsr §9.1). */
    exec1(enc_i(MVENDORID, 0, 6, 7, 0x73), 0, 0);                /* csrrsi x7, mvendorid, 0 */
    exec1(enc_i(MVENDORID, 0, 7, 7, 0x73), 0, 0);                /* csrrci */
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 4);
    exec1(enc_i(MVENDORID, 0, 5, 7, 0x73), 0, 0);                /* csrrwi */
    CU_ASSERT_EQUAL(csr(MCAUSE), 2);
    CU_ASSERT_EQUAL(csr(MTVAL), enc_i(MVENDORID, 0, 5, 7, 0x73));
    /* Unimplemented CSRs are illegal: hypervisor, debug trigger, RV32-only halves. */
    static const unsigned absent[] = { 0x600, 0x7a0, 0x310, 0xc80, 0x3a1, 0x3a3 };
    for (unsigned i = 0; i < ARRAY_SIZE(absent); i++) {
        cpu_csr_write(cpu, MCAUSE, 0);
        exec1(CSRRS(7, absent[i], 0), 0, 0);
        CU_ASSERT_EQUAL(csr(MCAUSE), 2);
    }
    /* PMP: 16 entries hold what is written (priv §3.7.1); on RV64 the odd pmpcfg
     * registers (0x3a1 above) do not exist; entries 16-63 read zero. */
    cpu_csr_write(cpu, MCAUSE, 0);
    exec1(CSRRW(0, 0x3a0, 5), 0x1f1f, 0);
    exec1(CSRRW(0, 0x3b0, 5), 0x12345, 0);
    CU_ASSERT_EQUAL(csr(MCAUSE), 0);
    CU_ASSERT_EQUAL(exec1(CSRRS(7, 0x3a0, 0), 0, 0), 0x1f1f);
    CU_ASSERT_EQUAL(exec1(CSRRS(7, 0x3b0, 0), 0, 0), 0x12345);
    exec1(CSRRW(0, 0x3b0 + 20, 5), 0x12345, 0);
    CU_ASSERT_EQUAL(exec1(CSRRS(7, 0x3b0 + 20, 0), 0, 0), 0);
    exec1(CSRRW(0, 0x3a0, 5), 0, 0);
    exec1(CSRRW(0, 0x3b0, 5), 0, 0);
    /* mstatus: SIE, MIE, SPIE, MPIE, SPP, MPP, MPRV, SUM, MXR, TVM, TW, TSR are
     * writable; UXL and SXL read 2, FS and so SD 0 (no F) (priv §3.1.6). */
    exec1(CSRRW(0, MSTATUS, 5), ~0ull, 0);
    CU_ASSERT_EQUAL(csr(MSTATUS), 2ull << 32 | 2ull << 34 | 0x7e0000ull | 1u << 17 | 3u << 11 |
                                  1u << 8 | 1u << 7 | 1u << 5 | 1u << 3 | 1u << 1 |
                                  (CPU_FP_MOVES ? 1ull << 63 | 3u << 13 : 0));
    exec1(CSRRW(0, MSTATUS, 5), 2u << 11, 0);                    /* MPP = H: not legal */
    CU_ASSERT_EQUAL((csr(MSTATUS) >> 11) & 3, 3);
    exec1(CSRRW(0, MSTATUS, 5), 0, 0);
    CU_ASSERT_EQUAL(csr(MSTATUS), 2ull << 32 | 2ull << 34);
    /* mie/mip: all six standard bits in mie; in mip SSIP, STIP, SEIP are writable, and
     * MEIP, MTIP, MSIP read-only (priv §3.1.9). */
    exec1(CSRRW(0, MIE, 5), ~0ull, 0);
    CU_ASSERT_EQUAL(csr(MIE), 0xaaa);
    exec1(CSRRW(0, MIE, 5), 0, 0);
    exec1(CSRRW(0, MIP, 5), ~0ull, 0);
    CU_ASSERT_EQUAL(csr(MIP), 0x222);
    exec1(CSRRW(0, MIP, 5), 0, 0);
    cpu_set_irq(cpu, MIP_SEIP, 1);
    cpu_set_irq(cpu, MIP_MTIP, 1);
    CU_ASSERT_EQUAL(exec1(CSRRS(7, MIP, 0), 0, 0), 0x280);
    /* csrrs on mip modifies the software SEIP bit, not the line (§3.1.9) */
    exec1(CSRRS(0, MIP, 6), 0, 1u << 5);
    cpu_set_irq(cpu, MIP_SEIP, 0);
    CU_ASSERT_EQUAL(exec1(CSRRS(7, MIP, 0), 0, 0), 0xa0);
    exec1(CSRRW(0, MIP, 5), 0, 0);
    cpu_set_irq(cpu, MIP_MTIP, 0);
    /* mtvec modes 2 and 3 are reserved: the mode reads back direct (WARL, §3.1.7). */
    exec1(CSRRW(0, MTVEC, 5), BASE + 0x102, 0);
    CU_ASSERT_EQUAL(csr(MTVEC), BASE + 0x100);
    exec1(CSRRW(0, MTVEC, 5), BASE + 0x103, 0);
    CU_ASSERT_EQUAL(csr(MTVEC), BASE + 0x100);
    /* mepc[0] is zero; with IALIGN = 16 mepc[1] is kept (§3.1.14). */
    exec1(CSRRW(0, MEPC, 5), 0x1003, 0);
    CU_ASSERT_EQUAL(csr(MEPC), 0x1002);
    /* misa is read-only (WARL); medeleg holds every exception below M but ecall from
     * M (bit 11) and the reserved 10 and 14; mideleg the three S interrupts. */
    uint64_t misa = csr(MISA);
    exec1(CSRRW(0, MISA, 5), 0, 0);
    CU_ASSERT_EQUAL(csr(MISA), misa);
    exec1(CSRRW(0, 0x302, 5), ~0ull, 0);
    exec1(CSRRW(0, 0x303, 5), ~0ull, 0);
    CU_ASSERT_EQUAL(csr(0x302), 0xb3ff);
    CU_ASSERT_EQUAL(csr(0x303), 0x222);
    exec1(CSRRW(0, 0x302, 5), 0, 0);
    exec1(CSRRW(0, 0x303, 5), 0, 0);
    /* ebreak: mtval = pc; ecall: mtval = 0 (§3.1.16). */
    cpu_csr_write(cpu, MTVAL, 5);
    exec1(0x00100073u, 0, 0);
    CU_ASSERT_EQUAL(csr(MCAUSE), 3);
    CU_ASSERT_EQUAL(csr(MTVAL), BASE);
    exec1(ECALL, 0, 0);
    CU_ASSERT_EQUAL(csr(MTVAL), 0);
    /* A fetch fault outranks everything the instruction would do: mtval = pc. */
    cpu_set_reg(cpu, 5, 0x30000000);
    put32(BASE, enc_i(0, 5, 0, 0, 0x67));                         /* jr x5 */
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 2);
    CU_ASSERT_EQUAL(csr(MCAUSE), 1);
    CU_ASSERT_EQUAL(csr(MTVAL), 0x30000000);
    CU_ASSERT_EQUAL(csr(MEPC), 0x30000000);
    teardown();
}

/* mret (priv §3.3.2): MIE = MPIE, MPIE = 1, MPP = U, and MPRV cleared when leaving
 * for U but kept when returning to M. Reserved base encodings are illegal. */
static void test_spec_mret_and_reserved(void)
{
    setup();
    cpu_csr_write(cpu, MTVEC, BASE + 0x100);
    cpu_csr_write(cpu, MEPC, BASE + 0x40);
    cpu_csr_write(cpu, MSTATUS, 1u << 17 | 3u << 11);             /* MPRV, MPP = M */
    exec1(MRET, 0, 0);
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), 3);
    CU_ASSERT_EQUAL(csr(MSTATUS) & (1u << 17 | 3u << 11 | 0x88), 1u << 17 | 0x80);
    cpu_csr_write(cpu, MSTATUS, 1u << 17);                        /* MPRV, MPP = U */
    exec1(MRET, 0, 0);
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), 0);
    CU_ASSERT_EQUAL(csr(MSTATUS) & (1u << 17), 0);
    /* wfi in U with TW = 0 is legal when there is no S mode (§3.1.6.5): it sleeps. */
    put32(BASE + 0x40, WFI);
    CU_ASSERT_EQUAL(cpu_run(cpu, 5), CPU_EXIT_WFI);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), BASE + 0x44);
    CU_ASSERT_EQUAL(cpu_get_priv(cpu), 0);
    exec1(ECALL, 0, 0);                                           /* back to M */
    CU_ASSERT_EQUAL(csr(MCAUSE), 8);
    /* U mode: time and instret need mcounteren.TM and .IR; hpmcounter3 its bit. */
    static const unsigned ctr[] = { TIME, INSTRET, 0xc03 };
    for (unsigned i = 0; i < ARRAY_SIZE(ctr); i++) {
        cpu_csr_write(cpu, MCOUNTEREN, ~(1u << (ctr[i] - CYCLE)));
        cpu_csr_write(cpu, MSTATUS, 0);
        cpu_csr_write(cpu, MEPC, BASE + 0x40);
        put32(BASE, MRET);
        put32(BASE + 0x40, CSRRS(5, ctr[i], 0));
        cpu_set_pc(cpu, BASE);
        cpu_run(cpu, 2);
        CU_ASSERT_EQUAL(csr(MCAUSE), 2);
        CU_ASSERT_EQUAL(csr(MEPC), BASE + 0x40);
    }
    cpu_reset(cpu, BASE);
    cpu_csr_write(cpu, MTVEC, BASE + 0x100);
    static const uint32_t reserved[] = {
        0x04029393u,   /* slli with funct6 = 1 */
        0x0202939bu,   /* slliw with shamt[5] = 1 */
        0x4202d39bu,   /* sraiw with shamt[5] = 1 */
        0x0262a3bbu,   /* funct7 1, funct3 2 on OP-32 (no mulhsuw) */
        0x00001067u,   /* jalr with funct3 1 */
        0x1012a3afu,   /* lr.w with rs2 != 0 */
        0x00108073u,   /* ebreak with rs1 != 0 */
        0x0000407fu,   /* 48/64-bit encoding space */
        0x00007003u,   /* load funct3 7 */
    };
    for (unsigned i = 0; i < ARRAY_SIZE(reserved); i++) {
        cpu_csr_write(cpu, MCAUSE, 0);
        exec1(reserved[i], 0, 0);
        CU_ASSERT_EQUAL(csr(MCAUSE), 2);
        CU_ASSERT_EQUAL(csr(MTVAL), reserved[i]);
        CU_ASSERT_EQUAL(cpu_get_reg(cpu, 7), 0xdeadbeef);
    }
    teardown();
}

/* minstret counts retired instructions: one that raises an exception (ecall,
 * ebreak, illegal) does not retire (priv §3.3.1) - but it still costs a cycle. */
static void test_spec_minstret(void)
{
    setup();
    const uint32_t prog[] = {
        CSRRS(5, MINSTRET, 0), CSRRS(8, 0xb00, 0), ECALL,
    };
    load_prog(BASE, prog, ARRAY_SIZE(prog));
    put32(BASE + 0x100, CSRRS(6, MINSTRET, 0));
    put32(BASE + 0x104, 0xffffffffu);                             /* illegal */
    put32(BASE + 0x200, CSRRS(7, INSTRET, 0));
    put32(BASE + 0x204, CSRRS(9, 0xb00, 0));
    cpu_csr_write(cpu, MTVEC, BASE + 0x100);
    cpu_run(cpu, 5);                                             /* ..., illegal traps */
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 6) - cpu_get_reg(cpu, 5), 2);   /* csrr, csrr; not ecall */
    cpu_csr_write(cpu, MTVEC, BASE + 0x200);
    cpu_set_pc(cpu, BASE + 0x104);
    cpu_run(cpu, 3);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 7) - cpu_get_reg(cpu, 6), 1);   /* the csrr only */
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 9) - cpu_get_reg(cpu, 8), 6);   /* cycles: all six */
    /* Writing minstret still reads back at the next instruction. */
    cpu_set_reg(cpu, 10, 500);
    load_prog(BASE, (const uint32_t[]){ CSRRW(0, MINSTRET, 10), ECALL }, 2);
    put32(BASE + 0x200, CSRRS(11, MINSTRET, 0));
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 3);
    CU_ASSERT_EQUAL(cpu_get_reg(cpu, 11), 500);
    teardown();
}

int suite_cpu(void)
{
    CU_pSuite s = CU_add_suite("cpu", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "alu and edge cases", test_alu);
    CU_add_test(s, "mul/div edge cases", test_muldiv);
    CU_add_test(s, "loads and stores", test_loads_stores);
    CU_add_test(s, "lr/sc and amos", test_atomics);
    CU_add_test(s, "branches and jumps", test_branches_jumps);
    CU_add_test(s, "compressed", test_compressed);
    CU_add_test(s, "code invalidation by granule", test_code_granules);
    CU_add_test(s, "illegal, ecall, mret", test_illegal_and_ecall);
    CU_add_test(s, "csr rules", test_csr_rules);
    CU_add_test(s, "counters", test_counters);
    CU_add_test(s, "interrupts", test_interrupts);
    CU_add_test(s, "wfi", test_wfi);
    CU_add_test(s, "exact budgets", test_budget_exact);
    CU_add_test(s, "self-modifying code", test_self_modifying);
    CU_add_test(s, "straight-line stepping across pages, stores, rom", test_straight_line_stepping);
    CU_add_test(s, "rom fetch and faults", test_rom_fetch_and_faults);
    CU_add_test(s, "device callbacks see pc and vclock", test_device_view);
#if !CPU_FP_MOVES
    CU_add_test(s, "spec: no F, so FS is read-only zero and FP is illegal", test_fp_absent);
#else
    CU_add_test(s, "F/D loads, stores, moves, fcsr", test_fp_moves);
#endif
    CU_add_test(s, "spec: lr/sc and amo exceptions and reservations", test_spec_atomics);
    CU_add_test(s, "spec: an amo's page fault is a store/amo page fault", test_spec_amo_page_faults);
    CU_add_test(s, "spec: compressed reserved encodings and hints", test_spec_compressed);
    CU_add_test(s, "spec: csr fields, warl, existence, trap values", test_spec_csrs);
    CU_add_test(s, "spec: minstret leaves out excepting instructions", test_spec_minstret);
    CU_add_test(s, "spec: mret, U-mode counter gating, reserved encodings", test_spec_mret_and_reserved);
    return CU_get_error() == CUE_SUCCESS ? 0 : -1;
}
