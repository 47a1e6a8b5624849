/* The layout-independent device side of a virtqueue (virtio 1.2 §2.6); see virtqueue.h.
 *
 * Ownership: the device keeps its own accounting (chains in flight, pushed but not
 * published) and never trusts a guest copy of it; the layout keeps its own indices.
 * Every operation checks here what every layout needs (queue enabled, not broken, a
 * push names a chain in flight), then calls the layout, or a wrapper of it (fault
 * injection) when one is installed. */
#include "virtqueue.h"

#include <stdlib.h>

#include "ram.h"
#include "tracer.h"
#include "virtio/vq_picture.h"

#include "snap/snap.h"

/* ---- guest memory ---- */

static int ram_dma_read(void *o, uint64_t addr, void *buf, uint64_t len) { return ram_read(o, addr, buf, len); }
static int ram_dma_write(void *o, uint64_t addr, const void *buf, uint64_t len) { return ram_write(o, addr, buf, len); }
static bool ram_dma_check(void *o, uint64_t addr, uint64_t len) { return ram_contains(o, addr, len); }

VqDma vq_dma_ram(struct Ram *ram)
{
    return (VqDma){ .read = ram_dma_read, .write = ram_dma_write, .check = ram_dma_check, .opaque = ram };
}

int vq_rd16(VirtQueue *vq, uint64_t addr, uint16_t *v)
{
    uint8_t b[2];
    if (vq->dma.read(vq->dma.opaque, addr, b, 2) < 0)
        return -1;
    *v = ld16_le(b);
    return 0;
}

int vq_wr16(VirtQueue *vq, uint64_t addr, uint16_t v)
{
    uint8_t b[2];
    st16_le(b, v);
    return vq->dma.write(vq->dma.opaque, addr, b, 2);
}

bool vq_range_ok(VirtQueue *vq, uint64_t addr, uint64_t len)
{
    if (len && addr + len - 1 < addr)
        return false;
    return !vq->dma.check || len == 0 || vq->dma.check(vq->dma.opaque, addr, len);
}

bool vq_grow(void **p, unsigned *cap, unsigned need, size_t elsize)
{
    if (need <= *cap)
        return true;
    unsigned n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, (size_t)n * elsize);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

int vq_note_desc(VirtQueue *vq, unsigned *n, const TraceDesc *d)
{
    if (!vq_grow((void **)&vq->tdesc, &vq->tdesc_cap, *n + 1, sizeof *vq->tdesc))
        return -1;
    vq->tdesc[(*n)++] = *d;
    return 0;
}

bool vq_decide_irq(VirtQueue *vq, bool raise, const char *reason)
{
    if (raise)
        TRACE(vq->tracer, irq_raise, vq->dev_name, vq->index, reason);
    else
        TRACE(vq->tracer, irq_suppress, vq->dev_name, vq->index, reason);
    return raise;
}

int vq_break(VirtQueue *vq, Err *err, const char *fmt, ...)
{
    vq->broken = true;
    if (err) {
        char msg[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        err_set(err, "queue %u: %s", vq->index, msg);
    }
    return -1;
}

/* The operation a wrapper replaces, else the layout's. */
#define OP(vq, name) ((vq)->wrap && (vq)->wrap->name ? (vq)->wrap->name : (vq)->ops->name)

/* ---- life cycle and configuration ---- */

void vq_init(VirtQueue *vq, uint16_t index, VqDma dma, const struct Tracer *t, const char *dev_name)
{
    memset(vq, 0, sizeof *vq);
    vq->index = index;
    vq->dma = dma;
    vq->tracer = t;
    vq->dev_name = dev_name;
}

void vq_destroy(VirtQueue *vq)
{
    free(vq->tdesc);
    vq->tdesc = NULL;
    vq->tdesc_cap = 0;
}

void vq_reset(VirtQueue *vq)
{
    vq->size = 0;
    vq->ready = false;
    vq->desc = vq->driver = vq->device = 0;
    vq->event_idx = vq->indirect = vq->notify_on_empty = false;
    vq->ops = NULL;
    vq->wrap = NULL;
    vq->wrap_ctx = NULL;
    vq->inflight = vq->unpublished = 0;
    vq->broken = false;
    memset(&vq->split, 0, sizeof vq->split);
    memset(&vq->packed, 0, sizeof vq->packed);
}

int vq_configure(VirtQueue *vq, const VqOps *layout, uint16_t size, uint64_t desc, uint64_t driver,
                 uint64_t device, Err *err)
{
    if (layout->configure(vq, size, desc, driver, device, err) < 0)
        return -1;
    vq->ops = layout;
    return 0;
}

void vq_set_ready(VirtQueue *vq, bool ready)
{
    vq->ready = ready && vq->size != 0 && vq->ops;
}

void vq_wrap(VirtQueue *vq, const VqOps *wrap, void *ctx)
{
    vq->wrap = wrap;
    vq->wrap_ctx = wrap ? ctx : NULL;
}

void vq_elem_free(VqElem *e)
{
    free(e->seg);
    memset(e, 0, sizeof *e);
}

/* ---- fetching chains ---- */

static int usable(VirtQueue *vq, Err *err)
{
    if (vq->broken)
        return err_set(err, "queue %u is broken until reset", vq->index);
    return vq->ready;
}

int vq_pending(VirtQueue *vq, Err *err)
{
    int u = usable(vq, err);
    return u <= 0 ? u : OP(vq, pending)(vq, err);
}

int vq_pop(VirtQueue *vq, VqElem *e, Err *err)
{
    int u = usable(vq, err);
    if (u <= 0)
        return u;
    int r = OP(vq, pop)(vq, e, err);
    if (r > 0)
        vq->inflight++;
    return r;
}

/* ---- scatter-gather copies ---- */

static int64_t copy_sg(VirtQueue *vq, const VqSeg *seg, unsigned n, uint64_t off, uint8_t *rbuf,
                       const uint8_t *wbuf, uint64_t len)
{
    uint64_t done = 0;
    for (unsigned k = 0; k < n && done < len; k++) {
        if (off >= seg[k].len) {
            off -= seg[k].len;
            continue;
        }
        uint64_t chunk = seg[k].len - off;
        if (chunk > len - done)
            chunk = len - done;
        int rc = rbuf ? vq->dma.read(vq->dma.opaque, seg[k].addr + off, rbuf + done, chunk)
                      : vq->dma.write(vq->dma.opaque, seg[k].addr + off, wbuf + done, chunk);
        if (rc < 0)
            return -1;
        done += chunk;
        off = 0;
    }
    return (int64_t)done;
}

int64_t vq_elem_read(VirtQueue *vq, const VqElem *e, uint64_t off, void *buf, uint64_t len)
{
    return copy_sg(vq, e->seg, e->nout, off, buf, NULL, len);
}

int64_t vq_elem_write(VirtQueue *vq, const VqElem *e, uint64_t off, const void *buf, uint64_t len)
{
    return copy_sg(vq, e->seg + e->nout, e->nseg - e->nout, off, NULL, buf, len);
}

/* ---- returning chains ---- */

int vq_push(VirtQueue *vq, const VqElem *e, uint32_t len, Err *err)
{
    if (!vq->ready || vq->broken)
        return err_set(err, "queue %u is not usable", vq->index);
    if (vq->inflight == 0 || e->id >= vq->size)
        return err_set(err, "queue %u: push of head %u that was never popped", vq->index, e->id);
    if (OP(vq, fill)(vq, e->id, e->ndescs, len, err) < 0)
        return -1;
    vq->inflight--;
    vq->unpublished++;
    return 0;
}

int vq_flush(VirtQueue *vq, Err *err)
{
    if (!vq->ready)
        return 0;
    int r = OP(vq, flush)(vq, err);
    if (r >= 0)
        vq->unpublished = 0;
    return r;
}

bool vq_need_interrupt(VirtQueue *vq)
{
    return vq->ready && OP(vq, need_interrupt)(vq);
}

int vq_set_notification(VirtQueue *vq, bool enable, Err *err)
{
    return vq->ready ? OP(vq, set_notification)(vq, enable, err) : 0;
}

bool vq_is_posted(VirtQueue *vq, uint16_t id)
{
    return vq->ready && OP(vq, is_posted)(vq, id);
}

/* ---- the ring watch ---- */

unsigned vq_driver_areas(const VirtQueue *vq, VqArea out[VQ_MAX_AREAS])
{
    return vq->ops && vq->size ? OP(vq, driver_areas)(vq, out) : 0;
}

void vq_decode_store(const VirtQueue *vq, uint64_t addr, unsigned size)
{
    if (vq->ops && vq->size)
        OP(vq, decode_store)(vq, addr, size);
}

void vq_describe(const VirtQueue *vq, VqPeekFn *peek, void *ctx, FILE *f)
{
    if (!vq->ops || !vq->size) {
        fprintf(f, "queue %u: not configured\n", vq->index);
        return;
    }
    if (vq->ops->describe)
        vq->ops->describe(vq, peek, ctx, f);
}

void vq_picture(const VirtQueue *vq, VqPeekFn *peek, void *ctx, VqPicture *p)
{
    memset(p, 0, sizeof *p);
    if (vq->ops && vq->size && vq->ops->picture)
        vq->ops->picture(vq, peek, ctx, p);
}

const char *vq_owner_name(VqOwner o)
{
    static const char *const names[VQ_OWN_COUNT] = { "free", "available", "device", "driver", "written" };
    return o < VQ_OWN_COUNT ? names[o] : "?";
}

/* ---- snapshots (snap/snap.h) ---- */


/* Every layout, so a snapshot can name one (add a new layout here). */
static const VqOps *const layouts[] = { &vq_split_ops, &vq_packed_ops };

const VqOps *vq_layout_named(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(layouts); i++)
        if (strcmp(layouts[i]->name, name) == 0)
            return layouts[i];
    return NULL;
}

/* The configuration and the device-side shadows (the layout's union whole: a layout
 * with state of its own keeps it in its member of that union). The layout and any wrapper
 * are pointers: the virtio core saves them by name (virtio.c). */
#define VQ_LAYOUT_STATE_SIZE \
    (sizeof(VqSplit) > sizeof(VqPacked) ? sizeof(VqSplit) : sizeof(VqPacked))
_Static_assert(offsetof(VirtQueue, split) == offsetof(VirtQueue, packed), "one union");
static const SnapField vq_fields[] = {
    SNAP_FIELD(VirtQueue, size), SNAP_FIELD(VirtQueue, ready), SNAP_FIELD(VirtQueue, desc),
    SNAP_FIELD(VirtQueue, driver), SNAP_FIELD(VirtQueue, device), SNAP_FIELD(VirtQueue, event_idx),
    SNAP_FIELD(VirtQueue, indirect), SNAP_FIELD(VirtQueue, notify_on_empty),
    SNAP_FIELD(VirtQueue, inflight), SNAP_FIELD(VirtQueue, unpublished), SNAP_FIELD(VirtQueue, broken),
    /* The layout's own state, the union of VqSplit and VqPacked, as bytes: declared
     * member by member, a restored bool of one layout would rewrite (normalised) a byte
     * the other layout's fields share. vq_reset clears it whole, padding included. */
    { "layout_state", (uint32_t)offsetof(VirtQueue, split), (uint32_t)VQ_LAYOUT_STATE_SIZE, SNAP_RAW },
};
const SnapDesc vq_snap = SNAP_DESC("virtqueue", 1, VirtQueue, vq_fields);
