/* PCI configuration access and the pci bus. ECAM (PCI Express Base spec §7.2.2):
 * config address = base + (bus << 20 | device << 15 | function << 12 | offset).
 * Mechanism #1 (PCI Local Bus spec 3.0 §3.2.2.3.2): write 0x80000000 | bus << 16 |
 * device << 11 | function << 8 | (offset & 0xfc) to port 0xcf8, then access port
 * 0xcfc + (offset & 3); ports are reached through the host bridge's I/O window. */
#include "pci.h"

#include "libc.h"
#include "pci_internal.h"
#include "platform.h"

#define CF8_ADDR 0xcf8
#define CF8_DATA 0xcfc
#define CAP_WALK_MAX 48    /* (256 - 64) / 4 capabilities at most: a loop bound */

struct pci_host pci_host;

static uintptr_t ecam_addr(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
    return (uintptr_t)(pci_host.ecam + ((uint64_t)bus << 20 | dev << 15 | fn << 12 | off));
}

static uintptr_t io_port(unsigned port)
{
    return (uintptr_t)(pci_host.io_cpu + port - pci_host.io_pci);
}

static void cf8_select(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
    mmio_write32(io_port(CF8_ADDR),
                 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (off & 0xfc));
}

int pci_cf8_present(void)
{
    if (!pci_host.io_size)
        return 0;
    uint32_t saved = mmio_read32(io_port(CF8_ADDR));
    mmio_write32(io_port(CF8_ADDR), 0x80000000u);
    uint32_t v = mmio_read32(io_port(CF8_ADDR));
    mmio_write32(io_port(CF8_ADDR), saved);
    return v == 0x80000000u;
}

uint32_t pci_cfg_read(unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned size)
{
    uintptr_t a;
    if (pci_host.mech == PCI_CFG_CF8) {
        cf8_select(bus, dev, fn, off);
        a = io_port(CF8_DATA + (off & 3));
    } else {
        a = ecam_addr(bus, dev, fn, off);
    }
    switch (size) {
    case 1: return mmio_read8(a);
    case 2: return mmio_read16(a);
    default: return mmio_read32(a);
    }
}

void pci_cfg_write(unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned size,
                   uint32_t v)
{
    uintptr_t a;
    if (pci_host.mech == PCI_CFG_CF8) {
        cf8_select(bus, dev, fn, off);
        a = io_port(CF8_DATA + (off & 3));
    } else {
        a = ecam_addr(bus, dev, fn, off);
    }
    switch (size) {
    case 1: mmio_write8(a, (uint8_t)v); break;
    case 2: mmio_write16(a, (uint16_t)v); break;
    default: mmio_write32(a, v); break;
    }
}

uint8_t pci_read8(struct pci_dev *p, unsigned off)
{ return (uint8_t)pci_cfg_read(p->bus, p->slot, p->func, off, 1); }
uint16_t pci_read16(struct pci_dev *p, unsigned off)
{ return (uint16_t)pci_cfg_read(p->bus, p->slot, p->func, off & ~1u, 2); }
uint32_t pci_read32(struct pci_dev *p, unsigned off)
{ return pci_cfg_read(p->bus, p->slot, p->func, off & ~3u, 4); }
void pci_write8(struct pci_dev *p, unsigned off, uint8_t v)
{ pci_cfg_write(p->bus, p->slot, p->func, off, 1, v); }
void pci_write16(struct pci_dev *p, unsigned off, uint16_t v)
{ pci_cfg_write(p->bus, p->slot, p->func, off & ~1u, 2, v); }
void pci_write32(struct pci_dev *p, unsigned off, uint32_t v)
{ pci_cfg_write(p->bus, p->slot, p->func, off & ~3u, 4, v); }

void pci_set_command(struct pci_dev *p, uint16_t bits)
{
    pci_write16(p, PCI_COMMAND, pci_read16(p, PCI_COMMAND) | bits);
}

/* Capability list (PCI Local Bus spec 3.0 §6.7): byte 0 id, byte 1 next pointer;
 * the low two bits of pointers are reserved and must be masked. */
unsigned pci_find_next_capability(struct pci_dev *p, unsigned pos, uint8_t cap_id)
{
    unsigned next = pos ? pci_read8(p, pos + 1) : pci_read8(p, PCI_CAPABILITY_LIST);
    for (unsigned n = 0; n < CAP_WALK_MAX; n++) {
        next &= 0xfc;
        if (next < 0x40)
            return 0;
        if (pci_read8(p, next) == cap_id)
            return next;
        next = pci_read8(p, next + 1);
    }
    return 0;
}

unsigned pci_find_capability(struct pci_dev *p, uint8_t cap_id)
{
    if (!(pci_read16(p, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return 0;
    return pci_find_next_capability(p, 0, cap_id);
}

uintptr_t pci_bar_cpu_addr(struct pci_dev *p, int bar)
{
    if (bar < 0 || bar > 5 || !p->bar[bar].size || !p->bar[bar].addr)
        return 0;
    const struct pci_bar *b = &p->bar[bar];
    if (b->io)
        return (uintptr_t)(pci_host.io_cpu + b->addr - pci_host.io_pci);
    if (pci_host.mem64_size && b->addr >= pci_host.mem64_pci
        && b->addr - pci_host.mem64_pci < pci_host.mem64_size)
        return (uintptr_t)(pci_host.mem64_cpu + b->addr - pci_host.mem64_pci);
    return (uintptr_t)(pci_host.mem32_cpu + b->addr - pci_host.mem32_pci);
}

/* ---- the pci bus ---- */

static const struct pci_device_id *match_id(struct pci_dev *p, const struct pci_driver *d)
{
    for (const struct pci_device_id *id = d->id_table; id && (id->vendor || id->device); id++)
        if ((id->vendor == PCI_ANY_ID || id->vendor == p->vendor)
            && (id->device == PCI_ANY_ID || id->device == p->device))
            return id;
    return NULL;
}

static int pci_bus_match(struct device *dev, struct driver *drv)
{
    return match_id(to_pci_dev(dev), (struct pci_driver *)(void *)drv) != NULL;
}

static int pci_bus_probe(struct device *dev)
{
    struct pci_dev *p = to_pci_dev(dev);
    struct pci_driver *d = (struct pci_driver *)(void *)dev->driver;
    const struct pci_device_id *id = match_id(p, d);
    return d->probe ? d->probe(p, id) : 0;
}

static const char *pci_dev_label(struct device *dev)
{
    return to_pci_dev(dev)->name_buf;
}

struct bus_type pci_bus = {
    .name = "pci",
    .match = pci_bus_match,
    .probe = pci_bus_probe,
    .dev_label = pci_dev_label,
};

void pci_bus_init(void)
{
    static bool done;
    if (!done) {
        bus_register(&pci_bus);
        done = true;
    }
}

int pci_register_driver(struct pci_driver *d)
{
    pci_bus_init();
    d->drv.bus = &pci_bus;
    return driver_register(&d->drv);
}
