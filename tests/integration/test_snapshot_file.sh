# Snapshot files (issue 19): the monitor saves the machine at DRIVER_OK, `ringside run
# --from-snapshot` goes on from there, and its trace is the rest of the undisturbed
# run's, event for event (and replays); a snapshot of another configuration, another
# firmware, a truncated one, one with a flipped bit and a file that is no snapshot are
# each refused with the reason, exit status 121 (bad input), before anything runs.
. tests/integration/lib.sh
fw=${RINGSIDE_FW:-guestfw/ringside-fw.elf}
[ -f "$fw" ] || fail "no firmware at $fw"
RT=${RINGSIDE_TRACE:-trace/ringside-trace}

printf 'break-on virtio_status new&DRIVER_OK\ncontinue\nsnapshot save %s\n' "$WORK/s.snap" >"$WORK/script"
"$RINGSIDE" run --fw "$fw" --trace "$WORK/full.trace" --monitor-script "$WORK/script" >"$WORK/a.out" 2>&1 ||
    { cat "$WORK/a.out"; fail "the saving run failed"; }
grep -q "^snapshot of time [0-9]* written to $WORK/s.snap" "$WORK/a.out" || { cat "$WORK/a.out"; fail "no snapshot written"; }

"$RINGSIDE" run --fw "$fw" --from-snapshot "$WORK/s.snap" --trace "$WORK/cont.trace" >"$WORK/b.out" 2>&1 ||
    { cat "$WORK/b.out"; fail "the run from the snapshot failed"; }
grep -q 'scenario ping: ok' "$WORK/b.out" || { cat "$WORK/b.out"; fail "the run from the snapshot did not finish the scenario"; }
grep -q 'ringside firmware' "$WORK/b.out" && fail "the run from the snapshot booted again"
"$PYTHON" "$RT" show --raw "$WORK/full.trace" >"$WORK/full.show"
"$PYTHON" "$RT" show --raw "$WORK/cont.trace" >"$WORK/cont.show"
n=$(wc -l <"$WORK/cont.show")
[ "$n" -gt 100 ] || fail "the continued trace has only $n events"
tail -n "$n" "$WORK/full.show" | cmp - "$WORK/cont.show" || fail "the continued trace is not the rest of the undisturbed run's"
head -n 1 "$WORK/cont.show" | grep -q run_start && fail "the continued trace starts with run_start"
"$RINGSIDE" replay "$WORK/cont.trace" >"$WORK/r.out" 2>&1 || { cat "$WORK/r.out"; fail "the continued trace does not replay"; }

# refused(WHY ARGS...): exit status 121 and WHY in the message.
refused() {
    why=$1; shift
    "$RINGSIDE" run --fw "$fw" "$@" >"$WORK/x.out" 2>&1
    rc=$?
    [ $rc = 121 ] || { cat "$WORK/x.out"; fail "ringside run $* exited $rc, expected 121"; }
    grep -q "$why" "$WORK/x.out" || { cat "$WORK/x.out"; fail "ringside run $*: no '$why' in the message"; }
    grep -q 'ringside firmware' "$WORK/x.out" && fail "ringside run $* ran the guest"
    return 0
}
refused "another machine configuration: the snapshot has 'ram_mib=128', this run 'ram_mib=64'" --from-snapshot "$WORK/s.snap" -m 64
refused "another machine configuration" --from-snapshot "$WORK/s.snap" -append scenario=all
refused "another machine configuration" --from-snapshot "$WORK/s.snap" --net-features -mq
size=$(wc -c <"$WORK/s.snap")
for cut in 0 7 8 100 5000 $((size / 2)) $((size - 1)); do
    head -c $cut "$WORK/s.snap" >"$WORK/t.snap"
    refused "snapshot" --from-snapshot "$WORK/t.snap"
done
for at in 0 9 40 200 3000 $((size / 2)) $((size - 1)); do
    cp "$WORK/s.snap" "$WORK/f.snap"
    b=$(od -An -tu1 -j $at -N1 "$WORK/f.snap" | tr -d ' ')
    printf "$(printf '\\%03o' $(((b ^ 16) & 255)))" | dd of="$WORK/f.snap" bs=1 seek=$at conv=notrunc 2>/dev/null
    refused "snapshot" --from-snapshot "$WORK/f.snap"
done
refused "not a ringside snapshot file" --from-snapshot "$WORK/full.trace"
refused "No such file" --from-snapshot "$WORK/none.snap"
# Another firmware: the same configuration, other bytes.
cp "$fw" "$WORK/fw2.elf"
printf 'x' >>"$WORK/fw2.elf"
"$RINGSIDE" run --fw "$WORK/fw2.elf" --from-snapshot "$WORK/s.snap" >"$WORK/x.out" 2>&1
[ $? = 121 ] && grep -q "another firmware\|another machine configuration" "$WORK/x.out" ||
    { cat "$WORK/x.out"; fail "a snapshot of another firmware was not refused"; }
exit 0
