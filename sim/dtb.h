/* The flattened device tree the machine hands the guest in a1 (DESIGN.md §2), shaped
 * as QEMU's riscv64 virt board shapes it, built with libfdt. */
#ifndef RINGSIDE_DTB_H
#define RINGSIDE_DTB_H

#include "common.h"

typedef struct DtbConfig {
    uint64_t ram_base, ram_size;
    const char *bootargs;        /* NULL = no /chosen/bootargs */
    uint32_t timebase_hz;
    /* Adds nodes under /soc that belong to other modules (the PCI host bridge). */
    int (*add_soc_nodes)(void *ctx, void *fdt, int soc, uint32_t plic_phandle, Err *err);
    void *ctx;
    /* Booting a kernel (--kernel): the cpu gets mmu-type, and /chosen the initrd's
     * linux,initrd-start/end when initrd_end > initrd_start, as QEMU writes them. */
    bool kernel;
    uint64_t initrd_start, initrd_end;
} DtbConfig;

/* Builds the tree into a malloc'd buffer (packed); *size receives its size. */
void *dtb_build(const DtbConfig *cfg, size_t *size, Err *err);

#endif
