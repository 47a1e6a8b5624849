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
    memset(t->want, 0, sizeof t->want);
    for (unsigned i = 0; i < t->nobs; i++)
        for (unsigned ty = 0; ty < TRACE_EV_LIMIT; ty++)
            if (trace_types_has(&t->obs[i].types, ty))
                t->want[ty]++;
    if (t->changed)
        t->changed(t->changed_ctx);
}

int tracer_observe(Tracer *t, TraceObserveFn *fn, void *ctx, const TraceTypeSet *types)
{
    if (t->nobs == TRACER_MAX_OBSERVERS || t->dispatching || !fn)
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
    for (unsigned i = 0; i < t->nobs; i++)
        if (t->obs[i].fn == fn && t->obs[i].ctx == ctx)
            t->obs[i].recording = true;
}

bool tracer_replaying(const Tracer *t)
{
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

const char *tracer_sym(const Tracer *t, uint64_t pc)
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

void tracer_dispatch(const Tracer *t, const TraceEvent *ev)
{
    /* Observers may not change the list while it is walked (tracer.h); the flag makes a
     * tracer_observe from inside a callback fail instead of corrupting the walk. */
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

#define F(type, fname) (type, fname)
#define EV(id, name, family, ...)                                                                \
    void tracer_ev_##name(const Tracer *t, uint64_t vtime, uint64_t pc,                          \
                          const char *sym TRACE_GEN_PARAMS(__VA_ARGS__))                         \
    {                                                                                            \
        TraceEvent ev = { .type = TRACE_EV_##name, .vtime = vtime, .pc = pc, .sym = sym };       \
        TraceEv_##name *p = &ev.u.name;                                                          \
        TRACE_GEN_SETS(__VA_ARGS__)                                                              \
        tracer_dispatch(t, &ev);                                                                 \
    }
#include "trace/events.def"
#undef EV
#undef F

/* ---- snapshots (snap/snap.h) ---- */

/* How far each recording observer has seen, in registration order. Loading is lenient
 * about their number: a run started from a snapshot file may record to other outputs
 * (each starts empty, so any count lets it write), while in one process the observers
 * are the same ones. */
static int tracer_snap_save(void *obj, SnapBuf *b, Err *err)
{
    (void)err;
    Tracer *t = obj;
    uint32_t n = 0;
    for (unsigned i = 0; i < t->nobs; i++)
        n += t->obs[i].recording;
    snap_put_u32(b, n);
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
    for (uint32_t j = 0; j < n; j++) {
        uint64_t seen = snap_get_u64(in);
        while (k < t->nobs && !t->obs[k].recording)
            k++;
        if (k < t->nobs)
            t->obs[k++].gate.seen = seen;
    }
    return in->bad ? err_set(err, "snapshot: tracer: truncated") : 0;
}

const SnapDesc tracer_snap = { .name = "tracer", .version = 1, .size = sizeof(Tracer),
                               .save = tracer_snap_save, .load = tracer_snap_load };
