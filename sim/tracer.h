/* The simulator's event stream (DESIGN.md §8, §11): every module that reports something
 * holds a Tracer pointer and emits through TRACE(), the one API for a trace event, which
 * stamps the event with the virtual time, the guest pc and the symbol of the function
 * the pc is in (with a kernel's symbols, of its call stack: sym_chain), and hands it to
 * every observer that asked for its type: the trace file,
 * the replay comparison, and later breakpoints, the driver checker, a live view.
 *
 * An event nobody observes costs one branch (want[type] is zero) and is never built.
 * Observers see events in registration order and never change what the machine does;
 * they must not add or remove observers while an event is being dispatched. */
#ifndef RINGSIDE_TRACER_H
#define RINGSIDE_TRACER_H

#include "loader.h"
#include "snap/recgate.h"
#include "trace/trace.h"

#define TRACER_MAX_OBSERVERS 8

/* The last symbol found: events come in runs from one function. */
typedef struct SymCache {
    uint64_t lo, hi;
    const char *name;
} SymCache;

typedef void TraceObserveFn(void *ctx, const TraceEvent *ev);

typedef struct TraceObserver {
    TraceObserveFn *fn;
    void *ctx;
    TraceTypeSet types;      /* the event types it is given */
    bool recording;          /* part of the run's recording: gated (tracer_set_recording) */
    RecGate gate;
} TraceObserver;

typedef struct Tracer {
    /* Source of virtual time and guest pc (the machine points it at the CPU); NULL in
     * unit tests: time is then vtime_fixed and pc 0. */
    uint64_t (*now)(void *ctx, uint64_t *pc);
    void *now_ctx;
    uint64_t vtime_fixed;
    const Symtab *syms;      /* firmware symbols, may be NULL */
    SymCache *sym_cache;     /* optional, owned by whoever set up the tracer */
    /* Optional: the symbol of pc's call stack, given the function pc is in (the machine
     * sets it when a kernel's symbols are loaded: debug/frames.h). Returns inner when
     * it has nothing to add; what it returns keeps its content and address for the
     * run (the trace writer knows a name by its address). Reads, never changes. */
    const char *(*sym_chain)(void *ctx, uint64_t pc, const char *inner);
    void *sym_chain_ctx;

    TraceObserver obs[TRACER_MAX_OBSERVERS];
    unsigned nobs;
    /* The trace file is the one observer that takes no TraceEvent: tracer_observe with
     * trace_observe puts it here, and tracer_ev_* encode straight into its buffer
     * (trace.h's trace_ev_*) before the other observers are handed the event. */
    TraceWriter *writer;
    TraceTypeSet writer_types;
    bool writer_recording;   /* the writer is gated like a recording observer ... */
    RecGate writer_gate;     /* ... by this gate (tracer_set_recording) */
    uint8_t want[TRACE_EV_LIMIT];   /* how many observers take each event type */
    uint8_t want_obs[TRACE_EV_LIMIT];   /* the same without the writer */
    /* Called after the set of wanted types changed (the machine then turns its hooks,
     * RAM watches and timers that only feed observers on or off). */
    void (*changed)(void *ctx);
    void *changed_ctx;
    bool dispatching;
} Tracer;

/* An empty tracer: no observers, no clock. */
void tracer_init(Tracer *t);
/* Adds an observer of the given event types (NULL: all of them). -1 when the tracer
 * already has TRACER_MAX_OBSERVERS or is dispatching. */
int tracer_observe(Tracer *t, TraceObserveFn *fn, void *ctx, const TraceTypeSet *types);
/* Marks observer (fn, ctx) as part of the recording (the trace file, the replay
 * comparison, the driver checker): after a snapshot is restored it is not given the
 * events it has already seen until the run is past them again (snap/recgate.h). */
void tracer_set_recording(Tracer *t, TraceObserveFn *fn, void *ctx);
/* Whether the run goes over ground the recording already holds (after a snapshot was
 * restored): a recording observer that also reacts to something other than events
 * (the checker's RAM watch) stays quiet while this is true. */
bool tracer_replaying(const Tracer *t);
/* Snapshot state: how far each recording observer has seen (snap/snap.h). */
struct SnapDesc;
extern const struct SnapDesc tracer_snap;
/* Removes the observer (fn, ctx); no-op if it is not there. */
void tracer_unobserve(Tracer *t, TraceObserveFn *fn, void *ctx);

/* Whether anyone observes anything / this event type. */
static inline bool tracer_on(const Tracer *t) { return t && (t->nobs || t->writer); }
static inline bool tracer_wants(const Tracer *t, unsigned type) { return t && t->want[type & (TRACE_EV_LIMIT - 1)]; }
/* Whether anyone observes an event of this family ("bus", "ring_drv", ...). */
bool tracer_wants_family(const Tracer *t, const char *family);

/* The symbol of pc: the cached function's name when pc is in it (events come in runs
 * from one function), else a table look-up; then, if the tracer has a sym_chain, the
 * name of the call stack that function is on. */
const char *tracer_sym_lookup(const Tracer *t, uint64_t pc);
static inline const char *tracer_sym(const Tracer *t, uint64_t pc)
{
    const SymCache *c = t->sym_cache;
    const char *s = c && t->syms && pc && pc - c->lo < c->hi - c->lo ? c->name : tracer_sym_lookup(t, pc);
    return s && t->sym_chain ? t->sym_chain(t->sym_chain_ctx, pc, s) : s;
}
/* Hands ev to every observer of its type. */
void tracer_dispatch(const Tracer *t, const TraceEvent *ev);

/* tracer_ev_NAME(t, vtime, pc, sym, fields...): builds the event and dispatches it;
 * fields as trace.h's trace_ev_NAME takes them. Called through TRACE. */
#define F(type, fname) TRACE_PARAM_##type(fname)
#define EV(id, name, family, ...) \
    void tracer_ev_##name(const Tracer *t, uint64_t vtime, uint64_t pc, const char *sym __VA_ARGS__);
#include "trace/events.def"
#undef EV
#undef F

/* TRACE(t, event_name, fields...): emits event_name with the fields in the order
 * events.def lists them, if anyone observes it. */
#define TRACE(t, ev, ...)                                                              \
    do {                                                                               \
        const Tracer *tr_ = (t);                                                       \
        if (tracer_wants(tr_, TRACE_EV_##ev)) {                                        \
            uint64_t pc_ = 0;                                                          \
            uint64_t vt_ = tr_->now ? tr_->now(tr_->now_ctx, &pc_) : tr_->vtime_fixed; \
            tracer_ev_##ev(tr_, vt_, pc_, tracer_sym(tr_, pc_), __VA_ARGS__);          \
        }                                                                              \
    } while (0)

/* The same for an event whose time and pc the caller knows better than the clock does
 * (a trap reported after the hart has already moved to the handler). */
#define TRACE_AT(t, vtime, pc, ev, ...)                                                \
    do {                                                                               \
        const Tracer *tr_ = (t);                                                       \
        if (tracer_wants(tr_, TRACE_EV_##ev))                                          \
            tracer_ev_##ev(tr_, (vtime), (pc), tracer_sym(tr_, (pc)), __VA_ARGS__);    \
    } while (0)

/* Whether the trace file takes an event of type ty now: it wants the type and, after a
 * snapshot was restored, the run is past what the file already holds (the gate counts
 * the event: ask once per event). */
static inline bool tracer_writer_takes(const Tracer *t, unsigned ty)
{
    return t->writer && trace_types_has(&t->writer_types, ty) &&
           (!t->writer_recording || recgate_pass(&((Tracer *)t)->writer_gate));
}

/* TRACE_FILE(t, event_name, fields...): TRACE for the trace file alone, no other
 * observer: for an event the other observers are known not to want (the bus hook's
 * console accesses, which the driver checker ignores), so that no TraceEvent is built. */
#define TRACE_FILE(t, ev, ...)                                                         \
    do {                                                                               \
        const Tracer *tr_ = (t);                                                       \
        if (tr_->writer && tracer_writer_takes(tr_, TRACE_EV_##ev)) {                  \
            uint64_t pc_ = 0;                                                          \
            uint64_t vt_ = tr_->now ? tr_->now(tr_->now_ctx, &pc_) : tr_->vtime_fixed; \
            trace_ev_##ev(tr_->writer, vt_, pc_, tracer_sym(tr_, pc_), __VA_ARGS__);   \
        }                                                                              \
    } while (0)

/* Whether TRACE(t, ev, ...) would emit: for work done only to build an event's fields. */
#define TRACE_WANTED(t, ev) tracer_wants((t), TRACE_EV_##ev)

#endif
