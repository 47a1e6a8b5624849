/* Reset-vector code of the boot ROM (QEMU virt convention, see bootrom.h). */
#include "bootrom.h"
#include "snap/snap.h"

#define FW_DYNAMIC_MAGIC 0x4942534full       /* "OSBI" */
#define FW_DYNAMIC_VERSION 2
#define FW_DYNAMIC_NEXT_MODE_S 1

void bootrom_init(BootRom *r, uint64_t entry, uint64_t dtb_addr, uint64_t kernel_addr)
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
    if (kernel_addr) {
        /* a2 = &info before t0 is reused: addi a2, t0, 0x28 in the first nop's place. */
        memmove(r->data + 8, r->data + 4, 16);
        st32_le(r->data + 4, 0x02828613);
        static const uint64_t info_words = 6;
        uint64_t info[6] = { FW_DYNAMIC_MAGIC, FW_DYNAMIC_VERSION, kernel_addr,
                             FW_DYNAMIC_NEXT_MODE_S, 0, ~0ull /* boot_hart: any */ };
        for (unsigned i = 0; i < info_words; i++)
            st64_le(r->data + 0x28 + 8 * i, info[i]);
    }
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
