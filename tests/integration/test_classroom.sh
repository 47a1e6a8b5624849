# The classroom walkthrough reads true (issue 5): docs/classroom.md and its pictures,
# regenerated from fresh recordings, equal what is checked in. Like the golden traces,
# the quoted times and addresses belong to one firmware build: with a firmware made by
# another compiler the check is skipped (the golden files record which one).
# san: skip
. tests/integration/lib.sh
fw=${RINGSIDE_FW:-guestfw/ringside-fw.elf}
want=$(sed -n 's/^# firmware: //p' tests/golden/ping-transitional.golden 2>/dev/null | head -n 1)
have=$("$PYTHON" -c 'import importlib.machinery, importlib.util, sys
loader = importlib.machinery.SourceFileLoader("rg", "tools/refresh-golden")
spec = importlib.util.spec_from_loader("rg", loader)
m = importlib.util.module_from_spec(spec); loader.exec_module(m)
print(m.producer(sys.argv[1]))' "$fw") || fail "cannot read the firmware's compiler"
[ -n "$want" ] || fail "tests/golden/ping-transitional.golden records no firmware compiler"
[ "$want" = "$have" ] || skip "firmware built by '$have', the docs were made with '$want'"
"$PYTHON" tools/classroom/refresh --check || fail "docs/classroom.md is stale (see above)"
exit 0
