/* scenario=virtio (and virtio_legacy / virtio_modern): the virtio-net bring-up on its
 * own, without the network stack — enumerate PCI, probe the device (virtio 1.2 §3.1
 * and §5.1.5), print what was negotiated, then send one hand-built ARP request
 * (RFC 826) for 10.0.2.2 from 10.0.2.15 and wait, bounded in virtual time, for the
 * reply. Exit codes name the step that failed. */
#include "fdt.h"
#include "libc.h"
#include "netdev.h"
#include "pci.h"
#include "platform.h"
#include "scenario.h"
#include "virtio/virtio.h"
#include "virtio/virtio_net.h"

enum {
    EXIT_NO_PCI = 10,        /* no PCI host bridge */
    EXIT_INIT = 11,          /* driver registration failed */
    EXIT_NO_NETDEV = 12,     /* no virtio-net device, or its probe failed */
    EXIT_WRONG_IF = 13,      /* the forced interface was not the one used */
    EXIT_XMIT = 14,          /* the device refused the frame */
    EXIT_NO_REPLY = 15,      /* no ARP reply within the timeout */
    EXIT_BROKEN = 16,        /* the device or a ring went bad */
};

#define GUEST_IP   0x0a00020fu   /* 10.0.2.15 */
#define GATEWAY_IP 0x0a000202u   /* 10.0.2.2 */
#define ARP_TRIES  3
#define ARP_WAIT_MS 1000

struct arp_wait {
    bool got;
    uint8_t mac[6];
    uint64_t frames;
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static void on_frame(struct netdev *nd, const uint8_t *f, size_t len, void *ctx)
{
    struct arp_wait *w = ctx;
    w->frames++;
    /* Ethernet type ARP, Ethernet/IPv4, opcode reply, from the gateway, to us. */
    if (len < 42 || f[12] != 0x08 || f[13] != 0x06 || f[20] != 0 || f[21] != 2)
        return;
    if (be32(f + 28) != GATEWAY_IP || be32(f + 38) != GUEST_IP || memcmp(f + 32, nd->mac, 6) != 0)
        return;
    memcpy(w->mac, f + 22, 6);
    w->got = true;
}

static size_t build_arp_request(uint8_t *f, const uint8_t mac[6])
{
    memset(f, 0, 60);                         /* padded to the 60-byte minimum */
    memset(f, 0xff, 6);
    memcpy(f + 6, mac, 6);
    f[12] = 0x08; f[13] = 0x06;
    f[14] = 0; f[15] = 1;                     /* htype Ethernet */
    f[16] = 0x08; f[17] = 0x00;               /* ptype IPv4 */
    f[18] = 6; f[19] = 4;
    f[20] = 0; f[21] = 1;                     /* request */
    memcpy(f + 22, mac, 6);
    put_be32(f + 28, GUEST_IP);
    put_be32(f + 38, GATEWAY_IP);
    return 60;
}

/* Sleeps until an interrupt or `until`: a pending machine-timer interrupt ends wfi
 * even with mstatus.MIE clear (privileged spec §3.3.3), so no timer handler is
 * needed; the device interrupt is taken once MIE is back on. */
static void idle_until(uint64_t until)
{
    const uintptr_t mtimecmp = CLINT_BASE + 0x4000;
    __asm__ volatile("csrci mstatus, 8" ::: "memory");
    mmio_write64(mtimecmp, until);
    __asm__ volatile("csrs mie, %0" :: "r"(1ul << 7) : "memory");
    wait_for_interrupt();
    __asm__ volatile("csrc mie, %0" :: "r"(1ul << 7) : "memory");
    mmio_write64(mtimecmp, UINT64_MAX);
    __asm__ volatile("csrsi mstatus, 8" ::: "memory");
}

static void print_info(struct netdev *nd)
{
    struct virtio_net_info info;
    if (virtio_net_get_info(nd, &info) != 0)
        return;
    printf("virtio: %s via the %s interface\n", nd->name, info.legacy ? "legacy" : "modern");
    printf("virtio: device features 0x%016llx, negotiated 0x%016llx\n",
           (unsigned long long)info.device_features, (unsigned long long)info.features);
    printf("virtio: header %u bytes%s, checksum offload %s, control queue %s\n", info.hdr_len,
           info.mergeable ? " (mergeable rx buffers)" : "", info.csum_offload ? "on" : "off",
           info.ctrl_vq ? "yes" : "no");
    printf("virtio: mac %02x:%02x:%02x:%02x:%02x:%02x, status 0x%x, max pairs %u, mtu %u, "
           "rx0 %u buffers in a %u-entry ring\n", nd->mac[0], nd->mac[1], nd->mac[2],
           nd->mac[3], nd->mac[4], nd->mac[5], info.config_status, info.max_pairs, info.mtu,
           info.rx_bufs_posted, info.queue_size);
}

static int run_virtio(const char *force)
{
    if (force)
        virtio_pci_set_interface(force);
    if (pci_enumerate() < 0) {
        printf("virtio: no PCI host bridge\n");
        return EXIT_NO_PCI;
    }
    if (virtio_net_init() != 0) {
        printf("virtio: driver registration failed\n");
        return EXIT_INIT;
    }
    struct netdev *nd = netdev_first();
    if (!nd) {
        printf("virtio: no virtio-net interface came up\n");
        return EXIT_NO_NETDEV;
    }
    print_info(nd);
    struct virtio_net_info info;
    if (force && virtio_net_get_info(nd, &info) == 0 && info.legacy != (strcmp(force, "legacy") == 0)) {
        printf("virtio: asked for the %s interface, got the other\n", force);
        return EXIT_WRONG_IF;
    }

    struct arp_wait w = { 0 };
    nd->rx_fn = on_frame;
    nd->rx_ctx = &w;
    interrupts_on();

    uint8_t frame[60];
    size_t len = build_arp_request(frame, nd->mac);
    for (int t = 0; t < ARP_TRIES && !w.got; t++) {
        uint64_t deadline = rdtime() + timebase_hz() * ARP_WAIT_MS / 1000;
        /* No carrier, no transmit (Linux stops the queue while the link is down): the
         * try waits for the config change that brings the link up. */
        while (!nd->link_up && rdtime() < deadline) {
            nd->ops->poll(nd);
            if (!nd->link_up)
                idle_until(deadline);
        }
        if (!nd->link_up) {
            printf("virtio: link down, no ARP sent (try %d)\n", t + 1);
            continue;
        }
        printf("virtio: ARP who-has 10.0.2.2 tell 10.0.2.15 (try %d)\n", t + 1);
        if (nd->ops->xmit(nd, 0, frame, len) != 0) {
            printf("virtio: transmit refused\n");
            return EXIT_XMIT;
        }
        while (!w.got && rdtime() < deadline) {
            nd->ops->poll(nd);
            if (!w.got)
                idle_until(deadline);
        }
    }
    /* `linger=MS` keeps the interface up a while longer, serving interrupts, so that
     * a link change or announcement from the host can be watched. */
    unsigned long linger = bootarg_ulong("linger", 0);
    if (w.got && linger) {
        printf("virtio: lingering %lu ms\n", linger);
        uint64_t until = rdtime() + timebase_hz() * linger / 1000;
        while (rdtime() < until) {
            nd->ops->poll(nd);
            idle_until(until);
        }
        printf("virtio: link %s after lingering\n", nd->link_up ? "up" : "down");
    }
    interrupts_off();
    if (!w.got) {
        printf("virtio: no ARP reply (%llu other frames)\n", (unsigned long long)w.frames);
        return EXIT_NO_REPLY;
    }
    printf("virtio: ARP reply: 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x\n", w.mac[0],
           w.mac[1], w.mac[2], w.mac[3], w.mac[4], w.mac[5]);
    nd->ops->poll(nd);
    virtio_net_get_info(nd, &info);
    printf("virtio: tx %llu packets %llu bytes, rx %llu packets %llu bytes, dropped %llu/%llu, "
           "irqs %llu (rx %llu), tx kicks %llu (suppressed %llu)\n",
           (unsigned long long)nd->tx_packets, (unsigned long long)nd->tx_bytes,
           (unsigned long long)nd->rx_packets, (unsigned long long)nd->rx_bytes,
           (unsigned long long)nd->tx_dropped, (unsigned long long)nd->rx_dropped,
           (unsigned long long)nd->irqs, (unsigned long long)info.rx_irqs,
           (unsigned long long)info.tx_kicks, (unsigned long long)info.tx_kicks_suppressed);
    if (info.broken) {
        printf("virtio: the device was marked broken\n");
        return EXIT_BROKEN;
    }
    return 0;
}

static int run_default(void) { return run_virtio(NULL); }
static int run_legacy(void) { return run_virtio("legacy"); }
static int run_modern(void) { return run_virtio("modern"); }

const struct scenario scenario_virtio = {
    "virtio", run_default,
    "probe virtio-net (modern when offered, or virtio=legacy|modern), ARP the gateway",
};
const struct scenario scenario_virtio_legacy = {
    "virtio_legacy", run_legacy, "as virtio, forcing the legacy I/O-port interface",
};
const struct scenario scenario_virtio_modern = {
    "virtio_modern", run_modern, "as virtio, forcing the modern capability interface",
};
