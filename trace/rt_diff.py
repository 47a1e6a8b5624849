"""`ringside-trace diff` (and replay's comparison options) as a CI gate: what differs
between two traces, said in the handshake's language.

First the headers (command line, machine configuration, firmware hash); then the
events, through the same filters in both traces, compared as ringside_trace.diff does
(type, time, pc, symbol, fields). What differs is named by trace/rt_decode.py: a
feature word's change as the bits gained and lost ("driver features: -EVENT_IDX"), a
status change as its bits, a queue by its role. A difference in time alone is said as
such ("same event, time +5"). With align, the event sequences are matched up (difflib's
longest matching blocks on the events' text without time and pc), so that one inserted
or shifted event does not hide every difference after it: each real difference is
reported, and the time-only shifts are summarised. Standard library only.
"""

import difflib

import ringside_trace as rt
import rt_decode

__all__ = ["header_differences", "compare", "Result"]

# Header configuration keys whose difference does not change the machine: the firmware's
# path (its hash is compared instead) and the simulator's version string.
_HEADER_NOISE = {"fw", "ringside"}


def header_differences(ha, hb):
    """[text] for each header difference that matters: command-line options only in one
    trace, configuration values that differ, the firmware's hash."""
    out = []
    a, b = list(ha.argv[1:]), list(hb.argv[1:])
    if a != b:
        sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        parts = []
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op in ("delete", "replace"):
                parts.append("-" + " ".join(a[i1:i2]))
            if op in ("insert", "replace"):
                parts.append("+" + " ".join(b[j1:j2]))
        out.append("command line differs: %s" % ", ".join(_printable(p) for p in parts))
    ca, cb = ha.config_dict(), hb.config_dict()
    for k in sorted(set(ca) | set(cb)):
        if k in _HEADER_NOISE or ca.get(k) == cb.get(k):
            continue
        out.append("configuration differs: %s=%s, then %s" % (
            _printable(k), _printable(ca.get(k, "(absent)")), _printable(cb.get(k, "(absent)"))))
    if ha.fw_sha256 != hb.fw_sha256:
        out.append("firmware differs: sha256 %s, then %s" % (ha.fw_sha256.hex()[:16], hb.fw_sha256.hex()[:16]))
    return out


def _printable(s):
    return "".join(c if " " <= c < "\x7f" else "\\x%02x" % (ord(c) & 0xff) for c in s)


def _key(ev, ignore):
    """What must be equal for two events to be the same event, time and pc aside."""
    parts = [ev.type.name] + ([] if "sym" in ignore else [ev.sym])
    for t, f in ev.type.fields:
        if f not in ignore:
            parts.append(rt.format_value(t, ev.fields[f]))
    return "\0".join("-" if p is None else p for p in parts)


class Result:
    """The outcome: header notes, [difference dicts] in order, and counts."""

    def __init__(self):
        self.header = []
        self.differences = []
        self.time_shifts = 0
        self.shift_range = None
        self.compared = 0
        self.first = None

    def equal(self):
        return not self.differences

    def as_json(self):
        return {"equal": self.equal(), "header": self.header, "events_compared": self.compared,
                "differences": self.differences, "time_only": self.time_shifts,
                "time_shift_range": self.shift_range}


def explain(dec_a, dec_b, a, b, fields):
    """Named text for the differing fields of two events of one type: [(field, text)]."""
    out = []
    for f in fields:
        if f == "time":
            out.append((f, "time %+d" % (b.vtime - a.vtime)))
            continue
        if f in ("pc", "sym"):
            va = "0x%x" % a.pc if f == "pc" else a.sym
            vb = "0x%x" % b.pc if f == "pc" else b.sym
            out.append((f, "%s %s, then %s" % (f, va, vb)))
            continue
        if a.name == "virtio_features" and f == "value":
            w = a.get("word", 0)
            shift = 32 * w if 0 <= w < 2 else 0
            gone = (a[f] & ~b[f]) << shift
            new = (b[f] & ~a[f]) << shift
            names = []
            if gone:
                names += ["-" + n for n in dec_a.feature_names(gone).split("|")]
            if new:
                names += ["+" + n for n in dec_a.feature_names(new).split("|")]
            out.append((f, "%s features: %s" % (a.get("side"), " ".join(names))))
            continue
        ta = dict(dec_a.fields(a)).get(f)
        tb = dict(dec_b.fields(b)).get(f)
        out.append((f, "%s: %s, then %s" % (f, ta, tb)))
    return out


def _describe(dec, ev):
    return dec.line(ev).split(None, 3)[3] if ev is not None else "(end of trace)"


def compare(events_a, events_b, ignore=(), align=False, dec_a=None, dec_b=None, limit=None):
    """Compares two event iterables; returns a Result. Without align: stops at the first
    difference (a time-only one included, reported as such). With align: matches the
    sequences, counts the time-only shifts and reports every other difference (at most
    limit of them)."""
    ignore = set(ignore)
    dec_a = dec_a or rt_decode.Decoder()
    dec_b = dec_b or rt_decode.Decoder()
    res = Result()

    def shift(d):
        res.time_shifts += 1
        lo, hi = res.shift_range or (d, d)
        res.shift_range = (min(lo, d), max(hi, d))

    def add(kind, i, j, a, b, fields, names):
        if limit is not None and len(res.differences) >= limit:
            return
        res.differences.append({
            "kind": kind, "expected_index": i, "actual_index": j, "fields": fields,
            "expected": a.format() if a is not None else None,
            "actual": b.format() if b is not None else None,
            "event": (a or b).name if (a or b) is not None else None,
            "explain": [t for _, t in names]})
        if res.first is None:
            res.first = (i, j, a, b, fields)

    def pair(i, j, a, b):
        dec_a.observe(a)
        dec_b.observe(b)
        fields = rt.event_differences(a, b, ignore)
        res.compared += 1
        if not fields:
            return True
        if fields == ["time"] and align:
            shift(b.vtime - a.vtime)
            if res.first is None:
                res.first = (i, j, a, b, fields)
            return True
        if fields == ["time"]:
            add("time_only", i, j, a, b, fields, [("time", "same event, time %+d" % (b.vtime - a.vtime))])
        elif "type" in fields:
            add("changed", i, j, a, b, fields, [("type", "%s, then %s" % (a.name, b.name))])
        else:
            add("changed", i, j, a, b, fields, explain(dec_a, dec_b, a, b, fields))
        return False

    if not align:
        ia, ib = iter(events_a), iter(events_b)
        i = 0
        while True:
            a, b = next(ia, None), next(ib, None)
            if a is None and b is None:
                break
            if a is None or b is None:
                add("only_in_" + ("actual" if a is None else "expected"), i, i, a, b, ["length"],
                    [("length", "%s trace ends first" % ("expected" if a is None else "actual"))])
                break
            if not pair(i, i, a, b):
                break
            i += 1
        return res

    la, lb = list(events_a), list(events_b)
    ka = [_key(e, ignore) for e in la]
    kb = [_key(e, ignore) for e in lb]
    sm = difflib.SequenceMatcher(a=ka, b=kb, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                pair(i1 + k, j1 + k, la[i1 + k], lb[j1 + k])
            continue
        for i in range(i1, i2):
            dec_a.observe(la[i])
            add("only_in_expected", i, None, la[i], None, [], [])
        for j in range(j1, j2):
            dec_b.observe(lb[j])
            add("only_in_actual", None, j, None, lb[j], [], [])
    return res


def report(res, dec_a, names=("expected", "actual"), context=()):
    """The human text of a Result: header notes, then each difference with its names."""
    lines = ["header: %s" % h for h in res.header]
    for d in res.differences:
        if d["kind"] in ("changed", "time_only"):
            lines.append("event %s (actual #%s): %s" % (d["expected_index"], d["actual_index"],
                                                         "; ".join(d["explain"])))
            lines.append("  - %s %s" % (names[0], d["expected"]))
            lines.append("  + %s %s" % (names[1], d["actual"]))
        elif d["kind"] == "only_in_expected":
            lines.append("event %s only in %s: %s" % (d["expected_index"], names[0], d["expected"] or "-"))
        else:
            lines.append("event %s only in %s: %s" % (d["actual_index"], names[1], d["actual"] or "(end)"))
    return "\n".join(lines)


def summary(res):
    parts = ["%d events compared" % res.compared, "%d difference%s" % (len(res.differences),
                                                                         "" if len(res.differences) == 1 else "s")]
    if res.time_shifts:
        lo, hi = res.shift_range
        parts.append("%d same event%s at another time (%s)" % (
            res.time_shifts, "" if res.time_shifts == 1 else "s",
            "time %+d" % lo if lo == hi else "time %+d to %+d" % (lo, hi)))
    return "summary: " + ", ".join(parts)
