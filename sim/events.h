/* The deterministic event queue (DESIGN.md §3, §8).
 *
 * Timers fire at a virtual time (the machine's clock: instructions retired plus time
 * skipped by wfi). Ties are broken by the order in which timers were armed, never by
 * addresses. A device embeds a Timer and arms it; the machine runs due timers between
 * CPU blocks, and the CPU's block budget ends exactly at the next timer. */
#ifndef RINGSIDE_EVENTS_H
#define RINGSIDE_EVENTS_H

#include "common.h"

typedef struct Timer Timer;
typedef void TimerFn(void *opaque);

struct Timer {
    uint64_t when;
    uint64_t seq;            /* arming order: breaks ties deterministically */
    TimerFn *fn;
    void *opaque;
    const char *name;
    Timer *next;
    bool armed;
};

typedef struct EventQueue {
    Timer *head;             /* sorted by (when, seq) */
    uint64_t seq;
    /* While the CPU runs a block that ends at deadline, arming a timer before it calls
     * deadline_hook (the machine stops the CPU after the current instruction). */
    uint64_t deadline;       /* 0 while no block runs */
    void (*deadline_hook)(void *ctx);
    void *hook_ctx;
} EventQueue;

#define EVENT_NEVER UINT64_MAX

/* The queue's own snapshot state (its arming sequence; snap/snap.h). */
struct SnapDesc;
extern const struct SnapDesc events_snap;

void events_init(EventQueue *q);
void timer_init(Timer *t, const char *name, TimerFn *fn, void *opaque);
/* Arms (or re-arms) t to fire at virtual time when. */
void timer_mod(EventQueue *q, Timer *t, uint64_t when);
void timer_del(EventQueue *q, Timer *t);
/* Virtual time of the earliest armed timer, or EVENT_NEVER. */
static inline uint64_t events_next(const EventQueue *q) { return q->head ? q->head->when : EVENT_NEVER; }
/* Fires every timer due at or before now, in order; returns how many fired. */
unsigned events_run_due(EventQueue *q, uint64_t now);

#endif
