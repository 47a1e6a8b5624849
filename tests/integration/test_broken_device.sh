# A broken device (--virtio-fault) against the firmware's virtio-net driver running the
# default scenario (DHCP + ping): for each fault the firmware must say what went wrong on
# the console and power off with its own exit code (guestfw/net/netscen.h), never hang.
# --max-insns is only a safety net: hitting it (124) is a failure. Every injected fault
# is a `note` in the trace, and a faulty run replays exactly. A device that failed
# visibly (NEEDS_RESET, a bad used id) makes the firmware stop at once (exit 8); a silent
# one makes it wait out its 15 s (virtual) DHCP timeout, so that trace is megabytes: trace
# text is checked with grep -a on the file (strings are stored verbatim,
# docs/trace-format.md) rather than through the Python reader.
. tests/integration/lib.sh
TRACE_TOOL="$PYTHON trace/ringside-trace"
LIMIT=400000000
# expect_fault NAME FAULT EXIT CONSOLE-REGEX
expect_fault() {
    name=$1 fault=$2 want=$3 line=$4
    run_fw "$WORK/$name.out" --virtio-fault="$fault" --max-insns $LIMIT --trace "$WORK/$name.trace"; rc=$?
    [ $rc != 124 ] || { tail "$WORK/$name.out"; fail "$fault: the firmware hung (--max-insns reached)"; }
    [ $rc = "$want" ] || { cat "$WORK/$name.out"; fail "$fault: exit $rc, expected $want"; }
    grep -q "$line" "$WORK/$name.out" || { cat "$WORK/$name.out"; fail "$fault: console lacks '$line'"; }
    grep -aq "fault injection: ${fault%@*}" "$WORK/$name.trace" ||
        fail "$fault: the trace does not say the fault was injected"
}
# Bad values are refused on the command line, before anything runs.
expect_exit 121 run --virtio-fault=bogus
grep -q "unknown fault" "$WORK/out" || fail "no message for an unknown fault"
expect_exit 121 run --virtio-fault=needs-reset
grep -q "needs a virtual time" "$WORK/out" || fail "no message for needs-reset without @T"

# FEATURES_OK never sticks: the driver fails the device, so there is no netdev (3).
expect_fault refuse refuse-features-ok 3 "virtio-net: device refused the features (status 0x03)"
grep -q "net: no network device" "$WORK/refuse.out" || fail "refuse-features-ok: no 'no network device' line"
$TRACE_TOOL show --raw --type virtio_error "$WORK/refuse.trace" >"$WORK/refuse.err" || fail "refuse-features-ok: trace unreadable"
grep -q "FEATURES_OK refused: injected refusal" "$WORK/refuse.err" ||
    { cat "$WORK/refuse.err"; fail "refuse-features-ok: no virtio_error naming the refusal"; }

# NEEDS_RESET while DHCP runs (just after the first frame the guest sends, found in a
# clean run so the test follows the firmware): the driver gives up on the device at
# once, and DHCP then times out (5).
run_fw "$WORK/base.out" --trace "$WORK/base.trace" || { cat "$WORK/base.out"; fail "the clean run failed"; }
t=$($TRACE_TOOL show --raw --type frame_from_guest "$WORK/base.trace" | awk 'NR == 1 { print $1 + 1 }')
[ -n "$t" ] || fail "the clean run sent no frame"
expect_fault reset "needs-reset@$t" 8 "virtio-net: device set DEVICE_NEEDS_RESET; giving up on it"
grep -q "dhcp: stopped: the device failed" "$WORK/reset.out" || fail "needs-reset: DHCP did not stop at once"
grep -aq "injected device failure (--virtio-fault=needs-reset@$t)" "$WORK/reset.trace" ||
    fail "needs-reset: no virtio_error naming the injected failure"
"$RINGSIDE" replay "$WORK/reset.trace" >"$WORK/reset.replay" 2>&1 || { tail "$WORK/reset.replay"; fail "needs-reset: replay diverged"; }

# A used id that was never made available: out of range on rx0 (every rx head is
# posted), in range but not outstanding on tx0. The ring is marked broken (5: no lease).
expect_fault bogus-rx bogus-used-id 8 "virtio-net: rx0: BAD_RING: used id out of range (id, queue size) (256, 256)"
expect_fault bogus-tx bogus-used-id@1 8 "virtio-net: tx0: BAD_RING: used id is not an outstanding buffer"

# A device that never uses a buffer: the firmware's timeouts in virtual time fire (5).
expect_fault silent silent 5 "dhcp: no lease (timeout)"
exit 0
