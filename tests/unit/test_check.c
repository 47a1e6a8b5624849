/* Unit tests of the driver checker's state machine (sim/check/) on hand-built events:
 * a driver that follows virtio 1.2 §3.1.1 step by step is never reported; each step
 * skipped or out of order is reported once per initialisation, with its rule; the
 * split ring's ownership follows avail publishes and used writes; a chain is judged
 * as guest RAM holds it when it is published; a store into a live used ring is caught
 * by the checker's own watch; --check-driver=error stops once; the table is whole. */
#include <CUnit/CUnit.h>
#include <stdlib.h>

#include "sim/check/check.h"
#include "sim/mem_watch.h"
#include "sim/ram.h"
#include "sim/tracer.h"
#include "sim/virtio/virtio_names.h"
#include "sim/virtio/virtio_net.h"

#define BASE 0x80000000ull
#define DESC (BASE + 0x1000)
#define AVAIL (BASE + 0x2000)
#define USED (BASE + 0x3000)
#define BUF (BASE + 0x8000)
#define QSIZE 8u

static const char *const DEV = "virtio-net", *const MODERN = "virtio-net.bar4", *const LEGACY = "virtio-net.bar0";

typedef struct Fix {
    Tracer t;
    Ram ram;
    MemWatch mw;
    Checker *c;
    CheckRuleId last;
    unsigned reports, stops;
    char values[320];
} Fix;
static Fix fx;

static void on_report(void *ctx, const CheckViolation *v)
{
    (void)ctx;
    fx.reports++;
    fx.last = v->rule;
    snprintf(fx.values, sizeof fx.values, "%s", v->values);
}

static void on_stop(void *ctx)
{
    (void)ctx;
    fx.stops++;
}

static void setup(CheckMode mode)
{
    memset(&fx, 0, sizeof fx);
    Err err;
    tracer_init(&fx.t);
    CU_ASSERT_EQUAL_FATAL(ram_init(&fx.ram, BASE, 1 << 20, &err), 0);
    mem_watch_init(&fx.mw, &fx.ram);
    fx.c = check_create(&fx.t, &fx.mw, &fx.ram, mode, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fx.c);
    unsigned nregs;
    CheckDevice d = {
        .name = DEV, .device_id = VIRTIO_ID_NET, .bdf = 0x08, .legacy_region = LEGACY, .modern_region = MODERN,
        .offered = VNET_BIT(VIRTIO_F_VERSION_1) | VNET_BIT(VIRTIO_NET_F_MAC) | VNET_BIT(VIRTIO_NET_F_CTRL_VQ) |
                   VNET_BIT(VIRTIO_NET_F_CTRL_RX) | VNET_BIT(VIRTIO_F_RING_INDIRECT_DESC),
        .num_queues = 3, .max_queue_size = 256, .max_pairs = 1, .modern_bar = 4,
        .notify_off = 0x3000, .notify_mult = 4,
    };
    d.config_regs = virtio_net_config_regs(&nregs);
    d.n_config_regs = nregs;
    d.caps[0].off = 0x40;
    d.caps[0].len = 16;
    d.ncaps = 1;
    CU_ASSERT_EQUAL_FATAL(check_add_device(fx.c, &d, &err), 0);
    check_set_report(fx.c, on_report, NULL);
    check_set_stop(fx.c, on_stop, NULL);
    CU_ASSERT_EQUAL_FATAL(check_start(fx.c, &err), 0);
}

static void teardown(void)
{
    check_destroy(fx.c);
    mem_watch_destroy(&fx.mw);
    ram_destroy(&fx.ram);
}

/* ---- the driver's accesses, as the bus and the device report them ---- */

static void wr(const char *reg, unsigned size, uint64_t v, uint64_t addr)
{
    tracer_ev_mmio_write(&fx.t, 0, 0, NULL, 0x400000000ull + addr, (uint8_t)size, v, MODERN, reg);
}
static void rd(const char *reg, unsigned size, uint64_t v, uint64_t addr)
{
    tracer_ev_mmio_read(&fx.t, 0, 0, NULL, 0x400000000ull + addr, (uint8_t)size, v, MODERN, reg);
}
static void status(uint8_t s) { wr("common.device_status", 1, s, 0x14); }
static void read_status(uint8_t s) { rd("common.device_status", 1, s, 0x14); }
static void features(uint64_t f)
{
    wr("common.driver_feature_select", 4, 0, 0x08);
    wr("common.driver_feature", 4, (uint32_t)f, 0x0c);
    wr("common.driver_feature_select", 4, 1, 0x08);
    wr("common.driver_feature", 4, (uint32_t)(f >> 32), 0x0c);
}

enum { A = VIRTIO_STATUS_ACKNOWLEDGE, D = VIRTIO_STATUS_DRIVER, FOK = VIRTIO_STATUS_FEATURES_OK,
       DOK = VIRTIO_STATUS_DRIVER_OK, FAILED = VIRTIO_STATUS_FAILED };
static const uint64_t F_GOOD = VNET_BIT(VIRTIO_F_VERSION_1) | VNET_BIT(VIRTIO_NET_F_MAC);
static uint64_t init_features = VNET_BIT(VIRTIO_F_VERSION_1) | VNET_BIT(VIRTIO_NET_F_MAC);

/* Queue 0 configured and enabled at DESC/AVAIL/USED, as the device then reports it. */
static void queue0(bool enable_event)
{
    wr("common.queue_select", 2, 0, 0x16);
    wr("common.queue_size", 2, QSIZE, 0x18);
    wr("common.queue_desc", 4, (uint32_t)DESC, 0x20);
    wr("common.queue_desc", 4, 0, 0x24);
    wr("common.queue_driver", 4, (uint32_t)AVAIL, 0x28);
    wr("common.queue_driver", 4, 0, 0x2c);
    wr("common.queue_device", 4, (uint32_t)USED, 0x30);
    wr("common.queue_device", 4, 0, 0x34);
    wr("common.queue_enable", 2, 1, 0x1c);
    if (enable_event) {
        tracer_ev_virtio_queue_setup(&fx.t, 0, 0, NULL, DEV, 0, QSIZE, DESC, AVAIL, USED);
        tracer_ev_virtio_queue_enable(&fx.t, 0, 0, NULL, DEV, 0, 1);
    }
}

/* The whole §3.1.1 sequence, the way the spec writes it. */
static void good_init(void)
{
    status(0);
    tracer_ev_virtio_reset(&fx.t, 0, 0, NULL, DEV);
    read_status(0);
    status(A);
    status(A | D);
    features(init_features);
    status(A | D | FOK);
    read_status(A | D | FOK);
    queue0(true);
    status(A | D | FOK | DOK);
}

static void put_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    uint8_t b[16];
    st64_le(b, addr);
    st32_le(b + 8, len);
    st16_le(b + 12, flags);
    st16_le(b + 14, next);
    CU_ASSERT_EQUAL(ram_write(&fx.ram, DESC + 16u * i, b, 16), 0);
}

/* Puts head in avail slot idx and publishes idx + 1, as the ring watch reports it. */
static void publish(uint16_t idx, uint16_t head)
{
    uint8_t b[2];
    st16_le(b, head);
    ram_write(&fx.ram, AVAIL + 4 + 2u * (idx % QSIZE), b, 2);
    tracer_ev_avail_write(&fx.t, 0, 0, NULL, DEV, 0, (uint16_t)(idx % QSIZE), head);
    tracer_ev_avail_idx(&fx.t, 0, 0, NULL, DEV, 0, (uint16_t)(idx + 1));
}

/* ---- the tests ---- */

static void test_good_driver(void)
{
    setup(CHECK_WARN);
    good_init();
    put_desc(0, BUF, 64, 0, 0);
    publish(0, 0);
    tracer_ev_virtio_notify(&fx.t, 0, 0, NULL, DEV, 0);
    wr("notify", 2, 0, 0x3000);       /* the BAR was never mapped: the queue is not known */
    CU_ASSERT_EQUAL(fx.reports, 0);
    CU_ASSERT_EQUAL(check_total(fx.c), 0);
    teardown();
}

static void test_init_steps(void)
{
    setup(CHECK_WARN);
    /* FEATURES_OK never read back: reported at the first queue, once. */
    status(0);
    tracer_ev_virtio_reset(&fx.t, 0, 0, NULL, DEV);
    read_status(0);
    status(A);
    status(A | D);
    features(F_GOOD);
    status(A | D | FOK);
    queue0(true);
    CU_ASSERT_EQUAL(fx.reports, 1);
    CU_ASSERT_EQUAL(fx.last, CHECK_features_ok_reread);
    status(A | D | FOK | DOK);
    CU_ASSERT_EQUAL(fx.reports, 1);
    /* A bit cleared without a reset. */
    status(A | D | DOK);
    CU_ASSERT_EQUAL(fx.last, CHECK_status_clear_bit);
    CU_ASSERT_EQUAL(fx.reports, 2);
    /* After a reset that was not read back, ACKNOWLEDGE comes too early. */
    status(0);
    tracer_ev_virtio_reset(&fx.t, 0, 0, NULL, DEV);
    status(A);
    CU_ASSERT_EQUAL(fx.last, CHECK_reset_not_awaited);
    /* DRIVER without ACKNOWLEDGE (U-Boot's handshake). */
    status(0);
    tracer_ev_virtio_reset(&fx.t, 0, 0, NULL, DEV);
    read_status(0);
    status(D);
    CU_ASSERT_EQUAL(fx.last, CHECK_status_order);
    CU_ASSERT_EQUAL(check_count(fx.c, CHECK_status_order), 1);
    teardown();
}

static void test_features(void)
{
    setup(CHECK_WARN);
    status(0);
    read_status(0);
    status(A);
    status(A | D);
    features(F_GOOD | VNET_BIT(VIRTIO_NET_F_MRG_RXBUF));      /* not offered */
    CU_ASSERT_EQUAL(fx.last, CHECK_feature_not_offered);
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.values, "MRG_RXBUF"));
    features(VNET_BIT(VIRTIO_NET_F_MAC) | VNET_BIT(VIRTIO_NET_F_CTRL_RX));
    CU_ASSERT_EQUAL(fx.reports, 1);
    status(A | D | FOK);          /* CTRL_RX without CTRL_VQ (first), no VERSION_1 */
    CU_ASSERT_EQUAL(fx.last, CHECK_feature_dependency);
    CU_ASSERT_EQUAL(fx.reports, 2);
    read_status(A | D);           /* refused */
    wr("common.driver_feature_select", 4, 0, 0x08);
    wr("common.driver_feature", 4, (uint32_t)VNET_BIT(VIRTIO_NET_F_CTRL_VQ), 0x0c);
    CU_ASSERT_EQUAL(fx.last, CHECK_feature_after_features_ok);
    queue0(false);
    CU_ASSERT_EQUAL(fx.last, CHECK_features_refused_continue);
    CU_ASSERT_EQUAL(fx.reports, 4);
    teardown();
}

static void test_legacy(void)
{
    setup(CHECK_WARN);
    /* The legacy interface has no FEATURES_OK and uses the device before DRIVER_OK. */
    tracer_ev_pio_write(&fx.t, 0, 0, NULL, 0x1012, 1, 0, LEGACY, "legacy.device_status");
    tracer_ev_pio_write(&fx.t, 0, 0, NULL, 0x1012, 1, A, LEGACY, "legacy.device_status");
    tracer_ev_pio_write(&fx.t, 0, 0, NULL, 0x1012, 1, A | D, LEGACY, "legacy.device_status");
    tracer_ev_pio_write(&fx.t, 0, 0, NULL, 0x1004, 4, VNET_BIT(VIRTIO_NET_F_MAC), LEGACY, "legacy.guest_features");
    tracer_ev_pio_write(&fx.t, 0, 0, NULL, 0x1008, 4, DESC >> 12, LEGACY, "legacy.queue_pfn");
    tracer_ev_virtio_queue_setup(&fx.t, 0, 0, NULL, DEV, 0, QSIZE, DESC, AVAIL, USED);
    tracer_ev_pio_write(&fx.t, 0, 0, NULL, 0x1010, 2, 0, LEGACY, "legacy.queue_notify");
    tracer_ev_pio_write(&fx.t, 0, 0, NULL, 0x1012, 1, A | D | DOK, LEGACY, "legacy.device_status");
    CU_ASSERT_EQUAL(fx.reports, 0);
    /* A queue that was never set up, and a status field read 32 bits wide. */
    tracer_ev_pio_write(&fx.t, 0, 0, NULL, 0x1010, 2, 2, LEGACY, "legacy.queue_notify");
    CU_ASSERT_EQUAL(fx.last, CHECK_notify_unknown_queue);
    tracer_ev_pio_read(&fx.t, 0, 0, NULL, 0x1010, 4, 0, LEGACY, "legacy.queue_notify");
    CU_ASSERT_EQUAL(fx.last, CHECK_pci_access_width);
    CU_ASSERT_EQUAL(fx.reports, 2);
    teardown();
}

static void test_ownership(void)
{
    setup(CHECK_WARN);
    good_init();
    put_desc(0, BUF, 16, VRING_DESC_F_NEXT, 1);
    put_desc(1, BUF + 16, 16, 0, 0);
    publish(0, 0);
    CU_ASSERT_EQUAL(fx.reports, 0);
    /* The device holds descriptors 0 and 1 now. */
    tracer_ev_desc_write(&fx.t, 0, 0, NULL, DEV, 0, 1, BUF, 16, 0, 0);
    CU_ASSERT_EQUAL(fx.last, CHECK_desc_owned_write);
    tracer_ev_desc_write(&fx.t, 0, 0, NULL, DEV, 0, 2, BUF, 16, 0, 0);     /* free */
    CU_ASSERT_EQUAL(fx.reports, 1);
    /* Offered again before it was used. */
    publish(1, 0);
    CU_ASSERT_EQUAL(fx.last, CHECK_desc_owned_write);
    CU_ASSERT_EQUAL(fx.reports, 2);
    /* The device fetches and uses both offers: descriptors are the driver's again. */
    TraceDesc td[2] = { { BUF, 16, 0, VRING_DESC_F_NEXT, 1 }, { BUF + 16, 16, 1, 0, 0 } };
    tracer_ev_chain_fetch(&fx.t, 0, 0, NULL, DEV, 0, 0, td, 2);
    tracer_ev_used_write(&fx.t, 0, 0, NULL, DEV, 0, 0, 0, 0);
    tracer_ev_chain_fetch(&fx.t, 0, 0, NULL, DEV, 0, 0, td, 2);
    tracer_ev_used_write(&fx.t, 0, 0, NULL, DEV, 0, 1, 0, 0);
    tracer_ev_desc_write(&fx.t, 0, 0, NULL, DEV, 0, 1, BUF, 16, 0, 0);
    CU_ASSERT_EQUAL(fx.reports, 2);
    /* Backwards, and too far ahead of what the device used. */
    tracer_ev_avail_idx(&fx.t, 0, 0, NULL, DEV, 0, 1);
    CU_ASSERT_EQUAL(fx.last, CHECK_avail_idx_decrease);
    tracer_ev_avail_idx(&fx.t, 0, 0, NULL, DEV, 0, 2 + QSIZE + 1);
    CU_ASSERT_EQUAL(fx.last, CHECK_avail_idx_jump);
    teardown();
}

static void test_chains(void)
{
    static const struct {
        uint16_t flags0, next0, flags1;
        CheckRuleId rule;
    } cases[] = {
        { VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1, 0, CHECK_chain_write_after_read },
        { VRING_DESC_F_NEXT, QSIZE, 0, CHECK_chain_next_range },
        { VRING_DESC_F_NEXT, 1, VRING_DESC_F_NEXT, CHECK_chain_loop },   /* 1 -> next 0 */
        { VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1, 0, CHECK_indirect_and_next },
    };
    for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
        setup(CHECK_WARN);
        init_features = F_GOOD | VNET_BIT(VIRTIO_F_RING_INDIRECT_DESC);
        good_init();
        init_features = F_GOOD;
        uint64_t a0 = cases[k].flags0 & VRING_DESC_F_INDIRECT ? BUF + 0x100 : BUF;
        put_desc(0, a0, 16, cases[k].flags0, cases[k].next0);
        put_desc(1, BUF + 16, 16, cases[k].flags1, 0);
        publish(0, 0);
        CU_ASSERT_EQUAL(fx.reports, 1);
        CU_ASSERT_EQUAL(fx.last, cases[k].rule);
        teardown();
    }
    /* Indirect without the feature, a buffer beyond RAM, a head beyond the queue. */
    setup(CHECK_WARN);
    good_init();
    put_desc(0, BUF + 0x100, 16, VRING_DESC_F_INDIRECT, 0);
    publish(0, 0);
    CU_ASSERT_EQUAL(fx.last, CHECK_indirect_not_negotiated);
    put_desc(2, BASE + (2 << 20), 64, 0, 0);
    publish(1, 2);
    CU_ASSERT_EQUAL(fx.last, CHECK_desc_addr_not_ram);
    publish(2, QSIZE);
    CU_ASSERT_EQUAL(fx.last, CHECK_avail_head_range);
    CU_ASSERT_EQUAL(fx.reports, 3);
    teardown();
}

static void test_used_ring_watch(void)
{
    setup(CHECK_WARN);
    good_init();
    /* A CPU store into the live used ring (the checker's own watch), and one beside it. */
    uint16_t v = 0;
    ram_write(&fx.ram, USED + 2, &v, 2);
    ram_store_done(&fx.ram, USED + 2, 2, 0);
    CU_ASSERT_EQUAL(fx.last, CHECK_used_ring_write);
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.values, "used.idx"));
    ram_store_done(&fx.ram, USED + 0x800, 2, 0);
    CU_ASSERT_EQUAL(fx.reports, 1);
    /* After a reset the ring is no longer the device's. */
    status(0);
    tracer_ev_virtio_reset(&fx.t, 0, 0, NULL, DEV);
    ram_store_done(&fx.ram, USED + 2, 2, 0);
    CU_ASSERT_EQUAL(fx.reports, 1);
    teardown();
}

static void test_net_and_pci(void)
{
    setup(CHECK_WARN);
    good_init();
    /* A tx header with num_buffers set (VERSION_1: 12 bytes). */
    tracer_ev_virtio_queue_setup(&fx.t, 0, 0, NULL, DEV, 1, QSIZE, DESC + 0x400, AVAIL + 0x400, USED + 0x400);
    uint8_t hdr[12] = { 0 };
    st16_le(hdr + 10, 1);
    ram_write(&fx.ram, BUF, hdr, sizeof hdr);
    TraceDesc td[2] = { { BUF, 12, 0, VRING_DESC_F_NEXT, 1 }, { BUF + 64, 60, 1, 0, 0 } };
    tracer_ev_chain_fetch(&fx.t, 0, 0, NULL, DEV, 1, 0, td, 2);
    CU_ASSERT_EQUAL(fx.last, CHECK_net_tx_num_buffers);
    /* The capability is read-only to the driver; num_queues too. */
    tracer_ev_pci_cfg_write(&fx.t, 0, 0, NULL, 0x08, 0x48, 4, 0, "cap.offset", "ecam");
    CU_ASSERT_EQUAL(fx.last, CHECK_pci_cap_write);
    tracer_ev_pci_cfg_write(&fx.t, 0, 0, NULL, 0x08, 0x04, 2, 6, "command", "ecam");
    wr("common.num_queues", 2, 3, 0x12);
    CU_ASSERT_EQUAL(fx.last, CHECK_common_readonly_write);
    /* Modern: the net config is read-only, mtu exists only with MTU. */
    tracer_ev_virtio_config_write(&fx.t, 0, 0, NULL, DEV, 5, 1, 0x57, "mac");
    CU_ASSERT_EQUAL(fx.last, CHECK_net_config_write);
    tracer_ev_virtio_config_read(&fx.t, 0, 0, NULL, DEV, 10, 2, 1500, "mtu");
    CU_ASSERT_EQUAL(fx.last, CHECK_config_field_unoffered);
    CU_ASSERT_EQUAL(fx.reports, 5);
    teardown();
}

static void test_error_mode_stops_once(void)
{
    setup(CHECK_ERROR);
    status(D);                    /* no ACKNOWLEDGE */
    status(D | A);
    status(A);                    /* and DRIVER cleared */
    CU_ASSERT_EQUAL(fx.reports, 2);
    CU_ASSERT_EQUAL(fx.stops, 1);
    teardown();
}

static void test_table(void)
{
    CU_ASSERT(CHECK_NRULES >= 40);
    CheckMode m;
    CU_ASSERT_EQUAL(check_mode_parse("error", &m), 0);
    CU_ASSERT_EQUAL(m, CHECK_ERROR);
    CU_ASSERT_EQUAL(check_mode_parse("loud", &m), -1);
    CU_ASSERT_STRING_EQUAL(check_mode_name(CHECK_WARN), "warn");
    for (unsigned i = 0; i < CHECK_NRULES; i++) {
        const CheckRule *r = check_rule((CheckRuleId)i);
        CU_ASSERT_EQUAL(check_rule_find(r->id), (int)i);
        CU_ASSERT(r->clause[0] >= '1' && r->clause[0] <= '9');
        CU_ASSERT(strcmp(r->severity, "must") == 0 || strcmp(r->severity, "protocol") == 0);
        CU_ASSERT(*r->text && *r->explain && *r->example && *r->at);
    }
    CU_ASSERT_EQUAL(check_rule_find("no_such_rule"), -1);
    CU_ASSERT_PTR_NULL(check_rule(CHECK_NRULES));
}

int suite_check(void)
{
    CU_pSuite s = CU_add_suite("check", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "a driver that follows the spec is never reported", test_good_driver);
    CU_add_test(s, "initialisation steps: skipped, out of order, once per reset", test_init_steps);
    CU_add_test(s, "features: offered, dependencies, after FEATURES_OK, refused", test_features);
    CU_add_test(s, "legacy interface: no FEATURES_OK, widths, unknown queue", test_legacy);
    CU_add_test(s, "descriptor ownership: publish, reuse, used, avail idx", test_ownership);
    CU_add_test(s, "chains judged as RAM holds them when published", test_chains);
    CU_add_test(s, "the used ring watch: live queues only", test_used_ring_watch);
    CU_add_test(s, "network buffers, PCI capabilities, read-only fields", test_net_and_pci);
    CU_add_test(s, "--check-driver=error stops once", test_error_mode_stops_once);
    CU_add_test(s, "the rule table", test_table);
    return CU_get_error();
}
