/* Unit tests of the network backend layer (sim/net/backend.c) driven through the
 * event queue as the machine drives it: the peer's answers arrive a fixed virtual
 * latency after the question and in order; a guest without rx buffers gets its frames
 * later, in order, once it says it is ready; the pcap backend replays a capture on
 * the capture's own clock; the --pcap tap and the trace see every frame; both clocks
 * follow --insns-per-tick. */
#include <CUnit/CUnit.h>
#include <stdlib.h>

#include "sim/net/backend.h"
#include "sim/net/pcap_read.h"
#include "sim/net/pcapng.h"
#include "tests/unit/netbuild.h"

#define TAP_PATH "build/test-net-backend-tap.pcapng"
#define REPLAY_PATH "build/test-net-backend-replay.pcapng"

static EventQueue q;
static uint64_t vt;            /* the virtual clock */
static bool guest_ready;

#define MAX_GOT 16
static struct { uint64_t at; size_t len; uint8_t data[1600]; } got[MAX_GOT];
static int n_got;

static uint64_t clock_now(void *ctx) { (void)ctx; return vt; }

static bool deliver(void *opaque, const uint8_t *frame, size_t len)
{
    (void)opaque;
    if (!guest_ready)
        return false;
    if (n_got < MAX_GOT) {
        got[n_got].at = vt;
        got[n_got].len = len;
        memcpy(got[n_got].data, frame, len < 1600 ? len : 1600);
    }
    n_got++;
    return true;
}

/* Runs the machine's event loop up to virtual time until. */
static void run_until(uint64_t until)
{
    while (events_next(&q) <= until) {
        vt = events_next(&q);
        events_run_due(&q, vt);
    }
    vt = until;
}

static NetBackendConfig config(const char *spec)
{
    events_init(&q);
    vt = 0;
    n_got = 0;
    guest_ready = true;
    NetBackendConfig c = { .spec = spec, .events = &q, .now = clock_now, .deliver = deliver };
    return c;
}

static NetBackend *make(const NetBackendConfig *c)
{
    Err e = { "" };
    NetBackend *nb = net_backend_create(c, &e);
    if (!nb)
        fprintf(stderr, "net_backend_create: %s\n", e.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
    return nb;
}

static uint8_t fr[2048];

static size_t arp_request(uint32_t tpa)
{
    return nb_arp(fr, ARP_REQUEST, nb_guest_mac, PEER_GUEST_IP, tpa);
}

static bool is_arp_reply_for(int i, uint32_t spa)
{
    return got[i].len == ETH_ZLEN && ld16_be(got[i].data + ETH_TYPE) == ETHERTYPE_ARP &&
           ld16_be(got[i].data + ETH_HLEN + ARP_OPER) == ARP_REPLY &&
           ld32_be(got[i].data + ETH_HLEN + ARP_SPA) == spa;
}

static void test_peer_latency(void)
{
    NetBackendConfig c = config("peer");
    NetBackend *nb = make(&c);
    vt = 1000;
    CU_ASSERT_EQUAL(net_backend_send(nb, fr, arp_request(PEER_GW_IP)), 0);
    CU_ASSERT_EQUAL(net_backend_pending(nb), 1);
    CU_ASSERT_EQUAL(n_got, 0);                              /* never synchronously */
    CU_ASSERT_EQUAL(events_next(&q), 1000 + NET_PEER_LATENCY);
    run_until(1000 + NET_PEER_LATENCY - 1);
    CU_ASSERT_EQUAL(n_got, 0);
    run_until(1000 + NET_PEER_LATENCY);
    CU_ASSERT_EQUAL_FATAL(n_got, 1);
    CU_ASSERT_EQUAL(got[0].at, 1000 + NET_PEER_LATENCY);
    CU_ASSERT_TRUE(is_arp_reply_for(0, PEER_GW_IP));
    CU_ASSERT_EQUAL(net_backend_pending(nb), 0);
    CU_ASSERT_EQUAL(events_next(&q), EVENT_NEVER);

    /* Two questions at once, a third later: answers in order, each a latency after
     * its question. A dropped frame gets no answer and delays nothing. */
    vt = 5000;
    net_backend_send(nb, fr, arp_request(PEER_DNS_IP));
    net_backend_send(nb, fr, 10);                           /* runt: dropped */
    net_backend_send(nb, fr, arp_request(PEER_GW_IP));
    vt = 5100;
    static const uint8_t ping_data[8] = { 1, 2, 3, 4 };
    size_t n = nb_ping(fr, PEER_GW_IP, 7, 1, ping_data, sizeof ping_data);
    net_backend_send(nb, fr, n);
    CU_ASSERT_EQUAL(net_backend_pending(nb), 3);
    run_until(100000);
    CU_ASSERT_EQUAL_FATAL(n_got, 4);
    CU_ASSERT_TRUE(is_arp_reply_for(1, PEER_DNS_IP));
    CU_ASSERT_TRUE(is_arp_reply_for(2, PEER_GW_IP));
    CU_ASSERT_EQUAL(got[1].at, 5000 + NET_PEER_LATENCY);
    CU_ASSERT_EQUAL(got[2].at, 5000 + NET_PEER_LATENCY);
    CU_ASSERT_EQUAL(got[3].at, 5100 + NET_PEER_LATENCY);
    CU_ASSERT_EQUAL(got[3].data[ETH_HLEN + IPV4_HLEN + ICMP_TYPE], ICMP_ECHO_REPLY);
    const NetBackendStats *st = net_backend_stats(nb);
    CU_ASSERT_EQUAL(st->from_guest, 5);
    CU_ASSERT_EQUAL(st->to_guest, 4);
    CU_ASSERT_EQUAL(st->refused, 0);
    CU_ASSERT_EQUAL(peer_stats(net_backend_peer(nb))->drops[PEER_DROP_RUNT], 1);
    CU_ASSERT_EQUAL(net_backend_destroy(nb, NULL), 0);

    /* The latency is configurable. */
    c = config(NULL);
    c.latency = 7;
    nb = make(&c);
    net_backend_send(nb, fr, arp_request(PEER_GW_IP));
    run_until(7);
    CU_ASSERT_EQUAL(n_got, 1);
    net_backend_destroy(nb, NULL);
}

static void test_guest_not_ready(void)
{
    NetBackendConfig c = config("peer");
    NetBackend *nb = make(&c);
    guest_ready = false;
    vt = 100;
    net_backend_send(nb, fr, arp_request(PEER_GW_IP));
    run_until(100 + NET_PEER_LATENCY);
    CU_ASSERT_EQUAL(n_got, 0);
    CU_ASSERT_EQUAL(net_backend_pending(nb), 1);
    CU_ASSERT_EQUAL(net_backend_stats(nb)->refused, 1);
    /* No polling: nothing is retried until the device says the guest has buffers. */
    CU_ASSERT_EQUAL(events_next(&q), EVENT_NEVER);
    vt = 3000;
    net_backend_send(nb, fr, arp_request(PEER_DNS_IP));   /* due 5000, queued behind */
    CU_ASSERT_EQUAL(events_next(&q), EVENT_NEVER);
    run_until(4000);
    guest_ready = true;
    net_backend_rx_ready(nb);
    CU_ASSERT_EQUAL(n_got, 0);                              /* not from inside the call */
    run_until(4000);
    CU_ASSERT_EQUAL_FATAL(n_got, 1);
    CU_ASSERT_EQUAL(got[0].at, 4000);
    CU_ASSERT_TRUE(is_arp_reply_for(0, PEER_GW_IP));
    /* The second answer keeps its own time. */
    run_until(4999);
    CU_ASSERT_EQUAL(n_got, 1);
    run_until(5000);
    CU_ASSERT_EQUAL_FATAL(n_got, 2);
    CU_ASSERT_TRUE(is_arp_reply_for(1, PEER_DNS_IP));

    /* A guest ready again after both were due takes them at once, in order. */
    guest_ready = false;
    vt = 10000;
    net_backend_send(nb, fr, arp_request(PEER_DNS_IP));
    net_backend_send(nb, fr, arp_request(PEER_GW_IP));
    run_until(20000);
    guest_ready = true;
    net_backend_rx_ready(nb);
    net_backend_rx_ready(nb);                               /* spurious: harmless */
    run_until(20000);
    CU_ASSERT_EQUAL_FATAL(n_got, 4);
    CU_ASSERT_TRUE(is_arp_reply_for(2, PEER_DNS_IP));
    CU_ASSERT_TRUE(is_arp_reply_for(3, PEER_GW_IP));
    CU_ASSERT_EQUAL(got[2].at, 20000);
    CU_ASSERT_EQUAL(got[3].at, 20000);
    CU_ASSERT_EQUAL(net_backend_pending(nb), 0);

    /* A guest that never takes frames cannot grow the queue without bound. */
    guest_ready = false;
    for (unsigned i = 0; i < NET_QUEUE_MAX + 10; i++)
        net_backend_send(nb, fr, arp_request(PEER_GW_IP));
    CU_ASSERT_EQUAL(net_backend_pending(nb), NET_QUEUE_MAX);
    CU_ASSERT_EQUAL(net_backend_stats(nb)->queue_dropped, 10);
    net_backend_destroy(nb, NULL);
}

/* The --pcap tap stamps frames with the guest's clock: 100 ns per mtime tick of
 * insns_per_tick instructions (10 ns per instruction by default). */
static void pcap_tap_at(uint32_t insns_per_tick, uint64_t ns_per_1000)
{
    NetBackendConfig c = config("peer");
    c.pcap_out = TAP_PATH;
    c.insns_per_tick = insns_per_tick;
    NetBackend *nb = make(&c);
    vt = 1000;
    size_t n = arp_request(PEER_GW_IP);
    net_backend_send(nb, fr, n);
    run_until(10000);
    CU_ASSERT_EQUAL(net_backend_destroy(nb, NULL), 0);

    Err e;
    PcapReader *r = pcap_reader_open(TAP_PATH, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    PcapFrame f;
    CU_ASSERT_EQUAL_FATAL(pcap_reader_next(r, &f, &e), 1);
    CU_ASSERT_EQUAL(f.dir, PCAP_DIR_OUTBOUND);
    CU_ASSERT_EQUAL(f.ts_ns, ns_per_1000);
    CU_ASSERT_EQUAL(f.len, n);
    CU_ASSERT_EQUAL(memcmp(f.data, fr, n), 0);
    CU_ASSERT_EQUAL_FATAL(pcap_reader_next(r, &f, &e), 1);
    CU_ASSERT_EQUAL(f.dir, PCAP_DIR_INBOUND);
    CU_ASSERT_EQUAL(f.ts_ns, ns_per_1000 * (1000 + NET_PEER_LATENCY) / 1000);
    CU_ASSERT_EQUAL(f.len, got[0].len);
    CU_ASSERT_EQUAL(memcmp(f.data, got[0].data, f.len), 0);
    CU_ASSERT_EQUAL(pcap_reader_next(r, &f, &e), 0);
    pcap_reader_close(r);
}

static void test_pcap_tap(void)
{
    pcap_tap_at(0, 10000);     /* the default: 10 instructions per tick */
    pcap_tap_at(10, 10000);
    pcap_tap_at(20, 5000);     /* guest time runs half as fast per instruction */
    pcap_tap_at(1, 100000);
}

static void test_clock_scale(void)
{
    CU_ASSERT_EQUAL(net_vtime_to_ns(1000, 0), 10000);
    CU_ASSERT_EQUAL(net_vtime_to_ns(1000, NET_INSNS_PER_TICK), 10000);
    CU_ASSERT_EQUAL(net_vtime_to_ns(1000, 20), 5000);
    CU_ASSERT_EQUAL(net_vtime_to_ns(1, 3), 33);           /* rounded down, as mtime is */
    CU_ASSERT_EQUAL(net_vtime_to_ns(3, 3), 100);
    CU_ASSERT_EQUAL(net_vtime_to_ns(UINT64_MAX, 1), UINT64_MAX);   /* saturates */
    CU_ASSERT_EQUAL(net_vtime_to_ns(UINT64_MAX / 10, 1000000), UINT64_MAX / 10 / 10000);
    CU_ASSERT_EQUAL(net_ns_to_vtime(2000, 0), 200);
    CU_ASSERT_EQUAL(net_ns_to_vtime(2000, 20), 400);
    CU_ASSERT_EQUAL(net_ns_to_vtime(UINT64_MAX, 1000000), UINT64_MAX);
    for (uint32_t ipt = 1; ipt <= 1000; ipt++)
        CU_ASSERT_EQUAL(net_ns_to_vtime(net_vtime_to_ns(12345678 * (uint64_t)ipt, ipt), ipt), 12345678 * (uint64_t)ipt);
}

static void write_replay(void)
{
    Err e;
    Pcapng *w = pcapng_open(REPLAY_PATH, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    uint8_t f[60];
    for (int i = 0; i < 4; i++) {
        memset(f, 0xa0 + i, sizeof f);
        /* Capture clock: 1 ms, 1.0015 ms (the guest's own frame), 1.002 ms twice. */
        static const uint64_t ts[4] = { 1000000, 1001500, 1002000, 1002000 };
        CU_ASSERT_EQUAL(pcapng_write(w, ts[i], i != 1, f, sizeof f, &e), 0);
    }
    pcapng_close(w, &e);
}

static void test_pcap_replay(void)
{
    write_replay();
    NetBackendConfig c = config("pcap:" REPLAY_PATH);
    NetBackend *nb = make(&c);
    CU_ASSERT_PTR_NULL(net_backend_peer(nb));
    /* Nothing plays before the guest has rx buffers. */
    run_until(400);
    CU_ASSERT_EQUAL(events_next(&q), EVENT_NEVER);
    vt = 500;
    net_backend_rx_ready(nb);
    run_until(100000);
    CU_ASSERT_EQUAL_FATAL(n_got, 3);
    /* The first frame at once, the others 2 µs = 200 instructions later; the frame
     * marked outbound (the recorded guest's) is not fed back. */
    CU_ASSERT_EQUAL(got[0].at, 500);
    CU_ASSERT_EQUAL(got[1].at, 700);
    CU_ASSERT_EQUAL(got[2].at, 700);
    CU_ASSERT_EQUAL(got[0].data[0], 0xa0);
    CU_ASSERT_EQUAL(got[1].data[0], 0xa2);
    CU_ASSERT_EQUAL(got[2].data[0], 0xa3);
    /* The guest's frames are only recorded. */
    CU_ASSERT_EQUAL(net_backend_send(nb, fr, arp_request(PEER_GW_IP)), 0);
    run_until(200000);
    CU_ASSERT_EQUAL(n_got, 3);
    CU_ASSERT_PTR_NULL(net_backend_error(nb));
    net_backend_destroy(nb, NULL);

    /* A guest that refuses the first frame gets the rest behind it, in order. */
    c = config("pcap:" REPLAY_PATH);
    nb = make(&c);
    guest_ready = false;
    vt = 500;
    net_backend_rx_ready(nb);
    run_until(1000);
    CU_ASSERT_EQUAL(n_got, 0);
    guest_ready = true;
    net_backend_rx_ready(nb);
    run_until(1000);
    CU_ASSERT_EQUAL_FATAL(n_got, 3);
    CU_ASSERT_EQUAL(got[0].at, 1000);
    CU_ASSERT_EQUAL(got[2].at, 1000);
    CU_ASSERT_EQUAL(got[2].data[0], 0xa3);
    net_backend_destroy(nb, NULL);

    /* At 20 instructions per tick the same 2 µs are 400 instructions. */
    c = config("pcap:" REPLAY_PATH);
    c.insns_per_tick = 20;
    nb = make(&c);
    vt = 500;
    net_backend_rx_ready(nb);
    run_until(100000);
    CU_ASSERT_EQUAL_FATAL(n_got, 3);
    CU_ASSERT_EQUAL(got[0].at, 500);
    CU_ASSERT_EQUAL(got[1].at, 900);
    CU_ASSERT_EQUAL(got[2].at, 900);
    net_backend_destroy(nb, NULL);
}

/* ---- trace ---- */

static struct { TraceEventType type; uint64_t vtime; char text[128]; size_t bytes; } evs[8];
static int n_evs;

static void tap(void *opaque, const TraceEvent *ev)
{
    (void)opaque;
    if (n_evs >= 8)
        return;
    evs[n_evs].type = ev->type;
    evs[n_evs].vtime = ev->vtime;
    evs[n_evs].text[0] = 0;
    if (ev->type == TRACE_EV_peer_action)
        snprintf(evs[n_evs].text, sizeof evs[n_evs].text, "%s", ev->u.peer_action.text);
    else if (ev->type == TRACE_EV_frame_to_guest) {
        snprintf(evs[n_evs].text, sizeof evs[n_evs].text, "%s", ev->u.frame_to_guest.dev);
        evs[n_evs].bytes = ev->u.frame_to_guest.frame.len;
    } else if (ev->type == TRACE_EV_frame_from_guest) {
        snprintf(evs[n_evs].text, sizeof evs[n_evs].text, "%s", ev->u.frame_from_guest.dev);
        evs[n_evs].bytes = ev->u.frame_from_guest.frame.len;
    }
    n_evs++;
}

static uint64_t tracer_now(void *ctx, uint64_t *pc)
{
    (void)ctx;
    *pc = 0;
    return vt;
}

static void test_trace_events(void)
{
    static const char *const argv[] = { "ringside" };
    TraceHeader h = { .config = "net=peer\n", .argc = 1, .argv = argv };
    Err e;
    TraceWriter *tw = trace_open(NULL, &h, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    n_evs = 0;
    Tracer t;
    tracer_init(&t);
    t.now = tracer_now;
    tracer_observe(&t, tap, NULL, NULL);
    tracer_observe(&t, trace_observe, tw, NULL);
    NetBackendConfig c = config("peer");
    c.tracer = &t;
    NetBackend *nb = make(&c);
    vt = 10;
    size_t n = arp_request(PEER_GW_IP);
    net_backend_send(nb, fr, n);
    net_backend_send(nb, fr, 3);
    run_until(5000);
    CU_ASSERT_EQUAL_FATAL(n_evs, 5);
    CU_ASSERT_EQUAL(evs[0].type, TRACE_EV_frame_from_guest);
    CU_ASSERT_STRING_EQUAL(evs[0].text, "virtio-net");
    CU_ASSERT_EQUAL(evs[0].bytes, n);
    CU_ASSERT_EQUAL(evs[1].type, TRACE_EV_peer_action);
    CU_ASSERT_STRING_EQUAL(evs[1].text, "arp reply 10.0.2.2 is-at 52:55:0a:00:02:02");
    CU_ASSERT_EQUAL(evs[2].type, TRACE_EV_frame_from_guest);
    CU_ASSERT_EQUAL(evs[3].type, TRACE_EV_peer_action);
    CU_ASSERT_STRING_EQUAL(evs[3].text, "dropped: truncated ethernet header");
    CU_ASSERT_EQUAL(evs[4].type, TRACE_EV_frame_to_guest);
    CU_ASSERT_EQUAL(evs[4].vtime, 10 + NET_PEER_LATENCY);
    CU_ASSERT_EQUAL(evs[4].bytes, ETH_ZLEN);
    net_backend_destroy(nb, NULL);
    CU_ASSERT_EQUAL(trace_close(tw, &e), 0);
}

static void test_bad_specs(void)
{
    static const struct { const char *spec; const char *msg; } bad[] = {
        { "tap", "unknown network backend 'tap' (expected 'peer', 'pcap:FILE' or 'none')" },
        { "pcap:", "unknown network backend 'pcap:' (expected 'peer', 'pcap:FILE' or 'none')" },
        { "pcap:build/no-such.pcap", "cannot open capture build/no-such.pcap: No such file or directory" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        NetBackendConfig c = config(bad[i].spec);
        Err e = { "" };
        CU_ASSERT_PTR_NULL(net_backend_create(&c, &e));
        CU_ASSERT_STRING_EQUAL(e.msg, bad[i].msg);
    }
    NetBackendConfig c = config("peer");
    c.tftp_dir = "build/no-such-dir";
    Err e = { "" };
    CU_ASSERT_PTR_NULL(net_backend_create(&c, &e));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no-such-dir"));
    c = config("pcap:" REPLAY_PATH);
    c.tftp_dir = "build";
    CU_ASSERT_PTR_NULL(net_backend_create(&c, &e));
    c = config("peer");
    c.deliver = NULL;
    CU_ASSERT_PTR_NULL(net_backend_create(&c, &e));
    c = config("peer");
    c.pcap_out = "build/no-such-dir/x.pcapng";
    CU_ASSERT_PTR_NULL(net_backend_create(&c, &e));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "cannot create capture"));
}

int suite_net_backend(void)
{
    CU_pSuite s = CU_add_suite("net_backend", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "peer latency and order", test_peer_latency) ||
        !CU_add_test(s, "guest not ready", test_guest_not_ready) ||
        !CU_add_test(s, "pcap tap", test_pcap_tap) ||
        !CU_add_test(s, "guest clock scale", test_clock_scale) ||
        !CU_add_test(s, "pcap replay", test_pcap_replay) ||
        !CU_add_test(s, "trace events", test_trace_events) ||
        !CU_add_test(s, "bad specs", test_bad_specs))
        return -1;
    return 0;
}
