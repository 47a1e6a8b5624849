/* A PCI test function in the spirit of QEMU's pci-testdev (1b36:0005): one of every BAR
 * kind, two capabilities, INTA, and a small DMA engine, so that enumeration, resource
 * assignment, INTx routing and bus-master DMA can be exercised without virtio.
 *
 * BAR0 I/O 32 bytes, BAR1 32-bit memory 4 KiB, BAR2 (+BAR3) 64-bit prefetchable memory
 * 16 KiB. Every BAR shows the same registers; the memory BARs also show the DMA buffer.
 * Registers take 4-byte writes (narrower writes are ignored); reads of any width. */
#ifndef RINGSIDE_PCI_TESTDEV_H
#define RINGSIDE_PCI_TESTDEV_H

#include "pci/pci.h"

#define PCI_TESTDEV_VENDOR 0x1b36
#define PCI_TESTDEV_DEVICE 0x0005
#define PCI_TESTDEV_MAGIC 0x44545352u   /* "RSTD" little-endian */
#define PCI_TESTDEV_BUF_SIZE 256u

enum {
    PCI_TESTDEV_REG_MAGIC = 0x00,       /* RO: PCI_TESTDEV_MAGIC */
    PCI_TESTDEV_REG_IRQ = 0x04,         /* RW: bit 0 = INTx level the device drives */
    PCI_TESTDEV_REG_DMA_LO = 0x08,      /* RW: guest physical address, low half */
    PCI_TESTDEV_REG_DMA_HI = 0x0c,      /* RW: high half */
    PCI_TESTDEV_REG_DMA_LEN = 0x10,     /* RW: bytes, at most PCI_TESTDEV_BUF_SIZE */
    PCI_TESTDEV_REG_DMA_CMD = 0x14,     /* W: 1 = guest -> buffer, 2 = buffer -> guest */
    PCI_TESTDEV_REG_DMA_STATUS = 0x18,  /* RO: 0 = last DMA done, 1 = refused */
    PCI_TESTDEV_REG_SCRATCH = 0x1c,     /* RW */
    PCI_TESTDEV_BUF = 0x100,            /* memory BARs: the DMA buffer, any width */
};

enum { PCI_TESTDEV_DMA_FROM_GUEST = 1, PCI_TESTDEV_DMA_TO_GUEST = 2 };

/* A new, unplugged test function (plug it with pci_host_plug); NULL with err. */
PciDev *pci_testdev_create(Err *err);
/* Its registers and buffer (the config space is the host bridge's; snap/snap.h). */
struct SnapDesc;
extern const struct SnapDesc pci_testdev_snap;
/* Frees it; call after pci_host_destroy (or before plugging). */
void pci_testdev_destroy(PciDev *d);

#endif
