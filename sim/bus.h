/* Address spaces and the device bus (DESIGN.md §4).
 *
 * An address space is a sorted table of regions {base, size, name, ops, opaque}. A
 * device is a region with read/write callbacks; it declares the access widths it takes
 * and the bus splits wider accesses and rejects narrower ones, so no device repeats
 * that logic (the RVVM habit). RAM is not a region here: see ram.h. */
#ifndef RINGSIDE_BUS_H
#define RINGSIDE_BUS_H

#include "common.h"

/* A named register inside a device region: the one table that names it for the trace,
 * the monitor and error messages. Devices may dispatch from the same table. */
typedef struct RegDesc {
    uint32_t off;
    uint8_t size;
    const char *name;
} RegDesc;

const RegDesc *regdesc_find(const RegDesc *tab, unsigned n, uint64_t off);

typedef struct MemOps {
    uint64_t (*read)(void *opaque, uint64_t off, unsigned size);
    void (*write)(void *opaque, uint64_t off, unsigned size, uint64_t val);
    unsigned min_size;       /* narrowest access taken (0 = 1) */
    unsigned max_size;       /* widest access taken (0 = 8); wider ones are split */
    /* Optional: names the register at an offset (for the trace); NULL if unnamed. */
    const char *(*reg_name)(void *opaque, uint64_t off, unsigned size);
    bool passthrough;        /* forwards to another space: the hook sees the far side */
    /* Optional, for executable read-only memory (the boot ROM): host bytes at off, or
     * NULL. The CPU fetches instructions through it; data loads still use read(). */
    const uint8_t *(*fetch_ptr)(void *opaque, uint64_t off);
} MemOps;

typedef struct Region {
    uint64_t base, size;
    const char *name;
    const MemOps *ops;
    void *opaque;
} Region;

typedef enum { SPACE_MEM = 0, SPACE_IO = 1 } SpaceKind;

/* One observed access: a device's MMIO/PIO, an unmapped or a rejected one. */
typedef enum { ACC_DEVICE, ACC_UNMAPPED, ACC_REJECTED } AccessKind;

typedef struct BusAccess {
    SpaceKind space;
    AccessKind kind;
    bool is_write;
    unsigned size;
    uint64_t addr;           /* address in the space */
    uint64_t value;          /* value read or written */
    const Region *region;    /* NULL for unmapped / RAM */
} BusAccess;

typedef void BusHookFn(void *ctx, const BusAccess *a);

typedef struct AddrSpace {
    const char *name;
    SpaceKind kind;
    Region *regions;         /* sorted by base, non-overlapping */
    unsigned n, cap;
    unsigned last;           /* index of the last hit: devices are hit in runs */
    BusHookFn *hook;         /* the single observation point; NULL = nobody watches */
    void *hook_ctx;
    bool strict;             /* unmapped accesses fault instead of reading all-ones */
} AddrSpace;

void as_init(AddrSpace *as, const char *name, SpaceKind kind);
void as_destroy(AddrSpace *as);
/* Adds a region; an overlap is refused with an error that names both regions. */
int as_add(AddrSpace *as, uint64_t base, uint64_t size, const char *name,
           const MemOps *ops, void *opaque, Err *err);
/* Removes the region that starts at base and belongs to opaque; 0 or -1 if none. */
int as_remove(AddrSpace *as, uint64_t base, void *opaque);
const Region *as_find(const AddrSpace *as, uint64_t addr);

/* Returns 0 on success, -1 on an unmapped access when the space is strict (the caller
 * raises an access fault). Non-strict unmapped loads read all ones. */
int as_read(AddrSpace *as, uint64_t addr, unsigned size, uint64_t *val);
int as_write(AddrSpace *as, uint64_t addr, unsigned size, uint64_t val);

#endif
