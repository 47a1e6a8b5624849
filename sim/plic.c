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

/* ---- the register map: the priority array, the pending bits, and per context its
 * enable bits, threshold and claim/complete ---- */

#define NWORDS (PLIC_NUM_SOURCES / 32)

static uint64_t priority_read(void *opaque, unsigned sub, unsigned size)
{
    return ((Plic *)opaque)->priority[sub / 4];
}

static void priority_write(void *opaque, unsigned sub, unsigned size, uint64_t val)
{
    Plic *p = opaque;
    if (sub >= 4)            /* source 0 does not exist: its priority stays 0 */
        p->priority[sub / 4] = (uint32_t)val & 7;
    update(p);
}

static uint64_t pending_read(void *opaque, unsigned sub, unsigned size)
{
    const Plic *p = opaque;
    return sub / 4 < NWORDS ? p->pending[sub / 4] : 0;
}

static uint64_t enable_read(const Plic *p, unsigned ctx, unsigned sub)
{
    return sub / 4 < NWORDS ? p->enable[ctx][sub / 4] : 0;
}

static void enable_write(Plic *p, unsigned ctx, unsigned sub, uint64_t val)
{
    unsigned w = sub / 4;
    if (w < NWORDS)
        p->enable[ctx][w] = (uint32_t)val & (w == 0 ? ~1u : ~0u);
    update(p);
}

static uint64_t threshold_read(const Plic *p, unsigned ctx, unsigned sub)
{
    return sub == 0 ? p->threshold[ctx] : 0;
}

static void threshold_write(Plic *p, unsigned ctx, unsigned sub, uint64_t val)
{
    if (sub == 0)
        p->threshold[ctx] = (uint32_t)val & 7;
    update(p);
}

static uint64_t claim_read(Plic *p, unsigned ctx, unsigned sub)
{
    return sub == 0 ? plic_claim(p, ctx) : 0;
}

static void complete_write(Plic *p, unsigned ctx, unsigned sub, uint64_t val)
{
    if (sub == 0)
        plic_complete(p, ctx, (uint32_t)val);
}

/* The callbacks of context c's rows: a row carries no argument, so each context gets
 * its own small set, all calling the functions above. */
#define PLIC_CONTEXT_ROWS(c)                                                     \
    static uint64_t enable##c##_rd(void *o, unsigned sub, unsigned n)            \
    { return enable_read(o, c, sub); }                                           \
    static void enable##c##_wr(void *o, unsigned sub, unsigned n, uint64_t v)    \
    { enable_write(o, c, sub, v); }                                              \
    static uint64_t threshold##c##_rd(void *o, unsigned sub, unsigned n)         \
    { return threshold_read(o, c, sub); }                                        \
    static void threshold##c##_wr(void *o, unsigned sub, unsigned n, uint64_t v) \
    { threshold_write(o, c, sub, v); }                                           \
    static uint64_t claim##c##_rd(void *o, unsigned sub, unsigned n)             \
    { return claim_read(o, c, sub); }                                            \
    static void complete##c##_wr(void *o, unsigned sub, unsigned n, uint64_t v)  \
    { complete_write(o, c, sub, v); }
_Static_assert(PLIC_NUM_CONTEXTS == 2, "one PLIC_CONTEXT_ROWS and three rows per context");
PLIC_CONTEXT_ROWS(0)
PLIC_CONTEXT_ROWS(1)
#undef PLIC_CONTEXT_ROWS

static const RegDesc plic_regs[] = {
    { 0, PLIC_NUM_SOURCES * 4, "priority", priority_read, priority_write },
    { PLIC_PENDING, 0x80, "pending", pending_read, NULL },
    { PLIC_ENABLE, 0x80, "enable.m", enable0_rd, enable0_wr },
    { PLIC_ENABLE + 0x80, 0x80, "enable.s", enable1_rd, enable1_wr },
    { PLIC_CONTEXT, 4, "threshold.m", threshold0_rd, threshold0_wr },
    { PLIC_CONTEXT + 4, 4, "claim.m", claim0_rd, complete0_wr },
    { PLIC_CONTEXT + 0x1000, 4, "threshold.s", threshold1_rd, threshold1_wr },
    { PLIC_CONTEXT + 0x1004, 4, "claim.s", claim1_rd, complete1_wr },
};

const MemOps plic_ops = {
    .regs = plic_regs, .nregs = ARRAY_SIZE(plic_regs), .min_size = 4, .max_size = 4,
};

/* Snapshot state (snap/snap.h): every register and gateway, and the output levels. */
static const SnapField plic_fields[] = {
    SNAP_FIELD(Plic, priority), SNAP_FIELD(Plic, level), SNAP_FIELD(Plic, pending),
    SNAP_FIELD(Plic, claimed), SNAP_FIELD(Plic, enable), SNAP_FIELD(Plic, threshold),
    SNAP_FIELD(Plic, out_level),
};
const SnapDesc plic_snap = SNAP_DESC("plic", 1, Plic, plic_fields);
