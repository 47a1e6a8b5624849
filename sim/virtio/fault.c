/* Device-side fault injection for virtio devices; see fault.h. Each fault breaks one
 * promise the spec makes to the driver: §3.1.1 step 6 (the device accepts a feature
 * subset it offered), §2.1.2 (NEEDS_RESET only after a device error), §2.7.8 (a used id
 * is the head of a chain the driver made available), §2.7.13 (buffers are eventually
 * used). Every injected misbehaviour is a `note` in the trace, so a reader of the
 * trace is never misled into blaming the driver.
 *
 * Each fault wraps what it breaks, the device's operations (validate_features, reset)
 * or the queue operations (pop, flush), and calls the wrapped ones for everything it
 * leaves alone; the ring itself is only ever written through the layout's operations. */
#include "virtio/fault.h"

#include <errno.h>
#include <stdlib.h>

#include "snap/snap.h"
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

/* ---- refuse-features-ok: validate_features ---- */

static int refuse_features(VirtioDevice *vd, uint64_t features, Err *err)
{
    VirtioFault *f = vd->wrap_ctx;
    /* The device's own checks first: a refusal they make is not the fault's. */
    if (f->inner->validate_features && f->inner->validate_features(vd, features, err) < 0)
        return -1;
    note(vd, "fault injection: refuse-features-ok");
    return err_set(err, "injected refusal (--virtio-fault=refuse-features-ok)");
}

/* ---- silent: pop ---- */

static int silent_pop(VirtQueue *vq, VqElem *e, Err *err)
{
    VirtioFault *f = vq->wrap_ctx;
    (void)e;
    (void)err;
    if (!f->fired) {
        f->fired = true;
        note(f->vd, "fault injection: silent: queue %u (and every other) is never serviced", vq->index);
    }
    return 0;
}

/* ---- bogus-used-id: pop records, flush injects, reset forgets ---- */

static int recording_pop(VirtQueue *vq, VqElem *e, Err *err)
{
    VirtioFault *f = vq->wrap_ctx;
    int r = vq->ops->pop(vq, e, err);
    if (r > 0 && vq->index < f->vd->info.num_queues && e->id < f->vd->info.queue_size)
        f->seen[vq->index * f->seen_stride + e->id / 8u] |= (uint8_t)(1u << (e->id % 8u));
    return r;
}

static void bogus_reset(VirtioDevice *vd)
{
    VirtioFault *f = vd->wrap_ctx;
    if (f->inner->reset)
        f->inner->reset(vd);
    memset(f->seen, 0, (size_t)vd->info.num_queues * f->seen_stride);
}

/* An id the driver never made available: the highest head that the device never fetched
 * and that is not waiting in the ring. In range, so only a driver that tracks which
 * heads are in flight notices it, not merely one that checks id < size. */
static uint32_t never_posted_id(VirtioFault *f, VirtQueue *vq)
{
    const uint8_t *seen = f->seen + vq->index * f->seen_stride;
    for (unsigned h = vq_size(vq); h-- > 0;)
        if (!(seen[h / 8u] & (1u << (h % 8u))) && !vq_is_posted(vq, (uint16_t)h))
            return h;
    return vq_size(vq);   /* every head was used: out of range is as never-posted as it gets */
}

static int bogus_flush(VirtQueue *vq, Err *err)
{
    VirtioFault *f = vq->wrap_ctx;
    /* Once, riding along with a genuine completion, once the driver is live. */
    if (!f->fired && vq->index == f->at && virtio_driver_ok(f->vd) && !vq_is_broken(vq) && vq_unpublished(vq)) {
        uint32_t id = never_posted_id(f, vq);
        f->fired = true;
        note(f->vd, "fault injection: bogus-used-id: queue %u used id %u was never made available", vq->index, id);
        if (vq->ops->fill(vq, id, 1, 0, err) < 0)
            return -1;
    }
    return vq->ops->flush(vq, err);
}

static const VqOps silent_queue_ops = { .name = "silent", .pop = silent_pop };
static const VqOps bogus_queue_ops = { .name = "bogus-used-id", .pop = recording_pop, .flush = bogus_flush };

/* ---- attaching ---- */

int virtio_fault_attach(VirtioFault *f, VirtioDevice *vd, EventQueue *q, Err *err)
{
    const VqOps *queue_ops = NULL;
    f->inner = vd->ops;
    f->ops = *vd->ops;
    switch (f->kind) {
    case VFAULT_REFUSE_FEATURES_OK:
        f->ops.validate_features = refuse_features;
        break;
    case VFAULT_BOGUS_USED_ID:
        if (f->at >= vd->info.num_queues)
            return err_set(err, "--virtio-fault bogus-used-id@%llu: %s has queues 0..%u",
                           (unsigned long long)f->at, vd->info.name, vd->info.num_queues - 1);
        f->seen_stride = (vd->info.queue_size + 7u) / 8u;
        f->seen = calloc(vd->info.num_queues, f->seen_stride);
        if (!f->seen)
            return err_set(err, "%s: out of memory", vd->info.name);
        f->ops.reset = bogus_reset;
        queue_ops = &bogus_queue_ops;
        break;
    case VFAULT_SILENT:
        queue_ops = &silent_queue_ops;
        break;
    case VFAULT_NEEDS_RESET:
        timer_init(&f->timer, "virtio-fault", needs_reset_fire, f);
        timer_mod(q, &f->timer, f->at);
        break;
    case VFAULT_NONE:
        break;
    }
    f->vd = vd;
    virtio_wrap(vd, &f->ops, queue_ops, f);
    return 0;
}

void virtio_fault_destroy(VirtioFault *f, EventQueue *q)
{
    if (f->kind == VFAULT_NEEDS_RESET && f->timer.armed)
        timer_del(q, &f->timer);
    free(f->seen);
    f->seen = NULL;
    if (f->vd)
        virtio_wrap(f->vd, f->inner, NULL, NULL);
    f->vd = NULL;
}

/* ---- snapshots (snap/snap.h) ---- */

static const SnapField fault_fields[] = {
    SNAP_FIELD(VirtioFault, fired), SNAP_TIMER(VirtioFault, timer),
};

static size_t seen_bytes(const VirtioFault *f)
{
    return f->seen && f->vd ? (size_t)f->vd->info.num_queues * f->seen_stride : 0;
}

static int fault_snap_save(void *obj, SnapBuf *b, Err *err)
{
    (void)err;
    VirtioFault *f = obj;
    snap_put(b, f->seen, seen_bytes(f));
    return 0;
}

static int fault_snap_load(void *obj, SnapIn *in, Err *err)
{
    VirtioFault *f = obj;
    if (snap_get(in, f->seen, seen_bytes(f)) != 0)
        return err_set(err, "snapshot: virtio-fault: truncated");
    return 0;
}

const SnapDesc virtio_fault_snap = SNAP_DESC("virtio-fault", 1, VirtioFault, fault_fields,
                                             .save = fault_snap_save, .load = fault_snap_load);
