/* The virtio-net control virtqueue (virtio 1.2 §5.1.6.5): one command at a time,
 * {class, command} + data out, one ack byte in, waited for with a bound in virtual
 * time; the netdev operations that need the device's cooperation are built on it. */
#include "libc.h"
#include "platform.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_net_priv.h"

static const char *ctrl_name(uint8_t cls, uint8_t cmd)
{
    static const char *const rx[] = { "RX PROMISC", "RX ALLMULTI", "RX ALLUNI", "RX NOMULTI",
                                      "RX NOUNI", "RX NOBCAST" };
    switch (cls) {
    case VIRTIO_NET_CTRL_RX: return cmd < 6 ? rx[cmd] : "RX ?";
    case VIRTIO_NET_CTRL_MAC: return cmd == 0 ? "MAC TABLE_SET" : cmd == 1 ? "MAC ADDR_SET" : "MAC ?";
    case VIRTIO_NET_CTRL_VLAN: return cmd == 0 ? "VLAN ADD" : cmd == 1 ? "VLAN DEL" : "VLAN ?";
    case VIRTIO_NET_CTRL_ANNOUNCE: return "ANNOUNCE ACK";
    case VIRTIO_NET_CTRL_MQ: return "MQ VQ_PAIRS_SET";
    default: return "?";
    }
}

/* Sends one command and waits (polling, bounded in virtual time) for the ack.
 * 0 on VIRTIO_NET_OK, -1 otherwise. A command that times out leaves its buffer with
 * the device, so the control queue is not used again. */
int vnet_send_command(struct vnet *vi, uint8_t cls, uint8_t cmd, const void *data,
                             unsigned len)
{
    struct virtio_device *vdev = vi->vdev;
    const char *what = ctrl_name(cls, cmd);
    if (!vi->cvq || vi->ctrl_broken || vdev->broken || len > CTRL_DATA_MAX)
        return -1;
    vi->ctrl_hdr[0] = cls;
    vi->ctrl_hdr[1] = cmd;
    if (len)
        memcpy(vi->ctrl_data, data, len);
    *(volatile uint8_t *)vi->ctrl_ack = 0xff;  /* neither OK nor ERR until written */
    struct vq_sg out[2] = { { vi->ctrl_hdr, 2 }, { vi->ctrl_data, len } };
    struct vq_sg in[1] = { { vi->ctrl_ack, 1 } };
    if (virtqueue_add_sgs(vi->cvq, out, len ? 2 : 1, in, 1, vi) != 0) {
        printf("virtio-net: ctrl %s: control queue full\n", what);
        return -1;
    }
    virtqueue_kick(vi->cvq);
    uint64_t deadline = rdtime() + timebase_hz() * CTRL_TIMEOUT_MS / 1000;
    uint32_t written = 0;
    void *tok;
    while ((tok = virtqueue_get_buf(vi->cvq, &written)) == NULL) {
        if (vi->cvq->broken || virtio_check_needs_reset(vdev)) {
            vi->ctrl_broken = true;
            return -1;
        }
        if (rdtime() > deadline) {
            printf("virtio-net: ctrl %s: no answer within %u ms; control queue abandoned\n",
                   what, CTRL_TIMEOUT_MS);
            vi->ctrl_broken = true;
            return -1;
        }
    }
    uint8_t ack = *(volatile uint8_t *)vi->ctrl_ack;
    if (written < 1) {
        printf("virtio-net: ctrl %s: device wrote no ack\n", what);
        return -1;
    }
    printf("virtio-net: ctrl %s: %s\n", what,
           ack == VIRTIO_NET_OK ? "OK" : ack == VIRTIO_NET_ERR ? "ERR" : "bad ack");
    return ack == VIRTIO_NET_OK ? 0 : -1;
}

int vnet_set_mac(struct netdev *nd, const uint8_t mac[6])
{
    struct vnet *vi = vnet_of(nd);
    struct virtio_device *vdev = vi->vdev;
    if (virtio_has_feature(vdev, VIRTIO_NET_F_CTRL_MAC_ADDR)) {
        if (vnet_send_command(vi, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, mac, 6) != 0)
            return -1;
    } else if (vdev->legacy && !virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) {
        /* Legacy devices take the address through the (then writable) config. */
        for (unsigned i = 0; i < 6; i++)
            vdev->config->set_config(vdev, CFG_MAC + i, &mac[i], 1);
        printf("virtio-net: mac written to legacy config space\n");
    } else {
        return -1;
    }
    memcpy(nd->mac, mac, 6);
    return 0;
}

int vnet_set_rx_mode(struct netdev *nd, unsigned cmd, bool on)
{
    struct vnet *vi = vnet_of(nd);
    if (!virtio_has_feature(vi->vdev, VIRTIO_NET_F_CTRL_RX) || cmd > VIRTIO_NET_CTRL_RX_NOBCAST)
        return -1;
    /* NOMULTI, NOUNI and NOBCAST exist only with CTRL_RX_EXTRA (§5.1.6.5.1). */
    if (cmd >= VIRTIO_NET_CTRL_RX_NOMULTI
        && !virtio_has_feature(vi->vdev, VIRTIO_NET_F_CTRL_RX_EXTRA))
        return -1;
    uint8_t v = on ? 1 : 0;
    return vnet_send_command(vi, VIRTIO_NET_CTRL_RX, (uint8_t)cmd, &v, 1);
}

int vnet_set_mac_table(struct netdev *nd, const uint8_t (*uni)[6], unsigned n_uni,
                              const uint8_t (*multi)[6], unsigned n_multi)
{
    struct vnet *vi = vnet_of(nd);
    if (!virtio_has_feature(vi->vdev, VIRTIO_NET_F_CTRL_RX))
        return -1;
    /* Two struct virtio_net_ctrl_mac back to back: le32 entries, then the MACs. */
    unsigned len = 4 + 6 * n_uni + 4 + 6 * n_multi;
    if (len > CTRL_DATA_MAX)
        return -1;
    uint8_t buf[CTRL_DATA_MAX];
    uint8_t *p = buf;
    uint32_t n = n_uni;
    memcpy(p, &n, 4);
    p += 4;
    for (unsigned i = 0; i < n_uni; i++, p += 6)
        memcpy(p, uni[i], 6);
    n = n_multi;
    memcpy(p, &n, 4);
    p += 4;
    for (unsigned i = 0; i < n_multi; i++, p += 6)
        memcpy(p, multi[i], 6);
    return vnet_send_command(vi, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, buf, len);
}

int vnet_vlan(struct netdev *nd, bool add, uint16_t vid)
{
    struct vnet *vi = vnet_of(nd);
    if (!virtio_has_feature(vi->vdev, VIRTIO_NET_F_CTRL_VLAN) || vid > 4095)
        return -1;
    uint8_t v[2];
    put16(v, vid);
    return vnet_send_command(vi, VIRTIO_NET_CTRL_VLAN,
                             add ? VIRTIO_NET_CTRL_VLAN_ADD : VIRTIO_NET_CTRL_VLAN_DEL, v, 2);
}

int vnet_set_queue_pairs(struct netdev *nd, unsigned n)
{
    struct vnet *vi = vnet_of(nd);
    if (n < 1 || n > vi->max_pairs)
        return -1;
    if (!virtio_has_feature(vi->vdev, VIRTIO_NET_F_MQ))
        return n == 1 ? 0 : -1;
    uint8_t v[2];
    put16(v, (uint16_t)n);
    if (vnet_send_command(vi, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, v, 2) != 0)
        return -1;
    vi->curr_pairs = n;
    nd->queue_pairs = n;
    /* The pairs now in use need receive buffers (Linux: the refill work). */
    for (unsigned q = 0; vi->opened && q < n; q++)
        if (vnet_fill_rx_queue(vi, q) != 0)
            return -1;
    return 0;
}

int vnet_announce_ack(struct netdev *nd)
{
    struct vnet *vi = vnet_of(nd);
    if (!virtio_has_feature(vi->vdev, VIRTIO_NET_F_GUEST_ANNOUNCE))
        return -1;
    return vnet_send_command(vi, VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0);
}
