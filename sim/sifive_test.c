/* sifive,test0 power-off/reset register (see sifive_test.h). */
#include "sifive_test.h"

enum { FINISHER_FAIL = 0x3333, FINISHER_PASS = 0x5555, FINISHER_RESET = 0x7777 };

/* Reads return 0 (no row reads anything); only a 16- or 32-bit store at offset 0
 * counts (QEMU takes both; OpenSBI 1.1 powers off with a 16-bit writew). */
static void finisher_write(void *opaque, unsigned sub, unsigned size, uint64_t val)
{
    SifiveTest *t = opaque;
    if (sub != 0 || t->state != TEST_RUNNING)
        return;
    switch (val & 0xffff) {
    case FINISHER_PASS: t->state = TEST_POWEROFF; t->exit_code = 0; break;
    case FINISHER_FAIL: t->state = TEST_POWEROFF; t->exit_code = (int)((val >> 16) & 0xffff); break;
    case FINISHER_RESET: t->state = TEST_RESET; break;
    default: return; /* other values are ignored, as on QEMU */
    }
    if (t->on_stop)
        t->on_stop(t->ctx);
}

static const RegDesc test_regs[] = {
    { 0, 4, "finisher", NULL, finisher_write },
};

const MemOps sifive_test_ops = {
    .regs = test_regs, .nregs = ARRAY_SIZE(test_regs), .min_size = 2, .max_size = 4,
};

/* Snapshot state (snap/snap.h). */
static const SnapField sifive_test_fields[] = {
    SNAP_FIELD(SifiveTest, state), SNAP_FIELD(SifiveTest, exit_code),
};
const SnapDesc sifive_test_snap = SNAP_DESC("test", 1, SifiveTest, sifive_test_fields);
