/* What the network scenarios (scenarios/net_*.c) share: bringing the interface up
 * (probe, stack, DHCP, gateway ARP) and their exit codes, one per failure, so that a
 * failing run says why through the test device alone. */
#ifndef GUESTFW_NET_NETSCEN_H
#define GUESTFW_NET_NETSCEN_H

#include "net/net.h"

enum net_exit {
    NX_OK = 0,
    /* bring-up (3..9; 2 is main's "unknown scenario") */
    NX_NO_NETDEV = 3, NX_INIT = 4, NX_DHCP_TIMEOUT = 5, NX_DHCP_NAK = 6, NX_ARP_GW = 7, NX_DEVICE_FAILED = 8,
    /* ping */
    NX_PING_LOST = 10, NX_PING_CORRUPT = 11, NX_PING_SEND = 12, NX_PING_NONE = 13,
    /* udp */
    NX_UDP_BIND = 20, NX_UDP_SEND = 21, NX_UDP_LOST = 22, NX_UDP_CORRUPT = 23,
    NX_UDP_ORDER = 24, NX_UDP_LENGTH = 25,
    /* ctrl */
    NX_CTRL_MAC_CMD = 30, NX_CTRL_MAC_PING = 31, NX_CTRL_PROMISC_CMD = 32,
    NX_CTRL_PROMISC_RX = 33, NX_CTRL_PROMISC_PING = 34, NX_CTRL_VLAN_CMD = 35,
    NX_CTRL_VLAN_PING = 36, NX_CTRL_MAC_RESTORE = 37, NX_CTRL_MAC_OLD = 38,
    /* mq */
    NX_MQ_SET = 40, NX_MQ_PING = 41, NX_MQ_UDP = 42, NX_MQ_RESTORE = 43,
    /* net-selftest: 50 + the number of the failed check (51..69) */
    NX_SELFTEST = 50,
    /* tftp */
    NX_TFTP_NO_FILE = 70, NX_TFTP_TIMEOUT = 71, NX_TFTP_ERROR = 72, NX_TFTP_PROTO = 73,
    /* arp */
    NX_ARP_DNS = 80, NX_ARP_ABSENT = 81,
};

#define NET_GW_TIMEOUT_US   1000000u
#define NET_DHCP_TIMEOUT_US 15000000u

/* Finds the first netdev (registering the PCI and virtio drivers and enumerating PCI
 * if needed), binds the stack, runs DHCP, prints the lease and ARPs the gateway.
 * Returns NX_OK or a bring-up exit code; only the first call does the work. */
int netscen_up(void);

struct ping_result {
    unsigned sent, received, corrupt, send_err;
    uint64_t rtt_min, rtt_max, rtt_sum;        /* rdtime ticks over received */
};

/* Sends count echo requests (icmp_seq first_seq..) of payload bytes to ip on the
 * current tx queue, one at a time, waiting up to timeout_us for each reply. Unless
 * quiet, prints Linux ping's lines: a header, one line per reply or loss, and the
 * statistics summary. */
void netscen_ping(uint32_t ip, unsigned count, unsigned first_seq, size_t payload,
                  uint32_t timeout_us, bool quiet, struct ping_result *r);

/* Whether the interface negotiated virtio-net feature bit (virtio/virtio_net.h):
 * 1 yes, 0 no, -1 unknown (not a virtio-net interface, or no driver linked). */
int netscen_has_feature(unsigned bit);

/* Prints the interface's counters (as `ip -s link`), the stack's, and the virtio-net
 * driver's when it is one. */
void netscen_print_stats(void);

/* Formats ticks as microseconds "N.N" (one decimal) into buf (at least 24 bytes); returns buf. */
char *netscen_us(uint64_t ticks, char *buf);

#endif
