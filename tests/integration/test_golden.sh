# Golden traces (issues 5 and 12, tests/golden/README.md): the firmware must be the one
# tests/golden/FIRMWARE records (compiler and SHA-256), else this fails and says why;
# every case of tests/golden/cases is recorded afresh, replayed bit for bit, and its
# stable text form compared with the committed golden file. Then the check must fail
# for firmware it cannot compare (another compiler, another file) and for a firmware
# with a one-line change to the handshake (half the receive buffers posted by
# try_fill_recv), naming the first divergent event.
# san: skip
. tests/integration/lib.sh
fw=${RINGSIDE_FW:-guestfw/ringside-fw.elf}
[ -f "$fw" ] || fail "no firmware at $fw"
refresh="$PYTHON tools/refresh-golden --ringside $RINGSIDE"

# 1. The committed golden traces, with a bit-for-bit replay of each fresh recording.
$refresh --check --replay --fw "$fw" --out "$WORK/fresh" >"$WORK/check.out" 2>&1; rc=$?
cat "$WORK/check.out"
case $rc in
0) ;;
3) fail "the golden traces cannot be compared with $fw: it is not the firmware tests/golden/FIRMWARE records (see above)" ;;
*) fail "golden traces differ from tests/golden (exit $rc); if intended, run tools/refresh-golden and commit tests/golden" ;;
esac
golden=tests/golden

# A firmware the check cannot compare fails it, naming what was expected and found.
want_sha=$(sed -n 's/^sha256: //p' $golden/FIRMWARE)
want_cc=$(sed -n 's/^compiler: //p' $golden/FIRMWARE)
cp "$fw" "$WORK/longer.elf" && printf x >>"$WORK/longer.elf" || fail "cannot copy the firmware"
$refresh --check --fw "$WORK/longer.elf" pci-modern >"$WORK/longer.out" 2>&1; rc=$?
cat "$WORK/longer.out"
[ $rc = 3 ] || fail "the check of a firmware file other than the recorded one exited $rc, expected 3"
grep -q "^pci-modern: ok" "$WORK/longer.out" || fail "the same code in another file was not compared"
grep -q "^firmware differs from the recorded one: .*sha256 $want_sha" "$WORK/longer.out" &&
    grep -q "longer.elf is sha256 $(sha256sum "$WORK/longer.elf" | cut -d' ' -f1)" "$WORK/longer.out" &&
    grep -q "tools/refresh-golden" "$WORK/longer.out" ||
    fail "no expected and found hashes, or no fix, in the report"
# Another compiler: the same code with another version in its producer strings (one
# digit changed), not compared at all.
"$PYTHON" - "$fw" "$WORK/othercc.elf" "$want_cc" <<'PY' || fail "cannot make the other-compiler firmware"
import sys
b = open(sys.argv[1], "rb").read()
old = sys.argv[3].split(" / ")[0].encode()   # the compiler's own string, not the linker's
new = old[:-1] + (b"8" if old.endswith(b"7") else b"7")
assert old in b
open(sys.argv[2], "wb").write(b.replace(old, new))
PY
$refresh --check --fw "$WORK/othercc.elf" pci-modern >"$WORK/othercc.out" 2>&1; rc=$?
cat "$WORK/othercc.out"
[ $rc = 3 ] || fail "the check of a firmware from another compiler exited $rc, expected 3"
grep -q "^pci-modern:" "$WORK/othercc.out" && fail "firmware from another compiler was compared"
grep -q "^firmware from another compiler: .* built by '$want_cc'" "$WORK/othercc.out" &&
    grep -q "othercc.elf was built by '" "$WORK/othercc.out" && grep -q "./configure" "$WORK/othercc.out" ||
    fail "no expected and found compilers, or no fix, in the report"

# 2. The same sources built in another directory give the recorded firmware, byte for
# byte (a fresh clone elsewhere compares); a one-line change to the handshake is caught.
[ -f Makefile ] || skip "no Makefile (run ./configure): cannot build the modified firmware"
mkdir -p "$WORK/src" && cp -r guestfw Makefile "$WORK/src/" || fail "cannot copy guestfw/"
rm -f "$WORK/src/guestfw/ringside-fw.elf"
make -s -C "$WORK/src" -j2 guestfw/ringside-fw.elf >"$WORK/build.out" 2>&1 ||
    { cat "$WORK/build.out"; fail "cannot build the firmware in $WORK/src"; }
cmp -s "$fw" "$WORK/src/guestfw/ringside-fw.elf" ||
    fail "the firmware built in $WORK/src differs from $fw: the ELF depends on where it is built"
f=guestfw/virtio/virtio_net.c
sed 's|rq->nbufs = rq->vq->num;|rq->nbufs = rq->vq->num / 2;|' "$f" >"$WORK/src/$f"
cmp -s "$f" "$WORK/src/$f" && fail "the mutation no longer applies to $f: update this test's sed"
make -s -C "$WORK/src" -j2 guestfw/ringside-fw.elf >"$WORK/build.out" 2>&1 ||
    { cat "$WORK/build.out"; fail "cannot build the modified firmware"; }
$refresh --check --dir "$golden" --fw "$WORK/src/guestfw/ringside-fw.elf" --out "$WORK/mut" ping-modern ping-legacy \
    >"$WORK/mut.out" 2>&1; rc=$?
cat "$WORK/mut.out"
[ $rc = 1 ] || fail "the check of a firmware posting half the rx buffers exited $rc, expected 1"
grep -q '^ping-modern: first divergent event #[0-9]' "$WORK/mut.out" || fail "no first divergent event for ping-modern"
grep -q '^ping-legacy: first divergent event #[0-9]' "$WORK/mut.out" || fail "no first divergent event for ping-legacy"
# The expected event is the 129th buffer posted to rx0, or, since the smaller buffer
# area moves the heap, the first heap address given to the device: a ring's address,
# or the control command's chain (sent at DRIVER_OK, before the receive fill).
grep '^  - expected' "$WORK/mut.out" | grep -Eq 'desc_write dev=virtio-net queue=0 index=128 |reg=(common.queue_desc|legacy.queue_pfn)|chain_fetch dev=virtio-net queue=8 ' ||
    fail "the first divergence is neither rx0's buffer 128, a ring address nor the control chain's"
grep -q '^  + got ' "$WORK/mut.out" || fail "no '+ got' line beside the expected event"
grep -q 'refresh them on purpose' "$WORK/mut.out" && grep -q 'tools/refresh-golden' "$WORK/mut.out" ||
    fail "no refresh command in the report"
exit 0
