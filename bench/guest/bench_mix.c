/* scenario=bench-mix (the benchmark firmware, bench/guest/): the CoreMark-like mix of
 * mix_core.c, `rounds=N` times (default 2000; the bootarg table's key, guestfw/bootargs.def). Prints the CRC-16 of the results, which
 * bench/run.py checks against the same code built for the host. */
#include "mix_core.h"
#include "fdt.h"
#include "libc.h"
#include "platform.h"
#include "scenario.h"

static int bench_mix(void)
{
    unsigned long iters = bootarg_ulong("rounds", 2000);
    struct mix_mem m = { fw_alloc(MIX_POOL_BYTES, 16), fw_alloc(MIX_TEXT_BYTES, 16) };
    uint64_t t0 = rdtime();
    uint16_t crc = mix_run(&m, iters);
    uint64_t ticks = rdtime() - t0;
    printf("bench-mix: %lu iterations crc16 = 0x%04x\n", iters, crc);
    printf("bench-mix: %llu timer ticks\n", (unsigned long long)ticks);
    return 0;
}

const struct scenario scenario_bench_mix = { "bench-mix", bench_mix,
                                             "CoreMark-like list/matrix/state/CRC mix x rounds" };
