/* Watched guest memory: whoever needs to see the guest's stores to a range of RAM (the
 * ring watch that turns the driver's ring writes into trace events; later watchpoints
 * and the driver checker) registers the range here. Only the pages of watched ranges
 * leave the CPU's fast store path (ram.h, RAM_PAGE_WATCH); every other store costs
 * nothing. Watching is independent of tracing: no trace file is needed. */
#ifndef RINGSIDE_MEM_WATCH_H
#define RINGSIDE_MEM_WATCH_H

#include "ram.h"

/* Called after a CPU store into a watched range landed (the bytes are in RAM). */
typedef void MemStoreFn(void *opaque, uint64_t addr, unsigned size, uint64_t val);

typedef struct MemWatcher {
    uint64_t base, len;
    MemStoreFn *fn;
    void *opaque;
} MemWatcher;

/* The watchers of one RAM page: idx[start .. start + count) of MemWatch. */
typedef struct MemWatchPage {
    uint64_t page;           /* address >> RAM_PAGE_SHIFT, plus 1 (0: free slot) */
    uint32_t start, count;
} MemWatchPage;

typedef struct MemWatch {
    Ram *ram;
    MemWatcher *w;
    unsigned n, cap;
    /* An index by page, rebuilt when the watchers change (rarely: a queue set up or
     * reset), so that a store looks at the watchers of its page only, in registration
     * order, instead of at all of them (a virtio-net device has dozens). */
    MemWatchPage *pages;     /* open addressing, npages_cap slots (a power of two) */
    unsigned npages_cap;
    uint32_t *idx;           /* watcher indices, grouped by page */
    unsigned gen;            /* changes with every add/remove */
    bool index_bad;          /* out of memory building the index: scan all watchers */
} MemWatch;

/* Becomes ram's watcher (ram->watch_fn). */
void mem_watch_init(MemWatch *mw, Ram *ram);
void mem_watch_destroy(MemWatch *mw);
/* Reports stores to [base, base+len), which must lie in RAM; ranges may overlap and a
 * store that touches several reaches each, in registration order. -1 if the range is
 * outside RAM or memory runs out. */
int mem_watch_add(MemWatch *mw, uint64_t base, uint64_t len, MemStoreFn *fn, void *opaque);
/* Removes every range of opaque. */
void mem_watch_remove(MemWatch *mw, void *opaque);

#endif
