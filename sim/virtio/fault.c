/* Device-side fault injection for virtio devices; see fault.h. Each fault breaks one
 * promise the spec makes to the driver: §3.1.1 step 6 (the device accepts a feature
 * subset it offered), §2.1.2 (NEEDS_RESET only after a device error), §2.7.8 (a used id
 * is the head of a chain the driver made available), §2.7.13 (buffers are eventually
 * used). Every injected misbehaviour is a `note` in the trace, so a reader of the
 * trace is never misled into blaming the driver. */
#include "virtio/fault.h"

#include <errno.h>
#include <stdlib.h>

#include "tracer.h"
#include "virtio/virtio.h"

static const struct {
    const char *name;
    VirtioFaultKind kind;
    int arg;                     /* after '@': 0 none, 1 required, 2 optional */
} kinds[] = {
    { "refuse-features-ok", VFAULT_REFUSE_FEATURES_OK, 0 },
    { "needs-reset", VFAULT_NEEDS_RESET, 1 },
    { "bogus-used-id", VFAULT_BOGUS_USED_ID, 2 },
    { "silent", VFAULT_SILENT, 0 },
};

int virtio_fault_parse(const char *spec, VirtioFault *f, Err *err)
{
    memset(f, 0, sizeof *f);
    const char *at = strchr(spec, '@');
    size_t len = at ? (size_t)(at - spec) : strlen(spec);
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
        if (strlen(kinds[i].name) != len || strncmp(spec, kinds[i].name, len) != 0)
            continue;
        if (kinds[i].arg == 1 && !at)
            return err_set(err, "--virtio-fault %s: needs a virtual time, e.g. needs-reset@4000000", spec);
        if (kinds[i].arg == 0 && at)
            return err_set(err, "--virtio-fault %s: takes no @argument", spec);
        if (at) {
            char *end;
            errno = 0;
            unsigned long long t = strtoull(at + 1, &end, 0);
            if (errno || end == at + 1 || *end || at[1] == '-')
                return err_set(err, "--virtio-fault %s: '%s' is not a number", spec, at + 1);
            f->at = t;
        }
        f->kind = kinds[i].kind;
        return 0;
    }
    return err_set(err, "--virtio-fault %s: unknown fault (expected " VIRTIO_FAULT_KINDS ")", spec);
}

static void note(VirtioDevice *vd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(VirtioDevice *vd, const char *fmt, ...)
{
    char text[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    TRACE(vd->tracer, note, text);
}

static void needs_reset_fire(void *opaque)
{
    VirtioFault *f = opaque;
    f->fired = true;
    note(f->vd, "fault injection: needs-reset@%llu", (unsigned long long)f->at);
    virtio_error(f->vd, "injected device failure (--virtio-fault=needs-reset@%llu)", (unsigned long long)f->at);
}

int virtio_fault_attach(VirtioFault *f, VirtioDevice *vd, EventQueue *q, Err *err)
{
    f->vd = vd;
    vd->fault = f;
    if (f->kind == VFAULT_BOGUS_USED_ID && f->at >= vd->info.num_queues)
        return err_set(err, "--virtio-fault bogus-used-id@%llu: %s has queues 0..%u",
                       (unsigned long long)f->at, vd->info.name, vd->info.num_queues - 1);
    if (f->kind == VFAULT_BOGUS_USED_ID) {
        f->seen_stride = (vd->info.queue_size + 7u) / 8u;
        f->seen = calloc(vd->info.num_queues, f->seen_stride);
        if (!f->seen)
            return err_set(err, "%s: out of memory", vd->info.name);
    }
    if (f->kind == VFAULT_NEEDS_RESET) {
        timer_init(&f->timer, "virtio-fault", needs_reset_fire, f);
        timer_mod(q, &f->timer, f->at);
    }
    return 0;
}

void virtio_fault_destroy(VirtioFault *f, EventQueue *q)
{
    if (f->kind == VFAULT_NEEDS_RESET && f->timer.armed)
        timer_del(q, &f->timer);
    free(f->seen);
    f->seen = NULL;
    if (f->vd)
        f->vd->fault = NULL;
}

bool virtio_fault_refuse_features(VirtioDevice *vd, Err *err)
{
    if (!vd->fault || vd->fault->kind != VFAULT_REFUSE_FEATURES_OK)
        return false;
    note(vd, "fault injection: refuse-features-ok");
    err_set(err, "injected refusal (--virtio-fault=refuse-features-ok)");
    return true;
}

bool virtio_fault_may_pop(VirtioDevice *vd, unsigned q)
{
    VirtioFault *f = vd->fault;
    if (!f || f->kind != VFAULT_SILENT)
        return true;
    if (!f->fired) {
        f->fired = true;
        note(vd, "fault injection: silent: queue %u (and every other) is never serviced", q);
    }
    return false;
}

void virtio_fault_popped(VirtioDevice *vd, unsigned q, uint16_t head)
{
    VirtioFault *f = vd->fault;
    if (f && f->seen && q < vd->info.num_queues && head < vd->info.queue_size)
        f->seen[q * f->seen_stride + head / 8u] |= (uint8_t)(1u << (head % 8u));
}

void virtio_fault_reset(VirtioDevice *vd)
{
    VirtioFault *f = vd->fault;
    if (f && f->seen)
        memset(f->seen, 0, (size_t)vd->info.num_queues * f->seen_stride);
}

/* Whether the driver has head available but not yet fetched on vq (so it is posted). */
static bool head_pending(VirtQueue *vq, uint16_t head)
{
    uint8_t b[2];
    if (vq->dma.read(vq->dma.opaque, vq->avail + 2, b, 2) < 0)
        return false;
    uint16_t n = (uint16_t)(ld16_le(b) - vq->last_avail);
    for (uint16_t k = 0; k < n && k < vq->size; k++) {
        uint16_t slot = (uint16_t)(vq->last_avail + k) & (vq->size - 1);
        if (vq->dma.read(vq->dma.opaque, vq->avail + 4 + 2u * slot, b, 2) == 0 && ld16_le(b) == head)
            return true;
    }
    return false;
}

/* An id the driver never made available: the highest head that the device never fetched
 * and that is not waiting in the avail ring. In range, so only a driver that tracks
 * which heads are in flight notices it, not merely one that checks id < size. */
static uint32_t never_posted_id(VirtioFault *f, unsigned q, VirtQueue *vq)
{
    const uint8_t *seen = f->seen + q * f->seen_stride;
    for (unsigned h = vq->size; h-- > 0;)
        if (!(seen[h / 8u] & (1u << (h % 8u))) && !head_pending(vq, (uint16_t)h))
            return h;
    return vq->size;   /* every head was used: out of range is as never-posted as it gets */
}

void virtio_fault_before_flush(VirtioDevice *vd, unsigned q)
{
    VirtioFault *f = vd->fault;
    if (!f || f->kind != VFAULT_BOGUS_USED_ID || f->fired || q != f->at || q >= vd->info.num_queues)
        return;
    VirtQueue *vq = &vd->vq[q];
    /* Ride along with a genuine completion, once the driver is live. */
    if (!virtio_driver_ok(vd) || !vq->ready || vq->broken || vq->published == vq->used_idx)
        return;
    uint32_t id = never_posted_id(f, q, vq);
    uint16_t slot = vq->used_idx & (vq->size - 1);
    uint8_t b[VRING_USED_ELEM_SIZE];
    st32_le(b, id);
    st32_le(b + 4, 0);
    if (vq->dma.write(vq->dma.opaque, vq->used + 4 + (uint64_t)VRING_USED_ELEM_SIZE * slot, b, sizeof b) < 0)
        return;
    f->fired = true;
    note(vd, "fault injection: bogus-used-id: queue %u used id %u was never made available", q, id);
    TRACE(vd->tracer, used_write, vd->info.name, (uint16_t)q, slot, id, 0);
    vq->used_idx++;
}
