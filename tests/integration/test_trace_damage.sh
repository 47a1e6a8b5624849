# Damaged traces are reported, never crash anything (issue 5): a small trace cut at
# record boundaries and with single bytes flipped is refused by `ringside replay`
# (exit 121 or 123 with a message, never a signal), `ringside-trace show` (exit 1 and a
# byte offset) and the Python reader (TraceError with an offset).
. tests/integration/lib.sh
RT="$PYTHON trace/ringside-trace"
run_fw "$WORK/run.out" -append scenario=hello --trace "$WORK/t.trace" || fail "traced run failed"
"$PYTHON" - "$WORK/t.trace" "$WORK" <<'PY' || fail "could not make damaged copies"
import os, sys
sys.path.insert(0, "trace")
import ringside_trace as rt
path, work = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
offs = [ev.offset for ev in rt.read_events(path)]
# About 12 record boundaries spread over the file, plus the header's end.
step = max(1, len(offs) // 12)
cuts = sorted(set(offs[::step] + [offs[0], len(data) - 1]))
for i, c in enumerate(cuts):
    open(os.path.join(work, "cut%02d.trace" % i), "wb").write(data[:c])
# Single flipped bytes: in the header, in early records, in the end record.
flips = sorted(set([9, 20, offs[0] + 1, offs[len(offs) // 2] + 2, offs[-1] + 1, len(data) - 3]))
for i, f in enumerate(flips):
    d = bytearray(data)
    d[f] ^= 0x5a
    open(os.path.join(work, "flip%02d.trace" % i), "wb").write(bytes(d))
PY
n=0
for t in "$WORK"/cut*.trace "$WORK"/flip*.trace; do
    n=$((n + 1))
    "$RINGSIDE" replay "$t" >"$WORK/r.out" 2>&1; rc=$?
    case $rc in
    121|123) ;;
    *) cat "$WORK/r.out"; fail "replay of $(basename "$t") exited $rc (expected 121 or 123)" ;;
    esac
    [ -s "$WORK/r.out" ] || fail "replay of $(basename "$t") said nothing"
    $RT show --raw "$t" >/dev/null 2>"$WORK/s.err"; rc=$?
    [ $rc = 1 ] || { cat "$WORK/s.err"; fail "ringside-trace show --raw $(basename "$t") exited $rc, expected 1"; }
    grep -q 'offset' "$WORK/s.err" || { cat "$WORK/s.err"; fail "show $(basename "$t"): no byte offset in the error"; }
done
[ $n -ge 15 ] || fail "only $n damaged traces were tried"
# A header field repeated, with a tag neither reader knows: both refuse it alike.
v=tests/trace-vectors/repeated-unknown-tag.trace
"$RINGSIDE" replay "$v" >"$WORK/c.err" 2>&1; rc=$?
[ $rc = 121 ] && grep -q 'header field 7 repeated' "$WORK/c.err" || { cat "$WORK/c.err"; fail "C reader: repeated header field"; }
$RT info "$v" >/dev/null 2>"$WORK/p.err"; rc=$?
[ $rc = 1 ] && grep -q 'header field 7 repeated' "$WORK/p.err" || { cat "$WORK/p.err"; fail "Python reader: repeated header field"; }
exit 0
