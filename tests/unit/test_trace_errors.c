/* Unit tests of how the trace fails: write errors (/dev/full, a closed pipe, a file
 * size limit) are sticky and leave only whole records and blocks; a reader given a trace cut at
 * any byte, or with any byte changed, reports an offset and never misreads or crashes
 * (run under ASan as build/unit-tests-san trace_errors). */
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/codec.h"
#include "trace/trace.h"
#include "sim/tracer.h"

/* from test_trace.c */
void trace_test_header(TraceHeader *h);
int trace_test_write_all_events(const char *path, TraceObserveFn *tap, Err *err);

const char *trace_test_path(const char *stem);
int trace_test_cleanup(void);

#define SMALL trace_test_path("errors.trace")
#define MUTANT trace_test_path("errors-mutant.trace")

static void test_dev_full(void)
{
    Err err;
    TraceHeader h;
    trace_test_header(&h);
    TraceWriter *tw = trace_open("/dev/full", &h, &err);
    CU_ASSERT_PTR_NULL(tw);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/dev/full"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "No space left"));
    trace_close(tw, NULL);
}

static void test_closed_pipe(void)
{
    Err err;
    TraceHeader h;
    int fds[2];
    trace_test_header(&h);
    CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    TraceWriter *tw = trace_open_fd(fds[1], &h, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);   /* the header fits in the pipe */
    close(fds[0]);
    int rc = 0, i;
    for (i = 0; i < 100000 && rc == 0; i++)
        rc = trace_ev_note(tw, (uint64_t)i, (uint64_t)i, NULL, "filling the buffer until it must be written");
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT(i > 1);                   /* buffered: the first events did not fail */
    CU_ASSERT_PTR_NOT_NULL_FATAL(trace_error(tw));
    CU_ASSERT_PTR_NOT_NULL(strstr(trace_error(tw), "Broken pipe"));
    CU_ASSERT_EQUAL(trace_ev_note(tw, 1u << 30, 0, NULL, "sticky"), -1);
    CU_ASSERT_EQUAL(trace_flush(tw, &err), -1);
    CU_ASSERT_EQUAL(trace_close(tw, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "Broken pipe"));
    signal(SIGPIPE, old);
}

/* A disk that fills up mid-block: the file ends at the last whole record (the block
 * that did not fit is written again with the records that do), so a reader finds
 * every event written before and then a clean "no end block". */
static void test_file_size_limit(void)
{
    Err err;
    TraceHeader h;
    struct rlimit old, lim;
    trace_test_header(&h);
    CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);
    TraceWriter *tw = trace_open(SMALL, &h, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    lim = old;
    lim.rlim_cur = 100000;
    CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = 0;
    uint64_t i;
    for (i = 0; i < 100000 && rc == 0; i++)
        rc = trace_ev_mmio_write(tw, i, 0x80000000 + 4 * i, "fill", 0x10000000, 1, i & 0xff, "uart", "THR");
    uint64_t emitted = trace_count(tw);
    CU_ASSERT_EQUAL(trace_close(tw, &err), -1);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, oldsig);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "too large"));   /* EFBIG */

    struct stat st;
    CU_ASSERT_EQUAL_FATAL(stat(SMALL, &st), 0);
    CU_ASSERT(st.st_size > 0 && st.st_size < 100000);
    /* not just the first block: the records of the second that fit are there too */
    CU_ASSERT(st.st_size > 100000 - 64);
    TraceReader *r = trace_reader_open(SMALL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    TraceEvent ev;
    uint64_t n = 0;
    while ((rc = trace_read_next(r, &ev, &err)) == 1) {
        CU_ASSERT_EQUAL(ev.u.mmio_write.value, n & 0xff);
        n++;
    }
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT(n > 1000 && n <= emitted);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no end block"));
    char want[64];
    snprintf(want, sizeof want, "byte offset %lld:", (long long)st.st_size);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
    trace_reader_close(r);
}

/* A refused event (time going back) stops the recording, but the events before it
 * reach the file whole: a reader gets them all, then "no end record". */
static void test_refused_event_keeps_earlier(void)
{
    Err err;
    TraceHeader h;
    trace_test_header(&h);
    TraceWriter *tw = trace_open(SMALL, &h, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    for (uint64_t i = 0; i < 10; i++)
        CU_ASSERT_EQUAL(trace_ev_virtio_notify(tw, 100 + i, 0x80000000 + i, "kick", "virtio-net", (uint16_t)i), 0);
    CU_ASSERT_EQUAL(trace_ev_virtio_notify(tw, 5, 0, NULL, "virtio-net", 99), -1);
    CU_ASSERT_EQUAL(trace_flush(tw, &err), -1);    /* sticky, but what was good is out */
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "before the previous event"));
    CU_ASSERT_EQUAL(trace_close(tw, &err), -1);
    TraceReader *r = trace_reader_open(SMALL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    TraceEvent ev;
    int rc;
    uint64_t n = 0;
    while ((rc = trace_read_next(r, &ev, &err)) == 1) {
        CU_ASSERT_EQUAL(ev.type, TRACE_EV_virtio_notify);
        CU_ASSERT_EQUAL(ev.vtime, 100 + n);
        CU_ASSERT_EQUAL(ev.u.virtio_notify.queue, n);
        n++;
    }
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(n, 10);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no end block after 10 events"));
    trace_reader_close(r);
}

static unsigned char *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*len);
    if (b && fread(b, 1, *len, f) != *len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

/* Reads a whole trace; returns the last trace_read_next result (0 or -1), formatting
 * every event on the way so that a misdecoded one would trip ASan. */
static int read_all(const char *path, Err *err, unsigned *events)
{
    char line[8192];
    TraceEvent ev;
    int rc;
    *events = 0;
    TraceReader *r = trace_reader_open(path, err);
    if (!r)
        return -1;
    while ((rc = trace_read_next(r, &ev, err)) == 1) {
        trace_event_format(&ev, line, sizeof line);
        (*events)++;
    }
    trace_reader_close(r);
    return rc;
}

static void test_truncated_everywhere(void)
{
    Err err;
    size_t len;
    unsigned full, got;
    CU_ASSERT_EQUAL_FATAL(trace_test_write_all_events(SMALL, NULL, &err), 0);
    CU_ASSERT_EQUAL_FATAL(read_all(SMALL, &err, &full), 0);
    unsigned char *buf = load(SMALL, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    unsigned bad = 0;
    for (size_t cut = 0; cut < len; cut++) {
        FILE *f = fopen(MUTANT, "wb");
        fwrite(buf, 1, cut, f);
        fclose(f);
        int rc = read_all(MUTANT, &err, &got);
        /* always an error that names a byte offset within the file */
        const char *at = strstr(err.msg, "byte offset ");
        bool ok = rc == -1 && at && strtoull(at + 12, NULL, 10) <= cut && got <= full;
        if (!ok && bad++ < 5)
            fprintf(stderr, "cut at %zu: rc %d, %u events, \"%s\"\n", cut, rc, got, err.msg);
    }
    CU_ASSERT_EQUAL(bad, 0);
    free(buf);
}

static void test_flipped_everywhere(void)
{
    static const unsigned char flips[] = { 0x01, 0x80, 0xff, 0x5a };
    Err err;
    size_t len;
    unsigned full, got;
    CU_ASSERT_EQUAL_FATAL(trace_test_write_all_events(SMALL, NULL, &err), 0);
    CU_ASSERT_EQUAL_FATAL(read_all(SMALL, &err, &full), 0);
    unsigned char *buf = load(SMALL, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    unsigned undetected = 0;
    for (size_t at = 0; at < len; at++) {
        for (unsigned k = 0; k < ARRAY_SIZE(flips); k++) {
            buf[at] ^= flips[k];
            FILE *f = fopen(MUTANT, "wb");
            fwrite(buf, 1, len, f);
            fclose(f);
            buf[at] ^= flips[k];
            int rc = read_all(MUTANT, &err, &got);
            /* The block's CRC-32 catches a change inside it; its event number and base
             * time catch a block dropped or moved. */
            if (rc != -1 || !strstr(err.msg, "byte offset ")) {
                if (undetected++ < 5)
                    fprintf(stderr, "flip 0x%02x at %zu: rc %d, \"%s\"\n", flips[k], at, rc, rc ? err.msg : "");
            }
        }
    }
    CU_ASSERT_EQUAL(undetected, 0);
    free(buf);
}

/* The same damage must read the same in C and in Python: tests/trace-vectors/
 * damaged.txt lists, for a sample of cuts and flipped bytes of the vector, how many
 * events the C reader handed out and its error from "byte offset" on;
 * tests/integration/test_trace_vectors.sh requires the Python reader to say exactly
 * that. RINGSIDE_REGEN_VECTORS=1 rewrites the list. */
#define VEC_TRACE "tests/trace-vectors/all-events.trace"
#define VEC_DAMAGED "tests/trace-vectors/damaged.txt"

static void damaged_line(const unsigned char *buf, size_t len, const char *what, char *out, size_t n)
{
    Err err;
    unsigned got;
    FILE *f = fopen(MUTANT, "wb");
    fwrite(buf, 1, len, f);
    fclose(f);
    int rc = read_all(MUTANT, &err, &got);
    const char *msg = rc < 0 ? strstr(err.msg, "byte offset ") : NULL;
    snprintf(out, n, "%s: %u events: %s\n", what, got, rc < 0 ? (msg ? msg : err.msg) : "read cleanly");
}

/* The block of a trace whose payload contains byte at: where the block starts and
 * its payload's bounds [body, end). */
static bool block_around(const unsigned char *buf, size_t len, size_t at, size_t *blk, size_t *body, size_t *end)
{
    size_t p = ld32_le(buf + 12);
    while (p + TRACE_BLOCK_HEADER <= len) {
        size_t n = ld32_le(buf + p);
        size_t b = p + TRACE_BLOCK_HEADER, e = b + n;
        if (e > len)
            return false;
        if (at < e) {
            *blk = p;
            *body = b;
            *end = e;
            return at >= b && !(buf[p + 28] & TRACE_BLK_ZSTD);
        }
        p = e;
    }
    return false;
}

/* The block's CRC-32 recomputed after a change inside it. */
static void fix_block_crc(unsigned char *buf, size_t blk, size_t end)
{
    st32_le(buf + blk + TRACE_BLOCK_CRC, trace_crc32(trace_crc32(0, buf + blk, TRACE_BLOCK_CRC), buf + blk + TRACE_BLOCK_HEADER,
                                        end - blk - TRACE_BLOCK_HEADER));
}

/* Every byte of every block payload changed, the block's CRC-32 fixed up: the decoders
 * meet every kind of bad value and must still fail cleanly (this is the ASan fuzz of
 * the decoders; the flips above mostly test the CRC). */
static void test_reflipped_everywhere(void)
{
    static const unsigned char flips[] = { 0x01, 0x02, 0x40, 0x80, 0xff, 0x7f };
    Err err;
    size_t len;
    unsigned got;
    unsigned char *buf = load(VEC_TRACE, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    unsigned undetected = 0, tried = 0;
    for (size_t at = 0; at < len; at++) {
        size_t blk, body, end;
        if (!block_around(buf, len, at, &blk, &body, &end))
            continue;
        for (unsigned k = 0; k < ARRAY_SIZE(flips); k++) {
            unsigned char keep[4];
            memcpy(keep, buf + blk + TRACE_BLOCK_CRC, 4);
            buf[at] ^= flips[k];
            fix_block_crc(buf, blk, end);
            FILE *f = fopen(MUTANT, "wb");
            fwrite(buf, 1, len, f);
            fclose(f);
            buf[at] ^= flips[k];
            memcpy(buf + blk + TRACE_BLOCK_CRC, keep, 4);
            int rc = read_all(MUTANT, &err, &got);
            tried++;
            if (rc != -1 || !strstr(err.msg, "byte offset ")) {
                if (undetected++ < 5)
                    fprintf(stderr, "reflip 0x%02x at %zu: rc %d\n", flips[k], at, rc);
            }
        }
    }
    CU_ASSERT(tried > 4000);
    CU_ASSERT_EQUAL(undetected, 0);
    free(buf);
}

static void test_damaged_vector(void)
{
    size_t len, have_len = 0;
    unsigned char *buf = load(VEC_TRACE, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    size_t cap = 1 << 20, used = 0;
    char *txt = malloc(cap), line[512], what[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(txt);
    for (size_t cut = 0; cut < len; cut += 5) {
        snprintf(what, sizeof what, "cut %zu", cut);
        damaged_line(buf, cut, what, line, sizeof line);
        used += (size_t)snprintf(txt + used, cap - used, "%s", line);
    }
    for (size_t at = 2; at < len; at += 5) {
        unsigned char x = (at / 5) % 2 ? 0x80 : 0x01;
        buf[at] ^= x;
        snprintf(what, sizeof what, "flip %zu 0x%02x", at, x);
        damaged_line(buf, len, what, line, sizeof line);
        buf[at] ^= x;
        used += (size_t)snprintf(txt + used, cap - used, "%s", line);
    }
    /* Damage that the block CRC-32 cannot see (the byte changed, the CRC recomputed)
     * reaches the decoders. */
    for (size_t at = 2, k = 0; at < len; at += 3, k++) {
        unsigned char x = k % 3 == 0 ? 0x01 : k % 3 == 1 ? 0x80 : 0xff;
        size_t blk, body, end;
        if (!block_around(buf, len, at, &blk, &body, &end))
            continue;
        unsigned char keep = buf[at], keep_crc[4];
        memcpy(keep_crc, buf + blk + TRACE_BLOCK_CRC, 4);
        buf[at] ^= x;
        fix_block_crc(buf, blk, end);
        snprintf(what, sizeof what, "reflip %zu 0x%02x", at, x);
        damaged_line(buf, len, what, line, sizeof line);
        buf[at] = keep;
        memcpy(buf + blk + TRACE_BLOCK_CRC, keep_crc, 4);
        used += (size_t)snprintf(txt + used, cap - used, "%s", line);
    }
    CU_ASSERT_FATAL(used < cap);
    const char *regen = getenv("RINGSIDE_REGEN_VECTORS");
    if (regen && strcmp(regen, "1") == 0) {
        FILE *f = fopen(VEC_DAMAGED, "wb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        CU_ASSERT_EQUAL(fwrite(txt, 1, used, f), used);
        CU_ASSERT_EQUAL(fclose(f), 0);
    }
    unsigned char *have = load(VEC_DAMAGED, &have_len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(have);
    CU_ASSERT_EQUAL(have_len, used);
    CU_ASSERT(have_len == used && memcmp(have, txt, used) == 0);
    CU_ASSERT(strstr(txt, "read cleanly") == NULL);   /* every sampled damage is caught */
    free(have);
    free(txt);
    free(buf);
}

/* An again record where the block has no event two before (its first event record
 * turned into one, the block CRC fixed): one error at its offset, no events made up. */
static void test_again_without_events(void)
{
    size_t len, blk, body, end;
    unsigned char *buf = load(VEC_TRACE, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    size_t p = ld32_le(buf + 12) + TRACE_BLOCK_HEADER;
    while (buf[p] == TRACE_REC_STRING) {       /* kind, uleb id, uleb length, bytes */
        const uint8_t *q = buf + p + 1;
        uint64_t id, n;
        CU_ASSERT_EQUAL_FATAL(leb128_get(&q, buf + len, &id), 0);
        CU_ASSERT_EQUAL_FATAL(leb128_get(&q, buf + len, &n), 0);
        p = (size_t)(q - buf) + n;
    }
    CU_ASSERT_FATAL(block_around(buf, len, p, &blk, &body, &end));
    buf[p] = TRACE_REC_AGAIN;
    fix_block_crc(buf, blk, end);
    FILE *f = fopen(MUTANT, "wb");
    fwrite(buf, 1, len, f);
    fclose(f);
    Err err;
    unsigned got;
    CU_ASSERT_EQUAL(read_all(MUTANT, &err, &got), -1);
    CU_ASSERT_EQUAL(got, 0);
    char want[80];
    snprintf(want, sizeof want, "byte offset %zu: malformed again record: no event two before", p);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
    free(buf);
}

static void test_not_a_trace(void)
{
    Err err;
    FILE *f = fopen(MUTANT, "wb");
    fputs("ELF? no, just text\n", f);
    fclose(f);
    CU_ASSERT_PTR_NULL(trace_reader_open(MUTANT, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not a ringside trace"));
    CU_ASSERT_PTR_NULL(trace_reader_open("build/no-such.trace", &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no-such.trace"));
}

/* The header's configuration is never cut (it once was, at 2,048 bytes): 200 KiB of
 * key=value lines read back whole, byte for byte. */
static void test_long_configuration(void)
{
    Err err;
    TraceHeader h;
    trace_test_header(&h);
    size_t n = 200 * 1024;
    char *config = malloc(n + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(config);
    size_t at = 0;
    for (unsigned i = 0; at + 40 < n; i++)
        at += (size_t)snprintf(config + at, n + 1 - at, "key%u=value %u of a long configuration\n", i, i * 7);
    h.config = config;
    TraceWriter *tw = trace_open(SMALL, &h, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    CU_ASSERT_EQUAL(trace_ev_virtio_notify(tw, 1, 0x80000000, "kick", "virtio-net", 0), 0);
    CU_ASSERT_EQUAL_FATAL(trace_close(tw, &err), 0);
    TraceReader *r = trace_reader_open(SMALL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    const TraceHeader *got = trace_reader_header(r);
    CU_ASSERT_EQUAL(got->config_len, at);
    CU_ASSERT(got->config && memcmp(got->config, config, at) == 0);
    TraceEvent ev;
    CU_ASSERT_EQUAL(trace_read_next(r, &ev, &err), 1);
    CU_ASSERT_EQUAL(trace_read_next(r, &ev, &err), 0);
    trace_reader_close(r);
    free(config);
}

/* A byte changed in the payload of a block in the middle of a long trace: the reader
 * hands out every event of the blocks before it, then names that block's offset. */
static void test_damaged_middle_block(void)
{
    Err err;
    TraceHeader h;
    trace_test_header(&h);
    TraceWriter *tw = trace_open(SMALL, &h, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    for (uint64_t i = 0; i < 60000; i++)
        CU_ASSERT_EQUAL_FATAL(trace_ev_mmio_write(tw, i, 0x80000000 + 4 * (i % 7), "fill", 0x10000000, 1, i & 0xff,
                                                  "uart", "THR"), 0);
    CU_ASSERT_EQUAL_FATAL(trace_close(tw, &err), 0);
    FILE *f = fopen(SMALL, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static uint8_t buf[2 << 20];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    /* walk the blocks to the third, remembering where each starts and its first event */
    size_t off = ld32_le(buf + 12);
    uint64_t first = 0;
    for (int b = 0; b < 2; b++) {
        CU_ASSERT_FATAL(off + TRACE_BLOCK_HEADER < len);
        off += TRACE_BLOCK_HEADER + ld32_le(buf + off);
    }
    CU_ASSERT_FATAL(off + TRACE_BLOCK_HEADER + 100 < len);
    first = ld64_le(buf + off + 8);
    CU_ASSERT(first > 0);
    buf[off + TRACE_BLOCK_HEADER + 50] ^= 0x10;
    f = fopen(MUTANT, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL_FATAL(fwrite(buf, 1, len, f), len);
    fclose(f);
    TraceReader *r = trace_reader_open(MUTANT, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    TraceEvent ev;
    uint64_t n = 0;
    int rc;
    while ((rc = trace_read_next(r, &ev, &err)) == 1)
        n++;
    trace_reader_close(r);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(n, first);
    char want[80];
    snprintf(want, sizeof want, "byte offset %zu: block checksum mismatch", off);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
}

/* Seeking by time reads block headers only: a long trace is entered at the block
 * holding the time, the events from there read as they were written, and the end
 * block's checksum still holds. */
static void test_seek_time(void)
{
    Err err;
    TraceHeader h;
    trace_test_header(&h);
    TraceWriter *tw = trace_open(SMALL, &h, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    const uint64_t total = 60000, T = 3 * 45000;
    for (uint64_t i = 0; i < total; i++)
        CU_ASSERT_EQUAL_FATAL(trace_ev_mmio_write(tw, 3 * i, 0x80000000 + 4 * (i % 7), "fill", 0x10000000, 1, i & 0xff,
                                                  "uart", "THR"), 0);
    CU_ASSERT_EQUAL_FATAL(trace_close(tw, &err), 0);
    TraceReader *r = trace_reader_open(SMALL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    int64_t before = trace_reader_seek_time(r, T, &err);
    CU_ASSERT(before > 0 && (uint64_t)before <= T / 3);
    CU_ASSERT((uint64_t)before > total / 2);      /* most of the trace skipped */
    TraceEvent ev;
    uint64_t n = (uint64_t)before;
    int rc;
    while ((rc = trace_read_next(r, &ev, &err)) == 1) {
        CU_ASSERT_EQUAL(ev.vtime, 3 * n);
        CU_ASSERT_EQUAL(ev.u.mmio_write.value, n & 0xff);
        n++;
    }
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(n, total);
    trace_reader_close(r);
    /* a time past the end: the last block; before every event: from the start */
    r = trace_reader_open(SMALL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    before = trace_reader_seek_time(r, 10 * total, &err);
    CU_ASSERT(before > 0 && (uint64_t)before < total);
    CU_ASSERT_EQUAL(trace_reader_seek_time(r, 0, &err), -1);   /* once, before reading */
    trace_reader_close(r);
    r = trace_reader_open(SMALL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(trace_reader_seek_time(r, 0, &err), 0);
    CU_ASSERT_EQUAL(trace_read_next(r, &ev, &err), 1);
    CU_ASSERT_EQUAL(ev.vtime, 0);
    trace_reader_close(r);
}

int suite_trace_errors(void)
{
    CU_pSuite s = CU_add_suite("trace_errors", NULL, trace_test_cleanup);
    if (!s)
        return -1;
    CU_add_test(s, "/dev/full is reported at open", test_dev_full);
    CU_add_test(s, "again record with no event two before", test_again_without_events);
    CU_add_test(s, "closed pipe: sticky error", test_closed_pipe);
    CU_add_test(s, "file size limit: only whole records remain", test_file_size_limit);
    CU_add_test(s, "a refused event keeps the earlier ones", test_refused_event_keeps_earlier);
    CU_add_test(s, "truncation at every offset is reported", test_truncated_everywhere);
    CU_add_test(s, "a changed byte at every offset is detected", test_flipped_everywhere);
    CU_add_test(s, "not a trace", test_not_a_trace);
    CU_add_test(s, "every block byte changed behind the CRC-32", test_reflipped_everywhere);
    CU_add_test(s, "damaged vector: the listed errors", test_damaged_vector);
    CU_add_test(s, "a long configuration is kept whole", test_long_configuration);
    CU_add_test(s, "a damaged block in the middle: its offset", test_damaged_middle_block);
    CU_add_test(s, "seek by time reads block headers only", test_seek_time);
    return 0;
}
