/* Unit tests of the built-in network peer (sim/net/peer.c and its services): each
 * service answers as its RFC says (ARP 826, ICMP 792, DHCP 2131/2132, TFTP 1350 with
 * 2347-2349, UDP echo 862), malformed frames are dropped with the right reason, and
 * every truncation of every valid request is refused without reading past it. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/netbuild.h"

static NbSink sink;            /* static: ~0.5 MiB */
static uint8_t fr[ETH_FRAME_MAX];

static NetPeer *fresh(const char *dir)
{
    sink.n = 0;
    NetPeer *p = nb_peer(&sink, dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    return p;
}

/* ---- ARP ---- */

static void test_arp_reply(void)
{
    NetPeer *p = fresh(NULL);
    PeerAction act;
    size_t n = nb_arp(fr, ARP_REQUEST, nb_guest_mac, PEER_GUEST_IP, PEER_GW_IP);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
    CU_ASSERT_EQUAL(act.kind, PEER_ACT_ARP_REPLY);
    CU_ASSERT_STRING_EQUAL(act.detail, "10.0.2.2 is-at 52:55:0a:00:02:02");
    CU_ASSERT_EQUAL_FATAL(sink.n, 1);
    const uint8_t *r = sink.frame[0], *a = r + ETH_HLEN;
    CU_ASSERT_EQUAL(sink.len[0], ETH_ZLEN);                 /* padded like slirp */
    CU_ASSERT_EQUAL(memcmp(r + ETH_DST, nb_guest_mac, 6), 0);
    CU_ASSERT_EQUAL(memcmp(r + ETH_SRC, peer_mac, 6), 0);
    CU_ASSERT_EQUAL(ld16_be(r + ETH_TYPE), ETHERTYPE_ARP);
    CU_ASSERT_EQUAL(ld16_be(a + ARP_HTYPE), 1);
    CU_ASSERT_EQUAL(ld16_be(a + ARP_PTYPE), ETHERTYPE_IPV4);
    CU_ASSERT_EQUAL(a[ARP_HLEN], 6);
    CU_ASSERT_EQUAL(a[ARP_PLEN], 4);
    CU_ASSERT_EQUAL(ld16_be(a + ARP_OPER), ARP_REPLY);
    CU_ASSERT_EQUAL(memcmp(a + ARP_SHA, peer_mac, 6), 0);
    CU_ASSERT_EQUAL(ld32_be(a + ARP_SPA), PEER_GW_IP);
    CU_ASSERT_EQUAL(memcmp(a + ARP_THA, nb_guest_mac, 6), 0);
    CU_ASSERT_EQUAL(ld32_be(a + ARP_TPA), PEER_GUEST_IP);
    uint8_t mac[6];
    CU_ASSERT_TRUE(peer_guest_mac(p, mac));
    CU_ASSERT_EQUAL(memcmp(mac, nb_guest_mac, 6), 0);

    /* The DNS address lives at the same MAC; other addresses are not ours. */
    n = nb_arp(fr, ARP_REQUEST, nb_guest_mac, PEER_GUEST_IP, PEER_DNS_IP);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
    CU_ASSERT_EQUAL(ld32_be(sink.frame[1] + ETH_HLEN + ARP_SPA), PEER_DNS_IP);
    n = nb_arp(fr, ARP_REQUEST, nb_guest_mac, PEER_GUEST_IP, IPV4(10, 0, 2, 99));
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 0);
    CU_ASSERT_EQUAL(act.drop, PEER_DROP_ARP_OTHER);
    /* A gratuitous ARP teaches, and is not answered. */
    n = nb_arp(fr, ARP_REQUEST, nb_guest_mac, PEER_GUEST_IP, PEER_GUEST_IP);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 0);
    CU_ASSERT_EQUAL(act.kind, PEER_ACT_ARP_LEARNED);
    /* Not Ethernet/IPv4 ARP. */
    n = nb_arp(fr, ARP_REQUEST, nb_guest_mac, PEER_GUEST_IP, PEER_GW_IP);
    fr[ETH_HLEN + ARP_HLEN] = 8;
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 0);
    CU_ASSERT_EQUAL(act.drop, PEER_DROP_ARP_BAD);
    CU_ASSERT_EQUAL(sink.n, 2);
    CU_ASSERT_EQUAL(peer_stats(p)->actions[PEER_ACT_ARP_REPLY], 2);
    CU_ASSERT_EQUAL(peer_stats(p)->drops[PEER_DROP_ARP_BAD], 1);
    peer_destroy(p);
}

/* ---- ICMP ---- */

static void test_icmp_echo(void)
{
    NetPeer *p = fresh(NULL);
    PeerAction act;
    uint8_t data[57];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 1);
    size_t n = nb_ping(fr, PEER_GW_IP, 0xbeef, 3, data, sizeof data);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
    CU_ASSERT_EQUAL(act.kind, PEER_ACT_ICMP_ECHO_REPLY);
    CU_ASSERT_STRING_EQUAL(act.detail, "id 48879 seq 3");
    CU_ASSERT_EQUAL_FATAL(sink.n, 1);
    const uint8_t *r = sink.frame[0];
    CU_ASSERT_EQUAL(memcmp(r + ETH_DST, nb_guest_mac, 6), 0);
    Ipv4View ip;
    CU_ASSERT_EQUAL_FATAL(ipv4_parse(r + ETH_HLEN, sink.len[0] - ETH_HLEN, &ip), IPV4_OK);
    CU_ASSERT_EQUAL(ip.src, PEER_GW_IP);
    CU_ASSERT_EQUAL(ip.dst, PEER_GUEST_IP);
    CU_ASSERT_EQUAL(ip.proto, IPPROTO_ICMP_);
    CU_ASSERT_EQUAL_FATAL(ip.plen, ICMP_HLEN + sizeof data);
    CU_ASSERT_EQUAL(ip.payload[ICMP_TYPE], ICMP_ECHO_REPLY);
    CU_ASSERT_EQUAL(ip.payload[ICMP_CODE], 0);
    CU_ASSERT_EQUAL(ld16_be(ip.payload + ICMP_ID), 0xbeef);
    CU_ASSERT_EQUAL(ld16_be(ip.payload + ICMP_SEQ), 3);
    CU_ASSERT_EQUAL(inet_csum(ip.payload, ip.plen), 0);
    CU_ASSERT_EQUAL(memcmp(ip.payload + ICMP_HLEN, data, sizeof data), 0);

    /* A corrupted ICMP checksum, and an echo to somebody else. */
    n = nb_ping(fr, PEER_GW_IP, 1, 1, data, 8);
    fr[ETH_HLEN + IPV4_HLEN + ICMP_CSUM] ^= 1;
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 0);
    CU_ASSERT_EQUAL(act.drop, PEER_DROP_ICMP_CSUM);
    n = nb_ping(fr, IPV4(10, 0, 2, 77), 1, 1, data, 8);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 0);
    CU_ASSERT_EQUAL(act.drop, PEER_DROP_NOT_FOR_US);
    CU_ASSERT_EQUAL(sink.n, 1);
    peer_destroy(p);
}

/* ---- DHCP ---- */

enum { BP_XID = 4, BP_FLAGS = 10, BP_CIADDR = 12, BP_YIADDR = 16, BP_SIADDR = 20,
       BP_CHADDR = 28, BP_COOKIE = 236, BP_OPTIONS = 240 };

/* A client message: op 1, Ethernet, xid, chaddr, the options given (already coded). */
static size_t dhcp_msg(uint8_t *f, uint32_t xid, const uint8_t *opts, size_t olen)
{
    uint8_t m[548];
    memset(m, 0, sizeof m);
    m[0] = 1;
    m[1] = 1;
    m[2] = 6;
    st32_be(m + BP_XID, xid);
    memcpy(m + BP_CHADDR, nb_guest_mac, 6);
    st32_be(m + BP_COOKIE, 0x63825363u);
    if (olen)
        memcpy(m + BP_OPTIONS, opts, olen);
    m[BP_OPTIONS + olen] = 255;
    return nb_udp(f, nb_bcast, 0, IPV4_BROADCAST, 68, 67, m, 300);
}

/* The value of option code in a server message, or NULL. */
static const uint8_t *dhcp_opt(const uint8_t *m, size_t len, uint8_t code, uint8_t *olen)
{
    for (size_t i = BP_OPTIONS; i + 1 < len && m[i] != 255; ) {
        if (m[i] == 0) {
            i++;
            continue;
        }
        if (i + 2 + m[i + 1] > len)
            return NULL;
        if (m[i] == code) {
            *olen = m[i + 1];
            return m + i + 2;
        }
        i += 2 + m[i + 1];
    }
    return NULL;
}

static void check_opt32(const uint8_t *m, size_t len, uint8_t code, uint32_t want)
{
    uint8_t ol = 0;
    const uint8_t *v = dhcp_opt(m, len, code, &ol);
    CU_ASSERT_PTR_NOT_NULL(v);
    if (v) {
        CU_ASSERT_EQUAL(ol, 4);
        CU_ASSERT_EQUAL(ld32_be(v), want);
    }
}

/* Checks a server reply of type want and returns its BOOTP message. */
static const uint8_t *dhcp_reply(int idx, uint8_t want, size_t *mlen)
{
    const uint8_t *m = nb_udp_payload(sink.frame[idx], sink.len[idx], mlen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL_FATAL(*mlen >= BP_OPTIONS, 1);
    CU_ASSERT_EQUAL(m[0], 2);
    CU_ASSERT_EQUAL(ld32_be(m + BP_XID), 0xdeadbeef);
    CU_ASSERT_EQUAL(memcmp(m + BP_CHADDR, nb_guest_mac, 6), 0);
    CU_ASSERT_EQUAL(ld32_be(m + BP_COOKIE), 0x63825363u);
    uint8_t ol = 0;
    const uint8_t *t = dhcp_opt(m, *mlen, 53, &ol);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(ol, 1);
    CU_ASSERT_EQUAL(t[0], want);
    Ipv4View ip;
    ipv4_parse(sink.frame[idx] + ETH_HLEN, sink.len[idx] - ETH_HLEN, &ip);
    CU_ASSERT_EQUAL(ip.src, PEER_GW_IP);
    CU_ASSERT_EQUAL(ld16_be(ip.payload + UDP_SPORT), 67);
    CU_ASSERT_EQUAL(ld16_be(ip.payload + UDP_DPORT), 68);
    return m;
}

static void test_dhcp(void)
{
    NetPeer *p = fresh(NULL);
    PeerAction act;
    static const uint8_t discover[] = { 53, 1, 1, 55, 4, 1, 3, 6, 51 };
    size_t n = dhcp_msg(fr, 0xdeadbeef, discover, sizeof discover);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
    CU_ASSERT_EQUAL(act.kind, PEER_ACT_DHCP_OFFER);
    CU_ASSERT_EQUAL_FATAL(sink.n, 1);
    size_t ml;
    const uint8_t *m = dhcp_reply(0, 2, &ml);
    CU_ASSERT_EQUAL(ld32_be(m + BP_YIADDR), PEER_GUEST_IP);
    CU_ASSERT_EQUAL(ld32_be(m + BP_SIADDR), PEER_GW_IP);
    check_opt32(m, ml, 1, 0xffffff00u);
    check_opt32(m, ml, 3, PEER_GW_IP);
    check_opt32(m, ml, 6, PEER_DNS_IP);
    check_opt32(m, ml, 51, 86400);
    check_opt32(m, ml, 54, PEER_GW_IP);
    /* No broadcast flag and an Ethernet chaddr: unicast to the offered address. */
    CU_ASSERT_EQUAL(memcmp(sink.frame[0] + ETH_DST, nb_guest_mac, 6), 0);
    CU_ASSERT_EQUAL(ld32_be(sink.frame[0] + ETH_HLEN + IP_DST), PEER_GUEST_IP);

    /* REQUEST (SELECTING: server id and requested address) → ACK. */
    static const uint8_t request[] = { 53, 1, 3, 50, 4, 10, 0, 2, 15, 54, 4, 10, 0, 2, 2 };
    n = dhcp_msg(fr, 0xdeadbeef, request, sizeof request);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
    CU_ASSERT_EQUAL(act.kind, PEER_ACT_DHCP_ACK);
    CU_ASSERT_STRING_EQUAL(act.detail, "10.0.2.15 xid 0xdeadbeef");
    CU_ASSERT_EQUAL_FATAL(sink.n, 2);
    m = dhcp_reply(1, 5, &ml);
    CU_ASSERT_EQUAL(ld32_be(m + BP_YIADDR), PEER_GUEST_IP);
    check_opt32(m, ml, 1, 0xffffff00u);
    check_opt32(m, ml, 3, PEER_GW_IP);
    check_opt32(m, ml, 51, 86400);
    check_opt32(m, ml, 54, PEER_GW_IP);

    /* The broadcast flag makes the reply broadcast. */
    n = dhcp_msg(fr, 0xdeadbeef, request, sizeof request);
    st16_be(fr + ETH_HLEN + IPV4_HLEN + UDP_HLEN + BP_FLAGS, 0x8000);
    uint8_t *u = fr + ETH_HLEN + IPV4_HLEN;
    st16_be(u + UDP_CSUM, 0);
    st16_be(u + UDP_CSUM, udp_csum(0, IPV4_BROADCAST, u, ld16_be(u + UDP_LEN)));
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
    CU_ASSERT_EQUAL(memcmp(sink.frame[2] + ETH_DST, nb_bcast, 6), 0);
    CU_ASSERT_EQUAL(ld32_be(sink.frame[2] + ETH_HLEN + IP_DST), IPV4_BROADCAST);

    /* INIT-REBOOT for an address we do not lease → NAK; another server → silence. */
    static const uint8_t wrong[] = { 53, 1, 3, 50, 4, 10, 0, 2, 99 };
    n = dhcp_msg(fr, 0xdeadbeef, wrong, sizeof wrong);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
    CU_ASSERT_EQUAL(act.kind, PEER_ACT_DHCP_NAK);
    m = dhcp_reply(3, 6, &ml);
    CU_ASSERT_EQUAL(ld32_be(m + BP_YIADDR), 0);
    static const uint8_t other[] = { 53, 1, 3, 50, 4, 10, 0, 2, 15, 54, 4, 10, 0, 2, 9 };
    n = dhcp_msg(fr, 0xdeadbeef, other, sizeof other);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 0);
    CU_ASSERT_EQUAL(act.drop, PEER_DROP_DHCP_IGNORED);
    /* An option running past the message. */
    static const uint8_t overrun[] = { 53, 1, 1, 12, 200, 'x' };
    n = dhcp_msg(fr, 0xdeadbeef, overrun, sizeof overrun);
    uint8_t *bp = fr + ETH_HLEN + IPV4_HLEN + UDP_HLEN;
    memset(bp + BP_OPTIONS + sizeof overrun, 'y', 300 - BP_OPTIONS - sizeof overrun);
    st16_be(u + UDP_CSUM, 0);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 0);
    CU_ASSERT_EQUAL(act.drop, PEER_DROP_DHCP_BAD);
    CU_ASSERT_EQUAL(sink.n, 4);
    /* A BOOTP client (no message type) gets the lease in one exchange. */
    n = dhcp_msg(fr, 0xdeadbeef, NULL, 0);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
    CU_ASSERT_EQUAL(act.kind, PEER_ACT_DHCP_ACK);
    m = nb_udp_payload(sink.frame[4], sink.len[4], &ml);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(ld32_be(m + BP_YIADDR), PEER_GUEST_IP);
    check_opt32(m, ml, 1, 0xffffff00u);
    check_opt32(m, ml, 3, PEER_GW_IP);
    peer_destroy(p);
}

/* ---- TFTP ---- */

static char tdir[64];

static void write_file(const char *name, size_t size)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tdir, name);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    for (size_t i = 0; i < size; i++)
        fputc((int)((i * 31 + i / 256) & 0xff), f);
    fclose(f);
}

static size_t tftp_frame(uint8_t *f, uint16_t sport, uint16_t dport, const void *msg, size_t len)
{
    return nb_udp(f, peer_mac, PEER_GUEST_IP, PEER_GW_IP, sport, dport, msg, len);
}

static size_t rrq(uint8_t *f, const char *name, const char *opts, size_t optlen)
{
    uint8_t m[512];
    size_t n = 0;
    st16_be(m, 1);
    n = 2;
    memcpy(m + n, name, strlen(name) + 1);
    n += strlen(name) + 1;
    memcpy(m + n, "octet", 6);
    n += 6;
    memcpy(m + n, opts, optlen);
    n += optlen;
    return tftp_frame(f, 1234, 69, m, n);
}

static size_t ack(uint8_t *f, uint16_t port, uint16_t block)
{
    uint8_t m[4];
    st16_be(m, 4);
    st16_be(m + 2, block);
    return tftp_frame(f, 1234, port, m, 4);
}

/* The TFTP message of sink frame idx, checking it goes to the client's port. */
static const uint8_t *tftp_out(int idx, size_t *len, uint16_t *server_port)
{
    const uint8_t *m = nb_udp_payload(sink.frame[idx], sink.len[idx], len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    const uint8_t *udp = m - UDP_HLEN;
    CU_ASSERT_EQUAL(ld16_be(udp + UDP_DPORT), 1234);
    if (server_port)
        *server_port = ld16_be(udp + UDP_SPORT);
    return m;
}

/* Runs a whole transfer of name (size bytes) with ACKs; checks every block. */
static void transfer(NetPeer *p, const char *name, size_t size, const char *opts, size_t optlen,
                     size_t blksize)
{
    PeerAction act;
    sink.n = 0;
    size_t n = rrq(fr, name, opts, optlen);
    CU_ASSERT_EQUAL_FATAL(nb_input(p, fr, n, &act), 1);
    size_t len;
    uint16_t port;
    const uint8_t *m = tftp_out(0, &len, &port);
    CU_ASSERT(port >= 49152);
    if (optlen) {
        CU_ASSERT_EQUAL_FATAL(ld16_be(m), 6);       /* OACK, then ACK 0 starts data */
        CU_ASSERT_EQUAL(act.kind, PEER_ACT_TFTP_OACK);
        sink.n = 0;
        n = ack(fr, port, 0);
        CU_ASSERT_EQUAL_FATAL(nb_input(p, fr, n, &act), 1);
    }
    size_t got = 0;
    for (uint16_t block = 1;; block++) {
        CU_ASSERT_EQUAL_FATAL(sink.n, 1);
        uint16_t from;
        m = tftp_out(0, &len, &from);
        CU_ASSERT_EQUAL(from, port);
        CU_ASSERT_EQUAL_FATAL(ld16_be(m), 3);
        CU_ASSERT_EQUAL_FATAL(ld16_be(m + 2), block);
        size_t dl = len - 4;
        CU_ASSERT_EQUAL_FATAL(dl, size - got < blksize ? size - got : blksize);
        for (size_t i = 0; i < dl; i++)
            if (m[4 + i] != (uint8_t)(((got + i) * 31 + (got + i) / 256) & 0xff)) {
                CU_FAIL("tftp data differs from the file");
                break;
            }
        got += dl;
        sink.n = 0;
        n = ack(fr, port, block);
        int out = nb_input(p, fr, n, &act);
        if (dl < blksize) {
            CU_ASSERT_EQUAL(out, 0);
            CU_ASSERT_EQUAL(act.kind, PEER_ACT_TFTP_DONE);
            break;
        }
        CU_ASSERT_EQUAL_FATAL(out, 1);
    }
    CU_ASSERT_EQUAL(got, size);
    /* The transfer port is closed: a late ACK finds no service. */
    n = ack(fr, port, 1);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 0);
    CU_ASSERT_EQUAL(act.drop, PEER_DROP_NO_SERVICE);
}

static uint16_t tftp_error_code(int idx, const char **msg)
{
    size_t len;
    const uint8_t *m = tftp_out(idx, &len, NULL);
    CU_ASSERT_EQUAL_FATAL(ld16_be(m), 5);
    CU_ASSERT_EQUAL(m[len - 1], 0);
    *msg = (const char *)m + 4;
    return ld16_be(m + 2);
}

static int tftp_setup(void)
{
    snprintf(tdir, sizeof tdir, "/tmp/ringside-tftp-XXXXXX");
    return mkdtemp(tdir) ? 0 : -1;
}

static int tftp_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_tftp_transfers(void)
{
    write_file("small.bin", 1000);
    write_file("exact.bin", 1024);
    write_file("empty.bin", 0);
    write_file("big.bin", 3000);
    NetPeer *p = fresh(tdir);
    transfer(p, "small.bin", 1000, "", 0, 512);
    /* 512 * 2 bytes: a third, empty DATA block says the file ended. */
    transfer(p, "exact.bin", 1024, "", 0, 512);
    transfer(p, "empty.bin", 0, "", 0, 512);
    /* U-Boot's options: blksize 1468 (one Ethernet frame), tsize 0 asks the size. */
    static const char opts[] = "blksize\0" "1468\0" "tsize\0" "0\0" "windowsize\0" "4";
    transfer(p, "big.bin", 3000, opts, sizeof opts, 1468);
    /* The OACK acknowledged blksize and tsize (with the size) but not windowsize. */
    sink.n = 0;
    PeerAction act;
    size_t n = rrq(fr, "big.bin", opts, sizeof opts);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
    size_t len;
    const uint8_t *m = tftp_out(0, &len, NULL);
    static const char oack[] = "\0\6" "blksize\0" "1468\0" "tsize\0" "3000";
    CU_ASSERT_EQUAL(len, sizeof oack);
    CU_ASSERT_EQUAL(memcmp(m, oack, sizeof oack), 0);
    /* A blksize beyond one frame is answered with the largest that fits. */
    static const char huge[] = "BLKSIZE\0" "65464";
    transfer(p, "big.bin", 3000, huge, sizeof huge, 1468);
    static const char tiny[] = "blksize\0" "8";
    transfer(p, "small.bin", 1000, tiny, sizeof tiny, 8);
    CU_ASSERT_EQUAL(peer_stats(p)->actions[PEER_ACT_TFTP_DONE], 6);
    peer_destroy(p);
}

static void test_tftp_errors(void)
{
    write_file("f.bin", 100);
    char outside[160];
    snprintf(outside, sizeof outside, "%s-outside", tdir);
    FILE *o = fopen(outside, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    fputs("secret", o);
    fclose(o);
    char link[160];
    snprintf(link, sizeof link, "%s/link", tdir);
    CU_ASSERT_EQUAL(symlink(outside, link), 0);

    NetPeer *p = fresh(tdir);
    PeerAction act;
    const char *msg;
    struct { const char *name; uint16_t code; } cases[] = {
        { "missing.bin", 1 }, { "../x", 2 }, { "a/../../x", 2 }, { "..", 2 },
        { "/etc/passwd", 2 }, { "link", 2 }, { "dir\\..\\x", 2 }, { "", 1 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        sink.n = 0;
        size_t n = rrq(fr, cases[i].name, "", 0);
        CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
        CU_ASSERT_EQUAL(act.kind, PEER_ACT_TFTP_ERROR);
        CU_ASSERT_EQUAL_FATAL(sink.n, 1);
        CU_ASSERT_EQUAL(tftp_error_code(0, &msg), cases[i].code);
    }
    /* Writes and netascii are refused; a truncated request is dropped. */
    sink.n = 0;
    size_t n = rrq(fr, "f.bin", "", 0);
    st16_be(fr + ETH_HLEN + IPV4_HLEN + UDP_HLEN, 2);
    uint8_t *u = fr + ETH_HLEN + IPV4_HLEN;
    st16_be(u + UDP_CSUM, 0);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
    CU_ASSERT_EQUAL(tftp_error_code(0, &msg), 2);
    static const uint8_t netascii[] = { 0, 1, 'f', '.', 'b', 'i', 'n', 0, 'n', 'e', 't', 'a', 's', 'c', 'i', 'i', 0 };
    sink.n = 0;
    n = tftp_frame(fr, 1234, 69, netascii, sizeof netascii);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
    CU_ASSERT_EQUAL(tftp_error_code(0, &msg), 4);
    static const uint8_t unterminated[] = { 0, 1, 'f', '.', 'b', 'i', 'n', 0, 'o', 'c', 't' };
    n = tftp_frame(fr, 1234, 69, unterminated, sizeof unterminated);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 0);
    CU_ASSERT_EQUAL(act.drop, PEER_DROP_TFTP_BAD);

    /* Without --tftp every file is missing. */
    NetPeer *q = fresh(NULL);
    n = rrq(fr, "f.bin", "", 0);
    CU_ASSERT_EQUAL(nb_input(q, fr, n, &act), 1);
    CU_ASSERT_EQUAL(tftp_error_code(0, &msg), 1);
    peer_destroy(q);
    peer_destroy(p);
    unlink(outside);
}

static void test_tftp_retransmit(void)
{
    write_file("r.bin", 2000);
    NetPeer *p = fresh(tdir);
    PeerAction act;
    size_t n = rrq(fr, "r.bin", "", 0), len;
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
    uint16_t port;
    tftp_out(0, &len, &port);
    n = ack(fr, port, 1);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);          /* block 2 */
    /* The client's first repeat of ACK 1 may only mean a duplicated block 1: ignored
     * (no Sorcerer's Apprentice); a second repeat means block 2 was lost: resent. */
    sink.n = 0;
    n = ack(fr, port, 1);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 0);
    CU_ASSERT_EQUAL(act.drop, PEER_DROP_TFTP_DUP_ACK);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
    CU_ASSERT_EQUAL(act.kind, PEER_ACT_TFTP_DATA);
    const uint8_t *m = tftp_out(0, &len, NULL);
    CU_ASSERT_EQUAL(ld16_be(m + 2), 2);
    /* An ACK from the future is stale; a stranger's packet gets "unknown TID". */
    n = ack(fr, port, 9);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 0);
    CU_ASSERT_EQUAL(act.drop, PEER_DROP_TFTP_STALE);
    uint8_t a[4] = { 0, 4, 0, 2 };
    sink.n = 0;
    n = tftp_frame(fr, 4321, port, a, 4);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
    CU_ASSERT_EQUAL(ld16_be(nb_udp_payload(sink.frame[0], sink.len[0], &len)), 5);
    CU_ASSERT_EQUAL(ld16_be(sink.frame[0] + ETH_HLEN + IPV4_HLEN + UDP_DPORT), 4321);
    /* ...and the transfer goes on. */
    sink.n = 0;
    n = ack(fr, port, 2);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
    m = tftp_out(0, &len, NULL);
    CU_ASSERT_EQUAL(ld16_be(m + 2), 3);
    /* Transfer ids come from a counter: the next transfer uses the next port. */
    sink.n = 0;
    n = rrq(fr, "r.bin", "", 0);
    nb_input(p, fr, n, &act);
    uint16_t port2;
    tftp_out(0, &len, &port2);
    CU_ASSERT_EQUAL(port2, port + 1);
    peer_destroy(p);
}

static void test_tftp_repeated_options(void)
{
    /* Each option is answered once, however often the request repeats it. */
    write_file("o.bin", 10);
    NetPeer *p = fresh(tdir);
    uint8_t m[1400];
    size_t n = 0;
    st16_be(m, 1);
    n = 2;
    memcpy(m + n, "o.bin\0octet", 12);
    n += 12;
    while (n + 8 < sizeof m) {
        memcpy(m + n, "tsize\0" "0", 8);
        n += 8;
    }
    PeerAction act;
    size_t fl = tftp_frame(fr, 1234, 69, m, n), len;
    CU_ASSERT_EQUAL(nb_input(p, fr, fl, &act), 1);
    const uint8_t *o = tftp_out(0, &len, NULL);
    static const char oack[] = "\0\6" "tsize\0" "10";
    CU_ASSERT_EQUAL(len, sizeof oack);
    CU_ASSERT_EQUAL(memcmp(o, oack, sizeof oack), 0);
    peer_destroy(p);
}

/* ---- UDP echo and drops ---- */

static void test_udp_echo(void)
{
    NetPeer *p = fresh(NULL);
    PeerAction act;
    static const char msg[] = "hello, ringside";
    size_t n = nb_udp(fr, peer_mac, PEER_GUEST_IP, PEER_GW_IP, 5555, 7, msg, sizeof msg), len;
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
    CU_ASSERT_EQUAL(act.kind, PEER_ACT_UDP_ECHO);
    const uint8_t *m = nb_udp_payload(sink.frame[0], sink.len[0], &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(len, sizeof msg);
    CU_ASSERT_EQUAL(memcmp(m, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL(ld16_be(m - UDP_HLEN + UDP_SPORT), 7);
    CU_ASSERT_EQUAL(ld16_be(m - UDP_HLEN + UDP_DPORT), 5555);
    CU_ASSERT_EQUAL(ld32_be(sink.frame[0] + ETH_HLEN + IP_DST), PEER_GUEST_IP);
    /* A checksum of 0 means "none" (RFC 768) and is accepted. */
    st16_be(fr + ETH_HLEN + IPV4_HLEN + UDP_CSUM, 0);
    CU_ASSERT_EQUAL(nb_input(p, fr, n, &act), 1);
    peer_destroy(p);
}

static void expect_drop(NetPeer *p, const uint8_t *f, size_t n, PeerDropReason why)
{
    PeerAction act;
    int before = sink.n;
    CU_ASSERT_EQUAL(nb_input(p, f, n, &act), 0);
    CU_ASSERT_EQUAL(act.kind, PEER_ACT_DROPPED);
    CU_ASSERT_EQUAL(act.drop, why);
    CU_ASSERT_STRING_EQUAL(act.detail, peer_drop_name(why));
    CU_ASSERT_EQUAL(sink.n, before);
}

static void test_drops(void)
{
    NetPeer *p = fresh(NULL);
    static const char d[] = "x";
    size_t n;
    expect_drop(p, fr, 0, PEER_DROP_RUNT);
    n = nb_arp(fr, ARP_REQUEST, nb_guest_mac, PEER_GUEST_IP, PEER_GW_IP);
    expect_drop(p, fr, 13, PEER_DROP_RUNT);
    memcpy(fr, nb_guest_mac, 6);                        /* to somebody else */
    expect_drop(p, fr, n, PEER_DROP_NOT_FOR_US);
    n = nb_arp(fr, ARP_REQUEST, nb_guest_mac, PEER_GUEST_IP, PEER_GW_IP);
    st16_be(fr + ETH_TYPE, 0x86dd);                     /* IPv6 */
    expect_drop(p, fr, n, PEER_DROP_ETHERTYPE);
    st16_be(fr + ETH_TYPE, 0x8100);                     /* a VLAN tag */
    expect_drop(p, fr, n, PEER_DROP_VLAN);
    n = nb_udp(fr, peer_mac, PEER_GUEST_IP, PEER_GW_IP, 5555, 7, d, 1);
    fr[ETH_HLEN + IP_TTL]--;
    expect_drop(p, fr, n, PEER_DROP_IP_CSUM);
    n = nb_udp(fr, peer_mac, PEER_GUEST_IP, PEER_GW_IP, 5555, 7, d, 1);
    fr[ETH_HLEN] = 0x65;
    expect_drop(p, fr, n, PEER_DROP_IP_VERSION);
    n = nb_udp(fr, peer_mac, PEER_GUEST_IP, PEER_GW_IP, 5555, 7, d, 1);
    fr[ETH_HLEN + IPV4_HLEN + UDP_SPORT] ^= 0x40;
    expect_drop(p, fr, n, PEER_DROP_UDP_CSUM);
    n = nb_udp(fr, peer_mac, PEER_GUEST_IP, PEER_GW_IP, 5555, 9999, d, 1);
    expect_drop(p, fr, n, PEER_DROP_NO_SERVICE);
    n = nb_udp(fr, peer_mac, PEER_GUEST_IP, IPV4(10, 0, 2, 50), 5555, 7, d, 1);
    expect_drop(p, fr, n, PEER_DROP_NOT_FOR_US);
    /* IP fragment: MF set (header checksum recomputed). */
    n = nb_udp(fr, peer_mac, PEER_GUEST_IP, PEER_GW_IP, 5555, 7, d, 1);
    st16_be(fr + ETH_HLEN + IP_FRAG, IP_FRAG_MF);
    st16_be(fr + ETH_HLEN + IP_CSUM, 0);
    st16_be(fr + ETH_HLEN + IP_CSUM, inet_csum(fr + ETH_HLEN, IPV4_HLEN));
    expect_drop(p, fr, n, PEER_DROP_IP_FRAGMENT);
    /* A UDP length longer than the datagram. */
    n = nb_udp(fr, peer_mac, PEER_GUEST_IP, PEER_GW_IP, 5555, 7, d, 1);
    st16_be(fr + ETH_HLEN + IPV4_HLEN + UDP_LEN, 100);
    expect_drop(p, fr, n, PEER_DROP_UDP_BAD);
    /* Unknown IP protocol (TCP). */
    n = nb_ip(fr, peer_mac, PEER_GUEST_IP, PEER_GW_IP, 6, 20);
    expect_drop(p, fr, n, PEER_DROP_IP_PROTO);
    /* Garbage: every byte 0xff is a broadcast with ethertype 0xffff. */
    memset(fr, 0xff, 100);
    expect_drop(p, fr, 100, PEER_DROP_ETHERTYPE);
    CU_ASSERT_EQUAL(peer_stats(p)->rx_frames, 14);
    CU_ASSERT_EQUAL(peer_stats(p)->tx_frames, 0);
    CU_ASSERT_EQUAL(peer_stats(p)->actions[PEER_ACT_DROPPED], 14);
    peer_destroy(p);
}

/* ---- fuzz: every truncation of every valid request ---- */

static void fuzz_one(const char *what, const uint8_t *f, size_t n, bool truncations_drop)
{
    uint8_t *copy = malloc(n);
    memcpy(copy, f, n);
    for (size_t cut = 0; cut < n; cut++) {
        NetPeer *p = fresh(tdir);
        PeerAction act;
        int out = nb_input(p, copy, cut, &act);
        if (truncations_drop && (out != 0 || act.kind != PEER_ACT_DROPPED)) {
            fprintf(stderr, "%s cut at %zu: %s %s\n", what, cut, peer_action_name(act.kind), act.detail);
            CU_FAIL("a truncated request was not dropped");
        }
        peer_destroy(p);
    }
    /* The whole frame with any one byte flipped: never a crash, never two answers. */
    for (size_t i = 0; i < n; i++) {
        NetPeer *p = fresh(tdir);
        copy[i] ^= 0xa5;
        PeerAction act;
        CU_ASSERT(nb_input(p, copy, n, &act) <= 1);
        copy[i] ^= 0xa5;
        peer_destroy(p);
    }
    free(copy);
}

static void test_fuzz_truncations(void)
{
    static uint8_t f[2048];
    write_file("fz.bin", 700);
    fuzz_one("arp", f, nb_arp(f, ARP_REQUEST, nb_guest_mac, PEER_GUEST_IP, PEER_GW_IP), true);
    uint8_t data[40] = { 1, 2, 3 };
    fuzz_one("ping", f, nb_ping(f, PEER_GW_IP, 1, 2, data, sizeof data), true);
    static const uint8_t discover[] = { 53, 1, 1, 55, 3, 1, 3, 6 };
    fuzz_one("dhcp discover", f, dhcp_msg(f, 1, discover, sizeof discover), true);
    static const uint8_t request[] = { 53, 1, 3, 50, 4, 10, 0, 2, 15, 54, 4, 10, 0, 2, 2 };
    fuzz_one("dhcp request", f, dhcp_msg(f, 1, request, sizeof request), true);
    static const char opts[] = "blksize\0" "1468\0" "tsize\0" "0";
    fuzz_one("tftp rrq", f, rrq(f, "fz.bin", opts, sizeof opts), true);
    fuzz_one("udp echo", f, nb_udp(f, peer_mac, PEER_GUEST_IP, PEER_GW_IP, 9, 7, "abcdef", 6), true);
}

int suite_net_peer(void)
{
    CU_pSuite s = CU_add_suite("net_peer", tftp_setup, tftp_teardown);
    if (!s)
        return -1;
    if (!CU_add_test(s, "arp reply", test_arp_reply) ||
        !CU_add_test(s, "icmp echo", test_icmp_echo) ||
        !CU_add_test(s, "dhcp discover offer request ack", test_dhcp) ||
        !CU_add_test(s, "tftp transfers", test_tftp_transfers) ||
        !CU_add_test(s, "tftp errors", test_tftp_errors) ||
        !CU_add_test(s, "tftp retransmit", test_tftp_retransmit) ||
        !CU_add_test(s, "tftp repeated options", test_tftp_repeated_options) ||
        !CU_add_test(s, "udp echo", test_udp_echo) ||
        !CU_add_test(s, "drops", test_drops) ||
        !CU_add_test(s, "fuzz truncations", test_fuzz_truncations))
        return -1;
    return 0;
}
