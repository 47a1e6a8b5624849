/* Address spaces and the device bus (DESIGN.md §4).
 *
 * An address space is a sorted table of regions {base, size, name, ops, opaque}. A
 * device is a region with read/write callbacks or a register table; it declares the
 * access widths it takes, and the bus splits wider accesses, rejects narrower ones and
 * ones that run off the region's end, so no device repeats that logic (the RVVM habit).
 * RAM is not a region here: see ram.h. */
#ifndef RINGSIDE_BUS_H
#define RINGSIDE_BUS_H

#include "common.h"

/* A register, or an array of like registers (PLIC priorities), inside a device region:
 * the one table that names it for the trace, the monitor and error messages, and the
 * one a table-driven device is dispatched through (MemOps.regs). sub is the byte offset
 * of the access inside the row; a row without a callback reads 0 and ignores writes. */
typedef struct RegDesc {
    uint32_t off;
    uint32_t size;           /* bytes the row covers (0 = 1) */
    const char *name;
    uint64_t (*read)(void *dev, unsigned sub, unsigned size);
    void (*write)(void *dev, unsigned sub, unsigned size, uint64_t val);
} RegDesc;

/* The row whose bytes include off, or NULL. */
const RegDesc *regdesc_find(const RegDesc *tab, unsigned n, uint64_t off);

/* A device as the bus sees it. The callbacks return 0 when the access is done and -1
 * when the device refuses it: a bus error, which the CPU takes as an access fault. */
typedef struct MemOps {
    int (*read)(void *opaque, uint64_t off, unsigned size, uint64_t *val);
    int (*write)(void *opaque, uint64_t off, unsigned size, uint64_t val);
    /* Instead of read/write (each NULL): a register table the bus dispatches itself,
     * which also names the registers. Offsets no row covers read 0, writes do nothing. */
    const RegDesc *regs;
    unsigned nregs;
    unsigned min_size;       /* narrowest access taken (0 = 1) */
    unsigned max_size;       /* widest access taken (0 = 8); wider ones are split */
    /* Optional, without regs: names the register at an offset (for the trace). */
    const char *(*reg_name)(void *opaque, uint64_t off, unsigned size);
    bool passthrough;        /* forwards to another space: the hook sees the far side */
    /* Optional, for executable read-only memory (the boot ROM): host bytes at off, or
     * NULL. The CPU fetches instructions through it; data loads still use read(). */
    const uint8_t *(*fetch_ptr)(void *opaque, uint64_t off);
} MemOps;

/* One access straight to a device, through its callback or its table, without the
 * region checks, splitting or hook of as_read/as_write: for a window that reaches a
 * BAR from config space (virtio's pci_cfg) and for tests of one device. */
int memops_read(const MemOps *ops, void *opaque, uint64_t off, unsigned size, uint64_t *val);
int memops_write(const MemOps *ops, void *opaque, uint64_t off, unsigned size, uint64_t val);

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
    bool strict;             /* unmapped and rejected accesses fault (--strict) */
} AddrSpace;

void as_init(AddrSpace *as, const char *name, SpaceKind kind);
void as_destroy(AddrSpace *as);
/* Adds a region; an overlap is refused with an error that names both regions. */
int as_add(AddrSpace *as, uint64_t base, uint64_t size, const char *name,
           const MemOps *ops, void *opaque, Err *err);
/* Removes the region that starts at base and belongs to opaque; 0 or -1 if none. */
int as_remove(AddrSpace *as, uint64_t base, void *opaque);
const Region *as_find(const AddrSpace *as, uint64_t addr);
/* The name of the register at off in r (from its table or its reg_name), or NULL. */
const char *region_reg_name(const Region *r, uint64_t off, unsigned size);

/* Every failing access is decided here, once for every device. Returns 0, or -1 when
 * the access faults (the CPU raises an access fault):
 *   - a device refused it (its callback returned -1): always;
 *   - unmapped: under --strict (as->strict); otherwise loads read all ones and stores
 *     are dropped;
 *   - rejected by the bus: it runs off the end of its region, is narrower than the
 *     device's min_size, or the device takes no access of that direction; under
 *     --strict, otherwise as unmapped. Rejected accesses never reach the device. */
int as_read(AddrSpace *as, uint64_t addr, unsigned size, uint64_t *val);
int as_write(AddrSpace *as, uint64_t addr, unsigned size, uint64_t val);

#endif
