# S mode and Sv39 under a real SBI firmware (issue 15): Debian's OpenSBI 1.1
# fw_dynamic.bin (package opensbi) boots through the boot ROM's fw_dynamic info, prints
# its banner with the hart's privileged version, PMP and delegation, and starts the
# payload tests/integration/payload/sv39.S in S mode at 0x80200000; the payload turns
# on Sv39, runs from a high alias, takes a delegated page fault, finds OpenSBI's own
# memory at 0x80000000 refused by the PMP entry OpenSBI programs (load access fault,
# scause 5) and powers off through SBI SRST, which OpenSBI turns into the test
# finisher's 16-bit write. The traced run replays exactly.
. tests/integration/lib.sh
sbi=${RINGSIDE_OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin}
[ -f "$sbi" ] || skip "no OpenSBI at $sbi (apt-get install opensbi, or set RINGSIDE_OPENSBI)"
cc=$(sed -n 's/^GUEST_CC *= *//p' Makefile 2>/dev/null)
[ -n "$cc" ] || skip "no Makefile with GUEST_CC (run ./configure): cannot build the payload"
objcopy=
for o in llvm-objcopy riscv64-linux-gnu-objcopy riscv64-unknown-elf-objcopy; do
    command -v $o >/dev/null 2>&1 && { objcopy=$o; break; }
done
[ -n "$objcopy" ] || skip "no llvm-objcopy or riscv64 objcopy: cannot make the raw payload"
$cc -march=rv64imac -mabi=lp64 -mcmodel=medany -mno-relax -nostdlib -fuse-ld=lld \
    -Wl,-Ttext=0x80200000 -o "$WORK/sv39.elf" tests/integration/payload/sv39.S >"$WORK/cc.out" 2>&1 ||
    { cat "$WORK/cc.out"; fail "cannot build the payload with $cc"; }
$objcopy -O binary "$WORK/sv39.elf" "$WORK/sv39.bin" || fail "$objcopy failed"

run_fw "$WORK/out" --bios "$sbi" --kernel "$WORK/sv39.bin" --trace "$WORK/t.trace"
[ $RC = 0 ] || { cat "$WORK/out"; fail "the OpenSBI run exited $RC, expected 0 (SRST shutdown)"; }
for want in "OpenSBI v1" "Boot HART Priv Version    : v1.12" "Boot HART PMP Count       : 16" \
            "Boot HART MIDELEG         : 0x0000000000000222" "Domain0 Next Mode         : S-mode" \
            "payload: S mode, satp bare" "payload: Sv39 on, running at the high alias" \
            "payload: load page fault delegated, stval ok" \
            "payload: OpenSBI's memory refused by PMP, load access fault"; do
    grep -qF "$want" "$WORK/out" || { cat "$WORK/out"; fail "no '$want' on the console"; }
done
grep -q "payload: FAIL" "$WORK/out" && fail "the payload failed"
"$RINGSIDE" replay "$WORK/t.trace" >"$WORK/replay.out" 2>&1 ||
    { cat "$WORK/replay.out"; fail "the OpenSBI run did not replay"; }
grep -q 'events match' "$WORK/replay.out" || { cat "$WORK/replay.out"; fail "no match summary"; }
# --initrd without --kernel is refused with a reason.
run_fw "$WORK/out" --bios "$sbi" --initrd "$WORK/sv39.bin"
[ $RC != 0 ] && grep -q "needs --kernel" "$WORK/out" || { cat "$WORK/out"; fail "--initrd without --kernel: exit $RC, no reason"; }
echo "ok: OpenSBI boots ringside, hands off to S mode, Sv39, delegated faults and OpenSBI's PMP work, the trace replays"
