# gdb against the stub (issue 13): a scripted gdb-multiarch session on the bundled
# firmware's ELF through `ringside run --gdb tcp:127.0.0.1:PORT --gdb-wait --trace T`:
# a break on the function that sets DRIVER_OK, its backtrace and registers, stepi;
# `monitor info vq 0`; a watchpoint on rx0's avail.idx fires at the first try_fill_recv
# publish; `monitor break-on notify queue=tx0` stops at the first transmit; detach. The
# trace then equals an undisturbed run's, byte for byte. Then a raw client over the
# socket: garbage, Ctrl-C while the machine runs, kill; and a client that vanishes
# mid-run, after which the run goes on to its end, undisturbed.
. tests/integration/lib.sh
command -v gdb-multiarch >/dev/null 2>&1 || skip "gdb-multiarch is not installed (tools/install-deps)"
fw=${RINGSIDE_FW:-guestfw/ringside-fw.elf}
[ -f "$fw" ] || fail "no firmware at $fw"

sim_pid=
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; }
trap cleanup EXIT

# start_sim OUT ARGS...: ringside run --gdb tcp:127.0.0.1:$PORT --gdb-wait ARGS in the
# background, on a port derived from this shell's PID (the next one if it is taken).
port=$((20000 + $$ % 20000))
start_sim() {
    o=$1; shift
    for try in 1 2 3 4 5; do
        timeout 120 "$RINGSIDE" run --gdb "tcp:127.0.0.1:$port" --gdb-wait "$@" >"$o" 2>&1 &
        sim_pid=$!
        sleep 0.3
        if kill -0 "$sim_pid" 2>/dev/null || ! grep -q 'cannot listen' "$o"; then
            return 0
        fi
        wait "$sim_pid"
        sim_pid=
        port=$((port + 1))
    done
    cat "$o"
    fail "no free port to listen on"
}
# wait_sim: the simulator's exit status in RC.
wait_sim() { wait "$sim_pid"; RC=$?; sim_pid=; }

"$RINGSIDE" run --fw "$fw" --trace "$WORK/plain.trace" >"$WORK/plain.out" 2>&1 ||
    { cat "$WORK/plain.out"; fail "the undisturbed run failed"; }

# ---- gdb ----
start_sim "$WORK/sim.out" --fw "$fw" --trace "$WORK/gdb.trace"
cat >"$WORK/session.gdb" <<EOF
set architecture riscv:rv64
set pagination off
set confirm off
target remote 127.0.0.1:$port
echo ==attached\n
p/x \$pc
p \$priv
break virtio_device_ready
continue
echo ==ready\n
bt
info registers a0
p/x vdev
p/x \$pc
stepi
echo ==stepped\n
p/x \$pc
echo ==vq\n
monitor info vq 0
delete
break vnet_try_fill_recv
continue
watch -l *(unsigned short *)(rq->vq->avail + 2)
delete 2
continue
echo ==watched\n
bt
delete
monitor break-on notify queue=tx0
delete
echo ==notify\n
continue
monitor why
bt 1
detach
EOF
timeout 120 gdb-multiarch -batch -nx -x "$WORK/session.gdb" "$fw" >"$WORK/gdb.out" 2>&1
grc=$?
wait_sim
show() { echo "--- gdb:"; cat "$WORK/gdb.out"; echo "--- ringside:"; cat "$WORK/sim.out"; }
[ $grc = 0 ] || { show; fail "gdb exited $grc"; }
[ $RC = 0 ] || { show; fail "ringside exited $RC after gdb detached, expected the guest's 0"; }
# section NAME: what gdb printed after "==NAME" up to the next section.
section() { sed -n "/^==$1\$/,/^==/p" "$WORK/gdb.out"; }
grep -q '^\$1 = 0x1000$' "$WORK/gdb.out" || { show; fail "gdb did not find the machine at the reset vector"; }
grep -q '^\$2 = 3$' "$WORK/gdb.out" || { show; fail "priv is not M mode (3)"; }
grep -q 'Hardware watchpoint [0-9]*: -location' "$WORK/gdb.out" || { show; fail "no hardware watchpoint"; }
grep -A2 '^Old value = 0$' "$WORK/gdb.out" | grep -q '^New value = 1$' || { show; fail "the watchpoint did not see avail.idx go 0 -> 1"; }
section watched | grep -q 'virtqueue_add_sgs' || { show; fail "the first publish is not in virtqueue_add_sgs"; }
section watched | grep -q 'in vnet_try_fill_recv\|vnet_try_fill_recv (' || { show; fail "the first publish is not under try_fill_recv"; }
section ready | grep -q '^#0  virtio_device_ready (' || { show; fail "no stop in virtio_device_ready"; }
section ready | grep -q '^#1  .* in virtnet_probe (' || { show; fail "virtio_device_ready not called from virtnet_probe"; }
a0=$(section ready | sed -n 's/^a0 *\(0x[0-9a-f]*\).*/\1/p')
vdev=$(section ready | sed -n 's/^\$[0-9]* = \(0x8[0-9a-f]*\)$/\1/p' | head -n 1)
[ -n "$a0" ] && [ "$a0" = "$vdev" ] || { show; fail "a0 ($a0) is not the vdev argument ($vdev)"; }
pc1=$(section ready | sed -n 's/^\$[0-9]* = \(0x8[0-9a-f]*\)$/\1/p' | tail -n 1)
pc2=$(section stepped | sed -n 's/^\$[0-9]* = \(0x[0-9a-f]*\)$/\1/p')
[ -n "$pc1" ] && [ -n "$pc2" ] && [ "$pc1" != "$pc2" ] || { show; fail "stepi did not move the pc ($pc1 -> $pc2)"; }
section vq | grep -q '^queue 0 (rx0) of virtio-net' || { show; fail "monitor info vq 0 printed no queue"; }
section vq | grep -q 'avail.idx 0' || { show; fail "rx0 is not empty at DRIVER_OK (the buffers come at virtnet_open, after it)"; }
grep -q '^condition [0-9]*: notify queue=tx0' "$WORK/gdb.out" || { show; fail "monitor break-on not taken"; }
section notify | grep -q 'SIGTRAP' || { show; fail "the condition's stop is not a SIGTRAP"; }
section notify | grep -q 'stopped: condition [0-9]* (notify queue=tx0)' || { show; fail "monitor why does not name the condition"; }
section notify | grep -q 'virtio_notify dev=virtio-net queue=tx0' || { show; fail "the stop is not the first transmit's notify"; }
grep -q 'Inferior 1 .* detached' "$WORK/gdb.out" || { show; fail "gdb did not detach"; }
cmp "$WORK/plain.trace" "$WORK/gdb.trace" || fail "the debugged run's trace differs from the undisturbed one"

# ---- a raw client: garbage, Ctrl-C while running, kill ----
start_sim "$WORK/sim2.out" --fw "$fw" -append "scenario=bench-crc rounds=1000"
"$PYTHON" - "$port" >"$WORK/raw.out" 2>&1 <<'PY'
import socket, sys, time
port = int(sys.argv[1])
for _ in range(100):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("cannot connect")
def pkt(d):
    return b"$" + d + b"#" + b"%02x" % (sum(d) & 255)
buf = b""
def reply():
    """The next packet's payload (acks skipped), checksum checked."""
    global buf
    while True:
        i = buf.find(b"$")
        j = buf.find(b"#", i + 1) if i >= 0 else -1
        if i >= 0 and j >= 0 and len(buf) >= j + 3:
            data, cs = buf[i + 1:j], buf[j + 1:j + 3]
            buf = buf[j + 3:]
            assert int(cs, 16) == sum(data) & 255, "bad checksum from the stub"
            return data
        c = s.recv(65536)
        if not c:
            sys.exit("connection closed")
        buf += c
def ask(d):
    s.sendall(pkt(d))
    return reply()
assert ask(b"?") == b"T05thread:1;"
s.sendall(b"$?#00")                       # bad checksum: a nak, then the retransmission
s.sendall(pkt(b"?"))
assert reply() == b"T05thread:1;"
s.sendall(b"$" + b"a" * 100000 + b"#00")  # over-long (and a bad checksum)
s.sendall(pkt(b"a" * 20000))              # over-long, intact
assert reply() == b"E02"
x = 7
junk = bytearray()
for _ in range(20000):
    x = (x * 1103515245 + 12345) & 0xffffffff
    b = (x >> 16) & 255
    junk.append(b if b not in b"kDcsCSv" else 0x20)
s.sendall(bytes(junk) + b"#00" + pkt(b"X80100000,1:}") + pkt(b"qC"))
r = reply()
while r != b"QC1":
    r = reply()
assert ask(b"QStartNoAckMode") == b"OK"
assert ask(b"m0,4") == b"E14"
s.sendall(pkt(b"c"))
time.sleep(0.3)
s.sendall(b"\x03")
assert reply() == b"T02thread:1;", "no SIGINT stop"
s.sendall(pkt(b"k"))
s.close()
print("raw client ok")
PY
prc=$?
wait_sim
[ $prc = 0 ] || { cat "$WORK/raw.out" "$WORK/sim2.out"; fail "raw client failed"; }
[ $RC = 130 ] || { cat "$WORK/sim2.out"; fail "ringside exited $RC after gdb's kill, expected 130"; }

# ---- a client that vanishes mid-run: the run goes on undisturbed ----
start_sim "$WORK/sim3.out" --fw "$fw" --trace "$WORK/gone.trace"
"$PYTHON" - "$port" >"$WORK/gone.out" 2>&1 <<'PY'
import socket, sys, time
for _ in range(100):
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("cannot connect")
s.sendall(b"$c#63")
s.close()
PY
wait_sim
[ $RC = 0 ] || { cat "$WORK/gone.out" "$WORK/sim3.out"; fail "ringside exited $RC when gdb vanished, expected the guest's 0"; }
cmp "$WORK/plain.trace" "$WORK/gone.trace" || fail "the run gdb left traces differently"
exit 0
