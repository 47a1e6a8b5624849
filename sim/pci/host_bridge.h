/* The PCI host bridge of QEMU's virt board ("gpex", pci-host-ecam-generic): ECAM at
 * 0x3000_0000, the PCI I/O window at 0x0300_0000, mechanism #1 at ports 0xcf8/0xcfc,
 * the 32- and 64-bit memory windows, and INTx swizzled onto PLIC sources 32..35
 * (PCI Firmware 3.0 §4.1 for ECAM; PCI 3.0 §3.2.2.3.2 for mechanism #1; PCI-to-PCI
 * Bridge 1.2 §9.1 for the swizzle). DESIGN.md §2 and §5. */
#ifndef RINGSIDE_PCI_HOST_BRIDGE_H
#define RINGSIDE_PCI_HOST_BRIDGE_H

#include "irq.h"
#include "pci/pci.h"

#define PCI_ECAM_BASE 0x30000000ull
#define PCI_ECAM_SIZE 0x10000000ull
#define PCI_IO_BASE 0x03000000ull      /* CPU address of PCI I/O port 0 */
#define PCI_IO_SIZE 0x10000ull
#define PCI_MEM32_BASE 0x40000000ull   /* PCI address = CPU address in both windows */
#define PCI_MEM32_SIZE 0x40000000ull
#define PCI_MEM64_BASE 0x400000000ull
#define PCI_MEM64_SIZE 0x400000000ull
#define PCI_INTX_PLIC_BASE 32u         /* the PLIC source of INTx line 0 (INTA of slot 0) */
#define PCI_NUM_INTX 4
#define PCI_NUM_SLOTS 32

typedef struct PciHost PciHost;

/* Maps ECAM and the I/O window into mem, 0xcf8/0xcfc into io, and plugs the bridge's
 * own function at 00:00.0 (1b36:0008, class 0x060000). intx: the four INTx lines,
 * indexed by pci_intx_line(), copied (NULL: unconnected); the machine wires line i to
 * PLIC source PCI_INTX_PLIC_BASE + i, as the DTB's interrupt-map says. NULL with err on
 * failure. */
PciHost *pci_host_create(AddrSpace *mem, AddrSpace *io, Ram *ram, const IrqLine intx[PCI_NUM_INTX],
                         Tracer *t, Err *err);
/* Unmaps the host's regions and every plugged BAR (call before destroying the spaces);
 * plugged devices stay owned by whoever created them. */
void pci_host_destroy(PciHost *h);
/* The bridge's snapshot state, with every plugged function's config space as a child
 * (the devices' own state is their owners' to register; snap/snap.h). */
struct SnapDesc;
extern const struct SnapDesc pci_host_snap;
/* Plugs d as function 0 of slot (1..31) on bus 0: wires its INTx to the swizzled INTx
 * line, hands it the tracer and bus context. -1 with err if the slot is taken. */
int pci_host_plug(PciHost *h, PciDev *d, unsigned slot, Err *err);
/* The function at bus/dev/fn, or NULL. */
PciDev *pci_host_find(PciHost *h, unsigned bus, unsigned dev, unsigned fn);
/* The INTx line (0..3) that pin (1..4) of slot drives: the standard swizzle. */
static inline unsigned pci_intx_line(unsigned slot, unsigned pin)
{
    return (slot + pin - 1) % PCI_NUM_INTX;
}
/* The PLIC source that pin (1..4) of slot reaches on this machine (traced, and in the DTB). */
static inline unsigned pci_intx_irq(unsigned slot, unsigned pin)
{
    return PCI_INTX_PLIC_BASE + pci_intx_line(slot, pin);
}
/* DtbConfig.add_soc_nodes: adds /soc/pci@30000000 as QEMU's virt board does. */
int pci_host_add_dtb(void *ctx, void *fdt, int soc, uint32_t plic_phandle, Err *err);

#endif
