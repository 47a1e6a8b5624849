/* scenario=udp: a stream of `count=` datagrams (default 16) of sizes from 1 byte to
 * the largest that fits the MTU, each with its own deterministic byte pattern, sent
 * to the gateway's echo service (RFC 862; `port=`, default 7) with up to four in
 * flight; every echoed byte and the order of the echoes are checked. */
#include "fdt.h"
#include "libc.h"
#include "platform.h"
#include "scenario.h"
#include "net/netscen.h"

#define UDP_LOCAL_PORT  40007
#define UDP_WINDOW      4
#define UDP_TIMEOUT_US  1000000u

static struct {
    unsigned count, max, sent, next;   /* next: index of the echo expected next */
    unsigned lost, corrupt, order, length, stray;
    uint32_t peer;
    uint16_t port;
    uint64_t bytes;
} u;

static uint8_t dgram[UDP_MAX_PAYLOAD];

/* Sizes: the first is 1 byte, the last the largest; between them a stride that is
 * prime to most maxima visits sizes spread over the whole range. */
static size_t udp_size(unsigned i)
{
    if (i == 0)
        return 1;
    if (i + 1 == u.count)
        return u.max;
    return 1 + (size_t)(i * 397u) % u.max;
}

static uint8_t udp_byte(unsigned i, size_t j) { return (uint8_t)(i * 7u + j * 13u + (j >> 8)); }

static bool udp_matches(unsigned i, const uint8_t *data, size_t len)
{
    if (len != udp_size(i))
        return false;
    for (size_t j = 0; j < len; j++)
        if (data[j] != udp_byte(i, j))
            return false;
    return true;
}

static void udp_echo_rx(uint32_t src_ip, uint16_t src_port, uint16_t dst_port,
                        const uint8_t *data, size_t len, void *ctx)
{
    (void)dst_port;
    (void)ctx;
    if (src_ip != u.peer || src_port != u.port) {
        u.stray++;
        return;
    }
    if (u.next < u.sent && udp_matches(u.next, data, len)) {
        u.next++;
        return;
    }
    /* Not the one expected: a later one (the expected ones were lost or overtaken),
     * an earlier one (duplicate or late), or damage. */
    for (unsigned k = u.next + 1; k < u.sent; k++)
        if (udp_matches(k, data, len)) {
            printf("udp: datagram %u arrived while %u was expected\n", k, u.next);
            u.order++;
            u.lost += k - u.next;
            u.next = k + 1;
            return;
        }
    for (unsigned k = 0; k < u.next; k++)
        if (udp_matches(k, data, len)) {
            printf("udp: datagram %u arrived again or late\n", k);
            u.order++;
            return;
        }
    if (u.next < u.sent && len == udp_size(u.next)) {
        size_t j = 0;
        while (j < len && data[j] == udp_byte(u.next, j))
            j++;
        printf("udp: datagram %u damaged at byte %u\n", u.next, (unsigned)j);
        u.corrupt++;
    } else {
        printf("udp: echo of %u bytes matches no datagram sent (expected %u bytes)\n",
               (unsigned)len, u.next < u.sent ? (unsigned)udp_size(u.next) : 0);
        u.length++;
    }
    u.next++;
}

static bool window_open(void *ctx) { (void)ctx; return u.sent - u.next < UDP_WINDOW; }
static bool all_back(void *ctx) { (void)ctx; return u.next >= u.sent; }

static int udp_run(void)
{
    int rc = netscen_up();
    if (rc != NX_OK)
        return rc;
    memset(&u, 0, sizeof u);
    u.count = (unsigned)bootarg_ulong("count", 16);
    u.port = (uint16_t)bootarg_ulong("port", 7);
    u.peer = net_config()->gateway;
    unsigned mtu = net_dev()->mtu >= 576 && net_dev()->mtu <= ETH_MTU ? net_dev()->mtu : ETH_MTU;
    u.max = mtu - IP_HLEN - UDP_HLEN;
    char a[16], t[24];
    if (udp_bind(UDP_LOCAL_PORT, udp_echo_rx, NULL) != 0) {
        printf("udp: cannot bind port %u\n", UDP_LOCAL_PORT);
        return NX_UDP_BIND;
    }
    printf("udp: %u datagrams of 1..%u bytes to %s:%u\n", u.count, u.max, ip_str(u.peer, a), u.port);
    uint64_t t0 = rdtime();
    rc = NX_OK;
    while (u.sent < u.count) {
        if (!net_wait(window_open, NULL, UDP_TIMEOUT_US)) {
            printf("udp: no echo of datagram %u\n", u.next);
            u.lost += u.sent - u.next;
            u.next = u.sent;   /* give the window back; the loss is counted */
        }
        size_t len = udp_size(u.sent);
        for (size_t j = 0; j < len; j++)
            dgram[j] = udp_byte(u.sent, j);
        if (udp_sendto(UDP_LOCAL_PORT, u.peer, u.port, dgram, len, UDP_TIMEOUT_US) != 0) {
            printf("udp: could not send datagram %u (%u bytes)\n", u.sent, (unsigned)len);
            rc = NX_UDP_SEND;
            break;
        }
        u.bytes += len;
        u.sent++;
    }
    if (!net_wait(all_back, NULL, UDP_TIMEOUT_US)) {
        printf("udp: %u echoes missing at the end\n", u.sent - u.next);
        u.lost += u.sent - u.next;
    }
    udp_unbind(UDP_LOCAL_PORT);
    unsigned ok = u.sent - u.lost - u.corrupt - u.length;
    printf("udp: sent %u datagrams (%llu bytes), echoed intact %u, lost %u, damaged %u, "
           "wrong length %u, out of order %u, stray %u, %s us\n",
           u.sent, (unsigned long long)u.bytes, ok, u.lost, u.corrupt, u.length, u.order,
           u.stray, netscen_us(rdtime() - t0, t));
    if (rc != NX_OK)
        return rc;
    if (u.corrupt)
        return NX_UDP_CORRUPT;
    if (u.length)
        return NX_UDP_LENGTH;
    if (u.order)
        return NX_UDP_ORDER;
    return u.lost ? NX_UDP_LOST : NX_OK;
}

const struct scenario scenario_udp = {
    "udp", udp_run, "UDP echo stream to the gateway (count=N, port=P, default 16 and 7)",
};
