/* Guest DRAM: one host buffer, reached by the CPU without the region table.
 *
 * Each 4 KiB page carries flags. A store to a page with any flag set leaves the CPU's
 * fast path: RAM_PAGE_CODE pages hold decoded instructions (the store invalidates them,
 * so self-modifying code stays correct) and RAM_PAGE_WATCH pages are reported to
 * watch_fn (mem_watch.h: the ring watch, watchpoints). RAM_PAGE_CLEAN pages have not
 * been written since the last snapshot (snap/snap_ram.c): the first store marks the
 * page dirty and clears the flag, so a snapshot copies only what changed. */
#ifndef RINGSIDE_RAM_H
#define RINGSIDE_RAM_H

#include "common.h"

#define RAM_PAGE_SHIFT 12
#define RAM_PAGE_SIZE (1u << RAM_PAGE_SHIFT)

enum { RAM_PAGE_CODE = 1, RAM_PAGE_WATCH = 2, RAM_PAGE_CLEAN = 4 };

typedef struct Ram {
    uint64_t base, size;
    uint8_t *host;
    uint8_t *page_flags;                 /* size >> RAM_PAGE_SHIFT entries */
    /* Called when a store hits a RAM_PAGE_CODE page (set by the CPU), once per such
     * page with the bytes [addr, addr + len) written in it. */
    void (*code_written)(void *opaque, uint64_t addr, uint64_t len);
    void *code_opaque;
    /* Called for every CPU store that touches a RAM_PAGE_WATCH page (set by mem_watch). */
    void (*watch_fn)(void *ctx, uint64_t addr, unsigned size, uint64_t val);
    void *watch_ctx;
    uint32_t *watch_count;               /* per page: how many watchers */
    uint8_t *dirty;                      /* per page: written since the last snapshot
                                          * (NULL: nobody tracks) */
} Ram;

int ram_init(Ram *r, uint64_t base, uint64_t size, Err *err);
void ram_destroy(Ram *r);

static inline bool ram_contains(const Ram *r, uint64_t addr, uint64_t len)
{
    return addr >= r->base && len <= r->size && addr - r->base <= r->size - len;
}

/* Host pointer for [addr, addr+len), or NULL if any of it is outside RAM. */
static inline uint8_t *ram_ptr(const Ram *r, uint64_t addr, uint64_t len)
{
    return ram_contains(r, addr, len) ? r->host + (addr - r->base) : NULL;
}

/* Device-side (DMA) access. Writes keep decoded code coherent. Return -1 when the
 * range is not entirely inside RAM. */
int ram_read(const Ram *r, uint64_t addr, void *buf, uint64_t len);
int ram_write(Ram *r, uint64_t addr, const void *buf, uint64_t len);

/* Turns watching of the pages covering [addr, addr+len) on or off. Watches nest. */
void ram_watch(Ram *r, uint64_t addr, uint64_t len, bool on);
/* Called after a CPU store landed in a page with flags (either page, if it straddles
 * two): invalidates decoded code and reports watched stores. The store is done. */
void ram_store_done(Ram *r, uint64_t addr, unsigned size, uint64_t val);
/* Dirty tracking for snapshots: every page clean from now on (allocates the map on
 * first use; -1 when out of memory). */
int ram_track_reset(Ram *r);

#endif
