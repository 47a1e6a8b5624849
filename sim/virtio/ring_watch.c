/* Decoding of the driver's ring stores into trace events (see ring_watch.h). */
#include "ring_watch.h"

#include "tracer.h"

static uint64_t avail_bytes(const VirtQueue *vq)
{
    return 4 + 2ull * vq->size + 2;        /* flags, idx, ring[size], used_event */
}

int ring_watch_start(MemWatch *mw, VirtQueue *vq)
{
    if (!mw || !vq->size)
        return 0;
    ring_watch_stop(mw, vq);
    if (mem_watch_add(mw, vq->desc, (uint64_t)VRING_DESC_SIZE * vq->size, ring_watch_store, vq) != 0 ||
        mem_watch_add(mw, vq->avail, avail_bytes(vq), ring_watch_store, vq) != 0) {
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

/* Reads a little-endian field back from guest memory after the store. */
static uint64_t rd(const VirtQueue *vq, uint64_t addr, unsigned size)
{
    uint8_t b[8] = { 0 };
    if (vq->dma.read(vq->dma.opaque, addr, b, size) != 0)
        return 0;
    return ldn_le(b, size);
}

void ring_watch_store(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
    VirtQueue *vq = opaque;
    const struct Tracer *t = vq->tracer;
    if (!tracer_on(t) || !vq->size)
        return;
    uint64_t desc_end = vq->desc + (uint64_t)VRING_DESC_SIZE * vq->size;
    if (addr >= vq->desc && addr < desc_end) {
        /* One event per store, showing the whole descriptor as it now stands, so a
         * reader sees each field arrive in the order the driver wrote it. */
        uint64_t first = (addr - vq->desc) / VRING_DESC_SIZE;
        uint64_t last = (addr + size - 1 - vq->desc) / VRING_DESC_SIZE;
        for (uint64_t i = first; i <= last && i < vq->size; i++) {   /* a wide store may span two */
            uint64_t d = vq->desc + i * VRING_DESC_SIZE;
            TRACE(t, desc_write, vq->dev_name, vq->index, (uint16_t)i, rd(vq, d, 8),
                  (uint32_t)rd(vq, d + 8, 4), (uint16_t)rd(vq, d + 12, 2), (uint16_t)rd(vq, d + 14, 2));
        }
        return;
    }
    if (addr < vq->avail || addr >= vq->avail + avail_bytes(vq))
        return;
    uint64_t off = addr - vq->avail;
    uint64_t ring_end = 4 + 2ull * vq->size;
    /* A wide store may cover several fields: report each field it touches. */
    for (uint64_t o = off & ~1ull; o < off + size && o < avail_bytes(vq); o += 2) {
        uint16_t v = (uint16_t)rd(vq, vq->avail + o, 2);
        if (o == 0)
            TRACE(t, avail_flags_write, vq->dev_name, vq->index, v);
        else if (o == 2)
            TRACE(t, avail_idx, vq->dev_name, vq->index, v);
        else if (o < ring_end)
            TRACE(t, avail_write, vq->dev_name, vq->index, (uint16_t)((o - 4) / 2), v);
        else
            TRACE(t, used_event_write, vq->dev_name, vq->index, v);
    }
    (void)val;
}
