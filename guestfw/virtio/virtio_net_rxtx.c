/* The virtio-net data path (virtio 1.2 §5.1.6 "Device Operation"): receive buffers
 * (mergeable §5.1.6.3, or header + frame), transmit with optional checksum offload
 * (§5.1.6.2), checksum completion on receive (§5.1.6.4), and NAPI-style polling: the
 * interrupt only masks the queue and notes the work; poll delivers the frames. */
#include "libc.h"
#include "platform.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_net_priv.h"

/* ---- checksums (RFC 1071) ---- */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

static int add_recvbuf(struct vnet *vi, struct vnet_rq *rq, uint8_t *slot)
{
    if (vi->mergeable || vi->any_layout) {
        struct vq_sg in[1] = { { slot, rq->stride } };
        return virtqueue_add_sgs(rq->vq, NULL, 0, in, 1, slot);
    }
    /* Legacy framing without ANY_LAYOUT: the header in a descriptor of its own. The
     * frame follows directly, so both layouts leave it at slot + hdr_len. */
    struct vq_sg in[2] = { { slot, vi->hdr_len }, { slot + vi->hdr_len, vi->max_frame } };
    return virtqueue_add_sgs(rq->vq, NULL, 0, in, 2, slot);
}

/* Posts the queue's buffers at probe (Linux's try_fill_recv), before any is in flight:
 * used buffers are re-posted one by one as they come back. Returns how many were added. */
unsigned vnet_try_fill_recv(struct vnet *vi, struct vnet_rq *rq)
{
    unsigned added = 0;
    for (unsigned i = 0; i < rq->nbufs; i++) {
        uint8_t *slot = rq->bufs + (size_t)i * rq->stride;
        if (add_recvbuf(vi, rq, slot) != 0)
            break;
        added++;
    }
    return added;
}

int vnet_fill_rx_queue(struct vnet *vi, unsigned q)
{
    struct vnet_rq *rq = &vi->rq[q];
    if (rq->filled)
        return 0;
    unsigned n = vnet_try_fill_recv(vi, rq);
    if (q == 0)
        vi->rx_posted0 = n;
    printf("virtio-net: %s: try_fill_recv posted %u buffers of %u bytes\n", rq->vq->name, n,
           vi->mergeable || vi->any_layout ? rq->stride : vi->hdr_len + vi->max_frame);
    if (n == 0) {
        virtio_fail(vi->vdev, "no receive buffers could be posted");
        return -1;
    }
    rq->filled = true;
    virtqueue_kick(rq->vq);
    return 0;
}

static bool slot_of(struct vnet_rq *rq, const void *tok)
{
    const uint8_t *p = tok;
    if (p < rq->bufs || p >= rq->bufs + (size_t)rq->nbufs * rq->stride)
        return false;
    return (size_t)(p - rq->bufs) % rq->stride == 0;
}

/* Completes a checksum the device left partial (GUEST_CSUM, NEEDS_CSUM set). */
static bool complete_csum(uint8_t *frame, size_t len, unsigned start, unsigned offset)
{
    if ((size_t)start + offset + 2 > len)
        return false;
    uint16_t c = (uint16_t)~csum_fold(csum_add(0, frame + start, len - start));
    if (c == 0 && offset == 6)
        c = 0xffff;            /* UDP: 0 means "no checksum" */
    put_be16(frame + start + offset, c);
    return true;
}

static void deliver(struct vnet *vi, uint8_t *frame, size_t len)
{
    struct netdev *nd = &vi->nd;
    nd->rx_packets++;
    nd->rx_bytes += len;
    if (nd->rx_fn)
        nd->rx_fn(nd, frame, len, nd->rx_ctx);
}

/* One used buffer (and, with MRG_RXBUF, the buffers that continue it). */
static void receive_buf(struct vnet *vi, struct vnet_rq *rq, uint8_t *slot, uint32_t len)
{
    struct netdev *nd = &vi->nd;
    uint8_t *hdr = slot;
    unsigned posted = (vi->mergeable || vi->any_layout) ? rq->stride : vi->hdr_len + vi->max_frame;
    if (len < vi->hdr_len + ETH_HLEN || len > posted) {
        printf("virtio-net: %s: rx length %u outside [%u, %u]; dropped\n", rq->vq->name,
               (unsigned)len, vi->hdr_len + ETH_HLEN, posted);
        nd->rx_dropped++;
        add_recvbuf(vi, rq, slot);
        return;
    }
    unsigned nbuf = vi->mergeable ? get16(hdr + HDR_NUM_BUFFERS) : 1;
    uint8_t *frame = slot + vi->hdr_len;
    size_t flen = len - vi->hdr_len;
    bool ok = true;
    if (nbuf == 0 || nbuf > rq->nbufs) {
        printf("virtio-net: %s: num_buffers %u invalid; dropped\n", rq->vq->name, nbuf);
        ok = false;
        nbuf = 1;
    }
    uint8_t flags = hdr[HDR_FLAGS];
    unsigned cstart = get16(hdr + HDR_CSUM_START), coff = get16(hdr + HDR_CSUM_OFFSET);
    if (nbuf > 1) {
        /* Reassemble: the header is only in the first buffer. */
        memcpy(vi->scratch, frame, flen);
        add_recvbuf(vi, rq, slot);
        for (unsigned k = 1; k < nbuf; k++) {
            uint32_t l = 0;
            uint8_t *more = virtqueue_get_buf(rq->vq, &l);
            if (!more || !slot_of(rq, more) || l > rq->stride) {
                printf("virtio-net: %s: merged buffer %u of %u missing or bad; dropped\n",
                       rq->vq->name, k + 1, nbuf);
                if (more && slot_of(rq, more))
                    add_recvbuf(vi, rq, more);
                nd->rx_dropped++;
                return;
            }
            if (ok && flen + l <= RX_SCRATCH) {
                memcpy(vi->scratch + flen, more, l);
                flen += l;
            } else {
                ok = false;
            }
            add_recvbuf(vi, rq, more);
        }
        frame = vi->scratch;
        slot = NULL;
    }
    if (ok && (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !complete_csum(frame, flen, cstart, coff)) {
        printf("virtio-net: %s: csum_start %u + csum_offset %u outside the frame; dropped\n",
               rq->vq->name, cstart, coff);
        ok = false;
    }
    if (ok)
        deliver(vi, frame, flen);
    else
        nd->rx_dropped++;
    if (slot)
        add_recvbuf(vi, rq, slot);
}

static int vnet_receive(struct vnet *vi, struct vnet_rq *rq, int budget)
{
    int done = 0;
    uint32_t len;
    void *tok;
    while (done < budget && (tok = virtqueue_get_buf(rq->vq, &len)) != NULL) {
        if (!slot_of(rq, tok)) {
            printf("virtio-net: %s: used token %p is no rx buffer\n", rq->vq->name, tok);
            continue;
        }
        receive_buf(vi, rq, tok, len);
        done++;
    }
    if (done)
        virtqueue_kick(rq->vq);
    return done;
}

/* ---- transmit ---- */

static void free_old_xmit(struct vnet_sq *sq)
{
    void *tok;
    while ((tok = virtqueue_get_buf(sq->vq, NULL)) != NULL) {
        size_t idx = (size_t)((uint8_t *)tok - sq->bufs) / sq->stride;
        if (idx < sq->nslots && sq->nfree < sq->nslots)
            sq->free_slots[sq->nfree++] = (uint16_t)idx;
    }
}

/* Queues one frame; with partial set, the header asks the device to finish the
 * checksum the stack left partial (§5.1.6.2: NEEDS_CSUM, csum_start, csum_offset;
 * gso_type stays GSO_NONE). The driver never looks inside the frame: which checksum
 * to offload is the stack's decision, as with Linux's CHECKSUM_PARTIAL skbs. */
static int xmit_one(struct netdev *nd, unsigned qp, const void *frame, size_t len,
                    bool partial, uint16_t csum_start, uint16_t csum_offset)
{
    struct vnet *vi = vnet_of(nd);
    if (vi->vdev->broken || qp >= vi->curr_pairs || len < ETH_HLEN || len > vi->max_frame ||
        (partial && (!vi->csum_tx || (size_t)csum_start + csum_offset + 2 > len))) {
        nd->tx_dropped++;
        return -1;
    }
    struct vnet_sq *sq = &vi->sq[qp];
    free_old_xmit(sq);
    if (sq->nfree == 0) {
        nd->tx_dropped++;
        return -1;
    }
    unsigned idx = sq->free_slots[--sq->nfree];
    uint8_t *slot = sq->bufs + (size_t)idx * sq->stride;
    uint8_t *hdr = slot, *data = slot + (vi->any_layout ? vi->hdr_len : HDR_ROOM);
    /* Both layouts (10 and 12 bytes) share the fields up to csum_offset. */
    memset(hdr, 0, HDR_ROOM);
    if (partial) {
        hdr[HDR_FLAGS] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        put16(hdr + HDR_CSUM_START, csum_start);
        put16(hdr + HDR_CSUM_OFFSET, csum_offset);
    }
    memcpy(data, frame, len);
    int rc;
    if (vi->any_layout) {
        /* Header and frame in one buffer, as Linux does when it can push the header. */
        struct vq_sg out[1] = { { slot, (uint32_t)(vi->hdr_len + len) } };
        rc = virtqueue_add_sgs(sq->vq, out, 1, NULL, 0, slot);
    } else {
        struct vq_sg out[2] = { { hdr, vi->hdr_len }, { data, (uint32_t)len } };
        rc = virtqueue_add_sgs(sq->vq, out, 2, NULL, 0, slot);
    }
    if (rc != 0) {
        sq->free_slots[sq->nfree++] = (uint16_t)idx;
        nd->tx_dropped++;
        return -1;
    }
    virtqueue_kick(sq->vq);
    nd->tx_packets++;
    nd->tx_bytes += len;
    return 0;
}

int vnet_xmit(struct netdev *nd, unsigned qp, const void *frame, size_t len)
{
    return xmit_one(nd, qp, frame, len, false, 0, 0);
}

int vnet_xmit_csum(struct netdev *nd, unsigned qp, const void *frame, size_t len,
                   uint16_t csum_start, uint16_t csum_offset)
{
    return xmit_one(nd, qp, frame, len, true, csum_start, csum_offset);
}

/* ---- poll and interrupts ---- */

int vnet_poll(struct netdev *nd)
{
    struct vnet *vi = vnet_of(nd);
    if (vi->vdev->broken)
        nd->failed = true;       /* waiting callers stop waiting (net_wait) */
    if (vi->in_poll || vi->vdev->broken)
        return 0;
    vi->in_poll = true;
    int total = 0;
    for (unsigned q = 0; q < vi->max_pairs; q++) {
        struct vnet_rq *rq = &vi->rq[q];
        free_old_xmit(&vi->sq[q]);
        /* NAPI: receive within budget; re-enable the interrupt only when done, and
         * go round again if buffers slipped in while it was off. */
        for (int round = 0; round < 4; round++) {
            int n = vnet_receive(vi, rq, RX_BUDGET);
            total += n;
            if (n == RX_BUDGET)
                continue;
            unsigned long flags = virtio_irq_save();
            rq->pending = false;
            bool idle = virtqueue_enable_cb(rq->vq);
            virtio_irq_restore(flags);
            if (idle)
                break;
        }
    }
    nd->irqs = vi->vdev->irqs;
    vi->in_poll = false;
    return total;
}

/* Interrupt context: only note the work and mask further interrupts for the queue. */
void vnet_rx_done(struct virtqueue *vq)
{
    struct vnet_rq *rq = vq->priv;
    struct vnet *vi = vq->vdev->priv;
    vi->rx_irqs++;
    virtqueue_disable_cb(vq);
    rq->pending = true;
}

void vnet_tx_done(struct virtqueue *vq)
{
    /* Completions are reclaimed by xmit and poll; keep the interrupt off. */
    virtqueue_disable_cb(vq);
}

void vnet_read_status(struct vnet *vi)
{
    uint16_t st = VIRTIO_NET_S_LINK_UP;
    if (virtio_has_feature(vi->vdev, VIRTIO_NET_F_STATUS))
        virtio_cread_bytes(vi->vdev, CFG_STATUS, &st, 2);
    vi->config_status = st;
    vi->nd.link_up = st & VIRTIO_NET_S_LINK_UP;
}

void vnet_config_changed(struct virtio_device *vdev)
{
    struct vnet *vi = vdev->priv;
    if (!vi)
        return;
    vi->config_irqs++;
    bool was = vi->nd.link_up;
    vnet_read_status(vi);
    printf("virtio-net: config changed: status 0x%x, link %s%s\n", vi->config_status,
           vi->nd.link_up ? "up" : "down", was != vi->nd.link_up ? " (changed)" : "");
    if (vi->config_status & VIRTIO_NET_S_ANNOUNCE)
        printf("virtio-net: device asks for an announcement (ack with announce_ack)\n");
}
