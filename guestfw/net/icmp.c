/* ICMP echo (RFC 792, "Echo or Echo Reply Message"; RFC 1122 §3.2.2.6): we answer
 * echo requests to our address and send requests of our own, one outstanding at a
 * time, timing the round trip with the time CSR. */
#include "libc.h"
#include "platform.h"
#include "net/net_priv.h"

#define ICMP_HLEN        8
#define ICMP_ECHO_REPLY  0
#define ICMP_ECHO_REQ    8
#define PING_ID          0x5253        /* "RS": fixed, so runs are repeatable */

static struct {
    bool waiting, got, corrupt;
    uint32_t dst;
    uint16_t seq;
    size_t len;                        /* ICMP bytes sent */
    uint64_t sent, rtt;
} ping;

/* Linux ping's payload: bytes counting up from 0x10 (here from the start). */
static uint8_t ping_byte(size_t i) { return (uint8_t)(0x10 + i); }

static void echo_reply(const struct ip_rx *ip)
{
    /* A reply to a broadcast-addressed request would make us a smurf amplifier. */
    if (ip->len > ETH_MTU - IP_HLEN || ip->dst != net.cfg.ip)
        return;
    uint8_t *r = net.reply.buf + PKT_L4;
    memcpy(r, ip->data, ip->len);
    r[0] = ICMP_ECHO_REPLY;
    put16(r + 2, 0);
    put16(r + 2, csum_fold(csum_partial(r, ip->len, 0)));
    /* Answer to the sender's MAC: no ARP round trip from receive context. */
    ip_output(&net.reply, ip->src_mac, ip->src, IPPROTO_ICMP, ip->len);
}

static void echo_got_reply(const struct ip_rx *ip)
{
    const uint8_t *m = ip->data;
    if (!ping.waiting || get16(m + 4) != PING_ID || get16(m + 6) != ping.seq ||
        ip->src != ping.dst)
        return;
    uint64_t now = rdtime();
    ping.waiting = false;
    ping.got = true;
    ping.rtt = now - ping.sent;
    ping.corrupt = ip->len != ping.len;
    for (size_t i = ICMP_HLEN; i < ip->len && !ping.corrupt; i++)
        if (m[i] != ping_byte(i - ICMP_HLEN))
            ping.corrupt = true;
}

void icmp_input(const struct ip_rx *ip)
{
    net.st.rx_icmp++;
    if (ip->len < ICMP_HLEN || csum_fold(csum_partial(ip->data, ip->len, 0)) != 0) {
        net.st.rx_icmp_bad++;
        return;
    }
    uint8_t type = ip->data[0], code = ip->data[1];
    if (type == ICMP_ECHO_REQ && code == 0) {
        net.st.rx_echo_req++;
        echo_reply(ip);
    } else if (type == ICMP_ECHO_REPLY && code == 0) {
        net.st.rx_echo_reply++;
        echo_got_reply(ip);
    }
}

static bool ping_done(void *ctx) { (void)ctx; return ping.got; }

int net_ping(uint32_t ip, uint16_t seq, size_t payload_len, uint32_t timeout_us,
             uint64_t *rtt_ticks)
{
    if (payload_len > ETH_MTU - IP_HLEN - ICMP_HLEN)
        return -2;
    uint64_t start = rdtime();
    uint8_t mac[ETH_ALEN];
    if (ip_route(ip, mac, timeout_us) != 0)
        return -1;
    uint64_t used = net_ticks_to_tenth_us(rdtime() - start) / 10;
    uint32_t left = used >= timeout_us ? 0 : (uint32_t)(timeout_us - used);

    uint8_t *m = net.tx.buf + PKT_L4;
    size_t len = ICMP_HLEN + payload_len;
    m[0] = ICMP_ECHO_REQ;
    m[1] = 0;
    put16(m + 2, 0);
    put16(m + 4, PING_ID);
    put16(m + 6, seq);
    for (size_t i = 0; i < payload_len; i++)
        m[ICMP_HLEN + i] = ping_byte(i);
    put16(m + 2, csum_fold(csum_partial(m, len, 0)));

    ping.waiting = true;
    ping.got = ping.corrupt = false;
    ping.dst = ip;
    ping.seq = seq;
    ping.len = len;
    ping.sent = rdtime();
    if (ip_output(&net.tx, mac, ip, IPPROTO_ICMP, len) != 0) {
        ping.waiting = false;
        return -2;
    }
    bool ok = net_wait(ping_done, NULL, left);
    ping.waiting = false;
    if (!ok)
        return -3;
    if (rtt_ticks)
        *rtt_ticks = ping.rtt;
    return ping.corrupt ? -4 : 0;
}
