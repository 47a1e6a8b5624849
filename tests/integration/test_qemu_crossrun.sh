# san: skip
# ringside's firmware on QEMU: tools/qemu-crossrun runs the bundled firmware's scenarios
# on qemu-system-riscv64 (-M virt, -netdev user, virtio-net-pci) and on ringside and
# requires the masked console transcripts to agree: every scenario with the
# transitional device, and the ones that touch the interface with the legacy-only and
# modern-only devices. A difference is a bug in ringside's device, its peer, or the
# firmware. (QEMU runs in real time, so this stays out of the sanitizer pass.)
. tests/integration/lib.sh
command -v qemu-system-riscv64 >/dev/null 2>&1 ||
    skip "qemu-system-riscv64 not installed (Debian package qemu-system-misc; tools/install-deps installs it)"
[ -f guestfw/ringside-fw.elf ] || fail "no guestfw/ringside-fw.elf (run make)"
cr() { "$PYTHON" tools/qemu-crossrun --ringside "$RINGSIDE" --timeout 20 "$@"; }

cr --help >"$WORK/help" 2>&1 || fail "qemu-crossrun --help failed"
grep -q 'Masks:' "$WORK/help" || fail "--help does not document the masks"
cr nosuchscenario >"$WORK/bad" 2>&1; rc=$?
[ $rc = 2 ] || { cat "$WORK/bad"; fail "an unknown scenario exited $rc, expected 2"; }

cr >"$WORK/transitional" 2>&1 || { cat "$WORK/transitional"; fail "transitional: transcripts differ"; }
cat "$WORK/transitional"
# Every scenario was compared, none skipped silently (udp needs host port 7: as root).
grep -q 'scenario tftp  *same (exit 0' "$WORK/transitional" || fail "tftp was not compared"
grep -Eq 'qemu-crossrun \(transitional\): [0-9]+ same, 0 differ' "$WORK/transitional" || fail "no summary"
for mode in legacy modern; do
    cr --virtio $mode pci virtio virtio_legacy ping ctrl tftp >"$WORK/$mode" 2>&1 ||
        { cat "$WORK/$mode"; fail "$mode: transcripts differ"; }
    cat "$WORK/$mode"
done
# Packed virtqueues (virtio 1.2 §2.8): QEMU's packed=on against ringside's +ring_packed,
# the firmware's packed driver on both; never through the legacy interface.
for mode in modern transitional; do
    cr --packed --virtio $mode pci virtio ping ctrl tftp >"$WORK/packed-$mode" 2>&1 ||
        { cat "$WORK/packed-$mode"; fail "packed, $mode: transcripts differ"; }
    grep -Eq "qemu-crossrun \($mode\): 5 same, 0 differ" "$WORK/packed-$mode" || { cat "$WORK/packed-$mode"; fail "packed $mode: no summary"; }
done
cr --packed --virtio legacy ping >"$WORK/packed-legacy" 2>&1; rc=$?
[ $rc = 2 ] || { cat "$WORK/packed-legacy"; fail "--packed --virtio legacy exited $rc, expected 2"; }
# The comparison is not vacuous: an unmasked run shows QEMU's host-timed round trips.
cr --no-mask -q ping >"$WORK/raw" 2>&1 && fail "an unmasked ping compared equal (masks not exercised)"
grep -q 'scenario ping  *DIFFERS' "$WORK/raw" || { cat "$WORK/raw"; fail "no DIFFERS verdict for the unmasked run"; }
exit 0
