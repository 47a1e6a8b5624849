/* The stack's core: its one state, binding to a netdev, polling, and the bounded wait
 * every protocol uses. Time is the time CSR (virtual time on ringside), so waits end
 * after the same number of instructions on every run. */
#include "libc.h"
#include "platform.h"
#include "net/net_priv.h"

struct net_state net;

const uint8_t eth_broadcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void net_rx(struct netdev *nd, const uint8_t *frame, size_t len, void *ctx)
{
    (void)nd;
    (void)ctx;
    eth_input(frame, len);
}

int net_init(struct netdev *nd)
{
    if (!nd || !nd->ops || !nd->ops->xmit || !nd->ops->poll)
        return -1;
    memset(&net, 0, offsetof(struct net_state, tx));
    net.nd = nd;
    memcpy(net.mac, nd->mac, ETH_ALEN);
    nd->rx_fn = net_rx;
    nd->rx_ctx = &net;
    net.use_wfi = true;
    arp_flush();
    return 0;
}

struct netdev *net_dev(void) { return net.nd; }

int net_poll(void)
{
    if (!net.nd)
        return 0;
    int n = net.nd->ops->poll(net.nd);
    return n < 0 ? 0 : n;
}

void net_use_wfi(bool on) { net.use_wfi = on; }

uint64_t net_us_to_ticks(uint64_t us) { return us * timebase_hz() / 1000000u; }

uint64_t net_ticks_to_tenth_us(uint64_t ticks)
{
    uint64_t hz = timebase_hz();
    return hz ? ticks * 10000000u / hz : 0;
}

#define CLINT_MTIMECMP (CLINT_BASE + 0x4000)     /* hart 0 */
#define MSTATUS_MIE    (1UL << 3)
#define MIE_MTIE       (1UL << 7)
#define MIE_MEIE       (1UL << 11)
#define WFI_SLICE_US   100

/* Sleeps until a device interrupt or `until`, whichever comes first. With mstatus.MIE
 * cleared, a pending machine timer interrupt still ends wfi (privileged spec §3.3.3:
 * wfi resumes when any enabled interrupt is pending, whatever the global enable), so
 * the timer bounds the sleep without a trap handler for it. A pending device
 * interrupt is taken as soon as MIE is restored. Only used when device interrupts
 * are on: otherwise a frame's arrival could not wake us early. */
static void net_idle(uint64_t until)
{
    unsigned long mstatus, mie;
    __asm__ volatile("csrr %0, mstatus" : "=r"(mstatus));
    __asm__ volatile("csrr %0, mie" : "=r"(mie));
    if (!net.use_wfi || !(mstatus & MSTATUS_MIE) || !(mie & MIE_MEIE))
        return;                /* busy polling: retiring instructions advances time */
    uint64_t slice = rdtime() + net_us_to_ticks(WFI_SLICE_US);
    if (until > slice)
        until = slice;
    __asm__ volatile("csrc mstatus, %0" :: "r"(MSTATUS_MIE) : "memory");
    mmio_write64(CLINT_MTIMECMP, until);
    __asm__ volatile("csrs mie, %0" :: "r"(MIE_MTIE) : "memory");
    wait_for_interrupt();
    __asm__ volatile("csrc mie, %0" :: "r"(MIE_MTIE) : "memory");
    mmio_write64(CLINT_MTIMECMP, UINT64_MAX);
    __asm__ volatile("csrs mstatus, %0" :: "r"(MSTATUS_MIE) : "memory");
}

bool net_device_failed(void)
{
    if (!net.nd || !net.nd->failed)
        return false;
    if (!net.failure_reported)
        printf("net: %s: the device failed; giving up on it\n", net.nd->name);
    net.failure_reported = true;
    return true;
}

bool net_wait(bool (*done)(void *ctx), void *ctx, uint32_t timeout_us)
{
    uint64_t start = rdtime(), limit = net_us_to_ticks(timeout_us);
    for (;;) {
        net_poll();
        if (done && done(ctx))
            return true;
        if (net_device_failed())
            return false;    /* nothing will come from a broken device: do not wait */
        if (rdtime() - start >= limit)
            return done ? done(ctx) : false;
        net_idle(start + limit);
    }
}

void net_set_config(const struct net_config *cfg) { net.cfg = *cfg; }
const struct net_config *net_config(void) { return &net.cfg; }
const struct net_stats *net_stats(void) { return &net.st; }
void net_reset_stats(void) { memset(&net.st, 0, sizeof net.st); }
void net_set_mac(const uint8_t mac[6]) { memcpy(net.mac, mac, ETH_ALEN); }
const uint8_t *net_mac(void) { return net.mac; }
void net_set_tx_qp(unsigned qp) { net.tx_qp = qp; }
void net_set_vlan(uint16_t vid) { net.vlan = vid & 0x0fff; }
void net_set_promisc(bool on) { net.promisc = on; }

char *ip_str(uint32_t ip, char *buf)
{
    snprintf(buf, 16, "%u.%u.%u.%u", (unsigned)(ip >> 24), (unsigned)(ip >> 16 & 0xff),
             (unsigned)(ip >> 8 & 0xff), (unsigned)(ip & 0xff));
    return buf;
}

char *mac_str(const uint8_t mac[6], char *buf)
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
             mac[4], mac[5]);
    return buf;
}

int ip_parse(const char *s, uint32_t *ip)
{
    uint32_t v = 0;
    for (int part = 0; part < 4; part++) {
        unsigned n = 0, digits = 0;
        for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
            n = n * 10 + (unsigned)(*s - '0');
        if (digits == 0 || digits > 3 || n > 255 || *s != (part < 3 ? '.' : '\0'))
            return -1;
        if (part < 3)
            s++;
        v = v << 8 | n;
    }
    *ip = v;
    return 0;
}
