# The Python trace reader agrees with the C one on the checked-in vectors
# (tests/trace-vectors/, which build/unit-tests checks from the C side): the same
# canonical text, the same bytes when rewritten by the Python writer, and every
# truncation or changed byte reported as one line naming a byte offset, never a crash.
. tests/integration/lib.sh
: "${PYTHON:=python3}"
command -v "$PYTHON" >/dev/null 2>&1 || skip "python3 not installed"
T="$PYTHON trace/ringside-trace"
V=tests/trace-vectors/all-events

$T show --raw $V.trace -o "$WORK/show.txt" || fail "show exited $?"
diff -u $V.txt "$WORK/show.txt" || fail "Python text differs from the vector text"
[ "$(wc -l < $V.txt)" -ge 48 ] || fail "the vector text is too short"

# every event type of events.def appears in the vector
"$PYTHON" - "$V.trace" <<'PY' || fail "vector does not cover every event type"
import sys
sys.path.insert(0, "trace")
import ringside_trace as rt
types = rt.load_events_def()
seen = {ev.type.id for ev in rt.read_events(sys.argv[1])}
missing = sorted(t.name for i, t in types.items() if i not in seen)
if missing:
    sys.exit("missing: %s" % ", ".join(missing))
PY

# the Python writer produces the same bytes as the C writer did
"$PYTHON" - "$V.trace" "$WORK/rewritten.trace" <<'PY' || fail "Python writer differs from the C writer"
import sys
sys.path.insert(0, "trace")
import ringside_trace as rt
with rt.TraceReader(sys.argv[1]) as r:
    h = r.header
    with rt.TraceWriter(sys.argv[2], h.config, h.argv, h.fw_sha256) as w:
        for ev in r:
            w.emit(ev.name, ev.vtime, ev.pc, ev.sym, **ev.fields)
a, b = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
if a != b:
    at = next(i for i in range(min(len(a), len(b)) + 1) if i >= min(len(a), len(b)) or a[i] != b[i])
    sys.exit("first difference at byte %d" % at)
PY

# truncated at every length, and every byte changed: a TraceError with an offset
"$PYTHON" - "$V.trace" <<'PY' || fail "Python reader misses corruption"
import sys
sys.path.insert(0, "trace")
import ringside_trace as rt
types = rt.load_events_def()
data = open(sys.argv[1], "rb").read()
n_full = len(rt.read_events(sys.argv[1], types))
bad = []

def check(buf, what, limit):
    path = "mutant.trace"
    with open(path, "wb") as f:
        f.write(buf)
    try:
        n = len(rt.read_events(path, types))
    except rt.TraceError as e:
        if e.offset is None or e.offset > limit or "\n" in str(e):
            bad.append("%s: %s" % (what, e))
        return
    except Exception as e:   # anything but a TraceError is a reader bug
        bad.append("%s: %r" % (what, e))
        return
    bad.append("%s: read %d events, no error" % (what, n))

import os
os.chdir(os.environ.get("WORK", "."))
for cut in range(len(data)):
    check(data[:cut], "cut at %d" % cut, cut)
for at in range(len(data)):
    for flip in (0x01, 0x80, 0xff):
        b = bytearray(data)
        b[at] ^= flip
        check(bytes(b), "flip 0x%02x at %d" % (flip, at), len(data))
# random damage (seeded, so every run tries the same): several bytes changed, bytes
# inserted or removed; anything but a TraceError or a clean read is a reader bug
import random
rng = random.Random(20261125)
for k in range(400):
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(b))
        op = rng.randrange(3)
        if op == 0:
            b[at] = rng.randrange(256)
        elif op == 1:
            b[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        else:
            del b[at:at + rng.randint(1, 8)]
    if bytes(b) == data:
        continue             # a byte set to the value it had: no damage to find
    check(bytes(b), "random damage %d" % k, len(b))
if bad:
    print("\n".join(bad[:10]))
    sys.exit("%d undetected or badly reported mutations" % len(bad))
PY

# the same damage reads the same as in C: events handed out, then the same error
"$PYTHON" - "$V.trace" tests/trace-vectors/damaged.txt <<'PY' || fail "Python and C readers disagree on damaged traces"
import os, sys
sys.path.insert(0, "trace")
import ringside_trace as rt
types = rt.load_events_def()
data = open(sys.argv[1], "rb").read()
want = open(sys.argv[2]).read().splitlines()
path = os.path.join(os.environ.get("WORK", "."), "damaged.trace")
got = []
for line in want:
    what = line.split(":", 1)[0].split()
    if what[0] == "cut":
        buf = data[:int(what[1])]
    else:
        at = int(what[1])
        b = bytearray(data)
        b[at] ^= int(what[2], 16)
        if what[0] == "reflip":
            # fix up the CRC-32 of the block holding the byte, as the C test did
            import struct, zlib
            p = int.from_bytes(data[12:16], "little")
            while True:
                stored = int.from_bytes(data[p:p + 4], "little")
                if at < p + rt.BLOCK_HEADER + stored:
                    body = bytes(b[p + rt.BLOCK_HEADER:p + rt.BLOCK_HEADER + stored])
                    crc = zlib.crc32(body, zlib.crc32(bytes(b[p:p + rt.BLOCK_CRC])))
                    b[p + rt.BLOCK_CRC:p + rt.BLOCK_HEADER] = crc.to_bytes(4, "little")
                    break
                p += rt.BLOCK_HEADER + stored
        buf = bytes(b)
    with open(path, "wb") as f:
        f.write(buf)
    n, msg = 0, "read cleanly"
    try:
        with rt.TraceReader(path, types) as r:
            for _ in r:
                n += 1
    except rt.TraceError as e:
        msg = str(e)[str(e).find("byte offset "):]
    got.append("%s: %d events: %s" % (" ".join(what), n, msg))
bad = [(w, g) for w, g in zip(want, got) if w != g]
for w, g in bad[:5]:
    print("C:      %s\nPython: %s" % (w, g))
if bad or len(want) < 100:
    sys.exit("%d of %d damaged traces read differently" % (len(bad), len(want)))
PY

# docs/trace-format.md carries the event table of events.def, unchanged
$T events > "$WORK/events.md" || fail "events exited $?"
sed -n '/^## Event table/,$p' docs/trace-format.md | grep '^|' > "$WORK/doc-events.md"
diff -u "$WORK/events.md" "$WORK/doc-events.md" || fail "docs/trace-format.md event table differs from events.def (paste \`ringside-trace events\`)"

# the command line reports a corrupt file in one line, exit 1
head -c 200 $V.trace > "$WORK/cut.trace"
$T show --raw "$WORK/cut.trace" >"$WORK/out" 2>"$WORK/err" && fail "show accepted a truncated trace"
[ "$(wc -l < "$WORK/err")" = 1 ] || { cat "$WORK/err"; fail "error is not one line"; }
grep -q 'byte offset [0-9]*:' "$WORK/err" || { cat "$WORK/err"; fail "error does not name the offset"; }
# A real run (many blocks, folded polls, differences): the Python writer rewrites it
# byte for byte, and a zstd-compressed recording reads as the same events.
"$RINGSIDE" run -append "scenario=ping count=300" --trace "$WORK/ping.trace" >/dev/null 2>&1 || fail "traced ping failed"
"$PYTHON" - "$WORK/ping.trace" "$WORK/ping2.trace" <<'PY' || fail "Python writer differs from the C writer on a real run"
import sys
sys.path.insert(0, "trace")
import ringside_trace as rt
with rt.TraceReader(sys.argv[1]) as r:
    h = r.header
    with rt.TraceWriter(sys.argv[2], h.config, h.argv, h.fw_sha256) as w:
        for ev in r:
            w.emit(ev.name, ev.vtime, ev.pc, ev.sym, **ev.fields)
    blocks = len(r.blocks())
a, b = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
if blocks < 3:
    sys.exit("only %d blocks" % blocks)
if a != b:
    at = next(i for i in range(min(len(a), len(b)) + 1) if i >= min(len(a), len(b)) or a[i] != b[i])
    sys.exit("first difference at byte %d" % at)
PY
$T show --raw "$WORK/ping.trace" > "$WORK/ping.txt" || fail "show ping"
if "$RINGSIDE" run -append "scenario=ping count=300" --trace "$WORK/pingz.trace" --trace-compress zstd >/dev/null 2>"$WORK/z.err"; then
    $T show --raw "$WORK/pingz.trace" > "$WORK/pingz.txt" || fail "show a zstd trace"
    cmp -s "$WORK/pingz.txt" "$WORK/ping.txt" || fail "a zstd trace reads differently"
    "$RINGSIDE" replay "$WORK/pingz.trace" >/dev/null 2>&1 || fail "replay of a zstd trace"
    [ "$(wc -c < "$WORK/pingz.trace")" -lt "$(($(wc -c < "$WORK/ping.trace") / 4))" ] || fail "zstd does not compress"
else
    grep -q "without zstd" "$WORK/z.err" || { cat "$WORK/z.err"; fail "--trace-compress zstd failed"; }
fi
# show --from starts at the block holding T and prints exactly the events from T on
t=$(sed -n '20000p' "$WORK/ping.txt" | cut -d' ' -f1)
[ -n "$t" ] || fail "the ping trace is too short"
$T show --raw "$WORK/ping.trace" --from "$t" > "$WORK/from.txt" || fail "show --from"
awk -v t="$t" '$1 >= t' "$WORK/ping.txt" | cmp -s - "$WORK/from.txt" || fail "show --from T differs from the events at T and after"

# Version 1 traces: the Python tools read them and convert them; the C reader refuses
# them with that advice.
$T convert tests/trace-vectors/version1.trace "$WORK/v2.trace" >/dev/null || fail "convert a version 1 trace"
$T show --raw tests/trace-vectors/version1.trace > "$WORK/v1.txt" || fail "show a version 1 trace"
$T show --raw "$WORK/v2.trace" | cmp -s - "$WORK/v1.txt" || fail "a converted trace reads differently"
[ "$(wc -l < "$WORK/v1.txt")" -ge 48 ] || fail "the version 1 vector is too short"
"$RINGSIDE" replay tests/trace-vectors/version1.trace >"$WORK/v1.err" 2>&1 && fail "the C reader read a version 1 trace"
grep -q "ringside-trace convert" "$WORK/v1.err" || { cat "$WORK/v1.err"; fail "no advice for a version 1 trace"; }
# An again record with no event two before (the vector's first event record made one,
# its block CRC fixed): the Python reader names it at its offset, as the C reader does
# (build/unit-tests trace_errors), and hands out no event.
$PYTHON - "$WORK/again.trace" <<'PYEOF' || fail "a bad again record was not reported at its offset"
import sys, zlib
sys.path.insert(0, "trace")
import ringside_trace as rt
b = bytearray(open("tests/trace-vectors/all-events.trace", "rb").read())
blk = int.from_bytes(b[12:16], "little")
def uleb(p):
    v = s = 0
    while True:
        c = b[p]; p += 1; v |= (c & 0x7f) << s; s += 7
        if c < 0x80:
            return v, p
p = blk + 36
while b[p] == 0:                      # string definitions: kind, id, length, bytes
    _, q = uleb(p + 1); n, q = uleb(q); p = q + n
b[p] = 2
size = int.from_bytes(b[blk:blk + 4], "little")
b[blk + 32:blk + 36] = zlib.crc32(bytes(b[blk + 36:blk + 36 + size]), zlib.crc32(bytes(b[blk:blk + 32]))).to_bytes(4, "little")
open(sys.argv[1], "wb").write(b)
got = 0
try:
    with rt.TraceReader(sys.argv[1]) as r:
        for _ in r:
            got += 1
except rt.TraceError as e:
    assert "byte offset %d: malformed again record: no event two before" % p in str(e), str(e)
    assert got == 0, got
else:
    raise SystemExit("read cleanly")
PYEOF
exit 0
