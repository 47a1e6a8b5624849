/* Time travel over in-memory snapshots (see travel.h). */
#include "snap/travel.h"

#include <stdlib.h>
#include <time.h>

static uint64_t host_ns(void)
{
    /* For the benchmark's snapshot cost only: never reaches the machine or the trace. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void note_furthest(Travel *t)
{
    uint64_t now = cpu_instret(t->m->cpu);
    if (now > t->furthest)
        t->furthest = now;
}

int travel_check_coverage(const Travel *t, Err *err)
{
    const AddrSpace *sp[2] = { &t->m->mem, &t->m->io };
    for (unsigned s = 0; s < 2; s++)
        for (unsigned i = 0; i < sp[s]->n; i++) {
            const Region *r = &sp[s]->regions[i];
            if (r->opaque && !snap_covers(&t->reg, r->opaque))
                return err_set(err, "snapshot: device region '%s' belongs to no declared state (register its SnapDesc)",
                               r->name);
        }
    return 0;
}

Travel *travel_create(Machine *m, uint64_t every, Err *err)
{
    Travel *t = calloc(1, sizeof *t);
    if (!t) {
        err_set(err, "out of memory");
        return NULL;
    }
    t->m = m;
    t->every = every;
    t->base = -1;
    t->from_start = !m->started;
    machine_start(m);
    snap_reg_init(&t->reg, &m->events);
    machine_snap_register(m, &t->reg);
    if (travel_check_coverage(t, err) != 0 || travel_take(t, err) != 0) {
        travel_destroy(t);
        return NULL;
    }
    return t;
}

void travel_destroy(Travel *t)
{
    if (!t)
        return;
    for (unsigned i = 0; i < t->n; i++) {
        free(t->s[i].blob);
        ram_image_free(&t->s[i].ram);
    }
    free(t->s);
    snap_reg_free(&t->reg);
    free(t);
}

/* The newest snapshot at or before instret (or vclock); -1 if none. */
static int find_snap(const Travel *t, uint64_t instret, uint64_t vclock)
{
    int best = -1;
    for (unsigned i = 0; i < t->n; i++)
        if (t->s[i].instret <= instret && t->s[i].vclock <= vclock)
            best = (int)i;
    return best;
}

int travel_take(Travel *t, Err *err)
{
    Machine *m = t->m;
    uint64_t instret = cpu_instret(m->cpu), vclock = cpu_vclock(m->cpu);
    note_furthest(t);
    unsigned at = 0;
    while (at < t->n && (t->s[at].instret < instret || (t->s[at].instret == instret && t->s[at].vclock < vclock)))
        at++;
    if (at < t->n && t->s[at].instret == instret && t->s[at].vclock == vclock)
        return 0;
    if (t->n == t->cap) {
        unsigned cap = t->cap ? 2 * t->cap : 16;
        TravelSnap *s = realloc(t->s, cap * sizeof *s);
        if (!s)
            return err_set(err, "snapshot: out of memory");
        t->s = s;
        t->cap = cap;
    }
    uint64_t t0 = host_ns();
    TravelSnap ns = { .instret = instret, .vclock = vclock };
    SnapBuf b = { 0 };
    if (snap_save(&t->reg, &b, err) != 0) {
        snap_buf_free(&b);
        return -1;
    }
    const RamImage *base = t->base >= 0 ? &t->s[t->base].ram : NULL;
    if (ram_image_take(&m->ram, base, &ns.ram) != 0) {
        snap_buf_free(&b);
        return err_set(err, "snapshot: out of memory for RAM");
    }
    ns.blob = b.p;
    ns.len = b.len;
    memmove(&t->s[at + 1], &t->s[at], (t->n - at) * sizeof *t->s);
    t->s[at] = ns;
    t->n++;
    t->base = (int)at;
    t->taken_ns += host_ns() - t0;
    return 0;
}

/* Keeps snapshots 0, 2, 4, ... (their RAM images share pages with the ones dropped,
 * which the reference counts free), and the RAM's base where it was. */
static void thin(Travel *t)
{
    unsigned j = 0;
    for (unsigned i = 0; i < t->n; i++) {
        if (i % 2 == 0 || (int)i == t->base) {
            if ((int)i == t->base)
                t->base = (int)j;
            t->s[j++] = t->s[i];
        } else {
            free(t->s[i].blob);
            ram_image_free(&t->s[i].ram);
        }
    }
    t->n = j;
    t->every *= 2;
}

int travel_tick(Travel *t, Err *err)
{
    note_furthest(t);
    if (!t->every)
        return 0;
    Machine *m = t->m;
    int i = find_snap(t, cpu_instret(m->cpu), cpu_vclock(m->cpu));
    if (i >= 0 && cpu_instret(m->cpu) - t->s[i].instret < t->every)
        return 0;
    if (t->n >= TRAVEL_MAX_SNAPS)
        thin(t);
    return travel_take(t, err);
}

static int restore(Travel *t, int i, Err *err)
{
    Machine *m = t->m;
    const RamImage *base = t->base >= 0 ? &t->s[t->base].ram : NULL;
    if (snap_load(&t->reg, t->s[i].blob, t->s[i].len, err) != 0)
        return -1;
    if (ram_image_restore(&m->ram, base, &t->s[i].ram) != 0)
        return err_set(err, "snapshot: RAM image does not fit this machine");
    t->base = i;
    return 0;
}

/* Runs forward to the limit, through breakpoints and the debugger's pauses. */
static int run_forward(Travel *t, uint64_t vlimit, uint64_t ilimit, Err *err)
{
    Machine *m = t->m;
    for (;;) {
        if (cpu_instret(m->cpu) >= ilimit || cpu_vclock(m->cpu) >= vlimit)
            return 0;
        if (m->at_break || cpu_break_at(m->cpu, cpu_get_pc(m->cpu)))
            cpu_break_step_over(m->cpu);
        StopReason why = machine_run_until(m, vlimit, ilimit);
        note_furthest(t);
        if (why != STOP_PAUSED)
            return err_set(err, "the run ends (%s) at instruction %llu, before that moment", machine_stop_name(why),
                           (unsigned long long)cpu_instret(m->cpu));
    }
}

static int go(Travel *t, uint64_t instret, uint64_t vclock, Err *err)
{
    Machine *m = t->m;
    note_furthest(t);
    uint64_t ci = cpu_instret(m->cpu), cv = cpu_vclock(m->cpu);
    /* Forward from here when the target is ahead and no snapshot lies between. */
    int i = find_snap(t, instret, vclock);
    bool ahead = ci <= instret && cv <= vclock && m->stop == STOP_NONE;
    if (!ahead || (i >= 0 && (t->s[i].instret > ci || t->s[i].vclock > cv))) {
        if (i < 0)
            return err_set(err, "no snapshot before that moment");
        if (restore(t, i, err) != 0)
            return -1;
    }
    int rc = run_forward(t, vclock, instret, err);
    m->at_break = cpu_break_at(m->cpu, cpu_get_pc(m->cpu));
    return rc;
}

int travel_goto_instret(Travel *t, uint64_t target, Err *err)
{
    return go(t, target, MACHINE_NO_LIMIT, err);
}

int travel_goto_vtime(Travel *t, uint64_t vtarget, Err *err)
{
    return go(t, MACHINE_NO_LIMIT, vtarget, err);
}

bool travel_behind(const Travel *t)
{
    return cpu_instret(t->m->cpu) < t->furthest;
}

uint64_t travel_bytes(const Travel *t)
{
    uint64_t b = 0;
    for (unsigned i = 0; i < t->n; i++)
        b += t->s[i].len + ram_image_bytes(&t->s[i].ram);
    return b;
}

uint64_t travel_state_hash(Travel *t)
{
    SnapBuf b = { 0 };
    Err err;
    uint64_t h = ram_hash(&t->m->ram);
    if (snap_save(&t->reg, &b, &err) == 0)
        for (size_t i = 0; i < b.len; i++) {
            h ^= b.p[i];
            h *= 0x100000001b3ull;
        }
    snap_buf_free(&b);
    return h;
}
