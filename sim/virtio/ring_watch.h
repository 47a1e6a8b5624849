/* The driver's side of a ring, seen from the device (virtio 1.2 §2.7.5-§2.7.7;
 * DESIGN.md §8): guest stores into the areas the driver writes of a live queue are
 * watched (only those pages pay for it) and each becomes a ring_drv trace event naming
 * what the driver wrote. Which areas, and what a store names (split: a descriptor, an
 * avail slot, the avail idx publish, the avail flags or the used_event field), is the
 * queue's layout's to say (VqOps.driver_areas, VqOps.decode_store). */
#ifndef RINGSIDE_RING_WATCH_H
#define RINGSIDE_RING_WATCH_H

#include "mem_watch.h"
#include "virtio/virtqueue.h"

/* Starts/stops watching vq's driver-written areas through mw. The machine starts the
 * watch of a live queue only while someone observes ring_drv events. */
int ring_watch_start(MemWatch *mw, VirtQueue *vq);
void ring_watch_stop(MemWatch *mw, VirtQueue *vq);
/* MemStoreFn: decodes one guest store into vq's ring memory (the store is done). */
void ring_watch_store(void *vq, uint64_t addr, unsigned size, uint64_t val);

#endif
