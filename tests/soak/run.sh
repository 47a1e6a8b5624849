#!/bin/sh
# make soak: long stretches of virtual time under AddressSanitizer and UndefinedBehavior-
# Sanitizer (ringside-san), each run traced and replayed, with the guest's own counters
# checked against the trace's. Not part of make check: it takes minutes (the knobs below
# scale it). Every step says what it runs; the first failure stops the soak with the
# reason and keeps its files in $SOAK_DIR.
#
#   SOAK_PINGS   ping round trips of the long run (default 100000; 1000000 for a long soak)
#   SOAK_FLAPS   round trips of the run whose link flaps every SOAK_FLAP_EVERY (virtual
#                time: instructions) (defaults 200 and 369331, about 3.7 ms at 10 insns/tick:
#                a period whose phase turns by 0.38 of a cycle in each of the guest's
#                1 s timeouts, so its sends meet the link both up and down)
#   SOAK_TFTP_MIB size of the file fetched over TFTP (default 16)
#   SOAK_FAULTS  runs with a device failure injected at a random time (default 12)
#   SOAK_SEED    seed of those times (default 1): the same seed is the same soak
set -u
RINGSIDE=${RINGSIDE:-./ringside-san}
PYTHON=${PYTHON:-python3}
SOAK_PINGS=${SOAK_PINGS:-100000}
SOAK_FLAPS=${SOAK_FLAPS:-200}
SOAK_FLAP_EVERY=${SOAK_FLAP_EVERY:-369331}
SOAK_TFTP_MIB=${SOAK_TFTP_MIB:-16}
SOAK_FAULTS=${SOAK_FAULTS:-12}
SOAK_SEED=${SOAK_SEED:-1}
SOAK_DIR=${SOAK_DIR:-build/soak}
TRACE_TOOL="$PYTHON trace/ringside-trace"
# A sanitizer finding exits 99, which no guest exit code and no ringside status uses.
ASAN_OPTIONS="detect_leaks=1:exitcode=99:abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=99${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS UBSAN_OPTIONS

rm -rf "$SOAK_DIR" && mkdir -p "$SOAK_DIR" || exit 1
fail() { echo "soak: FAIL: $*" >&2; echo "soak: files kept in $SOAK_DIR" >&2; exit 1; }
step() { echo "soak: $*"; }
steps=0

# run NAME [RINGSIDE-ARGS...]: one traced run; its exit status in RC. A sanitizer
# report, a crash or the safety limit fails the soak; the guest's own status is the
# caller's to judge.
run() {
    name=$1; shift
    "$RINGSIDE" run --trace "$SOAK_DIR/$name.trace" "$@" >"$SOAK_DIR/$name.out" 2>"$SOAK_DIR/$name.err"
    RC=$?
    check_san "$name" $RC
    [ $RC -lt 120 ] || [ $RC -gt 130 ] || { tail -n 5 "$SOAK_DIR/$name.out" "$SOAK_DIR/$name.err"; fail "$name: ringside exited $RC"; }
}
check_san() {
    if [ "$2" = 99 ] || [ "$2" -gt 130 ] ||
       grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$SOAK_DIR/$1.err"; then
        head -n 40 "$SOAK_DIR/$1.err"; fail "$1: sanitizer report or crash (exit $2)"
    fi
}
# replay NAME: the trace replays exactly (under the sanitizers too), then is deleted
# (the long runs' traces are hundreds of megabytes).
replay() {
    "$RINGSIDE" replay "$SOAK_DIR/$1.trace" >"$SOAK_DIR/$1.replay" 2>"$SOAK_DIR/$1.replay.err"
    rc=$?
    check_san "$1.replay" $rc
    [ $rc = 0 ] || { tail -n 5 "$SOAK_DIR/$1.replay.err"; fail "$1: replay diverged or failed ($rc)"; }
}
done_with() { rm -f "$SOAK_DIR/$1.trace"; steps=$((steps + 1)); }

# counters NAME: the guest's interface counters (scenario=stats) against the trace
# (tests/soak/counters.py says what must add up).
counters() {
    $PYTHON tests/soak/counters.py "$SOAK_DIR/$1.out" "$SOAK_DIR/$1.trace" || fail "$1: the counters do not add up (above)"
}

[ -x "$RINGSIDE" ] || fail "$RINGSIDE is not built (make ringside-san)"
echo "soak: $RINGSIDE, $SOAK_PINGS round trips, $SOAK_FLAPS with link flaps every $SOAK_FLAP_EVERY, $SOAK_TFTP_MIB MiB TFTP, $SOAK_FAULTS faults (seed $SOAK_SEED), files in $SOAK_DIR"

step "[1/5] $SOAK_PINGS ping round trips"
run ping -append "scenario=stats count=$SOAK_PINGS"
[ $RC = 0 ] || { tail -n 5 "$SOAK_DIR/ping.out"; fail "ping: the guest exited $RC"; }
counters ping && replay ping && done_with ping

step "[2/5] $SOAK_FLAPS round trips, the link flapping every $SOAK_FLAP_EVERY"
run flap --link-toggle "every:$SOAK_FLAP_EVERY" -append "scenario=stats count=$SOAK_FLAPS"
# 0, or 10 (some pings lost while the link was down): both are the guest coping.
[ $RC = 0 ] || [ $RC = 10 ] || { tail -n 5 "$SOAK_DIR/flap.out"; fail "flap: the guest exited $RC"; }
n=$(grep -c 'link down (changed)' "$SOAK_DIR/flap.out")
[ "$n" -gt 2 ] || fail "flap: the guest saw $n link-down changes"
echo "  the guest saw the link go down $n times"
counters flap && replay flap && done_with flap

step "[3/5] a $SOAK_TFTP_MIB MiB file over TFTP"
mkdir -p "$SOAK_DIR/tftp"
crc=$($PYTHON - "$SOAK_DIR/tftp/big.bin" "$SOAK_TFTP_MIB" "$SOAK_SEED" <<'EOF'
import random, sys, zlib
rnd = random.Random(int(sys.argv[3]))
data = rnd.randbytes(int(sys.argv[2]) << 20)
open(sys.argv[1], "wb").write(data)
print(f"0x{zlib.crc32(data):08x}")
EOF
) || fail "tftp: could not write the file"
run tftp --tftp "$SOAK_DIR/tftp" -append "scenario=tftp file=big.bin"
[ $RC = 0 ] || { tail -n 5 "$SOAK_DIR/tftp.out"; fail "tftp: the guest exited $RC"; }
grep -q "^tftp: big.bin: $((SOAK_TFTP_MIB << 20)) bytes in .* crc32 $crc, 0 retransmits" "$SOAK_DIR/tftp.out" ||
    { grep '^tftp' "$SOAK_DIR/tftp.out"; fail "tftp: expected $((SOAK_TFTP_MIB << 20)) bytes with crc32 $crc"; }
replay tftp && done_with tftp

step "[4/5] $SOAK_FAULTS device failures at random times (seed $SOAK_SEED)"
run clean -append "scenario=stats count=2000"
[ $RC = 0 ] || fail "clean: the guest exited $RC"
t0=$($TRACE_TOOL show --raw --type frame_from_guest "$SOAK_DIR/clean.trace" | awk 'NR == 1 { print $1 }')
t1=$($TRACE_TOOL show --raw --type run_end "$SOAK_DIR/clean.trace" | awk '{ print $1 }')
[ -n "$t0" ] && [ -n "$t1" ] || fail "clean: no frame or no end in its trace"
done_with clean
# Times drawn from the seed (a linear congruential generator in awk, so the soak needs
# nothing else), uniformly between the first frame and the clean run's end.
awk -v seed="$SOAK_SEED" -v n="$SOAK_FAULTS" -v lo="$t0" -v hi="$t1" 'BEGIN {
    x = seed % 2147483647; if (x <= 0) x += 2147483646
    for (i = 0; i < n; i++) { x = (x * 48271) % 2147483647; printf "%d\n", lo + int((hi - lo) * (x / 2147483647)) }
}' >"$SOAK_DIR/fault-times"
i=0
while read -r t; do
    i=$((i + 1))
    run "fault$i" --virtio-fault "needs-reset@$t" -append "scenario=stats count=2000"
    # The driver must see DEVICE_NEEDS_RESET and give up on the device: the run then ends
    # with 8 (failed during bring-up) or, in the middle of the pings, 10 or 12 (lost,
    # send failed), never with success and never by hanging. (The line is not anchored:
    # the driver prints it from its interrupt handler, possibly inside another line.)
    grep -q 'virtio-net: device set DEVICE_NEEDS_RESET; giving up on it' "$SOAK_DIR/fault$i.out" ||
        { tail -n 5 "$SOAK_DIR/fault$i.out"; fail "fault$i (needs-reset@$t): the driver did not see the failure"; }
    case $RC in 8|10|12) ;; *) tail -n 5 "$SOAK_DIR/fault$i.out"; fail "fault$i (needs-reset@$t): the guest exited $RC, expected 8, 10 or 12";; esac
    grep -aq "injected device failure (--virtio-fault=needs-reset@$t)" "$SOAK_DIR/fault$i.trace" ||
        fail "fault$i: the trace does not name the injected failure"
    replay "fault$i" && done_with "fault$i"
done <"$SOAK_DIR/fault-times"
echo "  $i failures, each seen by the driver and replayed exactly"

step "[5/5] every scenario (scenario=all) and every hostile driver mode"
run all -append scenario=all
[ $RC = 0 ] || { tail -n 5 "$SOAK_DIR/all.out"; fail "all: the guest exited $RC"; }
replay all && done_with all
# Each hostile mode breaks one ring rule; the device must refuse it and work after the
# driver's reset (tests/integration/test_hostile.sh checks the details).
for mode in loop oob long wbr indirect-nested idx-jump head-oob; do
    run "hostile-$mode" -append "scenario=hostile mode=$mode"
    [ $RC = 0 ] || { tail -n 5 "$SOAK_DIR/hostile-$mode.out"; fail "hostile mode=$mode: the guest exited $RC"; }
    grep -q "hostile: after the reset: 10.0.2.2 is-at" "$SOAK_DIR/hostile-$mode.out" ||
        fail "hostile mode=$mode: the device did not work after the reset"
    replay "hostile-$mode" && done_with "hostile-$mode"
done

echo "soak: ok ($steps runs, no sanitizer report, every trace replayed)"
