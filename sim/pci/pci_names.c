/* Lookups over the one table of PCI configuration-space names (pci_names.def): the
 * table expanded into rows once; the shape rules the Python reader enforces
 * (trace/rt_names.py) are checked here by the compiler where it can. */
#include "pci/pci_names.h"

#include <stdio.h>

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

size_t pci_format_bits(PciDomain d, uint16_t value, char *buf, size_t n)
{
    size_t len = 0;
    uint16_t unnamed = 0;
    buf[0] = 0;
    for (unsigned b = 0; b < 16; b++) {
        uint16_t v = (uint16_t)(1u << b);
        if (!(value & v))
            continue;
        const char *name = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(bits) && !name; i++)
            if (bits[i].d == d && bits[i].value == v)
                name = bits[i].name;
        if (!name) {
            unnamed |= v;
            continue;
        }
        int k = snprintf(buf + (len < n ? len : n - 1), len < n ? n - len : 1, "%s%s", len ? "|" : "", name);
        len += k > 0 ? (size_t)k : 0;
    }
    if (unnamed || !value) {
        int k = snprintf(buf + (len < n ? len : n - 1), len < n ? n - len : 1, "%s%#x", len ? "|" : "",
                         (unsigned)unnamed);
        len += k > 0 ? (size_t)k : 0;
    }
    return len;
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
