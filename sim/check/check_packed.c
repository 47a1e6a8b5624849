/* The driver checker on the packed virtqueue (virtio 1.2 §2.8): descriptor ownership
 * (§2.8.16: the device's from the flags store that makes a descriptor available until
 * the device writes it used), the driver event suppression flags (§2.8.10: DESC only
 * with RING_EVENT_IDX, 3 reserved) and the device event suppression structure, which
 * only the device writes (§2.8.10; watched here). The driver's stores arrive as the
 * ring watch's packed_desc_write, packed_desc_avail and driver_event_write; the
 * device's fetches and used descriptors say which positions a buffer id holds and when
 * they come back. The split ring's rules are check_ring.c's; a packed queue's buffers
 * are checked by check_net.c as a split queue's are. */
#include "check/check_internal.h"

#include <stdlib.h>

#include "mem_watch.h"
#include "virtio/virtio_names.h"

/* desc_event_flags values (§2.8.10). */
enum { EVENT_DESC = 2, EVENT_RESERVED = 3, EVENT_FLAGS_MASK = 3, EVENT_AREA_BYTES = 4 };

static void device_area_store(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
    CkQueue *q = opaque;
    ck_violate(q->dev, CHECK_packed_device_area_write,
               "%u-byte store of %#llx at %#llx (device event suppression, offset %llu) of live queue %u", size,
               (unsigned long long)val, (unsigned long long)addr, (unsigned long long)(addr - q->used), q->index);
}

int ck_packed_live(CkQueue *q)
{
    CkDev *d = q->dev;
    q->owned = calloc(q->size, 1);
    q->id_pos = calloc(q->size, sizeof *q->id_pos);
    q->id_len = calloc(q->size, sizeof *q->id_len);
    if (!q->owned || !q->id_pos || !q->id_len)
        return -1;
    if (d->c->mw && mem_watch_add(d->c->mw, q->used, EVENT_AREA_BYTES, device_area_store, q) == 0)
        q->watched = true;
    return 0;
}

void ck_packed_gone(CkQueue *q)
{
    free(q->id_pos);
    free(q->id_len);
    q->id_pos = q->id_len = NULL;
}

void ck_packed_desc_write(CkQueue *q, uint16_t i)
{
    if (q->live && q->packed && q->owned && i < q->size && q->owned[i])
        ck_violate(q->dev, CHECK_packed_desc_owned_write,
                   "desc[%u] of packed queue %u changed after it was made available, before the device used it", i,
                   q->index);
}

void ck_packed_desc_avail(CkQueue *q, uint16_t i)
{
    if (q->live && q->packed && q->owned && i < q->size)
        q->owned[i] = 1;
}

void ck_packed_driver_event(CkQueue *q, uint16_t flags)
{
    if (!q->live || !q->packed)
        return;
    unsigned f = flags & EVENT_FLAGS_MASK;
    if (f == EVENT_RESERVED || (f == EVENT_DESC && !ck_has(q->dev, VIRTIO_F_RING_EVENT_IDX)))
        ck_violate(q->dev, CHECK_packed_event_flags, "queue %u: driver event flags %#x%s", q->index, flags,
                   f == EVENT_RESERVED ? " (3 is reserved)" : " (DESC) without RING_EVENT_IDX");
}

/* The positions the chain of buffer id took: all its ring descriptors (an indirect
 * table counts as the one that points at it). */
void ck_packed_fetch(CkQueue *q, uint16_t pos, uint16_t id, const TraceDescList *chain)
{
    if (!q->live || !q->packed || !q->id_pos || id >= q->size || pos >= q->size || chain->n == 0)
        return;
    size_t n = chain->d[0].flags & VRING_DESC_F_INDIRECT ? 1 : chain->n;
    q->id_pos[id] = pos;
    q->id_len[id] = (uint16_t)(n < q->size ? n : q->size);
    ck_net_chain(q, chain);
}

void ck_packed_used(CkQueue *q, uint16_t id)
{
    if (!q->live || !q->packed || !q->id_pos || id >= q->size)
        return;
    for (unsigned k = 0; k < q->id_len[id]; k++)
        q->owned[(q->id_pos[id] + k) % q->size] = 0;
    q->id_len[id] = 0;
}
