# The Python trace tools take the trace as untrusted input and never print a traceback
# (issue 18): each hole the fuzzing found has its own case -- names that are not UTF-8
# written with -o FILE and to a strict UTF-8 standard output, a frame whose guest time is
# past pcapng's 64-bit timestamp, a symbol longer than a pcapng option holds, control
# characters in the SVG -- then tests/pyfuzz/fuzz_trace_tools.py runs a short fixed-seed
# round of mutated traces x every subcommand.
# san: skip (Python only: the simulator is not run)
. tests/integration/lib.sh
: "${PYTHON:=python3}"
command -v "$PYTHON" >/dev/null 2>&1 || skip "python3 not installed"
T="$PYTHON trace/ringside-trace"
D="$WORK/demo.trace"
$T demo "$D" >/dev/null || fail "demo exited $?"

"$PYTHON" - "$D" "$WORK" <<'PY' || fail "cannot build the hostile traces"
import sys
sys.path.insert(0, "trace")
import ringside_trace as rt
src, work = sys.argv[1], sys.argv[2]
with rt.TraceReader(src) as r:
    h, evs = r.header, list(r)

def write(name, edit, argv=h.argv, config=h.config):
    with rt.TraceWriter("%s/%s.trace" % (work, name), config, argv) as w:
        for ev in evs:
            vtime, sym, fields = edit(ev)
            w.emit(ev.name, vtime, ev.pc, sym, **fields)

# bytes that are not UTF-8 (0xff, a cut sequence) in symbols, names, strings, the header
bad = "\udcff\udcc3sym"
write("notutf8", lambda ev: (ev.vtime, bad if ev.sym else None,
                             dict(ev.fields, **({"text": bad} if "text" in ev.fields else {}))),
      argv=h.argv + ["-append", "x\udcff"], config=h.config + "bootargs=\udcfe\n")
# a frame at a virtual time whose guest time (10 ns per instruction) is past 2^64 ns
big = (1 << 64) // 10 + 1
write("late", lambda ev: (ev.vtime + (big if ev.vtime >= 100 else 0), ev.sym, ev.fields))
# a symbol of 65535 bytes (the format's limit) on a frame: more than a pcapng comment holds
write("longsym", lambda ev: (ev.vtime, "s" * 65535 if ev.name.startswith("frame_") else ev.sym, ev.fields))
# control characters (escape sequences, a bell, NUL-free C0) in every SVG label
ctl = "\x1b[2J\x07\x01<&>"
write("control", lambda ev: (ev.vtime, ctl if ev.sym else None,
                             dict(ev.fields, **({"text": ctl} if "text" in ev.fields else {}),
                                  **({"reason": ctl} if "reason" in ev.fields else {}))))
PY

no_traceback() {   # $1: what; the rest: the command
    what=$1; shift
    "$@" >"$WORK/out" 2>"$WORK/err"; rc=$?
    grep -q Traceback "$WORK/err" && { cat "$WORK/err"; fail "$what: a traceback"; }
    return $rc
}
for c in "info" "show" "show --raw" "stats" "seq" "html --queue 0" "export --format chrome" "diff $D"; do
    LC_ALL=C.UTF-8 no_traceback "$c -o FILE" $T $c "$WORK/notutf8.trace" -o "$WORK/o" || [ "$c" = "diff $D" ] ||
        { cat "$WORK/err"; fail "$c -o FILE of a trace with non-UTF-8 names exited $rc"; }
    LC_ALL=C.UTF-8 PYTHONIOENCODING=utf-8:strict no_traceback "$c to stdout" $T $c "$WORK/notutf8.trace" ||
        [ "$c" = "diff $D" ] || { cat "$WORK/err"; fail "$c of a trace with non-UTF-8 names exited $rc"; }
done
LC_ALL=C.UTF-8 $T info "$WORK/notutf8.trace" | grep -q 'x\\udcff' || fail "info does not show the non-UTF-8 byte escaped"
$T seq "$WORK/notutf8.trace" -o "$WORK/n.svg" && "$PYTHON" -c 'import sys,xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$WORK/n.svg" ||
    fail "seq of non-UTF-8 names is not well-formed XML"

no_traceback "pcapng of a late frame" $T export --format pcapng "$WORK/late.trace" -o "$WORK/late.pcapng"; rc=$?
[ $rc = 1 ] || fail "pcapng export of a frame past 2^64 ns exited $rc, expected 1"
grep -q "past what pcapng's 64-bit timestamp holds" "$WORK/err" || { cat "$WORK/err"; fail "late frame: no clear message"; }

no_traceback "pcapng with a long symbol" $T export --format pcapng "$WORK/longsym.trace" -o "$WORK/long.pcapng" ||
    { cat "$WORK/err"; fail "pcapng export with a 65535-byte symbol exited $rc"; }
if command -v tshark >/dev/null 2>&1; then
    [ "$(tshark -r "$WORK/long.pcapng" 2>/dev/null | wc -l)" = 2 ] || fail "tshark cannot read the long-symbol pcapng"
fi

no_traceback "seq with control characters" $T seq "$WORK/control.trace" -o "$WORK/c.svg" || fail "seq exited $rc"
"$PYTHON" -c 'import sys,xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$WORK/c.svg" ||
    fail "seq with control characters is not well-formed XML"
grep -q '\\x1b\[2J\\x07' "$WORK/c.svg" || fail "seq: the control characters are not shown escaped"
no_traceback "show with control characters" $T show "$WORK/control.trace" || fail "show exited $rc"
LC_ALL=C tr -d '\n' < "$WORK/out" | LC_ALL=C grep -q "$(printf '[\001-\037]')" && fail "show let control characters through"

# the fuzz driver: a short fixed-seed round (tests/pyfuzz/; `make pyfuzz` runs longer)
"$PYTHON" tests/pyfuzz/fuzz_trace_tools.py --seed 7 --rounds "${PYFUZZ_ROUNDS:-60}" --crash-dir "$WORK/crashes" \
    "$D" tests/trace-vectors/all-events.trace > "$WORK/fuzz.out" 2>&1 || { cat "$WORK/fuzz.out"; fail "the Python fuzz driver found a traceback"; }
tail -1 "$WORK/fuzz.out"
exit 0
