# Linux 6.1's own virtio_net on ringside (issue 15): the kernel tools/build-linux builds
# from Debian's linux-source-6.1 (tools/linux/ringside.config), started in S mode by
# OpenSBI 1.1, probes virtio-net-pci and gets its DHCP lease from the built-in peer
# (IP-Config: Complete) over the modern interface, and with virtio_pci.force_legacy=1
# over the legacy one; the modern run is traced and replays exactly. There is no
# initramfs yet, so the kernel stops at "No working init found": the runs are bounded
# by --max-insns.
#
# Skips unless the kernel is built: run tools/build-linux once (it needs
# linux-source-6.1, gcc-riscv64-linux-gnu, flex, bison and bc; about 8 minutes on two
# busy cores), or set RINGSIDE_LINUX to a directory holding Image.
# san: skip
. tests/integration/lib.sh
sbi=${RINGSIDE_OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin}
[ -f "$sbi" ] || skip "no OpenSBI at $sbi (apt-get install opensbi)"
dir=${RINGSIDE_LINUX:-$(sh tools/build-linux --cached 2>/dev/null)} ||
    skip "no Linux image built: run tools/build-linux (needs linux-source-6.1 gcc-riscv64-linux-gnu flex bison bc), or set RINGSIDE_LINUX"
[ -f "$dir/Image" ] || skip "no Image in $dir"
args="console=hvc0 earlycon=sbi ip=dhcp"
insns=1300000000

check_boot() {
    for want in "virtio-pci 0000:00:01.0: enabling device" "IP-Config: Got DHCP answer from 10.0.2.2" \
                "IP-Config: Complete:" "device=eth0, hwaddr=52:54:00:12:34:56, ipaddr=10.0.2.15"; do
        grep -qF "$want" "$1" || { tail -30 "$1"; fail "$2: no '$want' on the console"; }
    done
}

run_fw "$WORK/modern.out" --bios "$sbi" --kernel "$dir/Image" -append "$args" --max-insns $insns --trace "$WORK/t.trace"
[ $RC = 124 ] || { tail -30 "$WORK/modern.out"; fail "the modern boot exited $RC, expected 124 (--max-insns)"; }
check_boot "$WORK/modern.out" modern
run_fw "$WORK/legacy.out" --bios "$sbi" --kernel "$dir/Image" -append "$args virtio_pci.force_legacy=1" --max-insns $insns
[ $RC = 124 ] || { tail -30 "$WORK/legacy.out"; fail "the legacy boot exited $RC, expected 124 (--max-insns)"; }
check_boot "$WORK/legacy.out" legacy
"$RINGSIDE" replay "$WORK/t.trace" >"$WORK/replay.out" 2>&1 ||
    { tail "$WORK/replay.out"; fail "the Linux boot did not replay"; }
grep -q 'events match' "$WORK/replay.out" || { tail "$WORK/replay.out"; fail "no match summary"; }
echo "ok: Linux 6.1 probes virtio-net-pci (modern and legacy) and completes DHCP; the trace replays"
