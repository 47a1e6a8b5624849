/* The bus observer (see bus_trace.h). */
#include "bus_trace.h"

void bus_trace_init(BusTrace *bt, const Tracer *t)
{
    memset(bt, 0, sizeof *bt);
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

/* region_reg_name, remembered for register tables: the console's two registers are
 * named on every byte it prints. A region with a naming callback is asked each time
 * (its names may depend on device state). */
static const char *reg_name(BusTrace *bt, const Region *r, uint64_t off, unsigned size)
{
    const RegDesc *tab = r->ops->regs;
    if (!tab)
        return region_reg_name(r, off, size);
    BusRegName *c = &bt->names[(off ^ ((uintptr_t)tab >> 4)) & (BUS_TRACE_NAME_CACHE - 1)];
    if (c->tab != tab || c->off != off)
        *c = (BusRegName){ tab, off, region_reg_name(r, off, size) };
    return c->name;
}

/* One access as an event: EMIT is TRACE (every observer) or TRACE_FILE (the file). */
#define BUS_EVENT(EMIT, bt, a)                                                               \
    do {                                                                                     \
        const char *space_ = (a)->space == SPACE_IO ? "io" : "mem";                          \
        if ((a)->kind == ACC_UNMAPPED || (a)->kind == ACC_REJECTED) {                        \
            if ((a)->is_write)                                                               \
                EMIT((bt)->t, unmapped_write, space_, (a)->addr, (uint8_t)(a)->size, (a)->value); \
            else                                                                             \
                EMIT((bt)->t, unmapped_read, space_, (a)->addr, (uint8_t)(a)->size);         \
            break;                                                                           \
        }                                                                                    \
        const Region *r_ = (a)->region;                                                      \
        const char *reg_ = reg_name((bt), r_, (a)->addr - r_->base, (a)->size);              \
        uint8_t sz_ = (uint8_t)(a)->size;                                                    \
        if ((a)->space == SPACE_IO) {                                                        \
            if ((a)->is_write)                                                               \
                EMIT((bt)->t, pio_write, (uint32_t)(a)->addr, sz_, (a)->value, r_->name, reg_); \
            else                                                                             \
                EMIT((bt)->t, pio_read, (uint32_t)(a)->addr, sz_, (a)->value, r_->name, reg_); \
        } else {                                                                             \
            if ((a)->is_write)                                                               \
                EMIT((bt)->t, mmio_write, (a)->addr, sz_, (a)->value, r_->name, reg_);       \
            else                                                                             \
                EMIT((bt)->t, mmio_read, (a)->addr, sz_, (a)->value, r_->name, reg_);        \
        }                                                                                    \
    } while (0)

void bus_trace_hook(void *ctx, const BusAccess *a)
{
    BusTrace *bt = ctx;
    if (reported(bt, a))
        BUS_EVENT(TRACE, bt, a);
    else if (bt->t->writer)
        BUS_EVENT(TRACE_FILE, bt, a);
}
