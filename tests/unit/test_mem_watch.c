/* Unit tests of the RAM watch (sim/mem_watch.c): a store reaches every watcher whose
 * range it touches, in registration order, and no other, whether it lands inside one
 * page (the page index) or straddles two (the full scan), and after watchers come and
 * go; a watcher that removes another from its callback changes nothing for the rest. */
#include <CUnit/CUnit.h>

#include "sim/mem_watch.h"

#define BASE 0x80000000ull

typedef struct Seen {
    int who[16];
    unsigned n;
} Seen;

static Seen seen;
static MemWatch *cur;

static void note(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
    (void)addr, (void)size, (void)val;
    if (seen.n < 16)
        seen.who[seen.n++] = (int)(intptr_t)opaque;
}

/* removes watcher 3 the first time it is called */
static void remover(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
    note(opaque, addr, size, val);
    mem_watch_remove(cur, (void *)(intptr_t)3);
}

static void store(Ram *ram, uint64_t addr, unsigned size)
{
    seen.n = 0;
    ram_store_done(ram, addr, size, 0);
}

static bool got(const int *want, unsigned n)
{
    if (seen.n != n)
        return false;
    for (unsigned i = 0; i < n; i++)
        if (seen.who[i] != want[i])
            return false;
    return true;
}

static void test_order_and_pages(void)
{
    Err err;
    Ram ram;
    MemWatch mw;
    CU_ASSERT_EQUAL_FATAL(ram_init(&ram, BASE, 1 << 20, &err), 0);
    mem_watch_init(&mw, &ram);
    cur = &mw;
    /* 1: a page and a half; 2: inside page 1; 3: across pages 0-1; 4: page 5 */
    CU_ASSERT_EQUAL(mem_watch_add(&mw, BASE + 0x800, 0x1000, note, (void *)1), 0);
    CU_ASSERT_EQUAL(mem_watch_add(&mw, BASE + 0x1100, 0x10, note, (void *)2), 0);
    CU_ASSERT_EQUAL(mem_watch_add(&mw, BASE + 0xff0, 0x20, note, (void *)3), 0);
    CU_ASSERT_EQUAL(mem_watch_add(&mw, BASE + 0x5000, 8, note, (void *)4), 0);
    store(&ram, BASE + 0x1104, 4);
    CU_ASSERT(got((int[]){ 1, 2 }, 2));
    store(&ram, BASE + 0x1008, 2);
    CU_ASSERT(got((int[]){ 1, 3 }, 2));
    store(&ram, BASE + 0xffc, 8);         /* straddles pages 0 and 1 */
    CU_ASSERT(got((int[]){ 1, 3 }, 2));
    store(&ram, BASE + 0x5004, 4);
    CU_ASSERT(got((int[]){ 4 }, 1));
    store(&ram, BASE + 0x5008, 4);        /* a watched page, no watcher there */
    CU_ASSERT_EQUAL(seen.n, 0);
    store(&ram, BASE + 0x3000, 4);        /* page not watched at all */
    CU_ASSERT_EQUAL(seen.n, 0);
    mem_watch_remove(&mw, (void *)1);
    store(&ram, BASE + 0x1104, 4);
    CU_ASSERT(got((int[]){ 2 }, 1));
    /* watcher 5 on page 1 removes watcher 3 from its callback: 3, registered before
     * it, was already called; the next store does not reach 3 */
    CU_ASSERT_EQUAL(mem_watch_add(&mw, BASE + 0x1000, 0x20, remover, (void *)5), 0);
    store(&ram, BASE + 0x1008, 1);
    CU_ASSERT(got((int[]){ 3, 5 }, 2));
    store(&ram, BASE + 0x1008, 1);
    CU_ASSERT(got((int[]){ 5 }, 1));
    mem_watch_destroy(&mw);
    ram_destroy(&ram);
}

int suite_mem_watch(void)
{
    CU_pSuite s = CU_add_suite("mem_watch", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "stores reach their watchers in order", test_order_and_pages);
    return 0;
}
