/* The command line: `ringside run|--help|--version`. Options live in one table that
 * also produces the help text. Only this file prints errors and chooses exit codes. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "machine.h"

/* Exit statuses of the simulator itself; anything else is the guest's poweroff code. */
enum {
    EXIT_USAGE = 120,        /* bad command line */
    EXIT_SETUP = 121,        /* bad input: firmware, files, configuration */
    EXIT_MAX_INSNS = 124,    /* --max-insns ran out */
    EXIT_IDLE = 125,         /* the guest waits for an interrupt that can never come */
    EXIT_RESET = 126,        /* the guest asked for a reset */
};

typedef struct RunOpts {
    MachineConfig mc;
    const char *dump_dtb;
    bool stats;
    const char *serial_input_path;
    uint8_t *serial_buf;
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

enum { O_FW, O_MEM, O_APPEND, O_SERIAL, O_MAX_INSNS, O_DUMP_DTB, O_STRICT, O_TICK, O_TESTDEV, O_STATS };

static const OptDesc run_opts[] = {
    { "--fw", NULL, ARG_STR, "FILE", "firmware: an RV64 ELF executable, or a raw image loaded at 0x80000000 (default: the bundled firmware)", O_FW },
    { "-m", "--memory", ARG_U64, "MiB", "guest RAM size in MiB (default 128)", O_MEM },
    { "-append", "--append", ARG_STR, "ARGS", "kernel command line, passed in /chosen/bootargs (e.g. \"scenario=pci\")", O_APPEND },
    { "--serial-input", NULL, ARG_STR, "FILE", "bytes typed into the UART, one whenever the guest has taken the previous one ('-' = stdin until EOF)", O_SERIAL },
    { "--max-insns", NULL, ARG_U64, "N", "stop after N retired instructions (exit status 124)", O_MAX_INSNS },
    { "--dump-dtb", NULL, ARG_STR, "FILE", "write the device tree blob the guest receives to FILE, then run", O_DUMP_DTB },
    { "--strict", NULL, ARG_NONE, NULL, "unmapped loads and stores raise access faults instead of reading all-ones / being dropped", O_STRICT },
    { "--insns-per-tick", NULL, ARG_U64, "N", "virtual-clock units per 10 MHz mtime tick (default 10)", O_TICK },
    { "--pci-testdev", NULL, ARG_NONE, NULL, "attach the PCI test device (I/O, 32- and 64-bit BARs) in slot 2", O_TESTDEV },
    { "--stats", NULL, ARG_NONE, NULL, "print retired instructions and virtual time to stderr at the end", O_STATS },
};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: ringside run [OPTION]...\n"
            "       ringside --help | --version\n"
            "\n"
            "ringside is a deterministic full-system simulator of a RISC-V machine (QEMU virt\n"
            "memory map) with a PCI host bridge. `run` boots the firmware and runs it until it\n"
            "powers off; the process exits with the guest's poweroff code.\n"
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
            "  %d  guest requested a reset\n",
            EXIT_USAGE, EXIT_SETUP, EXIT_MAX_INSNS, EXIT_IDLE, EXIT_RESET);
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || end == s || *end || *s == '-')
        return -1;
    *v = x;
    return 0;
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
static const char *default_firmware(void)
{
    static char path[4096];
    const char *env = getenv("RINGSIDE_FW");
    if (env && *env)
        return env;
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 64);
    if (n > 0) {
        path[n] = 0;
        char *slash = strrchr(path, '/');
        if (slash) {
            strcpy(slash + 1, "guestfw/ringside-fw.elf");
            if (access(path, R_OK) == 0)
                return path;
        }
    }
    return RINGSIDE_FWDIR "/ringside-fw.elf";
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
        switch (o->id) {
        case O_FW: ro->mc.fw_path = val; break;
        case O_MEM:
            if (num < 1 || num > 16384) {
                fprintf(stderr, "ringside run: -m %s: RAM size must be 1..16384 MiB\n", val);
                return -1;
            }
            ro->mc.ram_mib = num;
            break;
        case O_APPEND: ro->mc.bootargs = val; break;
        case O_SERIAL: ro->serial_input_path = val; break;
        case O_MAX_INSNS: ro->mc.max_insns = num; break;
        case O_DUMP_DTB: ro->dump_dtb = val; break;
        case O_STRICT: ro->mc.strict = true; break;
        case O_TICK:
            if (num < 1 || num > 1000000) {
                fprintf(stderr, "ringside run: --insns-per-tick must be 1..1000000\n");
                return -1;
            }
            ro->mc.insns_per_tick = (uint32_t)num;
            break;
        case O_TESTDEV: ro->mc.pci_testdev = true; break;
        case O_STATS: ro->stats = true; break;
        }
    }
    if (!ro->mc.fw_path)
        ro->mc.fw_path = default_firmware();
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

static int cmd_run(int argc, char **argv)
{
    RunOpts ro;
    Err err = { "" };
    if (parse_run(argc, argv, &ro) != 0)
        return EXIT_USAGE;
    if (ro.serial_input_path) {
        if (read_file(ro.serial_input_path, &ro.serial_buf, &ro.mc.serial_input_len, &err) != 0) {
            fprintf(stderr, "ringside: --serial-input %s\n", err.msg);
            return EXIT_SETUP;
        }
        ro.mc.serial_input = ro.serial_buf;
    }
    Machine *m = machine_create(&ro.mc, &err);
    if (!m) {
        fprintf(stderr, "ringside: %s\n", err.msg);
        free(ro.serial_buf);
        return EXIT_SETUP;
    }
    if (ro.dump_dtb && write_file(ro.dump_dtb, m->dtb, m->dtb_size, &err) != 0) {
        fprintf(stderr, "ringside: --dump-dtb %s\n", err.msg);
        machine_destroy(m);
        free(ro.serial_buf);
        return EXIT_SETUP;
    }
    StopReason why = machine_run(m);
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
    default:
        rc = EXIT_SETUP;
        break;
    }
    if (ro.stats)
        fprintf(stderr, "ringside: retired %llu instructions, virtual clock %llu\n",
                (unsigned long long)cpu_instret(m->cpu), (unsigned long long)cpu_vclock(m->cpu));
    machine_destroy(m);
    free(ro.serial_buf);
    return rc;
}

int main(int argc, char **argv)
{
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
        return cmd_run(argc - 2, argv + 2);
    fprintf(stderr, "ringside: unknown command '%s' (try 'ringside --help')\n", argv[1]);
    return EXIT_USAGE;
}
