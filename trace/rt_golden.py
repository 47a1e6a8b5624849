"""The stable text form of a trace that golden files hold (tests/golden/README.md), and
its comparison: the one implementation that `ringside-trace golden record|check` and
tools/refresh-golden (the project's own golden traces) share.

The text form is the canonical event text without time and pc, with the events that
carry binary-specific values (the cpu family, run_start) or console traffic (uart and
clint accesses, which other tests check) left out; runs of a block of lines repeated
with constant steps in their numbers are folded into one '~ repeat' line, and a file
may start with '~ prefix NAME N' (its first N events are those of NAME.golden beside
it). Standard library only.
"""

import os
import re

import ringside_trace as rt

EXT = ".golden"
# Events left out of the text form: they carry host-compiler-independent but
# binary-specific values (pc, entry, register hashes, timer deadlines) or console text,
# which other tests check. See tests/golden/README.md.
DROP_FAMILIES = {"cpu"}
DROP_EVENTS = {"run_start"}
DROP_REGIONS = {"uart", "clint"}
MAX_BLOCK = 8     # longest repeated block that fold() looks for
MIN_REPEAT = 3    # fewest repetitions worth a fold line


class GoldenError(Exception):
    """A golden file that cannot be read or expanded."""


Failure = GoldenError   # the name the functions below raise under


# ---- the text form ----

def keep(ev):
    if ev.family in DROP_FAMILIES or ev.name in DROP_EVENTS:
        return False
    if ev.family == "bus" and ev.get("region") in DROP_REGIONS:
        return False
    return True


def text_lines(trace, types):
    """(line, event) for each kept event: the canonical event text without time and pc."""
    out = []
    with rt.TraceReader(trace, types) as r:
        for ev in r:
            if keep(ev):
                out.append((ev.format().split(" ", 2)[2], ev))
    return out


# A field value that fold() may step: a whole decimal or 0x-hex value.
NUM = re.compile(r"(?<==)(0x[0-9a-f]+|\d+)(?= |$)")


def skeleton(line):
    nums = NUM.findall(line)
    return NUM.sub("\0", line), [int(v, 0) for v in nums], [v.startswith("0x") for v in nums]


def fmt_num(v, hexa):
    return "0x%x" % v if hexa else "%d" % v


def fold(lines):
    """Folds runs of a block of k lines repeated with constant steps in their numeric
    field values (e.g. the rx buffer fill: index +1, addr +0x600) into the first block
    and one '~ repeat' line. expand(fold(x)) == x."""
    sk = [skeleton(line) for line in lines]
    out, i, n = [], 0, len(lines)
    while i < n:
        best = None
        for k in range(1, MAX_BLOCK + 1):
            if i + 2 * k > n:
                break
            if any(sk[i + j][0] != sk[i + k + j][0] for j in range(k)):
                continue
            step = [[b - a for a, b in zip(sk[i + j][1], sk[i + k + j][1])] for j in range(k)]
            m = 2
            while i + (m + 1) * k <= n:
                ok = True
                for j in range(k):
                    a, b = sk[i + (m - 1) * k + j], sk[i + m * k + j]
                    if a[0] != b[0] or any(y - x != d for x, y, d in zip(a[1], b[1], step[j])):
                        ok = False
                        break
                if not ok:
                    break
                m += 1
            if m >= MIN_REPEAT and (best is None or m * k > best[0] * best[1]):
                best = (m, k, step)
        if best is None:
            out.append(lines[i])
            i += 1
            continue
        m, k, step = best
        out.extend(lines[i:i + k])
        steps = ["%d.%d%+d" % (j + 1, p + 1, d) for j in range(k) for p, d in enumerate(step[j]) if d]
        out.append("~ repeat %d lines %d times%s" % (k, m - 1, (" step " + ",".join(steps)) if steps else ""))
        i += m * k
    return out


REPEAT = re.compile(r"~ repeat (\d+) lines (\d+) times(?: step (\S+))?$")


PREFIX = re.compile(r"~ prefix (\S+) (\d+)$")
MIN_PREFIX = 50   # shortest common prefix worth a '~ prefix' line


def expand(body, base=None, fname="golden"):
    """The inverse of fold(): (line, where) pairs, where says which golden line (and
    repetition) a line comes from. base(name) gives the expanded lines of another case
    for a '~ prefix NAME N' line (the first N events are those of NAME)."""
    out = []
    for lineno, text in body:
        mo = PREFIX.match(text)
        if mo:
            if out or base is None:
                raise Failure("line %d: '~ prefix' must come first" % lineno)
            other = base(mo.group(1))
            n = int(mo.group(2))
            if n > len(other):
                raise Failure("line %d: %s has only %d events" % (lineno, mo.group(1), len(other)))
            out = other[:n]
            continue
        mo = REPEAT.match(text)
        if not mo:
            out.append((text, "%s line %d" % (fname, lineno)))
            continue
        k, times = int(mo.group(1)), int(mo.group(2))
        if k > len(out):
            raise Failure("line %d: repeat of %d lines with only %d before it" % (lineno, k, len(out)))
        steps = {}
        for s in (mo.group(3) or "").split(","):
            if s:
                sm = re.fullmatch(r"(\d+)\.(\d+)([+-]\d+)", s)
                if not sm:
                    raise Failure("line %d: bad step %r" % (lineno, s))
                steps[(int(sm.group(1)) - 1, int(sm.group(2)) - 1)] = int(sm.group(3))
        block = [skeleton(t) for t, _ in out[-k:]]
        for r in range(1, times + 1):
            for j, (sk, vals, hexa) in enumerate(block):
                it = iter(fmt_num(v + r * steps.get((j, p), 0), h) for p, (v, h) in enumerate(zip(vals, hexa)))
                out.append((re.sub("\0", lambda _m: next(it), sk), "%s line %d, repeat %d of %d" % (fname, lineno, r, times)))
    return out


def read_golden(path, _seen=()):
    """(header dict, expanded (line, where) list)."""
    def base(name):
        if name in _seen:
            raise Failure("%s: '~ prefix' loop through %s" % (path, name))
        return read_golden(os.path.join(os.path.dirname(path), name + EXT), _seen + (name,))[1]
    head, body = {}, []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith("#"):
                key, sep, val = line[1:].strip().partition(":")
                if sep:
                    head.setdefault(key.strip(), val.strip())
            elif line:
                body.append((n, line))
    return head, expand(body, base, os.path.relpath(path))


def first_difference(expected, got):
    for i in range(max(len(expected), len(got))):
        a = expected[i][0] if i < len(expected) else None
        b = got[i][0] if i < len(got) else None
        if a != b:
            return i
    return None


def field_diff(a, b):
    fa = dict(f.split("=", 1) for f in a.split(" ")[2:] if "=" in f)
    fb = dict(f.split("=", 1) for f in b.split(" ")[2:] if "=" in f)
    # a line is "symbol event field=value ...": a damaged one may lack the event
    wa, wb = (a.split(" ") + ["", ""])[:2], (b.split(" ") + ["", ""])[:2]
    if wa[1] != wb[1]:
        return "event %s, expected %s" % (wb[1] or "(none)", wa[1] or "(none)")
    out = []
    if wa[0] != wb[0]:
        out.append("sym: expected %s, got %s" % (wa[0], wb[0]))
    out += ["%s: expected %s, got %s" % (k, fa.get(k), fb.get(k)) for k in fa if fa.get(k) != fb.get(k)]
    return "; ".join(out)


def event_of(line, like, types=None):
    """The event a golden line gives, as a reader's Event of like's type at like's time
    and pc (a golden line has neither), or None if the line is not of like's type or
    holds a field this cannot read back (a chain, a frame)."""
    words = line.split(" ")
    if len(words) < 2 or words[1] != like.name:
        return None
    fields = {}
    kinds = dict((f, t) for t, f in like.type.fields)
    for w in words[2:]:
        k, sep, v = w.partition("=")
        if not sep or k not in kinds:
            return None
        t = kinds[k]
        try:
            if t in rt.INT_TYPES and t != "bdf":
                fields[k] = int(v, 0)
            elif t == "name":
                fields[k] = None if v == "-" else v
            else:
                return None
        except ValueError:
            return None
    if set(fields) != set(kinds):
        return None
    return rt.Event(like.type, like.vtime, like.pc, None if words[0] == "-" else words[0], fields)


def names_of(expected_line, got, i):
    """[text] naming what differs at event i by the handshake's language (rt_diff.explain:
    "device features: -CTRL_GUEST_OFFLOADS"), the decoder having followed got up to it;
    [] where the expected line cannot be read back as an event."""
    import rt_decode
    import rt_diff
    b = got[i][1]
    a = event_of(expected_line, b)
    if a is None:
        return []
    dec = rt_decode.Decoder()
    for _, ev in got[:i]:
        dec.observe(ev)
    fields = [f for f in rt.event_differences(a, b) if f not in ("time", "pc")]
    return [t for _, t in rt_diff.explain(dec, dec, a, b, fields)]


def report(name, path, expected, got, i, context):
    lines = ["%s: first divergent event #%d (expected: %s)" % (
        name, i, expected[i][1] if i < len(expected) else "after the last line of " + os.path.relpath(path))]
    for j in range(max(0, i - context), i):
        lines.append("      #%-6d %s" % (j, expected[j][0]))
    a = expected[i][0] if i < len(expected) else "(end of golden trace)"
    if i < len(got):
        ev = got[i][1]
        b = "%s    [time %d pc 0x%x]" % (got[i][0], ev.vtime, ev.pc)
    else:
        b = "(end of trace)"
    lines.append("  - expected #%-6d %s" % (i, a))
    lines.append("  + got      #%-6d %s" % (i, b))
    if i < len(expected) and i < len(got):
        lines.append("    " + field_diff(expected[i][0], got[i][0]))
        lines += ["    = " + t for t in names_of(expected[i][0], got, i)]
    return "\n".join(lines)


