/* Time travel for the debugger (debugger.h, snap/travel.h): reverse stepping, reverse
 * continue, going to a time or to an event number. Going back is a deterministic
 * re-run from the nearest earlier snapshot; while it re-runs, the stop points are
 * asleep (DBG_TRAVEL_QUIET) or only noted (DBG_TRAVEL_SCAN, reverse-continue: the last
 * moment a point would have stopped the run wins). */
#include <inttypes.h>
#include <stdlib.h>

#include "debug/dbg_priv.h"
#include "snap/snap_file.h"

void dbg_set_snapshot_every(Debugger *d, uint64_t n)
{
    d->snap_every = n;
    d->travel_off = n == 0;
}

Travel *dbg_travel(const Debugger *d) { return d->travel; }

void dbg_travel_start(Debugger *d)
{
    if (d->travel || d->travel_off || d->traveling != DBG_TRAVEL_OFF)
        return;
    Err err;
    d->travel = travel_create(d->m, d->snap_every ? d->snap_every : TRAVEL_EVERY_DEFAULT, &err);
    if (!d->travel) {
        d->travel_off = true;        /* the run goes on; travel commands say why not */
        snprintf(d->travel_why, sizeof d->travel_why, "%s", err.msg);
    }
}

uint64_t dbg_travel_limit(Debugger *d, uint64_t ilimit)
{
    Travel *t = d->travel;
    if (!t || !t->every || t->n == 0 || d->traveling != DBG_TRAVEL_OFF)
        return ilimit;
    uint64_t now = cpu_instret(d->m->cpu), last = 0;
    for (unsigned i = 0; i < t->n; i++)
        if (t->s[i].instret <= now)
            last = t->s[i].instret;
    uint64_t next = last + t->every;
    return next > now && next < ilimit ? next : ilimit;
}

void dbg_travel_tick(Debugger *d)
{
    Err err;
    if (d->travel && d->traveling == DBG_TRAVEL_OFF && d->m->stop == STOP_NONE &&
        travel_tick(d->travel, &err) != 0) {
        /* Out of memory or an undeclared timer: travel stops, the run does not. */
        snprintf(d->travel_why, sizeof d->travel_why, "%s", err.msg);
        travel_destroy(d->travel);
        d->travel = NULL;
        d->travel_off = true;
    }
}

int dbg_travel_before_write(Debugger *d, Err *err)
{
    if (!d->travel)
        return 0;
    if (travel_behind(d->travel))
        return err_set(err, "the machine stands in the past (instruction %" PRIu64 " of %" PRIu64
                            "): writing here would change a recorded history; go back to its end first",
                       cpu_instret(d->m->cpu), d->travel->furthest);
    /* A write starts a history the snapshots before it do not lead to: they go. */
    Machine *m = d->m;
    uint64_t every = d->travel->every;
    travel_destroy(d->travel);
    d->travel = travel_create(m, every, err);
    if (!d->travel) {
        d->travel_off = true;
        snprintf(d->travel_why, sizeof d->travel_why, "%s", err->msg);
    }
    return 0;
}

static Travel *need(Debugger *d, Err *err)
{
    dbg_travel_start(d);
    if (!d->travel) {
        if (d->travel_why[0])
            err_set(err, "no time travel: %s", d->travel_why);
        else
            err_set(err, "no time travel: snapshots are off (--snapshot-every 0)");
    }
    return d->travel;
}

static void where(Debugger *d, DbgStopKind kind)
{
    memset(&d->stop, 0, sizeof d->stop);
    d->stop.kind = kind;
    d->stop.vtime = cpu_vclock(d->m->cpu);
    d->stop.pc = cpu_get_pc(d->m->cpu);
    d->stop.instret = cpu_instret(d->m->cpu);
}

/* Runs the travel operation with the points asleep. */
static int quietly(Debugger *d, int (*fn)(Travel *, uint64_t, Err *), uint64_t arg, Err *err)
{
    d->traveling = DBG_TRAVEL_QUIET;
    int rc = fn(d->travel, arg, err);
    d->traveling = DBG_TRAVEL_OFF;
    d->fired = false;
    return rc;
}

const DbgStop *dbg_reverse_stepi(Debugger *d, uint64_t n, Err *err)
{
    Travel *t = need(d, err);
    if (!t)
        return NULL;
    uint64_t now = cpu_instret(d->m->cpu);
    uint64_t to = n > now ? 0 : now - n;
    if (to < t->s[0].instret)
        to = t->s[0].instret;
    if (quietly(d, travel_goto_instret, to, err) != 0)
        return NULL;
    where(d, to == t->s[0].instret && n > now - to ? DBG_STOP_ORIGIN : DBG_STOP_STEP);
    return &d->stop;
}

const DbgStop *dbg_goto_time(Debugger *d, uint64_t vt, Err *err)
{
    Travel *t = need(d, err);
    if (!t)
        return NULL;
    if (vt < t->s[0].vclock)
        vt = t->s[0].vclock;
    if (quietly(d, travel_goto_vtime, vt, err) != 0)
        return NULL;
    where(d, DBG_STOP_TIME);
    return &d->stop;
}

/* ---- reverse-continue ---- */

typedef struct Hit {
    bool found;
    uint64_t vclock;
    DbgStop stop;
} Hit;

static void note_hit(Debugger *d, Hit *h, DbgStopKind kind)
{
    h->found = true;
    h->vclock = cpu_vclock(d->m->cpu);
    if (kind == DBG_STOP_BREAK) {
        memset(&h->stop, 0, sizeof h->stop);
        h->stop.kind = DBG_STOP_BREAK;
        for (unsigned i = 0; i < d->npt; i++)
            if (d->pt[i].kind == DBG_BREAK && d->pt[i].addr == cpu_get_pc(d->m->cpu)) {
                h->stop.id = d->pt[i].id;
                snprintf(h->stop.point, sizeof h->stop.point, "%s", d->pt[i].text);
                break;
            }
    } else {
        h->stop = d->stop;
    }
}

/* From the snapshot restored, forward to end_v: the last moment a point fired. */
static int scan(Debugger *d, uint64_t end_v, Hit *h, Err *err)
{
    Machine *m = d->m;
    d->traveling = DBG_TRAVEL_SCAN;
    d->fired = false;
    int rc = 0;
    while (cpu_vclock(m->cpu) < end_v) {
        if (cpu_break_at(m->cpu, cpu_get_pc(m->cpu))) {
            note_hit(d, h, DBG_STOP_BREAK);
            cpu_break_step_over(m->cpu);
        }
        StopReason why = machine_run_until(m, end_v, MACHINE_NO_LIMIT);
        if (d->fired && cpu_vclock(m->cpu) < end_v)
            note_hit(d, h, d->stop.kind);
        d->fired = false;
        if (why != STOP_PAUSED)
            break;
        if (m->at_break && cpu_vclock(m->cpu) < end_v) {
            note_hit(d, h, DBG_STOP_BREAK);
            cpu_break_step_over(m->cpu);
            m->at_break = false;
        }
    }
    d->traveling = DBG_TRAVEL_OFF;
    (void)err;
    return rc;
}

const DbgStop *dbg_reverse_continue(Debugger *d, Err *err)
{
    Travel *t = need(d, err);
    if (!t)
        return NULL;
    uint64_t end_v = cpu_vclock(d->m->cpu);
    for (int k = (int)t->n - 1; k >= 0; k--) {
        if (t->s[k].vclock >= end_v)
            continue;
        if (quietly(d, travel_goto_vtime, t->s[k].vclock, err) != 0)
            return NULL;
        Hit h = { 0 };
        if (scan(d, end_v, &h, err) != 0)
            return NULL;
        if (h.found) {
            if (quietly(d, travel_goto_vtime, h.vclock, err) != 0)
                return NULL;
            d->stop = h.stop;
            d->stop.vtime = cpu_vclock(d->m->cpu);
            d->stop.pc = cpu_get_pc(d->m->cpu);
            d->stop.instret = cpu_instret(d->m->cpu);
            d->m->at_break = d->stop.kind == DBG_STOP_BREAK;
            return &d->stop;
        }
        end_v = t->s[k].vclock;
    }
    if (quietly(d, travel_goto_vtime, t->s[0].vclock, err) != 0)
        return NULL;
    where(d, DBG_STOP_ORIGIN);
    return &d->stop;
}

/* ---- goto-event ---- */

typedef struct Count {
    Machine *m;
    const Debugger *d;
    uint64_t n, target;
    bool hit;
    char text[320];
} Count;

static void count_event(void *ctx, const TraceEvent *ev)
{
    Count *c = ctx;
    if (c->hit || ++c->n != c->target)
        return;
    c->hit = true;
    dbg_event_text(c->d, ev, c->text, sizeof c->text);
    machine_pause(c->m);
}

const DbgStop *dbg_goto_event(Debugger *d, uint64_t n, Err *err)
{
    Travel *t = need(d, err);
    if (!t)
        return NULL;
    if (!t->from_start)
        return err_set(err, "event numbers count from the run's start, and this history begins later"), NULL;
    if (n == 0)
        return err_set(err, "events are numbered from 1 (run_start)"), NULL;
    if (quietly(d, travel_goto_vtime, t->s[0].vclock, err) != 0)
        return NULL;
    Count c = { .m = d->m, .d = d, .n = 1, .target = n, .hit = n == 1 };
    snprintf(c.text, sizeof c.text, "run_start");
    if (n > 1) {
        if (tracer_observe(&d->m->tracer, count_event, &c, NULL) != 0)
            return err_set(err, "the tracer has no room for another observer"), NULL;
        d->traveling = DBG_TRAVEL_QUIET;
        Machine *m = d->m;
        while (!c.hit) {
            if (cpu_break_at(m->cpu, cpu_get_pc(m->cpu)))
                cpu_break_step_over(m->cpu);
            if (machine_run_until(m, MACHINE_NO_LIMIT, MACHINE_NO_LIMIT) != STOP_PAUSED)
                break;
        }
        d->traveling = DBG_TRAVEL_OFF;
        d->fired = false;
        tracer_unobserve(&d->m->tracer, count_event, &c);
        t->furthest = t->furthest > cpu_instret(m->cpu) ? t->furthest : cpu_instret(m->cpu);
        if (!c.hit)
            return err_set(err, "the run has %" PRIu64 " events; there is no event %" PRIu64, c.n, n), NULL;
        m->at_break = cpu_break_at(m->cpu, cpu_get_pc(m->cpu));
    }
    where(d, DBG_STOP_EVENT);
    d->stop.value = n;
    snprintf(d->stop.event, sizeof d->stop.event, "%s", c.text);
    return &d->stop;
}

void dbg_print_snapshots(const Debugger *d, FILE *f)
{
    const Travel *t = d->travel;
    if (!t) {
        fprintf(f, "no snapshots%s%s\n", d->travel_why[0] ? ": " : "", d->travel_why);
        return;
    }
    for (unsigned i = 0; i < t->n; i++)
        fprintf(f, "  %u: time %" PRIu64 ", instruction %" PRIu64 ", %" PRIu64 " RAM pages copied\n", i, t->s[i].vclock,
                t->s[i].instret, t->s[i].ram.copied);
    fprintf(f, "%u snapshots, every %" PRIu64 " instructions, %" PRIu64 " KiB; the run reached instruction %" PRIu64 "\n",
            t->n, t->every, travel_bytes(t) >> 10, t->furthest);
}

/* ---- snapshot files ---- */

int dbg_set_config(Debugger *d, const char *config)
{
    free(d->config);
    d->config = strdup(config);
    return d->config ? 0 : -1;
}

int dbg_snapshot_save(Debugger *d, const char *path, Err *err)
{
    if (!d->config)
        return err_set(err, "snapshot save: this session does not know its configuration");
    if (d->m->stop != STOP_NONE)
        return err_set(err, "snapshot save: the run has ended; go back into it first (reverse-stepi, goto)");
    SnapReg r;
    snap_reg_init(&r, &d->m->events);
    machine_snap_register(d->m, &r);
    int rc = snap_file_save(d->m, &r, d->config, path, err);
    snap_reg_free(&r);
    return rc;
}
