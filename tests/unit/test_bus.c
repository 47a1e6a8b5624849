/* Unit tests of address spaces (sim/bus.c): dispatch by size, splitting of wide
 * accesses, narrow-access rejection, overlap refusal, unmapped and strict behaviour,
 * memory vs I/O space, and the access hook. */
#include <CUnit/CUnit.h>

#include "sim/bus.h"

typedef struct Probe {
    uint64_t last_off, last_val;
    unsigned last_size, reads, writes;
    uint8_t regs[16];
} Probe;

static int probe_read(void *o, uint64_t off, unsigned size, uint64_t *val)
{
    Probe *p = o;
    p->reads++;
    p->last_off = off;
    p->last_size = size;
    *val = ldn_le(p->regs + off, size);
    return 0;
}

static int probe_write(void *o, uint64_t off, unsigned size, uint64_t val)
{
    Probe *p = o;
    p->writes++;
    p->last_off = off;
    p->last_size = size;
    p->last_val = val;
    stn_le(p->regs + off, size, val);
    return 0;
}

static const MemOps any_ops = { .read = probe_read, .write = probe_write };
static const MemOps word_ops = { .read = probe_read, .write = probe_write, .min_size = 4, .max_size = 4 };

static BusAccess seen[8];
static unsigned nseen;
static void hook(void *ctx, const BusAccess *a) { if (nseen < 8) seen[nseen++] = *a; }

static void test_dispatch_sizes(void)
{
    AddrSpace as;
    Probe p = { 0 };
    as_init(&as, "mem", SPACE_MEM);
    CU_ASSERT_EQUAL(as_add(&as, 0x1000, 16, "probe", &any_ops, &p, NULL), 0);
    for (unsigned size = 1; size <= 8; size *= 2) {
        CU_ASSERT_EQUAL(as_write(&as, 0x1008, size, 0x1122334455667788ull), 0);
        CU_ASSERT_EQUAL(p.last_off, 8);
        CU_ASSERT_EQUAL(p.last_size, size);
        uint64_t v;
        CU_ASSERT_EQUAL(as_read(&as, 0x1008, size, &v), 0);
        CU_ASSERT_EQUAL(v, 0x1122334455667788ull & (size == 8 ? ~0ull : (1ull << (8 * size)) - 1));
    }
    as_destroy(&as);
}

static void test_split_and_reject(void)
{
    AddrSpace as;
    Probe p = { 0 };
    as_init(&as, "mem", SPACE_MEM);
    as_add(&as, 0x2000, 16, "words", &word_ops, &p, NULL);
    /* An 8-byte store to a 4-byte device becomes two 4-byte stores, low half first. */
    as_write(&as, 0x2000, 8, 0xaaaabbbbccccddddull);
    CU_ASSERT_EQUAL(p.writes, 2);
    CU_ASSERT_EQUAL(ld32_le(p.regs), 0xccccdddd);
    CU_ASSERT_EQUAL(ld32_le(p.regs + 4), 0xaaaabbbb);
    uint64_t v;
    as_read(&as, 0x2000, 8, &v);
    CU_ASSERT_EQUAL(v, 0xaaaabbbbccccddddull);
    /* A byte access to it never reaches the device. */
    unsigned before = p.writes;
    as_write(&as, 0x2001, 1, 0xff);
    CU_ASSERT_EQUAL(p.writes, before);
    CU_ASSERT_EQUAL(as_read(&as, 0x2000, 1, &v), 0);
    CU_ASSERT_EQUAL(v, 0xff);
    as_destroy(&as);
}

static void test_overlap_refused(void)
{
    AddrSpace as;
    Probe p = { 0 };
    Err err = { "" };
    as_init(&as, "mem", SPACE_MEM);
    CU_ASSERT_EQUAL(as_add(&as, 0x1000, 0x100, "first", &any_ops, &p, &err), 0);
    CU_ASSERT_EQUAL(as_add(&as, 0x10f0, 0x100, "second", &any_ops, &p, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "first"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "second"));
    CU_ASSERT_EQUAL(as_add(&as, 0x0f80, 0x100, "third", &any_ops, &p, &err), -1);
    CU_ASSERT_EQUAL(as_add(&as, 0x1100, 0x100, "adjacent", &any_ops, &p, &err), 0);
    CU_ASSERT_EQUAL(as.n, 2);
    CU_ASSERT_EQUAL(as_remove(&as, 0x1000, &p), 0);
    CU_ASSERT_PTR_NULL(as_find(&as, 0x1000));
    CU_ASSERT_PTR_NOT_NULL(as_find(&as, 0x11ff));
    CU_ASSERT_EQUAL(as_remove(&as, 0x1000, &p), -1);
    as_destroy(&as);
}

static void test_unmapped_and_strict(void)
{
    AddrSpace as;
    as_init(&as, "mem", SPACE_MEM);
    as.hook = hook;
    nseen = 0;
    uint64_t v = 0;
    CU_ASSERT_EQUAL(as_read(&as, 0x5000, 4, &v), 0);
    CU_ASSERT_EQUAL(v, 0xffffffffu);
    CU_ASSERT_EQUAL(as_write(&as, 0x5000, 2, 1), 0);
    CU_ASSERT_EQUAL(nseen, 2);
    CU_ASSERT_EQUAL(seen[0].kind, ACC_UNMAPPED);
    CU_ASSERT(!seen[0].is_write && seen[1].is_write);
    as.strict = true;
    CU_ASSERT_EQUAL(as_read(&as, 0x5000, 8, &v), -1);
    CU_ASSERT_EQUAL(as_write(&as, 0x5000, 8, 0), -1);
    as_destroy(&as);
}

static void test_io_vs_mem_and_hook(void)
{
    AddrSpace mem, io;
    Probe pm = { 0 }, pi = { 0 };
    as_init(&mem, "mem", SPACE_MEM);
    as_init(&io, "io", SPACE_IO);
    as_add(&mem, 0x10, 16, "m", &any_ops, &pm, NULL);
    as_add(&io, 0x10, 16, "i", &any_ops, &pi, NULL);
    io.hook = hook;
    nseen = 0;
    as_write(&io, 0x12, 2, 0xbeef);
    CU_ASSERT_EQUAL(pi.writes, 1);
    CU_ASSERT_EQUAL(pm.writes, 0);
    CU_ASSERT_EQUAL(nseen, 1);
    CU_ASSERT_EQUAL(seen[0].space, SPACE_IO);
    CU_ASSERT_EQUAL(seen[0].addr, 0x12);
    CU_ASSERT_EQUAL(seen[0].value, 0xbeef);
    CU_ASSERT_STRING_EQUAL(seen[0].region->name, "i");
    as_write(&mem, 0x12, 2, 1); /* no hook on mem: nothing seen */
    CU_ASSERT_EQUAL(nseen, 1);
    as_destroy(&mem);
    as_destroy(&io);
}

int suite_bus(void)
{
    CU_pSuite s = CU_add_suite("bus", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "dispatch by size", test_dispatch_sizes);
    CU_add_test(s, "split wide, reject narrow", test_split_and_reject);
    CU_add_test(s, "overlap refused", test_overlap_refused);
    CU_add_test(s, "unmapped and strict", test_unmapped_and_strict);
    CU_add_test(s, "io vs memory space, hook", test_io_vs_mem_and_hook);
    return 0;
}
