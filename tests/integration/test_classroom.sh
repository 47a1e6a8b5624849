# The classroom walkthrough reads true (issues 5 and 12): docs/classroom.md and its
# pictures, regenerated from fresh recordings, equal what is checked in. The quoted times
# and addresses belong to one firmware build, the one tests/golden/FIRMWARE records: with
# any other firmware the check fails and says why (it never skips).
# san: skip
. tests/integration/lib.sh
fw=${RINGSIDE_FW:-guestfw/ringside-fw.elf}
[ -f "$fw" ] || fail "no firmware at $fw"
RINGSIDE_FW=$fw "$PYTHON" tools/classroom/refresh --check >"$WORK/check.out" 2>&1; rc=$?
cat "$WORK/check.out"
case $rc in
0) ;;
3) fail "docs/classroom.md cannot be checked with $fw: it is not the firmware tests/golden/FIRMWARE records (see above)" ;;
*) fail "docs/classroom.md is stale (exit $rc, see above)" ;;
esac
# Another firmware file is refused before anything is compared.
cp "$fw" "$WORK/other.elf" && printf x >>"$WORK/other.elf" || fail "cannot copy the firmware"
RINGSIDE_FW=$WORK/other.elf "$PYTHON" tools/classroom/refresh --check >"$WORK/other.out" 2>&1; rc=$?
cat "$WORK/other.out"
[ $rc = 3 ] || fail "the check with another firmware file exited $rc, expected 3"
grep -q "^firmware differs from the recorded one: .*sha256 $(sed -n 's/^sha256: //p' tests/golden/FIRMWARE)" "$WORK/other.out" ||
    fail "the refusal does not name the recorded firmware's hash"
exit 0
