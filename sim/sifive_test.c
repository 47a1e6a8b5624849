/* sifive,test0 power-off/reset register (see sifive_test.h). */
#include "sifive_test.h"

enum { FINISHER_FAIL = 0x3333, FINISHER_PASS = 0x5555, FINISHER_RESET = 0x7777 };

static uint64_t test_read(void *opaque, uint64_t off, unsigned size)
{
    return 0;
}

static void test_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    SifiveTest *t = opaque;
    if (off != 0 || t->state != TEST_RUNNING)
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

static const char *test_reg_name(void *opaque, uint64_t off, unsigned size)
{
    return off < 4 ? "finisher" : NULL;
}

const MemOps sifive_test_ops = {
    .read = test_read, .write = test_write, .min_size = 4, .max_size = 4,
    .reg_name = test_reg_name,
};
