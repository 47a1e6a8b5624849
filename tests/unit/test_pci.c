/* Unit tests of the PCI model (sim/pci/): config-space masks, BAR sizing and decode,
 * capabilities, ECAM vs mechanism #1, the I/O window, INTx swizzle and sharing, DMA
 * gating, error reporting, and the device-tree node. Guest accesses go through the
 * address spaces as the CPU's would. */
#include <CUnit/CUnit.h>
#include <libfdt.h>
#include <stdlib.h>

#include "sim/dtb.h"
#include "sim/pci/host_bridge.h"
#include "sim/pci/testdev.h"
#include "sim/plic.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1ull << 20)

/* ---- trace capture ---- */

typedef struct Seen {
    TraceEventType type;
    uint16_t bdf;
    uint8_t bar, pin, level;
    uint32_t irq, value;
    uint64_t addr, size;
    char text[160];          /* reason, BAR kind, or mech */
    char reg[32];
} Seen;

static Seen seen[64];
static unsigned nseen;

static void copy(char *dst, size_t n, const char *s) { snprintf(dst, n, "%s", s ? s : ""); }

static void tap(void *o, const TraceEvent *ev)
{
    (void)o;
    if (nseen >= ARRAY_SIZE(seen))
        return;
    Seen *s = &seen[nseen++];
    memset(s, 0, sizeof *s);
    s->type = ev->type;
    switch (ev->type) {
    case TRACE_EV_pci_error:
        s->bdf = ev->u.pci_error.bdf;
        copy(s->text, sizeof s->text, ev->u.pci_error.reason);
        break;
    case TRACE_EV_pci_bar_map:
    case TRACE_EV_pci_bar_unmap: {
        const TraceEv_pci_bar_map *m = &ev->u.pci_bar_map;  /* same fields */
        s->bdf = m->bdf;
        s->bar = m->bar;
        s->addr = m->addr;
        s->size = m->size;
        copy(s->text, sizeof s->text, m->kind);
        break;
    }
    case TRACE_EV_pci_intx:
        s->bdf = ev->u.pci_intx.bdf;
        s->pin = ev->u.pci_intx.pin;
        s->irq = ev->u.pci_intx.irq;
        s->level = ev->u.pci_intx.level;
        break;
    case TRACE_EV_pci_cfg_read:
    case TRACE_EV_pci_cfg_write: {
        const TraceEv_pci_cfg_read *c = &ev->u.pci_cfg_read;
        s->bdf = c->bdf;
        s->addr = c->offset;
        s->size = c->size;
        s->value = c->value;
        copy(s->text, sizeof s->text, c->mech);
        copy(s->reg, sizeof s->reg, c->reg);
        break;
    }
    default:
        break;
    }
}

static unsigned count(TraceEventType type)
{
    unsigned n = 0;
    for (unsigned i = 0; i < nseen; i++)
        n += seen[i].type == type;
    return n;
}

static const Seen *last(TraceEventType type)
{
    for (unsigned i = nseen; i-- > 0;)
        if (seen[i].type == type)
            return &seen[i];
    return NULL;
}

/* ---- a machine with just the PCI parts ---- */

typedef struct Fx {
    AddrSpace mem, io;
    Ram ram;
    Plic plic;
    IrqLine intx[PCI_NUM_INTX];
    TraceWriter *tw;
    Tracer tracer;
    PciHost *h;
    PciDev *td[4];
} Fx;

static void fx_init(Fx *f)
{
    memset(f, 0, sizeof *f);
    Err err = { "" };
    as_init(&f->mem, "mem", SPACE_MEM);
    as_init(&f->io, "io", SPACE_IO);
    CU_ASSERT_FATAL(ram_init(&f->ram, RAM_BASE, RAM_SIZE, &err) == 0);
    plic_init(&f->plic, (IrqLine){ 0 }, (IrqLine){ 0 });
    /* As the machine wires them: INTx line i to PLIC source 32 + i. */
    for (unsigned i = 0; i < PCI_NUM_INTX; i++)
        f->intx[i] = plic_irq(&f->plic, PCI_INTX_PLIC_BASE + i);
    f->tw = trace_open(NULL, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->tw);
    tracer_init(&f->tracer);
    tracer_observe(&f->tracer, tap, NULL, NULL);
    tracer_observe(&f->tracer, trace_observe, f->tw, NULL);
    f->h = pci_host_create(&f->mem, &f->io, &f->ram, f->intx, &f->tracer, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->h);
    nseen = 0;
}

/* Plugs a test device at slot; returns it. */
static PciDev *fx_testdev(Fx *f, unsigned slot)
{
    Err err = { "" };
    PciDev *d = pci_testdev_create(&err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_FATAL(pci_host_plug(f->h, d, slot, &err) == 0);
    for (unsigned i = 0; i < ARRAY_SIZE(f->td); i++) {
        if (!f->td[i]) {
            f->td[i] = d;
            break;
        }
    }
    return d;
}

static void fx_fini(Fx *f)
{
    pci_host_destroy(f->h);
    for (unsigned i = 0; i < ARRAY_SIZE(f->td); i++)
        if (f->td[i])
            pci_testdev_destroy(f->td[i]);
    /* After the host is gone nothing may be left in either space. */
    CU_ASSERT_EQUAL(f->mem.n, 0);
    CU_ASSERT_EQUAL(f->io.n, 0);
    Err err;
    trace_close(f->tw, &err);
    ram_destroy(&f->ram);
    as_destroy(&f->mem);
    as_destroy(&f->io);
}

static uint64_t mem_rd(Fx *f, uint64_t addr, unsigned size)
{
    uint64_t v = 0;
    as_read(&f->mem, addr, size, &v);
    return v;
}

static void mem_wr(Fx *f, uint64_t addr, unsigned size, uint64_t v) { as_write(&f->mem, addr, size, v); }

static uint64_t ecam(unsigned bus, unsigned dev, unsigned reg)
{
    return PCI_ECAM_BASE + ((uint64_t)bus << 20 | dev << 15 | reg);
}

static uint32_t ecam_rd(Fx *f, unsigned dev, unsigned reg, unsigned size) { return (uint32_t)mem_rd(f, ecam(0, dev, reg), size); }
static void ecam_wr(Fx *f, unsigned dev, unsigned reg, unsigned size, uint32_t v) { mem_wr(f, ecam(0, dev, reg), size, v); }

/* Mechanism #1 straight in the I/O space. */
static uint32_t cf8_rd(Fx *f, unsigned dev, unsigned reg, unsigned size)
{
    uint64_t v = 0;
    as_write(&f->io, 0xcf8, 4, 0x80000000u | dev << 11 | (reg & 0xfc));
    as_read(&f->io, 0xcfc + (reg & 3), size, &v);
    return (uint32_t)v;
}

static void cf8_wr(Fx *f, unsigned dev, unsigned reg, unsigned size, uint32_t v)
{
    as_write(&f->io, 0xcf8, 4, 0x80000000u | dev << 11 | (reg & 0xfc));
    as_write(&f->io, 0xcfc + (reg & 3), size, v);
}

/* Assigns the test device's BARs: I/O 0x1000, mem32 m32, mem64 m64. */
static void assign(Fx *f, unsigned dev, uint64_t m32, uint64_t m64)
{
    ecam_wr(f, dev, 0x10, 4, 0x1000);
    ecam_wr(f, dev, 0x14, 4, (uint32_t)m32);
    ecam_wr(f, dev, 0x18, 4, (uint32_t)m64);
    ecam_wr(f, dev, 0x1c, 4, (uint32_t)(m64 >> 32));
}

/* ---- tests ---- */

static void test_ids_readonly(void)
{
    Fx f;
    fx_init(&f);
    fx_testdev(&f, 1);
    /* The bridge itself, 00:00.0, as QEMU's gpex. */
    CU_ASSERT_EQUAL(ecam_rd(&f, 0, 0, 4), 0x00081b36);
    CU_ASSERT_EQUAL(ecam_rd(&f, 0, 0x08, 4) >> 8, 0x060000);
    /* The test device. */
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0, 2), 0x1b36);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 2, 2), 0x0005);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x0b, 1), 0xff);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x3d, 1), 1);     /* INTA */
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x0e, 1), 0);     /* type 0, single function */
    ecam_wr(&f, 1, 0x00, 4, 0xffffffff);
    ecam_wr(&f, 1, 0x08, 4, 0xffffffff);
    ecam_wr(&f, 1, 0x2c, 4, 0xffffffff);
    ecam_wr(&f, 1, 0x3d, 1, 3);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0, 4), 0x00051b36);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x08, 4), 0xff000000);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x2c, 4), 0x11001af4);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x3d, 1), 1);
    /* RW: command takes only the bits the model implements; interrupt line is free. */
    ecam_wr(&f, 1, 0x04, 2, 0xffff);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x04, 2), 0x0547);
    ecam_wr(&f, 1, 0x04, 2, 0);
    ecam_wr(&f, 1, 0x3c, 1, 0x21);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x3c, 1), 0x21);
    /* Absent functions and other buses read all ones; writes vanish. */
    CU_ASSERT_EQUAL(ecam_rd(&f, 7, 0, 4), 0xffffffff);
    CU_ASSERT_EQUAL(ecam_rd(&f, 7, 0, 2), 0xffff);
    CU_ASSERT_EQUAL(mem_rd(&f, ecam(1, 1, 0), 4), 0xffffffff);
    CU_ASSERT_EQUAL(mem_rd(&f, ecam(0, 1, 0) + (1 << 12), 4), 0xffffffff); /* fn 1 */
    /* Each config access is a trace event with the register's name and mechanism. */
    nseen = 0;
    ecam_rd(&f, 1, 0x04, 2);
    CU_ASSERT_EQUAL(nseen, 1);
    CU_ASSERT_EQUAL(seen[0].type, TRACE_EV_pci_cfg_read);
    CU_ASSERT_EQUAL(seen[0].bdf, 1 << 3);
    CU_ASSERT_STRING_EQUAL(seen[0].reg, "command");
    CU_ASSERT_STRING_EQUAL(seen[0].text, "ecam");
    fx_fini(&f);
}

static void test_bar_sizing(void)
{
    Fx f;
    fx_init(&f);
    fx_testdev(&f, 1);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x10, 4), 0x1);           /* I/O, unassigned */
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x18, 4), 0xc);           /* mem64, prefetchable */
    for (unsigned bar = 0; bar < 6; bar++)
        ecam_wr(&f, 1, 0x10 + 4 * bar, 4, 0xffffffff);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x10, 4), 0xffffffe1);    /* 32 bytes of I/O */
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x14, 4), 0xfffff000);    /* 4 KiB mem32 */
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x18, 4), 0xffffc00c);    /* 16 KiB mem64 pref */
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x1c, 4), 0xffffffff);    /* its upper half */
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x20, 4), 0);             /* unimplemented */
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x24, 4), 0);
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_error), 0);

    /* A 32-bit prefetchable BAR and a BAR larger than 4 GiB. */
    static const MemOps ops = { 0 };
    PciDev d;
    pci_dev_init(&d, &(PciDevInfo){ .name = "t" });
    CU_ASSERT_EQUAL(pci_register_bar(&d, 0, PCI_BAR_MEM32 | PCI_BAR_PREFETCH, 0x100000, &ops, NULL, NULL), 0);
    CU_ASSERT_EQUAL(pci_register_bar(&d, 2, PCI_BAR_MEM64, 1ull << 33, &ops, NULL, NULL), 0);
    pci_config_write(&d, 0x10, 4, 0xffffffff);
    pci_config_write(&d, 0x18, 4, 0xffffffff);
    pci_config_write(&d, 0x1c, 4, 0xffffffff);
    CU_ASSERT_EQUAL(pci_config_read(&d, 0x10, 4), 0xfff00008);
    CU_ASSERT_EQUAL(pci_config_read(&d, 0x18, 4), 0x00000004);
    CU_ASSERT_EQUAL(pci_config_read(&d, 0x1c, 4), 0xfffffffe);
    CU_ASSERT_STRING_EQUAL(d.bars[0].region_name, "t.bar0");
    /* Bad declarations are refused and change nothing. */
    CU_ASSERT_EQUAL(pci_register_bar(&d, 1, PCI_BAR_MEM32, 0x3000, &ops, NULL, NULL), -1); /* not 2^n */
    CU_ASSERT_EQUAL(pci_register_bar(&d, 1, PCI_BAR_IO, 2, &ops, NULL, NULL), -1);         /* too small */
    CU_ASSERT_EQUAL(pci_register_bar(&d, 5, PCI_BAR_MEM64, 0x1000, &ops, NULL, NULL), -1); /* no slot 6 */
    CU_ASSERT_EQUAL(pci_register_bar(&d, 3, PCI_BAR_MEM32, 0x1000, &ops, NULL, NULL), -1); /* upper half */
    CU_ASSERT_EQUAL(pci_register_bar(&d, 0, PCI_BAR_MEM32, 0x1000, &ops, NULL, NULL), -1); /* taken */
    CU_ASSERT_EQUAL(pci_register_bar(&d, 1, PCI_BAR_IO | PCI_BAR_PREFETCH, 0x10, &ops, NULL, NULL), -1);
    CU_ASSERT_EQUAL(pci_register_bar(&d, 1, PCI_BAR_IO | PCI_BAR_MEM32, 0x10, &ops, NULL, NULL), -1);
    CU_ASSERT_EQUAL(pci_config_read(&d, 0x14, 4), 0);
    fx_fini(&f);
}

static void test_status_w1c(void)
{
    Fx f;
    fx_init(&f);
    PciDev *d = fx_testdev(&f, 1);
    /* The device records errors; the guest clears them by writing ones. */
    pci_cfg_set16(d, PCI_STATUS, pci_cfg_get16(d, PCI_STATUS) | PCI_STATUS_REC_MASTER_ABORT |
                                     PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
    uint16_t st = (uint16_t)ecam_rd(&f, 1, 0x06, 2);
    CU_ASSERT_EQUAL(st, PCI_STATUS_CAP_LIST | 0x2000 | 0x4000 | 0x8000);
    ecam_wr(&f, 1, 0x06, 2, 0x2000);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x06, 2), PCI_STATUS_CAP_LIST | 0x4000 | 0x8000);
    /* Zeros clear nothing; ones on read-only bits change nothing. */
    ecam_wr(&f, 1, 0x06, 2, 0x0000);
    ecam_wr(&f, 1, 0x06, 2, 0x001f);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x06, 2), PCI_STATUS_CAP_LIST | 0x4000 | 0x8000);
    /* A 32-bit write of command+status: the command half takes, the status half clears. */
    ecam_wr(&f, 1, 0x04, 4, 0xffff0004);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x04, 4), (uint32_t)PCI_STATUS_CAP_LIST << 16 | 0x0004);
    fx_fini(&f);
}

static void test_decode_enable(void)
{
    Fx f;
    fx_init(&f);
    PciDev *d = fx_testdev(&f, 1);
    assign(&f, 1, 0x40000000, 0x400000000ull);
    /* Assigned but not decoding: nothing there. */
    CU_ASSERT_EQUAL(mem_rd(&f, 0x40000000, 4), 0xffffffff);
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_bar_map), 0);
    CU_ASSERT_EQUAL(pci_bar_addr(d, 1), PCI_BAR_UNMAPPED);

    ecam_wr(&f, 1, 0x04, 2, PCI_COMMAND_MEMORY);
    CU_ASSERT_EQUAL(mem_rd(&f, 0x40000000, 4), PCI_TESTDEV_MAGIC);
    CU_ASSERT_EQUAL(mem_rd(&f, 0x400000000ull, 4), PCI_TESTDEV_MAGIC);
    CU_ASSERT_STRING_EQUAL(as_find(&f.mem, 0x40000000)->name, "pci-testdev.bar1");
    CU_ASSERT_STRING_EQUAL(as_find(&f.mem, 0x400000000ull)->name, "pci-testdev.bar2");
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_bar_map), 2);
    const Seen *m = last(TRACE_EV_pci_bar_map);
    CU_ASSERT_EQUAL(m->bdf, 1 << 3);
    CU_ASSERT_EQUAL(m->bar, 2);
    CU_ASSERT_EQUAL(m->addr, 0x400000000ull);
    CU_ASSERT_EQUAL(m->size, 0x4000);
    CU_ASSERT_STRING_EQUAL(m->text, "mem64-pref");
    /* I/O decode is separate. */
    CU_ASSERT_EQUAL(mem_rd(&f, PCI_IO_BASE + 0x1000, 4), 0xffffffff);
    ecam_wr(&f, 1, 0x04, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    CU_ASSERT_EQUAL(mem_rd(&f, PCI_IO_BASE + 0x1000, 4), PCI_TESTDEV_MAGIC);
    CU_ASSERT_EQUAL(last(TRACE_EV_pci_bar_map)->bar, 0);
    CU_ASSERT_STRING_EQUAL(last(TRACE_EV_pci_bar_map)->text, "io");

    /* Writes reach the device: its scratch register through the mem32 BAR. */
    mem_wr(&f, 0x40000000 + PCI_TESTDEV_REG_SCRATCH, 4, 0xcafef00d);
    CU_ASSERT_EQUAL(mem_rd(&f, 0x400000000ull + PCI_TESTDEV_REG_SCRATCH, 4), 0xcafef00d);

    /* Reprogramming a decoding BAR moves it. */
    nseen = 0;
    ecam_wr(&f, 1, 0x14, 4, 0x40010000);
    CU_ASSERT_EQUAL(mem_rd(&f, 0x40000000, 4), 0xffffffff);
    CU_ASSERT_EQUAL(mem_rd(&f, 0x40010000, 4), PCI_TESTDEV_MAGIC);
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_bar_unmap), 1);
    CU_ASSERT_EQUAL(last(TRACE_EV_pci_bar_unmap)->addr, 0x40000000);
    CU_ASSERT_EQUAL(last(TRACE_EV_pci_bar_map)->addr, 0x40010000);
    CU_ASSERT_EQUAL(pci_bar_addr(d, 1), 0x40010000);

    /* Memory decode off: both memory BARs go, the I/O BAR stays. */
    nseen = 0;
    ecam_wr(&f, 1, 0x04, 2, PCI_COMMAND_IO);
    CU_ASSERT_EQUAL(mem_rd(&f, 0x40010000, 4), 0xffffffff);
    CU_ASSERT_EQUAL(mem_rd(&f, 0x400000000ull, 4), 0xffffffff);
    CU_ASSERT_EQUAL(mem_rd(&f, PCI_IO_BASE + 0x1000, 4), PCI_TESTDEV_MAGIC);
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_bar_unmap), 2);
    /* Rewriting the same command changes nothing and says nothing. */
    nseen = 0;
    ecam_wr(&f, 1, 0x04, 2, PCI_COMMAND_IO);
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_bar_map) + count(TRACE_EV_pci_bar_unmap), 0);

    /* Sizing while decoding unmaps silently; restoring maps again. */
    ecam_wr(&f, 1, 0x04, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
    nseen = 0;
    ecam_wr(&f, 1, 0x18, 4, 0xffffffff);
    CU_ASSERT_EQUAL(mem_rd(&f, 0x400000000ull, 4), 0xffffffff);
    ecam_wr(&f, 1, 0x1c, 4, 0xffffffff);
    ecam_wr(&f, 1, 0x18, 4, 0);
    ecam_wr(&f, 1, 0x1c, 4, 4);
    CU_ASSERT_EQUAL(mem_rd(&f, 0x400000000ull, 4), PCI_TESTDEV_MAGIC);
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_error), 0);
    /* Address 0 means unassigned: no mapping, no error. */
    ecam_wr(&f, 1, 0x14, 4, 0);
    CU_ASSERT_EQUAL(pci_bar_addr(d, 1), PCI_BAR_UNMAPPED);
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_error), 0);

    /* A function-level reset unmaps everything. */
    pci_dev_reset(d);
    CU_ASSERT_EQUAL(mem_rd(&f, PCI_IO_BASE + 0x1000, 4), 0xffffffff);
    CU_ASSERT_EQUAL(pci_bar_addr(d, 0), PCI_BAR_UNMAPPED);
    CU_ASSERT_EQUAL(pci_bar_addr(d, 2), PCI_BAR_UNMAPPED);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x04, 2), 0);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x18, 4), 0xc);
    fx_fini(&f);
}

static void test_bar_conflicts(void)
{
    Fx f;
    fx_init(&f);
    PciDev *a = fx_testdev(&f, 1);
    PciDev *b = fx_testdev(&f, 2);
    assign(&f, 1, 0x40000000, 0x400000000ull);
    assign(&f, 2, 0x40000000, 0x400100000ull);
    ecam_wr(&f, 1, 0x04, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_error), 0);
    ecam_wr(&f, 2, 0x04, 2, PCI_COMMAND_MEMORY);
    /* b's BAR1 collides with a's: reported, left unmapped, a undisturbed. */
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_error), 1);
    const Seen *e = last(TRACE_EV_pci_error);
    CU_ASSERT_EQUAL(e->bdf, 2 << 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(e->text, "overlaps"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e->text, "pci-testdev.bar1"));
    CU_ASSERT_EQUAL(pci_bar_addr(b, 1), PCI_BAR_UNMAPPED);
    CU_ASSERT_EQUAL(pci_bar_addr(b, 2), 0x400100000ull);
    CU_ASSERT_EQUAL(pci_bar_addr(a, 1), 0x40000000);
    CU_ASSERT_PTR_EQUAL(as_find(&f.mem, 0x40000000)->opaque, a);
    /* Moving b elsewhere maps it. */
    ecam_wr(&f, 2, 0x14, 4, 0x40002000);
    CU_ASSERT_EQUAL(pci_bar_addr(b, 1), 0x40002000);
    CU_ASSERT_EQUAL(mem_rd(&f, 0x40002000, 4), PCI_TESTDEV_MAGIC);

    /* Outside the windows: reported, unmapped, never aborts. */
    nseen = 0;
    ecam_wr(&f, 2, 0x14, 4, 0x20000000);
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_error), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(last(TRACE_EV_pci_error)->text, "outside"));
    CU_ASSERT_EQUAL(pci_bar_addr(b, 1), PCI_BAR_UNMAPPED);
    CU_ASSERT_EQUAL(mem_rd(&f, 0x20000000, 4), 0xffffffff);
    ecam_wr(&f, 2, 0x18, 4, 0);                /* 4 GiB: between the two windows */
    ecam_wr(&f, 2, 0x1c, 4, 1);
    CU_ASSERT_EQUAL(pci_bar_addr(b, 2), PCI_BAR_UNMAPPED);
    CU_ASSERT_PTR_NOT_NULL(strstr(last(TRACE_EV_pci_error)->text, "outside the memory window"));
    ecam_wr(&f, 2, 0x18, 4, 0x7fffc000);       /* the last 16 KiB of the mem32 window */
    ecam_wr(&f, 2, 0x1c, 4, 0);
    CU_ASSERT_EQUAL(pci_bar_addr(b, 2), 0x7fffc000);
    /* An I/O BAR over the 0xcf8 ports is an overlap too. */
    nseen = 0;
    ecam_wr(&f, 2, 0x10, 4, 0xce0);
    ecam_wr(&f, 2, 0x04, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    CU_ASSERT_EQUAL(pci_bar_addr(b, 0), PCI_BAR_UNMAPPED);
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_error), 1);
    /* The config ports still work. */
    CU_ASSERT_EQUAL(cf8_rd(&f, 2, 0, 4), 0x00051b36);
    fx_fini(&f);
}

static void test_capabilities(void)
{
    Fx f;
    fx_init(&f);
    PciDev *d = fx_testdev(&f, 1);
    CU_ASSERT(ecam_rd(&f, 1, 0x06, 2) & PCI_STATUS_CAP_LIST);
    /* Walk the list as a guest does. */
    uint8_t ids[8];
    unsigned n = 0, p = ecam_rd(&f, 1, 0x34, 1);
    CU_ASSERT_EQUAL(p, 0x40);
    while (p && n < 8) {
        CU_ASSERT_EQUAL(p & 3, 0);
        ids[n++] = (uint8_t)ecam_rd(&f, 1, p, 1);
        p = ecam_rd(&f, 1, p + 1, 1);
    }
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_EQUAL(ids[0], PCI_CAP_ID_PM);
    CU_ASSERT_EQUAL(ids[1], PCI_CAP_ID_VNDR);
    unsigned vc = pci_find_capability(d, PCI_CAP_ID_VNDR, 0);
    CU_ASSERT_EQUAL(vc, 0x48);
    CU_ASSERT_EQUAL(pci_find_capability(d, PCI_CAP_ID_PM, 0), 0x40);
    CU_ASSERT_EQUAL(pci_find_capability(d, PCI_CAP_ID_VNDR, vc), 0);
    CU_ASSERT_EQUAL(pci_find_capability(d, PCI_CAP_ID_MSIX, 0), 0);
    /* Header read-only, body writable where the device opened it. */
    ecam_wr(&f, 1, vc, 2, 0xffff);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, vc, 2), PCI_CAP_ID_VNDR);
    ecam_wr(&f, 1, vc + 4, 4, 0x12345678);
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, vc + 4, 4), 0x12345678);
    ecam_wr(&f, 1, 0x44, 2, 0xffff);            /* PMCSR: only the power state */
    CU_ASSERT_EQUAL(ecam_rd(&f, 1, 0x44, 2), 3);
    CU_ASSERT_STRING_EQUAL(pci_config_reg_name(d, vc + 5), "cap.vndr");
    CU_ASSERT_STRING_EQUAL(pci_config_reg_name(d, 0x42), "cap.pm");
    CU_ASSERT_STRING_EQUAL(pci_config_reg_name(d, 0x10), "bar0");
    CU_ASSERT_PTR_NULL(pci_config_reg_name(d, 0x80));
    /* Capabilities fill the 256-byte space and then refuse. */
    PciDev t;
    pci_dev_init(&t, &(PciDevInfo){ .name = "t" });
    CU_ASSERT_EQUAL(pci_cfg_get16(&t, PCI_STATUS) & PCI_STATUS_CAP_LIST, 0);
    CU_ASSERT_EQUAL(pci_find_capability(&t, PCI_CAP_ID_VNDR, 0), 0);
    CU_ASSERT_EQUAL(pci_add_capability(&t, PCI_CAP_ID_VNDR, 3), 0x40);
    CU_ASSERT_EQUAL(pci_add_capability(&t, PCI_CAP_ID_VNDR, 0xb8), 0x44);
    CU_ASSERT_EQUAL(pci_add_capability(&t, PCI_CAP_ID_VNDR, 8), 0);
    CU_ASSERT_EQUAL(pci_cfg_get8(&t, 0x41), 0x44);
    fx_fini(&f);
}

static void test_cf8_vs_ecam(void)
{
    Fx f;
    fx_init(&f);
    fx_testdev(&f, 3);
    static const unsigned regs[] = { 0x00, 0x02, 0x04, 0x06, 0x08, 0x0b, 0x0e, 0x10, 0x18,
                                     0x2c, 0x34, 0x3c, 0x3d, 0x40, 0x48, 0x4c, 0xfc };
    for (unsigned dev = 0; dev < 5; dev++) {
        for (unsigned i = 0; i < ARRAY_SIZE(regs); i++) {
            for (unsigned size = 1; size <= 4; size *= 2) {
                if (regs[i] & (size - 1))
                    continue;
                CU_ASSERT_EQUAL(cf8_rd(&f, dev, regs[i], size), ecam_rd(&f, dev, regs[i], size));
            }
        }
    }
    /* Written through one, seen through the other, at every width. */
    cf8_wr(&f, 3, 0x3c, 1, 0x5a);
    CU_ASSERT_EQUAL(ecam_rd(&f, 3, 0x3c, 1), 0x5a);
    cf8_wr(&f, 3, 0x4c, 2, 0xbeef);
    cf8_wr(&f, 3, 0x4e, 2, 0xdead);
    CU_ASSERT_EQUAL(ecam_rd(&f, 3, 0x4c, 4), 0xdeadbeef);
    ecam_wr(&f, 3, 0x4c, 4, 0x01020304);
    CU_ASSERT_EQUAL(cf8_rd(&f, 3, 0x4f, 1), 0x01);
    CU_ASSERT_EQUAL(cf8_rd(&f, 3, 0x4c, 4), 0x01020304);
    /* The BAR mapping follows either path. */
    cf8_wr(&f, 3, 0x14, 4, 0x40000000);
    cf8_wr(&f, 3, 0x04, 2, PCI_COMMAND_MEMORY);
    CU_ASSERT_EQUAL(mem_rd(&f, 0x40000000, 4), PCI_TESTDEV_MAGIC);
    /* The trace names the mechanism. */
    nseen = 0;
    cf8_rd(&f, 3, 0x00, 4);
    ecam_rd(&f, 3, 0x00, 4);
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_cfg_read), 2);
    CU_ASSERT_STRING_EQUAL(seen[0].type == TRACE_EV_pci_cfg_read ? seen[0].text : seen[1].text, "cf8");
    CU_ASSERT_STRING_EQUAL(last(TRACE_EV_pci_cfg_read)->text, "ecam");
    CU_ASSERT_EQUAL(last(TRACE_EV_pci_cfg_read)->bdf, 3 << 3);
    /* Enable bit clear: the data port reaches nothing. */
    as_write(&f.io, 0xcf8, 4, 3u << 11);
    uint64_t v = 0;
    as_read(&f.io, 0xcfc, 4, &v);
    CU_ASSERT_EQUAL(v, 0xffffffff);
    as_read(&f.io, 0xcf8, 4, &v);
    CU_ASSERT_EQUAL(v, 3u << 11);
    fx_fini(&f);
}

typedef struct Probe {
    unsigned reads, writes;
    uint64_t off, val;
} Probe;
static int probe_read(void *o, uint64_t off, unsigned size, uint64_t *v) { Probe *p = o; p->reads++; p->off = off; *v = 0xab; return 0; }
static int probe_write(void *o, uint64_t off, unsigned size, uint64_t v) { Probe *p = o; p->writes++; p->off = off; p->val = v; return 0; }
static const MemOps probe_ops = { .read = probe_read, .write = probe_write };

static BusAccess hooked[8];
static unsigned nhooked;
static void hook(void *ctx, const BusAccess *a) { (void)ctx; if (nhooked < 8) hooked[nhooked++] = *a; }

static void test_io_window(void)
{
    Fx f;
    fx_init(&f);
    Probe p = { 0 };
    CU_ASSERT_FATAL(as_add(&f.io, 0x2000, 0x10, "probe", &probe_ops, &p, NULL) == 0);
    f.mem.hook = hook;
    f.io.hook = hook;
    nhooked = 0;
    CU_ASSERT_EQUAL(mem_rd(&f, PCI_IO_BASE + 0x2004, 1), 0xab);
    mem_wr(&f, PCI_IO_BASE + 0x2008, 2, 0x1234);
    CU_ASSERT_EQUAL(p.reads, 1);
    CU_ASSERT_EQUAL(p.writes, 1);
    CU_ASSERT_EQUAL(p.off, 8);
    CU_ASSERT_EQUAL(p.val, 0x1234);
    /* Seen once each, as PIO at the port, not as MMIO at the window. */
    CU_ASSERT_EQUAL_FATAL(nhooked, 2);
    CU_ASSERT_EQUAL(hooked[0].space, SPACE_IO);
    CU_ASSERT_EQUAL(hooked[0].addr, 0x2004);
    CU_ASSERT_EQUAL(hooked[1].space, SPACE_IO);
    CU_ASSERT_EQUAL(hooked[1].addr, 0x2008);
    /* Mechanism #1 through the window, as a guest CPU reaches it: the address port is
     * a PIO event, the data port is traced only as the config access it makes. */
    nhooked = nseen = 0;
    mem_wr(&f, PCI_IO_BASE + 0xcf8, 4, 0x80000000u);
    CU_ASSERT_EQUAL(mem_rd(&f, PCI_IO_BASE + 0xcfc, 4), 0x00081b36);
    CU_ASSERT_EQUAL(mem_rd(&f, PCI_IO_BASE + 0xcfe, 2), 0x0008);
    CU_ASSERT_EQUAL(nhooked, 1);
    CU_ASSERT_EQUAL(hooked[0].addr, 0xcf8);
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_cfg_read), 2);
    /* Same for ECAM: one pci_cfg event, no MMIO event. */
    nhooked = nseen = 0;
    CU_ASSERT_EQUAL(ecam_rd(&f, 0, 0x0a, 2), 0x0600);
    CU_ASSERT_EQUAL(nhooked, 0);
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_cfg_read), 1);
    CU_ASSERT_STRING_EQUAL(last(TRACE_EV_pci_cfg_read)->reg, "class_device");
    /* An empty port reads all ones. */
    CU_ASSERT_EQUAL(mem_rd(&f, PCI_IO_BASE + 0x3000, 4), 0xffffffff);
    /* Under --strict it faults through the window as unmapped memory does, and a port
     * access the I/O space rejects (past the probe's 16 ports) faults too; mapped ports
     * still answer. */
    f.mem.strict = f.io.strict = true;
    uint64_t v = 0;
    CU_ASSERT_EQUAL(as_read(&f.mem, PCI_IO_BASE + 0x3000, 4, &v), -1);
    CU_ASSERT_EQUAL(as_write(&f.mem, PCI_IO_BASE + 0x3000, 1, 0), -1);
    CU_ASSERT_EQUAL(as_read(&f.mem, PCI_IO_BASE + 0x200e, 4, &v), -1);
    CU_ASSERT_EQUAL(as_read(&f.mem, PCI_IO_BASE + 0x2004, 1, &v), 0);
    CU_ASSERT_EQUAL(v, 0xab);
    CU_ASSERT_EQUAL(as_write(&f.mem, PCI_IO_BASE + 0x2004, 1, 1), 0);
    f.mem.strict = f.io.strict = false;
    f.mem.hook = f.io.hook = NULL;
    as_remove(&f.io, 0x2000, &p);
    fx_fini(&f);
}

static int plic_line(Fx *f, unsigned src) { return (f->plic.level[src / 32] >> (src % 32)) & 1; }

static void test_intx(void)
{
    Fx f;
    fx_init(&f);
    PciDev *d1 = fx_testdev(&f, 1);
    PciDev *d2 = fx_testdev(&f, 2);
    PciDev *d5 = fx_testdev(&f, 5);
    CU_ASSERT_EQUAL(pci_intx_irq(0, 1), 32);
    CU_ASSERT_EQUAL(pci_intx_irq(1, 1), 33);
    CU_ASSERT_EQUAL(pci_intx_irq(3, 2), 32);
    CU_ASSERT_EQUAL(pci_intx_irq(5, 1), 33);
    CU_ASSERT_EQUAL(pci_intx_irq(2, 4), 33);

    /* INTA of slot 1 is source 33; slot 5 shares it. */
    pci_set_irq(d1, 1);
    CU_ASSERT_EQUAL(plic_line(&f, 33), 1);
    CU_ASSERT_EQUAL(plic_line(&f, 32) | plic_line(&f, 34) | plic_line(&f, 35), 0);
    const Seen *e = last(TRACE_EV_pci_intx);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(e->bdf, 1 << 3);
    CU_ASSERT_EQUAL(e->pin, 1);
    CU_ASSERT_EQUAL(e->irq, 33);
    CU_ASSERT_EQUAL(e->level, 1);
    pci_set_irq(d5, 1);
    pci_set_irq(d1, 0);
    CU_ASSERT_EQUAL(plic_line(&f, 33), 1);       /* wired OR: slot 5 still holds it */
    pci_set_irq(d5, 0);
    CU_ASSERT_EQUAL(plic_line(&f, 33), 0);
    /* Repeating a level is not an event. */
    nseen = 0;
    pci_set_irq(d5, 0);
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_intx), 0);

    /* Through the device's own register, via its BAR. */
    assign(&f, 2, 0x40000000, 0x400000000ull);
    ecam_wr(&f, 2, 0x04, 2, PCI_COMMAND_MEMORY);
    mem_wr(&f, 0x40000000 + PCI_TESTDEV_REG_IRQ, 4, 1);
    CU_ASSERT_EQUAL(plic_line(&f, 34), 1);
    CU_ASSERT(ecam_rd(&f, 2, 0x06, 2) & PCI_STATUS_INTERRUPT);
    /* INTx disable masks the line but not the status bit. */
    ecam_wr(&f, 2, 0x04, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
    CU_ASSERT_EQUAL(plic_line(&f, 34), 0);
    CU_ASSERT(ecam_rd(&f, 2, 0x06, 2) & PCI_STATUS_INTERRUPT);
    ecam_wr(&f, 2, 0x04, 2, PCI_COMMAND_MEMORY);
    CU_ASSERT_EQUAL(plic_line(&f, 34), 1);
    mem_wr(&f, 0x40000000 + PCI_TESTDEV_REG_IRQ, 4, 0);
    CU_ASSERT_EQUAL(plic_line(&f, 34), 0);
    CU_ASSERT_EQUAL(ecam_rd(&f, 2, 0x06, 2) & PCI_STATUS_INTERRUPT, 0);
    (void)d2;

    /* Pin D of slot 3 (a custom function) lands on 32 + (3 + 3) % 4 = 34. */
    static const MemOps none = { 0 };
    PciDev x;
    pci_dev_init(&x, &(PciDevInfo){ .name = "x", .irq_pin = 4 });
    (void)none;
    Err err;
    CU_ASSERT_FATAL(pci_host_plug(f.h, &x, 3, &err) == 0);
    CU_ASSERT_EQUAL(pci_host_plug(f.h, &x, 4, &err), -1);   /* already plugged */
    pci_set_irq(&x, 1);
    CU_ASSERT_EQUAL(plic_line(&f, 34), 1);
    CU_ASSERT_EQUAL(last(TRACE_EV_pci_intx)->pin, 4);
    pci_set_irq(&x, 0);
    CU_ASSERT_EQUAL(plic_line(&f, 34), 0);
    /* A taken slot is refused with a message naming the occupant. */
    PciDev y;
    pci_dev_init(&y, &(PciDevInfo){ .name = "y" });
    CU_ASSERT_EQUAL(pci_host_plug(f.h, &y, 3, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "x"));
    CU_ASSERT_EQUAL(pci_host_plug(f.h, &y, 32, &err), -1);
    fx_fini(&f);
}

static void test_dma(void)
{
    Fx f;
    fx_init(&f);
    PciDev *d = fx_testdev(&f, 1);
    assign(&f, 1, 0x40000000, 0x400000000ull);
    ecam_wr(&f, 1, 0x04, 2, PCI_COMMAND_MEMORY);
    uint64_t regs = 0x40000000;
    memcpy(f.ram.host + 0x100, "ringside", 8);
    mem_wr(&f, regs + PCI_TESTDEV_REG_DMA_LO, 4, (uint32_t)(RAM_BASE + 0x100));
    mem_wr(&f, regs + PCI_TESTDEV_REG_DMA_HI, 4, (uint32_t)(RAM_BASE >> 32));
    mem_wr(&f, regs + PCI_TESTDEV_REG_DMA_LEN, 4, 8);
    /* Bus mastering off: refused, reported, nothing read. */
    mem_wr(&f, regs + PCI_TESTDEV_REG_DMA_CMD, 4, PCI_TESTDEV_DMA_FROM_GUEST);
    CU_ASSERT_EQUAL(mem_rd(&f, regs + PCI_TESTDEV_REG_DMA_STATUS, 4), 1);
    CU_ASSERT_EQUAL(mem_rd(&f, regs + PCI_TESTDEV_BUF, 4), 0);
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_error), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(last(TRACE_EV_pci_error)->text, "bus mastering"));
    uint8_t buf[4];
    CU_ASSERT_EQUAL(pci_dma_write(d, RAM_BASE, "x", 1), -1);
    CU_ASSERT_EQUAL(f.ram.host[0], 0);
    CU_ASSERT_EQUAL(pci_dma_read(d, RAM_BASE, buf, 4), -1);
    /* On: the copy happens both ways. */
    ecam_wr(&f, 1, 0x04, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    CU_ASSERT(pci_bus_master(d));
    mem_wr(&f, regs + PCI_TESTDEV_REG_DMA_CMD, 4, PCI_TESTDEV_DMA_FROM_GUEST);
    CU_ASSERT_EQUAL(mem_rd(&f, regs + PCI_TESTDEV_REG_DMA_STATUS, 4), 0);
    CU_ASSERT_EQUAL(mem_rd(&f, regs + PCI_TESTDEV_BUF, 4), ld32_le("ring"));
    mem_wr(&f, regs + PCI_TESTDEV_REG_DMA_LO, 4, (uint32_t)(RAM_BASE + 0x800));
    mem_wr(&f, regs + PCI_TESTDEV_REG_DMA_CMD, 4, PCI_TESTDEV_DMA_TO_GUEST);
    CU_ASSERT_EQUAL(memcmp(f.ram.host + 0x800, "ringside", 8), 0);
    /* Outside RAM: refused even with mastering on. */
    nseen = 0;
    mem_wr(&f, regs + PCI_TESTDEV_REG_DMA_LO, 4, (uint32_t)(RAM_BASE + RAM_SIZE - 4));
    mem_wr(&f, regs + PCI_TESTDEV_REG_DMA_CMD, 4, PCI_TESTDEV_DMA_TO_GUEST);
    CU_ASSERT_EQUAL(mem_rd(&f, regs + PCI_TESTDEV_REG_DMA_STATUS, 4), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(last(TRACE_EV_pci_error)->text, "outside RAM"));
    CU_ASSERT_EQUAL(pci_dma_read(d, 0x1000, buf, 4), -1);
    /* Longer than the device's buffer: the device refuses before any DMA. */
    mem_wr(&f, regs + PCI_TESTDEV_REG_DMA_LO, 4, (uint32_t)RAM_BASE);
    mem_wr(&f, regs + PCI_TESTDEV_REG_DMA_LEN, 4, PCI_TESTDEV_BUF_SIZE + 1);
    mem_wr(&f, regs + PCI_TESTDEV_REG_DMA_CMD, 4, PCI_TESTDEV_DMA_TO_GUEST);
    CU_ASSERT_EQUAL(mem_rd(&f, regs + PCI_TESTDEV_REG_DMA_STATUS, 4), 1);
    CU_ASSERT_EQUAL(f.ram.host[0], 0);
    /* Register file: magic and status are read-only, narrow reads see bytes, narrow
     * writes are ignored. */
    mem_wr(&f, regs + PCI_TESTDEV_REG_MAGIC, 4, 0);
    mem_wr(&f, regs + PCI_TESTDEV_REG_DMA_STATUS, 4, 0);
    CU_ASSERT_EQUAL(mem_rd(&f, regs + PCI_TESTDEV_REG_MAGIC, 4), PCI_TESTDEV_MAGIC);
    CU_ASSERT_EQUAL(mem_rd(&f, regs + PCI_TESTDEV_REG_DMA_STATUS, 4), 1);
    CU_ASSERT_EQUAL(mem_rd(&f, regs + PCI_TESTDEV_REG_MAGIC + 1, 1), 'S');
    CU_ASSERT_EQUAL(mem_rd(&f, regs + PCI_TESTDEV_REG_MAGIC + 2, 2), ld16_le("TD"));
    mem_wr(&f, regs + PCI_TESTDEV_REG_SCRATCH, 2, 0xffff);
    CU_ASSERT_EQUAL(mem_rd(&f, regs + PCI_TESTDEV_REG_SCRATCH, 4), 0);
    const Region *r = as_find(&f.mem, regs);
    CU_ASSERT_STRING_EQUAL(r->ops->reg_name(r->opaque, PCI_TESTDEV_REG_DMA_CMD, 4), "dma_cmd");
    CU_ASSERT_STRING_EQUAL(r->ops->reg_name(r->opaque, PCI_TESTDEV_BUF + 9, 1), "buf");
    CU_ASSERT_EQUAL(pci_dma_read(d, RAM_BASE, buf, 4), 0);
    /* An unplugged device has no bus to master. */
    PciDev x;
    pci_dev_init(&x, &(PciDevInfo){ .name = "x" });
    pci_cfg_set16(&x, PCI_COMMAND, PCI_COMMAND_MASTER);
    CU_ASSERT_EQUAL(pci_dma_read(&x, RAM_BASE, buf, 4), -1);
    fx_fini(&f);
}

/* A device with a window in config space that it serves itself (as virtio's
 * pci_cfg access capability does). */
static unsigned hook_writes;
static uint32_t hook_last;
static uint32_t win_read(PciDev *d, unsigned off, unsigned size, uint32_t val)
{
    (void)d;
    (void)size;
    return off >= 0x50 && off < 0x54 ? 0x600d0000u | off : val;
}
static void win_write(PciDev *d, unsigned off, unsigned size, uint32_t val)
{
    (void)d;
    (void)size;
    if (off >= 0x50 && off < 0x54) {
        hook_writes++;
        hook_last = val;
    }
}
static const char *win_name(PciDev *d, unsigned off) { (void)d; return off >= 0x50 && off < 0x54 ? "win.data" : NULL; }

static void test_config_hooks(void)
{
    Fx f;
    fx_init(&f);
    PciDev d;
    pci_dev_init(&d, &(PciDevInfo){ .name = "hooked", .vendor_id = 0x1234 });
    d.config_read = win_read;
    d.config_write = win_write;
    d.config_reg_name = win_name;
    unsigned cap = pci_add_capability(&d, PCI_CAP_ID_VNDR, 0x14);
    CU_ASSERT_EQUAL(cap, 0x40);
    Err err;
    CU_ASSERT_FATAL(pci_host_plug(f.h, &d, 4, &err) == 0);
    hook_writes = 0;
    CU_ASSERT_EQUAL(ecam_rd(&f, 4, 0x50, 4), 0x600d0050);
    CU_ASSERT_EQUAL(cf8_rd(&f, 4, 0x50, 4), 0x600d0050);
    CU_ASSERT_EQUAL(ecam_rd(&f, 4, 0x00, 2), 0x1234);     /* elsewhere: the model */
    ecam_wr(&f, 4, 0x50, 4, 0xfeedface);
    CU_ASSERT_EQUAL(hook_writes, 1);
    CU_ASSERT_EQUAL(hook_last, 0xfeedface);
    CU_ASSERT_EQUAL(pci_cfg_get32(&d, 0x50), 0);           /* read-only to the model */
    CU_ASSERT_STRING_EQUAL(last(TRACE_EV_pci_cfg_write)->reg, "win.data");
    CU_ASSERT_STRING_EQUAL(pci_config_reg_name(&d, 0x44), "cap.vndr");
    /* Misaligned config accesses are refused and reported. */
    nseen = 0;
    CU_ASSERT_EQUAL(ecam_rd(&f, 4, 0x51, 2), 0xffff);
    CU_ASSERT_EQUAL(count(TRACE_EV_pci_error), 1);
    pci_host_destroy(f.h);
    f.h = NULL;
    CU_ASSERT_FALSE(d.plugged);
    /* fx_fini with the host already gone. */
    f.h = pci_host_create(&f.mem, &f.io, &f.ram, f.intx, &f.tracer, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f.h);
    fx_fini(&f);
}

static void test_host_create_fails_cleanly(void)
{
    AddrSpace mem, io;
    as_init(&mem, "mem", SPACE_MEM);
    as_init(&io, "io", SPACE_IO);
    Probe p = { 0 };
    CU_ASSERT_FATAL(as_add(&io, 0xcfc, 1, "squatter", &probe_ops, &p, NULL) == 0);
    Err err = { "" };
    PciHost *h = pci_host_create(&mem, &io, NULL, NULL, NULL, &err);
    CU_ASSERT_PTR_NULL(h);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "squatter"));
    CU_ASSERT_EQUAL(mem.n, 0);            /* ECAM and the I/O window were taken back */
    CU_ASSERT_EQUAL(io.n, 1);
    /* The regions name config registers for the bus trace. */
    as_remove(&io, 0xcfc, &p);
    h = pci_host_create(&mem, &io, NULL, NULL, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    const Region *r = as_find(&mem, PCI_ECAM_BASE + 4);
    CU_ASSERT_STRING_EQUAL(r->name, "pci.ecam");
    CU_ASSERT_STRING_EQUAL(r->ops->reg_name(r->opaque, 4, 2), "command");
    r = as_find(&io, 0xcfe);
    CU_ASSERT_STRING_EQUAL(r->ops->reg_name(r->opaque, 2, 2), "config_data");
    /* Without INTx lines or a tracer INTx and errors go nowhere, harmlessly. */
    PciDev d;
    pci_dev_init(&d, &(PciDevInfo){ .name = "d", .irq_pin = 1 });
    CU_ASSERT_FATAL(pci_host_plug(h, &d, 1, &err) == 0);
    pci_set_irq(&d, 1);
    CU_ASSERT_EQUAL(pci_dma_read(&d, 0, &p, 1), -1);
    pci_host_destroy(h);
    CU_ASSERT_EQUAL(mem.n + io.n, 0);
    as_destroy(&mem);
    as_destroy(&io);
}

static uint64_t cell64(const fdt32_t *c) { return (uint64_t)fdt32_to_cpu(c[0]) << 32 | fdt32_to_cpu(c[1]); }
static uint32_t prop_u32(const void *fdt, int n, const char *name)
{
    int len = 0;
    const fdt32_t *p = fdt_getprop(fdt, n, name, &len);
    CU_ASSERT_EQUAL_FATAL(len, 4);
    return fdt32_to_cpu(*p);
}

static void test_dtb(void)
{
    Fx f;
    fx_init(&f);
    DtbConfig cfg = { RAM_BASE, RAM_SIZE, NULL, 10000000, pci_host_add_dtb, f.h };
    size_t size = 0;
    Err err = { "" };
    void *fdt = dtb_build(&cfg, &size, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fdt);
    int plic = fdt_node_offset_by_compatible(fdt, -1, "sifive,plic-1.0.0");
    uint32_t plic_ph = fdt_get_phandle(fdt, plic);
    CU_ASSERT(plic_ph != 0);

    int n = fdt_path_offset(fdt, "/soc/pci@30000000");
    CU_ASSERT_FATAL(n >= 0);
    CU_ASSERT_EQUAL(fdt_node_offset_by_compatible(fdt, -1, "pci-host-ecam-generic"), n);
    CU_ASSERT_STRING_EQUAL(fdt_getprop(fdt, n, "device_type", NULL), "pci");
    CU_ASSERT_EQUAL(prop_u32(fdt, n, "#address-cells"), 3);
    CU_ASSERT_EQUAL(prop_u32(fdt, n, "#size-cells"), 2);
    CU_ASSERT_EQUAL(prop_u32(fdt, n, "#interrupt-cells"), 1);
    CU_ASSERT_EQUAL(prop_u32(fdt, n, "linux,pci-domain"), 0);
    int len = -1;
    CU_ASSERT_PTR_NOT_NULL(fdt_getprop(fdt, n, "dma-coherent", &len));
    CU_ASSERT_EQUAL(len, 0);

    const fdt32_t *p = fdt_getprop(fdt, n, "bus-range", &len);
    CU_ASSERT_EQUAL_FATAL(len, 8);
    CU_ASSERT_EQUAL(fdt32_to_cpu(p[0]), 0);
    CU_ASSERT_EQUAL(fdt32_to_cpu(p[1]), 0xff);

    p = fdt_getprop(fdt, n, "reg", &len);
    CU_ASSERT_EQUAL_FATAL(len, 16);
    CU_ASSERT_EQUAL(cell64(p), 0x30000000);
    CU_ASSERT_EQUAL(cell64(p + 2), 0x10000000);

    /* ranges: <flags, pci addr (2)>, cpu addr (2), size (2), three times. */
    static const uint32_t want_ranges[21] = {
        0x01000000, 0, 0, 0, 0x03000000, 0, 0x10000,
        0x02000000, 0, 0x40000000, 0, 0x40000000, 0, 0x40000000,
        0x03000000, 4, 0, 4, 0, 4, 0,
    };
    p = fdt_getprop(fdt, n, "ranges", &len);
    CU_ASSERT_EQUAL_FATAL(len, 21 * 4);
    for (unsigned i = 0; i < 21; i++)
        CU_ASSERT_EQUAL(fdt32_to_cpu(p[i]), want_ranges[i]);

    p = fdt_getprop(fdt, n, "interrupt-map-mask", &len);
    CU_ASSERT_EQUAL_FATAL(len, 16);
    CU_ASSERT_EQUAL(fdt32_to_cpu(p[0]), 0x1800);
    CU_ASSERT_EQUAL(fdt32_to_cpu(p[1]), 0);
    CU_ASSERT_EQUAL(fdt32_to_cpu(p[2]), 0);
    CU_ASSERT_EQUAL(fdt32_to_cpu(p[3]), 7);

    /* 16 entries of <devfn << 8, 0, 0, pin, plic, source>, as QEMU dumps them. */
    p = fdt_getprop(fdt, n, "interrupt-map", &len);
    CU_ASSERT_EQUAL_FATAL(len, 16 * 6 * 4);
    for (unsigned slot = 0; slot < 4; slot++) {
        for (unsigned pin = 1; pin <= 4; pin++) {
            const fdt32_t *e = p + ((slot * 4) + pin - 1) * 6;
            CU_ASSERT_EQUAL(fdt32_to_cpu(e[0]), slot * 0x800);
            CU_ASSERT_EQUAL(fdt32_to_cpu(e[1]), 0);
            CU_ASSERT_EQUAL(fdt32_to_cpu(e[2]), 0);
            CU_ASSERT_EQUAL(fdt32_to_cpu(e[3]), pin);
            CU_ASSERT_EQUAL(fdt32_to_cpu(e[4]), plic_ph);
            CU_ASSERT_EQUAL(fdt32_to_cpu(e[5]), 32 + (slot + pin - 1) % 4);
        }
    }
    /* Spot checks against QEMU's dump: slot 1 pin D -> 0x20, slot 3 pin A -> 0x23. */
    CU_ASSERT_EQUAL(fdt32_to_cpu(p[(1 * 4 + 3) * 6 + 5]), 0x20);
    CU_ASSERT_EQUAL(fdt32_to_cpu(p[(3 * 4 + 0) * 6 + 5]), 0x23);
    free(fdt);
    fx_fini(&f);
}

int suite_pci(void)
{
    CU_pSuite s = CU_add_suite("pci", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "read-only ids, RW command, absent functions", test_ids_readonly);
    CU_add_test(s, "BAR sizing: io, mem32, mem64, prefetchable", test_bar_sizing);
    CU_add_test(s, "status write-1-to-clear", test_status_w1c);
    CU_add_test(s, "command decode maps and unmaps BARs", test_decode_enable);
    CU_add_test(s, "overlapping and out-of-window BARs", test_bar_conflicts);
    CU_add_test(s, "capability list", test_capabilities);
    CU_add_test(s, "mechanism #1 agrees with ECAM", test_cf8_vs_ecam);
    CU_add_test(s, "I/O window reaches the I/O space", test_io_window);
    CU_add_test(s, "INTx swizzle, sharing, disable", test_intx);
    CU_add_test(s, "DMA needs bus mastering and RAM", test_dma);
    CU_add_test(s, "device config hooks", test_config_hooks);
    CU_add_test(s, "device tree pci node", test_dtb);
    CU_add_test(s, "host creation failure undoes itself", test_host_create_fails_cleanly);
    return CU_get_error() == CUE_SUCCESS ? 0 : -1;
}
