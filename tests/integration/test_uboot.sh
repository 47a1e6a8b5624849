# Debian's U-Boot (u-boot-qemu, built for QEMU's riscv64 virt board) on ringside: an
# independent driver brings up ringside's virtio-net-pci. Typed through --serial-input
# with --serial-prompt "=> " (each line waits for U-Boot's prompt, so nothing typed is
# eaten by its ^C polling), U-Boot enumerates PCI, binds its virtio-net driver, gets a
# DHCP lease from the built-in peer, pings it, fetches a file by TFTP whose crc32 must
# equal zlib's, and powers off with exit 0 — in transitional, legacy and modern mode.
# Each session is traced and must replay to an exact match. The driver checker's
# verdict on U-Boot (docs/real-clients.md) is what the spec says of its driver: DRIVER
# set without ACKNOWLEDGE after its reset (§3.1.1), and on the legacy interface receive
# buffers that hold the header inline without ANY_LAYOUT (§5.1.6.6); nothing else.
. tests/integration/lib.sh
UBOOT=${UBOOT:-/usr/lib/u-boot/qemu-riscv64/u-boot.bin}
[ -r "$UBOOT" ] || skip "no $UBOOT (Debian package u-boot-qemu; tools/install-deps installs it)"
T="$PYTHON trace/ringside-trace"

# A file that spans many TFTP blocks and ends in a partial one.
mkdir -p "$WORK/tftp"
crc=$("$PYTHON" - "$WORK/tftp/payload.bin" <<'PY'
import sys, zlib
data = bytes((i * 7 + (i >> 8)) & 0xff for i in range(70000))
open(sys.argv[1], "wb").write(data)
print("%08x" % zlib.crc32(data))
PY
) || fail "could not write the TFTP payload"
sed 's/hello\.bin/payload.bin/' tests/uboot/session.txt >"$WORK/session.txt"

for mode in transitional legacy modern; do
    out=$WORK/$mode.out tr=$WORK/$mode.trace
    "$RINGSIDE" run --fw "$UBOOT" --virtio $mode --tftp "$WORK/tftp" --serial-input "$WORK/session.txt" \
        --serial-prompt '=> ' --trace "$tr" --max-insns 400000000 >"$out.raw" 2>&1
    rc=$?
    tr -d '\r' <"$out.raw" >"$out"   # U-Boot ends lines with CR LF
    [ $rc = 0 ] || { cat "$out"; fail "$mode: U-Boot session exited $rc, expected 0 from poweroff"; }
    # Every typed line arrived whole: the prompt lines echo the commands exactly.
    sed -n 's/^=> //p' "$out" >"$WORK/typed"
    grep -v '^$' "$WORK/session.txt" | diff -u - "$WORK/typed" || fail "$mode: typed commands were not echoed intact"
    case $mode in modern) id=0x1041 ;; *) id=0x1000 ;; esac
    grep -Eq "^00\.01\.00 +0x1af4 +$id +Network controller" "$out" || { cat "$out"; fail "$mode: pci does not list virtio-net $id"; }
    grep -q 'DHCP client bound to address 10.0.2.15' "$out" || { cat "$out"; fail "$mode: no DHCP lease"; }
    grep -q 'host 10.0.2.2 is alive' "$out" || { cat "$out"; fail "$mode: ping failed"; }
    grep -q 'Bytes transferred = 70000 (11170 hex)' "$out" || { cat "$out"; fail "$mode: TFTP did not transfer 70000 bytes"; }
    grep -q "crc32 for 80200000 ... 8021116f ==> $crc\$" "$out" || { cat "$out"; fail "$mode: crc32 differs from zlib's $crc"; }
    grep -q '^poweroff \.\.\.' "$out" || fail "$mode: no poweroff"
    case $mode in
    modern) want='1 violation of 1 rule: status_order (1);' ;;
    *) want='violations of 2 rules: status_order (1) net_legacy_framing ([0-9]*);' ;;
    esac
    grep -q "^ringside: driver checker: .*$want" "$out" || { grep "driver" "$out"; fail "$mode: the checker's verdict on U-Boot changed"; }
    grep -q "^ringside: driver violation: status_order (virtio 1.2 §3.1.1)" "$out" || fail "$mode: no status_order report"
    if [ $mode = transitional ]; then
        # Which interface U-Boot chose for a transitional device: its legacy driver binds.
        # (Decoding a trace takes a second or two, so only this one is read.)
        $T show --raw --family bus,virtio "$tr" >"$WORK/$mode.show" || fail "$mode: ringside-trace show --raw failed"
        grep -q 'reg=legacy.device_status' "$WORK/$mode.show" || fail "$mode: U-Boot did not use the legacy registers"
        if grep -q 'reg=common\.' "$WORK/$mode.show"; then fail "$mode: U-Boot touched the modern common config"; fi
        # The device never needed a reset: the only protocol note is U-Boot's skipped ACKNOWLEDGE.
        if grep 'virtio_error' "$WORK/$mode.show" | grep -v 'DRIVER set without ACKNOWLEDGE (tolerated)'; then
            fail "$mode: the device reported an error"
        fi
    fi
    "$RINGSIDE" replay "$tr" >"$WORK/$mode.replay" 2>&1 || { tail -n 20 "$WORK/$mode.replay"; fail "$mode: replay diverged"; }
    grep -q 'events match (guest exit 0)' "$WORK/$mode.replay" || { cat "$WORK/$mode.replay"; fail "$mode: no replay match summary"; }
done
exit 0
