# The network options of `ringside run` (sim/main.c) with mistaken values: each gives one
# line on stderr that names the option or value, exit 120 (bad command line) or 121 (bad
# input file), never a crash and never a guest run. Then --net none (a machine without
# a NIC) and --net-slot, which the guest must see.
. tests/integration/lib.sh

# bad CODES REGEX ARGS...: `ringside run ARGS -append scenario=hello` exits with one of
# CODES ("120" or "120|121"), prints nothing on stdout and one stderr line matching REGEX.
bad() {
    codes=$1 re=$2; shift 2
    "$RINGSIDE" run "$@" -append scenario=hello >"$WORK/out" 2>"$WORK/err"
    rc=$?
    echo "$rc" | grep -Eqx "$codes" || { cat "$WORK/err" "$WORK/out"; fail "run $*: exit $rc, expected $codes"; }
    [ ! -s "$WORK/out" ] || { head -n 3 "$WORK/out"; fail "run $*: the guest ran"; }
    [ "$(wc -l <"$WORK/err")" = 1 ] || { cat "$WORK/err"; fail "run $*: error is not one line"; }
    grep -Eq -e "$re" "$WORK/err" || { cat "$WORK/err"; fail "run $*: error does not match '$re'"; }
}
# A bad --virtio, --net-features or --net value is a usage error (120: the option parser
# checks it); a file that cannot be opened is a set-up failure (121).
bad 120 "--virtio bogus: expected legacy, modern or transitional" --virtio bogus
bad 120 "--net-features: unknown feature 'nosuch' \(valid: .*mrg_rxbuf.*\)" --net-features=+nosuch
bad 120 "--net-features: unknown feature 'nosuch'" --net-features=nosuch
bad 120 "unknown network backend 'tap:x' \(expected 'peer', 'pcap:FILE' or 'none'\)" --net tap:x
bad 120 "unknown network backend 'pcap:'" --net pcap:
bad 121 "cannot open capture /nonexistent: No such file or directory" --net pcap:/nonexistent
echo "this is not a capture file" >"$WORK/text"
bad 121 "$WORK/text: not a pcap or pcapng file" --net pcap:"$WORK/text"
bad 121 "cannot create capture $WORK/no/dir.pcapng: No such file or directory" --pcap "$WORK/no/dir.pcapng"
bad 121 "tftp directory /nonexistent: No such file or directory" --tftp /nonexistent
bad 120 "--net-slot 0: must be 1\.\.31 \(slot 0 is the host bridge\)" --net-slot 0
bad 120 "--net-slot 32: must be 1\.\.31" --net-slot 32
bad 121 "slot 2 is taken by pci-testdev" --net-slot 2 --pci-testdev
bad 120 "--net-pairs 0: must be 1\.\.256" --net-pairs 0
bad 120 "--net-pairs 257: must be 1\.\.256" --net-pairs 257
bad 120 "--link sideways: expected up or down" --link sideways
bad 120 "--link-toggle 5,3: expected up to 8 increasing virtual times" --link-toggle 5,3
bad 120 "--link-toggle 5,5: expected .*increasing" --link-toggle 5,5
bad 120 "--link-toggle x: expected " --link-toggle x
bad 120 "--link-toggle 1,2,3,4,5,6,7,8,9: expected up to 8 " --link-toggle 1,2,3,4,5,6,7,8,9
bad 120 "--link-toggle every:0: expected every:P with a period P > 0" --link-toggle every:0
bad 120 "--link-toggle every:x: expected every:P" --link-toggle every:x

# --net none: no NIC on the bus; the scenarios say so and fail with their codes.
run_fw "$WORK/pci" --net none -append scenario=pci || { cat "$WORK/pci"; fail "--net none scenario=pci exited $RC"; }
grep -q '^00:00\.0 1b36:0008 class 060000 host bridge$' "$WORK/pci" || fail "--net none: no host bridge"
grep -q '^pci: 1 function on bus 0$' "$WORK/pci" || { cat "$WORK/pci"; fail "--net none: more than the bridge on bus 0"; }
! grep -q '^00:0[1-9]' "$WORK/pci" || fail "--net none: a device besides the bridge"
run_fw "$WORK/ping" --net none -append scenario=ping
rc=$?
[ $rc = 3 ] || { tail -n 5 "$WORK/ping"; fail "--net none: ping exited $rc, expected 3 (no netdev)"; }
grep -q '^net: no network device$' "$WORK/ping" || fail "--net none: no 'no network device' line"

# --net-slot 5: the device moves, INTA swizzles to (5 + 0) mod 4 = 1 -> PLIC 33 as in
# QEMU virt, and the network still works.
run_fw "$WORK/slot" --net-slot 5 -append scenario=ping || { tail -n 10 "$WORK/slot"; fail "--net-slot 5 exited $RC"; }
grep -q '^00:05\.0 1af4:1000 class 020000 ethernet  irq INTA -> plic 33$' "$WORK/slot" || { grep '^00:' "$WORK/slot"; fail "--net-slot 5: device not at 00:05.0"; }
grep -q '^4 packets transmitted, 4 received, 0% packet loss$' "$WORK/slot" || fail "--net-slot 5: ping"

# A modern-only device must offer VERSION_1 (virtio 1.2 §6.1); without it the driver
# refuses the device (status FAILED) and the scenario fails cleanly.
run_fw "$WORK/v1" --virtio modern --net-features=-version_1 -append scenario=ping
rc=$?
[ $rc = 3 ] || { tail -n 5 "$WORK/v1"; fail "modern without VERSION_1: exit $rc, expected 3"; }
grep -q '^virtio-net: modern device without VERSION_1$' "$WORK/v1" || fail "modern without VERSION_1: driver did not say why"
exit 0
