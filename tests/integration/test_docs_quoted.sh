# Quoted outputs in docs/ are true by construction (issue 17): each block marked
# `<!-- quoted: NAME -->` is produced by running its commands (tools/docs-quoted), and
# equals what is checked in. Like the golden traces and docs/classroom.md they belong to
# the firmware tests/golden/FIRMWARE records; with another the check fails and says why.
# A block made stale on purpose, in a copy, is named.
# san: skip
. tests/integration/lib.sh
fw=${RINGSIDE_FW:-guestfw/ringside-fw.elf}
[ -f "$fw" ] || fail "no firmware at $fw"
RINGSIDE_FW=$fw "$PYTHON" tools/docs-quoted --check >"$WORK/check.out" 2>&1; rc=$?
cat "$WORK/check.out"
case $rc in
0) ;;
3) fail "the quoted outputs cannot be checked with $fw: it is not the firmware tests/golden/FIRMWARE records" ;;
*) fail "quoted outputs in docs/ are stale (exit $rc, see above); refresh with tools/docs-quoted" ;;
esac
n=$(grep -c '^<!-- quoted: ' docs/user-guide.md)
[ "$n" -ge 3 ] || fail "docs/user-guide.md has $n quoted blocks, expected the diff, golden and driver-checker ones"
grep -q '^<!-- quoted: drv-ok ' docs/debugging.md || fail "docs/debugging.md lost its quoted monitor session (drv-ok)"
grep -A 12 '^<!-- quoted: drv-ok ' docs/debugging.md | grep -q '^stopped: condition 1 (virtio_status new&DRIVER_OK)' ||
    fail "the monitor session block does not hold the stop the typed lines asked for"
mkdir -p "$WORK/docs" && cp docs/user-guide.md "$WORK/docs/" || fail "cannot copy the user guide"
sed -i 's/^    = device features: -EVENT_IDX$/    = device features: -MRG_RXBUF/' "$WORK/docs/user-guide.md"
cmp -s docs/user-guide.md "$WORK/docs/user-guide.md" && fail "could not make the golden block stale"
RINGSIDE_FW=$fw "$PYTHON" tools/docs-quoted --check --docs "$WORK/docs" >"$WORK/stale.out" 2>&1; rc=$?
cat "$WORK/stale.out"
[ $rc = 1 ] && grep -q 'user-guide.md: golden-check$' "$WORK/stale.out" || fail "a stale block: exit $rc, or not named"
grep -q 'user-guide.md: diff-align$' "$WORK/stale.out" && fail "a block that is true was named stale"
exit 0
