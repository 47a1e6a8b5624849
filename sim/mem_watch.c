/* Watched guest memory (see mem_watch.h). */
#include "mem_watch.h"

#include <stdlib.h>

static inline bool hits(const MemWatcher *w, uint64_t addr, unsigned size)
{
    return addr < w->base + w->len && addr + size > w->base;
}

/* Every watcher from index i on, in registration order: the general case (a store
 * across a page boundary, no index). */
static void store_scan(MemWatch *mw, unsigned i, uint64_t addr, unsigned size, uint64_t val)
{
    /* Registration order, not address order: deterministic either way, and a store
     * that straddles two watched structures reaches both. */
    for (; i < mw->n; i++) {
        const MemWatcher *w = &mw->w[i];
        if (hits(w, addr, size))
            w->fn(w->opaque, addr, size, val);
    }
}

static inline size_t page_slot(uint64_t key, unsigned cap)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 40) & (cap - 1);
}

static void store(void *ctx, uint64_t addr, unsigned size, uint64_t val)
{
    MemWatch *mw = ctx;
    uint64_t key = (addr >> RAM_PAGE_SHIFT) + 1;
    if (mw->index_bad || ((addr + size - 1) >> RAM_PAGE_SHIFT) + 1 != key) {
        store_scan(mw, 0, addr, size, val);
        return;
    }
    const MemWatchPage *pg = NULL;
    for (size_t j = page_slot(key, mw->npages_cap); mw->pages[j].page; j = (j + 1) & (mw->npages_cap - 1))
        if (mw->pages[j].page == key) {
            pg = &mw->pages[j];
            break;
        }
    if (!pg)
        return;
    /* The same order and the same calls as store_scan: the page's watchers are the only
     * ones a store inside the page can hit, listed in registration order. */
    unsigned gen = mw->gen;
    for (uint32_t k = 0; k < pg->count; k++) {
        unsigned i = mw->idx[pg->start + k];
        const MemWatcher *w = &mw->w[i];
        if (!hits(w, addr, size))
            continue;
        w->fn(w->opaque, addr, size, val);
        if (mw->gen != gen) {
            /* The callback changed the watchers: go on as store_scan would. */
            store_scan(mw, i + 1, addr, size, val);
            return;
        }
    }
}

static unsigned watcher_pages(const MemWatcher *w)
{
    return (unsigned)(((w->base + w->len - 1) >> RAM_PAGE_SHIFT) - (w->base >> RAM_PAGE_SHIFT) + 1);
}

static MemWatchPage *page_find(MemWatch *mw, uint64_t key)
{
    size_t j = page_slot(key, mw->npages_cap);
    while (mw->pages[j].page && mw->pages[j].page != key)
        j = (j + 1) & (mw->npages_cap - 1);
    return &mw->pages[j];
}

/* Rebuilds the page index after the watchers changed. */
static void reindex(MemWatch *mw)
{
    mw->gen++;
    free(mw->pages);
    free(mw->idx);
    mw->pages = NULL;
    mw->idx = NULL;
    mw->npages_cap = 0;
    mw->index_bad = false;
    size_t total = 0;
    for (unsigned i = 0; i < mw->n; i++)
        total += watcher_pages(&mw->w[i]);
    unsigned cap = 8;
    while (cap < 2 * total)
        cap *= 2;
    mw->pages = calloc(cap, sizeof *mw->pages);
    mw->idx = malloc((total ? total : 1) * sizeof *mw->idx);
    if (!mw->pages || !mw->idx) {
        mw->index_bad = true;
        return;
    }
    mw->npages_cap = cap;
    /* Count per page, place each page's run, then fill in registration order. */
    for (unsigned i = 0; i < mw->n; i++) {
        uint64_t first = (mw->w[i].base >> RAM_PAGE_SHIFT) + 1;
        for (unsigned k = 0; k < watcher_pages(&mw->w[i]); k++) {
            MemWatchPage *pg = page_find(mw, first + k);
            pg->page = first + k;
            pg->count++;
        }
    }
    uint32_t at = 0;
    for (unsigned j = 0; j < cap; j++)
        if (mw->pages[j].page) {
            mw->pages[j].start = at;
            at += mw->pages[j].count;
            mw->pages[j].count = 0;
        }
    for (unsigned i = 0; i < mw->n; i++) {
        uint64_t first = (mw->w[i].base >> RAM_PAGE_SHIFT) + 1;
        for (unsigned k = 0; k < watcher_pages(&mw->w[i]); k++) {
            MemWatchPage *pg = page_find(mw, first + k);
            mw->idx[pg->start + pg->count++] = i;
        }
    }
}

void mem_watch_init(MemWatch *mw, Ram *ram)
{
    memset(mw, 0, sizeof *mw);
    mw->ram = ram;
    reindex(mw);
    ram->watch_fn = store;
    ram->watch_ctx = mw;
}

void mem_watch_destroy(MemWatch *mw)
{
    while (mw->n)
        mem_watch_remove(mw, mw->w[0].opaque);
    free(mw->w);
    free(mw->pages);
    free(mw->idx);
    mw->w = NULL;
    mw->pages = NULL;
    mw->idx = NULL;
    mw->cap = mw->npages_cap = 0;
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
    reindex(mw);
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
    if (j == mw->n)
        return;
    mw->n = j;
    reindex(mw);
}
