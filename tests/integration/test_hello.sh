# scenario=hello boots the firmware, prints the banner and the DTB's memory size, and
# powers off with 0; -m changes what the firmware reads from the device tree.
. tests/integration/lib.sh
run_fw "$WORK/a" -append scenario=hello || { cat "$WORK/a"; fail "hello exited $RC"; }
grep -q '^ringside firmware' "$WORK/a" || { cat "$WORK/a"; fail "no banner"; }
grep -q 'memory: 128 MiB at 0x80000000' "$WORK/a" || { cat "$WORK/a"; fail "no memory line"; }
run_fw "$WORK/b" -m 256 -append scenario=hello || fail "hello -m 256 exited $RC"
grep -q 'memory: 256 MiB at 0x80000000' "$WORK/b" || { cat "$WORK/b"; fail "-m 256 not seen by the guest"; }
exit 0
