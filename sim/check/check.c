/* The driver checker's observer (see check.h): the rule table, the events it takes and
 * which device and queue each concerns, and the reports. What each event means for
 * the driver's side of virtio 1.2 is in check_pci.c, check_ring.c and check_net.c. */
#include "check/check_internal.h"

#include <stdarg.h>
#include <stdlib.h>

#include "mem_watch.h"
#include "ram.h"
#include "tracer.h"

/* ---- the rules ---- */

static const CheckRule rules[CHECK_NRULES] = {
#define RULE(id, clause, sev, at, text, explain, example) { #id, clause, #sev, at, text, explain, example },
#include "check/rules.def"
#undef RULE
};

const CheckRule *check_rule(CheckRuleId id)
{
    return (unsigned)id < CHECK_NRULES ? &rules[id] : NULL;
}

int check_rule_find(const char *id)
{
    for (unsigned i = 0; i < CHECK_NRULES; i++)
        if (strcmp(rules[i].id, id) == 0)
            return (int)i;
    return -1;
}

static const char *const mode_names[] = { [CHECK_OFF] = "off", [CHECK_WARN] = "warn", [CHECK_ERROR] = "error" };

int check_mode_parse(const char *s, CheckMode *mode)
{
    for (unsigned i = 0; i < ARRAY_SIZE(mode_names); i++)
        if (strcmp(s, mode_names[i]) == 0) {
            *mode = (CheckMode)i;
            return 0;
        }
    return -1;
}

const char *check_mode_name(CheckMode mode)
{
    return (unsigned)mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : "?";
}

/* ---- reports ---- */

void ck_violate(CkDev *d, CheckRuleId r, const char *fmt, ...)
{
    Checker *c = d->c;
    /* Time travel re-running what the recording holds: the checker said it already (a
     * report from a RAM watch would otherwise be an event the recording does not have). */
    if (tracer_replaying(c->t))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->text, sizeof c->text, fmt, ap);
    va_end(ap);
    c->count[r]++;
    c->total++;
    const CheckRule *rule = &rules[r];
    TRACE(c->t, driver_violation, d->d.name, rule->id, rule->clause, c->text);
    if (c->report) {
        CheckViolation v = { .rule = r, .dev = d->d.name, .values = c->text, .count = c->count[r] };
        v.vtime = c->t->now ? c->t->now(c->t->now_ctx, &v.pc) : c->t->vtime_fixed;
        v.sym = tracer_sym(c->t, v.pc);
        c->report(c->report_ctx, &v);
    }
    if (c->mode == CHECK_ERROR && !c->stopped && c->stop) {
        c->stopped = true;
        c->stop(c->stop_ctx);
    }
}

/* ---- guest memory, read as a debugger does (never through the device's DMA) ---- */

bool ck_in_ram(const CkDev *d, uint64_t addr, uint64_t len)
{
    return !d->c->ram || (addr + len >= addr && ram_contains(d->c->ram, addr, len));
}

bool ck_read(const CkDev *d, uint64_t addr, void *buf, uint64_t len)
{
    return d->c->ram && ram_read(d->c->ram, addr, buf, len) == 0;
}

uint64_t ck_peek(const CkDev *d, uint64_t addr, unsigned size, bool *ok)
{
    uint8_t b[8] = { 0 };
    if (!d->c->ram || ram_read(d->c->ram, addr, b, size) != 0) {
        *ok = false;
        return 0;
    }
    return ldn_le(b, size);
}

CkQueue *ck_queue(CkDev *d, unsigned q)
{
    return q < d->d.num_queues ? &d->q[q] : NULL;
}

/* ---- which device an event concerns ---- */

static CkDev *dev_named(Checker *c, const char *name)
{
    for (unsigned i = 0; name && i < c->ndev; i++)
        if (c->dev[i].d.name == name || strcmp(c->dev[i].d.name, name) == 0)
            return &c->dev[i];
    return NULL;
}

static bool same(const char *a, const char *b)
{
    return a && b && (a == b || strcmp(a, b) == 0);
}

/* The device whose BAR region this is; *legacy says which of its BARs. Region names
 * are the bus's own strings, the same for every access, so the last answer is kept. */
static CkDev *dev_of_region(Checker *c, const char *region, bool *legacy)
{
    if (region != c->last_region || !region) {
        c->last_region = region;
        c->last_dev = NULL;
        for (unsigned i = 0; region && i < c->ndev && !c->last_dev; i++) {
            CkDev *d = &c->dev[i];
            if (same(d->d.modern_region, region) || same(d->d.legacy_region, region)) {
                c->last_dev = d;
                c->last_legacy = same(d->d.legacy_region, region);
            }
        }
    }
    *legacy = c->last_legacy;
    return c->last_dev;
}

static CkDev *dev_of_bdf(Checker *c, uint16_t bdf)
{
    for (unsigned i = 0; i < c->ndev; i++)
        if (c->dev[i].d.bdf == bdf)
            return &c->dev[i];
    return NULL;
}

static CkQueue *queue_of(Checker *c, const char *dev, uint16_t q)
{
    CkDev *d = dev_named(c, dev);
    return d ? ck_queue(d, q) : NULL;
}

/* After a reset the driver starts again: every queue is gone, every step undone. */
static void device_reset(CkDev *d)
{
    for (unsigned q = 0; q < d->d.num_queues; q++) {
        ck_queue_gone(&d->q[q]);
        CkQueue *cq = &d->q[q];
        cq->size_w = 0;
        memset(cq->addr_w, 0, sizeof cq->addr_w);
        memset(cq->halves_w, 0, sizeof cq->halves_w);
        cq->enable_w = false;
    }
    d->fok_written = d->fok_reread = d->fok_refused = d->failed = false;
    d->told = 0;
    d->features = d->fok_features = 0;
    d->gfsel = 0;
    d->qsel = 0;
}

static void observe(void *ctx, const TraceEvent *ev)
{
    Checker *c = ctx;
    CkDev *d;
    CkQueue *q;
    bool legacy = false;
    switch (ev->type) {
    case TRACE_EV_mmio_read:
        if ((d = dev_of_region(c, ev->u.mmio_read.region, &legacy)))
            ck_bus(d, legacy, false, ev->u.mmio_read.addr, ev->u.mmio_read.size, ev->u.mmio_read.value,
                   ev->u.mmio_read.reg);
        break;
    case TRACE_EV_mmio_write:
        if ((d = dev_of_region(c, ev->u.mmio_write.region, &legacy)))
            ck_bus(d, legacy, true, ev->u.mmio_write.addr, ev->u.mmio_write.size, ev->u.mmio_write.value,
                   ev->u.mmio_write.reg);
        break;
    case TRACE_EV_pio_read:
        if ((d = dev_of_region(c, ev->u.pio_read.region, &legacy)))
            ck_bus(d, legacy, false, ev->u.pio_read.port, ev->u.pio_read.size, ev->u.pio_read.value,
                   ev->u.pio_read.reg);
        break;
    case TRACE_EV_pio_write:
        if ((d = dev_of_region(c, ev->u.pio_write.region, &legacy)))
            ck_bus(d, legacy, true, ev->u.pio_write.port, ev->u.pio_write.size, ev->u.pio_write.value,
                   ev->u.pio_write.reg);
        break;
    case TRACE_EV_pci_cfg_write:
        if ((d = dev_of_bdf(c, ev->u.pci_cfg_write.bdf)))
            ck_cfg_write(d, ev->u.pci_cfg_write.offset, ev->u.pci_cfg_write.size);
        break;
    case TRACE_EV_pci_bar_map:
        if ((d = dev_of_bdf(c, ev->u.pci_bar_map.bdf)) && d->d.modern_region && ev->u.pci_bar_map.bar == d->d.modern_bar)
            d->modern_base = ev->u.pci_bar_map.addr;
        break;
    case TRACE_EV_virtio_config_read:
        if ((d = dev_named(c, ev->u.virtio_config_read.dev)))
            ck_config_access(d, false, ev->u.virtio_config_read.offset);
        break;
    case TRACE_EV_virtio_config_write:
        if ((d = dev_named(c, ev->u.virtio_config_write.dev)))
            ck_config_access(d, true, ev->u.virtio_config_write.offset);
        break;
    case TRACE_EV_virtio_reset:
        if ((d = dev_named(c, ev->u.virtio_reset.dev)))
            device_reset(d);
        break;
    case TRACE_EV_virtio_queue_setup: {
        const TraceEv_virtio_queue_setup *s = &ev->u.virtio_queue_setup;
        if ((q = queue_of(c, s->dev, s->queue)))
            ck_queue_live(q, s->size, s->desc, s->avail, s->used);
        break;
    }
    case TRACE_EV_virtio_queue_enable:
        if (!ev->u.virtio_queue_enable.enable && (q = queue_of(c, ev->u.virtio_queue_enable.dev, ev->u.virtio_queue_enable.queue)))
            ck_queue_gone(q);
        break;
    case TRACE_EV_desc_write:
        if ((q = queue_of(c, ev->u.desc_write.dev, ev->u.desc_write.queue)))
            ck_desc_write(q, ev->u.desc_write.index);
        break;
    case TRACE_EV_avail_write:
        if ((q = queue_of(c, ev->u.avail_write.dev, ev->u.avail_write.queue)))
            ck_avail_write(q, ev->u.avail_write.slot);
        break;
    case TRACE_EV_avail_idx:
        if ((q = queue_of(c, ev->u.avail_idx.dev, ev->u.avail_idx.queue)))
            ck_avail_idx(q, ev->u.avail_idx.idx);
        break;
    case TRACE_EV_avail_flags_write:
        if ((q = queue_of(c, ev->u.avail_flags_write.dev, ev->u.avail_flags_write.queue)))
            ck_avail_flags(q, ev->u.avail_flags_write.flags);
        break;
    case TRACE_EV_chain_fetch:
        if ((q = queue_of(c, ev->u.chain_fetch.dev, ev->u.chain_fetch.queue)))
            ck_chain_fetch(q, &ev->u.chain_fetch.chain);
        break;
    case TRACE_EV_packed_desc_write:
        if ((q = queue_of(c, ev->u.packed_desc_write.dev, ev->u.packed_desc_write.queue)))
            ck_packed_desc_write(q, ev->u.packed_desc_write.index);
        break;
    case TRACE_EV_packed_desc_avail:
        if ((q = queue_of(c, ev->u.packed_desc_avail.dev, ev->u.packed_desc_avail.queue)))
            ck_packed_desc_avail(q, ev->u.packed_desc_avail.index);
        break;
    case TRACE_EV_driver_event_write:
        if ((q = queue_of(c, ev->u.driver_event_write.dev, ev->u.driver_event_write.queue)))
            ck_packed_driver_event(q, ev->u.driver_event_write.flags);
        break;
    case TRACE_EV_packed_chain_fetch: {
        const TraceEv_packed_chain_fetch *f = &ev->u.packed_chain_fetch;
        if ((q = queue_of(c, f->dev, f->queue)))
            ck_packed_fetch(q, f->pos, f->id, &f->chain);
        break;
    }
    case TRACE_EV_packed_used_write:
        if ((q = queue_of(c, ev->u.packed_used_write.dev, ev->u.packed_used_write.queue)))
            ck_packed_used(q, ev->u.packed_used_write.id);
        break;
    case TRACE_EV_used_write:
        if ((q = queue_of(c, ev->u.used_write.dev, ev->u.used_write.queue)))
            ck_used_write(q, ev->u.used_write.id);
        break;
    default:
        break;
    }
}

/* Exactly the events the rules need: an untraced run pays for these alone. */
static const unsigned observed[] = {
    TRACE_EV_mmio_read, TRACE_EV_mmio_write, TRACE_EV_pio_read, TRACE_EV_pio_write,
    TRACE_EV_pci_cfg_write, TRACE_EV_pci_bar_map,
    TRACE_EV_virtio_config_read, TRACE_EV_virtio_config_write, TRACE_EV_virtio_reset,
    TRACE_EV_virtio_queue_setup, TRACE_EV_virtio_queue_enable,
    TRACE_EV_desc_write, TRACE_EV_avail_write, TRACE_EV_avail_idx, TRACE_EV_avail_flags_write,
    TRACE_EV_chain_fetch, TRACE_EV_used_write,
    TRACE_EV_packed_desc_write, TRACE_EV_packed_desc_avail, TRACE_EV_driver_event_write,
    TRACE_EV_packed_chain_fetch, TRACE_EV_packed_used_write,
};

Checker *check_create(Tracer *t, MemWatch *mw, Ram *ram, CheckMode mode, Err *err)
{
    Checker *c = calloc(1, sizeof *c);
    if (!c) {
        err_set(err, "driver checker: out of memory");
        return NULL;
    }
    c->t = t;
    c->mw = mw;
    c->ram = ram;
    c->mode = mode;
    return c;
}

void check_types(TraceTypeSet *s)
{
    for (size_t i = 0; i < ARRAY_SIZE(observed); i++)
        trace_types_add(s, observed[i]);
}

int check_start(Checker *c, Err *err)
{
    TraceTypeSet types = { { 0 } };
    check_types(&types);
    if (tracer_observe(c->t, observe, c, &types) != 0)
        return err_set(err, "driver checker: the tracer has no room for another observer");
    tracer_set_recording(c->t, observe, c);     /* its reports are the run's, said once */
    return 0;
}

void check_destroy(Checker *c)
{
    if (!c)
        return;
    tracer_unobserve(c->t, observe, c);
    for (unsigned i = 0; i < c->ndev; i++) {
        CkDev *d = &c->dev[i];
        for (unsigned q = 0; q < d->d.num_queues; q++)
            ck_queue_gone(&d->q[q]);
        free(d->q);
    }
    free(c);
}

int check_add_device(Checker *c, const CheckDevice *dev, Err *err)
{
    if (c->ndev == CHECK_MAX_DEVICES)
        return err_set(err, "driver checker: at most %d devices", CHECK_MAX_DEVICES);
    CkDev *d = &c->dev[c->ndev];
    memset(d, 0, sizeof *d);
    d->c = c;
    d->d = *dev;
    d->q = calloc(dev->num_queues ? dev->num_queues : 1, sizeof *d->q);
    if (!d->q)
        return err_set(err, "driver checker: out of memory");
    for (unsigned q = 0; q < dev->num_queues; q++) {
        d->q[q].dev = d;
        d->q[q].index = (uint16_t)q;
    }
    c->ndev++;
    return 0;
}

void check_set_report(Checker *c, CheckReportFn *fn, void *ctx)
{
    c->report = fn;
    c->report_ctx = ctx;
}

void check_set_stop(Checker *c, CheckStopFn *fn, void *ctx)
{
    c->stop = fn;
    c->stop_ctx = ctx;
}

unsigned check_count(const Checker *c, CheckRuleId id)
{
    return (unsigned)id < CHECK_NRULES ? c->count[id] : 0;
}

unsigned check_total(const Checker *c)
{
    return c->total;
}
