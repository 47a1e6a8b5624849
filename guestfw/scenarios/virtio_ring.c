/* scenario=virtio_ring: the split-virtqueue driver (virtio/virtqueue.c) against a
 * device played in-process, as Linux's tools/virtio does: this code writes the used
 * ring by hand (virtio 1.2 §2.7.8) and checks what the driver publishes (§2.7.5,
 * §2.7.6, §2.7.10), including the malformed used elements it must refuse; and the
 * virtio core's feature negotiation (§3.1.1) against a scripted device. No device
 * registers are touched, so the run is the same on any machine. */
#include "libc.h"
#include "platform.h"
#include "scenario.h"
#include "virtio/virtio.h"
#include "virtio/virtio_ring.h"

static unsigned failures, notifies;

#define CHECK(cond)                                                               \
    do {                                                                          \
        if (!(cond)) {                                                            \
            printf("virtio_ring: FAIL %s:%d: %s\n", __func__, __LINE__, #cond);   \
            failures++;                                                           \
        }                                                                         \
    } while (0)

static void fake_notify(struct virtqueue *vq) { (void)vq; notifies++; }
static const struct virtio_config_ops fake_ops = { .notify = fake_notify };

static struct virtio_device *fake_dev(uint64_t features)
{
    struct virtio_device *vdev = fw_alloc(sizeof(*vdev), 0);
    vdev->config = &fake_ops;
    vdev->features = features;
    vdev->label = "ring-test";
    return vdev;
}

/* Device-side views of the rings. */
static uint16_t avail_idx(struct virtqueue *vq) { return *(volatile uint16_t *)(void *)(vq->avail + 2); }
static uint16_t avail_ring(struct virtqueue *vq, unsigned i)
{ return *(volatile uint16_t *)(void *)(vq->avail + 4 + 2 * (i % vq->num)); }
static uint16_t avail_flags(struct virtqueue *vq) { return *(volatile uint16_t *)(void *)vq->avail; }
static uint16_t used_event(struct virtqueue *vq)
{ return *(volatile uint16_t *)(void *)(vq->avail + 4 + 2 * vq->num); }
static const uint8_t *desc(const uint8_t *table, unsigned i) { return table + 16 * i; }
static uint64_t d_addr(const uint8_t *d) { uint64_t v; memcpy(&v, d, 8); return v; }
static uint32_t d_len(const uint8_t *d) { uint32_t v; memcpy(&v, d + 8, 4); return v; }
static uint16_t d_flags(const uint8_t *d) { uint16_t v; memcpy(&v, d + 12, 2); return v; }
static uint16_t d_next(const uint8_t *d) { uint16_t v; memcpy(&v, d + 14, 2); return v; }

static void set_used_flags(struct virtqueue *vq, uint16_t f) { *(volatile uint16_t *)(void *)vq->used = f; }
static void set_avail_event(struct virtqueue *vq, uint16_t e)
{ *(volatile uint16_t *)(void *)(vq->used + 4 + 8 * vq->num) = e; }

/* The device returns chain `id` with `len` bytes written, at the next used slot. */
static void device_use(struct virtqueue *vq, uint16_t *used_idx, uint32_t id, uint32_t len)
{
    uint8_t *e = vq->used + 4 + 8 * (*used_idx % vq->num);
    memcpy(e, &id, 4);
    memcpy(e + 4, &len, 4);
    wmb();
    (*used_idx)++;
    *(volatile uint16_t *)(void *)(vq->used + 2) = *used_idx;
}

static uint8_t bufs[8][64];

static void test_chains_and_completion(void)
{
    struct virtqueue *vq = vring_create_split(fake_dev(0), 0, 8, false, "t0", NULL);
    CHECK(vq && vq->num == 8 && virtqueue_num_free(vq) == 8);
    CHECK(((uintptr_t)vq->desc & 15) == 0 && ((uintptr_t)vq->used & 3) == 0);
    for (int k = 0; k < 3; k++) {
        struct vq_sg out[1] = { { bufs[2 * k], 10 } }, in[1] = { { bufs[2 * k + 1], 20 } };
        CHECK(virtqueue_add_sgs(vq, out, 1, in, 1, bufs[2 * k]) == 0);
    }
    CHECK(virtqueue_num_free(vq) == 2);
    CHECK(avail_idx(vq) == 3);
    /* Heads 0, 2, 4; each chain out then in, linked by NEXT. */
    CHECK(avail_ring(vq, 0) == 0 && avail_ring(vq, 1) == 2 && avail_ring(vq, 2) == 4);
    const uint8_t *d0 = desc(vq->desc, 2), *d1 = desc(vq->desc, d_next(d0));
    CHECK(d_addr(d0) == dma_addr(bufs[2]) && d_len(d0) == 10 && d_flags(d0) == VRING_DESC_F_NEXT);
    CHECK(d_next(d0) == 3 && d_addr(d1) == dma_addr(bufs[3]) && d_len(d1) == 20
          && d_flags(d1) == VRING_DESC_F_WRITE);
    /* A full ring refuses. */
    struct vq_sg big[3] = { { bufs[6], 1 }, { bufs[6], 1 }, { bufs[6], 1 } };
    CHECK(virtqueue_add_sgs(vq, big, 3, NULL, 0, bufs[6]) == -1);

    /* Notification: wanted unless the device set NO_NOTIFY. */
    CHECK(virtqueue_kick_prepare(vq));
    struct vq_sg one[1] = { { bufs[6], 4 } };
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[6]) == 0);
    set_used_flags(vq, VRING_USED_F_NO_NOTIFY);
    notifies = 0;
    CHECK(!virtqueue_kick(vq) && notifies == 0);
    set_used_flags(vq, 0);

    /* Out-of-order completion, then nothing more. */
    uint16_t used = 0;
    uint32_t len = 0;
    CHECK(virtqueue_get_buf(vq, &len) == NULL);
    device_use(vq, &used, 2, 20);
    CHECK(virtqueue_get_buf(vq, &len) == bufs[2] && len == 20);
    CHECK(virtqueue_num_free(vq) == 3);
    CHECK(virtqueue_get_buf(vq, &len) == NULL);
    /* The freed descriptors are reused. */
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[7]) == 0);
    CHECK(avail_ring(vq, 4) == 2);

    /* Head 0 completes; the same id again is refused, which breaks the queue and
     * the device without a crash. */
    device_use(vq, &used, 0, 20);
    CHECK(virtqueue_get_buf(vq, &len) == bufs[0]);
    device_use(vq, &used, 0, 20);
    CHECK(virtqueue_get_buf(vq, &len) == NULL);
    CHECK(vq->broken && vq->vdev->broken);
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[7]) == -1);
    CHECK(virtqueue_get_buf(vq, &len) == NULL);
}

static void test_bad_used(void)
{
    uint16_t used = 0;
    struct virtqueue *vq = vring_create_split(fake_dev(0), 0, 4, false, "t1", NULL);
    struct vq_sg one[1] = { { bufs[0], 4 } };
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[0]) == 0);
    device_use(vq, &used, 99, 0);            /* beyond the ring */
    CHECK(virtqueue_get_buf(vq, NULL) == NULL && vq->broken);

    vq = vring_create_split(fake_dev(0), 0, 4, false, "t2", NULL);
    used = 0;
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[0]) == 0);
    device_use(vq, &used, 3, 0);             /* a descriptor never posted */
    CHECK(virtqueue_get_buf(vq, NULL) == NULL && vq->broken);

    vq = vring_create_split(fake_dev(0), 0, 4, false, "t3", NULL);
    used = 0;
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[0]) == 0);
    *(volatile uint16_t *)(void *)(vq->used + 2) = 9;   /* idx ran 9 ahead of 4 slots */
    CHECK(virtqueue_get_buf(vq, NULL) == NULL && vq->broken);

    CHECK(vring_create_split(fake_dev(0), 0, 6, false, "odd", NULL) == NULL);
}

static void test_event_idx(void)
{
    struct virtqueue *vq = vring_create_split(fake_dev(1ull << VIRTIO_F_RING_EVENT_IDX), 0, 8,
                                              false, "t4", NULL);
    struct vq_sg one[1] = { { bufs[0], 4 } };
    set_avail_event(vq, 0);
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[0]) == 0);
    CHECK(virtqueue_kick_prepare(vq));       /* idx 0 -> 1 crosses avail_event 0 */
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[1]) == 0);
    CHECK(!virtqueue_kick_prepare(vq));      /* 1 -> 2 does not */
    set_avail_event(vq, 3);
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[2]) == 0);
    CHECK(virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[3]) == 0);
    CHECK(virtqueue_kick_prepare(vq));       /* 2 -> 4 crosses 3 */
    /* Flags stay 0 with EVENT_IDX (§2.7.7.1); used_event follows consumption. */
    virtqueue_disable_cb(vq);
    CHECK(avail_flags(vq) == 0);
    uint16_t used = 0;
    device_use(vq, &used, 0, 0);
    CHECK(!virtqueue_enable_cb(vq));         /* work pending */
    CHECK(used_event(vq) == 0);
    CHECK(virtqueue_get_buf(vq, NULL) == bufs[0]);
    CHECK(used_event(vq) == 1);
    CHECK(virtqueue_enable_cb(vq));
}

static void test_no_interrupt_flag(void)
{
    struct virtqueue *vq = vring_create_split(fake_dev(0), 0, 4, false, "t5", NULL);
    virtqueue_disable_cb(vq);
    CHECK(avail_flags(vq) == VRING_AVAIL_F_NO_INTERRUPT);
    CHECK(virtqueue_enable_cb(vq));
    CHECK(avail_flags(vq) == 0);
}

static void test_indirect(void)
{
    struct virtqueue *vq = vring_create_split(fake_dev(1ull << VIRTIO_F_RING_INDIRECT_DESC), 0,
                                              4, false, "t6", NULL);
    struct vq_sg out[2] = { { bufs[0], 2 }, { bufs[1], 6 } }, in[1] = { { bufs[2], 1 } };
    CHECK(virtqueue_add_sgs(vq, out, 2, in, 1, bufs[0]) == 0);
    CHECK(virtqueue_num_free(vq) == 3);
    const uint8_t *d = desc(vq->desc, avail_ring(vq, 0));
    CHECK(d_flags(d) == VRING_DESC_F_INDIRECT && d_len(d) == 48);
    const uint8_t *t = (const uint8_t *)(uintptr_t)d_addr(d);
    CHECK(d_addr(desc(t, 0)) == dma_addr(bufs[0]) && d_flags(desc(t, 0)) == VRING_DESC_F_NEXT
          && d_next(desc(t, 0)) == 1);
    CHECK(d_len(desc(t, 1)) == 6 && d_next(desc(t, 1)) == 2);
    CHECK(d_addr(desc(t, 2)) == dma_addr(bufs[2]) && d_flags(desc(t, 2)) == VRING_DESC_F_WRITE);
    /* A single element goes direct. */
    CHECK(virtqueue_add_sgs(vq, in, 0, in, 1, bufs[3]) == 0);
    CHECK(d_flags(desc(vq->desc, avail_ring(vq, 1))) == VRING_DESC_F_WRITE);
    uint16_t used = 0;
    device_use(vq, &used, avail_ring(vq, 0), 1);
    CHECK(virtqueue_get_buf(vq, NULL) == bufs[0] && virtqueue_num_free(vq) == 3);
}

static void test_legacy_layout(void)
{
    static const unsigned sizes[] = { 8, 64, 256 };
    for (unsigned i = 0; i < 3; i++) {
        unsigned n = sizes[i];
        struct virtqueue *vq = vring_create_split(fake_dev(0), 0, n, true, "leg", NULL);
        size_t driver = 16 * n + 4 + 2 * n + 2;
        size_t want = (driver + 4095) & ~(size_t)4095;
        CHECK((vq->desc_dma & 4095) == 0 && (vq->used_dma & 4095) == 0);
        CHECK(vq->avail == vq->desc + 16 * n);
        CHECK((size_t)(vq->used - vq->desc) == want);
        CHECK(vring_split_size_legacy(n) == want + 4 + 8 * n + 2);
    }
}

static void test_wrap(void)
{
    /* Many rounds through a small ring: indices wrap past 65535 cleanly. */
    struct virtqueue *vq = vring_create_split(fake_dev(0), 0, 4, false, "t7", NULL);
    uint16_t used = 0;
    struct vq_sg one[1] = { { bufs[0], 4 } };
    unsigned ok = 0;
    for (unsigned round = 0; round < 70000; round++) {
        if (virtqueue_add_sgs(vq, one, 1, NULL, 0, bufs[round & 3]) != 0)
            break;
        device_use(vq, &used, avail_ring(vq, (uint16_t)(avail_idx(vq) - 1)), 0);
        if (virtqueue_get_buf(vq, NULL) == bufs[round & 3])
            ok++;
    }
    CHECK(ok == 70000 && !vq->broken && virtqueue_num_free(vq) == 4);
}

/* ---- the virtio core's negotiation (§3.1.1) against a scripted device ---- */

static struct {
    uint8_t status, status_or_log;
    bool refuse_features_ok;
    uint64_t offered, written;
    unsigned gen_reads, gen_unstable;   /* generation changes on the first N reads */
    unsigned probes;
} fk;

static uint8_t fk_get_status(struct virtio_device *v) { (void)v; return fk.status; }
static void fk_set_status(struct virtio_device *v, uint8_t s)
{
    (void)v;
    if (fk.refuse_features_ok)
        s &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
    fk.status = s;
    fk.status_or_log |= s;
}
static int fk_reset(struct virtio_device *v) { (void)v; fk.status = 0; return 0; }
static uint64_t fk_get_features(struct virtio_device *v) { (void)v; return fk.offered; }
static int fk_finalize(struct virtio_device *v) { fk.written = v->features; return 0; }
static void fk_get_config(struct virtio_device *v, unsigned off, void *buf, unsigned len)
{ (void)v; memset(buf, (int)off, len); }
static uint32_t fk_generation(struct virtio_device *v)
{
    (void)v;
    fk.gen_reads++;
    return fk.gen_reads <= fk.gen_unstable ? fk.gen_reads : 0;
}
static const char *fk_name(struct virtio_device *v) { return v->legacy ? "legacy" : "modern"; }
static const struct virtio_config_ops fk_ops = {
    .get_status = fk_get_status, .set_status = fk_set_status, .reset = fk_reset,
    .get_features = fk_get_features, .finalize_features = fk_finalize,
    .get_config = fk_get_config, .generation = fk_generation, .notify = fake_notify,
    .transport_name = fk_name,
};

static int fk_probe(struct virtio_device *v) { (void)v; fk.probes++; return 0; }
#define FAKE_ID 0x7f0
static const struct virtio_device_id fk_ids[] = { { FAKE_ID }, { 0 } };
static const unsigned fk_features[] = { 5, 16 };
static struct virtio_driver fk_driver = {
    .drv = { .name = "ring-test-driver" }, .id_table = fk_ids,
    .feature_table = fk_features, .feature_table_size = 2, .probe = fk_probe,
};

static struct virtio_device *fk_device(bool legacy, uint64_t offered, bool refuse)
{
    memset(&fk, 0, sizeof fk);
    fk.offered = offered;
    fk.refuse_features_ok = refuse;
    struct virtio_device *v = fw_alloc(sizeof(*v), 0);
    v->id = FAKE_ID;
    v->legacy = legacy;
    v->config = &fk_ops;
    return v;
}

static void test_negotiation(void)
{
    const uint64_t offered = 1ull << 5 | 1ull << 6 | 1ull << 16 | 1ull << VIRTIO_F_VERSION_1
                             | 1ull << VIRTIO_F_RING_INDIRECT_DESC | 1ull << 40;
    CHECK(register_virtio_driver(&fk_driver) == 0);

    struct virtio_device *v = fk_device(false, offered, false);
    CHECK(register_virtio_device(v) == 0);
    /* Only what both sides know: bit 6 and bit 40 are not in any table. */
    CHECK(fk.written == (1ull << 5 | 1ull << 16 | 1ull << VIRTIO_F_VERSION_1
                         | 1ull << VIRTIO_F_RING_INDIRECT_DESC));
    CHECK(fk.probes == 1 && (fk.status & VIRTIO_STATUS_FEATURES_OK)
          && !(fk.status & VIRTIO_STATUS_FAILED));
    CHECK((fk.status & (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER))
          == (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER));

    /* A device that will not take FEATURES_OK: FAILED, and the driver never runs. */
    v = fk_device(false, offered, true);
    CHECK(register_virtio_device(v) == 0);
    CHECK(fk.probes == 0 && (fk.status & VIRTIO_STATUS_FAILED) && v->dev.driver == NULL);

    /* A modern device without VERSION_1 is refused before any feature is written. */
    v = fk_device(false, offered & ~(1ull << VIRTIO_F_VERSION_1), false);
    CHECK(register_virtio_device(v) == 0);
    CHECK(fk.probes == 0 && (fk.status & VIRTIO_STATUS_FAILED) && fk.written == 0);

    /* Legacy: no VERSION_1 accepted, no FEATURES_OK ever written. */
    v = fk_device(true, offered, false);
    CHECK(register_virtio_device(v) == 0);
    CHECK(fk.probes == 1 && !(fk.written >> 32)
          && !(fk.status_or_log & VIRTIO_STATUS_FEATURES_OK));

    /* Config reads retry while config_generation moves, and give up eventually. */
    uint8_t buf[6];
    fk.gen_reads = 0;
    fk.gen_unstable = 3;
    CHECK(virtio_cread_bytes(v, 9, buf, 6) == 0 && buf[0] == 9 && buf[5] == 9);
    CHECK(fk.gen_reads >= 5);
    fk.gen_reads = 0;
    fk.gen_unstable = 100000;
    CHECK(virtio_cread_bytes(v, 0, buf, 6) == -1);
}

static int run(void)
{
    failures = 0;
    test_chains_and_completion();
    test_bad_used();
    test_event_idx();
    test_no_interrupt_flag();
    test_indirect();
    test_legacy_layout();
    test_wrap();
    test_negotiation();
    printf("virtio_ring: %s (%u failure%s)\n", failures ? "FAILED" : "all checks passed",
           failures, failures == 1 ? "" : "s");
    return failures ? 30 : 0;
}

const struct scenario scenario_virtio_ring = {
    "virtio_ring", run, "split-virtqueue driver checks against an in-firmware device",
};
