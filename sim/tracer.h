/* How simulator modules emit trace events (DESIGN.md §8): every module that records
 * something holds a Tracer pointer (NULL or with no writer = tracing off, one branch)
 * and emits through TRACE(), which stamps each event with the virtual time, the guest
 * pc and the symbol of the function the pc is in. The one API for a trace event. */
#ifndef RINGSIDE_TRACER_H
#define RINGSIDE_TRACER_H

#include "loader.h"
#include "trace/trace.h"

/* The last symbol found: events come in runs from one function. */
typedef struct SymCache {
    uint64_t lo, hi;
    const char *name;
} SymCache;

typedef struct Tracer {
    TraceWriter *tw;         /* NULL: tracing off */
    /* Source of virtual time and guest pc (the machine points it at the CPU); NULL in
     * unit tests: time is then vtime_fixed and pc 0. */
    uint64_t (*now)(void *ctx, uint64_t *pc);
    void *now_ctx;
    uint64_t vtime_fixed;
    const Symtab *syms;      /* firmware symbols, may be NULL */
    SymCache *sym_cache;     /* optional, owned by whoever set up the tracer */
} Tracer;

static inline bool tracer_on(const Tracer *t) { return t && t->tw; }
const char *tracer_sym(const Tracer *t, uint64_t pc);

/* TRACE(t, event_name, fields...): emits trace_ev_<event_name> with the fields in the
 * order events.def lists them. */
#define TRACE(t, ev, ...)                                                              \
    do {                                                                               \
        const Tracer *tr_ = (t);                                                       \
        if (tracer_on(tr_)) {                                                          \
            uint64_t pc_ = 0;                                                          \
            uint64_t vt_ = tr_->now ? tr_->now(tr_->now_ctx, &pc_) : tr_->vtime_fixed; \
            trace_ev_##ev(tr_->tw, vt_, pc_, tracer_sym(tr_, pc_), __VA_ARGS__);       \
        }                                                                              \
    } while (0)

/* The same for an event whose time and pc the caller knows better than the clock does
 * (a trap reported after the hart has already moved to the handler). */
#define TRACE_AT(t, vtime, pc, ev, ...)                                                \
    do {                                                                               \
        const Tracer *tr_ = (t);                                                       \
        if (tracer_on(tr_))                                                            \
            trace_ev_##ev(tr_->tw, (vtime), (pc), tracer_sym(tr_, (pc)), __VA_ARGS__); \
    } while (0)

#endif
