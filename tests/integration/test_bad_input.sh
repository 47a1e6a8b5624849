# Hostile or mistaken input gets a one-line error and the setup exit status, never a crash.
. tests/integration/lib.sh
expect_exit 121 run --fw /nonexistent/fw.elf
grep -q 'No such file' "$WORK/out" || fail "missing file not named"
printf '\177ELF\002\001\001' > "$WORK/trunc.elf"
expect_exit 121 run --fw "$WORK/trunc.elf"
printf '\177ELG........' > "$WORK/magic.elf"
expect_exit 121 run --fw "$WORK/magic.elf"
: > "$WORK/empty"
expect_exit 121 run --fw "$WORK/empty"
expect_exit 120 run --no-such-option
expect_exit 120 run -m banana
expect_exit 120 run --max-insns
expect_exit 120 frobnicate
expect_exit 0 --help
grep -q -- '--serial-input' "$WORK/out" || fail "--help does not document --serial-input"
expect_exit 0 --version
grep -q '^ringside ' "$WORK/out" || fail "--version"
# Every line of stderr for a setup error is one line.
"$RINGSIDE" run --fw "$WORK/trunc.elf" 2>"$WORK/err" >/dev/null
[ "$(wc -l < "$WORK/err")" = 1 ] || { cat "$WORK/err"; fail "error is not one line"; }
exit 0
