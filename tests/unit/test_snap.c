/* Unit tests of snapshots (sim/snap/): the state tables (fields, timers, hooks; a
 * damaged or foreign blob refused; an armed timer nobody declared refused), and the
 * whole machine: for many moments T of the default and scenario=all runs, the state
 * reached by running forward to T equals the state reached by running past T and going
 * back, and the events after T are the same, one for one. A device whose state is not
 * declared makes the second run diverge here. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <unistd.h>

#include "sim/check/check.h"
#include "sim/snap/snap.h"
#include "sim/snap/snap_file.h"
#include "sim/debug/debugger.h"
#include "trace/sha256.h"
#include "sim/snap/travel.h"
#include "sim/tracer.h"

static FILE *devnull;

/* ---- the tables ---- */

typedef struct Toy {
    uint32_t a;
    uint8_t b[3];
    Timer t;
    int dropped;             /* not declared: a snapshot leaves it alone */
} Toy;

static const SnapField toy_fields[] = { SNAP_FIELD(Toy, a), SNAP_FIELD(Toy, b), SNAP_TIMER(Toy, t) };
static const SnapDesc toy_snap = SNAP_DESC("toy", 1, Toy, toy_fields);
static const SnapDesc toy_snap_v2 = SNAP_DESC("toy", 2, Toy, toy_fields);

static void nop(void *o) { (void)o; }

static void test_tables(void)
{
    EventQueue q;
    events_init(&q);
    Toy x = { .a = 7, .b = { 1, 2, 3 } };
    timer_init(&x.t, "toy", nop, &x);
    timer_mod(&q, &x.t, 100);
    SnapReg r;
    snap_reg_init(&r, &q);
    snap_add(&r, &toy_snap, &x, "0");
    CU_ASSERT_EQUAL(r.n, 1);
    CU_ASSERT_STRING_EQUAL(r.e[0].name, "toy.0");
    CU_ASSERT_TRUE(snap_covers(&r, &x.b[1]));
    CU_ASSERT_FALSE(snap_covers(&r, &q));
    SnapBuf b = { 0 };
    Err err;
    CU_ASSERT_EQUAL_FATAL(snap_save(&r, &b, &err), 0);

    x.a = 9;
    x.b[2] = 0;
    x.dropped = 5;
    timer_del(&q, &x.t);
    CU_ASSERT_EQUAL(snap_load(&r, b.p, b.len, &err), 0);
    CU_ASSERT_EQUAL(x.a, 7);
    CU_ASSERT_EQUAL(x.b[2], 3);
    CU_ASSERT_EQUAL(x.dropped, 5);
    CU_ASSERT_TRUE(x.t.armed);
    CU_ASSERT_PTR_EQUAL(q.head, &x.t);             /* the queue is rebuilt */
    CU_ASSERT_EQUAL(events_next(&q), 100);

    /* Every cut and every single-byte change of the frame is refused or harmless. */
    for (size_t cut = 0; cut < b.len; cut++)
        CU_ASSERT_EQUAL(snap_load(&r, b.p, cut, &err), -1);
    uint8_t *big = malloc(b.len + 1);
    memcpy(big, b.p, b.len);
    big[b.len] = 0;
    CU_ASSERT_EQUAL(snap_load(&r, big, b.len + 1, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "after the last section"));
    free(big);

    /* Another version of the table, another name. */
    SnapReg r2;
    snap_reg_init(&r2, &q);
    snap_add(&r2, &toy_snap_v2, &x, "0");
    CU_ASSERT_EQUAL(snap_load(&r2, b.p, b.len, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "version 1"));
    snap_reg_free(&r2);
    snap_reg_init(&r2, &q);
    snap_add(&r2, &toy_snap, &x, "1");
    CU_ASSERT_EQUAL(snap_load(&r2, b.p, b.len, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "toy.0"));
    snap_reg_free(&r2);

    /* An armed timer that no table declares cannot be saved. */
    Timer stray;
    timer_init(&stray, "stray", nop, NULL);
    timer_mod(&q, &stray, 50);
    SnapBuf b2 = { 0 };
    CU_ASSERT_EQUAL(snap_save(&r, &b2, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'stray'"));
    snap_buf_free(&b2);
    snap_buf_free(&b);
    snap_reg_free(&r);
}

/* ---- the machine ---- */

typedef struct EvHash {
    uint64_t h, n;
} EvHash;

static void hash_event(void *ctx, const TraceEvent *ev)
{
    EvHash *e = ctx;
    char text[1024];
    trace_event_format(ev, text, sizeof text);
    for (const char *p = text; *p; p++) {
        e->h ^= (uint8_t)*p;
        e->h *= 0x100000001b3ull;
    }
    e->n++;
}

static Machine *make_m(const char *bootargs, EvHash *eh, uint64_t ram_mib)
{
    const char *fw = getenv("RINGSIDE_FW");
    MachineConfig mc;
    machine_config_default(&mc);
    mc.fw_path = fw && *fw ? fw : "guestfw/ringside-fw.elf";
    mc.console = devnull;
    mc.bootargs = bootargs;
    mc.ram_mib = ram_mib;
    Err err;
    Machine *m = machine_create(&mc, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL_FATAL(tracer_observe(&m->tracer, hash_event, eh, NULL), 0);
    return m;
}

static Machine *make(const char *bootargs, EvHash *eh) { return make_m(bootargs, eh, 128); }

static uint64_t run_to_end(Machine *m)
{
    StopReason why;
    while ((why = machine_run_until(m, MACHINE_NO_LIMIT, MACHINE_NO_LIMIT)) == STOP_PAUSED)
        ;
    CU_ASSERT_EQUAL(why, STOP_POWEROFF);
    return cpu_instret(m->cpu);
}

/* For moments spread over the run (a fixed pseudo-random sequence): forward to T and
 * back to T agree on the state and on every later event. */
static void check_moments(const char *bootargs, uint64_t every)
{
    EvHash whole = { 0 };
    Machine *ref = make(bootargs, &whole);
    uint64_t total = run_to_end(ref);
    machine_destroy(ref);

    uint64_t seed = 0x2545f4914f6cdd1dull;
    for (unsigned k = 0; k < 6; k++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t t = 1 + (seed >> 20) % (total - 1);

        /* Forward to T: the state, then the events after it. */
        EvHash a = { 0 };
        Machine *m1 = make(bootargs, &a);
        Err err;
        Travel *t1 = travel_create(m1, 0, &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t1);
        CU_ASSERT_EQUAL_FATAL(travel_goto_instret(t1, t, &err), 0);
        uint64_t s1 = travel_state_hash(t1);
        a = (EvHash){ 0 };
        run_to_end(m1);

        /* Past T (snapshots on the way), then back to T. */
        EvHash b = { 0 };
        Machine *m2 = make(bootargs, &b);
        Travel *t2 = travel_create(m2, every, &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t2);
        uint64_t past = t + (total - t) / 2 + 1;
        for (uint64_t at = every; at < past; at += every) {
            CU_ASSERT_EQUAL(travel_goto_instret(t2, at, &err), 0);
            CU_ASSERT_EQUAL(travel_tick(t2, &err), 0);
        }
        CU_ASSERT_EQUAL(travel_goto_instret(t2, past, &err), 0);
        CU_ASSERT_TRUE(t2->n > 1 || past < every);
        CU_ASSERT_EQUAL_FATAL(travel_goto_instret(t2, t, &err), 0);
        CU_ASSERT_EQUAL(cpu_instret(m2->cpu), t);
        CU_ASSERT_TRUE(travel_behind(t2));
        uint64_t s2 = travel_state_hash(t2);
        CU_ASSERT_EQUAL(s1, s2);
        b = (EvHash){ 0 };
        run_to_end(m2);
        CU_ASSERT_EQUAL(a.n, b.n);
        CU_ASSERT_EQUAL(a.h, b.h);
        travel_destroy(t1);
        travel_destroy(t2);
        machine_destroy(m1);
        machine_destroy(m2);
    }
}

static void test_machine_default(void) { check_moments(NULL, 300000); }
static void test_machine_all(void) { check_moments("scenario=all", 1000000); }

/* Every device region of the machine belongs to a declared object. */
static void test_coverage(void)
{
    const char *fw = getenv("RINGSIDE_FW");
    MachineConfig mc;
    machine_config_default(&mc);
    mc.fw_path = fw && *fw ? fw : "guestfw/ringside-fw.elf";
    mc.console = devnull;
    mc.pci_testdev = true;
    Err err;
    Machine *m = machine_create(&mc, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    Travel *t = travel_create(m, 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(travel_check_coverage(t, &err), 0);
    /* A region nobody declared is named. */
    static const MemOps none = { 0 };
    static int undeclared;
    CU_ASSERT_EQUAL_FATAL(as_add(&m->mem, 0x5000000, 0x1000, "undeclared", &none, &undeclared, &err), 0);
    CU_ASSERT_EQUAL(travel_check_coverage(t, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'undeclared'"));
    as_remove(&m->mem, 0x5000000, &undeclared);
    travel_destroy(t);
    machine_destroy(m);
}

/* A snapshot file: a round trip gives the same machine; every mutation of its bytes
 * (with the checksum made right again, so the parser itself is tried) is loaded or
 * refused with a message, never a crash (the sanitizer build runs this too). */
static void test_file(void)
{
    EvHash eh = { 0 };
    Machine *m = make_m(NULL, &eh, 32);
    Err err;
    Travel *t = travel_create(m, 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL_FATAL(travel_goto_instret(t, 1200000, &err), 0);
    char path[] = "/tmp/ringside-snap-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    const char *cfg = "ram_mib=32\n";
    CU_ASSERT_EQUAL_FATAL(snap_file_save(m, &t->reg, cfg, path, &err), 0);

    EvHash eh2 = { 0 };
    Machine *m2 = make_m(NULL, &eh2, 32);
    SnapReg r2;
    snap_reg_init(&r2, &m2->events);
    machine_snap_register(m2, &r2);
    CU_ASSERT_EQUAL(snap_file_load(m2, &r2, "ram_mib=64\n", path, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'ram_mib=32', this run 'ram_mib=64'"));
    CU_ASSERT_EQUAL_FATAL(snap_file_load(m2, &r2, cfg, path, &err), 0);
    CU_ASSERT_EQUAL(cpu_instret(m2->cpu), 1200000);
    CU_ASSERT_EQUAL(cpu_get_pc(m2->cpu), cpu_get_pc(m->cpu));
    CU_ASSERT_EQUAL(ram_hash(&m2->ram), ram_hash(&m->ram));
    /* Both go on alike. */
    eh = eh2 = (EvHash){ 0 };
    run_to_end(m);
    run_to_end(m2);
    CU_ASSERT_EQUAL(eh.n, eh2.n);
    CU_ASSERT_EQUAL(eh.h, eh2.h);
    snap_reg_free(&r2);
    machine_destroy(m2);

    FILE *f = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fseek(f, 0, SEEK_END);
    size_t len = (size_t)ftell(f);
    rewind(f);
    uint8_t *orig = malloc(len), *buf = malloc(len);
    CU_ASSERT_FATAL(fread(orig, 1, len, f) == len);
    fclose(f);
    unlink(path);
    unsigned loaded = 0, refused = 0;
    Machine *mm = make_m(NULL, &eh2, 32);
    SnapReg r;
    snap_reg_init(&r, &mm->events);
    machine_snap_register(mm, &r);
    /* Every byte of the header and the start of the state, then a sample of the rest. */
    for (size_t at = 0; at < len; at += at < 700 ? 1 : 1999) {
        memcpy(buf, orig, len);
        buf[at] ^= (uint8_t)(1u << (at % 8));
        sha256(buf, len - 32, buf + len - 32);
        err.msg[0] = 0;
        if (snap_file_load_mem(mm, &r, cfg, buf, len, &err) == 0)
            loaded++;
        else
            refused += err.msg[0] != 0;
    }
    CU_ASSERT(refused > 0);
    CU_ASSERT(loaded > 0);                 /* a register's bits are any value */
    /* Unfixed damage is always caught by the checksum. */
    memcpy(buf, orig, len);
    buf[len / 2] ^= 1;
    CU_ASSERT_EQUAL(snap_file_load_mem(mm, &r, cfg, buf, len, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "SHA-256"));
    CU_ASSERT_EQUAL(snap_file_load_mem(mm, &r, cfg, buf, len / 3, &err), -1);
    snap_reg_free(&r);
    machine_destroy(mm);
    free(orig);
    free(buf);
    travel_destroy(t);
    machine_destroy(m);
}

/* The debugger refuses to write into the past: it would make another history. */
static void test_no_write_in_the_past(void)
{
    EvHash eh = { 0 };
    Machine *m = make(NULL, &eh);
    Err err;
    Debugger *d = debugger_create(m, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    const DbgStop *s = dbg_stepi(d, 1000);
    CU_ASSERT_EQUAL(s->kind, DBG_STOP_STEP);
    s = dbg_reverse_stepi(d, 10, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->instret, 990);
    CU_ASSERT_EQUAL(dbg_write_reg(d, 10, 1, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "in the past"));
    CU_ASSERT_EQUAL(dbg_stepi(d, 10)->instret, 1000);
    CU_ASSERT_EQUAL(dbg_write_reg(d, 10, 1, &err), 0);   /* at the end of the history */
    /* The write started a new history: back no further than it. */
    s = dbg_reverse_stepi(d, 50, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->kind, DBG_STOP_ORIGIN);
    CU_ASSERT_EQUAL(s->instret, 1000);
    debugger_destroy(d);
    machine_destroy(m);
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

int suite_snap(void)
{
    CU_pSuite s = CU_add_suite("snap", init, cleanup);
    if (!s)
        return -1;
    CU_add_test(s, "state tables: fields, timers, damaged and foreign blobs", test_tables);
    CU_add_test(s, "every device region is declared", test_coverage);
    CU_add_test(s, "forward to T equals back to T (default run)", test_machine_default);
    CU_add_test(s, "forward to T equals back to T (scenario=all)", test_machine_all);
    CU_add_test(s, "snapshot files: round trip, other configuration, every byte mutated", test_file);
    CU_add_test(s, "no debugger write into the past", test_no_write_in_the_past);
    return CU_get_error();
}
