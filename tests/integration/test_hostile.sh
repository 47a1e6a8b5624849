# A hostile guest (scenario=hostile) breaks one split-ring rule per mode on the tx queue.
# The device must refuse it as the spec says (DEVICE_NEEDS_RESET, a config change
# interrupt, nothing used), name the broken rule in a virtio_error trace event, keep the
# trace complete and replayable, and work again after a reset (an ARP exchange).
. tests/integration/lib.sh
TRACE_TOOL="$PYTHON trace/ringside-trace"
check_mode() {  # MODE REASON [extra run args...]
    mode=$1 reason=$2; shift 2
    t="$WORK/$mode.trace"
    run_fw "$WORK/$mode.out" -append "scenario=hostile mode=$mode $HOSTILE_ARGS" --trace "$t" "$@"; rc=$?
    [ $rc = 0 ] || { cat "$WORK/$mode.out"; fail "mode $mode: exit $rc, expected 0"; }
    grep -q "hostile: device status 0x4[0-9a-f]: DEVICE_NEEDS_RESET set; config change notified" "$WORK/$mode.out" ||
        { cat "$WORK/$mode.out"; fail "mode $mode: no NEEDS_RESET + config change line"; }
    grep -q "tx used idx 0$" "$WORK/$mode.out" || fail "mode $mode: the device used the broken chain"
    grep -q "hostile: after the reset: 10.0.2.2 is-at 52:55:0a:00:02:02" "$WORK/$mode.out" ||
        { cat "$WORK/$mode.out"; fail "mode $mode: no ARP reply after the reset"; }
    $TRACE_TOOL info "$t" >"$WORK/$mode.info" 2>&1 || { cat "$WORK/$mode.info"; fail "mode $mode: trace info failed"; }
    $TRACE_TOOL show "$t" >"$WORK/$mode.show" 2>&1 || { tail "$WORK/$mode.show"; fail "mode $mode: trace show failed"; }
    $TRACE_TOOL show --type virtio_error "$t" >"$WORK/$mode.err" 2>&1 || fail "mode $mode: show --type failed"
    [ "$(wc -l <"$WORK/$mode.err")" = 1 ] || { cat "$WORK/$mode.err"; fail "mode $mode: expected exactly one virtio_error"; }
    grep -q "dev=virtio-net reason=\"queue 1: .*$reason" "$WORK/$mode.err" ||
        { cat "$WORK/$mode.err"; fail "mode $mode: virtio_error does not say '$reason'"; }
    # The error sets NEEDS_RESET (status event) and raises the config interrupt (ISR bit 1).
    grep -q "virtio_status dev=virtio-net old=0xf new=0x4f\|virtio_status dev=virtio-net old=0x7 new=0x47" "$WORK/$mode.show" ||
        fail "mode $mode: no NEEDS_RESET status transition in the trace"
    grep -q "virtio_isr_read dev=virtio-net value=0x[23]" "$WORK/$mode.show" ||
        fail "mode $mode: the ISR never showed the config change bit"
    # Complete: the run's end is recorded; exact: the replay matches event for event.
    grep -q 'run_end status=0 reason="poweroff"' "$WORK/$mode.show" || fail "mode $mode: trace has no run_end"
    "$RINGSIDE" replay "$t" >"$WORK/$mode.replay" 2>&1 || { tail "$WORK/$mode.replay"; fail "mode $mode: replay diverged"; }
    grep -q "events match (guest exit 0)" "$WORK/$mode.replay" || fail "mode $mode: no replay match line"
}
HOSTILE_ARGS=
check_mode loop "descriptor chain at head 0 loops"
check_mode oob "buffer 0x[0-9a-f]*+64 of descriptor 0 is outside guest memory"
check_mode long "longer than the queue size 256"
check_mode wbr "device-readable after a device-writable one"
check_mode indirect-nested "indirect descriptor 0 inside an indirect table"
check_mode idx-jump "avail idx 257 is 257 ahead of the device (0), more than the queue size 256"
check_mode head-oob "names head 256, not below the queue size 256"
# The legacy interface (no FEATURES_OK) and a polling driver (ISR read, no interrupt).
HOSTILE_ARGS=virtio=legacy check_mode loop "loops"
grep -q "legacy interface" "$WORK/loop.out" || fail "virtio=legacy did not use the legacy interface"
HOSTILE_ARGS=irq=off check_mode wbr "device-readable after a device-writable one"
grep -q "config change notified (ISR polled)" "$WORK/wbr.out" || fail "irq=off: the ISR did not show the config change"
# The packed ring (ring=packed, the device offering RING_PACKED): the same rules and the
# packed ring's own (wrap bits, a chain crossing the end unflipped, a buffer id out of
# range), on modern and transitional devices.
P="--net-features=+ring_packed"
HOSTILE_ARGS=ring=packed
check_mode loop "descriptor chain at position 0 loops: NEXT on all 256 descriptors" --virtio modern $P
check_mode oob "buffer 0x[0-9a-f]*+64 of descriptor 0 is outside guest memory" --virtio modern $P
check_mode long "indirect table of descriptor 0 has 257 entries, more than the queue size 256" --virtio modern $P
check_mode wbr "descriptor 1 is device-readable after a device-writable one" --virtio transitional $P
check_mode indirect-nested "indirect descriptor 0 inside an indirect table" --virtio modern $P
check_mode wrap "descriptor 1 of the chain at position 0 is not available (flags 0x8080: AVAIL 1 USED 1, wrap counter 1)" --virtio modern $P
check_mode cross-end "descriptor 0 of the chain at position 1 is not available (flags 0x80: AVAIL 1 USED 0, wrap counter 0)" --virtio transitional $P
check_mode id-oob "buffer id 256 of the chain at position 0 is not below the queue size 256" --virtio modern $P
grep -q "(queue 1, 256 entries, packed)" "$WORK/id-oob.out" || fail "id-oob did not run on a packed ring"
# A mode of the other layout is a set-up error, not a crash.
run_fw "$WORK/x.out" --virtio modern $P -append "scenario=hostile mode=idx-jump ring=packed"; rc=$?
[ $rc = 97 ] && grep -q "mode idx-jump needs a split ring" "$WORK/x.out" || { cat "$WORK/x.out"; fail "idx-jump on packed: exit $rc"; }
run_fw "$WORK/x.out" -append "scenario=hostile mode=wrap"; rc=$?
[ $rc = 97 ] && grep -q "mode wrap needs a packed ring" "$WORK/x.out" || { cat "$WORK/x.out"; fail "wrap on split: exit $rc"; }
HOSTILE_ARGS=
# A missing mode is a usage error with the list of modes, not a crash.
run_fw "$WORK/usage.out" -append scenario=hostile; rc=$?
[ $rc = 90 ] || { cat "$WORK/usage.out"; fail "no mode: exit $rc, expected 90"; }
grep -q "modes: loop oob long wbr indirect-nested idx-jump head-oob wrap cross-end id-oob" "$WORK/usage.out" || fail "no mode list"
exit 0
