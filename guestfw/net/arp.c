/* ARP for IPv4 over Ethernet (RFC 826): a small cache, answers to requests for our
 * address, resolution with retries bounded in time, and gratuitous announcements
 * (RFC 5227 §3). */
#include "libc.h"
#include "net/net_priv.h"

#define ARP_LEN       28
#define ARP_REQUEST   1
#define ARP_REPLY     2
#define ARP_ENTRIES   8
#define ARP_TRIES     3

struct arp_entry {
    uint32_t ip;               /* 0 = free */
    uint8_t mac[ETH_ALEN];
    uint32_t stamp;            /* insertion order: the oldest entry is replaced */
};

static struct arp_entry cache[ARP_ENTRIES];
static uint32_t next_stamp;
static uint8_t watch_mac[ETH_ALEN];
static bool watching;
static uint64_t watch_count;
/* ARP requests go out of their own buffer: ip_route runs while a caller may already
 * have built its datagram in net.tx. */
static struct net_pkt arp_pkt;

void arp_flush(void)
{
    memset(cache, 0, sizeof cache);
    next_stamp = 0;
}

bool arp_lookup(uint32_t ip, uint8_t mac[6])
{
    for (unsigned i = 0; i < ARP_ENTRIES; i++)
        if (ip != 0 && cache[i].ip == ip) {
            if (mac)
                memcpy(mac, cache[i].mac, ETH_ALEN);
            return true;
        }
    return false;
}

bool arp_cache_at(unsigned i, uint32_t *ip, uint8_t mac[6])
{
    if (i >= ARP_ENTRIES || cache[i].ip == 0)
        return false;
    *ip = cache[i].ip;
    memcpy(mac, cache[i].mac, ETH_ALEN);
    return true;
}

/* RFC 826's merge: update an existing entry; insert only when asked (we were the
 * target), replacing a free slot or else the oldest one. */
static void arp_update(uint32_t ip, const uint8_t mac[6], bool insert)
{
    struct arp_entry *victim = NULL;
    for (unsigned i = 0; i < ARP_ENTRIES; i++) {
        if (cache[i].ip == ip) {
            memcpy(cache[i].mac, mac, ETH_ALEN);
            return;
        }
        if (!victim || (victim->ip != 0 && (cache[i].ip == 0 || cache[i].stamp < victim->stamp)))
            victim = &cache[i];
    }
    if (!insert)
        return;
    victim->ip = ip;
    memcpy(victim->mac, mac, ETH_ALEN);
    victim->stamp = next_stamp++;
}

void arp_watch(const uint8_t mac[6])
{
    memcpy(watch_mac, mac, ETH_ALEN);
    watching = true;
    watch_count = 0;
}

uint64_t arp_watch_count(void) { return watch_count; }

static void arp_fill(uint8_t *a, uint16_t oper, const uint8_t sha[6], uint32_t spa,
                     const uint8_t tha[6], uint32_t tpa)
{
    put16(a + 0, 1);                    /* htype Ethernet */
    put16(a + 2, ETHERTYPE_IPV4);
    a[4] = ETH_ALEN;
    a[5] = 4;
    put16(a + 6, oper);
    memcpy(a + 8, sha, ETH_ALEN);
    put32(a + 14, spa);
    memcpy(a + 18, tha, ETH_ALEN);
    put32(a + 24, tpa);
}

void arp_input(const uint8_t *src_mac, const uint8_t *a, size_t len)
{
    net.st.rx_arp++;
    if (len < ARP_LEN || get16(a) != 1 || get16(a + 2) != ETHERTYPE_IPV4 || a[4] != ETH_ALEN ||
        a[5] != 4 || (a[8] & 1)) {
        net.st.rx_arp_bad++;
        return;
    }
    uint16_t oper = get16(a + 6);
    if (oper != ARP_REQUEST && oper != ARP_REPLY) {
        net.st.rx_arp_bad++;
        return;
    }
    const uint8_t *sha = a + 8, *tha = a + 18;
    uint32_t spa = get32(a + 14), tpa = get32(a + 24);
    if (oper == ARP_REPLY && watching && memcmp(tha, watch_mac, ETH_ALEN) == 0)
        watch_count++;
    uint32_t me = net.cfg.ip;
    bool target_me = me != 0 && tpa == me;
    bool reply_to_me = oper == ARP_REPLY && memcmp(tha, net.mac, ETH_ALEN) == 0;
    if (spa != 0 && spa != me)
        arp_update(spa, sha, target_me || reply_to_me);
    if (oper == ARP_REQUEST && target_me) {
        uint8_t *r = net.reply.buf + PKT_L3;
        arp_fill(r, ARP_REPLY, net.mac, me, sha, spa);
        eth_output(&net.reply, src_mac, ETHERTYPE_ARP, ARP_LEN);
    }
}

int arp_send_request_from(const uint8_t sha[6], uint32_t spa, uint32_t tip)
{
    static const uint8_t zero[ETH_ALEN];
    arp_fill(arp_pkt.buf + PKT_L3, ARP_REQUEST, sha, spa, zero, tip);
    /* The Ethernet source is sha too, so that whoever answers (to either address,
     * as implementations differ) answers towards sha. */
    uint8_t saved[ETH_ALEN];
    memcpy(saved, net.mac, ETH_ALEN);
    memcpy(net.mac, sha, ETH_ALEN);
    int rc = eth_output(&arp_pkt, eth_broadcast, ETHERTYPE_ARP, ARP_LEN);
    memcpy(net.mac, saved, ETH_ALEN);
    return rc;
}

static int arp_request(uint32_t tip)
{
    return arp_send_request_from(net.mac, net.cfg.ip, tip);
}

int arp_announce(void)
{
    if (net.cfg.ip == 0)
        return -1;
    return arp_request(net.cfg.ip);
}

static bool arp_known(void *ctx) { return arp_lookup(*(const uint32_t *)ctx, NULL); }

int arp_resolve(uint32_t ip, uint8_t mac[6], uint32_t timeout_us)
{
    if (ip == 0)
        return -1;
    for (unsigned i = 0; i < ARP_TRIES; i++) {
        if (arp_lookup(ip, mac))
            return 0;
        if (arp_request(ip) != 0)
            continue;
        net_wait(arp_known, &ip, timeout_us / ARP_TRIES);
    }
    return arp_lookup(ip, mac) ? 0 : -1;
}
