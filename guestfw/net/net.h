/* The firmware's tiny IPv4 stack over one struct netdev: Ethernet (with 802.1Q tags),
 * ARP (RFC 826), IPv4 without fragmentation (RFC 791), ICMP echo (RFC 792), UDP
 * (RFC 768) and a DHCP client (RFC 2131/2132). Single-threaded: everything happens in
 * net_poll(), called by the waits below; every wait is bounded by rdtime().
 * Addresses are host-order uint32_t (10.0.2.2 = 0x0a000202). */
#ifndef GUESTFW_NET_NET_H
#define GUESTFW_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netdev.h"

#define ETH_ALEN       6
#define ETH_HLEN       14
#define ETH_MTU        1500
#define IP_HLEN        20
#define UDP_HLEN       8
#define UDP_MAX_PAYLOAD (ETH_MTU - IP_HLEN - UDP_HLEN)   /* 1472 */
#define IPV4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))
#define IP_BROADCAST   0xffffffffu

/* Counters kept by the stack (the netdev keeps the device's own). */
struct net_stats {
    uint64_t rx_frames, rx_runt, rx_not_for_us, rx_vlan_other, rx_ethertype;
    uint64_t rx_arp, rx_arp_bad, rx_ip, rx_ip_bad, rx_ip_csum, rx_ip_frag, rx_ip_other_dst;
    uint64_t rx_icmp, rx_icmp_bad, rx_echo_req, rx_echo_reply;
    uint64_t rx_udp, rx_udp_bad, rx_udp_csum, rx_udp_no_port;
    uint64_t tx_frames, tx_errors, tx_no_route;
    uint64_t tx_per_qp[8];     /* frames sent on each queue pair (qp >= 8 in [7]) */
};

struct net_config {
    uint32_t ip, netmask, gateway, dns, server;  /* server: the DHCP server id */
    uint32_t lease_secs;
    uint32_t next_server;      /* BOOTP siaddr: the TFTP server */
    char bootfile[128];        /* option 67, else the BOOTP file field; "" if none */
};

/* Binds the stack to nd (its rx_fn/rx_ctx are taken over). Address 0.0.0.0 until
 * net_dhcp or net_set_config. Returns 0, or -1 when nd is NULL. */
int net_init(struct netdev *nd);
struct netdev *net_dev(void);
/* Polls the device once; returns the number of frames delivered. */
int net_poll(void);

/* True once the device has failed (DEVICE_NEEDS_RESET, a broken ring); prints that
 * once. net_wait returns false at once then, and retry loops stop retrying. */
bool net_device_failed(void);

/* Waits, polling (and sleeping in wfi when net_use_wfi allowed it), until done(ctx)
 * is true or timeout_us of rdtime time has passed; returns done's final value. */
bool net_wait(bool (*done)(void *ctx), void *ctx, uint32_t timeout_us);
/* Sleep between polls in wfi (bounded by the machine timer, woken early by device
 * interrupts) when interrupts are on; busy-poll otherwise. On by default. */
void net_use_wfi(bool on);
/* rdtime ticks <-> microseconds through timebase_hz(). */
uint64_t net_us_to_ticks(uint64_t us);
/* Ticks as tenths of a microsecond (for "12.3 us" printing). */
uint64_t net_ticks_to_tenth_us(uint64_t ticks);

void net_set_config(const struct net_config *cfg);
const struct net_config *net_config(void);
const struct net_stats *net_stats(void);
void net_reset_stats(void);
/* The MAC the stack sends from and accepts (after a set_mac, call this too). */
void net_set_mac(const uint8_t mac[6]);
const uint8_t *net_mac(void);
/* Transmit queue pair for frames the stack originates (replies go on the same). */
void net_set_tx_qp(unsigned qp);
/* 802.1Q VLAN id for transmitted frames and the only tagged id accepted on receive;
 * 0 = untagged (tagged frames are then dropped, counted in rx_vlan_other). */
void net_set_vlan(uint16_t vid);
/* Promiscuous stack: accept frames for other MACs too (counted in rx_not_for_us). */
void net_set_promisc(bool on);

/* Formats a host-order address into buf (at least 16 bytes); returns buf. */
char *ip_str(uint32_t ip, char *buf);
char *mac_str(const uint8_t mac[6], char *buf);   /* at least 18 bytes */
/* Parses a dotted quad ("10.0.2.15", nothing after it); 0, or -1 when malformed. */
int ip_parse(const char *s, uint32_t *ip);

/* ARP: the cache (8 entries) and resolution with retries. 0, or -1 on timeout. */
int arp_resolve(uint32_t ip, uint8_t mac[6], uint32_t timeout_us);
bool arp_lookup(uint32_t ip, uint8_t mac[6]);
void arp_flush(void);
/* Cache slot i (0..7, slot order): true and its entry when in use. */
bool arp_cache_at(unsigned i, uint32_t *ip, uint8_t mac[6]);
/* Gratuitous ARP request announcing our IP at our MAC (RFC 5227 §3). */
int arp_announce(void);
/* Sends a raw ARP request for tip from the given sender addresses (no cache update);
 * used to provoke a reply towards a chosen MAC. */
int arp_send_request_from(const uint8_t sha[6], uint32_t spa, uint32_t tip);
/* Counts ARP replies whose target hardware address is mac, whoever the frame was
 * for (arp_watch resets the count): shows whether the device delivered them. */
void arp_watch(const uint8_t mac[6]);
uint64_t arp_watch_count(void);

/* ICMP echo: sends one request (id fixed, seq, payload_len bytes of a pattern) and
 * waits for the matching reply; 0 and *rtt_ticks, -1 no route/ARP failure, -2 send
 * failure, -3 timeout, -4 reply with corrupted payload. */
int net_ping(uint32_t ip, uint16_t seq, size_t payload_len, uint32_t timeout_us,
             uint64_t *rtt_ticks);

/* UDP: a table of 8 bound local ports. The callback gets the datagram payload. */
typedef void udp_rx_fn(uint32_t src_ip, uint16_t src_port, uint16_t dst_port,
                       const uint8_t *data, size_t len, void *ctx);
int udp_bind(uint16_t port, udp_rx_fn *fn, void *ctx);   /* -1: in use or full */
void udp_unbind(uint16_t port);
/* Sends len (<= UDP_MAX_PAYLOAD) bytes; dst 255.255.255.255 goes to the Ethernet
 * broadcast, anything else is ARP-resolved (on-link or via the gateway).
 * 0, or -1 (no route / ARP timeout / too long / device refused). */
int udp_sendto(uint16_t src_port, uint32_t dst_ip, uint16_t dst_port,
               const void *data, size_t len, uint32_t arp_timeout_us);

/* DHCP client: DISCOVER, OFFER, REQUEST, ACK with retransmission, xid fixed.
 * On success configures the stack and returns 0; -1 timeout, -2 NAK loop. */
int net_dhcp(uint32_t timeout_us);

/* TFTP read (RFC 1350 with blksize/tsize): fn (may be NULL) gets each block's data
 * and its offset. 0 on success; -1 timeout (5 retransmissions without progress),
 * -2 the server sent an ERROR (r->error_code, r->error), -3 bad name or protocol
 * violation, -4 could not send. */
struct tftp_result {
    uint64_t bytes, tsize;             /* tsize: as the server announced, 0 if not */
    uint32_t blocks, retransmits;
    unsigned blksize;
    int error_code;
    char error[64];
};
typedef void tftp_data_fn(const uint8_t *data, size_t len, uint64_t offset, void *ctx);
int tftp_get(uint32_t server, const char *file, tftp_data_fn *fn, void *ctx,
             struct tftp_result *r);

#endif
