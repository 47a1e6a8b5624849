/* Split virtqueue, driver side (virtio 1.2 §2.7; §2.7.13 "Supplying Buffers to The
 * Device", §2.7.14 "Receiving Used Buffers From The Device", §2.7.7/§2.7.10 for
 * notification suppression). Shared memory is touched only through the ld/st
 * helpers below; everything else is the driver's shadow state. */
#include "libc.h"
#include "platform.h"
#include "virtio/virtio_ring.h"

/* Layout offsets (§2.7.5, §2.7.6, §2.7.8). */
#define DESC_SIZE        16
#define AVAIL_RING(i)    (4u + 2u * (i))
#define USED_RING(i)     (4u + 8u * (i))

/* Little-endian accessors for guest memory shared with the device. RISC-V is
 * little-endian, so these are plain volatile accesses; volatile keeps the compiler
 * from caching or merging what the device may change. */
static inline uint16_t ld16_le(const uint8_t *p) { return *(const volatile uint16_t *)(const void *)p; }
static inline uint32_t ld32_le(const uint8_t *p) { return *(const volatile uint32_t *)(const void *)p; }
static inline void st16_le(uint8_t *p, uint16_t v) { *(volatile uint16_t *)(void *)p = v; }
static inline void st32_le(uint8_t *p, uint32_t v) { *(volatile uint32_t *)(void *)p = v; }
static inline void st64_le(uint8_t *p, uint64_t v) { *(volatile uint64_t *)(void *)p = v; }

static void write_desc(uint8_t *d, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    st64_le(d + 0, addr);
    st32_le(d + 8, len);
    st16_le(d + 12, flags);
    st16_le(d + 14, next);
}

/* The event-index test of §2.7.10: notify when new_idx has just passed event. */
static inline bool vring_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

void vring_bad(struct virtqueue *vq, const char *what, unsigned a, unsigned b)
{
    printf("%s: %s: BAD_RING: %s (%u, %u); queue marked broken\n",
           vq->vdev->label, vq->name, what, a, b);
    vq->broken = true;
    vq->vdev->broken = true;
}

size_t vring_split_size_legacy(unsigned num)
{
    size_t driver_part = DESC_SIZE * num + AVAIL_RING(num) + 2;
    size_t aligned = (driver_part + VRING_LEGACY_ALIGN - 1) & ~(size_t)(VRING_LEGACY_ALIGN - 1);
    return aligned + USED_RING(num) + 2;
}

struct virtqueue *vring_create_split(struct virtio_device *vdev, unsigned index,
                                     unsigned num, bool legacy_layout, const char *name,
                                     vq_callback_fn *callback)
{
    if (num == 0 || num > VQ_MAX_SIZE || (num & (num - 1)) != 0)
        return NULL;
    struct virtqueue *vq = fw_alloc(sizeof(*vq), 0);
    vq->vdev = vdev;
    vq->index = index;
    vq->name = name;
    vq->callback = callback;
    vq->num = num;
    vq->event_idx = virtio_has_feature(vdev, VIRTIO_F_RING_EVENT_IDX);
    vq->indirect = virtio_has_feature(vdev, VIRTIO_F_RING_INDIRECT_DESC);

    if (legacy_layout) {
        /* One area, page-aligned, as the legacy queue PFN register addresses it. */
        uint8_t *area = fw_alloc(vring_split_size_legacy(num), VRING_LEGACY_ALIGN);
        vq->desc = area;
        vq->avail = area + DESC_SIZE * num;
        size_t used_off = (DESC_SIZE * num + AVAIL_RING(num) + 2 + VRING_LEGACY_ALIGN - 1)
                          & ~(size_t)(VRING_LEGACY_ALIGN - 1);
        vq->used = area + used_off;
    } else {
        vq->desc = fw_alloc(DESC_SIZE * num, 16);
        vq->avail = fw_alloc(AVAIL_RING(num) + 2, 2);
        vq->used = fw_alloc(USED_RING(num) + 2, 4);
    }
    vq->desc_dma = dma_addr(vq->desc);
    vq->avail_dma = dma_addr(vq->avail);
    vq->used_dma = dma_addr(vq->used);

    vring_init_shadow(vq);   /* free list: every descriptor, in index order */
    return vq;
}

void vring_init_shadow(struct virtqueue *vq)
{
    unsigned num = vq->num;
    vq->data = fw_alloc(sizeof(void *) * num, 0);
    vq->next_shadow = fw_alloc(sizeof(uint16_t) * num, 0);
    vq->chain_len = fw_alloc(sizeof(uint16_t) * num, 0);
    if (vq->indirect)
        vq->indir = fw_alloc((size_t)DESC_SIZE * VQ_INDIRECT_MAX * num, 16);
    for (unsigned i = 0; i + 1 < num; i++)
        vq->next_shadow[i] = (uint16_t)(i + 1);
    vq->free_head = 0;
    vq->num_free = (uint16_t)num;
    vq->next = vq->vdev->vqs;
    vq->vdev->vqs = vq;
}

int virtqueue_add_sgs(struct virtqueue *vq, const struct vq_sg *out, unsigned n_out,
                      const struct vq_sg *in, unsigned n_in, void *token)
{
    unsigned total = n_out + n_in;
    if (vq->broken || total == 0 || token == NULL)
        return -1;
    if (vq->packed)
        return vqp_add_sgs(vq, out, n_out, in, n_in, token);
    bool use_indirect = vq->indirect && total > 1 && total <= VQ_INDIRECT_MAX;
    unsigned need = use_indirect ? 1 : total;
    if (vq->num_free < need)
        return -1;

    uint16_t head = vq->free_head;
    if (use_indirect) {
        /* The chain lives in the head's own indirect table; its "next" fields index
         * that table (§2.7.5.3). */
        uint8_t *table = vq->indir + (size_t)head * DESC_SIZE * VQ_INDIRECT_MAX;
        for (unsigned i = 0; i < total; i++) {
            const struct vq_sg *sg = i < n_out ? &out[i] : &in[i - n_out];
            uint16_t flags = (uint16_t)((i < n_out ? 0 : VRING_DESC_F_WRITE)
                                        | (i + 1 < total ? VRING_DESC_F_NEXT : 0));
            write_desc(table + DESC_SIZE * i, dma_addr(sg->addr), sg->len, flags,
                       (uint16_t)(i + 1 < total ? i + 1 : 0));
        }
        write_desc(vq->desc + DESC_SIZE * head, dma_addr(table), DESC_SIZE * total,
                   VRING_DESC_F_INDIRECT, 0);
        vq->free_head = vq->next_shadow[head];
    } else {
        uint16_t i = head, last = head;
        for (unsigned k = 0; k < total; k++) {
            const struct vq_sg *sg = k < n_out ? &out[k] : &in[k - n_out];
            uint16_t flags = (uint16_t)((k < n_out ? 0 : VRING_DESC_F_WRITE)
                                        | (k + 1 < total ? VRING_DESC_F_NEXT : 0));
            uint16_t nxt = vq->next_shadow[i];
            write_desc(vq->desc + DESC_SIZE * i, dma_addr(sg->addr), sg->len, flags,
                       k + 1 < total ? nxt : 0);
            last = i;
            i = nxt;
        }
        vq->free_head = vq->next_shadow[last];
    }
    vq->num_free = (uint16_t)(vq->num_free - need);
    vq->chain_len[head] = (uint16_t)need;
    vq->data[head] = token;

    /* Descriptors, then the avail entry, then (after the barrier) the index that
     * publishes them: the device must never see idx before the entry it covers. */
    st16_le(vq->avail + AVAIL_RING(vq->avail_idx_shadow & (vq->num - 1)), head);
    wmb();
    vq->avail_idx_shadow++;
    st16_le(vq->avail + 2, vq->avail_idx_shadow);
    vq->num_added++;
    return 0;
}

bool virtqueue_kick_prepare(struct virtqueue *vq)
{
    if (vq->packed)
        return vqp_kick_prepare(vq);
    /* The avail idx store must be visible before we read the device's
     * suppression state, or both sides could decide not to act. */
    mb();
    uint16_t new_idx = vq->avail_idx_shadow;
    uint16_t old = (uint16_t)(new_idx - vq->num_added);
    vq->num_added = 0;
    bool needed;
    if (vq->event_idx)
        needed = vring_need_event(ld16_le(vq->used + USED_RING(vq->num)), new_idx, old);
    else
        needed = !(ld16_le(vq->used) & VRING_USED_F_NO_NOTIFY);
    if (!needed)
        vq->kicks_suppressed++;
    return needed;
}

void virtqueue_notify(struct virtqueue *vq)
{
    if (vq->broken)
        return;
    vq->kicks++;
    vq->vdev->config->notify(vq);
}

bool virtqueue_kick(struct virtqueue *vq)
{
    if (!virtqueue_kick_prepare(vq))
        return false;
    virtqueue_notify(vq);
    return true;
}

bool virtqueue_more_used(struct virtqueue *vq)
{
    if (vq->packed)
        return vqp_more_used(vq);
    return !vq->broken && ld16_le(vq->used + 2) != vq->last_used_idx;
}

static void detach_buf(struct virtqueue *vq, uint16_t head)
{
    uint16_t last = head;
    for (unsigned k = 1; k < vq->chain_len[head]; k++)
        last = vq->next_shadow[last];
    vq->next_shadow[last] = vq->free_head;
    vq->free_head = head;
    vq->num_free = (uint16_t)(vq->num_free + vq->chain_len[head]);
    vq->data[head] = NULL;
    vq->chain_len[head] = 0;
}

void *virtqueue_get_buf(struct virtqueue *vq, uint32_t *len)
{
    if (vq->broken)
        return NULL;
    if (vq->packed)
        return vqp_get_buf(vq, len);
    uint16_t used_idx = ld16_le(vq->used + 2);
    if (used_idx == vq->last_used_idx)
        return NULL;
    uint16_t pending = (uint16_t)(used_idx - vq->last_used_idx);
    /* The device cannot have used more than we could have made available. */
    if (pending > vq->num) {
        vring_bad(vq, "used idx ran ahead of the driver (used idx, last seen)",
                 used_idx, vq->last_used_idx);
        return NULL;
    }
    /* Read the index before the element it covers (§2.7.14). */
    rmb();
    const uint8_t *elem = vq->used + USED_RING(vq->last_used_idx & (vq->num - 1));
    uint32_t id = ld32_le(elem);
    uint32_t written = ld32_le(elem + 4);
    if (id >= vq->num) {
        vring_bad(vq, "used id out of range (id, queue size)", id, vq->num);
        return NULL;
    }
    void *token = vq->data[id];
    if (token == NULL) {
        vring_bad(vq, "used id is not an outstanding buffer (id, used slot)", id,
                 vq->last_used_idx);
        return NULL;
    }
    detach_buf(vq, (uint16_t)id);
    vq->last_used_idx++;
    /* With callbacks enabled, ask for an interrupt at the next used entry; the
     * store must land before the next read of used idx (Linux does the same). */
    if (vq->event_idx && !(vq->avail_flags_shadow & VRING_AVAIL_F_NO_INTERRUPT)) {
        st16_le(vq->avail + AVAIL_RING(vq->num), vq->last_used_idx);
        mb();
    }
    if (len)
        *len = written;
    return token;
}

void virtqueue_disable_cb(struct virtqueue *vq)
{
    if (vq->packed) {
        vqp_disable_cb(vq);
        return;
    }
    if (vq->avail_flags_shadow & VRING_AVAIL_F_NO_INTERRUPT)
        return;
    vq->avail_flags_shadow |= VRING_AVAIL_F_NO_INTERRUPT;
    /* With EVENT_IDX the flags field must stay 0 (§2.7.7.1); not advancing
     * used_event is what suppresses interrupts then. */
    if (!vq->event_idx)
        st16_le(vq->avail, vq->avail_flags_shadow);
}

bool virtqueue_enable_cb(struct virtqueue *vq)
{
    if (vq->packed)
        return vqp_enable_cb(vq);
    if (vq->avail_flags_shadow & VRING_AVAIL_F_NO_INTERRUPT) {
        vq->avail_flags_shadow &= (uint16_t)~VRING_AVAIL_F_NO_INTERRUPT;
        if (!vq->event_idx)
            st16_le(vq->avail, vq->avail_flags_shadow);
    }
    if (vq->event_idx)
        st16_le(vq->avail + AVAIL_RING(vq->num), vq->last_used_idx);
    /* Publish the re-enabled state before checking for work that raced with it. */
    mb();
    return !virtqueue_more_used(vq);
}

unsigned virtqueue_num_free(const struct virtqueue *vq)
{
    return vq->num_free;
}

void *virtqueue_detach_unused_buf(struct virtqueue *vq)
{
    for (unsigned i = 0; i < vq->num; i++) {
        if (vq->data[i] != NULL) {
            void *token = vq->data[i];
            if (vq->packed)
                vqp_detach(vq, (uint16_t)i);
            else
                detach_buf(vq, (uint16_t)i);
            return token;
        }
    }
    return NULL;
}

void vring_interrupt(struct virtqueue *vq)
{
    if (vq->broken || !virtqueue_more_used(vq))
        return;
    vq->irqs++;
    if (vq->callback)
        vq->callback(vq);
}
