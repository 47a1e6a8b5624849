/* The bus observer (DESIGN.md §4, §8): the single hook on the memory and I/O address
 * spaces. It turns every device access into an mmio/pio trace event named by region
 * and register, records unmapped accesses, and hands watched RAM stores (the rings a
 * driver registered) to whoever watches that memory, so they can name the store
 * (descriptor, avail entry, avail idx, ...). */
#ifndef RINGSIDE_BUS_TRACE_H
#define RINGSIDE_BUS_TRACE_H

#include "bus.h"
#include "ram.h"
#include "tracer.h"

/* Called for a guest store into a watched range. */
typedef void RamStoreFn(void *opaque, uint64_t addr, unsigned size, uint64_t val);

typedef struct RamWatcher {
    uint64_t base, len;
    RamStoreFn *fn;
    void *opaque;
} RamWatcher;

typedef struct BusTrace {
    const Tracer *t;
    Ram *ram;
    RamWatcher *w;
    unsigned n, cap;
} BusTrace;

void bus_trace_init(BusTrace *bt, const Tracer *t, Ram *ram);
void bus_trace_destroy(BusTrace *bt);
/* Installs the hook on a space (both spaces share one BusTrace). */
void bus_trace_attach(BusTrace *bt, AddrSpace *as);
/* Watches guest stores to [base, base+len) (ranges may overlap). Returns -1 on OOM. */
int bus_trace_watch(BusTrace *bt, uint64_t base, uint64_t len, RamStoreFn *fn, void *opaque);
/* Removes every watch of opaque. */
void bus_trace_unwatch(BusTrace *bt, void *opaque);

BusHookFn bus_trace_hook;

#endif
