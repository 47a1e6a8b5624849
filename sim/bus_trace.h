/* The bus observer (DESIGN.md §4, §8): the hook on the memory and I/O address spaces,
 * installed only while someone observes bus events. It turns every device access into
 * an mmio/pio event named by region and register, and records unmapped and rejected
 * accesses. (The guest's RAM stores are watched by mem_watch.h, not here.) */
#ifndef RINGSIDE_BUS_TRACE_H
#define RINGSIDE_BUS_TRACE_H

#include "bus.h"
#include "tracer.h"

typedef struct BusTrace {
    const Tracer *t;
} BusTrace;

void bus_trace_init(BusTrace *bt, const Tracer *t);
/* Installs (on) or removes (off) the hook on a space (both spaces share one BusTrace). */
void bus_trace_attach(BusTrace *bt, AddrSpace *as, bool on);

BusHookFn bus_trace_hook;

#endif
