/* The configuration space of one PCI function (PCI Local Bus 3.0 §6): masked writes,
 * write-1-to-clear status, BAR sizing and decode, capability list, INTx gating, DMA
 * gated by bus mastering. See pci.h for the model. */
#include "pci/pci.h"

#include <stdarg.h>

#include "snap/snap.h"

/* Standard header register names, for the trace (PCI 3.0 figure 6-1). */
static const RegDesc header_regs[] = {
    { PCI_VENDOR_ID, 2, "vendor_id" },       { PCI_DEVICE_ID, 2, "device_id" },
    { PCI_COMMAND, 2, "command" },           { PCI_STATUS, 2, "status" },
    { PCI_REVISION_ID, 1, "revision_id" },   { PCI_CLASS_PROG, 1, "class_prog" },
    { PCI_CLASS_DEVICE, 2, "class_device" }, { PCI_CACHE_LINE_SIZE, 1, "cache_line_size" },
    { PCI_LATENCY_TIMER, 1, "latency_timer" }, { PCI_HEADER_TYPE, 1, "header_type" },
    { PCI_BIST, 1, "bist" },                 { 0x10, 4, "bar0" },
    { 0x14, 4, "bar1" },                     { 0x18, 4, "bar2" },
    { 0x1c, 4, "bar3" },                     { 0x20, 4, "bar4" },
    { 0x24, 4, "bar5" },                     { PCI_CARDBUS_CIS, 4, "cardbus_cis" },
    { PCI_SUBSYSTEM_VENDOR_ID, 2, "subsystem_vendor_id" },
    { PCI_SUBSYSTEM_ID, 2, "subsystem_id" }, { PCI_ROM_ADDRESS, 4, "rom_address" },
    { PCI_CAPABILITY_LIST, 1, "capability_list" },
    { PCI_INTERRUPT_LINE, 1, "interrupt_line" }, { PCI_INTERRUPT_PIN, 1, "interrupt_pin" },
    { PCI_MIN_GNT, 1, "min_gnt" },           { PCI_MAX_LAT, 1, "max_lat" },
};

/* The register names of a capability's bytes, "cap." and its spelling in the one table
 * (pci/pci_names.def). */
static const struct { uint8_t id; const char *name; } cap_names[] = {
#define PCI_CAP(name, id, spelling) { id, "cap." spelling },
#include "pci/pci_names.def"
};

/* Guest-writable command bits: decode enables, bus master, error reporting, INTx
 * disable; the rest are hardwired to 0 in this model. */
#define COMMAND_WMASK (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
                       PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)
#define STATUS_W1C (PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_REC_TARGET_ABORT | \
                    PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)

void pci_error(PciDev *d, const char *fmt, ...)
{
    if (!TRACE_WANTED(d->tracer, pci_error))
        return;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    TRACE(d->tracer, pci_error, d->bdf, buf);
}

void pci_dev_init(PciDev *d, const PciDevInfo *info)
{
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s", info->name ? info->name : "pci");
    for (int i = 0; i < PCI_NUM_BARS; i++)
        d->bars[i].addr = d->bars[i].target = PCI_BAR_UNMAPPED;
    pci_cfg_set16(d, PCI_VENDOR_ID, info->vendor_id);
    pci_cfg_set16(d, PCI_DEVICE_ID, info->device_id);
    pci_cfg_set8(d, PCI_REVISION_ID, info->revision);
    pci_cfg_set8(d, PCI_CLASS_PROG, (uint8_t)info->class_code);
    pci_cfg_set16(d, PCI_CLASS_DEVICE, (uint16_t)(info->class_code >> 8));
    pci_cfg_set16(d, PCI_SUBSYSTEM_VENDOR_ID, info->subsys_vendor_id);
    pci_cfg_set16(d, PCI_SUBSYSTEM_ID, info->subsys_id);
    pci_cfg_set8(d, PCI_INTERRUPT_PIN, info->irq_pin <= 4 ? info->irq_pin : 0);
    pci_cfg_set_wmask(d, PCI_COMMAND, 2, COMMAND_WMASK);
    stn_le(d->w1cmask + PCI_STATUS, 2, STATUS_W1C);
    pci_cfg_set_wmask(d, PCI_CACHE_LINE_SIZE, 1, 0xff);
    pci_cfg_set_wmask(d, PCI_LATENCY_TIMER, 1, 0xff);
    pci_cfg_set_wmask(d, PCI_INTERRUPT_LINE, 1, 0xff);
    d->cap_end = PCI_CAP_START;
}

int pci_register_bar(PciDev *d, int bar, unsigned flags, uint64_t size, const MemOps *ops,
                     void *opaque, const char *region_name)
{
    unsigned kind = flags & (PCI_BAR_IO | PCI_BAR_MEM32 | PCI_BAR_MEM64);
    bool is64 = kind == PCI_BAR_MEM64;
    uint64_t min = kind == PCI_BAR_IO ? 4 : 16;
    if (bar < 0 || bar >= PCI_NUM_BARS || (is64 && bar + 1 >= PCI_NUM_BARS) || !ops)
        return -1;
    if (kind != PCI_BAR_IO && kind != PCI_BAR_MEM32 && kind != PCI_BAR_MEM64)
        return -1;
    if ((flags & PCI_BAR_PREFETCH) && kind == PCI_BAR_IO)
        return -1;
    if (size < min || (size & (size - 1)) || (!is64 && size > 0x80000000ull))
        return -1;
    if (d->bars[bar].flags || (is64 && d->bars[bar + 1].flags))
        return -1;
    /* A 32-bit BAR slot that the upper half of a 64-bit BAR already claimed. */
    if (bar > 0 && (d->bars[bar - 1].flags & PCI_BAR_MEM64))
        return -1;

    PciBar *b = &d->bars[bar];
    b->flags = flags;
    b->size = size;
    b->ops = ops;
    b->opaque = opaque;
    if (region_name)
        snprintf(b->region_name, sizeof b->region_name, "%s", region_name);
    else
        snprintf(b->region_name, sizeof b->region_name, "%s.bar%d", d->name, bar);

    /* The type bits are read-only; the address bits above the size are writable, so
     * writing all ones reads back the size mask (PCI 3.0 §6.2.5.1). */
    unsigned off = PCI_BAR0 + 4u * (unsigned)bar;
    uint64_t addr_mask = ~(size - 1);
    uint32_t type = kind == PCI_BAR_IO ? 0x1 : (is64 ? 0x4 : 0x0) | (flags & PCI_BAR_PREFETCH ? 0x8 : 0);
    pci_cfg_set32(d, off, type);
    pci_cfg_set_wmask(d, off, 4, (uint32_t)addr_mask & (kind == PCI_BAR_IO ? ~0x3u : ~0xfu));
    if (is64) {
        pci_cfg_set32(d, off + 4, 0);
        pci_cfg_set_wmask(d, off + 4, 4, (uint32_t)(addr_mask >> 32));
    }
    return 0;
}

unsigned pci_add_capability(PciDev *d, uint8_t cap_id, unsigned len)
{
    unsigned off = (d->cap_end + 3) & ~3u;
    if (len < 2 || off + len > PCI_CFG_STD_SIZE)
        return 0;
    pci_cfg_set8(d, off, cap_id);
    pci_cfg_set8(d, off + 1, 0);
    unsigned p = pci_cfg_get8(d, PCI_CAPABILITY_LIST);
    if (!p) {
        pci_cfg_set8(d, PCI_CAPABILITY_LIST, (uint8_t)off);
    } else {
        while (pci_cfg_get8(d, p + 1))
            p = pci_cfg_get8(d, p + 1);
        pci_cfg_set8(d, p + 1, (uint8_t)off);
    }
    pci_cfg_set16(d, PCI_STATUS, pci_cfg_get16(d, PCI_STATUS) | PCI_STATUS_CAP_LIST);
    d->cap_end = off + len;
    return off;
}

unsigned pci_find_capability(const PciDev *d, uint8_t cap_id, unsigned from)
{
    if (!(pci_cfg_get16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return 0;
    unsigned p = from ? pci_cfg_get8(d, from + 1) : pci_cfg_get8(d, PCI_CAPABILITY_LIST);
    /* 48 hops at most: a looped list must not hang the walk. */
    for (int hops = 0; p >= PCI_CAP_START && hops < 48; hops++) {
        p &= ~3u;
        if (pci_cfg_get8(d, p) == cap_id)
            return p;
        p = pci_cfg_get8(d, p + 1);
    }
    return 0;
}

const char *pci_config_reg_name(PciDev *d, unsigned off)
{
    if (off < PCI_CAP_START) {
        const RegDesc *r = regdesc_find(header_regs, ARRAY_SIZE(header_regs), off);
        return r ? r->name : NULL;
    }
    if (!d)
        return NULL;
    if (d->config_reg_name) {
        const char *n = d->config_reg_name(d, off);
        if (n)
            return n;
    }
    if (off >= PCI_CFG_STD_SIZE || !(pci_cfg_get16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return NULL;
    /* The capability that owns off: the last one starting at or before it. */
    unsigned owner = 0;
    unsigned p = pci_cfg_get8(d, PCI_CAPABILITY_LIST);
    for (int hops = 0; p >= PCI_CAP_START && hops < 48; hops++) {
        p &= ~3u;
        if (p <= off && p > owner)
            owner = p;
        p = pci_cfg_get8(d, p + 1);
    }
    if (!owner || off >= d->cap_end)
        return NULL;
    for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
        if (cap_names[i].id == pci_cfg_get8(d, owner))
            return cap_names[i].name;
    return "cap";
}

/* ---- BAR decode ---- */

static const char *bar_kind(unsigned flags)
{
    if (flags & PCI_BAR_IO)
        return "io";
    if (flags & PCI_BAR_MEM64)
        return flags & PCI_BAR_PREFETCH ? "mem64-pref" : "mem64";
    return flags & PCI_BAR_PREFETCH ? "mem32-pref" : "mem32";
}

/* The address the BAR holds, or PCI_BAR_UNMAPPED when it holds none: zero (never
 * assigned) or all writable bits set (the guest is sizing it). A 64-bit BAR is treated
 * as sizing when either half is all ones, so the half-written states of the usual
 * sizing sequence never map. */
static uint64_t bar_address(const PciDev *d, int bar)
{
    const PciBar *b = &d->bars[bar];
    unsigned off = PCI_BAR0 + 4u * (unsigned)bar;
    uint32_t lo_mask = ld32_le(d->wmask + off);
    uint32_t lo = pci_cfg_get32(d, off) & lo_mask;
    uint64_t addr = lo;
    bool sizing = lo == lo_mask;
    if (b->flags & PCI_BAR_MEM64) {
        uint32_t hi_mask = ld32_le(d->wmask + off + 4);
        uint32_t hi = pci_cfg_get32(d, off + 4) & hi_mask;
        addr |= (uint64_t)hi << 32;
        sizing |= hi_mask && hi == hi_mask;
    }
    return addr == 0 || sizing ? PCI_BAR_UNMAPPED : addr;
}

static bool in_window(const PciBusCtx *bus, const PciBar *b, uint64_t addr)
{
    if (b->flags & PCI_BAR_IO)
        return addr < bus->io_limit && b->size <= bus->io_limit - addr;
    for (int w = 0; w < 2; w++) {
        uint64_t base = bus->mem_win[w][0], size = bus->mem_win[w][1];
        if (size && addr >= base && addr - base < size && b->size <= size - (addr - base))
            return true;
    }
    return false;
}

static void bar_unmap(PciDev *d, int bar)
{
    PciBar *b = &d->bars[bar];
    if (b->addr == PCI_BAR_UNMAPPED)
        return;
    AddrSpace *as = b->flags & PCI_BAR_IO ? d->bus->io : d->bus->mem;
    as_remove(as, b->addr, b->opaque);
    TRACE(d->tracer, pci_bar_unmap, d->bdf, (uint8_t)bar, bar_kind(b->flags), b->addr, b->size);
    b->addr = PCI_BAR_UNMAPPED;
}

/* Brings every BAR's mapping in line with the command register and BAR contents.
 * Only a change of the wanted address acts (and reports), so writes to unrelated
 * bytes never repeat an error. A BAR refused for an overlap stays unmapped until the
 * guest rewrites it or toggles decode, even if the other region goes away: firmware
 * that assigns overlapping BARs is the bug the trace should show. */
static void update_decode(PciDev *d)
{
    uint16_t cmd = pci_command(d);
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        PciBar *b = &d->bars[i];
        if (!b->flags)
            continue;
        bool enabled = cmd & (b->flags & PCI_BAR_IO ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY);
        uint64_t target = enabled && d->plugged && d->bus ? bar_address(d, i) : PCI_BAR_UNMAPPED;
        if (target == b->target)
            continue;
        bar_unmap(d, i);
        b->target = target;
        if (target == PCI_BAR_UNMAPPED)
            continue;
        if (!in_window(d->bus, b, target)) {
            pci_error(d, "%s at 0x%llx size 0x%llx is outside the %s window; left unmapped",
                      b->region_name, (unsigned long long)target, (unsigned long long)b->size,
                      b->flags & PCI_BAR_IO ? "I/O" : "memory");
            continue;
        }
        Err err = { "" };
        AddrSpace *as = b->flags & PCI_BAR_IO ? d->bus->io : d->bus->mem;
        if (as_add(as, target, b->size, b->region_name, b->ops, b->opaque, &err) != 0) {
            pci_error(d, "%s left unmapped: %s", b->region_name, err.msg);
            continue;
        }
        b->addr = target;
        TRACE(d->tracer, pci_bar_map, d->bdf, (uint8_t)i, bar_kind(b->flags), target, b->size);
    }
}

/* ---- INTx ---- */

static void update_intx(PciDev *d)
{
    uint16_t st = pci_cfg_get16(d, PCI_STATUS);
    pci_cfg_set16(d, PCI_STATUS, d->irq_level ? st | PCI_STATUS_INTERRUPT : st & ~PCI_STATUS_INTERRUPT);
    int out = d->irq_level && !(pci_command(d) & PCI_COMMAND_INTX_DISABLE) &&
              pci_cfg_get8(d, PCI_INTERRUPT_PIN) != 0;
    if (out != d->irq_out) {
        d->irq_out = out;
        irq_set(&d->intx, out);
    }
}

void pci_set_irq(PciDev *d, int level)
{
    d->irq_level = level != 0;
    update_intx(d);
}

/* ---- guest access ---- */

static bool access_ok(unsigned off, unsigned size)
{
    return (size == 1 || size == 2 || size == 4) && !(off & (size - 1)) && off + size <= PCI_CFG_SIZE;
}

uint32_t pci_config_read(PciDev *d, unsigned off, unsigned size)
{
    if (!access_ok(off, size))
        return UINT32_MAX;
    uint32_t v = (uint32_t)ldn_le(d->config + off, size);
    if (d->config_read)
        v = d->config_read(d, off, size, v);
    return v;
}

static bool overlaps(unsigned off, unsigned size, unsigned start, unsigned len)
{
    return off < start + len && start < off + size;
}

void pci_config_write(PciDev *d, unsigned off, unsigned size, uint32_t val)
{
    if (!access_ok(off, size))
        return;
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = (uint8_t)(val >> (8 * i));
        uint8_t wm = d->wmask[off + i], w1c = d->w1cmask[off + i];
        uint8_t cur = d->config[off + i];
        cur = (uint8_t)((cur & ~wm) | (b & wm));
        d->config[off + i] = (uint8_t)(cur & ~(b & w1c));
    }
    if (overlaps(off, size, PCI_COMMAND, 2) || overlaps(off, size, PCI_BAR0, 4 * PCI_NUM_BARS))
        update_decode(d);
    if (overlaps(off, size, PCI_COMMAND, 2))
        update_intx(d);
    if (d->config_write)
        d->config_write(d, off, size, val);
}

void pci_dev_reset(PciDev *d)
{
    pci_cfg_set16(d, PCI_COMMAND, 0);
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        unsigned off = PCI_BAR0 + 4u * (unsigned)i;
        pci_cfg_set32(d, off, pci_cfg_get32(d, off) & ~ld32_le(d->wmask + off));
    }
    update_decode(d);
    uint16_t st = pci_cfg_get16(d, PCI_STATUS);
    pci_cfg_set16(d, PCI_STATUS, st & (uint16_t)~STATUS_W1C);
    pci_cfg_set8(d, PCI_CACHE_LINE_SIZE, 0);
    pci_cfg_set8(d, PCI_LATENCY_TIMER, 0);
    pci_cfg_set8(d, PCI_INTERRUPT_LINE, 0);
    pci_set_irq(d, 0);
}

/* ---- DMA ---- */

static int dma_check(PciDev *d, const char *dir, uint64_t addr, size_t len)
{
    if (!d->plugged || !d->bus || !d->bus->ram) {
        pci_error(d, "DMA %s of %zu bytes at 0x%llx by an unplugged device", dir, len,
                  (unsigned long long)addr);
        return -1;
    }
    if (!pci_bus_master(d)) {
        pci_error(d, "DMA %s of %zu bytes at 0x%llx refused: bus mastering is off", dir, len,
                  (unsigned long long)addr);
        return -1;
    }
    if (!ram_contains(d->bus->ram, addr, len)) {
        pci_error(d, "DMA %s of %zu bytes at 0x%llx is outside RAM", dir, len,
                  (unsigned long long)addr);
        return -1;
    }
    return 0;
}

int pci_dma_read(PciDev *d, uint64_t addr, void *buf, size_t len)
{
    if (dma_check(d, "read", addr, len) < 0)
        return -1;
    return ram_read(d->bus->ram, addr, buf, len);
}

int pci_dma_write(PciDev *d, uint64_t addr, const void *buf, size_t len)
{
    if (dma_check(d, "write", addr, len) < 0)
        return -1;
    return ram_write(d->bus->ram, addr, buf, len);
}

/* ---- snapshots (snap/snap.h) ---- */

static const SnapField pci_dev_fields[] = {
    SNAP_FIELD(PciDev, config), SNAP_FIELD(PciDev, irq_level), SNAP_FIELD(PciDev, irq_out),
};

static int pci_snap_save(void *obj, SnapBuf *b, Err *err)
{
    (void)err;
    PciDev *d = obj;
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        snap_put_u64(b, d->bars[i].addr);
        snap_put_u64(b, d->bars[i].target);
    }
    return 0;
}

/* Every mapping goes first, so that no restored BAR meets one that is to move. */
static int pci_snap_pre_load(void *obj, Err *err)
{
    (void)err;
    PciDev *d = obj;
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        PciBar *b = &d->bars[i];
        if (b->flags && b->addr != PCI_BAR_UNMAPPED && d->bus)
            as_remove(b->flags & PCI_BAR_IO ? d->bus->io : d->bus->mem, b->addr, b->opaque);
        b->addr = PCI_BAR_UNMAPPED;
    }
    return 0;
}

static int pci_snap_load(void *obj, SnapIn *in, Err *err)
{
    PciDev *d = obj;
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        d->bars[i].addr = snap_get_u64(in);
        d->bars[i].target = snap_get_u64(in);
        if (!d->bars[i].flags && d->bars[i].addr != PCI_BAR_UNMAPPED)
            return err_set(err, "snapshot: %s BAR %d is mapped but the device has none", d->name, i);
    }
    return 0;
}

static void pci_snap_post_load(void *obj)
{
    PciDev *d = obj;
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        PciBar *b = &d->bars[i];
        Err err;
        if (b->addr != PCI_BAR_UNMAPPED && d->bus &&
            as_add(b->flags & PCI_BAR_IO ? d->bus->io : d->bus->mem, b->addr, b->size, b->region_name,
                   b->ops, b->opaque, &err) != 0)
            b->addr = PCI_BAR_UNMAPPED;    /* it was mapped there in the run: cannot happen */
    }
}

const SnapDesc pci_dev_snap = SNAP_DESC("pci", 1, PciDev, pci_dev_fields, .save = pci_snap_save,
                                        .pre_load = pci_snap_pre_load, .load = pci_snap_load,
                                        .post_load = pci_snap_post_load);
