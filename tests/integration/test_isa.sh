# The ISA suite (docs/isa-suite.md): every body tests/isa/t_*.c, built by `make isa` for
# M mode bare and S and U mode under Sv39 (build/isa/BODY-MODE.elf), runs on ringside
# and must pass: exit status 0 and the UART's "isa: BODY MODE: pass". The planted
# failure (t_alu built with -DISA_PLANT) must fail in every mode, with the line of its
# CHECK as both the exit status and the UART's "FAIL at tests/isa/t_alu.c:LINE". When
# qemu-system-riscv64 is installed, the same ELFs run on QEMU's virt board and must give
# the same exit status and report line (a differential: a difference is a bug in
# ringside, in QEMU, or a body asserting what the spec leaves open).
. tests/integration/lib.sh
isa=build/isa
modes="M S U"
bodies=$(for f in tests/isa/t_*.c; do b=${f##*/}; echo "${b%.c}"; done)
[ -n "$bodies" ] || fail "no tests/isa/t_*.c"

# make check builds them first (check-integration's prerequisites); run alone, build them.
missing=
for b in $bodies t_alu-plant; do
    for m in $modes; do [ -f "$isa/$b-$m.elf" ] || missing="$missing $b-$m"; done
done
if [ -n "$missing" ]; then
    [ -f Makefile ] || fail "no build/isa ELFs ($missing) and no Makefile (run ./configure)"
    env -u MAKEFLAGS -u MFLAGS make -s isa >"$WORK/make" 2>&1 || { cat "$WORK/make"; fail "make isa failed"; }
fi

# The planted failure's line: the CHECK after `#ifdef ISA_PLANT`.
plant=$(awk '/^#ifdef ISA_PLANT/ { getline; print NR; exit }' tests/isa/t_alu.c)
[ -n "$plant" ] || fail "tests/isa/t_alu.c has no ISA_PLANT check"
plant_rc=$((plant % 256))          # an exit status keeps the code's low 8 bits

# expect NAME MODE RC WANT_RC LINE OUT: the run exited RC, which must be WANT_RC, and its
# console OUT holds the report line LINE.
expect() {
    n=$1 m=$2 rc=$3 want_rc=$4 want=$5 out=$6
    grep -qxF "$want" "$out" || { cat "$out"; fail "$n in $m: no line '$want'"; }
    [ "$rc" = "$want_rc" ] || { cat "$out"; fail "$n in $m exited $rc, expected $want_rc"; }
}
runs=0
for b in $bodies; do
    for m in $modes; do
        run_fw "$WORK/$b-$m" --fw "$isa/$b-$m.elf" --max-insns 50000000
        expect "$b" "$m" "$RC" 0 "isa: $b $m: pass" "$WORK/$b-$m"
        runs=$((runs + 1))
    done
done
for m in $modes; do
    run_fw "$WORK/plant-$m" --fw "$isa/t_alu-plant-$m.elf" --max-insns 50000000
    expect "the planted failure" "$m" "$RC" "$plant_rc" "isa: t_alu $m: FAIL at tests/isa/t_alu.c:$plant" "$WORK/plant-$m"
done
echo "ringside: $runs runs pass; the planted failure fails at t_alu.c:$plant in M, S and U"

command -v qemu-system-riscv64 >/dev/null 2>&1 || {
    echo "qemu-system-riscv64 not installed (Debian package qemu-system-misc): no differential"
    exit 0
}
# qemu NAME MODE: runs build/isa/NAME-MODE.elf on QEMU (-bios none: the ELF is the first
# code at 0x80000000, in M mode, as on ringside); console to $WORK/q-NAME-MODE, status RC.
qemu() {
    timeout 30 qemu-system-riscv64 -M virt -bios none -kernel "$isa/$1-$2.elf" -nographic \
        -monitor none -serial stdio </dev/null >"$WORK/q-$1-$2" 2>&1
    RC=$?
    tr -d '\r' <"$WORK/q-$1-$2" >"$WORK/q-$1-$2.txt"
}
for b in $bodies; do
    for m in $modes; do
        qemu "$b" "$m"
        expect "$b (QEMU)" "$m" "$RC" 0 "isa: $b $m: pass" "$WORK/q-$b-$m.txt"
    done
done
for m in $modes; do
    qemu t_alu-plant "$m"
    expect "the planted failure (QEMU)" "$m" "$RC" "$plant_rc" "isa: t_alu $m: FAIL at tests/isa/t_alu.c:$plant" "$WORK/q-t_alu-plant-$m.txt"
done
echo "QEMU ($(qemu-system-riscv64 --version | head -n 1)): the same $runs runs pass, the planted failure fails alike"
