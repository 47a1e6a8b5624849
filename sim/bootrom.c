/* Reset-vector code of the boot ROM (QEMU virt convention, see bootrom.h). */
#include "bootrom.h"
#include "snap/snap.h"

void bootrom_init(BootRom *r, uint64_t entry, uint64_t dtb_addr)
{
    static const uint32_t code[] = {
        0x00000297, /* auipc t0, 0           */
        0xf1402573, /* csrr  a0, mhartid     */
        0x0202b583, /* ld    a1, 0x20(t0)    : DTB address */
        0x0182b283, /* ld    t0, 0x18(t0)    : entry */
        0x00028067, /* jr    t0              */
        0x00000013, /* nop (pads to 0x18)    */
    };
    memset(r->data, 0, sizeof r->data);
    for (unsigned i = 0; i < ARRAY_SIZE(code); i++)
        st32_le(r->data + 4 * i, code[i]);
    st64_le(r->data + 0x18, entry);
    st64_le(r->data + 0x20, dtb_addr);
}

/* The bus keeps off + size inside the region, which is the ROM's BOOTROM_SIZE bytes. */
static int rom_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    BootRom *r = opaque;
    *val = ldn_le(r->data + off, size);
    return 0;
}

static const uint8_t *rom_fetch(void *opaque, uint64_t off)
{
    BootRom *r = opaque;
    return off + 4 <= BOOTROM_SIZE ? r->data + off : NULL;
}

const MemOps bootrom_ops = {
    .read = rom_read, .write = NULL, .min_size = 1, .max_size = 8, .fetch_ptr = rom_fetch,
};

const SnapDesc bootrom_snap = { .name = "bootrom", .version = 1, .size = sizeof(BootRom) };
