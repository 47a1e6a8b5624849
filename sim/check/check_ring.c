/* The driver checker on the split virtqueue (virtio 1.2 §2.7): ownership of the
 * descriptors (the driver's until a chain is made available, then the device's until
 * the device's used element returns it, §2.7.13), the chains as the avail idx publish
 * exposes them (§2.7.4.2, §2.7.5, §2.7.5.3), the available ring and its index
 * (§2.7.6, §2.7.13.3), avail flags (§2.7.7.1) and the used ring, which only the
 * device writes (§2.7.8; watched here). Offsets, sizes and field names are the
 * split layout's own (virtqueue.h's vq_split_*, from its one table).
 *
 * A chain is walked when the driver publishes it, reading guest RAM as it then stands,
 * with the device's order of checks (ring_split.c walk_chain), so the rule reported is
 * the one the device would refuse the chain for; the report's pc is the publishing
 * store. */
#include "check/check_internal.h"

#include <stdlib.h>

#include "mem_watch.h"
#include "tracer.h"
#include "virtio/virtio_names.h"
#include "virtio/virtqueue.h"

uint64_t ck_area_bytes(unsigned area, uint16_t n)
{
    return vq_split_area_bytes((VqSplitArea)area, n);
}

/* ---- the live ring ---- */

static void used_store(void *opaque, uint64_t addr, unsigned size, uint64_t val);

void ck_queue_gone(CkQueue *q)
{
    Checker *c = q->dev->c;
    if (q->watched && c->mw)
        mem_watch_remove(c->mw, q);
    q->watched = false;
    for (unsigned h = 0; q->chain && h < q->size; h++)
        free(q->chain[h].d);
    free(q->chain);
    free(q->owned);
    free(q->scratch);
    ck_packed_gone(q);
    q->chain = NULL;
    q->owned = NULL;
    q->scratch = NULL;
    q->live = false;
    q->packed = false;
}

void ck_queue_live(CkQueue *q, uint16_t size, uint64_t desc, uint64_t avail, uint64_t used)
{
    CkDev *d = q->dev;
    ck_queue_gone(q);
    if (size == 0)
        return;
    q->size = size;
    q->desc = desc;
    q->avail = avail;
    q->used = used;
    q->avail_idx = q->fetched = q->used_n = 0;
    if (ck_has(d, VIRTIO_F_RING_PACKED)) {
        /* The packed ring's own rules (check_packed.c); none of the split ring's. */
        q->live = q->packed = true;
        if (ck_packed_live(q) < 0)
            ck_queue_gone(q);  /* out of memory: this queue goes unchecked */
        return;
    }
    q->owned = calloc(size, 1);
    q->chain = calloc(size, sizeof *q->chain);
    q->scratch = calloc(size, sizeof *q->scratch);
    if (!q->owned || !q->chain || !q->scratch) {
        ck_queue_gone(q);      /* out of memory: this queue goes unchecked */
        return;
    }
    q->live = true;
    bool ok = true;
    uint64_t at = used + vq_split_used_flags_off(size);
    uint64_t flags = ck_peek(d, at, 2, &ok);
    if (ok && flags)
        ck_violate(d, CHECK_used_flags_init, "queue %u: used.flags %#llx at %#llx when the queue was enabled", q->index,
                   (unsigned long long)flags, (unsigned long long)at);
    if (d->c->mw && mem_watch_add(d->c->mw, used, ck_area_bytes(2, size), used_store, q) == 0)
        q->watched = true;
}

static void used_store(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
    CkQueue *q = opaque;
    /* Time travel re-running what the recording holds: the checker said it already. */
    if (tracer_replaying(q->dev->c->t))
        return;
    char label[40];
    uint64_t off = addr > q->used ? addr - q->used : 0;
    ck_violate(q->dev, CHECK_used_ring_write, "%u-byte store of %#llx at %#llx (%s) of live queue %u", size,
               (unsigned long long)val, (unsigned long long)addr,
               vq_split_field_label(VQ_SPLIT_USED, q->size, off, label, sizeof label), q->index);
}

/* ---- ownership ---- */

static void release(CkQueue *q, CkChain *ch)
{
    for (unsigned k = 0; k < ch->n; k++)
        if (q->owned[ch->d[k]])
            q->owned[ch->d[k]]--;
    ch->n = 0;
    ch->out = false;
}

void ck_desc_write(CkQueue *q, uint16_t i)
{
    if (q->live && !q->packed && i < q->size && q->owned[i])
        ck_violate(q->dev, CHECK_desc_owned_write,
                   "desc[%u] of queue %u written while the device owns it (made available, not yet used)", i, q->index);
}

void ck_avail_write(CkQueue *q, uint16_t slot)
{
    if (!q->live || q->packed || slot >= q->size)
        return;
    /* The entries the device may still read: avail idx fetched .. avail_idx - 1. */
    uint16_t out = (uint16_t)(q->avail_idx - q->fetched);
    if (out >= q->size || (uint16_t)((slot - q->fetched) & (q->size - 1)) < out)
        ck_violate(q->dev, CHECK_avail_entry_owned_write,
                   "avail.ring[%u] of queue %u rewritten at avail idx %u: the device has not fetched it (it is at %u)",
                   slot, q->index, q->avail_idx, q->fetched);
}

void ck_avail_flags(CkQueue *q, uint16_t flags)
{
    if (!q->live || q->packed)
        return;
    bool ev = ck_has(q->dev, VIRTIO_F_RING_EVENT_IDX);
    if (ev ? flags != 0 : flags > VRING_AVAIL_F_NO_INTERRUPT)
        ck_violate(q->dev, CHECK_avail_flags_value, "queue %u: avail.flags %#x %s", q->index, flags,
                   ev ? "with RING_EVENT_IDX negotiated (it must be 0)" : "(0 or 1 without RING_EVENT_IDX)");
}

/* ---- a published chain ---- */

/* Walks the chain at head as the driver wrote it, collecting the descriptors of the
 * queue's table it holds into q->scratch (*n); reports the first rule it breaks and
 * returns true then. */
static bool walk(CkQueue *q, uint16_t head, unsigned *n)
{
    CkDev *d = q->dev;
    uint64_t table = q->desc, bytes = 0;
    uint32_t tn = q->size;
    bool indirect = false, seen_w = false;
    unsigned visited = 0, nseg = 0;
    uint16_t i = head;
    const char *what = "desc";
    *n = 0;
    for (;;) {
        if (visited++ >= tn) {
            ck_violate(d, CHECK_chain_loop, "queue %u: the chain at head %u loops%s (%u descriptors followed)", q->index,
                       head, indirect ? " inside its indirect table" : "", tn);
            return true;
        }
        uint8_t b[16];
        VqSplitDesc x;
        if (!ck_read(d, table + vq_split_desc_off(i), b, vq_split_desc_bytes()))
            return false;    /* the table was checked at set-up (or is an indirect one, below) */
        vq_split_desc_decode(b, &x);
        if (!indirect)
            q->scratch[(*n)++] = i;
        if (x.flags & VRING_DESC_F_INDIRECT) {
            char fl[64];
            virtio_format_bits(VIRTIO_DOM_DESC, 0, x.flags, fl, sizeof fl);
            if (indirect)
                ck_violate(d, CHECK_indirect_nested, "queue %u: entry %u of the indirect table of head %u has flags %s",
                           q->index, i, head, fl);
            else if (!ck_has(d, VIRTIO_F_RING_INDIRECT_DESC))
                ck_violate(d, CHECK_indirect_not_negotiated,
                           "queue %u: desc[%u] (head %u) has flags %s, RING_INDIRECT_DESC not negotiated", q->index, i,
                           head, fl);
            else if (x.flags & VRING_DESC_F_NEXT)
                ck_violate(d, CHECK_indirect_and_next, "queue %u: desc[%u] (head %u) has flags %s", q->index, i, head, fl);
            else if (x.len == 0 || x.len % vq_split_desc_bytes())
                return false;    /* the device refuses it (§2.7.5.3.2); no driver rule says more */
            else if (!ck_in_ram(d, x.addr, x.len))
                ck_violate(d, CHECK_desc_addr_not_ram, "queue %u: desc[%u] (head %u): indirect table %#llx+%u is not in RAM",
                           q->index, i, head, (unsigned long long)x.addr, x.len);
            else {
                table = x.addr;
                tn = x.len / vq_split_desc_bytes();
                indirect = true;
                what = "indirect entry";
                visited = 0;
                i = 0;
                continue;
            }
            return true;
        }
        if (x.flags & VRING_DESC_F_WRITE) {
            seen_w = true;
        } else if (seen_w) {
            ck_violate(d, CHECK_chain_write_after_read, "queue %u: %s %u (head %u) is device-readable after a device-writable one",
                       q->index, what, i, head);
            return true;
        }
        if (!ck_in_ram(d, x.addr, x.len)) {
            ck_violate(d, CHECK_desc_addr_not_ram, "queue %u: %s %u (head %u): buffer %#llx+%u is not in RAM", q->index, what, i,
                       head, (unsigned long long)x.addr, x.len);
            return true;
        }
        if (++nseg > q->size) {
            ck_violate(d, CHECK_chain_too_long, "queue %u: the chain at head %u holds more than %u descriptors (the queue size)",
                       q->index, head, q->size);
            return true;
        }
        bytes += x.len;
        if (bytes > UINT32_MAX) {
            ck_violate(d, CHECK_chain_loop, "queue %u: the chain at head %u is longer than 2^32 bytes", q->index, head);
            return true;
        }
        if (!(x.flags & VRING_DESC_F_NEXT))
            return false;
        if (x.next >= tn) {
            ck_violate(d, CHECK_chain_next_range, "queue %u: %s %u (head %u): next %u is outside the %s of %u entries", q->index,
                       what, i, head, x.next, indirect ? "indirect table" : "descriptor table", tn);
            return true;
        }
        i = x.next;
    }
}

static void publish(CkQueue *q, uint16_t k)
{
    CkDev *d = q->dev;
    uint16_t slot = k & (q->size - 1);
    bool ok = true;
    uint16_t head = (uint16_t)ck_peek(d, q->avail + vq_split_avail_ring_off(q->size, slot), 2, &ok);
    if (!ok)
        return;
    if (head >= q->size) {
        ck_violate(d, CHECK_avail_head_range, "queue %u: avail.ring[%u] = %u (avail idx %u), not below the queue size %u",
                   q->index, slot, head, (uint16_t)(k + 1), q->size);
        return;
    }
    unsigned n;
    bool told = walk(q, head, &n);
    CkChain *ch = &q->chain[head];
    if (ch->out && !told) {
        ck_violate(d, CHECK_desc_owned_write,
                   "queue %u: avail.ring[%u] offers head %u again, before the device used its earlier offer",
                   q->index, slot, head);
        told = true;
    }
    if (ch->out)
        release(q, ch);      /* the newer offer is the one the device will return */
    for (unsigned m = 0; m < n && !told; m++)
        if (q->owned[q->scratch[m]]) {
            ck_violate(d, CHECK_desc_owned_write,
                       "queue %u: avail.ring[%u] offers head %u, whose desc[%u] the device still owns (not yet used)",
                       q->index, slot, head, q->scratch[m]);
            told = true;
        }
    if (n > ch->cap) {
        uint16_t *nd = realloc(ch->d, n * sizeof *nd);
        if (!nd)
            return;
        ch->d = nd;
        ch->cap = (uint16_t)n;
    }
    memcpy(ch->d, q->scratch, n * sizeof *ch->d);
    ch->n = (uint16_t)n;
    ch->out = true;
    for (unsigned m = 0; m < n; m++)
        if (q->owned[ch->d[m]] < UINT8_MAX)
            q->owned[ch->d[m]]++;
}

void ck_avail_idx(CkQueue *q, uint16_t idx)
{
    if (!q->live || q->packed)
        return;
    uint16_t old = q->avail_idx, delta = (uint16_t)(idx - old);
    if (delta == 0)
        return;
    q->avail_idx = idx;
    if (delta >= 0x8000) {
        ck_violate(q->dev, CHECK_avail_idx_decrease, "queue %u: avail.idx %u -> %u", q->index, old, idx);
        return;
    }
    uint16_t out = (uint16_t)(idx - q->used_n);
    if (out > q->size) {
        ck_violate(q->dev, CHECK_avail_idx_jump,
                   "queue %u: avail.idx %u -> %u puts %u chains out (the device used %u), more than the queue size %u",
                   q->index, old, idx, out, q->used_n, q->size);
        return;
    }
    for (uint16_t k = old; k != idx; k++)
        publish(q, k);
}

/* ---- what the device did ---- */

void ck_chain_fetch(CkQueue *q, const TraceDescList *chain)
{
    if (!q->live || q->packed)
        return;
    q->fetched++;
    ck_net_chain(q, chain);
}

void ck_used_write(CkQueue *q, uint32_t id)
{
    if (!q->live || q->packed)
        return;
    q->used_n++;
    if (id < q->size && q->chain[id].out)
        release(q, &q->chain[id]);
}
