# Self-contained replay (DESIGN.md §8, sim/net/recorded.h): what a run reads from files
# is recorded in its trace (file_input for --tftp DIR, frame_input for --net pcap:FILE),
# so `ringside replay` matches with the directory and the capture changed or gone, and
# the recorded inputs are what the guest got.
. tests/integration/lib.sh
T=trace/ringside-trace
d="$WORK/files"
mkdir -p "$d" || fail "mkdir"
"$PYTHON" - "$d" <<'EOF' || fail "cannot generate files"
import sys
# 150000 bytes: more than two 64 KiB file_input chunks.
open(sys.argv[1] + "/blob.bin", "wb").write(bytes((i * 7 + i // 251) & 0xff for i in range(150000)))
EOF
cp "$d/blob.bin" "$WORK/blob.orig" || fail "cp"

# TFTP: the file, read once, is in the trace in three chunks; a missing file is recorded
# as its error.
run_fw "$WORK/t.out" --tftp "$d" --trace "$WORK/t.trace" -append "scenario=tftp file=blob.bin" || { tail -n 5 "$WORK/t.out"; fail "traced tftp exited $RC"; }
"$PYTHON" $T show --raw --type file_input "$WORK/t.trace" >"$WORK/fi" || fail "show file_input"
[ "$(wc -l <"$WORK/fi")" = 3 ] || { cut -c1-160 "$WORK/fi"; fail "expected 3 file_input chunks"; }
grep -q 'src=tftp path="blob.bin" offset=131072 size=150000 data=18928:' "$WORK/fi" || { cut -c1-160 "$WORK/fi"; fail "last chunk"; }
# The recorded chunks are the file.
"$PYTHON" - "$WORK/fi" "$WORK/blob.orig" <<'EOF' || fail "the recorded chunks are not the file"
import sys
data = b"".join(bytes.fromhex(l.split(" data=")[1].split(":")[1].split()[0]) for l in open(sys.argv[1]))
sys.exit(data != open(sys.argv[2], "rb").read())
EOF
run_fw "$WORK/m.out" --tftp "$d" --trace "$WORK/m.trace" -append "scenario=tftp file=nosuch"
[ $? = 72 ] || fail "missing file: exit not 72"
"$PYTHON" $T show --raw --type file_input "$WORK/m.trace" | grep -q 'path="nosuch" offset=0 size=0 data=0: error=1 reason="File not found"$' || fail "missing file not recorded as an error"

# Change the file, then remove the directory: both replays still match.
printf 'X' | dd of="$d/blob.bin" bs=1 seek=50000 conv=notrunc 2>/dev/null || fail "dd"
"$RINGSIDE" replay "$WORK/t.trace" >"$WORK/rep" 2>&1 || { tail -n 5 "$WORK/rep"; fail "replay with a changed tftp file did not match"; }
rm -rf "$d"
"$RINGSIDE" replay "$WORK/t.trace" >"$WORK/rep" 2>&1 || { tail -n 5 "$WORK/rep"; fail "replay without the tftp directory did not match"; }
"$RINGSIDE" replay "$WORK/m.trace" >"$WORK/rep" 2>&1 || { tail -n 5 "$WORK/rep"; fail "replay of the missing file without the directory did not match"; }
grep -q 'events match (guest exit 72)' "$WORK/rep" || fail "missing-file replay summary"

# pcap: feed a recorded ping's capture to a guest, then delete the capture.
run_fw "$WORK/a.out" --pcap "$WORK/a.pcapng" -append scenario=ping || fail "ping --pcap exited $RC"
run_fw "$WORK/r.out" --net pcap:"$WORK/a.pcapng" --trace "$WORK/r.trace" -append "scenario=stats ip=10.0.2.15" || { tail -n 10 "$WORK/r.out"; fail "stats fed from the capture exited $RC"; }
"$PYTHON" $T show --raw --type frame_input "$WORK/r.trace" | sed 's/^[0-9]* [^ ]* [^ ]* //; s/ src=pcap frame=/ /' >"$WORK/in"
"$PYTHON" $T show --raw --type frame_to_guest "$WORK/r.trace" | sed 's/^[0-9]* [^ ]* [^ ]* //; s/ dev=virtio-net frame=/ /; s/frame_to_guest/frame_input/' >"$WORK/to"
[ "$(wc -l <"$WORK/in")" = 7 ] || fail "expected 7 frame_input events, got $(wc -l <"$WORK/in")"
cmp -s "$WORK/in" "$WORK/to" || fail "frame_input events are not the frames the guest got"
rm -f "$WORK/a.pcapng"
"$RINGSIDE" replay "$WORK/r.trace" >"$WORK/rep" 2>&1 || { tail -n 5 "$WORK/rep"; fail "replay without the capture did not match"; }
grep -q 'events match (guest exit 0)' "$WORK/rep" || fail "pcap replay summary"

# A run that uses neither records no input events (existing traces do not change).
run_fw "$WORK/p.out" --trace "$WORK/p.trace" -append scenario=ping || fail "ping exited $RC"
if "$PYTHON" $T show --raw --type file_input,frame_input "$WORK/p.trace" 2>/dev/null | grep -q .; then fail "a peer run recorded file inputs"; fi
exit 0
