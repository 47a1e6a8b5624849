# The exports run on the guest's clock (issue 12): `ringside-trace export` stamps frames
# with 100 ns per mtime tick of the run's --insns-per-tick instructions, read from the
# trace header. The peer answers NET_PEER_LATENCY = 2000 instructions after the guest's
# frame: 20 µs of guest time at the default 10 instructions per tick, 10 µs at 20. At
# either ratio the export agrees with `ringside run --pcap` to the nanosecond.
. tests/integration/lib.sh
T=trace/ringside-trace
for ipt in 10 20; do
    run_fw "$WORK/run$ipt" --insns-per-tick $ipt -append scenario=dhcp --trace "$WORK/t$ipt.trace" \
        --pcap "$WORK/run$ipt.pcapng" || { tail -n 20 "$WORK/run$ipt"; fail "scenario=dhcp --insns-per-tick $ipt exited $RC"; }
    "$PYTHON" $T export --format pcapng -o "$WORK/x$ipt.pcapng" "$WORK/t$ipt.trace" || fail "export pcapng ($ipt) exited $?"
    "$PYTHON" $T export --format chrome -o "$WORK/x$ipt.json" "$WORK/t$ipt.trace" || fail "export chrome ($ipt) exited $?"
done
"$PYTHON" - "$WORK" <<'PY' || fail "the exports do not follow --insns-per-tick (see above)"
import json, struct, sys
w = sys.argv[1]

def epb_times(path):
    """ns timestamps of the Enhanced Packet Blocks of a little-endian pcapng file."""
    b, pos, out = open(path, "rb").read(), 0, []
    while pos < len(b):
        btype, blen = struct.unpack_from("<II", b, pos)
        if btype == 6:
            hi, lo = struct.unpack_from("<II", b, pos + 12)
            out.append(hi << 32 | lo)
        pos += blen
    return out

gaps = {}
for ipt in (10, 20):
    ts = epb_times("%s/x%d.pcapng" % (w, ipt))
    assert len(ts) >= 4, ts
    gap = ts[1] - ts[0]    # DHCP Discover from the guest, Offer from the peer
    want = 2000 * 100 // ipt
    assert gap == want, "insns_per_tick=%d: export pcapng Offer %d ns after Discover, expected %d" % (ipt, gap, want)
    d = json.load(open("%s/x%d.json" % (w, ipt)))
    frames = [e for e in d["traceEvents"] if e["name"] in ("frame_from_guest", "frame_to_guest")]
    cgap = round((frames[1]["ts"] - frames[0]["ts"]) * 1000)
    assert cgap == want, "insns_per_tick=%d: export chrome gap %d ns, expected %d" % (ipt, cgap, want)
    assert ("insns_per_tick=%d" % ipt) in d["otherData"]["time_unit"], d["otherData"]
    gaps[ipt] = gap
assert gaps[10] == 2 * gaps[20], gaps
# C and Python agree at every ratio (sim/net/backend.c net_vtime_to_ns).
for ipt in (10, 20):
    c = epb_times("%s/run%d.pcapng" % (w, ipt))
    x = epb_times("%s/x%d.pcapng" % (w, ipt))
    assert c == x, "insns_per_tick=%d: ringside run --pcap %s, export %s" % (ipt, c[:4], x[:4])
print("Offer after Discover: %d ns at 10 instructions per tick, %d ns at 20 (pcapng and chrome)" % (gaps[10], gaps[20]))
PY
exit 0
