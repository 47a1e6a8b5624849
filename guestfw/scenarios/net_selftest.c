/* scenario=net-selftest: the network stack against a loopback netdev of its own, no
 * device needed. A tiny scripted peer behind the loopback (10.0.2.2 at
 * 52:55:0a:00:02:02, like slirp) answers ARP, echo, DHCP and UDP echo; canned and
 * garbage frames are injected straight into the receive path. Checks known checksum
 * vectors (RFC 1071 §3), frame layouts, the ARP cache, DHCP building and parsing,
 * timeouts, and that no malformed frame crashes anything. Exit 50 + check number. */
#include "libc.h"
#include "platform.h"
#include "scenario.h"
#include "net/net_priv.h"
#include "net/netscen.h"

#define PEER_IP   IPV4(10, 0, 2, 2)
#define GUEST_IP  IPV4(10, 0, 2, 15)
#define DNS_IP    IPV4(10, 0, 2, 3)
#define RXQ       4
#define FRAME_MAX 1600

static const uint8_t peer_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
static const uint8_t lo_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static struct {
    bool answer, corrupt_echo, nak, tftp_drop_block2, tftp_no_options;
    /* the TFTP session: file size, block size, last block sent, client port */
    uint32_t t_size, t_blk, t_block;
    uint16_t t_client;
    bool t_done;
    uint8_t t_rrq[64];                 /* the last read request's payload */
    size_t t_rrq_len;
    unsigned xmits;                    /* frames the stack sent */
    unsigned partial_xmits;            /* of them through xmit_csum */
    uint16_t csum_start, csum_offset, csum_seed;   /* the last xmit_csum's */
    uint8_t last[FRAME_MAX];           /* the last of them */
    size_t last_len;
    uint8_t rx[RXQ][FRAME_MAX];        /* frames queued towards the stack */
    size_t rx_len[RXQ];
    unsigned rx_n;
} lo;

static uint8_t frame[FRAME_MAX];
static struct netdev lodev;

/* ---- the scripted peer ---- */

static uint8_t *peer_frame(const uint8_t *dst, uint16_t type)
{
    if (lo.rx_n >= RXQ)
        return NULL;
    uint8_t *f = lo.rx[lo.rx_n];
    memcpy(f, dst, 6);
    memcpy(f + 6, peer_mac, 6);
    put16(f + 12, type);
    return f;
}

static void peer_ip(uint8_t *f, uint32_t dst, uint8_t proto, size_t l4len)
{
    uint8_t *h = f + ETH_HLEN;
    memset(h, 0, IP_HLEN);
    h[0] = 0x45;
    put16(h + 2, (uint16_t)(IP_HLEN + l4len));
    h[8] = 64;
    h[9] = proto;
    put32(h + 12, PEER_IP);
    put32(h + 16, dst);
    put16(h + 10, csum_fold(csum_partial(h, IP_HLEN, 0)));
    lo.rx_len[lo.rx_n++] = ETH_HLEN + IP_HLEN + l4len;
}

static void peer_udp(const uint8_t *dst_mac, uint32_t dst, uint16_t sport, uint16_t dport,
                     const uint8_t *data, size_t len)
{
    uint8_t *f = peer_frame(dst_mac, ETHERTYPE_IPV4);
    if (!f)
        return;
    uint8_t *u = f + ETH_HLEN + IP_HLEN;
    uint16_t ulen = (uint16_t)(UDP_HLEN + len);
    put16(u, sport);
    put16(u + 2, dport);
    put16(u + 4, ulen);
    put16(u + 6, 0);
    memmove(u + UDP_HLEN, data, len);
    put16(u + 6, csum_fold(csum_partial(u, ulen, csum_pseudo(PEER_IP, dst, IPPROTO_UDP, ulen))));
    peer_ip(f, dst, IPPROTO_UDP, ulen);
}

/* A canned server message in the layout RFC 2131 §2 gives; options as the peer's. */
static size_t dhcp_reply(uint8_t *m, const uint8_t *req, uint8_t type, uint32_t xid)
{
    memset(m, 0, 300);
    m[0] = 2; m[1] = 1; m[2] = 6;
    put32(m + 4, xid);
    put32(m + 16, type == 6 ? 0 : GUEST_IP);
    put32(m + 20, PEER_IP);
    memcpy(m + 28, req + 28, 16);
    put32(m + 236, 0x63825363u);
    uint8_t *o = m + 240;
    *o++ = 53; *o++ = 1; *o++ = type;
    *o++ = 54; *o++ = 4; put32(o, PEER_IP); o += 4;
    *o++ = 0;                              /* a pad option, to be skipped */
    *o++ = 51; *o++ = 4; put32(o, 86400); o += 4;
    *o++ = 1; *o++ = 4; put32(o, 0xffffff00u); o += 4;
    *o++ = 3; *o++ = 4; put32(o, PEER_IP); o += 4;
    *o++ = 6; *o++ = 8; put32(o, DNS_IP); put32(o + 4, IPV4(8, 8, 8, 8)); o += 8;
    memcpy(m + 108, "ignored.img", 11);    /* option 67 wins over the file field */
    *o++ = 67; *o++ = 8; memcpy(o, "boot.img", 8); o += 8;
    *o++ = 255;
    return 300;
}

/* A TFTP server for files named by size ("3000" = 3000 bytes of tftp_byte) from
 * port 1069; "missing" gets ERROR 1. One session at a time, RFC 1350 lock step. */
static uint8_t tftp_byte(uint64_t off) { return (uint8_t)(off * 31 + 7); }

static void tftp_send_block(const uint8_t *mac, uint32_t dst)
{
    static uint8_t b[4 + 1468];
    uint32_t start = (lo.t_block - 1) * lo.t_blk;
    uint32_t n = lo.t_size - start < lo.t_blk ? lo.t_size - start : lo.t_blk;
    put16(b, 3);
    put16(b + 2, (uint16_t)lo.t_block);
    for (uint32_t i = 0; i < n; i++)
        b[4 + i] = tftp_byte(start + i);
    if (lo.tftp_drop_block2 && lo.t_block == 2) {
        lo.tftp_drop_block2 = false;       /* "lost on the wire" once */
        return;
    }
    peer_udp(mac, dst, 1069, lo.t_client, b, 4 + n);
}

static void peer_tftp(const uint8_t *mac, uint32_t src, uint16_t sport, uint16_t dport,
                      const uint8_t *p, size_t len)
{
    static uint8_t b[128];
    uint16_t op = get16(p);
    if (dport == 69 && op == 1) {
        const char *name = (const char *)p + 2;
        lo.t_rrq_len = len < sizeof lo.t_rrq ? len : sizeof lo.t_rrq;
        memcpy(lo.t_rrq, p, lo.t_rrq_len);
        lo.t_client = sport;
        lo.t_done = false;
        if (strcmp(name, "missing") == 0) {
            put16(b, 5);
            put16(b + 2, 1);
            memcpy(b + 4, "File not found", 15);
            peer_udp(mac, src, 1069, sport, b, 4 + 15);
            return;
        }
        lo.t_size = (uint32_t)strtoul(name, NULL, 10);
        lo.t_blk = 512;
        lo.t_block = 0;
        if (lo.tftp_no_options) {          /* an RFC 1350-only server: DATA 1 at once */
            lo.t_block = 1;
            tftp_send_block(mac, src);
            return;
        }
        lo.t_blk = 1024;                   /* less than asked: the server may */
        size_t n = 2;
        put16(b, 6);
        n += (size_t)snprintf((char *)b + n, sizeof b - n, "BlkSize") + 1;
        n += (size_t)snprintf((char *)b + n, sizeof b - n, "%u", (unsigned)lo.t_blk) + 1;
        n += (size_t)snprintf((char *)b + n, sizeof b - n, "tsize") + 1;
        n += (size_t)snprintf((char *)b + n, sizeof b - n, "%u", (unsigned)lo.t_size) + 1;
        peer_udp(mac, src, 1069, sport, b, n);
        return;
    }
    if (dport != 1069 || op != 4 || sport != lo.t_client || lo.t_done)
        return;
    uint16_t acked = get16(p + 2);
    if (acked == (uint16_t)lo.t_block) {
        if (lo.t_block > 0 && (lo.t_block - 1) * lo.t_blk + lo.t_blk > lo.t_size) {
            lo.t_done = true;              /* the short block was acknowledged */
            return;
        }
        lo.t_block++;
        tftp_send_block(mac, src);
    } else if (acked == (uint16_t)(lo.t_block - 1)) {
        tftp_send_block(mac, src);         /* a repeated ACK: send the block again */
    }
}

static void peer_input(const uint8_t *f, size_t len)
{
    static uint8_t m[FRAME_MAX];
    if (len < ETH_HLEN)
        return;
    uint16_t type = get16(f + 12);
    const uint8_t *p = f + ETH_HLEN;
    if (type == ETHERTYPE_ARP && len >= ETH_HLEN + 28 && get16(p + 6) == 1 &&
        get32(p + 24) == PEER_IP) {
        uint8_t *r = peer_frame(p + 8, ETHERTYPE_ARP);
        if (!r)
            return;
        uint8_t *a = r + ETH_HLEN;
        memcpy(a, p, 8);
        put16(a + 6, 2);
        memcpy(a + 8, peer_mac, 6);
        put32(a + 14, PEER_IP);
        memcpy(a + 18, p + 8, 10);         /* tha, tpa = the requester's sha, spa */
        lo.rx_len[lo.rx_n++] = ETH_HLEN + 28;
        return;
    }
    if (type != ETHERTYPE_IPV4 || len < ETH_HLEN + IP_HLEN)
        return;
    size_t l4len = get16(p + 2) - IP_HLEN;
    const uint8_t *l4 = p + IP_HLEN;
    uint32_t src = get32(p + 12), dst = get32(p + 16);
    if (p[9] == IPPROTO_ICMP && dst == PEER_IP && l4[0] == 8) {
        uint8_t *r = peer_frame(f + 6, ETHERTYPE_IPV4);
        if (!r)
            return;
        uint8_t *icmp = r + ETH_HLEN + IP_HLEN;
        memcpy(icmp, l4, l4len);
        icmp[0] = 0;
        if (lo.corrupt_echo && l4len > 8)
            icmp[l4len - 1] ^= 0xff;
        put16(icmp + 2, 0);
        put16(icmp + 2, csum_fold(csum_partial(icmp, l4len, 0)));
        peer_ip(r, src, IPPROTO_ICMP, l4len);
    } else if (p[9] == IPPROTO_UDP && get16(l4 + 2) == 67 && l4len >= UDP_HLEN + 244) {
        const uint8_t *req = l4 + UDP_HLEN;
        uint8_t t = req[242];              /* option 53 is the first one we send */
        uint8_t reply = t == 1 ? 2 : lo.nak ? 6 : 5;
        size_t n = dhcp_reply(m, req, reply, get32(req + 4));
        peer_udp(eth_broadcast, IP_BROADCAST, 67, 68, m, n);
    } else if (p[9] == IPPROTO_UDP && (get16(l4 + 2) == 69 || get16(l4 + 2) == 1069) &&
               l4len >= UDP_HLEN + 4) {
        peer_tftp(f + 6, src, get16(l4), get16(l4 + 2), l4 + UDP_HLEN, l4len - UDP_HLEN);
    } else if (p[9] == IPPROTO_UDP && get16(l4 + 2) == 7 && l4len >= UDP_HLEN) {
        memcpy(m, l4 + UDP_HLEN, l4len - UDP_HLEN);
        peer_udp(f + 6, src, 7, get16(l4), m, l4len - UDP_HLEN);
    }
}

/* ---- the loopback netdev ---- */

static int lo_xmit(struct netdev *nd, unsigned qp, const void *f, size_t len)
{
    (void)nd;
    (void)qp;
    if (len > FRAME_MAX)
        return -1;
    lo.xmits++;
    memcpy(lo.last, f, len);
    lo.last_len = len;
    if (lo.answer)
        peer_input(f, len);
    return 0;
}

static int lo_poll(struct netdev *nd)
{
    unsigned n = lo.rx_n;
    for (unsigned i = 0; i < n; i++)
        nd->rx_fn(nd, lo.rx[i], lo.rx_len[i], nd->rx_ctx);
    /* A reply the stack sent while we delivered was queued behind these. */
    memmove(lo.rx, lo.rx[n], (lo.rx_n - n) * sizeof lo.rx[0]);
    memmove(lo.rx_len, lo.rx_len + n, (lo.rx_n - n) * sizeof lo.rx_len[0]);
    lo.rx_n -= n;
    return (int)n;
}

/* Finishes the checksum as a virtio-net device does (virtio 1.2 §5.1.6.2), then
 * sends as lo_xmit. */
static int lo_xmit_csum(struct netdev *nd, unsigned qp, const void *f, size_t len,
                        uint16_t start, uint16_t off)
{
    static uint8_t c[FRAME_MAX];
    if (!nd->tx_csum || len > FRAME_MAX || (size_t)start + off + 2 > len)
        return -1;
    memcpy(c, f, len);
    lo.partial_xmits++;
    lo.csum_start = start;
    lo.csum_offset = off;
    lo.csum_seed = get16(c + start + off);
    uint16_t sum = csum_fold(csum_partial(c + start, len - start, 0));
    put16(c + start + off, sum ? sum : 0xffff);
    return lo_xmit(nd, qp, c, len);
}

static const struct netdev_ops lo_ops = { .xmit = lo_xmit, .xmit_csum = lo_xmit_csum,
                                          .poll = lo_poll };

static void inject(const uint8_t *f, size_t len) { lodev.rx_fn(&lodev, f, len, lodev.rx_ctx); }

/* ---- canned frames ---- */

static size_t arp_req(uint8_t *f, const uint8_t *sha, uint32_t spa, uint32_t tpa)
{
    memset(f, 0xff, 6);
    memcpy(f + 6, sha, 6);
    put16(f + 12, ETHERTYPE_ARP);
    uint8_t *a = f + ETH_HLEN;
    put16(a, 1); put16(a + 2, ETHERTYPE_IPV4); a[4] = 6; a[5] = 4; put16(a + 6, 1);
    memcpy(a + 8, sha, 6); put32(a + 14, spa);
    memset(a + 18, 0, 6); put32(a + 24, tpa);
    return ETH_HLEN + 28;
}

static size_t ip_frame(uint8_t *f, uint8_t proto, const uint8_t *l4, size_t l4len, uint16_t frag)
{
    memcpy(f, lo_mac, 6);
    memcpy(f + 6, peer_mac, 6);
    put16(f + 12, ETHERTYPE_IPV4);
    uint8_t *h = f + ETH_HLEN;
    memset(h, 0, IP_HLEN);
    h[0] = 0x45;
    put16(h + 2, (uint16_t)(IP_HLEN + l4len));
    put16(h + 6, frag);
    h[8] = 64; h[9] = proto;
    put32(h + 12, PEER_IP); put32(h + 16, GUEST_IP);
    put16(h + 10, csum_fold(csum_partial(h, IP_HLEN, 0)));
    memcpy(h + IP_HLEN, l4, l4len);
    return ETH_HLEN + IP_HLEN + l4len;
}

/* ---- the checks ---- */

static unsigned failed;
#define CHECK(n, cond) do { if (!(cond)) { printf("net-selftest: check %d failed: %s (line %d)\n", \
    n, #cond, __LINE__); if (!failed) failed = (n); } } while (0)

static unsigned udp_got;
static size_t udp_got_len;
static void udp_cb(uint32_t s, uint16_t sp, uint16_t dp, const uint8_t *d, size_t len, void *ctx)
{
    (void)s; (void)sp; (void)dp; (void)ctx;
    udp_got++;
    udp_got_len = len;
    if (len >= 3 && memcmp(d, "abc", 3) != 0)
        udp_got_len = (size_t)-1;
}

static void check_checksums(void)
{
    /* RFC 1071 §3's worked example: the sum of these bytes folds to 0xddf2. */
    static const uint8_t v[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
    CHECK(1, csum_fold(csum_partial(v, sizeof v, 0)) == (uint16_t)~0xddf2);
    /* An IPv4 header (192.168.0.1 -> 192.168.0.199, UDP) whose checksum is 0xb861. */
    static const uint8_t h[] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
    CHECK(1, csum_fold(csum_partial(h, sizeof h, 0)) == 0xb861);
    /* Odd lengths pad with a zero byte. */
    static const uint8_t o[] = { 0x12, 0x34, 0x56 };
    CHECK(1, csum_fold(csum_partial(o, 3, 0)) == (uint16_t)~(0x1234 + 0x5600));
    /* Address parsing and printing. */
    uint32_t ip = 0;
    char buf[16];
    CHECK(1, ip_parse("10.0.2.15", &ip) == 0 && ip == GUEST_IP);
    CHECK(1, strcmp(ip_str(IPV4(255, 0, 10, 1), buf), "255.0.10.1") == 0);
    CHECK(1, ip_parse("10.0.2", &ip) == -1 && ip_parse("10.0.2.256", &ip) == -1 &&
             ip_parse("10.0.2.1x", &ip) == -1 && ip_parse("1..2.3", &ip) == -1 &&
             ip_parse("", &ip) == -1 && ip_parse("0001.2.3.4", &ip) == -1);
}

static void check_dhcp(void)
{
    lo.answer = true;
    CHECK(3, net_dhcp(2000000) == 0);
    const struct net_config *c = net_config();
    CHECK(3, c->ip == GUEST_IP && c->gateway == PEER_IP && c->netmask == 0xffffff00u);
    CHECK(3, c->dns == DNS_IP && c->server == PEER_IP && c->lease_secs == 86400);
    /* The last frame sent was the REQUEST: broadcast, 0.0.0.0 -> 255.255.255.255,
     * 68 -> 67, checksums right, our xid, options 53 = 3, 50 and 54 present. */
    const uint8_t *f = lo.last, *ip = f + ETH_HLEN, *u = ip + IP_HLEN, *m = u + UDP_HLEN;
    CHECK(3, memcmp(f, eth_broadcast, 6) == 0 && memcmp(f + 6, lo_mac, 6) == 0);
    CHECK(3, get16(f + 12) == ETHERTYPE_IPV4 && get32(ip + 12) == 0 && get32(ip + 16) == IP_BROADCAST);
    CHECK(3, csum_fold(csum_partial(ip, IP_HLEN, 0)) == 0);
    CHECK(3, get16(u) == 68 && get16(u + 2) == 67);
    uint16_t ulen = get16(u + 4);
    CHECK(3, csum_fold(csum_partial(u, ulen, csum_pseudo(0, IP_BROADCAST, IPPROTO_UDP, ulen))) == 0);
    CHECK(3, get32(m + 4) == DHCP_XID && m[240] == 53 && m[242] == 3);
    CHECK(3, m[243] == 50 && get32(m + 245) == GUEST_IP && m[249] == 54 && get32(m + 251) == PEER_IP);
    CHECK(3, c->next_server == PEER_IP && strcmp(c->bootfile, "boot.img") == 0);

    /* A NAK every time: the client gives up with -2 in bounded time. */
    lo.nak = true;
    CHECK(4, net_dhcp(2000000) == -2);
    lo.nak = false;
    /* No server: -1 after the timeout. */
    lo.answer = false;
    uint64_t t0 = rdtime();
    CHECK(4, net_dhcp(300000) == -1);
    CHECK(4, rdtime() - t0 >= net_us_to_ticks(300000));

    /* Parsing: a good OFFER, then the same with defects. */
    static uint8_t req[300], msg[300];
    memcpy(req + 28, lo_mac, 6);
    struct dhcp_msg d;
    size_t n = dhcp_reply(msg, req, 2, DHCP_XID);
    CHECK(5, dhcp_parse(msg, n, &d) && d.type == 2 && d.yiaddr == GUEST_IP && d.dns == DNS_IP);
    CHECK(5, !dhcp_parse(msg, 239, &d));               /* shorter than the fixed part */
    dhcp_reply(msg, req, 2, DHCP_XID + 1);
    CHECK(5, !dhcp_parse(msg, n, &d));                 /* someone else's xid */
    dhcp_reply(msg, req, 2, DHCP_XID);
    msg[241] = 200;                                    /* option 53 runs past the end */
    CHECK(5, !dhcp_parse(msg, n, &d));
    dhcp_reply(msg, req, 2, DHCP_XID);
    CHECK(5, !dhcp_parse(msg, 242, &d));               /* cut inside an option */
    dhcp_reply(msg, req, 2, DHCP_XID);
    put32(msg + 236, 0x63825364u);
    CHECK(5, !dhcp_parse(msg, n, &d));                 /* bad magic cookie */
    dhcp_reply(msg, req, 2, DHCP_XID);
    msg[240] = 255;                                    /* END first: no message type */
    CHECK(5, !dhcp_parse(msg, n, &d));

    struct net_config cfg = { .ip = GUEST_IP, .netmask = 0xffffff00u, .gateway = PEER_IP,
                              .dns = DNS_IP, .server = PEER_IP, .lease_secs = 86400 };
    net_set_config(&cfg);
}

static void check_arp(void)
{
    static const uint8_t h9[6] = { 0x02, 0, 0, 0, 0, 0x09 };
    uint8_t mac[6];
    arp_flush();
    lo.answer = false;
    unsigned x0 = lo.xmits;
    size_t n = arp_req(frame, h9, IPV4(10, 0, 2, 9), GUEST_IP);
    inject(frame, n);
    CHECK(6, lo.xmits == x0 + 1 && lo.last_len == 60);   /* padded to the minimum */
    const uint8_t *a = lo.last + ETH_HLEN;
    CHECK(6, memcmp(lo.last, h9, 6) == 0 && get16(lo.last + 12) == ETHERTYPE_ARP);
    CHECK(6, get16(a + 6) == 2 && memcmp(a + 8, lo_mac, 6) == 0 && get32(a + 14) == GUEST_IP);
    CHECK(6, memcmp(a + 18, h9, 6) == 0 && get32(a + 24) == IPV4(10, 0, 2, 9));
    CHECK(6, arp_lookup(IPV4(10, 0, 2, 9), mac) && memcmp(mac, h9, 6) == 0);
    /* A request for someone else teaches nothing new and gets no answer. */
    n = arp_req(frame, h9, IPV4(10, 0, 2, 10), IPV4(10, 0, 2, 11));
    inject(frame, n);
    CHECK(6, lo.xmits == x0 + 1 && !arp_lookup(IPV4(10, 0, 2, 10), NULL));
    /* Malformed: hlen 7, and a multicast sender. */
    n = arp_req(frame, h9, IPV4(10, 0, 2, 12), GUEST_IP);
    frame[ETH_HLEN + 4] = 7;
    inject(frame, n);
    static const uint8_t mc[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
    n = arp_req(frame, mc, IPV4(10, 0, 2, 13), GUEST_IP);
    inject(frame, n);
    CHECK(6, lo.xmits == x0 + 1 && !arp_lookup(IPV4(10, 0, 2, 12), NULL) &&
             !arp_lookup(IPV4(10, 0, 2, 13), NULL));

    /* Nine hosts in an eight-entry cache: the first one learned goes. */
    arp_flush();
    for (unsigned i = 0; i < 9; i++) {
        uint8_t m6[6] = { 0x02, 0, 0, 0, 1, (uint8_t)i };
        n = arp_req(frame, m6, IPV4(10, 0, 2, 100 + i), GUEST_IP);
        inject(frame, n);
    }
    CHECK(7, !arp_lookup(IPV4(10, 0, 2, 100), NULL) && arp_lookup(IPV4(10, 0, 2, 101), NULL) &&
             arp_lookup(IPV4(10, 0, 2, 108), mac) && mac[5] == 8);

    /* Nobody answers: three requests, then -1. */
    arp_flush();
    x0 = lo.xmits;
    CHECK(8, arp_resolve(IPV4(10, 0, 2, 77), mac, 150000) == -1 && lo.xmits == x0 + 3);
    CHECK(8, get16(lo.last + ETH_HLEN + 6) == 1 && get32(lo.last + ETH_HLEN + 24) == IPV4(10, 0, 2, 77));
    /* The peer answers: resolved, and off-subnet destinations go to the gateway. */
    lo.answer = true;
    CHECK(8, arp_resolve(PEER_IP, mac, 150000) == 0 && memcmp(mac, peer_mac, 6) == 0);
    memset(mac, 0, 6);
    CHECK(8, ip_route(IPV4(8, 8, 8, 8), mac, 150000) == 0 && memcmp(mac, peer_mac, 6) == 0);
    CHECK(8, ip_route(IPV4(10, 0, 2, 255), mac, 0) == 0 && memcmp(mac, eth_broadcast, 6) == 0);
}

static void check_icmp(void)
{
    uint64_t rtt = 0;
    lo.answer = true;
    CHECK(9, net_ping(PEER_IP, 1, 56, 200000, &rtt) == 0);
    CHECK(9, lo.last_len == ETH_HLEN + IP_HLEN + 64 && lo.last[ETH_HLEN + IP_HLEN] == 8);
    CHECK(9, get16(lo.last + ETH_HLEN + IP_HLEN + 6) == 1);
    lo.corrupt_echo = true;
    CHECK(9, net_ping(PEER_IP, 2, 56, 200000, &rtt) == -4);
    lo.corrupt_echo = false;
    lo.answer = false;
    CHECK(9, net_ping(PEER_IP, 3, 56, 100000, &rtt) == -3);
    CHECK(9, net_ping(PEER_IP, 4, 2000, 100000, &rtt) == -2);   /* does not fit */

    /* The echo server: our reply goes back to the sender's MAC with the same data. */
    static uint8_t req[64];
    req[0] = 8;
    put16(req + 4, 0x1234);
    put16(req + 6, 7);
    for (unsigned i = 8; i < sizeof req; i++)
        req[i] = (uint8_t)i;
    put16(req + 2, csum_fold(csum_partial(req, sizeof req, 0)));
    size_t n = ip_frame(frame, IPPROTO_ICMP, req, sizeof req, 0);
    unsigned x0 = lo.xmits;
    inject(frame, n);
    const uint8_t *r = lo.last + ETH_HLEN + IP_HLEN;
    CHECK(10, lo.xmits == x0 + 1 && memcmp(lo.last, peer_mac, 6) == 0);
    CHECK(10, get32(lo.last + ETH_HLEN + 16) == PEER_IP && r[0] == 0);
    CHECK(10, csum_fold(csum_partial(r, sizeof req, 0)) == 0 && memcmp(r + 4, req + 4, 60) == 0);
    /* A bad checksum gets no answer. */
    req[10] ^= 1;
    n = ip_frame(frame, IPPROTO_ICMP, req, sizeof req, 0);
    inject(frame, n);
    CHECK(10, lo.xmits == x0 + 1 && net_stats()->rx_icmp_bad >= 1);
}

static void check_udp(void)
{
    lo.answer = true;
    CHECK(11, udp_bind(5000, udp_cb, NULL) == 0 && udp_bind(5000, udp_cb, NULL) == -1);
    udp_got = 0;
    static const char data[] = "abcdefgh";
    CHECK(11, udp_sendto(5000, PEER_IP, 7, data, 8, 100000) == 0);
    net_poll();
    CHECK(11, udp_got == 1 && udp_got_len == 8);
    /* A zero-length datagram and the largest one. */
    static uint8_t big[UDP_MAX_PAYLOAD];
    memcpy(big, "abc", 3);
    CHECK(11, udp_sendto(5000, PEER_IP, 7, big, 0, 100000) == 0);
    CHECK(11, udp_sendto(5000, PEER_IP, 7, big, sizeof big, 100000) == 0);
    net_poll();
    CHECK(11, udp_got == 3 && udp_got_len == UDP_MAX_PAYLOAD);
    CHECK(11, udp_sendto(5000, PEER_IP, 7, big, sizeof big + 1, 100000) == -1);
    /* Bad checksum, unbound port, length field past the datagram. */
    lo.answer = false;
    uint64_t csum0 = net_stats()->rx_udp_csum, noport0 = net_stats()->rx_udp_no_port;
    uint64_t bad0 = net_stats()->rx_udp_bad;
    static uint8_t u[20];
    put16(u, 7); put16(u + 2, 5000); put16(u + 4, 20);
    memcpy(u + 8, "abcdefghijkl", 12);
    put16(u + 6, csum_fold(csum_partial(u, 20, csum_pseudo(PEER_IP, GUEST_IP, IPPROTO_UDP, 20))));
    inject(frame, ip_frame(frame, IPPROTO_UDP, u, 20, 0));
    CHECK(12, udp_got == 4);
    u[19] ^= 0x40;
    inject(frame, ip_frame(frame, IPPROTO_UDP, u, 20, 0));
    CHECK(12, udp_got == 4 && net_stats()->rx_udp_csum == csum0 + 1);
    u[19] ^= 0x40;
    put16(u + 2, 5001);
    put16(u + 6, 0);                       /* no checksum: allowed */
    inject(frame, ip_frame(frame, IPPROTO_UDP, u, 20, 0));
    CHECK(12, net_stats()->rx_udp_no_port == noport0 + 1);
    put16(u + 2, 5000);
    put16(u + 4, 21);
    inject(frame, ip_frame(frame, IPPROTO_UDP, u, 20, 0));
    CHECK(12, udp_got == 4 && net_stats()->rx_udp_bad == bad0 + 1);
    udp_unbind(5000);
}

static unsigned tftp_bad;
static void tftp_check(const uint8_t *d, size_t len, uint64_t off, void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++)
        if (d[i] != tftp_byte(off + i))
            tftp_bad++;
}

/* Whether the UDP datagram in the last frame sent (untagged or tagged) has a
 * correct, non-zero checksum. */
static bool last_udp_csum_ok(size_t l3)
{
    const uint8_t *ip = lo.last + l3, *u = ip + IP_HLEN;
    uint16_t ulen = get16(u + 4);
    return get16(u + 6) != 0 &&
           csum_fold(csum_partial(u, ulen, csum_pseudo(get32(ip + 12), get32(ip + 16),
                                                       IPPROTO_UDP, ulen))) == 0;
}

/* Transmit checksum offload: with tx_csum the stack leaves the UDP checksum partial
 * (the uncomplemented pseudo-header sum) and names it by csum_start/csum_offset
 * from the frame's first byte; without, it sends finished checksums. */
static void check_udp_offload(void)
{
    lo.answer = true;
    CHECK(11, udp_bind(5000, udp_cb, NULL) == 0);
    udp_got = 0;
    lodev.tx_csum = true;
    unsigned p0 = lo.partial_xmits;
    CHECK(11, udp_sendto(5000, PEER_IP, 7, "abcdefg", 7, 100000) == 0);
    net_poll();
    CHECK(11, udp_got == 1 && udp_got_len == 7 && lo.partial_xmits == p0 + 1);
    CHECK(11, lo.csum_start == ETH_HLEN + IP_HLEN && lo.csum_offset == 6);
    uint16_t pseudo = (uint16_t)~csum_fold(csum_pseudo(net_config()->ip, PEER_IP, IPPROTO_UDP,
                                                       UDP_HLEN + 7));
    CHECK(11, lo.csum_seed == pseudo && last_udp_csum_ok(ETH_HLEN));
    /* Tagged: the tag moves the L4 header, and csum_start with it. */
    lo.answer = false;
    net_set_vlan(5);
    CHECK(11, udp_sendto(5000, PEER_IP, 7, "abc", 3, 100000) == 0);
    net_set_vlan(0);
    CHECK(11, lo.partial_xmits == p0 + 2 && lo.csum_start == ETH_HLEN + VLAN_HLEN + IP_HLEN &&
              get16(lo.last + 12) == ETHERTYPE_VLAN && last_udp_csum_ok(ETH_HLEN + VLAN_HLEN));
    /* Frames without a checksum to offload (ARP here) still go through xmit. */
    static const uint8_t h9[6] = { 0x02, 0, 0, 0, 0, 0x09 };
    unsigned x0 = lo.xmits;
    inject(frame, arp_req(frame, h9, IPV4(10, 0, 2, 9), GUEST_IP));
    CHECK(11, lo.xmits == x0 + 1 && lo.partial_xmits == p0 + 2);
    /* Offload off: finished in software. */
    lodev.tx_csum = false;
    CHECK(11, udp_sendto(5000, PEER_IP, 7, "abc", 3, 100000) == 0);
    CHECK(11, lo.partial_xmits == p0 + 2 && last_udp_csum_ok(ETH_HLEN));
    udp_unbind(5000);
}

static void check_tftp(void)
{
    struct tftp_result r;
    lo.answer = true;
    tftp_bad = 0;
    /* With options: OACK (blksize 1024, tsize), 3 blocks, the last one short. */
    CHECK(18, tftp_get(PEER_IP, "3000", tftp_check, NULL, &r) == 0);
    CHECK(18, r.bytes == 3000 && r.blocks == 3 && r.blksize == 1024 && r.tsize == 3000 &&
              tftp_bad == 0 && r.retransmits == 0 && lo.t_done);
    /* The RRQ asked for octet mode, blksize 1468 and tsize. */
    static const char rrq[] = "\0\001" "3000\0octet\0blksize\0" "1468\0tsize\0" "0";
    CHECK(18, lo.t_rrq_len == sizeof rrq && memcmp(lo.t_rrq, rrq, sizeof rrq) == 0);
    /* A size that is a multiple of the block: an empty last block ends it. */
    CHECK(18, tftp_get(PEER_IP, "2048", tftp_check, NULL, &r) == 0);
    CHECK(18, r.bytes == 2048 && r.blocks == 3 && tftp_bad == 0 && lo.t_done);
    CHECK(18, tftp_get(PEER_IP, "0", tftp_check, NULL, &r) == 0 && r.bytes == 0 && r.blocks == 1);
    /* An old server without options: 512-byte blocks straight away. */
    lo.tftp_no_options = true;
    CHECK(18, tftp_get(PEER_IP, "1500", tftp_check, NULL, &r) == 0);
    CHECK(18, r.bytes == 1500 && r.blocks == 3 && r.blksize == 512 && tftp_bad == 0);
    lo.tftp_no_options = false;
    /* Block 2 lost once: the client's timeout re-sends ACK 1, the server block 2. */
    lo.tftp_drop_block2 = true;
    CHECK(19, tftp_get(PEER_IP, "3000", tftp_check, NULL, &r) == 0);
    CHECK(19, r.bytes == 3000 && r.retransmits == 1 && tftp_bad == 0);
    /* A missing file: ERROR 1 with its message. */
    CHECK(19, tftp_get(PEER_IP, "missing", NULL, NULL, &r) == -2 && r.error_code == 1 &&
              strcmp(r.error, "File not found") == 0);
    CHECK(19, tftp_get(PEER_IP, "", NULL, NULL, &r) == -3);
}

static void check_ip_eth(void)
{
    lo.answer = false;
    const struct net_stats *s = net_stats();
    static uint8_t u[12];
    put16(u, 7); put16(u + 2, 5000); put16(u + 4, 12);
    /* A first fragment (MF) and a later one (offset 185): both dropped. */
    uint64_t frag0 = s->rx_ip_frag;
    inject(frame, ip_frame(frame, IPPROTO_UDP, u, 12, 0x2000));
    inject(frame, ip_frame(frame, IPPROTO_UDP, u, 12, 185));
    CHECK(13, s->rx_ip_frag == frag0 + 2);
    /* Header length 4 words, total length beyond the frame, bad header checksum. */
    uint64_t bad0 = s->rx_ip_bad, csum0 = s->rx_ip_csum;
    size_t n = ip_frame(frame, IPPROTO_UDP, u, 12, 0);
    frame[ETH_HLEN] = 0x44;
    inject(frame, n);
    n = ip_frame(frame, IPPROTO_UDP, u, 12, 0);
    inject(frame, n - 1);
    n = ip_frame(frame, IPPROTO_UDP, u, 12, 0);
    frame[ETH_HLEN + 8] = 1;               /* TTL changed, checksum not */
    inject(frame, n);
    CHECK(13, s->rx_ip_bad == bad0 + 2 && s->rx_ip_csum == csum0 + 1);

    /* VLAN: a tagged request for VID 5 is not ours; a priority tag (VID 0) is. */
    static const uint8_t h9[6] = { 0x02, 0, 0, 0, 0, 0x09 };
    static uint8_t t[FRAME_MAX];
    n = arp_req(frame, h9, IPV4(10, 0, 2, 9), GUEST_IP);
    memcpy(t, frame, 12);
    put16(t + 12, ETHERTYPE_VLAN);
    put16(t + 14, 5);
    memcpy(t + 16, frame + 12, n - 12);
    unsigned x0 = lo.xmits;
    uint64_t vlan0 = s->rx_vlan_other;
    inject(t, n + 4);
    CHECK(14, lo.xmits == x0 && s->rx_vlan_other == vlan0 + 1);
    put16(t + 14, 0x2000);                 /* PCP 1, VID 0 */
    inject(t, n + 4);
    CHECK(14, lo.xmits == x0 + 1);
    /* On VLAN 5 we send tagged and take the VID 5 frame. */
    net_set_vlan(5);
    put16(t + 14, 5);
    inject(t, n + 4);
    CHECK(14, lo.xmits == x0 + 2 && get16(lo.last + 12) == ETHERTYPE_VLAN &&
              get16(lo.last + 14) == 5 && get16(lo.last + 16) == ETHERTYPE_ARP);
    net_set_vlan(0);
    /* Not for our MAC: ignored, unless promiscuous, and even then not answered. */
    uint64_t nfu0 = s->rx_not_for_us;
    static const uint8_t other[6] = { 0x02, 1, 2, 3, 4, 5 };
    n = ip_frame(frame, IPPROTO_ICMP, u, 12, 0);
    memcpy(frame, other, 6);
    inject(frame, n);
    CHECK(15, s->rx_not_for_us == nfu0 + 1 && lo.xmits == x0 + 2);
    /* Truncated frames of every length below a header. */
    uint64_t runt0 = s->rx_runt;
    for (size_t len = 0; len < ETH_HLEN; len++)
        inject(frame, len);
    inject(t, ETH_HLEN + 2);               /* a VLAN tag cut short */
    CHECK(15, s->rx_runt == runt0 + ETH_HLEN + 1);
}

/* Garbage: deterministic pseudo-random frames with plausible headers so that the
 * parsers below Ethernet see them too. Passing means not crashing and counting. */
static void check_garbage(void)
{
    uint32_t x = 0x2545f491u;
    const struct net_stats *s = net_stats();
    uint64_t rx0 = s->rx_frames;
    static const uint16_t types[] = { ETHERTYPE_IPV4, ETHERTYPE_ARP, ETHERTYPE_VLAN, 0x86dd };
    lo.answer = false;
    for (unsigned i = 0; i < 3000; i++) {
        for (size_t j = 0; j < FRAME_MAX; j += 4) {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;    /* xorshift32 */
            put32(frame + j, x);
        }
        size_t len = x % (ETH_HLEN + ETH_MTU + 4 + 1);
        memcpy(frame, (x & 1) ? lo_mac : eth_broadcast, 6);
        put16(frame + 12, types[(x >> 8) & 3]);
        frame[ETH_HLEN] = (uint8_t)(0x40 | ((x >> 12) & 0xf));   /* IPv4, any IHL */
        frame[ETH_HLEN + 9] = (x & 0x100) ? IPPROTO_UDP : IPPROTO_ICMP;
        if (x & 0x200) {                  /* sometimes a valid header checksum */
            put16(frame + ETH_HLEN + 10, 0);
            size_t hl = (size_t)(frame[ETH_HLEN] & 0xf) * 4;
            put16(frame + ETH_HLEN + 10, csum_fold(csum_partial(frame + ETH_HLEN, hl, 0)));
        }
        inject(frame, len);
        lo.rx_n = 0;                       /* drop anything queued for the peer */
    }
    CHECK(16, s->rx_frames == rx0 + 3000);
}

static bool never(void *ctx) { (void)ctx; return false; }

/* With interrupts on, waits sleep in wfi bounded by the machine timer: a wait with no
 * traffic must still end, on time. */
static void check_wfi_wait(void)
{
    uint64_t i0, i1;
    interrupts_on();
    net_use_wfi(true);
    uint64_t t0 = rdtime();
    __asm__ volatile("csrr %0, minstret" : "=r"(i0));
    bool r = net_wait(never, NULL, 50000);
    __asm__ volatile("csrr %0, minstret" : "=r"(i1));
    uint64_t dt = rdtime() - t0;
    net_use_wfi(false);
    interrupts_off();
    CHECK(17, !r && dt >= net_us_to_ticks(50000) && dt < net_us_to_ticks(1000000));
    printf("net-selftest: 50 ms idle wait took %llu ticks, %llu instructions\n",
           (unsigned long long)dt, (unsigned long long)(i1 - i0));
}

static int selftest_run(void)
{
    memset(&lo, 0, sizeof lo);
    lodev = (struct netdev){ .name = "lo", .mtu = ETH_MTU, .link_up = true,
                             .max_queue_pairs = 1, .queue_pairs = 1, .ops = &lo_ops };
    memcpy(lodev.mac, lo_mac, 6);
    failed = 0;
    check_checksums();
    CHECK(2, net_init(NULL) == -1 && net_init(&lodev) == 0 && memcmp(net_mac(), lo_mac, 6) == 0);
    CHECK(2, lodev.rx_fn != NULL);
    if (failed)
        return NX_SELFTEST + (int)failed;
    net_use_wfi(false);
    check_dhcp();
    check_arp();
    check_icmp();
    check_udp();
    check_udp_offload();
    check_tftp();
    check_ip_eth();
    check_garbage();
    check_wfi_wait();
    const struct net_stats *s = net_stats();
    printf("net-selftest: tx %llu frames, rx %llu frames (%llu ip, %llu arp, %llu udp, "
           "%llu icmp)\n", (unsigned long long)s->tx_frames, (unsigned long long)s->rx_frames,
           (unsigned long long)s->rx_ip, (unsigned long long)s->rx_arp,
           (unsigned long long)s->rx_udp, (unsigned long long)s->rx_icmp);
    if (failed)
        return NX_SELFTEST + (int)failed;
    printf("net-selftest: all checks passed\n");
    return NX_OK;
}

const struct scenario scenario_net_selftest = {
    "net-selftest", selftest_run, "the network stack against a loopback peer (no device)",
};
