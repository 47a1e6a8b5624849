/* SiFive CLINT (see clint.h): software interrupt, timer compare, and the time base. */
#include "clint.h"

enum { CLINT_MSIP = 0x0, CLINT_MTIMECMP = 0x4000, CLINT_MTIME = 0xbff8 };

static const RegDesc clint_regs[] = {
    { CLINT_MSIP, 4, "msip" },
    { CLINT_MTIMECMP, 8, "mtimecmp" },
    { CLINT_MTIME, 8, "mtime" },
};

uint64_t clint_mtime(const Clint *c)
{
    return cpu_mtime(c->cpu);
}

/* Re-evaluates MTIP and arms the timer for the virtual time at which mtime reaches
 * mtimecmp: mtime = vclock / ratio, so that is vclock = mtimecmp * ratio. */
static void clint_update_timer(Clint *c)
{
    if (clint_mtime(c) >= c->mtimecmp) {
        timer_del(c->q, &c->timer);
        cpu_set_irq(c->cpu, MIP_MTIP, 1);
        return;
    }
    cpu_set_irq(c->cpu, MIP_MTIP, 0);
    uint64_t when = c->mtimecmp > EVENT_NEVER / c->insns_per_tick
                        ? EVENT_NEVER : c->mtimecmp * c->insns_per_tick;
    if (when == EVENT_NEVER)
        timer_del(c->q, &c->timer);
    else
        timer_mod(c->q, &c->timer, when);
}

static void clint_timer_fired(void *opaque)
{
    clint_update_timer(opaque);
}

void clint_init(Clint *c, Cpu *cpu, EventQueue *q, uint32_t insns_per_tick)
{
    c->cpu = cpu;
    c->q = q;
    c->insns_per_tick = insns_per_tick ? insns_per_tick : 1;
    c->mtimecmp = UINT64_MAX;        /* reset value: no timer interrupt */
    c->msip = 0;
    timer_init(&c->timer, "clint.mtimecmp", clint_timer_fired, c);
}

static uint64_t clint_read(void *opaque, uint64_t off, unsigned size)
{
    Clint *c = opaque;
    uint64_t v;
    uint64_t base = off & ~7ull;
    if (off < 4)
        return c->msip;
    if (base == CLINT_MTIMECMP)
        v = c->mtimecmp;
    else if (base == CLINT_MTIME)
        v = clint_mtime(c);
    else
        return 0;
    return size == 8 ? v : (v >> ((off & 4) * 8)) & 0xffffffffu;
}

static void clint_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    Clint *c = opaque;
    if (off < 4) {
        c->msip = val & 1;
        cpu_set_irq(c->cpu, MIP_MSIP, c->msip);
        return;
    }
    if ((off & ~7ull) != CLINT_MTIMECMP)
        return;              /* mtime and reserved space: read-only (see clint.h) */
    if (size == 8)
        c->mtimecmp = val;
    else if (off & 4)
        c->mtimecmp = (c->mtimecmp & 0xffffffffu) | (val << 32);
    else
        c->mtimecmp = (c->mtimecmp & ~0xffffffffull) | (val & 0xffffffffu);
    clint_update_timer(c);
}

static const char *clint_reg_name(void *opaque, uint64_t off, unsigned size)
{
    const RegDesc *r = regdesc_find(clint_regs, ARRAY_SIZE(clint_regs), off);
    return r ? r->name : NULL;
}

const MemOps clint_ops = {
    .read = clint_read, .write = clint_write, .min_size = 4, .max_size = 8,
    .reg_name = clint_reg_name,
};
