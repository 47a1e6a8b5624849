/* libFuzzer harness for the monitor (sim/debug/monitor.c) and its condition language
 * (sim/debug/cond.c): lines as a person, a --monitor-script or gdb's `monitor` could
 * send them, run against the bundled firmware's machine. Each line also goes straight
 * to cond_parse with the debugger's name resolver, and a condition it accepts is
 * matched against every event type's empty event. Any crash, sanitizer report, leak or
 * hang is a bug. Byte 0 chooses the front end (bit 0: under gdb, where commands that
 * run the machine only arm a stop); the rest is lines. Each input gets a fresh machine,
 * bounded by max_insns, so a `continue` ends quickly and a finding reproduces alone. */
#include <stdint.h>
#include <stdlib.h>

#include "sim/debug/cond.h"
#include "sim/debug/monitor.h"
#include "sim/machine.h"

#define MAX_INSNS 50000
#define MAX_LINES 64

static FILE *devnull;
static const char *fw;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    devnull = fopen("/dev/null", "w");
    fw = getenv("RINGSIDE_FW");
    if (!fw || !*fw)
        fw = "guestfw/ringside-fw.elf";
    return 0;
}

static uint64_t late(void *ctx, CondLate l)
{
    (void)ctx;
    return l;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    MachineConfig mc;
    machine_config_default(&mc);
    mc.fw_path = fw;
    mc.console = devnull;
    mc.ram_mib = 8;
    mc.max_insns = MAX_INSNS;
    Err err;
    Machine *m = machine_create(&mc, &err);
    if (!m) {
        fprintf(stderr, "fuzz_monitor: %s (set RINGSIDE_FW)\n", err.msg);
        abort();
    }
    Debugger *d = debugger_create(m, &err);
    Monitor *mon = d ? monitor_create(d, devnull, data[0] & 1) : NULL;
    if (!mon)
        abort();
    char *text = malloc(size);
    if (!text)
        abort();
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    char *line = text;
    for (unsigned k = 0; line && k < MAX_LINES; k++) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        Cond c;
        if (cond_parse(line, &c, dbg_resolve, d, &err) == 0) {
            TraceEvent ev;
            memset(&ev, 0, sizeof ev);
            for (unsigned t = 0; t < TRACE_EV_LIMIT; t++) {
                if (!trace_event_name((TraceEventType)t))
                    continue;
                ev.type = (TraceEventType)t;
                unsigned nf;
                const TraceFieldInfo *f = trace_event_fields(ev.type, &nf);
                for (unsigned i = 0; i < nf; i++)   /* a str field is never NULL */
                    if (f[i].type == TRACE_FT_str)
                        *(const char **)((char *)&ev + f[i].offset) = "";
                (void)cond_match(&c, &ev, late, NULL);
            }
        }
        int rc = monitor_exec(mon, line);
        if (rc == MON_QUIT || rc == MON_DETACH)
            break;
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    monitor_destroy(mon);
    debugger_destroy(d);
    machine_finish(m, &err);
    machine_destroy(m);
    return 0;
}
