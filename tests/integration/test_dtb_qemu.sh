# The pci node of ringside's device tree has the shape of QEMU's virt board (issue 3):
# same properties, same values, the same interrupt-map, except for the PLIC's phandle
# number, which each builder chooses. Needs qemu-system-riscv64 (to dump QEMU's tree)
# and dtc.
# san: skip
. tests/integration/lib.sh
command -v qemu-system-riscv64 >/dev/null 2>&1 || skip "qemu-system-riscv64 not installed (Debian: qemu-system-misc)"
[ -n "${DTC:-}" ] && command -v "$DTC" >/dev/null 2>&1 || skip "dtc not installed (Debian: device-tree-compiler)"
qemu-system-riscv64 -M virt,dumpdtb="$WORK/qemu.dtb" -m 128 -bios none -nographic >"$WORK/q.log" 2>&1 ||
    { cat "$WORK/q.log"; fail "QEMU could not dump its device tree"; }
run_fw "$WORK/out" --dump-dtb "$WORK/ours.dtb" -append scenario=hello || fail "run exited $RC"
for t in qemu ours; do
    "$DTC" -I dtb -O dts -o "$WORK/$t.dts" "$WORK/$t.dtb" 2>/dev/null || fail "dtc cannot read $t.dtb"
done
"$PYTHON" - "$WORK/qemu.dts" "$WORK/ours.dts" <<'PY' || fail "the pci nodes differ"
import re, sys

def pci_node(path):
    text = open(path).read()
    m = re.search(r"\n(\t+)pci@30000000 \{\n(.*?)\n\1\};", text, re.S)
    if not m:
        sys.exit("%s: no pci@30000000 node" % path)
    props = {}
    for line in m.group(2).splitlines():
        line = line.strip().rstrip(";")
        name, _, value = line.partition(" = ")
        props[name] = value
    # interrupt-map entries are <child-addr(3) pin phandle source>: mask the phandle.
    cells = props["interrupt-map"].strip("<>").split()
    if len(cells) % 6:
        sys.exit("%s: interrupt-map is not made of 6-cell entries" % path)
    for i in range(4, len(cells), 6):
        cells[i] = "PLIC"
    props["interrupt-map"] = "<" + " ".join(cells) + ">"
    return props

q, o = pci_node(sys.argv[1]), pci_node(sys.argv[2])
bad = sorted(k for k in set(q) | set(o) if q.get(k) != o.get(k))
for k in bad:
    print("%-20s qemu: %s\n%-20s ours: %s" % (k, q.get(k), "", o.get(k)))
if len(q["interrupt-map"].split()) != 16 * 6 + 0:
    sys.exit("interrupt-map should have 16 entries")
sys.exit(1 if bad else 0)
PY
exit 0
