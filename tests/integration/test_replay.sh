# Record and replay: a traced run replays to an exact match; the same trace replayed
# against a firmware whose banner differs by one byte diverges, and the report names the
# first divergent event (the UART write of that byte) beside the expected one.
. tests/integration/lib.sh
fw=${RINGSIDE_FW:-guestfw/ringside-fw.elf}
cp "$fw" "$WORK/fw.elf" || fail "no firmware at $fw"
run_fw "$WORK/run.out" --fw "$WORK/fw.elf" -append scenario=hello --trace "$WORK/t.trace" ||
    { cat "$WORK/run.out"; fail "traced run failed"; }
[ -s "$WORK/t.trace" ] || fail "no trace written"
"$RINGSIDE" replay "$WORK/t.trace" >"$WORK/replay.out" 2>&1 || { cat "$WORK/replay.out"; fail "replay of an unchanged run did not match"; }
grep -q 'events match' "$WORK/replay.out" || { cat "$WORK/replay.out"; fail "no match summary"; }
# Same run traced twice: byte-identical files.
run_fw "$WORK/run2.out" --fw "$WORK/fw.elf" -append scenario=hello --trace "$WORK/t2.trace" || fail "second traced run failed"
cmp -s "$WORK/t.trace" "$WORK/t2.trace" || fail "two traces of the same run differ"
# One byte of the banner changed: the replay must diverge at a UART write.
"$PYTHON" - "$WORK/fw.elf" <<'PY' || fail "could not patch the firmware banner"
import sys
p = sys.argv[1]
b = open(p, "rb").read()
i = b.find(b"ringside firmware")
if i < 0:
    sys.exit(1)
b = b[:i] + b"R" + b[i + 1:]
open(p, "wb").write(b)
PY
"$RINGSIDE" replay "$WORK/t.trace" >"$WORK/div.out" 2>&1; rc=$?
[ $rc = 123 ] || { cat "$WORK/div.out"; fail "replay against a changed firmware exited $rc, expected 123"; }
grep -q 'diverged at event' "$WORK/div.out" || { cat "$WORK/div.out"; fail "no divergence report"; }
grep -q '^  expected' "$WORK/div.out" && grep -q '^  got' "$WORK/div.out" || { cat "$WORK/div.out"; fail "divergence report lacks expected/got"; }
grep '^  got' "$WORK/div.out" | grep -q 'uart' || { cat "$WORK/div.out"; fail "first divergence is not the UART write"; }
# A truncated trace is reported with an offset, not a crash.
head -c 100 "$WORK/t.trace" >"$WORK/trunc.trace"
"$RINGSIDE" replay "$WORK/trunc.trace" >"$WORK/trunc.out" 2>&1; rc=$?
[ $rc != 0 ] && [ $rc -lt 128 ] || { cat "$WORK/trunc.out"; fail "truncated trace: exit $rc"; }
# A recording whose events from #10 on are 5 later: the same events at another time. The
# divergence says so; --ignore time goes on and counts them; --ignore of anything else
# is a usage error.
if command -v "${PYTHON:-python3}" >/dev/null 2>&1; then
    run_fw "$WORK/t2.out" --fw "$fw" -append scenario=hello --trace "$WORK/t2.trace" || fail "second traced run failed"
    "${PYTHON:-python3}" - "$WORK/t2.trace" "$WORK/shift.trace" <<'PY' || fail "cannot build the shifted recording"
import sys
sys.path.insert(0, "trace")
import ringside_trace as rt
with rt.TraceReader(sys.argv[1]) as r, rt.TraceWriter(sys.argv[2], r.header.config, r.header.argv, r.header.fw_sha256) as w:
    for i, ev in enumerate(r):
        w.emit(ev.name, ev.vtime + (5 if i >= 10 else 0), ev.pc, ev.sym, **ev.fields)
PY
    "$RINGSIDE" replay "$WORK/shift.trace" >"$WORK/shift.out" 2>&1; rc=$?
    [ $rc = 123 ] || { cat "$WORK/shift.out"; fail "shifted recording: exit $rc, expected 123"; }
    grep -q 'diverged at event 10$' "$WORK/shift.out" && grep -q '^  same event, time -5 ' "$WORK/shift.out" ||
        { cat "$WORK/shift.out"; fail "a time-only divergence is not reported as such"; }
    "$RINGSIDE" replay --ignore time "$WORK/shift.trace" >"$WORK/ign.out" 2>&1 || { cat "$WORK/ign.out"; fail "replay --ignore time did not match"; }
    grep -q 'events match' "$WORK/ign.out" && grep -q ' of them only with --ignore time (time -5 to -5)$' "$WORK/ign.out" ||
        { cat "$WORK/ign.out"; fail "replay --ignore time: no count of the shifted events"; }
    # --align: the run goes on to its end; nothing but the shift is found, and counted.
    "$RINGSIDE" replay --align "$WORK/shift.trace" >"$WORK/align.out" 2>&1; rc=$?
    [ $rc = 123 ] && grep -q 'the run went on to its end' "$WORK/align.out" &&
        grep -Eq '^summary: [0-9]+ events compared, 0 differences, .*same events at another time \(time -5\)$' "$WORK/align.out" ||
        { cat "$WORK/align.out"; fail "replay --align of a shifted recording: exit $rc, or no summary of the shift"; }
    "$RINGSIDE" replay --ignore len "$WORK/shift.trace" >"$WORK/bad.out" 2>&1; rc=$?
    [ $rc = 120 ] && grep -q 'replay can leave out time and pc' "$WORK/bad.out" || { cat "$WORK/bad.out"; fail "replay --ignore len: exit $rc"; }
fi
# A directory given for the trace is said to be one.
"$RINGSIDE" replay "$WORK" >"$WORK/dir.out" 2>&1; rc=$?
[ $rc = 121 ] && grep -q 'is a directory; replay takes a trace file' "$WORK/dir.out" || { cat "$WORK/dir.out"; fail "replay DIR: exit $rc"; }
# A recording made with a relative --fw replays from another directory: the firmware is
# found beside the trace by its SHA-256, or given with replay --fw (refused when it is
# not the recorded one); with neither, the refusal says what to do.
mkdir -p "$WORK/a" "$WORK/r/b" "$WORK/r/elsewhere"
R=$(cd "$(dirname "$RINGSIDE")" && pwd)/$(basename "$RINGSIDE")   # the runs below change directory
cp "$fw" "$WORK/a/fw.elf" || fail "cannot copy the firmware"
(cd "$WORK/a" && "$R" run --fw fw.elf -append scenario=hello --trace h.trace >/dev/null 2>&1) || fail "relative --fw run"
cp "$WORK/a/h.trace" "$WORK/a/fw.elf" "$WORK/r/b/" && cp "$WORK/a/h.trace" "$WORK/r/elsewhere/"
(cd "$WORK/r" && "$R" replay b/h.trace) >"$WORK/rel.out" 2>&1 || { cat "$WORK/rel.out"; fail "replay of a relative --fw recording from elsewhere"; }
grep -q 'using b/fw.elf beside the trace' "$WORK/rel.out" || { cat "$WORK/rel.out"; fail "replay did not say which firmware it used"; }
(cd "$WORK/r" && "$R" replay elsewhere/h.trace) >"$WORK/rel2.out" 2>&1; rc=$?
[ $rc = 121 ] && grep -q 'give it with replay --fw FILE' "$WORK/rel2.out" || { cat "$WORK/rel2.out"; fail "no firmware anywhere: exit $rc"; }
(cd "$WORK/r" && "$R" replay --fw "$WORK/a/fw.elf" elsewhere/h.trace) >"$WORK/rel3.out" 2>&1 || { cat "$WORK/rel3.out"; fail "replay --fw of the recorded firmware"; }
(cd "$WORK/r" && "$R" replay --fw ../fw.elf elsewhere/h.trace) >"$WORK/rel4.out" 2>&1; rc=$?
[ $rc = 121 ] && grep -q 'is not the firmware the trace recorded' "$WORK/rel4.out" || { cat "$WORK/rel4.out"; fail "replay --fw of another firmware: exit $rc"; }
exit 0
