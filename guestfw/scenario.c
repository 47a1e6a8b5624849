/* The scenario registry. Every entry is a weak reference, so the table may name
 * scenarios whose files are not linked (yet): their address is then 0 and they are
 * skipped. To add a scenario: define `const struct scenario scenario_NAME` in its own
 * file and add SCENARIO(NAME) below (order = the order of the help list). */
#include "scenario.h"

#include <stddef.h>

#include "libc.h"

#define SCENARIO(var) extern const struct scenario scenario_##var __attribute__((weak));
#define SCENARIOS(X)                                                                 \
    X(hello) X(bench_crc) X(pci) X(selftest) X(irq) X(crash)    /* firmware base */  \
    X(virtio) X(virtio_legacy) X(virtio_modern) X(virtio_ring)  /* virtio driver */  \
    X(virtio_ring_packed)                                                            \
    X(ping) X(udp) X(ctrl) X(mq) X(all) X(net_selftest)         /* network stack */  \
    X(dhcp) X(arp) X(tftp) X(stats) X(hostile) X(bad_driver)

SCENARIOS(SCENARIO)

#define ENTRY(var) &scenario_##var,
/* Data relocations (R_RISCV_64) to undefined weak symbols resolve to 0 in a static
 * link. A PC-relative reference from code cannot reach 0 from 0x80000000 under
 * medany, so the table must stay in memory and not be folded into code. */
static const struct scenario *const table[] = { SCENARIOS(ENTRY) };

const struct scenario *scenario_at(unsigned i)
{
    const struct scenario *const *t = table;
    __asm__("" : "+r"(t));     /* hide the contents from the optimiser: see above */
    for (unsigned k = 0; k < sizeof table / sizeof table[0]; k++) {
        if (!t[k])
            continue;
        if (i-- == 0)
            return t[k];
    }
    return NULL;
}

const struct scenario *scenario_find(const char *name)
{
    const struct scenario *s;
    for (unsigned i = 0; (s = scenario_at(i)) != NULL; i++)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}
