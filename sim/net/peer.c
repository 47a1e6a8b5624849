/* The built-in peer's front door (DESIGN.md §7): checks each guest frame layer by
 * layer (Ethernet II, RFC 791 IPv4, RFC 768 UDP), hands it to the service that owns
 * it, counts what was answered or dropped, and frames the answers. */
#include "peer_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "snap/snap.h"

const uint8_t peer_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static const char *const action_names[PEER_ACT__COUNT] = {
#define X(id, name) [id] = name,
    PEER_ACTIONS(X)
#undef X
};

static const char *const drop_names[PEER_DROP__COUNT] = {
#define X(id, name) [id] = name,
    PEER_DROPS(X)
#undef X
};

const char *peer_action_name(PeerActionKind k)
{
    return (unsigned)k < PEER_ACT__COUNT ? action_names[k] : "?";
}

const char *peer_drop_name(PeerDropReason r)
{
    return (unsigned)r < PEER_DROP__COUNT ? drop_names[r] : "?";
}

static const PeerDropReason ip_drop[] = {
    [IPV4_TRUNCATED] = PEER_DROP_IP_TRUNCATED,
    [IPV4_BAD_VERSION] = PEER_DROP_IP_VERSION,
    [IPV4_BAD_HLEN] = PEER_DROP_IP_HLEN,
    [IPV4_BAD_CSUM] = PEER_DROP_IP_CSUM,
    [IPV4_FRAGMENT] = PEER_DROP_IP_FRAGMENT,
};

NetPeer *peer_create(const PeerConfig *cfg, Err *err)
{
    if (!cfg || !cfg->emit) {
        err_set(err, "network peer: no frame sink configured");
        return NULL;
    }
    NetPeer *p = calloc(1, sizeof *p);
    if (!p) {
        err_set(err, "network peer: out of memory");
        return NULL;
    }
    p->emit = cfg->emit;
    p->opaque = cfg->opaque;
    p->ip_id = 1;
    p->tftp_on = cfg->tftp_dir != NULL;
    p->file_read = cfg->file_read;
    p->file_seen = cfg->file_seen;
    p->file_opaque = cfg->file_opaque;
    if (cfg->tftp_dir && !cfg->file_read) {
        /* Resolved once so that every request can be checked to stay inside it. */
        p->tftp_dir = realpath(cfg->tftp_dir, NULL);
        struct stat st;
        if (!p->tftp_dir || stat(p->tftp_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            err_set(err, "tftp directory %s: %s", cfg->tftp_dir, p->tftp_dir ? "not a directory" : strerror(errno));
            peer_destroy(p);
            return NULL;
        }
    }
    if (cfg->bootfile) {
        if (strlen(cfg->bootfile) >= 128) {
            err_set(err, "dhcp boot file name too long (max 127 bytes): %s", cfg->bootfile);
            peer_destroy(p);
            return NULL;
        }
        p->bootfile = strdup(cfg->bootfile);
    }
    return p;
}

void peer_destroy(NetPeer *p)
{
    if (!p)
        return;
    peer_tftp_close_all(p);
    free(p->tftp_dir);
    free(p->bootfile);
    free(p);
}

const PeerStats *peer_stats(const NetPeer *p) { return &p->stats; }

bool peer_guest_mac(const NetPeer *p, uint8_t mac[6])
{
    if (p->guest_mac_known)
        memcpy(mac, p->guest_mac, 6);
    return p->guest_mac_known;
}

int peer_drop(PeerAction *act, PeerDropReason why)
{
    act->kind = PEER_ACT_DROPPED;
    act->drop = why;
    snprintf(act->detail, sizeof act->detail, "%s", drop_names[why]);
    return 0;
}

void peer_act(PeerAction *act, PeerActionKind kind, const char *fmt, ...)
{
    va_list ap;
    act->kind = kind;
    act->drop = PEER_DROP_NONE;
    va_start(ap, fmt);
    vsnprintf(act->detail, sizeof act->detail, fmt, ap);
    va_end(ap);
}

void peer_emit_eth(NetPeer *p, const uint8_t *dst_mac, uint16_t type, size_t len)
{
    memcpy(p->tx + ETH_DST, dst_mac, 6);
    memcpy(p->tx + ETH_SRC, peer_mac, 6);
    st16_be(p->tx + ETH_TYPE, type);
    /* Pad to the Ethernet minimum as slirp does: guests' drivers may expect it. */
    if (len < ETH_ZLEN) {
        memset(p->tx + len, 0, ETH_ZLEN - len);
        len = ETH_ZLEN;
    }
    p->stats.tx_frames++;
    p->emit(p->opaque, p->tx, len);
}

void peer_emit_ip(NetPeer *p, const uint8_t *dst_mac, uint32_t dst_ip, uint8_t proto,
                  size_t payload_len)
{
    ipv4_build(p->tx + ETH_HLEN, PEER_GW_IP, dst_ip, proto, p->ip_id++, (uint16_t)payload_len);
    peer_emit_eth(p, dst_mac, ETHERTYPE_IPV4, ETH_HLEN + IPV4_HLEN + payload_len);
}

void peer_emit_udp(NetPeer *p, const uint8_t *dst_mac, uint32_t dst_ip, uint16_t sport,
                   uint16_t dport, size_t payload_len)
{
    uint8_t *udp = p->tx + ETH_HLEN + IPV4_HLEN;
    uint16_t ulen = (uint16_t)(UDP_HLEN + payload_len);
    st16_be(udp + UDP_SPORT, sport);
    st16_be(udp + UDP_DPORT, dport);
    st16_be(udp + UDP_LEN, ulen);
    st16_be(udp + UDP_CSUM, 0);
    st16_be(udp + UDP_CSUM, udp_csum(PEER_GW_IP, dst_ip, udp, ulen));
    peer_emit_ip(p, dst_mac, dst_ip, IPPROTO_UDP_, ulen);
}

static bool is_peer_ip(uint32_t ip) { return ip == PEER_GW_IP; }
static bool is_bcast_ip(uint32_t ip) { return ip == IPV4_BROADCAST || ip == (PEER_NET | ~PEER_NETMASK); }

static int udp_input(NetPeer *p, const uint8_t *src_mac, const Ipv4View *ip, PeerAction *act)
{
    if (ip->plen < UDP_HLEN)
        return peer_drop(act, PEER_DROP_UDP_BAD);
    const uint8_t *u = ip->payload;
    size_t ulen = ld16_be(u + UDP_LEN);
    if (ulen < UDP_HLEN || ulen > ip->plen)
        return peer_drop(act, PEER_DROP_UDP_BAD);
    if (!udp_csum_ok(ip->src, ip->dst, u, ulen))
        return peer_drop(act, PEER_DROP_UDP_CSUM);
    UdpIn in = {
        .src_mac = src_mac, .ip = ip,
        .sport = ld16_be(u + UDP_SPORT), .dport = ld16_be(u + UDP_DPORT),
        .data = u + UDP_HLEN, .len = ulen - UDP_HLEN,
    };
    /* DHCP clients have no address yet: they broadcast (RFC 2131 §4.1). */
    if (in.dport == PORT_DHCP_SERVER && (is_peer_ip(ip->dst) || is_bcast_ip(ip->dst)))
        return peer_dhcp_input(p, &in, act);
    if (!is_peer_ip(ip->dst))
        return peer_drop(act, PEER_DROP_NOT_FOR_US);
    if (in.dport == PORT_TFTP || peer_tftp_owns_port(p, in.dport))
        return peer_tftp_input(p, &in, act);
    if (in.dport == PORT_ECHO)
        return peer_udp_echo_input(p, &in, act);
    return peer_drop(act, PEER_DROP_NO_SERVICE);
}

static int ipv4_input(NetPeer *p, const uint8_t *frame, size_t len, PeerAction *act)
{
    Ipv4View ip;
    Ipv4Error e = ipv4_parse(frame + ETH_HLEN, len - ETH_HLEN, &ip);
    if (e != IPV4_OK)
        return peer_drop(act, ip_drop[e]);
    const uint8_t *src_mac = frame + ETH_SRC;
    switch (ip.proto) {
    case IPPROTO_UDP_:
        return udp_input(p, src_mac, &ip, act);
    case IPPROTO_ICMP_:
        if (!is_peer_ip(ip.dst))
            return peer_drop(act, PEER_DROP_NOT_FOR_US);
        return peer_icmp_input(p, src_mac, &ip, act);
    default:
        return peer_drop(act, PEER_DROP_IP_PROTO);
    }
}

int peer_input(NetPeer *p, const uint8_t *frame, size_t len, PeerAction *act)
{
    PeerAction local;
    if (!act)
        act = &local;
    uint64_t tx_before = p->stats.tx_frames;
    p->stats.rx_frames++;
    if (len < ETH_HLEN) {
        peer_drop(act, PEER_DROP_RUNT);
    } else if (memcmp(frame + ETH_DST, peer_mac, 6) != 0 && memcmp(frame + ETH_DST, bcast_mac, 6) != 0) {
        peer_drop(act, PEER_DROP_NOT_FOR_US);
    } else {
        /* Remember who the guest is; a multicast source is never a station. */
        if (!(frame[ETH_SRC] & 1)) {
            memcpy(p->guest_mac, frame + ETH_SRC, 6);
            p->guest_mac_known = true;
        }
        switch (ld16_be(frame + ETH_TYPE)) {
        case ETHERTYPE_ARP:
            peer_arp_input(p, frame, len, act);
            break;
        case ETHERTYPE_IPV4:
            ipv4_input(p, frame, len, act);
            break;
        case ETHERTYPE_VLAN:   /* like slirp: no VLANs; said apart for the trace */
            peer_drop(act, PEER_DROP_VLAN);
            break;
        default:
            peer_drop(act, PEER_DROP_ETHERTYPE);
            break;
        }
    }
    p->stats.actions[act->kind]++;
    if (act->kind == PEER_ACT_DROPPED)
        p->stats.drops[act->drop]++;
    return (int)(p->stats.tx_frames - tx_before);
}

/* ---- snapshots (snap/snap.h) ---- */

static const SnapField peer_fields[] = {
    SNAP_FIELD(NetPeer, stats), SNAP_FIELD(NetPeer, guest_mac), SNAP_FIELD(NetPeer, guest_mac_known),
    SNAP_FIELD(NetPeer, ip_id), SNAP_FIELD(NetPeer, tftp_transfers),
};

static int peer_snap_save(void *obj, SnapBuf *b, Err *err)
{
    (void)err;
    NetPeer *p = obj;
    for (unsigned i = 0; i < TFTP_SESSIONS; i++) {
        TftpSession s = p->tftp[i];
        uint8_t *data = s.data;
        s.data = NULL;
        snap_put(b, &s, sizeof s);
        snap_put(b, data, s.live && data ? s.size : 0);
    }
    return 0;
}

static int peer_snap_load(void *obj, SnapIn *in, Err *err)
{
    NetPeer *p = obj;
    for (unsigned i = 0; i < TFTP_SESSIONS; i++) {
        TftpSession s;
        if (snap_get(in, &s, sizeof s) != 0)
            return err_set(err, "snapshot: peer: truncated TFTP session");
        /* live is a bool: only 0 or 1 may be read as one. */
        uint8_t lv;
        memcpy(&lv, (const char *)&s + offsetof(TftpSession, live), 1);
        s.live = lv != 0;
        const uint8_t *data = NULL;
        if (s.live && (s.size > in->len - in->pos || !(data = snap_get_ptr(in, (size_t)s.size))))
            return err_set(err, "snapshot: peer: TFTP session %u: bad file size", i);
        free(p->tftp[i].data);
        s.data = NULL;
        if (s.live && !(s.data = malloc(s.size ? s.size : 1)))
            return err_set(err, "snapshot: out of memory");
        if (s.live)
            memcpy(s.data, data, s.size);
        p->tftp[i] = s;
    }
    return 0;
}

const SnapDesc net_peer_snap = SNAP_DESC("net-peer", 1, NetPeer, peer_fields, .save = peer_snap_save,
                                         .load = peer_snap_load);
