/* The event stream and its observers (see tracer.h). */
#include "tracer.h"

#include "snap/snap.h"
#include "trace/events_gen.h"

void tracer_init(Tracer *t)
{
    memset(t, 0, sizeof *t);
}

static void recount(Tracer *t)
{
    memset(t->want_obs, 0, sizeof t->want_obs);
    for (unsigned i = 0; i < t->nobs; i++)
        for (unsigned ty = 0; ty < TRACE_EV_LIMIT; ty++)
            if (trace_types_has(&t->obs[i].types, ty))
                t->want_obs[ty]++;
    for (unsigned ty = 0; ty < TRACE_EV_LIMIT; ty++)
        t->want[ty] = (uint8_t)(t->want_obs[ty] + (t->writer && trace_types_has(&t->writer_types, ty)));
    if (t->changed)
        t->changed(t->changed_ctx);
}

int tracer_observe(Tracer *t, TraceObserveFn *fn, void *ctx, const TraceTypeSet *types)
{
    if (t->dispatching || !fn)
        return -1;
    if (fn == trace_observe) {
        if (t->writer)
            return -1;      /* one trace file per run */
        t->writer = ctx;
        if (types)
            t->writer_types = *types;
        else
            trace_types_all(&t->writer_types);
        recount(t);
        return 0;
    }
    if (t->nobs == TRACER_MAX_OBSERVERS)
        return -1;
    TraceObserver *o = &t->obs[t->nobs++];
    *o = (TraceObserver){ .fn = fn, .ctx = ctx };
    if (types)
        o->types = *types;
    else
        trace_types_all(&o->types);
    recount(t);
    return 0;
}

void tracer_unobserve(Tracer *t, TraceObserveFn *fn, void *ctx)
{
    if (t->dispatching)
        return;
    if (fn == trace_observe) {
        if (t->writer == ctx) {
            t->writer = NULL;
            t->writer_recording = false;
            t->writer_gate = (RecGate){ 0, 0 };
            recount(t);
        }
        return;
    }
    unsigned j = 0;
    for (unsigned i = 0; i < t->nobs; i++)
        if (t->obs[i].fn != fn || t->obs[i].ctx != ctx)
            t->obs[j++] = t->obs[i];
    if (j == t->nobs)
        return;
    t->nobs = j;
    recount(t);
}

void tracer_set_recording(Tracer *t, TraceObserveFn *fn, void *ctx)
{
    if (fn == trace_observe && t->writer == ctx)
        t->writer_recording = true;
    for (unsigned i = 0; i < t->nobs; i++)
        if (t->obs[i].fn == fn && t->obs[i].ctx == ctx)
            t->obs[i].recording = true;
}

bool tracer_replaying(const Tracer *t)
{
    if (t->writer_recording && t->writer_gate.seen < t->writer_gate.written)
        return true;
    for (unsigned i = 0; i < t->nobs; i++)
        if (t->obs[i].recording && t->obs[i].gate.seen < t->obs[i].gate.written)
            return true;
    return false;
}

bool tracer_wants_family(const Tracer *t, const char *family)
{
    if (!tracer_on(t))
        return false;
    TraceTypeSet s = { { 0 } };
    trace_types_add_family(&s, family);
    for (unsigned ty = 0; ty < TRACE_EV_LIMIT; ty++)
        if (t->want[ty] && trace_types_has(&s, ty))
            return true;
    return false;
}

const char *tracer_sym_lookup(const Tracer *t, uint64_t pc)
{
    if (!t->syms || !pc)
        return NULL;
    SymCache *c = t->sym_cache;
    if (c && pc - c->lo < c->hi - c->lo)
        return c->name;
    uint64_t off;
    const Symbol *s = symtab_lookup(t->syms, pc, &off);
    if (s && c && s->size)
        *c = (SymCache){ s->addr, s->addr + s->size, s->name };
    return s ? s->name : NULL;
}

/* The observers other than the writer. Observers may not change the list while it is
 * walked (tracer.h); the flag makes a tracer_observe from inside a callback fail
 * instead of corrupting the walk. */
static void dispatch_observers(const Tracer *t, const TraceEvent *ev)
{
    Tracer *w = (Tracer *)t;
    bool outer = !w->dispatching;
    w->dispatching = true;
    for (unsigned i = 0; i < t->nobs; i++)
        if (trace_types_has(&t->obs[i].types, ev->type) &&
            (!t->obs[i].recording || recgate_pass(&w->obs[i].gate)))
            t->obs[i].fn(t->obs[i].ctx, ev);
    if (outer)
        w->dispatching = false;
}

void tracer_dispatch(const Tracer *t, const TraceEvent *ev)
{
    if (tracer_writer_takes(t, ev->type))
        trace_emit(t->writer, ev);
    dispatch_observers(t, ev);
}

#define F(type, fname) (type, fname)
#define EV(id, name, family, ...)                                                                \
    void tracer_ev_##name(const Tracer *t, uint64_t vtime, uint64_t pc,                          \
                          const char *sym TRACE_GEN_PARAMS(__VA_ARGS__))                         \
    {                                                                                            \
        if (tracer_writer_takes(t, TRACE_EV_##name))                                                    \
            trace_ev_##name(t->writer, vtime, pc, sym TRACE_GEN_CALL(__VA_ARGS__));              \
        if (!t->want_obs[TRACE_EV_##name])                                                       \
            return;                                                                              \
        TraceEvent ev = { .type = TRACE_EV_##name, .vtime = vtime, .pc = pc, .sym = sym };       \
        TraceEv_##name *p = &ev.u.name;                                                          \
        TRACE_GEN_SETS(__VA_ARGS__)                                                              \
        dispatch_observers(t, &ev);                                                              \
    }
#include "trace/events.def"
#undef EV
#undef F

/* ---- snapshots (snap/snap.h) ---- */

/* How far each recording observer has seen: the writer first, then the others in
 * registration order. Loading is lenient
 * about their number: a run started from a snapshot file may record to other outputs
 * (each starts empty, so any count lets it write), while in one process the observers
 * are the same ones. */
static int tracer_snap_save(void *obj, SnapBuf *b, Err *err)
{
    (void)err;
    Tracer *t = obj;
    uint32_t n = t->writer_recording;
    for (unsigned i = 0; i < t->nobs; i++)
        n += t->obs[i].recording;
    snap_put_u32(b, n);
    if (t->writer_recording)
        snap_put_u64(b, t->writer_gate.seen);
    for (unsigned i = 0; i < t->nobs; i++)
        if (t->obs[i].recording)
            snap_put_u64(b, t->obs[i].gate.seen);
    return 0;
}

static int tracer_snap_load(void *obj, SnapIn *in, Err *err)
{
    Tracer *t = obj;
    uint32_t n = snap_get_u32(in);
    if (in->bad || n > TRACER_MAX_OBSERVERS)
        return err_set(err, "snapshot: tracer: %u recording observers", n);
    unsigned k = 0;
    bool writer = t->writer_recording;
    for (uint32_t j = 0; j < n; j++) {
        uint64_t seen = snap_get_u64(in);
        if (writer) {
            t->writer_gate.seen = seen;
            writer = false;
            continue;
        }
        while (k < t->nobs && !t->obs[k].recording)
            k++;
        if (k < t->nobs)
            t->obs[k++].gate.seen = seen;
    }
    return in->bad ? err_set(err, "snapshot: tracer: truncated") : 0;
}

const SnapDesc tracer_snap = { .name = "tracer", .version = 1, .size = sizeof(Tracer),
                               .save = tracer_snap_save, .load = tracer_snap_load };
