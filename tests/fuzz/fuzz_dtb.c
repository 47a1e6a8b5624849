/* libFuzzer harness for the device-tree builder (sim/dtb.c): what reaches it from the
 * command line (-append's bootargs, -m's memory size and where RAM starts, the
 * timebase). A tree that is built passes libfdt's full
 * check and gives back the bootargs and the memory node it was given; one that is not
 * is refused with a message. Input: 8 bytes RAM size, 8 bytes RAM base, 4 bytes
 * timebase, 1 byte flags (bit 0: no bootargs), then the bootargs (to a NUL). */
#include <libfdt.h>
#include <stdint.h>
#include <stdlib.h>

#include "sim/dtb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 21)
        return 0;
    DtbConfig cfg = { .ram_size = ld64_le(data), .ram_base = ld64_le(data + 8), .timebase_hz = ld32_le(data + 16) };
    char *args = malloc(size - 21 + 1);
    if (!args)
        abort();
    memcpy(args, data + 21, size - 21);
    args[size - 21] = 0;
    cfg.bootargs = data[20] & 1 ? NULL : args;
    Err err;
    size_t n = 0;
    void *fdt = dtb_build(&cfg, &n, &err);
    if (fdt) {
        if (fdt_check_full(fdt, n) != 0)
            abort();
        int chosen = fdt_path_offset(fdt, "/chosen");
        int len = 0;
        const char *got = chosen >= 0 ? fdt_getprop(fdt, chosen, "bootargs", &len) : NULL;
        if (cfg.bootargs ? !got || strcmp(got, cfg.bootargs) != 0 : got != NULL)
            abort();
        char mem[40];
        snprintf(mem, sizeof mem, "/memory@%llx", (unsigned long long)cfg.ram_base);
        int m = fdt_path_offset(fdt, mem);
        const fdt32_t *reg = m >= 0 ? fdt_getprop(fdt, m, "reg", &len) : NULL;
        if (!reg || len != 16 || ((uint64_t)fdt32_to_cpu(reg[2]) << 32 | fdt32_to_cpu(reg[3])) != cfg.ram_size)
            abort();
        free(fdt);
    } else if (!err.msg[0]) {
        abort();
    }
    free(args);
    return 0;
}
