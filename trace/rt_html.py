"""`ringside-trace html`: one self-contained page that steps through one virtqueue.

The page embeds the queue's events as JSON and replays them in the browser to draw the
split virtqueue (virtio 1.2 §2.7): descriptor table, available ring, used ring, slot by
slot, colouring who owns each descriptor (§2.7.13 for the driver side, §2.7.7-2.7.8 for
the device side). Each ring event is labelled with its field and guest address from
the simulator's layout table (rt_layout). No network, no libraries: vanilla JS and CSS. The page honours
#step=N and exposes window.ringside = {step(n), goto(i), state()} for tests.
"""

import json

import ringside_trace as rt
import rt_layout
from rt_html_page import TEMPLATE

# Events about one queue that change or explain its state.
QUEUE_EVENTS = {
    "virtio_queue_setup", "virtio_queue_enable", "virtio_notify",
    "desc_write", "avail_write", "avail_idx", "used_event_write", "avail_flags_write",
    "chain_fetch", "used_write", "used_idx", "irq_raise", "irq_suppress",
    "avail_event_write", "used_flags_write",
    # the packed ring (virtio 1.2 §2.8)
    "packed_desc_write", "packed_desc_avail", "driver_event_write", "packed_chain_fetch",
    "packed_used_write", "packed_used_flags", "device_event_write", "packed_wrap",
}

# The packed ring's events: the field of ring_packed.def each touches, and the event
# field that indexes it.
PACKED_FIELDS = {
    "packed_desc_write": ("desc", "entry", "index"),
    "packed_desc_avail": ("desc", "entry", "index"),
    "packed_chain_fetch": ("desc", "entry", "pos"),
    "packed_used_write": ("desc", "entry", "pos"),
    "packed_used_flags": ("desc", "entry", "pos"),
    "driver_event_write": ("driver", "off_wrap", None),
    "device_event_write": ("device", "off_wrap", None),
}
# Its areas in the queue's setup (the transport's desc, driver and device addresses).
PACKED_AREAS = {"desc": "desc", "driver": "avail", "device": "used"}


# Ring events: the layout field each one touches, and the event field that indexes it.
RING_FIELDS = {
    "desc_write": ("desc", "entry", "index"),
    "avail_flags_write": ("avail", "flags", None),
    "avail_idx": ("avail", "idx", None),
    "avail_write": ("avail", "ring", "slot"),
    "used_event_write": ("avail", "used_event", None),
    "used_flags_write": ("used", "flags", None),
    "used_idx": ("used", "idx", None),
    "used_write": ("used", "ring", "slot"),
    "avail_event_write": ("used", "avail_event", None),
}

# Everything else the page labels.
OTHER_LABELS = {
    "virtio_queue_setup": "common.queue_size/queue_desc/queue_driver/queue_device",
    "virtio_queue_enable": "common.queue_enable",
    "virtio_reset": "common.device_status = 0",
    "irq_raise": "ISR bit 0 (used buffer) + INTx",
    "irq_suppress": "interrupt suppressed (no ISR change)",
}


def _place(layout, q, area, field, index):
    """(field name, guest address or None) of a ring field, from the layout table: no
    address without the queue's setup, or without its size when the field needs it.
    q holds the setup: size and the base of each area (desc, avail, used)."""
    f = layout.field(area, field)
    base = q.get(area)
    size = q.get("size") or 0
    if base is None or (f.needs_size and not size):
        return f.name(index), None
    return f.name(index), base + f.offset(size, index)


def _where(ev, q, layout):
    """(register or ring field name, guest address or None) that the event touches."""
    n, f = ev.name, ev.fields
    if n in PACKED_FIELDS:
        area, field, index = PACKED_FIELDS[n]
        pq = dict(q, **{a: q.get(k) for a, k in PACKED_AREAS.items()})
        name, addr = _place(rt_layout.load(rt_layout.find_def("ring_packed.def")), pq, area, field,
                            f[index] if index else 0)
        return name + (" chain (device reads)" if n == "packed_chain_fetch" else ""), addr
    if n in RING_FIELDS:
        area, field, index = RING_FIELDS[n]
        return _place(layout, q, area, field, f[index] if index else 0)
    if n == "chain_fetch":
        name, addr = _place(layout, q, "desc", "entry", f["head"])
        return name + " chain (device reads)", addr
    if n == "virtio_notify":
        return "notify (queue_notify_off of queue %d)" % f["queue"], None
    return OTHER_LABELS.get(n, ""), None


def _jsonable(v):
    if isinstance(v, bytes):
        return v.hex()
    return v


def select(events, dev=None, queue=0, layout=None):
    """The events of one queue as dicts for the page; also returns the device name
    (the first device seen when dev is None). Field addresses come from layout, by
    default the split ring's table (rt_layout)."""
    layout = layout or rt_layout.load()
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
        reg, addr = _where(ev, q, layout)
        out.append({"i": len(out), "name": ev.name, "family": ev.family, "vtime": ev.vtime,
                    "pc": "0x%x" % ev.pc, "sym": ev.sym, "text": ev.format(), "reg": reg,
                    "addr": None if addr is None else "0x%x" % addr,
                    "f": {k: _jsonable(v) for k, v in f.items()}})
    return dev, out


# Field types the page formats itself, as the canonical text does (Event.format):
# integers in decimal or 0x hex, names as they are ("-" for none). Any other event keeps
# its text in the page.
_DEC = {"u8", "u16", "u32", "u64"}
_HEX = {"x8", "x16", "x32", "x64"}
_EXACT = 1 << 53     # JSON numbers past this lose digits in a browser


def _num(hex_text):
    """A pc or address for the page: a number where a browser reads it exactly, else its
    hex text."""
    v = int(hex_text, 16)
    return v if v < _EXACT else hex_text


def _js_text(ev, types):
    """The canonical line as the page's script rebuilds it from the packed event (the
    same algorithm as FORMAT in rt_html_page), or None where it cannot."""
    parts = [str(ev["vtime"]), ev["pc"], ev["sym"] if ev["sym"] is not None else "-", ev["name"]]
    if ev["vtime"] >= _EXACT:
        return None
    for (t, name), v in zip(types, [ev["f"][n] for _, n in types]):
        if isinstance(v, int) and v >= _EXACT:
            return None
        if t in _DEC and isinstance(v, int):
            parts.append("%s=%d" % (name, v))
        elif t in _HEX and isinstance(v, int):
            parts.append("%s=0x%x" % (name, v))
        elif t == "name" and (v is None or isinstance(v, str)):
            parts.append("%s=%s" % (name, "-" if v is None else v))
        else:
            return None
    return " ".join(parts)


def pack(data, events, type_fields):
    """The page's data with its events packed (a page of 256 receive buffers was half a
    megabyte as objects): the event and symbol names once each, every event an array
    [name, vtime, pc, symbol, reg, addr, field values in events.def's order] with its
    canonical text as an eighth item only where the script cannot rebuild it. The
    script's unpack() and unpack() here give back the events as select() made them."""
    names, syms, ids = [], [], {}

    def idx(table, v):
        key = (id(table), v)
        if key not in ids:
            ids[key] = len(table)
            table.append(v)
        return ids[key]
    packed, types = [], {}
    for e in events:
        tf = type_fields[e["name"]]
        types.setdefault(e["name"], [[n, t] for t, n in tf])
        row = [idx(names, e["name"]), e["vtime"], _num(e["pc"]), idx(syms, e["sym"]), e["reg"],
               None if e["addr"] is None else _num(e["addr"]), [e["f"][n] for _, n in tf]]
        if _js_text(e, tf) != e["text"]:
            row.append(e["text"])
        packed.append(row)
    out = dict(data)
    out.update({"names": names, "syms": syms, "types": types, "packed": packed})
    return out


def unpack(d):
    """The events of a packed page's data, as select() made them (for tests)."""
    out = []
    for i, row in enumerate(d["packed"]):
        name = d["names"][row[0]]
        fields = d["types"][name]
        hexa = lambda v: v if isinstance(v, str) else "0x%x" % v
        e = {"i": i, "name": name, "vtime": row[1], "pc": hexa(row[2]), "sym": d["syms"][row[3]],
             "reg": row[4], "addr": None if row[5] is None else hexa(row[5]),
             "f": {n: v for (n, _), v in zip(fields, row[6])}}
        e["text"] = row[7] if len(row) > 7 else _js_text(e, [(t, n) for n, t in fields])
        out.append(e)
    return out


def page(events, out, dev=None, queue=0, title=None, source=None, time_from=None, time_to=None):
    """Writes the page to the text stream out; returns the number of events embedded.
    time_from/time_to: only the queue's events in that window of virtual time (the ring
    is rebuilt from the events before it, so the first step shows the ring as it was)."""
    dev, evs = select(events, dev, queue)
    start = sum(1 for e in evs if time_from is not None and e["vtime"] < time_from)
    evs_shown = [e for e in evs if (time_to is None or e["vtime"] <= time_to)]
    packed_ring = any(e["name"].startswith("packed_") for e in evs)
    types = {t.name: t.fields for t in rt.load_events_def().values()}
    data = {"dev": dev, "queue": queue, "source": source, "layout": "packed" if packed_ring else "split",
            "start": start}
    data = pack(data, evs_shown, types)
    blob = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")   # no markup in the script
    tmpl = TEMPLATE
    title = title or "ringside: %s queue %d" % (dev or "?", queue)
    esc = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out.write(tmpl.replace("@TITLE@", esc).replace("@DATA@", blob))
    return len(evs_shown) - start
