/* The --net-features switch list for the virtio-net device: feature names (virtio 1.2
 * §5.1.3 and §6 without their VIRTIO_NET_F_ / VIRTIO_F_ prefix, lower case, with
 * RING_ dropped from the ring features) turned into bits of the offered feature set. */
#include "virtio/virtio_net.h"

static const struct {
    const char *name;
    unsigned bit;
} names[] = {
    { "csum", VIRTIO_NET_F_CSUM },
    { "guest_csum", VIRTIO_NET_F_GUEST_CSUM },
    { "ctrl_guest_offloads", VIRTIO_NET_F_CTRL_GUEST_OFFLOADS },
    { "mtu", VIRTIO_NET_F_MTU },
    { "mac", VIRTIO_NET_F_MAC },
    { "mrg_rxbuf", VIRTIO_NET_F_MRG_RXBUF },
    { "status", VIRTIO_NET_F_STATUS },
    { "ctrl_vq", VIRTIO_NET_F_CTRL_VQ },
    { "ctrl_rx", VIRTIO_NET_F_CTRL_RX },
    { "ctrl_vlan", VIRTIO_NET_F_CTRL_VLAN },
    { "ctrl_rx_extra", VIRTIO_NET_F_CTRL_RX_EXTRA },
    { "guest_announce", VIRTIO_NET_F_GUEST_ANNOUNCE },
    { "mq", VIRTIO_NET_F_MQ },
    { "ctrl_mac_addr", VIRTIO_NET_F_CTRL_MAC_ADDR },
    { "indirect_desc", VIRTIO_F_RING_INDIRECT_DESC },
    { "event_idx", VIRTIO_F_RING_EVENT_IDX },
    { "version_1", VIRTIO_F_VERSION_1 },
};

const char *virtio_net_feature_name(unsigned bit)
{
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (names[i].bit == bit)
            return names[i].name;
    return NULL;
}

static int unknown(const char *item, size_t len, Err *err)
{
    char valid[200];
    size_t at = 0;
    valid[0] = 0;
    for (size_t i = 0; i < ARRAY_SIZE(names) && at < sizeof valid; i++)
        at += (size_t)snprintf(valid + at, sizeof valid - at, "%s%s", i ? " " : "", names[i].name);
    return err_set(err, "--net-features: unknown feature '%.*s' (valid: %s)", (int)len, item, valid);
}

int virtio_net_parse_features(const char *spec, uint64_t *features, Err *err)
{
    uint64_t f = *features;
    const char *p = spec ? spec : "";
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *name = p;
        size_t nlen = len;
        bool on = true;
        if (nlen && (*name == '+' || *name == '-')) {
            on = *name == '+';
            name++;
            nlen--;
        }
        if (nlen == 0)
            return err_set(err, "--net-features: empty item in '%s'", spec);
        size_t i = 0;
        while (i < ARRAY_SIZE(names) && !(strlen(names[i].name) == nlen && !memcmp(names[i].name, name, nlen)))
            i++;
        if (i == ARRAY_SIZE(names))
            return unknown(name, nlen, err);
        if (on)
            f |= 1ull << names[i].bit;
        else
            f &= ~(1ull << names[i].bit);
        p += len;
        if (*p == ',')
            p++;
    }
    *features = f;
    return 0;
}
