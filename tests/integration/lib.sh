# Helpers sourced by integration tests.
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }
# run_fw OUT ARGS...: runs the simulator, console to OUT, returns its exit status.
run_fw() { o=$1; shift; "$RINGSIDE" run "$@" >"$o" 2>&1; }
expect_exit() { want=$1; shift; "$RINGSIDE" "$@" >"$WORK/out" 2>&1; got=$?; [ "$got" = "$want" ] || { cat "$WORK/out"; fail "ringside $* exited $got, expected $want"; }; }
