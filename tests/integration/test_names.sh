# The Python tools read CSR, trap-cause and virtio names from the simulator's own tables
# (sim/cpu/csrs.def, causes.def, sim/virtio/virtio_names.def) through trace/rt_names.py:
# known rows of the privileged and virtio 1.2 specs, as many names as the C side finds
# (the counts tests/unit/test_csr.c and test_virtio_names.c assert), the same names the
# simulator prints and records (its --net-features list, the feature words and status
# values of a golden trace), the installed copy reads the tables installed beside it,
# and a table that breaks its rules is refused, not misread (by the C compiler too).
. tests/integration/lib.sh
: "${PYTHON:=python3}"
command -v "$PYTHON" >/dev/null 2>&1 || skip "python3 not installed"

csr_count=$(sed -n 's/^#define CSR_COUNT \([0-9]*\)$/\1/p' tests/unit/test_csr.c)
cause_count=$(sed -n 's/^#define CAUSE_COUNT \([0-9]*\)$/\1/p' tests/unit/test_csr.c)
[ -n "$csr_count" ] && [ -n "$cause_count" ] || fail "no CSR_COUNT or CAUSE_COUNT in tests/unit/test_csr.c"
virtio_count=$(sed -n 's/^#define VIRTIO_NAME_COUNT \([0-9]*\)$/\1/p' tests/unit/test_virtio_names.c)
[ -n "$virtio_count" ] || fail "no VIRTIO_NAME_COUNT in tests/unit/test_virtio_names.c"

check='
import os
import sys
import rt_names as n
csr_count, cause_count, want_dir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
c = n.csrs()
known = {0x300: "mstatus", 0x341: "mepc", 0xc00: "cycle", 0x3ef: "pmpaddr63",
         0xc1f: "hpmcounter31", 0x001: "fflags", 0xf14: "mhartid", 0x3a0: "pmpcfg0",
         0x3ae: "pmpcfg14", 0xb02: "minstret", 0x33f: "mhpmevent31", 0x320: "mcountinhibit",
         0x180: "satp", 0x100: "sstatus"}
for num, name in known.items():
    if c.get(num) != name:
        sys.exit("csr 0x%x: %r, expected %s" % (num, c.get(num), name))
for num in (0x3a1, 0x3af, 0x600, 0x680, 0xc20):
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

# virtio: the spec's numbers (virtio 1.2 §2.1, §6, §5.1.3, §2.7.5, §2.8.1, §4.1.4.5, §5.1.2).
check_virtio='
import os
import sys
import rt_names as n
count, want_dir = int(sys.argv[1]), sys.argv[2]
def expect(got, want, what):
    if got != want:
        sys.exit("%s: %r, expected %r" % (what, got, want))
st = n.virtio_status()
expect(st, {1: "ACKNOWLEDGE", 2: "DRIVER", 4: "DRIVER_OK", 8: "FEATURES_OK", 64: "DEVICE_NEEDS_RESET",
            128: "FAILED"}, "status bits")
f = n.virtio_features(n.VIRTIO_ID_NET)
known = {0: "CSUM", 1: "GUEST_CSUM", 5: "MAC", 7: "GUEST_TSO4", 14: "HOST_UFO", 15: "MRG_RXBUF",
         20: "CTRL_RX_EXTRA", 22: "MQ", 23: "CTRL_MAC_ADDR", 24: "NOTIFY_ON_EMPTY", 27: "ANY_LAYOUT",
         28: "INDIRECT_DESC", 29: "EVENT_IDX", 32: "VERSION_1", 33: "ACCESS_PLATFORM", 34: "RING_PACKED",
         35: "IN_ORDER", 40: "RING_RESET", 56: "HOST_USO", 57: "HASH_REPORT", 60: "RSS", 63: "SPEED_DUPLEX"}
for bit, name in known.items():
    expect(f.get(1 << bit), name, "virtio-net feature bit %d" % bit)
for bit in (4, 30, 31, 58):
    expect(f.get(1 << bit), None, "virtio-net feature bit %d" % bit)
expect(n.virtio_features(0).get(1 << 15), None, "bit 15 without a device")
sp = n.virtio_feature_spellings(n.VIRTIO_ID_NET)
for bit, spelling in {15: "mrg_rxbuf", 0: "csum", 28: "indirect_desc", 29: "event_idx", 32: "version_1"}.items():
    expect(sp.get(1 << bit), spelling, "spelling of bit %d" % bit)
expect(n.desc_flags(), {1: "NEXT", 2: "WRITE", 4: "INDIRECT", 0x80: "AVAIL", 0x8000: "USED"}, "descriptor flags")
expect(n.desc_flags("avail"), {1: "NO_INTERRUPT"}, "avail flags")
expect(n.desc_flags("used"), {1: "NO_NOTIFY"}, "used flags")
expect(n.isr_bits(), {1: "QUEUE", 2: "CONFIG"}, "ISR bits")
# The texts tests/unit/test_virtio_names.c expects of the C side.
expect(n.format_bits(0xb, st), "ACKNOWLEDGE|DRIVER|FEATURES_OK", "format 0xb")
expect(n.format_bits(0x34, st), "DRIVER_OK|0x30", "format 0x34")
expect(n.format_bits(0, st), "0", "format 0")
expect(n.format_bits(0x8083, n.desc_flags()), "NEXT|WRITE|AVAIL|USED", "format 0x8083")
expect(n.parse_bits("DRIVER_OK|FEATURES_OK", st), 12, "parse DRIVER_OK|FEATURES_OK")
expect(n.parse_bits(" ACKNOWLEDGE | 0x40 ", st), 0x41, "parse with a number")
for v in range(256):
    expect(n.parse_bits(n.format_bits(v, st), st), v, "status %#x round trip" % v)
for bad in ("", "DRIVER||FAILED", "driver_ok", "BOGUS", "0xg", "12a"):
    try:
        n.parse_bits(bad, st)
    except n.NamesError:
        continue
    sys.exit("parse_bits accepted %r" % bad)
# virtio-net, 4 pairs: the control queue is 8 with MQ, 2 without.
expect([n.queue_role(q, 8) for q in range(10)],
       ["rx0", "tx0", "rx1", "tx1", "rx2", "tx2", "rx3", "tx3", "ctrl", None], "roles with MQ")
expect([n.queue_role(q, 2) for q in range(8)], ["rx0", "tx0", "ctrl"] + [None] * 5, "roles without MQ")
expect([n.role_queue(r, 8) for r in ("rx0", "tx0", "rx3", "tx3", "ctrl", "rx4", "rx01", "ctl")],
       [0, 1, 6, 7, 8, None, None, None], "queues of roles with MQ")
expect([n.role_queue(r, 2) for r in ("rx0", "tx0", "ctrl", "rx3")], [0, 1, 2, None], "queues without MQ")
t = n.virtio_table()
total = sum(len(b) for b in t.bits.values()) + sum(len(x) for x in t.features.values())
expect(total, count, "bits named (the C table has %d)" % count)
here = os.path.dirname(os.path.abspath(n.find_virtio_def()))
expect(here, os.path.abspath(want_dir), "where virtio_names.def was read")
'

# The source tree: the module finds the tables in sim/cpu/ and sim/virtio/.
PYTHONPATH=trace "$PYTHON" -c "$check" "$csr_count" "$cause_count" sim/cpu ||
    fail "rt_names.py in the source tree disagrees with the C tables"
PYTHONPATH=trace "$PYTHON" -c "$check_virtio" "$virtio_count" sim/virtio ||
    fail "rt_names.py in the source tree disagrees with the C virtio names"

# What the simulator prints and records, named by the Python reader: the --net-features
# list (C, from the table) is the spelling of every feature the device offers in a
# golden trace (ring_packed, off by default, in the packed ping's), device-specific ones first, and every status value the trace records
# has a name for each of its bits.
"$RINGSIDE" run --net-features=+nosuch >"$WORK/nf.out" 2>&1 && fail "--net-features=+nosuch was accepted"
valid=$(sed -n "s/.*unknown feature 'nosuch' (valid: \(.*\))\$/\1/p" "$WORK/nf.out")
[ -n "$valid" ] || { cat "$WORK/nf.out"; fail "no list of valid --net-features names"; }
golden=tests/golden/virtio-modern.golden
PYTHONPATH=trace "$PYTHON" - "$valid" $golden tests/golden/ping-packed-modern.golden <<'PY' || fail "the simulator and rt_names.py disagree on names"
import re
import sys
import rt_names as n
valid, golden = sys.argv[1].split(), open(sys.argv[2]).read() + open(sys.argv[3]).read()
words = {int(w): int(v, 16) for w, v in
         re.findall(r"virtio_features dev=virtio-net side=device word=(\d) value=(0x[0-9a-f]+)", golden)}
offered = words[0] | words[1] << 32
t = n.virtio_table()
ordered = list(t.spellings[n.VIRTIO_ID_NET].items()) + list(t.spellings[0].items())
named = [s for v, s in ordered if offered & v]
if named != valid:
    sys.exit("offered %#x is %s; the simulator lists %s" % (offered, " ".join(named), " ".join(valid)))
if offered & ~sum(v for v, _ in ordered):
    sys.exit("bits the device offers have no name: %#x" % (offered & ~sum(v for v, _ in ordered)))
status = [int(v, 16) for v in re.findall(r"virtio_status dev=virtio-net old=0x[0-9a-f]+ new=(0x[0-9a-f]+)", golden)]
texts = [n.format_bits(v, n.virtio_status()) for v in status]
if "ACKNOWLEDGE|DRIVER|FEATURES_OK" not in texts or "ACKNOWLEDGE|DRIVER|DRIVER_OK|FEATURES_OK" not in texts:
    sys.exit("the handshake's status values are not named: %s" % texts)
if any("0x" in x for x in texts):
    sys.exit("a status bit without a name: %s" % texts)
PY

# Installed: the tables go beside the module, which reads them there.
# (-o: installs the binaries as built, never rebuilds them from inside a test.)
if [ -f Makefile ] && [ -f ringside ] && [ -f guestfw/ringside-fw.elf ]; then
    make -s -o ringside -o guestfw/ringside-fw.elf install DESTDIR="$WORK/inst" PREFIX=/opt/rs \
        >"$WORK/install.out" 2>&1 ||
        { cat "$WORK/install.out"; fail "make install failed"; }
    py=$WORK/inst/opt/rs/share/ringside/python
    (cd "$WORK" && PYTHONPATH="$py" "$PYTHON" -c "$check" "$csr_count" "$cause_count" "$py") ||
        fail "the installed rt_names.py does not read the installed tables"
    (cd "$WORK" && PYTHONPATH="$py" "$PYTHON" -c "$check_virtio" "$virtio_count" "$py") ||
        fail "the installed rt_names.py does not read the installed virtio names"
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

# A broken virtio names row is refused by the Python reader (each plant alone), and the
# rules the preprocessor can check stop the C build too.
def=sim/virtio/virtio_names.def
plant() {   # plant NAME SED-EXPRESSION: $WORK/bad/virtio_names.def with one row broken
    sed "$2" $def > "$WORK/bad/virtio_names.def"
    cmp -s $def "$WORK/bad/virtio_names.def" && fail "could not plant $1"
    (cd "$WORK/bad" && PYTHONPATH=. "$PYTHON" -c '
import sys, rt_names as n
try:
    n.virtio_table()
except n.NamesError as e:
    print("refused:", e)
    sys.exit(0)
sys.exit("read a broken table")') || fail "virtio names with $1 were not refused"
}
plant "a repeated status value" 's/^VIRTIO_STATUS(FAILED,             128,/VIRTIO_STATUS(FAILED, 64,/'
plant "a missing field" 's/^VIRTIO_F(VERSION_1,         32, VERSION_1, /VIRTIO_F(VERSION_1, 32, /'
plant "a flag of two bits" 's/^VRING_F(DESC,  WRITE,        2)/VRING_F(DESC, WRITE, 3)/'
plant "a feature bit past 63" 's/^VIRTIO_DEV_F(NET, SPEED_DUPLEX,        63,/VIRTIO_DEV_F(NET, SPEED_DUPLEX, 64,/'
plant "a spelling taken" 's/^\(VIRTIO_DEV_F(NET, MQ, .*\)"mq")/\1"version_1")/'
plant "a device without its row" 's/^VIRTIO_DEV_F(NET, MAC,/VIRTIO_DEV_F(NIC, MAC,/'
plant "queue roles that do not tile" 's/^VIRTIO_QUEUES(NET, tx, 2, 1)/VIRTIO_QUEUES(NET, tx, 2, 2)/'
plant "an octal-looking value" 's/^VIRTIO_ISR(CONFIG, 2)/VIRTIO_ISR(CONFIG, 02)/'

# The PCI names (sim/pci/pci_names.def) and virtio's configuration names
# (sim/virtio/virtio_cfg_names.def): known rows, the text show prints and the monitor's
# info (the same tables in C), and a broken row refused.
(cd trace && "$PYTHON" -c '
import rt_names as n
p, v = n.pci_table(), n.virtio_cfg_table()
assert p["command"][4] == "MASTER" and p["command"][0x400] == "INTX_DISABLE", p["command"]
assert p["status"][0x10] == "CAP_LIST" and p["cap"][9] == "VNDR" and p["cap_spelling"][1] == "pm", p
assert v["pci_cap"][1] == "COMMON_CFG" and v["pci_cap"][5] == "PCI_CFG", v
assert v["dev_status"][n.VIRTIO_ID_NET] == {1: "LINK_UP", 2: "ANNOUNCE"}, v
assert n.format_bits(7, p["command"]) == "IO|MEMORY|MASTER"
') || fail "the PCI or virtio configuration names are not the spec's"
"$RINGSIDE" run --trace "$WORK/pci.trace" >/dev/null 2>&1 || fail "the traced run failed"
"$PYTHON" trace/ringside-trace show --family pci,virtio "$WORK/pci.trace" >"$WORK/pci.show" || fail "show failed"
for want in 'value=0x7 (IO|MEMORY|MASTER) reg=command' 'value=0x10 (CAP_LIST) reg=status' \
            'value=0x9 (VNDR) reg=cap.vndr' 'value=0x1 (COMMON_CFG) reg=cap.cfg_type' \
            'value=0x5 (PCI_CFG) reg=cap.cfg_type' 'value=0x1 (LINK_UP) field=status'; do
    grep -qF "$want" "$WORK/pci.show" || fail "show does not print '$want'"
done
printf 'until virtio_status new&DRIVER_OK\ninfo pci\ninfo virtio\n' >"$WORK/mon"
"$RINGSIDE" run --monitor-script "$WORK/mon" >"$WORK/mon.out" 2>&1 || fail "the monitored run failed"
grep -q '^  capabilities: 0x40 VNDR COMMON_CFG, .* 0x84 VNDR PCI_CFG$' "$WORK/mon.out" &&
    grep -q 'command 0x0007 IO|MEMORY|MASTER, status 0x0010 CAP_LIST$' "$WORK/mon.out" &&
    grep -q '^  config status 0x0001 LINK_UP$' "$WORK/mon.out" || { cat "$WORK/mon.out"; fail "info does not name by the tables"; }
for t in "sim/pci/pci_names.def|s/^PCI_COMMAND_BIT(MASTER,       0x0004)/PCI_COMMAND_BIT(MASTER, 0x0006)/|pci_table" \
         "sim/virtio/virtio_cfg_names.def|s/^VIRTIO_DEV_S(NET, ANNOUNCE, 2)/VIRTIO_DEV_S(NIC, ANNOUNCE, 2)/|virtio_cfg_table" \
         "sim/virtio/virtio_cfg_names.def|s/^VIRTIO_PCI_CAP(ISR_CFG,           3)/VIRTIO_PCI_CAP(ISR_CFG, 2)/|virtio_cfg_table"; do
    src=${t%%|*}; rest=${t#*|}; expr=${rest%|*}; fn=${rest#*|}
    sed "$expr" "$src" >"$WORK/bad.def"
    cmp -s "$src" "$WORK/bad.def" && fail "could not plant '$expr'"
    (cd trace && "$PYTHON" -c '
import sys
import rt_names as n
try:
    getattr(n, sys.argv[1])(sys.argv[2])
except n.NamesError as e:
    print("refused:", e)
    sys.exit(0)
sys.exit("read a broken table")' "$fn" "$WORK/bad.def") || fail "$src with '$expr' was not refused"
done
cc=${CC:-cc}
if command -v "$cc" >/dev/null 2>&1; then
    mkdir -p "$WORK/c/virtio"
    # The plant's sed expression, '#', then the words of the assertion that must stop it.
    for e in 's/^VRING_F(DESC,  WRITE,        2)/VRING_F(DESC, WRITE, 3)/#WRITE: not one bit' \
             's/^VIRTIO_DEV_F(NET, SPEED_DUPLEX,        63,/VIRTIO_DEV_F(NET, SPEED_DUPLEX, 64,/#SPEED_DUPLEX: bit past 63'; do
        sed "${e%%#*}" $def > "$WORK/c/virtio/virtio_names.def"
        cmp -s $def "$WORK/c/virtio/virtio_names.def" && fail "could not plant '${e%%#*}'"
        "$cc" -std=c11 -fsyntax-only -I"$WORK/c" -I. -Isim sim/virtio/virtio_names.c 2>"$WORK/cc.out" &&
            fail "the C build accepted virtio names with '${e%%#*}'"
        grep -q "${e#*#}" "$WORK/cc.out" || { cat "$WORK/cc.out"; fail "the C build did not refuse with '${e#*#}'"; }
    done
    cp $def "$WORK/c/virtio/virtio_names.def"
    "$cc" -std=c11 -fsyntax-only -I"$WORK/c" -I. -Isim sim/virtio/virtio_names.c ||
        fail "the C check itself fails on the good table"
else
    echo "no C compiler ($cc): the C side of the planted rows not checked"
fi
exit 0
