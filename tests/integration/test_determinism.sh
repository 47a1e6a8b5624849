# Two runs of the same scenario give identical console output and identical retired-
# instruction counts (the count is where --max-insns stops; the console must match too).
. tests/integration/lib.sh
run_fw "$WORK/a" -append scenario=hello; ra=$?
run_fw "$WORK/b" -append scenario=hello; rb=$?
[ $ra = 0 ] && [ $rb = 0 ] || fail "hello exited $ra / $rb"
cmp -s "$WORK/a" "$WORK/b" || fail "console output differs between two runs"
# Stopping at the same instruction count leaves identical output and pc.
run_fw "$WORK/c" --max-insns 20000 -append scenario=hello; rc=$?
run_fw "$WORK/d" --max-insns 20000 -append scenario=hello; rd=$?
[ $rc = 124 ] && [ $rd = 124 ] || fail "--max-insns 20000 exited $rc / $rd, expected 124"
cmp -s "$WORK/c" "$WORK/d" || fail "output at --max-insns differs between two runs"
grep -q 'stopped after 20000 instructions' "$WORK/c" || { cat "$WORK/c"; fail "no --max-insns message"; }
exit 0
