/* The options of `ringside run` (see options.h): one row per option, and the few
 * functions that read the table. Adding an option is adding a row (and the field it
 * sets, with its default in machine_config_default). */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "check/check.h"
#include "config.h"
#include "net/backend.h"
#include "suggest.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_pci.h"
#include "snap/travel.h"

/* ARG_OPT: a value only as --name=VALUE; --name alone hands the parser NULL. */
typedef enum { ARG_NONE, ARG_STR, ARG_U64, ARG_OPT } ArgKind;

enum {
    OPT_OUTPUT = 1,              /* names a file the run writes: not recorded; a replay writes none */
    OPT_RECORDED_INPUT = 2,      /* an input the trace records: a replay takes it from there */
    OPT_OBSERVER = 4,            /* observes the run (the debugger): not recorded; replay takes it */
    OPT_MACHINE = 8,             /* configures the machine: replay takes it from a trace */
    OPT_NIC = 16,                /* about the network device: an error with --net none */
    OPT_REPEAT = 32,             /* may be given more than once */
};

typedef struct OptDesc {
    const char *name;            /* long name, as typed */
    const char *alias;           /* a second spelling, or NULL */
    ArgKind kind;
    const char *metavar;
    const char *help;            /* without the default, which is appended */
    size_t off, size;            /* the RunOpts field it sets */
    uint64_t min, max;           /* ARG_U64: accepted range (max 0: any number) */
    bool pow2;                   /* ... and only powers of 2 */
    const char *why;             /* the range's reason, for the error */
    const char *key;             /* trace header key; NULL: not in the config lines */
    unsigned flags;
    const char *dflt;            /* help's default when the default value says nothing */
    /* Custom parser and header value (NULL: by kind). */
    int (*parse)(RunOpts *ro, const char *val, Err *err);
    void (*show)(const RunOpts *ro, char *buf, size_t n);
} OptDesc;

#define FIELD(f) offsetof(RunOpts, f), sizeof(((RunOpts *)0)->f)

static int parse_link(RunOpts *ro, const char *val, Err *err);
static void show_link(const RunOpts *ro, char *buf, size_t n);
static int parse_link_toggle(RunOpts *ro, const char *val, Err *err);
/* --virtio and --net-features are checked here, so that a bad value is a usage error
 * (exit 120) like any other bad option, not a set-up failure; the machine parses them
 * again when it builds the device. */
static int parse_virtio_mode(RunOpts *ro, const char *val, Err *err)
{
    VirtioPciMode mode;
    if (virtio_pci_parse_mode(val, &mode) != 0)
        return err_set(err, "--virtio %s: expected legacy, modern or transitional", val);
    ro->mc.virtio_mode = val;
    return 0;
}

static int parse_net_spec(RunOpts *ro, const char *val, Err *err)
{
    if (strcmp(val, "none") != 0 && net_backend_check_spec(val, err) != 0)
        return -1;
    ro->mc.net_spec = val;
    return 0;
}

static int parse_net_features(RunOpts *ro, const char *val, Err *err)
{
    uint64_t f = VIRTIO_NET_DEFAULT_FEATURES;
    if (virtio_net_parse_features(val, &f, err) != 0)
        return -1;
    ro->mc.net_features = val;
    return 0;
}

static int parse_check_driver(RunOpts *ro, const char *val, Err *err)
{
    CheckMode mode = CHECK_WARN;
    if (val && check_mode_parse(val, &mode) != 0)
        return err_set(err, "--check-driver=%s: expected warn, error or off", val);
    ro->mc.check_driver = mode;
    return 0;
}

static void show_check_driver(const RunOpts *ro, char *buf, size_t n)
{
    snprintf(buf, n, "%s", check_mode_name((CheckMode)ro->mc.check_driver));
}

static void show_link_toggle(const RunOpts *ro, char *buf, size_t n);
static int parse_trace_compress(RunOpts *ro, const char *val, Err *err)
{
    if (strcmp(val, "none") == 0)
        ro->trace_compress = TRACE_COMPRESS_NONE;
    else if (strcmp(val, "zstd") == 0)
        ro->trace_compress = TRACE_COMPRESS_ZSTD;
    else
        return err_set(err, "--trace-compress %s: expected none or zstd", val);
    return 0;
}
static int parse_break_on(RunOpts *ro, const char *val, Err *err);
static int parse_display(RunOpts *ro, const char *val, Err *err)
{
    if (strcmp(val, "sdl") != 0 && strcmp(val, "none") != 0)
        return err_set(err, "--display %s: expected sdl (the window) or none", val);
    ro->dbg.display_sdl = strcmp(val, "sdl") == 0;
    return 0;
}
static int parse_check_driver(RunOpts *ro, const char *val, Err *err);
static void show_check_driver(const RunOpts *ro, char *buf, size_t n);

/* The default interval as --help shows it, from travel.h's one number. */
#define SNAP_EVERY_TEXT_(n) #n
#define SNAP_EVERY_TEXT(n) SNAP_EVERY_TEXT_(n)

static const OptDesc run_opts[] = {
    { "--fw", "--bios", ARG_STR, "FILE", "firmware: an RV64 ELF executable, or a raw image loaded at 0x80000000 (e.g. OpenSBI's fw_dynamic.bin)",
      FIELD(mc.fw_path), .key = "fw", .dflt = "the bundled firmware", .flags = OPT_MACHINE },
    { "--kernel", NULL, ARG_STR, "FILE", "a raw kernel image (Linux's arch/riscv/boot/Image) at 0x80200000, started in S mode by the firmware through fw_dynamic's info (a2)",
      FIELD(mc.kernel_path), .key = "kernel", .flags = OPT_MACHINE },
    { "--initrd", NULL, ARG_STR, "FILE", "with --kernel: an initramfs placed below the device tree and named in /chosen",
      FIELD(mc.initrd_path), .key = "initrd", .flags = OPT_MACHINE },
    { "--symbols", NULL, ARG_STR, "FILE", "name trace events by the functions of this RV64 ELF file too (a kernel's vmlinux; S-mode pcs are virtual addresses, as its symbols are)",
      FIELD(mc.symbols_path), .dflt = "the vmlinux beside --kernel, if there is one", .flags = OPT_MACHINE },
    { "-m", "--memory", ARG_U64, "MiB", "guest RAM size in MiB", FIELD(mc.ram_mib), 1, 14336, false,
      "RAM from 0x80000000 ends below the PCI 64-bit window at 0x400000000", .key = "ram_mib", .flags = OPT_MACHINE },
    { "-append", "--append", ARG_STR, "ARGS", "kernel command line, passed in /chosen/bootargs (e.g. \"scenario=pci\")",
      FIELD(mc.bootargs), .key = "bootargs", .flags = OPT_MACHINE },
    { "--serial-input", NULL, ARG_STR, "FILE", "bytes typed into the UART, one whenever the guest has taken the previous one ('-' = stdin until EOF)",
      FIELD(serial_input_path), .flags = OPT_RECORDED_INPUT },
    { "--serial-prompt", NULL, ARG_STR, "TEXT", "type each --serial-input line after the first only once the guest has printed TEXT (e.g. \"=> \" for U-Boot)",
      FIELD(mc.serial_prompt), .key = "serial_prompt", .flags = OPT_MACHINE },
    { "--max-insns", NULL, ARG_U64, "N", "stop after N executed instructions, with exit status 124 (0: no limit)", FIELD(mc.max_insns),
      .key = "max_insns", .dflt = "no limit", .flags = OPT_MACHINE },
    { "--dump-dtb", NULL, ARG_STR, "FILE", "write the device tree blob the guest receives to FILE, then run",
      FIELD(dump_dtb), .flags = OPT_OUTPUT },
    { "--strict", NULL, ARG_NONE, NULL, "unmapped, out-of-range and too-narrow accesses raise access faults instead of reading all-ones / being dropped",
      FIELD(mc.strict), .key = "strict", .flags = OPT_MACHINE },
    { "--insns-per-tick", NULL, ARG_U64, "N", "virtual-clock units per 10 MHz mtime tick", FIELD(mc.insns_per_tick),
      1, 1000000, .key = "insns_per_tick", .flags = OPT_MACHINE },
    { "--pci-testdev", NULL, ARG_NONE, NULL, "attach the PCI test device (I/O, 32- and 64-bit BARs) in slot 2",
      FIELD(mc.pci_testdev), .key = "pci_testdev", .flags = OPT_MACHINE },
    { "--stats", NULL, ARG_NONE, NULL, "print executed instructions and virtual time to stderr at the end", FIELD(stats), .flags = OPT_OBSERVER },
    { "--trace", NULL, ARG_STR, "FILE", "record every device access, ring transition, trap and frame to FILE (docs/trace-format.md)",
      FIELD(trace_path), .flags = OPT_OUTPUT },
    { "--trace-compress", NULL, ARG_STR, "none|zstd", "compress the --trace file's blocks with zstd (for long runs; every reader decompresses them)",
      FIELD(trace_compress), .dflt = "none", .parse = parse_trace_compress, .flags = OPT_OUTPUT },
    { "--net", NULL, ARG_STR, "SPEC", "what the virtio-net device is connected to: peer (built-in host 10.0.2.2), pcap:FILE (feed a capture), none (no NIC)",
      FIELD(mc.net_spec), .key = "net", .parse = parse_net_spec, .flags = OPT_MACHINE },
    { "--virtio", NULL, ARG_STR, "MODE", "virtio-pci interface: transitional, legacy, modern", FIELD(mc.virtio_mode),
      .key = "virtio", .parse = parse_virtio_mode, .flags = OPT_MACHINE | OPT_NIC },
    { "--net-features", NULL, ARG_STR, "LIST", "switch offered features, e.g. -mrg_rxbuf,-mq,+ring_packed", FIELD(mc.net_features),
      .key = "net_features", .dflt = "every feature the device implements but ring_packed", .parse = parse_net_features,
      .flags = OPT_MACHINE | OPT_NIC },
    { "--net-slot", NULL, ARG_U64, "N", "PCI slot of the virtio-net device", FIELD(mc.net_slot), 1, 31, false,
      "slot 0 is the host bridge", .key = "net_slot", .flags = OPT_MACHINE | OPT_NIC },
    { "--net-pairs", NULL, ARG_U64, "N", "max_virtqueue_pairs offered with MQ", FIELD(mc.net_pairs), 1, 256,
      .key = "net_pairs", .flags = OPT_MACHINE | OPT_NIC },
    { "--queue-size", NULL, ARG_U64, "N", "virtqueue size the device offers, a power of 2 (8 or 16 make rings easy to follow)",
      FIELD(mc.queue_size), 2, 32768, true, "virtio 1.2 section 2.7", .key = "queue_size", .flags = OPT_MACHINE | OPT_NIC },
    { "--tftp", NULL, ARG_STR, "DIR", "files the built-in peer serves over TFTP", FIELD(mc.tftp_dir), .flags = OPT_MACHINE | OPT_NIC },
    { "--bootfile", NULL, ARG_STR, "NAME", "boot file name the peer's DHCP server announces", FIELD(mc.bootfile),
      .key = "bootfile", .flags = OPT_MACHINE | OPT_NIC },
    { "--pcap", NULL, ARG_STR, "FILE", "write every frame, both ways, to FILE (pcapng, virtual-time stamps)",
      FIELD(mc.pcap_out), .flags = OPT_OUTPUT | OPT_NIC },
    { "--link", NULL, ARG_STR, "up|down", "initial link state", FIELD(mc.link_down), .key = "link", .dflt = "up",
      .parse = parse_link, .show = show_link, .flags = OPT_MACHINE | OPT_NIC },
    { "--link-toggle", NULL, ARG_STR, "T[,T...]|every:P", "flip the link state at these virtual times (instructions), or every P",
      FIELD(mc.link_toggle), .key = "link_toggles", .dflt = "never", .parse = parse_link_toggle, .show = show_link_toggle, .flags = OPT_MACHINE | OPT_NIC },
    { "--virtio-fault", NULL, ARG_STR, "KIND[@T]", "break the virtio-net device on purpose, to test drivers: refuse-features-ok, needs-reset@T (at virtual time T), bogus-used-id[@Q] (once, on queue Q, default 0), silent (never uses a buffer)",
      FIELD(mc.virtio_fault), .key = "virtio_fault", .dflt = "none", .flags = OPT_MACHINE | OPT_NIC },
    { "--check-driver", NULL, ARG_OPT, "MODE", "check the guest's virtio driver against the rules of virtio 1.2 (docs/conformance.md): warn (report each broken rule, once on the console, every time in the trace), error (also end the run at the first, exit status 128), off; --check-driver alone is warn",
      FIELD(mc.check_driver), .key = "check_driver", .dflt = "warn", .parse = parse_check_driver, .show = show_check_driver, .flags = OPT_MACHINE },
    { "--from-snapshot", NULL, ARG_STR, "FILE", "go on from a snapshot the monitor saved (snapshot save FILE) instead of booting; the configuration and firmware must be the snapshot's",
      FIELD(from_snapshot), .flags = OPT_MACHINE },
    /* The debugger (docs/debugging.md). */
    { "--break-on", NULL, ARG_STR, "COND", "stop when an event matches COND, e.g. \"virtio_status new&DRIVER_OK\" (repeatable); without --monitor or --gdb, print where and exit with status 127",
      FIELD(dbg.break_on), .flags = OPT_OBSERVER | OPT_REPEAT, .parse = parse_break_on },
    { "--stop-at", NULL, ARG_U64, "T", "stop at virtual time T, as --break-on does", FIELD(dbg.stop_at),
      .flags = OPT_OBSERVER, .dflt = "never" },
    { "--monitor", NULL, ARG_NONE, NULL, "a debugger prompt on the terminal, before the first instruction",
      FIELD(dbg.monitor), .flags = OPT_OBSERVER },
    { "--monitor-script", NULL, ARG_STR, "FILE", "run monitor commands from FILE ('-' = stdin), printing what the prompt would; at its end the run goes on undisturbed",
      FIELD(dbg.script), .flags = OPT_OBSERVER },
    { "--gdb", NULL, ARG_STR, "ADDR", "serve gdb's remote protocol at tcp:HOST:PORT or unix:PATH",
      FIELD(dbg.gdb), .flags = OPT_OBSERVER },
    { "--gdb-wait", NULL, ARG_NONE, NULL, "with --gdb: wait for gdb to attach before the first instruction",
      FIELD(dbg.gdb_wait), .flags = OPT_OBSERVER },
    { "--display", NULL, ARG_STR, "sdl|none", "sdl: a window with the guest's console, a live ring panel, the device and the last events, and keys to pause, step and run until a condition (docs/debugging.md)",
      FIELD(dbg.display_sdl), .flags = OPT_OBSERVER, .dflt = "none", .parse = parse_display },
    { "--screenshot", NULL, ARG_STR, "FILE", "with --display sdl: save the window as a PNG to FILE when the run ends",
      FIELD(dbg.screenshot), .flags = OPT_OBSERVER },
    { "--snapshot-every", NULL, ARG_U64, "N", "while debugging, keep a snapshot of the machine every N instructions, for going back (reverse-stepi, reverse-continue, goto); 0: no time travel",
      FIELD(dbg.snapshot_every), .flags = OPT_OBSERVER, .dflt = SNAP_EVERY_TEXT(TRAVEL_EVERY_DEFAULT) },
};

static void *field(RunOpts *ro, const OptDesc *o) { return (char *)ro + o->off; }
static const void *cfield(const RunOpts *ro, const OptDesc *o) { return (const char *)ro + o->off; }

/* ---- values ---- */

/* Decimal, or hex with 0x: a leading 0 is not octal (-m 010 is 10 MiB). */
static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const char *digits = hex ? s + 2 : s;
    errno = 0;
    if (!isxdigit((unsigned char)*digits) || (!hex && !isdigit((unsigned char)*digits)))
        return -1;
    unsigned long long x = strtoull(digits, &end, hex ? 16 : 10);
    if (errno || *end)
        return -1;
    *v = x;
    return 0;
}

static uint64_t get_num(const void *p, size_t size)
{
    if (size == sizeof(uint64_t))
        return *(const uint64_t *)p;
    return *(const uint32_t *)p;
}

static void set_num(void *p, size_t size, uint64_t v)
{
    if (size == sizeof(uint64_t))
        *(uint64_t *)p = v;
    else
        *(uint32_t *)p = (uint32_t)v;
}

static int parse_link(RunOpts *ro, const char *val, Err *err)
{
    if (strcmp(val, "up") != 0 && strcmp(val, "down") != 0)
        return err_set(err, "--link %s: expected up or down", val);
    ro->mc.link_down = strcmp(val, "down") == 0;
    return 0;
}

static void show_link(const RunOpts *ro, char *buf, size_t n)
{
    snprintf(buf, n, "%s", ro->mc.link_down ? "down" : "up");
}

/* "T1,T2,..." strictly increasing numbers, or "every:P": at P, 2P, 3P, ... (a link
 * that flaps for the whole run, as soak tests want). */
static int parse_link_toggle(RunOpts *ro, const char *val, Err *err)
{
    MachineConfig *mc = &ro->mc;
    const unsigned max = ARRAY_SIZE(mc->link_toggle);
    mc->n_link_toggle = 0;
    mc->link_period = 0;
    if (strncmp(val, "every:", 6) == 0) {
        uint64_t p;
        if (parse_u64(val + 6, &p) != 0 || p == 0)
            return err_set(err, "--link-toggle %s: expected every:P with a period P > 0 (virtual time)", val);
        mc->link_period = p;
        mc->link_toggle[0] = p;
        mc->n_link_toggle = 1;
        return 0;
    }
    for (const char *p = val; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char tok[32];
        uint64_t v;
        if (mc->n_link_toggle == max || len == 0 || len >= sizeof tok)
            goto bad;
        memcpy(tok, p, len);
        tok[len] = 0;
        if (parse_u64(tok, &v) != 0 || (mc->n_link_toggle && v <= mc->link_toggle[mc->n_link_toggle - 1]))
            goto bad;
        mc->link_toggle[mc->n_link_toggle++] = v;
        p += len + (comma ? 1 : 0);
        if (comma && !*p)
            goto bad;
    }
    if (mc->n_link_toggle)
        return 0;
bad:
    mc->n_link_toggle = 0;
    return err_set(err, "--link-toggle %s: expected up to %u increasing virtual times, e.g. 5000000,9000000", val, max);
}

static int parse_break_on(RunOpts *ro, const char *val, Err *err)
{
    DebugOpts *d = &ro->dbg;
    if (d->n_break_on == RUN_MAX_BREAK_ON)
        return err_set(err, "--break-on: at most %d conditions", RUN_MAX_BREAK_ON);
    if (!*val)
        return err_set(err, "--break-on: an empty condition (e.g. --break-on virtio_error)");
    d->break_on[d->n_break_on++] = val;
    return 0;
}

static void show_link_toggle(const RunOpts *ro, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    if (ro->mc.link_period) {
        snprintf(buf, n, "every:%llu", (unsigned long long)ro->mc.link_period);
        return;
    }
    for (unsigned i = 0; i < ro->mc.n_link_toggle && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%llu", i ? "," : "", (unsigned long long)ro->mc.link_toggle[i]);
}

/* The value of an option as the header records it. */
static void show(const RunOpts *ro, const OptDesc *o, char *buf, size_t n)
{
    const void *p = cfield(ro, o);
    if (o->show)
        o->show(ro, buf, n);
    else if (o->kind == ARG_NONE)
        snprintf(buf, n, "%d", *(const bool *)p ? 1 : 0);
    else if (o->kind == ARG_U64)
        snprintf(buf, n, "%llu", (unsigned long long)get_num(p, o->size));
    else
        snprintf(buf, n, "%s", *(const char *const *)p ? *(const char *const *)p : "");
}

/* ---- the command line ---- */

/* The row for argument a ("--name", "--name=value"), with *val set for the second. */
static const OptDesc *find(const char *a, const char **val)
{
    *val = NULL;
    for (size_t k = 0; k < ARRAY_SIZE(run_opts); k++) {
        const OptDesc *d = &run_opts[k];
        const char *names[2] = { d->name, d->alias };
        for (int j = 0; j < 2; j++) {
            size_t l = names[j] ? strlen(names[j]) : 0;
            if (!l || strncmp(a, names[j], l) != 0)
                continue;
            if (a[l] == 0)
                return d;
            if (a[l] == '=' && d->kind != ARG_NONE) {
                *val = a + l + 1;
                return d;
            }
        }
    }
    return NULL;
}

/* " (did you mean '--net-features'?)" for a mistyped option a, or "". */
static const char *option_hint(const char *a, char *buf, size_t cap)
{
    const char *names[2 * ARRAY_SIZE(run_opts)];
    for (size_t k = 0; k < ARRAY_SIZE(run_opts); k++) {
        names[2 * k] = run_opts[k].name;
        names[2 * k + 1] = run_opts[k].alias;
    }
    const char *eq = strchr(a, '=');
    const char *best = suggest_closest(a, eq ? (size_t)(eq - a) : strlen(a), names, ARRAY_SIZE(names));
    if (!best)
        return "";
    snprintf(buf, cap, " (did you mean '%s'?)", best);
    return buf;
}

/* Which options parse takes, and how it words its errors. */
typedef enum { FROM_RUN, FROM_REPLAY, FROM_TRACE } OptSource;

static const char *const source_suffix[] = { "", "", " in the trace's recorded command line" };

/* The options of argv into ro: `ringside run`'s own, the debugging options a replay
 * takes, or what a replay takes from a trace (the machine's configuration and the
 * inputs the trace supplies itself; never an output, a debugger or help). */
static int parse(int argc, char *const *argv, RunOpts *ro, OptSource from, Err *err)
{
    const char *sfx = source_suffix[from];
    bool seen[ARRAY_SIZE(run_opts)] = { false };
    const OptDesc *nic_opt = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *val;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            if (from == FROM_TRACE)
                return err_set(err, "'%s' asks for help, not a run%s", a, sfx);
            return OPTS_HELP;
        }
        const OptDesc *o = find(a, &val);
        unsigned allowed = from == FROM_RUN ? ~0u : from == FROM_REPLAY ? OPT_OBSERVER : OPT_MACHINE | OPT_RECORDED_INPUT;
        if (!o) {
            char hint[96];
            return err_set(err, "unknown option '%s'%s%s (try 'ringside %s --help')", a, sfx,
                           option_hint(a, hint, sizeof hint), from == FROM_REPLAY ? "replay" : "run");
        }
        if (!(o->flags & allowed)) {
            if (from == FROM_TRACE)
                return err_set(err, "'%s' is not an option a replay takes%s (it names an output or a debugger)", a, sfx);
            return err_set(err, "unknown option '%s' (try 'ringside replay --help')", a);
        }
        size_t row = (size_t)(o - run_opts);
        if (seen[row] && !(o->flags & OPT_REPEAT))
            return err_set(err, "option '%s' is given twice%s", o->name, sfx);
        seen[row] = true;
        if (o->flags & OPT_NIC)
            nic_opt = o;
        if (o->kind != ARG_NONE && o->kind != ARG_OPT && !val) {
            if (i + 1 >= argc)
                return err_set(err, "option '%s' needs %s%s", o->name, o->metavar, sfx);
            val = argv[++i];
        }
        if (o->kind == ARG_STR && !*val && o->metavar &&
            (strcmp(o->metavar, "FILE") == 0 || strcmp(o->metavar, "DIR") == 0 || strcmp(o->metavar, "ADDR") == 0))
            return err_set(err, "option '%s' needs %s, not an empty name%s", o->name, o->metavar, sfx);
        if (o->parse) {
            if (o->parse(ro, val, err) != 0) {
                if (*sfx && strlen(err->msg) + strlen(sfx) < sizeof err->msg)
                    strcat(err->msg, sfx);
                return -1;
            }
            continue;
        }
        void *p = field(ro, o);
        if (o->kind == ARG_NONE) {
            *(bool *)p = true;
        } else if (o->kind == ARG_STR) {
            *(const char **)p = val;
        } else {
            uint64_t num;
            if (parse_u64(val, &num) != 0)
                return err_set(err, "option '%s' needs a number (decimal, or hex with 0x), not '%s'%s", o->name,
                               val, sfx);
            if (o->max && (num < o->min || num > o->max || (o->pow2 && (num & (num - 1)))))
                return err_set(err, "%s %s: must be %s%llu..%llu%s%s%s%s", o->name, val,
                               o->pow2 ? "a power of 2 in " : "", (unsigned long long)o->min,
                               (unsigned long long)o->max, o->why ? " (" : "", o->why ? o->why : "",
                               o->why ? ")" : "", sfx);
            set_num(p, o->size, num);
        }
    }
    if (nic_opt && ro->mc.net_spec && strcmp(ro->mc.net_spec, "none") == 0)
        return err_set(err, "%s is about the network device, but --net none has none%s", nic_opt->name, sfx);
    return OPTS_OK;
}

int run_opts_parse(int argc, char *const *argv, RunOpts *ro, Err *err)
{
    memset(ro, 0, sizeof *ro);
    machine_config_default(&ro->mc);
    ro->dbg.snapshot_every = TRAVEL_EVERY_DEFAULT;
    return parse(argc, argv, ro, FROM_RUN, err);
}

int run_opts_parse_recorded(int argc, char *const *argv, RunOpts *ro, Err *err)
{
    memset(ro, 0, sizeof *ro);
    machine_config_default(&ro->mc);
    ro->dbg.snapshot_every = TRAVEL_EVERY_DEFAULT;
    return parse(argc, argv, ro, FROM_TRACE, err);
}

int run_opts_arity(const char *arg)
{
    const char *val;
    const OptDesc *o = find(arg, &val);
    if (!o)
        return -1;
    return o->kind != ARG_NONE && o->kind != ARG_OPT && !val ? 1 : 0;
}

int run_opts_parse_debug(int argc, char *const *argv, RunOpts *ro, Err *err)
{
    return parse(argc, argv, ro, FROM_REPLAY, err);
}

void run_opts_help(FILE *f, bool debug_only)
{
    RunOpts d;
    memset(&d, 0, sizeof d);
    machine_config_default(&d.mc);
    for (size_t i = 0; i < ARRAY_SIZE(run_opts); i++) {
        const OptDesc *o = &run_opts[i];
        if (debug_only && !(o->flags & OPT_OBSERVER))
            continue;
        char left[64], dflt[96] = "";
        if (o->kind == ARG_OPT)
            snprintf(left, sizeof left, "%s[=%s]", o->name, o->metavar);
        else
            snprintf(left, sizeof left, "%s%s%s%s%s", o->name, o->alias ? ", " : "", o->alias ? o->alias : "",
                     o->metavar ? " " : "", o->metavar ? o->metavar : "");
        if (o->dflt) {
            snprintf(dflt, sizeof dflt, " (default: %s)", o->dflt);
        } else if (o->kind == ARG_U64 || (o->kind == ARG_STR && *(const char *const *)cfield(&d, o))) {
            char v[64];
            show(&d, o, v, sizeof v);
            snprintf(dflt, sizeof dflt, " (default %s)", v);
        }
        fprintf(f, "  %-26s %s%s\n", left, o->help, dflt);
    }
}

size_t run_opts_config_lines(const RunOpts *ro, char *buf, size_t n)
{
    /* snprintf-like: counts every line, stores what fits (the caller sizes buf). */
    size_t len = (size_t)snprintf(buf, n, "ringside=%s\n", RINGSIDE_VERSION);
    for (size_t i = 0; i < ARRAY_SIZE(run_opts); i++) {
        const OptDesc *o = &run_opts[i];
        if (!o->key)
            continue;
        char v[4096];
        show(ro, o, v, sizeof v);
        len += (size_t)snprintf(len < n ? buf + len : NULL, len < n ? n - len : 0, "%s=%s\n", o->key, v);
    }
    return len;
}

int run_opts_recorded_argv(int argc, char *const *argv, char **kept)
{
    int nk = 0;
    for (int i = 0; i < argc; i++) {
        const char *val;
        const OptDesc *o = i >= 2 ? find(argv[i], &val) : NULL;
        bool takes_next = o && !val && o->kind != ARG_NONE && o->kind != ARG_OPT;
        const char *v = takes_next && i + 1 < argc ? argv[i + 1] : val;
        /* Outputs and observers are not the run's; nor is a machine option given its
         * default value (`--check-driver=warn`), which leaves the run as it was. */
        if (o && ((o->flags & (OPT_OUTPUT | OPT_OBSERVER)) ||
                  ((o->flags & OPT_MACHINE) && o->dflt && v && strcmp(v, o->dflt) == 0))) {
            if (takes_next)
                i++;                       /* its value is the next argument */
            continue;
        }
        kept[nk++] = argv[i];
    }
    kept[nk] = NULL;
    return nk;
}

void run_opts_for_replay(RunOpts *ro)
{
    for (size_t i = 0; i < ARRAY_SIZE(run_opts); i++) {
        const OptDesc *o = &run_opts[i];
        if ((o->flags & (OPT_OUTPUT | OPT_RECORDED_INPUT)) && o->kind == ARG_STR && !o->parse)
            *(const char **)field(ro, o) = NULL;
    }
}
