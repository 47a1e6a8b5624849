/* Guest DRAM and its per-page flags (see ram.h). */
#include "ram.h"

#include <stdlib.h>

int ram_init(Ram *r, uint64_t base, uint64_t size, Err *err)
{
    memset(r, 0, sizeof *r);
    if (size == 0 || size % RAM_PAGE_SIZE)
        return err_set(err, "RAM size must be a non-zero multiple of 4 KiB");
    r->host = calloc(1, size);
    r->page_flags = calloc(size >> RAM_PAGE_SHIFT, 1);
    r->watch_count = calloc(size >> RAM_PAGE_SHIFT, sizeof *r->watch_count);
    if (!r->host || !r->page_flags || !r->watch_count) {
        ram_destroy(r);
        return err_set(err, "cannot allocate %llu MiB of guest RAM", (unsigned long long)(size >> 20));
    }
    r->base = base;
    r->size = size;
    return 0;
}

void ram_destroy(Ram *r)
{
    free(r->host);
    free(r->page_flags);
    free(r->watch_count);
    free(r->dirty);
    r->host = r->page_flags = r->dirty = NULL;
    r->watch_count = NULL;
}

int ram_read(const Ram *r, uint64_t addr, void *buf, uint64_t len)
{
    const uint8_t *p = ram_ptr(r, addr, len);
    if (!p)
        return -1;
    memcpy(buf, p, len);
    return 0;
}

/* Pages [addr, addr+len) were written: a snapshot must copy them. */
static void mark_dirty(Ram *r, uint64_t addr, uint64_t len)
{
    if (!r->dirty || len == 0)
        return;
    uint64_t first = (addr - r->base) >> RAM_PAGE_SHIFT;
    uint64_t last = (addr - r->base + len - 1) >> RAM_PAGE_SHIFT;
    for (uint64_t pg = first; pg <= last; pg++) {
        r->dirty[pg] = 1;
        r->page_flags[pg] &= (uint8_t)~RAM_PAGE_CLEAN;
    }
}

int ram_track_reset(Ram *r)
{
    uint64_t n = r->size >> RAM_PAGE_SHIFT;
    if (!r->dirty && !(r->dirty = calloc(n, 1)))
        return -1;
    memset(r->dirty, 0, n);
    for (uint64_t pg = 0; pg < n; pg++)
        r->page_flags[pg] |= RAM_PAGE_CLEAN;
    return 0;
}

static void invalidate_code(Ram *r, uint64_t addr, uint64_t len)
{
    if (!r->code_written || len == 0)
        return;
    uint64_t first = (addr - r->base) >> RAM_PAGE_SHIFT;
    uint64_t last = (addr - r->base + len - 1) >> RAM_PAGE_SHIFT;
    uint64_t end = addr + len;
    for (uint64_t pg = first; pg <= last; pg++) {
        if (!(r->page_flags[pg] & RAM_PAGE_CODE))
            continue;
        uint64_t lo = r->base + (pg << RAM_PAGE_SHIFT), hi = lo + RAM_PAGE_SIZE;
        lo = addr > lo ? addr : lo;
        hi = end < hi ? end : hi;
        r->code_written(r->code_opaque, lo, hi - lo);
    }
}

int ram_write(Ram *r, uint64_t addr, const void *buf, uint64_t len)
{
    uint8_t *p = ram_ptr(r, addr, len);
    if (!p)
        return -1;
    memcpy(p, buf, len);
    mark_dirty(r, addr, len);
    invalidate_code(r, addr, len);
    return 0;
}

void ram_watch(Ram *r, uint64_t addr, uint64_t len, bool on)
{
    if (len == 0 || !ram_contains(r, addr, len))
        return;
    uint64_t first = (addr - r->base) >> RAM_PAGE_SHIFT;
    uint64_t last = (addr - r->base + len - 1) >> RAM_PAGE_SHIFT;
    for (uint64_t pg = first; pg <= last; pg++) {
        if (on)
            r->watch_count[pg]++;
        else if (r->watch_count[pg])
            r->watch_count[pg]--;
        if (r->watch_count[pg])
            r->page_flags[pg] |= RAM_PAGE_WATCH;
        else
            r->page_flags[pg] &= (uint8_t)~RAM_PAGE_WATCH;
    }
}

void ram_store_done(Ram *r, uint64_t addr, unsigned size, uint64_t val)
{
    if (!ram_contains(r, addr, size))
        return;
    /* A misaligned store may end on the next page: both pages' flags apply. */
    uint8_t fl = r->page_flags[(addr - r->base) >> RAM_PAGE_SHIFT] |
                 r->page_flags[(addr + size - 1 - r->base) >> RAM_PAGE_SHIFT];
    if (fl & RAM_PAGE_CLEAN)
        mark_dirty(r, addr, size);
    if (fl & RAM_PAGE_CODE)
        invalidate_code(r, addr, size);
    if ((fl & RAM_PAGE_WATCH) && r->watch_fn)
        r->watch_fn(r->watch_ctx, addr, size, val);
}
