# Captures (sim/net/backend.h): --pcap FILE writes every frame both ways as pcapng
# stamped with the guest's clock (10 ns per instruction by default, net_vtime_to_ns)
# and the direction in epb_flags; --net pcap:FILE feeds a capture's inbound frames to the guest (outbound
# ones, the recorded guest's own, are skipped; classic pcap has no direction, so every
# frame is fed). The replay needs no tshark; reading the capture with tshark does.
. tests/integration/lib.sh
T=trace/ringside-trace
# frames TRACE: the frames handed to the guest, in order, one per line.
frames() { "$PYTHON" $T show --raw --type frame_to_guest "$1" | sed -n 's/.* frame=//p'; }

run_fw "$WORK/a" --pcap "$WORK/a.pcapng" --trace "$WORK/a.trace" -append scenario=ping || { tail -n 20 "$WORK/a"; fail "ping --pcap exited $RC"; }
[ -s "$WORK/a.pcapng" ] || fail "--pcap wrote nothing"
# Virtual-time stamps: the capture of a rerun is the same file, byte for byte.
run_fw "$WORK/b" --pcap "$WORK/b.pcapng" -append scenario=ping || fail "second ping --pcap exited $RC"
cmp "$WORK/a.pcapng" "$WORK/b.pcapng" || fail "two runs wrote different captures"

# Feed the capture to a guest with a static address: the recorded peer's ARP reply and
# echo replies are what this guest asks for, so ping passes on replayed frames alone.
frames "$WORK/a.trace" >"$WORK/want"
[ "$(wc -l <"$WORK/want")" = 7 ] || { cat "$WORK/want"; fail "recorded run gave the guest $(wc -l <"$WORK/want") frames, expected 7"; }
run_fw "$WORK/r" --net pcap:"$WORK/a.pcapng" --trace "$WORK/r.trace" -append "scenario=stats ip=10.0.2.15" || { tail -n 20 "$WORK/r"; fail "stats fed from the capture exited $RC"; }
frames "$WORK/r.trace" >"$WORK/got"
diff "$WORK/want" "$WORK/got" >/dev/null || fail "frames fed from the capture differ from the recorded peer's (count $(wc -l <"$WORK/got"), expected 7)"
grep -q '^4 packets transmitted, 4 received, 0% packet loss$' "$WORK/r" || { tail -n 15 "$WORK/r"; fail "ping on replayed frames"; }
grep -q '^eth0: rx packets 7 bytes 1136 dropped 0;' "$WORK/r" || { tail -n 6 "$WORK/r"; fail "guest rx counters after replay"; }
"$RINGSIDE" replay "$WORK/r.trace" >"$WORK/r.replay" 2>&1 || { tail -n 8 "$WORK/r.replay"; fail "replay of the pcap-fed run did not match"; }
# Nothing answers the guest: its frames are only captured.
if "$PYTHON" $T show --raw --type peer_action "$WORK/r.trace" | grep -q .; then fail "the peer acted in a pcap replay"; fi

# A truncated capture: frames before the damage are fed, then a one-line error naming
# the file and offset; the run does not pass.
head -c 1000 "$WORK/a.pcapng" >"$WORK/cut.pcapng"
"$RINGSIDE" run --net pcap:"$WORK/cut.pcapng" -append "scenario=ping ip=10.0.2.15" >"$WORK/cut" 2>"$WORK/cut.err"
rc=$?
[ $rc != 0 ] || fail "a truncated capture passed"
grep -q "cut.pcapng: truncated block .* at byte offset " "$WORK/cut.err" || { cat "$WORK/cut.err"; fail "no error for the truncated capture"; }

command -v tshark >/dev/null 2>&1 || skip "tshark not installed"
tshark -r "$WORK/a.pcapng" >/dev/null 2>"$WORK/tshark.err" || { cat "$WORK/tshark.err"; fail "tshark cannot read the capture"; }
# One line per frame: time, DHCP message type, ARP opcode, ICMP type, ICMP seq, direction.
tshark -r "$WORK/a.pcapng" -T fields -E separator=, -e frame.time_epoch -e dhcp.option.dhcp \
    -e arp.opcode -e icmp.type -e icmp.seq -e frame.packet_flags_direction 2>/dev/null >"$WORK/f"
[ "$(wc -l <"$WORK/f")" = 14 ] || { cat "$WORK/f"; fail "capture has $(wc -l <"$WORK/f") frames, expected 14"; }
cut -d, -f2- "$WORK/f" >"$WORK/kinds"
# Out = guest's frames (0x2), in = towards the guest (0x1).
cat >"$WORK/kinds.want" <<'EOF'
1,,,,0x00000002
2,,,,0x00000001
3,,,,0x00000002
5,,,,0x00000001
,1,,,0x00000002
,2,,,0x00000001
,,8,1,0x00000002
,,0,1,0x00000001
,,8,2,0x00000002
,,0,2,0x00000001
,,8,3,0x00000002
,,0,3,0x00000001
,,8,4,0x00000002
,,0,4,0x00000001
EOF
diff -u "$WORK/kinds.want" "$WORK/kinds" || fail "capture is not DHCP Discover/Offer/Request/ACK, ARP, 4 echo request/reply pairs"
# Strictly increasing stamps; the first is the trace's first frame time x 10 ns.
awk -F, 'NR > 1 && $1 <= prev { print "not increasing at frame " NR; bad = 1 } { prev = $1 } END { exit bad }' "$WORK/f" || fail "capture timestamps"
t0=$("$PYTHON" $T show --raw --type frame_from_guest "$WORK/a.trace" | awk '{ print $1; exit }')
ns=$(awk -F, 'NR == 1 { split($1, p, "."); printf "%.0f\n", p[1] * 1000000000 + p[2] }' "$WORK/f")
[ "$ns" = "$((t0 * 10))" ] || fail "first frame stamped $ns ns, expected virtual time $t0 x 10 ns"
[ "$(tshark -r "$WORK/a.pcapng" -Y _ws.malformed 2>/dev/null | wc -l)" = 0 ] || fail "tshark finds malformed frames"

# Classic pcap (converted by editcap) carries no direction: all 14 frames are fed (the
# recorded guest's echo requests are not for us, its broadcasts are ignored), and ping
# still passes.
if command -v editcap >/dev/null 2>&1; then
    editcap -F pcap "$WORK/a.pcapng" "$WORK/a.pcap" || fail "editcap"
    run_fw "$WORK/c" --net pcap:"$WORK/a.pcap" --trace "$WORK/c.trace" -append "scenario=stats ip=10.0.2.15" || { tail -n 20 "$WORK/c"; fail "stats fed from classic pcap exited $RC"; }
    [ "$(frames "$WORK/c.trace" | wc -l)" = 14 ] || fail "classic pcap: $(frames "$WORK/c.trace" | wc -l) frames fed, expected 14"
    grep -q '^4 packets transmitted, 4 received, 0% packet loss$' "$WORK/c" || fail "classic pcap: ping"
fi
exit 0
