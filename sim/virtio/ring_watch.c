/* The ring watch: the layout's driver areas watched, its decoding of each store (see
 * ring_watch.h). */
#include "ring_watch.h"

int ring_watch_start(BusTrace *bt, VirtQueue *vq)
{
    VqArea area[VQ_MAX_AREAS];
    if (!bt || !tracer_on(bt->t))
        return 0;
    unsigned n = vq_driver_areas(vq, area);
    if (n == 0)
        return 0;
    ring_watch_stop(bt, vq);
    for (unsigned i = 0; i < n; i++)
        if (bus_trace_watch(bt, area[i].base, area[i].len, ring_watch_store, vq) != 0) {
            ring_watch_stop(bt, vq);
            return -1;
        }
    return 0;
}

void ring_watch_stop(BusTrace *bt, VirtQueue *vq)
{
    if (bt)
        bus_trace_unwatch(bt, vq);
}

void ring_watch_store(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
    const VirtQueue *vq = opaque;
    if (tracer_on(vq->tracer))
        vq_decode_store(vq, addr, size);
    (void)val;
}
