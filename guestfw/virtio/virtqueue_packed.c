/* Packed virtqueue, driver side (virtio 1.2 §2.8; §2.8.21 "Supplying Buffers to The
 * Device", §2.8.22 "Receiving Used Buffers From The Device", §2.8.10 notification
 * suppression), written from the spec like the split path in virtqueue.c.
 *
 * One ring of descriptors {le64 addr, le32 len, le16 id, le16 flags}. The driver writes
 * descriptors at next_avail, marking each available with AVAIL = its wrap counter and
 * USED = its inverse; the first descriptor of a chain gets its flags last, after a
 * write barrier, so the device sees the whole chain at once. The device writes one used
 * descriptor per buffer (AVAIL = USED = its wrap counter) carrying the buffer id, and
 * skips as many positions as the chain had descriptors: so the driver keeps, per id,
 * the chain length, and frees ids, not descriptors. */
#include "libc.h"
#include "platform.h"
#include "virtio/virtio_ring.h"

#define DESC_SIZE   16
#define D_ADDR      0
#define D_LEN       8
#define D_ID        12
#define D_FLAGS     14
#define EVENT_SIZE  4     /* le16 desc_event_off_wrap, le16 desc_event_flags */

static inline uint16_t ld16(const uint8_t *p) { return *(const volatile uint16_t *)(const void *)p; }
static inline uint32_t ld32(const uint8_t *p) { return *(const volatile uint32_t *)(const void *)p; }
static inline void st16(uint8_t *p, uint16_t v) { *(volatile uint16_t *)(void *)p = v; }
static inline void st32(uint8_t *p, uint32_t v) { *(volatile uint32_t *)(void *)p = v; }
static inline void st64(uint8_t *p, uint64_t v) { *(volatile uint64_t *)(void *)p = v; }

/* The AVAIL/USED pair that makes a descriptor available under wrap counter w. */
static uint16_t avail_bits(bool w)
{
    return (uint16_t)(w ? VRING_PACKED_DESC_F_AVAIL : VRING_PACKED_DESC_F_USED);
}

static void advance(const struct virtqueue *vq, uint16_t *pos, bool *wrap, unsigned by)
{
    unsigned p = *pos + by;
    if (p >= vq->num) {
        p -= vq->num;
        *wrap = !*wrap;
    }
    *pos = (uint16_t)p;
}

/* A position and its wrap counter as one number mod 2 * num, for event offsets. */
static unsigned fold(const struct virtqueue *vq, unsigned pos, bool wrap)
{
    return wrap ? pos : pos + vq->num;
}

static void write_event(uint8_t *area, uint16_t off_wrap, uint16_t flags)
{
    st16(area, off_wrap);
    st16(area + 2, flags);
}

struct virtqueue *vring_create_packed(struct virtio_device *vdev, unsigned index,
                                      unsigned num, const char *name, vq_callback_fn *callback)
{
    if (num == 0 || num > VQ_MAX_SIZE)
        return NULL;
    struct virtqueue *vq = fw_alloc(sizeof(*vq), 0);
    vq->vdev = vdev;
    vq->index = index;
    vq->name = name;
    vq->callback = callback;
    vq->num = num;
    vq->packed = true;
    vq->event_idx = virtio_has_feature(vdev, VIRTIO_F_RING_EVENT_IDX);
    vq->indirect = virtio_has_feature(vdev, VIRTIO_F_RING_INDIRECT_DESC);
    /* §2.8.10.1 alignments: descriptor ring 16, both event areas 4. */
    vq->desc = fw_alloc(DESC_SIZE * num, 16);
    vq->avail = fw_alloc(EVENT_SIZE, 4);
    vq->used = fw_alloc(EVENT_SIZE, 4);
    vq->desc_dma = dma_addr(vq->desc);
    vq->avail_dma = dma_addr(vq->avail);
    vq->used_dma = dma_addr(vq->used);
    vring_init_shadow(vq);   /* free buffer ids, in order; every descriptor free */
    /* §2.8.1: both wrap counters start at 1. */
    vq->avail_wrap = vq->used_wrap = true;
    /* With EVENT_IDX, ask for an interrupt at the first used descriptor (DESC mode);
     * otherwise the zeroed area already says ENABLE. */
    vq->event_flags_shadow = vq->event_idx ? VRING_PACKED_EVENT_DESC : VRING_PACKED_EVENT_ENABLE;
    write_event(vq->avail, (uint16_t)(1u << VRING_PACKED_EVENT_WRAP), vq->event_flags_shadow);
    return vq;
}

int vqp_add_sgs(struct virtqueue *vq, const struct vq_sg *out, unsigned n_out,
                const struct vq_sg *in, unsigned n_in, void *token)
{
    unsigned total = n_out + n_in;
    bool use_indirect = vq->indirect && total > 1 && total <= VQ_INDIRECT_MAX;
    unsigned need = use_indirect ? 1 : total;
    if (vq->num_free < need)
        return -1;
    uint16_t id = vq->free_head;
    uint16_t pos = vq->next_avail, head = pos;
    bool wrap = vq->avail_wrap;
    uint16_t head_flags = 0;

    if (use_indirect) {
        /* The table holds the whole chain in order; its length delimits it (§2.8.7). */
        uint8_t *table = vq->indir + (size_t)id * DESC_SIZE * VQ_INDIRECT_MAX;
        for (unsigned i = 0; i < total; i++) {
            const struct vq_sg *sg = i < n_out ? &out[i] : &in[i - n_out];
            uint8_t *d = table + DESC_SIZE * i;
            st64(d + D_ADDR, dma_addr(sg->addr));
            st32(d + D_LEN, sg->len);
            st16(d + D_ID, 0);
            st16(d + D_FLAGS, (uint16_t)(i < n_out ? 0 : VRING_DESC_F_WRITE));
        }
        uint8_t *d = vq->desc + DESC_SIZE * pos;
        st64(d + D_ADDR, dma_addr(table));
        st32(d + D_LEN, DESC_SIZE * total);
        st16(d + D_ID, id);
        head_flags = (uint16_t)(VRING_DESC_F_INDIRECT | avail_bits(wrap));
        advance(vq, &pos, &wrap, 1);
    } else {
        for (unsigned k = 0; k < total; k++) {
            const struct vq_sg *sg = k < n_out ? &out[k] : &in[k - n_out];
            uint16_t flags = (uint16_t)((k < n_out ? 0 : VRING_DESC_F_WRITE) |
                                        (k + 1 < total ? VRING_DESC_F_NEXT : 0) | avail_bits(wrap));
            uint8_t *d = vq->desc + DESC_SIZE * pos;
            st64(d + D_ADDR, dma_addr(sg->addr));
            st32(d + D_LEN, sg->len);
            st16(d + D_ID, id);        /* §2.8.6: the device reads it from the last */
            if (k == 0)
                head_flags = flags;
            else
                st16(d + D_FLAGS, flags);
            advance(vq, &pos, &wrap, 1);
        }
    }
    vq->free_head = vq->next_shadow[id];
    vq->num_free = (uint16_t)(vq->num_free - need);
    vq->chain_len[id] = (uint16_t)need;
    vq->data[id] = token;
    vq->next_avail = pos;
    vq->avail_wrap = wrap;
    /* Every other descriptor of the chain before the first one's flags, which hand the
     * chain over (§2.8.21.1). */
    wmb();
    st16(vq->desc + DESC_SIZE * head + D_FLAGS, head_flags);
    vq->num_added = (uint16_t)(vq->num_added + need);
    return 0;
}

bool vqp_kick_prepare(struct virtqueue *vq)
{
    /* The flags store must be visible before we read the device's suppression state. */
    mb();
    unsigned added = vq->num_added;
    vq->num_added = 0;
    uint16_t off_wrap = ld16(vq->used), flags = ld16(vq->used + 2) & 3;
    bool needed;
    if (flags == VRING_PACKED_EVENT_DISABLE)
        needed = false;
    else if (flags == VRING_PACKED_EVENT_DESC && vq->event_idx && added < vq->num) {
        /* Notify when the positions just made available cross the device's event. */
        unsigned m = 2 * vq->num;
        unsigned now = fold(vq, vq->next_avail, vq->avail_wrap);
        unsigned old = (now + m - added) % m;
        unsigned off = off_wrap & 0x7fffu;
        unsigned ev = fold(vq, off < vq->num ? off : 0, off_wrap >> VRING_PACKED_EVENT_WRAP);
        needed = (now + m - ev - 1) % m < (now + m - old) % m;
    } else
        needed = true;
    if (!needed)
        vq->kicks_suppressed++;
    return needed;
}

/* §2.8.1: used when AVAIL and USED both equal the device's wrap counter. */
bool vqp_more_used(struct virtqueue *vq)
{
    if (vq->broken)
        return false;
    uint16_t f = ld16(vq->desc + DESC_SIZE * vq->last_used + D_FLAGS);
    bool a = f & VRING_PACKED_DESC_F_AVAIL, u = f & VRING_PACKED_DESC_F_USED;
    return a == vq->used_wrap && u == vq->used_wrap;
}

void vqp_detach(struct virtqueue *vq, uint16_t id)
{
    vq->num_free = (uint16_t)(vq->num_free + vq->chain_len[id]);
    vq->next_shadow[id] = vq->free_head;
    vq->free_head = id;
    vq->data[id] = NULL;
    vq->chain_len[id] = 0;
}

void *vqp_get_buf(struct virtqueue *vq, uint32_t *len)
{
    if (!vqp_more_used(vq))
        return NULL;
    /* The flags before the id and len they cover (§2.8.22). */
    rmb();
    const uint8_t *d = vq->desc + DESC_SIZE * vq->last_used;
    uint16_t id = ld16(d + D_ID);
    uint32_t written = ld32(d + D_LEN);
    if (id >= vq->num) {
        vring_bad(vq, "used id out of range (id, queue size)", id, vq->num);
        return NULL;
    }
    void *token = vq->data[id];
    if (token == NULL) {
        vring_bad(vq, "used id is not an outstanding buffer (id, used position)", id, vq->last_used);
        return NULL;
    }
    /* The device skipped the chain's descriptors; so do we. */
    advance(vq, &vq->last_used, &vq->used_wrap, vq->chain_len[id]);
    vqp_detach(vq, id);
    /* With callbacks enabled, ask for an interrupt at the next used descriptor. */
    if (vq->event_idx && vq->event_flags_shadow == VRING_PACKED_EVENT_DESC) {
        st16(vq->avail, (uint16_t)(vq->last_used | (unsigned)vq->used_wrap << VRING_PACKED_EVENT_WRAP));
        mb();
    }
    if (len)
        *len = written;
    return token;
}

void vqp_disable_cb(struct virtqueue *vq)
{
    if (vq->event_flags_shadow == VRING_PACKED_EVENT_DISABLE)
        return;
    vq->event_flags_shadow = VRING_PACKED_EVENT_DISABLE;
    st16(vq->avail + 2, vq->event_flags_shadow);
}

bool vqp_enable_cb(struct virtqueue *vq)
{
    uint16_t want = vq->event_idx ? VRING_PACKED_EVENT_DESC : VRING_PACKED_EVENT_ENABLE;
    if (vq->event_idx)
        st16(vq->avail, (uint16_t)(vq->last_used | (unsigned)vq->used_wrap << VRING_PACKED_EVENT_WRAP));
    if (vq->event_flags_shadow != want) {
        /* The offset before the flags that make the device read it. */
        wmb();
        vq->event_flags_shadow = want;
        st16(vq->avail + 2, want);
    }
    /* Publish the re-enabled state before checking for work that raced with it. */
    mb();
    return !vqp_more_used(vq);
}
