"""`ringside-trace html --device`: one self-contained page that steps through a virtio
device's handshake and life (virtio 1.2 §3.1.1): the device status bits (§2.1), both
feature words of the device's offer and the driver's choice by name (§6, §5.1.3), the
configuration fields read and written (§4.1.4.6, §5.1.4), and every queue (§2.7,
§4.1.4.3): its role, size and ring addresses, enable, notifies, the driver's and the
device's indices, interrupts. The per-queue page (rt_html) shows a ring slot by slot;
this one the whole device, one step per event. A run of index publications on one
queue (the 256 receive buffers) is one step. Names come from the C tables through
rt_decode/rt_names. No network, no libraries. The page honours #step=N and exposes
window.ringside = {step(n), goto(i), state()} for tests.
"""

import json

import rt_decode
import rt_names

# The events the page steps through, and the fields each keeps.
EVENTS = {
    "virtio_reset": (),
    "virtio_status": ("old", "new"),
    "virtio_feature_sel": ("side", "word"),
    "virtio_features": ("side", "word", "value"),
    "virtio_config_read": ("field", "value"),
    "virtio_config_write": ("field", "value"),
    "virtio_queue_setup": ("queue", "size", "desc", "avail", "used"),
    "virtio_queue_enable": ("queue", "enable"),
    "virtio_notify": ("queue",),
    "virtio_isr_read": ("value",),
    "virtio_error": ("reason",),
    "avail_idx": ("queue", "idx"),
    "used_idx": ("queue", "idx"),
    "irq_raise": ("queue", "reason"),
    "irq_suppress": ("queue", "reason"),
    "driver_violation": ("rule", "clause"),
    "frame_from_guest": (),
    "frame_to_guest": (),
}
# Index publications: a run of them on one queue is one step.
RUNS = {"avail_idx", "used_idx"}
_EXACT = 1 << 53


def _value(v):
    """A field for the page: numbers a browser reads exactly, else text."""
    if isinstance(v, int) and v >= _EXACT:
        return "0x%x" % v
    if isinstance(v, (bytes, bytearray)):
        return len(v)
    return v


def select(events, dev=None, header=None, time_to=None):
    """(device name, [step dicts]) for the page: each step an event of EVENTS about the
    device (the first virtio device when dev is None), with its named line (as show
    prints it), its fields, the role of its queue, and for a run of index publications
    the count it stands for."""
    dec = rt_decode.Decoder(header)
    steps = []
    for ev in events:
        dec.observe(ev)
        if time_to is not None and ev.vtime > time_to:
            break
        if ev.name not in EVENTS:
            continue
        d = ev.get("dev")
        if ev.name in ("frame_from_guest", "frame_to_guest", "driver_violation"):
            d = d or dev
        if dev is None:
            dev = d
        if d != dev:
            continue
        f = {k: _value(ev.fields[k]) for k in EVENTS[ev.name] if k in ev.fields}
        if "queue" in ev.fields:
            f["role"] = dec.queue_name(d, ev["queue"])
        line = dec.line(ev)
        last = steps[-1] if steps else None
        if ev.name in RUNS and last and last["name"] == ev.name and last["f"]["queue"] == f["queue"]:
            last["n"] += 1
            first = last.get("from", last["f"]["idx"])
            last.update(f=f, vtime=ev.vtime, text=line, **{"from": first})
            continue
        steps.append({"name": ev.name, "vtime": ev.vtime, "text": line, "f": f, "n": 1})
    return dev, steps


def page(events, out, dev=None, header=None, source=None, title=None, time_from=None, time_to=None):
    """Writes the page to the text stream out; returns the number of steps in it."""
    dev, steps = select(events, dev, header, time_to)
    t = rt_names.virtio_table()
    start = sum(1 for s in steps if time_from is not None and s["vtime"] < time_from)
    names = {
        "status": sorted([v, n] for v, n in t.bits["status"].items()),
        "features": sorted([v.bit_length() - 1, n] for v, n in rt_names.virtio_features(rt_names.VIRTIO_ID_NET).items()),
        "isr": sorted([v, n] for v, n in t.bits["isr"].items()),
        "net_status": sorted([v, n] for v, n in rt_names.virtio_cfg_table()["dev_status"]
                             .get(rt_names.VIRTIO_ID_NET, {}).items()),
    }
    kinds = sorted({s["name"] for s in steps})
    packed = [[kinds.index(s["name"]), s["vtime"], s["text"], s["f"]] + ([s["n"], s["from"]] if s["n"] > 1 else [])
              for s in steps]
    data = {"dev": dev, "source": source, "start": start, "names": names, "kinds": kinds, "steps": packed}
    blob = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
    title = title or "ringside: %s, the whole device" % (dev or "?")
    esc = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out.write(TEMPLATE.replace("@TITLE@", esc).replace("@DATA@", blob))
    return len(steps) - start


TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>@TITLE@</title>
<style>
body { font-family: sans-serif; margin: 12px; font-size: 13px; }
h1 { font-size: 16px; margin: 0 0 6px 0; }
h2 { font-size: 13px; margin: 6px 0 3px 0; }
.bar { position: sticky; top: 0; background: #fff; padding: 4px 0; border-bottom: 1px solid #ccc; }
#event-text { font-family: monospace; white-space: pre; overflow: hidden; height: 1.4em; display: block; }
.panes { display: grid; grid-template-columns: 260px 330px 1fr; gap: 12px; }
table { border-collapse: collapse; font-family: monospace; font-size: 12px; }
td, th { border: 1px solid #ccc; padding: 1px 5px; text-align: left; white-space: nowrap; }
.on { background: #c8f0c8; }
.off { color: #999; }
.touched { outline: 2px solid #d33; }
.declined { background: #ffe0b3; }
</style>
</head>
<body>
<h1>@TITLE@</h1>
<div class="bar">
  <button id="first">&#x23EE;</button><button id="prev">&#x25C0;</button>
  <button id="next">&#x25B6;</button><button id="last">&#x23ED;</button>
  step <span id="pos">0</span> of <span id="count">0</span>
  <input id="slider" type="range" min="0" max="0" value="0" style="width:40%">
  <b id="event-name"></b> <span id="event-count"></span>
  <code id="event-text"></code>
</div>
<div class="panes">
  <div><h2>Device status (&sect;2.1)</h2><table id="status"></table>
       <h2>ISR (&sect;4.1.4.5)</h2><table id="isr"></table>
       <h2>Configuration read and written</h2><table id="config"></table></div>
  <div><h2>Features (&sect;6, &sect;5.1.3): offered / taken</h2><table id="features"></table></div>
  <div><h2>Queues</h2><table id="queues"></table></div>
</div>
<script type="application/json" id="ringside-data">@DATA@</script>
<script>
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("ringside-data").textContent);
  const steps = data.steps.map((r) => ({ name: data.kinds[r[0]], vtime: r[1], text: r[2], f: r[3],
                                         n: r.length > 4 ? r[4] : 1, from: r.length > 5 ? r[5] : null }));
  const $ = (id) => document.getElementById(id);
  let st = null, cur = -1;

  function fresh() {
    return { status: 0, isr: 0, feat: { device: [null, null], driver: [null, null] }, config: {}, queues: {},
             errors: 0, frames: 0 };
  }
  function queue(s, f) {
    if (!s.queues[f.queue])
      s.queues[f.queue] = { role: f.role, size: "-", desc: null, avail: null, used: null, enabled: false,
                            avail_idx: "-", used_idx: "-", notifies: 0, irqs: 0, suppressed: 0 };
    return s.queues[f.queue];
  }
  function apply(s, e) {
    const f = e.f;
    switch (e.name) {
    case "virtio_reset":
      s.status = 0; s.feat.driver = [null, null];
      for (const q in s.queues) { s.queues[q].enabled = false; } break;
    case "virtio_status": s.status = f.new; break;
    case "virtio_features": if (f.word < 2) s.feat[f.side][f.word] = f.value; break;
    case "virtio_config_read": case "virtio_config_write": s.config[f.field] = f.value; break;
    case "virtio_queue_setup": {
      const q = queue(s, f);
      Object.assign(q, { size: f.size, desc: f.desc, avail: f.avail, used: f.used, role: f.role }); break;
    }
    case "virtio_queue_enable": queue(s, f).enabled = !!f.enable; break;
    case "virtio_notify": queue(s, f).notifies++; break;
    case "virtio_isr_read": s.isr = f.value; break;
    case "avail_idx": queue(s, f).avail_idx = f.idx; break;
    case "used_idx": queue(s, f).used_idx = f.idx; break;
    case "irq_raise": queue(s, f).irqs++; break;
    case "irq_suppress": queue(s, f).suppressed++; break;
    case "virtio_error": case "driver_violation": s.errors++; break;
    case "frame_from_guest": case "frame_to_guest": s.frames++; break;
    }
    return s;
  }
  function td(text, cls) { const c = document.createElement("td"); c.textContent = String(text); if (cls) c.className = cls; return c; }
  function fill(table, rows) {
    table.textContent = "";
    for (const r of rows) {
      const tr = document.createElement("tr");
      if (r.id) tr.id = r.id;
      if (r.cls) tr.className = r.cls;
      for (const c of r.cells) tr.appendChild(c);
      table.appendChild(tr);
    }
  }
  // bits by name, as rt_names.format_bits: "LINK_UP|0x10", 0 is "0"
  function bits(v, table) {
    if (typeof v !== "number") return "";
    const out = [];
    let rest = v;
    for (const [b, n] of table) if (v & b) { out.push(n); rest &= ~b; }
    if (rest) out.push("0x" + rest.toString(16));
    return "(" + (out.join("|") || "0") + ")";
  }
  const hex = (v) => v === null || v === undefined ? "-" : typeof v === "string" ? v : "0x" + v.toString(16);
  function featBit(side, bit) {
    const w = st.feat[side][bit < 32 ? 0 : 1];
    return w === null ? null : Math.floor(w / Math.pow(2, bit % 32)) % 2;
  }
  function render() {
    const e = steps[cur] || null, s = st, name = e ? e.name : "";
    $("pos").textContent = String(cur);
    $("count").textContent = String(steps.length);
    $("slider").max = String(Math.max(steps.length - 1, 0));
    $("slider").value = String(Math.max(cur, 0));
    $("event-name").textContent = e ? name : "(no events for this device)";
    $("event-count").textContent = e && e.n > 1 ? "(" + e.n + " events: idx " + e.from + "\\u2026" + e.f.idx + ")" : "";
    $("event-text").textContent = e ? e.text : "";
    document.body.setAttribute("data-step", String(cur));
    fill($("status"), data.names.status.map(([v, n]) => ({ id: "status-" + n,
      cls: name === "virtio_status" && ((e.f.old ^ e.f.new) & v) ? "touched" : "",
      cells: [td(n), td(s.status & v ? "set" : "-", s.status & v ? "on" : "off")] }))
      .concat([{ id: "status-value", cells: [td("value"), td(hex(s.status))] }]));
    fill($("isr"), data.names.isr.map(([v, n]) => ({ cells: [td(n), td(s.isr & v ? "set" : "-", s.isr & v ? "on" : "off")],
      cls: name === "virtio_isr_read" ? "touched" : "" })));
    const cfg = Object.keys(s.config).sort().map((k) => ({ id: "config-" + k,
      cls: (name === "virtio_config_read" || name === "virtio_config_write") && e.f.field === k ? "touched" : "",
      cells: [td(k), td(hex(s.config[k]) + (k === "status" ? " " + bits(s.config[k], data.names.net_status) : ""))] }));
    fill($("config"), cfg.length ? cfg : [{ cells: [td("(none yet)")] }]);
    const fw = name === "virtio_features" ? e.f : null;
    fill($("features"), [{ cells: [td("feature"), td("offered"), td("taken")] }].concat(data.names.features.map(([bit, n]) => {
      const o = featBit("device", bit), t = featBit("driver", bit);
      // declined: offered and not taken once the driver has written its choice
      const touched = fw && fw.word === (bit < 32 ? 0 : 1);
      return { id: "feature-" + n, cls: (o === 1 && t === 0 ? "declined" : "") + (touched ? " touched" : ""),
               cells: [td(n + " (" + bit + ")"), td(o === null ? "?" : o ? "yes" : "-", o ? "on" : "off"),
                       td(t === null ? "?" : t ? "yes" : "-", t ? "on" : "off")] };
    })));
    const qs = Object.keys(s.queues).map(Number).sort((a, b) => a - b);
    fill($("queues"), [{ cells: ["queue", "role", "size", "desc", "avail", "used", "enabled", "avail.idx", "used.idx",
                                 "notifies", "irqs", "suppressed"].map((x) => td(x)) }].concat(qs.map((k) => {
      const q = s.queues[k];
      return { id: "queue-" + k, cls: e && e.f.queue === k ? "touched" : "",
               cells: [td(k), td(q.role), td(q.size), td(hex(q.desc)), td(hex(q.avail)), td(hex(q.used)),
                       td(q.enabled ? "yes" : "-", q.enabled ? "on" : "off"), td(q.avail_idx), td(q.used_idx),
                       td(q.notifies), td(q.irqs), td(q.suppressed)] };
    })));
  }
  function go(i) {
    if (!steps.length) { st = fresh(); cur = -1; render(); return cur; }
    i = Math.max(0, Math.min(steps.length - 1, Math.floor(Number(i)) || 0));
    if (st === null || i < cur) { st = fresh(); cur = -1; }
    while (cur < i) { cur++; st = apply(st, steps[cur]); }
    render();
    if (history.replaceState) history.replaceState(null, "", "#step=" + cur);
    return cur;
  }
  function fromHash() {
    const m = /step=(\\d+)/.exec(location.hash || "");
    return m ? Number(m[1]) : (data.start || 0);
  }
  $("first").onclick = () => go(0);
  $("prev").onclick = () => go(cur - 1);
  $("next").onclick = () => go(cur + 1);
  $("last").onclick = () => go(steps.length - 1);
  $("slider").oninput = (ev) => go(ev.target.value);
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowRight") { go(cur + 1); ev.preventDefault(); }
    else if (ev.key === "ArrowLeft") { go(cur - 1); ev.preventDefault(); }
    else if (ev.key === "Home") { go(0); ev.preventDefault(); }
    else if (ev.key === "End") { go(steps.length - 1); ev.preventDefault(); }
  });
  window.addEventListener("hashchange", () => { if (fromHash() !== cur) go(fromHash()); });
  window.ringside = {
    step: (n) => go(cur + (n === undefined ? 1 : n)),
    goto: (i) => go(i),
    state: () => JSON.parse(JSON.stringify({ index: cur, step: steps[cur] || null, dev: data.dev,
                                             count: steps.length, device: st })),
  };
  go(fromHash());
})();
</script>
</body>
</html>
"""
