# The packed virtqueue (virtio 1.2 §2.8): RING_PACKED is off by default and offered with
# --net-features=+ring_packed on the modern and transitional interfaces (never through
# the legacy one); the firmware takes it with bootargs ring=packed. Every network
# scenario then passes over packed rings on both interfaces with no driver-checker
# report, at odd queue sizes too (wrap counters flipping mid-chain), with and without
# EVENT_IDX and indirect descriptors; the trace holds both sides' packed-ring events,
# replays exactly, and the trace tools read it.
. tests/integration/lib.sh
PACKED="--net-features=+ring_packed"
TFTP_DIR="$WORK/tftp"
mkdir -p "$TFTP_DIR"
i=0
while [ $i -lt 600 ]; do echo "packed ring tftp line $i"; i=$((i + 1)); done >"$TFTP_DIR/blob.txt"

# pk OUT MODE BOOTARGS...: a run that must exit 0 with packed rings and no violation.
pk() {
    o=$1 m=$2; shift 2
    run_fw "$o" --virtio "$m" $PACKED --tftp "$TFTP_DIR" -append "$* ring=packed" ||
        { tail -n 20 "$o"; fail "--virtio $m $*: exit $RC"; }
    grep -q "^virtio-net: vq 1 (tx0): [0-9]* entries, packed: " "$o" || { grep "vq 1" "$o"; fail "$m $*: tx0 is not packed"; }
    ! grep -q "driver violation\|driver checker:" "$o" || { grep "driver" "$o"; fail "$m $*: the checker reported"; }
}
for m in modern transitional; do
    for s in ping udp ctrl mq all; do
        pk "$WORK/$m.$s" $m scenario=$s
        grep -q "^scenario $s: ok (exit 0)$" "$WORK/$m.$s" || fail "$m $s: no ok line"
    done
    pk "$WORK/$m.tftp" $m scenario=tftp file=blob.txt
    grep -q "scenario tftp: ok" "$WORK/$m.tftp" || { tail "$WORK/$m.tftp"; fail "$m tftp"; }
done
grep -q "^4 packets transmitted, 4 received, 0% packet loss$" "$WORK/modern.ping" || fail "ping statistics"
grep -q "RING_PACKED" "$WORK/modern.ping" || fail "the driver did not accept RING_PACKED"

# The packed driver against the firmware's own in-process device.
run_fw "$WORK/selftest" -append scenario=virtio_ring_packed || { tail "$WORK/selftest"; fail "virtio_ring_packed: exit $RC"; }
grep -q "^virtio_ring_packed: all checks passed (0 failures)$" "$WORK/selftest" || fail "virtio_ring_packed checks"

# Sizes that are not powers of 2, small enough that chains cross the ring's end.
for a in "queue_size=3" "queue_size=7 event_idx=off" "queue_size=5 indirect_desc=off" \
         "queue_size=13 event_idx=off indirect_desc=off"; do
    pk "$WORK/odd" modern scenario=all $a
    grep -q "^scenario all: ok (exit 0)$" "$WORK/odd" || fail "scenario=all $a"
    n=${a%% *}; n=${n#queue_size=}
    grep -q "^virtio-net: vq 1 (tx0): $n entries, packed" "$WORK/odd" || fail "$a: queue size not taken"
done

# Off by default; never on the legacy interface; not taken without ring=packed.
run_fw "$WORK/dflt" --virtio modern -append "scenario=ping ring=packed" || fail "default: exit $RC"
! grep -q "RING_PACKED\|packed:" "$WORK/dflt" || fail "RING_PACKED offered by default"
run_fw "$WORK/leg" --virtio legacy $PACKED -append "scenario=ping ring=packed" || fail "legacy: exit $RC"
! grep -q "packed:" "$WORK/leg" || fail "a legacy device gave a packed ring"
run_fw "$WORK/split" --virtio modern $PACKED -append "scenario=ping" || fail "split: exit $RC"
! grep -q "packed:" "$WORK/split" || fail "packed ring without ring=packed"
grep -q "device offers.*RING_PACKED" "$WORK/split" || fail "+ring_packed not offered"
expect_exit 120 run --net-features=+ring_packd -append scenario=hello
grep -q "ring_packed" "$WORK/out" || fail "the list of valid features lacks ring_packed"

# Fault injection over packed rings: a used id never made available (out of range on
# rx0, not outstanding on tx0), and a device that never uses a buffer.
for f in "bogus-used-id|8|rx0: BAD_RING: used id out of range (id, queue size) (256, 256)" \
         "bogus-used-id@1|8|tx0: BAD_RING: used id is not an outstanding buffer" \
         "silent|5|dhcp: no lease (timeout)"; do
    k=${f%%|*}; rest=${f#*|}; want=${rest%%|*}; text=${rest#*|}
    run_fw "$WORK/fault" --virtio modern $PACKED --virtio-fault "$k" -append ring=packed
    [ "$RC" = "$want" ] || { tail "$WORK/fault"; fail "--virtio-fault $k: exit $RC, expected $want"; }
    grep -qF "$text" "$WORK/fault" || { tail "$WORK/fault"; fail "--virtio-fault $k: no '$text'"; }
done

# The monitor's picture of a packed queue.
printf 'until notify queue=rx0\ninfo vq rx0\ncontinue\n' >"$WORK/mon"
run_fw "$WORK/monitor" --virtio modern $PACKED --monitor-script "$WORK/mon" -append "scenario=ping count=1 ring=packed queue_size=4" ||
    { tail "$WORK/monitor"; fail "monitor: exit $RC"; }
grep -q "queue 0 (rx0) of virtio-net: packed ring of 4 entries: " "$WORK/monitor" || fail "info vq: no packed ring line"
grep -q "device keeps: next avail 0 (wrap 1), next used 0 (wrap 1), in flight 0" "$WORK/monitor" || fail "info vq: positions"
[ "$(grep -c "flags WRITE|AVAIL: available (not fetched)" "$WORK/monitor")" = 4 ] || fail "info vq: four rx buffers available"

# Traced: both sides' packed events, an exact replay, the tools read it.
t="$WORK/p.trace"
run_fw "$WORK/traced" --virtio modern $PACKED --trace "$t" -append "scenario=ping ring=packed queue_size=7" ||
    fail "traced: exit $RC"
"$RINGSIDE" replay "$t" >"$WORK/replay" 2>&1 || { tail "$WORK/replay"; fail "replay diverged"; }
grep -q "events match (guest exit 0)" "$WORK/replay" || fail "no replay match line"
T="$PYTHON trace/ringside-trace"
$T show --raw "$t" >"$WORK/show" || fail "trace show failed"
for e in packed_desc_write packed_desc_avail driver_event_write packed_chain_fetch packed_used_write \
         packed_used_flags device_event_write packed_wrap; do
    grep -q " $e dev=virtio-net" "$WORK/show" || fail "no $e event in the trace"
done
# The device fetched what the driver handed over, in the same order, per queue.
"$PYTHON" - "$WORK/show" <<'PY' || fail "fetch order differs from the driver's hand-over order"
import re, sys
avail, fetch = {}, {}
for line in open(sys.argv[1]):
    m = re.search(r" packed_desc_avail dev=\S+ queue=(\d+) index=(\d+)", line)
    if m:
        avail.setdefault(m.group(1), []).append(int(m.group(2)))
    m = re.search(r" packed_chain_fetch dev=\S+ queue=(\d+) pos=(\d+)", line)
    if m:
        fetch.setdefault(m.group(1), []).append(int(m.group(2)))
assert fetch, "no fetches"
for q, f in fetch.items():
    a = avail.get(q, [])
    assert a[:len(f)] == f, (q, a[:10], f[:10])
PY
# Observers change nothing: the driver checker off, and the monitor stopping the run
# and printing the packed queue, leave the same events.
run_fw "$WORK/t-off" --virtio modern $PACKED --check-driver=off --trace "$WORK/off.trace" \
    -append "scenario=ping ring=packed queue_size=7" || fail "checker off: exit $RC"
run_fw "$WORK/t-mon" --virtio modern $PACKED --monitor-script "$WORK/mon" --trace "$WORK/mon.trace" \
    -append "scenario=ping ring=packed queue_size=7" || fail "monitor: exit $RC"
"$PYTHON" - "$t" "$WORK/off.trace" "$WORK/mon.trace" <<'PY' || fail "an observer changed the packed run's events"
import sys
sys.path.insert(0, "trace")
import ringside_trace as rt
base = [e.format() for e in rt.read_events(sys.argv[1])]
for other in sys.argv[2:]:
    got = [e.format() for e in rt.read_events(other)]
    assert got == base, (other, next(i for i, (a, b) in enumerate(zip(base, got)) if a != b) if got[:len(base)] != base else len(got))
PY
$T stats "$t" >"$WORK/stats" || fail "trace stats failed"
grep -q "packed_chain_fetch" "$WORK/stats" || fail "stats lacks packed_chain_fetch"
$T seq "$t" -o "$WORK/seq.svg" || fail "trace seq failed"
$T html "$t" --queue 1 -o "$WORK/p.html" || fail "trace html failed"
grep -q '"layout":"packed"' "$WORK/p.html" || fail "the page does not know the queue is packed"
# The page in a browser, when there is one: at the first fetch the slot is in flight and
# the device's next avail position has moved on.
CHROMIUM=
for c in chromium chromium-browser google-chrome; do
    command -v $c >/dev/null 2>&1 && { CHROMIUM=$c; break; }
done
if [ -n "$CHROMIUM" ] && [ -z "$RINGSIDE_SAN" ]; then
    $T show --raw "$t" --queue 1 >"$WORK/q1.txt"
    step=$(grep -n " packed_chain_fetch " "$WORK/q1.txt" | head -1 | cut -d: -f1)
    step=$((step - 1))
    timeout 120 $CHROMIUM --headless --no-sandbox --disable-gpu --user-data-dir="$WORK/profile" --no-first-run \
        --disable-extensions --dump-dom "file://$WORK/p.html#step=$step" >"$WORK/dom.html" 2>"$WORK/chromium.err" ||
        { tail -5 "$WORK/chromium.err"; fail "chromium --dump-dom failed"; }
    "$PYTHON" - "$WORK/dom.html" "$step" <<'PY' || fail "packed page state at the first fetch"
import html, re, sys
dom, step = open(sys.argv[1]).read(), sys.argv[2]
def text(id):
    m = re.search(r'id="%s"[^>]*>([^<]*)<' % id, dom)
    assert m, "no #%s in the DOM" % id
    return html.unescape(m.group(1))
assert text("pos") == step, (text("pos"), step)
assert text("event-name") == "packed_chain_fetch", text("event-name")
assert text("event-reg").startswith("desc[0] chain"), text("event-reg")
assert text("desc-title").startswith("Descriptor ring (packed"), text("desc-title")
assert re.search(r'<tr id="desc-0" data-owner="inflight"', dom), "slot 0 not in flight"
assert text("avail-pos") == "1, 1", text("avail-pos")
assert "A1U0" in dom, "no AVAIL/USED bits shown"
PY
fi
exit 0
