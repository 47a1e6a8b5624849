# The firmware's network scenarios (guestfw/net/README.md) against the built-in peer,
# under each virtio-pci interface the device can present: legacy (0x1000, I/O BAR),
# modern (0x1041, capabilities) and transitional (0x1000 with both; the firmware picks
# the modern one). Then offered-feature switches, and link state: --link down and
# --link-toggle, which the driver must see as a configuration change (virtio 1.2
# §4.1.4.3 ISR bit 1, §5.1.4 VIRTIO_NET_S_LINK_UP).
. tests/integration/lib.sh

# has FILE REGEX WHY: FILE must contain a line matching REGEX (grep -E).
has() { grep -Eq -e "$2" "$1" || { tail -n 25 "$1"; fail "$3"; }; }
hasnt() { ! grep -Eq -e "$2" "$1" || { grep -E -e "$2" "$1"; fail "$3"; }; }
# net MODE SCENARIO [ARGS...]: runs it, output in $WORK/MODE.SCENARIO, must exit 0.
net() {
    m=$1 s=$2; shift 2
    o="$WORK/$m.$s"
    run_fw "$o" --virtio "$m" "$@" -append "scenario=$s" || { tail -n 25 "$o"; fail "--virtio $m $* scenario=$s exited $RC"; }
}
LEASE='^dhcp: lease 10\.0\.2\.15 from 10\.0\.2\.2 mask 255\.255\.255\.0 router 10\.0\.2\.2 dns 10\.0\.2\.3 time 86400 s$'
PING4='^4 packets transmitted, 4 received, 0% packet loss$'
UDP16='^udp: sent 16 datagrams \(12260 bytes\), echoed intact 16, lost 0, damaged 0, wrong length 0, out of order 0, stray 0, '

for m in legacy modern transitional; do
    case $m in
    legacy) id=1000 ifc=legacy ;;
    modern) id=1041 ifc=modern ;;
    transitional) id=1000 ifc=modern ;;
    esac
    net $m ping
    o="$WORK/$m.ping"
    has "$o" "^00:01\.0 1af4:$id class 020000 ethernet" "$m: device id is not 1af4:$id"
    has "$o" "^virtio-net: virtio0 \(device id 1\) on 00:01\.0, $ifc interface$" "$m: driver did not use the $ifc interface"
    has "$o" '^net: eth0 mac 52:54:00:12:34:56 mtu 1500 link up queue pairs 1/4$' "$m: netdev line"
    # CSUM is offered by default: UDP (DHCP) goes out with NEEDS_CSUM, and the lease
    # below proves the device finished those checksums right.
    has "$o" 'tx checksum offload on \(used for UDP\)$' "$m: UDP checksum offload not in use"
    has "$o" "$LEASE" "$m: no DHCP lease for 10.0.2.15"
    has "$o" '^arp: 10\.0\.2\.2 is-at 52:55:0a:00:02:02 ' "$m: gateway not resolved"
    for q in 1 2 3 4; do
        has "$o" "^64 bytes from 10\.0\.2\.2: icmp_seq=$q time=" "$m: no reply to icmp_seq=$q"
    done
    has "$o" "$PING4" "$m: ping statistics"

    net $m udp
    has "$WORK/$m.udp" "$UDP16" "$m: udp echo not intact"

    # Every control-queue feature is offered, under legacy too: nothing may be skipped.
    net $m ctrl
    o="$WORK/$m.ctrl"
    has "$o" '^ctrl: promiscuous on: 1 arp replies to 52:54:00:fe:ed:01 delivered$' "$m: promiscuous on"
    has "$o" '^ctrl: promiscuous off: 0 arp replies to 52:54:00:fe:ed:01 delivered \(filtered\)$' "$m: promiscuous off"
    has "$o" '^ctrl: after mac change: 0 arp replies to old 52:54:00:12:34:56 delivered \(filtered\)$' "$m: old MAC still delivered"
    has "$o" '^ctrl: ping after mac restore: 2/2 replies$' "$m: ping after MAC restore"
    has "$o" '^ctrl: ping untagged with vlan filter: 2/2 replies$' "$m: VLAN filter"
    hasnt "$o" '^ctrl: skipped' "$m: a ctrl check was skipped although the feature is offered"
    has "$o" '^ctrl: all checks passed$' "$m: ctrl"

    net $m mq
    o="$WORK/$m.mq"
    has "$o" '^mq: 4 queue pairs enabled \(device max 4\)$' "$m: MQ not 4 pairs"
    for q in 0 1 2 3; do
        has "$o" "^mq: qp $q: tx 3 frames, 3/3 echo replies$" "$m: queue pair $q"
    done
    has "$o" '^mq: back to 1 queue pair: 1/1 echo replies$' "$m: back to 1 pair"

    net $m all
    o="$WORK/$m.all"
    for s in ping udp ctrl mq; do
        has "$o" "^== $s: ok \(exit 0\) ==$" "$m: scenario=all part $s"
    done
    has "$o" '^scenario all: ok \(exit 0\)$' "$m: scenario=all"

    net $m virtio
    has "$WORK/$m.virtio" "^virtio: eth0 via the $ifc interface$" "$m: scenario=virtio interface"
    has "$WORK/$m.virtio" '^virtio: ARP reply: 10\.0\.2\.2 is at 52:55:0a:00:02:02$' "$m: scenario=virtio ARP"

    # virtio_legacy forces the legacy interface: a modern-only device has none.
    if [ $m = modern ]; then
        run_fw "$WORK/$m.vl" --virtio $m -append scenario=virtio_legacy
        rc=$?
        [ $rc = 12 ] || { tail -n 20 "$WORK/$m.vl"; fail "modern: virtio_legacy exited $rc, expected 12 (no netdev)"; }
        has "$WORK/$m.vl" 'no usable virtio interface \(legacy forced\)' "modern: virtio_legacy reason"
    else
        net $m virtio_legacy
        has "$WORK/$m.virtio_legacy" '^virtio: eth0 via the legacy interface$' "$m: virtio_legacy"
    fi

    net $m dhcp
    has "$WORK/$m.dhcp" "$LEASE" "$m: dhcp lease"
    has "$WORK/$m.dhcp" "^dhcp: next-server 10\.0\.2\.2 bootfile ''$" "$m: dhcp next-server"

    net $m arp
    o="$WORK/$m.arp"
    # Each peer address has its own MAC, as in slirp: 52:55 then the address bytes.
    has "$o" '^arp: 10\.0\.2\.3 is-at 52:55:0a:00:02:03 ' "$m: DNS address not answered"
    has "$o" '^arp: 10\.0\.2\.77: no answer after 3 requests ' "$m: absent host"
    has "$o" '^  10\.0\.2\.2 +52:55:0a:00:02:02$' "$m: cache"
    has "$o" '^  10\.0\.2\.3 +52:55:0a:00:02:03$' "$m: cache"
    hasnt "$o" '^  10\.0\.2\.77 ' "$m: absent host cached"

    # DHCP 2 + ARP 1 + ICMP 4 frames each way: 2*342 + 60 + 4*98 = 1136 bytes.
    net $m stats
    o="$WORK/$m.stats"
    has "$o" '^eth0: rx packets 7 bytes 1136 dropped 0; tx packets 7 bytes 1136 dropped 0;' "$m: netdev counters"
    has "$o" '^net: tx frames 7, errors 0, no route 0$' "$m: stack counters"
    has "$o" '^virtio-net: tx kicks 7 ' "$m: virtio-net counters"
done

# net-selftest never touches the device: once is enough.
net transitional net-selftest
has "$WORK/transitional.net-selftest" '^net-selftest: all checks passed$' "net-selftest"

# --- offered features ---
# Without mergeable buffers a legacy header is 10 bytes (virtio 1.2 §5.1.6); with
# VERSION_1 it is always 12. Without csum/event_idx/indirect the data path still works.
off=-mrg_rxbuf,-event_idx,-indirect_desc,-csum,-guest_csum
for m in legacy modern transitional; do
    case $m in legacy) hdr=10 ;; *) hdr=12 ;; esac
    for s in ping udp; do
        net $m $s --net-features=$off
        o="$WORK/$m.$s"
        has "$o" "^virtio-net: header $hdr bytes, .*tx checksum offload off$" "$m $off: header not $hdr bytes"
        hasnt "$o" '^virtio-net: driver accepts features .*(CSUM|MRG_RXBUF|INDIRECT|EVENT_IDX)' "$m $off: a switched-off feature was negotiated"
        hasnt "$o" '^virtio-net: vq .*(indirect|event-idx)' "$m $off: a ring uses a switched-off feature"
    done
    has "$WORK/$m.ping" "$PING4" "$m $off: ping"
    has "$WORK/$m.udp" "$UDP16" "$m $off: udp"

    net $m mq --net-features=-mq
    has "$WORK/$m.mq" '^mq: skipped: 1 queue pair \(no MQ\)$' "$m -mq: mq not skipped"
done
net modern mq --net-pairs 2
has "$WORK/modern.mq" '^mq: 2 queue pairs enabled \(device max 2\)$' "--net-pairs 2"
hasnt "$WORK/modern.mq" '^mq: qp 2' "--net-pairs 2: a third pair was used"
net modern ctrl --net-features=-ctrl_vlan
has "$WORK/modern.ctrl" '^ctrl: skipped: no CTRL_VLAN$' "-ctrl_vlan: VLAN checks not skipped"
hasnt "$WORK/modern.ctrl" '^ctrl: vlan 42 added' "-ctrl_vlan: VLAN added anyway"
has "$WORK/modern.ctrl" '^ctrl: all checks passed$' "-ctrl_vlan: ctrl"

# --- link state ---
# Link down from the start: frames are dropped, DHCP times out (exit 5); with a static
# address the gateway ARP fails instead (exit 7).
run_fw "$WORK/down" --link down -append scenario=ping
rc=$?
[ $rc = 5 ] || { tail -n 20 "$WORK/down"; fail "--link down: ping exited $rc, expected 5 (DHCP timeout)"; }
has "$WORK/down" 'link down queue pairs' "--link down: the driver reports the link up"
has "$WORK/down" '^dhcp: no lease \(timeout\)$' "--link down: no DHCP timeout line"
run_fw "$WORK/down-ip" --link down -append "scenario=ping ip=10.0.2.15"
rc=$?
[ $rc = 7 ] || { tail -n 20 "$WORK/down-ip"; fail "--link down ip=: ping exited $rc, expected 7 (gateway ARP)"; }
has "$WORK/down-ip" '^arp: gateway 10\.0\.2\.2 did not answer$' "--link down ip=: no ARP failure line"

# Down at start, up at 0.5 s of virtual time (after DRIVER_OK, before DHCP's first
# retry at 1 s): the driver gets a configuration change and DHCP then succeeds.
run_fw "$WORK/up" --link down --link-toggle 50000000 -append scenario=ping || { tail -n 20 "$WORK/up"; fail "link up at 0.5 s: ping exited $RC"; }
has "$WORK/up" '^virtio-net: config changed: status 0x1, link up \(changed\)$' "link up at 0.5 s: no config change seen"
has "$WORK/up" "$PING4" "link up at 0.5 s: ping"

# Down right after the first echo reply, up 0.1 s later (the ping timeout is 1 s): the
# second request is dropped, the third and fourth answered. The times come from a
# trace of the undisturbed run, so firmware changes do not break the test.
run_fw "$WORK/plain" --trace "$WORK/plain.trace" -append scenario=ping || fail "ping --trace exited $RC"
t=$("$PYTHON" trace/ringside-trace show --raw --type frame_to_guest "$WORK/plain.trace" | awk '/ frame=98:/ { print $1; exit }')
[ -n "$t" ] || fail "no echo reply in the trace"
run_fw "$WORK/flap" --trace "$WORK/flap.trace" --link-toggle "$((t + 1)),$((t + 10000001))" -append scenario=ping
rc=$?
[ $rc = 10 ] || { tail -n 20 "$WORK/flap"; fail "link flap: ping exited $rc, expected 10 (lost)"; }
has "$WORK/flap" '^virtio-net: config changed: status 0x0, link down \(changed\)$' "link flap: down not seen"
has "$WORK/flap" '^virtio-net: config changed: status 0x1, link up \(changed\)$' "link flap: up not seen"
has "$WORK/flap" '^no reply from 10\.0\.2\.2: icmp_seq=2 \(timeout\)$' "link flap: seq 2 not lost"
has "$WORK/flap" '^64 bytes from 10\.0\.2\.2: icmp_seq=4 ' "link flap: seq 4 not answered"
has "$WORK/flap" '^4 packets transmitted, 3 received, 25% packet loss$' "link flap: statistics"
# The toggles are part of the recorded configuration: the run replays to a match.
"$RINGSIDE" replay "$WORK/flap.trace" >"$WORK/flap.replay" 2>&1 || { tail -n 8 "$WORK/flap.replay"; fail "replay of the link flap run did not match"; }

# A link that flaps all the time (every:P, 2P, 3P, ...): the driver sees each flip as a
# configuration change, and the run replays. The virtio scenario lingers 30 ms after
# its ARP reply to serve the interrupts: flips at 4, 8, 12 ms ... after boot.
run_fw "$WORK/every" --trace "$WORK/every.trace" --link-toggle every:400000 -append "scenario=virtio linger=30" ||
    { tail -n 5 "$WORK/every"; fail "--link-toggle every: exited $RC"; }
n=$(grep -c '^virtio-net: config changed: status 0x0, link down (changed)$' "$WORK/every")
[ "$n" -ge 3 ] || { tail -n 20 "$WORK/every"; fail "--link-toggle every:400000: $n link-down changes seen, expected at least 3"; }
grep -aq 'every:400000' "$WORK/every.trace" || fail "--link-toggle every: not recorded in the trace header"
"$RINGSIDE" replay "$WORK/every.trace" >"$WORK/every.replay" 2>&1 || { tail -n 8 "$WORK/every.replay"; fail "replay of the every: run did not match"; }

# Regression check: the link comes up after the driver read the status at probe but
# before DRIVER_OK. The device rightly sends no configuration change before DRIVER_OK
# (virtio 1.2 §3.1.1; QEMU's virtio_notify_config does the same), so the driver must
# read the status again once it has set DRIVER_OK, as Linux's virtnet_probe does.
d=$("$PYTHON" trace/ringside-trace show --raw --type virtio_status "$WORK/plain.trace" | awk '/ new=0x[0-9a-f]*[4567cdef]$/ { print $1; exit }')
[ -n "$d" ] || fail "no DRIVER_OK in the trace"
run_fw "$WORK/early" --link down --link-toggle "$((d - 1))" -append scenario=ping || { tail -n 20 "$WORK/early"; fail "link up just before DRIVER_OK: ping exited $RC"; }
has "$WORK/early" "$PING4" "link up just before DRIVER_OK: ping"
has "$WORK/early" '^net: eth0 mac 52:54:00:12:34:56 mtu 1500 link up ' "link came up just before DRIVER_OK (virtual time $((d - 1))) but the driver reports it down: it must read the status again after DRIVER_OK"
exit 0
