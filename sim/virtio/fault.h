/* Device-side fault injection: a virtio device that breaks its side of the contract on
 * purpose, so that a DRIVER's defences can be tested (virtio 1.2 §2.1.2 DEVICE_NEEDS_RESET,
 * §3.1.1 step 6 FEATURES_OK refused, §2.7.8 used ring ids, and a device that never
 * answers). Nothing here models a real device; it is enabled only by
 * `ringside run --virtio-fault=KIND[@T]`. The core calls the hooks below. */
#ifndef RINGSIDE_VIRTIO_FAULT_H
#define RINGSIDE_VIRTIO_FAULT_H

#include "common.h"
#include "events.h"

struct VirtioDevice;

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
    Timer timer;
    /* bogus-used-id: heads the device fetched per queue since the last reset (the
     * bogus id is chosen among those it never saw) */
    uint8_t *seen;
    unsigned seen_stride;        /* bytes per queue */
} VirtioFault;

/* One line per kind, for `ringside run --help`. */
#define VIRTIO_FAULT_KINDS "refuse-features-ok, needs-reset@T, bogus-used-id[@Q], silent"

/* Parses "KIND" or "KIND@T"; 0, or -1 with err. */
int virtio_fault_parse(const char *spec, VirtioFault *f, Err *err);
/* Makes vd misbehave as f says (arms the timer of needs-reset in q); -1 with err when
 * out of memory. f must outlive vd; virtio_fault_destroy frees what attach took. */
int virtio_fault_attach(VirtioFault *f, struct VirtioDevice *vd, EventQueue *q, Err *err);
void virtio_fault_destroy(VirtioFault *f, EventQueue *q);

/* ---- hooks for the core (virtio.c); each is a no-op unless its fault is set ---- */

/* FEATURES_OK is being set: true (and err) when the device refuses it. */
bool virtio_fault_refuse_features(struct VirtioDevice *vd, Err *err);
/* A chain may be fetched from queue q: false keeps the device silent. */
bool virtio_fault_may_pop(struct VirtioDevice *vd, unsigned q);
/* A chain with this head was fetched from queue q. */
void virtio_fault_popped(struct VirtioDevice *vd, unsigned q, uint16_t head);
/* Queue q's used ring is about to be published. */
void virtio_fault_before_flush(struct VirtioDevice *vd, unsigned q);
/* The device was reset. */
void virtio_fault_reset(struct VirtioDevice *vd);

#endif
