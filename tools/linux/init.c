/* The one program of the Linux guest's userland (issue 15, docs/linux.md): PID 1 of
 * the initramfs tools/build-linux makes. It takes the address the kernel's DHCP client
 * gave eth0 (ip=dhcp), pings the built-in peer 10.0.2.2 with a raw ICMP socket
 * (RFC 792 echo), prints what sysfs says of eth0 and of the virtio device under it,
 * and powers the machine off with the result: reboot(LINUX_REBOOT_CMD_POWER_OFF) when
 * every step worked (Linux asks OpenSBI for an SBI SRST shutdown, which writes PASS to
 * the sifive,test0 finisher: ringside exits 0), LINUX_REBOOT_CMD_RESTART otherwise
 * (OpenSBI writes RESET: ringside exits 126). PID 1 must never return: the kernel
 * would panic and the run would only end at --max-insns.
 *
 * Static, against Debian's riscv64 glibc; no floating point anywhere, because the
 * kernel is built without FPU support (ringside's hart has no F or D): an F or D
 * instruction is illegal, and kills PID 1 with SIGILL. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* glibc's setjmp.S saves fs0-fs11 too, because Debian builds it for the lp64d ABI,
 * and its __libc_start_call_main calls _setjmp once (the buffer a cancelled thread
 * would unwind to). So this file replaces libc.a's setjmp.o whole (setjmp, _setjmp,
 * __sigsetjmp): the same code, ra, s0-s11 and sp in riscv's __jmp_buf order and then
 * glibc's __sigjmp_save for the signal mask, without the FP registers. */
__asm__(".text\n"
        ".globl setjmp, _setjmp, __sigsetjmp\n"
        ".type setjmp, @function\n.type _setjmp, @function\n.type __sigsetjmp, @function\n"
        "setjmp:  li a1, 1\n  j __sigsetjmp\n"
        "_setjmp: li a1, 0\n"
        "__sigsetjmp:\n"
        "  sd ra, 0(a0)\n  sd s0, 8(a0)\n  sd s1, 16(a0)\n  sd s2, 24(a0)\n"
        "  sd s3, 32(a0)\n  sd s4, 40(a0)\n  sd s5, 48(a0)\n  sd s6, 56(a0)\n"
        "  sd s7, 64(a0)\n  sd s8, 72(a0)\n  sd s9, 80(a0)\n  sd s10, 88(a0)\n"
        "  sd s11, 96(a0)\n  sd sp, 104(a0)\n"
        "  tail __sigjmp_save\n");

#define PEER "10.0.2.2"
#define PINGS 3
#define ECHO_ID 0x7269          /* "ri" */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    __builtin_va_list ap;
    __builtin_va_start(ap, fmt);
    fputs("init: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
    __builtin_va_end(ap);
}

/* The first line of a sysfs file without its newline, or "?" when unreadable. */
static const char *sysfs(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY);
    ssize_t got = fd >= 0 ? read(fd, buf, n - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (got <= 0)
        return strcpy(buf, "?");
    buf[got] = 0;
    buf[strcspn(buf, "\n")] = 0;
    return buf;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* eth0's IPv4 address and mask as the kernel's IP autoconfiguration left them. */
static int eth0_address(char *addr, char *mask, size_t n)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0)
        return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "eth0");
    int rc = ioctl(s, SIOCGIFADDR, &ifr);
    if (rc == 0)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr, addr, (socklen_t)n);
    if (rc == 0 && (rc = ioctl(s, SIOCGIFNETMASK, &ifr)) == 0)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ifr.ifr_netmask)->sin_addr, mask, (socklen_t)n);
    close(s);
    return rc;
}

/* RFC 1071: the ones' complement of the ones' complement sum of 16-bit words. */
static uint16_t inet_csum(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return htons((uint16_t)~sum);
}

/* Sends PINGS echo requests, one at a time, each waiting up to a second for its reply;
 * returns how many were answered. */
static int ping_peer(void)
{
    int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (s < 0) {
        say("ping: socket: %s", strerror(errno));
        return 0;
    }
    struct sockaddr_in to = { .sin_family = AF_INET };
    inet_pton(AF_INET, PEER, &to.sin_addr);
    int answered = 0;
    for (int seq = 1; seq <= PINGS; seq++) {
        uint8_t req[64] = { 0 };
        struct icmphdr *h = (struct icmphdr *)req;
        h->type = ICMP_ECHO;
        h->un.echo.id = htons(ECHO_ID);
        h->un.echo.sequence = htons((uint16_t)seq);
        for (size_t i = sizeof *h; i < sizeof req; i++)
            req[i] = (uint8_t)i;
        h->checksum = inet_csum(req, sizeof req);
        uint64_t t0 = now_us();
        if (sendto(s, req, sizeof req, 0, (struct sockaddr *)&to, sizeof to) < 0) {
            say("ping %s: sendto: %s", PEER, strerror(errno));
            continue;
        }
        /* A raw socket sees every ICMP packet: skip what is not our reply. */
        int got = 0;
        for (;;) {
            int left = 1000 - (int)((now_us() - t0) / 1000);
            struct pollfd pfd = { .fd = s, .events = POLLIN };
            if (left <= 0 || poll(&pfd, 1, left) <= 0)
                break;
            uint8_t buf[1500];
            ssize_t n = recv(s, buf, sizeof buf, 0);
            if (n < (ssize_t)sizeof(struct iphdr))
                continue;
            const struct iphdr *ip = (const struct iphdr *)buf;
            size_t hl = (size_t)ip->ihl * 4;
            if ((size_t)n < hl + sizeof(struct icmphdr))
                continue;
            const struct icmphdr *r = (const struct icmphdr *)(buf + hl);
            if (r->type != ICMP_ECHOREPLY || ntohs(r->un.echo.id) != ECHO_ID ||
                ntohs(r->un.echo.sequence) != seq)
                continue;
            uint64_t us = now_us() - t0;
            say("ping %s: seq=%d reply from %s, %zd bytes, ttl=%u, time=%llu.%03llu ms", PEER, seq,
                inet_ntoa(*(struct in_addr *)&ip->saddr), n - (ssize_t)hl, ip->ttl,
                (unsigned long long)(us / 1000), (unsigned long long)(us % 1000));
            got = 1;
            break;
        }
        if (!got)
            say("ping %s: seq=%d no reply", PEER, seq);
        answered += got;
    }
    close(s);
    return answered;
}

/* The virtio feature bits the driver accepted, as /sys/bus/virtio/devices/N/features
 * gives them (one '0' or '1' per bit, bit 0 first), by the uapi headers' names. */
static void print_features(const char *bits)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        { VIRTIO_NET_F_CSUM, "CSUM" }, { VIRTIO_NET_F_GUEST_CSUM, "GUEST_CSUM" },
        { VIRTIO_NET_F_CTRL_GUEST_OFFLOADS, "CTRL_GUEST_OFFLOADS" }, { VIRTIO_NET_F_MTU, "MTU" },
        { VIRTIO_NET_F_MAC, "MAC" }, { VIRTIO_NET_F_GUEST_TSO4, "GUEST_TSO4" },
        { VIRTIO_NET_F_GUEST_TSO6, "GUEST_TSO6" }, { VIRTIO_NET_F_GUEST_ECN, "GUEST_ECN" },
        { VIRTIO_NET_F_GUEST_UFO, "GUEST_UFO" }, { VIRTIO_NET_F_HOST_TSO4, "HOST_TSO4" },
        { VIRTIO_NET_F_HOST_TSO6, "HOST_TSO6" }, { VIRTIO_NET_F_HOST_ECN, "HOST_ECN" },
        { VIRTIO_NET_F_HOST_UFO, "HOST_UFO" }, { VIRTIO_NET_F_MRG_RXBUF, "MRG_RXBUF" },
        { VIRTIO_NET_F_STATUS, "STATUS" }, { VIRTIO_NET_F_CTRL_VQ, "CTRL_VQ" },
        { VIRTIO_NET_F_CTRL_RX, "CTRL_RX" }, { VIRTIO_NET_F_CTRL_VLAN, "CTRL_VLAN" },
        { VIRTIO_NET_F_GUEST_ANNOUNCE, "GUEST_ANNOUNCE" }, { VIRTIO_NET_F_MQ, "MQ" },
        { VIRTIO_NET_F_CTRL_MAC_ADDR, "CTRL_MAC_ADDR" }, { VIRTIO_F_NOTIFY_ON_EMPTY, "NOTIFY_ON_EMPTY" },
        { VIRTIO_F_ANY_LAYOUT, "ANY_LAYOUT" }, { 28, "RING_INDIRECT_DESC" }, { 29, "RING_EVENT_IDX" },
        { VIRTIO_F_VERSION_1, "VERSION_1" }, { VIRTIO_F_ACCESS_PLATFORM, "ACCESS_PLATFORM" },
        { VIRTIO_F_RING_PACKED, "RING_PACKED" },
    };
    char line[1024];
    size_t len = 0;
    for (size_t i = 0; bits[i] == '0' || bits[i] == '1'; i++) {
        if (bits[i] != '1')
            continue;
        const char *name = NULL;
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if (names[k].bit == i)
                name = names[k].name;
        int w = name ? snprintf(line + len, sizeof line - len, " %s", name)
                     : snprintf(line + len, sizeof line - len, " bit%zu", i);
        if (w < 0 || (size_t)w >= sizeof line - len)
            break;
        len += (size_t)w;
    }
    line[len] = 0;
    say("virtio features:%s", len ? line : " none");
}

static void print_sysfs(void)
{
    char a[256], b[256], c[256], d[256], path[256];
    const char *n = "/sys/class/net/eth0";
    snprintf(path, sizeof path, "%s/address", n);
    sysfs(path, a, sizeof a);
    snprintf(path, sizeof path, "%s/mtu", n);
    sysfs(path, b, sizeof b);
    snprintf(path, sizeof path, "%s/operstate", n);
    sysfs(path, c, sizeof c);
    snprintf(path, sizeof path, "%s/carrier", n);
    sysfs(path, d, sizeof d);
    /* operstate follows the carrier through linkwatch's work, up to a second late. */
    say("eth0: address %s, mtu %s, carrier %s, operstate %s", a, b, d, c);
    ssize_t l = readlink("/sys/class/net/eth0/device/driver", a, sizeof a - 1);
    a[l > 0 ? l : 0] = 0;
    ssize_t m = readlink("/sys/class/net/eth0/device", b, sizeof b - 1);
    b[m > 0 ? m : 0] = 0;
    say("eth0: device %s, driver %s", m > 0 ? strrchr(b, '/') + 1 : "?", l > 0 ? strrchr(a, '/') + 1 : "?");
    unsigned rx = 0, tx = 0;
    for (unsigned q = 0; q < 256; q++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/queues/rx-%u", n, q);
        rx += stat(path, &st) == 0;
        snprintf(path, sizeof path, "%s/queues/tx-%u", n, q);
        tx += stat(path, &st) == 0;
    }
    snprintf(path, sizeof path, "%s/tx_queue_len", n);
    say("eth0: queues rx %u, tx %u, tx_queue_len %s", rx, tx, sysfs(path, a, sizeof a));
    snprintf(path, sizeof path, "%s/device/features", n);
    print_features(sysfs(path, a, sizeof a));
    char s[4][32];
    const char *stat_names[4] = { "rx_packets", "tx_packets", "rx_bytes", "tx_bytes" };
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/statistics/%s", n, stat_names[i]);
        sysfs(path, s[i], sizeof s[i]);
    }
    say("eth0: rx %s packets (%s bytes), tx %s packets (%s bytes)", s[0], s[2], s[1], s[3]);
}

int main(void)
{
    /* Where the kernel's facts are: nothing is mounted for PID 1 of an initramfs. */
    mkdir("/proc", 0555);
    mkdir("/sys", 0555);
    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    say("ringside's Linux userland: one program, PID %d", (int)getpid());
    char addr[64] = "", mask[64] = "";
    int ok = 1;
    if (eth0_address(addr, mask, sizeof addr) != 0) {
        say("eth0 has no IPv4 address (boot with ip=dhcp): %s", strerror(errno));
        ok = 0;
    } else {
        say("eth0: %s netmask %s (the kernel's DHCP lease)", addr, mask);
        int answered = ping_peer();
        say("ping %s: %d of %d answered", PEER, answered, PINGS);
        ok = answered == PINGS;
    }
    print_sysfs();
    say("%s: %s", ok ? "all good" : "FAILED", ok ? "powering off" : "resetting (ringside exits 126)");
    sync();
    reboot(ok ? LINUX_REBOOT_CMD_POWER_OFF : LINUX_REBOOT_CMD_RESTART);
    say("reboot: %s", strerror(errno));
    for (;;)
        pause();
}
