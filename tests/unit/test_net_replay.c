/* Unit tests of self-contained replay (sim/net/recorded.h, DESIGN.md §8): file_input
 * round-trips through the trace writer and reader and is reassembled from its chunks;
 * a pcap-fed backend and a TFTP-serving peer, replayed from the input events they
 * traced, deliver the same frames at the same times with the same events and the same
 * timer deadlines, with the capture and the TFTP directory gone. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <unistd.h>

#include "sim/net/backend.h"
#include "sim/net/pcapng.h"
#include "sim/net/recorded.h"
#include "tests/unit/netbuild.h"

#define VEC_PATH "build/test-net-replay.trace"
#define CAP_PATH "build/test-net-replay.pcapng"
#define CUT_PATH "build/test-net-replay-cut.pcapng"
#define TFTP_DIR "build/test-net-replay-tftp"

static EventQueue q;
static uint64_t vt;
static bool guest_ready;

/* What a run showed: every trace event as canonical text, every delivery and every
 * timer deadline after a step of the driver. Two runs must agree line for line. */
#define MAX_LOG 512
static char *log_lines[MAX_LOG];
static int n_log;
static NetRecorded *rec;       /* the live run's inputs, collected from its events */

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n_log < MAX_LOG)
        log_lines[n_log] = strdup(buf);
    n_log++;
}

static void log_reset(void)
{
    for (int i = 0; i < n_log && i < MAX_LOG; i++)
        free(log_lines[i]);
    n_log = 0;
}

static uint64_t clock_now(void *ctx) { (void)ctx; return vt; }

static uint64_t tracer_now(void *ctx, uint64_t *pc)
{
    (void)ctx;
    *pc = 0x80001000;
    return vt;
}

static bool deliver(void *opaque, const uint8_t *frame, size_t len)
{
    (void)opaque;
    logf_("deliver at %llu: %zu bytes, first %02x, ready %d", (unsigned long long)vt, len,
          len ? frame[0] : 0, guest_ready);
    return guest_ready;
}

static void tap(void *opaque, const TraceEvent *ev)
{
    (void)opaque;
    char buf[8192];
    trace_event_format(ev, buf, sizeof buf);
    logf_("%s", buf);
    if (rec) {
        Err e;
        CU_ASSERT_EQUAL(net_recorded_add(rec, ev, &e), 0);
    }
}

static void step(uint64_t until)
{
    while (events_next(&q) <= until) {
        vt = events_next(&q);
        events_run_due(&q, vt);
    }
    vt = until;
    logf_("step to %llu, next timer %llu", (unsigned long long)until,
          (unsigned long long)events_next(&q));
}

typedef struct Run {
    TraceWriter *tw;
    Tracer tracer;
    NetBackend *nb;
} Run;

static void start(Run *r, const char *spec, const char *tftp_dir, const NetRecorded *replay)
{
    static const char *const argv[] = { "ringside" };
    TraceHeader h = { .config = "net\n", .argc = 1, .argv = argv };
    Err e = { "" };
    events_init(&q);
    vt = 0;
    guest_ready = true;
    r->tw = trace_open(NULL, &h, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->tw);
    tracer_init(&r->tracer);
    r->tracer.now = tracer_now;
    tracer_observe(&r->tracer, tap, NULL, NULL);
    tracer_observe(&r->tracer, trace_observe, r->tw, NULL);
    NetBackendConfig c = { .spec = spec, .tftp_dir = tftp_dir, .events = &q, .now = clock_now,
                           .deliver = deliver, .tracer = &r->tracer, .recorded = replay };
    r->nb = net_backend_create(&c, &e);
    if (!r->nb)
        fprintf(stderr, "net_backend_create: %s\n", e.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->nb);
}

static void finish(Run *r)
{
    const char *err = net_backend_error(r->nb);
    logf_("error: %s", err ? err : "none");
    net_backend_destroy(r->nb, NULL);
    Err e;
    CU_ASSERT_EQUAL(trace_close(r->tw, &e), 0);
}

/* Moves the current log aside and returns it. */
static char **take_log(int *n)
{
    char **l = calloc(MAX_LOG, sizeof *l);
    *n = n_log < MAX_LOG ? n_log : MAX_LOG;
    memcpy(l, log_lines, (size_t)*n * sizeof *l);
    n_log = 0;
    return l;
}

static void assert_same_log(char **want, int n_want)
{
    CU_ASSERT_EQUAL(n_log, n_want);
    for (int i = 0; i < n_want && i < n_log; i++) {
        if (strcmp(want[i], log_lines[i]) != 0) {
            fprintf(stderr, "\nline %d differs:\n  live   %.200s\n  replay %.200s\n", i, want[i], log_lines[i]);
            CU_FAIL("the replay differs from the live run");
            break;
        }
    }
    for (int i = 0; i < n_want; i++)
        free(want[i]);
    free(want);
    log_reset();
}

/* ---- the event itself ---- */

static void test_file_input_round_trip(void)
{
    static const char *const argv[] = { "ringside", "run" };
    TraceHeader h = { .config = "x\n", .argc = 2, .argv = argv };
    Err e = { "" };
    TraceWriter *tw = trace_open(VEC_PATH, &h, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    size_t size = 2 * NET_FILE_CHUNK + 3;
    uint8_t *data = malloc(size);
    for (size_t i = 0; i < size; i++)
        data[i] = (uint8_t)(i * 13 + i / 256);
    for (size_t off = 0; off < size; off += NET_FILE_CHUNK) {
        size_t n = size - off < NET_FILE_CHUNK ? size - off : NET_FILE_CHUNK;
        trace_ev_file_input(tw, 100, 0x80000000, "tftp_get", NET_SRC_TFTP, "dir/kernel", off, size,
                            data + off, n, 0, "");
    }
    trace_ev_file_input(tw, 200, 0x80000000, NULL, NET_SRC_TFTP, "nosuch", 0, 0, NULL, 0, 1, "File not found");
    trace_ev_file_input(tw, 300, 0x80000000, NULL, NET_SRC_TFTP, "empty", 0, 0, NULL, 0, 0, "");
    trace_ev_file_input(tw, 300, 0x80000000, NULL, "other", "ignored", 0, 1, data, 1, 0, "");
    CU_ASSERT_EQUAL_FATAL(trace_close(tw, &e), 0);

    TraceReader *r = trace_reader_open(VEC_PATH, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    NetRecorded *nr = net_recorded_new();
    TraceEvent ev;
    int n = 0;
    while (trace_read_next(r, &ev, &e) == 1) {
        CU_ASSERT_EQUAL(ev.type, TRACE_EV_file_input);
        if (n == 0) {
            CU_ASSERT_STRING_EQUAL(ev.u.file_input.src, "tftp");
            CU_ASSERT_STRING_EQUAL(ev.u.file_input.path, "dir/kernel");
            CU_ASSERT_EQUAL(ev.u.file_input.offset, 0);
            CU_ASSERT_EQUAL(ev.u.file_input.size, size);
            CU_ASSERT_EQUAL(ev.u.file_input.data.len, NET_FILE_CHUNK);
            CU_ASSERT_EQUAL(ev.vtime, 100);
        }
        if (n == 3) {
            CU_ASSERT_EQUAL(ev.u.file_input.error, 1);
            CU_ASSERT_STRING_EQUAL(ev.u.file_input.reason, "File not found");
        }
        CU_ASSERT_EQUAL(net_recorded_add(nr, &ev, &e), 0);
        n++;
    }
    trace_reader_close(r);
    CU_ASSERT_EQUAL(n, 6);
    CU_ASSERT_EQUAL_FATAL(nr->n_files, 3);
    CU_ASSERT_STRING_EQUAL(nr->files[0].path, "dir/kernel");
    CU_ASSERT_EQUAL_FATAL(nr->files[0].len, size);
    CU_ASSERT_EQUAL(memcmp(nr->files[0].data, data, size), 0);
    CU_ASSERT_STRING_EQUAL(nr->files[0].reason, "");
    CU_ASSERT_STRING_EQUAL(nr->files[1].reason, "File not found");
    CU_ASSERT_EQUAL(nr->files[1].error, 1);
    CU_ASSERT_EQUAL(nr->files[2].len, 0);
    CU_ASSERT_EQUAL(nr->n_frames, 0);

    /* A chunk that does not continue the file before it is refused. */
    TraceEvent bad = { .type = TRACE_EV_file_input };
    bad.u.file_input = (TraceEv_file_input){ .src = "tftp", .path = "empty", .offset = 5, .size = 10,
                                             .data = { data, 5 }, .reason = "" };
    CU_ASSERT_EQUAL(net_recorded_add(nr, &bad, &e), -1);
    bad.u.file_input.offset = 0;
    bad.u.file_input.size = 4;
    CU_ASSERT_EQUAL(net_recorded_add(nr, &bad, &e), -1);   /* more data than its size */
    net_recorded_free(nr);
    free(data);
}

/* ---- the pcap backend ---- */

static void write_capture(void)
{
    Err e;
    Pcapng *w = pcapng_open(CAP_PATH, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    uint8_t f[60];
    /* Capture clock in ns: two frames at once, one 2 µs later, the recorded guest's own
     * frame (skipped), one 50 µs later, one much later. */
    static const uint64_t ts[] = { 1000000, 1000000, 1002000, 1002500, 1050000, 1900000 };
    for (size_t i = 0; i < ARRAY_SIZE(ts); i++) {
        memset(f, 0xa0 + (int)i, sizeof f);
        CU_ASSERT_EQUAL(pcapng_write(w, ts[i], i != 3, f, sizeof f, &e), 0);
    }
    CU_ASSERT_EQUAL(pcapng_close(w, &e), 0);
}

/* The guest: no buffers at first (the first frame is refused), buffers at 800 (the
 * frames due meanwhile go in at once), none again from 1500 to 7000. */
static void drive_pcap(NetBackend *nb)
{
    step(400);
    guest_ready = false;
    vt = 500;
    net_backend_rx_ready(nb);
    step(800);
    guest_ready = true;
    net_backend_rx_ready(nb);
    step(1500);
    guest_ready = false;
    step(7000);
    guest_ready = true;
    net_backend_rx_ready(nb);
    net_backend_rx_ready(nb);
    step(200000);
}

static int count_lines(const char *needle)
{
    int n = 0;
    for (int i = 0; i < n_log && i < MAX_LOG; i++)
        n += strstr(log_lines[i], needle) != NULL;
    return n;
}

static void test_pcap_replays_from_trace(void)
{
    write_capture();
    Run r;
    rec = net_recorded_new();
    start(&r, "pcap:" CAP_PATH, NULL, NULL);
    drive_pcap(r.nb);
    finish(&r);
    CU_ASSERT_EQUAL(rec->n_frames, 5);
    CU_ASSERT_EQUAL(count_lines("frame_to_guest"), 5);
    CU_ASSERT_EQUAL(count_lines("frame_input src=pcap"), 5);
    CU_ASSERT(count_lines("ready 0") >= 2);               /* refusals happened */
    int n_live;
    char **live = take_log(&n_live);

    /* The capture is gone: the replay needs only the recorded events. */
    CU_ASSERT_EQUAL(unlink(CAP_PATH), 0);
    NetRecorded *replay = rec;
    rec = NULL;
    start(&r, "pcap:" CAP_PATH, NULL, replay);
    drive_pcap(r.nb);
    finish(&r);
    assert_same_log(live, n_live);
    net_recorded_free(replay);
}

static void test_pcap_error_replays(void)
{
    write_capture();
    /* Cut inside the fourth frame's block: three frames, then the error. */
    FILE *f = fopen(CAP_PATH, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    f = fopen(CUT_PATH, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fwrite(buf, 1, n - 100, f);
    fclose(f);
    Run r;
    rec = net_recorded_new();
    start(&r, "pcap:" CUT_PATH, NULL, NULL);
    drive_pcap(r.nb);
    const char *err = net_backend_error(r.nb);
    CU_ASSERT_PTR_NOT_NULL(err);
    char want_err[256];
    snprintf(want_err, sizeof want_err, "%s", err ? err : "");
    finish(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec->pcap_error);
    CU_ASSERT_STRING_EQUAL(rec->pcap_error, want_err);
    CU_ASSERT_EQUAL(count_lines("pcap replay stopped"), 1);
    int n_live;
    char **live = take_log(&n_live);
    CU_ASSERT_EQUAL(unlink(CUT_PATH), 0);
    NetRecorded *replay = rec;
    rec = NULL;
    start(&r, "pcap:" CUT_PATH, NULL, replay);
    drive_pcap(r.nb);
    finish(&r);
    assert_same_log(live, n_live);
    net_recorded_free(replay);
}

/* ---- the peer's TFTP files ---- */

static uint8_t fr[2048];

static size_t tftp_msg(uint16_t dport, const void *m, size_t len)
{
    return nb_udp(fr, peer_mac, PEER_GUEST_IP, PEER_GW_IP, 1234, dport, m, len);
}

static size_t rrq(const char *name)
{
    uint8_t m[256];
    st16_be(m, 1);
    size_t n = 2 + (size_t)sprintf((char *)m + 2, "%s", name) + 1;
    memcpy(m + n, "octet", 6);
    return tftp_msg(69, m, n + 6);
}

static size_t ack(uint16_t port, uint16_t block)
{
    uint8_t m[4];
    st16_be(m, 4);
    st16_be(m + 2, block);
    return tftp_msg(port, m, 4);
}

/* The guest fetches a.bin (3 blocks of 512), a missing file, a.bin again and b.bin
 * (empty) and a name outside the directory; the server's port follows the transfer
 * count (TFTP_PORT_BASE + n), first being the count before. */
static void drive_tftp(NetBackend *nb, unsigned first)
{
    static const char *const names[] = { "a.bin", "nosuch", "a.bin", "b.bin", "../up" };
    static const unsigned blocks[] = { 3, 0, 3, 1, 0 };
    for (unsigned t = 0; t < ARRAY_SIZE(names); t++) {
        net_backend_send(nb, fr, rrq(names[t]));
        step(vt + 3000);
        for (unsigned b = 1; b <= blocks[t]; b++) {
            net_backend_send(nb, fr, ack((uint16_t)(49152 + first + t), (uint16_t)b));
            step(vt + 3000);
        }
    }
}

static void put_file(const char *name, size_t len, uint8_t seed)
{
    char path[256];
    snprintf(path, sizeof path, TFTP_DIR "/%s", name);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    for (size_t i = 0; i < len; i++)
        fputc((int)(uint8_t)(seed + i * 7), f);
    fclose(f);
}

static void test_tftp_replays_from_trace(void)
{
    CU_ASSERT_EQUAL_FATAL(system("rm -rf " TFTP_DIR " && mkdir -p " TFTP_DIR), 0);
    put_file("a.bin", 1200, 1);
    put_file("b.bin", 0, 2);
    Run r;
    rec = net_recorded_new();
    start(&r, "peer", TFTP_DIR, NULL);
    drive_tftp(r.nb, 0);
    finish(&r);
    /* Both reads of a.bin, the failure and b.bin; "../up" is refused on its name. */
    CU_ASSERT_EQUAL_FATAL(rec->n_files, 4);
    CU_ASSERT_STRING_EQUAL(rec->files[0].path, "a.bin");
    CU_ASSERT_EQUAL(rec->files[0].len, 1200);
    CU_ASSERT_STRING_EQUAL(rec->files[1].reason, "File not found");
    CU_ASSERT_EQUAL(rec->files[1].error, 1);
    CU_ASSERT_EQUAL(rec->files[3].len, 0);
    CU_ASSERT_EQUAL(count_lines("tftp done 1200 bytes"), 2);
    CU_ASSERT_EQUAL(count_lines("tftp done 0 bytes"), 1);
    CU_ASSERT_EQUAL(count_lines("code 2: Access violation"), 1);
    int n_live;
    char **live = take_log(&n_live);

    /* Directory gone: same frames, same events. */
    CU_ASSERT_EQUAL_FATAL(system("rm -rf " TFTP_DIR), 0);
    NetRecorded *replay = rec;
    rec = NULL;
    start(&r, "peer", TFTP_DIR, replay);
    drive_tftp(r.nb, 0);
    finish(&r);
    assert_same_log(live, n_live);
    net_recorded_free(replay);
}

/* A file changed between two reads is served as each read saw it, and replayed so. */
static void test_tftp_changed_file(void)
{
    CU_ASSERT_EQUAL_FATAL(system("rm -rf " TFTP_DIR " && mkdir -p " TFTP_DIR), 0);
    put_file("a.bin", 1200, 1);
    put_file("b.bin", 0, 2);
    Run r;
    rec = net_recorded_new();
    start(&r, "peer", TFTP_DIR, NULL);
    net_backend_send(r.nb, fr, rrq("a.bin"));
    step(3000);
    put_file("a.bin", 1200, 9);           /* the transfer in flight keeps its version */
    for (uint16_t b = 1; b <= 3; b++) {
        net_backend_send(r.nb, fr, ack(49152, b));
        step(vt + 3000);
    }
    drive_tftp(r.nb, 1);
    finish(&r);
    CU_ASSERT_EQUAL_FATAL(rec->n_files, 5);
    CU_ASSERT_EQUAL(rec->files[0].data[0], 1);
    CU_ASSERT_EQUAL(rec->files[1].data[0], 9);
    CU_ASSERT_EQUAL(count_lines("tftp done 1200 bytes"), 3);
    int n_live;
    char **live = take_log(&n_live);
    CU_ASSERT_EQUAL_FATAL(system("rm -rf " TFTP_DIR), 0);
    NetRecorded *replay = rec;
    rec = NULL;
    start(&r, "peer", TFTP_DIR, replay);
    net_backend_send(r.nb, fr, rrq("a.bin"));
    step(3000);
    for (uint16_t b = 1; b <= 3; b++) {
        net_backend_send(r.nb, fr, ack(49152, b));
        step(vt + 3000);
    }
    drive_tftp(r.nb, 1);
    finish(&r);
    assert_same_log(live, n_live);
    net_recorded_free(replay);
}

int suite_net_replay(void)
{
    CU_pSuite s = CU_add_suite("net_replay", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "file_input round trip and reassembly", test_file_input_round_trip) ||
        !CU_add_test(s, "pcap frames replay from the trace", test_pcap_replays_from_trace) ||
        !CU_add_test(s, "pcap read error replays", test_pcap_error_replays) ||
        !CU_add_test(s, "tftp files replay from the trace", test_tftp_replays_from_trace) ||
        !CU_add_test(s, "tftp file changed between reads", test_tftp_changed_file))
        return -1;
    return 0;
}
