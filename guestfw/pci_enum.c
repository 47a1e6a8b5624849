/* BIOS-style enumeration of PCI bus 0: find the host bridge in the DTB (Devicetree
 * "PCI Bus Binding" / IEEE 1275 PCI: 3-cell addresses, phys.hi bits 24-25 space code
 * 1 = I/O, 2 = 32-bit memory, 3 = 64-bit memory, bit 30 prefetchable), size every BAR
 * (PCI Local Bus spec 3.0 §6.2.5.1), assign addresses, enable decoding and bus
 * mastering, route INTx through interrupt-map, and register the functions.
 *
 * Assignment policy (written down because golden transcripts depend on it):
 *  - BARs of all functions are placed largest first; equal sizes keep bus/slot/
 *    function/BAR order. Each is naturally aligned.
 *  - I/O BARs come from the I/O window starting at port 0x1000 (as Linux does, so the
 *    legacy ISA range, including 0xcf8, stays free).
 *  - 64-bit memory BARs come from the 64-bit window when the bridge has one, else from
 *    the 32-bit window; 32-bit BARs always from the 32-bit window.
 *  - Expansion ROM BARs are left disabled; bridges (header type 1) are listed but not
 *    scanned behind.
 *
 * Console format (one line per function, then one per implemented BAR):
 *   BB:SS.F VVVV:DDDD class CCCCCC <class name>[  irq INTx -> plic N]
 *           BARn <io|mem32|mem64>[ pref] 0xADDR [size 0xSIZE]
 */
#include "fdt.h"
#include "libc.h"
#include "pci.h"
#include "pci_internal.h"
#include "platform.h"

#define MAX_FUNCS 64
#define MAX_BARS  (MAX_FUNCS * 6)
#define IO_START  0x1000

static struct pci_dev devs[MAX_FUNCS];
static unsigned ndevs;
static bool enumerated;

/* Interrupt routing from the host bridge node. */
static int host_node = -1;

unsigned pci_dev_count(void) { return ndevs; }
struct pci_dev *pci_dev_at(unsigned i) { return i < ndevs ? &devs[i] : NULL; }

static int read_host_bridge(void)
{
    int node = fdt_find_compatible(-1, "pci-host-ecam-generic");
    if (node < 0)
        return -1;
    host_node = node;
    int parent = fdt_parent(node);
    int pac = fdt_address_cells(parent), psc = fdt_size_cells(parent);
    int len;
    const uint8_t *reg = fdt_getprop(node, "reg", &len);
    if (!reg || len < 4 * (pac + psc))
        return -1;
    pci_host.ecam = fdt_read_cells(reg, pac);
    pci_host.ecam_size = fdt_read_cells(reg + 4 * pac, psc);
    pci_host.bus_first = 0;
    pci_host.bus_last = (unsigned)(pci_host.ecam_size >> 20) - 1;
    const uint8_t *br = fdt_getprop(node, "bus-range", &len);
    if (br && len >= 8) {
        pci_host.bus_first = fdt_be32(br);
        pci_host.bus_last = fdt_be32(br + 4);
    }

    int cac = fdt_address_cells(node), csc = fdt_size_cells(node);
    int entry = 4 * (cac + pac + csc);
    const uint8_t *r = fdt_getprop(node, "ranges", &len);
    if (cac != 3 || !r)
        return 0;           /* ECAM only, no windows: nothing can be assigned */
    for (int off = 0; off + entry <= len; off += entry) {
        uint32_t hi = fdt_be32(r + off);
        uint64_t pci = fdt_read_cells(r + off + 4, 2);
        uint64_t cpu = fdt_read_cells(r + off + 12, pac);
        uint64_t size = fdt_read_cells(r + off + 12 + 4 * pac, csc);
        switch ((hi >> 24) & 3) {
        case 1:
            pci_host.io_cpu = cpu, pci_host.io_pci = pci, pci_host.io_size = size;
            break;
        case 2:
            pci_host.mem32_cpu = cpu, pci_host.mem32_pci = pci, pci_host.mem32_size = size;
            break;
        case 3:
            pci_host.mem64_cpu = cpu, pci_host.mem64_pci = pci, pci_host.mem64_size = size;
            break;
        default:
            break;
        }
    }
    return 0;
}

/* The PLIC source for (slot, pin) from interrupt-map (Devicetree spec §2.4.3), or 0.
 * Each entry: child unit address (3 cells) + child pin (1) + parent phandle (1) +
 * parent unit address (#address-cells of the parent) + parent specifier
 * (#interrupt-cells of the parent, first cell = source). */
static unsigned route_intx(const struct pci_dev *p)
{
    int len, mlen;
    const uint8_t *map = fdt_getprop(host_node, "interrupt-map", &len);
    const uint8_t *mask = fdt_getprop(host_node, "interrupt-map-mask", &mlen);
    if (!map || !mask || mlen < 16)
        return 0;
    uint32_t child_hi = (uint32_t)p->bus << 16 | (uint32_t)p->slot << 11 | (uint32_t)p->func << 8;
    uint32_t key_hi = child_hi & fdt_be32(mask), key_pin = p->irq_pin & fdt_be32(mask + 12);
    for (int off = 0; off + 20 <= len;) {
        int ctl = fdt_node_by_phandle(fdt_be32(map + off + 16));
        if (ctl < 0)
            return 0;
        int pac = (int)fdt_getprop_u32(ctl, "#address-cells", 0);
        int pic = (int)fdt_getprop_u32(ctl, "#interrupt-cells", 1);
        int size = 20 + 4 * (pac + pic);
        if (pic < 1 || off + size > len)
            return 0;
        if (fdt_be32(map + off) == key_hi && fdt_be32(map + off + 12) == key_pin)
            return fdt_be32(map + off + 20 + 4 * pac);
        off += size;
    }
    return 0;
}

/* Sizes BARs of p (decoding off while the all-ones pattern is in place). */
static void size_bars(struct pci_dev *p)
{
    uint16_t cmd = pci_read16(p, PCI_COMMAND);
    pci_write16(p, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    for (int i = 0; i < 6; i++) {
        unsigned off = PCI_BAR0 + 4 * (unsigned)i;
        uint32_t orig = pci_read32(p, off);
        pci_write32(p, off, 0xffffffffu);
        uint32_t lo = pci_read32(p, off);
        pci_write32(p, off, orig);
        struct pci_bar *b = &p->bar[i];
        if (lo == 0 || lo == 0xffffffffu)
            continue;           /* unimplemented (or nothing answering) */
        if (lo & 1) {
            b->io = true;
            /* Upper 16 bits may read back 0 on 16-bit-decode devices. */
            uint32_t m = lo & ~3u;
            if (!(m & 0xffff0000u))
                m |= 0xffff0000u;
            b->size = (uint32_t)(~m + 1);
            continue;
        }
        b->prefetch = (lo & 8) != 0;
        uint64_t mask = lo & ~0xfu;
        if (((lo >> 1) & 3) == 2 && i < 5) {
            b->mem64 = true;
            unsigned off_hi = off + 4;
            uint32_t orig_hi = pci_read32(p, off_hi);
            pci_write32(p, off_hi, 0xffffffffu);
            uint32_t hi = pci_read32(p, off_hi);
            pci_write32(p, off_hi, orig_hi);
            mask |= (uint64_t)hi << 32;
            b->size = ~mask + 1;
            i++;                /* the upper half is not a BAR of its own */
        } else {
            b->size = (uint32_t)(~(uint32_t)mask + 1);
        }
    }
    pci_write16(p, PCI_COMMAND, cmd);
}

struct window {
    const char *name;
    uint64_t base, size, next;
};

static uint64_t take(struct window *w, uint64_t size)
{
    uint64_t a = (w->next + size - 1) & ~(size - 1);
    if (!w->size || a < w->next || a + size > w->base + w->size || a + size < a)
        return 0;
    w->next = a + size;
    return a;
}

static void write_bar(struct pci_dev *p, int i)
{
    unsigned off = PCI_BAR0 + 4 * (unsigned)i;
    struct pci_bar *b = &p->bar[i];
    pci_write32(p, off, (uint32_t)b->addr);
    if (b->mem64)
        pci_write32(p, off + 4, (uint32_t)(b->addr >> 32));
}

static void assign_all(void)
{
    struct window io = { "io", pci_host.io_pci, pci_host.io_size, 0 };
    struct window m32 = { "mem32", pci_host.mem32_pci, pci_host.mem32_size, 0 };
    struct window m64 = { "mem64", pci_host.mem64_pci, pci_host.mem64_size, 0 };
    io.next = io.base + (io.size > IO_START ? IO_START : 0);
    m32.next = m32.base;
    m64.next = m64.base;

    /* Stable largest-first order over (function, BAR) pairs. */
    static uint16_t order[MAX_BARS];
    unsigned n = 0;
    for (unsigned d = 0; d < ndevs; d++)
        for (unsigned i = 0; i < 6; i++)
            if (devs[d].bar[i].size)
                order[n++] = (uint16_t)(d * 6 + i);
    for (unsigned i = 1; i < n; i++) {
        uint16_t v = order[i];
        uint64_t s = devs[v / 6].bar[v % 6].size;
        unsigned j = i;
        for (; j > 0 && devs[order[j - 1] / 6].bar[order[j - 1] % 6].size < s; j--)
            order[j] = order[j - 1];
        order[j] = v;
    }

    for (unsigned k = 0; k < n; k++) {
        struct pci_dev *p = &devs[order[k] / 6];
        struct pci_bar *b = &p->bar[order[k] % 6];
        struct window *w = b->io ? &io : (b->mem64 && m64.size) ? &m64 : &m32;
        b->addr = take(w, b->size);
        if (b->addr)
            write_bar(p, order[k] % 6);
        else
            printf("pci: %s BAR%u: no room in the %s window for 0x%llx bytes\n", p->name_buf,
                   order[k] % 6, w->name, (unsigned long long)b->size);
    }
}

/* Turns on decoding for the kinds of BAR that were all placed, and bus mastering. */
static void enable(struct pci_dev *p)
{
    uint16_t bits = PCI_COMMAND_MASTER;
    bool io_ok = true, mem_ok = true, any_io = false, any_mem = false;
    for (int i = 0; i < 6; i++) {
        const struct pci_bar *b = &p->bar[i];
        if (!b->size)
            continue;
        if (b->io)
            any_io = true, io_ok &= b->addr != 0;
        else
            any_mem = true, mem_ok &= b->addr != 0;
    }
    if (any_io && io_ok)
        bits |= PCI_COMMAND_IO;
    if (any_mem && mem_ok)
        bits |= PCI_COMMAND_MEMORY;
    pci_set_command(p, bits);
}

static const struct {
    uint16_t class_sub;
    const char *name;
} class_names[] = {
    { 0x0100, "SCSI controller" }, { 0x0101, "IDE controller" },
    { 0x0106, "SATA controller" }, { 0x0108, "NVMe controller" },
    { 0x0200, "ethernet" }, { 0x0280, "network controller" },
    { 0x0300, "VGA controller" }, { 0x0380, "display controller" },
    { 0x0403, "audio device" }, { 0x0500, "RAM controller" },
    { 0x0600, "host bridge" }, { 0x0601, "ISA bridge" }, { 0x0604, "PCI bridge" },
    { 0x0700, "serial controller" }, { 0x0780, "communication controller" },
    { 0x0c03, "USB controller" }, { 0x00ff, "unclassified device" },
};

static const char *class_name(uint32_t class_code)
{
    for (unsigned i = 0; i < sizeof class_names / sizeof class_names[0]; i++)
        if (class_names[i].class_sub == class_code >> 8)
            return class_names[i].name;
    return "device";
}

static void print_window(const char *name, uint64_t cpu, uint64_t size)
{
    if (size)
        printf(", %s 0x%08llx+0x%llx", name, (unsigned long long)cpu, (unsigned long long)size);
}

static void print_table(void)
{
    printf("pci: ECAM at 0x%08llx", (unsigned long long)pci_host.ecam);
    print_window("io", pci_host.io_cpu, pci_host.io_size);
    print_window("mem32", pci_host.mem32_cpu, pci_host.mem32_size);
    print_window("mem64", pci_host.mem64_cpu, pci_host.mem64_size);
    printf("\n");
    printf("pci: config access via %s\n", pci_host.mech == PCI_CFG_CF8
           ? "mechanism #1 (ports 0xcf8/0xcfc)" : "ECAM");
    for (unsigned d = 0; d < ndevs; d++) {
        struct pci_dev *p = &devs[d];
        printf("%s %04x:%04x class %06x %s", p->name_buf, p->vendor, p->device,
               (unsigned)p->class_code, class_name(p->class_code));
        if (p->irq_pin)
            printf("  irq INT%c -> plic %u", 'A' + p->irq_pin - 1, p->irq);
        printf("\n");
        for (int i = 0; i < 6; i++) {
            const struct pci_bar *b = &p->bar[i];
            if (!b->size)
                continue;
            printf("        BAR%d %-5s%s 0x%llx [size 0x%llx]\n", i,
                   b->io ? "io" : b->mem64 ? "mem64" : "mem32", b->prefetch ? " pref" : "",
                   (unsigned long long)b->addr, (unsigned long long)b->size);
        }
    }
}

static void probe_function(unsigned bus, unsigned slot, unsigned fn)
{
    if (ndevs == MAX_FUNCS) {
        printf("pci: more than %d functions, %02x:%02x.%u ignored\n", MAX_FUNCS, bus, slot, fn);
        return;
    }
    struct pci_dev *p = &devs[ndevs++];
    memset(p, 0, sizeof *p);
    p->bus = (uint8_t)bus, p->slot = (uint8_t)slot, p->func = (uint8_t)fn;
    snprintf(p->name_buf, sizeof p->name_buf, "%02x:%02x.%u", bus, slot, fn);
    p->dev.name = p->name_buf;
    p->vendor = pci_read16(p, PCI_VENDOR_ID);
    p->device = pci_read16(p, PCI_DEVICE_ID);
    uint32_t rev_class = pci_read32(p, PCI_REVISION_ID);
    p->revision = (uint8_t)rev_class;
    p->class_code = rev_class >> 8;
    if ((pci_read8(p, PCI_HEADER_TYPE) & 0x7f) != 0)
        return;                 /* bridges: no BARs sized, nothing behind scanned */
    p->subsys_vendor = pci_read16(p, PCI_SUBSYSTEM_VENDOR_ID);
    p->subsys_device = pci_read16(p, PCI_SUBSYSTEM_ID);
    p->irq_pin = pci_read8(p, PCI_INTERRUPT_PIN);
    if (p->irq_pin > 4)
        p->irq_pin = 0;
    size_bars(p);
    if (p->irq_pin) {
        p->irq = route_intx(p);
        unsigned swizzle = 32 + (slot + p->irq_pin - 1) % 4;
        if (!p->irq) {
            p->irq = swizzle;   /* no interrupt-map: the virt board's fixed swizzle */
        } else if (p->irq != swizzle) {
            printf("pci: %s interrupt-map gives plic %u, swizzle expects %u\n", p->name_buf,
                   p->irq, swizzle);
        }
        pci_write8(p, PCI_INTERRUPT_LINE, (uint8_t)p->irq);
    }
}

int pci_enumerate(void)
{
    if (enumerated)
        return (int)ndevs;
    if (read_host_bridge() < 0) {
        printf("pci: no pci-host-ecam-generic node in the device tree\n");
        return -1;
    }
    enumerated = true;
    pci_host.mech = PCI_CFG_ECAM;
    if (bootarg_is("pci", "cf8")) {
        if (pci_cf8_present())
            pci_host.mech = PCI_CFG_CF8;
        else
            printf("pci: mechanism #1 not answering at port 0xcf8, using ECAM\n");
    }

    unsigned bus = pci_host.bus_first;
    for (unsigned slot = 0; slot < 32; slot++) {
        uint16_t vendor = (uint16_t)pci_cfg_read(bus, slot, 0, PCI_VENDOR_ID, 2);
        if (vendor == 0xffff || vendor == 0)
            continue;
        bool multi = pci_cfg_read(bus, slot, 0, PCI_HEADER_TYPE, 1) & 0x80;
        for (unsigned fn = 0; fn < (multi ? 8u : 1u); fn++) {
            vendor = (uint16_t)pci_cfg_read(bus, slot, fn, PCI_VENDOR_ID, 2);
            if (vendor != 0xffff && vendor != 0)
                probe_function(bus, slot, fn);
        }
    }
    assign_all();
    for (unsigned d = 0; d < ndevs; d++)
        enable(&devs[d]);
    print_table();

    pci_bus_init();
    for (unsigned d = 0; d < ndevs; d++) {
        devs[d].dev.bus = &pci_bus;
        device_register(&devs[d].dev);
    }
    return (int)ndevs;
}
