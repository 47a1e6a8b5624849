/* scenario=virtio_ring_packed: the packed-virtqueue driver (virtio/virtqueue_packed.c)
 * against a device played in-process, as scenario=virtio_ring does for the split ring:
 * this code reads what the driver makes available (virtio 1.2 §2.8.1 AVAIL/USED bits,
 * §2.8.6 chains with the id in the last descriptor, §2.8.7 indirect tables), writes
 * used descriptors by hand (§2.8.6: one per buffer, skipping the chain), flips the wrap
 * counters at small sizes, plays the device event suppression structure (§2.8.10), and
 * hands the driver malformed used descriptors it must refuse. No device registers are
 * touched, so the run is the same on any machine. */
#include "libc.h"
#include "platform.h"
#include "scenario.h"
#include "virtio/virtio.h"
#include "virtio/virtio_ring.h"

static unsigned failures, notifies;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            printf("virtio_ring_packed: FAIL %s:%d: %s\n", __func__, __LINE__, #cond);   \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

#define AVAIL VRING_PACKED_DESC_F_AVAIL
#define USED  VRING_PACKED_DESC_F_USED

static void fake_notify(struct virtqueue *vq) { (void)vq; notifies++; }
static const struct virtio_config_ops fake_ops = { .notify = fake_notify };

static struct virtio_device *fake_dev(uint64_t features)
{
    struct virtio_device *vdev = fw_alloc(sizeof(*vdev), 0);
    vdev->config = &fake_ops;
    vdev->features = features | (1ull << VIRTIO_F_RING_PACKED);
    vdev->label = "ring-test";
    return vdev;
}

static uint8_t *slot(struct virtqueue *vq, unsigned i) { return vq->desc + 16u * i; }
static uint64_t d_addr(const uint8_t *d) { uint64_t v; memcpy(&v, d, 8); return v; }
static uint32_t d_len(const uint8_t *d) { uint32_t v; memcpy(&v, d + 8, 4); return v; }
static uint16_t d_id(const uint8_t *d) { uint16_t v; memcpy(&v, d + 12, 2); return v; }
static uint16_t d_flags(const uint8_t *d) { return *(volatile uint16_t *)(const void *)(d + 14); }

/* The device side: its position and wrap counter for used descriptors. */
struct dev { unsigned pos; bool wrap; };

static void dev_advance(struct virtqueue *vq, struct dev *dv, unsigned by)
{
    dv->pos += by;
    if (dv->pos >= vq->num) {
        dv->pos -= vq->num;
        dv->wrap = !dv->wrap;
    }
}

/* Writes the used descriptor for buffer id (chain of n descriptors), flags last. */
static void dev_use(struct virtqueue *vq, struct dev *dv, uint16_t id, uint32_t len, unsigned n)
{
    uint8_t *d = slot(vq, dv->pos);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &id, 2);
    wmb();
    *(volatile uint16_t *)(void *)(d + 14) =
        (uint16_t)((dv->wrap ? AVAIL | USED : 0) | (len ? VRING_DESC_F_WRITE : 0));
    dev_advance(vq, dv, n);
}

static bool is_avail(uint16_t f, bool wrap) { return !!(f & AVAIL) == wrap && !!(f & USED) != wrap; }

static uint8_t bufs[8][64];

static void test_chain_and_used(void)
{
    struct virtqueue *vq = vring_create_packed(fake_dev(0), 0, 8, "p0", NULL);
    CHECK(vq && vq->packed && vq->num == 8 && virtqueue_num_free(vq) == 8);
    CHECK(((uintptr_t)vq->desc & 15) == 0 && ((uintptr_t)vq->avail & 3) == 0 && ((uintptr_t)vq->used & 3) == 0);
    struct vq_sg out[2] = { { bufs[0], 10 }, { bufs[1], 20 } }, in[1] = { { bufs[2], 30 } };
    CHECK(virtqueue_add_sgs(vq, out, 2, in, 1, bufs[0]) == 0);
    CHECK(virtqueue_num_free(vq) == 5);
    /* Three consecutive descriptors, available under wrap 1, NEXT on all but the last,
     * WRITE on the writable one, the buffer id in the last. */
    for (unsigned k = 0; k < 3; k++)
        CHECK(is_avail(d_flags(slot(vq, k)), true));
    CHECK(d_flags(slot(vq, 0)) & VRING_DESC_F_NEXT && d_flags(slot(vq, 1)) & VRING_DESC_F_NEXT);
    CHECK(!(d_flags(slot(vq, 2)) & VRING_DESC_F_NEXT) && d_flags(slot(vq, 2)) & VRING_DESC_F_WRITE);
    CHECK(d_addr(slot(vq, 1)) == dma_addr(bufs[1]) && d_len(slot(vq, 1)) == 20);
    uint16_t id = d_id(slot(vq, 2));
    CHECK(!virtqueue_more_used(vq));
    struct dev dv = { 0, true };
    uint32_t len = 0;
    dev_use(vq, &dv, id, 30, 3);
    CHECK(virtqueue_more_used(vq));
    CHECK(virtqueue_get_buf(vq, &len) == bufs[0] && len == 30);
    CHECK(virtqueue_num_free(vq) == 8 && !virtqueue_more_used(vq));
    CHECK(vq->last_used == 3 && vq->used_wrap);
}

/* Sizes 1, 3 and 5, chains of 1 .. size descriptors, many laps: the driver's bits follow
 * its wrap counter, and it follows the device's. */
static void test_wrap(void)
{
    static const unsigned sizes[] = { 1, 3, 5 };
    for (unsigned z = 0; z < 3; z++) {
        unsigned n = sizes[z];
        struct virtqueue *vq = vring_create_packed(fake_dev(0), 0, n, "pw", NULL);
        struct dev dv = { 0, true };
        unsigned drv_pos = 0, ok = 0;
        bool drv_wrap = true;
        for (unsigned round = 0; round < 50; round++) {
            unsigned len = 1 + round % n;
            struct vq_sg sg[5];
            for (unsigned k = 0; k < len; k++)
                sg[k] = (struct vq_sg){ bufs[k], 8 };
            if (virtqueue_add_sgs(vq, sg, len, NULL, 0, bufs[round % 8]) != 0)
                break;
            bool good = true;
            unsigned p = drv_pos;
            bool w = drv_wrap;
            for (unsigned k = 0; k < len; k++) {
                good = good && is_avail(d_flags(slot(vq, p)), w);
                if (++p == n) {
                    p = 0;
                    w = !w;
                }
            }
            uint16_t id = d_id(slot(vq, (p + n - 1) % n));
            drv_pos = p;
            drv_wrap = w;
            dev_use(vq, &dv, id, 0, len);
            if (good && virtqueue_get_buf(vq, NULL) == bufs[round % 8])
                ok++;
        }
        CHECK(ok == 50 && !vq->broken && virtqueue_num_free(vq) == n);
    }
}

static void test_indirect(void)
{
    struct virtqueue *vq = vring_create_packed(fake_dev(1ull << VIRTIO_F_RING_INDIRECT_DESC), 0, 4, "pi", NULL);
    struct vq_sg out[1] = { { bufs[0], 12 } }, in[2] = { { bufs[1], 14 }, { bufs[2], 16 } };
    CHECK(virtqueue_add_sgs(vq, out, 1, in, 2, bufs[3]) == 0);
    const uint8_t *d = slot(vq, 0);
    CHECK(d_flags(d) == (VRING_DESC_F_INDIRECT | AVAIL) && d_len(d) == 48);
    const uint8_t *t = (const uint8_t *)(uintptr_t)d_addr(d);
    CHECK(d_flags(t) == 0 && d_flags(t + 16) == VRING_DESC_F_WRITE && d_flags(t + 32) == VRING_DESC_F_WRITE);
    CHECK(d_len(t + 32) == 16 && virtqueue_num_free(vq) == 3);
    struct dev dv = { 0, true };
    dev_use(vq, &dv, d_id(d), 30, 1);
    CHECK(virtqueue_get_buf(vq, NULL) == bufs[3] && virtqueue_num_free(vq) == 4);
}

/* §2.8.10: the device's structure decides the kick; the driver's structure says when
 * the driver wants interrupts. */
static void test_event_suppression(void)
{
    struct virtqueue *vq = vring_create_packed(fake_dev(0), 0, 4, "pe", NULL);
    struct vq_sg one[1] = { { bufs[0], 4 } };
    CHECK(*(volatile uint16_t *)(void *)(vq->avail + 2) == VRING_PACKED_EVENT_ENABLE);
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[0]) == 0);
    CHECK(virtqueue_kick_prepare(vq));                             /* ENABLE */
    *(volatile uint16_t *)(void *)(vq->used + 2) = VRING_PACKED_EVENT_DISABLE;
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[1]) == 0);
    CHECK(!virtqueue_kick_prepare(vq));                            /* DISABLE */
    virtqueue_disable_cb(vq);
    CHECK(*(volatile uint16_t *)(void *)(vq->avail + 2) == VRING_PACKED_EVENT_DISABLE);
    CHECK(virtqueue_enable_cb(vq));
    CHECK(*(volatile uint16_t *)(void *)(vq->avail + 2) == VRING_PACKED_EVENT_ENABLE);

    /* EVENT_IDX: DESC with the next used position; kicks when the event is crossed. */
    vq = vring_create_packed(fake_dev(1ull << VIRTIO_F_RING_EVENT_IDX), 0, 4, "pd", NULL);
    CHECK(*(volatile uint16_t *)(void *)(vq->avail + 2) == VRING_PACKED_EVENT_DESC);
    CHECK(*(volatile uint16_t *)(void *)vq->avail == 0x8000);       /* position 0, wrap 1 */
    *(volatile uint16_t *)(void *)(vq->used + 2) = VRING_PACKED_EVENT_DESC;
    *(volatile uint16_t *)(void *)vq->used = 0x8001;                /* notify at position 1 */
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[0]) == 0);
    CHECK(!virtqueue_kick_prepare(vq));                            /* position 0 made available */
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[1]) == 0);
    CHECK(virtqueue_kick_prepare(vq));                             /* position 1 */
    struct dev dv = { 0, true };
    dev_use(vq, &dv, d_id(slot(vq, 0)), 0, 1);
    CHECK(virtqueue_get_buf(vq, NULL) == bufs[0]);
    CHECK(*(volatile uint16_t *)(void *)vq->avail == 0x8001);       /* next used: position 1 */
}

static void test_bad_used(void)
{
    struct vq_sg one[1] = { { bufs[0], 4 } };
    /* An id out of range. */
    struct virtqueue *vq = vring_create_packed(fake_dev(0), 0, 4, "pb1", NULL);
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[0]) == 0);
    struct dev dv = { 0, true };
    dev_use(vq, &dv, 9, 0, 1);
    CHECK(virtqueue_get_buf(vq, NULL) == NULL && vq->broken);
    /* An id that is not outstanding. */
    vq = vring_create_packed(fake_dev(0), 0, 4, "pb2", NULL);
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[0]) == 0);
    dv = (struct dev){ 0, true };
    dev_use(vq, &dv, 2, 0, 1);
    CHECK(virtqueue_get_buf(vq, NULL) == NULL && vq->broken);
    /* A used descriptor with the other wrap counter's bits is not used yet. */
    vq = vring_create_packed(fake_dev(0), 0, 4, "pb3", NULL);
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[0]) == 0);
    dv = (struct dev){ 0, false };
    dev_use(vq, &dv, 0, 0, 1);
    CHECK(!virtqueue_more_used(vq) && virtqueue_get_buf(vq, NULL) == NULL && !vq->broken);
    /* A full ring refuses more; a size of 0 or above the maximum is refused. */
    vq = vring_create_packed(fake_dev(0), 0, 2, "pb4", NULL);
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[0]) == 0 && virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[1]) == 0);
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[2]) == -1);
    CHECK(virtqueue_detach_unused_buf(vq) == bufs[0] && virtqueue_num_free(vq) == 1);
    CHECK(vring_create_packed(fake_dev(0), 0, 0, "z", NULL) == NULL);
    CHECK(vring_create_packed(fake_dev(0), 0, VQ_MAX_SIZE + 1, "z", NULL) == NULL);
}

static int run(void)
{
    failures = 0;
    test_chain_and_used();
    test_wrap();
    test_indirect();
    test_event_suppression();
    test_bad_used();
    printf("virtio_ring_packed: %s (%u failure%s)\n", failures ? "FAILED" : "all checks passed", failures,
           failures == 1 ? "" : "s");
    return failures ? 30 : 0;
}

const struct scenario scenario_virtio_ring_packed = {
    "virtio_ring_packed", run, "packed-virtqueue driver checks against an in-firmware device",
};
