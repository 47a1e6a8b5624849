/* Unit tests of the machine's run loop (sim/machine.c): a run that pauses exactly where
 * asked (an instruction count, a virtual time, machine_pause from a device callback, a
 * watched RAM store or a timer), the deadline hook that ends a block early for a timer
 * armed inside it, pauses in the middle of a wfi sleep, and pauses that change nothing:
 * a run paused thousands of times writes the same trace, byte for byte, as one that is
 * never paused, and so does one paused by an observer at every virtio event; an
 * observer of the rings needs no trace file and may come late. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <unistd.h>

#include "sim/check/check.h"
#include "sim/machine.h"
#include "tests/unit/rvenc.h"

#define RAM0 0x80000000ull
#define DEV_BASE 0x04000000ull      /* free in the virt map: between the PCI I/O window and the PLIC */
#define WATCHED (RAM0 + 0x10004)    /* where the loop below stores t2 through a1 */
#define BOOT_INSNS 5                /* the boot ROM's instructions before the entry point */

enum { T0 = 5, T1 = 6, T2 = 7, A0 = 10, A1 = 11 };

/* The loop: t2 counts (the boot ROM leaves t0, a0, a1 set); each round writes t2 to
 * the device, then to RAM at WATCHED.
 *   0: lui a0, DEV_BASE     4: auipc a1, 0x10 (a1 = WATCHED)
 *   8: addi t2, t2, 1       c: sw t2, 0(a0)      10: sw t2, 0(a1)     14: j 8 */
#define LOOP_TOP (RAM0 + 8)
#define AFTER_DEV_SW (RAM0 + 0x10)
#define AFTER_RAM_SW (RAM0 + 0x14)

/* Sleeps in wfi with nothing enabled: the clock jumps to the next timer, which ends
 * the sleep; then it powers off through the test device. */

static char img_path[64];
static FILE *devnull;

static Machine *make(const uint32_t *prog, size_t n, TraceWriter *tw)
{
    snprintf(img_path, sizeof img_path, "%s", "/tmp/ringside-ut-XXXXXX");
    int fd = mkstemp(img_path);
    CU_ASSERT_FATAL(fd >= 0);
    uint8_t buf[256];
    CU_ASSERT_FATAL(n * 4 <= sizeof buf);
    for (size_t i = 0; i < n; i++)
        st32_le(buf + 4 * i, prog[i]);
    CU_ASSERT_FATAL(write(fd, buf, n * 4) == (ssize_t)(n * 4));
    close(fd);
    MachineConfig mc;
    machine_config_default(&mc);
    mc.fw_path = img_path;
    mc.net_spec = "none";
    mc.console = devnull;
    mc.trace = tw;
    Err err;
    Machine *m = machine_create(&mc, &err);
    unlink(img_path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    return m;
}

/* ---- a device that records its writes and can pause the run ---- */

typedef struct Probe {
    Machine *m;
    unsigned writes;
    unsigned pause_at;           /* pause on this write (1-based); 0 = never */
    uint64_t pc_at_pause, vclock_at_pause;
    uint64_t arm_timer_in;       /* on the first write: arm `timer` this far ahead */
    Timer timer;
    uint64_t armed_at, fired_at;
    unsigned fired;
    uint64_t log[64];            /* value of each write */
} Probe;
static Probe probe;

static int probe_read(void *o, uint64_t off, unsigned size, uint64_t *val)
{
    *val = 0;
    return 0;
}

static int probe_write(void *o, uint64_t off, unsigned size, uint64_t val)
{
    Probe *p = o;
    if (p->writes < ARRAY_SIZE(p->log))
        p->log[p->writes] = val;
    p->writes++;
    if (p->writes == p->pause_at) {
        p->pc_at_pause = cpu_get_pc(p->m->cpu);
        p->vclock_at_pause = cpu_vclock(p->m->cpu);
        machine_pause(p->m);
    }
    if (p->writes == 1 && p->arm_timer_in) {
        p->armed_at = cpu_vclock(p->m->cpu);
        timer_mod(&p->m->events, &p->timer, p->armed_at + p->arm_timer_in);
    }
    return 0;
}

static const MemOps probe_ops = { .read = probe_read, .write = probe_write, .min_size = 4, .max_size = 4 };

static void probe_fired(void *o)
{
    Probe *p = o;
    p->fired++;
    p->fired_at = cpu_vclock(p->m->cpu);
}

static void probe_pause_timer(void *o)
{
    probe_fired(o);
    machine_pause(((Probe *)o)->m);
}

static Machine *make_loop(TraceWriter *tw)
{
    const uint32_t loop_prog[] = {
        RV_LUI(A0, (uint32_t)DEV_BASE), rv_u(0x10000, A1, 0x17),
        RV_ADDI(T2, T2, 1), RV_SW(T2, A0, 0), RV_SW(T2, A1, 0), RV_JAL(0, -12),
    };
    Machine *m = make(loop_prog, ARRAY_SIZE(loop_prog), tw);
    memset(&probe, 0, sizeof probe);
    probe.m = m;
    timer_init(&probe.timer, "probe", probe_fired, &probe);
    Err err;
    CU_ASSERT_FATAL(as_add(&m->mem, DEV_BASE, 0x1000, "probe", &probe_ops, &probe, &err) == 0);
    return m;
}

static void destroy(Machine *m)
{
    as_remove(&m->mem, DEV_BASE, &probe);
    machine_destroy(m);
}

/* ---- tests ---- */

static void test_stop_at_instruction(void)
{
    static const uint64_t at[] = { 1, 4, 5, 6, 7, 100, 65535, 65536, 65537, 200003 };
    for (size_t i = 0; i < ARRAY_SIZE(at); i++) {
        Machine *m = make_loop(NULL);
        CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, at[i]), STOP_PAUSED);
        CU_ASSERT_EQUAL(cpu_instret(m->cpu), at[i]);
        CU_ASSERT_EQUAL(cpu_vclock(m->cpu), at[i]);
        /* Again at the same limit: nothing more runs. */
        CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, at[i]), STOP_PAUSED);
        CU_ASSERT_EQUAL(cpu_instret(m->cpu), at[i]);
        if (at[i] > BOOT_INSNS + 2) {
            /* The loop body is 4 instructions from LOOP_TOP. */
            uint64_t k = (at[i] - BOOT_INSNS - 2) % 4;
            CU_ASSERT_EQUAL(cpu_get_pc(m->cpu), LOOP_TOP + 4 * k);
        }
        destroy(m);
    }
}

static void test_stop_at_time(void)
{
    Machine *m = make_loop(NULL);
    CU_ASSERT_EQUAL(machine_run_until(m, 12345, MACHINE_NO_LIMIT), STOP_PAUSED);
    CU_ASSERT_EQUAL(cpu_vclock(m->cpu), 12345);
    CU_ASSERT_EQUAL(machine_run_until(m, 12346, MACHINE_NO_LIMIT), STOP_PAUSED);
    CU_ASSERT_EQUAL(cpu_vclock(m->cpu), 12346);
    destroy(m);
}

/* A device callback pauses: the run stops right after the store that reached it. */
static void test_pause_from_device(void)
{
    static const unsigned at[] = { 1, 2, 3, 1000, 16384, 16385 };
    for (size_t i = 0; i < ARRAY_SIZE(at); i++) {
        Machine *m = make_loop(NULL);
        probe.pause_at = at[i];
        CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, 10000000), STOP_PAUSED);
        CU_ASSERT_EQUAL(probe.writes, at[i]);
        CU_ASSERT_EQUAL(probe.pc_at_pause, AFTER_DEV_SW - 4);   /* the pc of the store */
        CU_ASSERT_EQUAL(cpu_get_pc(m->cpu), AFTER_DEV_SW);
        CU_ASSERT_EQUAL(cpu_instret(m->cpu), probe.vclock_at_pause + 1);
        CU_ASSERT_EQUAL(cpu_get_reg(m->cpu, T2), at[i]);
        /* Going on: the next round's store comes 4 instructions later. */
        probe.pause_at = at[i] + 1;
        CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, 10000000), STOP_PAUSED);
        CU_ASSERT_EQUAL(probe.writes, at[i] + 1);
        CU_ASSERT_EQUAL(cpu_instret(m->cpu), probe.vclock_at_pause + 1);
        CU_ASSERT_EQUAL(cpu_get_pc(m->cpu), AFTER_DEV_SW);
        destroy(m);
    }
}

typedef struct RamPause {
    Machine *m;
    unsigned stores, pause_at;
    uint64_t last_val;
} RamPause;

static void ram_store_seen(void *o, uint64_t addr, unsigned size, uint64_t val)
{
    RamPause *r = o;
    CU_ASSERT_EQUAL(addr, WATCHED);
    CU_ASSERT_EQUAL(size, 4);
    r->last_val = val;
    if (++r->stores == r->pause_at)
        machine_pause(r->m);
}

/* A watched RAM store pauses: right after that store, not at the block's end (before
 * the fix the run came back thousands of instructions later). */
static void test_pause_from_ram_watch(void)
{
    static const unsigned at[] = { 1, 4, 5000, 16385 };
    for (size_t i = 0; i < ARRAY_SIZE(at); i++) {
        Machine *m = make_loop(NULL);      /* no trace: watching RAM needs none */
        RamPause rp = { .m = m, .pause_at = at[i] };
        CU_ASSERT_FATAL(mem_watch_add(&m->watch, WATCHED, 4, ram_store_seen, &rp) == 0);
        CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, 10000000), STOP_PAUSED);
        CU_ASSERT_EQUAL(rp.stores, at[i]);
        CU_ASSERT_EQUAL(rp.last_val, at[i]);
        CU_ASSERT_EQUAL(cpu_get_pc(m->cpu), AFTER_RAM_SW);
        CU_ASSERT_EQUAL(cpu_instret(m->cpu), BOOT_INSNS + 2 + 4 * (uint64_t)at[i] - 1);
        mem_watch_remove(&m->watch, &rp);
        destroy(m);
    }
}

/* A timer pauses: between instructions, at the timer's time. */
static void test_pause_from_timer(void)
{
    Machine *m = make_loop(NULL);
    timer_init(&probe.timer, "probe", probe_pause_timer, &probe);
    timer_mod(&m->events, &probe.timer, 77777);
    CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, 10000000), STOP_PAUSED);
    CU_ASSERT_EQUAL(probe.fired, 1);
    CU_ASSERT_EQUAL(probe.fired_at, 77777);
    CU_ASSERT_EQUAL(cpu_vclock(m->cpu), 77777);
    CU_ASSERT_EQUAL(machine_run_until(m, 80000, MACHINE_NO_LIMIT), STOP_PAUSED);
    CU_ASSERT_EQUAL(cpu_vclock(m->cpu), 80000);
    CU_ASSERT_EQUAL(probe.fired, 1);
    destroy(m);
}

/* The deadline hook: a timer armed from inside a long block, for a time before the
 * block's end, still fires at exactly its time. */
static void test_deadline_hook(void)
{
    static const uint64_t in[] = { 1, 2, 5, 64, 65536 };
    for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
        Machine *m = make_loop(NULL);
        probe.arm_timer_in = in[i];
        CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, 1000000), STOP_PAUSED);
        CU_ASSERT_EQUAL(probe.fired, 1);
        CU_ASSERT_EQUAL(probe.armed_at, BOOT_INSNS + 3);   /* the first store's vclock */
        CU_ASSERT_EQUAL(probe.fired_at, probe.armed_at + in[i]);
        destroy(m);
    }
}

/* A pause inside a wfi sleep resumes the sleep: the wake-up, the instructions after it
 * and the trace are those of the run that never paused. */
static void run_wfi(const char *path, bool pause)
{
    Err err;
    TraceWriter *tw = trace_open(path, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    const uint32_t wfi_prog[] = { RV_WFI, RV_ADDI(T1, T1, 1), RV_LUI(A0, 0x100000), RV_LUI(T0, 0x5000),
                                  RV_ADDI(T0, T0, 0x555), RV_SW(T0, A0, 0) };
    Machine *m = make(wfi_prog, ARRAY_SIZE(wfi_prog), tw);
    Probe *p = &probe;
    memset(p, 0, sizeof *p);
    p->m = m;
    timer_init(&p->timer, "probe", probe_fired, p);
    timer_mod(&m->events, &p->timer, 5000);
    if (pause) {
        CU_ASSERT_EQUAL(machine_run_until(m, 3000, MACHINE_NO_LIMIT), STOP_PAUSED);
        CU_ASSERT_EQUAL(cpu_vclock(m->cpu), 3000);
        CU_ASSERT_EQUAL(cpu_instret(m->cpu), BOOT_INSNS + 1);   /* asleep in the first wfi */
        CU_ASSERT_EQUAL(cpu_get_reg(m->cpu, T1), 0);
        CU_ASSERT_EQUAL(p->fired, 0);
        CU_ASSERT_EQUAL(machine_run_until(m, 4999, MACHINE_NO_LIMIT), STOP_PAUSED);
        CU_ASSERT_EQUAL(cpu_vclock(m->cpu), 4999);
    }
    CU_ASSERT_EQUAL(machine_run(m), STOP_POWEROFF);
    CU_ASSERT_EQUAL(p->fired, 1);
    CU_ASSERT_EQUAL(p->fired_at, 5000);
    CU_ASSERT_EQUAL(cpu_get_reg(m->cpu, T1), 1);
    CU_ASSERT_EQUAL(cpu_vclock(m->cpu), 5000 + 5);
    CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, MACHINE_NO_LIMIT), STOP_POWEROFF);
    machine_destroy(m);
    CU_ASSERT_EQUAL(trace_close(tw, &err), 0);
}

static bool same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    bool same = fa && fb;
    while (same) {
        int ca = getc(fa), cb = getc(fb);
        if (ca != cb)
            same = false;
        if (ca == EOF || cb == EOF)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

static void test_pause_in_wfi(void)
{
    run_wfi("build/ut-wfi-a.trace", false);
    run_wfi("build/ut-wfi-b.trace", true);
    CU_ASSERT(same_file("build/ut-wfi-a.trace", "build/ut-wfi-b.trace"));
    unlink("build/ut-wfi-a.trace");
    unlink("build/ut-wfi-b.trace");
}

/* The bundled firmware's default scenario, traced to tw (or not: NULL), with the
 * driver checker as set (CHECK_WARN by default). */
static unsigned fw_check = CHECK_WARN;
static Machine *make_fw(TraceWriter *tw)
{
    const char *fw = getenv("RINGSIDE_FW");
    MachineConfig mc;
    machine_config_default(&mc);
    mc.check_driver = fw_check;
    mc.fw_path = fw && *fw ? fw : "guestfw/ringside-fw.elf";
    mc.console = devnull;
    mc.trace = tw;
    Err err;
    Machine *m = machine_create(&mc, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    return m;
}

/* The bundled firmware's default scenario, traced: once straight through, once paused
 * every `every` instructions and resumed. The files must be identical. */
static StopReason run_fw(const char *path, uint64_t every, uint64_t *pauses)
{
    Err err;
    TraceWriter *tw = trace_open(path, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    Machine *m = make_fw(tw);
    StopReason why;
    *pauses = 0;
    if (every) {
        while ((why = machine_run_until(m, MACHINE_NO_LIMIT, cpu_instret(m->cpu) + every)) == STOP_PAUSED)
            ++*pauses;
    } else {
        why = machine_run(m);
    }
    CU_ASSERT_EQUAL(m->exit_code, 0);
    CU_ASSERT_EQUAL(machine_finish(m, &err), 0);
    machine_destroy(m);
    CU_ASSERT_EQUAL(trace_close(tw, &err), 0);
    return why;
}

static void test_pauses_change_nothing(void)
{
    uint64_t n;
    CU_ASSERT_EQUAL(run_fw("build/ut-fw-a.trace", 0, &n), STOP_POWEROFF);
    CU_ASSERT_EQUAL(run_fw("build/ut-fw-b.trace", 997, &n), STOP_POWEROFF);
    CU_ASSERT(n > 1000);
    CU_ASSERT(same_file("build/ut-fw-a.trace", "build/ut-fw-b.trace"));
    unlink("build/ut-fw-a.trace");
    unlink("build/ut-fw-b.trace");
}

/* ---- observers ---- */

typedef struct Pauser {
    Machine *m;
    unsigned events;
} Pauser;

static void pause_on_event(void *ctx, const TraceEvent *ev)
{
    Pauser *p = ctx;
    (void)ev;
    p->events++;
    machine_pause(p->m);
}

/* The firmware traced to a file, with a second observer that pauses the run at every
 * virtio event (a breakpoint on each): the file equals the undisturbed one. */
static void test_pausing_observer_changes_nothing(void)
{
    uint64_t n;
    CU_ASSERT_EQUAL(run_fw("build/ut-obs-a.trace", 0, &n), STOP_POWEROFF);
    Err err;
    TraceWriter *tw = trace_open("build/ut-obs-b.trace", NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    Machine *m = make_fw(tw);
    Pauser p = { .m = m };
    TraceTypeSet virtio = { { 0 } };
    trace_types_add_family(&virtio, "virtio");
    CU_ASSERT_EQUAL_FATAL(tracer_observe(&m->tracer, pause_on_event, &p, &virtio), 0);
    unsigned pauses = 0;
    StopReason why;
    while ((why = machine_run_until(m, MACHINE_NO_LIMIT, MACHINE_NO_LIMIT)) == STOP_PAUSED)
        pauses++;
    CU_ASSERT_EQUAL(why, STOP_POWEROFF);
    CU_ASSERT(p.events > 50);
    CU_ASSERT(pauses > 50 && pauses <= p.events);   /* one pause for all events of one instruction */
    machine_finish(m, &err);
    machine_destroy(m);
    CU_ASSERT_EQUAL(trace_close(tw, &err), 0);
    CU_ASSERT(same_file("build/ut-obs-a.trace", "build/ut-obs-b.trace"));
    unlink("build/ut-obs-a.trace");
    unlink("build/ut-obs-b.trace");
}

/* What an observer saw of the driver's ring stores: count and a hash of their text. */
typedef struct RingSeen {
    uint64_t from;                 /* only events at or after this virtual time */
    unsigned n;
    uint64_t hash;
    Machine *m;                    /* pause it at the pause_at-th event, if set */
    unsigned pause_at;
} RingSeen;

static void ring_seen(void *ctx, const TraceEvent *ev)
{
    RingSeen *r = ctx;
    if (ev->vtime < r->from || strcmp(trace_event_family(ev->type), "ring_drv") != 0)
        return;
    char line[512];
    int k = trace_event_format(ev, line, sizeof line);
    for (int i = 0; i < k && i < (int)sizeof line - 1; i++)
        r->hash = (r->hash ^ (uint8_t)line[i]) * 0x100000001b3ull;
    if (++r->n == r->pause_at && r->m)
        machine_pause(r->m);
}

/* Without a trace file, an observer of ring_drv events added in the middle of the run
 * (rings already live) gets the driver's ring stores from then on, exactly those a
 * run traced from the start records after that time; the bus hook stays off, since
 * nobody observes bus events. */
static void test_late_ring_observer_without_file(void)
{
    fw_check = CHECK_OFF;      /* the checker observes bus and ring events from the start */
    /* The whole run, observed from the start. */
    Machine *m = make_fw(NULL);
    RingSeen all = { .from = 0, .m = m, .pause_at = 500 };      /* amid rx0's fill */
    CU_ASSERT_EQUAL_FATAL(tracer_observe(&m->tracer, ring_seen, &all, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(m->mem.hook);
    CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, MACHINE_NO_LIMIT), STOP_PAUSED);
    uint64_t t = cpu_vclock(m->cpu);
    /* Events of one instruction come together: those at t are counted from t on. */
    all = (RingSeen){ .from = t };
    CU_ASSERT_EQUAL(machine_run(m), STOP_POWEROFF);
    machine_destroy(m);
    CU_ASSERT(all.n > 1000);           /* the rest of the fill, DHCP, ARP and the pings */

    /* Observed only from t, ring_drv only. */
    m = make_fw(NULL);
    CU_ASSERT_PTR_NULL(m->mem.hook);
    CU_ASSERT_EQUAL(machine_run_until(m, t, MACHINE_NO_LIMIT), STOP_PAUSED);
    CU_ASSERT_EQUAL(cpu_vclock(m->cpu), t);
    RingSeen late = { .from = t };
    TraceTypeSet rings = { { 0 } };
    trace_types_add_family(&rings, "ring_drv");
    CU_ASSERT_EQUAL_FATAL(tracer_observe(&m->tracer, ring_seen, &late, &rings), 0);
    CU_ASSERT_PTR_NULL(m->mem.hook);
    CU_ASSERT_TRUE(m->ring_watching);
    CU_ASSERT_FALSE(m->hash_timer.armed);
    CU_ASSERT_EQUAL(machine_run(m), STOP_POWEROFF);
    CU_ASSERT_EQUAL(late.n, all.n);
    CU_ASSERT_EQUAL(late.hash, all.hash);
    tracer_unobserve(&m->tracer, ring_seen, &late);
    CU_ASSERT_FALSE(m->ring_watching);
    machine_destroy(m);
    fw_check = CHECK_WARN;
}

/* ---- breakpoints and load watching ---- */

/* A breakpoint pauses before its instruction (the device store has not happened), set
 * before the code was decoded or after; stepping over it runs it once; removed, it
 * no longer stops the run. */
static void test_breakpoints(void)
{
    Machine *m = make_loop(NULL);
    const uint64_t bp = AFTER_DEV_SW - 4;              /* sw t2, 0(a0) */
    CU_ASSERT_EQUAL(cpu_break_add(m->cpu, bp), 0);      /* not decoded yet */
    CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, 1000000), STOP_PAUSED);
    CU_ASSERT_TRUE(m->at_break);
    CU_ASSERT_EQUAL(cpu_get_pc(m->cpu), bp);
    CU_ASSERT_EQUAL(probe.writes, 0);
    CU_ASSERT_EQUAL(cpu_instret(m->cpu), BOOT_INSNS + 3);
    /* Resuming without stepping over stays put. */
    CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, 1000000), STOP_PAUSED);
    CU_ASSERT_EQUAL(cpu_instret(m->cpu), BOOT_INSNS + 3);
    for (unsigned k = 1; k <= 3; k++) {
        cpu_break_step_over(m->cpu);
        CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, 1000000), STOP_PAUSED);
        CU_ASSERT_TRUE(m->at_break);
        CU_ASSERT_EQUAL(probe.writes, k);
        CU_ASSERT_EQUAL(cpu_instret(m->cpu), BOOT_INSNS + 3 + 4 * k);
    }
    /* A second one, on code already decoded. */
    CU_ASSERT_EQUAL(cpu_break_add(m->cpu, AFTER_RAM_SW), 0);
    cpu_break_step_over(m->cpu);
    CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, 1000000), STOP_PAUSED);
    CU_ASSERT_EQUAL(cpu_get_pc(m->cpu), AFTER_RAM_SW);
    cpu_break_remove(m->cpu, bp);
    cpu_break_remove(m->cpu, AFTER_RAM_SW);
    CU_ASSERT_FALSE(cpu_break_at(m->cpu, bp));
    cpu_break_step_over(m->cpu);
    CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, 100000), STOP_PAUSED);
    CU_ASSERT_FALSE(m->at_break);
    CU_ASSERT_EQUAL(cpu_instret(m->cpu), 100000);
    destroy(m);
}

typedef struct Loads {
    uint64_t n, sum;
} Loads;

static void count_load(void *ctx, uint64_t addr, unsigned size, uint64_t val)
{
    Loads *l = ctx;
    l->n++;
    l->sum += addr ^ val ^ size;
}

/* The firmware traced with a breakpoint on every call of its notify function (stepped
 * over each time) and every RAM load reported: the same trace as undisturbed. */
static void test_breaks_and_load_watch_change_nothing(void)
{
    uint64_t n;
    CU_ASSERT_EQUAL(run_fw("build/ut-bp-a.trace", 0, &n), STOP_POWEROFF);
    Err err;
    TraceWriter *tw = trace_open("build/ut-bp-b.trace", NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    Machine *m = make_fw(tw);
    const Symbol *s = symtab_find(&m->fw.symtab, "m_notify");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_PTR_NULL(symtab_find(&m->fw.symtab, "no_such_function"));
    CU_ASSERT_EQUAL(cpu_break_add(m->cpu, s->addr), 0);
    Loads loads = { 0, 0 };
    cpu_set_load_hook(m->cpu, count_load, &loads);
    unsigned hits = 0;
    StopReason why;
    while ((why = machine_run_until(m, MACHINE_NO_LIMIT, MACHINE_NO_LIMIT)) == STOP_PAUSED) {
        CU_ASSERT_TRUE(m->at_break);
        CU_ASSERT_EQUAL(cpu_get_pc(m->cpu), s->addr);
        hits++;
        cpu_break_step_over(m->cpu);
    }
    CU_ASSERT_EQUAL(why, STOP_POWEROFF);
    CU_ASSERT(hits >= 8);                      /* ctrl's and rx0's first notify, then tx */
    CU_ASSERT(loads.n > 50000);
    machine_finish(m, &err);
    machine_destroy(m);
    CU_ASSERT_EQUAL(trace_close(tw, &err), 0);
    CU_ASSERT(same_file("build/ut-bp-a.trace", "build/ut-bp-b.trace"));
    unlink("build/ut-bp-a.trace");
    unlink("build/ut-bp-b.trace");
}

/* Writes a debugger makes at pauses are input events: replaying the recorded writes
 * at their times gives the same trace, byte for byte, though the writes changed what the
 * guest did (the loop's counter, a RAM word). */
static void run_with_writes(const char *path, const MachineWrite *replay, size_t n)
{
    Err err;
    TraceWriter *tw = trace_open(path, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    Machine *m = make_loop(tw);
    if (replay) {
        machine_replay_writes(m, replay, n);
        CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, 100000), STOP_PAUSED);
    } else {
        uint8_t word[4] = { 1, 2, 3, 4 };
        CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, 1000), STOP_PAUSED);
        CU_ASSERT_EQUAL(machine_write_reg(m, T2, 1000000, &err), 0);
        CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, 2001), STOP_PAUSED);
        CU_ASSERT_EQUAL(machine_write_mem(m, RAM0 + 0x20000, word, 4, &err), 0);
        CU_ASSERT_EQUAL(machine_write_reg(m, 32, LOOP_TOP, &err), 0);
        CU_ASSERT_EQUAL(machine_write_reg(m, MACHINE_REG_CSR + 0x340, 0x1234, &err), 0);   /* mscratch */
        CU_ASSERT_EQUAL(machine_write_reg(m, MACHINE_REG_CSR + 0xf14, 1, &err), -1);      /* mhartid: read-only */
        CU_ASSERT_EQUAL(machine_write_reg(m, 33, 0, &err), -1);
        CU_ASSERT_EQUAL(machine_write_mem(m, 0x1000, word, 4, &err), -1);   /* ROM: not RAM */
        CU_ASSERT_EQUAL(machine_run_until(m, MACHINE_NO_LIMIT, 100000), STOP_PAUSED);
    }
    CU_ASSERT(cpu_get_reg(m->cpu, T2) > 1000000);   /* the counter was moved */
    uint64_t scratch = 0;
    cpu_csr_read(m->cpu, 0x340, &scratch);
    CU_ASSERT_EQUAL(scratch, 0x1234);
    destroy(m);
    CU_ASSERT_EQUAL(trace_close(tw, &err), 0);
}

static void test_debug_writes_replay(void)
{
    run_with_writes("build/ut-wr-a.trace", NULL, 0);
    /* The writes as the trace recorded them. */
    Err err;
    TraceReader *r = trace_reader_open("build/ut-wr-a.trace", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    MachineWrite w[8];
    uint8_t data[8][16];
    size_t n = 0;
    TraceEvent ev;
    while (trace_read_next(r, &ev, &err) == 1 && n < 8) {
        if (ev.type == TRACE_EV_debug_reg_write)
            w[n++] = (MachineWrite){ .vtime = ev.vtime, .reg = ev.u.debug_reg_write.reg, .value = ev.u.debug_reg_write.value };
        if (ev.type == TRACE_EV_debug_mem_write) {
            memcpy(data[n], ev.u.debug_mem_write.data.data, ev.u.debug_mem_write.data.len);
            w[n] = (MachineWrite){ .vtime = ev.vtime, .mem = true, .addr = ev.u.debug_mem_write.addr,
                                   .data = data[n], .len = ev.u.debug_mem_write.data.len };
            n++;
        }
    }
    trace_reader_close(r);
    CU_ASSERT_EQUAL_FATAL(n, 4);
    CU_ASSERT_EQUAL(w[0].vtime, 1000);
    CU_ASSERT_EQUAL(w[1].vtime, 2001);
    CU_ASSERT_TRUE(w[1].mem);
    run_with_writes("build/ut-wr-b.trace", w, n);
    CU_ASSERT(same_file("build/ut-wr-a.trace", "build/ut-wr-b.trace"));
    unlink("build/ut-wr-a.trace");
    unlink("build/ut-wr-b.trace");
}

static int init(void)
{
    devnull = fopen("/dev/null", "w");
    return devnull ? 0 : -1;
}

static int cleanup(void)
{
    fclose(devnull);
    return 0;
}

int suite_machine(void)
{
    CU_pSuite s = CU_add_suite("machine", init, cleanup);
    if (!s)
        return -1;
    CU_add_test(s, "stop at instruction N exactly", test_stop_at_instruction);
    CU_add_test(s, "stop at a virtual time", test_stop_at_time);
    CU_add_test(s, "pause from a device callback", test_pause_from_device);
    CU_add_test(s, "pause from a watched RAM store", test_pause_from_ram_watch);
    CU_add_test(s, "pause from a timer", test_pause_from_timer);
    CU_add_test(s, "deadline hook: a timer armed inside a block", test_deadline_hook);
    CU_add_test(s, "pause inside a wfi sleep", test_pause_in_wfi);
    CU_add_test(s, "pauses change nothing (firmware trace)", test_pauses_change_nothing);
    CU_add_test(s, "an observer pausing at every virtio event changes nothing", test_pausing_observer_changes_nothing);
    CU_add_test(s, "a late ring observer, no trace file", test_late_ring_observer_without_file);
    CU_add_test(s, "breakpoints: before the instruction, step over, remove", test_breakpoints);
    CU_add_test(s, "breakpoints and a load watch change nothing", test_breaks_and_load_watch_change_nothing);
    CU_add_test(s, "debugger writes are recorded and replayed", test_debug_writes_replay);
    return CU_get_error();
}
