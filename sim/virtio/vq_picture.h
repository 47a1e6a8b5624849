/* A virtqueue as an observer draws it (the SDL window's ring panel, sim/debug/view.c):
 * each slot of the descriptor table, the driver area and the device area with its
 * content and its owner, and both sides' indices, decoded by the queue's layout from
 * guest memory without touching the machine (VqOps.picture). The split ring fills it
 * from ring_split.c's decoding (virtio 1.2 §2.7). A packed ring (§2.8) would fill
 * `desc` as its one descriptor ring, leave avail/used empty and set `layout` to
 * "packed": the hook is VqOps.picture, NULL until a layout provides it. */
#ifndef RINGSIDE_VQ_PICTURE_H
#define RINGSIDE_VQ_PICTURE_H

#include "common.h"

/* At most this many slots of each area are pictured (a queue may hold 32768). */
#define VQ_PIC_MAX 1024

/* Who may touch a slot now. */
typedef enum VqOwner {
    VQ_OWN_FREE,          /* in no chain the driver offered: the driver's to fill */
    VQ_OWN_AVAIL,         /* offered to the device, not fetched yet */
    VQ_OWN_DEVICE,        /* fetched by the device, not used yet (in flight) */
    VQ_OWN_DRIVER,        /* used: returned to the driver */
    VQ_OWN_WRITTEN,       /* a descriptor the driver wrote and has not offered yet */
    VQ_OWN_COUNT
} VqOwner;

typedef struct VqPicDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
    uint16_t head;        /* the head of the chain it belongs to (owner != FREE) */
    uint8_t owner;        /* VqOwner */
} VqPicDesc;

typedef struct VqPicEntry {
    uint32_t id, len;     /* avail: id = the chain's head; used: {id, len} */
    uint8_t owner;        /* VqOwner of the chain it names; FREE: never written */
} VqPicEntry;

typedef struct VqPicture {
    const char *layout;   /* "split"; NULL: the queue is not configured or not drawable */
    uint16_t size;
    unsigned shown;       /* slots pictured: min(size, VQ_PIC_MAX) */
    bool ready, broken, readable;   /* readable: the rings are in RAM */
    bool event_idx, indirect;
    uint64_t desc_addr, driver_addr, device_addr;
    /* what the driver wrote */
    uint16_t avail_flags, avail_idx, used_event;
    /* what the device wrote, and what it keeps */
    uint16_t used_flags, used_idx, avail_event;
    uint16_t last_avail, dev_used_idx;
    unsigned inflight;
    VqPicDesc desc[VQ_PIC_MAX];
    VqPicEntry avail[VQ_PIC_MAX];
    VqPicEntry used[VQ_PIC_MAX];
} VqPicture;

const char *vq_owner_name(VqOwner o);

#endif
