/* An interrupt line: a device drives a level into whatever sink the machine wired it
 * to (PLIC source, CPU mip bit). The device never knows what is on the other end. */
#ifndef RINGSIDE_IRQ_H
#define RINGSIDE_IRQ_H

typedef void IrqSetFn(void *opaque, unsigned n, int level);

typedef struct IrqLine {
    IrqSetFn *set;
    void *opaque;
    unsigned n;
} IrqLine;

static inline void irq_set(const IrqLine *l, int level)
{
    if (l && l->set)
        l->set(l->opaque, l->n, level);
}

#endif
