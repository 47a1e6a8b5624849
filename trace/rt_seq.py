"""`ringside-trace seq`: the virtio conversation of a trace as an SVG sequence diagram.

Lifelines: the driver (guest firmware), one per virtio device, and the network peer.
Arrows follow virtio 1.2 §3.1 (device initialisation: status, feature words, queue
setup), §2.7 (split virtqueues: notify, chain fetch, used push, interrupt) and §2.8
(packed virtqueues: the flag store that hands a descriptor over, the device's fetch and
used descriptor, event suppression), then the
frames the device exchanges with the peer. Dashed arrows travel through guest memory
(the rings), solid ones through registers or the wire. Standalone SVG 1.1, no script.
"""

from xml.sax.saxutils import escape

STATUS_BITS = ((1, "ACK"), (2, "DRIVER"), (8, "FEATURES_OK"), (4, "DRIVER_OK"),
               (64, "NEEDS_RESET"), (128, "FAILED"))

DRIVER, PEER = "driver", "peer"


def status_text(v):
    if v == 0:
        return "0 (reset)"
    names = [n for b, n in STATUS_BITS if v & b]
    return "0x%x (%s)" % (v, "|".join(names))


def arrow_of(ev):
    """(from, to, label, style) for an event the diagram shows, else None. Lifeline
    names: 'driver', 'peer', or the device name; from == to draws a note."""
    n, f = ev.name, ev.fields
    dev = f.get("dev") or "device"
    if n == "virtio_status":
        return DRIVER, dev, "status %s" % status_text(f["new"]), "reg"
    if n == "virtio_reset":
        return DRIVER, dev, "reset", "reg"
    if n == "virtio_features":
        who = "device" if f["side"] == "device" else "driver"
        label = "%s features[%d] = 0x%08x" % (who, f["word"], f["value"])
        return (dev, DRIVER, label, "reg") if who == "device" else (DRIVER, dev, label, "reg")
    if n == "virtio_feature_sel":
        return DRIVER, dev, "select %s feature word %d" % (f["side"], f["word"]), "reg"
    if n == "virtio_queue_setup":
        return DRIVER, dev, "queue %d: size %d desc 0x%x avail 0x%x used 0x%x" % (
            f["queue"], f["size"], f["desc"], f["avail"], f["used"]), "reg"
    if n == "virtio_queue_enable":
        return DRIVER, dev, "queue %d %s" % (f["queue"], "enable" if f["enable"] else "disable"), "reg"
    if n == "virtio_notify":
        return DRIVER, dev, "notify queue %d" % f["queue"], "reg"
    if n == "virtio_isr_read":
        return dev, DRIVER, "ISR read 0x%x" % f["value"], "reg"
    if n == "virtio_error":
        return dev, dev, "error: %s" % f["reason"], "error"
    if n == "avail_idx":
        return DRIVER, DRIVER, "publish avail.idx = %d (queue %d)" % (f["idx"], f["queue"]), "mem"
    if n == "chain_fetch":
        return DRIVER, dev, "fetch chain q%d head %d (%d desc)" % (f["queue"], f["head"], len(f["chain"])), "mem"
    if n == "packed_desc_avail":
        return DRIVER, DRIVER, "desc[%d] available: id %d, AVAIL=%d (queue %d)" % (
            f["index"], f["id"], f["wrap"], f["queue"]), "mem"
    if n == "packed_chain_fetch":
        return DRIVER, dev, "fetch chain q%d pos %d wrap %d id %d (%d desc)" % (
            f["queue"], f["pos"], f["wrap"], f["id"], len(f["chain"])), "mem"
    if n == "packed_used_flags":
        return dev, DRIVER, "desc[%d] used: flags 0x%x (queue %d)" % (f["pos"], f["flags"], f["queue"]), "mem"
    if n == "packed_wrap":
        return dev, dev, "q%d %s wrap counter -> %d" % (f["queue"], f["counter"], f["wrap"]), "note"
    if n == "used_idx":
        return dev, DRIVER, "used.idx = %d (queue %d)" % (f["idx"], f["queue"]), "mem"
    if n == "irq_raise":
        return dev, DRIVER, "interrupt q%d (%s)" % (f["queue"], f["reason"] or "-"), "irq"
    if n == "irq_suppress":
        return dev, dev, "interrupt q%d suppressed (%s)" % (f["queue"], f["reason"] or "-"), "note"
    if n == "frame_from_guest":
        return dev, PEER, "frame %d bytes%s" % (len(f["frame"]), _ethertype(f["frame"])), "wire"
    if n == "frame_to_guest":
        return PEER, dev, "frame %d bytes%s" % (len(f["frame"]), _ethertype(f["frame"])), "wire"
    if n == "peer_action":
        return PEER, PEER, f["text"], "note"
    return None


def _ethertype(b):
    if len(b) < 14:
        return ""
    t = int.from_bytes(b[12:14], "big")
    return {0x0800: " IPv4", 0x0806: " ARP", 0x86dd: " IPv6"}.get(t, " type 0x%04x" % t)


STYLE = """
text { font-family: monospace; font-size: 11px; }
.life { stroke: #999; stroke-dasharray: 4 3; }
.head { fill: #eef; stroke: #557; }
.time { fill: #777; }
.reg { stroke: #225; fill: none; }
.mem { stroke: #a60; fill: none; stroke-dasharray: 5 3; }
.irq { stroke: #c00; fill: none; }
.wire { stroke: #070; fill: none; }
.note, .error { stroke: #888; fill: #ffd; }
.error { fill: #fdd; }
"""


def svg(events, out, max_events=500, time_from=None, time_to=None):
    """Writes the diagram of the events that have an arrow (within the time bounds, at
    most max_events of them) to the text stream out; returns how many it drew."""
    rows, devices, more = [], [], 0
    for ev in events:
        if time_from is not None and ev.vtime < time_from:
            continue
        if time_to is not None and ev.vtime > time_to:
            continue
        a = arrow_of(ev)
        if a is None:
            continue
        if len(rows) >= max_events:
            more += 1
            continue
        for who in a[:2]:
            if who not in (DRIVER, PEER) and who not in devices:
                devices.append(who)
        rows.append((ev, a))
    lanes = [DRIVER] + devices + [PEER]
    x0, lane_w, top, row_h = 130, 330, 50, 22
    xs = {name: x0 + i * lane_w for i, name in enumerate(lanes)}
    width = x0 + lane_w * (len(lanes) - 1) + 230
    height = top + row_h * (len(rows) + 2) + 20
    w = out.write
    w('<?xml version="1.0" encoding="UTF-8"?>\n')
    w('<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="%d" height="%d" viewBox="0 0 %d %d">\n'
      % (width, height, width, height))
    w("<title>ringside trace: sequence diagram</title>\n<style>%s</style>\n" % STYLE)
    w('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
      'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>\n')
    w('<rect x="0" y="0" width="%d" height="%d" fill="white"/>\n' % (width, height))
    w('<text x="8" y="%d" class="time">vtime</text>\n' % (top - 25))
    for name, x in xs.items():
        w('<line class="life" x1="%d" y1="%d" x2="%d" y2="%d"/>\n' % (x, top, x, height - 10))
        label = "driver (guest)" if name == DRIVER else "peer (network)" if name == PEER else "device %s" % name
        tw = 7 * len(label) + 16
        w('<rect class="head" x="%d" y="%d" width="%d" height="22" rx="4"/>\n' % (x - tw // 2, top - 38, tw))
        w('<text x="%d" y="%d" text-anchor="middle">%s</text>\n' % (x, top - 23, escape(label)))
    for i, (ev, (src, dst, label, style)) in enumerate(rows):
        y = top + row_h * (i + 1)
        w('<g class="ev" data-index="%d"><title>%s</title>\n' % (i, escape(ev.format())))
        w('<text x="8" y="%d" class="time">%d</text>\n' % (y + 4, ev.vtime))
        if src == dst:
            x = xs[src]
            tw = min(7 * len(label) + 10, 2 * lane_w - 40)
            w('<rect class="%s" x="%d" y="%d" width="%d" height="16" rx="3"/>\n' % (style, x + 6, y - 10, tw))
            w('<text x="%d" y="%d">%s</text>\n' % (x + 11, y + 2, escape(label)))
        else:
            x1, x2 = xs[src], xs[dst]
            w('<line class="%s" x1="%d" y1="%d" x2="%d" y2="%d" marker-end="url(#arrow)"/>\n'
              % (style, x1, y, x2, y))
            w('<text x="%d" y="%d" text-anchor="middle">%s</text>\n' % ((x1 + x2) // 2, y - 4, escape(label)))
        w("</g>\n")
    if more:
        w('<text x="8" y="%d" class="time">... %d more events (raise --max-events)</text>\n'
          % (top + row_h * (len(rows) + 1) + 4, more))
    w("</svg>\n")
    return len(rows)

