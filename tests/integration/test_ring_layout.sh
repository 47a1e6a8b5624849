# The split ring's field table (sim/virtio/ring_split.def; the packed ring's below), as the Python trace tools
# read it (trace/rt_layout.py): every offset and width is the one virtio 1.2 §2.7.5,
# §2.7.6 and §2.7.8 give (the C side's are checked against the same numbers in
# tests/unit/test_virtqueue.c), the offset evaluator refuses anything but integers,
# N, i, + and *, and the table is found beside the modules, as `make install` puts it.
. tests/integration/lib.sh
: "${PYTHON:=python3}"
command -v "$PYTHON" >/dev/null 2>&1 || skip "python3 not installed"

"$PYTHON" - <<'PY' || fail "the split layout's offsets"
import sys
sys.path.insert(0, "trace")
import os
import rt_layout
assert rt_layout.find_def() == os.path.abspath("sim/virtio/ring_split.def"), rt_layout.find_def()
lay = rt_layout.load()
# (area, field): (width, [(N, i, offset), ...]) straight from the spec's structs.
want = {
    ("desc", "entry"):       (16, [(256, 0, 0), (256, 5, 80), (8, 7, 112)]),
    ("avail", "flags"):      (2, [(256, 0, 0)]),
    ("avail", "idx"):        (2, [(256, 0, 2)]),
    ("avail", "ring"):       (2, [(256, 0, 4), (256, 3, 10), (256, 255, 514)]),
    ("avail", "used_event"): (2, [(256, 0, 516), (8, 0, 20)]),
    ("used", "flags"):       (2, [(256, 0, 0)]),
    ("used", "idx"):         (2, [(256, 0, 2)]),
    ("used", "ring"):        (8, [(256, 0, 4), (256, 3, 28), (256, 255, 2044)]),
    ("used", "avail_event"): (2, [(256, 0, 2052), (8, 0, 68)]),
}
got = {(f.area, f.field) for f in lay.fields}
assert got == set(want), sorted(got ^ set(want))
for key, (width, cases) in want.items():
    f = lay.field(*key)
    assert f.width == width, (key, f.width)
    for n, i, off in cases:
        assert f.offset(n, i) == off, (key, n, i, f.offset(n, i), off)
assert lay.field("avail", "ring").name(3) == "avail.ring[3]"
assert lay.field("desc", "entry").name(9) == "desc[9]"
assert lay.field("used", "idx").name() == "used.idx"
assert lay.field("used", "avail_event").needs_size and not lay.field("used", "ring").needs_size
PY

# The packed ring's table (sim/virtio/ring_packed.def, virtio 1.2 §2.8.13 and §2.8.14),
# which the trace tools read the same way.
"$PYTHON" - <<'PY' || fail "the packed layout's offsets"
import sys
sys.path.insert(0, "trace")
import os
import rt_layout
path = rt_layout.find_def("ring_packed.def")
assert path == os.path.abspath("sim/virtio/ring_packed.def"), path
lay = rt_layout.load(path)
want = {
    ("desc", "entry"):      (16, [(256, 0, 0), (7, 6, 96)]),
    ("driver", "off_wrap"): (2, [(256, 0, 0)]),
    ("driver", "flags"):    (2, [(256, 0, 2)]),
    ("device", "off_wrap"): (2, [(256, 0, 0)]),
    ("device", "flags"):    (2, [(256, 0, 2)]),
}
assert {(f.area, f.field) for f in lay.fields} == set(want)
for key, (width, cases) in want.items():
    f = lay.field(*key)
    assert f.width == width, (key, f.width)
    for n, i, off in cases:
        assert f.offset(n, i) == off, (key, n, i, f.offset(n, i), off)
assert lay.field("desc", "entry").name(6) == "desc[6]" and lay.field("device", "flags").name() == "device.flags"
PY

# The evaluator is a whitelist: what is not a sum of products of integers, N and i is
# refused with a reason, never run.
for bad in "__import__('os').system('touch $WORK/ran')" "N-1" "N/2" "2**N" "(lambda: 1)()" "i if N else 0" "-4" "1.5" "x"; do
    printf 'RING_FIELD(used, idx, "used.idx", %s, 2)\n' "$bad" > "$WORK/bad.def"
    "$PYTHON" - "$WORK/bad.def" <<'PY' || fail "offset accepted: $bad"
import sys
sys.path.insert(0, "trace")
import rt_layout
try:
    rt_layout.load(sys.argv[1])
except rt_layout.LayoutError as e:
    assert "offset" in str(e) or "malformed" in str(e), str(e)
    sys.exit(0)
sys.exit(1)
PY
done
[ -e "$WORK/ran" ] && fail "an offset was executed"
for bad in 'RING_FIELD(used, idx, used.idx, 2, 2)' 'RING_FIELD(used, idx, "used.idx", 2, 0)' 'RING_FIELD(used, idx, "used.idx", 2)' \
           'RING_FIELD(used, idx, "x", 2, 2) RING_FIELD(used, idx, "y", 4, 2)' '/* nothing */' 'RING_FIELD(used, idx, "u", (2, 2'; do
    printf '%s\n' "$bad" > "$WORK/bad.def"
    "$PYTHON" -c '
import sys
sys.path.insert(0, "trace")
import rt_layout
try:
    rt_layout.load(sys.argv[1])
except rt_layout.LayoutError:
    sys.exit(0)
sys.exit(1)' "$WORK/bad.def" || fail "malformed table accepted: $bad"
done

# Installed: the modules and the table side by side (the Makefile's install rule copies
# it there); without the table, a message that names it.
grep -q 'sim/virtio/ring_split.def' Makefile.in || fail "make install does not copy ring_split.def"
rm -rf "$WORK/py" && mkdir -p "$WORK/py"
cp trace/*.py trace/events.def "$WORK/py/"
(cd "$WORK" && "$PYTHON" -c 'import sys; sys.path.insert(0, "py"); import rt_layout; rt_layout.load()' 2>"$WORK/err") &&
    fail "loaded a table that is not there"
grep -q 'ring_split.def' "$WORK/err" || { cat "$WORK/err"; fail "no message naming the missing table"; }
cp sim/virtio/ring_split.def "$WORK/py/"
(cd "$WORK" && "$PYTHON" -c '
import os, sys; sys.path.insert(0, "py"); import rt_layout
assert rt_layout.find_def() == os.path.abspath("py/ring_split.def"), rt_layout.find_def()
assert rt_layout.load().field("used", "avail_event").offset(256) == 2052') || fail "the installed layout"
exit 0
