/* Deterministic timer queue: a list sorted by (virtual time, arming sequence). The
 * queue stays short (a handful of device timers), so a sorted list beats a heap. */
#include "events.h"
#include "snap/snap.h"

void events_init(EventQueue *q)
{
    memset(q, 0, sizeof *q);
}

void timer_init(Timer *t, const char *name, TimerFn *fn, void *opaque)
{
    memset(t, 0, sizeof *t);
    t->name = name;
    t->fn = fn;
    t->opaque = opaque;
}

void timer_del(EventQueue *q, Timer *t)
{
    if (!t->armed)
        return;
    for (Timer **pp = &q->head; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->armed = false;
    t->next = NULL;
}

void timer_mod(EventQueue *q, Timer *t, uint64_t when)
{
    timer_del(q, t);
    t->when = when;
    t->seq = q->seq++;
    Timer **pp = &q->head;
    while (*pp && ((*pp)->when < when || ((*pp)->when == when && (*pp)->seq < t->seq)))
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->armed = true;
    /* A timer armed earlier than the end of the running block: the block must end in
     * time for it, so the CPU stops and the machine recomputes its budget. */
    if (q->deadline_hook && when < q->deadline)
        q->deadline_hook(q->hook_ctx);
}

unsigned events_run_due(EventQueue *q, uint64_t now)
{
    unsigned n = 0;
    while (q->head && q->head->when <= now) {
        Timer *t = q->head;
        q->head = t->next;
        t->next = NULL;
        t->armed = false;
        t->fn(t->opaque);
        n++;
    }
    return n;
}

/* Snapshot state (snap/snap.h): the arming sequence. The list itself is rebuilt from
 * the timers the modules declare. */
static const SnapField events_fields[] = { SNAP_FIELD(EventQueue, seq) };
const SnapDesc events_snap = SNAP_DESC("events", 1, EventQueue, events_fields);
