/* Virtqueues, driver side, after Linux's drivers/virtio/virtio_ring.c: split
 * (virtio 1.2 §2.7, virtqueue.c: the driver owns the descriptor table and the avail
 * ring, the device owns the used ring) and packed (§2.8, virtqueue_packed.c: one
 * descriptor ring whose slots change hands by their AVAIL/USED flags). One API for
 * both; every value read back from the device is checked before it is used. */
#ifndef GUESTFW_VIRTIO_RING_H
#define GUESTFW_VIRTIO_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/virtio.h"

/* Descriptor flags (§2.7.5) and ring flags (§2.7.6, §2.7.8). */
#define VRING_DESC_F_NEXT       1
#define VRING_DESC_F_WRITE      2
#define VRING_DESC_F_INDIRECT   4
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY  1
/* Packed ring (§2.8.1, §2.8.10): descriptor ownership bits, event suppression flags. */
#define VRING_PACKED_DESC_F_AVAIL   (1u << 7)
#define VRING_PACKED_DESC_F_USED    (1u << 15)
#define VRING_PACKED_EVENT_ENABLE   0
#define VRING_PACKED_EVENT_DISABLE  1
#define VRING_PACKED_EVENT_DESC     2
#define VRING_PACKED_EVENT_WRAP     15

/* The largest queue the driver uses (the device may offer more; modern devices
 * accept a smaller size, legacy ones do not). */
#define VQ_MAX_SIZE      1024
/* Elements of one indirect table (tx: header + frame; ctrl: class/cmd + data + ack). */
#define VQ_INDIRECT_MAX  4
/* Legacy (§4.1.5.1.3.1 / virtio 0.9.5): the used ring starts on a 4096 boundary. */
#define VRING_LEGACY_ALIGN 4096

/* One scatter-gather element: guest memory the device reads (out) or writes (in). */
struct vq_sg {
    void *addr;
    uint32_t len;
};

struct virtqueue {
    struct virtio_device *vdev;
    unsigned index;
    const char *name;
    vq_callback_fn *callback;
    void *priv;                 /* the driver's per-queue state */
    struct virtqueue *next;     /* vdev->vqs list */
    bool broken;

    /* The rings in guest memory (shared with the device). Packed: desc is the one
     * descriptor ring, avail the driver event suppression area, used the device's. */
    bool packed;
    unsigned num;
    uint8_t *desc, *avail, *used;
    uint64_t desc_dma, avail_dma, used_dma;

    /* Driver-owned shadow state: never read back from shared memory. */
    bool event_idx, indirect;
    uint16_t free_head, num_free;
    uint16_t avail_idx_shadow;  /* next avail idx to publish */
    uint16_t avail_flags_shadow;
    uint16_t num_added;         /* entries published since the last kick */
    uint16_t last_used_idx;     /* next used element to consume */
    void **data;                /* per head: the token, NULL when not in flight */
    uint16_t *next_shadow;      /* per descriptor: the chain/free-list link */
    uint16_t *chain_len;        /* per head: ring descriptors the chain holds */
    /* Packed only (§2.8.1): the driver's next position and wrap counter, the next
     * used position and the wrap counter the device writes there; free_head and
     * next_shadow chain free buffer ids, data and chain_len are per id. */
    uint16_t next_avail, last_used;
    bool avail_wrap, used_wrap;
    uint16_t event_flags_shadow;  /* what the driver event area's flags say */
    uint8_t *indir;             /* per head: VQ_INDIRECT_MAX descriptors, or NULL */

    uintptr_t notify_addr;      /* transport data */
    uint64_t kicks, kicks_suppressed, irqs;
};

/* Ring sizes in bytes (§2.7.2 "Legacy Interfaces: A Note on Virtqueue Layout"). */
size_t vring_split_size_legacy(unsigned num);

/* Allocates the rings (legacy: one contiguous area, used ring 4096-aligned; modern:
 * three areas with alignments 16/2/4) and the shadow state. num must be a power of
 * two no larger than VQ_MAX_SIZE. Features (event idx, indirect) are taken from
 * vdev->features. NULL on a bad size. */
struct virtqueue *vring_create_split(struct virtio_device *vdev, unsigned index,
                                     unsigned num, bool legacy_layout, const char *name,
                                     vq_callback_fn *callback);

/* The packed layout (§2.8): three areas (descriptor ring 16-aligned, the two event
 * suppression structures 4-aligned); num is any size up to VQ_MAX_SIZE. NULL on a bad
 * size. The functions below serve both layouts. */
struct virtqueue *vring_create_packed(struct virtio_device *vdev, unsigned index,
                                      unsigned num, const char *name, vq_callback_fn *callback);

/* Exposes buffers: out[] are read by the device, in[] written, in that order in the
 * chain; token (non-NULL) comes back from virtqueue_get_buf. Publishes the avail
 * entry but does not notify. Returns 0, or -1 when the ring is full or broken. */
int virtqueue_add_sgs(struct virtqueue *vq, const struct vq_sg *out, unsigned n_out,
                      const struct vq_sg *in, unsigned n_in, void *token);
/* Whether the device wants a notification for what was added since the last kick
 * (used flags NO_NOTIFY, or avail_event with EVENT_IDX). */
bool virtqueue_kick_prepare(struct virtqueue *vq);
void virtqueue_notify(struct virtqueue *vq);
/* kick_prepare + notify; returns whether the device was notified. */
bool virtqueue_kick(struct virtqueue *vq);
/* The next used buffer's token (and the length the device wrote), or NULL when
 * none is pending or the ring is broken (a bad used element breaks it). */
void *virtqueue_get_buf(struct virtqueue *vq, uint32_t *len);
bool virtqueue_more_used(struct virtqueue *vq);
/* Callback (interrupt) suppression: NO_INTERRUPT, or used_event with EVENT_IDX.
 * enable returns false when buffers are already pending (the caller should poll
 * again, as in Linux's virtqueue_enable_cb). */
void virtqueue_disable_cb(struct virtqueue *vq);
bool virtqueue_enable_cb(struct virtqueue *vq);
unsigned virtqueue_num_free(const struct virtqueue *vq);
/* Takes back a buffer that was never used (after a reset): the next in-flight token. */
void *virtqueue_detach_unused_buf(struct virtqueue *vq);
/* Interrupt path: runs the callback when used buffers are pending. */
void vring_interrupt(struct virtqueue *vq);

/* The packed layout's halves of the calls above (virtqueue_packed.c). */
int vqp_add_sgs(struct virtqueue *vq, const struct vq_sg *out, unsigned n_out,
                const struct vq_sg *in, unsigned n_in, void *token);
bool vqp_kick_prepare(struct virtqueue *vq);
bool vqp_more_used(struct virtqueue *vq);
void *vqp_get_buf(struct virtqueue *vq, uint32_t *len);
void vqp_disable_cb(struct virtqueue *vq);
bool vqp_enable_cb(struct virtqueue *vq);
void vqp_detach(struct virtqueue *vq, uint16_t id);
/* Both layouts: the shadow state for vq->num entries (tokens, chain lengths, free list
 * of descriptors or buffer ids, indirect tables) and the queue on vdev's list. */
void vring_init_shadow(struct virtqueue *vq);
/* Both layouts: BAD_RING, the queue and device marked broken. */
void vring_bad(struct virtqueue *vq, const char *what, unsigned a, unsigned b);

#endif
