/* The driver checker on the network device's buffers (virtio 1.2 §5.1.6): each chain
 * the device fetches is read from guest RAM as the device got it, by the role of its
 * queue (§5.1.2: receiveq N = 2N, transmitq N = 2N+1, the control queue last): the
 * transmit header (§5.1.6.2.1), receive buffers (§5.1.6.3.1), the legacy framing
 * rules (§5.1.6.6) and control commands only with their features (§5.1.6.5). The
 * report's pc is the notify that handed the chain to the device. */
#include "check/check_internal.h"

#include "virtio/virtio_names.h"
#include "virtio/virtio_net.h"

enum { GSO_ECN = 0x80, GSO_TCPV4 = 1, GSO_UDP = 3, GSO_TCPV6 = 4, GSO_UDP_L4 = 5, HDR_F_RSC_INFO = 4 };

/* A chain's data descriptors, readable ones first (the indirect ones left out). */
typedef struct Segs {
    const TraceDesc *first_out, *first_in;
    uint64_t out_len, in_len;
} Segs;

static void segs_of(const TraceDescList *chain, Segs *s)
{
    memset(s, 0, sizeof *s);
    for (size_t k = 0; k < chain->n; k++) {
        const TraceDesc *t = &chain->d[k];
        if (t->flags & VRING_DESC_F_INDIRECT)
            continue;
        if (t->flags & VRING_DESC_F_WRITE) {
            s->first_in = s->first_in ? s->first_in : t;
            s->in_len += t->len;
        } else {
            s->first_out = s->first_out ? s->first_out : t;
            s->out_len += t->len;
        }
    }
}

/* Bytes [off, off+len) of the chain's readable part, from guest RAM; false if short. */
static bool gather(const CkDev *d, const TraceDescList *chain, uint64_t off, uint8_t *buf, unsigned len)
{
    unsigned got = 0;
    for (size_t k = 0; k < chain->n && got < len; k++) {
        const TraceDesc *t = &chain->d[k];
        if (t->flags & (VRING_DESC_F_INDIRECT | VRING_DESC_F_WRITE))
            continue;
        if (off >= t->len) {
            off -= t->len;
            continue;
        }
        for (uint64_t b = off; b < t->len && got < len; b++) {
            bool ok = true;
            buf[got++] = (uint8_t)ck_peek(d, t->addr + b, 1, &ok);
            if (!ok)
                return false;
        }
        off = 0;
    }
    return got == len;
}

static bool legacy_framing(const CkDev *d)
{
    return d->legacy && !ck_has(d, VIRTIO_F_ANY_LAYOUT);
}

static void tx_chain(CkQueue *q, uint16_t head, const TraceDescList *chain, const Segs *s)
{
    CkDev *d = q->dev;
    unsigned hl = virtio_net_hdr_len(d->features);
    uint8_t h[VNET_HDR_LEN] = { 0 };
    if (s->out_len < hl || !gather(d, chain, 0, h, hl)) {
        ck_violate(d, CHECK_net_tx_hdr_short, "tx queue %u, head %u: %llu readable bytes, the header alone is %u", q->index,
                   head, (unsigned long long)s->out_len, hl);
        return;
    }
    if (legacy_framing(d) && s->first_out->len != hl) {
        ck_violate(d, CHECK_net_legacy_framing,
                   "tx queue %u, head %u: first descriptor of %u bytes; without ANY_LAYOUT the %u-byte header is alone in it",
                   q->index, head, s->first_out->len, hl);
        return;
    }
    uint8_t flags = h[VNET_HDR_FLAGS], gso = h[VNET_HDR_GSO_TYPE];
    uint16_t start = ld16_le(h + VNET_HDR_CSUM_START), offset = ld16_le(h + VNET_HDR_CSUM_OFFSET);
    uint16_t nbuf = hl == VNET_HDR_LEN ? ld16_le(h + VNET_HDR_NUM_BUFFERS) : 0;
    uint64_t frame = s->out_len - hl;
    if (nbuf) {
        ck_violate(d, CHECK_net_tx_num_buffers, "tx queue %u, head %u: num_buffers %u", q->index, head, nbuf);
    } else if ((flags & (VIRTIO_NET_HDR_F_DATA_VALID | HDR_F_RSC_INFO)) ||
               (flags && !ck_has(d, VIRTIO_NET_F_CSUM))) {
        ck_violate(d, CHECK_net_tx_flags, "tx queue %u, head %u: flags %#x%s", q->index, head, flags,
                   ck_has(d, VIRTIO_NET_F_CSUM) ? " (DATA_VALID and RSC_INFO are the device's)" : ", CSUM not negotiated");
    } else if (gso & ~GSO_ECN) {
        static const struct { uint8_t type; unsigned feature; } need[] = {
            { GSO_TCPV4, VIRTIO_NET_F_HOST_TSO4 }, { GSO_UDP, VIRTIO_NET_F_HOST_UFO },
            { GSO_TCPV6, VIRTIO_NET_F_HOST_TSO6 }, { GSO_UDP_L4, VIRTIO_NET_F_HOST_USO },
        };
        bool allowed = false;
        for (size_t i = 0; i < ARRAY_SIZE(need); i++)
            if ((gso & ~GSO_ECN) == need[i].type)
                allowed = ck_has(d, need[i].feature);
        if (!allowed)
            ck_violate(d, CHECK_net_tx_gso, "tx queue %u, head %u: gso_type %#x without its HOST_ feature", q->index, head, gso);
    } else if ((flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && (uint64_t)start + offset + 2 > frame) {
        ck_violate(d, CHECK_net_tx_csum_range,
                   "tx queue %u, head %u: NEEDS_CSUM with csum_start %u + csum_offset %u, a frame of %llu bytes", q->index,
                   head, start, offset, (unsigned long long)frame);
    }
}

static void rx_chain(CkQueue *q, uint16_t head, const Segs *s)
{
    CkDev *d = q->dev;
    unsigned hl = virtio_net_hdr_len(d->features);
    /* With MRG_RXBUF every descriptor is a buffer of its own and the first of a packet
     * holds the header inline (§5.1.6.3.1), so the legacy rule cannot apply to it. */
    bool mrg = ck_has(d, VIRTIO_NET_F_MRG_RXBUF);
    if (legacy_framing(d) && !mrg && s->first_in && s->first_in->len != hl)
        ck_violate(d, CHECK_net_legacy_framing,
                   "rx queue %u, head %u: first descriptor of %u bytes; without ANY_LAYOUT the %u-byte header is alone in it",
                   q->index, head, s->first_in->len, hl);
    else if (mrg && s->in_len < hl)
        ck_violate(d, CHECK_net_rx_buf_small, "rx queue %u, head %u: a %llu-byte buffer, the header is %u", q->index, head,
                   (unsigned long long)s->in_len, hl);
}

/* The GUEST_ offloads GUEST_OFFLOADS_SET may turn on: bit n is feature n (§5.1.6.5.8). */
static const unsigned guest_offloads[] = {
    VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_GUEST_TSO6, VIRTIO_NET_F_GUEST_ECN,
    VIRTIO_NET_F_GUEST_UFO,
};

static void ctrl_chain(CkQueue *q, uint16_t head, const TraceDescList *chain, const Segs *s)
{
    CkDev *d = q->dev;
    uint8_t cmd[10] = { 0 };
    if (s->out_len < 2 || !gather(d, chain, 0, cmd, 2))
        return;              /* the device refuses it: no class and command */
    if (legacy_framing(d) && s->first_out->len != 2) {
        ck_violate(d, CHECK_net_legacy_framing,
                   "ctrl queue %u, head %u: first descriptor of %u bytes; without ANY_LAYOUT class and command are alone in it",
                   q->index, head, s->first_out->len);
        return;
    }
    uint8_t cls = cmd[0], op = cmd[1];
    bool data = gather(d, chain, 2, cmd + 2, 8) || gather(d, chain, 2, cmd + 2, 2);
    if (cls == VIRTIO_NET_CTRL_RX) {
        unsigned f = op <= VIRTIO_NET_CTRL_RX_ALLMULTI ? VIRTIO_NET_F_CTRL_RX : VIRTIO_NET_F_CTRL_RX_EXTRA;
        if (!ck_has(d, f))
            ck_violate(d, CHECK_net_ctrl_rx_feature, "ctrl class RX command %u without %s", op,
                       f == VIRTIO_NET_F_CTRL_RX ? "CTRL_RX" : "CTRL_RX_EXTRA");
    } else if (cls == VIRTIO_NET_CTRL_MAC) {
        if (!ck_has(d, VIRTIO_NET_F_CTRL_RX))
            ck_violate(d, CHECK_net_ctrl_mac_feature, "ctrl class MAC command %u without CTRL_RX", op);
    } else if (cls == VIRTIO_NET_CTRL_MQ && op == VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET) {
        uint16_t pairs = ld16_le(cmd + 2);
        if (!ck_has(d, VIRTIO_NET_F_MQ) || !data || pairs == 0 || pairs > d->d.max_pairs)
            ck_violate(d, CHECK_net_ctrl_mq_pairs, "VQ_PAIRS_SET %u%s (max_virtqueue_pairs %u)", pairs,
                       ck_has(d, VIRTIO_NET_F_MQ) ? "" : " without MQ", d->d.max_pairs);
    } else if (cls == VIRTIO_NET_CTRL_GUEST_OFFLOADS && op == VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET) {
        uint64_t want = ld64_le(cmd + 2), allowed = 0;
        for (size_t i = 0; i < ARRAY_SIZE(guest_offloads); i++)
            allowed |= d->features & (1ull << guest_offloads[i]);
        if (!ck_has(d, VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) || (want & ~allowed))
            ck_violate(d, CHECK_net_ctrl_offloads, "GUEST_OFFLOADS_SET %#llx, negotiated offloads %#llx%s",
                       (unsigned long long)want, (unsigned long long)allowed,
                       ck_has(d, VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) ? "" : ", CTRL_GUEST_OFFLOADS not negotiated");
    }
}

void ck_net_chain(CkQueue *q, const TraceDescList *chain)
{
    CkDev *d = q->dev;
    if (d->d.device_id != VIRTIO_ID_NET || chain->n == 0)
        return;
    Segs s;
    segs_of(chain, &s);
    uint16_t head = chain->d[0].index;
    unsigned ctrl = ck_has(d, VIRTIO_NET_F_CTRL_VQ) ? (ck_has(d, VIRTIO_NET_F_MQ) ? 2 * d->d.max_pairs : 2) : ~0u;
    if (q->index == ctrl)
        ctrl_chain(q, head, chain, &s);
    else if (q->index > ctrl)
        return;
    else if (q->index & 1)
        tx_chain(q, head, chain, &s);
    else
        rx_chain(q, head, &s);
}
