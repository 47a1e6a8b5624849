/* `ringside replay --align`: the recording and the replayed run compared by the trace
 * tools' one alignment (trace/rt_diff.py, as `ringside-trace diff --align` does it), so
 * that a replay goes on past a shift and reports every real difference with a summary. */
#ifndef RINGSIDE_REPLAY_ALIGN_H
#define RINGSIDE_REPLAY_ALIGN_H

#include <stdbool.h>

#include "common.h"

/* Runs `ringside-trace diff --align --no-header [--ignore LIST] RECORDING RUN` with its
 * output on standard error. ringside-trace is $RINGSIDE_TRACE, else the one installed
 * beside this executable, else trace/ringside-trace beside it (the build tree). Returns
 * the diff's exit status (0 equal, 1 different), or -1 with err if it cannot run. */
int replay_align_report(const char *recording, const char *run, const char *ignore, Err *err);

#endif
