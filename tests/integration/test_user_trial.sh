# The new-user trial of issue 17, as tests. A CI engineer records a golden trace of the
# default run, changes exactly one feature bit (--net-features -ctrl_guest_offloads: the
# device offers one bit less, which the firmware declines anyway), and runs diff, diff
# --align, golden check and replay against the golden: each must name exactly that bit,
# by name, and nothing else (no cascade of events at another time reported as
# differences). A teacher draws the whole default run with seq: it must fit a projector
# (1920x1080, at most 60 arrows) and read in Linux's order.
. tests/integration/lib.sh
T="$PYTHON trace/ringside-trace"
fw=${RINGSIDE_FW:-guestfw/ringside-fw.elf}
[ -f "$fw" ] || fail "no firmware at $fw"
run_fw "$WORK/a.out" --trace "$WORK/a.trace" || { cat "$WORK/a.out"; fail "the default run failed"; }
run_fw "$WORK/c.out" --net-features -ctrl_guest_offloads --trace "$WORK/c.trace" ||
    { cat "$WORK/c.out"; fail "the run with one feature less failed"; }
$T golden record "$WORK/a.trace" >"$WORK/a.golden" || fail "golden record exited $?"

# The lines of a report that say what differs (not the quoted events under them).
said() { grep -v '^  [-+] ' "$1" | grep -v '^      #' | grep -v '^    #'; }

# 1. diff: the header's one option, then the first divergence named by its bit.
$T diff "$WORK/a.trace" "$WORK/c.trace" >"$WORK/diff"; rc=$?
cat "$WORK/diff"
[ $rc = 1 ] || fail "diff exited $rc, expected 1"
[ "$(grep -c '^header:' "$WORK/diff")" = 1 ] &&
    grep -q '^header: command line differs: +--net-features -ctrl_guest_offloads$' "$WORK/diff" ||
    fail "diff: the header is not the one option"
[ "$(grep -c '^    = ' "$WORK/diff")" = 1 ] && grep -q '^    = device features: -CTRL_GUEST_OFFLOADS$' "$WORK/diff" ||
    fail "diff: the divergence is not named by its bit alone"

# 2. diff --align: one difference (the offer, with the register read under it folded
# in), the console line that prints the offer, and a summary; nothing at another time
# is a difference.
$T diff --align "$WORK/a.trace" "$WORK/c.trace" >"$WORK/align"; rc=$?
cat "$WORK/align"
[ $rc = 1 ] || fail "diff --align exited $rc, expected 1"
said "$WORK/align" >"$WORK/align.said"
[ "$(wc -l <"$WORK/align.said")" = 4 ] || fail "diff --align: not 4 lines of findings (header, event, console, summary)"
grep -q '^header: command line differs: +--net-features -ctrl_guest_offloads$' "$WORK/align.said" &&
    grep -Eq '^event [0-9]+ \(actual #[0-9]+\): device features: -CTRL_GUEST_OFFLOADS; also in register common.device_feature$' "$WORK/align.said" ||
    fail "diff --align: the difference is not the bit by name"
# the console line: only the offer's number and the bit's name changed
grep -Eq '^console line [0-9]+: -0x[0-9a-f]+: \+0x[0-9a-f]+: -CTRL_GUEST_OFFLOADS$' "$WORK/align.said" ||
    fail "diff --align: the console difference is not the printed offer"
grep -q '^summary: [0-9]* events compared, 1 difference, ' "$WORK/align.said" &&
    grep -Eq 'same events at another time \(time [-+][0-9]+' "$WORK/align.said" ||
    fail "diff --align: the summary does not count one difference and the time shifts"
grep -q 'only in' "$WORK/align" && fail "diff --align: events reported as only in one trace"
$T diff --align --json "$WORK/a.trace" "$WORK/c.trace" >"$WORK/align.json"
"$PYTHON" - "$WORK/align.json" <<'PY' || fail "diff --align --json: not one named difference"
import json, sys
d = json.load(open(sys.argv[1]))
assert not d["equal"]
assert [x["explain"][0] for x in d["differences"]] == ["device features: -CTRL_GUEST_OFFLOADS"], d["differences"]
assert d["folded"] == 1 and d["time_only"] > 1000, d
assert [c["numbers_only"] for c in d["console"]].count(False) == 1, d["console"]
PY

# 3. golden check: the recorded command line beside this one, the divergence by name.
$T golden check "$WORK/a.golden" "$WORK/c.trace" >"$WORK/golden"; rc=$?
cat "$WORK/golden"
[ $rc = 1 ] || fail "golden check exited $rc, expected 1"
grep -q '^header: command line differs: +--net-features -ctrl_guest_offloads$' "$WORK/golden" &&
    [ "$(grep -c '^    = ' "$WORK/golden")" = 1 ] && grep -q '^    = device features: -CTRL_GUEST_OFFLOADS$' "$WORK/golden" ||
    fail "golden check: the option and the bit are not named"
$T golden check -q "$WORK/a.golden" "$WORK/a.trace" || fail "golden check of the golden's own trace failed"

# 4. replay: the golden replayed by a simulator whose device offers one bit less (the
# recording's command line given the option, as a changed default would) names the bit.
"$PYTHON" - "$WORK/a.trace" "$WORK/moved.trace" <<'PY' || fail "cannot write the recording"
import sys
sys.path.insert(0, "trace")
import ringside_trace as rt
with rt.TraceReader(sys.argv[1]) as r, rt.TraceWriter(sys.argv[2], r.header.config,
        list(r.header.argv) + ["--net-features", "-ctrl_guest_offloads"], r.header.fw_sha256) as w:
    for ev in r:
        w.emit(ev.name, ev.vtime, ev.pc, ev.sym, **ev.fields)
PY
"$RINGSIDE" replay "$WORK/moved.trace" >"$WORK/replay" 2>&1; rc=$?
cat "$WORK/replay"
[ $rc = 123 ] || fail "replay exited $rc, expected 123"
[ "$(grep -c '^  = ' "$WORK/replay")" = 1 ] && grep -q '^  = device features: -CTRL_GUEST_OFFLOADS$' "$WORK/replay" ||
    fail "replay: the divergence is not named by its bit"

# replay --align runs on to the end and reports the same one difference, as diff --align.
"$RINGSIDE" replay --align "$WORK/moved.trace" >"$WORK/ralign" 2>&1; rc=$?
cat "$WORK/ralign"
[ $rc = 123 ] || fail "replay --align exited $rc, expected 123"
grep -q 'the run went on to its end' "$WORK/ralign" &&
    grep -Eq '^event [0-9]+ \(actual #[0-9]+\): device features: -CTRL_GUEST_OFFLOADS; also in register' "$WORK/ralign" &&
    grep -q '^summary: [0-9]* events compared, 1 difference, ' "$WORK/ralign" ||
    fail "replay --align: not the one difference and a summary"
grep -q 'only in' "$WORK/ralign" && fail "replay --align: events reported as only in one trace"

# A bit the driver takes: the first divergence names it too (its consequences follow).
run_fw "$WORK/b.out" --net-features -event_idx --trace "$WORK/b.trace" || fail "the run without EVENT_IDX failed"
$T diff "$WORK/a.trace" "$WORK/b.trace" >"$WORK/diff2"
grep -q '^    = device features: -EVENT_IDX$' "$WORK/diff2" || { cat "$WORK/diff2"; fail "diff: -EVENT_IDX not named"; }
# What the bit brings with it (EVENT_IDX's suppression writes and interrupts): runs of
# events only in one trace are one line each, their types counted; --each lists them all.
$T diff --align "$WORK/a.trace" "$WORK/b.trace" >"$WORK/align2"
$T diff --align --each "$WORK/a.trace" "$WORK/b.trace" >"$WORK/align2e"
grep -Eq '^events [0-9]+…[0-9]+ only in expected \([0-9]+\): avail_event_write ×[0-9]+; from [0-9]+ 0x[0-9a-f]+ m_set_status$' "$WORK/align2" ||
    { cat "$WORK/align2"; fail "diff --align: EVENT_IDX's avail_event writes at DRIVER_OK are not one line"; }
grep -q '^event [0-9]* only in' "$WORK/align2e" || fail "diff --align --each: events not listed one by one"
[ "$(wc -l <"$WORK/align2")" -lt "$(($(wc -l <"$WORK/align2e") / 2))" ] ||
    fail "diff --align: runs not folded ($(wc -l <"$WORK/align2") lines, --each $(wc -l <"$WORK/align2e"))"

# 5. The teacher: the whole default run on one projector page, in Linux's order.
$T seq "$WORK/a.trace" -o "$WORK/a.svg" || fail "seq of the default run exited $?"
"$PYTHON" - "$WORK/a.svg" <<'PY' || fail "seq: the default run does not fit a projector or is out of Linux's order"
import sys
import xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
w, h = int(root.get("width")), int(root.get("height"))
arrows = [g for g in root.iter(ns + "g") if g.get("class") == "ev"]
print("seq: %dx%d, %d arrows" % (w, h, len(arrows)))
assert w <= 1920 and h <= 1080, (w, h)
assert 20 <= len(arrows) <= 60, len(arrows)
heads = [t.text.split(":")[0] for t in root.iter(ns + "text") if t.get("class") == "phase"]
linux = ["virtio_pci_probe", "virtnet_probe", "init_vqs", "register_netdev", "try_fill_recv", "traffic"]
# the firmware, as Linux 6.1, sets DRIVER_OK before it posts its receive buffers
# (virtnet_open): every heading, in Linux's order, none saying it comes early
assert heads == linux, heads
assert not [t.text for t in root.iter(ns + "text") if t.get("class") == "phase" and "before DRIVER_OK" in t.text]
labels = [t.text or "" for t in root.iter(ns + "text")]
# runs collapsed: rx0's receive fill is one arrow; the 4 pings one block
assert any("publish avail.idx = 1\u2026256 (rx0) \u00d7256" in x for x in labels), "fill not one arrow"
assert any(x.startswith("\u00d74: the next") for x in labels), "the pings are not one block"
assert any("seq=1\u20264" in x for x in labels), "the block does not span seq 1 to 4"
PY
# 6. The teacher's pages: small (the rx0 page of the default run was 578 kB as objects),
# the whole device one step per event, an unknown queue an error, --from opens later.
$T html "$WORK/a.trace" --queue rx0 -o "$WORK/rx0.html" || fail "html --queue rx0 exited $?"
$T html --device "$WORK/a.trace" -o "$WORK/dev.html" || fail "html --device exited $?"
rx=$(wc -c <"$WORK/rx0.html"); dev=$(wc -c <"$WORK/dev.html")
echo "html: rx0 page $rx bytes, device page $dev bytes"
[ "$rx" -le 200000 ] && [ "$dev" -le 100000 ] || fail "html pages too large: rx0 $rx, device $dev bytes"
grep -q '<title>ringside: virtio-net, the whole device</title>' "$WORK/dev.html" || fail "html --device: no title"
$T html "$WORK/a.trace" --queue rx9 -o "$WORK/none.html" 2>"$WORK/err"; rc=$?
[ $rc = 1 ] && grep -q 'no queue rx9 .*queues set up: rx0, tx0' "$WORK/err" || { cat "$WORK/err"; fail "html --queue rx9: exit $rc"; }
# a window from just before tx0's first descriptor over its first few frames
tx0=$($T show --raw --type desc_write --queue tx0 "$WORK/a.trace" | head -n 1 | cut -d' ' -f1)
[ -n "$tx0" ] || fail "no desc_write on tx0 in the default run"
from=$((tx0 - 1000)) to=$((tx0 + 36000))
$T html "$WORK/a.trace" --queue tx0 --from $from --to $to -o "$WORK/tx0w.html" || fail "html --from/--to"
"$PYTHON" - "$WORK/tx0w.html" $from $to <<'PY' || fail "html --from/--to: not the window"
import json, re, sys
sys.path.insert(0, "trace")
import rt_html
d = json.loads(re.search(r'id="ringside-data">(.*?)</script>', open(sys.argv[1]).read(), re.S).group(1))
ev = rt_html.unpack(d)
lo, hi = int(sys.argv[2]), int(sys.argv[3])
assert ev and ev[-1]["vtime"] <= hi and d["start"] > 0, (len(ev), d["start"])
assert ev[d["start"]]["vtime"] >= lo > ev[d["start"] - 1]["vtime"]
PY
exit 0
