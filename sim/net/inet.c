/* Internet checksum (RFC 1071) and IPv4 header parsing/building (RFC 791), UDP
 * checksum with the pseudo-header (RFC 768). Shared by the built-in peer and by the
 * virtio-net device's checksum offload. */
#include "inet.h"

uint32_t inet_sum(uint32_t acc, const uint8_t *p, size_t len)
{
    /* 64-bit accumulator: no carry can be lost before the final fold, whatever len. */
    uint64_t sum = acc;
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        sum += ld16_be(p + i);
    if (i < len)
        sum += (uint32_t)p[i] << 8;
    while (sum >> 32)
        sum = (sum & 0xffffffffu) + (sum >> 32);
    return (uint32_t)sum;
}

uint16_t inet_fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

uint32_t inet_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
    uint8_t ph[12];
    st32_be(ph, src);
    st32_be(ph + 4, dst);
    ph[8] = 0;
    ph[9] = proto;
    st16_be(ph + 10, len);
    return inet_sum(0, ph, sizeof ph);
}

Ipv4Error ipv4_parse(const uint8_t *p, size_t len, Ipv4View *v)
{
    if (len < IPV4_HLEN)
        return IPV4_TRUNCATED;
    if (p[IP_VHL] >> 4 != 4)
        return IPV4_BAD_VERSION;
    size_t hlen = (size_t)(p[IP_VHL] & 0xf) * 4;
    size_t tot = ld16_be(p + IP_TOTLEN);
    if (hlen < IPV4_HLEN || hlen > tot)
        return IPV4_BAD_HLEN;
    if (tot > len)
        return IPV4_TRUNCATED;
    if (inet_csum(p, hlen) != 0)
        return IPV4_BAD_CSUM;
    uint16_t frag = ld16_be(p + IP_FRAG);
    if (frag & (IP_FRAG_MF | IP_FRAG_OFFSET))
        return IPV4_FRAGMENT;
    v->hdr = p;
    v->hlen = hlen;
    v->payload = p + hlen;
    v->plen = tot - hlen;
    v->src = ld32_be(p + IP_SRC);
    v->dst = ld32_be(p + IP_DST);
    v->proto = p[IP_PROTO];
    return IPV4_OK;
}

void ipv4_build(uint8_t *hdr, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
                uint16_t payload_len)
{
    hdr[IP_VHL] = 0x45;
    hdr[IP_TOS] = 0;
    st16_be(hdr + IP_TOTLEN, (uint16_t)(IPV4_HLEN + payload_len));
    st16_be(hdr + IP_ID, id);
    st16_be(hdr + IP_FRAG, 0);
    hdr[IP_TTL] = 64;
    hdr[IP_PROTO] = proto;
    st16_be(hdr + IP_CSUM, 0);
    st32_be(hdr + IP_SRC, src);
    st32_be(hdr + IP_DST, dst);
    st16_be(hdr + IP_CSUM, inet_csum(hdr, IPV4_HLEN));
}

uint16_t udp_csum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t len)
{
    uint16_t c = inet_fold(inet_sum(inet_pseudo_sum(src, dst, IPPROTO_UDP_, (uint16_t)len), udp, len));
    return c ? c : 0xffff;
}

bool udp_csum_ok(uint32_t src, uint32_t dst, const uint8_t *udp, size_t len)
{
    if (ld16_be(udp + UDP_CSUM) == 0)
        return true;
    return inet_fold(inet_sum(inet_pseudo_sum(src, dst, IPPROTO_UDP_, (uint16_t)len), udp, len)) == 0;
}

char *ipv4_str(uint32_t ip, char *buf)
{
    snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
    return buf;
}

char *mac_str(const uint8_t *mac, char *buf)
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    return buf;
}
