/* The peer's UDP echo service (RFC 862) on the gateway's port 7: every datagram
 * comes back to its sender, ports swapped, payload unchanged. */
#include "peer_priv.h"

int peer_udp_echo_input(NetPeer *p, const UdpIn *u, PeerAction *act)
{
    memcpy(p->tx + PEER_UDP_PAYLOAD, u->data, u->len);
    peer_emit_udp(p, u->src_mac, u->ip->src, PORT_ECHO, u->sport, u->len);
    char ip[16];
    peer_act(act, PEER_ACT_UDP_ECHO, "%zu bytes to %s:%u", u->len, ipv4_str(u->ip->src, ip), u->sport);
    return 1;
}
