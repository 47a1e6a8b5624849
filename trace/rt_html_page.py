"""The page that rt_html.py fills in: HTML, CSS and the replaying script, kept as one
string so that installing trace/*.py installs it too. A packed queue (data.layout
"packed", virtio 1.2 §2.8) is drawn as its one descriptor ring, each slot with its id,
AVAIL/USED bits and owner, beside the two event suppression areas and the device's
positions and wrap counters. @TITLE@ and @DATA@ (the JSON of
the queue's events) are replaced; nothing here reaches the network."""

TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>@TITLE@</title>
<style>
body { font: 13px/1.35 system-ui, sans-serif; margin: 12px; color: #222; background: #fafafa; }
h1 { font-size: 16px; margin: 0 0 8px; }
code, td, .mono, #event-text { font-family: ui-monospace, monospace; }
#bar { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; margin-bottom: 8px; }
#bar button { font-size: 14px; min-width: 34px; }
#slider { flex: 1; min-width: 200px; }
#now { background: #fff; border: 1px solid #ccc; border-radius: 4px; padding: 6px 8px; margin-bottom: 10px; }
#event-text { white-space: pre-wrap; word-break: break-all; }
#event-reg { font-weight: bold; color: #036; }
.panes { display: flex; gap: 12px; align-items: flex-start; flex-wrap: wrap; }
.pane { background: #fff; border: 1px solid #ccc; border-radius: 4px; padding: 6px; max-height: 70vh; overflow: auto; }
.pane h2 { font-size: 13px; margin: 0 0 4px; }
table { border-collapse: collapse; }
td, th { border: 1px solid #ddd; padding: 1px 5px; font-size: 12px; text-align: right; }
th { background: #eee; position: sticky; top: 0; }
tr.touched td, td.touched { outline: 2px solid #000; outline-offset: -2px; font-weight: bold; }
tr[data-owner=free] td { color: #999; }
tr[data-owner=driver] { background: #dbe8ff; }
tr[data-owner=device] { background: #ffe0b3; }
tr[data-owner=inflight] { background: #ffb3b3; }
tr[data-owner=used] { background: #d4f5d4; }
tr[data-owner=violation] { background: #f0a0f0; }
td.pending { background: #ffe0b3; }
td.done { color: #999; }
.legend span { display: inline-block; padding: 0 6px; margin-right: 4px; border: 1px solid #ccc; }
#list { font-family: ui-monospace, monospace; font-size: 11px; white-space: pre; }
#list div.cur { background: #ffd; font-weight: bold; }
.kv td:first-child { text-align: left; color: #555; }
</style>
</head>
<body>
<h1 id="title">@TITLE@</h1>
<div id="bar">
  <button id="first" title="first event (Home)">|&#x25C0;</button>
  <button id="prev" title="previous event (Left arrow)">&#x25C0;</button>
  <button id="next" title="next event (Right arrow)">&#x25B6;</button>
  <button id="last" title="last event (End)">&#x25B6;|</button>
  <input id="slider" type="range" min="0" max="0" value="0">
  <span>event <b id="pos">0</b> of <span id="count">0</span> (numbered from 0)</span>
</div>
<div id="now">
  <div><span class="mono" id="event-name"></span> &rarr; <span id="event-reg"></span> <span class="mono" id="event-addr"></span></div>
  <div id="event-text"></div>
</div>
<div class="legend">
  driver-owned: <span style="background:#fff;color:#999">free</span><span style="background:#dbe8ff">written by driver</span><span style="background:#d4f5d4">returned (used)</span>
  &nbsp; device-owned: <span style="background:#ffe0b3">available</span><span style="background:#ffb3b3">fetched, in flight</span>
  &nbsp; <span style="background:#f0a0f0">driver wrote a device-owned descriptor</span>
</div>
<div class="panes">
  <div class="pane"><h2 id="desc-title">Descriptor table</h2><table id="desc"></table></div>
  <div class="pane"><h2 id="indirect-title">Indirect table</h2><table id="indirect"></table></div>
  <div class="pane"><h2 id="avail-title">Available ring (driver &rarr; device)</h2><table class="kv" id="availhdr"></table><table id="avail"></table></div>
  <div class="pane"><h2 id="used-title">Used ring (device &rarr; driver)</h2><table class="kv" id="usedhdr"></table><table id="used"></table></div>
  <div class="pane"><h2>Events</h2><div id="list"></div></div>
</div>
<script type="application/json" id="ringside-data">@DATA@</script>
<script>
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("ringside-data").textContent);
  // The events come packed (rt_html.pack): names and symbols once, each event an array.
  function fieldText(kind, v) {
    if (kind[0] === "x") return "0x" + v.toString(16);
    if (kind === "name") return v === null ? "-" : v;
    return String(v);
  }
  function unpack(d) {
    return d.packed.map((r, i) => {
      const name = d.names[r[0]], fields = d.types[name], f = {};
      fields.forEach((nt, k) => { f[nt[0]] = r[6][k]; });
      const hexa = (v) => typeof v === "string" ? v : "0x" + v.toString(16);
      const e = { i: i, name: name, vtime: r[1], pc: hexa(r[2]), sym: d.syms[r[3]],
                  reg: r[4], addr: r[5] === null ? null : hexa(r[5]), f: f };
      e.text = r.length > 7 ? r[7]
        : [String(e.vtime), e.pc, e.sym === null ? "-" : e.sym, name]
            .concat(fields.map((nt, k) => nt[0] + "=" + fieldText(nt[1], r[6][k]))).join(" ");
      return e;
    });
  }
  const evs = unpack(data);
  const NEXT = 1, WRITE = 2, INDIRECT = 4, P_AVAIL = 0x80, P_USED = 0x8000;
  const PACKED = data.layout === "packed";
  const EVENT_FLAGS = ["enable", "disable", "desc", "reserved"];
  let st = null, cur = -1;

  function fresh(size, q) {
    const s = { size: size, desc: [], owner: [], queue: q || {}, enabled: false,
      avail: { flags: 0, idx: 0, ring: [], used_event: null },
      used: { flags: 0, idx: 0, ring: [], avail_event: null },
      last_avail: 0, notifies: 0, irqs: 0, suppressed: 0, indirect: null,
      // packed (§2.8.1): the device's positions and wrap counters, the event areas,
      // and per buffer id the ring positions its chain took
      pk: { avail_pos: 0, avail_wrap: 1, used_pos: 0, used_wrap: 1, drv: null, dev: null, ids: {} } };
    for (let i = 0; i < size; i++) {
      s.desc.push(null); s.owner.push("free"); s.avail.ring.push(null); s.used.ring.push(null);
    }
    return s;
  }
  function guessSize() {
    for (const e of evs) if (e.name === "virtio_queue_setup") return e.f.size;
    let m = 0;
    for (const e of evs) {
      const f = e.f;
      for (const k of ["index", "slot", "head"]) if (typeof f[k] === "number") m = Math.max(m, f[k] + 1);
    }
    let n = 1;
    while (n < m) n *= 2;
    return Math.max(n, 8);
  }
  // Follows a chain through the descriptor table (at most size steps: a loop is a bug).
  function chain(s, head) {
    const out = [];
    let i = head;
    for (let k = 0; k < s.size && i < s.size; k++) {
      out.push(i);
      const d = s.desc[i];
      if (!d || !(d.flags & NEXT)) break;
      i = d.next;
    }
    return out;
  }
  function apply(s, e) {
    const f = e.f, n = s.size;
    switch (e.name) {
    case "virtio_queue_setup":
      return fresh(f.size, { desc: f.desc, avail: f.avail, used: f.used });
    case "virtio_reset":
      return fresh(s.size, s.queue);
    case "virtio_queue_enable": s.enabled = !!f.enable; break;
    case "virtio_notify": s.notifies++; break;
    case "desc_write":
      if (f.index < n) {
        s.desc[f.index] = { addr: f.addr, len: f.len, flags: f.flags, next: f.next };
        const o = s.owner[f.index];
        s.owner[f.index] = (o === "device" || o === "inflight") ? "violation" : "driver";
      }
      break;
    case "avail_write": s.avail.ring[f.slot % n] = f.id; break;
    case "avail_flags_write": s.avail.flags = f.flags; break;
    case "used_event_write": s.avail.used_event = f.value; break;
    case "avail_idx": {
      // Publishing idx hands every chain between the old and new idx to the device.
      for (let k = s.avail.idx; k !== f.idx; k = (k + 1) & 0xffff) {
        const head = s.avail.ring[k % n];
        if (head !== null && head < n) for (const i of chain(s, head)) s.owner[i] = "device";
        if (((k - s.avail.idx) & 0xffff) > n) break;
      }
      s.avail.idx = f.idx;
      break;
    }
    case "chain_fetch": {
      // A descriptor with INDIRECT points at a table of its own (§2.7.5.3): the entries
      // after it in the chain are that table's, not the ring's, and are shown apart.
      const k = f.chain.findIndex((d) => d.flags & INDIRECT);
      const ring = k < 0 ? f.chain : f.chain.slice(0, k + 1);
      if (k >= 0) s.indirect = { head: f.head, desc: f.chain[k].index, addr: f.chain[k].addr, len: f.chain[k].len,
                                 entries: f.chain.slice(k + 1), vtime: e.vtime };
      for (const d of ring) if (d.index < n && !(s.owner[d.index] === "free" && !s.desc[d.index])) s.owner[d.index] = "inflight";
      if (f.head < n && s.owner[f.head] !== "inflight") s.owner[f.head] = "inflight";
      s.last_avail = (s.last_avail + 1) & 0xffff;
      break;
    }
    case "used_write": s.used.ring[f.slot % n] = { id: f.id, len: f.len }; break;
    case "used_flags_write": s.used.flags = f.flags; break;
    case "avail_event_write": s.used.avail_event = f.value; break;
    case "used_idx": {
      // Publishing used idx returns each chain named in the new used elements.
      for (let k = s.used.idx; k !== f.idx; k = (k + 1) & 0xffff) {
        const u = s.used.ring[k % n];
        if (u && u.id < n) for (const i of chain(s, u.id)) s.owner[i] = "used";
        if (((k - s.used.idx) & 0xffff) > n) break;
      }
      s.used.idx = f.idx;
      break;
    }
    case "irq_raise": s.irqs++; break;
    case "irq_suppress": s.suppressed++; break;
    default: applyPacked(s, e); break;
    }
    return s;
  }
  // The packed ring's events: one ring whose slots change hands by their flags.
  function applyPacked(s, e) {
    const f = e.f, n = s.size, p = s.pk;
    switch (e.name) {
    case "packed_desc_write":
      if (f.index < n) {
        s.desc[f.index] = { addr: f.addr, len: f.len, id: f.id, flags: f.flags };
        const o = s.owner[f.index];
        s.owner[f.index] = (o === "device" || o === "inflight") ? "violation" : "driver";
      }
      break;
    case "packed_desc_avail": if (f.index < n) s.owner[f.index] = "device"; break;
    case "driver_event_write": p.drv = { off_wrap: f.off_wrap, flags: f.flags }; break;
    case "device_event_write": p.dev = { off_wrap: f.off_wrap, flags: f.flags }; break;
    case "packed_chain_fetch": {
      // Ring descriptors: all of a direct chain, only the first of an indirect one.
      const ring = f.chain.length && (f.chain[0].flags & INDIRECT) ? [f.chain[0]] : f.chain;
      const took = [];
      for (const d of ring) if (d.index < n) { s.owner[d.index] = "inflight"; took.push(d.index); }
      p.ids[f.id] = took;
      p.avail_pos = (f.pos + took.length) % n;
      s.last_avail = (s.last_avail + 1) & 0xffff;
      break;
    }
    case "packed_used_write":
      if (f.pos < n) {
        const d = s.desc[f.pos] || { addr: 0, len: 0, id: 0, flags: 0 };
        s.desc[f.pos] = { addr: d.addr, len: f.len, id: f.id, flags: f.flags };
      }
      for (const i of p.ids[f.id] || []) s.owner[i] = "used";
      p.used_pos = (f.pos + Math.max(1, (p.ids[f.id] || []).length)) % n;
      break;
    case "packed_used_flags": if (f.pos < n && s.desc[f.pos]) s.desc[f.pos].flags = f.flags; break;
    case "packed_wrap": if (f.counter === "avail") p.avail_wrap = f.wrap; else p.used_wrap = f.wrap; break;
    }
  }
  function packedFlags(fl) {
    const a = [];
    if (fl & NEXT) a.push("NEXT");
    if (fl & WRITE) a.push("WRITE");
    if (fl & INDIRECT) a.push("INDIRECT");
    a.push("A" + (fl & P_AVAIL ? 1 : 0) + "U" + (fl & P_USED ? 1 : 0));
    return a.join("|");
  }
  function eventText(ev) {
    return ev ? "off " + (ev.off_wrap & 0x7fff) + " wrap " + (ev.off_wrap >> 15) + ", " + EVENT_FLAGS[ev.flags & 3] : "-";
  }
  function renderPacked(e, s, f, name) {
    $("desc-title").textContent = "Descriptor ring (packed: driver and device share it)";
    $("avail-title").textContent = "Driver area (driver event suppression)";
    $("used-title").textContent = "Device area (device event suppression)";
    const dt = $("desc");
    dt.textContent = "";
    head(dt, ["#", "addr", "len", "id", "flags", "owner"]);
    const touched = new Set();
    if (["packed_desc_write", "packed_desc_avail"].includes(name)) touched.add(f.index);
    if (["packed_used_write", "packed_used_flags"].includes(name)) touched.add(f.pos);
    if (name === "packed_chain_fetch") for (const i of s.pk.ids[f.id] || []) touched.add(i);
    for (let i = 0; i < s.size; i++) {
      const d = s.desc[i];
      const mark = (i === s.pk.avail_pos ? " <next avail" : "") + (i === s.pk.used_pos ? " <next used" : "");
      const r = row(d ? [td(i), td(hex(d.addr)), td(d.len), td(d.id), td(packedFlags(d.flags)), td(s.owner[i] + mark)]
                      : [td(i), td("-"), td("-"), td("-"), td("-"), td(s.owner[i] + mark)],
                    { id: "desc-" + i, "data-owner": s.owner[i] });
      if (touched.has(i)) r.className = "touched";
      dt.appendChild(r);
    }
    const it = $("indirect"), ind = s.indirect;
    it.textContent = "";
    $("indirect-title").textContent = ind ? "Indirect table of desc[" + ind.desc + "] at " + hex(ind.addr) + ", " +
      (ind.len / 16) + " entries (chain of head " + ind.head + ")" : "Indirect table (no chain has used one yet)";
    if (ind) {
      head(it, ["#", "addr", "len", "flags", "next"]);
      for (const d of ind.entries) {
        const r = row([td(d.index), td(hex(d.addr)), td(d.len), td(flagText(d.flags)), td(d.flags & NEXT ? d.next : "-")],
                      { id: "indirect-" + d.index });
        if (name === "chain_fetch" && e.vtime === ind.vtime) r.className = "touched";
        it.appendChild(r);
      }
    }
    kv($("availhdr"), [["driver event", eventText(s.pk.drv), "driver-event", name === "driver_event_write"],
                       ["device next avail (pos, wrap)", s.pk.avail_pos + ", " + s.pk.avail_wrap, "avail-pos",
                        name === "packed_chain_fetch" || (name === "packed_wrap" && f.counter === "avail")]]);
    $("avail").textContent = "";
    kv($("usedhdr"), [["device event", eventText(s.pk.dev), "device-event", name === "device_event_write"],
                      ["device next used (pos, wrap)", s.pk.used_pos + ", " + s.pk.used_wrap, "used-pos",
                       name === "packed_used_write" || (name === "packed_wrap" && f.counter === "used")],
                      ["notifies / irqs / suppressed", s.notifies + " / " + s.irqs + " / " + s.suppressed, "counters",
                       name === "virtio_notify" || name === "irq_raise" || name === "irq_suppress"]]);
    $("used").textContent = "";
  }

  const $ = (id) => document.getElementById(id);
  const hex = (v) => "0x" + Number(v).toString(16);
  function flagText(fl) {
    const a = [];
    if (fl & NEXT) a.push("NEXT");
    if (fl & WRITE) a.push("WRITE");
    if (fl & INDIRECT) a.push("INDIRECT");
    return a.join("|") || "0";
  }
  function td(text, cls) {
    const c = document.createElement("td");
    c.textContent = text;
    if (cls) c.className = cls;
    return c;
  }
  function row(cells, attrs) {
    const r = document.createElement("tr");
    for (const c of cells) r.appendChild(c);
    if (attrs) for (const k in attrs) r.setAttribute(k, attrs[k]);
    return r;
  }
  function head(table, names) {
    table.appendChild(row(names.map((x) => { const h = document.createElement("th"); h.textContent = x; return h; })));
  }
  function kv(table, pairs) {
    table.textContent = "";
    for (const [k, v, id, touched] of pairs) {
      const val = td(v, touched ? "touched" : "");
      val.id = id;
      table.appendChild(row([td(k), val]));
    }
  }

  function render() {
    const e = evs[cur] || null, s = st, f = e ? e.f : {};
    const name = e ? e.name : "";
    $("pos").textContent = String(cur);
    $("count").textContent = String(evs.length);
    $("slider").max = String(Math.max(evs.length - 1, 0));
    $("slider").value = String(Math.max(cur, 0));
    $("event-name").textContent = e ? name : "(no events for this queue)";
    $("event-reg").textContent = e ? e.reg : "";
    $("event-addr").textContent = e && e.addr ? "@ " + e.addr : "";
    $("event-text").textContent = e ? e.text : "";
    document.body.setAttribute("data-step", String(cur));
    if (PACKED) { renderPacked(e, s, f, name); renderList(); return; }

    const dt = $("desc");
    dt.textContent = "";
    head(dt, ["#", "addr", "len", "flags", "next", "owner"]);
    const touchedDesc = new Set();
    if (name === "desc_write") touchedDesc.add(f.index);
    if (name === "chain_fetch") {
      const k = f.chain.findIndex((d) => d.flags & INDIRECT);
      for (const d of (k < 0 ? f.chain : f.chain.slice(0, k + 1))) touchedDesc.add(d.index);
    }
    for (let i = 0; i < s.size; i++) {
      const d = s.desc[i];
      const r = row(d ? [td(i), td(hex(d.addr)), td(d.len), td(flagText(d.flags)), td(d.flags & NEXT ? d.next : "-"), td(s.owner[i])]
                      : [td(i), td("-"), td("-"), td("-"), td("-"), td(s.owner[i])],
                    { id: "desc-" + i, "data-owner": s.owner[i] });
      if (touchedDesc.has(i)) r.className = "touched";
      dt.appendChild(r);
    }
    const it = $("indirect"), ind = s.indirect;
    it.textContent = "";
    $("indirect-title").textContent = ind ? "Indirect table of desc[" + ind.desc + "] at " + hex(ind.addr) + ", " +
      (ind.len / 16) + " entries (chain of head " + ind.head + ")" : "Indirect table (no chain has used one yet)";
    if (ind) {
      head(it, ["#", "addr", "len", "flags", "next"]);
      for (const d of ind.entries) {
        const r = row([td(d.index), td(hex(d.addr)), td(d.len), td(flagText(d.flags)), td(d.flags & NEXT ? d.next : "-")],
                      { id: "indirect-" + d.index });
        if (name === "chain_fetch" && e.vtime === ind.vtime) r.className = "touched";
        it.appendChild(r);
      }
    }
    kv($("availhdr"), [["flags", flagTextAvail(s.avail.flags), "avail-flags", name === "avail_flags_write"],
                       ["idx", s.avail.idx, "avail-idx", name === "avail_idx"],
                       ["used_event", s.avail.used_event === null ? "-" : s.avail.used_event, "avail-used-event", name === "used_event_write"],
                       ["device seen (last_avail)", s.last_avail, "last-avail", name === "chain_fetch"]]);
    const at = $("avail");
    at.textContent = "";
    head(at, ["slot", "id"]);
    for (let k = 0; k < s.size; k++) {
      const v = s.avail.ring[k];
      // published by the driver, not yet fetched by the device
      const pending = ((k - (s.last_avail % s.size) + s.size) % s.size) < ((s.avail.idx - s.last_avail) & 0xffff);
      const r = row([td(k), td(v === null ? "-" : v, pending ? "pending" : "")], { id: "avail-" + k });
      if (name === "avail_write" && f.slot % s.size === k) r.className = "touched";
      at.appendChild(r);
    }
    kv($("usedhdr"), [["flags", s.used.flags & 1 ? "NO_NOTIFY" : "0", "used-flags", name === "used_flags_write"],
                      ["idx", s.used.idx, "used-idx", name === "used_idx"],
                      ["avail_event", s.used.avail_event === null ? "-" : s.used.avail_event, "used-avail-event", name === "avail_event_write"],
                      ["notifies / irqs / suppressed", s.notifies + " / " + s.irqs + " / " + s.suppressed, "counters",
                       name === "virtio_notify" || name === "irq_raise" || name === "irq_suppress"]]);
    const ut = $("used");
    ut.textContent = "";
    head(ut, ["slot", "id", "len"]);
    for (let k = 0; k < s.size; k++) {
      const u = s.used.ring[k];
      const r = row([td(k), td(u ? u.id : "-"), td(u ? u.len : "-")], { id: "used-" + k });
      if (name === "used_write" && f.slot % s.size === k) r.className = "touched";
      ut.appendChild(r);
    }
    renderList();
  }
  function renderList() {
    const list = $("list");
    list.textContent = "";
    for (let i = Math.max(0, cur - 8); i < Math.min(evs.length, cur + 9); i++) {
      const d = document.createElement("div");
      d.textContent = (i === cur ? "> " : "  ") + evs[i].vtime + " " + evs[i].name + "  " + evs[i].reg;
      d.title = evs[i].text;
      if (i === cur) d.className = "cur";
      d.onclick = ((j) => () => go(j))(i);
      list.appendChild(d);
    }
  }
  function flagTextAvail(fl) { return fl & 1 ? "NO_INTERRUPT" : "0"; }

  function go(i) {
    if (!evs.length) { st = fresh(guessSize()); cur = -1; render(); return cur; }
    i = Math.max(0, Math.min(evs.length - 1, Math.floor(Number(i)) || 0));
    if (st === null || i < cur) { st = fresh(guessSize()); cur = -1; }
    while (cur < i) { cur++; st = apply(st, evs[cur]); }
    render();
    if (history.replaceState) history.replaceState(null, "", "#step=" + cur);
    return cur;
  }
  function fromHash() {
    const m = /step=(\d+)/.exec(location.hash || "");
    return m ? Number(m[1]) : (data.start || 0);   // html --from: the window's first event
  }

  $("first").onclick = () => go(0);
  $("prev").onclick = () => go(cur - 1);
  $("next").onclick = () => go(cur + 1);
  $("last").onclick = () => go(evs.length - 1);
  $("slider").oninput = (ev) => go(ev.target.value);
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowRight") { go(cur + 1); ev.preventDefault(); }
    else if (ev.key === "ArrowLeft") { go(cur - 1); ev.preventDefault(); }
    else if (ev.key === "Home") { go(0); ev.preventDefault(); }
    else if (ev.key === "End") { go(evs.length - 1); ev.preventDefault(); }
  });
  window.addEventListener("hashchange", () => { if (fromHash() !== cur) go(fromHash()); });

  window.ringside = {
    step: (n) => go(cur + (n === undefined ? 1 : n)),
    goto: (i) => go(i),
    state: () => JSON.parse(JSON.stringify({ index: cur, event: evs[cur] || null, dev: data.dev,
                                             queue: data.queue, count: evs.length, ring: st })),
  };
  go(fromHash());
})();
</script>
</body>
</html>
"""
