/* The monitor: ringside's debugger commands, as text. One command table serves the
 * terminal prompt (--monitor), scripts (--monitor-script: the same commands,
 * unattended, printing what a person would see) and gdb's `monitor ...` (qRcmd), where
 * gdb itself runs the machine, so the commands that run it only arm a stop there. */
#ifndef RINGSIDE_DEBUG_MONITOR_H
#define RINGSIDE_DEBUG_MONITOR_H

#include "debug/debugger.h"

typedef struct Monitor Monitor;

enum { MON_OK = 0, MON_QUIT = 1, MON_DETACH = 2, MON_ERROR = -1 };

/* A monitor over d printing to out. under_gdb: commands that run the machine (continue,
 * stepi, run-to) are refused, and until / step-event arm a one-shot stop that gdb's
 * next continue honours. */
Monitor *monitor_create(Debugger *d, FILE *out, bool under_gdb);
void monitor_destroy(Monitor *mon);
void monitor_set_out(Monitor *mon, FILE *out);
/* The `screenshot FILE` command: saves what a window shows (the SDL window sets it);
 * without one the command says there is no window. 0, or -1 with err. */
typedef int MonScreenshotFn(void *ctx, const char *path, Err *err);
void monitor_set_screenshot(Monitor *mon, MonScreenshotFn *fn, void *ctx);
/* Runs one command line: MON_OK, MON_QUIT (`quit`: end the run now), MON_DETACH
 * (`detach`: let the run go on to its end unobserved), or MON_ERROR (the message is
 * printed, "error: ..."). Blank lines and '#' comments do nothing. */
int monitor_exec(Monitor *mon, const char *line);
/* Reads commands from in until EOF, quit or detach; with echo, each is printed after a
 * prompt first, as on a terminal. Returns MON_QUIT, MON_DETACH (EOF counts as detach),
 * or MON_ERROR when stop_on_error and a command failed. */
int monitor_run(Monitor *mon, FILE *in, bool echo, bool stop_on_error);
/* The prompt on a terminal (libedit's line editing where the build has it). */
int monitor_interactive(Monitor *mon);

#endif
