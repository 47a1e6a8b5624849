/* Unit tests of how the trace fails: write errors (/dev/full, a closed pipe, a file
 * size limit) are sticky and leave only whole records; a reader given a trace cut at
 * any byte, or with any byte changed, reports an offset and never misreads or crashes
 * (run under ASan as build/unit-tests-san trace_errors). */
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/trace.h"

/* from test_trace.c */
void trace_test_header(TraceHeader *h);
int trace_test_write_all_events(const char *path, TraceTapFn tap, Err *err);

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
        rc = trace_ev_note(tw, (uint64_t)i, 0, NULL, "filling the buffer until it must be written");
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

/* A disk that fills up mid-buffer: the file is cut back to the last whole record, so
 * a reader finds every event written before and then a clean "no end record". */
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
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no end record"));
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
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no end record after 10 events"));
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
            /* The per-record CRC-8 catches a change inside a record; the end record's
             * CRC-32 catches anything that reframed the records. */
            if (rc != -1 || !strstr(err.msg, "byte offset ")) {
                if (undetected++ < 5)
                    fprintf(stderr, "flip 0x%02x at %zu: rc %d, \"%s\"\n", flips[k], at, rc, rc ? err.msg : "");
            }
        }
    }
    CU_ASSERT_EQUAL(undetected, 0);
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

int suite_trace_errors(void)
{
    CU_pSuite s = CU_add_suite("trace_errors", NULL, trace_test_cleanup);
    if (!s)
        return -1;
    CU_add_test(s, "/dev/full is reported at open", test_dev_full);
    CU_add_test(s, "closed pipe: sticky error", test_closed_pipe);
    CU_add_test(s, "file size limit: only whole records remain", test_file_size_limit);
    CU_add_test(s, "a refused event keeps the earlier ones", test_refused_event_keeps_earlier);
    CU_add_test(s, "truncation at every offset is reported", test_truncated_everywhere);
    CU_add_test(s, "a changed byte at every offset is detected", test_flipped_everywhere);
    CU_add_test(s, "not a trace", test_not_a_trace);
    return 0;
}
