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
for c in info show stats diff export seq html demo golden "golden record" "golden check"; do
    $T $c --help >/dev/null || fail "$c --help exited $?"
done
$T demo "$D" >/dev/null || fail "demo exited $?"
# demo -o FILE writes the trace there, as TRACE does; neither, or both, is a usage error
$T demo -o "$WORK/demo-o.trace" >/dev/null && [ "$($T show --raw "$WORK/demo-o.trace")" = "$($T show --raw "$D")" ] || fail "demo -o did not write the same events"
$T demo 2>"$WORK/err" && fail "demo without a trace accepted"
grep -q 'give the trace to write as TRACE or as -o FILE' "$WORK/err" || fail "demo without a trace: no message"
# the man page describes every command
for c in info show stats diff export seq html events demo golden; do
    grep -Eq "^\.BI? \"?$c\b" docs/ringside-trace.1 || fail "docs/ringside-trace.1 does not describe $c"
done

# info and show
$T info $V | grep -q '^firmware sha256: ba7816bf' || fail "info: no firmware hash"
$T info $V | grep -qF "command line: ringside run -append 'scenario=hello net' --trace t.trace" || fail "info: no command line, quoted"
[ "$($T show --raw $D --type virtio_notify | wc -l)" = 3 ] || fail "show --type"
[ "$($T show --raw $D --family ring_dev --queue 1 | wc -l)" = 4 ] || fail "show --family --queue"
$T show --raw $D --symbol 'virtqueue_*' | grep -qv 'virtqueue_' && fail "show --symbol let other symbols through"
[ "$($T show --raw $V --from 1099511629001 --to 1099511629001 | wc -l)" = 12 ] || fail "show --from/--to"
$T show --raw $V --family nosuch 2>"$WORK/err" && fail "unknown family accepted"
[ "$(wc -l < "$WORK/err")" = 1 ] || fail "unknown family: not one line"

# show by name (trace/rt_decode.py): status and feature bits, the driver's choice against
# the offer, queue roles, descriptor flags, trap causes, ISR bits, frames as tshark says
$T show $D > "$WORK/named" || fail "show exited $?"
for want in 'dev=virtio-net old=ACKNOWLEDGE|DRIVER new=ACKNOWLEDGE|DRIVER|FEATURES_OK (+FEATURES_OK)' \
            'side=driver word=0 value=MAC|STATUS declined=CSUM|GUEST_CSUM|' \
            'side=device word=1 value=VERSION_1' \
            'virtio_queue_setup dev=virtio-net queue=tx0 size=8' \
            'dev=virtio-net queue=tx0 index=0 addr=0x80400000 len=12 flags=NEXT next=1' \
            'chain=[0:0x80400000/12 NEXT->1, 1:0x80400010/42]' \
            'frame=42B ARP Who has 10.0.2.2? Tell 10.0.2.15' \
            'frame=42B ARP 10.0.2.2 is at 52:55:00:00:02:02' \
            'cause=machine_external_interrupt ' \
            'dev=virtio-net value=QUEUE' \
            'dev=virtio-net queue=tx0 reason=NO_INTERRUPT'; do
    grep -Fq -- "$want" "$WORK/named" || { cat "$WORK/named"; fail "show: no line with $want"; }
done
# the columns line up: every event name starts at the same column
[ "$(awk '{ print index($0, " " $4 " ") }' "$WORK/named" | sort -u | wc -l)" -le 3 ] || fail "show: columns not aligned"
[ "$($T show $D --queue tx0 | wc -l)" = "$($T show --raw $D --queue 1 | wc -l)" ] || fail "show --queue tx0 is not queue 1"
$T show $D --exclude-family ring_drv,ring_dev,virtio,pci,net,cpu,run,note > "$WORK/ex" || fail "show --exclude-family"
[ -s "$WORK/ex" ] && { cat "$WORK/ex"; fail "show --exclude-family left events in"; }
$T show $D --exclude-family nosuch 2>"$WORK/err" && fail "--exclude-family of an unknown family accepted"
grep -q 'exclude-family: unknown family nosuch' "$WORK/err" || fail "--exclude-family: no message"
$T show --raw $V --family bus > "$WORK/bus" || fail "show --family bus"
regions=$(sed -n 's/.* region=\([^ .]*\).*/\1/p' "$WORK/bus" | sort -u | tr '\n' ,)
[ -n "$regions" ] || fail "the vector has no bus events with a region"
$T show --raw $V --family bus --exclude-region "$regions" | grep -q region= && fail "show --exclude-region left accesses in"
[ "$($T show --raw $V --region "${regions%%,*}" | wc -l)" = "$(grep -c " region=${regions%%,*}[ .]" "$WORK/bus")" ] || fail "show --region"
# --follow: a trace still being written is printed as it grows, up to its end record
size=$(wc -c < "$D")
head -c $((size / 2)) "$D" > "$WORK/growing.trace"
( timeout 30 $T show --raw --follow "$WORK/growing.trace" > "$WORK/followed"; echo $? > "$WORK/follow.rc" ) &
sleep 1
tail -c +$((size / 2 + 1)) "$D" >> "$WORK/growing.trace"
wait
[ "$(cat "$WORK/follow.rc")" = 0 ] || fail "show --follow exited $(cat "$WORK/follow.rc")"
$T show --raw "$D" | cmp -s - "$WORK/followed" || fail "show --follow printed other events than show"

# stats: counts and the virtio ratios
$T stats $D > "$WORK/stats" || fail "stats exited $?"
grep -q '^notifies: 3 (1.500 per frame)' "$WORK/stats" || { cat "$WORK/stats"; fail "stats: notifies per frame"; }
grep -q 'suppression ratio 0.500' "$WORK/stats" || fail "stats: suppression ratio"
$T stats $V --json | "$PYTHON" -c '
import json, sys
s = json.load(sys.stdin)
assert s["events"] == 74, s["events"]
assert s["types"]["chain_fetch"]["count"] == 2
assert sum(t["count"] for t in s["types"].values()) == 74
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

# diff as a CI gate: header first, what differs by name, time-only shifts said as such,
# --align going on past an inserted event to every real difference, --json, filters
"$PYTHON" - "$D" "$WORK/ci.trace" <<'PY' || fail "cannot build the CI copy"
import sys
sys.path.insert(0, "trace")
import ringside_trace as rt
with rt.TraceReader(sys.argv[1]) as r, rt.TraceWriter(sys.argv[2], r.header.config + "net_features=-status\n",
                                                      r.header.argv + ["--net-features", "-status"]) as w:
    for i, ev in enumerate(r):
        if ev.name == "virtio_features" and ev["side"] == "driver" and ev["word"] == 0:
            ev.fields["value"] &= ~(1 << 16)        # the driver no longer takes STATUS
        if i == 20:                                 # one more event, early
            w.emit("note", ev.vtime, 0, None, text="extra")
        w.emit(ev.name, ev.vtime + (5 if i >= 30 else 0), ev.pc, ev.sym, **ev.fields)
PY
$T diff $D "$WORK/ci.trace" > "$WORK/ci"; rc=$?
[ $rc = 1 ] || { cat "$WORK/ci"; fail "diff of the CI copy exited $rc"; }
grep -q '^header: command line differs: +--net-features -status$' "$WORK/ci" || { cat "$WORK/ci"; fail "diff: no header line"; }
# the configuration key that --net-features sets is not said a second time
grep -q '^header: configuration differs: net_features' "$WORK/ci" && { cat "$WORK/ci"; fail "diff: the option's configuration key said again"; }
grep -q '^    = driver features: -STATUS$' "$WORK/ci" || { cat "$WORK/ci"; fail "diff: the feature bit is not named"; }
$T diff $D "$WORK/changed.trace" --ignore len > "$WORK/shift"
grep -q '^    same event, time +1$' "$WORK/shift" || { cat "$WORK/shift"; fail "diff: a time-only divergence is not said so"; }
$T diff --align $D "$WORK/ci.trace" > "$WORK/align"; rc=$?
[ $rc = 1 ] || { cat "$WORK/align"; fail "diff --align exited $rc"; }
grep -q '^event 9 (actual #9): driver features: -STATUS$' "$WORK/align" || { cat "$WORK/align"; fail "diff --align: no feature line"; }
grep -q '^event 20 only in actual: .* note text="extra"$' "$WORK/align" || { cat "$WORK/align"; fail "diff --align: no inserted event"; }
grep -q '^summary: 54 events compared, 2 differences, 24 same events at another time (time +5)$' "$WORK/align" ||
    { cat "$WORK/align"; fail "diff --align: summary"; }
$T diff --align --json $D "$WORK/ci.trace" | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
assert not d["equal"] and d["time_only"] == 24 and d["time_shift_range"] == [5, 5], d
assert [x["kind"] for x in d["differences"]] == ["changed", "only_in_actual"], d["differences"]
assert d["differences"][0]["explain"] == ["driver features: -STATUS"]
assert d["header"][0] == "command line differs: +--net-features -status"
' || fail "diff --align --json"
$T diff --align --ignore time --exclude-type note --type virtio_features,note,virtio_status $D "$WORK/ci.trace" > "$WORK/only" ; rc=$?
[ $rc = 1 ] && [ "$(grep -c '^event ' "$WORK/only")" = 1 ] || { cat "$WORK/only"; fail "diff filters: not exactly the feature bit"; }
$T diff --align --family ring_drv,ring_dev --ignore time $D "$WORK/ci.trace" -q > "$WORK/eq"; rc=$?
[ $rc = 0 ] || { cat "$WORK/eq"; fail "diff --family ring_drv,ring_dev --ignore time: rings differ? exit $rc"; }

# golden record|check: the stable text form (trace/rt_golden.py, as tools/refresh-golden)
$T golden record $D -o "$WORK/d.golden" || fail "golden record exited $?"
grep -q '^vp_set_status virtio_status dev=virtio-net old=0x1 new=0x3$' "$WORK/d.golden" || { cat "$WORK/d.golden"; fail "golden record: no text line"; }
grep -Eq ' (run_start|interrupt) ' "$WORK/d.golden" && fail "golden record kept run_start or the cpu family"
$T golden check "$WORK/d.golden" $D > "$WORK/g" || { cat "$WORK/g"; fail "golden check of its own trace"; }
$T golden check "$WORK/d.golden" "$WORK/changed.trace" > "$WORK/g"; rc=$?
[ $rc = 1 ] && grep -q '^    len: expected 54, got 55$' "$WORK/g" || { cat "$WORK/g"; fail "golden check of a changed trace: exit $rc"; }
$T golden check $D $D 2>"$WORK/err"; [ $? = 2 ] && grep -q 'not a golden file' "$WORK/err" || fail "golden check of a non-golden file"

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
assert {"virtio-net rx0", "virtio-net tx0", "virtio", "net"} <= tracks, tracks
inst = [e for e in ev if e["ph"] == "i"]
assert len(inst) == 54
tids = {e["tid"] for e in ev if e.get("ph") == "M" and e["name"] == "thread_name"}
assert all(e["tid"] in tids and "args" in e and e["ts"] >= 0 for e in inst)
assert any(e["name"] == "chain_fetch" and e["args"]["chain"][0]["addr"] == "0x80400000" for e in inst)
# durations: each chain from avail to used on its queue's track, a flow between, counters
names = {e["args"]["name"]: e["tid"] for e in ev if e.get("ph") == "M" and e["name"] == "thread_name"}
spans = [e for e in ev if e["ph"] == "X"]
assert len(spans) == 2 and {e["tid"] for e in spans} == {names["virtio-net rx0"], names["virtio-net tx0"]}, spans
rx = next(e for e in spans if e["tid"] == names["virtio-net rx0"])
assert rx["ts"] == 0.6 and rx["dur"] == 1.4, rx     # avail_write at 60, used_write at 200 (10 ns each)
flows = [e for e in ev if e["ph"] in ("s", "f")]
assert sorted(e["ph"] for e in flows if e["id"] == 1) == ["f", "s"], flows
counters = [e for e in ev if e["ph"] == "C" and e["name"] == "virtio-net rx0 in flight"]
assert [c["args"]["buffers"] for c in counters] == [4, 3, 4], counters
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
for want in ("driver (guest)", "device virtio-net", "peer (network)", "notify tx0",
             "status 0xf (ACKNOWLEDGE|DRIVER|DRIVER_OK|FEATURES_OK)", "interrupt rx0 (used)",
             "frame 42B ARP Who has 10.0.2.2? Tell 10.0.2.15", "driver takes features[0]: MAC|STATUS declined=CSUM"):
    assert want in text, want
groups = [g for g in root.iter(ns + "g") if g.get("class") == "ev"]
assert len(groups) > 20
PY
$T seq $D --max-events 5 -o "$WORK/d5.svg" 2>"$WORK/err"; rc=$?
[ $rc = 3 ] && grep -q 'more events' "$WORK/d5.svg" || fail "seq --max-events: exit $rc, or no note in the SVG"
grep -q 'seq: drew 5 arrows and left out [0-9]* more events' "$WORK/err" || { cat "$WORK/err"; fail "seq: truncation not said on the terminal"; }
# cause before effect: the received frame is drawn before the ring work it caused
"$PYTHON" - "$WORK/d.svg" <<'PY' || fail "seq: the frame to the guest is not before its used push"
import sys
import xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
labels = [t.text for t in ET.parse(sys.argv[1]).getroot().iter(ns + "text") if t.text]
f = next(i for i, t in enumerate(labels) if t.startswith("frame 42B ARP 10.0.2.2 is at"))
u = next(i for i, t in enumerate(labels) if t.startswith("used.idx = 1 (rx0)"))
assert f < u, (f, u)
PY
# phases in Linux's order, each a heading; --phase draws one of them
"$PYTHON" - "$WORK/d.svg" <<'PY' || fail "seq: phases"
import sys
import xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
heads = [t.text.split(":")[0] for t in ET.parse(sys.argv[1]).getroot().iter(ns + "text") if t.get("class") == "phase"]
# the demo's driver posts its receive buffers after DRIVER_OK, as Linux's virtnet_open
assert heads == ["virtio_pci_probe", "virtnet_probe", "init_vqs", "register_netdev", "try_fill_recv", "traffic"], heads
PY
$T seq $D --phase init_vqs -o "$WORK/init.svg" || fail "seq --phase"
# each queue's setup and enable are one arrow
[ "$(grep -c 'class="ev"' "$WORK/init.svg")" = 2 ] && grep -q 'queue tx0: size 8 .*, enabled' "$WORK/init.svg" &&
    ! grep -q 'notify' "$WORK/init.svg" || fail "seq --phase init_vqs drew other phases"
$T seq $D --phase nosuch 2>/dev/null && fail "seq --phase of an unknown phase accepted"
# a run of like arrows is one arrow with a range and a count; --each draws them all
"$PYTHON" - "$D" "$WORK/run.trace" <<'PY' || fail "cannot build the run trace"
import sys
sys.path.insert(0, "trace")
import ringside_trace as rt
with rt.TraceReader(sys.argv[1]) as r, rt.TraceWriter(sys.argv[2], r.header.config, r.header.argv) as w:
    for ev in r:
        w.emit(ev.name, ev.vtime, ev.pc, ev.sym, **ev.fields)
        if ev.name == "virtio_queue_enable" and ev["queue"] == 1:
            for i in range(1, 9):
                w.emit("avail_idx", ev.vtime, ev.pc, ev.sym, dev="virtio-net", queue=0, idx=i)
PY
$T seq "$WORK/run.trace" -o "$WORK/run.svg" || fail "seq of the run trace"
grep -q 'publish avail.idx = 1…8 (rx0) ×8' "$WORK/run.svg" || fail "seq: the run is not one arrow"
[ "$($T seq "$WORK/run.trace" --each | grep -c 'publish avail.idx')" -ge 8 ] || fail "seq --each"
[ "$(grep -c 'class="ev"' "$WORK/d5.svg")" = 5 ] || fail "seq --max-events drew a different count"
$T seq $D --from 200 --to 200 -o "$WORK/dt.svg" && [ "$(grep -c 'class="ev"' "$WORK/dt.svg")" = 5 ] || fail "seq --from/--to"
$T seq $V -o "$WORK/v.svg" && "$PYTHON" -c 'import sys,xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$WORK/v.svg" || fail "seq of the vector"

# html: one self-contained page with the queue's events embedded
$T html $D --queue 0 -o "$WORK/d.html" || fail "html exited $?"
grep -Eq 'https?://' "$WORK/d.html" && fail "html refers to the network"
grep -Eq '<(link|img|iframe)|src=' "$WORK/d.html" && fail "html loads something"
"$PYTHON" - "$WORK/d.html" "$D" <<'PY' || fail "html data"
import json, re, sys
page = open(sys.argv[1]).read()
m = re.search(r'<script type="application/json" id="ringside-data">(.*?)</script>', page, re.S)
d = json.loads(m.group(1))
assert d["dev"] == "virtio-net" and d["queue"] == 0
sys.path.insert(0, "trace")
import rt_html
events = rt_html.unpack(d)       # the page's events, packed as the script unpacks them
names = [e["name"] for e in events]
assert names[0] == "virtio_queue_setup" and names.count("desc_write") == 5 and "used_idx" in names
assert all(e["f"].get("queue", 0) == 0 for e in events)
import ringside_trace as rt
with rt.TraceReader(sys.argv[2]) as r:
    canon = {ev.format() for ev in r}
assert all(e["text"] in canon for e in events), [e["text"] for e in events if e["text"] not in canon][:3]
regs = {e["name"]: (e["reg"], e["addr"]) for e in events}
assert regs["avail_idx"] == ("avail.idx", "0x80200082"), regs["avail_idx"]
assert regs["used_write"] == ("used.ring[0]", "0x80201004"), regs["used_write"]
assert "window.ringside" in page
PY
$T html $D --queue 7 -o "$WORK/none.html" 2>"$WORK/err"; rc=$?
[ $rc = 1 ] && grep -q 'no events for queue 7 .*(queues set up: rx0 (0), tx0 (1))' "$WORK/err" || { cat "$WORK/err"; fail "html of an empty queue: exit $rc"; }
$T html $D --queue tx0 -o "$WORK/tx0.html" || fail "html --queue tx0"
grep -q '<title>ringside: virtio-net tx0 (queue 1)</title>' "$WORK/tx0.html" || fail "html: the title does not name the role"
$T html $D --queue ctrl -o "$WORK/none.html" 2>"$WORK/err" && fail "html --queue ctrl of a trace without one"
grep -q 'no queue ctrl' "$WORK/err" || fail "html --queue ctrl: no message"

# The family list the tools' help names is events.def's, every one of them.
"$PYTHON" - <<'PY' || fail "ringside_trace.FAMILIES differs from the families of events.def"
import sys
sys.path.insert(0, "trace")
import ringside_trace as rt
seen = []
for t in sorted(rt.load_events_def().values(), key=lambda t: t.id):
    if t.family not in seen:
        seen.append(t.family)
assert set(seen) == set(rt.FAMILIES), (seen, rt.FAMILIES)
PY
exit 0
