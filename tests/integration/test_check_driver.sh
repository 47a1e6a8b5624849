# The driver checker (--check-driver, docs/conformance.md). For every rule of its one
# table (sim/check/rules.def, read through trace/rt_check.py), the firmware's
# scenario=bad-driver rule=ID breaks exactly that rule: the checker must report that
# rule once, with its clause, right after the event the table names, on the console
# and in the trace, and nothing else. Then: --check-driver=error ends the run with exit
# status 128 (the issue's user: a driver that skips the FEATURES_OK re-read, or reuses
# a descriptor the device holds), =off records nothing, --break-on driver_violation
# stops there, a violating run replays, and every scenario of the bundled firmware on
# all three transports breaks no rule.
. tests/integration/lib.sh
export PYTHONPATH=trace

# What a rule's break needs besides the modern interface.
args_of() {
    case $1 in
    net_legacy_framing) echo "--virtio legacy" ;;
    features_refused_continue) echo "--virtio modern --virtio-fault refuse-features-ok" ;;
    config_field_unoffered) echo "--virtio modern --net-features -mtu" ;;
    packed_*) echo "--virtio modern --net-features +ring_packed" ;;
    *) echo "--virtio modern" ;;
    esac
}

rules=$("$PYTHON" -c 'import rt_check; print(" ".join(r.id for r in rt_check.rules()))') || fail "cannot read the rules"
[ "$(echo $rules | wc -w)" -ge 40 ] || fail "only $(echo $rules | wc -w) rules in the table"
for r in $rules; do
    # shellcheck disable=SC2046
    run_fw "$WORK/$r.out" $(args_of "$r") --trace "$WORK/$r.trace" -append "scenario=bad-driver rule=$r" ||
        { tail -n 20 "$WORK/$r.out"; fail "rule $r: exit $RC, expected 0"; }
    n=$(grep -c "^ringside: driver violation: " "$WORK/$r.out")
    [ "$n" = 1 ] || { cat "$WORK/$r.out"; fail "rule $r: $n console reports, expected 1"; }
    grep -q "^ringside: driver violation: $r (virtio 1.2 §" "$WORK/$r.out" ||
        { grep "driver violation" "$WORK/$r.out"; fail "rule $r: the console names another rule"; }
    grep -q "^    at pc 0x8[0-9a-f]* ([a-z_0-9]*), virtual time [0-9]*, virtio-net: " "$WORK/$r.out" ||
        { grep -A1 "driver violation" "$WORK/$r.out"; fail "rule $r: no pc, symbol and values line"; }
    grep -q "^ringside: driver checker: 1 violation of 1 rule: $r (1); " "$WORK/$r.out" ||
        { tail -n 3 "$WORK/$r.out"; fail "rule $r: no summary"; }
done

# The trace of each: exactly one driver_violation, of that rule and clause, with the
# guest pc and symbol, after the event the table names.
"$PYTHON" - "$WORK" <<'EOF' || fail "trace check"
import sys
import ringside_trace as rt
import rt_check

work = sys.argv[1]
names = {t.name for t in rt.load_events_def().values()}
for r in rt_check.rules():
    assert all(e in names for e in r.at), "%s: names an unknown event in %s" % (r.id, r.at)
    events = list(rt.read_events("%s/%s.trace" % (work, r.id)))
    hits = [i for i, e in enumerate(events) if e.name == "driver_violation"]
    assert len(hits) == 1, "%s: %d driver_violation events" % (r.id, len(hits))
    v = events[hits[0]]
    assert v["rule"] == r.id and v["clause"] == r.clause and v["dev"] == "virtio-net", (r.id, v.format())
    assert v.pc >= 0x80000000 and v.sym, "%s: no guest pc/symbol: %s" % (r.id, v.format())
    assert v["values"], "%s: no values" % r.id
    before = events[hits[0] - 1]
    if r.at:
        assert before.name in r.at, "%s: reported after %s, the table says %s" % (r.id, before.name, r.at)
        assert before.pc == v.pc, "%s: pc 0x%x differs from its event's 0x%x" % (r.id, v.pc, before.pc)
    assert events[-1].name == "run_end" and events[-1]["reason"] == "poweroff", r.id
print("%d rules, each reported once at its event" % len(rt_check.rules()))
EOF

# =error: the run ends at the violation, status 128, and the trace says why. These are
# the two drivers of the issue's "done when".
for r in features_ok_reread desc_owned_write; do
    run_fw "$WORK/err-$r.out" --virtio modern --check-driver=error --trace "$WORK/err-$r.trace" \
        -append "scenario=bad-driver rule=$r"
    [ "$RC" = 128 ] || { tail "$WORK/err-$r.out"; fail "--check-driver=error, rule $r: exit $RC, expected 128"; }
    grep -q "^ringside: driver violation: $r " "$WORK/err-$r.out" || fail "=error: no report of $r"
    grep -q "the run was stopped at the first (--check-driver=error)" "$WORK/err-$r.out" || fail "=error: no stop note"
    grep -q "bad-driver: ARP reply" "$WORK/err-$r.out" && fail "=error: the run went on after the violation"
    "$PYTHON" - "$WORK/err-$r.trace" "$r" <<'EOF' || fail "=error trace of $r"
import sys
import ringside_trace as rt
ev = list(rt.read_events(sys.argv[1]))
v = [e for e in ev if e.name == "driver_violation"]
assert len(v) == 1 and v[0]["rule"] == sys.argv[2], [e.format() for e in v]
assert ev[-1].name == "run_end" and ev[-1]["reason"] == "driver-violation", ev[-1].format()
assert ev[-1].vtime - v[0].vtime < 50, "the run went on for %d" % (ev[-1].vtime - v[0].vtime)
EOF
    "$RINGSIDE" replay "$WORK/err-$r.trace" >"$WORK/err-$r.replay" 2>&1 || { cat "$WORK/err-$r.replay"; fail "=error trace does not replay"; }
done
grep -q "check_driver=error" "$WORK/err-desc_owned_write.trace" || fail "the header does not record check_driver=error"

# A violating run in warn mode replays event for event (the replay checks too).
"$RINGSIDE" replay "$WORK/chain_loop.trace" >"$WORK/replay" 2>&1 || { cat "$WORK/replay"; fail "replay of a violating run diverged"; }
grep -q "driver violation" "$WORK/replay" && fail "replay printed the checker's reports"

# =off: nothing checked, nothing recorded, and the header says so.
run_fw "$WORK/off.out" --virtio modern --check-driver=off --trace "$WORK/off.trace" -append "scenario=bad-driver rule=chain_loop" ||
    fail "--check-driver=off: exit $RC"
grep -q "driver violation" "$WORK/off.out" && fail "--check-driver=off still reported"
"$PYTHON" -c 'import sys, ringside_trace as rt; r = rt.TraceReader(sys.argv[1]); assert r.header.config_dict()["check_driver"] == "off"; assert not [e for e in r if e.name == "driver_violation"]' "$WORK/off.trace" ||
    fail "--check-driver=off: header or events"
# --check-driver alone is warn; a bad mode is a usage error.
run_fw "$WORK/bare.out" --virtio modern --check-driver -append "scenario=bad-driver rule=chain_loop" || fail "--check-driver alone: exit $RC"
grep -q "driver violation: chain_loop" "$WORK/bare.out" || fail "--check-driver alone did not warn"
expect_exit 120 run --check-driver=loud
grep -q "expected warn, error or off" "$WORK/out" || fail "--check-driver=loud: no usage message"

# The debugger stops at the violation (a condition over the event like any other).
run_fw "$WORK/brk.out" --virtio modern --break-on driver_violation -append "scenario=bad-driver rule=avail_idx_jump"
[ "$RC" = 127 ] || { tail "$WORK/brk.out"; fail "--break-on driver_violation: exit $RC, expected 127"; }
grep -q "driver_violation dev=virtio-net rule=avail_idx_jump clause=2.7.13" "$WORK/brk.out" ||
    { tail "$WORK/brk.out"; fail "--break-on driver_violation: the stop does not show the event"; }
run_fw "$WORK/brk2.out" --virtio modern --break-on "driver_violation rule=chain_loop" -append "scenario=bad-driver rule=chain_loop"
[ "$RC" = 127 ] || { tail "$WORK/brk2.out"; fail "--break-on 'driver_violation rule=chain_loop': exit $RC"; }

# The bundled firmware breaks no rule: every scenario, every transport, and the ring
# and feature variants the other tests use.
mkdir -p "$WORK/tftp" && printf 'ringside checks drivers\n' >"$WORK/tftp/f.txt"
for v in legacy modern transitional; do
    for s in hello pci selftest virtio virtio_ring ping udp ctrl mq all net-selftest dhcp arp stats "tftp file=f.txt" \
             "ping event_idx=off indirect_desc=off" "udp count=20 event_idx=off"; do
        run_fw "$WORK/clean.out" --virtio "$v" --tftp "$WORK/tftp" -append "scenario=$s" ||
            { tail "$WORK/clean.out"; fail "$v '$s': exit $RC"; }
        grep -q "driver violation\|driver checker" "$WORK/clean.out" && { grep -A1 "driver" "$WORK/clean.out"; fail "$v '$s': the bundled driver broke a rule"; }
    done
    run_fw "$WORK/clean.out" --virtio "$v" -append "scenario=virtio_$([ $v = legacy ] && echo legacy || echo modern)" || fail "$v virtio_*: exit $RC"
    grep -q "driver violation" "$WORK/clean.out" && fail "$v virtio_*: the bundled driver broke a rule"
    for f in -mrg_rxbuf -event_idx -indirect_desc -ctrl_vq +csum; do
        run_fw "$WORK/clean.out" --virtio "$v" --net-features "$f" --queue-size 8 -append "scenario=all" ||
            { tail "$WORK/clean.out"; fail "$v --net-features $f: exit $RC"; }
        grep -q "driver violation" "$WORK/clean.out" && { grep -A1 "driver" "$WORK/clean.out"; fail "$v --net-features $f: a rule broken"; }
    done
done

# The checker observes: asking for its default (warn) by name writes the very trace the
# plain run writes, header included (an option at its default is not recorded).
"$RINGSIDE" run --trace "$WORK/plain.trace" >/dev/null 2>&1 || fail "plain run"
"$RINGSIDE" run --trace "$WORK/warn.trace" --check-driver=warn >/dev/null 2>&1 || fail "--check-driver=warn run"
cmp "$WORK/plain.trace" "$WORK/warn.trace" || fail "--check-driver=warn changed the trace"
"$RINGSIDE" run --trace "$WORK/off.trace" --check-driver=off >/dev/null 2>&1 || fail "--check-driver=off run"
"$RINGSIDE" replay "$WORK/off.trace" >/dev/null 2>&1 || fail "replay of a --check-driver=off trace"
echo "ok"
