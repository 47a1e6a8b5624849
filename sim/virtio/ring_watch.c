/* The ring watch: the layout's driver areas watched, its decoding of each store (see
 * ring_watch.h). */
#include "ring_watch.h"

#include "tracer.h"

int ring_watch_start(MemWatch *mw, VirtQueue *vq)
{
    VqArea area[VQ_MAX_AREAS];
    if (!mw)
        return 0;
    unsigned n = vq_driver_areas(vq, area);
    if (n == 0)
        return 0;
    ring_watch_stop(mw, vq);
    for (unsigned i = 0; i < n; i++)
        if (mem_watch_add(mw, area[i].base, area[i].len, ring_watch_store, vq) != 0) {
            ring_watch_stop(mw, vq);
            return -1;
        }
    return 0;
}

void ring_watch_stop(MemWatch *mw, VirtQueue *vq)
{
    if (mw)
        mem_watch_remove(mw, vq);
}

void ring_watch_store(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
    const VirtQueue *vq = opaque;
    if (tracer_on(vq->tracer))
        vq_decode_store(vq, addr, size);
    (void)val;
}
