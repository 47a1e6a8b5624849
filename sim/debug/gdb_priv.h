/* What the gdb stub's two halves share (private to sim/debug/gdbstub.c, the session,
 * and sim/debug/gdb_cmds.c, the packets): the stub's state and the calls between
 * them. */
#ifndef RINGSIDE_DEBUG_GDB_PRIV_H
#define RINGSIDE_DEBUG_GDB_PRIV_H

#include "debug/gdbstub.h"
#include "debug/rsp.h"

#define GDB_IN_CAP 65536             /* bytes received and not yet taken */
#define GDB_MAX_BREAKS CPU_MAX_BREAKS

/* Error replies: E.2 leaves the number to the stub; these follow errno's names. */
#define E_SYNTAX "E01"               /* malformed: bad hex, a field missing */
#define E_TOO_LONG "E02"             /* longer than PacketSize */
#define E_REFUSED "E03"              /* the debugger said no (no room for more points, ...) */
#define E_FAULT "E14"                /* memory outside RAM and ROM: EFAULT */

typedef enum GdbEnd { GDB_GO_ON, GDB_DETACH, GDB_KILL } GdbEnd;
typedef enum GdbRun { GDB_CONTINUE, GDB_STEP, GDB_REVERSE_STEP, GDB_REVERSE_CONTINUE } GdbRun;

/* A breakpoint gdb asked for: with Z0 (software), Z1 (hardware) or both; the same
 * point in the debugger either way. id is the point the stub made (0: it was there,
 * set with the monitor's break, and stays when gdb removes its own). */
typedef struct GdbBreak {
    uint64_t pc;
    int id;
    unsigned kinds;                  /* bit 0: Z0, bit 1: Z1 */
} GdbBreak;

struct GdbStub {
    Debugger *d;
    Machine *m;
    Rsp rsp;
    char *tdesc;
    size_t tdesc_len;
    uint8_t in[GDB_IN_CAP];
    size_t in_r, in_w;
    int lfd, fd;                     /* -1: none (a detached stub has neither) */
    char unix_path[108];
    GdbEnd end;                      /* set by D, k, monitor detach or quit */
    bool gone;                       /* the connection closed */
    bool attach_stop;                /* the machine stopped because gdb came: SIGTRAP */
    bool user_stop;                  /* Ctrl-C on ringside's terminal while waiting */
    GdbBreak brk[GDB_MAX_BREAKS];
    unsigned nbrk;
    DbgPollFn *prev;                 /* the poll function the stub's own one chains to */
    void *prev_ctx;
    char rep[RSP_MAX_PACKET];        /* the reply being built */
};

/* gdbstub.c: replies, stops and runs. */
void gdb_reply(GdbStub *g, const char *s);
void gdb_replyf(GdbStub *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gdb_stop_reply(GdbStub *g, const DbgStop *s);
/* Runs the machine (continue or one step) and replies with where it stopped. */
void gdb_run(GdbStub *g, GdbRun kind);

/* gdb_cmds.c: the packet in g->rsp.pkt, answered. */
void gdb_handle(GdbStub *g);
GdbBreak *gdb_find_break(GdbStub *g, uint64_t pc);

#endif
