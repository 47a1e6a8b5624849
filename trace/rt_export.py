"""`ringside-trace export`: a trace in the formats other tools open.

chrome: the Chrome trace-event JSON ("Trace Event Format", the JSON object form) that
  Perfetto and chrome://tracing load: one track (tid) per virtqueue (by role) and one
  per event family, an instant event per trace event with its fields as args; on a
  queue's track each chain is also a duration from avail to used with a flow arrow, and
  a counter gives the buffers in flight. Virtual time is shown as guest time (ts is in
  microseconds).
pcapng: the frames of frame_to_guest / frame_from_guest as Ethernet packets
  (pcapng, draft-ietf-opsawg-pcapng): one interface per virtio device, if_tsresol 9
  (nanoseconds) of guest time, the same scale as `ringside run --pcap`
  (sim/net/backend.h), so both captures agree; epb_flags gives the direction
  (inbound = to the guest) and a comment the event.
Guest time is the guest's own clock: 100 ns per mtime tick of insns_per_tick
instructions (ringside_trace.vtime_ns; the trace header's insns_per_tick=, so 10 ns per
instruction by default, 5 ns with --insns-per-tick 20).
"""

import json
import struct

from ringside_trace import DEFAULT_INSNS_PER_TICK, NS_PER_TICK, TraceError, vtime_ns

MAX_OPTION = 0xffff   # a pcapng option's length is 16 bits


def _text(s):
    """A name for a pcapng string option: UTF-8 as the format requires, bytes that were
    not UTF-8 in the trace escaped (\\xNN), cut to fit an option with a mark."""
    b = s.encode("utf-8", "backslashreplace")
    if len(b) > MAX_OPTION:
        b = b[:MAX_OPTION - 3].decode("utf-8", "ignore").encode("utf-8") + b"..."
    return b


def _arg(t, v):
    if t == "bytes":
        return v.hex()
    if t.startswith("x"):
        return "0x%x" % v
    if t == "bdf":
        return "%02x:%02x.%x" % (v >> 8, (v >> 3) & 31, v & 7)
    if t == "descs":
        return [{"index": d["index"], "addr": "0x%x" % d["addr"], "len": d["len"],
                 "flags": "0x%x" % d["flags"], "next": d["next"]} for d in v]
    return v


def track_of(ev, dec=None):
    """The track an event belongs on: its virtqueue if it has one ("virtio-net tx0", by
    role through rt_decode), else its family."""
    if "queue" in ev.fields:
        dev = ev.get("dev") or "?"
        return "%s %s" % (dev, dec.queue_name(dev, ev["queue"]) if dec else "q%d" % ev["queue"])
    return ev.family


class _Spans:
    """What a queue's track shows besides its instants (virtio 1.2 §2.7.13, §2.7.14): each
    chain as a duration from the driver making it available (avail_write of its head)
    to the device's used push (used_write of that id), joined by a flow arrow; and the
    buffers in flight (avail.idx - used.idx) as a counter."""

    def __init__(self):
        self.pending = {}     # (track, head) -> (ts, flow id)
        self.idx = {}         # track -> [avail.idx, used.idx]
        self.flows = 0

    def event(self, ev, track, tid, ts):
        n = ev.name
        out = []
        if n == "avail_write":
            self.flows += 1
            self.pending[(track, ev["id"])] = (ts, self.flows)   # drawn once used (no dangling flows)
        elif n == "used_write":
            start = self.pending.pop((track, ev["id"]), None)
            if start is not None:
                t0, fid = start
                out.append({"name": "chain %d" % ev["id"], "cat": "chain", "ph": "X", "ts": t0,
                            "dur": max(ts - t0, 0), "pid": 1, "tid": tid,
                            "args": {"head": ev["id"], "used_len": ev["len"]}})
                out.append({"name": "chain", "cat": "flow", "ph": "s", "id": fid, "ts": t0, "pid": 1, "tid": tid})
                out.append({"name": "chain", "cat": "flow", "ph": "f", "bp": "e", "id": fid, "ts": ts,
                            "pid": 1, "tid": tid})
        elif n in ("avail_idx", "used_idx"):
            i = self.idx.setdefault(track, [0, 0])
            i[0 if n == "avail_idx" else 1] = ev["idx"]
            out.append({"name": "%s in flight" % track, "ph": "C", "ts": ts, "pid": 1,
                        "args": {"buffers": (i[0] - i[1]) & 0xffff}})
        elif n == "virtio_reset":
            self.pending = {k: v for k, v in self.pending.items() if not k[0].startswith(ev["dev"] + " ")}
            self.idx = {k: v for k, v in self.idx.items() if not k.startswith(ev["dev"] + " ")}
        return out


def chrome(events, out, title="ringside", insns_per_tick=DEFAULT_INSNS_PER_TICK, header=None):
    """Writes the Chrome trace JSON of events to the text stream out; returns the tracks.
    insns_per_tick: the run's (Header.insns_per_tick()), which sets the guest's clock."""
    import rt_decode
    dec = rt_decode.Decoder(header)
    spans = _Spans()
    tids = {}
    rows = []
    for ev in events:
        dec.observe(ev)
        track = track_of(ev, dec)
        tid = tids.get(track)
        if tid is None:
            tid = tids[track] = len(tids) + 1
        args = {"vtime": ev.vtime, "pc": "0x%x" % ev.pc, "sym": ev.sym, "text": ev.format()}
        for t, fname in ev.type.fields:
            args[fname] = _arg(t, ev[fname])
        ts = vtime_ns(ev.vtime, insns_per_tick) / 1000.0
        rows.append({"name": ev.name, "cat": ev.family, "ph": "i", "s": "t",
                     "ts": ts, "pid": 1, "tid": tid, "args": args})
        rows.extend(spans.event(ev, track, tid, ts))
    meta = [{"name": "process_name", "ph": "M", "pid": 1, "tid": 0, "args": {"name": title}}]
    for track, tid in tids.items():
        meta.append({"name": "thread_name", "ph": "M", "pid": 1, "tid": tid, "args": {"name": track}})
        meta.append({"name": "thread_sort_index", "ph": "M", "pid": 1, "tid": tid, "args": {"sort_index": tid}})
    json.dump({"traceEvents": meta + rows, "displayTimeUnit": "ns",
               "otherData": {"time_unit": "1 instruction = %g ns (insns_per_tick=%d)" % (
                   NS_PER_TICK / insns_per_tick, insns_per_tick)}}, out, indent=None,
              separators=(",", ":"))
    out.write("\n")
    return list(tids)


def _block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def _opt(code, value):
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


_END = struct.pack("<HH", 0, 0)


def pcapng(events, out, app="ringside-trace", insns_per_tick=DEFAULT_INSNS_PER_TICK):
    """Writes the frames among events as pcapng to the binary stream out; returns how
    many frames it wrote. insns_per_tick: as for chrome()."""
    out.write(_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
                     + _opt(4, app.encode()) + _END))
    ifaces = {}
    n = 0
    for ev in events:
        if ev.name not in ("frame_to_guest", "frame_from_guest"):
            continue
        dev = ev.get("dev") or "?"
        ifid = ifaces.get(dev)
        if ifid is None:
            ifid = ifaces[dev] = len(ifaces)
            out.write(_block(1, struct.pack("<HHI", 1, 0, 0)    # LINKTYPE_ETHERNET, snaplen 0
                             + _opt(2, _text(dev))
                             + _opt(9, bytes([9])) + _END))      # if_tsresol 10^-9
        data = ev["frame"]
        flags = 1 if ev.name == "frame_to_guest" else 2           # inbound / outbound
        comment = "%s at %d pc 0x%x%s" % (ev.name, ev.vtime, ev.pc, " (%s)" % ev.sym if ev.sym else "")
        ts = vtime_ns(ev.vtime, insns_per_tick)
        if ts >> 64:
            raise TraceError("%s at virtual time %d: its guest time, %d ns, is past what pcapng's "
                             "64-bit timestamp holds" % (ev.name, ev.vtime, ts))
        body = struct.pack("<IIIII", ifid, ts >> 32, ts & 0xffffffff, len(data), len(data))
        body += data + b"\0" * (-len(data) % 4)
        body += _opt(2, struct.pack("<I", flags)) + _opt(1, _text(comment)) + _END
        out.write(_block(6, body))
        n += 1
    return n
