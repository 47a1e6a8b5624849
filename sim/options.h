/* The options of `ringside run`, as one table (options.c): each row carries the
 * option's spelling, help text, where its value goes, its parser and range, the trace
 * header key it is recorded under, and whether it names a file the run writes or an
 * input that a replay takes from the trace. Help text, parsing, range errors, the
 * header's configuration lines, the recorded command line and replay's clearing of
 * outputs all come from that table; defaults come from machine_config_default. */
#ifndef RINGSIDE_OPTIONS_H
#define RINGSIDE_OPTIONS_H

#include "machine.h"

/* The debugger's options: they observe the run and never change it, so they are not
 * recorded in a trace, and `ringside replay` takes them too. */
#define RUN_MAX_BREAK_ON 8
typedef struct DebugOpts {
    const char *break_on[RUN_MAX_BREAK_ON];  /* --break-on COND, in order */
    unsigned n_break_on;
    uint64_t stop_at;                /* --stop-at T (0: none) */
    bool monitor;                    /* --monitor */
    const char *script;              /* --monitor-script FILE ('-': stdin) */
    const char *gdb;                 /* --gdb tcp:HOST:PORT | unix:PATH */
    bool gdb_wait;                   /* --gdb-wait */
    bool display_sdl;                /* --display sdl: the window (debug/window.h) */
    const char *screenshot;          /* --screenshot FILE: the window as a PNG at the end */
    uint64_t snapshot_every;         /* --snapshot-every N (0: no time travel) */
} DebugOpts;

/* What `ringside run`'s options set: the machine's configuration and the run's own. */
typedef struct RunOpts {
    MachineConfig mc;
    const char *dump_dtb;            /* --dump-dtb FILE */
    const char *from_snapshot;       /* --from-snapshot FILE */
    bool stats;                      /* --stats */
    const char *serial_input_path;   /* --serial-input FILE ('-': stdin) */
    const char *trace_path;          /* --trace FILE */
    unsigned trace_compress;         /* --trace-compress: TRACE_COMPRESS_* (trace/trace.h) */
    DebugOpts dbg;
} RunOpts;

enum { OPTS_OK = 0, OPTS_HELP = 1 };

/* Defaults (machine_config_default), then the options in argv[0..argc). OPTS_OK,
 * OPTS_HELP when --help or -h comes before any error, or -1 with err
 * (an unknown option, a missing or bad value, a value out of range). mc.fw_path stays
 * NULL unless --fw was given. */
int run_opts_parse(int argc, char *const *argv, RunOpts *ro, Err *err);
/* A trace's recorded command line, for `ringside replay`: defaults, then only what
 * configures the machine and the inputs the trace supplies (an allow-list); anything
 * else (an output, a debugger, help, an unknown option) is refused with an error that
 * says it is in the trace's recorded command line. OPTS_OK or -1 with err. */
int run_opts_parse_recorded(int argc, char *const *argv, RunOpts *ro, Err *err);
/* The debugging options only (for `ringside replay`), into ro->dbg; any other option
 * is refused. OPTS_OK, OPTS_HELP or -1 with err. */
int run_opts_parse_debug(int argc, char *const *argv, RunOpts *ro, Err *err);
/* How many arguments option arg takes after it: 0 or 1 (-1: not an option of run). */
int run_opts_arity(const char *arg);
/* Whether a debugger is asked for. */
static inline bool run_opts_debugging(const DebugOpts *d)
{
    return d->n_break_on || d->stop_at || d->monitor || d->script || d->gdb || d->display_sdl;
}
/* The "Options of `run`" part of --help: one line per option with its default; with
 * debug_only, the debugging options alone (for `replay --help`). */
void run_opts_help(FILE *f, bool debug_only);
/* "key=value\n" lines for the trace header, one per recorded option, in table order;
 * snprintf-like: returns the full length, stores at most n bytes with the NUL. */
size_t run_opts_config_lines(const RunOpts *ro, char *buf, size_t n);
/* The command line to record: argv without the options that name an output file
 * (--trace, --dump-dtb, --pcap) or only observe (--monitor, --break-on, --gdb ...), so
 * the same run traced to two files, or debugged, gives equal traces. kept must have
 * room for argc + 1 pointers; returns how many were kept. */
int run_opts_recorded_argv(int argc, char *const *argv, char **kept);
/* For replay: clears every output file (a replay writes none) and every input the
 * trace recorded (console input, which the trace supplies). */
void run_opts_for_replay(RunOpts *ro);

#endif
