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
import re

import ringside_trace as rt
import rt_decode

__all__ = ["header_differences", "compare", "Result"]

# Header configuration keys whose difference does not change the machine: the firmware's
# path (its hash is compared instead) and the simulator's version string.
_HEADER_NOISE = {"fw", "ringside"}


def argv_differences(a, b):
    """(text or None, options touched) for two command lines without their program name:
    "command line differs: +--net-features -ctrl_guest_offloads", and the set of the
    options ("--net-features") that the difference adds, drops or gives another value."""
    if a == b:
        return None, set()
    options, parts = set(), []
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        touched = a[i1:i2] + b[j1:j2] + a[max(i1 - 1, 0):i1] + b[max(j1 - 1, 0):j1]
        options |= {x.split("=", 1)[0] for x in touched if x.startswith("--")}
        if op in ("delete", "replace"):
            parts.append("-" + " ".join(a[i1:i2]))
        if op in ("insert", "replace"):
            parts.append("+" + " ".join(b[j1:j2]))
    return "command line differs: %s" % ", ".join(_printable(p) for p in parts), options


def header_differences(ha, hb):
    """[text] for each header difference that matters: command-line options only in one
    trace, configuration values that differ (but those an option of the differing command
    line sets: net_features for --net-features is said once), the firmware's hash."""
    out = []
    text, options = argv_differences(list(ha.argv[1:]), list(hb.argv[1:]))
    if text:
        out.append(text)
    ca, cb = ha.config_dict(), hb.config_dict()
    for k in sorted(set(ca) | set(cb)):
        if k in _HEADER_NOISE or ca.get(k) == cb.get(k) or "--" + k.replace("_", "-") in options:
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
        self.console = []      # console_differences (align)
        self.derived = {}      # event name -> differing events that follow from the rest
        self.folded = 0        # bus accesses folded into the virtio event they carried
        self.left_out = 0      # differences past the limit

    def real(self):
        """The differences that count (console lines that differ only in numbers do
        not: a time the guest measured and printed)."""
        return self.differences + [c for c in self.console if not c["numbers_only"]]

    def equal(self):
        return not (self.differences or self.console or self.derived or self.left_out)

    def as_json(self):
        return {"equal": self.equal(), "header": self.header, "events_compared": self.compared,
                "differences": self.differences, "time_only": self.time_shifts,
                "time_shift_range": self.shift_range, "console": self.console,
                "derived": self.derived, "folded": self.folded, "left_out": self.left_out}


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


# Bus accesses: the register traffic under the virtio events. A bus access that differs
# at the same instruction (time and pc in both traces) as a virtio or ring event says the
# same fact again (the device_feature read under virtio_features) and is folded into it.
_BUS = {"mmio_read", "mmio_write", "pio_read", "pio_write", "pci_cfg_read", "pci_cfg_write"}
# The console: the UART's registers, compared as the text the guest printed (a line that
# changes by one character shifts every polling read after it; the text says what changed).
CONSOLE_REGION = "uart"
CONSOLE_THR = "rbr_thr"
# A state hash covers the whole machine, so it differs whenever anything before it did.
_DERIVED = {"state_hash"}


def _time_field(ev, f):
    """How field f of ev holds a point in time: "vtime" (virtual time, as wfi_sleep's
    until), "ticks" (the CLINT's mtime and mtimecmp, in 100 ns ticks), or None."""
    if ev.name == "wfi_sleep" and f == "until":
        return "vtime"
    if f == "value" and ev.name in ("mmio_read", "mmio_write") and ev.get("region") == "clint" and \
            ev.get("reg") in ("mtime", "mtimecmp"):
        return "ticks"
    return None


def _moved_with_time(a, b, fields, insns_per_tick):
    """True if each differing field other than time holds a point in time that moved as
    the event did (a timer set 86 ticks later by an event 859 later, at 10 per tick)."""
    dt = b.vtime - a.vtime
    for f in fields:
        if f == "time":
            continue
        kind = _time_field(a, f)
        if kind is None:
            return False
        d = b[f] - a[f]
        if kind == "vtime" and d != dt:
            return False
        if kind == "ticks" and abs(d * insns_per_tick - dt) > insns_per_tick:
            return False
    return True


def _is_console(ev):
    return ev.name in ("mmio_read", "mmio_write") and ev.get("region") == CONSOLE_REGION


def console_text(events):
    """The characters the guest wrote to the UART's transmit register, as lines."""
    out = bytearray()
    for ev in events:
        if ev.name == "mmio_write" and ev.get("reg") == CONSOLE_THR:
            out.append(ev["value"] & 0xff)
    return out.decode("utf-8", "replace").split("\n")


def _word_changes(la, lb):
    """The words one line drops and gains: "-CTRL_GUEST_OFFLOADS +0x...2b"."""
    wa, wb = la.split(), lb.split()
    sm = difflib.SequenceMatcher(a=wa, b=wb, autojunk=False)
    out = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op != "equal":
            out += ["-" + w for w in wa[i1:i2]] + ["+" + w for w in wb[j1:j2]]
    return " ".join(out)


_NUMBERS = re.compile(r"[0-9]+(\.[0-9]+)?")


def console_differences(lines_a, lines_b):
    """[dict] for each console line that differs: line numbers (from 1), both texts, the
    words changed, and whether only numbers changed (a measured time the guest printed)."""
    out = []
    sm = difflib.SequenceMatcher(a=lines_a, b=lines_b, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        n = max(i2 - i1, j2 - j1)
        for k in range(n):
            la = lines_a[i1 + k] if i1 + k < i2 else None
            lb = lines_b[j1 + k] if j1 + k < j2 else None
            numbers = la is not None and lb is not None and _NUMBERS.sub("#", la) == _NUMBERS.sub("#", lb)
            out.append({"expected_line": i1 + k + 1 if la is not None else None,
                        "actual_line": j1 + k + 1 if lb is not None else None,
                        "expected": la, "actual": lb, "numbers_only": numbers,
                        "words": _word_changes(la or "", lb or "")})
    return out


def compare(events_a, events_b, ignore=(), align=False, dec_a=None, dec_b=None, limit=None,
            insns_per_tick=rt.DEFAULT_INSNS_PER_TICK, console=True):
    """Compares two event iterables; returns a Result. Without align: stops at the first
    difference (a time-only one included, reported as such). With align: matches the
    sequences and reports each real difference (at most limit of them) once: events
    that moved in time only, with the points in time they hold (a timer's deadline),
    are counted; a register access under a differing virtio event is folded into it; a
    state hash that differs is counted (it follows from the rest); and with console, the
    UART's accesses are compared as the lines the guest printed."""
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
            res.left_out += 1
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
        if align and "type" not in fields and _moved_with_time(a, b, fields, insns_per_tick):
            if "time" in fields:
                shift(b.vtime - a.vtime)
            if res.first is None:
                res.first = (i, j, a, b, fields)
            return True
        if align and a.name in _DERIVED and "type" not in fields:
            res.derived[a.name] = res.derived.get(a.name, 0) + 1
            if "time" in fields:
                shift(b.vtime - a.vtime)
            return True
        if fields == ["time"]:
            add("time_only", i, j, a, b, fields, [("time", "same event, time %+d" % (b.vtime - a.vtime))])
        elif "type" in fields:
            add("changed", i, j, a, b, fields, [("type", "%s, then %s" % (a.name, b.name))])
        else:
            # Aligned, a difference's own time is one more shift, not what differs.
            said = [f for f in fields if f != "time"] if align else fields
            add("changed", i, j, a, b, fields, explain(dec_a, dec_b, a, b, said))
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

    # Event numbers stay those of the whole (filtered) traces when the console is set apart.
    la = list(enumerate(events_a))
    lb = list(enumerate(events_b))
    if console:
        res.console = console_differences(console_text(e for _, e in la if _is_console(e)),
                                          console_text(e for _, e in lb if _is_console(e)))
        la = [x for x in la if not _is_console(x[1])]
        lb = [x for x in lb if not _is_console(x[1])]
    ka = [_key(e, ignore) for _, e in la]
    kb = [_key(e, ignore) for _, e in lb]
    sm = difflib.SequenceMatcher(a=ka, b=kb, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                (i, a), (j, b) = la[i1 + k], lb[j1 + k]
                pair(i, j, a, b)
            continue
        for i, a in la[i1:i2]:
            dec_a.observe(a)
            add("only_in_expected", i, None, a, None, [], [])
        for j, b in lb[j1:j2]:
            dec_b.observe(b)
            add("only_in_actual", None, j, None, b, [], [])
    _fold_bus(res)
    return res


def _fold_bus(res):
    """Folds each differing bus access into a differing non-bus event at the same time
    and pc in both traces (the register access that carried the same value)."""
    at = {}
    for d in res.differences:
        if d["kind"] == "changed" and d["event"] not in _BUS:
            at.setdefault(_where(d), d)
    kept = []
    for d in res.differences:
        host = at.get(_where(d)) if d["kind"] == "changed" and d["event"] in _BUS else None
        if host is None:
            kept.append(d)
            continue
        reg = d["actual"].rsplit(" reg=", 1)[-1].split()[0] if " reg=" in d["actual"] else d["event"]
        host.setdefault("folded", []).append(d)
        host["explain"] = host["explain"][:1] + ["also in register %s" % reg] + host["explain"][1:]
        res.folded += 1
    res.differences = kept


def _where(d):
    """(time, pc) of a difference in both traces, from the canonical lines."""
    def tp(line):
        return tuple(line.split()[:2]) if line else None
    return tp(d["expected"]), tp(d["actual"])


# A run of at least this many events only in one trace, one after the other in the
# report, is told as one line (the consequences of one difference: the interrupts
# EVENT_IDX no longer suppresses, the suppression writes a driver no longer makes).
RUN_MIN = 3


def _runs(diffs):
    """The differences as runs: [d] for one, [d, d, ...] for consecutive events only in
    the same trace."""
    out = []
    for d in diffs:
        only = d["kind"] in ("only_in_expected", "only_in_actual")
        if only and out and out[-1][0]["kind"] == d["kind"]:
            out[-1].append(d)
        else:
            out.append([d])
    return out


def _run_line(run, side, names):
    """One line for a run of events only in one trace: their numbers, how many of each
    event type in order of first appearance, and where the run starts."""
    key = "expected" if side == 0 else "actual"
    idx = [d[key + "_index"] for d in run]
    counts = {}
    for d in run:
        counts[d["event"]] = counts.get(d["event"], 0) + 1
    kinds = ", ".join(e if n == 1 else "%s \u00d7%d" % (e, n) for e, n in counts.items())
    first = (run[0][key] or "").split()
    at = " ".join(first[:3]) if len(first) >= 3 else "-"
    return "events %s\u2026%s only in %s (%d): %s; from %s" % (idx[0], idx[-1], names[side], len(run), kinds, at)


def report(res, dec_a, names=("expected", "actual"), context=(), each=False):
    """The human text of a Result: header notes, then each difference with its names
    (a run of events only in one trace as one line, unless each), then the console
    lines that differ."""
    lines = ["header: %s" % h for h in res.header]
    for run in (([d] for d in res.differences) if each else _runs(res.differences)):
        d = run[0]
        if len(run) >= RUN_MIN:
            lines.append(_run_line(run, 0 if d["kind"] == "only_in_expected" else 1, names))
            continue
        for d in run:
            if d["kind"] in ("changed", "time_only"):
                lines.append("event %s (actual #%s): %s" % (d["expected_index"], d["actual_index"],
                                                             "; ".join(d["explain"])))
                lines.append("  - %s %s" % (names[0], d["expected"]))
                lines.append("  + %s %s" % (names[1], d["actual"]))
            elif d["kind"] == "only_in_expected":
                lines.append("event %s only in %s: %s" % (d["expected_index"], names[0], d["expected"] or "-"))
            else:
                lines.append("event %s only in %s: %s" % (d["actual_index"], names[1], d["actual"] or "(end)"))
    for c in res.console:
        if c["numbers_only"]:
            continue
        where = "line %s" % c["expected_line"] if c["expected_line"] else "after line %s" % c["actual_line"]
        lines.append("console %s: %s" % (where, _printable(c["words"]) or "(blank line)"))
        if c["expected"] is not None:
            lines.append("  - %s %s" % (names[0], _printable(c["expected"])))
        if c["actual"] is not None:
            lines.append("  + %s %s" % (names[1], _printable(c["actual"])))
    return "\n".join(lines)


def _plural(n, word, words=None):
    return "%d %s" % (n, word if n == 1 else words or word + "s")


def summary(res):
    parts = ["%d events compared" % res.compared, _plural(len(res.differences), "difference")]
    if res.left_out:
        parts.append("%d more not listed (--max-differences)" % res.left_out)
    if res.folded:
        parts.append("%s folded into the event %s carried" % (
            _plural(res.folded, "register access", "register accesses"), "it" if res.folded == 1 else "they"))
    text = [c for c in res.console if not c["numbers_only"]]
    numbers = len(res.console) - len(text)
    if text:
        parts.append(_plural(len(text), "console line") + " printed differently")
    if numbers:
        parts.append("%s with other numbers only (times the guest measured)" % _plural(numbers, "console line"))
    for name, n in sorted(res.derived.items()):
        parts.append("%d %s that follow%s from the rest" % (n, name, "s" if n == 1 else ""))
    if res.time_shifts:
        lo, hi = res.shift_range
        parts.append("%d same event%s at another time (%s)" % (
            res.time_shifts, "" if res.time_shifts == 1 else "s",
            "time %+d" % lo if lo == hi else "time %+d to %+d" % (lo, hi)))
    return "summary: " + ", ".join(parts)
