/* SiFive PLIC (RISC-V PLIC specification 1.0.0, as QEMU's virt board maps it):
 * priorities at 0x0, pending at 0x1000, enables at 0x2000 + 0x80*ctx,
 * threshold/claim at 0x200000 + 0x1000*ctx. Gateways are level-triggered: a source
 * becomes pending while its line is high and it is not in service. */
#include "plic.h"

#define PLIC_PENDING   0x1000u
#define PLIC_ENABLE    0x2000u
#define PLIC_CONTEXT   0x200000u

static bool bit(const uint32_t *w, unsigned n) { return (w[n / 32] >> (n % 32)) & 1; }
static void setbit(uint32_t *w, unsigned n, bool v)
{
    if (v)
        w[n / 32] |= 1u << (n % 32);
    else
        w[n / 32] &= ~(1u << (n % 32));
}

/* Highest-priority pending enabled source above the threshold (ties: lowest id). */
static unsigned best(const Plic *p, unsigned ctx)
{
    unsigned id = 0;
    uint32_t prio = p->threshold[ctx];
    for (unsigned n = 1; n < PLIC_NUM_SOURCES; n++)
        if (bit(p->pending, n) && bit(p->enable[ctx], n) && p->priority[n] > prio) {
            prio = p->priority[n];
            id = n;
        }
    return id;
}

static void update(Plic *p)
{
    for (unsigned n = 1; n < PLIC_NUM_SOURCES; n++)
        if (bit(p->level, n) && !bit(p->claimed, n))
            setbit(p->pending, n, true);
    for (unsigned c = 0; c < PLIC_NUM_CONTEXTS; c++) {
        int lvl = best(p, c) != 0;
        if (lvl != p->out_level[c]) {
            p->out_level[c] = lvl;
            irq_set(&p->out[c], lvl);
        }
    }
}

void plic_init(Plic *p, IrqLine m_ext, IrqLine s_ext)
{
    memset(p, 0, sizeof *p);
    p->out[0] = m_ext;
    p->out[1] = s_ext;
}

void plic_set_source(void *opaque, unsigned n, int level)
{
    Plic *p = opaque;
    if (n == 0 || n >= PLIC_NUM_SOURCES)
        return;
    setbit(p->level, n, level != 0);
    /* A level interrupt dropped before it was claimed is no longer pending. */
    if (!level && !bit(p->claimed, n))
        setbit(p->pending, n, false);
    update(p);
}

uint32_t plic_claim(Plic *p, unsigned ctx)
{
    unsigned id = best(p, ctx);
    if (id) {
        setbit(p->pending, id, false);
        setbit(p->claimed, id, true);
    }
    update(p);
    return id;
}

void plic_complete(Plic *p, unsigned ctx, uint32_t id)
{
    /* The spec ignores completions for sources not enabled for this context. */
    if (id == 0 || id >= PLIC_NUM_SOURCES || !bit(p->enable[ctx], id))
        return;
    setbit(p->claimed, id, false);
    update(p);
}

static uint64_t plic_read(void *opaque, uint64_t off, unsigned size)
{
    Plic *p = opaque;
    if (off < PLIC_NUM_SOURCES * 4)
        return p->priority[off / 4];
    if (off >= PLIC_PENDING && off < PLIC_PENDING + PLIC_NUM_SOURCES / 8)
        return p->pending[(off - PLIC_PENDING) / 4];
    if (off >= PLIC_ENABLE && off < PLIC_ENABLE + 0x80 * PLIC_NUM_CONTEXTS) {
        unsigned ctx = (unsigned)((off - PLIC_ENABLE) / 0x80), w = (unsigned)((off - PLIC_ENABLE) % 0x80) / 4;
        return w < PLIC_NUM_SOURCES / 32 ? p->enable[ctx][w] : 0;
    }
    if (off >= PLIC_CONTEXT && off < PLIC_CONTEXT + 0x1000 * PLIC_NUM_CONTEXTS) {
        unsigned ctx = (unsigned)((off - PLIC_CONTEXT) / 0x1000);
        switch ((off - PLIC_CONTEXT) % 0x1000) {
        case 0: return p->threshold[ctx];
        case 4: return plic_claim(p, ctx);
        }
    }
    return 0;
}

static void plic_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    Plic *p = opaque;
    if (off < PLIC_NUM_SOURCES * 4) {
        if (off >= 4)
            p->priority[off / 4] = (uint32_t)val & 7;
    } else if (off >= PLIC_ENABLE && off < PLIC_ENABLE + 0x80 * PLIC_NUM_CONTEXTS) {
        unsigned ctx = (unsigned)((off - PLIC_ENABLE) / 0x80), w = (unsigned)((off - PLIC_ENABLE) % 0x80) / 4;
        if (w < PLIC_NUM_SOURCES / 32)
            p->enable[ctx][w] = (uint32_t)val & (w == 0 ? ~1u : ~0u);
    } else if (off >= PLIC_CONTEXT && off < PLIC_CONTEXT + 0x1000 * PLIC_NUM_CONTEXTS) {
        unsigned ctx = (unsigned)((off - PLIC_CONTEXT) / 0x1000);
        switch ((off - PLIC_CONTEXT) % 0x1000) {
        case 0: p->threshold[ctx] = (uint32_t)val & 7; break;
        case 4: plic_complete(p, ctx, (uint32_t)val); return;
        }
    }
    update(p);
}

static const char *plic_reg_name(void *opaque, uint64_t off, unsigned size)
{
    static const struct { uint64_t lo, hi; const char *name; } map[] = {
        { 0, PLIC_NUM_SOURCES * 4, "priority" },
        { PLIC_PENDING, PLIC_PENDING + 0x80, "pending" },
        { PLIC_ENABLE, PLIC_ENABLE + 0x80, "enable.m" },
        { PLIC_ENABLE + 0x80, PLIC_ENABLE + 0x100, "enable.s" },
        { PLIC_CONTEXT, PLIC_CONTEXT + 4, "threshold.m" },
        { PLIC_CONTEXT + 4, PLIC_CONTEXT + 8, "claim.m" },
        { PLIC_CONTEXT + 0x1000, PLIC_CONTEXT + 0x1004, "threshold.s" },
        { PLIC_CONTEXT + 0x1004, PLIC_CONTEXT + 0x1008, "claim.s" },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(map); i++)
        if (off >= map[i].lo && off < map[i].hi)
            return map[i].name;
    return NULL;
}

const MemOps plic_ops = {
    .read = plic_read, .write = plic_write, .min_size = 4, .max_size = 4,
    .reg_name = plic_reg_name,
};
