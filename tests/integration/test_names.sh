# The Python tools read CSR and trap-cause names from the simulator's own tables
# (sim/cpu/csrs.def, causes.def) through trace/rt_names.py: known rows of the
# privileged spec, as many names as the C side finds (the counts tests/unit/test_csr.c
# asserts), the installed copy reads the tables installed beside it, and a table that
# breaks its rules is refused, not misread.
. tests/integration/lib.sh
: "${PYTHON:=python3}"
command -v "$PYTHON" >/dev/null 2>&1 || skip "python3 not installed"

csr_count=$(sed -n 's/^#define CSR_COUNT \([0-9]*\)$/\1/p' tests/unit/test_csr.c)
cause_count=$(sed -n 's/^#define CAUSE_COUNT \([0-9]*\)$/\1/p' tests/unit/test_csr.c)
[ -n "$csr_count" ] && [ -n "$cause_count" ] || fail "no CSR_COUNT or CAUSE_COUNT in tests/unit/test_csr.c"

check='
import os
import sys
import rt_names as n
csr_count, cause_count, want_dir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
c = n.csrs()
known = {0x300: "mstatus", 0x341: "mepc", 0xc00: "cycle", 0x3ef: "pmpaddr63",
         0xc1f: "hpmcounter31", 0x001: "fflags", 0xf14: "mhartid", 0x3a0: "pmpcfg0",
         0x3ae: "pmpcfg14", 0xb02: "minstret", 0x33f: "mhpmevent31", 0x320: "mcountinhibit"}
for num, name in known.items():
    if c.get(num) != name:
        sys.exit("csr 0x%x: %r, expected %s" % (num, c.get(num), name))
for num in (0x3a1, 0x3af, 0x180, 0x100, 0xc20):
    if num in c:
        sys.exit("csr 0x%x should not exist: %s" % (num, c[num]))
if len(c) != csr_count:
    sys.exit("%d CSRs, the C table has %d" % (len(c), csr_count))
k = n.causes()
known = {0: "instruction_address_misaligned", 2: "illegal_instruction", 8: "environment_call_from_u_mode",
         11: "environment_call_from_m_mode", 15: "store_amo_page_fault",
         n.INTERRUPT | 1: "supervisor_software_interrupt", n.INTERRUPT | 7: "machine_timer_interrupt",
         n.INTERRUPT | 11: "machine_external_interrupt"}
for cause, name in known.items():
    if k.get(cause) != name:
        sys.exit("cause %#x: %r, expected %s" % (cause, k.get(cause), name))
if 10 in k or 14 in k or n.INTERRUPT | 13 in k:
    sys.exit("reserved causes have names")
if len(k) != cause_count:
    sys.exit("%d causes, the C table has %d" % (len(k), cause_count))
for t in ("csrs.def", "causes.def"):
    if os.path.dirname(os.path.abspath(n.find_def(t))) != os.path.abspath(want_dir):
        sys.exit("%s read from %s, expected %s" % (t, n.find_def(t), want_dir))
'

# The source tree: the module finds the tables in sim/cpu/.
PYTHONPATH=trace "$PYTHON" -c "$check" "$csr_count" "$cause_count" sim/cpu ||
    fail "rt_names.py in the source tree disagrees with the C tables"

# Installed: the tables go beside the module, which reads them there.
# (-o: installs the binaries as built, never rebuilds them from inside a test.)
if [ -f Makefile ] && [ -f ringside ] && [ -f guestfw/ringside-fw.elf ]; then
    make -s -o ringside -o guestfw/ringside-fw.elf install DESTDIR="$WORK/inst" PREFIX=/opt/rs \
        >"$WORK/install.out" 2>&1 ||
        { cat "$WORK/install.out"; fail "make install failed"; }
    py=$WORK/inst/opt/rs/share/ringside/python
    (cd "$WORK" && PYTHONPATH="$py" "$PYTHON" -c "$check" "$csr_count" "$cause_count" "$py") ||
        fail "the installed rt_names.py does not read the installed tables"
else
    echo "no ./ringside or firmware built: make install not checked"
fi

# A broken table is refused with its file and line, never half read.
mkdir -p "$WORK/bad"
cp trace/rt_names.py trace/rt_deftab.py "$WORK/bad/"
sed 's/^CSR(0x342, mcause, /CSR(0x341, mcause, /' sim/cpu/csrs.def > "$WORK/bad/csrs.def"
cmp -s sim/cpu/csrs.def "$WORK/bad/csrs.def" && fail "could not plant a repeated number"
sed 's/^EXC(3,  breakpoint, /EXC(3 breakpoint, /' sim/cpu/causes.def > "$WORK/bad/causes.def"
cmp -s sim/cpu/causes.def "$WORK/bad/causes.def" && fail "could not plant a malformed row"
(cd "$WORK/bad" && PYTHONPATH=. "$PYTHON" - <<'PY') || fail "a broken table was not refused"
import sys
import rt_names as n
for f in (n.csrs, n.causes):
    try:
        f()
    except n.NamesError as e:
        print("refused:", e)
        continue
    sys.exit("%s read a broken table" % f.__name__)
PY
sed 's/^CSR(0x300, mstatus,       M,/CSR(0x300, mstatus,       U,/' sim/cpu/csrs.def > "$WORK/bad/csrs.def"
(cd "$WORK/bad" && PYTHONPATH=. "$PYTHON" -c '
import sys, rt_names as n
try:
    n.csrs()
except n.NamesError as e:
    sys.exit(0 if "privilege" in str(e) else "wrong message: %s" % e)
sys.exit("a privilege that is not bits 9:8 was accepted")') || fail "a wrong privilege was not refused"
exit 0
