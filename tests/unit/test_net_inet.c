/* Unit tests of the Internet checksum and IPv4/UDP header helpers (sim/net/inet.c)
 * against RFC 1071's worked example and a well-known IPv4 header. */
#include <CUnit/CUnit.h>

#include "sim/net/inet.h"

static void test_rfc1071_example(void)
{
    /* RFC 1071 §3: these bytes sum to ddf2 (one's complement), checksum 220d. */
    static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
    CU_ASSERT_EQUAL(inet_fold(inet_sum(0, b, sizeof b)), (uint16_t)~0xddf2);
    CU_ASSERT_EQUAL(inet_csum(b, sizeof b), 0x220d);
    /* Summing in two pieces at an even boundary gives the same answer. */
    CU_ASSERT_EQUAL(inet_fold(inet_sum(inet_sum(0, b, 4), b + 4, 4)), 0x220d);
    /* An odd trailing byte counts as the high half of a word. */
    static const uint8_t odd[] = { 0x12, 0x34, 0x56 };
    CU_ASSERT_EQUAL(inet_csum(odd, 3), (uint16_t)~(0x1234 + 0x5600));
    CU_ASSERT_EQUAL(inet_csum(odd, 0), 0xffff);
}

static void test_carry_folding(void)
{
    /* Many 0xffff words: every carry must wrap around, never be lost. */
    static uint8_t ff[70000];
    memset(ff, 0xff, sizeof ff);
    CU_ASSERT_EQUAL(inet_csum(ff, sizeof ff), 0x0000);
    static const uint8_t w[] = { 0x80, 0x00, 0x80, 0x00 };  /* 0x10000 folds to 1 */
    CU_ASSERT_EQUAL(inet_csum(w, 4), 0xfffe);
}

static const uint8_t ip_hdr[20] = {  /* a frequently quoted example header */
    0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
    0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
};

static void test_ipv4_header_checksum(void)
{
    uint8_t h[20];
    memcpy(h, ip_hdr, 20);
    CU_ASSERT_EQUAL(inet_csum(h, 20), 0);   /* a valid header sums to zero */
    h[10] = h[11] = 0;
    CU_ASSERT_EQUAL(inet_csum(h, 20), 0xb861);
    uint8_t b[20];
    ipv4_build(b, IPV4(192, 168, 0, 1), IPV4(192, 168, 0, 199), 17, 0, 0x73 - 20);
    CU_ASSERT_EQUAL(ld16_be(b + IP_TOTLEN), 0x73);
    CU_ASSERT_EQUAL(inet_csum(b, 20), 0);
    CU_ASSERT_EQUAL(b[IP_TTL], 64);
}

static void test_ipv4_parse(void)
{
    uint8_t d[0x73 + 4] = { 0 };
    Ipv4View v;
    memcpy(d, ip_hdr, 20);
    d[6] = 0;                  /* clear DF and refresh the checksum */
    st16_be(d + 10, 0);
    st16_be(d + 10, inet_csum(d, 20));
    CU_ASSERT_EQUAL(ipv4_parse(d, sizeof d, &v), IPV4_OK);
    CU_ASSERT_EQUAL(v.plen, 0x73 - 20);      /* trailing padding is not payload */
    CU_ASSERT_EQUAL(v.src, IPV4(192, 168, 0, 1));
    CU_ASSERT_EQUAL(v.proto, 17);
    CU_ASSERT_EQUAL(ipv4_parse(d, 0x72, &v), IPV4_TRUNCATED);
    CU_ASSERT_EQUAL(ipv4_parse(d, 19, &v), IPV4_TRUNCATED);

    uint8_t c[sizeof d];
    memcpy(c, d, sizeof d);
    c[0] = 0x65;
    CU_ASSERT_EQUAL(ipv4_parse(c, sizeof c, &v), IPV4_BAD_VERSION);
    memcpy(c, d, sizeof d);
    c[0] = 0x44;
    CU_ASSERT_EQUAL(ipv4_parse(c, sizeof c, &v), IPV4_BAD_HLEN);
    memcpy(c, d, sizeof d);
    c[15] ^= 1;
    CU_ASSERT_EQUAL(ipv4_parse(c, sizeof c, &v), IPV4_BAD_CSUM);
    memcpy(c, d, sizeof d);
    st16_be(c + IP_FRAG, IP_FRAG_MF);
    st16_be(c + 10, 0);
    st16_be(c + 10, inet_csum(c, 20));
    CU_ASSERT_EQUAL(ipv4_parse(c, sizeof c, &v), IPV4_FRAGMENT);
    st16_be(c + IP_FRAG, 3);   /* the last fragment: offset only */
    st16_be(c + 10, 0);
    st16_be(c + 10, inet_csum(c, 20));
    CU_ASSERT_EQUAL(ipv4_parse(c, sizeof c, &v), IPV4_FRAGMENT);

    /* Options are skipped, covered by the header checksum. */
    uint8_t o[28 + 8] = { 0x46, 0, 0, 36 };
    o[8] = 64;
    o[9] = 17;
    o[20] = 1;                 /* NOP option x4 */
    o[21] = 1; o[22] = 1; o[23] = 1;
    st16_be(o + 10, inet_csum(o, 24));
    CU_ASSERT_EQUAL(ipv4_parse(o, sizeof o, &v), IPV4_OK);
    CU_ASSERT_EQUAL(v.hlen, 24);
    CU_ASSERT_PTR_EQUAL(v.payload, o + 24);
    CU_ASSERT_EQUAL(v.plen, 12);
}

static void test_udp_checksum(void)
{
    uint8_t u[8 + 5] = { 0x04, 0x00, 0x00, 0x07, 0x00, 13, 0, 0, 'h', 'e', 'l', 'l', 'o' };
    uint32_t s = IPV4(10, 0, 2, 15), d = IPV4(10, 0, 2, 2);
    uint16_t c = udp_csum(s, d, u, sizeof u);
    CU_ASSERT_NOT_EQUAL(c, 0);
    st16_be(u + 6, c);
    CU_ASSERT_TRUE(udp_csum_ok(s, d, u, sizeof u));
    CU_ASSERT_FALSE(udp_csum_ok(s, IPV4(10, 0, 2, 3), u, sizeof u)); /* pseudo-header counts */
    u[9] ^= 0x20;
    CU_ASSERT_FALSE(udp_csum_ok(s, d, u, sizeof u));
    st16_be(u + 6, 0);         /* "no checksum" is acceptable over IPv4 */
    CU_ASSERT_TRUE(udp_csum_ok(s, d, u, sizeof u));
    char buf[18];
    CU_ASSERT_STRING_EQUAL(ipv4_str(IPV4(10, 0, 2, 15), buf), "10.0.2.15");
    static const uint8_t mac[6] = { 0x52, 0x55, 0x0a, 0, 2, 2 };
    CU_ASSERT_STRING_EQUAL(mac_str(mac, buf), "52:55:0a:00:02:02");
}

int suite_net_inet(void)
{
    CU_pSuite s = CU_add_suite("net_inet", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "rfc1071 example", test_rfc1071_example) ||
        !CU_add_test(s, "carry folding", test_carry_folding) ||
        !CU_add_test(s, "ipv4 header checksum", test_ipv4_header_checksum) ||
        !CU_add_test(s, "ipv4 parse", test_ipv4_parse) ||
        !CU_add_test(s, "udp checksum", test_udp_checksum))
        return -1;
    return 0;
}
