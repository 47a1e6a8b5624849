/* Unit tests of address spaces (sim/bus.c): dispatch by size, splitting of wide
 * accesses, narrow-access rejection, overlap refusal, unmapped and strict behaviour,
 * accesses that run off a region's end, devices that refuse an access, dispatch and
 * naming through a register table, memory vs I/O space, and the access hook. */
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

static void test_straddle_rejected(void)
{
    AddrSpace as;
    Probe p = { 0 };
    as_init(&as, "mem", SPACE_MEM);
    as_add(&as, 0x1000, 16, "probe", &any_ops, &p, NULL);
    as.hook = hook;
    nseen = 0;
    /* 4 bytes at offset 14 of a 16-byte region: never reaches the device. */
    uint64_t v = 0;
    CU_ASSERT_EQUAL(as_read(&as, 0x100e, 4, &v), 0);
    CU_ASSERT_EQUAL(v, 0xffffffffu);
    CU_ASSERT_EQUAL(as_write(&as, 0x1009, 8, 0x1122334455667788ull), 0);
    CU_ASSERT_EQUAL(p.reads + p.writes, 0);
    CU_ASSERT_EQUAL_FATAL(nseen, 2);
    CU_ASSERT_EQUAL(seen[0].kind, ACC_REJECTED);
    CU_ASSERT_FALSE(seen[0].is_write);
    CU_ASSERT_EQUAL(seen[0].addr, 0x100e);
    CU_ASSERT_EQUAL(seen[0].size, 4);
    CU_ASSERT_PTR_EQUAL(seen[0].region, as_find(&as, 0x1000));
    CU_ASSERT_EQUAL(seen[1].kind, ACC_REJECTED);
    CU_ASSERT_TRUE(seen[1].is_write);
    CU_ASSERT_EQUAL(seen[1].value, 0x1122334455667788ull);
    /* The last bytes inside the region are fine. */
    CU_ASSERT_EQUAL(as_read(&as, 0x100c, 4, &v), 0);
    CU_ASSERT_EQUAL(p.reads, 1);
    CU_ASSERT_EQUAL(seen[2].kind, ACC_DEVICE);
    /* --strict: the same accesses fault, and are still seen. */
    as.strict = true;
    nseen = 0;
    CU_ASSERT_EQUAL(as_read(&as, 0x100e, 4, &v), -1);
    CU_ASSERT_EQUAL(as_write(&as, 0x100f, 2, 0), -1);
    CU_ASSERT_EQUAL(p.reads, 1);
    CU_ASSERT_EQUAL(p.writes, 0);
    CU_ASSERT_EQUAL(nseen, 2);
    CU_ASSERT_EQUAL(seen[0].kind, ACC_REJECTED);
    CU_ASSERT_EQUAL(seen[1].kind, ACC_REJECTED);
    as_destroy(&as);
}

static void test_narrow_and_strict(void)
{
    AddrSpace as;
    Probe p = { 0 };
    as_init(&as, "mem", SPACE_MEM);
    as_add(&as, 0x2000, 16, "words", &word_ops, &p, NULL);
    as.hook = hook;
    nseen = 0;
    /* Not strict: narrow loads read all ones, narrow stores are dropped. */
    uint64_t v = 0;
    CU_ASSERT_EQUAL(as_read(&as, 0x2000, 2, &v), 0);
    CU_ASSERT_EQUAL(v, 0xffff);
    CU_ASSERT_EQUAL(as_write(&as, 0x2004, 1, 0x5a), 0);
    CU_ASSERT_EQUAL(p.reads + p.writes, 0);
    CU_ASSERT_EQUAL(nseen, 2);
    CU_ASSERT_EQUAL(seen[0].kind, ACC_REJECTED);
    CU_ASSERT_EQUAL(seen[1].kind, ACC_REJECTED);
    /* --strict: both fault; the device still sees nothing. */
    as.strict = true;
    CU_ASSERT_EQUAL(as_read(&as, 0x2000, 2, &v), -1);
    CU_ASSERT_EQUAL(as_write(&as, 0x2004, 1, 0x5a), -1);
    CU_ASSERT_EQUAL(p.reads + p.writes, 0);
    /* A full-width access is unaffected by --strict. */
    CU_ASSERT_EQUAL(as_write(&as, 0x2004, 4, 7), 0);
    CU_ASSERT_EQUAL(as_read(&as, 0x2004, 4, &v), 0);
    CU_ASSERT_EQUAL(v, 7);
    /* A read-only device (no write callback) rejects stores, and faults them when strict. */
    static const MemOps ro_ops = { .read = probe_read };
    Probe q = { 0 };
    as_add(&as, 0x3000, 16, "ro", &ro_ops, &q, NULL);
    CU_ASSERT_EQUAL(as_write(&as, 0x3000, 4, 1), -1);
    as.strict = false;
    CU_ASSERT_EQUAL(as_write(&as, 0x3000, 4, 1), 0);
    CU_ASSERT_EQUAL(q.writes, 0);
    as_destroy(&as);
}

/* A device that refuses accesses at offsets >= 8 (a bus error of its own). */
static int picky_read(void *o, uint64_t off, unsigned size, uint64_t *val)
{
    if (off >= 8)
        return -1;
    return probe_read(o, off, size, val);
}
static int picky_write(void *o, uint64_t off, unsigned size, uint64_t val)
{
    if (off >= 8)
        return -1;
    return probe_write(o, off, size, val);
}

static void test_device_refuses(void)
{
    static const MemOps picky_ops = { .read = picky_read, .write = picky_write, .max_size = 4 };
    AddrSpace as;
    Probe p = { 0 };
    as_init(&as, "mem", SPACE_MEM);
    as_add(&as, 0x4000, 16, "picky", &picky_ops, &p, NULL);
    as.hook = hook;
    nseen = 0;
    /* Not strict, and still a fault: the device said so. */
    uint64_t v = 0;
    CU_ASSERT_EQUAL(as_read(&as, 0x4008, 4, &v), -1);
    CU_ASSERT_EQUAL(v, 0xffffffffu);
    CU_ASSERT_EQUAL(as_write(&as, 0x400c, 4, 1), -1);
    CU_ASSERT_EQUAL(as_read(&as, 0x4004, 4, &v), 0);
    /* A split access fails when one of its halves does; the first half was done. */
    CU_ASSERT_EQUAL(as_write(&as, 0x4004, 8, 0x1111111122222222ull), -1);
    CU_ASSERT_EQUAL(ld32_le(p.regs + 4), 0x22222222u);
    CU_ASSERT_EQUAL(as_read(&as, 0x4004, 8, &v), -1);
    CU_ASSERT_EQUAL(v, ~0ull);
    /* Each is seen as the device access it was (the value read: all ones). */
    CU_ASSERT_EQUAL_FATAL(nseen, 5);
    CU_ASSERT_EQUAL(seen[0].kind, ACC_DEVICE);
    CU_ASSERT_EQUAL(seen[0].value, 0xffffffffu);
    CU_ASSERT_EQUAL(seen[1].kind, ACC_DEVICE);
    CU_ASSERT_TRUE(seen[1].is_write);
    as_destroy(&as);
}

/* A table-driven device: one 4-byte register, an 8-byte array of bytes, a read-only
 * register. The callbacks record what the bus gave them. */
typedef struct TabDev {
    uint32_t ctrl;
    uint8_t arr[8];
    unsigned last_sub, last_size, calls;
} TabDev;
static uint64_t ctrl_rd(void *o, unsigned sub, unsigned size)
{
    TabDev *t = o;
    t->calls++;
    t->last_sub = sub;
    t->last_size = size;
    return t->ctrl;
}
static void ctrl_wr(void *o, unsigned sub, unsigned size, uint64_t v)
{
    TabDev *t = o;
    t->calls++;
    t->ctrl = (uint32_t)v;
}
static uint64_t arr_rd(void *o, unsigned sub, unsigned size)
{
    TabDev *t = o;
    t->last_sub = sub;
    t->last_size = size;
    return ldn_le(t->arr + sub, size);
}
static void arr_wr(void *o, unsigned sub, unsigned size, uint64_t v) { stn_le(((TabDev *)o)->arr + sub, size, v); }
static uint64_t id_rd(void *o, unsigned sub, unsigned size) { return 0xc0de; }

static const RegDesc tab_regs[] = {
    { 0x0, 4, "ctrl", ctrl_rd, ctrl_wr },
    { 0x8, 8, "arr", arr_rd, arr_wr },
    { 0x10, 4, "id", id_rd, NULL },
    { 0x14, 4, "reserved" },
};
static const MemOps tab_ops = { .regs = tab_regs, .nregs = ARRAY_SIZE(tab_regs), .max_size = 4 };

static const char *named(void *o, uint64_t off, unsigned size) { return off == 4 ? "four" : NULL; }

static void test_register_table(void)
{
    AddrSpace as;
    TabDev t = { 0 };
    as_init(&as, "mem", SPACE_MEM);
    CU_ASSERT_EQUAL(as_add(&as, 0x8000, 0x20, "tab", &tab_ops, &t, NULL), 0);
    uint64_t v = 0;
    /* Rows are dispatched with the offset inside the row. */
    CU_ASSERT_EQUAL(as_write(&as, 0x8000, 4, 0xabcd), 0);
    CU_ASSERT_EQUAL(t.ctrl, 0xabcd);
    CU_ASSERT_EQUAL(as_read(&as, 0x8002, 2, &v), 0);
    CU_ASSERT_EQUAL(t.last_sub, 2);
    CU_ASSERT_EQUAL(t.last_size, 2);
    CU_ASSERT_EQUAL(as_write(&as, 0x800b, 1, 0x77), 0);
    CU_ASSERT_EQUAL(t.arr[3], 0x77);
    CU_ASSERT_EQUAL(as_read(&as, 0x800a, 2, &v), 0);
    CU_ASSERT_EQUAL(t.last_sub, 2);
    CU_ASSERT_EQUAL(v, 0x7700);
    /* An 8-byte access to a 4-byte-wide device is split into rows' halves. */
    CU_ASSERT_EQUAL(as_write(&as, 0x8008, 8, 0x0102030405060708ull), 0);
    CU_ASSERT_EQUAL(as_read(&as, 0x8008, 8, &v), 0);
    CU_ASSERT_EQUAL(v, 0x0102030405060708ull);
    CU_ASSERT_EQUAL(t.last_sub, 4);
    CU_ASSERT_EQUAL(t.last_size, 4);
    /* A row without a write callback ignores writes; one without callbacks and a hole
     * both read 0. */
    CU_ASSERT_EQUAL(as_write(&as, 0x8010, 4, 1), 0);
    CU_ASSERT_EQUAL(as_read(&as, 0x8010, 4, &v), 0);
    CU_ASSERT_EQUAL(v, 0xc0de);
    CU_ASSERT_EQUAL(as_read(&as, 0x8014, 4, &v), 0);
    CU_ASSERT_EQUAL(v, 0);
    unsigned calls = t.calls;
    CU_ASSERT_EQUAL(as_read(&as, 0x8004, 4, &v), 0);
    CU_ASSERT_EQUAL(v, 0);
    CU_ASSERT_EQUAL(as_write(&as, 0x801c, 4, 1), 0);
    CU_ASSERT_EQUAL(t.calls, calls);
    /* The same table names the registers; without one, reg_name does. */
    const Region *r = as_find(&as, 0x8000);
    CU_ASSERT_STRING_EQUAL(region_reg_name(r, 0x0, 4), "ctrl");
    CU_ASSERT_STRING_EQUAL(region_reg_name(r, 0xf, 1), "arr");
    CU_ASSERT_STRING_EQUAL(region_reg_name(r, 0x14, 4), "reserved");
    CU_ASSERT_PTR_NULL(region_reg_name(r, 0x4, 4));
    MemOps by_name = { .read = probe_read, .reg_name = named };
    Region n = { 0, 16, "n", &by_name, NULL };
    CU_ASSERT_STRING_EQUAL(region_reg_name(&n, 4, 4), "four");
    CU_ASSERT_PTR_NULL(region_reg_name(&n, 0, 4));
    Region none = { 0, 16, "none", &any_ops, NULL };
    CU_ASSERT_PTR_NULL(region_reg_name(&none, 0, 4));
    /* memops_* reach the device the same way, without the bus. */
    CU_ASSERT_EQUAL(memops_read(&tab_ops, &t, 0x10, 4, &v), 0);
    CU_ASSERT_EQUAL(v, 0xc0de);
    CU_ASSERT_EQUAL(memops_write(&tab_ops, &t, 0x0, 4, 9), 0);
    CU_ASSERT_EQUAL(t.ctrl, 9);
    as_destroy(&as);
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
    CU_add_test(s, "an access past the region's end is rejected", test_straddle_rejected);
    CU_add_test(s, "narrow accesses: all ones, or a fault under --strict", test_narrow_and_strict);
    CU_add_test(s, "a device's refusal is a fault", test_device_refuses);
    CU_add_test(s, "dispatch and names from a register table", test_register_table);
    return 0;
}
