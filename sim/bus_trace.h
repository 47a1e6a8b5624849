/* The bus observer (DESIGN.md §4, §8): the hook on the memory and I/O address spaces,
 * installed only while someone observes bus events. It turns every device access into
 * an mmio/pio event named by region and register, and records unmapped and rejected
 * accesses. (The guest's RAM stores are watched by mem_watch.h, not here.) */
#ifndef RINGSIDE_BUS_TRACE_H
#define RINGSIDE_BUS_TRACE_H

#include "bus.h"
#include "tracer.h"

#define BUS_TRACE_MAX_ONLY 4
#define BUS_TRACE_NAME_CACHE 16   /* a power of two */

/* A register name found in a region's register table (a pure function of the table
 * and the offset, so it can be remembered). */
typedef struct BusRegName {
    const RegDesc *tab;
    uint64_t off;
    const char *name;
} BusRegName;

typedef struct BusTrace {
    const Tracer *t;
    /* When nonly > 0, only accesses to the regions called so (the bus's own name
     * strings, compared as pointers) are reported to the observers, and no unmapped
     * ones: for observers that care about a few devices only (the driver checker), so
     * that no event is built for every console byte. The trace file, if it wants bus
     * events, still gets every access (TRACE_FILE), encoded without a TraceEvent. */
    const char *only[BUS_TRACE_MAX_ONLY];
    unsigned nonly;
    BusRegName names[BUS_TRACE_NAME_CACHE];
} BusTrace;

void bus_trace_init(BusTrace *bt, const Tracer *t);
/* Installs (on) or removes (off) the hook on a space (both spaces share one BusTrace). */
void bus_trace_attach(BusTrace *bt, AddrSpace *as, bool on);
/* Reports to the observers only accesses to these regions (n 0: every access, the
 * default); the trace file gets every access either way. */
void bus_trace_only(BusTrace *bt, const char *const *regions, unsigned n);

BusHookFn bus_trace_hook;

#endif
