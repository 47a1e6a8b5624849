/* The virtio network device (virtio 1.2 §5.1); see virtio_net.h. Config space and
 * features here; transmit (§5.1.6.2), receive (§5.1.6.3, §5.1.6.4) and the control
 * queue (§5.1.6.5) follow in that order.
 *
 * Every value the driver supplies is checked where it is used. A chain that cannot
 * carry what the protocol requires (a tx chain shorter than its header, an rx buffer
 * with nowhere to write, a control chain without class/command or ack) is a device
 * error: DEVICE_NEEDS_RESET, as QEMU does. A well-formed control chain with a bad
 * command is answered VIRTIO_NET_ERR and the device carries on. */
#include "virtio/virtio_net.h"

#include <stdlib.h>

#include "net/backend.h"
#include "net/inet.h"
#include "snap/snap.h"
#include "tracer.h"

#define HAS(n, bit) virtio_has_feature(&(n)->vdev, (bit))
#define OFFERED(n, bit) (((n)->vdev.info.features >> (bit)) & 1)
#define SCRATCH_LEN (VNET_HDR_LEN + VIRTIO_NET_MAX_FRAME)

static VirtioNet *net_of(VirtioDevice *vd) { return (VirtioNet *)vd; }

static void note(VirtioNet *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(VirtioNet *n, const char *fmt, ...)
{
    if (!TRACE_WANTED(n->vdev.tracer, note))
        return;
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    TRACE(n->vdev.tracer, note, text);
}

/* The header the driver and device exchange: 12 bytes with VERSION_1 or MRG_RXBUF,
 * the legacy 10 otherwise (§5.1.6, legacy interface note). */
unsigned virtio_net_hdr_len(uint64_t f)
{
    return (f >> VIRTIO_F_VERSION_1 & 1) || (f >> VIRTIO_NET_F_MRG_RXBUF & 1) ? VNET_HDR_LEN : VNET_HDR_LEN_LEGACY;
}

static unsigned hdr_len(const VirtioNet *n)
{
    return virtio_net_hdr_len(n->vdev.guest_features);
}

unsigned virtio_net_ctrl_queue(const VirtioNet *n)
{
    return HAS(n, VIRTIO_NET_F_MQ) ? 2u * n->cfg.max_pairs : 2u;
}

/* ---- config space (§5.1.4) ---- */

static const RegDesc config_regs[] = {
    { 0, 6, "mac" },
    { 6, 2, "status" },
    { 8, 2, "max_virtqueue_pairs" },
    { 10, 2, "mtu" },
};

const RegDesc *virtio_net_config_regs(unsigned *n)
{
    *n = ARRAY_SIZE(config_regs);
    return config_regs;
}

/* The features that make the optional fields exist, by offset (§5.1.4). */
int virtio_net_config_feature(unsigned off)
{
    static const struct { unsigned lo, hi; int bit; } opt[] = {
        { 6, 8, VIRTIO_NET_F_STATUS }, { 8, 10, VIRTIO_NET_F_MQ }, { 10, 12, VIRTIO_NET_F_MTU },
    };
    for (size_t i = 0; i < ARRAY_SIZE(opt); i++)
        if (off >= opt[i].lo && off < opt[i].hi)
            return opt[i].bit;
    return -1;
}

static void config_image(const VirtioNet *n, uint8_t img[VIRTIO_NET_CONFIG_SIZE])
{
    memcpy(img, n->mac, 6);
    st16_le(img + 6, n->status);
    st16_le(img + 8, n->cfg.max_pairs);
    st16_le(img + 10, n->cfg.mtu);
}

static uint64_t net_config_read(VirtioDevice *vd, unsigned off, unsigned size)
{
    uint8_t img[VIRTIO_NET_CONFIG_SIZE];
    config_image(net_of(vd), img);
    return ldn_le(img + off, size);   /* the core checked off + size <= config_size */
}

/* Only a legacy driver without CTRL_MAC_ADDR may write the mac (§5.1.4 legacy
 * interface); QEMU allows the same. Every other field is read-only. */
static void net_config_write(VirtioDevice *vd, unsigned off, unsigned size, uint64_t val)
{
    VirtioNet *n = net_of(vd);
    if (HAS(n, VIRTIO_F_VERSION_1) || HAS(n, VIRTIO_NET_F_CTRL_MAC_ADDR) || off >= 6) {
        note(n, "config write at %u ignored: read-only", off);
        return;
    }
    for (unsigned i = 0; i < size && off + i < 6; i++)
        n->mac[off + i] = (uint8_t)(val >> (8 * i));
    virtio_config_touch(vd);   /* the mac field changed (§2.5.1), the writer knows */
}

/* ---- features (§5.1.3.1) ---- */

static const struct {
    unsigned bit, needs;
} feature_deps[] = {
    { VIRTIO_NET_F_CTRL_RX, VIRTIO_NET_F_CTRL_VQ },
    { VIRTIO_NET_F_CTRL_VLAN, VIRTIO_NET_F_CTRL_VQ },
    { VIRTIO_NET_F_GUEST_ANNOUNCE, VIRTIO_NET_F_CTRL_VQ },
    { VIRTIO_NET_F_MQ, VIRTIO_NET_F_CTRL_VQ },
    { VIRTIO_NET_F_CTRL_MAC_ADDR, VIRTIO_NET_F_CTRL_VQ },
    { VIRTIO_NET_F_CTRL_GUEST_OFFLOADS, VIRTIO_NET_F_CTRL_VQ },
    { VIRTIO_NET_F_CTRL_RX_EXTRA, VIRTIO_NET_F_CTRL_RX },
    { VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_GUEST_CSUM },
    { VIRTIO_NET_F_GUEST_TSO6, VIRTIO_NET_F_GUEST_CSUM },
    { VIRTIO_NET_F_GUEST_UFO, VIRTIO_NET_F_GUEST_CSUM },
    { VIRTIO_NET_F_HOST_TSO4, VIRTIO_NET_F_CSUM },
    { VIRTIO_NET_F_HOST_TSO6, VIRTIO_NET_F_CSUM },
    { VIRTIO_NET_F_HOST_UFO, VIRTIO_NET_F_CSUM },
    { VIRTIO_NET_F_HOST_USO, VIRTIO_NET_F_CSUM },
    { VIRTIO_NET_F_RSS, VIRTIO_NET_F_CTRL_VQ },
    { VIRTIO_F_RING_PACKED, VIRTIO_F_VERSION_1 },   /* §2.8 is a virtio 1 layout */
};

int virtio_net_feature_conflict(uint64_t f, unsigned *bit, unsigned *needs)
{
    for (size_t i = 0; i < ARRAY_SIZE(feature_deps); i++) {
        unsigned b = feature_deps[i].bit, d = feature_deps[i].needs;
        if ((f >> b & 1) && !(f >> d & 1)) {
            *bit = b;
            *needs = d;
            return 1;
        }
    }
    return 0;
}

static int net_validate_features(VirtioDevice *vd, uint64_t f, Err *err)
{
    (void)vd;
    unsigned b, d;
    if (virtio_net_feature_conflict(f, &b, &d))
        return err_set(err, "%s needs %s (virtio 1.2 §5.1.3.1)", virtio_net_feature_name(b),
                       virtio_net_feature_name(d));
    return 0;
}

/* ---- reset, status, peer ---- */

/* Filters as after power-on: promiscuous (like QEMU, so a driver that never speaks
 * CTRL_RX receives everything), empty MAC table, empty VLAN table. */
static void reset_filters(VirtioNet *n)
{
    n->promisc = true;
    n->allmulti = n->alluni = n->nomulti = n->nouni = n->nobcast = false;
    n->n_uni = n->n_multi = 0;
    n->uni_overflow = n->multi_overflow = false;
    memset(n->vlans, 0, sizeof n->vlans);
}

static void net_reset(VirtioDevice *vd)
{
    VirtioNet *n = net_of(vd);
    reset_filters(n);
    memcpy(n->mac, n->cfg.mac, 6);
    n->status &= (uint16_t)~VIRTIO_NET_S_ANNOUNCE;   /* the link is the wire's, not the driver's */
    n->curr_pairs = 1;
    n->guest_offloads = 0;
    for (unsigned p = 0; p < n->cfg.max_pairs; p++)
        n->held[p].n = 0;   /* the queues were reset: held chains are forgotten */
}

static void peer_rx_ready(VirtioNet *n)
{
    if (n->peer.rx_ready)
        n->peer.rx_ready(n->peer.opaque);
}

static void tx_flush(VirtioNet *n, unsigned pair);
static void ctrl_handle(VirtioNet *n, unsigned q);

static void net_set_status(VirtioDevice *vd, uint8_t old, uint8_t s)
{
    VirtioNet *n = net_of(vd);
    uint8_t live = VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FEATURES_OK;
    if ((s & live) && !(old & live))
        n->guest_offloads = vd->guest_features & VNET_BIT(VIRTIO_NET_F_GUEST_CSUM);
    if ((s & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK)) {
        /* Buffers posted before DRIVER_OK were left waiting: take them now. */
        for (unsigned p = 0; p < n->cfg.max_pairs; p++)
            if (virtio_queue_ready(vd, 2 * p + 1))
                tx_flush(n, p);
        /* Control commands posted early too; only when there are some, so that an
         * idle control queue is left as it was (no avail_event write); a bad avail idx
         * goes through ctrl_handle, which reports it. */
        unsigned cq = virtio_net_ctrl_queue(n);
        Err err;
        if (HAS(n, VIRTIO_NET_F_CTRL_VQ) && cq < vd->info.num_queues && virtio_queue_pending(vd, cq, &err) != 0)
            ctrl_handle(n, cq);
        /* Receive buffers posted early can take frames now; a driver that posts them
         * after DRIVER_OK (Linux's virtnet_open) says so by its kick. A capture being
         * fed (--net pcap:) starts its clock at the first of these signals. */
        for (unsigned p = 0; p < n->cfg.max_pairs; p++)
            if (virtio_queue_ready(vd, 2 * p) && virtio_queue_pending(vd, 2 * p, &err) > 0) {
                peer_rx_ready(n);
                break;
            }
    }
}

static void backend_send(void *o, const uint8_t *frame, size_t len)
{
    /* A capture write error is kept by the backend (net_backend_error); the frame was
     * still handled, so there is nothing for the device to do. */
    (void)net_backend_send(o, frame, len);
}

static void backend_rx_ready(void *o) { net_backend_rx_ready(o); }

void virtio_net_set_backend(VirtioNet *n, struct NetBackend *nb)
{
    n->peer = (VirtioNetPeer){ .send = backend_send, .rx_ready = backend_rx_ready, .opaque = nb };
}

void virtio_net_set_peer(VirtioNet *n, const VirtioNetPeer *p) { n->peer = *p; }

int virtio_net_set_link(VirtioNet *n, bool up)
{
    uint16_t s = up ? (uint16_t)(n->status | VIRTIO_NET_S_LINK_UP) : (uint16_t)(n->status & ~VIRTIO_NET_S_LINK_UP);
    if (s == n->status)
        return 0;
    n->status = s;   /* the caller traces why (the machine's --link-toggle note) */
    if (OFFERED(n, VIRTIO_NET_F_STATUS))
        virtio_config_changed(&n->vdev);
    if (up)
        peer_rx_ready(n);
    return 1;
}

int virtio_net_announce(VirtioNet *n)
{
    if (!HAS(n, VIRTIO_NET_F_GUEST_ANNOUNCE) || !virtio_driver_ok(&n->vdev))
        return -1;
    n->status |= VIRTIO_NET_S_ANNOUNCE;
    virtio_config_changed(&n->vdev);
    return 0;
}

/* ---- transmit (§5.1.6.2) ---- */

/* Completes a partial checksum as the driver asked with NEEDS_CSUM: the ones'
 * complement sum of [start, len) (the driver seeded the field with the pseudo-header
 * sum) stored at start + off, big-endian. 0 becomes 0xffff, as Linux's
 * skb_checksum_help does: the same value in ones' complement, and UDP reads 0 as "no
 * checksum". -1 when the field lies outside the frame. */
static int tx_csum(uint8_t *f, size_t len, unsigned start, unsigned off)
{
    if ((size_t)start + off + 2 > len)
        return -1;
    uint16_t c = inet_csum(f + start, len - start);
    st16_be(f + start + off, c ? c : 0xffff);
    return 0;
}

/* ---- receive checksum validation (§5.1.6.4.1) ---- */

/* A received checksum is right when the sum over it, with the field, folds to zero. */
static bool sum_ok(uint32_t sum) { return inet_fold(sum) == 0; }

/* Whether the device has validated the frame's one level of checksum, as DATA_VALID
 * promises (§5.1.6.4.1: "the device MUST validate the packet checksum"): TCP or UDP
 * over IPv4 (unfragmented) or IPv6 (no extension headers), or ICMPv4. Frames from a
 * pcap file or a tap are not trusted: a frame that is none of these, or whose checksum
 * is wrong, gets flags 0 and the driver checks it itself. */
static bool rx_csum_valid(const uint8_t *f, size_t len)
{
    size_t l3 = len >= 18 && f[12] == 0x81 && f[13] == 0x00 ? 18 : 14;
    if (len < l3 + 20)
        return false;
    const uint8_t *ip = f + l3;
    uint16_t type = ld16_be(f + l3 - 2);
    uint8_t proto;
    const uint8_t *l4;
    size_t l4len;
    uint32_t pseudo;
    if (type == 0x0800 && (ip[0] >> 4) == 4) {
        size_t ihl = (size_t)(ip[0] & 15) * 4;
        size_t tot = ld16_be(ip + 2);
        if (ihl < 20 || tot < ihl || l3 + tot > len || ((ip[6] & 0x3f) | ip[7]) != 0)
            return false;   /* short, or a fragment: the L4 checksum covers other frames */
        proto = ip[9];
        l4 = ip + ihl;
        l4len = tot - ihl;
        pseudo = inet_sum(0, ip + 12, 8) + proto + (uint32_t)l4len;
    } else if (type == 0x86dd && (ip[0] >> 4) == 6 && len >= l3 + 40) {
        size_t plen = ld16_be(ip + 4);
        if (l3 + 40 + plen > len)
            return false;
        proto = ip[6];
        l4 = ip + 40;
        l4len = plen;
        pseudo = inet_sum(0, ip + 8, 32) + proto + (uint32_t)l4len;
    } else
        return false;
    if (proto == 17 && l4len >= 8) {
        if (type == 0x0800 && l4[6] == 0 && l4[7] == 0)
            return true;    /* IPv4 UDP without a checksum: nothing to validate */
        return sum_ok(inet_sum(pseudo, l4, l4len));
    }
    if (proto == 6 && l4len >= 20)
        return sum_ok(inet_sum(pseudo, l4, l4len));
    if (proto == 1 && type == 0x0800 && l4len >= 8)
        return sum_ok(inet_sum(0, l4, l4len));
    return false;
}

/* One tx chain; false if the device must stop (an error set NEEDS_RESET). */
static bool tx_one(VirtioNet *n, const VqElem *e, unsigned q)
{
    unsigned hl = hdr_len(n);
    uint8_t hdr[VNET_HDR_LEN];
    if (e->out_len < hl) {
        virtio_error(&n->vdev, "tx queue %u: chain of %llu bytes is shorter than the %u-byte virtio_net_hdr",
                     q, (unsigned long long)e->out_len, hl);
        return false;
    }
    uint64_t flen = e->out_len - hl;
    if (flen < VIRTIO_NET_MIN_FRAME || flen > VIRTIO_NET_MAX_FRAME) {
        note(n, "tx queue %u: %llu-byte frame dropped (%u..%u)", q, (unsigned long long)flen,
             VIRTIO_NET_MIN_FRAME, VIRTIO_NET_MAX_FRAME);
        n->stats.tx_dropped++;
        return true;
    }
    if (virtio_elem_read(&n->vdev, q, e, 0, hdr, hl) != (int64_t)hl ||
        virtio_elem_read(&n->vdev, q, e, hl, n->buf, flen) != (int64_t)flen) {
        virtio_error(&n->vdev, "tx queue %u: DMA refused reading chain %u", q, e->id);
        return false;
    }
    if (hdr[VNET_HDR_GSO_TYPE] != VIRTIO_NET_HDR_GSO_NONE) {
        /* No HOST_TSO/UFO feature is offered, so the driver may not ask for GSO. */
        note(n, "tx queue %u: gso_type %u without a GSO feature: frame dropped", q, hdr[VNET_HDR_GSO_TYPE]);
        n->stats.tx_dropped++;
        return true;
    }
    if (hdr[VNET_HDR_FLAGS] & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        unsigned start = ld16_le(hdr + VNET_HDR_CSUM_START), off = ld16_le(hdr + VNET_HDR_CSUM_OFFSET);
        if (!HAS(n, VIRTIO_NET_F_CSUM)) {
            note(n, "tx queue %u: NEEDS_CSUM without CSUM negotiated: frame dropped", q);
            n->stats.tx_dropped++;
            return true;
        }
        if (tx_csum(n->buf, (size_t)flen, start, off) < 0) {
            note(n, "tx queue %u: csum_start %u + csum_offset %u outside the %llu-byte frame: dropped",
                 q, start, off, (unsigned long long)flen);
            n->stats.tx_dropped++;
            return true;
        }
    }
    if (OFFERED(n, VIRTIO_NET_F_STATUS) && !(n->status & VIRTIO_NET_S_LINK_UP)) {
        note(n, "tx queue %u: link down: frame dropped", q);
        n->stats.tx_dropped++;
        return true;
    }
    n->stats.tx_frames++;
    if (n->peer.send)
        n->peer.send(n->peer.opaque, n->buf, (size_t)flen);
    return true;
}

static void tx_flush(VirtioNet *n, unsigned pair)
{
    unsigned q = 2 * pair + 1;
    if (!virtio_driver_ok(&n->vdev))
        return;   /* §3.1.1: nothing is sent before DRIVER_OK; set_status flushes then */
    unsigned done = 0;
    while (virtio_queue_pop(&n->vdev, q, &n->elem) > 0) {
        if (!tx_one(n, &n->elem, q))
            break;   /* NEEDS_RESET; what was sent before is still returned below */
        /* Transmit buffers are only read: the used length is 0 (§5.1.6.2.2). */
        if (virtio_queue_push(&n->vdev, q, &n->elem, 0) < 0)
            return;
        done++;
    }
    /* Only when something was returned: a spurious notify must not interrupt. */
    if (done)
        virtio_queue_complete(&n->vdev, q);
}

/* ---- receive filter (§5.1.6.3.2, §5.1.6.5.1..3) ---- */

static bool vlan_allowed(const VirtioNet *n, const uint8_t *f, size_t len)
{
    if (!HAS(n, VIRTIO_NET_F_CTRL_VLAN) || len < 18 || f[12] != 0x81 || f[13] != 0x00)
        return true;
    unsigned vid = ld16_be(f + 14) & 0xfff;
    return (n->vlans[vid >> 5] >> (vid & 31)) & 1;
}

static bool in_table(const VirtioNet *n, unsigned from, unsigned to, const uint8_t *mac)
{
    for (unsigned i = from; i < to; i++)
        if (!memcmp(n->macs[i], mac, 6))
            return true;
    return false;
}

static bool filter_accepts(const VirtioNet *n, const uint8_t *f, size_t len)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    if (n->promisc)
        return true;
    if (!vlan_allowed(n, f, len))
        return false;
    if (f[0] & 1) {
        if (!memcmp(f, bcast, 6))
            return !n->nobcast;
        if (n->nomulti)
            return false;
        return n->allmulti || n->multi_overflow || in_table(n, n->n_uni, n->n_uni + n->n_multi, f);
    }
    if (n->nouni)
        return false;
    return n->alluni || n->uni_overflow || !memcmp(f, n->mac, 6) || in_table(n, 0, n->n_uni, f);
}

/* ---- receive steering ---- */

uint32_t virtio_net_flow_hash(const uint8_t *f, size_t len)
{
    size_t l3 = 14;
    if (len >= 18 && f[12] == 0x81 && f[13] == 0x00)
        l3 = 18;
    if (len < l3 + 20 || f[l3 - 2] != 0x08 || f[l3 - 1] != 0x00 || (f[l3] >> 4) != 4)
        return 0;
    const uint8_t *ip = f + l3;
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    /* Symmetric: XOR of the two addresses (and the two ports), so replies hash alike. */
    uint32_t h = ld32_le(ip + 12) ^ ld32_le(ip + 16);
    bool first_frag = (ld16_le(ip + 6) & 0xff1f) == 0;   /* offset 0 (big-endian bits) */
    if ((ip[9] == 6 || ip[9] == 17) && first_frag && ihl >= 20 && len >= l3 + ihl + 4)
        h ^= (uint32_t)(ld16_le(ip + ihl) ^ ld16_le(ip + ihl + 2)) * 0x9e37u;
    h ^= h >> 16;
    h *= 0x45d9f3bu;
    h ^= h >> 16;
    return h;
}

static unsigned rx_pair(const VirtioNet *n, const uint8_t *f, size_t len)
{
    if (n->curr_pairs <= 1)
        return 0;
    return virtio_net_flow_hash(f, len) % n->curr_pairs;
}

/* ---- receive (§5.1.6.3, §5.1.6.4) ---- */

static bool held_grow(VirtioNetRxHeld *h)
{
    if (h->n < h->cap)
        return true;
    unsigned cap = h->cap ? 2 * h->cap : 8;
    VqElem *e = realloc(h->elem, cap * sizeof *e);
    if (!e)
        return false;
    memset(e + h->cap, 0, (cap - h->cap) * sizeof *e);
    h->elem = e;
    h->cap = cap;
    return true;
}

/* Rx chains are device-writable (§5.1.6.3.1); with MRG_RXBUF each must hold at least
 * a header. false (after virtio_error) when the driver broke that. */
static bool rx_chain_ok(VirtioNet *n, unsigned q, const VqElem *e, uint64_t min)
{
    if (e->in_len >= min && e->in_len > 0)
        return true;
    virtio_error(&n->vdev, "rx queue %u: chain %u has %llu writable bytes, needs at least %llu", q, e->id,
                 (unsigned long long)e->in_len, (unsigned long long)(min ? min : 1));
    return false;
}

/* Mergeable: fetch chains (keeping them across calls) until they hold total bytes.
 * 1 = enough, 0 = not enough buffers yet, -1 = device error. */
static int rx_gather(VirtioNet *n, unsigned pair, uint64_t total, unsigned hl, unsigned *count)
{
    VirtioNetRxHeld *h = &n->held[pair];
    unsigned q = 2 * pair;
    uint64_t have = 0;
    unsigned i = 0;
    /* Held chains are the queue's only chains in flight; when the counts differ the
     * queue was reset under them (a legacy driver wrote pfn 0) and they are gone. */
    if (h->n != virtio_queue_inflight(&n->vdev, q))
        h->n = 0;
    for (;;) {
        for (; i < h->n && have < total; i++)
            have += h->elem[i].in_len;
        if (have >= total) {
            *count = i;
            return 1;
        }
        if (h->n >= virtio_queue_size(&n->vdev, q) || !held_grow(h))
            return 0;   /* the ring is all ours and still too small: wait */
        int r = virtio_queue_pop(&n->vdev, q, &h->elem[h->n]);
        if (r <= 0)
            return r;
        if (!rx_chain_ok(n, q, &h->elem[h->n], hl))
            return -1;
        h->n++;
    }
}

/* The first k held chains were used: move the rest to the front, keeping the used
 * elements' segment storage for reuse. */
static void held_consume(VirtioNetRxHeld *h, unsigned k)
{
    VqElem tmp[8];
    while (k > 0) {
        unsigned m = k < 8 ? k : 8;
        memcpy(tmp, h->elem, m * sizeof *tmp);
        memmove(h->elem, h->elem + m, (h->cap - m) * sizeof *tmp);
        memcpy(h->elem + h->cap - m, tmp, m * sizeof *tmp);
        h->n -= m;
        k -= m;
    }
}

/* Writes n->buf[0, total) (header then frame) into the chains. */
static bool rx_write(VirtioNet *n, unsigned q, const VqElem *e, unsigned count, uint64_t total)
{
    uint64_t off = 0;
    for (unsigned i = 0; i < count; i++) {
        uint64_t chunk = total - off < e[i].in_len ? total - off : e[i].in_len;
        if (virtio_elem_write(&n->vdev, q, &e[i], 0, n->buf + off, chunk) != (int64_t)chunk) {
            virtio_error(&n->vdev, "rx queue %u: DMA refused writing chain %u", q, e[i].id);
            return false;
        }
        if (virtio_queue_push(&n->vdev, q, &e[i], (uint32_t)chunk) < 0)
            return false;
        off += chunk;
    }
    return true;
}

bool virtio_net_receive(void *opaque, const uint8_t *frame, size_t len)
{
    VirtioNet *n = opaque;
    VirtioDevice *vd = &n->vdev;
    if (!virtio_driver_ok(vd))
        return false;   /* held by the backend until the driver posts buffers */
    /* Frames refused here are consumed: the backend then traces them as delivered,
     * so each refusal leaves a note that says why no ring activity follows. */
    if (OFFERED(n, VIRTIO_NET_F_STATUS) && !(n->status & VIRTIO_NET_S_LINK_UP)) {
        note(n, "rx: link down: frame dropped");
        n->stats.rx_dropped++;
        return true;
    }
    /* With MTU negotiated the device must not pass frames above mtu + the link-level
     * header (§5.1.4.2): 14 bytes, or 18 when the frame carries an 802.1Q tag. */
    bool tagged = len >= 18 && frame[12] == 0x81 && frame[13] == 0x00;
    size_t max = HAS(n, VIRTIO_NET_F_MTU) ? (size_t)n->cfg.mtu + (tagged ? 18 : 14) : VIRTIO_NET_MAX_FRAME;
    if (len < VIRTIO_NET_MIN_FRAME || len > max || len > VIRTIO_NET_MAX_FRAME) {
        note(n, "rx: %zu-byte frame dropped", len);
        n->stats.rx_dropped++;
        return true;
    }
    if (!filter_accepts(n, frame, len)) {
        note(n, "rx: frame for %02x:%02x:%02x:%02x:%02x:%02x refused by the receive filter", frame[0], frame[1],
             frame[2], frame[3], frame[4], frame[5]);
        n->stats.rx_filtered++;
        return true;
    }
    unsigned pair = rx_pair(n, frame, len), q = 2 * pair;
    if (!virtio_queue_ready(vd, q))
        return false;
    unsigned hl = hdr_len(n);
    uint64_t total = hl + len;
    uint8_t *hdr = n->buf;
    memset(hdr, 0, hl);
    /* DATA_VALID only for a checksum the device checked (§5.1.6.4.1), and only while
     * the driver has GUEST_CSUM on (otherwise flags MUST be 0). */
    if ((n->guest_offloads & VNET_BIT(VIRTIO_NET_F_GUEST_CSUM)) && rx_csum_valid(frame, len))
        hdr[VNET_HDR_FLAGS] = VIRTIO_NET_HDR_F_DATA_VALID;
    memcpy(n->buf + hl, frame, len);

    if (HAS(n, VIRTIO_NET_F_MRG_RXBUF)) {
        unsigned count = 0;
        int r = rx_gather(n, pair, total, hl, &count);
        if (r <= 0)
            return r == 0 ? false : true;
        st16_le(hdr + VNET_HDR_NUM_BUFFERS, (uint16_t)count);
        if (!rx_write(n, q, n->held[pair].elem, count, total))
            return true;
        held_consume(&n->held[pair], count);
    } else {
        int r = virtio_queue_pop(vd, q, &n->elem);
        if (r <= 0)
            return r == 0 ? false : true;
        if (!rx_chain_ok(n, q, &n->elem, 0))
            return true;
        if (hl == VNET_HDR_LEN)
            st16_le(hdr + VNET_HDR_NUM_BUFFERS, 1);
        if (n->elem.in_len < total) {
            /* The driver posted less than §5.1.6.3.1 requires: the frame is lost and
             * the buffer comes back empty, so the trace shows the mistake. */
            note(n, "rx queue %u: chain %u of %llu bytes cannot hold %llu: frame dropped", q, n->elem.id,
                 (unsigned long long)n->elem.in_len, (unsigned long long)total);
            n->stats.rx_dropped++;
            (void)virtio_queue_push(vd, q, &n->elem, 0);   /* a failure is a virtio_error */
            virtio_queue_complete(vd, q);
            return true;
        }
        if (!rx_write(n, q, &n->elem, 1, total))
            return true;
    }
    n->stats.rx_frames++;
    virtio_queue_complete(vd, q);
    return true;
}

/* ---- control queue (§5.1.6.5) ---- */

typedef struct Cmd {
    uint8_t cls, cmd;
    const uint8_t *data;
    size_t len;
    char args[80];   /* the arguments, for the trace's net_ctrl event */
} Cmd;

/* The name of a class's command (virtio_net_ctrl.def: "MQ_VQ_PAIRS_SET"), NULL for
 * one the table does not have. */
static const char *ctrl_name(uint8_t cls, uint8_t cmd)
{
    static const struct { uint8_t cls, cmd; const char *name; } tab[] = {
#define CTRL(c, cn, m, mn) { c, m, #cn "_" #mn },
#include "virtio/virtio_net_ctrl.def"
#undef CTRL
    };
    for (size_t i = 0; i < ARRAY_SIZE(tab); i++)
        if (tab[i].cls == cls && tab[i].cmd == cmd)
            return tab[i].name;
    return NULL;
}

static uint8_t ctrl_rx(VirtioNet *n, Cmd *c)
{
    bool *const flag[] = { &n->promisc, &n->allmulti, &n->alluni, &n->nomulti, &n->nouni, &n->nobcast };
    if (c->cmd >= ARRAY_SIZE(flag))
        return VIRTIO_NET_ERR;
    snprintf(c->args, sizeof c->args, "%s", c->len == 1 ? (c->data[0] ? "on" : "off") : "?");
    unsigned needs = c->cmd <= VIRTIO_NET_CTRL_RX_ALLMULTI ? VIRTIO_NET_F_CTRL_RX : VIRTIO_NET_F_CTRL_RX_EXTRA;
    if (!HAS(n, needs) || c->len != 1)
        return VIRTIO_NET_ERR;
    *flag[c->cmd] = c->data[0] != 0;
    return VIRTIO_NET_OK;
}

/* TABLE_SET: two virtio_net_ctrl_mac {le32 entries; u8 macs[entries][6]} back to
 * back, unicast then multicast. More than the table holds turns on the matching
 * overflow (accept all of that kind), as QEMU does. */
static uint8_t ctrl_mac_table(VirtioNet *n, Cmd *c)
{
    size_t off = 0;
    uint32_t cnt[2];
    size_t at[2];
    for (int t = 0; t < 2; t++) {
        if (c->len - off < 4)
            return VIRTIO_NET_ERR;
        cnt[t] = ld32_le(c->data + off);
        off += 4;
        if (cnt[t] > (c->len - off) / 6)
            return VIRTIO_NET_ERR;
        at[t] = off;
        off += (size_t)cnt[t] * 6;
    }
    if (off != c->len)
        return VIRTIO_NET_ERR;
    snprintf(c->args, sizeof c->args, "%u unicast %u multicast", cnt[0], cnt[1]);
    n->n_uni = n->n_multi = 0;
    n->uni_overflow = cnt[0] > VIRTIO_NET_MAC_TABLE;
    if (!n->uni_overflow) {
        memcpy(n->macs, c->data + at[0], (size_t)cnt[0] * 6);
        n->n_uni = cnt[0];
    }
    n->multi_overflow = cnt[1] > VIRTIO_NET_MAC_TABLE - n->n_uni;
    if (!n->multi_overflow) {
        memcpy(n->macs[n->n_uni], c->data + at[1], (size_t)cnt[1] * 6);
        n->n_multi = cnt[1];
    }
    return VIRTIO_NET_OK;
}

static uint8_t ctrl_mac(VirtioNet *n, Cmd *c)
{
    if (c->cmd == VIRTIO_NET_CTRL_MAC_TABLE_SET) {
        snprintf(c->args, sizeof c->args, "(%zu bytes)", c->len);
        return HAS(n, VIRTIO_NET_F_CTRL_RX) ? ctrl_mac_table(n, c) : VIRTIO_NET_ERR;
    }
    if (c->cmd != VIRTIO_NET_CTRL_MAC_ADDR_SET)
        return VIRTIO_NET_ERR;
    snprintf(c->args, sizeof c->args, "(%zu bytes)", c->len);
    if (!HAS(n, VIRTIO_NET_F_CTRL_MAC_ADDR) || c->len != 6)
        return VIRTIO_NET_ERR;
    const uint8_t *m = c->data;
    snprintf(c->args, sizeof c->args, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    memcpy(n->mac, m, 6);
    /* The config mac changed: a new generation, but no config interrupt, since the
     * driver that changed it already knows (QEMU does not notify either). */
    virtio_config_touch(&n->vdev);
    return VIRTIO_NET_OK;
}

static uint8_t ctrl_vlan(VirtioNet *n, Cmd *c)
{
    unsigned vid = c->len == 2 ? ld16_le(c->data) : 0xffff;
    snprintf(c->args, sizeof c->args, "%u", vid);
    if (!HAS(n, VIRTIO_NET_F_CTRL_VLAN) || c->len != 2 || vid >= 4096 || c->cmd > VIRTIO_NET_CTRL_VLAN_DEL)
        return VIRTIO_NET_ERR;
    if (c->cmd == VIRTIO_NET_CTRL_VLAN_ADD)
        n->vlans[vid >> 5] |= 1u << (vid & 31);
    else
        n->vlans[vid >> 5] &= ~(1u << (vid & 31));
    return VIRTIO_NET_OK;
}

static uint8_t ctrl_announce(VirtioNet *n, Cmd *c)
{
    if (!HAS(n, VIRTIO_NET_F_GUEST_ANNOUNCE) || c->cmd != VIRTIO_NET_CTRL_ANNOUNCE_ACK ||
        !(n->status & VIRTIO_NET_S_ANNOUNCE))
        return VIRTIO_NET_ERR;
    n->status &= (uint16_t)~VIRTIO_NET_S_ANNOUNCE;
    virtio_config_touch(&n->vdev);   /* status changed: a new generation (§2.5.1) */
    return VIRTIO_NET_OK;
}

static uint8_t ctrl_mq(VirtioNet *n, Cmd *c)
{
    unsigned pairs = c->len == 2 ? ld16_le(c->data) : 0;
    snprintf(c->args, sizeof c->args, "%u", pairs);
    /* RSS_CONFIG and HASH_CONFIG need features this device does not offer. */
    if (!HAS(n, VIRTIO_NET_F_MQ) || c->cmd != VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET || pairs < 1 || pairs > n->cfg.max_pairs)
        return VIRTIO_NET_ERR;
    n->curr_pairs = (uint16_t)pairs;
    return VIRTIO_NET_OK;
}

static uint8_t ctrl_offloads(VirtioNet *n, Cmd *c)
{
    uint64_t o = c->len == 8 ? ld64_le(c->data) : ~0ull;
    snprintf(c->args, sizeof c->args, "%#llx", (unsigned long long)o);
    /* Only offloads the driver negotiated may be switched on (§5.1.6.5.6.2). */
    uint64_t allowed = n->vdev.guest_features & VNET_BIT(VIRTIO_NET_F_GUEST_CSUM);
    if (!HAS(n, VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) || c->cmd != VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET || (o & ~allowed))
        return VIRTIO_NET_ERR;
    n->guest_offloads = o;
    return VIRTIO_NET_OK;
}

static uint8_t (*const ctrl_class[])(VirtioNet *, Cmd *) = {
    [VIRTIO_NET_CTRL_RX] = ctrl_rx,
    [VIRTIO_NET_CTRL_MAC] = ctrl_mac,
    [VIRTIO_NET_CTRL_VLAN] = ctrl_vlan,
    [VIRTIO_NET_CTRL_ANNOUNCE] = ctrl_announce,
    [VIRTIO_NET_CTRL_MQ] = ctrl_mq,
    [VIRTIO_NET_CTRL_GUEST_OFFLOADS] = ctrl_offloads,
};

/* One control chain: {u8 class, u8 command, data...} readable, ack writable. false
 * when the device had to stop. */
static bool ctrl_one(VirtioNet *n, unsigned q, const VqElem *e)
{
    if (e->out_len < 2 || e->in_len < 1) {
        virtio_error(&n->vdev, "ctrl queue %u: chain %u lacks the class/command header or the ack byte", q, e->id);
        return false;
    }
    uint8_t ack = VIRTIO_NET_ERR;
    uint8_t head[2];
    Cmd c = { 0 };
    uint64_t dlen = e->out_len - 2;
    if (virtio_elem_read(&n->vdev, q, e, 0, head, 2) != 2 ||
        (dlen <= SCRATCH_LEN && virtio_elem_read(&n->vdev, q, e, 2, n->buf, dlen) != (int64_t)dlen)) {
        virtio_error(&n->vdev, "ctrl queue %u: DMA refused reading chain %u", q, e->id);
        return false;
    }
    c.cls = head[0];
    c.cmd = head[1];
    c.data = n->buf;
    c.len = (size_t)dlen;
    const char *name = ctrl_name(c.cls, c.cmd);
    if (name)
        snprintf(c.args, sizeof c.args, "(%llu bytes)", (unsigned long long)dlen);
    else
        snprintf(c.args, sizeof c.args, "(class %u command %u, %llu bytes)", c.cls, c.cmd, (unsigned long long)dlen);
    if (dlen <= SCRATCH_LEN && c.cls < ARRAY_SIZE(ctrl_class) && ctrl_class[c.cls])
        ack = ctrl_class[c.cls](n, &c);
    TRACE(n->vdev.tracer, net_ctrl, n->vdev.info.name, (uint16_t)q, name ? name : "?",
          ack == VIRTIO_NET_OK ? "OK" : "ERR", c.args);
    if (ack == VIRTIO_NET_OK)
        n->stats.ctrl_ok++;
    else
        n->stats.ctrl_err++;
    /* The ack is the first device-writable byte: §5.1.6.5 puts any command-specific
     * result after it, and §2.7.8.1 has the used len count bytes written from the start
     * of the writable part, so len 1 must cover the ack itself. */
    if (virtio_elem_write(&n->vdev, q, e, 0, &ack, 1) != 1) {
        virtio_error(&n->vdev, "ctrl queue %u: DMA refused writing the ack of chain %u", q, e->id);
        return false;
    }
    if (virtio_queue_push(&n->vdev, q, e, 1) < 0)
        return false;
    return true;
}

static void ctrl_handle(VirtioNet *n, unsigned q)
{
    unsigned done = 0;
    /* §2.1.2: no buffer is consumed before DRIVER_OK; net_set_status takes them then. */
    if (!virtio_driver_ok(&n->vdev))
        return;
    while (virtio_queue_pop(&n->vdev, q, &n->elem) > 0 && ctrl_one(n, q, &n->elem))
        done++;
    if (done)
        virtio_queue_complete(&n->vdev, q);
}

/* ---- notifications ---- */

static void net_queue_notify(VirtioDevice *vd, unsigned q)
{
    VirtioNet *n = net_of(vd);
    if (OFFERED(n, VIRTIO_NET_F_CTRL_VQ) && q == virtio_net_ctrl_queue(n)) {
        ctrl_handle(n, q);
        return;
    }
    /* Without MQ the driver sees one pair and the control queue at 2 (§5.1.2). */
    if (!HAS(n, VIRTIO_NET_F_MQ) && q > 1) {
        note(n, "notify of queue %u, which is not in use without MQ", q);
        return;
    }
    if (q >= 2u * n->cfg.max_pairs)
        return;
    if (q & 1)
        tx_flush(n, q / 2);
    else
        peer_rx_ready(n);
}

static const VirtioDeviceOps net_ops = {
    .config_read = net_config_read,
    .config_write = net_config_write,
    .config_regs = config_regs,
    .n_config_regs = ARRAY_SIZE(config_regs),
    .queue_notify = net_queue_notify,
    .reset = net_reset,
    .validate_features = net_validate_features,
    .set_status = net_set_status,
};

/* ---- life cycle ---- */

void virtio_net_config_default(VirtioNetConfig *c)
{
    *c = (VirtioNetConfig){
        .mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
        .features = VIRTIO_NET_DEFAULT_FEATURES,
        .mtu = 1500,
        .max_pairs = 4,
        .queue_size = 256,
        .name = "virtio-net",
    };
}

int virtio_net_init(VirtioNet *n, const VirtioNetConfig *cfg, Err *err)
{
    memset(n, 0, sizeof *n);
    n->cfg = *cfg;
    if (!n->cfg.name)
        n->cfg.name = "virtio-net";
    if (n->cfg.max_pairs < 1 || n->cfg.max_pairs > VIRTIO_NET_MAX_PAIRS)
        return err_set(err, "virtio-net: %u queue pairs (1..%u)", n->cfg.max_pairs, VIRTIO_NET_MAX_PAIRS);
    if (n->cfg.mtu < 68)
        return err_set(err, "virtio-net: mtu %u is below 68 (§5.1.4.1)", n->cfg.mtu);
    if (cfg->mac[0] & 1)
        return err_set(err, "virtio-net: mac %02x:%02x:%02x:%02x:%02x:%02x is multicast", cfg->mac[0], cfg->mac[1],
                       cfg->mac[2], cfg->mac[3], cfg->mac[4], cfg->mac[5]);
    /* Switching a feature off switches off what depends on it (-ctrl_vq means no
     * control queue, so no CTRL_RX, MQ, ...), so the offer always obeys §5.1.3.1.
     * The table lists CTRL_RX before CTRL_RX_EXTRA, so one pass settles chains. */
    uint64_t f = cfg->features;
    for (size_t i = 0; i < ARRAY_SIZE(feature_deps); i++)
        if (!(f >> feature_deps[i].needs & 1))
            f &= ~VNET_BIT(feature_deps[i].bit);
    n->cfg.features = f;
    if (!(f >> VIRTIO_NET_F_MQ & 1))
        n->cfg.max_pairs = 1;
    VirtioDeviceInfo info = {
        .name = n->cfg.name,
        .device_id = VIRTIO_ID_NET,
        .num_queues = 2u * n->cfg.max_pairs + ((f >> VIRTIO_NET_F_CTRL_VQ & 1) ? 1 : 0),
        .queue_size = n->cfg.queue_size,
        .features = f,
        .config_size = VIRTIO_NET_CONFIG_SIZE,
    };
    if (virtio_init(&n->vdev, &info, &net_ops, err) < 0)
        return -1;
    n->held = calloc(n->cfg.max_pairs, sizeof *n->held);
    n->buf = malloc(SCRATCH_LEN);
    if (!n->held || !n->buf) {
        virtio_net_destroy(n);
        return err_set(err, "virtio-net: out of memory");
    }
    n->status = cfg->link_down ? 0 : VIRTIO_NET_S_LINK_UP;
    net_reset(&n->vdev);
    return 0;
}

void virtio_net_destroy(VirtioNet *n)
{
    if (n->held)
        for (unsigned p = 0; p < n->cfg.max_pairs; p++) {
            for (unsigned i = 0; i < n->held[p].cap; i++)
                vq_elem_free(&n->held[p].elem[i]);
            free(n->held[p].elem);
        }
    free(n->held);
    free(n->buf);
    vq_elem_free(&n->elem);
    virtio_destroy(&n->vdev);
    n->held = NULL;
    n->buf = NULL;
}

/* ---- snapshots (snap/snap.h) ---- */

static const SnapField virtio_net_fields[] = {
    SNAP_FIELD(VirtioNet, mac), SNAP_FIELD(VirtioNet, status), SNAP_FIELD(VirtioNet, curr_pairs),
    SNAP_FIELD(VirtioNet, guest_offloads), SNAP_FIELD(VirtioNet, promisc), SNAP_FIELD(VirtioNet, allmulti),
    SNAP_FIELD(VirtioNet, alluni), SNAP_FIELD(VirtioNet, nomulti), SNAP_FIELD(VirtioNet, nouni),
    SNAP_FIELD(VirtioNet, nobcast), SNAP_FIELD(VirtioNet, macs), SNAP_FIELD(VirtioNet, n_uni),
    SNAP_FIELD(VirtioNet, n_multi), SNAP_FIELD(VirtioNet, uni_overflow),
    SNAP_FIELD(VirtioNet, multi_overflow), SNAP_FIELD(VirtioNet, vlans), SNAP_FIELD(VirtioNet, stats),
};

/* The receive chains held for a merged frame, pair by pair, segment by segment. */
static int virtio_net_snap_save(void *obj, SnapBuf *b, Err *err)
{
    (void)err;
    VirtioNet *n = obj;
    for (unsigned p = 0; p < n->cfg.max_pairs; p++) {
        const VirtioNetRxHeld *h = &n->held[p];
        snap_put_u32(b, h->n);
        for (unsigned i = 0; i < h->n; i++) {
            const VqElem *e = &h->elem[i];
            snap_put_u32(b, e->id);
            snap_put_u32(b, e->ndescs);
            snap_put_u32(b, e->nseg);
            snap_put_u32(b, e->nout);
            snap_put_u64(b, e->out_len);
            snap_put_u64(b, e->in_len);
            for (unsigned s = 0; s < e->nseg; s++) {
                snap_put_u64(b, e->seg[s].addr);
                snap_put_u32(b, e->seg[s].len);
                snap_put(b, &e->seg[s].writable, 1);
            }
        }
    }
    return 0;
}

static int virtio_net_snap_load(void *obj, SnapIn *in, Err *err)
{
    VirtioNet *n = obj;
    for (unsigned p = 0; p < n->cfg.max_pairs; p++) {
        VirtioNetRxHeld *h = &n->held[p];
        uint32_t cnt = snap_get_u32(in);
        if (in->bad || cnt > n->cfg.queue_size)
            return err_set(err, "snapshot: virtio-net pair %u: %u held chains", p, cnt);
        h->n = 0;
        while (h->cap < cnt)
            if (!held_grow(h))
                return err_set(err, "snapshot: out of memory");
        for (unsigned i = 0; i < cnt; i++) {
            VqElem *e = &h->elem[i];
            e->id = (uint16_t)snap_get_u32(in);
            e->ndescs = (uint16_t)snap_get_u32(in);
            uint32_t nseg = snap_get_u32(in);
            e->nout = snap_get_u32(in);
            e->out_len = snap_get_u64(in);
            e->in_len = snap_get_u64(in);
            if (in->bad || nseg > 4u * n->cfg.queue_size || e->nout > nseg)
                return err_set(err, "snapshot: virtio-net pair %u: bad held chain", p);
            if (!vq_grow((void **)&e->seg, &e->cap, nseg ? nseg : 1, sizeof *e->seg))
                return err_set(err, "snapshot: out of memory");
            e->nseg = nseg;
            for (unsigned s = 0; s < nseg; s++) {
                e->seg[s].addr = snap_get_u64(in);
                e->seg[s].len = snap_get_u32(in);
                uint8_t w = 0;
                snap_get(in, &w, 1);
                e->seg[s].writable = w != 0;
            }
        }
        if (in->bad)
            return err_set(err, "snapshot: virtio-net pair %u: truncated held chains", p);
        h->n = cnt;
    }
    return 0;
}

static void virtio_net_snap_children(void *obj, SnapReg *r)
{
    VirtioNet *n = obj;
    snap_add(r, &virtio_snap, &n->vdev, n->vdev.info.name);
}

const SnapDesc virtio_net_snap = SNAP_DESC("virtio-net", 1, VirtioNet, virtio_net_fields,
                                           .save = virtio_net_snap_save, .load = virtio_net_snap_load,
                                           .children = virtio_net_snap_children);
