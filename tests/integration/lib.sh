# Helpers sourced by integration tests.
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }
# run_fw OUT ARGS...: runs the simulator, console to OUT, returns its exit status (also in RC).
# RC keeps the status, since a handler that first prints OUT changes $?.
run_fw() { o=$1; shift; "$RINGSIDE" run "$@" >"$o" 2>&1; RC=$?; return $RC; }
expect_exit() { want=$1; shift; "$RINGSIDE" "$@" >"$WORK/out" 2>&1; got=$?; [ "$got" = "$want" ] || { cat "$WORK/out"; fail "ringside $* exited $got, expected $want"; }; }
