/* Host build of bench-mix's work: prints the CRC the guest must print for the given
 * iteration count (bench/run.py compares the two). */
#include <stdio.h>
#include <stdlib.h>

#include "guest/mix_core.h"

int main(int argc, char **argv)
{
    unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 1;
    static uint64_t pool[MIX_POOL_BYTES / 8];
    static uint8_t text[MIX_TEXT_BYTES];
    struct mix_mem m = { (struct node *)pool, text };
    printf("0x%04x\n", mix_run(&m, iters));
    return 0;
}
