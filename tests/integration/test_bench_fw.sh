# The benchmark firmware's scenarios (make bench's workloads) run, take the bootargs
# make bench gives them, and compute what the host computes: a short round of each,
# so that a firmware change that breaks `make bench` fails here (make bench itself is
# not run by make check: its figures are wall time). Nothing here is timed.
. tests/integration/lib.sh
[ -f Makefile ] || skip "no Makefile (run ./configure): cannot build the benchmark firmware"
MAKEFLAGS= make -s bench-fw >"$WORK/build" 2>&1 || { cat "$WORK/build"; fail "make bench-fw failed"; }
fw=build/guestfw/ringside-bench.elf
[ -f "$fw" ] || fail "make bench-fw wrote no $fw"
run_fw "$WORK/mix" --fw "$fw" -append "scenario=bench-mix rounds=3" || { cat "$WORK/mix"; fail "bench-mix exited $RC"; }
got=$(sed -n 's/^bench-mix: 3 iterations crc16 = \(0x[0-9a-f]*\)$/\1/p' "$WORK/mix")
want=$("$PYTHON" -c 'import sys; sys.path.insert(0, "bench"); import run; print(run.mix_expected(3))') ||
    fail "cannot build bench-mix's code for the host"
[ -n "$got" ] && [ "$got" = "$want" ] || { cat "$WORK/mix"; fail "bench-mix printed crc16 '$got', the host computes '$want'"; }
run_fw "$WORK/big" --fw "$fw" -append "scenario=bench-bigcode rounds=1" || { cat "$WORK/big"; fail "bench-bigcode exited $RC"; }
# bench-crc is the bundled firmware's
run_fw "$WORK/crc" -append "scenario=bench-crc rounds=1" || { cat "$WORK/crc"; fail "bench-crc exited $RC"; }
run_fw "$WORK/bad" --fw "$fw" -append "scenario=bench-mix iters=3"
[ "$RC" = 2 ] && grep -q "unknown key 'iters'" "$WORK/bad" || { cat "$WORK/bad"; fail "a bootarg the table lacks is not refused (exit $RC)"; }
echo "ok: bench-mix (crc16 $got, as the host), bench-bigcode and bench-crc run"
