# The user docs cite no internal file (issue 17): README, the user guide, debugging,
# classroom, Linux and real-clients pages and the man pages name commands, options,
# tables by what they hold, and the firmware under study (guestfw/), never the
# simulator's or the tools' sources (sim/, trace/*.c|h|py|def, tests/unit, tests/fuzz
# harnesses, bench/run.py). The developer docs (architecture, trace-format,
# performance, status, conformance) may. A citation planted in a copy is found.
# san: skip
. tests/integration/lib.sh
pattern='(^|[^a-z_/.])(sim/|trace/[a-z_]+\.(c|h|py|def)\b|tests/unit|tests/fuzz/[a-z_]+\.c|bench/run\.py)'
docs="README.md docs/user-guide.md docs/debugging.md docs/classroom.md docs/linux.md docs/real-clients.md docs/ringside.1 docs/ringside-trace.1"
for f in $docs; do [ -f "$f" ] || fail "no $f"; done
if grep -nE "$pattern" $docs >"$WORK/cites.out"; then
    cat "$WORK/cites.out"
    fail "user docs cite internal files (above): say what the table or code holds, or move the passage to a developer doc"
fi
printf 'The names come from `sim/virtio/virtio_names.def`.\n' >"$WORK/planted.md"
grep -qE "$pattern" "$WORK/planted.md" || fail "a planted citation of sim/virtio/virtio_names.def is not found"
printf 'Run `trace/ringside-trace show` or `guestfw/virtio/virtio_net.c`.\n' >"$WORK/fine.md"
grep -qE "$pattern" "$WORK/fine.md" && fail "the tool's command or the firmware under study counted as internal"
exit 0
