/* The machine's own snapshot state (snap/snap.h) and the objects it owns, each of
 * which declares its own: this file names devices, never their fields. A device added
 * to the machine and not registered here is caught by travel_check_coverage (its
 * region's opaque lies in no registered object), and its timers by snap_save. */
#include "machine.h"
#include "pci/host_bridge.h"
#include "pci/testdev.h"
#include "net/backend.h"
#include "snap/snap.h"
#include "virtio/fault.h"
#include "virtio/ring_watch.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_pci.h"

static const SnapField machine_fields[] = {
    SNAP_TIMER(Machine, link_timer), SNAP_FIELD(Machine, link_next), SNAP_TIMER(Machine, hash_timer),
    SNAP_FIELD(Machine, violation), SNAP_FIELD(Machine, stop), SNAP_FIELD(Machine, started),
    SNAP_FIELD(Machine, sleeping), SNAP_FIELD(Machine, sleep_start), SNAP_FIELD(Machine, wnext),
    SNAP_FIELD(Machine, exit_code),
};

/* The ring watch follows the live queues, which the snapshot may have elsewhere. */
static int machine_pre_load(void *obj, Err *err)
{
    (void)err;
    Machine *m = obj;
    for (unsigned q = 0; m->net && q < m->net->vdev.info.num_queues; q++)
        ring_watch_stop(&m->watch, &m->net->vdev.vq[q]);
    return 0;
}

/* Work that only feeds observers (ring watch, hash timer) is redone for the restored
 * state; the machine stands between two instructions, no pause pending. */
static void machine_post_load(void *obj)
{
    Machine *m = obj;
    m->ring_watching = false;
    m->pause_requested = false;
    m->at_break = false;
    if (m->tracer.changed)
        m->tracer.changed(m->tracer.changed_ctx);
}

static void machine_children(void *obj, SnapReg *r)
{
    Machine *m = obj;
    snap_add(r, &events_snap, &m->events, NULL);
    snap_add(r, &tracer_snap, &m->tracer, NULL);
    cpu_snap_add(m->cpu, r);
    snap_add(r, &bootrom_snap, &m->bootrom, NULL);
    snap_add(r, &sifive_test_snap, &m->test, NULL);
    snap_add(r, &clint_snap, &m->clint, NULL);
    snap_add(r, &plic_snap, &m->plic, NULL);
    snap_add(r, &uart_snap, &m->uart, NULL);
    snap_add(r, &pci_host_snap, m->pci, NULL);
    snap_add(r, &pci_testdev_snap, m->testdev, NULL);
    snap_add(r, &virtio_net_snap, m->net, NULL);
    snap_add(r, &virtio_pci_snap, m->net_pci, NULL);
    snap_add(r, &net_backend_snap, m->backend, NULL);
    snap_add(r, &virtio_fault_snap, m->net_fault, NULL);
}

static const SnapDesc machine_snap = SNAP_DESC("machine", 1, Machine, machine_fields, .pre_load = machine_pre_load,
                                               .post_load = machine_post_load, .children = machine_children);

void machine_snap_register(Machine *m, SnapReg *r)
{
    snap_add(r, &machine_snap, m, NULL);
}
