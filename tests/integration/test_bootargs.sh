# The bundled firmware refuses a bootarg it does not know, or a value of the wrong kind,
# with a message naming the word and exit 2 (guestfw/bootargs.def), instead of running
# with the default as if the word were not there.
. tests/integration/lib.sh
refused() {    # refused "ARGS" "message"
    run_fw "$WORK/out" -append "$1"
    [ "$RC" = 2 ] || { cat "$WORK/out"; fail "-append '$1' exited $RC, expected 2"; }
    grep -qF "$2" "$WORK/out" || { cat "$WORK/out"; fail "-append '$1' did not say: $2"; }
    grep -q 'scenario ping' "$WORK/out" && { cat "$WORK/out"; fail "-append '$1' ran the scenario"; }
    return 0
}
refused "scenario=ping cnt=1" "bootargs: unknown key 'cnt'; did you mean 'count'?"
refused "scenario=ping count=abc" "bootargs: bad value 'abc' for count (a number from 0 to 1000000)"
refused "scenario=ping count=-1" "bootargs: bad value '-1' for count"
refused "scenario=ping mrg_rxbuf=of" "bootargs: bad value 'of' for mrg_rxbuf (on or off)"
refused "scenario=udp port=70000" "bootargs: bad value '70000' for port (a number from 0 to 65535)"
refused "scenario=ping ring=pakced" "bootargs: bad value 'pakced' for ring (one of split|packed)"
refused "scenario=ping ip=10.0.2.300" "bootargs: bad value '10.0.2.300' for ip (an address A.B.C.D)"
refused "scenario=ping count" "bootargs: bad value '' for count"
refused "scenario=ping zzzzzzzz=1" "bootargs: unknown key 'zzzzzzzz'"
grep -q 'did you mean' "$WORK/out" && { cat "$WORK/out"; fail "a word far from every key got a suggestion"; }
# Every accepted spelling still runs: explicit defaults included.
run_fw "$WORK/ok" -append "scenario=ping count=0x1 mrg_rxbuf=on pci=ecam virtio=auto ring=split irq=on" ||
    { cat "$WORK/ok"; fail "valid bootargs refused: exit $RC"; }
grep -q '1 packets transmitted, 1 received' "$WORK/ok" || { cat "$WORK/ok"; fail "count=0x1 did not ping once"; }
exit 0
