/* Lookups over the one table of PCI configuration-space names (pci_names.def): the
 * table expanded into rows once; the shape rules the Python reader enforces
 * (trace/rt_names.py) are checked here by the compiler where it can. */
#include "pci/pci_names.h"

#include <stdio.h>

#include "bits_format.h"
#include "common.h"

#define ONE_BIT16(v) ((v) != 0 && ((v) & ((v) - 1)) == 0 && (v) <= 0x8000)
#define PCI_COMMAND_BIT(name, value) _Static_assert(ONE_BIT16(value), #name ": not one bit of a le16");
#define PCI_STATUS_BIT(name, value) _Static_assert(ONE_BIT16(value), #name ": not one bit of a le16");
#define PCI_CAP(name, id, spelling) _Static_assert((id) > 0 && (id) < 256, #name ": not a byte");
#include "pci/pci_names.def"

static const struct { PciDomain d; uint16_t value; const char *name; } bits[] = {
#define PCI_COMMAND_BIT(name, value) { PCI_DOM_COMMAND, value, #name },
#define PCI_STATUS_BIT(name, value) { PCI_DOM_STATUS, value, #name },
#include "pci/pci_names.def"
};

static const struct { uint8_t id; const char *name, *spelling; } caps[] = {
#define PCI_CAP(name, id, spelling) { id, #name, spelling },
#include "pci/pci_names.def"
};

static const char *bit_name(uint64_t bit, const void *ctx)
{
    PciDomain d = *(const PciDomain *)ctx;
    for (size_t i = 0; i < ARRAY_SIZE(bits); i++)
        if (bits[i].d == d && bits[i].value == bit)
            return bits[i].name;
    return NULL;
}

size_t pci_format_bits(PciDomain d, uint16_t value, char *buf, size_t n)
{
    return bits_format(value, bit_name, &d, buf, n);
}

const char *pci_cap_name(unsigned id)
{
    for (size_t i = 0; i < ARRAY_SIZE(caps); i++)
        if (caps[i].id == id)
            return caps[i].name;
    return NULL;
}

const char *pci_cap_spelling(unsigned id)
{
    for (size_t i = 0; i < ARRAY_SIZE(caps); i++)
        if (caps[i].id == id)
            return caps[i].spelling;
    return NULL;
}
