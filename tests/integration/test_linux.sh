# Linux 6.1's own virtio_net on ringside (issue 15, docs/linux.md): the kernel and the
# one-program initramfs tools/build-linux builds from Debian's packages, started in S
# mode by OpenSBI 1.1. Over the modern interface and, with virtio_pci.force_legacy=1,
# over the legacy one: virtio_net binds, the kernel's DHCP gets its lease from the
# built-in peer, /init pings 10.0.2.2 three times and powers the machine off, so
# ringside exits 0 (init resets it instead, exit 126, when a step failed). The driver
# checker (on by default) finds nothing. The modern run is traced: it replays exactly,
# and holds virtio's handshake in Linux's order, named by vmlinux's functions (found
# beside the Image) and their callers (the kernel has frame pointers); without vmlinux
# the trace is the same but for the names.
#
# tools/build-linux builds what is missing (the kernel once, some 8 minutes on two busy
# cores, cached by content under ~/.cache/ringside/linux), which is why the runner
# starts this test first and beside the others. Skips (77) when the packages are not
# installed (tools/install-deps installs them); RINGSIDE_LINUX_BUILD=no only uses what
# is built, RINGSIDE_LINUX=DIR a directory holding Image, vmlinux and initramfs.cpio.
# parallel
# san: skip
. tests/integration/lib.sh
sbi=${RINGSIDE_OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin}
[ -f "$sbi" ] || skip "no OpenSBI at $sbi (apt-get install opensbi)"
if [ -n "${RINGSIDE_LINUX:-}" ]; then
    dir=$RINGSIDE_LINUX
else
    cached=
    [ "${RINGSIDE_LINUX_BUILD:-yes}" = no ] && cached=--cached
    dir=$(sh tools/build-linux $cached 2>"$WORK/build.err")
    rc=$?
    case $rc in
    0) ;;
    2) skip "$(cat "$WORK/build.err") (tools/install-deps installs what tools/build-linux needs)" ;;
    1) [ -n "$cached" ] && skip "no Linux built: run tools/build-linux, or set RINGSIDE_LINUX"
       cat "$WORK/build.err"; fail "tools/build-linux failed" ;;
    *) cat "$WORK/build.err"; fail "tools/build-linux exited $rc" ;;
    esac
fi
for f in Image vmlinux initramfs.cpio; do
    [ -f "$dir/$f" ] || fail "no $f in $dir"
done
args="console=hvc0 earlycon=sbi ip=dhcp"
insns=400000000     # the boot to power-off takes some 75 million

# check_boot CONSOLE WHAT: what the kernel and /init print on the way.
check_boot() {
    for want in "virtio-pci 0000:00:01.0: enabling device" "IP-Config: Got DHCP answer from 10.0.2.2" \
                "device=eth0, hwaddr=52:54:00:12:34:56, ipaddr=10.0.2.15" "Run /init as init process" \
                "init: eth0: 10.0.2.15 netmask 255.255.255.0 (the kernel's DHCP lease)" \
                "init: ping 10.0.2.2: seq=1 reply from 10.0.2.2" "init: ping 10.0.2.2: 3 of 3 answered" \
                "init: eth0: device virtio0, driver virtio_net" "init: eth0: queues rx 1, tx 1" \
                "init: all good: powering off" "reboot: Power down"; do
        grep -qF "$want" "$1" || { tail -30 "$1"; fail "$2: no '$want' on the console"; }
    done
    ! grep -q "driver violation\|driver checker" "$1" || { grep -A2 "driver violation\|driver checker" "$1"; fail "$2: the driver checker reports Linux"; }
}

run_fw "$WORK/modern.out" --bios "$sbi" --kernel "$dir/Image" --initrd "$dir/initramfs.cpio" -append "$args" \
    --max-insns $insns --trace "$WORK/t.trace"
[ $RC = 0 ] || { tail -30 "$WORK/modern.out"; fail "the modern boot exited $RC, expected 0 (init's power-off)"; }
check_boot "$WORK/modern.out" modern
grep -q "^init: virtio features:.* VERSION_1" "$WORK/modern.out" || fail "modern: VERSION_1 not negotiated"

run_fw "$WORK/legacy.out" --bios "$sbi" --kernel "$dir/Image" --initrd "$dir/initramfs.cpio" \
    -append "$args virtio_pci.force_legacy=1" --max-insns $insns
[ $RC = 0 ] || { tail -30 "$WORK/legacy.out"; fail "the legacy boot exited $RC, expected 0"; }
check_boot "$WORK/legacy.out" legacy
grep -q "^init: virtio features:.* VERSION_1" "$WORK/legacy.out" && fail "legacy: VERSION_1 negotiated"

"$RINGSIDE" replay "$WORK/t.trace" >"$WORK/replay.out" 2>&1 ||
    { tail "$WORK/replay.out"; fail "the Linux boot did not replay"; }
grep -q 'events match (guest exit 0)' "$WORK/replay.out" || { tail "$WORK/replay.out"; fail "no match summary"; }

# The handshake, in the order Linux's virtio core and virtio_net take it (virtio 1.2
# §3.1.1), each step at the first event of its kind, in the function of vmlinux that
# made it and under the driver's own entry point the call stack holds (the trace's
# symbol is the chain "innermost<caller+0xOFF<...", read from the kernel's frame
# records): ACKNOWLEDGE (virtio_pci_probe), DRIVER, the driver's features and
# FEATURES_OK (virtio_dev_probe, before virtnet_probe runs: virtio_features_ok is
# inlined there), the first queue enabled and DRIVER_OK (virtnet_probe: Linux 6.1's
# virtnet_probe calls virtio_device_ready itself), the first receive buffers published
# (try_fill_recv), the first transmit notified (start_xmit).
$PYTHON trace/ringside-trace show --raw --type virtio_status,virtio_features,virtio_queue_enable,avail_idx,virtio_notify \
    "$WORK/t.trace" >"$WORK/hs.txt" || fail "ringside-trace show failed"
awk '
function step(n, sym, under, not_under) {
    if (n in at) return
    at[n] = NR; chain[n] = $3; want[n] = sym; below[n] = under; notbelow[n] = not_under
}
function has(c, f) { return index(c "<", "<" f "+0x") > 0 }
$4 == "virtio_status" && $0 ~ / new=0x1$/ { step(1, "vp_modern_set_status", "virtio_pci_probe", "virtio_dev_probe") }
$4 == "virtio_status" && $0 ~ / new=0x3$/ { step(2, "vp_modern_set_status", "virtio_dev_probe", "virtnet_probe") }
$4 == "virtio_features" && $0 ~ / side=driver / { step(3, "vp_modern_set_features", "virtio_dev_probe", "virtnet_probe") }
$4 == "virtio_status" && $0 ~ / new=0xb$/ { step(4, "vp_modern_set_status", "virtio_dev_probe", "virtnet_probe") }
$4 == "virtio_queue_enable" && $0 ~ / queue=0 enable=1/ { step(5, "vp_modern_set_queue_enable", "virtnet_probe", "-") }
$4 == "virtio_status" && $0 ~ / new=0xf$/ { step(6, "vp_modern_set_status", "virtnet_probe", "-") }
$4 == "avail_idx" && $0 ~ / queue=0 / { step(7, "virtqueue_add", "try_fill_recv", "-") }
$4 == "virtio_notify" && $0 ~ / queue=1$/ { step(8, "vp_notify", "start_xmit", "-") }
END {
    for (n = 1; n <= 8; n++) {
        if (!(n in at)) { print "step " n " is missing"; exit 1 }
        if (n > 1 && at[n] < at[n - 1]) { print "step " n " comes before step " n - 1; exit 1 }
        split(chain[n], fr, "<")
        if (fr[1] != want[n]) { print "step " n " is in " fr[1] ", expected " want[n] " (" chain[n] ")"; exit 1 }
        if (!has(chain[n], below[n])) { print "step " n " is not under " below[n] ": " chain[n]; exit 1 }
        if (has(chain[n], notbelow[n])) { print "step " n " is under " notbelow[n] ": " chain[n]; exit 1 }
    }
}' "$WORK/hs.txt" >"$WORK/order.out" || { cat "$WORK/order.out"; fail "the handshake is not Linux's, or its call stacks are not named"; }
# Each queue's registers are written under setup_vq (the queue's size and ring
# addresses), all nine of them, the 64-bit queue_desc as two 32-bit halves; --symbol
# matches any function of the chain.
n=$($PYTHON trace/ringside-trace show --raw --symbol setup_vq --type mmio_write "$WORK/t.trace" | grep -c "reg=common.queue_desc")
[ "$n" = 18 ] || fail "expected 18 queue_desc writes (9 queues) under setup_vq, found $n"
$PYTHON trace/ringside-trace show --symbol try_fill_recv --type avail_idx "$WORK/t.trace" | grep -q "queue=rx0" ||
    fail "ringside-trace show --symbol try_fill_recv finds no rx0 publish"
# The aligned view and the ring viewer name Linux's functions too: in the ring
$PYTHON trace/ringside-trace show --type virtio_queue_setup "$WORK/t.trace" | grep -q "vp_modern_set_queue_enable<vp_modern_find_vqs+0x[0-9a-f]*<virtnet_probe+0x" ||
    fail "ringside-trace show does not name vp_modern_set_queue_enable under virtnet_probe"
# viewer: the queue the function works on, and the whole device (what make linux-demo
# writes).
ring_names() {
    $PYTHON trace/ringside-trace html $1 "$WORK/t.trace" -o "$WORK/t.html" >/dev/null 2>&1 || fail "ringside-trace html $1 failed"
    shift
    for f; do
        grep -q "$f" "$WORK/t.html" || fail "the ring viewer ($1) does not name $f"
    done
}
ring_names "--queue rx0" vp_modern_set_queue_enable virtqueue_add vp_notify virtnet_probe try_fill_recv
ring_names "--queue tx0" virtqueue_add vp_notify start_xmit
ring_names --device vp_modern_set_status virtio_dev_probe vp_modern_set_queue_enable virtnet_probe try_fill_recv start_xmit
$PYTHON trace/ringside-trace seq "$WORK/t.trace" -o "$WORK/t.svg" || fail "ringside-trace seq failed"
grep -q 'class="phase">virtio_dev_probe: DRIVER' "$WORK/t.svg" || fail "seq's phases do not name virtio_dev_probe"
# Observers change nothing: the same boot without vmlinux (no symbols, no stack
# reading) records the same trace but for the symbols.
mkdir "$WORK/nosym" && cp "$dir/Image" "$WORK/nosym/" || fail "cannot copy the Image"
run_fw "$WORK/nosym.out" --bios "$sbi" --kernel "$WORK/nosym/Image" --initrd "$dir/initramfs.cpio" -append "$args" \
    --max-insns $insns --trace "$WORK/nosym.trace"
[ $RC = 0 ] || { tail -30 "$WORK/nosym.out"; fail "the boot without symbols exited $RC"; }
$PYTHON trace/ringside-trace diff -q --no-header --ignore sym "$WORK/nosym.trace" "$WORK/t.trace" >"$WORK/nosym.diff" ||
    { head -20 "$WORK/nosym.diff"; fail "reading the kernel's call stacks changed the run"; }
! $PYTHON trace/ringside-trace show --raw "$WORK/nosym.trace" | awk '$3 != "-"' | grep -q . ||
    fail "a boot without vmlinux has symbols"
# docs/classroom.md's side-by-side table is true for this build.
if [ -z "${RINGSIDE_LINUX:-}" ]; then
    RINGSIDE=$RINGSIDE $PYTHON tools/classroom/linux-handshake --check >"$WORK/hs-check.out" 2>&1 ||
        { cat "$WORK/hs-check.out"; fail "docs/classroom.md's Linux handshake is stale: tools/classroom/linux-handshake --write, then tools/classroom/refresh"; }
fi
echo "ok: Linux 6.1 probes virtio-net-pci (modern and legacy), gets its lease, pings and powers off; the trace replays and names Linux's functions and their callers"
