# Ctrl-C (SIGINT) or SIGTERM during a traced run ends it cleanly: exit 130, a message,
# and a trace that every reader accepts, ending with run_end reason "interrupted". The
# outcome does not depend on when the signal arrives (the run is far longer than the
# wait).
. tests/integration/lib.sh
for sig in INT TERM; do
    "$RINGSIDE" run -append "scenario=bench-crc rounds=100000" --trace "$WORK/$sig.trace" >"$WORK/$sig.out" 2>&1 &
    pid=$!
    sleep 1
    kill -$sig $pid
    wait $pid; rc=$?
    [ $rc = 130 ] || { cat "$WORK/$sig.out"; fail "SIG$sig: exit $rc, expected 130"; }
    grep -q 'interrupted after' "$WORK/$sig.out" || { cat "$WORK/$sig.out"; fail "SIG$sig: no message"; }
    "$PYTHON" trace/ringside-trace show --raw "$WORK/$sig.trace" >"$WORK/$sig.txt" || fail "SIG$sig: the trace is not readable"
    tail -n 1 "$WORK/$sig.txt" | grep -q 'run_end status=0 reason="interrupted"' ||
        { tail -n 3 "$WORK/$sig.txt"; fail "SIG$sig: the trace does not end with the interruption"; }
done
exit 0
