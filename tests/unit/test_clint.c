/* Unit tests of the CLINT (sim/clint.c) with the real hart and event queue: mtime
 * follows the virtual clock, a timer interrupt is taken at exactly the instruction
 * count where mtime reaches mtimecmp (whatever the block sizes), rewriting mtimecmp
 * lowers MTIP, 32-bit halves combine, and msip drives MSIP. */
#include <CUnit/CUnit.h>

#include "sim/clint.h"
#include "sim/cpu.h"

#define BASE 0x80000000ull
#define RATIO 10u

static Ram ram;
static AddrSpace mem;
static EventQueue q;
static Cpu *cpu;
static Clint clint;
static CpuTrap traps[4];
static unsigned ntraps;

static void trap_hook(void *ctx, const CpuTrap *t) { if (ntraps < 4) traps[ntraps++] = *t; }

/* The machine's wiring: the CLINT's lines drive the hart's mip bits, its clock is the
 * hart's virtual clock. */
static void hart_line(void *o, unsigned bit, int level) { cpu_set_irq(o, bit, level); }
static uint64_t hart_clock(void *o) { return cpu_vclock(o); }

static void setup(void)
{
    CU_ASSERT_FATAL(ram_init(&ram, BASE, 1 << 20, NULL) == 0);
    as_init(&mem, "mem", SPACE_MEM);
    events_init(&q);
    CpuConfig cc = { .mem = &mem, .ram = &ram, .insns_per_tick = RATIO };
    cpu = cpu_create(&cc, NULL);
    CU_ASSERT_FATAL(cpu != NULL);
    clint_init(&clint, (IrqLine){ hart_line, cpu, MIP_MTIP }, (IrqLine){ hart_line, cpu, MIP_MSIP }, &q,
               hart_clock, cpu, RATIO);
    CU_ASSERT_FATAL(as_add(&mem, CLINT_BASE, CLINT_SIZE, "clint", &clint_ops, &clint, NULL) == 0);
    /* A spin loop with a trap handler that spins too: j . at BASE, handler at +0x100. */
    st32_le(ram.host, 0x0000006f);
    st32_le(ram.host + 0x100, 0x0000006f);
    cpu_reset(cpu, BASE);
    cpu_csr_write(cpu, 0x305, BASE + 0x100);   /* mtvec */
    cpu_set_trap_hook(cpu, trap_hook, NULL);
    ntraps = 0;
}

static void teardown(void)
{
    cpu_destroy(cpu);
    as_destroy(&mem);
    ram_destroy(&ram);
}

/* The machine's loop in miniature: blocks end at the next event, or after `chunk`. */
static void run_until(uint64_t vclock, uint64_t chunk)
{
    while (cpu_vclock(cpu) < vclock) {
        events_run_due(&q, cpu_vclock(cpu));
        uint64_t budget = vclock - cpu_vclock(cpu);
        uint64_t next = events_next(&q);
        if (next - cpu_vclock(cpu) < budget)
            budget = next - cpu_vclock(cpu);
        if (budget > chunk)
            budget = chunk;
        cpu_run(cpu, budget);
    }
    events_run_due(&q, cpu_vclock(cpu));
}

static uint64_t mmio_rd(uint64_t off, unsigned size)
{
    uint64_t v = 0;
    as_read(&mem, CLINT_BASE + off, size, &v);
    return v;
}

static void mmio_wr(uint64_t off, unsigned size, uint64_t v) { as_write(&mem, CLINT_BASE + off, size, v); }

static void test_mtime_follows_vclock(void)
{
    setup();
    run_until(1234, 100);
    CU_ASSERT_EQUAL(mmio_rd(0xbff8, 8), 1234 / RATIO);
    CU_ASSERT_EQUAL(mmio_rd(0xbff8, 4), 1234 / RATIO);        /* low half */
    CU_ASSERT_EQUAL(mmio_rd(0xbffc, 4), 0);                   /* high half */
    mmio_wr(0xbff8, 8, 999999);                               /* read-only here */
    CU_ASSERT_EQUAL(mmio_rd(0xbff8, 8), 1234 / RATIO);
    teardown();
}

static void test_timer_interrupt_exact(void)
{
    /* The same deadline reached with small and large blocks traps at the same count. */
    for (uint64_t chunk = 7; chunk <= 100000; chunk *= 37) {
        setup();
        cpu_csr_write(cpu, 0x304, 1u << 7);                   /* mie.MTIE */
        cpu_csr_write(cpu, 0x300, 1u << 3);                   /* mstatus.MIE */
        mmio_wr(0x4000, 8, 50);                               /* mtime 50 = vclock 500 */
        run_until(499, chunk);
        CU_ASSERT_EQUAL(ntraps, 0);
        run_until(2000, chunk);
        CU_ASSERT_EQUAL_FATAL(ntraps, 1);
        CU_ASSERT_EQUAL(traps[0].cause, (1ull << 63) | 7);
        CU_ASSERT_EQUAL(traps[0].vclock, 50 * RATIO);
        uint64_t mip = 0;
        cpu_csr_read(cpu, 0x344, &mip);
        CU_ASSERT(mip & (1u << 7));
        /* A later mtimecmp lowers MTIP until mtime reaches it. */
        mmio_wr(0x4000, 8, 1000);
        cpu_csr_read(cpu, 0x344, &mip);
        CU_ASSERT_FALSE(mip & (1u << 7));
        CU_ASSERT_EQUAL(events_next(&q), 1000 * RATIO);
        teardown();
    }
}

static void test_halves_and_past_deadline(void)
{
    setup();
    run_until(100, 1000);
    /* The reset value (all ones) never fires. */
    CU_ASSERT_EQUAL(mmio_rd(0x4000, 8), UINT64_MAX);
    CU_ASSERT_EQUAL(events_next(&q), EVENT_NEVER);
    /* 32-bit halves: the usual high-first sequence builds one 64-bit compare value. */
    mmio_wr(0x4004, 4, 0x1);
    mmio_wr(0x4000, 4, 0x2);
    CU_ASSERT_EQUAL(mmio_rd(0x4000, 8), 0x100000002ull);
    CU_ASSERT_EQUAL(mmio_rd(0x4004, 4), 0x1);
    /* A compare value already passed raises MTIP at once, without waiting for an event. */
    mmio_wr(0x4000, 8, 5);
    uint64_t mip = 0;
    cpu_csr_read(cpu, 0x344, &mip);
    CU_ASSERT(mip & (1u << 7));
    teardown();
}

static void test_msip(void)
{
    setup();
    uint64_t mip = 0;
    mmio_wr(0x0, 4, 1);
    CU_ASSERT_EQUAL(mmio_rd(0x0, 4), 1);
    cpu_csr_read(cpu, 0x344, &mip);
    CU_ASSERT(mip & (1u << 3));
    mmio_wr(0x0, 4, 0);
    cpu_csr_read(cpu, 0x344, &mip);
    CU_ASSERT_FALSE(mip & (1u << 3));
    teardown();
}

/* Without a hart: the CLINT drives whatever its lines are wired to and reads whatever
 * clock it is given. */
static uint64_t fake_clock;
static int fake_mtip, fake_msip;
static uint64_t fake_now(void *ctx) { return fake_clock; }
static void fake_line(void *o, unsigned n, int level) { *(n == MIP_MTIP ? &fake_mtip : &fake_msip) = level; }

static void test_lines_and_clock(void)
{
    EventQueue eq;
    Clint c;
    events_init(&eq);
    fake_clock = 40;
    fake_mtip = fake_msip = -1;
    clint_init(&c, (IrqLine){ fake_line, NULL, MIP_MTIP }, (IrqLine){ fake_line, NULL, MIP_MSIP }, &eq,
               fake_now, NULL, RATIO);
    uint64_t v = 0;
    CU_ASSERT_EQUAL(memops_read(&clint_ops, &c, 0xbff8, 8, &v), 0);
    CU_ASSERT_EQUAL(v, 4);                                    /* 40 / RATIO */
    memops_write(&clint_ops, &c, 0x4000, 8, 5);
    CU_ASSERT_EQUAL(fake_mtip, 0);
    CU_ASSERT_EQUAL(events_next(&eq), 5 * RATIO);
    fake_clock = 50;
    events_run_due(&eq, fake_clock);
    CU_ASSERT_EQUAL(fake_mtip, 1);
    memops_write(&clint_ops, &c, 0x0, 4, 1);
    CU_ASSERT_EQUAL(fake_msip, 1);
    memops_write(&clint_ops, &c, 0x0, 4, 2);                  /* only bit 0 counts */
    CU_ASSERT_EQUAL(fake_msip, 0);
    /* The trace's names, from the table the bus dispatches through. */
    const Region r = { CLINT_BASE, CLINT_SIZE, "clint", &clint_ops, &c };
    CU_ASSERT_STRING_EQUAL(region_reg_name(&r, 0x0, 4), "msip");
    CU_ASSERT_STRING_EQUAL(region_reg_name(&r, 0x4000, 8), "mtimecmp");
    CU_ASSERT_STRING_EQUAL(region_reg_name(&r, 0x4004, 4), "mtimecmp");
    CU_ASSERT_STRING_EQUAL(region_reg_name(&r, 0xbffc, 4), "mtime");
    CU_ASSERT_PTR_NULL(region_reg_name(&r, 0x4, 4));
    CU_ASSERT_PTR_NULL(region_reg_name(&r, 0x4008, 4));
}

int suite_clint(void)
{
    CU_pSuite s = CU_add_suite("clint", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "mtime follows the virtual clock", test_mtime_follows_vclock);
    CU_add_test(s, "timer interrupt at the exact count", test_timer_interrupt_exact);
    CU_add_test(s, "halves, reset value, passed deadline", test_halves_and_past_deadline);
    CU_add_test(s, "msip", test_msip);
    CU_add_test(s, "lines and clock without a hart", test_lines_and_clock);
    return 0;
}
