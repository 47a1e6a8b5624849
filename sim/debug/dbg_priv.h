/* The debugger's private state, shared by its run control (debugger.c) and time
 * travel (dbg_travel.c). Not for use outside sim/debug/. */
#ifndef RINGSIDE_DEBUG_DBG_PRIV_H
#define RINGSIDE_DEBUG_DBG_PRIV_H

#include "debug/debugger.h"
#include "snap/travel.h"

#define DBG_MAX_POINTS 64
#define DBG_SLICE 5000000u           /* virtual time between polls of a running machine */
#define HISTORY 64
#define HIST_BUF 384                 /* copied text and bytes of one kept event */

/* A kept event: the event, with its text and bytes copied (names stay where they are:
 * they never change while the run lasts, trace.h). */
typedef struct Kept {
    TraceEvent ev;
    uint8_t buf[HIST_BUF];
} Kept;

/* How the stop points behave while time travel re-runs the past. */
typedef enum { DBG_TRAVEL_OFF, DBG_TRAVEL_QUIET, DBG_TRAVEL_SCAN } DbgTravelMode;

struct Debugger {
    Machine *m;
    DbgPoint pt[DBG_MAX_POINTS];
    unsigned npt;
    int next_id;
    bool observing;
    TraceTypeSet types;              /* what the observer takes now */
    bool history;
    Kept *hist;
    unsigned hist_next, hist_n;
    DbgStop stop;                    /* the last stop */
    bool fired;                      /* a point fired during this run call */
    bool watching_ram_stores, watching_loads;
    DbgPollFn *poll;
    void *poll_ctx;
    /* time travel (dbg_travel.c) */
    Travel *travel;                  /* NULL until the first run, or with snapshots off */
    bool travel_off;                 /* dbg_set_snapshot_every(0) */
    uint64_t snap_every;
    DbgTravelMode traveling;
    char travel_why[256];            /* why there is no timeline */
    char *config;                    /* the configuration lines a snapshot file names */
};

/* dbg_travel.c, called by the run control: the timeline starts with the first run;
 * the limit keeps a run from passing the next automatic snapshot's point unseen; a
 * tick takes the snapshot when it is due; a write into the past is refused. */
void dbg_travel_start(Debugger *d);
uint64_t dbg_travel_limit(Debugger *d, uint64_t ilimit);
void dbg_travel_tick(Debugger *d);
int dbg_travel_before_write(Debugger *d, Err *err);
/* An event's canonical line with each virtio-net queue by its role, as the trace
 * tools' show prints it ("queue=tx0" for "queue=1"; the roles from virtio_names.def). */
void dbg_event_text(const Debugger *d, const TraceEvent *ev, char *buf, size_t n);

#endif
