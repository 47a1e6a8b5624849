# The command line itself (issue 2: "ringside --help documents every option"): every
# option of sim/options.c's run_opts table is in `ringside run --help` and in the man page
# docs/ringside.1, whose version and exit statuses must agree with the program; usage
# mistakes exit 120 with a hint, help and version exit 0 on stdout.
. tests/integration/lib.sh

# The option table, one "NAME [ALIAS]" per line, read from the source so that a new
# option is checked without editing this test.
sed -n '/^static const OptDesc run_opts\[\] = {/,/^};/p' sim/options.c |
    sed -n 's/^ *{ *"\([^"]*\)", *\(NULL\|"\([^"]*\)"\).*/\1 \3/p' >"$WORK/opts"
[ "$(wc -l <"$WORK/opts")" -ge 20 ] || { cat "$WORK/opts"; fail "could not read the option table from sim/options.c"; }

# mentions FILE NAME: FILE has NAME as a whole option (--net does not count for --net-slot).
mentions() { grep -Eq -e "(^|[^-a-zA-Z0-9])$2([^-a-zA-Z0-9]|\$)" "$1"; }

expect_exit 0 run --help
cp "$WORK/out" "$WORK/help"
grep -q '^Usage: ringside run \[OPTION\]\.\.\.' "$WORK/help" || fail "run --help has no usage line"
missing=
while read -r name alias; do
    mentions "$WORK/help" "$name" || missing="$missing $name"
    [ -z "$alias" ] || mentions "$WORK/help" "$alias" || missing="$missing $alias"
done <"$WORK/opts"
[ -z "$missing" ] || fail "ringside run --help does not document:$missing"
# The same text from every spelling of help.
for h in --help -h help; do
    expect_exit 0 $h
    cmp -s "$WORK/out" "$WORK/help" || fail "ringside $h differs from ringside run --help"
done
# Every exit status the program uses is explained.
for code in 120 121 122 123 124 125 126 127; do
    grep -q "^ *$code " "$WORK/help" || grep -q "  $code  " "$WORK/help" || fail "--help does not explain exit status $code"
done

expect_exit 0 --version
grep -Eqx 'ringside [0-9]+\.[0-9]+\.[0-9]+' "$WORK/out" || { cat "$WORK/out"; fail "--version prints '$(cat "$WORK/out")'"; }
version=$(sed 's/^ringside //' "$WORK/out")

# Usage mistakes: exit 120, one line on stderr with a hint where to look.
usage() {
    "$RINGSIDE" "$@" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    [ $rc = 120 ] || { cat "$WORK/err"; fail "ringside $*: exit $rc, expected 120"; }
    [ ! -s "$WORK/out" ] || fail "ringside $*: wrote to stdout"
}
usage frobnicate
grep -q "^ringside: unknown command 'frobnicate' (try 'ringside --help')$" "$WORK/err" || { cat "$WORK/err"; fail "unknown command: no hint"; }
usage run --frobnicate
grep -q "^ringside run: unknown option '--frobnicate' (try 'ringside run --help')$" "$WORK/err" || { cat "$WORK/err"; fail "unknown option: no hint"; }
usage run scenario=ping
grep -q "unknown option 'scenario=ping'" "$WORK/err" || fail "a stray argument is not named"
usage
grep -q '^Usage: ringside run' "$WORK/err" || fail "no arguments: no usage"
usage replay
grep -q '^Usage: ringside replay .*TRACE' "$WORK/err" || { cat "$WORK/err"; fail "replay without a trace: no usage"; }
usage replay a b
expect_exit 0 replay --help
grep -q 'ringside replay .*TRACE' "$WORK/out" || fail "replay --help"
expect_exit 121 replay "$WORK/nonexistent"
grep -q "cannot open trace $WORK/nonexistent: No such file or directory" "$WORK/out" || { cat "$WORK/out"; fail "replay of a missing trace"; }

# Options with a value take it as the next argument or after '='; flags take none.
run_fw "$WORK/eq" --net-slot=5 --memory=256 -append scenario=pci || { tail -n 5 "$WORK/eq"; fail "--net-slot=5 --memory=256 exited $RC"; }
grep -q '^00:05\.0 1af4:' "$WORK/eq" || fail "--net-slot=5 not applied"
usage run --strict=1 -append scenario=hello
usage run --net-slot
grep -q "option '--net-slot' needs N" "$WORK/err" || { cat "$WORK/err"; fail "a missing value is not reported"; }

# The man page: same version, every option, every exit status. Roff writes '-' as '\-'
# and switches fonts with \fB, \fI, \fR, \fP.
man=docs/ringside.1
[ -f $man ] || fail "no $man"
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' $man >"$WORK/man"
grep -q "^\.TH RINGSIDE 1 .*\"ringside $version\"" "$WORK/man" || fail "$man is not for version $version"
missing=
while read -r name alias; do
    mentions "$WORK/man" "$name" || missing="$missing $name"
done <"$WORK/opts"
codes=
for code in 120 121 122 123 124 125 126 127; do
    grep -q "$code" "$WORK/man" || codes="$codes $code"
done
[ -z "$missing$codes" ] || fail "$man does not document options:${missing:- (none)}; exit statuses:${codes:- (none)}"
# --trace - is refused (standard output is the console), with the way that works: the
# trace on another descriptor, read from a pipe by ringside-trace.
"$RINGSIDE" run --trace - -append scenario=hello >"$WORK/dash.out" 2>"$WORK/dash.err"; rc=$?
[ $rc = 120 ] && grep -q 'trace -: standard output carries the guest.s console' "$WORK/dash.err" ||
    { cat "$WORK/dash.err"; fail "--trace -: exit $rc, or no clear refusal"; }
[ -e ./- ] && fail "--trace - wrote a file named -"
if command -v "${PYTHON:-python3}" >/dev/null 2>&1; then
    n=$( { "$RINGSIDE" run -append scenario=hello --trace /dev/fd/3 3>&1 >/dev/null; } |
        "${PYTHON:-python3}" trace/ringside-trace show --raw --type run_end /dev/stdin | wc -l)
    [ "$n" = 1 ] || fail "the trace sent to a pipe through --trace /dev/fd/3 is not readable"
fi
# A slip in an option or a feature name gets a "did you mean".
"$RINGSIDE" run --net-featurs -mq >/dev/null 2>"$WORK/dym"; rc=$?
[ $rc = 120 ] && grep -q "unknown option '--net-featurs' (did you mean '--net-features'?)" "$WORK/dym" ||
    { cat "$WORK/dym"; fail "a mistyped option: exit $rc, or no suggestion"; }
"$RINGSIDE" run --net-features -evnt_idx >/dev/null 2>"$WORK/dym"
grep -q "unknown feature 'evnt_idx' (did you mean 'event_idx'?" "$WORK/dym" || { cat "$WORK/dym"; fail "a mistyped feature: no suggestion"; }
exit 0
