/* DHCP client (RFC 2131 §3.1 and §4.4, options from RFC 2132): DISCOVER, OFFER,
 * REQUEST, ACK. The xid is fixed and retransmission intervals are fixed (1, 2, 4, 4 s
 * of time-CSR time) instead of randomised, so every run sends the same frames. */
#include "libc.h"
#include "platform.h"
#include "net/net_priv.h"

#define BOOTP_MIN       300
#define BP_OPTIONS      240
#define DHCP_COOKIE     0x63825363u
#define PORT_SERVER     67
#define PORT_CLIENT     68
#define MSG_DISCOVER 1
#define MSG_OFFER    2
#define MSG_REQUEST  3
#define MSG_ACK      5
#define MSG_NAK      6
#define OPT_PAD 0
#define OPT_SUBNET 1
#define OPT_ROUTER 3
#define OPT_DNS 6
#define OPT_REQ_IP 50
#define OPT_LEASE 51
#define OPT_MSG_TYPE 53
#define OPT_SERVER_ID 54
#define OPT_PARAMS 55
#define OPT_BOOTFILE 67
#define OPT_END 255
#define REQUEST_TRIES 4
#define MAX_NAKS 3

static struct {
    bool got;                  /* a message of the type we wait for arrived */
    uint8_t want;              /* MSG_OFFER while selecting, MSG_ACK while requesting */
    struct dhcp_msg msg;
} dc;

static uint8_t msg_buf[BOOTP_MIN + 64];

bool dhcp_parse(const uint8_t *m, size_t len, struct dhcp_msg *out)
{
    memset(out, 0, sizeof *out);
    if (len < BP_OPTIONS || m[0] != 2 || m[1] != 1 || m[2] != ETH_ALEN ||
        get32(m + 4) != DHCP_XID || memcmp(m + 28, net.mac, ETH_ALEN) != 0 ||
        get32(m + 236) != DHCP_COOKIE)
        return false;
    out->yiaddr = get32(m + 16);
    out->siaddr = get32(m + 20);
    /* The BOOTP file field (RFC 951), unless option 67 names the file (below). */
    for (size_t i = 0; i < sizeof out->bootfile - 1 && m[108 + i]; i++)
        out->bootfile[i] = (char)m[108 + i];
    for (size_t i = BP_OPTIONS; i < len;) {
        uint8_t code = m[i];
        if (code == OPT_END)
            break;
        if (code == OPT_PAD) {
            i++;
            continue;
        }
        if (i + 2 > len || i + 2 + m[i + 1] > len)
            return false;              /* an option running past the datagram */
        const uint8_t *v = m + i + 2;
        uint8_t olen = m[i + 1];
        if (code == OPT_MSG_TYPE && olen >= 1) {
            out->type = v[0];
        } else if (code == OPT_BOOTFILE && olen >= 1) {
            size_t n = olen < sizeof out->bootfile - 1 ? olen : sizeof out->bootfile - 1;
            memcpy(out->bootfile, v, n);
            out->bootfile[n] = '\0';
        } else if (olen >= 4) {
            uint32_t x = get32(v);     /* router and DNS lists: the first one */
            switch (code) {
            case OPT_SUBNET: out->netmask = x; break;
            case OPT_ROUTER: out->router = x; break;
            case OPT_DNS: out->dns = x; break;
            case OPT_LEASE: out->lease = x; break;
            case OPT_SERVER_ID: out->server = x; break;
            default: break;
            }
        }
        i += 2 + (size_t)olen;
    }
    return out->type != 0;
}

static void dhcp_rx(uint32_t src_ip, uint16_t src_port, uint16_t dst_port,
                    const uint8_t *data, size_t len, void *ctx)
{
    (void)dst_port;
    (void)ctx;
    struct dhcp_msg m;
    if (src_port != PORT_SERVER || dc.got || !dhcp_parse(data, len, &m))
        return;
    if (m.server == 0)
        m.server = src_ip;
    if (m.type == dc.want || (dc.want == MSG_ACK && m.type == MSG_NAK)) {
        /* While requesting, only the server we chose may answer (RFC 2131 §4.4.1). */
        if (dc.want == MSG_ACK && m.server != dc.msg.server)
            return;
        if (m.type != MSG_NAK && m.yiaddr == 0)
            return;
        dc.msg = m;
        dc.got = true;
    }
}

const uint8_t *dhcp_build(uint8_t type, uint32_t req_ip, uint32_t server, size_t *len_out)
{
    uint8_t *m = msg_buf;
    memset(m, 0, sizeof msg_buf);
    m[0] = 1;                  /* BOOTREQUEST */
    m[1] = 1;                  /* Ethernet */
    m[2] = ETH_ALEN;
    put32(m + 4, DHCP_XID);
    /* flags 0: we accept unicast to the offered address (ip_input allows it). */
    memcpy(m + 28, net.mac, ETH_ALEN);
    put32(m + 236, DHCP_COOKIE);
    uint8_t *o = m + BP_OPTIONS;
    *o++ = OPT_MSG_TYPE; *o++ = 1; *o++ = type;
    if (req_ip) {
        *o++ = OPT_REQ_IP; *o++ = 4; put32(o, req_ip); o += 4;
    }
    if (server) {
        *o++ = OPT_SERVER_ID; *o++ = 4; put32(o, server); o += 4;
    }
    static const uint8_t params[] = { OPT_SUBNET, OPT_ROUTER, OPT_DNS, OPT_LEASE, OPT_SERVER_ID };
    *o++ = OPT_PARAMS; *o++ = sizeof params;
    memcpy(o, params, sizeof params);
    o += sizeof params;
    *o++ = OPT_END;
    size_t len = (size_t)(o - m);
    *len_out = len < BOOTP_MIN ? BOOTP_MIN : len;
    return m;
}

static bool dhcp_got(void *ctx) { (void)ctx; return dc.got; }

static int dhcp_send(uint8_t type, uint32_t req_ip, uint32_t server)
{
    size_t len;
    const uint8_t *m = dhcp_build(type, req_ip, server, &len);
    return udp_sendto(PORT_CLIENT, IP_BROADCAST, PORT_SERVER, m, len, 0);
}

int net_dhcp(uint32_t timeout_us)
{
    static const uint32_t interval_ms[] = { 1000, 2000, 4000, 4000 };
    uint64_t start = rdtime(), limit = net_us_to_ticks(timeout_us);
    struct net_config zero = { 0 };
    net_set_config(&zero);
    udp_unbind(PORT_CLIENT);
    if (udp_bind(PORT_CLIENT, dhcp_rx, NULL) != 0)
        return -1;
    unsigned tries = 0, naks = 0;
    uint32_t offered = 0, server = 0;
    int rc = -1;
    char a[16], b[16];
    while (rdtime() - start < limit) {
        uint64_t left_us = net_ticks_to_tenth_us(limit - (rdtime() - start)) / 10;
        uint32_t wait_us = interval_ms[tries < 4 ? tries : 3] * 1000u;
        if (wait_us > left_us)
            wait_us = (uint32_t)left_us;
        dc.got = false;
        if (offered == 0) {
            dc.want = MSG_OFFER;
            printf("dhcp: DISCOVER xid 0x%08x\n", DHCP_XID);
            dhcp_send(MSG_DISCOVER, 0, 0);
        } else {
            dc.want = MSG_ACK;
            printf("dhcp: REQUEST %s from %s\n", ip_str(offered, a), ip_str(server, b));
            dhcp_send(MSG_REQUEST, offered, server);
        }
        tries++;
        if (!net_wait(dhcp_got, NULL, wait_us)) {
            if (net_device_failed()) {
                rc = -3;
                break;
            }
            if (offered && tries >= REQUEST_TRIES) {
                offered = 0;           /* back to INIT (RFC 2131 §4.4.1) */
                tries = 0;
            }
            continue;
        }
        tries = 0;
        if (dc.msg.type == MSG_OFFER) {
            offered = dc.msg.yiaddr;
            server = dc.msg.server;
            printf("dhcp: OFFER %s from %s\n", ip_str(offered, a), ip_str(server, b));
        } else if (dc.msg.type == MSG_NAK) {
            printf("dhcp: NAK from %s\n", ip_str(dc.msg.server, a));
            offered = 0;
            if (++naks >= MAX_NAKS) {
                rc = -2;
                break;
            }
        } else {
            struct net_config c = {
                .ip = dc.msg.yiaddr, .netmask = dc.msg.netmask, .gateway = dc.msg.router,
                .dns = dc.msg.dns, .server = dc.msg.server, .lease_secs = dc.msg.lease,
                .next_server = dc.msg.siaddr,
            };
            memcpy(c.bootfile, dc.msg.bootfile, sizeof c.bootfile);
            /* A server that sends no mask: the classful default is wrong as often as
             * right; /24 fits the networks this firmware meets (slirp, the peer). */
            if (c.netmask == 0)
                c.netmask = 0xffffff00u;
            net_set_config(&c);
            printf("dhcp: ACK %s from %s\n", ip_str(c.ip, a), ip_str(c.server, b));
            rc = 0;
            break;
        }
    }
    udp_unbind(PORT_CLIENT);
    return rc;
}
