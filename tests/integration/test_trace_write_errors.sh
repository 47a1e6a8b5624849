# A trace that cannot be written stops the run with a clear message and exit 122
# (issue 5): a full disk (/dev/full) and a pipe whose reader went away; what reached a
# file before the error stays readable up to its last complete record.
. tests/integration/lib.sh
"$RINGSIDE" run -append scenario=hello --trace /dev/full >"$WORK/full.out" 2>&1; rc=$?
[ $rc = 122 ] || { cat "$WORK/full.out"; fail "/dev/full: exit $rc, expected 122"; }
grep -q 'No space left on device' "$WORK/full.out" || { cat "$WORK/full.out"; fail "/dev/full: no reason given"; }
# The reader of the pipe stops after 1000 bytes: the run must end with 122, not SIGPIPE.
mkfifo "$WORK/fifo" || fail "mkfifo"
head -c 1000 <"$WORK/fifo" >"$WORK/head.trace" &
"$RINGSIDE" run -append scenario=ping --trace "$WORK/fifo" >"$WORK/pipe.out" 2>&1; rc=$?
wait
[ $rc = 122 ] || { cat "$WORK/pipe.out"; fail "closed pipe: exit $rc, expected 122"; }
grep -q 'Broken pipe' "$WORK/pipe.out" || { cat "$WORK/pipe.out"; fail "closed pipe: no reason given"; }
# The 1000 bytes that got through are a trace cut short: readers say so, with an offset.
"$PYTHON" trace/ringside-trace show --raw "$WORK/head.trace" >/dev/null 2>"$WORK/show.err"; rc=$?
[ $rc = 1 ] && grep -q 'offset' "$WORK/show.err" || { cat "$WORK/show.err"; fail "a cut trace is not reported with an offset"; }
exit 0
