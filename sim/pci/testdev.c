/* The PCI test function (see testdev.h): registers behind every BAR, INTx on pin A,
 * a bus-master DMA engine over a 256-byte buffer, a power-management and a vendor
 * capability (PCI Bus Power Management 1.2 §3.2; PCI 3.0 §6.7). */
#include "pci/testdev.h"

#include <stdlib.h>

#include "snap/snap.h"

typedef struct PciTestDev {
    PciDev pci;                  /* first: a PciDev * is a PciTestDev * */
    uint32_t regs[8];            /* indexed by register offset / 4 */
    uint8_t buf[PCI_TESTDEV_BUF_SIZE];
} PciTestDev;

static void irq_written(PciTestDev *t, uint32_t v);
static void dma_cmd_written(PciTestDev *t, uint32_t v);

/* The register file: name (for the trace), writable bits, and what a write does. */
static const struct {
    const char *name;
    uint32_t wmask;
    void (*written)(PciTestDev *t, uint32_t v);
} regs[8] = {
    [PCI_TESTDEV_REG_MAGIC / 4] = { "magic", 0, NULL },
    [PCI_TESTDEV_REG_IRQ / 4] = { "irq", 1, irq_written },
    [PCI_TESTDEV_REG_DMA_LO / 4] = { "dma_lo", 0xffffffffu, NULL },
    [PCI_TESTDEV_REG_DMA_HI / 4] = { "dma_hi", 0xffffffffu, NULL },
    [PCI_TESTDEV_REG_DMA_LEN / 4] = { "dma_len", 0xffffffffu, NULL },
    [PCI_TESTDEV_REG_DMA_CMD / 4] = { "dma_cmd", 0xffffffffu, dma_cmd_written },
    [PCI_TESTDEV_REG_DMA_STATUS / 4] = { "dma_status", 0, NULL },
    [PCI_TESTDEV_REG_SCRATCH / 4] = { "scratch", 0xffffffffu, NULL },
};

#define REG(t, r) ((t)->regs[(r) / 4])

static void irq_written(PciTestDev *t, uint32_t v)
{
    pci_set_irq(&t->pci, (int)(v & 1));
}

static void dma_cmd_written(PciTestDev *t, uint32_t cmd)
{
    uint64_t addr = (uint64_t)REG(t, PCI_TESTDEV_REG_DMA_HI) << 32 | REG(t, PCI_TESTDEV_REG_DMA_LO);
    uint32_t len = REG(t, PCI_TESTDEV_REG_DMA_LEN);
    int r = -1;
    if (len > PCI_TESTDEV_BUF_SIZE)
        pci_error(&t->pci, "testdev: DMA length %u exceeds the %u-byte buffer", len, PCI_TESTDEV_BUF_SIZE);
    else if (cmd == PCI_TESTDEV_DMA_FROM_GUEST)
        r = pci_dma_read(&t->pci, addr, t->buf, len);
    else if (cmd == PCI_TESTDEV_DMA_TO_GUEST)
        r = pci_dma_write(&t->pci, addr, t->buf, len);
    else
        pci_error(&t->pci, "testdev: unknown DMA command %u", cmd);
    REG(t, PCI_TESTDEV_REG_DMA_STATUS) = r == 0 ? 0 : 1;
}

static uint32_t reg_read(PciTestDev *t, unsigned reg)
{
    return reg / 4 < ARRAY_SIZE(regs) ? t->regs[reg / 4] : 0;
}

static void reg_write(PciTestDev *t, unsigned reg, uint32_t v)
{
    if (reg / 4 >= ARRAY_SIZE(regs))
        return;
    unsigned i = reg / 4;
    t->regs[i] = (t->regs[i] & ~regs[i].wmask) | (v & regs[i].wmask);
    if (regs[i].written)
        regs[i].written(t, v);
}

static int bar_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    PciTestDev *t = opaque;
    if (off >= PCI_TESTDEV_BUF && off - PCI_TESTDEV_BUF + size <= PCI_TESTDEV_BUF_SIZE) {
        *val = ldn_le(t->buf + (off - PCI_TESTDEV_BUF), size);
    } else if (off >= PCI_TESTDEV_BUF) {
        *val = 0;
    } else {
        uint32_t v = reg_read(t, (unsigned)off & ~3u);
        *val = size >= 4 ? v : (v >> (8 * (off & 3))) & ((1u << (8 * size)) - 1);
    }
    return 0;
}

static int bar_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    PciTestDev *t = opaque;
    if (off >= PCI_TESTDEV_BUF && off - PCI_TESTDEV_BUF + size <= PCI_TESTDEV_BUF_SIZE)
        stn_le(t->buf + (off - PCI_TESTDEV_BUF), size, val);
    else if (off < PCI_TESTDEV_BUF && size == 4 && !(off & 3))
        reg_write(t, (unsigned)off, (uint32_t)val);
    return 0;
}

static const char *bar_reg_name(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque;
    (void)size;
    if (off >= PCI_TESTDEV_BUF)
        return off - PCI_TESTDEV_BUF < PCI_TESTDEV_BUF_SIZE ? "buf" : NULL;
    return off / 4 < ARRAY_SIZE(regs) ? regs[off / 4].name : NULL;
}

static const MemOps testdev_ops = {
    .read = bar_read, .write = bar_write, .min_size = 1, .max_size = 4, .reg_name = bar_reg_name,
};

PciDev *pci_testdev_create(Err *err)
{
    PciTestDev *t = calloc(1, sizeof *t);
    if (!t) {
        err_set(err, "out of memory");
        return NULL;
    }
    PciDev *d = &t->pci;
    REG(t, PCI_TESTDEV_REG_MAGIC) = PCI_TESTDEV_MAGIC;
    pci_dev_init(d, &(PciDevInfo){
        .name = "pci-testdev", .vendor_id = PCI_TESTDEV_VENDOR, .device_id = PCI_TESTDEV_DEVICE,
        .subsys_vendor_id = 0x1af4, .subsys_id = 0x1100, .class_code = 0xff0000, .irq_pin = 1,
    });
    if (pci_register_bar(d, 0, PCI_BAR_IO, 0x20, &testdev_ops, t, NULL) != 0 ||
        pci_register_bar(d, 1, PCI_BAR_MEM32, 0x1000, &testdev_ops, t, NULL) != 0 ||
        pci_register_bar(d, 2, PCI_BAR_MEM64 | PCI_BAR_PREFETCH, 0x4000, &testdev_ops, t, NULL) != 0) {
        free(t);
        err_set(err, "pci-testdev: cannot register BARs");
        return NULL;
    }
    /* Power management: version 3, D0 only; PMCSR power-state bits writable. */
    unsigned pm = pci_add_capability(d, PCI_CAP_ID_PM, 8);
    pci_cfg_set16(d, pm + 2, 0x0003);
    pci_cfg_set_wmask(d, pm + 4, 2, 0x0003);
    /* Vendor capability: length byte, then a guest-writable dword. */
    unsigned vc = pci_add_capability(d, PCI_CAP_ID_VNDR, 8);
    pci_cfg_set8(d, vc + 2, 8);
    pci_cfg_set_wmask(d, vc + 4, 4, 0xffffffffu);
    return d;
}

void pci_testdev_destroy(PciDev *d)
{
    free(d);
}

/* ---- snapshots (snap/snap.h) ---- */

static const SnapField testdev_fields[] = {
    SNAP_FIELD(PciTestDev, regs), SNAP_FIELD(PciTestDev, buf),
};
const SnapDesc pci_testdev_snap = SNAP_DESC("pci-testdev", 1, PciTestDev, testdev_fields);
