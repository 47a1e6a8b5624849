/* libFuzzer harness for the gdb stub (sim/debug/rsp.c, gdb_cmds.c): arbitrary bytes,
 * as a client could send them, through gdbstub_feed into a stub on the bundled
 * firmware's machine. Built by `make fuzz-gdb` with clang -fsanitize=fuzzer,address,
 * undefined; any crash, sanitizer report, leak or hang is a bug in the stub.
 *
 * Input: byte 0 chooses how the rest is fed. Bit 0 set: every $...#XX in it gets its
 * checksum made right first, so mutated packets reach the commands instead of all
 * ending at the checksum check; bits 1..6: the size of the pieces it is fed in (as
 * a socket delivers it), 1..64. Each input gets a fresh machine, so a finding
 * reproduces alone; runs are bounded (max_insns) so a `c` ends quickly. */
#include <stdint.h>
#include <stdlib.h>

#include "sim/debug/gdbstub.h"
#include "sim/machine.h"

#define MAX_INSNS 50000

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

static void fix_checksums(uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '$')
            continue;
        size_t j = i + 1;
        uint8_t sum = 0;
        while (j < n && p[j] != '#' && p[j] != '$')
            sum = (uint8_t)(sum + p[j++]);
        if (j + 2 < n && p[j] == '#') {
            p[j + 1] = (uint8_t)hex[sum >> 4];
            p[j + 2] = (uint8_t)hex[sum & 15];
        }
        i = j - 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    size--;
    uint8_t *in = malloc(size ? size : 1);
    if (!in)
        return 0;
    memcpy(in, data + 1, size);
    if (mode & 1)
        fix_checksums(in, size);
    size_t piece = 1 + (mode >> 1 & 63);

    MachineConfig mc;
    machine_config_default(&mc);
    mc.fw_path = fw;
    mc.console = devnull;
    mc.ram_mib = 8;
    mc.max_insns = MAX_INSNS;
    Err err;
    Machine *m = machine_create(&mc, &err);
    if (!m) {
        fprintf(stderr, "fuzz_gdbstub: %s (set RINGSIDE_FW)\n", err.msg);
        abort();
    }
    Debugger *d = debugger_create(m, &err);
    GdbStub *g = d ? gdbstub_new_detached(d) : NULL;
    if (!g)
        abort();
    static uint8_t out[1 << 16];
    for (size_t i = 0; i < size; i += piece) {
        gdbstub_feed(g, in + i, size - i < piece ? size - i : piece);
        while (gdbstub_take_output(g, out, sizeof out) == sizeof out)
            ;
    }
    gdbstub_close(g);
    debugger_destroy(d);
    machine_finish(m, &err);
    machine_destroy(m);
    free(in);
    return 0;
}
