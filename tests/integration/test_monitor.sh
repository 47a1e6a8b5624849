# The monitor (issue 13, docs/debugging.md): a script that stops at each step of the
# handshake (ACKNOWLEDGE, DRIVER, FEATURES_OK, each queue enable, DRIVER_OK, the first
# notify, the first used push (the control queue's MQ command), the first transmit, the
# first interrupt) and checks what `info virtio` and
# `info vq` print there; the same against U-Boot's driver; a run stopped and resumed
# by the monitor (and by --break-on) writes the same trace as the undisturbed run;
# --break-on is a CI gate (exit 127 with the event); garbled input never crashes it.
. tests/integration/lib.sh

cat >"$WORK/steps" <<'M'
until virtio_status new&ACKNOWLEDGE
info virtio
until virtio_status new&DRIVER
until virtio_features side=driver value&VERSION_1
until virtio_status new&FEATURES_OK
info virtio
until virtio_queue_enable queue=rx0
info vq rx0
until virtio_queue_enable queue=tx0
until virtio_queue_enable queue=ctrl
info vq ctrl
until virtio_status new&DRIVER_OK
info virtio
trace last 3
until avail_idx queue=ctrl
until ring_dev used_write
info vq ctrl
until notify queue=tx0
info vq tx0
until irq_raise
why
info regs
x/4w 0x80000000
info pci
info devices
help
M
run_fw "$WORK/steps.out" --trace "$WORK/steps.trace" --monitor-script "$WORK/steps" ||
    { tail -n 30 "$WORK/steps.out"; fail "the monitor script run exited $RC, expected the guest's 0"; }
o=$WORK/steps.out
want() { grep -Eq -e "$1" "$o" || { cat "$o"; fail "the monitor did not print: $1"; }; }
want '^stopped: condition 1 \(virtio_status new&ACKNOWLEDGE\) at pc 0x[0-9a-f]+ <[a-z_]+\+0x[0-9a-f]+>'
want 'event: [0-9]+ 0x[0-9a-f]+ [a-z_]+ virtio_status dev=virtio-net old=0x0 new=0x1$'
want 'status 0x01 ACKNOWLEDGE$'
want 'event: .* virtio_status dev=virtio-net old=0x1 new=0x3$'
want 'event: .* virtio_features dev=virtio-net side=driver word=1 value=0x1$'
want 'status 0x0b ACKNOWLEDGE\|DRIVER\|FEATURES_OK$'
want '^  driver accepted 0x[0-9a-f]+ .*MRG_RXBUF.*VERSION_1$'
want '^  not accepted    0x[0-9a-f]+ CTRL_GUEST_OFFLOADS$'
want 'event: .* virtio_queue_enable dev=virtio-net queue=rx0 enable=1$'
want '^queue 0 \(rx0\) of virtio-net: split ring of 256 entries: desc 0x'
want '^  driver wrote: avail.flags 0x0, avail.idx 0, used_event 0$'
want 'event: .* virtio_queue_enable dev=virtio-net queue=ctrl enable=1$'
want '^queue 8 \(ctrl\) of virtio-net: split ring'
want 'status 0x0f ACKNOWLEDGE\|DRIVER\|DRIVER_OK\|FEATURES_OK$'
want '^  queue 0 \(rx0\): 256 entries, enabled'
want 'event: .* avail_idx dev=virtio-net queue=ctrl idx=1$'      # the control queue's first command, after DRIVER_OK
want 'event: .* used_write dev=virtio-net queue=ctrl slot=0 id=0 len=1$'
want '^    \[0\] slot 0: id 0, len 1$'
want 'event: .* virtio_notify dev=virtio-net queue=tx0$'
want '^queue 1 \(tx0\) of virtio-net: split ring'
want '^    \[0\] slot 0: head 0, driver \(used\)$'
want 'event: .* irq_raise dev=virtio-net queue=(rx|tx)[0-9]+ reason=event_idx$'
want '^pc  0x[0-9a-f]{16}  M mode, time [0-9]+'
want ' a0   0x[0-9a-f]{16}'
want '^0x80000000: 0x[0-9a-f]{8} 0x[0-9a-f]{8} 0x[0-9a-f]{8} 0x[0-9a-f]{8}$'
want '^00:01.0 1af4:1000 class 020000 virtio-net: command 0x0007 IO\|MEMORY\|MASTER, status 0x0018 INTERRUPT\|CAP_LIST$'
# capabilities by the names of pci_names.def and, for virtio's, virtio_cfg_names.def
want '^  capabilities: 0x40 VNDR COMMON_CFG, 0x50 VNDR NOTIFY_CFG, 0x64 VNDR ISR_CFG, 0x74 VNDR DEVICE_CFG, 0x84 VNDR PCI_CFG$'
want '^  config status 0x0001 LINK_UP$'
want '^  mem   0x0010000000-0x00100000ff uart$'
want '^  break-on COND +stop when an event matches COND$'
want '^4 packets transmitted, 4 received, 0% packet loss$'
# The stops came in the handshake's order.
grep -o 'virtio_status dev=virtio-net old=0x[0-9a-f]* new=0x[0-9a-f]*$' "$o" | tr '\n' ' ' >"$WORK/order"
grep -q 'new=0x1 .*new=0x3 .*new=0xb .*new=0xf' "$WORK/order" || { cat "$WORK/order"; fail "the status stops are out of order"; }

# Stopping, looking and resuming changed nothing: the same trace as undisturbed.
run_fw "$WORK/plain.out" --trace "$WORK/plain.trace" || fail "the plain run exited $RC"
cmp -s "$WORK/plain.trace" "$WORK/steps.trace" || fail "the monitor-debugged run wrote a different trace"
printf 'break-on virtio_notify\ncontinue\ncontinue\nstepi 100\ncontinue\nwatch 0x80000000 4096\nbreak m_notify\ncontinue\n' >"$WORK/m2"
run_fw "$WORK/m2.out" --trace "$WORK/m2.trace" --monitor-script "$WORK/m2" || fail "the second script run exited $RC"
cmp -s "$WORK/plain.trace" "$WORK/m2.trace" || fail "break-on/stepi/break/watch changed the trace"
grep -q '^stopped: breakpoint 3 (m_notify (0x[0-9a-f]*)) at pc 0x[0-9a-f]* <m_notify+0x0>' "$WORK/m2.out" || { cat "$WORK/m2.out"; fail "break m_notify did not stop there"; }

# quit ends the run at once, with a complete trace (Ctrl-C's exit status).
printf 'stepi 1000\nquit\n' >"$WORK/q"
run_fw "$WORK/q.out" --trace "$WORK/q.trace" --monitor-script "$WORK/q"
[ "$RC" = 130 ] || { cat "$WORK/q.out"; fail "quit: exit $RC, expected 130"; }
"$PYTHON" trace/ringside-trace stats "$WORK/q.trace" >/dev/null || fail "the trace after quit does not read cleanly"

# --break-on as a CI gate: the run stops at the event, says where, exits 127; a run
# that never meets it ends normally.
"$RINGSIDE" run --break-on virtio_error >"$WORK/ok.out" 2>&1; rc=$?
[ $rc = 0 ] || { cat "$WORK/ok.out"; fail "--break-on virtio_error on a healthy run exited $rc"; }
"$RINGSIDE" run --virtio-fault needs-reset@1600000 --break-on virtio_error >"$WORK/bad.out" 2>"$WORK/bad.err"; rc=$?
[ $rc = 127 ] || { cat "$WORK/bad.err"; fail "--break-on virtio_error on a failing device exited $rc, expected 127"; }
grep -q '^ringside: stopped: condition 1 (virtio_error) at pc' "$WORK/bad.err" || { cat "$WORK/bad.err"; fail "no stop line"; }
grep -q 'virtio_error dev=virtio-net reason="injected device failure' "$WORK/bad.err" || fail "the stop does not show the event"
"$RINGSIDE" run --break-on 'virtio_status new&NOPE' >"$WORK/e.out" 2>&1; rc=$?
[ $rc = 120 ] || fail "a bad condition exited $rc, expected 120"
grep -q "'NOPE' is not a number nor a name new knows" "$WORK/e.out" || { cat "$WORK/e.out"; fail "a bad condition is not explained"; }
"$RINGSIDE" run --stop-at 50000 >/dev/null 2>"$WORK/t.err"; rc=$?
[ $rc = 127 ] && grep -q 'at the time asked, pc 0x[0-9a-f]*.*time 50000,' "$WORK/t.err" || { cat "$WORK/t.err"; fail "--stop-at 50000 (exit $rc)"; }

# Replay takes the same options: a recorded run stopped at DRIVER_OK.
"$RINGSIDE" replay --break-on 'virtio_status new&DRIVER_OK' "$WORK/plain.trace" >"$WORK/rp.out" 2>&1; rc=$?
[ $rc = 127 ] && grep -q 'stopped; the [0-9]* events up to here match' "$WORK/rp.out" || { cat "$WORK/rp.out"; fail "replay --break-on (exit $rc)"; }

# Garbled input: errors, never a crash; the run still ends normally.
"$PYTHON" - >"$WORK/garbage" <<'PY'
import random
rng = random.Random(13)
words = ["break-on", "until", "info", "vq", "x/", "watch", "delete", "break", "stepi", "trace", "why", "=", "&",
         "~", "|", "0x", "-1", "queue=", "new&", "\"", "virtio_status", "ring_dev", "99999999999999999999999"]
for _ in range(400):
    line = " ".join(rng.choice(words) + "".join(chr(rng.randrange(33, 127)) for _ in range(rng.randrange(3)))
                    for _ in range(rng.randrange(1, 6)))
    if line.split()[0] in ("until", "stepi"):
        continue
    print(line)
print("x" * 2000)
PY
run_fw "$WORK/g.out" --monitor-script "$WORK/garbage"
[ "$RC" = 0 ] || { tail -n 20 "$WORK/g.out"; fail "garbled monitor input: exit $RC"; }
grep -q '^error: ' "$WORK/g.out" || fail "garbled input gave no error messages"

# U-Boot's driver, stopped at its DRIVER_OK.
UBOOT=${UBOOT:-/usr/lib/u-boot/qemu-riscv64/u-boot.bin}
if [ -r "$UBOOT" ]; then
    printf 'until virtio_status new&DRIVER_OK\ninfo virtio\ninfo vq rx0\n' >"$WORK/ub"
    "$RINGSIDE" run --fw "$UBOOT" --serial-input tests/uboot/session.txt --serial-prompt '=> ' --max-insns 400000000 \
        --tftp tests/uboot --monitor-script "$WORK/ub" >"$WORK/ub.out" 2>&1
    tr -d '\r' <"$WORK/ub.out" >"$WORK/ub.txt"
    grep -q 'virtio_status dev=virtio-net old=0x[0-9a-f]* new=0x[0-9a-f]*[4-7cdef]$' "$WORK/ub.txt" ||
        { tail -n 30 "$WORK/ub.txt"; fail "U-Boot: no stop at DRIVER_OK"; }
    grep -q 'DRIVER_OK' "$WORK/ub.txt" && grep -q '^queue 0 (rx0) of virtio-net: split ring' "$WORK/ub.txt" ||
        { tail -n 30 "$WORK/ub.txt"; fail "U-Boot: info virtio / info vq rx0"; }
fi
exit 0
