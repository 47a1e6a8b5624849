/* Unit tests of the trace writer and reader (trace/): every event type round-trips,
 * and the writer still produces the checked-in vector tests/trace-vectors/all-events.*
 * byte for byte (RINGSIDE_REGEN_VECTORS=1 rewrites the vector instead). */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <unistd.h>

#include "trace/trace.h"
#include "sim/tracer.h"

#define VEC_TRACE "tests/trace-vectors/all-events.trace"
#define VEC_TEXT "tests/trace-vectors/all-events.txt"
#define OUT_TRACE trace_test_path("all-events.trace")

/* Scratch files are per process (build/test-PID-STEM), so that the plain and the
 * sanitizer test binaries can run at the same time, and are removed after the suite. */
static char scratch[8][96];
static unsigned n_scratch;

const char *trace_test_path(const char *stem);
const char *trace_test_path(const char *stem)
{
    char want[96];
    snprintf(want, sizeof want, "build/test-%ld-%s", (long)getpid(), stem);
    for (unsigned i = 0; i < n_scratch; i++)
        if (strcmp(scratch[i], want) == 0)
            return scratch[i];
    if (n_scratch == ARRAY_SIZE(scratch))
        return "build/test-scratch-overflow";
    memcpy(scratch[n_scratch], want, sizeof want);
    return scratch[n_scratch++];
}

int trace_test_cleanup(void);
int trace_test_cleanup(void)
{
    for (unsigned i = 0; i < n_scratch; i++)
        unlink(scratch[i]);
    n_scratch = 0;
    return 0;
}

/* The emitted events, captured by the tap (their pointers are to static data). */
static TraceEvent emitted[128];
static unsigned n_emitted;

static void capture(void *opaque, const TraceEvent *ev)
{
    (void)opaque;
    if (n_emitted < ARRAY_SIZE(emitted))
        emitted[n_emitted++] = *ev;
}

static const char *const vec_argv[] = { "ringside", "run", "-append", "scenario=hello net", "--trace", "t.trace" };

void trace_test_header(TraceHeader *h);
void trace_test_header(TraceHeader *h)
{
    static const uint8_t abc_sha[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
    };
    memset(h, 0, sizeof *h);
    h->config = "machine=virt\nmem=128M\nnet=peer\n";
    h->argc = (int)ARRAY_SIZE(vec_argv);
    h->argv = vec_argv;
    memcpy(h->fw_sha256, abc_sha, 32);
}

/* One of every event type, with values that reach the edges of the encoding: 10-byte
 * varints, NULL names, escapes in names and text, empty and long byte strings. */
int trace_test_write_all_events(const char *path, TraceObserveFn *tap, Err *err);
int trace_test_write_all_events(const char *path, TraceObserveFn *tap, Err *err)
{
    static const uint8_t arp[42] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06, 0x00, 0x01,
        0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x0a, 0x00, 0x02, 0x0f,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x02, 0x02,
    };
    static const uint8_t reply[4] = { 0x00, 0x7f, 0x80, 0xff };
    static const TraceDesc chain[3] = {
        { 0x80100000, 12, 0, 1, 1 },
        { 0x80100800, 1514, 1, 3, 2 },
        { 0xffffffffffffffffull, 0xffffffffu, 0xffff, 0xffff, 0xffff },
    };
    const char *dev = "virtio-net";
    TraceHeader h;
    trace_test_header(&h);
    TraceWriter *tw = trace_open(path, &h, err);
    if (!tw)
        return -1;
    /* Emitted as the simulator emits: through a tracer, to the caller's observer (if
     * any) and to the writer. */
    Tracer tr;
    tracer_init(&tr);
    if (tap)
        tracer_observe(&tr, tap, NULL, NULL);
    tracer_observe(&tr, trace_observe, tw, NULL);
    uint64_t t = 0;
    tracer_ev_run_start(&tr, t, 0x1000, NULL, 0x80000000);
    tracer_ev_trap(&tr, t += 7, 0x80000010, "_start", 2, 0x0000000000000073, 0x80000010);
    tracer_ev_interrupt(&tr, t += 1000, 0x80000200, "idle", 7, 0x80000200);
    tracer_ev_wfi_sleep(&tr, t += 1, 0x80000204, "idle", 1ull << 40);
    tracer_ev_wfi_wake(&tr, t += 1ull << 40, 0x80000208, "idle", (1ull << 40) - 1);
    tracer_ev_state_hash(&tr, t += 128, 0x80000300, NULL, 0xfedcba9876543210ull);
    tracer_ev_mmio_read(&tr, t += 3, 0x80001000, "pci_enumerate", 0x30008000, 4, 0x10001af4, "pci-ecam", "vendor_id");
    tracer_ev_mmio_write(&tr, t += 3, 0x80001004, "virtio_pci_probe", 0x4000000014ull, 1, 0x1, "virtio-net.bar4", "common.device_status");
    /* a busy poll: one record and a repeat record (same step), then another step */
    for (int i = 0; i < 4; i++)
        tracer_ev_mmio_read(&tr, t += 2, 0x80001006, "uart_putc", 0x10000005, 1, 0x0, "uart", "lsr");
    tracer_ev_mmio_read(&tr, t += 5, 0x80001006, "uart_putc", 0x10000005, 1, 0x0, "uart", "lsr");
    /* poll then write, three bytes: the polls after the first become again records */
    for (int i = 0; i < 3; i++) {
        tracer_ev_mmio_read(&tr, t += 4, 0x80001006, "uart_putc", 0x10000005, 1, 0x60, "uart", "lsr");
        tracer_ev_mmio_write(&tr, t += 3, 0x8000100a, "uart_putc", 0x10000000, 1, (uint64_t)('a' + i), "uart", "thr");
    }
    tracer_ev_pio_read(&tr, t += 2, 0x80001008, "vp_legacy_get_status", 0x12, 1, 0x3, "virtio-net.bar0", "status");
    tracer_ev_pio_write(&tr, t += 2, 0x8000100c, "vp_legacy_set_status", 0x12, 1, 0x7, "virtio-net.bar0", NULL);
    tracer_ev_unmapped_read(&tr, t += 1, 0x80001010, "probe_hole", "mem", 0x20000000, 8);
    tracer_ev_unmapped_write(&tr, t += 1, 0x80001014, "probe_hole", "io", 0xfff0, 2, 0xffff);
    tracer_ev_pci_cfg_read(&tr, t += 5, 0x80001100, "pci_read_config", 0x0008, 0x0, 4, 0x10001af4, "vendor_id", "ECAM");
    tracer_ev_pci_cfg_write(&tr, t += 5, 0x80001104, "pci_write_config", 0x0008, 0x10, 4, 0xffffffff, "bar0", "CF8");
    tracer_ev_pci_bar_map(&tr, t += 1, 0x80001108, NULL, 0x0008, 4, "mem64", 0x400000000ull, 0x4000);
    tracer_ev_pci_bar_unmap(&tr, t += 1, 0x8000110c, NULL, 0xffff, 0, "io", 0x1000, 0x20);
    tracer_ev_pci_intx(&tr, t += 1, 0x80001110, NULL, 0x0008, 1, 33, 1);
    tracer_ev_pci_error(&tr, t += 1, 0x80001114, NULL, 0x0008, "BAR 4 write while decode enabled");
    tracer_ev_virtio_status(&tr, t += 9, 0x80002000, "vp_set_status", dev, 0x3, 0xb);
    tracer_ev_virtio_feature_sel(&tr, t += 1, 0x80002004, "vp_get_features", dev, "device", 1);
    tracer_ev_virtio_features(&tr, t += 1, 0x80002008, "vp_get_features", dev, "device", 1, 0x00000001);
    tracer_ev_virtio_queue_setup(&tr, t += 1, 0x8000200c, "vp_setup_vq", dev, 0, 256, 0x80200000, 0x80201000, 0x80202000);
    tracer_ev_virtio_queue_enable(&tr, t += 1, 0x80002010, "vp_setup_vq", dev, 0, 1);
    tracer_ev_virtio_notify(&tr, t += 1, 0x80002014, "vp_notify", dev, 1);
    tracer_ev_virtio_isr_read(&tr, t += 1, 0x80002018, "vp_interrupt", dev, 0x1);
    tracer_ev_virtio_config_read(&tr, t += 1, 0x8000201c, "virtnet_probe", dev, 0x0, 1, 0x52, "mac");
    tracer_ev_virtio_config_write(&tr, t += 1, 0x80002020, NULL, dev, 0x6, 2, 0x1, "status");
    tracer_ev_virtio_reset(&tr, t += 1, 0x80002024, "vp_reset", dev);
    tracer_ev_virtio_error(&tr, t += 1, 0x80002028, NULL, dev, "DRIVER_OK before FEATURES_OK");
    tracer_ev_net_ctrl(&tr, t, 0x8000202c, NULL, dev, 8, "MQ_VQ_PAIRS_SET", "OK", "1");   /* the time after it unchanged */
    tracer_ev_desc_write(&tr, t += 2, 0x80003000, "virtqueue_add_split", dev, 0, 0, 0x80100000, 12, 0x1, 1);
    tracer_ev_avail_write(&tr, t += 1, 0x80003004, "virtqueue_add_split", dev, 0, 0, 0);
    tracer_ev_avail_idx(&tr, t += 1, 0x80003008, "virtqueue_kick_prepare_split", dev, 0, 1);
    tracer_ev_used_event_write(&tr, t += 1, 0x8000300c, "virtqueue_enable_cb_split", dev, 0, 65535);
    tracer_ev_avail_flags_write(&tr, t += 1, 0x80003010, "virtqueue_disable_cb_split", dev, 1, 0x1);
    tracer_ev_chain_fetch(&tr, t += 4, 0x80003014, "vp_notify", dev, 1, 0, chain, 3);
    tracer_ev_chain_fetch(&tr, t += 0, 0x80003014, "vp_notify", dev, 1, 3, NULL, 0);
    tracer_ev_used_write(&tr, t += 0, 0x80003014, "vp_notify", dev, 1, 0, 0, 1526);
    tracer_ev_used_idx(&tr, t += 0, 0x80003014, "vp_notify", dev, 1, 1);
    tracer_ev_irq_raise(&tr, t += 0, 0x80003014, "vp_notify", dev, 1, "used");
    tracer_ev_irq_suppress(&tr, t += 0, 0x80003014, "vp_notify", dev, 0, "NO_INTERRUPT");
    tracer_ev_avail_event_write(&tr, t += 0, 0x80003014, "vp_notify", dev, 1, 2);
    tracer_ev_used_flags_write(&tr, t += 0, 0x80003014, "vp_notify", dev, 1, 0x1);
    tracer_ev_frame_from_guest(&tr, t += 0, 0x80003014, "vp_notify", dev, arp, sizeof arp);
    tracer_ev_peer_action(&tr, t += 0, 0x80003014, "vp_notify", "ARP reply: 10.0.2.2 is-at 52:55:0a:00:02:02");
    tracer_ev_frame_to_guest(&tr, t += 0, 0x80003014, "vp_notify", dev, reply, sizeof reply);
    tracer_ev_frame_to_guest(&tr, t += 0, 0x80003014, "vp_notify", dev, NULL, 0);
    tracer_ev_console_in(&tr, t += 50, 0xffffffffffffffffull, "uart rx", "stdin", 0x0d);
    tracer_ev_frame_input(&tr, t += 50, 0, NULL, "tap0", reply, 2);
    tracer_ev_file_input(&tr, t += 1, 0x80003014, "vp_notify", "tftp", "boot/Image", 65536, 65538, reply, 2, 0, "");
    tracer_ev_debug_reg_write(&tr, t += 1, 0x80003018, "vp_notify", "gdb", 32, 0x80003020);
    tracer_ev_debug_mem_write(&tr, t += 0, 0x80003020, "vp_notify", "monitor", 0x80100000, reply, sizeof reply);
    tracer_ev_note(&tr, t += 1, 0x80004000, "main", "text with \"quotes\", a \\ backslash,\ta tab and \xc3\xa9\n");
    tracer_ev_driver_violation(&tr, t += 1, 0x80003010, "vp_setup_vq", dev, "features_ok_reread", "3.1.1",
                               "queue 0 enabled, FEATURES_OK never read back since it was set");
    tracer_ev_packed_desc_write(&tr, t += 0, 0x80003018, "vqp_add_sgs", dev, 1, 6, 0x80100000, 74, 3, 0x0);
    tracer_ev_packed_desc_avail(&tr, t += 0, 0x8000301c, "vqp_add_sgs", dev, 1, 6, 3, 0x80, 1);
    tracer_ev_driver_event_write(&tr, t += 0, 0x80003020, "vqp_enable_cb", dev, 1, 0x8007, 0x2);
    tracer_ev_packed_chain_fetch(&tr, t += 0, 0x80003024, "m_notify", dev, 1, 6, 1, 3, chain, 2);
    tracer_ev_packed_used_write(&tr, t += 0, 0x80003024, "m_notify", dev, 1, 6, 3, 0, 0x8080);
    tracer_ev_packed_used_flags(&tr, t += 0, 0x80003024, "m_notify", dev, 1, 6, 0x8080);
    tracer_ev_device_event_write(&tr, t += 0, 0x80003024, "m_notify", dev, 1, 0x0, 0x1);
    tracer_ev_packed_wrap(&tr, t += 0, 0x80003024, "m_notify", dev, 1, "avail", 0);
    tracer_ev_run_end(&tr, t += 1, 0x80004004, "poweroff", 0, "guest wrote 0x5555 to the test device");
    return trace_close(tw, err);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        *len = (size_t)n;
    }
    return buf;
}

static int spit(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int r = fwrite(data, 1, len, f) == len ? 0 : -1;
    return fclose(f) == 0 ? r : -1;
}

static void test_vector_bytes(void)
{
    Err err;
    bool regen = getenv("RINGSIDE_REGEN_VECTORS") && strcmp(getenv("RINGSIDE_REGEN_VECTORS"), "1") == 0;
    n_emitted = 0;
    CU_ASSERT_EQUAL_FATAL(trace_test_write_all_events(regen ? VEC_TRACE : OUT_TRACE, capture, &err), 0);
    size_t a_len = 0, b_len = 0;
    char *a = slurp(regen ? VEC_TRACE : OUT_TRACE, &a_len), *b = slurp(VEC_TRACE, &b_len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    /* The writer must not drift from the checked-in bytes that Python also reads. */
    CU_ASSERT_EQUAL(a_len, b_len);
    CU_ASSERT(a_len == b_len && memcmp(a, b, a_len) == 0);
    free(a);
    free(b);
    if (regen) {
        /* the text is produced from what the writer emitted, then checked on read */
        char *txt = malloc(1 << 16), line[4096];
        size_t len = 0;
        for (unsigned i = 0; i < n_emitted; i++) {
            int k = trace_event_format(&emitted[i], line, sizeof line);
            CU_ASSERT_FATAL(k > 0 && (size_t)k < sizeof line);
            len += (size_t)snprintf(txt + len, (1 << 16) - len, "%s\n", line);
        }
        CU_ASSERT_EQUAL(spit(VEC_TEXT, txt, len), 0);
        free(txt);
    }
}

static void test_round_trip_every_type(void)
{
    Err err;
    n_emitted = 0;
    CU_ASSERT_EQUAL_FATAL(trace_test_write_all_events(OUT_TRACE, capture, &err), 0);
    TraceReader *r = trace_reader_open(OUT_TRACE, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    const TraceHeader *h = trace_reader_header(r);
    TraceHeader want;
    trace_test_header(&want);
    CU_ASSERT_EQUAL(trace_reader_version(r), TRACE_VERSION);
    CU_ASSERT_STRING_EQUAL(h->config, want.config);
    CU_ASSERT_EQUAL_FATAL(h->argc, want.argc);
    for (int i = 0; i < h->argc; i++)
        CU_ASSERT_STRING_EQUAL(h->argv[i], want.argv[i]);
    CU_ASSERT_EQUAL(memcmp(h->fw_sha256, want.fw_sha256, 32), 0);

    bool seen[0x10000] = { false };
    TraceEvent ev;
    unsigned n = 0;
    int rc;
    while ((rc = trace_read_next(r, &ev, &err)) == 1) {
        CU_ASSERT_FATAL(n < n_emitted);
        CU_ASSERT(trace_event_equal(&ev, &emitted[n]));
        seen[ev.type] = true;
        n++;
    }
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(n, n_emitted);
    CU_ASSERT_EQUAL(trace_read_next(r, &ev, &err), 0);   /* the end stays the end */
    trace_reader_close(r);
    unsigned types = 0;
    for (unsigned id = 0; id < 0x10000; id++) {
        if (trace_event_name((TraceEventType)id)) {
            types++;
            CU_ASSERT(seen[id]);
            CU_ASSERT_PTR_NOT_NULL(trace_event_family((TraceEventType)id));
        }
    }
    CU_ASSERT(types >= 48);
}

static void test_vector_text(void)
{
    Err err;
    size_t len = 0;
    char *want = slurp(VEC_TEXT, &len), line[4096];
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    TraceReader *r = trace_reader_open(VEC_TRACE, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    TraceEvent ev;
    char *pos = want;
    unsigned lines = 0;
    while (trace_read_next(r, &ev, &err) == 1) {
        char *nl = strchr(pos, '\n');
        CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
        *nl = 0;
        trace_event_format(&ev, line, sizeof line);
        CU_ASSERT_STRING_EQUAL(line, pos);
        pos = nl + 1;
        lines++;
    }
    CU_ASSERT_STRING_EQUAL(pos, "");
    CU_ASSERT(lines >= 48);
    trace_reader_close(r);
    free(want);
}

static void test_format(void)
{
    TraceEvent ev = { .type = TRACE_EV_mmio_write, .vtime = 42, .pc = 0x80000010, .sym = "virtnet probe" };
    ev.u.mmio_write = (TraceEv_mmio_write){ 0x40000014, 1, 0xf, "virtio-net", NULL };
    char buf[256];
    const char *want = "42 0x80000010 virtnet\\x20probe mmio_write addr=0x40000014 size=1 value=0xf region=virtio-net reg=-";
    CU_ASSERT_EQUAL(trace_event_format(&ev, buf, sizeof buf), (int)strlen(want));
    CU_ASSERT_STRING_EQUAL(buf, want);
    /* snprintf-like: a short buffer gets a NUL-terminated prefix and the full length */
    CU_ASSERT_EQUAL(trace_event_format(&ev, buf, 10), (int)strlen(want));
    CU_ASSERT_STRING_EQUAL(buf, "42 0x8000");
    TraceEvent p = { .type = TRACE_EV_pci_cfg_read, .vtime = 1, .pc = 2 };
    p.u.pci_cfg_read = (TraceEv_pci_cfg_read){ 0x01f9, 0x3c, 1, 0xff, "interrupt_line", "CF8" };
    trace_event_format(&p, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "1 0x2 - pci_cfg_read bdf=01:1f.1 offset=0x3c size=1 value=0xff reg=interrupt_line mech=CF8");
}

static void test_equal(void)
{
    static const uint8_t f1[3] = { 1, 2, 3 }, f2[3] = { 1, 2, 4 };
    char sym1[] = "rx", sym2[] = "rx";
    TraceEvent a = { .type = TRACE_EV_frame_to_guest, .vtime = 5, .pc = 6, .sym = sym1 };
    a.u.frame_to_guest = (TraceEv_frame_to_guest){ "virtio-net", { f1, 3 } };
    TraceEvent b = a;
    b.sym = sym2;   /* same text, different address: equal */
    CU_ASSERT(trace_event_equal(&a, &b));
    b.u.frame_to_guest.frame.data = f2;
    CU_ASSERT_FALSE(trace_event_equal(&a, &b));
    b = a;
    b.sym = NULL;
    CU_ASSERT_FALSE(trace_event_equal(&a, &b));
    b = a;
    b.vtime = 7;
    CU_ASSERT_FALSE(trace_event_equal(&a, &b));
    b = a;
    b.u.frame_to_guest.frame.len = 2;
    CU_ASSERT_FALSE(trace_event_equal(&a, &b));
    TraceDesc d1 = { 0x1000, 4, 0, 0, 0 }, d2 = d1;
    TraceEvent c = { .type = TRACE_EV_chain_fetch };
    c.u.chain_fetch = (TraceEv_chain_fetch){ "n", 0, 0, { &d1, 1 } };
    TraceEvent e = c;
    e.u.chain_fetch.chain.d = &d2;
    CU_ASSERT(trace_event_equal(&c, &e));
    d2.next = 1;
    CU_ASSERT_FALSE(trace_event_equal(&c, &e));
}

static void test_no_file_and_null(void)
{
    Err err;
    /* A NULL writer is "tracing off": emitters do nothing and succeed. */
    CU_ASSERT_EQUAL(trace_ev_note(NULL, 0, 0, NULL, "x"), 0);
    CU_ASSERT_EQUAL(trace_close(NULL, &err), 0);
    /* Without a file, events are checked and counted. */
    TraceWriter *tw = trace_open(NULL, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    CU_ASSERT_EQUAL(trace_ev_virtio_notify(tw, 1, 2, NULL, "virtio-net", 0), 0);
    CU_ASSERT_EQUAL(trace_ev_virtio_notify(tw, 1, 2, NULL, "virtio-net", 1), 0);
    CU_ASSERT_EQUAL(trace_count(tw), 2);
    CU_ASSERT_EQUAL(trace_ev_virtio_notify(tw, 0, 2, NULL, "virtio-net", 1), -1);
    CU_ASSERT_EQUAL(trace_count(tw), 2);
    CU_ASSERT_EQUAL(trace_close(tw, &err), -1);
}

static void test_misuse_is_sticky(void)
{
    Err err;
    TraceHeader h;
    trace_test_header(&h);
    TraceWriter *tw = trace_open(trace_test_path("misuse.trace"), &h, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    CU_ASSERT_EQUAL(trace_ev_note(tw, 100, 0, NULL, "a"), 0);
    CU_ASSERT_EQUAL(trace_ev_note(tw, 99, 0, NULL, "time went back"), -1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(trace_error(tw));
    CU_ASSERT_PTR_NOT_NULL(strstr(trace_error(tw), "before the previous event"));
    CU_ASSERT_EQUAL(trace_ev_note(tw, 200, 0, NULL, "later"), -1);
    CU_ASSERT_EQUAL(trace_close(tw, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "before the previous event"));

    char *big = malloc(TRACE_MAX_STRING + 2);
    memset(big, 'a', TRACE_MAX_STRING + 1);
    big[TRACE_MAX_STRING + 1] = 0;
    tw = trace_open(trace_test_path("misuse.trace"), &h, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    CU_ASSERT_EQUAL(trace_ev_note(tw, 1, 0, NULL, big), -1);
    CU_ASSERT_EQUAL(trace_close(tw, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "longer than"));
    free(big);

    TraceEvent bad = { .type = (TraceEventType)7 };
    tw = trace_open(NULL, NULL, &err);
    CU_ASSERT_EQUAL(trace_emit(tw, &bad), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(trace_error(tw), "unknown trace event type 7"));
    trace_close(tw, NULL);
}

/* Writes a poll-then-write run of n bytes (the poll at pc 0x80001006 unless bad_pc
 * moves the third); returns the file's size. */
static long write_polls(const char *path, int n, bool bad_pc)
{
    Err err;
    TraceHeader h;
    trace_test_header(&h);
    TraceWriter *tw = trace_open(path, &h, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    uint64_t t = 10;
    for (int i = 0; i < n; i++) {
        trace_ev_mmio_read(tw, t += 4, bad_pc && i == 2 ? 0x80001008 : 0x80001006, "uart_putc", 0x10000005, 1,
                           0x60, "uart", "lsr");
        trace_ev_mmio_write(tw, t += 3 + (uint64_t)(i & 1), 0x8000100a, "uart_putc", 0x10000000, 1,
                            (uint64_t)('a' + i), "uart", "thr");
    }
    CU_ASSERT_EQUAL(trace_close(tw, &err), 0);
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    return size;
}

/* A poll-then-write loop: each poll after the second is a 2-byte again record, and the
 * reader hands out exactly the events written (times, pcs, values). */
static void test_again_records(void)
{
    const char *path = trace_test_path("again.trace");
    long s10 = write_polls(path, 10, false), s11 = write_polls(path, 11, false);
    Err err;
    TraceReader *r = trace_reader_open(path, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    TraceEvent ev;
    uint64_t t = 10;
    for (int i = 0; i < 11; i++) {
        CU_ASSERT_EQUAL_FATAL(trace_read_next(r, &ev, &err), 1);
        CU_ASSERT_EQUAL(ev.type, TRACE_EV_mmio_read);
        CU_ASSERT_EQUAL(ev.vtime, t += 4);
        CU_ASSERT_EQUAL(ev.pc, 0x80001006);
        CU_ASSERT_EQUAL(ev.u.mmio_read.value, 0x60);
        CU_ASSERT_STRING_EQUAL(ev.u.mmio_read.reg, "lsr");
        CU_ASSERT_EQUAL_FATAL(trace_read_next(r, &ev, &err), 1);
        CU_ASSERT_EQUAL(ev.type, TRACE_EV_mmio_write);
        CU_ASSERT_EQUAL(ev.vtime, t += 3 + (uint64_t)(i & 1));
        CU_ASSERT_EQUAL(ev.u.mmio_write.value, (uint64_t)('a' + i));
    }
    CU_ASSERT_EQUAL(trace_read_next(r, &ev, &err), 0);
    trace_reader_close(r);
    /* one more byte costs the write (about 9 bytes) and a 2-byte again record, not two
     * full records (about 18) */
    CU_ASSERT(s11 - s10 <= 12);
    /* a poll at another pc breaks the run: it is written in full */
    CU_ASSERT(write_polls(path, 10, true) > s10 + 4);
}

/* Names are interned once and reused: a second identical MMIO event costs no strings. */
static void test_interning_is_compact(void)
{
    Err err;
    TraceHeader h;
    trace_test_header(&h);
    long size[4];
    for (int n = 0; n < 4; n++) {
        TraceWriter *tw = trace_open(trace_test_path("intern.trace"), &h, &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
        for (int i = 0; i < n; i++)
            trace_ev_mmio_read(tw, 1, 0x80000000, "long_function_name", 0x10000005, 1, 0x60,
                               "uart16550", "LSR (line status)");
        CU_ASSERT_EQUAL(trace_close(tw, &err), 0);
        FILE *f = fopen(trace_test_path("intern.trace"), "rb");
        fseek(f, 0, SEEK_END);
        size[n] = ftell(f);
        fclose(f);
    }
    long first = size[1] - size[0], second = size[2] - size[1], third = size[3] - size[2];
    CU_ASSERT(first > second + 40);   /* the first one carried the three strings */
    CU_ASSERT(second <= 10);   /* type, dt, pc, sym, addr, size, value, 2 names: 1 byte each */
    CU_ASSERT(third <= 3);     /* the same event again: folded, a repeat record */
}

int suite_trace(void)
{
    CU_pSuite s = CU_add_suite("trace", NULL, trace_test_cleanup);
    if (!s)
        return -1;
    CU_add_test(s, "writer output equals the checked-in vector", test_vector_bytes);
    CU_add_test(s, "every event type round-trips", test_round_trip_every_type);
    CU_add_test(s, "vector reads back as the checked-in text", test_vector_text);
    CU_add_test(s, "canonical text", test_format);
    CU_add_test(s, "event equality", test_equal);
    CU_add_test(s, "poll-then-write folds into again records, read back exactly", test_again_records);
    CU_add_test(s, "NULL writer and a writer without a file", test_no_file_and_null);
    CU_add_test(s, "misuse is a sticky error", test_misuse_is_sticky);
    CU_add_test(s, "names are interned", test_interning_is_compact);
    return 0;
}
