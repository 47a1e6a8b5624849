/* Address-space region tables and access dispatch (DESIGN.md §4). */
#include "bus.h"

#include <stdlib.h>

const RegDesc *regdesc_find(const RegDesc *tab, unsigned n, uint64_t off)
{
    for (unsigned i = 0; i < n; i++)
        if (off >= tab[i].off && off < (uint64_t)tab[i].off + (tab[i].size ? tab[i].size : 1))
            return &tab[i];
    return NULL;
}

void as_init(AddrSpace *as, const char *name, SpaceKind kind)
{
    memset(as, 0, sizeof *as);
    as->name = name;
    as->kind = kind;
}

void as_destroy(AddrSpace *as)
{
    free(as->regions);
    as->regions = NULL;
    as->n = as->cap = 0;
}

int as_add(AddrSpace *as, uint64_t base, uint64_t size, const char *name,
           const MemOps *ops, void *opaque, Err *err)
{
    if (size == 0 || base + size - 1 < base)
        return err_set(err, "%s: region '%s' at 0x%llx has a bad size 0x%llx", as->name, name,
                       (unsigned long long)base, (unsigned long long)size);
    unsigned i = 0;
    while (i < as->n && as->regions[i].base < base)
        i++;
    const Region *prev = i > 0 ? &as->regions[i - 1] : NULL;
    const Region *next = i < as->n ? &as->regions[i] : NULL;
    const Region *clash = NULL;
    if (prev && prev->base + prev->size > base)
        clash = prev;
    else if (next && next->base < base + size)
        clash = next;
    if (clash)
        return err_set(err, "%s: region '%s' [0x%llx, 0x%llx) overlaps '%s' [0x%llx, 0x%llx)",
                       as->name, name, (unsigned long long)base, (unsigned long long)(base + size),
                       clash->name, (unsigned long long)clash->base,
                       (unsigned long long)(clash->base + clash->size));
    if (as->n == as->cap) {
        unsigned cap = as->cap ? as->cap * 2 : 16;
        Region *r = realloc(as->regions, cap * sizeof *r);
        if (!r)
            return err_set(err, "out of memory");
        as->regions = r;
        as->cap = cap;
    }
    memmove(&as->regions[i + 1], &as->regions[i], (as->n - i) * sizeof *as->regions);
    as->regions[i] = (Region){ base, size, name, ops, opaque };
    as->n++;
    as->last = 0;
    return 0;
}

int as_remove(AddrSpace *as, uint64_t base, void *opaque)
{
    for (unsigned i = 0; i < as->n; i++) {
        if (as->regions[i].base == base && as->regions[i].opaque == opaque) {
            memmove(&as->regions[i], &as->regions[i + 1], (as->n - i - 1) * sizeof *as->regions);
            as->n--;
            as->last = 0;
            return 0;
        }
    }
    return -1;
}

const Region *as_find(const AddrSpace *as, uint64_t addr)
{
    if (as->last < as->n) {
        const Region *r = &as->regions[as->last];
        if (addr - r->base < r->size)
            return r;
    }
    unsigned lo = 0, hi = as->n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        const Region *r = &as->regions[mid];
        if (addr < r->base)
            hi = mid;
        else if (addr - r->base >= r->size)
            lo = mid + 1;
        else {
            ((AddrSpace *)as)->last = mid;
            return r;
        }
    }
    return NULL;
}

const char *region_reg_name(const Region *r, uint64_t off, unsigned size)
{
    const MemOps *ops = r->ops;
    if (ops->regs) {
        const RegDesc *d = regdesc_find(ops->regs, ops->nregs, off);
        return d ? d->name : NULL;
    }
    return ops->reg_name ? ops->reg_name(r->opaque, off, size) : NULL;
}

int memops_read(const MemOps *ops, void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    if (ops->read)
        return ops->read(opaque, off, size, val);
    const RegDesc *d = regdesc_find(ops->regs, ops->nregs, off);
    *val = d && d->read ? d->read(opaque, (unsigned)(off - d->off), size) : 0;
    return 0;
}

int memops_write(const MemOps *ops, void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    if (ops->write)
        return ops->write(opaque, off, size, val);
    const RegDesc *d = regdesc_find(ops->regs, ops->nregs, off);
    if (d && d->write)
        d->write(opaque, (unsigned)(off - d->off), size, val);
    return 0;
}

/* A device access on a passthrough region is seen on the far side; anything that does
 * not get there (unmapped, rejected) is seen here. */
static void report(AddrSpace *as, AccessKind kind, bool wr, uint64_t addr, unsigned size,
                   uint64_t val, const Region *r)
{
    if (as->hook && !(kind == ACC_DEVICE && r->ops->passthrough)) {
        BusAccess a = { as->kind, kind, wr, size, addr, val, r };
        as->hook(as->hook_ctx, &a);
    }
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* The bus's own checks, before a device sees anything: the access must lie inside the
 * region (one check for every device), be at least as wide as the device takes, and
 * have a callback or a table for its direction. */
static bool acceptable(const Region *r, uint64_t off, unsigned size, bool wr)
{
    const MemOps *ops = r->ops;
    unsigned minsz = ops->min_size ? ops->min_size : 1;
    bool callback = wr ? ops->write != NULL : ops->read != NULL;
    return size <= r->size - off && size >= minsz && (callback || ops->regs);
}

/* Unmapped and rejected accesses: loads read all ones, stores are dropped, and the
 * hook sees them; under --strict they fault. */
static int refuse(AddrSpace *as, AccessKind kind, bool wr, uint64_t addr, unsigned size,
                  uint64_t val, const Region *r)
{
    report(as, kind, wr, addr, size, val, r);
    return as->strict ? -1 : 0;
}

int as_read(AddrSpace *as, uint64_t addr, unsigned size, uint64_t *val)
{
    const Region *r = as_find(as, addr);
    *val = size_mask(size);
    if (!r)
        return refuse(as, ACC_UNMAPPED, false, addr, size, *val, NULL);
    uint64_t off = addr - r->base;
    if (!acceptable(r, off, size, false))
        return refuse(as, ACC_REJECTED, false, addr, size, *val, r);
    const MemOps *ops = r->ops;
    unsigned maxsz = ops->max_size ? ops->max_size : 8;
    unsigned step = size > maxsz ? maxsz : size;
    uint64_t v = 0;
    int rc = 0;
    for (unsigned done = 0; done < size && rc == 0; done += step) {
        uint64_t part = 0;
        rc = memops_read(ops, r->opaque, off + done, step, &part);
        v |= (part & size_mask(step)) << (8 * done);
    }
    /* A device's bus error is still the access it was: traced with all ones. */
    if (rc == 0)
        *val = v & size_mask(size);
    report(as, ACC_DEVICE, false, addr, size, *val, r);
    return rc == 0 ? 0 : -1;
}

int as_write(AddrSpace *as, uint64_t addr, unsigned size, uint64_t val)
{
    const Region *r = as_find(as, addr);
    val &= size_mask(size);
    if (!r)
        return refuse(as, ACC_UNMAPPED, true, addr, size, val, NULL);
    uint64_t off = addr - r->base;
    if (!acceptable(r, off, size, true))
        return refuse(as, ACC_REJECTED, true, addr, size, val, r);
    /* Report before dispatch so that effects of the write (interrupts, DMA) follow it. */
    report(as, ACC_DEVICE, true, addr, size, val, r);
    const MemOps *ops = r->ops;
    unsigned maxsz = ops->max_size ? ops->max_size : 8;
    unsigned step = size > maxsz ? maxsz : size;
    for (unsigned done = 0; done < size; done += step)
        if (memops_write(ops, r->opaque, off + done, step, (val >> (8 * done)) & size_mask(step)) != 0)
            return -1;
    return 0;
}
