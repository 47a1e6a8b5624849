# Every ringside-trace subcommand on the checked-in vector and on a synthetic trace
# (`ringside-trace demo`, written by the Python twin of the C writer), asserting what
# each output is for: diff finds the first divergence, the exports open in the tools
# they are for, the SVG and the HTML page are standalone.
. tests/integration/lib.sh
: "${PYTHON:=python3}"
command -v "$PYTHON" >/dev/null 2>&1 || skip "python3 not installed"
T="$PYTHON trace/ringside-trace"
V=tests/trace-vectors/all-events.trace
D="$WORK/demo.trace"

$T --help | grep -q 'diff' || fail "--help lists no commands"
for c in info show stats diff export seq html demo; do
    $T $c --help >/dev/null || fail "$c --help exited $?"
done
$T demo "$D" >/dev/null || fail "demo exited $?"

# info and show
$T info $V | grep -q '^firmware sha256: ba7816bf' || fail "info: no firmware hash"
$T info $V | grep -q 'command line: ringside run -append scenario=hello net' || fail "info: no command line"
[ "$($T show $D --type virtio_notify | wc -l)" = 3 ] || fail "show --type"
[ "$($T show $D --family ring_dev --queue 1 | wc -l)" = 4 ] || fail "show --family --queue"
$T show $D --symbol 'virtqueue_*' | grep -qv 'virtqueue_' && fail "show --symbol let other symbols through"
[ "$($T show $V --from 1099511628980 --to 1099511628980 | wc -l)" = 12 ] || fail "show --from/--to"
$T show $V --family nosuch 2>"$WORK/err" && fail "unknown family accepted"
[ "$(wc -l < "$WORK/err")" = 1 ] || fail "unknown family: not one line"

# stats: counts and the virtio ratios
$T stats $D > "$WORK/stats" || fail "stats exited $?"
grep -q '^notifies: 3 (1.500 per frame)' "$WORK/stats" || { cat "$WORK/stats"; fail "stats: notifies per frame"; }
grep -q 'suppression ratio 0.500' "$WORK/stats" || fail "stats: suppression ratio"
$T stats $V --json | "$PYTHON" -c '
import json, sys
s = json.load(sys.stdin)
assert s["events"] == 59, s["events"]
assert s["types"]["chain_fetch"]["count"] == 2
assert sum(t["count"] for t in s["types"].values()) == 59
assert s["virtio"]["irq_suppression_ratio"] == 0.5
' || fail "stats --json"

# diff: equal to itself; a changed field is found, with context, exit 1; errors exit 2
$T diff $V $V >/dev/null || fail "diff of a trace with itself exited $?"
"$PYTHON" - "$D" "$WORK/changed.trace" <<'PY' || fail "cannot build the changed copy"
import sys
sys.path.insert(0, "trace")
import ringside_trace as rt
with rt.TraceReader(sys.argv[1]) as r, rt.TraceWriter(sys.argv[2], r.header.config, r.header.argv) as w:
    for i, ev in enumerate(r):
        if ev.name == "used_write" and ev["queue"] == 0:
            ev.fields["len"] += 1          # the device reports one byte more
        w.emit(ev.name, ev.vtime + (1 if i >= 45 else 0), ev.pc, ev.sym, **ev.fields)
PY
$T diff $D "$WORK/changed.trace" > "$WORK/diff"; rc=$?
[ $rc = 1 ] || { cat "$WORK/diff"; fail "diff of changed copy exited $rc, expected 1"; }
grep -q '^traces diverge at event 42 (len)' "$WORK/diff" || { cat "$WORK/diff"; fail "diff: wrong first divergence"; }
grep -q '^  - expected #42 .*used_write dev=virtio-net queue=0 slot=0 id=0 len=54$' "$WORK/diff" || { cat "$WORK/diff"; fail "diff: no expected line"; }
grep -q '^  + actual   #42 .*len=55$' "$WORK/diff" || { cat "$WORK/diff"; fail "diff: no actual line"; }
grep -q '^    len: expected 54, actual 55$' "$WORK/diff" || { cat "$WORK/diff"; fail "diff: no field line"; }
[ "$(grep -Ec '^    #(39|40|41) ' "$WORK/diff")" = 3 ] || { cat "$WORK/diff"; fail "diff: no context"; }
$T diff $D "$WORK/changed.trace" --ignore len > "$WORK/diff2"; rc=$?
[ $rc = 1 ] && grep -q 'diverge at event 45 (time)' "$WORK/diff2" || { cat "$WORK/diff2"; fail "diff --ignore len"; }
$T diff $D "$WORK/changed.trace" --ignore len,time -q > "$WORK/diff3" || { cat "$WORK/diff3"; fail "diff --ignore len,time"; }
[ -s "$WORK/diff3" ] && fail "diff -q printed something"
$T diff $V $D --ignore nosuchfield 2>/dev/null; [ $? = 2 ] || fail "diff with a bad --ignore did not exit 2"
$T diff $V "$WORK/missing.trace" 2>/dev/null; [ $? = 2 ] || fail "diff with a missing trace did not exit 2"
head -c 300 $D > "$WORK/cut.trace"
$T diff $D "$WORK/cut.trace" 2>"$WORK/err" >/dev/null; [ $? = 2 ] || fail "diff with a truncated trace did not exit 2"
grep -q 'byte offset' "$WORK/err" || fail "diff: truncation without offset"

# module API for golden-trace checks
"$PYTHON" - "$D" "$WORK/changed.trace" <<'PY' || fail "module API"
import sys
sys.path.insert(0, "trace")
import ringside_trace as rt
evs = rt.read_events(sys.argv[1])
assert len(evs) == 54 and evs[0].name == "run_start"
assert rt.diff(sys.argv[1], sys.argv[1]) is None
d = rt.diff(sys.argv[1], sys.argv[2])
assert d.index == 42 and d.fields == ["len"] and d.expected["len"] + 1 == d.actual["len"], d.report()
assert rt.diff(evs, rt.read_events(sys.argv[2]), ignore={"len", "time"}) is None
assert rt.diff(evs, evs[:-1]).fields == ["length"]
PY

# export chrome: JSON with named tracks, one instant event per trace event
$T export $D --format chrome -o "$WORK/d.json" || fail "export chrome exited $?"
"$PYTHON" - "$WORK/d.json" <<'PY' || fail "chrome JSON"
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
tracks = {e["args"]["name"] for e in ev if e.get("ph") == "M" and e["name"] == "thread_name"}
assert {"virtio-net q0", "virtio-net q1", "virtio", "net"} <= tracks, tracks
inst = [e for e in ev if e["ph"] == "i"]
assert len(inst) == 54
tids = {e["tid"] for e in ev if e.get("ph") == "M" and e["name"] == "thread_name"}
assert all(e["tid"] in tids and "args" in e and e["ts"] >= 0 for e in inst)
assert any(e["name"] == "chain_fetch" and e["args"]["chain"][0]["addr"] == "0x80400000" for e in inst)
PY

# export pcapng: tshark reads both frames, in order, with ns timestamps
$T export $D --format pcapng -o "$WORK/d.pcapng" || fail "export pcapng exited $?"
if command -v tshark >/dev/null 2>&1; then
    tshark -r "$WORK/d.pcapng" -T fields -e frame.len -e eth.type -e frame.time_epoch > "$WORK/tshark" 2>"$WORK/tshark.err" \
        || { cat "$WORK/tshark.err"; fail "tshark cannot read the pcapng"; }
    [ "$(wc -l < "$WORK/tshark")" = 2 ] || { cat "$WORK/tshark"; fail "tshark: not 2 frames"; }
    grep -q '^42	0x0806	0.000001000' "$WORK/tshark" || { cat "$WORK/tshark"; fail "tshark: first frame"; }
    tshark -r "$WORK/d.pcapng" 2>/dev/null | grep -q 'is at 52:55:00:00:02:02' || fail "tshark: no ARP reply"
else
    echo "tshark not installed: pcapng not checked with tshark"
    [ "$(head -c 4 "$WORK/d.pcapng" | od -An -tx1 | tr -d ' ')" = 0a0d0d0a ] || fail "pcapng: no section header"
fi

# seq: a standalone SVG with the lifelines and the arrows
$T seq $D -o "$WORK/d.svg" || fail "seq exited $?"
"$PYTHON" - "$WORK/d.svg" <<'PY' || fail "seq SVG"
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg"
text = " ".join(t.text or "" for t in root.iter(ns + "text"))
for want in ("driver (guest)", "device virtio-net", "peer (network)", "notify queue 1",
             "status 0xf (ACK|DRIVER|FEATURES_OK|DRIVER_OK)", "interrupt q0 (used)", "frame 42 bytes ARP"):
    assert want in text, want
groups = [g for g in root.iter(ns + "g") if g.get("class") == "ev"]
assert len(groups) > 20
PY
$T seq $D --max-events 5 -o "$WORK/d5.svg" && grep -q 'more events' "$WORK/d5.svg" || fail "seq --max-events"
[ "$(grep -c 'class="ev"' "$WORK/d5.svg")" = 5 ] || fail "seq --max-events drew a different count"
$T seq $D --from 200 --to 200 -o "$WORK/dt.svg" && [ "$(grep -c 'class="ev"' "$WORK/dt.svg")" = 5 ] || fail "seq --from/--to"
$T seq $V -o "$WORK/v.svg" && "$PYTHON" -c 'import sys,xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$WORK/v.svg" || fail "seq of the vector"

# html: one self-contained page with the queue's events embedded
$T html $D --queue 0 -o "$WORK/d.html" || fail "html exited $?"
grep -Eq 'https?://' "$WORK/d.html" && fail "html refers to the network"
grep -Eq '<(link|img|iframe)|src=' "$WORK/d.html" && fail "html loads something"
"$PYTHON" - "$WORK/d.html" <<'PY' || fail "html data"
import json, re, sys
page = open(sys.argv[1]).read()
m = re.search(r'<script type="application/json" id="ringside-data">(.*?)</script>', page, re.S)
d = json.loads(m.group(1))
assert d["dev"] == "virtio-net" and d["queue"] == 0
names = [e["name"] for e in d["events"]]
assert names[0] == "virtio_queue_setup" and names.count("desc_write") == 5 and "used_idx" in names
assert all(e["f"].get("queue", 0) == 0 for e in d["events"])
regs = {e["name"]: (e["reg"], e["addr"]) for e in d["events"]}
assert regs["avail_idx"] == ("avail.idx", "0x80200082"), regs["avail_idx"]
assert regs["used_write"] == ("used.ring[0]", "0x80201004"), regs["used_write"]
assert "window.ringside" in page
PY
$T html $D --queue 7 -o "$WORK/none.html" 2>"$WORK/err" && grep -q 'no events for queue 7' "$WORK/err" || fail "html of an empty queue"
exit 0
