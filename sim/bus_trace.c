/* The bus observer (see bus_trace.h). */
#include <stdlib.h>

#include "bus_trace.h"

void bus_trace_init(BusTrace *bt, const Tracer *t, Ram *ram)
{
    memset(bt, 0, sizeof *bt);
    bt->t = t;
    bt->ram = ram;
}

void bus_trace_destroy(BusTrace *bt)
{
    while (bt->n)
        bus_trace_unwatch(bt, bt->w[0].opaque);
    free(bt->w);
    bt->w = NULL;
}

void bus_trace_attach(BusTrace *bt, AddrSpace *as)
{
    as->hook = bus_trace_hook;
    as->hook_ctx = bt;
}

int bus_trace_watch(BusTrace *bt, uint64_t base, uint64_t len, RamStoreFn *fn, void *opaque)
{
    if (!len || !ram_contains(bt->ram, base, len))
        return -1;
    if (bt->n == bt->cap) {
        unsigned cap = bt->cap ? bt->cap * 2 : 8;
        RamWatcher *w = realloc(bt->w, cap * sizeof *w);
        if (!w)
            return -1;
        bt->w = w;
        bt->cap = cap;
    }
    bt->w[bt->n++] = (RamWatcher){ base, len, fn, opaque };
    ram_watch(bt->ram, base, len, true);
    return 0;
}

void bus_trace_unwatch(BusTrace *bt, void *opaque)
{
    unsigned j = 0;
    for (unsigned i = 0; i < bt->n; i++) {
        if (bt->w[i].opaque == opaque)
            ram_watch(bt->ram, bt->w[i].base, bt->w[i].len, false);
        else
            bt->w[j++] = bt->w[i];
    }
    bt->n = j;
}

static void ram_store(BusTrace *bt, const BusAccess *a)
{
    /* Registration order, not address order: deterministic either way, and a store
     * that straddles two watched structures reaches both. */
    for (unsigned i = 0; i < bt->n; i++) {
        const RamWatcher *w = &bt->w[i];
        if (a->addr < w->base + w->len && a->addr + a->size > w->base)
            w->fn(w->opaque, a->addr, a->size, a->value);
    }
}

void bus_trace_hook(void *ctx, const BusAccess *a)
{
    BusTrace *bt = ctx;
    if (a->kind == ACC_RAM_WATCH) {
        ram_store(bt, a);
        return;
    }
    if (!tracer_on(bt->t))
        return;
    const char *space = a->space == SPACE_IO ? "io" : "mem";
    if (a->kind == ACC_UNMAPPED || a->kind == ACC_REJECTED) {
        if (a->is_write)
            TRACE(bt->t, unmapped_write, space, a->addr, (uint8_t)a->size, a->value);
        else
            TRACE(bt->t, unmapped_read, space, a->addr, (uint8_t)a->size);
        return;
    }
    const Region *r = a->region;
    const char *reg = region_reg_name(r, a->addr - r->base, a->size);
    uint8_t sz = (uint8_t)a->size;
    if (a->space == SPACE_IO) {
        if (a->is_write)
            TRACE(bt->t, pio_write, (uint32_t)a->addr, sz, a->value, r->name, reg);
        else
            TRACE(bt->t, pio_read, (uint32_t)a->addr, sz, a->value, r->name, reg);
    } else {
        if (a->is_write)
            TRACE(bt->t, mmio_write, a->addr, sz, a->value, r->name, reg);
        else
            TRACE(bt->t, mmio_read, a->addr, sz, a->value, r->name, reg);
    }
}
