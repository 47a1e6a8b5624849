/* The boot ROM at 0x1000 with QEMU virt's reset convention: a0 = hart id,
 * a1 = DTB address, jump to the firmware entry. */
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

void bootrom_init(BootRom *r, uint64_t entry, uint64_t dtb_addr);

#endif
