/* A GDB remote serial protocol stub (GDB manual, Appendix E "Remote Protocol") over a
 * TCP or Unix socket, for gdb-multiarch with the firmware's ELF: registers (with a
 * target description naming the CSRs the hart has), memory, breakpoints and
 * watchpoints (Z0..Z4), step and continue (s, c, vCont), Ctrl-C, and `monitor ...`
 * (qRcmd) through the monitor's commands. Everything runs through the debugger
 * (debug/debugger.h), so what gdb does never changes the run; its register and memory
 * writes are recorded as input events. */
#ifndef RINGSIDE_DEBUG_GDBSTUB_H
#define RINGSIDE_DEBUG_GDBSTUB_H

#include "debug/debugger.h"

typedef struct GdbStub GdbStub;

/* Listens at addr ("tcp:HOST:PORT", "tcp::PORT", "unix:PATH"). NULL with err. */
GdbStub *gdbstub_open(Debugger *d, const char *addr, Err *err);
void gdbstub_close(GdbStub *g);
/* Serves gdb until it detaches, kills the run, or the run ends. With wait, the machine
 * stays stopped until gdb attaches; without, it runs meanwhile (and stops when gdb
 * attaches). Returns 0, or 1 when gdb asked to kill the run (k), -1 with err on a
 * socket error. */
int gdbstub_serve(GdbStub *g, bool wait, Err *err);

/* The packet layer, for tests and the fuzzer: feed bytes as they arrive; complete
 * packets are handled and the replies queued (gdbstub_take_output). Never crashes on
 * any input. */
void gdbstub_feed(GdbStub *g, const uint8_t *data, size_t len);
size_t gdbstub_take_output(GdbStub *g, uint8_t *buf, size_t cap);
/* A stub with no socket, for gdbstub_feed (tests, fuzzing). */
GdbStub *gdbstub_new_detached(Debugger *d);

#endif
