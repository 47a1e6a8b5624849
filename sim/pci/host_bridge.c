/* The PCI host bridge of QEMU's virt board (generic ECAM host, "gpex"): configuration
 * access through ECAM (PCI Firmware 3.0 §4.1: bus << 20 | dev << 15 | fn << 12 | reg)
 * and through mechanism #1 (PCI 3.0 §3.2.2.3.2: 0xcf8 address, 0xcfc data), the I/O
 * window that turns CPU MMIO into PCI I/O port accesses, and INTx routing with the
 * standard swizzle. Bus 0 only; function 0 of each slot. */
#include "pci/host_bridge.h"

#include <libfdt.h>
#include <stdlib.h>

#include "snap/snap.h"

#define CF8_ENABLE 0x80000000u
#define CF8_PORT 0xcf8u
#define CFC_PORT 0xcfcu

struct PciHost {
    AddrSpace *mem, *io;
    IrqLine intx[PCI_NUM_INTX];  /* to the interrupt controller (PLIC sources 32..35) */
    Tracer *tracer;
    PciBusCtx ctx;
    PciDev *slots[PCI_NUM_SLOTS];
    PciDev self;                 /* the bridge's own function, 00:00.0 */
    uint32_t cf8;                /* mechanism #1 address register */
    uint32_t line_slots[PCI_NUM_INTX];  /* per INTx line: bit s = slot s asserts it */
};

static uint16_t make_bdf(unsigned bus, unsigned dev, unsigned fn)
{
    return (uint16_t)(bus << 8 | dev << 3 | fn);
}

PciDev *pci_host_find(PciHost *h, unsigned bus, unsigned dev, unsigned fn)
{
    if (bus != 0 || fn != 0 || dev >= PCI_NUM_SLOTS)
        return NULL;
    return h->slots[dev];
}

/* One configuration access from either mechanism: absent functions read all ones and
 * drop writes (a master abort, as a host bridge completes it); both are traced. */
static uint32_t cfg_access(PciHost *h, uint16_t bdf, unsigned reg, unsigned size, bool wr,
                           uint32_t val, const char *mech)
{
    PciDev *d = pci_host_find(h, bdf >> 8, (bdf >> 3) & 31, bdf & 7);
    if (reg & (size - 1)) {
        /* Neither mechanism can express a misaligned access: the CPU split it wrong. */
        if (TRACE_WANTED(h->tracer, pci_error)) {
            char why[96];
            snprintf(why, sizeof why, "misaligned %s config %s of %u bytes at 0x%x", mech,
                     wr ? "write" : "read", size, reg);
            TRACE(h->tracer, pci_error, bdf, why);
        }
        return UINT32_MAX;
    }
    bool traced = wr ? TRACE_WANTED(h->tracer, pci_cfg_write) : TRACE_WANTED(h->tracer, pci_cfg_read);
    const char *name = traced ? pci_config_reg_name(d, reg) : NULL;   /* for the trace only */
    if (wr) {
        TRACE(h->tracer, pci_cfg_write, bdf, (uint16_t)reg, (uint8_t)size, val, name, mech);
        if (d)
            pci_config_write(d, reg, size, val);
        return 0;
    }
    uint32_t v = d ? pci_config_read(d, reg, size) : (uint32_t)((1ull << (8 * size)) - 1);
    TRACE(h->tracer, pci_cfg_read, bdf, (uint16_t)reg, (uint8_t)size, v, name, mech);
    return v;
}

/* ---- ECAM ---- */

static uint16_t ecam_bdf(uint64_t off)
{
    return make_bdf((unsigned)(off >> 20) & 0xff, (unsigned)(off >> 15) & 31, (unsigned)(off >> 12) & 7);
}

static int ecam_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    *val = cfg_access(opaque, ecam_bdf(off), (unsigned)off & 0xfff, size, false, 0, "ecam");
    return 0;
}

static int ecam_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    cfg_access(opaque, ecam_bdf(off), (unsigned)off & 0xfff, size, true, (uint32_t)val, "ecam");
    return 0;
}

/* Names the MMIO event of an ECAM access by the config register it reaches. */
static const char *ecam_reg_name(void *opaque, uint64_t off, unsigned size)
{
    (void)size;
    uint16_t bdf = ecam_bdf(off);
    PciDev *d = pci_host_find(opaque, bdf >> 8, (bdf >> 3) & 31, bdf & 7);
    return pci_config_reg_name(d, (unsigned)off & 0xfff);
}

/* passthrough: a config access is traced once, as pci_cfg_read/write with its decoded
 * bus/device/function and register, not a second time as MMIO to "pci.ecam". */
static const MemOps ecam_ops = {
    .read = ecam_read, .write = ecam_write, .min_size = 1, .max_size = 4, .reg_name = ecam_reg_name,
    .passthrough = true,
};

/* ---- mechanism #1 ---- */

static int cf8_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    *val = ((PciHost *)opaque)->cf8;
    return 0;
}

static int cf8_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    /* Bits 1:0 are reserved and read as zero; bits 30:24 are reserved too. */
    ((PciHost *)opaque)->cf8 = (uint32_t)val & 0x80fffffcu;
    return 0;
}

static const char *cf8_reg_name(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque;
    (void)off;
    (void)size;
    return "config_address";
}

static const MemOps cf8_ops = {
    .read = cf8_read, .write = cf8_write, .min_size = 4, .max_size = 4, .reg_name = cf8_reg_name,
};

static int cfc_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    PciHost *h = opaque;
    if (!(h->cf8 & CF8_ENABLE))
        *val = UINT32_MAX;
    else
        *val = cfg_access(h, (uint16_t)(h->cf8 >> 8), (h->cf8 & 0xfc) | (unsigned)off, size, false, 0, "cf8");
    return 0;
}

static int cfc_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    PciHost *h = opaque;
    if (h->cf8 & CF8_ENABLE)
        cfg_access(h, (uint16_t)(h->cf8 >> 8), (h->cf8 & 0xfc) | (unsigned)off, size, true,
                   (uint32_t)val, "cf8");
    return 0;
}

static const char *cfc_reg_name(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque;
    (void)off;
    (void)size;
    return "config_data";
}

/* As ECAM, the data port is traced as the config access it makes; the address port
 * stays a plain PIO event (it is the only record of the address being set). */
static const MemOps cfc_ops = {
    .read = cfc_read, .write = cfc_write, .min_size = 1, .max_size = 4, .reg_name = cfc_reg_name,
    .passthrough = true,
};

/* ---- the I/O window: CPU MMIO at PCI_IO_BASE + port = PCI I/O access to port ---- */

/* The I/O space's status comes back as the window's: under --strict an unmapped or
 * rejected port faults the CPU's access, as unmapped memory does. */
static int iowin_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    return as_read(((PciHost *)opaque)->io, off, size, val);
}

static int iowin_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    return as_write(((PciHost *)opaque)->io, off, size, val);
}

/* passthrough: the memory space's hook stays quiet and the I/O space's hook reports
 * the access as PIO, named by the device it reaches. */
static const MemOps iowin_ops = { .read = iowin_read, .write = iowin_write, .passthrough = true };

/* ---- INTx ---- */

static void host_intx(void *opaque, unsigned bdf, int level)
{
    PciHost *h = opaque;
    unsigned slot = (bdf >> 3) & 31;
    PciDev *d = h->slots[slot];
    unsigned pin = d ? pci_cfg_get8(d, PCI_INTERRUPT_PIN) : 0;
    if (pin < 1 || pin > 4)
        return;
    unsigned n = pci_intx_line(slot, pin);
    uint32_t *line = &h->line_slots[n];
    bool was = *line != 0;
    *line = level ? *line | 1u << slot : *line & ~(1u << slot);
    TRACE(h->tracer, pci_intx, (uint16_t)bdf, (uint8_t)pin, pci_intx_irq(slot, pin), (uint8_t)(level != 0));
    /* The line is the wired OR of every function that shares it. */
    if (was != (*line != 0))
        irq_set(&h->intx[n], *line != 0);
}

/* ---- plugging ---- */

int pci_host_plug(PciHost *h, PciDev *d, unsigned slot, Err *err)
{
    if (slot >= PCI_NUM_SLOTS)
        return err_set(err, "pci: slot %u of %s out of range (0..%d)", slot, d->name, PCI_NUM_SLOTS - 1);
    if (h->slots[slot])
        return err_set(err, "pci: slot %u is taken by %s; cannot plug %s", slot,
                       h->slots[slot]->name, d->name);
    if (d->plugged)
        return err_set(err, "pci: %s is already plugged", d->name);
    h->slots[slot] = d;
    d->bdf = make_bdf(0, slot, 0);
    d->plugged = true;
    d->tracer = h->tracer;
    d->bus = &h->ctx;
    d->intx = (IrqLine){ host_intx, h, d->bdf };
    /* A device that raised INTx before it was plugged is heard now. */
    d->irq_out = 0;
    pci_set_irq(d, d->irq_level);
    return 0;
}

PciHost *pci_host_create(AddrSpace *mem, AddrSpace *io, Ram *ram, const IrqLine intx[PCI_NUM_INTX],
                         Tracer *t, Err *err)
{
    PciHost *h = calloc(1, sizeof *h);
    if (!h) {
        err_set(err, "out of memory");
        return NULL;
    }
    h->mem = mem;
    h->io = io;
    for (unsigned i = 0; intx && i < PCI_NUM_INTX; i++)
        h->intx[i] = intx[i];
    h->tracer = t;
    h->ctx = (PciBusCtx){
        .mem = mem, .io = io, .ram = ram, .io_limit = PCI_IO_SIZE,
        .mem_win = { { PCI_MEM32_BASE, PCI_MEM32_SIZE }, { PCI_MEM64_BASE, PCI_MEM64_SIZE } },
    };
    if (as_add(mem, PCI_ECAM_BASE, PCI_ECAM_SIZE, "pci.ecam", &ecam_ops, h, err) != 0)
        goto fail;
    if (as_add(mem, PCI_IO_BASE, PCI_IO_SIZE, "pci.io", &iowin_ops, h, err) != 0)
        goto fail_ecam;
    if (as_add(io, CF8_PORT, 4, "pci.cf8", &cf8_ops, h, err) != 0)
        goto fail_iowin;
    if (as_add(io, CFC_PORT, 4, "pci.cfc", &cfc_ops, h, err) != 0)
        goto fail_cf8;
    /* The bridge's own function, as QEMU's gpex-root presents it. */
    pci_dev_init(&h->self, &(PciDevInfo){
        .name = "pci-host", .vendor_id = 0x1b36, .device_id = 0x0008,
        .subsys_vendor_id = 0x1af4, .subsys_id = 0x1100, .class_code = 0x060000,
    });
    pci_host_plug(h, &h->self, 0, NULL);
    return h;

fail_cf8:
    as_remove(io, CF8_PORT, h);
fail_iowin:
    as_remove(mem, PCI_IO_BASE, h);
fail_ecam:
    as_remove(mem, PCI_ECAM_BASE, h);
fail:
    free(h);
    return NULL;
}

void pci_host_destroy(PciHost *h)
{
    if (!h)
        return;
    for (unsigned s = 0; s < PCI_NUM_SLOTS; s++) {
        PciDev *d = h->slots[s];
        if (!d)
            continue;
        for (int i = 0; i < PCI_NUM_BARS; i++) {
            PciBar *b = &d->bars[i];
            if (b->addr != PCI_BAR_UNMAPPED)
                as_remove(b->flags & PCI_BAR_IO ? h->io : h->mem, b->addr, b->opaque);
            b->addr = b->target = PCI_BAR_UNMAPPED;
        }
        d->plugged = false;
        d->bus = NULL;
        d->tracer = NULL;
        d->intx = (IrqLine){ 0 };
        d->irq_out = 0;
    }
    as_remove(h->io, CFC_PORT, h);
    as_remove(h->io, CF8_PORT, h);
    as_remove(h->mem, PCI_IO_BASE, h);
    as_remove(h->mem, PCI_ECAM_BASE, h);
    free(h);
}

/* ---- device tree: /soc/pci@30000000 exactly as QEMU's create_fdt_pcie() shapes it ---- */

#define FDT_TRY(x)                                                                      \
    do {                                                                                \
        int r_ = (x);                                                                   \
        if (r_ < 0)                                                                     \
            return err_set(err, "device tree: pci: %s: %s", #x, fdt_strerror(r_));      \
    } while (0)

static int setprop_cells(void *fdt, int node, const char *name, const uint32_t *cells, unsigned n)
{
    fdt32_t be[96];
    for (unsigned i = 0; i < n; i++)
        be[i] = cpu_to_fdt32(cells[i]);
    return fdt_setprop(fdt, node, name, be, (int)(n * sizeof be[0]));
}

int pci_host_add_dtb(void *ctx, void *fdt, int soc, uint32_t plic_phandle, Err *err)
{
    (void)ctx;
    char name[32];
    snprintf(name, sizeof name, "pci@%llx", (unsigned long long)PCI_ECAM_BASE);
    int n;
    FDT_TRY(n = fdt_add_subnode(fdt, soc, name));
    FDT_TRY(fdt_setprop_u32(fdt, n, "#address-cells", 3));
    FDT_TRY(fdt_setprop_u32(fdt, n, "#interrupt-cells", 1));
    FDT_TRY(fdt_setprop_u32(fdt, n, "#size-cells", 2));
    FDT_TRY(fdt_setprop_string(fdt, n, "compatible", "pci-host-ecam-generic"));
    FDT_TRY(fdt_setprop_string(fdt, n, "device_type", "pci"));
    FDT_TRY(fdt_setprop_u32(fdt, n, "linux,pci-domain", 0));
    {
        /* One bus per MiB of ECAM. */
        const uint32_t br[] = { 0, (uint32_t)(PCI_ECAM_SIZE >> 20) - 1 };
        FDT_TRY(setprop_cells(fdt, n, "bus-range", br, 2));
    }
    FDT_TRY(fdt_setprop(fdt, n, "dma-coherent", NULL, 0));
    {
        const uint32_t reg[] = { (uint32_t)(PCI_ECAM_BASE >> 32), (uint32_t)PCI_ECAM_BASE,
                                 (uint32_t)(PCI_ECAM_SIZE >> 32), (uint32_t)PCI_ECAM_SIZE };
        FDT_TRY(setprop_cells(fdt, n, "reg", reg, 4));
    }
    {
        /* <pci space+addr (3 cells), cpu addr (2), size (2)> for I/O, mem32, mem64. */
#define HI(x) (uint32_t)((x) >> 32)
#define LO(x) (uint32_t)(x)
        const uint32_t ranges[] = {
            0x01000000, 0, 0, HI(PCI_IO_BASE), LO(PCI_IO_BASE), HI(PCI_IO_SIZE), LO(PCI_IO_SIZE),
            0x02000000, HI(PCI_MEM32_BASE), LO(PCI_MEM32_BASE), HI(PCI_MEM32_BASE), LO(PCI_MEM32_BASE),
            HI(PCI_MEM32_SIZE), LO(PCI_MEM32_SIZE),
            0x03000000, HI(PCI_MEM64_BASE), LO(PCI_MEM64_BASE), HI(PCI_MEM64_BASE), LO(PCI_MEM64_BASE),
            HI(PCI_MEM64_SIZE), LO(PCI_MEM64_SIZE),
        };
#undef HI
#undef LO
        FDT_TRY(setprop_cells(fdt, n, "ranges", ranges, ARRAY_SIZE(ranges)));
    }
    {
        /* Slots 0..3 x pins A..D; the mask folds every other slot onto these (slot
         * bits 12:11 of the child address, pin 2:0), which is the swizzle. */
        uint32_t map[4 * 4 * 6];
        unsigned i = 0;
        for (unsigned slot = 0; slot < 4; slot++) {
            for (unsigned pin = 1; pin <= 4; pin++) {
                map[i++] = slot << 11;
                map[i++] = 0;
                map[i++] = 0;
                map[i++] = pin;
                map[i++] = plic_phandle;
                map[i++] = pci_intx_irq(slot, pin);
            }
        }
        FDT_TRY(setprop_cells(fdt, n, "interrupt-map", map, i));
        const uint32_t mask[] = { 0x1800, 0, 0, 7 };
        FDT_TRY(setprop_cells(fdt, n, "interrupt-map-mask", mask, 4));
    }
    return 0;
}

/* ---- snapshots (snap/snap.h) ---- */

static const SnapField pci_host_fields[] = {
    SNAP_FIELD(PciHost, cf8), SNAP_FIELD(PciHost, line_slots),
};

static void pci_host_snap_children(void *obj, SnapReg *r)
{
    PciHost *h = obj;
    for (unsigned s = 0; s < PCI_NUM_SLOTS; s++) {
        if (!h->slots[s])
            continue;
        char inst[16];
        snprintf(inst, sizeof inst, "00:%02x.0", s);
        snap_add(r, &pci_dev_snap, h->slots[s], inst);
    }
}

const SnapDesc pci_host_snap = SNAP_DESC("pci-host", 1, PciHost, pci_host_fields,
                                         .children = pci_host_snap_children);
