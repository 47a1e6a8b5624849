/* The boot ROM at 0x1000 with QEMU virt's reset convention: a0 = hart id,
 * a1 = DTB address, jump to the firmware entry; with a kernel to boot, also a2 = the
 * fw_dynamic info (OpenSBI's docs/firmware/fw_dynamic.md: magic, version 2, the
 * kernel's address, S mode), which the ROM holds at 0x1028 as QEMU's does. */
#ifndef RINGSIDE_BOOTROM_H
#define RINGSIDE_BOOTROM_H

#include "bus.h"

#define BOOTROM_BASE 0x1000u
#define BOOTROM_SIZE 0xf000u

typedef struct BootRom {
    uint8_t data[BOOTROM_SIZE];
} BootRom;

extern const MemOps bootrom_ops;
/* Read-only, filled at creation: a snapshot has nothing to save (snap/snap.h). */
struct SnapDesc;
extern const struct SnapDesc bootrom_snap;

/* kernel_addr 0: no kernel, no a2 (the ROM's code is then what it always was). */
void bootrom_init(BootRom *r, uint64_t entry, uint64_t dtb_addr, uint64_t kernel_addr);

#endif
