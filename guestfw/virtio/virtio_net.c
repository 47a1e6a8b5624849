/* The virtio-net driver (virtio 1.2 §5.1 "Network Device"), following the order of
 * Linux's virtnet_probe: negotiate, read the config (§5.1.4), find the queues (rx N =
 * 2N, tx N = 2N+1, control last, §5.1.2), fill the receive rings (try_fill_recv),
 * DRIVER_OK, register the interface. Frames travel with the virtio_net_hdr of §5.1.6;
 * control commands follow §5.1.6.5. Interrupts only schedule work (NAPI-style): the
 * frames are delivered from netdev poll, so the stack is never re-entered. */
#include "fdt.h"
#include "libc.h"
#include "platform.h"
#include "virtio/virtio.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_pci.h"
#include "virtio/virtio_ring.h"

/* Device config layout (§5.1.4). */
#define CFG_MAC        0
#define CFG_STATUS     6
#define CFG_MAX_PAIRS  8
#define CFG_MTU        10

/* virtio_net_hdr (§5.1.6) field offsets. */
#define HDR_FLAGS       0
#define HDR_CSUM_START  6
#define HDR_CSUM_OFFSET 8
#define HDR_NUM_BUFFERS 10
#define HDR_ROOM        16      /* the largest header, rounded: frame data starts here */

#define ETH_HLEN        14
#define VLAN_HLEN       4
#define MIN_MTU         68
#define TX_SLOTS_MAX    64      /* tx buffers per queue (bounded by the ring size) */
#define RX_SCRATCH      16384   /* a merged frame is reassembled here */
#define RX_BUDGET       64      /* frames per queue per poll, like a NAPI weight */
#define CTRL_DATA_MAX   512
#define CTRL_TIMEOUT_MS 500     /* virtual time */

struct vnet_rq {
    struct virtqueue *vq;
    uint8_t *bufs;              /* nbufs slots of stride bytes */
    unsigned nbufs, stride;
    bool pending;               /* an interrupt asked for a poll */
};

struct vnet_sq {
    struct virtqueue *vq;
    uint8_t *bufs;              /* nslots slots of stride bytes */
    unsigned nslots, stride;
    uint16_t *free_slots;
    unsigned nfree;
};

struct vnet {
    struct netdev nd;
    struct virtio_device *vdev;
    struct vnet_rq rq[VIRTIO_NET_MAX_PAIRS];
    struct vnet_sq sq[VIRTIO_NET_MAX_PAIRS];
    struct virtqueue *cvq;
    unsigned max_pairs, curr_pairs, dev_pairs;
    unsigned hdr_len, max_frame;
    bool mergeable, any_layout, csum_tx, guest_csum, ctrl_broken, in_poll;
    uint16_t config_status, mtu;
    uint8_t *scratch;
    /* control command buffers: {class, cmd}, data, ack */
    uint8_t *ctrl_hdr, *ctrl_data, *ctrl_ack;
    unsigned rx_posted0;
    uint64_t rx_irqs, config_irqs;
    char name[8];
};

static unsigned netdev_count;

static const unsigned vnet_features[] = {
    VIRTIO_NET_F_MAC, VIRTIO_NET_F_STATUS, VIRTIO_NET_F_MTU, VIRTIO_NET_F_MRG_RXBUF,
    VIRTIO_NET_F_CSUM, VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_CTRL_VQ, VIRTIO_NET_F_CTRL_RX,
    VIRTIO_NET_F_CTRL_VLAN, VIRTIO_NET_F_CTRL_MAC_ADDR, VIRTIO_NET_F_MQ,
    VIRTIO_NET_F_GUEST_ANNOUNCE,
};

static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline uint16_t get_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline void put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static struct vnet *vnet_of(struct netdev *nd) { return nd->priv; }

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

/* ---- feature validation (before FEATURES_OK) ---- */

static void clear_feature(struct virtio_device *vdev, unsigned bit, const char *why)
{
    if (!virtio_has_feature(vdev, bit))
        return;
    vdev->features &= ~(1ull << bit);
    printf("virtio-net: not accepting %s (%s)\n", virtio_feature_name(VIRTIO_ID_NET, bit), why);
}

static void vnet_validate(struct virtio_device *vdev)
{
    /* Bootarg switches use QEMU's property names. */
    static const struct { const char *arg; unsigned bit; } switches[] = {
        { "csum", VIRTIO_NET_F_CSUM }, { "guest_csum", VIRTIO_NET_F_GUEST_CSUM },
        { "mrg_rxbuf", VIRTIO_NET_F_MRG_RXBUF }, { "mq", VIRTIO_NET_F_MQ },
        { "ctrl_vq", VIRTIO_NET_F_CTRL_VQ }, { "status", VIRTIO_NET_F_STATUS },
        { "mtu", VIRTIO_NET_F_MTU }, { "mac", VIRTIO_NET_F_MAC },
    };
    for (size_t i = 0; i < sizeof switches / sizeof switches[0]; i++)
        if (bootarg_is(switches[i].arg, "off"))
            clear_feature(vdev, switches[i].bit, "switched off on the command line");
    /* Everything on the control queue depends on it (§5.1.3.1). */
    if (!virtio_has_feature(vdev, VIRTIO_NET_F_CTRL_VQ)) {
        static const unsigned deps[] = { VIRTIO_NET_F_CTRL_RX, VIRTIO_NET_F_CTRL_VLAN,
            VIRTIO_NET_F_GUEST_ANNOUNCE, VIRTIO_NET_F_MQ, VIRTIO_NET_F_CTRL_MAC_ADDR };
        for (size_t i = 0; i < sizeof deps / sizeof deps[0]; i++)
            clear_feature(vdev, deps[i], "needs CTRL_VQ");
    }
    if (virtio_has_feature(vdev, VIRTIO_NET_F_MTU)) {
        uint16_t mtu = 0;
        virtio_cread_bytes(vdev, CFG_MTU, &mtu, 2);
        if (mtu < MIN_MTU)
            clear_feature(vdev, VIRTIO_NET_F_MTU, "device mtu below 68");
    }
    if (virtio_has_feature(vdev, VIRTIO_NET_F_MQ)) {
        uint16_t pairs = 0;
        virtio_cread_bytes(vdev, CFG_MAX_PAIRS, &pairs, 2);
        if (pairs < VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN || pairs > VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX)
            clear_feature(vdev, VIRTIO_NET_F_MQ, "max_virtqueue_pairs out of range");
    }
}

/* ---- control queue (§5.1.6.5) ---- */

static const char *ctrl_name(uint8_t cls, uint8_t cmd)
{
    static const char *const rx[] = { "RX PROMISC", "RX ALLMULTI", "RX ALLUNI", "RX NOMULTI",
                                      "RX NOUNI", "RX NOBCAST" };
    switch (cls) {
    case VIRTIO_NET_CTRL_RX: return cmd < 6 ? rx[cmd] : "RX ?";
    case VIRTIO_NET_CTRL_MAC: return cmd == 0 ? "MAC TABLE_SET" : cmd == 1 ? "MAC ADDR_SET" : "MAC ?";
    case VIRTIO_NET_CTRL_VLAN: return cmd == 0 ? "VLAN ADD" : cmd == 1 ? "VLAN DEL" : "VLAN ?";
    case VIRTIO_NET_CTRL_ANNOUNCE: return "ANNOUNCE ACK";
    case VIRTIO_NET_CTRL_MQ: return "MQ VQ_PAIRS_SET";
    default: return "?";
    }
}

/* Sends one command and waits (polling, bounded in virtual time) for the ack.
 * 0 on VIRTIO_NET_OK, -1 otherwise. A command that times out leaves its buffer with
 * the device, so the control queue is not used again. */
static int vnet_send_command(struct vnet *vi, uint8_t cls, uint8_t cmd, const void *data,
                             unsigned len)
{
    struct virtio_device *vdev = vi->vdev;
    const char *what = ctrl_name(cls, cmd);
    if (!vi->cvq || vi->ctrl_broken || vdev->broken || len > CTRL_DATA_MAX)
        return -1;
    vi->ctrl_hdr[0] = cls;
    vi->ctrl_hdr[1] = cmd;
    if (len)
        memcpy(vi->ctrl_data, data, len);
    *(volatile uint8_t *)vi->ctrl_ack = 0xff;  /* neither OK nor ERR until written */
    struct vq_sg out[2] = { { vi->ctrl_hdr, 2 }, { vi->ctrl_data, len } };
    struct vq_sg in[1] = { { vi->ctrl_ack, 1 } };
    if (virtqueue_add_sgs(vi->cvq, out, len ? 2 : 1, in, 1, vi) != 0) {
        printf("virtio-net: ctrl %s: control queue full\n", what);
        return -1;
    }
    virtqueue_kick(vi->cvq);
    uint64_t deadline = rdtime() + timebase_hz() * CTRL_TIMEOUT_MS / 1000;
    uint32_t written = 0;
    void *tok;
    while ((tok = virtqueue_get_buf(vi->cvq, &written)) == NULL) {
        if (vi->cvq->broken || virtio_check_needs_reset(vdev)) {
            vi->ctrl_broken = true;
            return -1;
        }
        if (rdtime() > deadline) {
            printf("virtio-net: ctrl %s: no answer within %u ms; control queue abandoned\n",
                   what, CTRL_TIMEOUT_MS);
            vi->ctrl_broken = true;
            return -1;
        }
    }
    uint8_t ack = *(volatile uint8_t *)vi->ctrl_ack;
    if (written < 1) {
        printf("virtio-net: ctrl %s: device wrote no ack\n", what);
        return -1;
    }
    printf("virtio-net: ctrl %s: %s\n", what,
           ack == VIRTIO_NET_OK ? "OK" : ack == VIRTIO_NET_ERR ? "ERR" : "bad ack");
    return ack == VIRTIO_NET_OK ? 0 : -1;
}

static int vnet_set_mac(struct netdev *nd, const uint8_t mac[6])
{
    struct vnet *vi = vnet_of(nd);
    struct virtio_device *vdev = vi->vdev;
    if (virtio_has_feature(vdev, VIRTIO_NET_F_CTRL_MAC_ADDR)) {
        if (vnet_send_command(vi, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, mac, 6) != 0)
            return -1;
    } else if (vdev->legacy && !virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) {
        /* Legacy devices take the address through the (then writable) config. */
        for (unsigned i = 0; i < 6; i++)
            vdev->config->set_config(vdev, CFG_MAC + i, &mac[i], 1);
        printf("virtio-net: mac written to legacy config space\n");
    } else {
        return -1;
    }
    memcpy(nd->mac, mac, 6);
    return 0;
}

static int vnet_set_rx_mode(struct netdev *nd, unsigned cmd, bool on)
{
    struct vnet *vi = vnet_of(nd);
    if (!virtio_has_feature(vi->vdev, VIRTIO_NET_F_CTRL_RX) || cmd > VIRTIO_NET_CTRL_RX_NOBCAST)
        return -1;
    uint8_t v = on ? 1 : 0;
    return vnet_send_command(vi, VIRTIO_NET_CTRL_RX, (uint8_t)cmd, &v, 1);
}

static int vnet_set_mac_table(struct netdev *nd, const uint8_t (*uni)[6], unsigned n_uni,
                              const uint8_t (*multi)[6], unsigned n_multi)
{
    struct vnet *vi = vnet_of(nd);
    if (!virtio_has_feature(vi->vdev, VIRTIO_NET_F_CTRL_RX))
        return -1;
    /* Two struct virtio_net_ctrl_mac back to back: le32 entries, then the MACs. */
    unsigned len = 4 + 6 * n_uni + 4 + 6 * n_multi;
    if (len > CTRL_DATA_MAX)
        return -1;
    uint8_t buf[CTRL_DATA_MAX];
    uint8_t *p = buf;
    uint32_t n = n_uni;
    memcpy(p, &n, 4);
    p += 4;
    for (unsigned i = 0; i < n_uni; i++, p += 6)
        memcpy(p, uni[i], 6);
    n = n_multi;
    memcpy(p, &n, 4);
    p += 4;
    for (unsigned i = 0; i < n_multi; i++, p += 6)
        memcpy(p, multi[i], 6);
    return vnet_send_command(vi, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, buf, len);
}

static int vnet_vlan(struct netdev *nd, bool add, uint16_t vid)
{
    struct vnet *vi = vnet_of(nd);
    if (!virtio_has_feature(vi->vdev, VIRTIO_NET_F_CTRL_VLAN) || vid > 4095)
        return -1;
    uint8_t v[2];
    put16(v, vid);
    return vnet_send_command(vi, VIRTIO_NET_CTRL_VLAN,
                             add ? VIRTIO_NET_CTRL_VLAN_ADD : VIRTIO_NET_CTRL_VLAN_DEL, v, 2);
}

static int vnet_set_queue_pairs(struct netdev *nd, unsigned n)
{
    struct vnet *vi = vnet_of(nd);
    if (n < 1 || n > vi->max_pairs)
        return -1;
    if (!virtio_has_feature(vi->vdev, VIRTIO_NET_F_MQ))
        return n == 1 ? 0 : -1;
    uint8_t v[2];
    put16(v, (uint16_t)n);
    if (vnet_send_command(vi, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, v, 2) != 0)
        return -1;
    vi->curr_pairs = n;
    nd->queue_pairs = n;
    return 0;
}

static int vnet_announce_ack(struct netdev *nd)
{
    struct vnet *vi = vnet_of(nd);
    if (!virtio_has_feature(vi->vdev, VIRTIO_NET_F_GUEST_ANNOUNCE))
        return -1;
    return vnet_send_command(vi, VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0);
}

/* ---- receive ---- */

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

/* Posts every free buffer (Linux's try_fill_recv); returns how many were added. */
static unsigned try_fill_recv(struct vnet *vi, struct vnet_rq *rq)
{
    unsigned added = 0;
    for (unsigned i = 0; i < rq->nbufs; i++) {
        uint8_t *slot = rq->bufs + (size_t)i * rq->stride;
        bool in_flight = false;
        for (unsigned h = 0; h < rq->vq->num && !in_flight; h++)
            in_flight = rq->vq->data[h] == slot;
        if (in_flight)
            continue;
        if (add_recvbuf(vi, rq, slot) != 0)
            break;
        added++;
    }
    return added;
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

/* Checksum offload (§5.1.6.2): for an IPv4 TCP/UDP frame, replace the finished
 * checksum with the pseudo-header sum and let the device complete it from
 * csum_start. Returns true when the header asks for it. */
static bool offload_csum(uint8_t *hdr, uint8_t *frame, size_t len)
{
    size_t l3 = ETH_HLEN;
    uint16_t type = get_be16(frame + 12);
    if (type == 0x8100 && len >= ETH_HLEN + VLAN_HLEN) {
        type = get_be16(frame + 16);
        l3 += VLAN_HLEN;
    }
    if (type != 0x0800 || len < l3 + 20)
        return false;
    const uint8_t *ip = frame + l3;
    unsigned ihl = (ip[0] & 0xf) * 4u;
    unsigned tot = get_be16(ip + 2);
    uint8_t proto = ip[9];
    if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl || l3 + tot > len)
        return false;
    if (get_be16(ip + 6) & 0x3fff)        /* a fragment: not a whole L4 packet */
        return false;
    unsigned off = proto == 17 ? 6 : proto == 6 ? 16 : 0;
    size_t l4 = l3 + ihl, l4len = tot - ihl;
    if (!off || l4len < off + 2)
        return false;
    if (proto == 17 && get_be16(frame + l4 + off) == 0)
        return false;                     /* UDP sent without a checksum */
    uint32_t sum = csum_add(0, ip + 12, 8);
    sum += proto;
    sum += (uint32_t)l4len;
    put_be16(frame + l4 + off, csum_fold(sum));
    hdr[HDR_FLAGS] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    put16(hdr + HDR_CSUM_START, (uint16_t)l4);
    put16(hdr + HDR_CSUM_OFFSET, (uint16_t)off);
    return true;
}

static int vnet_xmit(struct netdev *nd, unsigned qp, const void *frame, size_t len)
{
    struct vnet *vi = vnet_of(nd);
    if (vi->vdev->broken || qp >= vi->curr_pairs || len < ETH_HLEN || len > vi->max_frame) {
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
    memset(hdr, 0, HDR_ROOM);
    memcpy(data, frame, len);
    if (vi->csum_tx)
        offload_csum(hdr, data, len);
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

/* ---- poll and interrupts ---- */

static int vnet_poll(struct netdev *nd)
{
    struct vnet *vi = vnet_of(nd);
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
static void vnet_rx_done(struct virtqueue *vq)
{
    struct vnet_rq *rq = vq->priv;
    struct vnet *vi = vq->vdev->priv;
    vi->rx_irqs++;
    virtqueue_disable_cb(vq);
    rq->pending = true;
}

static void vnet_tx_done(struct virtqueue *vq)
{
    /* Completions are reclaimed by xmit and poll; keep the interrupt off. */
    virtqueue_disable_cb(vq);
}

static void vnet_read_status(struct vnet *vi)
{
    uint16_t st = VIRTIO_NET_S_LINK_UP;
    if (virtio_has_feature(vi->vdev, VIRTIO_NET_F_STATUS))
        virtio_cread_bytes(vi->vdev, CFG_STATUS, &st, 2);
    vi->config_status = st;
    vi->nd.link_up = st & VIRTIO_NET_S_LINK_UP;
}

static void vnet_config_changed(struct virtio_device *vdev)
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

static const struct netdev_ops vnet_ops = {
    .xmit = vnet_xmit,
    .poll = vnet_poll,
    .set_mac = vnet_set_mac,
    .set_rx_mode = vnet_set_rx_mode,
    .set_mac_table = vnet_set_mac_table,
    .vlan = vnet_vlan,
    .set_queue_pairs = vnet_set_queue_pairs,
    .announce_ack = vnet_announce_ack,
};

/* ---- probe ---- */

static int read_config(struct vnet *vi)
{
    struct virtio_device *vdev = vi->vdev;
    struct netdev *nd = &vi->nd;
    if (virtio_has_feature(vdev, VIRTIO_NET_F_MAC)) {
        if (virtio_cread_bytes(vdev, CFG_MAC, nd->mac, 6) != 0)
            return -1;
    } else {
        /* A fixed, locally administered address keeps runs deterministic. */
        static const uint8_t local[6] = { 0x02, 0x52, 0x53, 0x00, 0x00, 0x01 };
        memcpy(nd->mac, local, 6);
        nd->mac[5] = (uint8_t)(nd->mac[5] + netdev_count);
    }
    vnet_read_status(vi);
    vi->max_pairs = 1;
    if (virtio_has_feature(vdev, VIRTIO_NET_F_MQ)) {
        uint16_t p = 1;
        if (virtio_cread_bytes(vdev, CFG_MAX_PAIRS, &p, 2) != 0)
            return -1;
        vi->max_pairs = p;
    }
    unsigned dev_pairs = vi->max_pairs;
    vi->dev_pairs = dev_pairs;
    if (vi->max_pairs > VIRTIO_NET_MAX_PAIRS)
        vi->max_pairs = VIRTIO_NET_MAX_PAIRS;
    vi->mtu = 1500;
    if (virtio_has_feature(vdev, VIRTIO_NET_F_MTU)) {
        uint16_t m = 0;
        if (virtio_cread_bytes(vdev, CFG_MTU, &m, 2) != 0)
            return -1;
        vi->mtu = m;
    }
    nd->mtu = vi->mtu;
    printf("virtio-net: config: mac %02x:%02x:%02x:%02x:%02x:%02x%s status 0x%x (link %s) "
           "max_virtqueue_pairs %u (using %u) mtu %u%s\n",
           nd->mac[0], nd->mac[1], nd->mac[2], nd->mac[3], nd->mac[4], nd->mac[5],
           virtio_has_feature(vdev, VIRTIO_NET_F_MAC) ? "" : " (generated)", vi->config_status,
           nd->link_up ? "up" : "down", dev_pairs, vi->max_pairs, vi->mtu,
           virtio_has_feature(vdev, VIRTIO_NET_F_MTU) ? "" : " (default)");
    return 0;
}

static int init_vqs(struct vnet *vi)
{
    static const char *const rx_names[] = { "rx0", "rx1", "rx2", "rx3" };
    static const char *const tx_names[] = { "tx0", "tx1", "tx2", "tx3" };
    struct virtio_device *vdev = vi->vdev;
    bool ctrl = virtio_has_feature(vdev, VIRTIO_NET_F_CTRL_VQ);
    unsigned n = 2 * vi->max_pairs + (ctrl ? 1 : 0);
    struct virtqueue *vqs[2 * VIRTIO_NET_MAX_PAIRS + 1];
    vq_callback_fn *cbs[2 * VIRTIO_NET_MAX_PAIRS + 1];
    const char *names[2 * VIRTIO_NET_MAX_PAIRS + 1];
    unsigned idx[2 * VIRTIO_NET_MAX_PAIRS + 1];
    for (unsigned q = 0; q < vi->max_pairs; q++) {
        cbs[2 * q] = vnet_rx_done;
        cbs[2 * q + 1] = vnet_tx_done;
        names[2 * q] = rx_names[q];
        names[2 * q + 1] = tx_names[q];
        idx[2 * q] = 2 * q;
        idx[2 * q + 1] = 2 * q + 1;
    }
    /* The control queue is the last one whatever the device's pair count (§5.1.2):
     * with MQ its index is 2 * max_virtqueue_pairs, not 2 * the pairs we use. */
    if (ctrl) {
        cbs[n - 1] = NULL;
        names[n - 1] = "ctrl";
        idx[n - 1] = 2 * vi->dev_pairs;
    }
    printf("virtio-net: find_vqs: %u queue pair%s%s\n", vi->max_pairs,
           vi->max_pairs == 1 ? "" : "s", ctrl ? " + control queue" : "");
    if (vdev->config->find_vqs(vdev, n, vqs, cbs, names, idx) != 0)
        return -1;
    for (unsigned q = 0; q < vi->max_pairs; q++) {
        vi->rq[q].vq = vqs[2 * q];
        vi->sq[q].vq = vqs[2 * q + 1];
        vqs[2 * q]->priv = &vi->rq[q];
        vqs[2 * q + 1]->priv = &vi->sq[q];
    }
    if (ctrl)
        vi->cvq = vqs[n - 1];
    return 0;
}

static void alloc_buffers(struct vnet *vi)
{
    for (unsigned q = 0; q < vi->max_pairs; q++) {
        struct vnet_rq *rq = &vi->rq[q];
        struct vnet_sq *sq = &vi->sq[q];
        rq->stride = (vi->hdr_len + vi->max_frame + 63) & ~63u;
        rq->nbufs = rq->vq->num;
        rq->bufs = fw_alloc((size_t)rq->nbufs * rq->stride, 64);
        sq->stride = (HDR_ROOM + vi->max_frame + 63) & ~63u;
        sq->nslots = sq->vq->num < TX_SLOTS_MAX ? sq->vq->num : TX_SLOTS_MAX;
        sq->bufs = fw_alloc((size_t)sq->nslots * sq->stride, 64);
        sq->free_slots = fw_alloc(sizeof(uint16_t) * sq->nslots, 0);
        for (unsigned i = 0; i < sq->nslots; i++)
            sq->free_slots[i] = (uint16_t)(sq->nslots - 1 - i);
        sq->nfree = sq->nslots;
    }
    vi->scratch = fw_alloc(RX_SCRATCH, 64);
    vi->ctrl_hdr = fw_alloc(16, 16);
    vi->ctrl_ack = fw_alloc(16, 16);
    vi->ctrl_data = fw_alloc(CTRL_DATA_MAX, 16);
}

/* Layer-2 transmit queue index mapping from Linux's virtnet (rx N = 2N, tx N = 2N+1)
 * is fixed by init_vqs; here the probe proper. */
static int virtnet_probe(struct virtio_device *vdev)
{
    struct vnet *vi = fw_alloc(sizeof(*vi), 0);
    vi->vdev = vdev;
    vdev->priv = vi;
    struct netdev *nd = &vi->nd;
    printf("virtio-net: virtnet_probe\n");

    /* Header size (§5.1.6): num_buffers exists with VERSION_1 or MRG_RXBUF. */
    vi->mergeable = virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF);
    vi->any_layout = virtio_has_feature(vdev, VIRTIO_F_VERSION_1)
                     || virtio_has_feature(vdev, VIRTIO_F_ANY_LAYOUT);
    vi->hdr_len = (vi->mergeable || virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) ? 12 : 10;
    vi->csum_tx = virtio_has_feature(vdev, VIRTIO_NET_F_CSUM);
    vi->guest_csum = virtio_has_feature(vdev, VIRTIO_NET_F_GUEST_CSUM);
    if (read_config(vi) != 0)
        return -1;
    vi->max_frame = (vi->mtu > 1500 ? vi->mtu : 1500) + ETH_HLEN + VLAN_HLEN;
    printf("virtio-net: header %u bytes, %s rx buffers, tx checksum offload %s\n",
           vi->hdr_len, vi->mergeable ? "mergeable" : vi->any_layout ? "single" : "split-header",
           vi->csum_tx ? "on" : "off");

    if (init_vqs(vi) != 0) {
        virtio_fail(vdev, "find_vqs failed");
        return -1;
    }
    alloc_buffers(vi);
    vi->curr_pairs = 1;

    /* Buffers go in before DRIVER_OK; the device hears of them (kick) only after
     * it, as §3.1.1 forbids notifications before DRIVER_OK. */
    for (unsigned q = 0; q < vi->max_pairs; q++) {
        unsigned n = try_fill_recv(vi, &vi->rq[q]);
        if (q == 0)
            vi->rx_posted0 = n;
        printf("virtio-net: %s: try_fill_recv posted %u buffers of %u bytes\n",
               vi->rq[q].vq->name, n, vi->mergeable || vi->any_layout ? vi->rq[q].stride
                                                     : vi->hdr_len + vi->max_frame);
        if (n == 0) {
            virtio_fail(vdev, "no receive buffers could be posted");
            return -1;
        }
    }
    virtio_device_ready(vdev);
    for (unsigned q = 0; q < vi->max_pairs; q++)
        virtqueue_kick(vi->rq[q].vq);
    /* Transmit completions are reaped on the next send, not by interrupt. */
    for (unsigned q = 0; q < vi->max_pairs; q++)
        virtqueue_disable_cb(vi->sq[q].vq);

    snprintf(vi->name, sizeof(vi->name), "eth%u", netdev_count++);
    nd->name = vi->name;
    nd->ops = &vnet_ops;
    nd->priv = vi;
    nd->max_queue_pairs = vi->max_pairs;
    nd->queue_pairs = 1;
    /* One pair until asked for more, as virtnet_probe's virtnet_set_queues. */
    if (virtio_has_feature(vdev, VIRTIO_NET_F_MQ) && vnet_set_queue_pairs(nd, 1) != 0)
        printf("virtio-net: could not set 1 queue pair; continuing\n");
    if (!virtio_has_feature(vdev, VIRTIO_NET_F_MAC)) {
        uint8_t mac[6];
        memcpy(mac, nd->mac, 6);
        if (vnet_set_mac(nd, mac) != 0)
            printf("virtio-net: device keeps its own address filter\n");
    }
    if (virtio_check_needs_reset(vdev)) {
        virtio_fail(vdev, "device needs a reset after DRIVER_OK");
        return -1;
    }
    printf("virtio-net: register_netdev %s\n", nd->name);
    if (netdev_register(nd) != 0)
        return -1;
    return 0;
}

static const struct virtio_device_id vnet_ids[] = { { VIRTIO_ID_NET }, { 0 } };

static struct virtio_driver virtio_net_driver = {
    .drv = { .name = "virtio_net" },
    .id_table = vnet_ids,
    .feature_table = vnet_features,
    .feature_table_size = sizeof vnet_features / sizeof vnet_features[0],
    .validate = vnet_validate,
    .probe = virtnet_probe,
    .config_changed = vnet_config_changed,
};

int virtio_net_init(void)
{
    static bool done;
    if (done)
        return 0;
    if (virtio_pci_init() != 0 || register_virtio_driver(&virtio_net_driver) != 0)
        return -1;
    done = true;
    return 0;
}

int virtio_net_get_info(struct netdev *nd, struct virtio_net_info *out)
{
    if (!nd || nd->ops != &vnet_ops)
        return -1;
    struct vnet *vi = vnet_of(nd);
    struct virtio_device *vdev = vi->vdev;
    memset(out, 0, sizeof(*out));
    out->device_features = vdev->device_features;
    out->features = vdev->features;
    out->legacy = vdev->legacy;
    out->hdr_len = vi->hdr_len;
    out->mergeable = vi->mergeable;
    out->csum_offload = vi->csum_tx;
    out->ctrl_vq = vi->cvq != NULL;
    out->config_status = vi->config_status;
    out->max_pairs = (uint16_t)vi->max_pairs;
    out->mtu = vi->mtu;
    out->rx_bufs_posted = vi->rx_posted0;
    out->queue_size = vi->rq[0].vq->num;
    for (unsigned q = 0; q < vi->max_pairs; q++) {
        out->tx_kicks += vi->sq[q].vq->kicks;
        out->tx_kicks_suppressed += vi->sq[q].vq->kicks_suppressed;
    }
    out->rx_irqs = vi->rx_irqs;
    out->config_irqs = vi->config_irqs;
    out->broken = vdev->broken;
    return 0;
}
