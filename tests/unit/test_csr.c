/* Unit tests of the CSR and trap-cause tables (sim/cpu/csrs.def, causes.def): names
 * as the privileged spec 1.12 spells them (§2.2, Table 3.6), every name round-trips,
 * the names and the behaviour agree on which CSRs exist, and the rules of §2.1
 * (privilege and read-only from the number) and §3.1.11 (mcounteren) hold for every
 * row. The CSRs' own behaviour is pinned in test_cpu.c. */
#include <CUnit/CUnit.h>

#include "sim/cpu.h"
#include "sim/cpu/cpu_internal.h"    /* EXC_*, CAUSE_INTERRUPT */

/* How many CSRs and causes the tables name. tests/integration/test_names.sh reads
 * these two lines to check that the Python reader finds as many. */
#define CSR_COUNT 197
#define CAUSE_COUNT 20

#define BASE 0x80000000ull
#define TRAP_VEC (BASE + 0x100)

static Ram ram;
static AddrSpace mem;
static Cpu *cpu;

static void setup(void)
{
    CU_ASSERT_FATAL(ram_init(&ram, BASE, 1 << 16, NULL) == 0);
    as_init(&mem, "mem", SPACE_MEM);
    CpuConfig cfg = { .mem = &mem, .ram = &ram, .hartid = 0, .insns_per_tick = 10 };
    cpu = cpu_create(&cfg, NULL);
    CU_ASSERT_FATAL(cpu != NULL);
}

static void teardown(void)
{
    cpu_destroy(cpu);
    as_destroy(&mem);
    ram_destroy(&ram);
}

static uint32_t csr_insn(unsigned csr, unsigned rs1, unsigned f3, unsigned rd)
{
    return csr << 20 | rs1 << 15 | f3 << 12 | rd << 7 | 0x73;
}
enum { F3_CSRRW = 1, F3_CSRRS = 2 };

/* Runs insn at BASE in privilege priv (0 = U, via mret; 3 = M); 1 if it trapped. */
static int traps(uint32_t insn, unsigned priv)
{
    uint8_t b[4];
    cpu_reset(cpu, BASE);
    cpu_csr_write(cpu, 0x3b0 + 15, ~0ull);            /* PMP entry 15 opens everything */
    cpu_csr_write(cpu, 0x3a2, 0x1full << 56);         /* to U and S (priv §3.7.1) */
    cpu_csr_write(cpu, 0x305, TRAP_VEC);
    cpu_csr_write(cpu, 0x306, ~0ull);                 /* mcounteren: all counters */
    cpu_csr_write(cpu, 0x106, ~0ull);                 /* scounteren: all counters */
    if (priv != 3) {
        cpu_csr_write(cpu, 0x341, BASE + 4);          /* mret to U or S at BASE + 4 */
        cpu_csr_write(cpu, 0x300, (uint64_t)priv << 11);
        st32_le(b, 0x30200073u);
        ram_write(&ram, BASE, b, 4);
        cpu_run(cpu, 1);
        CU_ASSERT_EQUAL_FATAL(cpu_get_priv(cpu), priv);
    }
    uint64_t pc = cpu_get_pc(cpu);
    st32_le(b, insn);
    ram_write(&ram, pc, b, 4);
    cpu_run(cpu, 1);
    return cpu_get_pc(cpu) == TRAP_VEC;
}

static void test_names(void)
{
    static const struct { unsigned num; const char *name; } known[] = {
        { 0x001, "fflags" }, { 0x003, "fcsr" }, { 0xc00, "cycle" }, { 0xc01, "time" },
        { 0xc03, "hpmcounter3" }, { 0xc1f, "hpmcounter31" }, { 0xf14, "mhartid" },
        { 0x300, "mstatus" }, { 0x305, "mtvec" }, { 0x320, "mcountinhibit" },
        { 0x323, "mhpmevent3" }, { 0x33f, "mhpmevent31" }, { 0x341, "mepc" },
        { 0x344, "mip" }, { 0x3a0, "pmpcfg0" }, { 0x3ae, "pmpcfg14" },
        { 0x3b0, "pmpaddr0" }, { 0x3bc, "pmpaddr12" }, { 0x3ef, "pmpaddr63" },
        { 0xb00, "mcycle" }, { 0xb02, "minstret" }, { 0xb1f, "mhpmcounter31" },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(known); i++) {
        const char *n = cpu_csr_name(known[i].num);
        CU_ASSERT_PTR_NOT_NULL_FATAL(n);
        CU_ASSERT_STRING_EQUAL(n, known[i].name);
        CU_ASSERT_EQUAL(cpu_csr_number(known[i].name), (int)known[i].num);
    }
    /* No H mode, no odd pmpcfg on RV64, no RV32 halves, nothing past 12 bits. */
    static const unsigned absent[] = { 0x000, 0x600, 0x680, 0x3a1, 0x3af, 0xc80, 0xb01,
                                       0xc20, 0x7a0, 0x1300, 0xffffffffu };
    for (unsigned i = 0; i < ARRAY_SIZE(absent); i++)
        CU_ASSERT_PTR_NULL(cpu_csr_name(absent[i]));
    static const char *const unknown[] = { "hgatp", "pmpcfg1", "pmpcfg15", "pmpaddr64",
        "pmpaddr012", "pmpaddr", "hpmcounter2", "hpmcounter32", "MSTATUS", "mstatus ",
        "mstatu", "mcycleh", "", "3" };
    for (unsigned i = 0; i < ARRAY_SIZE(unknown); i++)
        CU_ASSERT_EQUAL(cpu_csr_number(unknown[i]), -1);
    CU_ASSERT_EQUAL(cpu_csr_number(NULL), -1);
}

/* name -> number -> name for every row, and the names and the behaviour table agree
 * on which of the 4096 numbers exist. */
static void test_round_trip_and_existence(void)
{
    setup();
    unsigned named = 0;
    for (unsigned csr = 0; csr < 4096; csr++) {
        const char *n = cpu_csr_name(csr);
        uint64_t v;
        CU_ASSERT_EQUAL(cpu_csr_read(cpu, csr, &v), n ? 0 : -1);
        if (!n)
            continue;
        named++;
        CU_ASSERT_EQUAL(cpu_csr_number(n), (int)csr);
        CU_ASSERT_PTR_EQUAL(cpu_csr_name((unsigned)cpu_csr_number(n)), n);
    }
    CU_ASSERT_EQUAL(named, CSR_COUNT);
    teardown();
}

/* Every row: an M-mode read is legal unless it needs FS (off after reset); a write traps
 * exactly when bits 11:10 are 3; from U, only the U CSRs (bits 9:8 = 0) are legal,
 * and a counter only with its mcounteren bit. Nonexistent numbers always trap. */
static void test_rules_for_every_row(void)
{
    setup();
    unsigned checked = 0;
    for (unsigned csr = 0; csr < 4096; csr++) {
        const char *n = cpu_csr_name(csr);
        bool ok = n && csr > 0x003;                      /* fflags, frm, fcsr need FS */
        uint32_t rd = csr_insn(csr, 0, F3_CSRRS, 7), wr = csr_insn(csr, 5, F3_CSRRW, 0);
        CU_ASSERT_EQUAL(traps(rd, 3), !ok);
        CU_ASSERT_EQUAL(traps(wr, 3), !ok || (csr >> 10) == 3);
        CU_ASSERT_EQUAL(traps(rd, 1), !ok || ((csr >> 8) & 3) > 1);
        CU_ASSERT_EQUAL(traps(rd, 0), !ok || ((csr >> 8) & 3) != 0);
        if (ok && csr >= 0xc00 && csr <= 0xc1f) {
            cpu_csr_write(cpu, 0x306, ~(1ull << (csr & 31)));
            uint8_t b[4];
            st32_le(b, rd);
            ram_write(&ram, BASE + 4, b, 4);
            cpu_set_pc(cpu, BASE + 4);
            cpu_run(cpu, 1);
            CU_ASSERT_EQUAL(cpu_get_pc(cpu), TRAP_VEC);
            checked++;
        }
    }
    CU_ASSERT_EQUAL(checked, 32);
    teardown();
}

/* Plain rows behave as their write masks say; the debugger's write never traps. */
static void test_masks_and_quiet_rows(void)
{
    setup();
    uint64_t v;
    static const struct { unsigned num; uint64_t after_ones; } masked[] = {
        { 0x306, 0xffffffffull },    /* mcounteren: 32 bits */
        { 0x320, 0xfffffffdull },    /* mcountinhibit: TM is read-only zero */
        { 0x30a, 1 },                /* menvcfg: FIOM only */
        { 0x341, ~1ull },            /* mepc: IALIGN = 16 */
        { 0x340, ~0ull },            /* mscratch */
        { 0x304, 0xaaa },            /* mie: the six standard bits */
        { 0x344, 0x222 },            /* mip: SSIP, STIP, SEIP */
        { 0x302, 0xb3ff },           /* medeleg: not ecall from M */
        { 0x303, 0x222 },            /* mideleg: the S interrupts */
        { 0x106, 0xffffffffull },    /* scounteren */
    };
    for (unsigned i = 0; i < ARRAY_SIZE(masked); i++) {
        CU_ASSERT_EQUAL(cpu_csr_write(cpu, masked[i].num, ~0ull), 0);
        CU_ASSERT_EQUAL(cpu_csr_read(cpu, masked[i].num, &v), 0);
        CU_ASSERT_EQUAL(v, masked[i].after_ones);
    }
    cpu_csr_write(cpu, 0x320, 0);
    /* WARL zero and read-only rows: writes are ignored, reads stay what they were. */
    static const unsigned quiet[] = { 0x3a4, 0x3ae, 0x3c0, 0x3ef, 0xc03, 0xc1f, 0xb03,
                                      0xb1f, 0x323, 0x33f, 0xf11, 0xf14 };
    for (unsigned i = 0; i < ARRAY_SIZE(quiet); i++) {
        CU_ASSERT_EQUAL(cpu_csr_write(cpu, quiet[i], ~0ull), 0);
        CU_ASSERT_EQUAL(cpu_csr_read(cpu, quiet[i], &v), 0);
        CU_ASSERT_EQUAL(v, 0);
    }
    uint64_t misa;
    cpu_csr_read(cpu, 0x301, &misa);
    cpu_csr_write(cpu, 0x301, 0);
    CU_ASSERT_EQUAL(cpu_csr_read(cpu, 0x301, &v), 0);
    CU_ASSERT_EQUAL(v, misa);
    /* The user counters are read-only shadows: writing cycle leaves mcycle alone. */
    cpu_csr_write(cpu, 0xb00, 1000);
    cpu_csr_write(cpu, 0xc00, 5);
    CU_ASSERT_EQUAL(cpu_csr_read(cpu, 0xc00, &v), 0);
    CU_ASSERT_EQUAL(v, 1000);
    /* mcountinhibit.CY holds mcycle (and so cycle) while the clock moves on. */
    cpu_csr_write(cpu, 0x320, 1);
    cpu_skip(cpu, 50);
    cpu_csr_read(cpu, 0xc00, &v);
    CU_ASSERT_EQUAL(v, 1000);
    cpu_csr_write(cpu, 0x320, 0);
    cpu_skip(cpu, 7);
    cpu_csr_read(cpu, 0xb00, &v);
    CU_ASSERT_EQUAL(v, 1007);
    /* A CSR instruction that writes mstatus with MPP = 2 keeps the old MPP (WARL). */
    cpu_csr_write(cpu, 0x304, 0);
    cpu_csr_write(cpu, 0x344, 0);
    cpu_csr_write(cpu, 0x300, 3u << 11);
    cpu_set_reg(cpu, 5, 2u << 11 | 1u << 3);
    uint8_t b[4];
    st32_le(b, csr_insn(0x300, 5, F3_CSRRW, 0));
    ram_write(&ram, BASE, b, 4);
    cpu_set_pc(cpu, BASE);
    cpu_run(cpu, 1);
    cpu_csr_read(cpu, 0x300, &v);
    CU_ASSERT_EQUAL(v & (3u << 11 | 1u << 3), 3u << 11 | 1u << 3);
    teardown();
}

static void test_causes(void)
{
    static const struct { uint64_t cause; const char *name; } known[] = {
        { 0, "instruction_address_misaligned" }, { 2, "illegal_instruction" },
        { 3, "breakpoint" }, { 7, "store_amo_access_fault" },
        { 8, "environment_call_from_u_mode" }, { 11, "environment_call_from_m_mode" },
        { 15, "store_amo_page_fault" },
        { CAUSE_INTERRUPT | 1, "supervisor_software_interrupt" },
        { CAUSE_INTERRUPT | 3, "machine_software_interrupt" },
        { CAUSE_INTERRUPT | 7, "machine_timer_interrupt" },
        { CAUSE_INTERRUPT | 11, "machine_external_interrupt" },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(known); i++) {
        const char *n = cpu_cause_name(known[i].cause);
        CU_ASSERT_PTR_NOT_NULL_FATAL(n);
        CU_ASSERT_STRING_EQUAL(n, known[i].name);
    }
    /* Reserved and custom codes have no name; nor does bit 62. */
    static const uint64_t reserved[] = { 10, 14, 16, 24, 63, 1ull << 62 | 2,
                                         CAUSE_INTERRUPT, CAUSE_INTERRUPT | 2,
                                         CAUSE_INTERRUPT | 13, CAUSE_INTERRUPT | 16 };
    for (unsigned i = 0; i < ARRAY_SIZE(reserved); i++)
        CU_ASSERT_PTR_NULL(cpu_cause_name(reserved[i]));
    unsigned named = 0;
    for (uint64_t code = 0; code < 64; code++)
        named += (cpu_cause_name(code) != NULL) + (cpu_cause_name(CAUSE_INTERRUPT | code) != NULL);
    CU_ASSERT_EQUAL(named, CAUSE_COUNT);
    /* The generated identifiers carry the spec's codes. */
    CU_ASSERT_EQUAL(EXC_INSN_MISALIGNED, 0);
    CU_ASSERT_EQUAL(EXC_ILLEGAL, 2);
    CU_ASSERT_EQUAL(EXC_STORE_ACCESS, 7);
    CU_ASSERT_EQUAL(EXC_ECALL_U, 8);
    CU_ASSERT_EQUAL(EXC_ECALL_M, 11);
    CU_ASSERT_EQUAL(MIP_SSIP, 1);
    CU_ASSERT_EQUAL(MIP_MSIP, 3);
    CU_ASSERT_EQUAL(MIP_MTIP, 7);
    CU_ASSERT_EQUAL(MIP_SEIP, 9);
    CU_ASSERT_EQUAL(MIP_MEIP, 11);
}

int suite_csr(void)
{
    CU_pSuite s = CU_add_suite("csr", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "names as the spec spells them", test_names);
    CU_add_test(s, "every name round-trips; names and behaviour agree", test_round_trip_and_existence);
    CU_add_test(s, "spec: privilege, read-only and mcounteren rules for every row", test_rules_for_every_row);
    CU_add_test(s, "write masks, WARL-zero and read-only rows", test_masks_and_quiet_rows);
    CU_add_test(s, "trap cause names and codes", test_causes);
    return CU_get_error() == CUE_SUCCESS ? 0 : -1;
}
