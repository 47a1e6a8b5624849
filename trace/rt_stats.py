"""`ringside-trace stats`: what a trace holds, counted (docs/trace-format.md).

Counts and bytes per event type and per family, and the virtio figures a driver or
device author tunes against (virtio 1.2 §2.7.7, §2.7.10 on notification suppression):
notifies and interrupts per frame, and how many interrupts the device suppressed.
"""


def compute(reader):
    """Reads every event of an open ringside_trace.TraceReader; returns a dict."""
    types, families = {}, {}
    queues = {}
    notify = irq = suppressed = frames_in = frames_out = frame_bytes = 0
    first = last = None
    for ev in reader:
        t = types.setdefault(ev.name, {"family": ev.family, "count": 0, "bytes": 0})
        t["count"] += 1
        t["bytes"] += ev.size
        f = families.setdefault(ev.family, {"count": 0, "bytes": 0})
        f["count"] += 1
        f["bytes"] += ev.size
        first = ev.vtime if first is None else first
        last = ev.vtime
        name = ev.name
        if "queue" in ev.fields and "dev" in ev.fields:
            q = queues.setdefault("%s/%d" % (ev["dev"], ev["queue"]),
                                  {"notifies": 0, "irq_raise": 0, "irq_suppress": 0, "chains": 0, "used": 0})
            key = {"virtio_notify": "notifies", "irq_raise": "irq_raise", "irq_suppress": "irq_suppress",
                   "chain_fetch": "chains", "used_write": "used",
                   "packed_chain_fetch": "chains", "packed_used_write": "used"}.get(name)
            if key:
                q[key] += 1
        if name == "virtio_notify":
            notify += 1
        elif name == "irq_raise":
            irq += 1
        elif name == "irq_suppress":
            suppressed += 1
        elif name == "frame_to_guest":
            frames_in += 1
            frame_bytes += len(ev["frame"])
        elif name == "frame_from_guest":
            frames_out += 1
            frame_bytes += len(ev["frame"])
    frames = frames_in + frames_out
    h = reader.header
    return {
        "events": reader.count,
        "file_bytes": len(reader.buf),
        "header_bytes": h.length,
        "string_bytes": reader.string_bytes,
        "end_bytes": reader.end_bytes,
        "first_vtime": first,
        "last_vtime": last,
        "types": types,
        "families": families,
        "queues": queues,
        "virtio": {
            "notifies": notify,
            "irq_raise": irq,
            "irq_suppress": suppressed,
            "frames_to_guest": frames_in,
            "frames_from_guest": frames_out,
            "frame_bytes": frame_bytes,
            "notifies_per_frame": notify / frames if frames else None,
            "interrupts_per_frame": irq / frames if frames else None,
            "irq_suppression_ratio": suppressed / (irq + suppressed) if irq + suppressed else None,
        },
    }


def _ratio(v):
    return "-" if v is None else "%.3f" % v


def render(s, path, out):
    """The text report of compute()'s dict."""
    n = s["events"]
    out.write("trace %s: %d events, %d bytes (header %d, strings %d, end %d)\n" % (
        path, n, s["file_bytes"], s["header_bytes"], s["string_bytes"], s["end_bytes"]))
    if n:
        out.write("virtual time %d .. %d (%d instructions)\n" % (
            s["first_vtime"], s["last_vtime"], s["last_vtime"] - s["first_vtime"]))
    out.write("\n%-20s %-9s %10s %12s %9s\n" % ("event", "family", "count", "bytes", "bytes/ev"))
    for name, t in s["types"].items():
        out.write("%-20s %-9s %10d %12d %9.1f\n" % (name, t["family"], t["count"], t["bytes"],
                                                   t["bytes"] / t["count"]))
    out.write("\n%-20s %10s %12s %9s\n" % ("family", "count", "bytes", "bytes/ev"))
    for name, f in s["families"].items():
        out.write("%-20s %10d %12d %9.1f\n" % (name, f["count"], f["bytes"], f["bytes"] / f["count"]))
    v = s["virtio"]
    out.write("\nframes: %d to guest, %d from guest, %d bytes\n" % (
        v["frames_to_guest"], v["frames_from_guest"], v["frame_bytes"]))
    out.write("notifies: %d (%s per frame)\n" % (v["notifies"], _ratio(v["notifies_per_frame"])))
    out.write("interrupts: %d raised (%s per frame), %d suppressed (suppression ratio %s)\n" % (
        v["irq_raise"], _ratio(v["interrupts_per_frame"]), v["irq_suppress"], _ratio(v["irq_suppression_ratio"])))
    if s["queues"]:
        out.write("\n%-24s %9s %9s %9s %9s %9s\n" % ("queue", "notifies", "chains", "used", "irq", "irq_supp"))
        for q in sorted(s["queues"]):
            d = s["queues"][q]
            out.write("%-24s %9d %9d %9d %9d %9d\n" % (q, d["notifies"], d["chains"], d["used"],
                                                       d["irq_raise"], d["irq_suppress"]))
