/* Device-side fault injection: a virtio device that breaks its side of the contract on
 * purpose, so that a DRIVER's defences can be tested (virtio 1.2 §2.1.2 DEVICE_NEEDS_RESET,
 * §3.1.1 step 6 FEATURES_OK refused, §2.7.8 used ring ids, and a device that never
 * answers). Nothing here models a real device; it is enabled only by
 * `ringside run --virtio-fault=KIND[@T]`. The core knows nothing of it: attaching wraps
 * the device's operations and its queues' (virtio_wrap), detaching unwraps them. */
#ifndef RINGSIDE_VIRTIO_FAULT_H
#define RINGSIDE_VIRTIO_FAULT_H

#include "common.h"
#include "events.h"
#include "virtio/virtio.h"

typedef enum VirtioFaultKind {
    VFAULT_NONE,
    VFAULT_REFUSE_FEATURES_OK,   /* FEATURES_OK never sticks */
    VFAULT_NEEDS_RESET,          /* NEEDS_RESET (and a config interrupt) at time `at` */
    VFAULT_BOGUS_USED_ID,        /* once, on queue `at`: a used element whose id was never
                                  * made available, published with a genuine one */
    VFAULT_SILENT,               /* never fetches a chain: no tx completion, no rx delivery */
} VirtioFaultKind;

typedef struct VirtioFault {
    VirtioFaultKind kind;
    uint64_t at;                 /* needs-reset: virtual time; bogus-used-id: the queue */
    bool fired;                  /* the one-shot faults have happened */
    struct VirtioDevice *vd;
    const VirtioDeviceOps *inner;   /* the device's own operations, which the wrapper calls */
    VirtioDeviceOps ops;            /* the wrapper: inner with some replaced */
    Timer timer;
    /* bogus-used-id: heads the device fetched per queue since the last reset (the
     * bogus id is chosen among those it never saw) */
    uint8_t *seen;
    unsigned seen_stride;        /* bytes per queue */
} VirtioFault;

/* One line per kind, for `ringside run --help`. */
/* Snapshot state: whether it fired, its timer, the heads seen (snap/snap.h). */
struct SnapDesc;
extern const struct SnapDesc virtio_fault_snap;

#define VIRTIO_FAULT_KINDS "refuse-features-ok, needs-reset@T, bogus-used-id[@Q], silent"

/* Parses "KIND" or "KIND@T"; 0, or -1 with err. */
int virtio_fault_parse(const char *spec, VirtioFault *f, Err *err);
/* Makes vd misbehave as f says (wraps its operations, arms the timer of needs-reset in
 * q); -1 with err on a bad queue or out of memory. f must outlive the attachment;
 * virtio_fault_destroy detaches it (vd behaves again) and frees what attach took. */
int virtio_fault_attach(VirtioFault *f, struct VirtioDevice *vd, EventQueue *q, Err *err);
void virtio_fault_destroy(VirtioFault *f, EventQueue *q);

#endif
