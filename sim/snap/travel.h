/* Time travel: a run's timeline of in-memory snapshots and going to any moment of it by
 * restoring the nearest earlier snapshot and running forward (ringside is
 * deterministic, so the moment reached is the moment that was). DESIGN.md §11.
 *
 * The recording (trace file, --pcap capture, console, driver checker) is not rewound:
 * its observers are gated (snap/recgate.h), so going back and forth leaves the files
 * exactly as the undisturbed run writes them. A debugger write into the past would
 * make another history; travel_behind tells the debugger to refuse it. */
#ifndef RINGSIDE_SNAP_TRAVEL_H
#define RINGSIDE_SNAP_TRAVEL_H

#include "machine.h"
#include "snap/snap.h"
#include "snap/snap_ram.h"

/* Instructions between automatic snapshots, unless --snapshot-every says otherwise
 * (docs/status.md has the measurement behind it). */
#define TRAVEL_EVERY_DEFAULT 20000000

/* At most this many snapshots: past it, every other one goes (the first stays) and the
 * interval doubles, so a long run keeps a bounded timeline whose re-runs grow with the
 * run's length instead of its memory. */
#define TRAVEL_MAX_SNAPS 128

typedef struct TravelSnap {
    uint64_t instret, vclock;
    uint8_t *blob;           /* snap_save of the registry */
    size_t len;
    RamImage ram;
} TravelSnap;

typedef struct Travel {
    Machine *m;
    SnapReg reg;
    TravelSnap *s;           /* sorted by instret */
    unsigned n, cap;
    int base;                /* the snapshot the RAM's dirty pages are counted from */
    uint64_t every;          /* automatic snapshots (travel_tick); 0: none */
    uint64_t furthest;       /* the furthest instret the run reached */
    bool from_start;         /* the first snapshot is right after run_start (event 1) */
    uint64_t taken_ns;       /* host time spent taking snapshots: for the benchmark only */
} Travel;

/* Starts the machine (run_start) if it has not, checks that every device is declared
 * (travel_check_coverage) and takes the first snapshot. NULL with err. */
Travel *travel_create(Machine *m, uint64_t every, Err *err);
void travel_destroy(Travel *t);
/* Every region of both address spaces belongs to a registered object. */
int travel_check_coverage(const Travel *t, Err *err);
/* A snapshot of where the machine stands (none if one exists there already). */
int travel_take(Travel *t, Err *err);
/* Takes a snapshot when `every` instructions have passed since the newest one before
 * this point; call it where the machine is paused. */
int travel_tick(Travel *t, Err *err);
/* Puts the machine at instret target (the first moment that many instructions had
 * run), or at virtual time vtarget: restores the nearest snapshot at or before it and
 * runs forward, stepping over breakpoints. -1 with err if the run ends first. */
int travel_goto_instret(Travel *t, uint64_t target, Err *err);
int travel_goto_vtime(Travel *t, uint64_t vtarget, Err *err);
/* Whether the machine stands before the furthest point the run has reached. */
bool travel_behind(const Travel *t);
/* Memory the snapshots hold, in bytes. */
uint64_t travel_bytes(const Travel *t);
/* A hash of the whole machine state (registry blob and RAM), for tests. */
uint64_t travel_state_hash(Travel *t);

#endif
