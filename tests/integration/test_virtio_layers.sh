# The layering of sim/virtio/ as the source shows it, a supplement to the behavioural
# tests (tests/unit/test_virtio_fault.c, test_virtqueue.c): the virtio core knows
# nothing of fault injection (fault.c wraps its operations from outside), devices
# reach their queues through the core's queue API only, and no file but the layout's
# own computes a split ring field address.
. tests/integration/lib.sh

n=$(grep -ci 'fault' sim/virtio/virtio.c)
[ "$n" = 0 ] || fail "sim/virtio/virtio.c mentions fault injection $n times"
if [ -f build/o/sim/virtio/virtio.o ] && command -v nm >/dev/null 2>&1; then
    nm build/o/sim/virtio/virtio.o | grep -i fault && fail "virtio.o refers to a fault symbol"
fi

# Devices: no VirtQueue, no queue array, no counters, no vq_* ring call.
for f in sim/virtio/virtio_net.c sim/virtio/net_features.c sim/net/*.c; do
    grep -nE 'VirtQueue|->vq\[|\.vq\[|vq->|vq_(pop|push|flush|pending|need_interrupt|set_notification|elem_read|elem_write)\(' "$f" &&
        fail "$f reaches into a virtqueue"
done

# Field addresses: only ring_split.c includes the table, and nothing else under sim/
# writes the split layout's offsets (used ring 4 + 8 * slot, avail ring 4 + 2 * slot).
[ "$(grep -rl 'ring_split.def' sim --include='*.c' --include='*.h')" = sim/virtio/ring_split.c ] ||
    fail "ring_split.def is expanded outside sim/virtio/ring_split.c"
[ "$(grep -rl 'ring_packed.def' sim --include='*.c' --include='*.h')" = sim/virtio/ring_packed.c ] ||
    fail "ring_packed.def is expanded outside sim/virtio/ring_packed.c"
grep -rnE '\+ *4 *\+ *(8|2)u? *\*|avail *\+ *2\b|used *\+ *2\b' sim --include='*.c' --include='*.h' |
    grep -v '^sim/virtio/ring_split.c:' && fail "a split ring offset outside ring_split.c"
exit 0
