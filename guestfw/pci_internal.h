/* Shared between pci.c (config access, bus) and pci_enum.c (enumeration); not for
 * drivers. */
#ifndef GUESTFW_PCI_INTERNAL_H
#define GUESTFW_PCI_INTERNAL_H

#include <stdint.h>

/* Configuration mechanisms (pci.c). */
enum pci_cfg_mech { PCI_CFG_ECAM, PCI_CFG_CF8 };

struct pci_host {
    uint64_t ecam, ecam_size;
    unsigned bus_first, bus_last;
    /* Windows: CPU base, PCI bus base, size; size 0 = absent. */
    uint64_t io_cpu, io_pci, io_size;
    uint64_t mem32_cpu, mem32_pci, mem32_size;
    uint64_t mem64_cpu, mem64_pci, mem64_size;
    enum pci_cfg_mech mech;
};

extern struct pci_host pci_host;

/* Raw config access by bus/device/function (sizes 1, 2, 4; off aligned to size). */
uint32_t pci_cfg_read(unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned size);
void pci_cfg_write(unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned size,
                   uint32_t v);
/* Mechanism #1 detection (Linux's pci_check_type1 idea): 0xcf8 must hold what we
 * wrote, with the enable bit. */
int pci_cf8_present(void);
/* Puts pci_bus on the bus list once. */
void pci_bus_init(void);

#endif
