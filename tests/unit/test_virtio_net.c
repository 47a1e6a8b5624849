/* Unit tests of the virtio-net device (sim/virtio/virtio_net.c) driven as a driver
 * would, without the PCI layer: the virtio_* driver-facing calls for status, features
 * and queue setup, rings built by hand in guest RAM, a capture peer for transmitted
 * frames. Covers feature dependencies (§5.1.3.1), config space (§5.1.4), transmit with
 * both header sizes and checksum offload (§5.1.6.2), receive into one or merged
 * buffers (§5.1.6.3/4), receive filters, the control queue (§5.1.6.5), MQ, link
 * changes and a malformed tx chain; and one round trip through the real peer backend. */
#include <CUnit/CUnit.h>
#include <stdlib.h>

#include "sim/events.h"
#include "sim/net/backend.h"
#include "sim/ram.h"
#include "sim/tracer.h"
#include "sim/virtio/virtio_net.h"
#include "tests/unit/netbuild.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x200000ull
#define QSIZE 16
#define BUFS (RAM_BASE + 0x100000)

static Ram ram;
static VirtioNet net;
static bool net_up;
static VirtioDevice *vd = &net.vdev;
static unsigned irqs;
static Err err;

/* ---- capture peer ---- */

static struct { size_t len; uint8_t data[2048]; } sent[8];
static unsigned nsent, rx_ready_calls;

static void cap_send(void *o, const uint8_t *f, size_t len)
{
    (void)o;
    if (nsent < ARRAY_SIZE(sent)) {
        sent[nsent].len = len;
        memcpy(sent[nsent].data, f, len < 2048 ? len : 2048);
    }
    nsent++;
}
static void cap_rx_ready(void *o) { (void)o; rx_ready_calls++; }
static void count_irq(VirtioDevice *d) { (void)d; irqs++; }

/* ---- driver side: rings in RAM ---- */

static uint64_t q_desc(unsigned q) { return RAM_BASE + 0x10000ull * q; }
static uint64_t q_avail(unsigned q) { return q_desc(q) + 0x1000; }
static uint64_t q_used(unsigned q) { return q_desc(q) + 0x2000; }

static struct { uint16_t avail_idx, next_desc; } drv[16];
static uint64_t next_buf;

typedef struct Seg { uint64_t addr; uint32_t len; bool write; } Seg;

static uint8_t *host(uint64_t a, uint64_t len) { return ram_ptr(&ram, a, len); }
static uint64_t alloc_buf(uint32_t len)
{
    uint64_t a = next_buf;
    next_buf += (len + 15u) & ~15u;
    return a;
}
static uint64_t put_buf(const void *data, uint32_t len)
{
    uint64_t a = alloc_buf(len);
    memcpy(host(a, len), data, len);
    return a;
}

static uint16_t add_chain(unsigned q, const Seg *s, unsigned n)
{
    if (drv[q].next_desc + n > QSIZE)
        drv[q].next_desc = 0;
    uint16_t head = drv[q].next_desc;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *d = host(q_desc(q) + 16u * (head + i), 16);
        st64_le(d, s[i].addr);
        st32_le(d + 8, s[i].len);
        st16_le(d + 12, (uint16_t)((s[i].write ? VRING_DESC_F_WRITE : 0) | (i + 1 < n ? VRING_DESC_F_NEXT : 0)));
        st16_le(d + 14, (uint16_t)(head + i + 1));
    }
    drv[q].next_desc = (uint16_t)(head + n);
    st16_le(host(q_avail(q) + 4 + 2u * (drv[q].avail_idx % QSIZE), 2), head);
    st16_le(host(q_avail(q) + 2, 2), ++drv[q].avail_idx);
    return head;
}

static uint16_t used_idx(unsigned q) { return ld16_le(host(q_used(q) + 2, 2)); }
static uint32_t used_id(unsigned q, unsigned slot) { return ld32_le(host(q_used(q) + 4 + 8u * (slot % QSIZE), 4)); }
static uint32_t used_len(unsigned q, unsigned slot) { return ld32_le(host(q_used(q) + 8 + 8u * (slot % QSIZE), 4)); }

static uint64_t features_default(void) { return VIRTIO_NET_DEFAULT_FEATURES; }

static void make_device(const VirtioNetConfig *c)
{
    if (net_up)
        virtio_net_destroy(&net);
    net_up = false;
    memset(ram.host, 0, RAM_SIZE);
    memset(drv, 0, sizeof drv);
    next_buf = BUFS;
    nsent = rx_ready_calls = irqs = 0;
    CU_ASSERT_EQUAL_FATAL(virtio_net_init(&net, c, &err), 0);
    net_up = true;
    VirtioTransport t = { .dma = vq_dma_ram(&ram), .update_irq = count_irq };
    virtio_set_transport(vd, &t);
    VirtioNetPeer p = { .send = cap_send, .rx_ready = cap_rx_ready };
    virtio_net_set_peer(&net, &p);
}

/* Negotiates, sets up every queue, and goes live; false if FEATURES_OK was refused. */
static bool start_with(const VirtioNetConfig *c, uint64_t accept, bool legacy)
{
    make_device(c);
    virtio_write_status(vd, VIRTIO_STATUS_ACKNOWLEDGE, legacy);
    virtio_write_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, legacy);
    virtio_write_driver_features(vd, 0, (uint32_t)accept);
    virtio_write_driver_features(vd, 1, (uint32_t)(accept >> 32));
    uint8_t s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
    if (!legacy) {
        virtio_write_status(vd, s | VIRTIO_STATUS_FEATURES_OK, false);
        if (!(vd->status & VIRTIO_STATUS_FEATURES_OK))
            return false;
        s |= VIRTIO_STATUS_FEATURES_OK;
    }
    for (unsigned q = 0; q < vd->info.num_queues; q++) {
        virtio_queue_set_size(vd, q, QSIZE);
        virtio_queue_set_addr(vd, q, 0, q_desc(q));
        virtio_queue_set_addr(vd, q, 1, q_avail(q));
        virtio_queue_set_addr(vd, q, 2, q_used(q));
        virtio_queue_enable(vd, q);
    }
    virtio_write_status(vd, s | VIRTIO_STATUS_DRIVER_OK, legacy);
    return (vd->status & VIRTIO_STATUS_DRIVER_OK) != 0;
}

static bool start(uint64_t accept)
{
    VirtioNetConfig c;
    virtio_net_config_default(&c);
    return start_with(&c, accept, false);
}

/* Sends one control command and returns the ack the device wrote (0xff: none). */
static uint8_t ctrl(uint8_t cls, uint8_t cmd, const void *data, uint32_t len)
{
    unsigned q = virtio_net_ctrl_queue(&net);
    uint8_t hdr[2] = { cls, cmd };
    uint8_t ack = 0xff;
    Seg s[3];
    unsigned n = 0;
    s[n++] = (Seg){ put_buf(hdr, 2), 2, false };
    if (len)
        s[n++] = (Seg){ put_buf(data, len), len, false };
    uint64_t ack_at = put_buf(&ack, 1);
    s[n++] = (Seg){ ack_at, 1, true };
    add_chain(q, s, n);
    virtio_queue_notify(vd, q);
    return *host(ack_at, 1);
}

static uint8_t ctrl_u8(uint8_t cls, uint8_t cmd, uint8_t v) { return ctrl(cls, cmd, &v, 1); }
static uint8_t ctrl_u16(uint8_t cls, uint8_t cmd, uint16_t v)
{
    uint8_t b[2];
    st16_le(b, v);
    return ctrl(cls, cmd, b, 2);
}

/* Posts one rx buffer of len bytes on queue q; returns its guest address. */
static uint64_t post_rx(unsigned q, uint32_t len)
{
    uint64_t a = alloc_buf(len);
    memset(host(a, len), 0xee, len);
    Seg s = { a, len, true };
    add_chain(q, &s, 1);
    virtio_queue_notify(vd, q);
    return a;
}

static size_t frame_to(uint8_t *f, const uint8_t *dst, size_t payload)
{
    uint8_t data[1400];
    for (size_t i = 0; i < payload; i++)
        data[i] = (uint8_t)i;
    size_t len = nb_udp(f, peer_mac, PEER_GW_IP, PEER_GUEST_IP, 7, 4000, data, payload);
    memcpy(f, dst, 6);
    memcpy(f + 6, peer_mac, 6);
    return len;
}

/* ---- tests ---- */

static void test_feature_dependencies(void)
{
    uint64_t f = features_default();
    /* CTRL_RX without CTRL_VQ (§5.1.3.1): FEATURES_OK stays clear. */
    CU_ASSERT_FALSE(start(VNET_BIT(VIRTIO_F_VERSION_1) | VNET_BIT(VIRTIO_NET_F_CTRL_RX)));
    CU_ASSERT_FALSE(start(VNET_BIT(VIRTIO_F_VERSION_1) | VNET_BIT(VIRTIO_NET_F_MQ)));
    CU_ASSERT_FALSE(start(VNET_BIT(VIRTIO_F_VERSION_1) | VNET_BIT(VIRTIO_NET_F_CTRL_VQ) |
                          VNET_BIT(VIRTIO_NET_F_CTRL_RX_EXTRA)));
    CU_ASSERT_TRUE(start(VNET_BIT(VIRTIO_F_VERSION_1) | VNET_BIT(VIRTIO_NET_F_CTRL_VQ) | VNET_BIT(VIRTIO_NET_F_CTRL_RX)));
    CU_ASSERT_TRUE(start(f));
    CU_ASSERT_EQUAL(virtio_read_device_features(vd, 0), (uint32_t)f);
    CU_ASSERT_EQUAL(virtio_read_device_features(vd, 1), (uint32_t)(f >> 32));
    /* Without CTRL_VQ nothing that needs it is offered, and there is no control queue. */
    VirtioNetConfig c;
    virtio_net_config_default(&c);
    c.features &= ~VNET_BIT(VIRTIO_NET_F_CTRL_VQ);
    CU_ASSERT_TRUE(start_with(&c, features_default() & ~VNET_BIT(VIRTIO_NET_F_CTRL_VQ), false) == false);
    uint64_t offered = vd->info.features;
    CU_ASSERT_EQUAL(offered & (VNET_BIT(VIRTIO_NET_F_CTRL_RX) | VNET_BIT(VIRTIO_NET_F_CTRL_RX_EXTRA) |
                               VNET_BIT(VIRTIO_NET_F_MQ) | VNET_BIT(VIRTIO_NET_F_CTRL_VLAN) |
                               VNET_BIT(VIRTIO_NET_F_GUEST_ANNOUNCE) | VNET_BIT(VIRTIO_NET_F_CTRL_MAC_ADDR) |
                               VNET_BIT(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS)), 0);
    CU_ASSERT_EQUAL(vd->info.num_queues, 2);
    CU_ASSERT_TRUE(start_with(&c, offered, false));
    CU_ASSERT_EQUAL(virtio_config_read(vd, 8, 2), 1);
    /* Bad configurations are refused at init. */
    VirtioNet bad;
    c.mtu = 60;
    CU_ASSERT_EQUAL(virtio_net_init(&bad, &c, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "mtu"));
}

static void test_config_space(void)
{
    CU_ASSERT_TRUE_FATAL(start(features_default()));
    static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    for (unsigned i = 0; i < 6; i++)
        CU_ASSERT_EQUAL(virtio_config_read(vd, i, 1), mac[i]);
    CU_ASSERT_EQUAL(virtio_config_read(vd, 6, 2), VIRTIO_NET_S_LINK_UP);
    CU_ASSERT_EQUAL(virtio_config_read(vd, 8, 2), 4);
    CU_ASSERT_EQUAL(virtio_config_read(vd, 10, 2), 1500);
    CU_ASSERT_STRING_EQUAL(virtio_config_field(vd, 3), "mac");
    CU_ASSERT_STRING_EQUAL(virtio_config_field(vd, 8), "max_virtqueue_pairs");
    CU_ASSERT_EQUAL(vd->info.num_queues, 9);
    /* A modern driver cannot write the mac through config space. */
    virtio_config_write(vd, 0, 1, 0x02);
    CU_ASSERT_EQUAL(virtio_config_read(vd, 0, 1), 0x52);
}

static void test_tx_v1_header(void)
{
    CU_ASSERT_TRUE_FATAL(start(features_default()));
    /* Going live and a spurious notify return nothing, so they interrupt nobody. */
    virtio_queue_notify(vd, 1);
    virtio_queue_notify(vd, 8);
    CU_ASSERT_EQUAL(vd->isr, 0);
    uint8_t f[128], hdr[12] = { 0 };
    size_t len = frame_to(f, peer_mac, 32);
    Seg s[2] = { { put_buf(hdr, 12), 12, false }, { put_buf(f, (uint32_t)len), (uint32_t)len, false } };
    uint16_t head = add_chain(1, s, 2);
    virtio_queue_notify(vd, 1);
    CU_ASSERT_EQUAL_FATAL(nsent, 1);
    CU_ASSERT_EQUAL(sent[0].len, len);
    CU_ASSERT_EQUAL(memcmp(sent[0].data, f, len), 0);
    CU_ASSERT_EQUAL(used_idx(1), 1);
    CU_ASSERT_EQUAL(used_id(1, 0), head);
    CU_ASSERT_EQUAL(used_len(1, 0), 0);
    CU_ASSERT(vd->isr & VIRTIO_ISR_QUEUE);
    CU_ASSERT_EQUAL(net.stats.tx_frames, 1);
}

static void test_tx_legacy_header(void)
{
    VirtioNetConfig c;
    virtio_net_config_default(&c);
    /* A legacy driver without MRG_RXBUF: the 10-byte header, header and frame in one buffer. */
    CU_ASSERT_TRUE_FATAL(start_with(&c, VNET_BIT(VIRTIO_NET_F_MAC) | VNET_BIT(VIRTIO_NET_F_CSUM), true));
    uint8_t buf[138] = { 0 }, f[128];
    size_t len = frame_to(f, peer_mac, 20);
    memcpy(buf + 10, f, len);
    Seg s = { put_buf(buf, (uint32_t)(10 + len)), (uint32_t)(10 + len), false };
    add_chain(1, &s, 1);
    virtio_queue_notify(vd, 1);
    CU_ASSERT_EQUAL_FATAL(nsent, 1);
    CU_ASSERT_EQUAL(sent[0].len, len);
    CU_ASSERT_EQUAL(memcmp(sent[0].data, f, len), 0);
    /* Legacy, without CTRL_MAC_ADDR: the driver may write the mac, which is a config
     * change a reader of config_generation must see (§2.5.1). */
    CU_ASSERT_EQUAL(virtio_config_read(vd, 5, 1), 0x56);
    uint8_t gen = vd->config_generation;
    virtio_config_write(vd, 5, 1, 0x99);
    CU_ASSERT_EQUAL(net.mac[5], 0x99);
    CU_ASSERT_NOT_EQUAL(vd->config_generation, gen);
    /* A runt (header + 6 bytes) is dropped and counted, the buffer still returned. */
    Seg r = { put_buf(buf, 16), 16, false };
    add_chain(1, &r, 1);
    virtio_queue_notify(vd, 1);
    CU_ASSERT_EQUAL(nsent, 1);
    CU_ASSERT_EQUAL(net.stats.tx_dropped, 1);
    CU_ASSERT_EQUAL(used_idx(1), 2);
}

static void test_tx_checksum_offload(void)
{
    CU_ASSERT_TRUE_FATAL(start(features_default()));
    uint8_t f[256], hdr[12] = { 0 };
    size_t len = frame_to(f, peer_mac, 41);   /* odd length: the last byte is padded */
    uint8_t *udp = f + 34;
    size_t ulen = len - 34;
    CU_ASSERT_TRUE(udp_csum_ok(PEER_GW_IP, PEER_GUEST_IP, udp, ulen));
    uint16_t good = ld16_le(udp + 6);
    /* As Linux does for CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum. */
    uint32_t ps = (PEER_GW_IP >> 16) + (PEER_GW_IP & 0xffff) + (PEER_GUEST_IP >> 16) + (PEER_GUEST_IP & 0xffff) + 17 + (uint32_t)ulen;
    while (ps >> 16)
        ps = (ps & 0xffff) + (ps >> 16);
    udp[6] = (uint8_t)(ps >> 8);
    udp[7] = (uint8_t)ps;
    hdr[VNET_HDR_FLAGS] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    st16_le(hdr + VNET_HDR_CSUM_START, 34);
    st16_le(hdr + VNET_HDR_CSUM_OFFSET, 6);
    Seg s[2] = { { put_buf(hdr, 12), 12, false }, { put_buf(f, (uint32_t)len), (uint32_t)len, false } };
    add_chain(1, s, 2);
    virtio_queue_notify(vd, 1);
    CU_ASSERT_EQUAL_FATAL(nsent, 1);
    CU_ASSERT_TRUE(udp_csum_ok(PEER_GW_IP, PEER_GUEST_IP, sent[0].data + 34, ulen));
    CU_ASSERT_EQUAL(ld16_le(sent[0].data + 40), good);
    /* A checksum field outside the frame: dropped, not sent. */
    st16_le(hdr + VNET_HDR_CSUM_OFFSET, (uint16_t)(ulen - 1));
    Seg b[2] = { { put_buf(hdr, 12), 12, false }, { put_buf(f, (uint32_t)len), (uint32_t)len, false } };
    add_chain(1, b, 2);
    virtio_queue_notify(vd, 1);
    CU_ASSERT_EQUAL(nsent, 1);
    CU_ASSERT_EQUAL(net.stats.tx_dropped, 1);
}

static void test_rx_single_buffer(void)
{
    /* Without MRG_RXBUF the whole frame goes into one chain. */
    CU_ASSERT_TRUE_FATAL(start(features_default() & ~VNET_BIT(VIRTIO_NET_F_MRG_RXBUF)));
    uint64_t a = post_rx(0, 1526);
    CU_ASSERT(rx_ready_calls >= 1);
    uint8_t f[128];
    size_t len = frame_to(f, net.mac, 40);
    irqs = 0;
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, len));
    CU_ASSERT_EQUAL(used_idx(0), 1);
    CU_ASSERT_EQUAL(used_len(0, 0), 12 + len);
    const uint8_t *h = host(a, 12);
    CU_ASSERT_EQUAL(h[VNET_HDR_FLAGS], VIRTIO_NET_HDR_F_DATA_VALID);
    CU_ASSERT_EQUAL(h[VNET_HDR_GSO_TYPE], VIRTIO_NET_HDR_GSO_NONE);
    CU_ASSERT_EQUAL(ld16_le(h + VNET_HDR_NUM_BUFFERS), 1);
    CU_ASSERT_EQUAL(memcmp(host(a + 12, len), f, len), 0);
    CU_ASSERT(irqs > 0 && (vd->isr & VIRTIO_ISR_QUEUE));
    /* A buffer too small for the frame comes back empty; the frame is dropped. */
    post_rx(0, 30);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, len));
    CU_ASSERT_EQUAL(used_idx(0), 2);
    CU_ASSERT_EQUAL(used_len(0, 1), 0);
    CU_ASSERT_EQUAL(net.stats.rx_dropped, 1);
}

static void test_rx_mergeable(void)
{
    CU_ASSERT_TRUE_FATAL(start(features_default()));
    uint64_t a[3];
    for (int i = 0; i < 3; i++)
        a[i] = post_rx(0, 40);
    uint8_t f[128];
    size_t len = frame_to(f, net.mac, 58);   /* 100 bytes: 12 + 100 = 40 + 40 + 32 */
    CU_ASSERT_EQUAL_FATAL(len, 100);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, len));
    CU_ASSERT_EQUAL(used_idx(0), 3);
    CU_ASSERT_EQUAL(used_len(0, 0), 40);
    CU_ASSERT_EQUAL(used_len(0, 1), 40);
    CU_ASSERT_EQUAL(used_len(0, 2), 32);
    CU_ASSERT_EQUAL(ld16_le(host(a[0] + VNET_HDR_NUM_BUFFERS, 2)), 3);
    uint8_t got[112];
    memcpy(got, host(a[0], 40), 40);
    memcpy(got + 40, host(a[1], 40), 40);
    memcpy(got + 80, host(a[2], 32), 32);
    CU_ASSERT_EQUAL(memcmp(got + 12, f, len), 0);
    /* Two buffers cannot hold the next frame: it waits, holding them, and goes out
     * merged once a third arrives. */
    post_rx(0, 40);
    post_rx(0, 40);
    CU_ASSERT_FALSE(virtio_net_receive(&net, f, len));
    CU_ASSERT_EQUAL(used_idx(0), 3);
    post_rx(0, 40);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, len));
    CU_ASSERT_EQUAL(used_idx(0), 6);
    /* A small frame after that takes one buffer and num_buffers 1. */
    uint64_t b = post_rx(0, 200);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, len));
    CU_ASSERT_EQUAL(used_idx(0), 7);
    CU_ASSERT_EQUAL(ld16_le(host(b + VNET_HDR_NUM_BUFFERS, 2)), 1);
    CU_ASSERT_EQUAL(net.stats.rx_frames, 3);
    /* Chains held across a queue reset (legacy pfn 0) are forgotten, not pushed: the
     * driver starts the ring afresh and the frame lands in its new buffers. */
    post_rx(0, 40);
    post_rx(0, 40);
    CU_ASSERT_FALSE(virtio_net_receive(&net, f, len));
    virtio_queue_set_pfn(vd, 0, 0);
    memset(host(q_avail(0), 0x2000), 0, 0x2000);
    drv[0].avail_idx = drv[0].next_desc = 0;
    virtio_queue_enable(vd, 0);
    uint64_t c = post_rx(0, 40);
    post_rx(0, 40);
    post_rx(0, 40);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, len));
    CU_ASSERT_EQUAL(used_idx(0), 3);
    CU_ASSERT_EQUAL(ld16_le(host(c + VNET_HDR_NUM_BUFFERS, 2)), 3);
    CU_ASSERT_FALSE(vd->status & VIRTIO_STATUS_NEEDS_RESET);
}

static void test_rx_no_buffer_then_ready(void)
{
    uint8_t f[128];
    size_t len = frame_to(f, nb_guest_mac, 20);
    /* Before DRIVER_OK nothing is taken. */
    VirtioNetConfig c;
    virtio_net_config_default(&c);
    make_device(&c);
    CU_ASSERT_FALSE(virtio_net_receive(&net, f, len));
    CU_ASSERT_TRUE_FATAL(start(features_default()));
    CU_ASSERT_FALSE(virtio_net_receive(&net, f, len));
    unsigned before = rx_ready_calls;
    post_rx(0, 1600);
    CU_ASSERT_EQUAL(rx_ready_calls, before + 1);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, len));
    CU_ASSERT_EQUAL(used_idx(0), 1);
}

static void test_mac_filter(void)
{
    CU_ASSERT_TRUE_FATAL(start(features_default()));
    static const uint8_t other[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc };
    static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
    uint8_t f[128];
    for (int i = 0; i < 8; i++)
        post_rx(0, 1600);
    /* Promiscuous after reset (as QEMU): another host's frame is delivered. */
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, frame_to(f, other, 20)));
    CU_ASSERT_EQUAL(used_idx(0), 1);
    CU_ASSERT_EQUAL(ctrl_u8(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 0), VIRTIO_NET_OK);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, frame_to(f, other, 20)));   /* consumed, not delivered */
    CU_ASSERT_EQUAL(used_idx(0), 1);
    CU_ASSERT_EQUAL(net.stats.rx_filtered, 1);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, frame_to(f, net.mac, 20)));
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, frame_to(f, nb_bcast, 20)));
    CU_ASSERT_EQUAL(used_idx(0), 3);
    /* Multicast: only with ALLMULTI or in the table. */
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, frame_to(f, mcast, 20)));
    CU_ASSERT_EQUAL(used_idx(0), 3);
    uint8_t tab[4 + 6 + 4 + 6];
    st32_le(tab, 1);
    memcpy(tab + 4, other, 6);
    st32_le(tab + 10, 1);
    memcpy(tab + 14, mcast, 6);
    CU_ASSERT_EQUAL(ctrl(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, tab, sizeof tab), VIRTIO_NET_OK);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, frame_to(f, mcast, 20)));
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, frame_to(f, other, 20)));
    CU_ASSERT_EQUAL(used_idx(0), 5);
    /* A table whose counts do not match its length is refused and changes nothing. */
    st32_le(tab + 10, 2);
    CU_ASSERT_EQUAL(ctrl(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, tab, sizeof tab), VIRTIO_NET_ERR);
    CU_ASSERT_EQUAL(net.n_multi, 1);
    /* NOBCAST drops broadcast; PROMISC on takes everything again. */
    CU_ASSERT_EQUAL(ctrl_u8(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_NOBCAST, 1), VIRTIO_NET_OK);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, frame_to(f, nb_bcast, 20)));
    CU_ASSERT_EQUAL(used_idx(0), 5);
    CU_ASSERT_EQUAL(ctrl_u8(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 1), VIRTIO_NET_OK);
    static const uint8_t third[6] = { 0x02, 0, 0, 0, 0, 3 };
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, frame_to(f, third, 20)));
    CU_ASSERT_EQUAL(used_idx(0), 6);
}

static size_t vlan_frame(uint8_t *f, uint16_t vid)
{
    uint8_t plain[128];
    size_t len = frame_to(plain, net.mac, 20);
    memcpy(f, plain, 12);
    f[12] = 0x81;
    f[13] = 0x00;
    f[14] = (uint8_t)(vid >> 8);
    f[15] = (uint8_t)vid;
    memcpy(f + 16, plain + 12, len - 12);
    return len + 4;
}

static void test_vlan_filter(void)
{
    CU_ASSERT_TRUE_FATAL(start(features_default()));
    uint8_t f[160];
    for (int i = 0; i < 4; i++)
        post_rx(0, 1600);
    CU_ASSERT_EQUAL(ctrl_u8(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 0), VIRTIO_NET_OK);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, vlan_frame(f, 5)));
    CU_ASSERT_EQUAL(used_idx(0), 0);
    CU_ASSERT_EQUAL(ctrl_u16(VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_ADD, 5), VIRTIO_NET_OK);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, vlan_frame(f, 5)));
    CU_ASSERT_EQUAL(used_idx(0), 1);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, vlan_frame(f, 6)));
    CU_ASSERT_EQUAL(used_idx(0), 1);
    CU_ASSERT_EQUAL(ctrl_u16(VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_ADD, 4096), VIRTIO_NET_ERR);
    CU_ASSERT_EQUAL(ctrl_u16(VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_DEL, 5), VIRTIO_NET_OK);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, vlan_frame(f, 5)));
    CU_ASSERT_EQUAL(used_idx(0), 1);
    /* Untagged frames are not subject to the VLAN table. */
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, frame_to(f, net.mac, 20)));
    CU_ASSERT_EQUAL(used_idx(0), 2);
}

static void test_ctrl_commands(void)
{
    CU_ASSERT_TRUE_FATAL(start(features_default()));
    CU_ASSERT_EQUAL(virtio_net_ctrl_queue(&net), 8);
    CU_ASSERT_EQUAL(ctrl_u8(9, 0, 1), VIRTIO_NET_ERR);                       /* unknown class */
    CU_ASSERT_EQUAL(ctrl_u8(VIRTIO_NET_CTRL_RX, 6, 1), VIRTIO_NET_ERR);      /* unknown command */
    CU_ASSERT_EQUAL(ctrl_u16(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 1), VIRTIO_NET_ERR); /* 2 data bytes */
    CU_ASSERT_EQUAL(ctrl_u8(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_ALLUNI, 1), VIRTIO_NET_OK);
    CU_ASSERT_TRUE(net.alluni);
    /* ADDR_SET changes the config mac and its generation, without an interrupt. */
    static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
    uint8_t gen = vd->config_generation;
    vd->isr = 0;
    CU_ASSERT_EQUAL(ctrl(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, mac, 6), VIRTIO_NET_OK);
    CU_ASSERT_EQUAL(virtio_config_read(vd, 1, 1), 0x11);
    CU_ASSERT_NOT_EQUAL(vd->config_generation, gen);
    CU_ASSERT_FALSE(vd->isr & VIRTIO_ISR_CONFIG);
    CU_ASSERT_EQUAL(ctrl(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, mac, 5), VIRTIO_NET_ERR);
    /* ANNOUNCE: ERR until the device asked, then ACK clears status.ANNOUNCE. */
    CU_ASSERT_EQUAL(ctrl(VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0), VIRTIO_NET_ERR);
    CU_ASSERT_EQUAL(virtio_net_announce(&net), 0);
    CU_ASSERT_EQUAL(virtio_config_read(vd, 6, 2), VIRTIO_NET_S_LINK_UP | VIRTIO_NET_S_ANNOUNCE);
    CU_ASSERT(vd->isr & VIRTIO_ISR_CONFIG);
    gen = vd->config_generation;
    CU_ASSERT_EQUAL(ctrl(VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0), VIRTIO_NET_OK);
    CU_ASSERT_NOT_EQUAL(vd->config_generation, gen);   /* status changed (§2.5.1) */
    CU_ASSERT_EQUAL(virtio_config_read(vd, 6, 2), VIRTIO_NET_S_LINK_UP);
    /* GUEST_OFFLOADS: turning GUEST_CSUM off removes DATA_VALID; unnegotiated bits refused. */
    uint8_t o[8] = { 0 };
    CU_ASSERT_EQUAL(ctrl(VIRTIO_NET_CTRL_GUEST_OFFLOADS, VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET, o, 8), VIRTIO_NET_OK);
    uint64_t a = post_rx(0, 1600);
    uint8_t f[128];
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, frame_to(f, net.mac, 20)));
    CU_ASSERT_EQUAL(*host(a, 1), 0);
    o[0] = 1u << VIRTIO_NET_F_GUEST_CSUM | 1u << 7;
    CU_ASSERT_EQUAL(ctrl(VIRTIO_NET_CTRL_GUEST_OFFLOADS, VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET, o, 8), VIRTIO_NET_ERR);
    CU_ASSERT_EQUAL(net.stats.ctrl_ok, 4);
    CU_ASSERT_EQUAL(net.stats.ctrl_err, 6);
    CU_ASSERT_FALSE(vd->status & VIRTIO_STATUS_NEEDS_RESET);
    /* Reset forgets filters and restores the configured mac. */
    virtio_write_status(vd, 0, false);
    CU_ASSERT_EQUAL(virtio_config_read(vd, 1, 1), 0x54);
    CU_ASSERT_FALSE(net.alluni);
    CU_ASSERT_TRUE(net.promisc);
}

static void test_ctrl_without_mq(void)
{
    /* Without MQ the control queue is 2 even though the device has 9 queues. */
    CU_ASSERT_TRUE_FATAL(start(features_default() & ~VNET_BIT(VIRTIO_NET_F_MQ)));
    CU_ASSERT_EQUAL(virtio_net_ctrl_queue(&net), 2);
    CU_ASSERT_EQUAL(ctrl_u8(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_ALLMULTI, 1), VIRTIO_NET_OK);
    CU_ASSERT_TRUE(net.allmulti);
    CU_ASSERT_EQUAL(ctrl_u16(VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 2), VIRTIO_NET_ERR);
    /* A control chain without an ack byte is a device error. */
    uint8_t hdr[2] = { 0, 0 };
    Seg s = { put_buf(hdr, 2), 2, false };
    add_chain(2, &s, 1);
    virtio_queue_notify(vd, 2);
    CU_ASSERT(vd->status & VIRTIO_STATUS_NEEDS_RESET);
}

static void test_mq_pairs_and_steering(void)
{
    CU_ASSERT_TRUE_FATAL(start(features_default()));
    CU_ASSERT_EQUAL(ctrl_u16(VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 0), VIRTIO_NET_ERR);
    CU_ASSERT_EQUAL(ctrl_u16(VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 5), VIRTIO_NET_ERR);
    CU_ASSERT_EQUAL(ctrl_u16(VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 2), VIRTIO_NET_OK);
    CU_ASSERT_EQUAL(net.curr_pairs, 2);
    for (int i = 0; i < 8; i++) {
        post_rx(0, 1600);
        post_rx(2, 1600);
    }
    /* Flows with different ports spread over both pairs, each flow always to one. */
    unsigned on[2] = { 0, 0 };
    uint8_t f[128];
    for (uint16_t port = 1000; port < 1008; port++) {
        size_t len = frame_to(f, net.mac, 20);
        st16_be(f + 34, port);
        unsigned pair = virtio_net_flow_hash(f, len) % 2;
        uint16_t before = used_idx(2 * pair);
        CU_ASSERT_TRUE(virtio_net_receive(&net, f, len));
        CU_ASSERT_EQUAL(used_idx(2 * pair), before + 1);
        on[pair]++;
    }
    CU_ASSERT(on[0] > 0 && on[1] > 0);
    /* The hash is symmetric: swapping addresses and ports keeps the flow's queue. */
    size_t len = frame_to(f, net.mac, 20);
    uint8_t g[128];
    memcpy(g, f, len);
    memcpy(g + 26, f + 30, 4);
    memcpy(g + 30, f + 26, 4);
    memcpy(g + 34, f + 36, 2);
    memcpy(g + 36, f + 34, 2);
    CU_ASSERT_EQUAL(virtio_net_flow_hash(f, len), virtio_net_flow_hash(g, len));
    /* Transmit works on the second pair's tx queue. */
    uint8_t hdr[12] = { 0 };
    Seg s[2] = { { put_buf(hdr, 12), 12, false }, { put_buf(f, (uint32_t)len), (uint32_t)len, false } };
    add_chain(3, s, 2);
    virtio_queue_notify(vd, 3);
    CU_ASSERT_EQUAL(nsent, 1);
}

static void test_link_toggle(void)
{
    CU_ASSERT_TRUE_FATAL(start(features_default()));
    virtio_isr_read(vd);
    uint8_t gen = vd->config_generation;
    CU_ASSERT_EQUAL(virtio_net_set_link(&net, false), 1);
    CU_ASSERT_EQUAL(virtio_net_set_link(&net, false), 0);
    CU_ASSERT_EQUAL(vd->isr & VIRTIO_ISR_CONFIG, VIRTIO_ISR_CONFIG);
    CU_ASSERT_NOT_EQUAL(vd->config_generation, gen);
    CU_ASSERT_EQUAL(virtio_config_read(vd, 6, 2), 0);
    /* Link down: frames are dropped both ways. */
    post_rx(0, 1600);
    uint8_t f[128];
    size_t len = frame_to(f, net.mac, 20);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, len));
    CU_ASSERT_EQUAL(used_idx(0), 0);
    uint8_t hdr[12] = { 0 };
    Seg s[2] = { { put_buf(hdr, 12), 12, false }, { put_buf(f, (uint32_t)len), (uint32_t)len, false } };
    add_chain(1, s, 2);
    virtio_queue_notify(vd, 1);
    CU_ASSERT_EQUAL(nsent, 0);
    CU_ASSERT_EQUAL(used_idx(1), 1);
    virtio_isr_read(vd);
    CU_ASSERT_EQUAL(vd->isr, 0);   /* read-to-clear */
    CU_ASSERT_EQUAL(virtio_net_set_link(&net, true), 1);
    CU_ASSERT(vd->isr & VIRTIO_ISR_CONFIG);
    CU_ASSERT_EQUAL(virtio_config_read(vd, 6, 2), VIRTIO_NET_S_LINK_UP);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, len));
    CU_ASSERT_EQUAL(used_idx(0), 1);
}

/* Sets up every queue and stops at FEATURES_OK: the driver is not live yet. */
static void start_without_driver_ok(uint64_t accept)
{
    VirtioNetConfig c;
    virtio_net_config_default(&c);
    make_device(&c);
    uint8_t s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
    virtio_write_status(vd, VIRTIO_STATUS_ACKNOWLEDGE, false);
    virtio_write_status(vd, s, false);
    virtio_write_driver_features(vd, 0, (uint32_t)accept);
    virtio_write_driver_features(vd, 1, (uint32_t)(accept >> 32));
    virtio_write_status(vd, s | VIRTIO_STATUS_FEATURES_OK, false);
    for (unsigned q = 0; q < vd->info.num_queues; q++) {
        virtio_queue_set_size(vd, q, QSIZE);
        virtio_queue_set_addr(vd, q, 0, q_desc(q));
        virtio_queue_set_addr(vd, q, 1, q_avail(q));
        virtio_queue_set_addr(vd, q, 2, q_used(q));
        virtio_queue_enable(vd, q);
    }
}

static void test_ctrl_ack_placement(void)
{
    /* The ack is the first device-writable byte (§5.1.6.5: any command-specific result
     * follows it) and the used len 1 counts from there (§2.7.8.1). */
    CU_ASSERT_TRUE_FATAL(start(features_default()));
    unsigned q = virtio_net_ctrl_queue(&net);
    uint8_t hdr[3] = { VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 0 };
    uint8_t room[4] = { 0xee, 0xee, 0xee, 0xee };
    uint64_t at = put_buf(room, 4);
    Seg sg[2] = { { put_buf(hdr, 3), 3, false }, { at, 4, true } };
    add_chain(q, sg, 2);
    virtio_queue_notify(vd, q);
    CU_ASSERT_EQUAL(used_idx(q), 1);
    CU_ASSERT_EQUAL(used_len(q, 0), 1);
    CU_ASSERT_EQUAL(*host(at, 1), VIRTIO_NET_OK);
    CU_ASSERT_EQUAL(*host(at + 3, 1), 0xee);
    CU_ASSERT_FALSE(net.promisc);
}

static void test_ctrl_waits_for_driver_ok(void)
{
    /* §2.1.2: the device consumes no buffer before DRIVER_OK, the control queue too. */
    start_without_driver_ok(features_default());
    CU_ASSERT_TRUE_FATAL(vd->status & VIRTIO_STATUS_FEATURES_OK);
    unsigned q = virtio_net_ctrl_queue(&net);
    uint8_t ack = 0xff;
    uint8_t hdr[3] = { VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 0 };
    uint64_t at = put_buf(&ack, 1);
    Seg sg[2] = { { put_buf(hdr, 3), 3, false }, { at, 1, true } };
    add_chain(q, sg, 2);
    virtio_queue_notify(vd, q);
    CU_ASSERT_EQUAL(used_idx(q), 0);
    CU_ASSERT_EQUAL(*host(at, 1), 0xff);
    CU_ASSERT_EQUAL(irqs, 0);
    CU_ASSERT_TRUE(net.promisc);
    /* Taken once the driver is live. */
    virtio_write_status(vd, vd->status | VIRTIO_STATUS_DRIVER_OK, false);
    CU_ASSERT_EQUAL(used_idx(q), 1);
    CU_ASSERT_EQUAL(*host(at, 1), VIRTIO_NET_OK);
    CU_ASSERT_FALSE(net.promisc);
}

/* A frame to the device's mac of len bytes, optionally 802.1Q-tagged. */
static size_t raw_frame(uint8_t *f, size_t len, bool tagged)
{
    memset(f, 0x5a, len);
    memcpy(f, net.mac, 6);
    memcpy(f + 6, peer_mac, 6);
    if (tagged) {
        f[12] = 0x81, f[13] = 0x00, f[14] = 0x00, f[15] = 0x05;
        f[16] = 0x88, f[17] = 0xb5;
    } else
        f[12] = 0x88, f[13] = 0xb5;
    return len;
}

static void test_rx_mtu_limit(void)
{
    /* §5.1.4.2: with MTU negotiated no frame above mtu + the link-level header (14,
     * or 18 with a VLAN tag) is passed to the driver. */
    CU_ASSERT_TRUE_FATAL(start(features_default()));
    static uint8_t f[1600];
    post_rx(0, 1600);
    post_rx(0, 1600);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, raw_frame(f, 1500 + 15, false)));
    CU_ASSERT_EQUAL(used_idx(0), 0);
    CU_ASSERT_EQUAL(net.stats.rx_dropped, 1);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, raw_frame(f, 1500 + 14, false)));
    CU_ASSERT_EQUAL(used_idx(0), 1);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, raw_frame(f, 1500 + 18, true)));
    CU_ASSERT_EQUAL(used_idx(0), 2);
    CU_ASSERT_EQUAL(net.stats.rx_dropped, 1);
}

static void test_rx_data_valid_is_checked(void)
{
    /* §5.1.6.4.1: DATA_VALID says the device validated the checksum, so a frame whose
     * checksum is wrong, or that has none the device knows, arrives with flags 0. */
    CU_ASSERT_TRUE_FATAL(start(features_default()));
    uint8_t f[128];
    size_t len = frame_to(f, net.mac, 40);
    uint64_t a = post_rx(0, 1600);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, len));
    CU_ASSERT_EQUAL(*host(a, 1), VIRTIO_NET_HDR_F_DATA_VALID);
    f[len - 1] ^= 0x40;                                /* payload corrupted in flight */
    a = post_rx(0, 1600);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, len));
    CU_ASSERT_EQUAL(*host(a, 1), 0);
    a = post_rx(0, 1600);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, raw_frame(f, 60, false)));
    CU_ASSERT_EQUAL(*host(a, 1), 0);
    CU_ASSERT_EQUAL(used_idx(0), 3);
}

static void test_malformed_tx_chain(void)
{
    CU_ASSERT_TRUE_FATAL(start(features_default()));
    uint8_t hdr[12] = { 0 };
    Seg s = { put_buf(hdr, 8), 8, false };   /* shorter than the header */
    add_chain(1, &s, 1);
    virtio_queue_notify(vd, 1);
    CU_ASSERT(vd->status & VIRTIO_STATUS_NEEDS_RESET);
    CU_ASSERT(vd->isr & VIRTIO_ISR_CONFIG);
    CU_ASSERT_EQUAL(nsent, 0);
    /* Further notifies are ignored until a reset. */
    uint8_t f[128];
    size_t len = frame_to(f, peer_mac, 20);
    Seg g[2] = { { put_buf(hdr, 12), 12, false }, { put_buf(f, (uint32_t)len), (uint32_t)len, false } };
    add_chain(1, g, 2);
    virtio_queue_notify(vd, 1);
    CU_ASSERT_EQUAL(nsent, 0);
    /* An rx chain with no writable byte is an error too. */
    CU_ASSERT_TRUE_FATAL(start(features_default()));
    Seg r = { put_buf(hdr, 12), 12, false };
    add_chain(0, &r, 1);
    CU_ASSERT_TRUE(virtio_net_receive(&net, f, len));
    CU_ASSERT(vd->status & VIRTIO_STATUS_NEEDS_RESET);
}

static void test_parse_features(void)
{
    uint64_t f = VIRTIO_NET_DEFAULT_FEATURES;
    CU_ASSERT_EQUAL(virtio_net_parse_features("-mrg_rxbuf,+mq,-csum", &f, &err), 0);
    CU_ASSERT_FALSE(f & VNET_BIT(VIRTIO_NET_F_MRG_RXBUF));
    CU_ASSERT_FALSE(f & VNET_BIT(VIRTIO_NET_F_CSUM));
    CU_ASSERT(f & VNET_BIT(VIRTIO_NET_F_MQ));
    CU_ASSERT_EQUAL(virtio_net_parse_features("-event_idx,-indirect_desc,-version_1", &f, &err), 0);
    CU_ASSERT_FALSE((f & (VNET_BIT(VIRTIO_F_RING_EVENT_IDX) | VNET_BIT(VIRTIO_F_RING_INDIRECT_DESC) | VNET_BIT(VIRTIO_F_VERSION_1))) != 0);
    CU_ASSERT_EQUAL(virtio_net_parse_features("version_1", &f, &err), 0);
    CU_ASSERT((f & VNET_BIT(VIRTIO_F_VERSION_1)) != 0);
    uint64_t keep = f;
    CU_ASSERT_EQUAL(virtio_net_parse_features("-csum,+bogus", &f, &err), -1);
    CU_ASSERT_EQUAL(f, keep);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "bogus"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "mrg_rxbuf"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "event_idx"));
    CU_ASSERT_EQUAL(virtio_net_parse_features("+,mq", &f, &err), -1);
    CU_ASSERT_STRING_EQUAL(virtio_net_feature_name(VIRTIO_NET_F_CTRL_VLAN), "ctrl_vlan");
    /* The switchable names come from the names table: the device's own in bit order,
     * then the device-independent ones, as before the table existed. */
    CU_ASSERT_EQUAL(virtio_net_parse_features("nosuch", &f, &err), -1);
    CU_ASSERT_STRING_EQUAL(err.msg, "--net-features: unknown feature 'nosuch' (valid: csum guest_csum "
                                    "ctrl_guest_offloads mtu mac mrg_rxbuf status ctrl_vq ctrl_rx ctrl_vlan "
                                    "ctrl_rx_extra guest_announce mq ctrl_mac_addr indirect_desc event_idx "
                                    "version_1 ring_packed)");
    /* A feature the spec defines and this model does not implement cannot be offered. */
    CU_ASSERT_EQUAL(virtio_net_parse_features("+guest_tso4", &f, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "feature 'guest_tso4' is not implemented by this device (valid: csum "));
    CU_ASSERT_EQUAL(virtio_net_parse_features("-in_order", &f, &err), -1);
    CU_ASSERT_EQUAL(f, keep);
    /* The packed ring is implemented but off by default, as QEMU's packed=off. */
    CU_ASSERT_FALSE(VIRTIO_NET_DEFAULT_FEATURES >> VIRTIO_F_RING_PACKED & 1);
    uint64_t g = VIRTIO_NET_DEFAULT_FEATURES;
    CU_ASSERT_EQUAL(virtio_net_parse_features("+ring_packed", &g, &err), 0);
    CU_ASSERT_TRUE(g >> VIRTIO_F_RING_PACKED & 1);
    CU_ASSERT_EQUAL(virtio_net_parse_features("-ring_packed", &g, &err), 0);
    CU_ASSERT_EQUAL(g, VIRTIO_NET_DEFAULT_FEATURES);
    CU_ASSERT_STRING_EQUAL(virtio_net_feature_name(VIRTIO_F_RING_INDIRECT_DESC), "indirect_desc");
    CU_ASSERT_STRING_EQUAL(virtio_net_feature_name(VIRTIO_F_RING_EVENT_IDX), "event_idx");
    CU_ASSERT_STRING_EQUAL(virtio_net_feature_name(VIRTIO_F_VERSION_1), "version_1");
    CU_ASSERT_STRING_EQUAL(virtio_net_feature_name(VIRTIO_NET_F_GUEST_TSO4), "guest_tso4");
    CU_ASSERT_PTR_NULL(virtio_net_feature_name(4));
    CU_ASSERT_PTR_NULL(virtio_net_feature_name(64));
}

/* ---- the trace: each control command is one net_ctrl event, named from the table ---- */

static char cmds[8][128];
static unsigned ncmds;
static void ctrl_tap(void *o, const TraceEvent *ev)
{
    (void)o;
    if (ev->type == TRACE_EV_net_ctrl && ncmds < ARRAY_SIZE(cmds))
        snprintf(cmds[ncmds++], sizeof cmds[0], "q%u %s %s: %s", ev->u.net_ctrl.queue, ev->u.net_ctrl.command,
                 ev->u.net_ctrl.args, ev->u.net_ctrl.ack);
}

static void test_ctrl_traced(void)
{
    CU_ASSERT_TRUE_FATAL(start(features_default()));
    TraceWriter *tw = trace_open(NULL, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    Tracer tr;
    tracer_init(&tr);
    tracer_observe(&tr, ctrl_tap, NULL, NULL);
    tracer_observe(&tr, trace_observe, tw, NULL);
    virtio_set_tracer(vd, &tr);
    ncmds = 0;
    ctrl_u8(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 0);
    ctrl_u16(VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_ADD, 4096);
    ctrl_u16(VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 3);
    ctrl_u8(9, 3, 0);                                   /* no such class: named "?" */
    virtio_set_tracer(vd, NULL);
    trace_close(tw, NULL);
    CU_ASSERT_EQUAL_FATAL(ncmds, 4);
    unsigned cq = virtio_net_ctrl_queue(&net);
    char want[64];
    snprintf(want, sizeof want, "q%u RX_PROMISC off: OK", cq);
    CU_ASSERT_STRING_EQUAL(cmds[0], want);
    snprintf(want, sizeof want, "q%u VLAN_ADD 4096: ERR", cq);
    CU_ASSERT_STRING_EQUAL(cmds[1], want);
    snprintf(want, sizeof want, "q%u MQ_VQ_PAIRS_SET 3: OK", cq);
    CU_ASSERT_STRING_EQUAL(cmds[2], want);
    snprintf(want, sizeof want, "q%u ? (class 9 command 3, 1 bytes): ERR", cq);
    CU_ASSERT_STRING_EQUAL(cmds[3], want);
}

/* ---- through the real backend: ARP to the built-in peer and its answer ---- */

static EventQueue evq;
static uint64_t vt;
static uint64_t clock_now(void *ctx) { (void)ctx; return vt; }

static void test_peer_round_trip(void)
{
    CU_ASSERT_TRUE_FATAL(start(features_default()));
    events_init(&evq);
    vt = 0;
    NetBackendConfig bc = { .spec = "peer", .events = &evq, .now = clock_now,
                            .deliver = virtio_net_receive, .opaque = &net };
    NetBackend *nb = net_backend_create(&bc, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
    virtio_net_set_backend(&net, nb);
    uint8_t f[128], hdr[12] = { 0 };
    size_t len = nb_arp(f, 1, net.mac, PEER_GUEST_IP, PEER_GW_IP);
    Seg s[2] = { { put_buf(hdr, 12), 12, false }, { put_buf(f, (uint32_t)len), (uint32_t)len, false } };
    add_chain(1, s, 2);
    virtio_queue_notify(vd, 1);
    CU_ASSERT_EQUAL(net_backend_stats(nb)->from_guest, 1);
    /* No rx buffer yet: the reply waits in the backend until the driver posts one. */
    while (events_next(&evq) != EVENT_NEVER) {
        vt = events_next(&evq);
        events_run_due(&evq, vt);
    }
    CU_ASSERT_EQUAL(used_idx(0), 0);
    uint64_t a = post_rx(0, 1600);
    while (events_next(&evq) != EVENT_NEVER) {
        vt = events_next(&evq);
        events_run_due(&evq, vt);
    }
    CU_ASSERT_EQUAL_FATAL(used_idx(0), 1);
    const uint8_t *reply = host(a + 12, 42);
    CU_ASSERT_EQUAL(memcmp(reply, net.mac, 6), 0);
    CU_ASSERT_EQUAL(ld16_be(reply + 12), ETHERTYPE_ARP);
    CU_ASSERT_EQUAL(ld16_be(reply + 20), 2);   /* ARP reply */
    net_backend_destroy(nb, NULL);
}

static int init(void)
{
    return ram_init(&ram, RAM_BASE, RAM_SIZE, &err) < 0 ? -1 : 0;
}

static int cleanup(void)
{
    if (net_up)
        virtio_net_destroy(&net);
    net_up = false;
    ram_destroy(&ram);
    return 0;
}

int suite_virtio_net(void)
{
    CU_pSuite s = CU_add_suite("virtio_net", init, cleanup);
    if (!s)
        return -1;
    CU_add_test(s, "feature dependencies (5.1.3.1)", test_feature_dependencies);
    CU_add_test(s, "config space: mac, status, pairs, mtu", test_config_space);
    CU_add_test(s, "tx with the 12-byte header", test_tx_v1_header);
    CU_add_test(s, "tx with the legacy 10-byte header", test_tx_legacy_header);
    CU_add_test(s, "tx checksum offload", test_tx_checksum_offload);
    CU_add_test(s, "rx into one buffer", test_rx_single_buffer);
    CU_add_test(s, "rx merged across buffers", test_rx_mergeable);
    CU_add_test(s, "rx without buffers, then ready", test_rx_no_buffer_then_ready);
    CU_add_test(s, "MAC receive filter", test_mac_filter);
    CU_add_test(s, "VLAN receive filter", test_vlan_filter);
    CU_add_test(s, "control commands ack OK/ERR", test_ctrl_commands);
    CU_add_test(s, "control queue index without MQ", test_ctrl_without_mq);
    CU_add_test(s, "MQ pairs and rx steering", test_mq_pairs_and_steering);
    CU_add_test(s, "link toggle", test_link_toggle);
    CU_add_test(s, "malformed chains need reset", test_malformed_tx_chain);
    CU_add_test(s, "control ack is the first writable byte", test_ctrl_ack_placement);
    CU_add_test(s, "control queue waits for DRIVER_OK", test_ctrl_waits_for_driver_ok);
    CU_add_test(s, "rx MTU limit per header length", test_rx_mtu_limit);
    CU_add_test(s, "rx DATA_VALID only when validated", test_rx_data_valid_is_checked);
    CU_add_test(s, "--net-features parser", test_parse_features);
    CU_add_test(s, "control commands traced", test_ctrl_traced);
    CU_add_test(s, "round trip through the peer backend", test_peer_round_trip);
    return 0;
}
