/* The peer's DHCP server (RFC 2131, options from RFC 2132): one lease, 10.0.2.15,
 * for whichever client asks. DISCOVER gets an OFFER, REQUEST an ACK (or a NAK for
 * another address), INFORM an ACK without a lease, a plain BOOTP request (no option
 * 53) the lease at once; the client's xid is echoed, so no
 * randomness is needed. Replies are addressed as RFC 2131 §4.1 says. */
#include "peer_priv.h"

/* BOOTP fixed fields (RFC 951 / RFC 2131 §2, figure 1). */
enum { BP_OP = 0, BP_HTYPE = 1, BP_HLEN = 2, BP_HOPS = 3, BP_XID = 4, BP_SECS = 8,
       BP_FLAGS = 10, BP_CIADDR = 12, BP_YIADDR = 16, BP_SIADDR = 20, BP_GIADDR = 24,
       BP_CHADDR = 28, BP_SNAME = 44, BP_FILE = 108, BP_COOKIE = 236, BP_OPTIONS = 240 };
#define BOOTP_MIN_LEN 300      /* RFC 1542 §3.4: some relays and clients want 300 */
#define DHCP_COOKIE 0x63825363u
#define BOOTP_FLAG_BROADCAST 0x8000u
enum { BOOTREQUEST = 1, BOOTREPLY = 2 };

enum { OPT_PAD = 0, OPT_SUBNET = 1, OPT_ROUTER = 3, OPT_DNS = 6, OPT_REQ_IP = 50,
       OPT_LEASE = 51, OPT_MSG_TYPE = 53, OPT_SERVER_ID = 54, OPT_BOOTFILE = 67, OPT_END = 255 };
enum { DHCPDISCOVER = 1, DHCPOFFER = 2, DHCPREQUEST = 3, DHCPDECLINE = 4, DHCPACK = 5,
       DHCPNAK = 6, DHCPRELEASE = 7, DHCPINFORM = 8 };

typedef struct DhcpReq {
    const uint8_t *msg;
    size_t len;
    int type;                  /* option 53, 0 if absent (plain BOOTP) */
    uint32_t req_ip;           /* option 50, 0 if absent */
    uint32_t server_id;        /* option 54, 0 if absent */
} DhcpReq;

/* Walk the options, refusing any that would run past the datagram. */
static bool dhcp_parse(const uint8_t *m, size_t len, DhcpReq *r)
{
    memset(r, 0, sizeof *r);
    r->msg = m;
    r->len = len;
    if (len < BP_OPTIONS || m[BP_OP] != BOOTREQUEST || ld32_be(m + BP_COOKIE) != DHCP_COOKIE)
        return false;
    size_t i = BP_OPTIONS;
    while (i < len) {
        uint8_t code = m[i++];
        if (code == OPT_PAD)
            continue;
        if (code == OPT_END)
            break;
        if (i >= len || m[i] > len - i - 1)
            return false;
        uint8_t olen = m[i++];
        const uint8_t *v = m + i;
        if (code == OPT_MSG_TYPE && olen == 1)
            r->type = v[0];
        else if (code == OPT_REQ_IP && olen == 4)
            r->req_ip = ld32_be(v);
        else if (code == OPT_SERVER_ID && olen == 4)
            r->server_id = ld32_be(v);
        i += olen;
    }
    return true;
}

static uint8_t *opt_u8(uint8_t *o, uint8_t code, uint8_t v) { o[0] = code; o[1] = 1; o[2] = v; return o + 3; }
static uint8_t *opt_u32(uint8_t *o, uint8_t code, uint32_t v) { o[0] = code; o[1] = 4; st32_be(o + 2, v); return o + 6; }

static int dhcp_reply(NetPeer *p, const UdpIn *u, const DhcpReq *q, int type, PeerAction *act)
{
    const uint8_t *m = q->msg;
    uint8_t *r = p->tx + PEER_UDP_PAYLOAD;
    uint32_t yiaddr = type == DHCPOFFER || (type == DHCPACK && q->type != DHCPINFORM) ? PEER_GUEST_IP : 0;
    memset(r, 0, BOOTP_MIN_LEN);
    r[BP_OP] = BOOTREPLY;
    memcpy(r + BP_HTYPE, m + BP_HTYPE, 2);   /* htype, hlen: the client's own */
    memcpy(r + BP_XID, m + BP_XID, 4);
    memcpy(r + BP_FLAGS, m + BP_FLAGS, 2);
    if (type != DHCPNAK)
        memcpy(r + BP_CIADDR, m + BP_CIADDR, 4);
    st32_be(r + BP_YIADDR, yiaddr);
    if (type != DHCPNAK)
        st32_be(r + BP_SIADDR, PEER_GW_IP);  /* next server: our TFTP */
    memcpy(r + BP_GIADDR, m + BP_GIADDR, 4);
    memcpy(r + BP_CHADDR, m + BP_CHADDR, 16);
    if (p->bootfile && type != DHCPNAK)
        memcpy(r + BP_FILE, p->bootfile, strlen(p->bootfile));
    st32_be(r + BP_COOKIE, DHCP_COOKIE);

    uint8_t *o = r + BP_OPTIONS;
    o = opt_u8(o, OPT_MSG_TYPE, (uint8_t)type);
    o = opt_u32(o, OPT_SERVER_ID, PEER_GW_IP);
    if (type != DHCPNAK) {
        if (yiaddr)
            o = opt_u32(o, OPT_LEASE, PEER_LEASE_SECS);
        o = opt_u32(o, OPT_SUBNET, PEER_NETMASK);
        o = opt_u32(o, OPT_ROUTER, PEER_GW_IP);
        o = opt_u32(o, OPT_DNS, PEER_DNS_IP);
        if (p->bootfile) {
            size_t n = strlen(p->bootfile);
            *o++ = OPT_BOOTFILE;
            *o++ = (uint8_t)n;
            memcpy(o, p->bootfile, n);
            o += n;
        }
    }
    *o++ = OPT_END;
    size_t len = (size_t)(o - r);
    if (len < BOOTP_MIN_LEN)
        len = BOOTP_MIN_LEN;

    /* RFC 2131 §4.1: a bound client (ciaddr) gets unicast; an unconfigured one gets
     * broadcast if it asked for it (or cannot take unicast: no usable hardware
     * address), else unicast to the offered address at its MAC. A NAK is broadcast. */
    uint32_t ciaddr = ld32_be(m + BP_CIADDR);
    bool bcast = type == DHCPNAK || yiaddr == 0 || (ld16_be(m + BP_FLAGS) & BOOTP_FLAG_BROADCAST) ||
                 m[BP_HTYPE] != 1 || m[BP_HLEN] != ETH_ALEN;
    static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    const uint8_t *dst_mac;
    uint32_t dst_ip;
    if (ciaddr && type != DHCPNAK) {
        dst_mac = u->src_mac;
        dst_ip = ciaddr;
    } else if (bcast) {
        dst_mac = bcast_mac;
        dst_ip = IPV4_BROADCAST;
    } else {
        dst_mac = m + BP_CHADDR;
        dst_ip = yiaddr;
    }
    peer_emit_udp(p, dst_mac, dst_ip, PORT_DHCP_SERVER, PORT_DHCP_CLIENT, len);

    static const PeerActionKind kinds[] = { [DHCPOFFER] = PEER_ACT_DHCP_OFFER,
        [DHCPACK] = PEER_ACT_DHCP_ACK, [DHCPNAK] = PEER_ACT_DHCP_NAK };
    char ip[16];
    peer_act(act, kinds[type], "%s xid 0x%08x", ipv4_str(yiaddr, ip), ld32_be(m + BP_XID));
    return 1;
}

int peer_dhcp_input(NetPeer *p, const UdpIn *u, PeerAction *act)
{
    DhcpReq q;
    if (u->sport != PORT_DHCP_CLIENT || !dhcp_parse(u->data, u->len, &q))
        return peer_drop(act, PEER_DROP_DHCP_BAD);
    /* Relayed requests would need answers through the relay: there is none here. */
    if (ld32_be(q.msg + BP_GIADDR) != 0)
        return peer_drop(act, PEER_DROP_DHCP_IGNORED);
    uint32_t ciaddr = ld32_be(q.msg + BP_CIADDR);
    switch (q.type) {
    case 0:                    /* plain BOOTP (RFC 951): answered at once, as slirp does */
        return dhcp_reply(p, u, &q, DHCPACK, act);
    case DHCPDISCOVER:
        return dhcp_reply(p, u, &q, DHCPOFFER, act);
    case DHCPREQUEST: {
        /* RFC 2131 §4.3.2: a server id means SELECTING (maybe another server);
         * otherwise INIT-REBOOT (option 50) or RENEWING/REBINDING (ciaddr). */
        if (q.server_id && q.server_id != PEER_GW_IP)
            return peer_drop(act, PEER_DROP_DHCP_IGNORED);
        uint32_t want = q.req_ip ? q.req_ip : ciaddr;
        if (want == 0)
            return peer_drop(act, PEER_DROP_DHCP_BAD);
        return dhcp_reply(p, u, &q, want == PEER_GUEST_IP ? DHCPACK : DHCPNAK, act);
    }
    case DHCPINFORM:
        return dhcp_reply(p, u, &q, DHCPACK, act);
    case DHCPRELEASE:
        if (q.server_id && q.server_id != PEER_GW_IP)
            return peer_drop(act, PEER_DROP_DHCP_IGNORED);
        {
            char ip[16];
            peer_act(act, PEER_ACT_DHCP_RELEASE, "%s xid 0x%08x", ipv4_str(ciaddr, ip), ld32_be(q.msg + BP_XID));
        }
        return 0;
    default:                   /* DECLINE of our only address, server-to-server types */
        return peer_drop(act, PEER_DROP_DHCP_IGNORED);
    }
}
