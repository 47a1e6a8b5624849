/* The command line: `ringside run|--help|--version`. Options live in one table that
 * also produces the help text. Only this file prints errors and chooses exit codes. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "machine.h"
#include "net/recorded.h"
#include "trace/sha256.h"

/* Exit statuses of the simulator itself; anything else is the guest's poweroff code. */
enum {
    EXIT_USAGE = 120,        /* bad command line */
    EXIT_SETUP = 121,        /* bad input: firmware, files, configuration */
    EXIT_MAX_INSNS = 124,    /* --max-insns ran out */
    EXIT_IDLE = 125,         /* the guest waits for an interrupt that can never come */
    EXIT_RESET = 126,        /* the guest asked for a reset */
    EXIT_TRACE = 122,        /* the trace could not be written */
    EXIT_DIVERGED = 123,     /* replay: the run differs from the recording */
    EXIT_INTERRUPTED = 130,  /* stopped by SIGINT/SIGTERM (128 + SIGINT, as shells report) */
};

typedef struct RunOpts {
    MachineConfig mc;
    const char *dump_dtb;
    bool stats;
    const char *serial_input_path;
    uint8_t *serial_buf;
    const char *trace_path;
} RunOpts;

typedef enum { ARG_NONE, ARG_STR, ARG_U64 } ArgKind;

typedef struct OptDesc {
    const char *name;        /* long name, as typed */
    const char *alias;       /* a second spelling, or NULL */
    ArgKind kind;
    const char *metavar;
    const char *help;
    int id;
} OptDesc;

/* The accepted range of numeric options (those not listed take any number), checked
 * before the option's case runs; pow2 also asks for a power of two. */
typedef struct OptRange {
    int id;
    uint64_t min, max;
    bool pow2;
    const char *why;
} OptRange;

enum { O_FW, O_MEM, O_APPEND, O_SERIAL, O_MAX_INSNS, O_DUMP_DTB, O_STRICT, O_TICK, O_TESTDEV, O_STATS,
       O_TRACE, O_NET, O_VIRTIO, O_NET_FEATURES, O_NET_SLOT, O_NET_PAIRS, O_QUEUE_SIZE, O_TFTP, O_BOOTFILE,
       O_PCAP, O_LINK, O_LINK_TOGGLE, O_SERIAL_PROMPT,
       O_VIRTIO_FAULT };

static const OptDesc run_opts[] = {
    { "--fw", NULL, ARG_STR, "FILE", "firmware: an RV64 ELF executable, or a raw image loaded at 0x80000000 (default: the bundled firmware)", O_FW },
    { "-m", "--memory", ARG_U64, "MiB", "guest RAM size in MiB (default 128)", O_MEM },
    { "-append", "--append", ARG_STR, "ARGS", "kernel command line, passed in /chosen/bootargs (e.g. \"scenario=pci\")", O_APPEND },
    { "--serial-input", NULL, ARG_STR, "FILE", "bytes typed into the UART, one whenever the guest has taken the previous one ('-' = stdin until EOF)", O_SERIAL },
    { "--serial-prompt", NULL, ARG_STR, "TEXT", "type each --serial-input line after the first only once the guest has printed TEXT (e.g. \"=> \" for U-Boot)", O_SERIAL_PROMPT },
    { "--max-insns", NULL, ARG_U64, "N", "stop after N executed instructions (exit status 124)", O_MAX_INSNS },
    { "--dump-dtb", NULL, ARG_STR, "FILE", "write the device tree blob the guest receives to FILE, then run", O_DUMP_DTB },
    { "--strict", NULL, ARG_NONE, NULL, "unmapped loads and stores raise access faults instead of reading all-ones / being dropped", O_STRICT },
    { "--insns-per-tick", NULL, ARG_U64, "N", "virtual-clock units per 10 MHz mtime tick (default 10)", O_TICK },
    { "--pci-testdev", NULL, ARG_NONE, NULL, "attach the PCI test device (I/O, 32- and 64-bit BARs) in slot 2", O_TESTDEV },
    { "--stats", NULL, ARG_NONE, NULL, "print executed instructions and virtual time to stderr at the end", O_STATS },
    { "--trace", NULL, ARG_STR, "FILE", "record every device access, ring transition, trap and frame to FILE (docs/trace-format.md)", O_TRACE },
    { "--net", NULL, ARG_STR, "SPEC", "what the virtio-net device is connected to: peer (built-in host 10.0.2.2, default), pcap:FILE (feed a capture), none (no NIC)", O_NET },
    { "--virtio", NULL, ARG_STR, "MODE", "virtio-pci interface: transitional (default), legacy, modern", O_VIRTIO },
    { "--net-features", NULL, ARG_STR, "LIST", "switch offered features, e.g. -mrg_rxbuf,-mq,+csum", O_NET_FEATURES },
    { "--net-slot", NULL, ARG_U64, "N", "PCI slot of the virtio-net device (default 1)", O_NET_SLOT },
    { "--net-pairs", NULL, ARG_U64, "N", "max_virtqueue_pairs offered with MQ (default 4)", O_NET_PAIRS },
    { "--queue-size", NULL, ARG_U64, "N", "virtqueue size the device offers, a power of 2 (default 256; 8 or 16 make rings easy to follow)", O_QUEUE_SIZE },
    { "--tftp", NULL, ARG_STR, "DIR", "files the built-in peer serves over TFTP", O_TFTP },
    { "--bootfile", NULL, ARG_STR, "NAME", "boot file name the peer's DHCP server announces", O_BOOTFILE },
    { "--pcap", NULL, ARG_STR, "FILE", "write every frame, both ways, to FILE (pcapng, virtual-time stamps)", O_PCAP },
    { "--link", NULL, ARG_STR, "up|down", "initial link state (default up)", O_LINK },
    { "--link-toggle", NULL, ARG_STR, "T[,T...]", "flip the link state at these virtual times (instructions)", O_LINK_TOGGLE },
    { "--virtio-fault", NULL, ARG_STR, "KIND[@T]", "break the virtio-net device on purpose, to test drivers: refuse-features-ok, needs-reset@T (at virtual time T), bogus-used-id[@Q] (once, on queue Q, default 0), silent (never uses a buffer)", O_VIRTIO_FAULT },
};

static const OptRange opt_ranges[] = {
    { O_MEM, 1, 14336, false, "RAM from 0x80000000 ends below the PCI 64-bit window at 0x400000000" },
    { O_TICK, 1, 1000000, false, NULL },
    { O_NET_SLOT, 1, 31, false, "slot 0 is the host bridge" },
    { O_NET_PAIRS, 1, 256, false, NULL },
    { O_QUEUE_SIZE, 2, 32768, true, "virtio 1.2 section 2.7" },
};

static const OptRange *opt_range(int id)
{
    for (size_t i = 0; i < ARRAY_SIZE(opt_ranges); i++)
        if (opt_ranges[i].id == id)
            return &opt_ranges[i];
    return NULL;
}

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
    for (size_t i = 0; i < ARRAY_SIZE(run_opts); i++) {
        const OptDesc *o = &run_opts[i];
        char left[64];
        snprintf(left, sizeof left, "%s%s%s%s%s", o->name, o->alias ? ", " : "", o->alias ? o->alias : "",
                 o->metavar ? " " : "", o->metavar ? o->metavar : "");
        fprintf(f, "  %-26s %s\n", left, o->help);
    }
    fprintf(f,
            "\n"
            "Exit status: the guest's poweroff code (0 = success), or\n"
            "  %d  bad command line          %d  bad firmware or input file\n"
            "  %d  --max-insns reached       %d  guest idle with nothing scheduled\n"
            "  %d  trace write error         %d  replay diverged from the recording\n"
            "  %d  guest requested a reset   %d  interrupted (Ctrl-C; the trace is closed cleanly)\n",
            EXIT_USAGE, EXIT_SETUP, EXIT_MAX_INSNS, EXIT_IDLE, EXIT_TRACE, EXIT_DIVERGED, EXIT_RESET,
            EXIT_INTERRUPTED);
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || end == s || *end || strchr(s, '-') || isspace((unsigned char)*s))
        return -1;
    *v = x;
    return 0;
}

/* "T1,T2,..." strictly increasing numbers. */
static int parse_times(const char *s, uint64_t *out, unsigned max, unsigned *n)
{
    char buf[512];
    if (strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    *n = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        uint64_t v;
        if (*n == max || parse_u64(tok, &v) != 0 || (*n && v <= out[*n - 1]))
            return -1;
        out[(*n)++] = v;
    }
    return *n ? 0 : -1;
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

static int parse_run(int argc, char **argv, RunOpts *ro)
{
    memset(ro, 0, sizeof *ro);
    ro->mc.console = stdout;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        const OptDesc *o = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        }
        for (size_t k = 0; k < ARRAY_SIZE(run_opts) && !o; k++) {
            const OptDesc *d = &run_opts[k];
            const char *names[2] = { d->name, d->alias };
            for (int j = 0; j < 2 && !o; j++) {
                size_t l = names[j] ? strlen(names[j]) : 0;
                if (!l || strncmp(a, names[j], l) != 0)
                    continue;
                if (a[l] == 0)
                    o = d;
                else if (a[l] == '=' && d->kind != ARG_NONE) {
                    o = d;
                    val = a + l + 1;
                }
            }
        }
        if (!o) {
            fprintf(stderr, "ringside run: unknown option '%s' (try 'ringside run --help')\n", a);
            return -1;
        }
        if (o->kind != ARG_NONE && !val) {
            if (i + 1 >= argc) {
                fprintf(stderr, "ringside run: option '%s' needs %s\n", o->name, o->metavar);
                return -1;
            }
            val = argv[++i];
        }
        uint64_t num = 0;
        if (o->kind == ARG_U64 && parse_u64(val, &num) != 0) {
            fprintf(stderr, "ringside run: option '%s' needs a number, not '%s'\n", o->name, val);
            return -1;
        }
        const OptRange *rg = o->kind == ARG_U64 ? opt_range(o->id) : NULL;
        if (rg && (num < rg->min || num > rg->max || (rg->pow2 && (num & (num - 1))))) {
            fprintf(stderr, "ringside run: %s %s: must be %s%llu..%llu%s%s%s\n", o->name, val,
                    rg->pow2 ? "a power of 2 in " : "", (unsigned long long)rg->min, (unsigned long long)rg->max,
                    rg->why ? " (" : "", rg->why ? rg->why : "", rg->why ? ")" : "");
            return -1;
        }
        switch (o->id) {
        case O_FW: ro->mc.fw_path = val; break;
        case O_MEM: ro->mc.ram_mib = num; break;
        case O_APPEND: ro->mc.bootargs = val; break;
        case O_SERIAL: ro->serial_input_path = val; break;
        case O_SERIAL_PROMPT: ro->mc.serial_prompt = val; break;
        case O_MAX_INSNS: ro->mc.max_insns = num; break;
        case O_DUMP_DTB: ro->dump_dtb = val; break;
        case O_STRICT: ro->mc.strict = true; break;
        case O_TICK: ro->mc.insns_per_tick = (uint32_t)num; break;
        case O_TESTDEV: ro->mc.pci_testdev = true; break;
        case O_STATS: ro->stats = true; break;
        case O_TRACE: ro->trace_path = val; break;
        case O_NET: ro->mc.net_spec = val; break;
        case O_VIRTIO: ro->mc.virtio_mode = val; break;
        case O_NET_FEATURES: ro->mc.net_features = val; break;
        case O_NET_SLOT: ro->mc.net_slot = (unsigned)num; break;
        case O_NET_PAIRS: ro->mc.net_pairs = (unsigned)num; break;
        case O_QUEUE_SIZE: ro->mc.queue_size = (unsigned)num; break;
        case O_TFTP: ro->mc.tftp_dir = val; break;
        case O_BOOTFILE: ro->mc.bootfile = val; break;
        case O_PCAP: ro->mc.pcap_out = val; break;
        case O_VIRTIO_FAULT: ro->mc.virtio_fault = val; break;
        case O_LINK:
            if (strcmp(val, "up") != 0 && strcmp(val, "down") != 0) {
                fprintf(stderr, "ringside run: --link %s: expected up or down\n", val);
                return -1;
            }
            ro->mc.link_down = strcmp(val, "down") == 0;
            break;
        case O_LINK_TOGGLE:
            if (parse_times(val, ro->mc.link_toggle, ARRAY_SIZE(ro->mc.link_toggle), &ro->mc.n_link_toggle) != 0) {
                fprintf(stderr, "ringside run: --link-toggle %s: expected up to %zu increasing virtual times, "
                                "e.g. 5000000,9000000\n", val, ARRAY_SIZE(ro->mc.link_toggle));
                return -1;
            }
            break;
        }
    }
    if (!ro->mc.fw_path) {
        ro->mc.fw_path = default_firmware();
        if (access(ro->mc.fw_path, R_OK) != 0) {
            fprintf(stderr, "ringside run: the bundled firmware is not at %s (not installed, or moved): "
                            "give one with --fw FILE or RINGSIDE_FW=FILE\n", ro->mc.fw_path);
            return -2;
        }
    }
    return 0;
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
    char want[320], got[320];
    Err err;
} Replay;

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
    rp->diverged = true;
    if (rc == 1)
        trace_event_format(&want, rp->want, sizeof rp->want);
    else if (rc == 0)
        snprintf(rp->want, sizeof rp->want, "(end of the recording)");
    else
        snprintf(rp->want, sizeof rp->want, "(unreadable: %s)", rp->err.msg);
    trace_event_format(ev, rp->got, sizeof rp->got);
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
}

static const char *or_default(const char *s, const char *dflt) { return s && *s ? s : dflt; }

/* The machine configuration as "key=value" lines for the trace header, for people and
 * tools that read it; replay itself re-parses the recorded command line. */
static void config_lines(const MachineConfig *mc, char *buf, size_t n)
{
    snprintf(buf, n,
             "ringside=%s\nfw=%s\nram_mib=%llu\nbootargs=%s\ninsns_per_tick=%u\nstrict=%d\n"
             "max_insns=%llu\npci_testdev=%d\nnet=%s\nvirtio=%s\nnet_features=%s\nnet_slot=%u\n"
             "net_pairs=%u\nqueue_size=%u\nlink=%s\nlink_toggles=%u\nvirtio_fault=%s\n",
             RINGSIDE_VERSION, mc->fw_path, (unsigned long long)(mc->ram_mib ? mc->ram_mib : DEFAULT_RAM_MIB),
             mc->bootargs ? mc->bootargs : "",
             mc->insns_per_tick ? mc->insns_per_tick : DEFAULT_INSNS_PER_TICK, mc->strict,
             (unsigned long long)mc->max_insns, mc->pci_testdev, or_default(mc->net_spec, "peer"),
             or_default(mc->virtio_mode, "transitional"), or_default(mc->net_features, "default"),
             mc->net_slot ? mc->net_slot : 1, mc->net_pairs ? mc->net_pairs : 4,
             mc->queue_size ? mc->queue_size : 256, mc->link_down ? "down" : "up",
             mc->n_link_toggle, or_default(mc->virtio_fault, "none"));
}

/* Ctrl-C ends the run cleanly: the trace is closed with its end record. */
static Machine *volatile running_machine;

static void on_stop_signal(int sig)
{
    (void)sig;
    if (running_machine)
        machine_interrupt(running_machine);
}

/* Runs the machine configured by ro. With rp, compares the run against a recording;
 * with ro->trace_path, records. argc/argv are the command line kept in the header. */
static int execute(RunOpts *ro, Replay *rp, int argc, char **argv)
{
    Err err = { "" };
    TraceWriter *tw = NULL;
    if (ro->trace_path) {
        char cfg[2048];
        config_lines(&ro->mc, cfg, sizeof cfg);
        TraceHeader h = { .config = cfg, .argc = argc, .argv = (const char *const *)argv };
        if (sha256_file(ro->mc.fw_path, h.fw_sha256, &err) != 0) {
            fprintf(stderr, "ringside: firmware %s\n", err.msg);
            return EXIT_SETUP;
        }
        tw = trace_open(ro->trace_path, &h, &err);
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
        if (tracer_observe(&m->tracer, replay_observe, rp, NULL) != 0) {
            fprintf(stderr, "ringside replay: cannot observe the run\n");
            machine_destroy(m);
            return EXIT_SETUP;
        }
    }
    if (ro->dump_dtb && write_file(ro->dump_dtb, m->dtb, m->dtb_size, &err) != 0) {
        fprintf(stderr, "ringside: --dump-dtb %s\n", err.msg);
        machine_destroy(m);
        trace_close(tw, &err);
        return EXIT_SETUP;
    }
    running_machine = m;
    struct sigaction sa = { .sa_handler = on_stop_signal };
    sigemptyset(&sa.sa_mask);
    struct sigaction old_int, old_term;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    StopReason why = machine_run(m);
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
    int prc = parse_run(argc - 2, argv + 2, &ro);
    if (prc != 0)
        return prc == -2 ? EXIT_SETUP : EXIT_USAGE;
    if (ro.serial_input_path) {
        if (read_file(ro.serial_input_path, &ro.serial_buf, &ro.mc.serial_input_len, &err) != 0) {
            fprintf(stderr, "ringside: --serial-input %s\n", err.msg);
            return EXIT_SETUP;
        }
        ro.mc.serial_input = ro.serial_buf;
    }
    /* The header keeps the command line minus the names of output files, so that the
     * same run traced to two different files gives two identical files. (--pcap stays:
     * replaying a run rewrites its capture.) */
    char **kept = calloc((size_t)argc + 1, sizeof *kept);
    if (!kept) {
        free(ro.serial_buf);
        return EXIT_SETUP;
    }
    int nk = 0;
    for (int i = 0; i < argc; i++) {
        if (i >= 2 && (strcmp(argv[i], "--trace") == 0 || strcmp(argv[i], "--dump-dtb") == 0)) {
            i++;
            continue;
        }
        if (i >= 2 && (strncmp(argv[i], "--trace=", 8) == 0 || strncmp(argv[i], "--dump-dtb=", 11) == 0))
            continue;
        kept[nk++] = argv[i];
    }
    int rc = execute(&ro, NULL, nk, kept);
    free(kept);
    free(ro.serial_buf);
    return rc;
}

/* The recorded console input, in order, and the network's recorded inputs (capture
 * frames, TFTP files): replay feeds them instead of the original files or terminal, so
 * a replay needs nothing but the trace and the firmware. */
static int recorded_input(const char *path, uint8_t **buf, size_t *len, NetRecorded *net, Err *err)
{
    TraceReader *r = trace_reader_open(path, err);
    if (!r)
        return -1;
    size_t cap = 0, n = 0;
    uint8_t *b = NULL;
    TraceEvent ev;
    int rc;
    while ((rc = trace_read_next(r, &ev, err)) == 1) {
        if (net_recorded_add(net, &ev, err) != 0) {
            rc = -1;
            break;
        }
        if (ev.type != TRACE_EV_console_in)
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

static int cmd_replay(int argc, char **argv)
{
    bool show_console = false;
    const char *path = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("Usage: ringside replay [--console] TRACE\n\n"
                   "Re-runs the configuration recorded in TRACE (firmware, options, and the inputs\n"
                   "recorded in it: console input, --net pcap: frames, --tftp files, so neither\n"
                   "the capture nor the directory is read) and compares every event with the\n"
                   "recording. Exit 0 and a one-line summary on a match; %d and the first\n"
                   "divergent event beside the expected one otherwise.\n\n"
                   "  --console   show the guest's console output (hidden by default)\n", EXIT_DIVERGED);
            return 0;
        }
        if (strcmp(argv[i], "--console") == 0)
            show_console = true;
        else if (argv[i][0] == '-' || path) {
            fprintf(stderr, "Usage: ringside replay [--console] TRACE (try 'ringside replay --help')\n");
            return EXIT_USAGE;
        } else
            path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "Usage: ringside replay [--console] TRACE (try 'ringside replay --help')\n");
        return EXIT_USAGE;
    }
    Err err = { "" };
    Replay rp;
    memset(&rp, 0, sizeof rp);
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
    int rc = EXIT_SETUP;
    if (parse_run(h->argc - 2, args + 2, &ro) != 0)
        goto out;
    ro.trace_path = NULL;
    ro.dump_dtb = NULL;
    ro.mc.pcap_out = NULL;
    ro.serial_input_path = NULL;
    if (!show_console && !(devnull = fopen("/dev/null", "w"))) {
        fprintf(stderr, "ringside replay: /dev/null: %s\n", strerror(errno));
        goto out;
    }
    if (devnull)
        ro.mc.console = devnull;
    if (!(net = net_recorded_new()) ||
        recorded_input(path, &ro.serial_buf, &ro.mc.serial_input_len, net, &err) != 0) {
        fprintf(stderr, "ringside replay: %s\n", net ? err.msg : "out of memory");
        goto out;
    }
    ro.mc.serial_input = ro.serial_buf;
    ro.mc.net_recorded = net;
    uint8_t sha[32];
    if (sha256_file(ro.mc.fw_path, sha, &err) == 0 && memcmp(sha, h->fw_sha256, 32) != 0)
        fprintf(stderr, "ringside replay: note: %s differs from the recorded firmware (SHA-256)\n",
                ro.mc.fw_path);
    rc = execute(&ro, &rp, h->argc, args);
    if (rc != EXIT_DIVERGED && rc != EXIT_SETUP && rc != EXIT_TRACE && rc != EXIT_INTERRUPTED && !rp.diverged) {
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
    if (rp.diverged) {
        replay_report(&rp, path);
        rc = EXIT_DIVERGED;
    } else if (rc != EXIT_SETUP && rc != EXIT_TRACE && rc != EXIT_INTERRUPTED) {
        printf("ringside replay: %s: %llu events match (guest exit %d)\n", path,
               (unsigned long long)rp.matched, rc);
        rc = 0;
    }
out:
    if (devnull)
        fclose(devnull);
    free(ro.serial_buf);
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
