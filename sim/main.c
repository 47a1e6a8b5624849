/* The command line: `ringside run|replay|--help|--version`. The options of `run` live
 * in one table (options.c). Only this file prints errors and chooses exit codes. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check/check.h"
#include "config.h"
#include "machine.h"
#include "net/recorded.h"
#include "debug/gdbstub.h"
#include "debug/monitor.h"
#include "debug/window.h"
#include "options.h"
#include "replay_align.h"
#include "snap/snap_file.h"
#include "trace/sha256.h"
#include "virtio/virtio_names.h"

/* Exit statuses of the simulator itself; anything else is the guest's poweroff code. */
enum {
    EXIT_USAGE = 120,        /* bad command line */
    EXIT_SETUP = 121,        /* bad input: firmware, files, configuration */
    EXIT_MAX_INSNS = 124,    /* --max-insns ran out */
    EXIT_IDLE = 125,         /* the guest waits for an interrupt that can never come */
    EXIT_RESET = 126,        /* the guest asked for a reset */
    EXIT_TRACE = 122,        /* the trace could not be written */
    EXIT_DIVERGED = 123,     /* replay: the run differs from the recording */
    EXIT_STOPPED = 127,      /* --break-on / --stop-at stopped the run (no monitor, no gdb) */
    EXIT_VIOLATION = 128,    /* --check-driver=error: the driver broke a rule of virtio 1.2 */
    EXIT_INTERRUPTED = 130,  /* stopped by SIGINT/SIGTERM (128 + SIGINT, as shells report) */
};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: ringside run [OPTION]...\n"
            "       ringside replay [--console] TRACE\n"
            "       ringside --help | --version\n"
            "\n"
            "ringside is a deterministic full-system simulator of a RISC-V machine (QEMU virt\n"
            "memory map) with a PCI host bridge. `run` boots the firmware and runs it until it\n"
            "powers off; the process exits with the guest's poweroff code. `replay` re-runs a\n"
            "recorded trace's configuration with its recorded inputs and compares every event.\n"
            "\n"
            "Options of `run`:\n");
    run_opts_help(f, false);
    fprintf(f,
            "\n"
            "Exit status: the guest's poweroff code (0 = success), or\n"
            "  %d  bad command line          %d  bad firmware or input file\n"
            "  %d  --max-insns reached       %d  guest idle with nothing scheduled\n"
            "  %d  trace write error         %d  replay diverged from the recording\n"
            "  %d  guest requested a reset   %d  stopped by --break-on or --stop-at\n"
            "  %d  the driver broke a rule of virtio 1.2 (--check-driver=error; docs/conformance.md)\n"
            "  %d  interrupted (Ctrl-C; the trace is closed cleanly)\n",
            EXIT_USAGE, EXIT_SETUP, EXIT_MAX_INSNS, EXIT_IDLE, EXIT_TRACE, EXIT_DIVERGED, EXIT_RESET,
            EXIT_STOPPED, EXIT_VIOLATION, EXIT_INTERRUPTED);
}

static int read_file(const char *path, uint8_t **buf, size_t *len, Err *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return err_set(err, "%s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    uint8_t *b = malloc(cap);
    for (;;) {
        if (!b) {
            if (f != stdin)
                fclose(f);
            return err_set(err, "out of memory");
        }
        n += fread(b + n, 1, cap - n, f);
        if (n < cap)
            break;
        cap *= 2;
        uint8_t *nb = realloc(b, cap);
        if (!nb)
            free(b);
        b = nb;
    }
    int bad = ferror(f);
    if (f != stdin)
        fclose(f);
    if (bad) {
        free(b);
        return err_set(err, "%s: read error", path);
    }
    *buf = b;
    *len = n;
    return 0;
}

/* The bundled firmware: beside the binary in a build tree, else where `make install` put it. */
/* The bundled firmware: $RINGSIDE_FW; else guestfw/ringside-fw.elf beside the binary (the
 * build tree); else share/ringside/ringside-fw.elf beside the binary's directory, as
 * `make install` lays it out, so an install under any PREFIX (or staged with DESTDIR, or
 * moved) finds its own. No path is compiled in. The last candidate is returned even when
 * it is missing, so that the caller's error names where the firmware should be. */
static const char *default_firmware(void)
{
    static const char build_rel[] = "guestfw/ringside-fw.elf";
    static const char install_rel[] = "share/ringside/ringside-fw.elf";
    static char path[4096];
    const char *env = getenv("RINGSIDE_FW");
    if (env && *env)
        return env;
    static const char unknown[] = "(the ringside binary's directory: /proc/self/exe is unreadable)/../"
                                  "share/ringside/ringside-fw.elf";
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - sizeof install_rel - sizeof build_rel);
    if (n <= 0)
        return unknown;
    path[n] = 0;
    char *slash = strrchr(path, '/');
    if (!slash)
        return unknown;
    strcpy(slash + 1, build_rel);
    if (access(path, R_OK) == 0)
        return path;
    *slash = 0;
    char *up = strrchr(path, '/');   /* the binary's directory's parent: PREFIX */
    strcpy(up ? up + 1 : path, up ? install_rel : "/share/ringside/ringside-fw.elf");
    return path;
}

/* The options of `run` (options.c), or with recorded those a replay takes from a
 * trace's recorded command line, then the bundled firmware if none was named.
 * OPTS_OK, OPTS_HELP, -1 on a usage error (printed), -2 when the bundled firmware is
 * missing (printed). */
static int parse_run(int argc, char **argv, RunOpts *ro, bool recorded)
{
    Err err;
    int rc = recorded ? run_opts_parse_recorded(argc, argv, ro, &err) : run_opts_parse(argc, argv, ro, &err);
    if (rc < 0) {
        fprintf(stderr, "ringside %s: %s\n", recorded ? "replay" : "run", err.msg);
        return -1;
    }
    if (rc == OPTS_HELP)
        return rc;
    if (!recorded && ro->trace_path && strcmp(ro->trace_path, "-") == 0) {
        /* Standard output is the guest's console: a trace there would be mixed into it. */
        fprintf(stderr, "ringside run: --trace -: standard output carries the guest's console, so the "
                        "trace cannot go there too; name a file, or send it to another descriptor: "
                        "--trace /dev/fd/3 3>&1 >console.txt\n");
        return -1;
    }
    if (!ro->mc.fw_path) {
        ro->mc.fw_path = default_firmware();
        if (access(ro->mc.fw_path, R_OK) != 0) {
            fprintf(stderr, "ringside run: the bundled firmware is not at %s (not installed, or moved): "
                            "give one with --fw FILE or RINGSIDE_FW=FILE\n", ro->mc.fw_path);
            return -2;
        }
    }
    return OPTS_OK;
}

static int write_file(const char *path, const void *data, size_t len, Err *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return err_set(err, "%s: %s", path, strerror(errno));
    size_t n = fwrite(data, 1, len, f);
    if (fclose(f) != 0 || n != len)
        return err_set(err, "%s: write error", path);
    return 0;
}

/* ---- replay: compares each event the run emits with the recording ---- */

#define REPLAY_CONTEXT 4

typedef struct Replay {
    TraceReader *r;
    Machine *m;
    uint64_t matched;
    bool diverged;
    bool ignore_time, ignore_pc; /* --ignore time,pc: equal events at another time/pc match */
    bool align;                  /* --align: run on past a divergence (replay_align.h) */
    bool time_only;              /* the divergence is the same event at another time */
    int64_t shift;               /* its time difference (got - want) */
    uint64_t shifted;            /* events matched only because time or pc was ignored */
    int64_t shift_lo, shift_hi;
    char want[320], got[320];
    char named[256];             /* what differs, by name ("device features: -EVENT_IDX") */
    Err err;
    MachineWrite *writes;        /* the debugger writes the recording made */
    size_t nwrites, cap;
} Replay;

/* Keeps a recorded debugger write (debug_reg_write / debug_mem_write) or a key typed in
 * the window (console_in from "window") for the replay. */
static int keep_write(Replay *rp, const TraceEvent *ev, Err *err)
{
    bool key = ev->type == TRACE_EV_console_in && ev->u.console_in.src && strcmp(ev->u.console_in.src, "window") == 0;
    if (ev->type != TRACE_EV_debug_reg_write && ev->type != TRACE_EV_debug_mem_write && !key)
        return 0;
    if (rp->nwrites == rp->cap) {
        size_t cap = rp->cap ? rp->cap * 2 : 16;
        MachineWrite *w = realloc(rp->writes, cap * sizeof *w);
        if (!w)
            return err_set(err, "out of memory");
        rp->writes = w;
        rp->cap = cap;
    }
    MachineWrite *w = &rp->writes[rp->nwrites];
    memset(w, 0, sizeof *w);
    w->vtime = ev->vtime;
    if (key) {
        w->console = true;           /* typed in the window: typed again at its time */
        w->value = ev->u.console_in.byte;
    } else if (ev->type == TRACE_EV_debug_reg_write) {
        w->reg = ev->u.debug_reg_write.reg;
        w->value = ev->u.debug_reg_write.value;
    } else {
        const TraceBytes *b = &ev->u.debug_mem_write.data;
        uint8_t *copy = malloc(b->len ? b->len : 1);
        if (!copy)
            return err_set(err, "out of memory");
        memcpy(copy, b->data, b->len);
        w->mem = true;
        w->addr = ev->u.debug_mem_write.addr;
        w->data = copy;
        w->len = b->len;
    }
    rp->nwrites++;
    return 0;
}

static void free_writes(Replay *rp)
{
    for (size_t i = 0; i < rp->nwrites; i++)
        free((void *)rp->writes[i].data);
    free(rp->writes);
}

/* "-NAME +NAME" for the bits of one feature word that gone and added hold, from the
 * one table of names (sim/virtio/virtio_names.def), appended to buf at *len. */
static void name_bits(char *buf, size_t n, size_t *len, char sign, uint64_t bits)
{
    for (unsigned b = 0; b < 64 && *len < n; b++) {
        if (!(bits & (1ull << b)))
            continue;
        const char *name = virtio_bit_name(VIRTIO_DOM_FEATURE, VIRTIO_ID_NET, 1ull << b);
        int k = name ? snprintf(buf + *len, n - *len, " %c%s", sign, name)
                     : snprintf(buf + *len, n - *len, " %cbit%u", sign, b);
        *len += k > 0 ? (size_t)k : 0;
    }
}

/* The divergence named as trace/rt_diff.py names it, where the two events say a
 * feature word each: which bits the run drops and adds against the recording. */
static void replay_name(Replay *rp, const TraceEvent *want, const TraceEvent *got)
{
    rp->named[0] = 0;
    if (want->type != TRACE_EV_virtio_features || got->type != TRACE_EV_virtio_features)
        return;
    const char *sw = want->u.virtio_features.side, *sg = got->u.virtio_features.side;
    unsigned word = want->u.virtio_features.word;
    if (!sw || !sg || strcmp(sw, sg) != 0 || word != got->u.virtio_features.word || word > 1)
        return;
    uint64_t a = (uint64_t)want->u.virtio_features.value << (32 * word);
    uint64_t b = (uint64_t)got->u.virtio_features.value << (32 * word);
    int k = snprintf(rp->named, sizeof rp->named, "%.16s features:", sw);
    size_t len = k > 0 ? (size_t)k : 0;
    name_bits(rp->named, sizeof rp->named, &len, '-', a & ~b);
    name_bits(rp->named, sizeof rp->named, &len, '+', b & ~a);
}

static void replay_observe(void *opaque, const TraceEvent *ev)
{
    Replay *rp = opaque;
    if (rp->diverged)
        return;
    TraceEvent want;
    int rc = trace_read_next(rp->r, &want, &rp->err);
    if (rc == 1 && trace_event_equal(&want, ev)) {
        rp->matched++;           /* context is re-read from the file if it is needed */
        return;
    }
    if (rc == 1) {
        /* Equal but for the time or pc? With --ignore, a match; otherwise said so. */
        TraceEvent moved = want;
        moved.vtime = ev->vtime;
        moved.pc = ev->pc;
        if (trace_event_equal(&moved, ev)) {
            bool t = want.vtime != ev->vtime, p = want.pc != ev->pc;
            int64_t d = (int64_t)(ev->vtime - want.vtime);
            if ((!t || rp->ignore_time) && (!p || rp->ignore_pc)) {
                if (t) {
                    rp->shift_lo = rp->shifted && rp->shift_lo < d ? rp->shift_lo : d;
                    rp->shift_hi = rp->shifted && rp->shift_hi > d ? rp->shift_hi : d;
                }
                rp->shifted++;
                rp->matched++;
                return;
            }
            rp->time_only = t && !p;
            rp->shift = d;
        }
    }
    rp->diverged = true;
    if (rc == 1) {
        trace_event_format(&want, rp->want, sizeof rp->want);
        replay_name(rp, &want, ev);
    }
    else if (rc == 0)
        snprintf(rp->want, sizeof rp->want, "(end of the recording)");
    else
        snprintf(rp->want, sizeof rp->want, "(unreadable: %s)", rp->err.msg);
    trace_event_format(ev, rp->got, sizeof rp->got);
    if (!rp->align)
        machine_abort(rp->m);
}

static void replay_report(const Replay *rp, const char *path)
{
    fprintf(stderr, "ringside replay: %s: diverged at event %llu\n", path,
            (unsigned long long)rp->matched);
    /* The events before the divergence, read again from the recording. */
    uint64_t first = rp->matched > REPLAY_CONTEXT ? rp->matched - REPLAY_CONTEXT : 0;
    Err err;
    TraceReader *r = trace_reader_open(path, &err);
    TraceEvent ev;
    for (uint64_t i = 0; r && i < rp->matched && trace_read_next(r, &ev, &err) == 1; i++) {
        if (i >= first) {
            char line[320];
            trace_event_format(&ev, line, sizeof line);
            fprintf(stderr, "    #%-8llu %s\n", (unsigned long long)i, line);
        }
    }
    trace_reader_close(r);
    fprintf(stderr, "  expected #%-8llu %s\n", (unsigned long long)rp->matched, rp->want);
    fprintf(stderr, "  got      #%-8llu %s\n", (unsigned long long)rp->matched, rp->got);
    if (rp->time_only)
        fprintf(stderr, "  same event, time %+lld (replay --ignore time goes on past such a shift)\n",
                (long long)rp->shift);
    if (rp->named[0])
        fprintf(stderr, "  = %s\n", rp->named);
}

/* "--ignore time,pc": what a replay leaves out of its comparison; -1 for anything else. */
static int replay_ignore(Replay *rp, const char *list)
{
    char buf[64];
    if (strlen(list) >= sizeof buf)
        return -1;
    strcpy(buf, list);
    for (char *save = NULL, *k = strtok_r(buf, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
        if (strcmp(k, "time") == 0)
            rp->ignore_time = true;
        else if (strcmp(k, "pc") == 0)
            rp->ignore_pc = true;
        else
            return -1;
    }
    return rp->ignore_time || rp->ignore_pc ? 0 : -1;
}

/* Ctrl-C ends the run cleanly: the trace is closed with its end record. While a
 * debugger runs the machine, it stops the run at the prompt instead. */
static Machine *volatile running_machine;
static volatile sig_atomic_t debugging, debug_interrupt;

static void on_stop_signal(int sig)
{
    if (!running_machine)
        return;
    if (debugging && sig == SIGINT) {
        debug_interrupt = 1;
        machine_pause(running_machine);
    } else {
        machine_interrupt(running_machine);
    }
}

static bool poll_interrupt(void *ctx)
{
    (void)ctx;
    if (!debug_interrupt)
        return false;
    debug_interrupt = 0;
    return true;
}

/* The window (--display sdl), driven by --monitor-script's commands or by its keys;
 * --screenshot when the session ends. MON_QUIT, MON_DETACH, or MON_ERROR (printed). */
static int run_window(const DebugOpts *o, Debugger *d, bool replay)
{
    Err err;
    FILE *in = NULL;
    if (o->script && !(in = strcmp(o->script, "-") == 0 ? stdin : fopen(o->script, "r"))) {
        fprintf(stderr, "ringside: --monitor-script %s: %s\n", o->script, strerror(errno));
        return MON_ERROR;
    }
    Monitor *mon = monitor_create(d, stdout, false);
    Window *w = mon ? window_open(d, mon, replay, &err) : NULL;
    int r = MON_ERROR;
    if (!w) {
        fprintf(stderr, "ringside: %s\n", mon ? err.msg : "out of memory");
    } else {
        if (o->stop_at)
            dbg_print_stop(d, dbg_run_to(d, o->stop_at), stdout);
        r = window_run(w, in, !o->script);
        if (o->screenshot && window_screenshot(w, o->screenshot, &err) != 0) {
            fprintf(stderr, "ringside: --screenshot %s\n", err.msg);
            r = MON_ERROR;
        }
    }
    window_close(w);
    monitor_destroy(mon);
    if (in && in != stdin)
        fclose(in);
    return r;
}

/* A run under the debugger (--monitor, --monitor-script, --gdb, --break-on,
 * --stop-at, --display sdl). Returns the machine's final reason, STOP_PAUSED when
 * --break-on or --stop-at left it stopped (printed), or STOP_NONE on a setup error
 * (printed). */
static StopReason run_debugged(const RunOpts *ro, Machine *m, bool replay)
{
    const DebugOpts *o = &ro->dbg;
    Err err;
    Debugger *d = debugger_create(m, &err);
    if (!d) {
        fprintf(stderr, "ringside: %s\n", err.msg);
        return STOP_NONE;
    }
    dbg_set_snapshot_every(d, o->snapshot_every);
    char cfg[2048];
    run_opts_config_lines(ro, cfg, sizeof cfg);
    if (dbg_set_config(d, cfg) != 0) {
        fprintf(stderr, "ringside: out of memory\n");
        debugger_destroy(d);
        return STOP_NONE;
    }
    StopReason why = STOP_NONE;
    for (unsigned i = 0; i < o->n_break_on; i++) {
        if (dbg_break_on(d, o->break_on[i], false, &err) < 0) {
            fprintf(stderr, "ringside: --break-on %s: %s\n", o->break_on[i], err.msg);
            goto out;
        }
    }
    dbg_set_poll(d, poll_interrupt, NULL);
    debugging = 1;
    if (o->gdb) {
        GdbStub *g = gdbstub_open(d, o->gdb, &err);
        if (!g) {
            fprintf(stderr, "ringside: --gdb %s: %s\n", o->gdb, err.msg);
            goto out;
        }
        dbg_keep_history(d, true);
        int r = gdbstub_serve(g, o->gdb_wait, &err);
        gdbstub_close(g);
        if (r < 0)
            fprintf(stderr, "ringside: --gdb %s: %s; the run goes on\n", o->gdb, err.msg);
        if (r == 1)
            machine_interrupt(m);        /* gdb's kill */
    } else if (o->display_sdl) {
        int r = run_window(o, d, replay);
        if (r == MON_ERROR)
            goto out;
        if (r == MON_QUIT)
            machine_interrupt(m);
    } else if (o->monitor || o->script) {
        FILE *in = NULL;
        if (o->script && !(in = strcmp(o->script, "-") == 0 ? stdin : fopen(o->script, "r"))) {
            fprintf(stderr, "ringside: --monitor-script %s: %s\n", o->script, strerror(errno));
            goto out;
        }
        Monitor *mon = monitor_create(d, stdout, false);
        if (!mon) {
            fprintf(stderr, "ringside: out of memory\n");
            if (in && in != stdin)
                fclose(in);
            goto out;
        }
        dbg_keep_history(d, true);
        if (o->stop_at)
            dbg_print_stop(d, dbg_run_to(d, o->stop_at), stdout);
        int r = in ? monitor_run(mon, in, true, false) : monitor_interactive(mon);
        if (in && in != stdin)
            fclose(in);
        monitor_destroy(mon);
        if (r == MON_QUIT)
            machine_interrupt(m);
    } else {
        /* --break-on / --stop-at alone: a CI check. Stop, say where, exit 127. */
        const DbgStop *s = o->stop_at ? dbg_run_to(d, o->stop_at) : dbg_continue(d);
        if (s->kind != DBG_STOP_END) {
            fflush(stdout);
            fprintf(stderr, "ringside: ");
            dbg_print_stop(d, s, stderr);
            why = STOP_PAUSED;
            goto out;
        }
    }
    /* Whatever is left of the run goes on undisturbed. */
    debugging = 0;
    dbg_delete(d, 0);
    dbg_keep_history(d, false);
    why = machine_run(m);
out:
    debugging = 0;
    debugger_destroy(d);
    return why;
}

/* ---- the driver checker's reports (check/check.h) ---- */

/* The first violation of each rule, on the console: the rule, its clause, the guest
 * instruction and the values; every violation is in the trace. */
static void report_violation(void *ctx, const CheckViolation *v)
{
    (void)ctx;
    if (v->count != 1)
        return;
    const CheckRule *r = check_rule(v->rule);
    fflush(stdout);
    fprintf(stderr, "ringside: driver violation: %s (virtio 1.2 §%s): %s\n"
                    "    at pc 0x%llx (%s), virtual time %llu, %s: %s\n",
            r->id, r->clause, r->text, (unsigned long long)v->pc, v->sym ? v->sym : "?",
            (unsigned long long)v->vtime, v->dev, v->values);
}

/* At the end: how many of which rules, when any. */
static void report_check_summary(const Checker *c, bool stopped)
{
    if (!c || !check_total(c))
        return;
    unsigned rules = 0;
    for (unsigned i = 0; i < CHECK_NRULES; i++)
        rules += check_count(c, (CheckRuleId)i) != 0;
    fprintf(stderr, "ringside: driver checker: %u violation%s of %u rule%s:", check_total(c),
            check_total(c) == 1 ? "" : "s", rules, rules == 1 ? "" : "s");
    for (unsigned i = 0; i < CHECK_NRULES; i++)
        if (check_count(c, (CheckRuleId)i))
            fprintf(stderr, " %s (%u)", check_rule((CheckRuleId)i)->id, check_count(c, (CheckRuleId)i));
    fprintf(stderr, "%s; docs/conformance.md explains each rule\n",
            stopped ? "; the run was stopped at the first (--check-driver=error)" : "");
}

/* --from-snapshot: the machine goes on from the file's moment (it was started there, so
 * no run_start, and the driver checker, which did not see the set-up, stays off). */
static int load_snapshot(const RunOpts *ro, Machine *m, Err *err)
{
    char cfg[2048];
    run_opts_config_lines(ro, cfg, sizeof cfg);
    SnapReg r;
    snap_reg_init(&r, &m->events);
    machine_snap_register(m, &r);
    int rc = snap_file_load(m, &r, cfg, ro->from_snapshot, err);
    snap_reg_free(&r);
    return rc;
}

/* Runs the machine configured by ro. With rp, compares the run against a recording;
 * with ro->trace_path, records. argc/argv are the command line kept in the header. */
static int execute(RunOpts *ro, Replay *rp, int argc, char **argv)
{
    Err err = { "" };
    TraceWriter *tw = NULL;
    if (ro->dbg.screenshot && !ro->dbg.display_sdl) {
        fprintf(stderr, "ringside: --screenshot saves the window: it needs --display sdl\n");
        return EXIT_USAGE;
    }
    if (ro->trace_path) {
        /* The whole configuration, however long (the header takes up to 16 MiB). */
        size_t cfg_len = run_opts_config_lines(ro, NULL, 0) + 1;
        char *cfg = malloc(cfg_len);
        if (!cfg) {
            fprintf(stderr, "ringside: out of memory\n");
            return EXIT_SETUP;
        }
        run_opts_config_lines(ro, cfg, cfg_len);
        TraceHeader h = { .config = cfg, .argc = argc, .argv = (const char *const *)argv };
        if (sha256_file(ro->mc.fw_path, h.fw_sha256, &err) != 0) {
            fprintf(stderr, "ringside: firmware %s\n", err.msg);
            free(cfg);
            return EXIT_SETUP;
        }
        tw = trace_open_compressed(ro->trace_path, &h, ro->trace_compress, &err);
        free(cfg);
        if (!tw) {
            fprintf(stderr, "ringside: --trace %s\n", err.msg);
            return EXIT_TRACE;
        }
    }
    ro->mc.trace = tw;
    Machine *m = machine_create(&ro->mc, &err);
    if (!m) {
        fprintf(stderr, "ringside: %s\n", err.msg);
        trace_close(tw, &err);
        return EXIT_SETUP;
    }
    if (rp) {
        /* The comparison observes every event, as the recording's writer did. */
        rp->m = m;
        machine_replay_writes(m, rp->writes, rp->nwrites);
        if (tracer_observe(&m->tracer, replay_observe, rp, NULL) != 0) {
            fprintf(stderr, "ringside replay: cannot observe the run\n");
            machine_destroy(m);
            return EXIT_SETUP;
        }
        tracer_set_recording(&m->tracer, replay_observe, rp);   /* compared once, however travelled */
    }
    if (ro->from_snapshot && load_snapshot(ro, m, &err) != 0) {
        fprintf(stderr, "ringside: --from-snapshot %s\n", err.msg);
        machine_destroy(m);
        trace_close(tw, &err);
        return EXIT_SETUP;
    }
    if (ro->dump_dtb && write_file(ro->dump_dtb, m->dtb, m->dtb_size, &err) != 0) {
        fprintf(stderr, "ringside: --dump-dtb %s\n", err.msg);
        machine_destroy(m);
        trace_close(tw, &err);
        return EXIT_SETUP;
    }
    if (m->check && !rp)
        check_set_report(m->check, report_violation, NULL);
    running_machine = m;
    struct sigaction sa = { .sa_handler = on_stop_signal };
    sigemptyset(&sa.sa_mask);
    struct sigaction old_int, old_term;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    StopReason why = run_opts_debugging(&ro->dbg) ? run_debugged(ro, m, rp != NULL) : machine_run(m);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    running_machine = NULL;
    fflush(stdout);
    int rc;
    switch (why) {
    case STOP_POWEROFF:
        rc = m->exit_code;
        if (rc > 255) {
            fprintf(stderr, "ringside: guest powered off with code %d, reported as 255\n", rc);
            rc = 255;
        }
        break;
    case STOP_MAX_INSNS:
        fprintf(stderr, "ringside: stopped after %llu instructions (--max-insns) at pc 0x%llx\n",
                (unsigned long long)cpu_instret(m->cpu), (unsigned long long)cpu_get_pc(m->cpu));
        rc = EXIT_MAX_INSNS;
        break;
    case STOP_IDLE:
        fprintf(stderr, "ringside: the guest waits for an interrupt (wfi at pc 0x%llx) but nothing is "
                        "scheduled to raise one; stopping\n", (unsigned long long)cpu_get_pc(m->cpu));
        rc = EXIT_IDLE;
        break;
    case STOP_RESET:
        fprintf(stderr, "ringside: the guest requested a reset; stopping\n");
        rc = EXIT_RESET;
        break;
    case STOP_INTERRUPTED:
        fprintf(stderr, "ringside: interrupted after %llu instructions at pc 0x%llx%s\n",
                (unsigned long long)cpu_instret(m->cpu), (unsigned long long)cpu_get_pc(m->cpu),
                tw && !rp ? "; the trace is complete up to here" : "");
        rc = EXIT_INTERRUPTED;
        break;
    case STOP_ABORTED:
        rc = rp && rp->diverged ? EXIT_DIVERGED : EXIT_TRACE;
        break;
    case STOP_PAUSED:
        rc = EXIT_STOPPED;               /* run_debugged said where */
        break;
    case STOP_VIOLATION:
        rc = EXIT_VIOLATION;             /* the report said which rule */
        break;
    case STOP_NONE:
        rc = EXIT_USAGE;                 /* run_debugged said why */
        break;
    default:
        rc = EXIT_SETUP;
        break;
    }
    if (ro->stats)
    {
        fprintf(stderr, "ringside: executed %llu instructions, virtual clock %llu",
                (unsigned long long)cpu_instret(m->cpu), (unsigned long long)cpu_vclock(m->cpu));
        if (tw)
            fprintf(stderr, ", %llu trace events", (unsigned long long)trace_count(tw));
        fputc('\n', stderr);
    }
    if (!rp)
        report_check_summary(m->check, why == STOP_VIOLATION);
    if (machine_finish(m, &err) != 0) {
        fprintf(stderr, "ringside: %s\n", err.msg);
        if (rc == 0)
            rc = EXIT_SETUP;
    }
    if (tw && trace_error(tw) && !(rp && rp->diverged)) {
        fprintf(stderr, "ringside: trace %s: %s; the file holds the events before it\n",
                ro->trace_path ? ro->trace_path : "", trace_error(tw));
        rc = EXIT_TRACE;
    }
    if (tw && trace_close(tw, &err) != 0 && rc != EXIT_TRACE && !(rp && rp->diverged)) {
        fprintf(stderr, "ringside: trace %s: %s\n", ro->trace_path ? ro->trace_path : "", err.msg);
        rc = EXIT_TRACE;
    }
    machine_destroy(m);
    return rc;
}

static int cmd_run(int argc, char **argv)
{
    RunOpts ro;
    Err err = { "" };
    int prc = parse_run(argc - 2, argv + 2, &ro, false);
    if (prc == OPTS_HELP) {
        usage(stdout);
        return 0;
    }
    if (prc != 0)
        return prc == -2 ? EXIT_SETUP : EXIT_USAGE;
    uint8_t *serial_buf = NULL;
    if (ro.serial_input_path) {
        if (read_file(ro.serial_input_path, &serial_buf, &ro.mc.serial_input_len, &err) != 0) {
            fprintf(stderr, "ringside: --serial-input %s\n", err.msg);
            return EXIT_SETUP;
        }
        ro.mc.serial_input = serial_buf;
    }
    char **kept = calloc((size_t)argc + 1, sizeof *kept);
    if (!kept) {
        free(serial_buf);
        return EXIT_SETUP;
    }
    int nk = run_opts_recorded_argv(argc, argv, kept);
    int rc = execute(&ro, NULL, nk, kept);
    free(kept);
    free(serial_buf);
    return rc;
}

/* The recorded console input, in order, and the network's recorded inputs (capture
 * frames, TFTP files): replay feeds them instead of the original files or terminal, so
 * a replay needs nothing but the trace and the firmware. */
static int recorded_input(const char *path, uint8_t **buf, size_t *len, NetRecorded *net, Replay *rp, Err *err)
{
    TraceReader *r = trace_reader_open(path, err);
    if (!r)
        return -1;
    TraceTypeSet inputs = { { 0 } };       /* what the loop below takes: the inputs, and */
    trace_types_add_family(&inputs, "input");
    trace_types_add(&inputs, TRACE_EV_peer_action);   /* a capture that failed (net_recorded_add) */
    trace_reader_only(r, &inputs);
    size_t cap = 0, n = 0;
    uint8_t *b = NULL;
    TraceEvent ev;
    int rc;
    while ((rc = trace_read_next(r, &ev, err)) == 1) {
        if (net_recorded_add(net, &ev, err) != 0 || keep_write(rp, &ev, err) != 0) {
            rc = -1;
            break;
        }
        if (ev.type != TRACE_EV_console_in || (ev.u.console_in.src && strcmp(ev.u.console_in.src, "window") == 0))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            uint8_t *nb = realloc(b, cap);
            if (!nb) {
                free(b);
                trace_reader_close(r);
                return err_set(err, "out of memory");
            }
            b = nb;
        }
        b[n++] = ev.u.console_in.byte;
    }
    trace_reader_close(r);
    if (rc < 0) {
        free(b);
        return -1;
    }
    *buf = b;
    *len = n;
    return 0;
}

/* The firmware a replay runs: --fw FILE given to replay, which must be the recorded one
 * (its SHA-256 is in the header); else the recorded path; else, when that is missing or
 * another file (a relative --fw recorded in another directory), the file of the same
 * name beside the trace if it is the recorded one. buf holds that path. */
static int replay_firmware(RunOpts *ro, const char *fw, const char *trace, const uint8_t want[32],
                           char *buf, size_t cap)
{
    uint8_t sha[32];
    Err err;
    if (fw) {
        if (sha256_file(fw, sha, &err) != 0) {
            fprintf(stderr, "ringside replay: --fw %s\n", err.msg);
            return -1;
        }
        if (memcmp(sha, want, 32) != 0) {
            fprintf(stderr, "ringside replay: --fw %s is not the firmware the trace recorded "
                            "(its SHA-256 differs; `ringside-trace info` shows the recorded one)\n", fw);
            return -1;
        }
        ro->mc.fw_path = fw;
        return 0;
    }
    bool same = sha256_file(ro->mc.fw_path, sha, &err) == 0 && memcmp(sha, want, 32) == 0;
    if (same)
        return 0;
    const char *base = strrchr(ro->mc.fw_path, '/');
    const char *slash = strrchr(trace, '/');
    base = base ? base + 1 : ro->mc.fw_path;
    if (snprintf(buf, cap, "%.*s%s", slash ? (int)(slash - trace + 1) : 0, trace, base) < (int)cap &&
        strcmp(buf, ro->mc.fw_path) != 0 && sha256_file(buf, sha, &err) == 0 && memcmp(sha, want, 32) == 0) {
        fprintf(stderr, "ringside replay: note: firmware %s is %s; using %s beside the trace, the recorded "
                        "one by its SHA-256\n", ro->mc.fw_path,
                access(ro->mc.fw_path, R_OK) == 0 ? "another file" : "not there", buf);
        ro->mc.fw_path = buf;
        return 0;
    }
    if (access(ro->mc.fw_path, R_OK) != 0) {
        fprintf(stderr, "ringside replay: the recorded firmware %s is not there, nor (as the recorded "
                        "one) beside the trace; give it with replay --fw FILE\n", ro->mc.fw_path);
        return -1;
    }
    fprintf(stderr, "ringside replay: note: %s differs from the recorded firmware (SHA-256)\n", ro->mc.fw_path);
    return 0;
}

static int cmd_replay(int argc, char **argv)
{
    bool show_console = false, align = false;
    const char *path = NULL, *ignore = NULL, *fw = NULL;
    char run_trace[64] = "";
    static char fw_beside[4096];
    char **dargv = calloc((size_t)argc + 1, sizeof *dargv);
    int dargc = 0;
    if (!dargv)
        return EXIT_SETUP;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("Usage: ringside replay [--console] [--fw FILE] [--ignore time[,pc]] [--align] [DEBUG OPTION]... TRACE\n\n"
                   "Re-runs the configuration recorded in TRACE (firmware, options, and the inputs\n"
                   "recorded in it: console input, --net pcap: frames, --tftp files, debugger\n"
                   "writes, so neither the capture nor the directory is read) and compares every\n"
                   "event with the recording. Exit 0 and a one-line summary on a match; %d and the\n"
                   "first divergent event beside the expected one otherwise. The debugger's\n"
                   "options debug the recorded run (docs/debugging.md).\n\n"
                   "  --console                  show the guest's console output (hidden by default)\n"
                   "  --fw FILE                  the firmware to run, which must be the recorded one (by\n"
                   "                             SHA-256); without it, the recorded path, or the file of\n"
                   "                             that name beside the trace if it is the recorded one\n"
                   "  --ignore time[,pc]         an event equal but for its time (or pc) matches; the\n"
                   "                             summary counts them (without it, such a divergence\n"
                   "                             is reported as \"same event, time +N\")\n"
                   "  --align                    go on past a divergence: run to the end, then match the\n"
                   "                             run's events with the recording's and report every real\n"
                   "                             difference with a summary (ringside-trace diff --align's\n"
                   "                             alignment; needs ringside-trace beside ringside)\n",
                   EXIT_DIVERGED);
            run_opts_help(stdout, true);
            free(dargv);
            return 0;
        }
        int arity = argv[i][0] == '-' ? run_opts_arity(argv[i]) : -1;
        if (strcmp(argv[i], "--console") == 0) {
            show_console = true;
        } else if (strcmp(argv[i], "--ignore") == 0 && i + 1 < argc) {
            ignore = argv[++i];
        } else if (strncmp(argv[i], "--ignore=", 9) == 0) {
            ignore = argv[i] + 9;
        } else if (strcmp(argv[i], "--fw") == 0 && i + 1 < argc) {
            fw = argv[++i];
        } else if (strcmp(argv[i], "--align") == 0) {
            align = true;
        } else if (arity >= 0 && i + arity < argc) {
            dargv[dargc++] = argv[i];
            if (arity)
                dargv[dargc++] = argv[++i];
        } else if (argv[i][0] == '-' || path) {
            fprintf(stderr, "Usage: ringside replay [--console] [--fw FILE] [--ignore time[,pc]] [--align] [DEBUG OPTION]... TRACE (try 'ringside replay --help')\n");
            free(dargv);
            return EXIT_USAGE;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        fprintf(stderr, "Usage: ringside replay [--console] [--fw FILE] [--ignore time[,pc]] [--align] [DEBUG OPTION]... TRACE (try 'ringside replay --help')\n");
        free(dargv);
        return EXIT_USAGE;
    }
    Err err = { "" };
    RunOpts dbgro;
    memset(&dbgro, 0, sizeof dbgro);
    int drc = run_opts_parse_debug(dargc, dargv, &dbgro, &err);
    free(dargv);
    if (drc != OPTS_OK) {
        fprintf(stderr, "ringside replay: %s\n", drc < 0 ? err.msg : "--help comes alone");
        return EXIT_USAGE;
    }
    Replay rp;
    memset(&rp, 0, sizeof rp);
    if (ignore && replay_ignore(&rp, ignore) != 0) {
        fprintf(stderr, "ringside replay: --ignore %s: replay can leave out time and pc (e.g. --ignore time,pc)\n", ignore);
        return EXIT_USAGE;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "ringside replay: %s is a directory; replay takes a trace file, "
                        "as `ringside run --trace FILE` writes it\n", path);
        return EXIT_SETUP;
    }
    rp.r = trace_reader_open(path, &err);
    if (!rp.r) {
        fprintf(stderr, "ringside replay: %s\n", err.msg);
        return EXIT_SETUP;
    }
    const TraceHeader *h = trace_reader_header(rp.r);
    if (h->argc < 2 || strcmp(h->argv[1], "run") != 0) {
        fprintf(stderr, "ringside replay: %s: the header holds no `ringside run` command line\n", path);
        trace_reader_close(rp.r);
        return EXIT_SETUP;
    }
    /* A string that holds a NUL cannot have come from a real command line or from the
     * writer: a forged header, refused rather than cut at the NUL (the reader keeps the
     * bytes whole so that this can be seen). */
    for (int i = 0; i < h->argc; i++) {
        if (strlen(h->argv[i]) != h->argv_len[i]) {
            fprintf(stderr, "ringside replay: %s: argument %d holds a NUL byte in the trace's recorded command line\n",
                    path, i);
            trace_reader_close(rp.r);
            return EXIT_SETUP;
        }
    }
    if (h->config && strlen(h->config) != h->config_len) {
        fprintf(stderr, "ringside replay: %s: the trace's recorded configuration holds a NUL byte\n", path);
        trace_reader_close(rp.r);
        return EXIT_SETUP;
    }
    /* The recorded command line, minus what only mattered to the recording. */
    char **args = calloc((size_t)h->argc + 1, sizeof *args);
    if (!args) {
        trace_reader_close(rp.r);
        return EXIT_SETUP;
    }
    for (int i = 0; i < h->argc; i++)
        args[i] = (char *)h->argv[i];
    RunOpts ro;
    FILE *devnull = NULL;
    NetRecorded *net = NULL;
    uint8_t *serial_buf = NULL;
    int rc = EXIT_SETUP;
    if (parse_run(h->argc - 2, args + 2, &ro, true) != OPTS_OK)
        goto out;
    run_opts_for_replay(&ro);
    ro.dbg = dbgro.dbg;
    if (align) {
        /* The run is recorded too, for the alignment after it. */
        const char *tmp = getenv("TMPDIR");
        snprintf(run_trace, sizeof run_trace, "%s/ringside-replay.XXXXXX",
                 tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
        int fd = mkstemp(run_trace);
        if (fd < 0) {
            fprintf(stderr, "ringside replay: --align: cannot make a scratch trace in %s: %s\n",
                    tmp && *tmp ? tmp : "/tmp", strerror(errno));
            run_trace[0] = 0;
            goto out;
        }
        close(fd);
        ro.trace_path = run_trace;
        rp.align = true;
    }
    /* A recording older than the driver checker ran without it. */
    if (!h->config || !(strncmp(h->config, "check_driver=", 13) == 0 || strstr(h->config, "\ncheck_driver=")))
        ro.mc.check_driver = CHECK_OFF;
    if (!show_console && !(devnull = fopen("/dev/null", "w"))) {
        fprintf(stderr, "ringside replay: /dev/null: %s\n", strerror(errno));
        goto out;
    }
    if (devnull)
        ro.mc.console = devnull;
    if (!(net = net_recorded_new()) ||
        recorded_input(path, &serial_buf, &ro.mc.serial_input_len, net, &rp, &err) != 0) {
        fprintf(stderr, "ringside replay: %s\n", net ? err.msg : "out of memory");
        goto out;
    }
    ro.mc.serial_input = serial_buf;
    ro.mc.net_recorded = net;
    if (replay_firmware(&ro, fw, path, h->fw_sha256, fw_beside, sizeof fw_beside) != 0)
        goto out;
    rc = execute(&ro, &rp, h->argc, args);
    bool partial = rc == EXIT_STOPPED || rc == EXIT_INTERRUPTED || rc == EXIT_USAGE;   /* not run to its end */
    if (rc != EXIT_DIVERGED && rc != EXIT_SETUP && rc != EXIT_TRACE && !partial && !rp.diverged) {
        TraceEvent ev;
        int more = trace_read_next(rp.r, &ev, &err);
        if (more != 0) {
            rp.diverged = true;
            if (more == 1)
                trace_event_format(&ev, rp.want, sizeof rp.want);
            else
                snprintf(rp.want, sizeof rp.want, "(unreadable: %s)", err.msg);
            snprintf(rp.got, sizeof rp.got, "(the run ended)");
        }
    }
    if (rp.diverged && align && rc != EXIT_SETUP && rc != EXIT_TRACE) {
        fprintf(stderr, "ringside replay: %s: diverged at event %llu; the run went on to its end, "
                        "and every difference is:\n", path, (unsigned long long)rp.matched);
        int d = replay_align_report(path, run_trace, ignore, &err);
        if (d < 0) {
            fprintf(stderr, "ringside replay: --align: %s; the first divergence:\n", err.msg);
            replay_report(&rp, path);
        }
        rc = EXIT_DIVERGED;
    } else if (rp.diverged) {
        replay_report(&rp, path);
        rc = EXIT_DIVERGED;
    } else if (rc == EXIT_STOPPED) {
        printf("ringside replay: %s: stopped; the %llu events up to here match\n", path, (unsigned long long)rp.matched);
    } else if (rc != EXIT_SETUP && rc != EXIT_TRACE && !partial) {
        printf("ringside replay: %s: %llu events match (guest exit %d)\n", path,
               (unsigned long long)rp.matched, rc);
        if (rp.shifted)
            printf("ringside replay: %llu of them only with --ignore %s (time %+lld to %+lld)\n",
                   (unsigned long long)rp.shifted, rp.ignore_time && rp.ignore_pc ? "time,pc" :
                   rp.ignore_time ? "time" : "pc", (long long)rp.shift_lo, (long long)rp.shift_hi);
        rc = 0;
    }
out:
    if (run_trace[0])
        unlink(run_trace);
    if (devnull)
        fclose(devnull);
    free(serial_buf);
    free_writes(&rp);
    net_recorded_free(net);
    free(args);
    trace_reader_close(rp.r);
    return rc;
}

int main(int argc, char **argv)
{
    /* A trace (or console) written into a pipe whose reader went away must become a
     * clear write error, reported with what was kept, not a silent death. */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("ringside %s\n", RINGSIDE_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "run") == 0)
        return cmd_run(argc, argv);
    if (strcmp(argv[1], "replay") == 0)
        return cmd_replay(argc, argv);
    fprintf(stderr, "ringside: unknown command '%s' (try 'ringside --help')\n", argv[1]);
    return EXIT_USAGE;
}
