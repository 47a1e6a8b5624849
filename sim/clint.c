/* SiFive CLINT (see clint.h): software interrupt, timer compare, and the time base. */
#include "clint.h"

enum { CLINT_MSIP = 0x0, CLINT_MTIMECMP = 0x4000, CLINT_MTIME = 0xbff8 };

uint64_t clint_mtime(const Clint *c)
{
    return c->now(c->now_ctx) / c->insns_per_tick;
}

/* Re-evaluates MTIP and arms the timer for the virtual time at which mtime reaches
 * mtimecmp: mtime = vclock / ratio, so that is vclock = mtimecmp * ratio. */
static void clint_update_timer(Clint *c)
{
    if (clint_mtime(c) >= c->mtimecmp) {
        timer_del(c->q, &c->timer);
        irq_set(&c->mtip, 1);
        return;
    }
    irq_set(&c->mtip, 0);
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

void clint_init(Clint *c, IrqLine mtip, IrqLine msip, EventQueue *q,
                uint64_t (*now)(void *ctx), void *now_ctx, uint32_t insns_per_tick)
{
    c->mtip = mtip;
    c->msip_line = msip;
    c->q = q;
    c->now = now;
    c->now_ctx = now_ctx;
    c->insns_per_tick = insns_per_tick ? insns_per_tick : 1;
    c->mtimecmp = UINT64_MAX;        /* reset value: no timer interrupt */
    c->msip = 0;
    timer_init(&c->timer, "clint.mtimecmp", clint_timer_fired, c);
}

/* ---- the register map: the 64-bit registers take an 8-byte access or either 4-byte
 * half (sub 0 = low, 4 = high) ---- */

static uint64_t half(uint64_t v, unsigned sub, unsigned size)
{
    return size == 8 ? v : (v >> ((sub & 4) * 8)) & 0xffffffffu;
}

static uint64_t msip_read(void *opaque, unsigned sub, unsigned size)
{
    return ((Clint *)opaque)->msip;
}

static void msip_write(void *opaque, unsigned sub, unsigned size, uint64_t val)
{
    Clint *c = opaque;
    c->msip = val & 1;
    irq_set(&c->msip_line, (int)c->msip);
}

static uint64_t mtimecmp_read(void *opaque, unsigned sub, unsigned size)
{
    return half(((Clint *)opaque)->mtimecmp, sub, size);
}

static void mtimecmp_write(void *opaque, unsigned sub, unsigned size, uint64_t val)
{
    Clint *c = opaque;
    if (size == 8)
        c->mtimecmp = val;
    else if (sub & 4)
        c->mtimecmp = (c->mtimecmp & 0xffffffffu) | (val << 32);
    else
        c->mtimecmp = (c->mtimecmp & ~0xffffffffull) | (val & 0xffffffffu);
    clint_update_timer(c);
}

/* No write callback: mtime is read-only (see clint.h). */
static uint64_t mtime_read(void *opaque, unsigned sub, unsigned size)
{
    return half(clint_mtime(opaque), sub, size);
}

static const RegDesc clint_regs[] = {
    { CLINT_MSIP, 4, "msip", msip_read, msip_write },
    { CLINT_MTIMECMP, 8, "mtimecmp", mtimecmp_read, mtimecmp_write },
    { CLINT_MTIME, 8, "mtime", mtime_read, NULL },
};

const MemOps clint_ops = {
    .regs = clint_regs, .nregs = ARRAY_SIZE(clint_regs), .min_size = 4, .max_size = 8,
};

/* Snapshot state (snap/snap.h); mtime is the clock's, the line levels the hart's. */
static const SnapField clint_fields[] = {
    SNAP_FIELD(Clint, mtimecmp), SNAP_FIELD(Clint, msip), SNAP_TIMER(Clint, timer),
};
const SnapDesc clint_snap = SNAP_DESC("clint", 1, Clint, clint_fields);
