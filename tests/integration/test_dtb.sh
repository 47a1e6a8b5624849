# --dump-dtb writes the tree the guest gets; dtc decompiles it cleanly and it has the
# shape of QEMU's virt board.
. tests/integration/lib.sh
[ -n "${DTC:-}" ] && command -v "$DTC" >/dev/null 2>&1 || skip "dtc not installed (Debian: device-tree-compiler)"
run_fw "$WORK/out" --dump-dtb "$WORK/virt.dtb" -append "scenario=hello count=1" || fail "run exited $RC"
"$DTC" -I dtb -O dts -o "$WORK/virt.dts" "$WORK/virt.dtb" 2>"$WORK/dtc.err" || { cat "$WORK/dtc.err"; fail "dtc failed"; }
[ -s "$WORK/dtc.err" ] && { cat "$WORK/dtc.err"; fail "dtc warned"; }
# dtc prints a string list as "a", "b" or as "a\0b" depending on its guesses; compare
# in the first form.
sed 's/\\0/", "/g' "$WORK/virt.dts" >"$WORK/norm.dts" && mv "$WORK/norm.dts" "$WORK/virt.dts"
for s in 'bootargs = "scenario=hello count=1"' 'compatible = "sifive,plic-1.0.0", "riscv,plic0"' \
         'compatible = "ns16550a"' 'riscv,isa = "rv64imac_zicsr_zifencei"' 'timebase-frequency = <0x989680>' \
         'memory@80000000' 'compatible = "syscon-poweroff"' 'compatible = "pci-host-ecam-generic"' \
         'bus-range = <0x00 0xff>' 'interrupt-map-mask = <0x1800 0x00 0x00 0x07>'; do
    grep -qF "$s" "$WORK/virt.dts" || { cat "$WORK/virt.dts"; fail "DTS lacks: $s"; }
done
exit 0
