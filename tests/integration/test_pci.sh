# scenario=pci: the firmware enumerates bus 0 as a BIOS does (ECAM, and mechanism #1
# with pci=cf8), sizes and assigns every BAR, routes INTx, and prints an lspci-like
# table that must match the checked-in transcript exactly.
. tests/integration/lib.sh
# The default machine: the bridge and virtio-net-pci in slot 1.
run_fw "$WORK/default" -append scenario=pci || { cat "$WORK/default"; fail "scenario=pci exited $RC"; }
diff -u tests/integration/expected/pci.txt "$WORK/default" || fail "scenario=pci transcript differs from expected/pci.txt"
# With the PCI test device in slot 2 (I/O, 32-bit and 64-bit prefetchable BARs).
exp=tests/integration/expected/pci-testdev.txt
run_fw "$WORK/ecam" --pci-testdev -append scenario=pci || { cat "$WORK/ecam"; fail "scenario=pci exited $RC"; }
diff -u "$exp" "$WORK/ecam" || fail "scenario=pci transcript differs from $exp"
run_fw "$WORK/cf8" --pci-testdev -append "scenario=pci pci=cf8" || { cat "$WORK/cf8"; fail "pci=cf8 exited $RC"; }
grep -q 'config access via mechanism #1' "$WORK/cf8" || { cat "$WORK/cf8"; fail "pci=cf8 did not use mechanism #1"; }
# Apart from the mechanism line, both mechanisms see and assign the same bus.
grep -v 'config access via' "$exp" >"$WORK/a"
grep -v 'config access via' "$WORK/cf8" >"$WORK/b"
diff -u "$WORK/a" "$WORK/b" || fail "mechanism #1 enumeration differs from ECAM"
exit 0
