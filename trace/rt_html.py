"""`ringside-trace html`: one self-contained page that steps through one virtqueue.

The page embeds the queue's events as JSON and replays them in the browser to draw the
split virtqueue (virtio 1.2 §2.7): descriptor table, available ring, used ring, slot by
slot, colouring who owns each descriptor (§2.7.13 for the driver side, §2.7.7-2.7.8 for
the device side). No network, no libraries: vanilla JS and CSS. The page honours
#step=N and exposes window.ringside = {step(n), goto(i), state()} for tests.
"""

import json

from rt_html_page import TEMPLATE

# Events about one queue that change or explain its state.
QUEUE_EVENTS = {
    "virtio_queue_setup", "virtio_queue_enable", "virtio_notify",
    "desc_write", "avail_write", "avail_idx", "used_event_write", "avail_flags_write",
    "chain_fetch", "used_write", "used_idx", "irq_raise", "irq_suppress",
    "avail_event_write", "used_flags_write",
}


def _where(ev, q):
    """(register or ring field name, guest address or None) that the event touches,
    from the ring layout of virtio 1.2 §2.7 (desc 16 bytes, avail/used headers 4)."""
    n, f = ev.name, ev.fields
    size = q.get("size") or 0
    d, a, u = q.get("desc"), q.get("avail"), q.get("used")
    at = lambda base, off: None if base is None else base + off
    if n == "virtio_queue_setup":
        return "common.queue_size/queue_desc/queue_driver/queue_device", None
    if n == "virtio_queue_enable":
        return "common.queue_enable", None
    if n == "virtio_notify":
        return "notify (queue_notify_off of queue %d)" % f["queue"], None
    if n == "virtio_reset":
        return "common.device_status = 0", None
    if n == "desc_write":
        return "desc[%d]" % f["index"], at(d, 16 * f["index"])
    if n == "avail_flags_write":
        return "avail.flags", at(a, 0)
    if n == "avail_idx":
        return "avail.idx", at(a, 2)
    if n == "avail_write":
        return "avail.ring[%d]" % f["slot"], at(a, 4 + 2 * f["slot"])
    if n == "used_event_write":
        return "avail.used_event", at(a, 4 + 2 * size) if size else None
    if n == "used_flags_write":
        return "used.flags", at(u, 0)
    if n == "used_idx":
        return "used.idx", at(u, 2)
    if n == "used_write":
        return "used.ring[%d]" % f["slot"], at(u, 4 + 8 * f["slot"])
    if n == "avail_event_write":
        return "used.avail_event", at(u, 4 + 8 * size) if size else None
    if n == "chain_fetch":
        return "desc[%d] chain (device reads)" % f["head"], at(d, 16 * f["head"])
    if n == "irq_raise":
        return "ISR bit 0 (used buffer) + INTx", None
    if n == "irq_suppress":
        return "interrupt suppressed (no ISR change)", None
    return "", None


def _jsonable(v):
    if isinstance(v, bytes):
        return v.hex()
    return v


def select(events, dev=None, queue=0):
    """The events of one queue as dicts for the page; also returns the device name
    (the first device seen when dev is None)."""
    out, q = [], {}
    for ev in events:
        f = ev.fields
        if ev.name == "virtio_reset":
            if dev is None or f.get("dev") != dev:
                continue
        elif ev.name not in QUEUE_EVENTS or f.get("queue") != queue:
            continue
        if dev is None:
            dev = f.get("dev")
        if f.get("dev") != dev:
            continue
        if ev.name == "virtio_queue_setup":
            q = {"size": f["size"], "desc": f["desc"], "avail": f["avail"], "used": f["used"]}
        reg, addr = _where(ev, q)
        out.append({"i": len(out), "name": ev.name, "family": ev.family, "vtime": ev.vtime,
                    "pc": "0x%x" % ev.pc, "sym": ev.sym, "text": ev.format(), "reg": reg,
                    "addr": None if addr is None else "0x%x" % addr,
                    "f": {k: _jsonable(v) for k, v in f.items()}})
    return dev, out


def page(events, out, dev=None, queue=0, title=None, source=None):
    """Writes the page to the text stream out; returns the number of events embedded."""
    dev, evs = select(events, dev, queue)
    data = {"dev": dev, "queue": queue, "source": source, "events": evs}
    blob = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    tmpl = TEMPLATE
    title = title or "ringside: %s queue %d" % (dev or "?", queue)
    esc = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out.write(tmpl.replace("@TITLE@", esc).replace("@DATA@", blob))
    return len(evs)
