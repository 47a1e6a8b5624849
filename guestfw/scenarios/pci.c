/* scenario=pci: BIOS-style enumeration only (the first step of the classroom story):
 * the device table, each function's capability list (PCI Local Bus spec 3.0 §6.7),
 * then the device model's view of buses, devices and drivers. `pci=cf8` does the same
 * through configuration mechanism #1. */
#include "bus.h"
#include "libc.h"
#include "pci.h"
#include "scenario.h"

static const char *cap_name(uint8_t id)
{
    switch (id) {
    case 0x01: return "power-management";
    case 0x05: return "MSI";
    case PCI_CAP_ID_VNDR: return "vendor";
    case 0x10: return "PCIe";
    case PCI_CAP_ID_MSIX: return "MSI-X";
    default: return "?";
    }
}

/* Prints the list by walking it directly, and checks that pci_find_capability /
 * pci_find_next_capability find the same entries of each kind. */
static int show_caps(struct pci_dev *p)
{
    if (!(pci_read16(p, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return 0;
    unsigned pos = pci_read8(p, PCI_CAPABILITY_LIST) & 0xfc, n = 0;
    printf("%s capabilities:", p->name_buf);
    for (; pos >= 0x40 && n < 48; n++) {
        uint8_t id = pci_read8(p, pos);
        unsigned found = 0, k = 0;
        for (unsigned c = pci_find_capability(p, id); c && k < 48; c = pci_find_next_capability(p, c, id), k++)
            found |= c == pos;
        if (!found) {
            printf("\npci: %s capability 0x%02x at 0x%02x not found by pci_find_capability\n",
                   p->name_buf, id, pos);
            return 4;
        }
        printf(" 0x%02x %s", pos, cap_name(id));
        pos = pci_read8(p, pos + 1) & 0xfc;
    }
    printf("\n");
    return 0;
}

static int pci_scenario(void)
{
    int n = pci_enumerate();
    if (n < 0)
        return 1;
    printf("pci: %d function%s on bus 0\n", n, n == 1 ? "" : "s");
    for (unsigned i = 0; i < pci_dev_count(); i++) {
        int rc = show_caps(pci_dev_at(i));
        if (rc)
            return rc;
    }
    bus_dump();
    return n > 0 ? 0 : 3;
}

const struct scenario scenario_pci = { "pci", pci_scenario,
                                       "enumerate PCI, print the table and the device model" };
