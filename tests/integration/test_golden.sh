# Golden traces (issue 5, tests/golden/README.md): every case of tests/golden/cases is
# recorded afresh, replayed bit for bit, and its stable text form compared with the
# committed golden file; then a firmware with a one-line change to the handshake (half
# the receive buffers posted by try_fill_recv) must fail the comparison and name the
# first divergent event.
# san: skip
. tests/integration/lib.sh
fw=${RINGSIDE_FW:-guestfw/ringside-fw.elf}
[ -f "$fw" ] || fail "no firmware at $fw"
refresh="$PYTHON tools/refresh-golden --ringside $RINGSIDE"

# 1. The committed golden traces, with a bit-for-bit replay of each fresh recording.
$refresh --check --replay --fw "$fw" --out "$WORK/fresh" >"$WORK/check.out" 2>&1; rc=$?
cat "$WORK/check.out"
golden=tests/golden
case $rc in
0) ;;
3) # Firmware from another toolchain: prove the failure mode against a local baseline.
   echo "note: golden comparison not applicable to this toolchain; using a baseline recorded now"
   mkdir -p "$WORK/golden" && cp tests/golden/cases "$WORK/golden/" || fail "cannot copy the cases"
   $refresh --fw "$fw" --dir "$WORK/golden" >"$WORK/baseline.out" 2>&1 || { cat "$WORK/baseline.out"; fail "cannot record a baseline"; }
   golden=$WORK/golden ;;
*) fail "golden traces differ from tests/golden (exit $rc); if intended, run tools/refresh-golden and commit tests/golden" ;;
esac

# 2. A one-line firmware change to the handshake must be caught.
[ -f Makefile ] || skip "no Makefile (run ./configure): cannot build the modified firmware"
mkdir -p "$WORK/src" && cp -r guestfw Makefile "$WORK/src/" || fail "cannot copy guestfw/"
rm -f "$WORK/src/guestfw/ringside-fw.elf"
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
# The expected event is the 129th buffer posted to rx0 (or, should the one-line change
# have moved the heap, the first ring address given to the device).
grep '^  - expected' "$WORK/mut.out" | grep -Eq 'desc_write dev=virtio-net queue=0 index=128 |reg=(common.queue_desc|legacy.queue_pfn)' ||
    fail "the first divergence is neither rx0's buffer 128 nor a ring address"
grep -q '^  + got ' "$WORK/mut.out" || fail "no '+ got' line beside the expected event"
grep -q 'refresh them on purpose' "$WORK/mut.out" && grep -q 'tools/refresh-golden' "$WORK/mut.out" ||
    fail "no refresh command in the report"
exit 0
