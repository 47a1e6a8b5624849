"""One-line summaries of the Ethernet frames a trace carries, in the words tshark's Info
column uses: ARP (RFC 826), IPv4 (RFC 791) with ICMP (RFC 792), UDP (RFC 768), DHCP
(RFC 2131/2132) and TFTP (RFC 1350). The frames are untrusted bytes: every read is
bounds-checked, and a frame cut short says so instead of failing. Standard library only.
"""

__all__ = ["summary", "mac", "ipv4"]

ETH_IPV4, ETH_ARP, ETH_IPV6, ETH_VLAN = 0x0800, 0x0806, 0x86dd, 0x8100
IP_ICMP, IP_TCP, IP_UDP = 1, 6, 17
PORT_DHCP_SERVER, PORT_DHCP_CLIENT, PORT_TFTP = 67, 68, 69

ICMP_TYPES = {0: "Echo (ping) reply", 3: "Destination unreachable", 5: "Redirect",
              8: "Echo (ping) request", 11: "Time-to-live exceeded"}
DHCP_TYPES = {1: "Discover", 2: "Offer", 3: "Request", 4: "Decline", 5: "ACK", 6: "NAK",
              7: "Release", 8: "Inform"}
TFTP_OPS = {1: "Read Request", 2: "Write Request", 3: "Data Packet", 4: "Acknowledgement",
            5: "Error Code", 6: "Option Acknowledgement"}


def mac(b):
    return ":".join("%02x" % c for c in b)


def ipv4(b):
    return ".".join("%d" % c for c in b)


def _u16(b, at):
    return int.from_bytes(b[at:at + 2], "big")


def _cstr(b, at, limit=64):
    """A NUL-terminated name at b[at:], printable ASCII only, cut at limit with a mark."""
    end = b.find(b"\0", at)
    raw = b[at:end if end >= 0 else len(b)]
    text = "".join(chr(c) if 0x20 <= c < 0x7f else "\\x%02x" % c for c in raw[:limit])
    return text + ("..." if len(raw) > limit else "")


def _dhcp(p):
    if len(p) < 240 or p[236:240] != b"\x63\x82\x53\x63":
        return "DHCP (malformed)"
    xid = int.from_bytes(p[4:8], "big")
    kind = "BOOTP"
    k = 240
    while k < len(p) and p[k] != 255:
        if p[k] == 0:
            k += 1
            continue
        if k + 1 >= len(p):
            break
        n = p[k + 1]
        if p[k] == 53 and n >= 1 and k + 2 < len(p):
            kind = DHCP_TYPES.get(p[k + 2], "type %d" % p[k + 2])
        k += 2 + n
    return "DHCP %s - Transaction ID 0x%08x" % (kind, xid)


def _tftp(p):
    if len(p) < 2:
        return "TFTP (malformed)"
    op = _u16(p, 0)
    name = TFTP_OPS.get(op, "opcode %d" % op)
    if op in (1, 2):
        return "TFTP %s, File: %s" % (name, _cstr(p, 2))
    if op in (3, 4) and len(p) >= 4:
        return "TFTP %s, Block: %d%s" % (name, _u16(p, 2), " (%d bytes)" % (len(p) - 4) if op == 3 else "")
    if op == 5 and len(p) >= 4:
        return "TFTP %s, Code: %d, Message: %s" % (name, _u16(p, 2), _cstr(p, 4))
    return "TFTP %s" % name


def _udp(src, dst, p):
    if len(p) < 8:
        return "%s > %s UDP (truncated)" % (src, dst)
    sp, dp = _u16(p, 0), _u16(p, 2)
    data = p[8:]
    if {sp, dp} & {PORT_DHCP_SERVER, PORT_DHCP_CLIENT}:
        info = _dhcp(data)
    elif PORT_TFTP in (sp, dp) or (sp > 1023 and dp > 1023 and data[:2] in
                                   (b"\0\3", b"\0\4", b"\0\5")):
        # TFTP moves to ephemeral ports after the request (RFC 1350 §4): a data,
        # ack or error opcode between two such ports is taken as TFTP.
        info = _tftp(data)
    else:
        info = "UDP len=%d" % len(data)
    return "%s:%d > %s:%d %s" % (src, sp, dst, dp, info)


def _ip4(p):
    if len(p) < 20 or p[0] >> 4 != 4 or (p[0] & 15) < 5:
        return "IPv4 (malformed)"
    ihl = (p[0] & 15) * 4
    src, dst, proto = ipv4(p[12:16]), ipv4(p[16:20]), p[9]
    total = _u16(p, 2)
    body = p[ihl:max(ihl, min(len(p), total))]
    if _u16(p, 6) & 0x1fff:
        return "%s > %s IPv4 fragment" % (src, dst)
    if proto == IP_ICMP:
        if len(body) < 4:
            return "%s > %s ICMP (truncated)" % (src, dst)
        t = body[0]
        info = ICMP_TYPES.get(t, "type %d code %d" % (t, body[1]))
        if t in (0, 8) and len(body) >= 8:
            info += " id=0x%04x, seq=%d" % (_u16(body, 4), _u16(body, 6))
        return "%s > %s ICMP %s" % (src, dst, info)
    if proto == IP_UDP:
        return _udp(src, dst, body)
    if proto == IP_TCP:
        return "%s > %s TCP" % (src, dst)
    return "%s > %s IPv4 protocol %d" % (src, dst, proto)


def _arp(p):
    if len(p) < 28:
        return "ARP (truncated)"
    op = _u16(p, 6)
    sha, spa, tpa = p[8:14], ipv4(p[14:18]), ipv4(p[24:28])
    if op == 1:
        return "ARP Who has %s? Tell %s" % (tpa, spa)
    if op == 2:
        return "ARP %s is at %s" % (spa, mac(sha))
    return "ARP opcode %d" % op


def summary(frame):
    """tshark-like text for an Ethernet frame (bytes)."""
    b = bytes(frame)
    if len(b) < 14:
        return "Ethernet (%d bytes, truncated)" % len(b)
    t, p = _u16(b, 12), b[14:]
    vlan = ""
    if t == ETH_VLAN and len(p) >= 4:
        vlan = "VLAN %d " % (_u16(p, 0) & 0xfff)
        t, p = _u16(p, 2), p[4:]
    if t == ETH_ARP:
        info = _arp(p)
    elif t == ETH_IPV4:
        info = _ip4(p)
    elif t == ETH_IPV6:
        info = "IPv6"
    else:
        info = "%s > %s ethertype 0x%04x" % (mac(b[6:12]), mac(b[0:6]), t)
    return vlan + info
