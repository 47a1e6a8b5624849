/* The test/poweroff device (`sifive,test0`, as on QEMU's virt board): a guest write of
 * 0x5555 powers off with exit 0, (code << 16) | 0x3333 with exit `code`, 0x7777 resets. */
#ifndef RINGSIDE_SIFIVE_TEST_H
#define RINGSIDE_SIFIVE_TEST_H

#include "bus.h"
#include "snap/snap.h"

#define SIFIVE_TEST_BASE 0x100000u
#define SIFIVE_TEST_SIZE 0x1000u

typedef enum { TEST_RUNNING, TEST_POWEROFF, TEST_RESET } TestState;

typedef struct SifiveTest {
    TestState state;
    int exit_code;
    void (*on_stop)(void *ctx);   /* ends the CPU's block so the machine sees it */
    void *ctx;
} SifiveTest;

extern const MemOps sifive_test_ops;
extern const SnapDesc sifive_test_snap;

#endif
