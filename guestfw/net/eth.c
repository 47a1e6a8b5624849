/* Ethernet II framing (IEEE 802.3 §3.2.6 type field) with IEEE 802.1Q tags: receive
 * filtering by destination, tag stripping and dispatch by ethertype; transmit with an
 * optional tag. The device strips no tags and adds no FCS (virtio 1.2 §5.1.6). */
#include "libc.h"
#include "net/net_priv.h"

static void count_tx(int rc)
{
    if (rc != 0) {
        net.st.tx_errors++;
        return;
    }
    net.st.tx_frames++;
    net.st.tx_per_qp[net.tx_qp < 8 ? net.tx_qp : 7]++;
}

int eth_output(struct net_pkt *pkt, const uint8_t dst[ETH_ALEN], uint16_t ethertype,
               size_t l3_len)
{
    bool partial = pkt->csum_partial;
    pkt->csum_partial = false;
    if (!net.nd || l3_len > ETH_MTU)
        return -1;
    uint8_t *e = pkt->buf + PKT_ETH;
    size_t len = ETH_HLEN + l3_len;
    if (net.vlan) {
        /* The frame starts 4 bytes earlier, in the headroom, so that the tag (TPID
         * 0x8100, PCP 0, DEI 0, VID) fits between the addresses and the type. */
        e = pkt->buf;
        len += VLAN_HLEN;
        put16(e + 12, ETHERTYPE_VLAN);
        put16(e + 14, net.vlan);
        put16(e + 16, ethertype);
    } else {
        put16(e + 12, ethertype);
    }
    memcpy(e, dst, ETH_ALEN);
    memcpy(e + 6, net.mac, ETH_ALEN);
    /* Ethernet's 60-byte minimum (without FCS): pad with zeros so short frames
     * (ARP: 42 bytes) are what a real NIC would put on the wire. */
    if (len < 60) {
        memset(e + len, 0, 60 - len);
        len = 60;
    }
    int rc;
    if (partial) {
        /* csum_start counts from the frame's first byte, so the tag moves it. The
         * padding is zeros: summing it changes nothing. */
        uint16_t start = (uint16_t)(pkt->buf + PKT_L4 - e);
        rc = net.nd->ops->xmit_csum(net.nd, net.tx_qp, e, len, start, pkt->csum_offset);
    } else {
        rc = net.nd->ops->xmit(net.nd, net.tx_qp, e, len);
    }
    rc = rc == 0 ? 0 : -1;
    count_tx(rc);
    return rc;
}

void eth_input(const uint8_t *frame, size_t len)
{
    net.st.rx_frames++;
    if (!frame || len < ETH_HLEN) {
        net.st.rx_runt++;
        return;
    }
    const uint8_t *dst = frame, *src = frame + 6;
    /* Ours, broadcast, or multicast (group bit); anything else only when promiscuous,
     * and then it is counted but not answered. */
    bool for_us = memcmp(dst, net.mac, ETH_ALEN) == 0 || (dst[0] & 1);
    if (!for_us) {
        net.st.rx_not_for_us++;
        if (!net.promisc)
            return;
    }
    uint16_t type = get16(frame + 12);
    size_t off = ETH_HLEN;
    if (type == ETHERTYPE_VLAN) {
        if (len < ETH_HLEN + VLAN_HLEN) {
            net.st.rx_runt++;
            return;
        }
        uint16_t vid = get16(frame + 14) & 0x0fff;
        /* VID 0 is a priority tag (802.1Q §9.6): untagged traffic as far as we care. */
        if (vid != 0 && vid != net.vlan) {
            net.st.rx_vlan_other++;
            return;
        }
        type = get16(frame + 16);
        off += VLAN_HLEN;
    } else if (net.vlan) {
        net.st.rx_vlan_other++;     /* untagged while we live on a VLAN */
        return;
    }
    /* Frames we merely overheard in promiscuous mode are not processed further, so
     * a reply meant for another host never reaches our protocols, except ARP, whose
     * counters (arp_watch) let the control scenario see that it arrived. */
    switch (type) {
    case ETHERTYPE_ARP:
        arp_input(src, frame + off, len - off);
        break;
    case ETHERTYPE_IPV4:
        if (for_us)
            ip_input(src, frame + off, len - off);
        break;
    default:
        net.st.rx_ethertype++;
        break;
    }
}
