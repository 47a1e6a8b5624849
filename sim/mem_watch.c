/* Watched guest memory (see mem_watch.h). */
#include "mem_watch.h"

#include <stdlib.h>

static void store(void *ctx, uint64_t addr, unsigned size, uint64_t val)
{
    MemWatch *mw = ctx;
    /* Registration order, not address order: deterministic either way, and a store
     * that straddles two watched structures reaches both. */
    for (unsigned i = 0; i < mw->n; i++) {
        const MemWatcher *w = &mw->w[i];
        if (addr < w->base + w->len && addr + size > w->base)
            w->fn(w->opaque, addr, size, val);
    }
}

void mem_watch_init(MemWatch *mw, Ram *ram)
{
    memset(mw, 0, sizeof *mw);
    mw->ram = ram;
    ram->watch_fn = store;
    ram->watch_ctx = mw;
}

void mem_watch_destroy(MemWatch *mw)
{
    while (mw->n)
        mem_watch_remove(mw, mw->w[0].opaque);
    free(mw->w);
    mw->w = NULL;
    mw->cap = 0;
    if (mw->ram && mw->ram->watch_ctx == mw) {
        mw->ram->watch_fn = NULL;
        mw->ram->watch_ctx = NULL;
    }
}

int mem_watch_add(MemWatch *mw, uint64_t base, uint64_t len, MemStoreFn *fn, void *opaque)
{
    if (!len || !ram_contains(mw->ram, base, len))
        return -1;
    if (mw->n == mw->cap) {
        unsigned cap = mw->cap ? mw->cap * 2 : 8;
        MemWatcher *w = realloc(mw->w, cap * sizeof *w);
        if (!w)
            return -1;
        mw->w = w;
        mw->cap = cap;
    }
    mw->w[mw->n++] = (MemWatcher){ base, len, fn, opaque };
    ram_watch(mw->ram, base, len, true);
    return 0;
}

void mem_watch_remove(MemWatch *mw, void *opaque)
{
    unsigned j = 0;
    for (unsigned i = 0; i < mw->n; i++) {
        if (mw->w[i].opaque == opaque)
            ram_watch(mw->ram, mw->w[i].base, mw->w[i].len, false);
        else
            mw->w[j++] = mw->w[i];
    }
    mw->n = j;
}
