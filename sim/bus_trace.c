/* The bus observer (see bus_trace.h). */
#include "bus_trace.h"

void bus_trace_init(BusTrace *bt, const Tracer *t)
{
    bt->t = t;
}

void bus_trace_attach(BusTrace *bt, AddrSpace *as, bool on)
{
    as->hook = on ? bus_trace_hook : NULL;
    as->hook_ctx = on ? bt : NULL;
}

void bus_trace_only(BusTrace *bt, const char *const *regions, unsigned n)
{
    bt->nonly = n < BUS_TRACE_MAX_ONLY ? n : BUS_TRACE_MAX_ONLY;
    for (unsigned i = 0; i < bt->nonly; i++)
        bt->only[i] = regions[i];
}

static bool reported(const BusTrace *bt, const BusAccess *a)
{
    if (!bt->nonly)
        return true;
    for (unsigned i = 0; a->region && i < bt->nonly; i++)
        if (a->region->name == bt->only[i])
            return true;
    return false;
}

void bus_trace_hook(void *ctx, const BusAccess *a)
{
    BusTrace *bt = ctx;
    if (!reported(bt, a))
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
