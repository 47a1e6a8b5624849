# Time travel (issue 19): going back and forth over a run leaves its recording as the
# undisturbed run writes it, byte for byte (trace file, --pcap capture, console).
# 1. The monitor: stop at the first transmit notify, reverse-stepi back into the
#    driver's publish, stepi forward again, goto, goto-event (checked against
#    ringside-trace show -n), reverse-continue from the end back to the only moment of
#    a condition and once more to the start, then continue; with the default snapshot
#    interval and with snapshots every 100000 instructions.
# 2. gdb (skipped without gdb-multiarch): break on m_notify (the modern notify), reverse-stepi, stepi, a
#    second hit, reverse-continue back to the first; the trace is unchanged.
. tests/integration/lib.sh
fw=${RINGSIDE_FW:-guestfw/ringside-fw.elf}
[ -f "$fw" ] || fail "no firmware at $fw"
RT=${RINGSIDE_TRACE:-trace/ringside-trace}

"$RINGSIDE" run --fw "$fw" --trace "$WORK/plain.trace" --pcap "$WORK/plain.pcapng" >"$WORK/plain.out" 2>&1 ||
    { cat "$WORK/plain.out"; fail "the undisturbed run failed"; }
"$PYTHON" "$RT" show --raw -n "$WORK/plain.trace" >"$WORK/plain.show" || fail "ringside-trace show -n failed"
# The first transmit's notify and its event number.
notify=$(grep -m1 ' virtio_notify dev=virtio-net queue=1' "$WORK/plain.show")
[ -n "$notify" ] || fail "no transmit notify in the undisturbed run"
n=$(echo "$notify" | sed 's/^#\([0-9]*\) .*/\1/')

for every in default 100000; do
    opt=
    [ $every = default ] || opt="--snapshot-every $every"
    cat >"$WORK/script" <<EOS
break-on notify queue=tx0
continue
reverse-stepi
reverse-stepi 5
stepi 6
goto 300000
goto-event $n
delete
continue
break-on virtio_status new&DRIVER_OK
reverse-continue
reverse-continue
info snapshots
continue
EOS
    "$RINGSIDE" run --fw "$fw" $opt --trace "$WORK/tt.trace" --pcap "$WORK/tt.pcapng" --monitor-script "$WORK/script" \
        >"$WORK/tt.out" 2>&1 || { cat "$WORK/tt.out"; fail "the travelled run failed ($every)"; }
    show() { cat "$WORK/tt.out"; }
    grep -q '^error' "$WORK/tt.out" && { show; fail "a monitor command failed ($every)"; }
    grep -q 'stopped: condition 1 (notify queue=tx0)' "$WORK/tt.out" || { show; fail "no stop at the first transmit notify"; }
    # The notify is one instruction back; five more, then six forward: the same stop.
    first=$(grep -m1 'stopped: condition 1 (notify' "$WORK/tt.out" | sed 's/.*, \([0-9]*\) instructions$/\1/')
    back=$(grep -m1 'stopped: stepped' "$WORK/tt.out" | sed 's/.*, \([0-9]*\) instructions$/\1/')
    [ "$back" = $((first - 1)) ] || { show; fail "reverse-stepi went to instruction $back, not $((first - 1))"; }
    [ "$(grep -c 'stopped: condition 1 (notify queue=tx0)' "$WORK/tt.out")" = 2 ] ||
        { show; fail "stepi 6 after going back 6 did not meet the notify again"; }
    grep -q 'stopped: at the time asked, .*time 300000,' "$WORK/tt.out" || { show; fail "goto 300000 did not stop at 300000"; }
    grep -A1 "stopped: after event #$n " "$WORK/tt.out" | grep -q 'virtio_notify dev=virtio-net queue=tx0' ||
        { show; fail "goto-event $n is not the notify that ringside-trace show -n numbers $n"; }
    # From the end back to DRIVER_OK (the condition's only moment), and once more:
    # nothing earlier, the start of the history.
    grep -q 'stopped: condition 2 (virtio_status new&DRIVER_OK)' "$WORK/tt.out" ||
        { show; fail "reverse-continue did not find DRIVER_OK"; }
    grep -q 'stopped: at the start of the recorded history' "$WORK/tt.out" ||
        { show; fail "the second reverse-continue did not reach the start"; }
    cmp "$WORK/plain.trace" "$WORK/tt.trace" || fail "the travelled run's trace differs from the undisturbed one ($every)"
    cmp "$WORK/plain.pcapng" "$WORK/tt.pcapng" || fail "the travelled run's capture differs ($every)"
    # The console said everything once.
    [ "$(grep -c 'ringside firmware' "$WORK/tt.out")" = 1 ] || { show; fail "the console repeated itself after going back"; }
done
grep -q 'snapshots, every 100000 instructions' "$WORK/tt.out" || fail "--snapshot-every 100000 not taken"

# ---- gdb ----
command -v gdb-multiarch >/dev/null 2>&1 || skip "gdb-multiarch is not installed (tools/install-deps); the monitor part passed"
sim_pid=
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; }
trap cleanup EXIT
port=$((20000 + ($$ + 7) % 20000))
for try in 1 2 3 4 5; do
    timeout 120 "$RINGSIDE" run --fw "$fw" --gdb "tcp:127.0.0.1:$port" --gdb-wait --trace "$WORK/gdb.trace" >"$WORK/sim.out" 2>&1 &
    sim_pid=$!
    sleep 0.3
    if kill -0 "$sim_pid" 2>/dev/null || ! grep -q 'cannot listen' "$WORK/sim.out"; then break; fi
    wait "$sim_pid"; sim_pid=; port=$((port + 1))
done
cat >"$WORK/session.gdb" <<EOS
set architecture riscv:rv64
set pagination off
set confirm off
target remote 127.0.0.1:$port
break m_notify
continue
echo ==first\n
p/x \$pc
p \$minstret
reverse-stepi
echo ==back\n
p/x \$pc
stepi
echo ==forth\n
p/x \$pc
continue
echo ==second\n
p \$minstret
reverse-continue
echo ==again\n
p/x \$pc
p \$minstret
delete
detach
EOS
timeout 120 gdb-multiarch -batch -nx -x "$WORK/session.gdb" "$fw" >"$WORK/gdb.out" 2>&1
grc=$?
wait "$sim_pid"; RC=$?; sim_pid=
show() { echo "--- gdb:"; cat "$WORK/gdb.out"; echo "--- ringside:"; cat "$WORK/sim.out"; }
[ $grc = 0 ] || { show; fail "gdb exited $grc"; }
[ $RC = 0 ] || { show; fail "ringside exited $RC after gdb detached"; }
section() { sed -n "/^==$1\$/,/^==/p" "$WORK/gdb.out"; }
val() { section "$1" | sed -n 's/^\$[0-9]* = \([0-9a-fx]*\)$/\1/p' | sed -n "${2:-1}p"; }
pc1=$(val first); c1=$(val first 2); pcb=$(val back); pcf=$(val forth); c2=$(val second); pca=$(val again); ca=$(val again 2)
[ -n "$pc1" ] && [ -n "$pcb" ] && [ "$pcb" != "$pc1" ] || { show; fail "reverse-stepi did not move the pc back ($pc1 -> $pcb)"; }
[ "$pcf" = "$pc1" ] || { show; fail "stepi after reverse-stepi is not back at the breakpoint ($pcf, $pc1)"; }
[ -n "$c2" ] && [ "$c2" != "$c1" ] || { show; fail "the second hit is at the first's time ($c1, $c2)"; }
[ "$pca" = "$pc1" ] && [ "$ca" = "$c1" ] || { show; fail "reverse-continue did not return to the first hit ($pca@$ca, want $pc1@$c1)"; }
cmp "$WORK/plain.trace" "$WORK/gdb.trace" || fail "the gdb session's trace differs from the undisturbed one"

# Over packed rings, with the driver checker watching the device event area in RAM: going
# back to the start re-runs the firmware's memset of that area, which the checker must
# not report again (a report would be an event the recording does not hold).
P="--virtio modern --net-features +ring_packed"
"$RINGSIDE" run --fw "$fw" $P -append ring=packed --trace "$WORK/pplain.trace" >"$WORK/pplain.out" 2>&1 ||
    { cat "$WORK/pplain.out"; fail "the undisturbed packed run failed"; }
printf 'until notify queue=tx0\nreverse-stepi 50\nreverse-continue\ncontinue\n' >"$WORK/packed.mon"
"$RINGSIDE" run --fw "$fw" $P -append ring=packed --trace "$WORK/ptravel.trace" \
    --monitor-script "$WORK/packed.mon" >"$WORK/ptravel.out" 2>&1 || { cat "$WORK/ptravel.out"; fail "the packed travel run failed"; }
! grep -q "driver violation" "$WORK/ptravel.out" || { cat "$WORK/ptravel.out"; fail "the checker reported a re-run store"; }
cmp "$WORK/pplain.trace" "$WORK/ptravel.trace" || fail "travelling over packed rings changed the trace"
exit 0
