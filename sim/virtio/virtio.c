/* The virtio device core (virtio 1.2 §2.1, §2.2, §2.4, §2.5, §3.1); see virtio.h.
 *
 * The status machine follows §3.1.1: ACKNOWLEDGE, DRIVER, (FEATURES_OK,) DRIVER_OK,
 * each step only after the one before. A driver that clears a bit without resetting,
 * skips a step (other than ACKNOWLEDGE, see virtio_write_status) or sets
 * DEVICE_NEEDS_RESET itself breaks the protocol: the device sets DEVICE_NEEDS_RESET
 * and the trace says why (DESIGN.md §6). FEATURES_OK is the one
 * step the device may refuse: it then stays clear (§2.2.1, §3.1.1 step 6).
 *
 * Choices where the spec leaves room: a queue_size write that is not a power of 2 up to
 * the maximum is not stored and sets NEEDS_RESET; legacy feature writes drop bits that
 * were not offered; config_generation moves once per change but at most once between two
 * reads of the device config, so it cannot wrap onto a value the driver holds; the
 * driver-written queue fields of an enabled queue are read-only; writing 0 to
 * queue_enable is ignored (no RING_RESET). */
#include "virtio.h"

#include <stdarg.h>
#include <stdlib.h>

#include "snap/snap.h"
#include "tracer.h"

static const char *name_of(const VirtioDevice *vd) { return vd->info.name; }

static const VirtioDeviceOps no_ops;

int virtio_init(VirtioDevice *vd, const VirtioDeviceInfo *info, const VirtioDeviceOps *ops, Err *err)
{
    memset(vd, 0, sizeof *vd);
    if (info->num_queues == 0 || info->num_queues > 1024)
        return err_set(err, "%s: %u queues (1..1024 supported)", info->name, info->num_queues);
    uint16_t qs = info->queue_size;
    if (qs == 0 || (qs & (qs - 1)) || qs > VQ_MAX_SIZE)
        return err_set(err, "%s: queue size %u is not a power of 2 in 1..32768", info->name, qs);
    vd->info = *info;
    vd->ops = ops ? ops : &no_ops;
    vd->vq = calloc(info->num_queues, sizeof *vd->vq);
    vd->qcfg = calloc(info->num_queues, sizeof *vd->qcfg);
    if (!vd->vq || !vd->qcfg) {
        virtio_destroy(vd);
        return err_set(err, "%s: out of memory", info->name);
    }
    for (unsigned q = 0; q < info->num_queues; q++) {
        vq_init(&vd->vq[q], (uint16_t)q, (VqDma){ 0 }, NULL, info->name);
        vd->qcfg[q].size = qs;
    }
    return 0;
}

void virtio_destroy(VirtioDevice *vd)
{
    if (vd->vq)
        for (unsigned q = 0; q < vd->info.num_queues; q++)
            vq_destroy(&vd->vq[q]);
    free(vd->vq);
    free(vd->qcfg);
    vd->vq = NULL;
    vd->qcfg = NULL;
}

void virtio_set_transport(VirtioDevice *vd, const VirtioTransport *t)
{
    vd->transport = *t;
    for (unsigned q = 0; q < vd->info.num_queues; q++)
        vd->vq[q].dma = t->dma;
}

void virtio_set_tracer(VirtioDevice *vd, const struct Tracer *t)
{
    vd->tracer = t;
    for (unsigned q = 0; q < vd->info.num_queues; q++)
        vd->vq[q].tracer = t;
}

void virtio_wrap(VirtioDevice *vd, const VirtioDeviceOps *ops, const VqOps *queue_ops, void *ctx)
{
    vd->ops = ops ? ops : &no_ops;
    vd->queue_wrap = queue_ops;
    vd->wrap_ctx = ctx;
    for (unsigned q = 0; q < vd->info.num_queues; q++)
        if (vd->vq[q].ready)
            vq_wrap(&vd->vq[q], queue_ops, ctx);
}

static void update_irq(VirtioDevice *vd)
{
    if (vd->transport.update_irq)
        vd->transport.update_irq(vd);
}

static void raise_isr(VirtioDevice *vd, uint8_t bits)
{
    vd->isr |= bits;
    update_irq(vd);
}

/* ---- errors and config changes ---- */

void virtio_config_touch(VirtioDevice *vd)
{
    /* §4.1.4.3.1: a change must show as a different config_generation to a driver
     * that read config since. Counting every change could wrap the 8-bit field back
     * to the value the driver holds (256 link flaps between two reads), so the
     * generation moves at most once between two reads of the device config. */
    if (vd->config_unread_change)
        return;
    vd->config_generation++;
    vd->config_unread_change = true;
}

void virtio_config_changed(VirtioDevice *vd)
{
    virtio_config_touch(vd);
    if (vd->status & VIRTIO_STATUS_DRIVER_OK)
        raise_isr(vd, VIRTIO_ISR_CONFIG);
}

static void verror(VirtioDevice *vd, bool needs_reset, const char *fmt, va_list ap)
{
    char reason[256];
    vsnprintf(reason, sizeof reason, fmt, ap);
    TRACE(vd->tracer, virtio_error, name_of(vd), reason);
    if (!needs_reset || (vd->status & VIRTIO_STATUS_NEEDS_RESET))
        return;
    uint8_t old = vd->status;
    vd->status |= VIRTIO_STATUS_NEEDS_RESET;
    TRACE(vd->tracer, virtio_status, name_of(vd), old, vd->status);
    /* §2.1.2: a live driver learns of it through a config change notification. */
    if (old & VIRTIO_STATUS_DRIVER_OK)
        raise_isr(vd, VIRTIO_ISR_CONFIG);
}

void virtio_error(VirtioDevice *vd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(vd, true, fmt, ap);
    va_end(ap);
}

/* A refusal or ignored write: traced, but the device keeps working. */
static void notice(VirtioDevice *vd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void notice(VirtioDevice *vd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(vd, false, fmt, ap);
    va_end(ap);
}

/* ---- reset and status ---- */

static void queue_live(VirtioDevice *vd, unsigned q, bool live)
{
    if (vd->queue_live)
        vd->queue_live(vd->queue_live_ctx, vd, q, live);
}

void virtio_reset(VirtioDevice *vd)
{
    vd->status = 0;
    vd->guest_features = 0;
    vd->dfselect = vd->gfselect = 0;
    vd->queue_sel = 0;
    for (unsigned q = 0; q < vd->info.num_queues; q++) {
        if (vd->vq[q].ready)
            queue_live(vd, q, false);
        vq_reset(&vd->vq[q]);
        vd->qcfg[q] = (VirtioQueueCfg){ .size = vd->info.queue_size };
    }
    if (vd->ops->reset)
        vd->ops->reset(vd);
    vd->isr = 0;
    update_irq(vd);
    TRACE(vd->tracer, virtio_reset, name_of(vd));
}

/* Checks the driver's features at FEATURES_OK (§2.2.1, §6.1); 0 or -1 with err. */
static int check_features(VirtioDevice *vd, Err *err)
{
    uint64_t extra = vd->guest_features & ~vd->info.features;
    if (extra)
        return err_set(err, "driver accepted features %#llx that were not offered", (unsigned long long)extra);
    if (vd->modern_only && !virtio_has_feature(vd, VIRTIO_F_VERSION_1))
        return err_set(err, "driver did not accept VERSION_1 from a modern-only device");
    if (vd->ops->validate_features)
        return vd->ops->validate_features(vd, vd->guest_features, err);
    return 0;
}

/* Why a status write breaks §3.1.1, or NULL when it is a legal next step. */
static const char *illegal_transition(uint8_t old, uint8_t s, bool legacy)
{
    if ((old & ~VIRTIO_STATUS_NEEDS_RESET) & ~s)
        return "driver cleared status bits without a reset";
    if ((s & VIRTIO_STATUS_NEEDS_RESET) && !(old & VIRTIO_STATUS_NEEDS_RESET))
        return "driver set DEVICE_NEEDS_RESET, a device-only bit";
    if ((s & VIRTIO_STATUS_FEATURES_OK) && !(s & VIRTIO_STATUS_DRIVER))
        return "FEATURES_OK set before DRIVER";
    if ((s & VIRTIO_STATUS_DRIVER_OK) && !(s & VIRTIO_STATUS_DRIVER))
        return "DRIVER_OK set before DRIVER";
    if ((s & VIRTIO_STATUS_DRIVER_OK) && !legacy && !(s & VIRTIO_STATUS_FEATURES_OK))
        return "DRIVER_OK set before FEATURES_OK";
    return NULL;
}

static void apply_ring_features(VirtioDevice *vd, VirtQueue *vq)
{
    vq->event_idx = virtio_has_feature(vd, VIRTIO_F_RING_EVENT_IDX);
    vq->indirect = virtio_has_feature(vd, VIRTIO_F_RING_INDIRECT_DESC);
    vq->notify_on_empty = virtio_has_feature(vd, VIRTIO_F_NOTIFY_ON_EMPTY);
}

void virtio_write_status(VirtioDevice *vd, uint8_t s, bool legacy)
{
    uint8_t old = vd->status;
    if (s == 0) {
        TRACE(vd->tracer, virtio_status, name_of(vd), old, 0);
        virtio_reset(vd);
        return;
    }
    /* DEVICE_NEEDS_RESET stays until a reset, whatever the driver writes back. */
    s |= old & VIRTIO_STATUS_NEEDS_RESET;
    /* U-Boot (2023.01) acknowledges at bind, resets at probe, then sets DRIVER alone.
     * §3.1.1 binds the driver, not the device; QEMU and hardware go on, so we do too,
     * leaving a trace note rather than refusing a real client. */
    if ((s & VIRTIO_STATUS_DRIVER) && !(old & VIRTIO_STATUS_DRIVER) && !(s & VIRTIO_STATUS_ACKNOWLEDGE) &&
        !(old & VIRTIO_STATUS_NEEDS_RESET))
        notice(vd, "status %#x -> %#x: DRIVER set without ACKNOWLEDGE (tolerated)", old, s);
    const char *why = illegal_transition(old, s, legacy);
    if (why) {
        virtio_error(vd, "status %#x -> %#x: %s", old, s, why);
        return;
    }
    if ((s & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK)) {
        Err err;
        if (check_features(vd, &err) < 0) {
            /* Refused: the bit stays clear and the driver sees so when it reads back. */
            s &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
            notice(vd, "FEATURES_OK refused: %s", err.msg);
        }
    }
    vd->status = s;
    TRACE(vd->tracer, virtio_status, name_of(vd), old, s);
    if ((s & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK))
        for (unsigned q = 0; q < vd->info.num_queues; q++)
            apply_ring_features(vd, &vd->vq[q]);
    if (vd->ops->set_status && s != old)
        vd->ops->set_status(vd, old, s);
}

/* ---- features ---- */

void virtio_select_features(VirtioDevice *vd, bool driver_side, uint32_t word)
{
    if (driver_side)
        vd->gfselect = word;
    else
        vd->dfselect = word;
    TRACE(vd->tracer, virtio_feature_sel, name_of(vd), driver_side ? "driver" : "device", word);
}

static uint32_t feature_word(uint64_t f, uint32_t word)
{
    return word < 2 ? (uint32_t)(f >> (32 * word)) : 0;
}

uint32_t virtio_read_device_features(VirtioDevice *vd, uint32_t word)
{
    uint32_t v = feature_word(vd->info.features, word);
    TRACE(vd->tracer, virtio_features, name_of(vd), "device", word, v);
    return v;
}

void virtio_write_legacy_features(VirtioDevice *vd, uint32_t value)
{
    /* The legacy interface has no FEATURES_OK to refuse with, so bits the device never
     * offered are dropped here (as QEMU does): else a driver that wrote all ones would
     * turn on NOTIFY_ON_EMPTY or ANY_LAYOUT behaviour the device did not offer (§2.2). */
    uint32_t offered = (uint32_t)vd->info.features;
    if (value & ~offered)
        notice(vd, "legacy driver accepted features %#x that were not offered: ignored", value & ~offered);
    virtio_write_driver_features(vd, 0, value & offered);
}

uint32_t virtio_read_driver_features(VirtioDevice *vd, uint32_t word)
{
    return feature_word(vd->guest_features, word);
}

void virtio_write_driver_features(VirtioDevice *vd, uint32_t word, uint32_t value)
{
    TRACE(vd->tracer, virtio_features, name_of(vd), "driver", word, value);
    if (vd->status & VIRTIO_STATUS_FEATURES_OK) {
        notice(vd, "driver feature word %u written after FEATURES_OK: ignored", word);
        return;
    }
    if (word >= 2) {
        if (value)
            notice(vd, "driver accepted bits in feature word %u, which has none", word);
        return;
    }
    unsigned sh = 32 * word;
    vd->guest_features = (vd->guest_features & ~((uint64_t)UINT32_MAX << sh)) | (uint64_t)value << sh;
}

/* ---- queues ---- */

static bool queue_writable(VirtioDevice *vd, unsigned q, const char *what)
{
    if (q >= vd->info.num_queues)
        return false;
    if (vd->vq[q].ready) {
        notice(vd, "queue %u: %s written while the queue is enabled: ignored", q, what);
        return false;
    }
    return true;
}

void virtio_queue_set_size(VirtioDevice *vd, unsigned q, uint16_t size)
{
    if (!queue_writable(vd, q, "queue_size"))
        return;
    /* §4.1.4.3.1: without RING_PACKED the device presents 0 or a power of 2 in
     * queue_size, so a size it cannot use is not stored; writing one breaks the
     * driver's §4.1.4.3.2 duty, and the device says so with NEEDS_RESET now rather
     * than at queue_enable. */
    bool packed = virtio_has_feature(vd, VIRTIO_F_RING_PACKED);   /* §2.8: any size */
    if (size == 0 || (!packed && (size & (size - 1))) || size > vd->info.queue_size) {
        virtio_error(vd, "queue %u: queue_size %u is not %sin 1..%u", q, size, packed ? "" : "a power of 2 ",
                     vd->info.queue_size);
        return;
    }
    vd->qcfg[q].size = size;
}

void virtio_queue_set_addr(VirtioDevice *vd, unsigned q, int which, uint64_t addr)
{
    static const char *const what[3] = { "queue_desc", "queue_driver", "queue_device" };
    if (which < 0 || which > 2 || !queue_writable(vd, q, what[which]))
        return;
    VirtioQueueCfg *c = &vd->qcfg[q];
    uint64_t *dst[3] = { &c->desc, &c->driver, &c->device };
    *dst[which] = addr;
}

static void trace_setup(VirtioDevice *vd, unsigned q)
{
    const VirtQueue *vq = &vd->vq[q];
    TRACE(vd->tracer, virtio_queue_setup, name_of(vd), (uint16_t)q, vq->size, vq->desc, vq->driver, vq->device);
}

/* The ring layout a queue gets: packed when the driver accepted RING_PACKED (§2.8),
 * for modern and transitional devices alike; the legacy interface knows only the split
 * ring (virtio_queue_set_pfn), and cannot even see the bit (feature word 1). */
static const VqOps *layout_of(const VirtioDevice *vd)
{
    return virtio_has_feature(vd, VIRTIO_F_RING_PACKED) ? &vq_packed_ops : &vq_split_ops;
}

/* The queue, configured, goes live: features, the wrapper if any, trace, observer. */
static void go_live(VirtioDevice *vd, unsigned q)
{
    VirtQueue *vq = &vd->vq[q];
    apply_ring_features(vd, vq);
    vq_wrap(vq, vd->queue_wrap, vd->wrap_ctx);
    vq_set_ready(vq, true);
    trace_setup(vd, q);
    TRACE(vd->tracer, virtio_queue_enable, name_of(vd), (uint16_t)q, 1);
    queue_live(vd, q, true);
}

void virtio_queue_enable(VirtioDevice *vd, unsigned q)
{
    if (q >= vd->info.num_queues || vd->vq[q].ready)
        return;
    VirtioQueueCfg *c = &vd->qcfg[q];
    VirtQueue *vq = &vd->vq[q];
    Err err;
    if (c->size > vd->info.queue_size) {
        virtio_error(vd, "queue %u: size %u is above the maximum %u", q, c->size, vd->info.queue_size);
        return;
    }
    if (vq_configure(vq, layout_of(vd), c->size, c->desc, c->driver, c->device, &err) < 0) {
        virtio_error(vd, "queue %u: %s", q, err.msg);
        return;
    }
    go_live(vd, q);
}

void virtio_queue_set_pfn(VirtioDevice *vd, unsigned q, uint32_t pfn)
{
    if (q >= vd->info.num_queues)
        return;
    VirtQueue *vq = &vd->vq[q];
    Err err;
    if (pfn == 0) {
        /* Legacy drivers write 0 to release a queue (Linux's del_vq). */
        bool was = vq->ready;
        if (was)
            queue_live(vd, q, false);
        vq_reset(vq);
        if (was)
            TRACE(vd->tracer, virtio_queue_enable, name_of(vd), (uint16_t)q, 0);
        return;
    }
    /* A new PFN over a live queue starts it afresh: a partial reset of this queue. */
    if (vq->ready)
        queue_live(vd, q, false);
    vq_reset(vq);
    if (vq_configure_legacy(vq, vd->info.queue_size, pfn, &err) < 0) {
        virtio_error(vd, "queue %u: %s", q, err.msg);
        return;
    }
    go_live(vd, q);
}

uint32_t virtio_queue_pfn(const VirtioDevice *vd, unsigned q)
{
    if (q >= vd->info.num_queues || !vd->vq[q].ready)
        return 0;
    return (uint32_t)(vd->vq[q].desc >> 12);
}

void virtio_queue_notify(VirtioDevice *vd, unsigned q)
{
    TRACE(vd->tracer, virtio_notify, name_of(vd), (uint16_t)q);
    if (q >= vd->info.num_queues) {
        notice(vd, "notify of queue %u, which does not exist", q);
        return;
    }
    if (!vd->vq[q].ready || (vd->status & VIRTIO_STATUS_NEEDS_RESET))
        return;
    if (vd->ops->queue_notify)
        vd->ops->queue_notify(vd, q);
}

bool virtio_queue_ready(const VirtioDevice *vd, unsigned q)
{
    return q < vd->info.num_queues && vq_ready(&vd->vq[q]);
}

uint16_t virtio_queue_size(const VirtioDevice *vd, unsigned q)
{
    return q < vd->info.num_queues ? vq_size(&vd->vq[q]) : 0;
}

unsigned virtio_queue_inflight(const VirtioDevice *vd, unsigned q)
{
    return q < vd->info.num_queues ? vq_inflight(&vd->vq[q]) : 0;
}

int virtio_queue_pending(VirtioDevice *vd, unsigned q, Err *err)
{
    if (q >= vd->info.num_queues)
        return err_set(err, "queue %u does not exist", q);
    return vq_pending(&vd->vq[q], err);
}

int virtio_queue_pop(VirtioDevice *vd, unsigned q, VqElem *e)
{
    Err err;
    if (q >= vd->info.num_queues || (vd->status & VIRTIO_STATUS_NEEDS_RESET))
        return -1;
    int r = vq_pop(&vd->vq[q], e, &err);
    if (r < 0)
        virtio_error(vd, "%s", err.msg);
    return r;
}

int64_t virtio_elem_read(VirtioDevice *vd, unsigned q, const VqElem *e, uint64_t off, void *buf, uint64_t len)
{
    return q < vd->info.num_queues ? vq_elem_read(&vd->vq[q], e, off, buf, len) : -1;
}

int64_t virtio_elem_write(VirtioDevice *vd, unsigned q, const VqElem *e, uint64_t off, const void *buf,
                          uint64_t len)
{
    return q < vd->info.num_queues ? vq_elem_write(&vd->vq[q], e, off, buf, len) : -1;
}

int virtio_queue_push(VirtioDevice *vd, unsigned q, const VqElem *e, uint32_t len)
{
    Err err;
    if (q >= vd->info.num_queues)
        return -1;
    if (vq_push(&vd->vq[q], e, len, &err) < 0) {
        virtio_error(vd, "%s", err.msg);
        return -1;
    }
    return 0;
}

void virtio_queue_complete(VirtioDevice *vd, unsigned q)
{
    Err err;
    if (q >= vd->info.num_queues)
        return;
    VirtQueue *vq = &vd->vq[q];
    int r = vq_flush(vq, &err);
    if (r < 0) {
        virtio_error(vd, "%s", err.msg);
        return;
    }
    if (r == 0)
        return;              /* nothing new on the used ring: nothing to signal */
    if (vq_need_interrupt(vq))
        raise_isr(vd, VIRTIO_ISR_QUEUE);
}

/* ---- ISR and config space ---- */

uint8_t virtio_isr_read(VirtioDevice *vd)
{
    uint8_t v = vd->isr;
    vd->isr = 0;
    update_irq(vd);
    TRACE(vd->tracer, virtio_isr_read, name_of(vd), v);
    return v;
}

const char *virtio_config_field(const VirtioDevice *vd, unsigned off)
{
    const RegDesc *r = vd->ops->config_regs ? regdesc_find(vd->ops->config_regs, vd->ops->n_config_regs, off) : NULL;
    return r ? r->name : NULL;
}

static bool config_in_range(const VirtioDevice *vd, unsigned off, unsigned size)
{
    return off < vd->info.config_size && size <= vd->info.config_size - off;
}

uint64_t virtio_config_read(VirtioDevice *vd, unsigned off, unsigned size)
{
    uint64_t v = 0;
    vd->config_unread_change = false;
    if (config_in_range(vd, off, size) && vd->ops->config_read)
        v = vd->ops->config_read(vd, off, size);
    TRACE(vd->tracer, virtio_config_read, name_of(vd), (uint16_t)off, (uint8_t)size, v, virtio_config_field(vd, off));
    return v;
}

void virtio_config_write(VirtioDevice *vd, unsigned off, unsigned size, uint64_t val)
{
    TRACE(vd->tracer, virtio_config_write, name_of(vd), (uint16_t)off, (uint8_t)size, val, virtio_config_field(vd, off));
    if (config_in_range(vd, off, size) && vd->ops->config_write)
        vd->ops->config_write(vd, off, size, val);
}

/* ---- snapshots (snap/snap.h) ---- */

static const SnapField virtio_fields[] = {
    SNAP_FIELD(VirtioDevice, status), SNAP_FIELD(VirtioDevice, isr),
    SNAP_FIELD(VirtioDevice, config_generation), SNAP_FIELD(VirtioDevice, config_unread_change),
    SNAP_FIELD(VirtioDevice, dfselect), SNAP_FIELD(VirtioDevice, gfselect),
    SNAP_FIELD(VirtioDevice, guest_features), SNAP_FIELD(VirtioDevice, queue_sel),
};

/* The queues' configuration as the driver set it, and each queue's layout (by name)
 * and whether the device's wrapper (virtio_wrap) wraps it. */
static int virtio_snap_save(void *obj, SnapBuf *b, Err *err)
{
    (void)err;
    VirtioDevice *vd = obj;
    snap_put(b, vd->qcfg, vd->info.num_queues * sizeof *vd->qcfg);
    for (unsigned q = 0; q < vd->info.num_queues; q++) {
        const char *name = vd->vq[q].ops ? vd->vq[q].ops->name : "";
        snap_put_u32(b, (uint32_t)strlen(name));
        snap_put(b, name, strlen(name));
        uint8_t wrapped = vd->vq[q].wrap != NULL;
        snap_put(b, &wrapped, 1);
    }
    return 0;
}

static int virtio_snap_load(void *obj, SnapIn *in, Err *err)
{
    VirtioDevice *vd = obj;
    snap_get(in, vd->qcfg, vd->info.num_queues * sizeof *vd->qcfg);
    for (unsigned q = 0; q < vd->info.num_queues; q++) {
        uint32_t len = snap_get_u32(in);
        char name[32];
        if (len >= sizeof name || snap_get(in, name, len) != 0)
            return err_set(err, "snapshot: %s queue %u: bad layout name", vd->info.name, q);
        name[len] = 0;
        uint8_t wrapped = 0;
        snap_get(in, &wrapped, 1);
        VirtQueue *vq = &vd->vq[q];
        vq->ops = len ? vq_layout_named(name) : NULL;
        if (len && !vq->ops)
            return err_set(err, "snapshot: %s queue %u: unknown layout '%s'", vd->info.name, q, name);
        if (wrapped && !vd->queue_wrap)
            return err_set(err, "snapshot: %s queue %u is wrapped, this machine has no wrapper (virtio_wrap)",
                           vd->info.name, q);
        vq->wrap = wrapped ? vd->queue_wrap : NULL;
        vq->wrap_ctx = wrapped ? vd->wrap_ctx : NULL;
    }
    return in->bad ? err_set(err, "snapshot: %s: truncated queue state", vd->info.name) : 0;
}

static void virtio_snap_children(void *obj, SnapReg *r)
{
    VirtioDevice *vd = obj;
    for (unsigned q = 0; q < vd->info.num_queues; q++) {
        char inst[16];
        snprintf(inst, sizeof inst, "%u", q);
        snap_add(r, &vq_snap, &vd->vq[q], inst);
    }
}

const SnapDesc virtio_snap = SNAP_DESC("virtio", 1, VirtioDevice, virtio_fields, .save = virtio_snap_save,
                                       .load = virtio_snap_load, .children = virtio_snap_children);
