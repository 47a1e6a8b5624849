/* PCI for the firmware: configuration access (ECAM, PCI Express Base spec §7.2.2, or
 * configuration mechanism #1, PCI Local Bus spec 3.0 §3.2.2.3.2), BIOS-style
 * enumeration and resource assignment, and the pci bus of the device model. */
#ifndef GUESTFW_PCI_H
#define GUESTFW_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"

/* Standard configuration header offsets and bits (PCI Local Bus spec 3.0 §6.2). */
#define PCI_VENDOR_ID        0x00
#define PCI_DEVICE_ID        0x02
#define PCI_COMMAND          0x04
#define  PCI_COMMAND_IO      0x0001
#define  PCI_COMMAND_MEMORY  0x0002
#define  PCI_COMMAND_MASTER  0x0004
#define  PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS           0x06
#define  PCI_STATUS_CAP_LIST 0x0010
#define PCI_REVISION_ID      0x08
#define PCI_CLASS_PROG       0x09
#define PCI_HEADER_TYPE      0x0e
#define PCI_BAR0             0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID     0x2e
#define PCI_CAPABILITY_LIST  0x34
#define PCI_INTERRUPT_LINE   0x3c
#define PCI_INTERRUPT_PIN    0x3d

#define PCI_CAP_ID_MSIX      0x11
#define PCI_CAP_ID_VNDR      0x09

#define PCI_ANY_ID           0xffff

struct pci_bar {
    uint64_t addr;             /* bus address assigned (I/O: port number) */
    uint64_t size;             /* 0 = BAR not implemented */
    bool io, mem64, prefetch;
};

struct pci_dev {
    struct device dev;         /* on pci_bus; dev.name is "BB:SS.F" */
    uint8_t bus, slot, func;
    uint16_t vendor, device, subsys_vendor, subsys_device;
    uint32_t class_code;       /* class << 16 | subclass << 8 | prog-if */
    uint8_t revision, irq_pin; /* irq_pin 1..4 = INTA..INTD, 0 = none */
    unsigned irq;              /* PLIC source, 0 = none */
    struct pci_bar bar[6];
    char name_buf[8];
};

#define to_pci_dev(d) ((struct pci_dev *)(void *)(d))

struct pci_device_id {
    uint16_t vendor, device;   /* PCI_ANY_ID matches any device; table ends with {0,0} */
};

struct pci_driver {
    struct driver drv;         /* drv.name must be set; drv.bus/probe are filled in */
    const struct pci_device_id *id_table;
    int (*probe)(struct pci_dev *pdev, const struct pci_device_id *id);
};

extern struct bus_type pci_bus;

/* Configuration space through the configured mechanism (ECAM unless pci=cf8). */
uint8_t pci_read8(struct pci_dev *pdev, unsigned off);
uint16_t pci_read16(struct pci_dev *pdev, unsigned off);
uint32_t pci_read32(struct pci_dev *pdev, unsigned off);
void pci_write8(struct pci_dev *pdev, unsigned off, uint8_t v);
void pci_write16(struct pci_dev *pdev, unsigned off, uint16_t v);
void pci_write32(struct pci_dev *pdev, unsigned off, uint32_t v);

/* Config-space offset of the first / next capability with cap_id, 0 when none. */
unsigned pci_find_capability(struct pci_dev *pdev, uint8_t cap_id);
unsigned pci_find_next_capability(struct pci_dev *pdev, unsigned pos, uint8_t cap_id);

/* The CPU address at which BAR bar is reached: memory BARs are identity-mapped, I/O
 * BARs go through the I/O window (0x03000000 + port). 0 when not assigned. */
uintptr_t pci_bar_cpu_addr(struct pci_dev *pdev, int bar);
/* Sets the bits in the command register (e.g. PCI_COMMAND_MASTER). */
void pci_set_command(struct pci_dev *pdev, uint16_t bits);

int pci_register_driver(struct pci_driver *pdrv);

/* Reads the host bridge from the DTB, scans bus 0, sizes and assigns BARs, enables
 * decoding and bus mastering, routes INTx, prints the table and registers every
 * function on pci_bus. Safe to call more than once (later calls do nothing).
 * Returns the number of functions found, or -1 when there is no host bridge. */
int pci_enumerate(void);
/* The enumerated functions, in bus/slot/function order. */
unsigned pci_dev_count(void);
struct pci_dev *pci_dev_at(unsigned i);

#endif
