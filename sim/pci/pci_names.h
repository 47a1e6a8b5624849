/* PCI configuration-space names from the one table, sim/pci/pci_names.def (PCI Local
 * Bus 3.0 §6.2.2 command bits, §6.2.3 status bits, capability ids), which the Python
 * tools read too (trace/rt_names.py): the C constants and name lookups.
 *
 *     pci_format_bits(PCI_DOM_COMMAND, 0x7, b, sizeof b);   // IO|MEMORY|MASTER
 *     pci_cap_name(0x09);                                   // "VNDR"
 */
#ifndef RINGSIDE_PCI_NAMES_H
#define RINGSIDE_PCI_NAMES_H

#include <stddef.h>
#include <stdint.h>

enum {
#define PCI_COMMAND_BIT(name, value) PCI_COMMAND_##name = value,
#include "pci/pci_names.def"
};

enum {
#define PCI_STATUS_BIT(name, value) PCI_STATUS_##name = value,
#include "pci/pci_names.def"
};

enum {
#define PCI_CAP(name, id, spelling) PCI_CAP_ID_##name = id,
#include "pci/pci_names.def"
};

typedef enum PciDomain { PCI_DOM_COMMAND, PCI_DOM_STATUS } PciDomain;

/* bits of the command or status register as "IO|MEMORY|MASTER": named bits from the
 * lowest up, then the others as one hex number; 0 is "0". Writes at most n bytes (n > 0),
 * always terminated; returns the length of the whole text, as snprintf does. */
size_t pci_format_bits(PciDomain d, uint16_t bits, char *buf, size_t n);
/* A capability id's name ("VNDR") and spelling ("vndr"), or NULL. */
const char *pci_cap_name(unsigned id);
const char *pci_cap_spelling(unsigned id);

#endif
