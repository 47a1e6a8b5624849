# Hostile or careless input gets a clear error (issue 18): a trace's recorded command
# line is untrusted (replay takes only the machine's options from it, never help, an
# output or a debugger, and says where a bad option came from); the command line
# refuses what cannot mean anything (--net none with NIC options, a repeated option, an
# empty file name, a directory that is a file, bootargs too long, an octal-looking
# number is decimal); a classic pcap record whose time fraction is not below a second
# is reported at its offset.
. tests/integration/lib.sh

# A trace whose recorded command line is whatever a hostile writer put there.
forge() { # FILE ARGV...
    out=$1; shift
    "$PYTHON" - "$out" "$@" <<'PY' || fail "cannot forge a trace"
import sys
sys.path.insert(0, "trace")
import ringside_trace as rt
with rt.TraceWriter(sys.argv[1], config="net=peer\n", argv=sys.argv[2:]) as w:
    w.emit("run_start", 0, 0x1000, None, entry=0x80000000)
PY
}
replay_refuses() { # WANT ARGV...
    want=$1; shift
    forge "$WORK/f.trace" "$@"
    "$RINGSIDE" replay "$WORK/f.trace" >"$WORK/r.out" 2>&1; rc=$?
    [ $rc = 121 ] || { cat "$WORK/r.out"; fail "replay of a trace recording '$*' exited $rc, expected 121"; }
    grep -qF -e "$want" "$WORK/r.out" || { cat "$WORK/r.out"; fail "replay of '$*' does not say: $want"; }
    grep -q "in the trace's recorded command line" "$WORK/r.out" || { cat "$WORK/r.out"; fail "replay of '$*' does not say where"; }
}
replay_refuses "'--help' asks for help, not a run" ringside run --help
replay_refuses "'--trace' is not an option a replay takes" ringside run --trace /tmp/x.trace
replay_refuses "'--dump-dtb' is not an option a replay takes" ringside run --dump-dtb /etc/passwd
replay_refuses "'--pcap' is not an option a replay takes" ringside run --pcap /tmp/p.pcapng
replay_refuses "'--gdb' is not an option a replay takes" ringside run --gdb tcp::1234
replay_refuses "unknown option '--frobnicate'" ringside run --frobnicate
replay_refuses "--net-slot 0: must be 1..31" ringside run --net-slot 0

# A header string with a NUL inside is kept whole by the C reader, as by the Python one,
# so replay sees the forgery instead of a string cut at the NUL (`-append` alone here).
"$PYTHON" - "$WORK/nul.trace" <<'PY' || fail "cannot forge a trace"
import sys
sys.path.insert(0, "trace")
import ringside_trace as rt
with rt.TraceWriter(sys.argv[1], config="net=peer\n", argv=["ringside", "run", "-append\0scenario=hello"]) as w:
    w.emit("run_start", 0, 0x1000, None, entry=0x80000000)
PY
"$RINGSIDE" replay "$WORK/nul.trace" >"$WORK/n.out" 2>&1; rc=$?
[ $rc = 121 ] && grep -q "argument 2 holds a NUL byte in the trace's recorded command line" "$WORK/n.out" ||
    { cat "$WORK/n.out"; fail "a NUL inside a recorded argument (exit $rc)"; }
"$PYTHON" - "$WORK/nulcfg.trace" <<'PY' || fail "cannot forge a trace"
import sys
sys.path.insert(0, "trace")
import ringside_trace as rt
with rt.TraceWriter(sys.argv[1], config="net=peer\0check_driver=warn\n", argv=["ringside", "run"]) as w:
    w.emit("run_start", 0, 0x1000, None, entry=0x80000000)
PY
"$RINGSIDE" replay "$WORK/nulcfg.trace" >"$WORK/n.out" 2>&1; rc=$?
[ $rc = 121 ] && grep -q "the trace's recorded configuration holds a NUL byte" "$WORK/n.out" ||
    { cat "$WORK/n.out"; fail "a NUL inside the recorded configuration (exit $rc)"; }

usage() { # WANT ARGS...
    want=$1; shift
    "$RINGSIDE" run "$@" >"$WORK/u.out" 2>&1; rc=$?
    [ $rc = 120 ] || { cat "$WORK/u.out"; fail "ringside run $*: exit $rc, expected 120"; }
    grep -qF -e "$want" "$WORK/u.out" || { cat "$WORK/u.out"; fail "ringside run $*: does not say: $want"; }
}
usage "--pcap is about the network device, but --net none has none" --net none --pcap "$WORK/x.pcapng"
usage "--tftp is about the network device" --net none --tftp "$WORK"
usage "--net-features is about the network device" --net-features -mq --net none
usage "--virtio-fault is about the network device" --net none --virtio-fault silent
usage "option '-m' is given twice" -m 64 -m 128
usage "option '--fw' needs FILE, not an empty name" --fw ""
usage "needs a number (decimal, or hex with 0x)" --queue-size 0x
# Decimal: -m 010 is 10 MiB, not 8.
"$RINGSIDE" run -m 010 -append scenario=hello >"$WORK/m.out" 2>&1
grep -q '^memory: 10 MiB at 0x80000000$' "$WORK/m.out" || { cat "$WORK/m.out"; fail "-m 010 is not 10 MiB"; }
: >"$WORK/notadir"
"$RINGSIDE" run --tftp "$WORK/notadir" >"$WORK/t.out" 2>&1; rc=$?
[ $rc = 121 ] && grep -q "tftp directory $WORK/notadir: not a directory" "$WORK/t.out" ||
    { cat "$WORK/t.out"; fail "--tftp FILE (exit $rc)"; }
"$RINGSIDE" run -append "$("$PYTHON" -c 'print("x" * 100000)')" >"$WORK/b.out" 2>&1; rc=$?
[ $rc = 121 ] && grep -q "the bootargs are 100000 bytes long; at most 4096" "$WORK/b.out" ||
    { head -c 300 "$WORK/b.out"; fail "a 100 KB -append (exit $rc)"; }

# A classic pcap record with 1000000 microseconds.
"$PYTHON" - "$WORK/bad.pcap" <<'PY' || fail "cannot write the capture"
import struct, sys
frame = bytes(range(60))
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    f.write(struct.pack("<IIII", 1, 1000000, len(frame), len(frame)) + frame)
PY
"$RINGSIDE" run --net "pcap:$WORK/bad.pcap" --trace "$WORK/p.trace" -append "scenario=stats ip=10.0.2.15" >"$WORK/p.out" 2>&1
"$PYTHON" trace/ringside-trace show --raw "$WORK/p.trace" | grep -q 'time fraction 1000000 is not below one second (10^6 us)' ||
    { cat "$WORK/p.out"; "$PYTHON" trace/ringside-trace show --raw "$WORK/p.trace" | grep -i pcap; fail "the bad pcap time is not reported"; }
# A frame captured cut short (orig_len > incl_len, a snap length) is fed as captured and
# said so in the trace, not fed on silently.
"$PYTHON" - "$WORK/cut.pcap" <<'PY' || fail "cannot write the capture"
import struct, sys
frame = bytes(range(60))
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 60, 1))
    f.write(struct.pack("<IIII", 1, 0, len(frame), 1514) + frame)
PY
"$RINGSIDE" run --net "pcap:$WORK/cut.pcap" --trace "$WORK/c.trace" -append "scenario=stats ip=10.0.2.15" >"$WORK/c.out" 2>&1
"$PYTHON" trace/ringside-trace show --raw "$WORK/c.trace" | grep -q 'captured cut to 60 of its 1514 bytes' ||
    { cat "$WORK/c.out"; "$PYTHON" trace/ringside-trace show --raw "$WORK/c.trace" | grep -i pcap; fail "the cut frame is not reported"; }
exit 0
