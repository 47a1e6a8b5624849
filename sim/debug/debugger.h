/* The debugger: stop points on a running machine and the run control that honours
 * them, shared by every front end (the terminal monitor, monitor scripts, the gdb
 * stub, --break-on). Stop points are
 *   - conditions over trace events (debug/cond.h): "stop when status becomes DRIVER_OK",
 *     "stop at the next used-ring push on rx0"; checked where the event is emitted;
 *   - breakpoints on a pc (the CPU's decode cache: nothing changes in guest memory);
 *   - watchpoints on any guest range: RAM stores through mem_watch, RAM loads through
 *     the CPU's load hook, device accesses through the bus events.
 * Each stops the run right after the instruction that caused it (a breakpoint: before
 * its instruction). Nothing here changes what the machine does: the debugger observes
 * the event stream, pauses between instructions and resumes; the trace of a debugged
 * run equals the undisturbed one. The debugger's own writes to registers or memory are
 * emitted as input events (debug_reg_write, debug_mem_write), so a replay repeats them. */
#ifndef RINGSIDE_DEBUG_DEBUGGER_H
#define RINGSIDE_DEBUG_DEBUGGER_H

#include "debug/cond.h"
#include "machine.h"
#include "snap/travel.h"

typedef struct Debugger Debugger;

typedef enum DbgPointKind { DBG_COND, DBG_BREAK, DBG_WATCH } DbgPointKind;
typedef enum DbgWatchKind { DBG_W_WRITE = 1, DBG_W_READ = 2, DBG_W_ACCESS = 3 } DbgWatchKind;

typedef struct DbgPoint {
    int id;                      /* 1, 2, ... in creation order */
    DbgPointKind kind;
    bool temp;                   /* deleted when it fires (until, step-event) */
    Cond cond;                   /* DBG_COND */
    uint64_t addr, len;          /* DBG_BREAK: the pc; DBG_WATCH: the range */
    DbgWatchKind wkind;          /* DBG_WATCH */
    unsigned hits;
    char text[COND_MAX_TEXT];    /* as the user gave it */
} DbgPoint;

typedef enum DbgStopKind {
    DBG_STOP_NONE,               /* never run yet */
    DBG_STOP_COND,               /* a condition matched an event */
    DBG_STOP_BREAK,              /* a breakpoint: pc is at it, not executed */
    DBG_STOP_WATCH,              /* a watchpoint: the access is done */
    DBG_STOP_STEP,               /* stepi finished its instructions */
    DBG_STOP_TIME,               /* the virtual-time limit of dbg_run_to */
    DBG_STOP_INTERRUPT,          /* the poll function asked (Ctrl-C, gdb's interrupt) */
    DBG_STOP_END,                /* the run ended: see end */
    DBG_STOP_EVENT,              /* goto-event: right after event number value */
    DBG_STOP_ORIGIN,             /* going back found nothing: the start of the history */
} DbgStopKind;

typedef struct DbgStop {
    DbgStopKind kind;
    int id;                      /* the point that fired (COND, BREAK, WATCH) */
    char point[COND_MAX_TEXT];   /* its text */
    char event[320];             /* COND: the event that matched, canonical text */
    uint64_t addr, value;        /* WATCH: the access */
    unsigned size;
    bool is_write;
    StopReason end;              /* END: why the run ended */
    uint64_t vtime, pc, instret; /* where the machine stands */
} DbgStop;

/* A debugger on m (nothing armed). m must outlive it. */
Debugger *debugger_create(Machine *m, Err *err);
void debugger_destroy(Debugger *d);
Machine *dbg_machine(const Debugger *d);

/* ---- stop points: each returns its id (> 0), or -1 with err ---- */

int dbg_break_on(Debugger *d, const char *cond, bool temp, Err *err);
/* PC (a number) or SYMBOL[+OFF] (a firmware function). */
int dbg_break_at(Debugger *d, const char *where, Err *err);
int dbg_break_pc(Debugger *d, uint64_t pc, Err *err);
int dbg_watch(Debugger *d, DbgWatchKind kind, uint64_t addr, uint64_t len, Err *err);
/* Deletes point id (0: every point); -1 if there is none. */
int dbg_delete(Debugger *d, int id);
/* The point of this kind at exactly this place (gdb's z packets), or 0. */
int dbg_find(const Debugger *d, DbgPointKind kind, uint64_t addr, uint64_t len, DbgWatchKind wkind);
/* The points, in id order. */
const DbgPoint *dbg_points(const Debugger *d, unsigned *n);

/* ---- run control: each returns the stop, also kept for dbg_last_stop ---- */

/* Called between slices of a run (every few million instructions): true stops it
 * with DBG_STOP_INTERRUPT. NULL: never. */
typedef bool DbgPollFn(void *ctx);
void dbg_set_poll(Debugger *d, DbgPollFn *fn, void *ctx);
/* The poll function set now (and its ctx), so a front end can chain to it. */
DbgPollFn *dbg_poll(const Debugger *d, void **ctx);

/* Runs until a stop point fires, the poll function asks, or the run ends. Resuming at
 * a breakpoint executes its instruction first. */
const DbgStop *dbg_continue(Debugger *d);
/* Executes n instructions (stopping earlier at a stop point). */
const DbgStop *dbg_stepi(Debugger *d, uint64_t n);
/* Runs to virtual time t (stopping earlier at a stop point). */
const DbgStop *dbg_run_to(Debugger *d, uint64_t t);
const DbgStop *dbg_last_stop(const Debugger *d);

/* ---- time travel (dbg_travel.c; snap/travel.h) ----
 * The first run takes a snapshot, and another every n instructions after it (0: no
 * snapshots, no travel; call before the first run). Going back restores the nearest
 * earlier snapshot and runs forward with the stop points asleep; the recording (trace
 * file, capture, console, checker) is untouched. Each returns the stop, or NULL with
 * err (no history, a moment the run never reaches). */
void dbg_set_snapshot_every(Debugger *d, uint64_t n);
/* Back n instructions. */
const DbgStop *dbg_reverse_stepi(Debugger *d, uint64_t n, Err *err);
/* Back to the last moment before this one where a stop point would have stopped a
 * forward run (DBG_STOP_ORIGIN at the start of the history if none did). */
const DbgStop *dbg_reverse_continue(Debugger *d, Err *err);
/* To virtual time t, or to right after event number n of the run (1 = run_start, the
 * numbering of `ringside-trace show -n`), forward or back. */
const DbgStop *dbg_goto_time(Debugger *d, uint64_t t, Err *err);
const DbgStop *dbg_goto_event(Debugger *d, uint64_t n, Err *err);
/* The snapshots held, one line each, and their memory. */
void dbg_print_snapshots(const Debugger *d, FILE *f);
/* Snapshot files (snap/snap_file.h): the machine's configuration as the trace header
 * gives it (copied), and the machine as it stands, written to path. */
int dbg_set_config(Debugger *d, const char *config);
int dbg_snapshot_save(Debugger *d, const char *path, Err *err);
/* The timeline (NULL: none yet, or snapshots off). */
Travel *dbg_travel(const Debugger *d);
bool dbg_ended(const Debugger *d);

/* ---- what the debugger saw and does ---- */

/* Keeps the last events (for `trace last`): on while a person debugs; off, it costs
 * nothing. */
void dbg_keep_history(Debugger *d, bool on);
/* The last n events kept, oldest first, one canonical line each, to f. */
void dbg_print_history(const Debugger *d, unsigned n, FILE *f);
/* The stop in one or two lines (what `why` and a stop print). */
void dbg_print_stop(const Debugger *d, const DbgStop *s, FILE *f);

/* Resolver of symbolic condition values for this machine (names, queue roles). */
CondResolveFn dbg_resolve;
CondLateFn dbg_late;

/* Writes the debugger makes; recorded as input events (so a replay makes them too).
 * reg: 0..31 = x0..x31, 32 = pc. A CSR write is recorded as debug_reg_write with reg
 * DBG_REG_CSR + the CSR's number. */
#define DBG_REG_CSR MACHINE_REG_CSR
int dbg_write_reg(Debugger *d, unsigned reg, uint64_t value, Err *err);
int dbg_write_csr(Debugger *d, unsigned csr, uint64_t value, Err *err);
int dbg_write_mem(Debugger *d, uint64_t addr, const void *data, size_t len, Err *err);
/* Reads guest memory for the debugger: RAM and the boot ROM; a device's registers are
 * not read (a read can change a device: the ISR clears on read). -1 with err. */
int dbg_read_mem(Debugger *d, uint64_t addr, void *buf, size_t len, Err *err);

#endif
