/* bench-mix's work (mix_core.c), shared by the guest scenario and the host check. */
#ifndef BENCH_MIX_CORE_H
#define BENCH_MIX_CORE_H

#include <stddef.h>
#include <stdint.h>

struct node;
/* Working memory of mix_run: the list's node pool and the state machine's text. */
struct mix_mem {
    struct node *pool;       /* 96 nodes (16 bytes each) */
    uint8_t *text;           /* 192 bytes */
};
#define MIX_POOL_BYTES (96 * 16)
#define MIX_TEXT_BYTES 192

/* The CRC-16 over every result of iters rounds of list, matrix and state-machine work. */
uint16_t mix_run(struct mix_mem *m, unsigned long iters);

#endif
