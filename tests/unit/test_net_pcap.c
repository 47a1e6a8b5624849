/* Unit tests of the capture files (sim/net/pcapng.c writer, sim/net/pcap_read.c
 * reader): the writer's blocks are laid out as draft-ietf-opsawg-pcapng §4.1-4.3 says,
 * the reader round-trips them and classic pcap-savefile(5) files, and every truncated
 * or corrupted capture is refused with a message that names the byte offset. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <unistd.h>

#include "sim/net/inet.h"
#include "sim/net/pcap_read.h"
#include "sim/net/pcapng.h"

#define CAP_PATH "build/test-net-pcap.pcapng"

static uint8_t frame_a[60], frame_b[61];

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static uint8_t buf[4096];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

static void write_capture(void)
{
    for (size_t i = 0; i < sizeof frame_a; i++)
        frame_a[i] = (uint8_t)i;
    for (size_t i = 0; i < sizeof frame_b; i++)
        frame_b[i] = (uint8_t)(0xff - i);
    Err e;
    Pcapng *w = pcapng_open(CAP_PATH, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(pcapng_write(w, 20000, false, frame_a, sizeof frame_a, &e), 0);
    CU_ASSERT_EQUAL(pcapng_write(w, 0x123456789ull, true, frame_b, sizeof frame_b, &e), 0);
    CU_ASSERT_EQUAL(pcapng_close(w, &e), 0);
}

static void test_pcapng_layout(void)
{
    write_capture();
    size_t len = 0;
    const uint8_t *b = slurp(CAP_PATH, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    size_t epb_a = 28 + 60 + 16, epb_b = 28 + 64 + 16;
    CU_ASSERT_EQUAL_FATAL(len, 44 + 48 + epb_a + epb_b);
    /* SHB: type, length at both ends, byte-order magic, version 1.0, unknown length,
     * shb_userappl "ringside". */
    CU_ASSERT_EQUAL(ld32_le(b), 0x0a0d0d0a);
    CU_ASSERT_EQUAL(ld32_le(b + 4), 44);
    CU_ASSERT_EQUAL(ld32_le(b + 40), 44);
    CU_ASSERT_EQUAL(ld32_le(b + 8), 0x1a2b3c4d);
    CU_ASSERT_EQUAL(ld16_le(b + 12), 1);
    CU_ASSERT_EQUAL(ld16_le(b + 14), 0);
    CU_ASSERT_EQUAL(ld64_le(b + 16), UINT64_MAX);
    CU_ASSERT_EQUAL(ld16_le(b + 24), 4);
    CU_ASSERT_EQUAL(ld16_le(b + 26), 8);
    CU_ASSERT_EQUAL(memcmp(b + 28, "ringside", 8), 0);
    /* IDB: Ethernet, no snap limit, if_name "virtio-net", if_tsresol 9 (ns). */
    const uint8_t *i = b + 44;
    CU_ASSERT_EQUAL(ld32_le(i), 1);
    CU_ASSERT_EQUAL(ld32_le(i + 4), 48);
    CU_ASSERT_EQUAL(ld16_le(i + 8), 1);
    CU_ASSERT_EQUAL(ld32_le(i + 12), 0);
    CU_ASSERT_EQUAL(ld16_le(i + 16), 2);
    CU_ASSERT_EQUAL(ld16_le(i + 18), 10);
    CU_ASSERT_EQUAL(memcmp(i + 20, "virtio-net\0\0", 12), 0);
    CU_ASSERT_EQUAL(ld16_le(i + 32), 9);
    CU_ASSERT_EQUAL(ld16_le(i + 34), 1);
    CU_ASSERT_EQUAL(i[36], 9);
    CU_ASSERT_EQUAL(ld32_le(i + 40), 0);
    CU_ASSERT_EQUAL(ld32_le(i + 44), 48);
    /* EPBs: interface 0, 64-bit timestamp split high/low, lengths, data padded to 4,
     * epb_flags with the direction (1 inbound, 2 outbound). */
    const uint8_t *p = i + 48;
    CU_ASSERT_EQUAL(ld32_le(p), 6);
    CU_ASSERT_EQUAL(ld32_le(p + 4), epb_a);
    CU_ASSERT_EQUAL(ld32_le(p + 8), 0);
    CU_ASSERT_EQUAL(ld32_le(p + 12), 0);
    CU_ASSERT_EQUAL(ld32_le(p + 16), 20000);
    CU_ASSERT_EQUAL(ld32_le(p + 20), 60);
    CU_ASSERT_EQUAL(ld32_le(p + 24), 60);
    CU_ASSERT_EQUAL(memcmp(p + 28, frame_a, 60), 0);
    CU_ASSERT_EQUAL(ld16_le(p + 88), 2);
    CU_ASSERT_EQUAL(ld16_le(p + 90), 4);
    CU_ASSERT_EQUAL(ld32_le(p + 92), 2);
    CU_ASSERT_EQUAL(ld32_le(p + epb_a - 4), epb_a);
    p += epb_a;
    CU_ASSERT_EQUAL(ld32_le(p + 4), epb_b);
    CU_ASSERT_EQUAL(ld32_le(p + 12), 0x1);
    CU_ASSERT_EQUAL(ld32_le(p + 16), 0x23456789);
    CU_ASSERT_EQUAL(ld32_le(p + 20), 61);
    CU_ASSERT_EQUAL(memcmp(p + 28, frame_b, 61), 0);
    CU_ASSERT_EQUAL(memcmp(p + 89, "\0\0\0", 3), 0);
    CU_ASSERT_EQUAL(ld32_le(p + 96), 1);
    CU_ASSERT_EQUAL(ld32_le(p + epb_b - 4), epb_b);
}

static void test_pcapng_round_trip(void)
{
    write_capture();
    Err e;
    PcapReader *r = pcap_reader_open(CAP_PATH, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    PcapFrame f;
    CU_ASSERT_EQUAL_FATAL(pcap_reader_next(r, &f, &e), 1);
    CU_ASSERT_EQUAL(f.ts_ns, 20000);
    CU_ASSERT_EQUAL(f.dir, PCAP_DIR_OUTBOUND);
    CU_ASSERT_EQUAL(f.len, 60);
    CU_ASSERT_EQUAL(f.orig_len, 60);
    CU_ASSERT_EQUAL(f.offset, 92);
    CU_ASSERT_EQUAL(memcmp(f.data, frame_a, 60), 0);
    CU_ASSERT_EQUAL_FATAL(pcap_reader_next(r, &f, &e), 1);
    CU_ASSERT_EQUAL(f.ts_ns, 0x123456789ull);
    CU_ASSERT_EQUAL(f.dir, PCAP_DIR_INBOUND);
    CU_ASSERT_EQUAL(f.len, 61);
    CU_ASSERT_EQUAL(memcmp(f.data, frame_b, 61), 0);
    CU_ASSERT_EQUAL(pcap_reader_next(r, &f, &e), 0);
    CU_ASSERT_EQUAL(pcap_reader_next(r, &f, &e), 0);
    pcap_reader_close(r);
}

/* A classic pcap file: header, then records of (sec, frac, incl, orig) + data. */
static size_t classic(uint8_t *b, uint32_t magic, bool be)
{
    void (*st32)(void *, uint32_t) = be ? st32_be : st32_le;
    void (*st16)(void *, uint16_t) = be ? st16_be : st16_le;
    st32(b, magic);
    st16(b + 4, 2);
    st16(b + 6, 4);
    st32(b + 8, 0);
    st32(b + 12, 0);
    st32(b + 16, 65535);
    st32(b + 20, 1);
    size_t n = 24;
    for (uint32_t k = 0; k < 2; k++) {
        st32(b + n, 5 + k);
        st32(b + n + 4, 250);
        st32(b + n + 8, 14 + k);
        st32(b + n + 12, 100);
        memset(b + n + 16, (int)(0xa0 + k), 14 + k);
        n += 16 + 14 + k;
    }
    return n;
}

static void test_classic_pcap(void)
{
    static const struct { uint32_t magic; bool be; uint64_t frac_ns; } kinds[] = {
        { 0xa1b2c3d4u, false, 250000 }, { 0xa1b2c3d4u, true, 250000 },
        { 0xa1b23c4du, false, 250 }, { 0xa1b23c4du, true, 250 },
    };
    for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
        uint8_t b[256];
        size_t n = classic(b, kinds[k].magic, kinds[k].be);
        Err e;
        PcapReader *r = pcap_reader_open_mem(b, n, "mem.pcap", &e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        PcapFrame f;
        for (uint32_t i = 0; i < 2; i++) {
            CU_ASSERT_EQUAL_FATAL(pcap_reader_next(r, &f, &e), 1);
            CU_ASSERT_EQUAL(f.ts_ns, (5 + i) * 1000000000ull + kinds[k].frac_ns);
            CU_ASSERT_EQUAL(f.len, 14 + i);
            CU_ASSERT_EQUAL(f.orig_len, 100);
            CU_ASSERT_EQUAL(f.dir, PCAP_DIR_UNKNOWN);
            CU_ASSERT_EQUAL(f.data[0], 0xa0 + i);
        }
        CU_ASSERT_EQUAL(pcap_reader_next(r, &f, &e), 0);
        pcap_reader_close(r);
    }
}

/* Reads to the end; 0 if clean, -1 with the error in e. */
static int drain(PcapReader *r, Err *e, int *frames)
{
    PcapFrame f;
    int rc;
    *frames = 0;
    while ((rc = pcap_reader_next(r, &f, e)) == 1)
        (*frames)++;
    return rc;
}

static void test_truncations(void)
{
    write_capture();
    size_t len = 0;
    uint8_t *b = slurp(CAP_PATH, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    uint8_t whole[4096];
    memcpy(whole, b, len);
    uint8_t cb[256];
    size_t clen = classic(cb, 0xa1b2c3d4u, false);
    /* Every cut is either a clean end at a block boundary or an error naming an
     * offset; never a read past the cut (ASan watches the reader's own copy). */
    static const size_t ng_bounds[] = { 44, 92, 196 };
    for (size_t cut = 0; cut < len; cut++) {
        Err e = { "" };
        PcapReader *r = pcap_reader_open_mem(whole, cut, "cut.pcapng", &e);
        int frames = 0, rc = -1;
        if (r) {
            rc = drain(r, &e, &frames);
            pcap_reader_close(r);
        }
        bool boundary = false;
        for (size_t k = 0; k < ARRAY_SIZE(ng_bounds); k++)
            boundary |= cut == ng_bounds[k];
        CU_ASSERT_EQUAL(rc, boundary ? 0 : -1);
        if (rc != 0)
            CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "byte offset"));
        CU_ASSERT_EQUAL(frames, cut >= 196 ? 1 : 0);
    }
    for (size_t cut = 0; cut < clen; cut++) {
        Err e = { "" };
        PcapReader *r = pcap_reader_open_mem(cb, cut, "cut.pcap", &e);
        int frames = 0, rc = -1;
        if (r) {
            rc = drain(r, &e, &frames);
            pcap_reader_close(r);
        }
        CU_ASSERT_EQUAL(rc, cut == 24 || cut == 54 ? 0 : -1);
        if (rc != 0)
            CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "byte offset"));
    }
}

static void test_corruptions(void)
{
    write_capture();
    size_t len = 0;
    uint8_t *b = slurp(CAP_PATH, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    uint8_t c[4096];
    Err e;
    int frames;
    PcapReader *r;

    /* Not a capture at all. */
    CU_ASSERT_PTR_NULL(pcap_reader_open_mem((const uint8_t *)"GIF89a..", 8, "x.gif", &e));
    CU_ASSERT_STRING_EQUAL(e.msg, "x.gif: not a pcap or pcapng file (magic 0x38464947) at byte offset 0");
    /* The first EPB's trailing length disagrees with its leading one. */
    memcpy(c, b, len);
    st32_le(c + 92 + 104 - 4, 96);
    r = pcap_reader_open_mem(c, len, "t.pcapng", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(drain(r, &e, &frames), -1);
    CU_ASSERT_STRING_EQUAL(e.msg, "t.pcapng: trailing block length 96 differs from 104 at byte offset 192");
    pcap_reader_close(r);
    /* A captured length running past the block. */
    memcpy(c, b, len);
    st32_le(c + 92 + 20, 1000);
    r = pcap_reader_open_mem(c, len, "t.pcapng", &e);
    CU_ASSERT_EQUAL(drain(r, &e, &frames), -1);
    CU_ASSERT_STRING_EQUAL(e.msg, "t.pcapng: packet data of 1000 bytes runs past its block at byte offset 92");
    pcap_reader_close(r);
    /* A packet on an interface never described. */
    memcpy(c, b, len);
    st32_le(c + 92 + 8, 3);
    r = pcap_reader_open_mem(c, len, "t.pcapng", &e);
    CU_ASSERT_EQUAL(drain(r, &e, &frames), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "interface 3"));
    /* Errors are sticky. */
    PcapFrame f;
    CU_ASSERT_EQUAL(pcap_reader_next(r, &f, &e), -1);
    pcap_reader_close(r);
    /* A link type that is not Ethernet. */
    memcpy(c, b, len);
    st16_le(c + 44 + 8, 105);
    r = pcap_reader_open_mem(c, len, "t.pcapng", &e);
    CU_ASSERT_EQUAL(drain(r, &e, &frames), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "link type 105"));
    pcap_reader_close(r);
    /* An option whose length runs past the block. */
    memcpy(c, b, len);
    st16_le(c + 92 + 90, 200);
    r = pcap_reader_open_mem(c, len, "t.pcapng", &e);
    CU_ASSERT_EQUAL(drain(r, &e, &frames), -1);
    CU_ASSERT_STRING_EQUAL(e.msg, "t.pcapng: option 2 of 200 bytes runs past its block at byte offset 180");
    pcap_reader_close(r);
    /* Every single-byte corruption: no crash, and a clean result or an offset. */
    for (size_t i = 0; i < len; i++) {
        memcpy(c, b, len);
        c[i] ^= 0x5a;
        Err e2 = { "" };
        r = pcap_reader_open_mem(c, len, "f.pcapng", &e2);
        int rc = -1;
        if (r) {
            rc = drain(r, &e2, &frames);
            pcap_reader_close(r);
        }
        if (rc != 0)
            CU_ASSERT_PTR_NOT_NULL(strstr(e2.msg, "byte offset"));
    }
    /* A missing file. */
    CU_ASSERT_PTR_NULL(pcap_reader_open("build/no-such-capture.pcap", &e));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no-such-capture"));
}

int suite_net_pcap(void)
{
    CU_pSuite s = CU_add_suite("net_pcap", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "pcapng layout", test_pcapng_layout) ||
        !CU_add_test(s, "pcapng round trip", test_pcapng_round_trip) ||
        !CU_add_test(s, "classic pcap", test_classic_pcap) ||
        !CU_add_test(s, "truncations", test_truncations) ||
        !CU_add_test(s, "corruptions", test_corruptions))
        return -1;
    return 0;
}
