/* Unit tests of the virtio names table (sim/virtio/virtio_names.def, virtio_names.c):
 * the generated constants carry virtio 1.2's numbers (§2.1, §6, §5.1.3, §2.7.5, §2.8.1,
 * §4.1.4.5), every row round-trips and keeps the table's rules, bit sets format and
 * parse both ways (unknown bits in hex), and virtio-net's queue roles (§5.1.2) with and
 * without MQ. tests/integration/test_names.sh checks that the Python reader agrees. */
#include <CUnit/CUnit.h>
#include <ctype.h>

#include "sim/pci/pci_names.h"
#include "sim/virtio/virtio_names.h"

/* How many bits the table names. tests/integration/test_names.sh reads this line to
 * check that the Python reader finds as many. */
#define VIRTIO_NAME_COUNT 60

static Err err;

static const char *fmt(VirtioDomain d, unsigned device, uint64_t bits)
{
    static char buf[512];
    size_t len = virtio_format_bits(d, device, bits, buf, sizeof buf);
    CU_ASSERT_EQUAL(len, strlen(buf));
    return buf;
}

static uint64_t parse(VirtioDomain d, unsigned device, const char *expr)
{
    uint64_t v = 0xdead;
    CU_ASSERT_EQUAL(virtio_parse_bits(d, device, expr, &v, &err), 0);
    return v;
}

static void test_spec_numbers(void)
{
    CU_ASSERT_EQUAL(VIRTIO_ID_NET, 1);
    CU_ASSERT_EQUAL(VIRTIO_STATUS_ACKNOWLEDGE, 1);
    CU_ASSERT_EQUAL(VIRTIO_STATUS_DRIVER, 2);
    CU_ASSERT_EQUAL(VIRTIO_STATUS_DRIVER_OK, 4);
    CU_ASSERT_EQUAL(VIRTIO_STATUS_FEATURES_OK, 8);
    CU_ASSERT_EQUAL(VIRTIO_STATUS_NEEDS_RESET, 64);
    CU_ASSERT_EQUAL(VIRTIO_STATUS_FAILED, 128);
    CU_ASSERT_EQUAL(VIRTIO_F_NOTIFY_ON_EMPTY, 24);
    CU_ASSERT_EQUAL(VIRTIO_F_ANY_LAYOUT, 27);
    CU_ASSERT_EQUAL(VIRTIO_F_RING_INDIRECT_DESC, 28);
    CU_ASSERT_EQUAL(VIRTIO_F_RING_EVENT_IDX, 29);
    CU_ASSERT_EQUAL(VIRTIO_F_VERSION_1, 32);
    CU_ASSERT_EQUAL(VIRTIO_F_ACCESS_PLATFORM, 33);
    CU_ASSERT_EQUAL(VIRTIO_F_RING_PACKED, 34);
    CU_ASSERT_EQUAL(VIRTIO_F_IN_ORDER, 35);
    CU_ASSERT_EQUAL(VIRTIO_F_RING_RESET, 40);
    CU_ASSERT_EQUAL(VIRTIO_NET_F_CSUM, 0);
    CU_ASSERT_EQUAL(VIRTIO_NET_F_MAC, 5);
    CU_ASSERT_EQUAL(VIRTIO_NET_F_GUEST_TSO4, 7);
    CU_ASSERT_EQUAL(VIRTIO_NET_F_HOST_UFO, 14);
    CU_ASSERT_EQUAL(VIRTIO_NET_F_MRG_RXBUF, 15);
    CU_ASSERT_EQUAL(VIRTIO_NET_F_CTRL_RX_EXTRA, 20);
    CU_ASSERT_EQUAL(VIRTIO_NET_F_MQ, 22);
    CU_ASSERT_EQUAL(VIRTIO_NET_F_CTRL_MAC_ADDR, 23);
    CU_ASSERT_EQUAL(VIRTIO_NET_F_HOST_USO, 56);
    CU_ASSERT_EQUAL(VIRTIO_NET_F_HASH_REPORT, 57);
    CU_ASSERT_EQUAL(VIRTIO_NET_F_RSS, 60);
    CU_ASSERT_EQUAL(VIRTIO_NET_F_SPEED_DUPLEX, 63);
    CU_ASSERT_EQUAL(VRING_DESC_F_NEXT, 1);
    CU_ASSERT_EQUAL(VRING_DESC_F_WRITE, 2);
    CU_ASSERT_EQUAL(VRING_DESC_F_INDIRECT, 4);
    CU_ASSERT_EQUAL(VRING_DESC_F_AVAIL, 1 << 7);
    CU_ASSERT_EQUAL(VRING_DESC_F_USED, 1 << 15);
    CU_ASSERT_EQUAL(VRING_AVAIL_F_NO_INTERRUPT, 1);
    CU_ASSERT_EQUAL(VRING_USED_F_NO_NOTIFY, 1);
    CU_ASSERT_EQUAL(VIRTIO_ISR_QUEUE, 1);
    CU_ASSERT_EQUAL(VIRTIO_ISR_CONFIG, 2);
    /* The spec's spellings, where the C constants kept older ones. */
    CU_ASSERT_STRING_EQUAL(virtio_bit_name(VIRTIO_DOM_STATUS, 0, VIRTIO_STATUS_NEEDS_RESET), "DEVICE_NEEDS_RESET");
    CU_ASSERT_STRING_EQUAL(virtio_bit_name(VIRTIO_DOM_FEATURE, 0, 1ull << VIRTIO_F_RING_INDIRECT_DESC),
                           "INDIRECT_DESC");
    CU_ASSERT_STRING_EQUAL(virtio_bit_name(VIRTIO_DOM_FEATURE, 0, 1ull << VIRTIO_F_RING_EVENT_IDX), "EVENT_IDX");
    CU_ASSERT_STRING_EQUAL(virtio_bit_name(VIRTIO_DOM_FEATURE, VIRTIO_ID_NET, 1ull << 15), "MRG_RXBUF");
    CU_ASSERT_STRING_EQUAL(virtio_bit_name(VIRTIO_DOM_DESC, 0, 0x8000), "USED");
    CU_ASSERT_STRING_EQUAL(virtio_bit_name(VIRTIO_DOM_ISR, 0, 2), "CONFIG");
    /* Unnamed: bit 4 of status, bit 30 (§6.3 "UNUSED"), bit 4 of a feature word, a
     * device's features without the device, two bits at once. */
    CU_ASSERT_PTR_NULL(virtio_bit_name(VIRTIO_DOM_STATUS, 0, 16));
    CU_ASSERT_PTR_NULL(virtio_bit_name(VIRTIO_DOM_FEATURE, VIRTIO_ID_NET, 1ull << 30));
    CU_ASSERT_PTR_NULL(virtio_bit_name(VIRTIO_DOM_FEATURE, VIRTIO_ID_NET, 1ull << 4));
    CU_ASSERT_PTR_NULL(virtio_bit_name(VIRTIO_DOM_FEATURE, 0, 1ull << VIRTIO_NET_F_MRG_RXBUF));
    CU_ASSERT_PTR_NULL(virtio_bit_name(VIRTIO_DOM_STATUS, 0, 3));
}

static bool lower_ident(const char *s)
{
    if (!islower((unsigned char)*s))
        return false;
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

/* Every row: found by value and by name, one bit, in value order and unique in its
 * domain; a feature's command-line spelling is its name in lower case. */
static void test_rows(void)
{
    unsigned n;
    const VirtioName *r = virtio_name_rows(&n);
    CU_ASSERT_EQUAL(n, VIRTIO_NAME_COUNT);
    for (unsigned i = 0; i < n; i++) {
        unsigned dev = r[i].device;
        CU_ASSERT(r[i].value && !(r[i].value & (r[i].value - 1)));
        CU_ASSERT_PTR_EQUAL(virtio_name_of(r[i].domain, dev, r[i].value), &r[i]);
        CU_ASSERT_PTR_EQUAL(virtio_name_find(r[i].domain, dev, r[i].name, strlen(r[i].name)), &r[i]);
        CU_ASSERT_STRING_EQUAL(fmt(r[i].domain, dev, r[i].value), r[i].name);
        CU_ASSERT_EQUAL(parse(r[i].domain, dev, r[i].name), r[i].value);
        for (unsigned j = 0; j < i; j++)
            if (r[j].domain == r[i].domain && r[j].device == r[i].device)
                CU_ASSERT(r[j].value < r[i].value);
        if (r[i].domain == VIRTIO_DOM_FEATURE) {
            CU_ASSERT_PTR_NOT_NULL_FATAL(r[i].spelling);
            CU_ASSERT(lower_ident(r[i].spelling));
            char lower[64];
            size_t k = 0;
            for (; r[i].name[k] && k + 1 < sizeof lower; k++)
                lower[k] = (char)tolower((unsigned char)r[i].name[k]);
            lower[k] = 0;
            CU_ASSERT_STRING_EQUAL(r[i].spelling, lower);
        } else {
            CU_ASSERT_PTR_NULL(r[i].spelling);
            CU_ASSERT_EQUAL(dev, 0);
        }
    }
    CU_ASSERT_STRING_EQUAL(virtio_domain_name(VIRTIO_DOM_STATUS), "status");
    CU_ASSERT_STRING_EQUAL(virtio_domain_name(VIRTIO_DOM_DESC), "descriptor flag");
}

static void test_format(void)
{
    CU_ASSERT_STRING_EQUAL(fmt(VIRTIO_DOM_STATUS, 0, 0xb), "ACKNOWLEDGE|DRIVER|FEATURES_OK");
    CU_ASSERT_STRING_EQUAL(fmt(VIRTIO_DOM_STATUS, 0, 0xf), "ACKNOWLEDGE|DRIVER|DRIVER_OK|FEATURES_OK");
    CU_ASSERT_STRING_EQUAL(fmt(VIRTIO_DOM_STATUS, 0, 0xcf),
                           "ACKNOWLEDGE|DRIVER|DRIVER_OK|FEATURES_OK|DEVICE_NEEDS_RESET|FAILED");
    CU_ASSERT_STRING_EQUAL(fmt(VIRTIO_DOM_STATUS, 0, 0), "0");
    /* Bits without a name: one hex number after the names. */
    CU_ASSERT_STRING_EQUAL(fmt(VIRTIO_DOM_STATUS, 0, 0x30), "0x30");
    CU_ASSERT_STRING_EQUAL(fmt(VIRTIO_DOM_STATUS, 0, 0x34), "DRIVER_OK|0x30");
    CU_ASSERT_STRING_EQUAL(fmt(VIRTIO_DOM_STATUS, 0, 1ull << 63 | 1), "ACKNOWLEDGE|0x8000000000000000");
    /* The features the device offers in the golden traces (words 0 and 1). */
    CU_ASSERT_STRING_EQUAL(fmt(VIRTIO_DOM_FEATURE, VIRTIO_ID_NET, 0x30ff802full | 1ull << 32),
                           "CSUM|GUEST_CSUM|CTRL_GUEST_OFFLOADS|MTU|MAC|MRG_RXBUF|STATUS|CTRL_VQ|CTRL_RX|"
                           "CTRL_VLAN|CTRL_RX_EXTRA|GUEST_ANNOUNCE|MQ|CTRL_MAC_ADDR|INDIRECT_DESC|EVENT_IDX|VERSION_1");
    /* Without the device, its bits have no names. */
    CU_ASSERT_STRING_EQUAL(fmt(VIRTIO_DOM_FEATURE, 0, 1ull << 32 | 1ull << 15 | 1), "VERSION_1|0x8001");
    CU_ASSERT_STRING_EQUAL(fmt(VIRTIO_DOM_FEATURE, VIRTIO_ID_NET, 1ull << 30 | 1ull << 4), "0x40000010");
    CU_ASSERT_STRING_EQUAL(fmt(VIRTIO_DOM_DESC, 0, 0x8083), "NEXT|WRITE|AVAIL|USED");
    CU_ASSERT_STRING_EQUAL(fmt(VIRTIO_DOM_AVAIL, 0, 1), "NO_INTERRUPT");
    CU_ASSERT_STRING_EQUAL(fmt(VIRTIO_DOM_USED, 0, 3), "NO_NOTIFY|0x2");
    CU_ASSERT_STRING_EQUAL(fmt(VIRTIO_DOM_ISR, 0, 3), "QUEUE|CONFIG");
    /* A short buffer: cut, terminated, and the whole length returned (as snprintf). */
    char small[8];
    memset(small, 'x', sizeof small);
    CU_ASSERT_EQUAL(virtio_format_bits(VIRTIO_DOM_STATUS, 0, 0x3b, small, sizeof small),
                    strlen("ACKNOWLEDGE|DRIVER|FEATURES_OK|0x30"));
    CU_ASSERT_STRING_EQUAL(small, "ACKNOWL");
    CU_ASSERT_EQUAL(virtio_format_bits(VIRTIO_DOM_STATUS, 0, 0xb, NULL, 0), strlen("ACKNOWLEDGE|DRIVER|FEATURES_OK"));
}

static void test_parse(void)
{
    CU_ASSERT_EQUAL(parse(VIRTIO_DOM_STATUS, 0, "DRIVER_OK|FEATURES_OK"), 12);
    CU_ASSERT_EQUAL(parse(VIRTIO_DOM_STATUS, 0, " ACKNOWLEDGE | 0x40 "), 0x41);
    CU_ASSERT_EQUAL(parse(VIRTIO_DOM_STATUS, 0, "0"), 0);
    CU_ASSERT_EQUAL(parse(VIRTIO_DOM_STATUS, 0, "15"), 15);
    CU_ASSERT_EQUAL(parse(VIRTIO_DOM_STATUS, 0, "DEVICE_NEEDS_RESET|0x8000000000000000"), 64 | 1ull << 63);
    CU_ASSERT_EQUAL(parse(VIRTIO_DOM_FEATURE, VIRTIO_ID_NET, "VERSION_1|MRG_RXBUF"), 1ull << 32 | 1ull << 15);
    CU_ASSERT_EQUAL(parse(VIRTIO_DOM_DESC, 0, "NEXT|WRITE"), 3);
    CU_ASSERT_EQUAL(parse(VIRTIO_DOM_ISR, 0, "CONFIG"), 2);
    /* Every status byte survives format then parse; so do the golden feature words. */
    for (uint64_t v = 0; v < 256; v++)
        CU_ASSERT_EQUAL(parse(VIRTIO_DOM_STATUS, 0, fmt(VIRTIO_DOM_STATUS, 0, v)), v);
    uint64_t f = 0x30ff802full | 1ull << 32 | 1ull << 30;
    CU_ASSERT_EQUAL(parse(VIRTIO_DOM_FEATURE, VIRTIO_ID_NET, fmt(VIRTIO_DOM_FEATURE, VIRTIO_ID_NET, f)), f);

    uint64_t keep = 7, v = keep;
    CU_ASSERT_EQUAL(virtio_parse_bits(VIRTIO_DOM_STATUS, 0, "DRIVER|BOGUS", &v, &err), -1);
    CU_ASSERT_EQUAL(v, keep);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unknown status 'BOGUS'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "ACKNOWLEDGE DRIVER DRIVER_OK FEATURES_OK DEVICE_NEEDS_RESET FAILED"));
    /* The spec's spelling only; a device's names only with the device; items and
     * numbers well formed. */
    CU_ASSERT_EQUAL(virtio_parse_bits(VIRTIO_DOM_STATUS, 0, "driver_ok", &v, &err), -1);
    CU_ASSERT_EQUAL(virtio_parse_bits(VIRTIO_DOM_FEATURE, 0, "MRG_RXBUF", &v, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unknown feature 'MRG_RXBUF'"));
    CU_ASSERT_EQUAL(virtio_parse_bits(VIRTIO_DOM_STATUS, 0, "INDIRECT", &v, &err), -1);
    CU_ASSERT_EQUAL(virtio_parse_bits(VIRTIO_DOM_STATUS, 0, "", &v, &err), -1);
    CU_ASSERT_EQUAL(virtio_parse_bits(VIRTIO_DOM_STATUS, 0, "DRIVER||FAILED", &v, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "empty item"));
    CU_ASSERT_EQUAL(virtio_parse_bits(VIRTIO_DOM_STATUS, 0, "DRIVER|", &v, &err), -1);
    CU_ASSERT_EQUAL(virtio_parse_bits(VIRTIO_DOM_STATUS, 0, "0xg", &v, &err), -1);
    CU_ASSERT_EQUAL(virtio_parse_bits(VIRTIO_DOM_STATUS, 0, "0x", &v, &err), -1);
    CU_ASSERT_EQUAL(virtio_parse_bits(VIRTIO_DOM_STATUS, 0, "12a", &v, &err), -1);
    CU_ASSERT_EQUAL(virtio_parse_bits(VIRTIO_DOM_STATUS, 0, "0x10000000000000000", &v, &err), -1);
    CU_ASSERT_EQUAL(virtio_parse_bits(VIRTIO_DOM_STATUS, 0, "18446744073709551616", &v, &err), -1);
    CU_ASSERT_EQUAL(virtio_parse_bits(VIRTIO_DOM_STATUS, 0, NULL, &v, &err), -1);
    CU_ASSERT_EQUAL(v, keep);
    /* A long list is cut short, the message still whole. */
    CU_ASSERT_EQUAL(virtio_parse_bits(VIRTIO_DOM_FEATURE, VIRTIO_ID_NET, "NOPE", &v, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, " ..., or a number)"));
}

/* virtio-net with 4 queue pairs: the control queue is 8 with MQ negotiated, 2 without. */
static void test_queue_roles(void)
{
    static const struct { unsigned q, ctrl; const char *role; } known[] = {
        { 0, 8, "rx0" }, { 1, 8, "tx0" }, { 2, 8, "rx1" }, { 5, 8, "tx2" }, { 6, 8, "rx3" },
        { 7, 8, "tx3" }, { 8, 8, "ctrl" }, { 9, 8, NULL }, { 100, 8, NULL },
        { 0, 2, "rx0" }, { 1, 2, "tx0" }, { 2, 2, "ctrl" }, { 3, 2, NULL }, { 6, 2, NULL },
        { 7, 2, NULL },
    };
    char buf[16];
    for (unsigned i = 0; i < ARRAY_SIZE(known); i++) {
        const char *r = virtio_net_queue_role(known[i].q, known[i].ctrl, buf, sizeof buf);
        if (!known[i].role) {
            CU_ASSERT_PTR_NULL(r);
            continue;
        }
        CU_ASSERT_PTR_EQUAL_FATAL(r, buf);
        CU_ASSERT_STRING_EQUAL(r, known[i].role);
        CU_ASSERT_EQUAL(virtio_net_role_queue(known[i].role, known[i].ctrl), (int)known[i].q);
    }
    /* Every queue up to the control queue round-trips, for every pair count. */
    for (unsigned ctrl = 2; ctrl <= 64; ctrl += 2)
        for (unsigned q = 0; q <= ctrl; q++) {
            const char *r = virtio_net_queue_role(q, ctrl, buf, sizeof buf);
            CU_ASSERT_PTR_NOT_NULL_FATAL(r);
            CU_ASSERT_EQUAL(virtio_net_role_queue(r, ctrl), (int)q);
        }
    /* Queues past the control queue, and malformed roles, have none. */
    static const char *const bad[] = { "rx3", "tx1", "rx", "tx", "rx01", "rx-1", "rx+1", "rx 0", "RX0", "ctl",
                                       "ctrl0", "ctrl ", "", "0", "q0", "rx99999999999999999999" };
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
        CU_ASSERT_EQUAL(virtio_net_role_queue(bad[i], 2), -1);
    CU_ASSERT_EQUAL(virtio_net_role_queue("rx3", 8), 6);
    CU_ASSERT_EQUAL(virtio_net_role_queue("rx4", 8), -1);
    CU_ASSERT_EQUAL(virtio_net_role_queue("tx32767", 65536), 65535);
    CU_ASSERT_EQUAL(virtio_net_role_queue("rx32768", 70000), -1);   /* past a 16-bit index */
    /* Too small a buffer, a device type without roles. */
    char tiny[4];
    CU_ASSERT_PTR_NULL(virtio_net_queue_role(8, 8, tiny, sizeof tiny));
    CU_ASSERT_PTR_NOT_NULL(virtio_net_queue_role(7, 8, tiny, sizeof tiny));
    CU_ASSERT_PTR_NULL(virtio_queue_role(2, 0, 8, buf, sizeof buf));
    CU_ASSERT_EQUAL(virtio_role_queue(2, "rx0", 8), -1);
}

/* The configuration names (virtio_cfg_names.def) and PCI's (pci_names.def): the spec's
 * numbers, the same text as the Python tools' format_bits. */
static void test_config_names(void)
{
    CU_ASSERT_EQUAL(VIRTIO_PCI_CAP_COMMON_CFG, 1);
    CU_ASSERT_EQUAL(VIRTIO_PCI_CAP_PCI_CFG, 5);
    CU_ASSERT_EQUAL(VIRTIO_NET_S_LINK_UP, 1);
    CU_ASSERT_EQUAL(VIRTIO_NET_S_ANNOUNCE, 2);
    CU_ASSERT_STRING_EQUAL(virtio_pci_cap_name(2), "NOTIFY_CFG");
    CU_ASSERT_STRING_EQUAL(virtio_pci_cap_name(8), "SHARED_MEMORY_CFG");
    CU_ASSERT_PTR_NULL(virtio_pci_cap_name(6));
    char buf[64];
    virtio_format_dev_status(VIRTIO_ID_NET, 3, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "LINK_UP|ANNOUNCE");
    virtio_format_dev_status(VIRTIO_ID_NET, 0x11, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "LINK_UP|0x10");
    virtio_format_dev_status(VIRTIO_ID_NET, 0, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "0");
    CU_ASSERT_EQUAL(PCI_COMMAND_MASTER, 4);
    CU_ASSERT_EQUAL(PCI_COMMAND_INTX_DISABLE, 0x400);
    CU_ASSERT_EQUAL(PCI_STATUS_CAP_LIST, 0x10);
    CU_ASSERT_EQUAL(PCI_CAP_ID_VNDR, 9);
    pci_format_bits(PCI_DOM_COMMAND, 0x7, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "IO|MEMORY|MASTER");
    pci_format_bits(PCI_DOM_STATUS, 0x4018, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "INTERRUPT|CAP_LIST|SIG_SYSTEM_ERROR");
    pci_format_bits(PCI_DOM_STATUS, 0x0201, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "0x201");
    char tiny[5];
    CU_ASSERT_EQUAL(pci_format_bits(PCI_DOM_COMMAND, 0x7, tiny, sizeof tiny), strlen("IO|MEMORY|MASTER"));
    CU_ASSERT_STRING_EQUAL(tiny, "IO|M");
    CU_ASSERT_STRING_EQUAL(pci_cap_name(0x11), "MSIX");
    CU_ASSERT_STRING_EQUAL(pci_cap_spelling(1), "pm");
    CU_ASSERT_PTR_NULL(pci_cap_name(0x42));
}

int suite_virtio_names(void)
{
    CU_pSuite s = CU_add_suite("virtio_names", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "constants carry the spec's numbers and names", test_spec_numbers);
    CU_add_test(s, "every row round-trips and keeps the table's rules", test_rows);
    CU_add_test(s, "bit sets formatted, unknown bits in hex", test_format);
    CU_add_test(s, "bit sets parsed, bad items refused", test_parse);
    CU_add_test(s, "virtio-net queue roles with and without MQ", test_queue_roles);
    CU_add_test(s, "vendor capability types, config status, PCI bits by name", test_config_names);
    return CU_get_error() == CUE_SUCCESS ? 0 : -1;
}
