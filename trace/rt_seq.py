"""`ringside-trace seq`: the virtio conversation of a trace as an SVG sequence diagram.

Lifelines: the driver (guest firmware), one per virtio device, and the network peer.
Arrows follow virtio 1.2 §3.1 (device initialisation: status, feature words, queue
setup), §2.7 (split virtqueues: notify, chain fetch, used push, interrupt) and §2.8
(packed virtqueues: the flag store that hands a descriptor over, the device's fetch and
used descriptor, event suppression), then the
frames the device exchanges with the peer. Dashed arrows travel through guest memory
(the rings), solid ones through registers or the wire. Standalone SVG 1.1, no script.
"""

import re
from xml.sax import saxutils


# Characters XML 1.0 does not allow even escaped (§2.2): C0 controls other than tab,
# newline and return, lone surrogates (a name that was not UTF-8), U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
MAX_LABEL = 160   # characters of a label on the page; the full text is in the tooltip


def escape(text, limit=None):
    """text as SVG character data: markup escaped, characters XML cannot carry shown as
    \\xNN, and cut at limit characters with a mark."""
    text = _NOT_XML.sub(lambda m: "\\x%02x" % (ord(m.group(0)) & 0xff), text)
    if limit is not None and len(text) > limit:
        text = text[:limit - 1] + "\u2026"
    return saxutils.escape(text)

import rt_callers
import rt_decode
import rt_frame
import rt_names

DRIVER, PEER = "driver", "peer"


def arrow_of(ev, dec=None):
    """(from, to, label, style) for an event the diagram shows, else None. Lifeline
    names: 'driver', 'peer', or the device name; from == to draws a note. Values are
    named by rt_decode (status and feature bits, queue roles, frames); feed every event
    to the same dec, in order."""
    dec = dec or rt_decode.Decoder()
    dec.observe(ev)
    n, f = ev.name, ev.fields
    dev = f.get("dev") or "device"
    q = dec.queue_name(dev, f["queue"]) if "queue" in f else None
    if n == "virtio_status":
        bits = rt_names.format_bits(f["new"], dec.t.bits["status"])
        return DRIVER, dev, "status 0x%x (%s)" % (f["new"], bits) if f["new"] else "status 0 (reset)", "reg"
    if n == "virtio_reset":
        return DRIVER, dev, "reset", "reg"
    if n == "virtio_features":
        text = dec.render(ev, "value", f["value"])
        if f["side"] == "device":
            return dev, DRIVER, "device offers features[%d]: %s" % (f["word"], text), "reg"
        return DRIVER, dev, "driver takes features[%d]: %s" % (f["word"], text), "reg"
    if n == "virtio_feature_sel":
        return DRIVER, dev, "select %s feature word %d" % (f["side"], f["word"]), "reg"
    if n == "virtio_queue_setup":
        return DRIVER, dev, "queue %s: size %d desc 0x%x avail 0x%x used 0x%x" % (
            q, f["size"], f["desc"], f["avail"], f["used"]), "reg"
    if n == "virtio_queue_enable":
        return DRIVER, dev, "queue %s %s" % (q, "enable" if f["enable"] else "disable"), "reg"
    if n == "virtio_notify":
        return DRIVER, dev, "notify %s" % q, "reg"
    if n == "virtio_isr_read":
        return dev, DRIVER, "ISR read %s" % rt_names.format_bits(f["value"], dec.t.bits["isr"]), "reg"
    if n == "virtio_error":
        return dev, dev, "error: %s" % f["reason"], "error"
    if n == "driver_violation":
        return DRIVER, DRIVER, "broke %s (%s)" % (f["rule"], f["clause"]), "error"
    if n == "avail_idx":
        return DRIVER, DRIVER, "publish avail.idx = %d (%s)" % (f["idx"], q), "mem"
    if n == "chain_fetch":
        return DRIVER, dev, "fetch chain %s head %d (%d desc)" % (q, f["head"], len(f["chain"])), "mem"
    if n == "net_ctrl":
        return dev, dev, "%s %s: %s" % (f["command"], f["args"], f["ack"]), "note"
    if n == "packed_desc_avail":
        return DRIVER, DRIVER, "desc[%d] available: id %d, AVAIL=%d (%s)" % (
            f["index"], f["id"], f["wrap"], q), "mem"
    if n == "packed_chain_fetch":
        return DRIVER, dev, "fetch chain %s pos %d wrap %d id %d (%d desc)" % (
            q, f["pos"], f["wrap"], f["id"], len(f["chain"])), "mem"
    if n == "packed_used_flags":
        return dev, DRIVER, "desc[%d] used: flags 0x%x (%s)" % (f["pos"], f["flags"], q), "mem"
    if n == "packed_wrap":
        return dev, dev, "%s %s wrap counter -> %d" % (q, f["counter"], f["wrap"]), "note"
    if n == "used_idx":
        return dev, DRIVER, "used.idx = %d (%s)" % (f["idx"], q), "mem"
    if n == "irq_raise":
        return dev, DRIVER, "interrupt %s (%s)" % (q, f["reason"] or "-"), "irq"
    if n == "irq_suppress":
        return dev, dev, "interrupt %s suppressed (%s)" % (q, f["reason"] or "-"), "note"
    if n == "frame_from_guest":
        return dev, PEER, "frame %dB %s" % (len(f["frame"]), rt_frame.summary(f["frame"])), "wire"
    if n == "frame_to_guest":
        return PEER, dev, "frame %dB %s" % (len(f["frame"]), rt_frame.summary(f["frame"])), "wire"
    if n == "peer_action":
        return PEER, PEER, f["text"], "note"
    return None


# The phases of the story the trace tells, in Linux's order (DESIGN.md's users: the
# kernel functions a teacher names), with the event that starts each. A phase only moves
# forward; a device reset starts the probe again.
PHASES = (
    ("virtio_pci_probe", "virtio_pci_probe: reset, ACKNOWLEDGE (virtio 1.2 §3.1.1 steps 1-2)"),
    ("virtnet_probe", "virtnet_probe: DRIVER, feature negotiation, config (steps 3-6)"),
    ("init_vqs", "init_vqs: find_vqs sets up the virtqueues (step 7)"),
    ("register_netdev", "register_netdev: DRIVER_OK, the device is live (step 8), control queue set-up"),
    ("try_fill_recv", "try_fill_recv: receive buffers made available (virtnet_open)"),
    ("traffic", "traffic: start_xmit, receive, control commands"),
)
PHASE_NAMES = tuple(k for k, _ in PHASES)
_STATUS_DRIVER, _STATUS_DRIVER_OK = (rt_names.parse_bits(n, rt_names.virtio_status()) for n in ("DRIVER", "DRIVER_OK"))


# A driver that posts its receive buffers before DRIVER_OK (virtio 1.2 §3.1.1 step 7
# allows it; this project's firmware does) gets this heading for them, before
# register_netdev: the diagram keeps the trace's order and says where Linux differs.
EARLY_FILL = ("try_fill_recv: receive buffers made available, here before DRIVER_OK "
              "(Linux 6.1 fills them in virtnet_open, after register_netdev)")


def phase_of(ev, current, dec, story=None):
    """The phase ev moves the story to (a PHASE_NAMES key), or current. Linux 6.1 sets
    DRIVER_OK in virtnet_probe, after register_netdev, and fills the receive queues in
    virtnet_open (try_fill_recv); receive buffers posted before DRIVER_OK are the early
    fill ("try_fill_recv" while init_vqs is the last phase, EARLY_FILL), after which
    register_netdev comes as usual. The control queue's first commands belong to
    register_netdev's phase (Linux sends them from virtnet_probe, after DRIVER_OK:
    _virtnet_set_queues), so they do not start the traffic. story: a dict the caller keeps across events, where
    this notes whether the fill was early."""
    story = {} if story is None else story
    n, f = ev.name, ev.fields
    at = PHASE_NAMES.index(current) if current in PHASE_NAMES else -1
    early = current == "try_fill_recv" and story.get("early", False)
    want = None
    if n == "virtio_reset" or (n == "virtio_status" and f["new"] in (0, 1)):
        story["early"] = False
        return "virtio_pci_probe"
    role = dec.queue_name(f.get("dev"), f["queue"]) if "queue" in f else ""
    is_rx = role.startswith("rx")
    if n == "virtio_status" and f["new"] & _STATUS_DRIVER_OK:
        want = "register_netdev"
        if early:
            story["early"] = False
            return want
    elif n == "virtio_status" and f["new"] & _STATUS_DRIVER:
        want = "virtnet_probe"
    elif n == "virtio_queue_setup":
        want = "init_vqs"
    elif n in ("avail_idx", "packed_desc_avail") and is_rx and current == "init_vqs":
        story["early"] = True
        return "try_fill_recv"
    elif n in ("avail_idx", "packed_desc_avail") and is_rx and at >= PHASE_NAMES.index("register_netdev"):
        want = "try_fill_recv"
    elif n in ("frame_from_guest", "frame_to_guest") or \
            (n in ("virtio_notify", "avail_idx") and at >= PHASE_NAMES.index("register_netdev")
             and not is_rx and role != "ctrl"):
        want = "traffic"
    if want is not None and PHASE_NAMES.index(want) > at and not early:
        return want
    return current


def phase_title(phase, ev):
    """A phase's heading. When the event that starts it has a kernel's call stack for
    its symbol (rt_callers), the heading names the driver entry point the stack holds
    instead of the one PHASES expects (Linux 6.1 inlines init_vqs and
    virtio_features_ok, and negotiates in virtio_dev_probe before virtnet_probe runs)."""
    title = dict(PHASES)[phase]
    entry = rt_callers.entry_point(ev.sym)
    if entry is None:
        return title
    inner = rt_callers.functions(ev.sym)[0]
    if phase == "traffic":
        return "%s (first in %s, from %s)" % (title, inner, entry)
    return "%s: %s (in %s)" % (entry, title.split(": ", 1)[1], inner)


CHAR_W = 6.7     # pixels per character of the 11 px monospace text


def _fit(label, px):
    """label cut (with a mark) to what px pixels of text hold."""
    n = max(int(px // CHAR_W), 8)
    return label if len(label) <= n else label[:n - 1] + "\u2026"


_NUM = re.compile(r"(\d+)")
# What may change between like arrows: queue roles, hex and decimal numbers.
_TOK = re.compile(r"((?:rx|tx)\d+|ctrl|0x[0-9a-f]+|\d+)")


def _like(label):
    """label with its roles and numbers blanked: arrows alike when equal."""
    return _TOK.sub("#", label)


def _span(first, last):
    """One label for like labels: each token that changes as first...last (an address
    that changes as an ellipsis: its values are in the tooltips)."""
    a, b = _TOK.split(first), _TOK.split(last)
    if len(a) != len(b):
        return first
    out = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x == y or i % 2 == 0:
            out.append(x)
        elif x.startswith("0x") and len(x) > 6:
            out.append("\u2026")
        else:
            out.append("%s\u2026%s" % (x, y))
    return "".join(out)


def _merge(first, last, count):
    """One label for a run of arrows whose labels differ only in roles and numbers:
    each that changes as first...last, and the count ("avail.idx = 1...256 (rx0) x256")."""
    return "%s \u00d7%d" % (_span(first, last), count)


# Events folded into the arrow before them when runs are collapsed (the default): the
# register write that only selects what the next arrow reads, the queue's enable after
# its setup, the ISR read that answers an interrupt, a suppressed interrupt after the
# used push it belonged to. (previous event, this event, same queue?, text added)
FOLD = {
    "virtio_feature_sel": None,
    "virtio_reset": ("virtio_status", False, None),
    "virtio_queue_enable": ("virtio_queue_setup", True, lambda ev, q: ", enabled" if ev["enable"] else ", disabled"),
    "virtio_isr_read": ("irq_raise", False, lambda ev, q: "; ISR read"),
    "irq_suppress": ("used_idx", True, lambda ev, q: "; no interrupt (%s)" % (ev["reason"] or "-")),
    # the peer's answer is the frame it sends next, which says the same ("DHCP Offer")
    "peer_action": ("frame_from_guest", False, None),
}


def _fold(ev, rows, runs):
    """True if ev is said by the last row already (FOLD), its text added there."""
    if ev.name not in FOLD:
        return False
    rule = FOLD[ev.name]
    if rule is None:
        return True
    prev, same_queue, text = rule
    if not rows or rows[-1][0].name != prev or runs[-1][2] != 1 or rows[-1][1][3] == "phase":
        return False
    last = rows[-1][0]
    if same_queue and last.get("queue") != ev.get("queue"):
        return False
    if last.get("dev") != ev.get("dev") and ev.name not in ("virtio_reset", "peer_action"):
        return False
    if prev == "virtio_status" and last["new"] != 0:
        return False
    if text is not None:
        src, dst, label, style = rows[-1][1]
        label += text(ev, ev.get("queue"))
        rows[-1] = (last, (src, dst, label, style))
        runs[-1] = [label, label, 1]
    return True


def _kind(dec, ev):
    """The kind of queue an event is about (rx, tx, ctrl), so that a run spans the
    receive queues but does not take the transmit queue's arrow in."""
    if "queue" not in ev.fields:
        return None
    return re.sub(r"\d+$", "", dec.queue_name(ev.get("dev"), ev["queue"]))


def _sig(row):
    ev, (src, dst, label, style) = row
    return None if style in ("phase", "repeat") else (src, dst, style, _like(label))


def _repeats(rows, max_block=24):
    """rows with each block of rows repeated back to back (alike, _like) drawn once: a
    'repeat' heading row saying how often, then the block with each label spanning its
    first and last instance ("seq=1...4")."""
    out, i = [], 0
    sigs = [_sig(r) for r in rows]
    while i < len(rows):
        best = None   # (rows covered, block length, repetitions)
        for n in range(1, max_block + 1):
            block = sigs[i:i + n]
            if len(block) < n or None in block:
                break
            k = 1
            while sigs[i + k * n:i + (k + 1) * n] == block:
                k += 1
            if k > 1 and (n > 1 or k > 2) and (best is None or k * n > best[0]):
                best = (k * n, n, k)
        if best is None:
            out.append(rows[i])
            i += 1
            continue
        _, n, k = best
        if n == 1:
            ev, (src, dst, label, style) = rows[i]
            out.append((ev, (src, dst, _merge(label, rows[i + k - 1][1][2], k), style)))
            i += k
            continue
        out.append((rows[i][0], (None, None, "\u00d7%d: the next %d arrow%s, %d times" % (
            k, n, "" if n == 1 else "s", k), "repeat")))
        for p in range(n):
            ev, (src, dst, label, style) = rows[i + p]
            last = rows[i + (k - 1) * n + p][1][2]
            out.append((ev, (src, dst, _span(label, last), style)))
        i += k * n
    return out


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
.phase { stroke: #557; stroke-width: 0.5; }
text.phase { font-weight: bold; fill: #335; stroke: none; }
text.repeat { font-style: italic; fill: #335; }
"""


def svg(events, out, max_events=500, time_from=None, time_to=None, collapse=True, header=None, phase=None):
    """Writes the diagram of the events that have an arrow (within the time bounds, at
    most max_events arrows) to the text stream out; returns (arrows drawn, events left
    out past max_events). collapse: a run of consecutive arrows with the same ends whose
    labels differ only in numbers is one arrow with the range and a count."""
    rows, devices, more = [], [], 0
    heads = set()    # indices of the phase headings among rows
    dec = rt_decode.Decoder(header)
    runs = []        # per row: [first label, last label, count]
    current = shown = None
    story = {}       # what phase_of keeps across events (an early receive fill)
    for ev in events:
        dec.observe(ev)
        current = phase_of(ev, current, dec, story)
        if phase is not None and current != phase:
            continue
        if time_from is not None and ev.vtime < time_from:
            continue
        if time_to is not None and ev.vtime > time_to:
            continue
        a = arrow_of(ev, dec)
        if a is None:
            continue
        if collapse and _fold(ev, rows, runs):
            continue
        if collapse and rows and rows[-1][1][0] == a[0] and rows[-1][1][1] == a[1] and \
                rows[-1][1][3] == a[3] and rows[-1][0].name == ev.name and \
                _kind(dec, rows[-1][0]) == _kind(dec, ev) and _like(runs[-1][0]) == _like(a[2]):
            runs[-1][1] = a[2]
            runs[-1][2] += 1
            continue
        if len(rows) - len(heads) >= max_events:
            more += 1
            continue
        if current != shown and current is not None:
            shown = current
            heads.add(len(rows))
            title = EARLY_FILL if current == "try_fill_recv" and story.get("early") \
                else phase_title(current, ev)
            rows.append((ev, (None, None, title, "phase")))
            runs.append([None, None, 1])
        for who in a[:2]:
            if who not in (DRIVER, PEER) and who not in devices:
                devices.append(who)
        # Cause before effect: the device traces a received frame after the ring work it
        # caused (fetch, used push, interrupt at the same time); the frame is drawn first.
        k = len(rows)
        if ev.name == "frame_to_guest":
            while k and k - 1 not in heads and rows[k - 1][0].vtime == ev.vtime and \
                    rows[k - 1][0].family == "ring_dev":
                k -= 1
        rows.insert(k, (ev, a))
        runs.insert(k, [a[2], a[2], 1])
        heads = {h + 1 if h >= k else h for h in heads}
    rows = [(ev, (src, dst, label if n == 1 else _merge(first, last, n), style))
            for (ev, (src, dst, label, style)), (first, last, n) in zip(rows, runs)]
    if collapse:
        rows = _repeats(rows)
    lanes = [DRIVER] + devices + [PEER]
    # Lanes as wide as the longest arrow label needs, within bounds so that the page
    # fits a projector; a label longer than its lane is cut with a mark, and the whole
    # of it is in the arrow's tooltip.
    longest = max([len(a[2]) for _, a in rows if a[0] != a[1] and a[0] is not None] or [0])
    x0, top, row_h = 130, 50, 14
    lane_w = max(330, min(int(longest * CHAR_W) + 30, 520))
    xs = {name: x0 + i * lane_w for i, name in enumerate(lanes)}
    width = x0 + lane_w * (len(lanes) - 1) + 230
    # Each row's y: a heading (phase or repeat) takes a little more room than an arrow, so
    # that its text and the label of the arrow under it do not touch.
    ys, y = [], top
    for _, a in rows:
        y += row_h + (5 if a[3] in ("phase", "repeat") else 0)
        ys.append(y)
        y += 3 if a[3] in ("phase", "repeat") else 0
    end = y + row_h
    # room under the last row for the lifelines' ends, and for the truncation note
    height = end + 10 + (row_h + 10 if more else 0)
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
        w('<text x="%d" y="%d" text-anchor="middle">%s</text>\n' % (x, top - 23, escape(label, MAX_LABEL)))
    k = 0
    for i, (ev, (src, dst, label, style)) in enumerate(rows):
        y = ys[i]
        if style == "phase":
            w('<line class="phase" x1="0" y1="%d" x2="%d" y2="%d"/>\n' % (y - 10, width, y - 10))
            w('<text x="8" y="%d" class="phase">%s</text>\n' % (y + 3, escape(label, MAX_LABEL)))
            continue
        if style == "repeat":
            w('<text x="%d" y="%d" class="repeat">%s</text>\n' % (x0 + 10, y + 3, escape(label, MAX_LABEL)))
            continue
        w('<g class="ev" data-index="%d"><title>%s</title>\n' % (k, escape(label + "\n" + ev.format())))
        k += 1
        w('<text x="8" y="%d" class="time">%d</text>\n' % (y + 4, ev.vtime))
        if src == dst:
            x = xs[src]
            room = (width - x - 20) if src == PEER else 2 * lane_w - 40
            label = _fit(label, room - 10)
            tw = min(int(CHAR_W * len(label)) + 12, room)
            w('<rect class="%s" x="%d" y="%d" width="%d" height="16" rx="3"/>\n' % (style, x + 6, y - 10, tw))
            w('<text x="%d" y="%d">%s</text>\n' % (x + 11, y + 2, escape(label, MAX_LABEL)))
        else:
            x1, x2 = xs[src], xs[dst]
            w('<line class="%s" x1="%d" y1="%d" x2="%d" y2="%d" marker-end="url(#arrow)"/>\n'
              % (style, x1, y, x2, y))
            w('<text x="%d" y="%d" text-anchor="middle">%s</text>\n' % (
                (x1 + x2) // 2, y - 4, escape(_fit(label, abs(x2 - x1) - 16), MAX_LABEL)))
        w("</g>\n")
    if more:
        w('<text x="8" y="%d" class="time">... %d more events (raise --max-events)</text>\n'
          % (end + 4, more))
    w("</svg>\n")
    return sum(1 for _, a in rows if a[3] not in ("phase", "repeat")), more

