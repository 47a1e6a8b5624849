/* One PCI function's configuration space, as a device sees it (PCI Local Bus 3.0 §6;
 * the 4 KiB extended space of PCI Express Base §7.2.2, since ECAM reaches it).
 *
 * Behaviour comes from tables, not switch ladders: every config byte has a write mask
 * (bits the guest may change) and a write-1-to-clear mask (status bits). BARs are plain
 * masked bytes too, which is what makes BAR sizing work (write all ones, read back the
 * size mask). After a write that touches the command register or a BAR, the model
 * maps/unmaps the BARs into the host's memory and I/O spaces; the device only supplies
 * a MemOps per BAR and never parses BAR writes itself (the TinyEMU habit).
 *
 * Typical device:
 *     typedef struct MyDev { PciDev pci; ... } MyDev;      // PciDev first: container_of-free
 *     pci_dev_init(&m->pci, &(PciDevInfo){ .name = "virtio-net", .vendor_id = 0x1af4, ... });
 *     pci_register_bar(&m->pci, 0, PCI_BAR_IO, 0x40, &legacy_ops, m, NULL);  // "virtio-net.bar0"
 *     unsigned cap = pci_add_capability(&m->pci, PCI_CAP_ID_VNDR, 16);       // fill with pci_cfg_set*
 *     pci_host_plug(host, &m->pci, 1, err);                                  // host_bridge.h
 * then pci_set_irq() for INTx, pci_dma_read()/pci_dma_write() for guest memory. */
#ifndef RINGSIDE_PCI_H
#define RINGSIDE_PCI_H

#include "bus.h"
#include "irq.h"
#include "ram.h"
#include "tracer.h"

#define PCI_CFG_SIZE 4096u          /* whole (extended) config space of one function */
#define PCI_CFG_STD_SIZE 256u       /* the part that mechanism #1 (0xcf8) reaches */
#define PCI_NUM_BARS 6
#define PCI_BAR_UNMAPPED UINT64_MAX

/* Type 0 header offsets (PCI 3.0 §6.1). */
enum {
    PCI_VENDOR_ID = 0x00, PCI_DEVICE_ID = 0x02, PCI_COMMAND = 0x04, PCI_STATUS = 0x06,
    PCI_REVISION_ID = 0x08, PCI_CLASS_PROG = 0x09, PCI_CLASS_DEVICE = 0x0a,
    PCI_CACHE_LINE_SIZE = 0x0c, PCI_LATENCY_TIMER = 0x0d, PCI_HEADER_TYPE = 0x0e,
    PCI_BIST = 0x0f, PCI_BAR0 = 0x10, PCI_CARDBUS_CIS = 0x28,
    PCI_SUBSYSTEM_VENDOR_ID = 0x2c, PCI_SUBSYSTEM_ID = 0x2e, PCI_ROM_ADDRESS = 0x30,
    PCI_CAPABILITY_LIST = 0x34, PCI_INTERRUPT_LINE = 0x3c, PCI_INTERRUPT_PIN = 0x3d,
    PCI_MIN_GNT = 0x3e, PCI_MAX_LAT = 0x3f,
    PCI_CAP_START = 0x40,           /* first byte after the header: capabilities go here */
};

/* Command and status register bits, capability ids: PCI_COMMAND_*, PCI_STATUS_*,
 * PCI_CAP_ID_* from the one table, pci/pci_names.def. */
#include "pci/pci_names.h"

/* BAR kinds for pci_register_bar(); exactly one of IO, MEM32, MEM64, optionally
 * PREFETCH with a memory kind. A MEM64 BAR also takes slot bar + 1. */
enum {
    PCI_BAR_IO = 1u << 0,
    PCI_BAR_MEM32 = 1u << 1,
    PCI_BAR_MEM64 = 1u << 2,
    PCI_BAR_PREFETCH = 1u << 3,
};

typedef struct PciDevInfo {
    const char *name;               /* "virtio-net": regions "virtio-net.bar0", trace */
    uint16_t vendor_id, device_id;
    uint16_t subsys_vendor_id, subsys_id;
    uint32_t class_code;            /* base << 16 | sub << 8 | prog-if, e.g. 0x020000 */
    uint8_t revision;
    uint8_t irq_pin;                /* 0 = none, 1..4 = INTA..INTD */
} PciDevInfo;

typedef struct PciBar {
    unsigned flags;                 /* PCI_BAR_*; 0 = slot unused (or upper half of MEM64) */
    uint64_t size;
    const MemOps *ops;
    void *opaque;
    char region_name[48];
    uint64_t addr;                  /* where it is mapped now, or PCI_BAR_UNMAPPED */
    uint64_t target;                /* last address decode asked for (PCI_BAR_UNMAPPED: none) */
} PciBar;

struct PciDev;

/* What a plugged function sees of its host; filled by the host bridge at plug time. */
typedef struct PciBusCtx {
    AddrSpace *mem, *io;            /* where BARs are mapped */
    Ram *ram;                       /* DMA target */
    uint64_t io_limit;              /* I/O BARs must lie in [0, io_limit) */
    uint64_t mem_win[2][2];         /* memory BARs must lie in one {base, size} window */
} PciBusCtx;

typedef struct PciDev {
    uint8_t config[PCI_CFG_SIZE];   /* current contents */
    uint8_t wmask[PCI_CFG_SIZE];    /* 1 = guest-writable bit */
    uint8_t w1cmask[PCI_CFG_SIZE];  /* 1 = write-1-to-clear bit */
    char name[32];
    PciBar bars[PCI_NUM_BARS];
    uint16_t bdf;                   /* bus << 8 | dev << 3 | fn, set when plugged */
    bool plugged;
    int irq_level;                  /* what the device drives (before INTx disable) */
    int irq_out;                    /* what reaches the host (after INTx disable) */
    unsigned cap_end;               /* next free config offset for a capability */

    /* Set by the host bridge at plug time; devices may read them. */
    Tracer *tracer;                 /* trace events of this device; may be NULL */
    const PciBusCtx *bus;
    IrqLine intx;                   /* where the INTx level goes (n = this function's bdf) */

    /* Optional device hooks (NULL = plain config space). config_read is called on every
     * config read with the model's value and returns what the guest sees; config_write
     * is called after the model has applied a write (masked bytes already stored), with
     * the raw value the guest wrote. Both get offsets within the 4 KiB space. */
    uint32_t (*config_read)(struct PciDev *d, unsigned off, unsigned size, uint32_t val);
    void (*config_write)(struct PciDev *d, unsigned off, unsigned size, uint32_t val);
    /* Optional: names a device-specific config register for the trace (NULL = unnamed). */
    const char *(*config_reg_name)(struct PciDev *d, unsigned off);
    void *opaque;                   /* free for the device */
} PciDev;

/* Fills the header from info: read-only IDs, class, revision, pin; RW command (I/O,
 * memory, master, parity, SERR, INTx disable), cache line, latency, interrupt line;
 * W1C status error bits. Clears everything else, hooks included: set them after. */
void pci_dev_init(PciDev *d, const PciDevInfo *info);

/* Declares BAR `bar` (0..5; a MEM64 BAR uses bar and bar + 1, so bar <= 4). size must be
 * a power of two (I/O >= 4, memory >= 16). region_name NULL = "<name>.bar<N>" (the
 * string is copied). ops/opaque receive accesses with offsets relative to the BAR.
 * Returns 0, or -1 on a bad argument (and leaves the device unchanged). */
int pci_register_bar(PciDev *d, int bar, unsigned flags, uint64_t size, const MemOps *ops,
                     void *opaque, const char *region_name);

/* Appends a capability of len bytes (including the 2-byte id/next header) to the list
 * starting at 0x40, sets the status capability-list bit, and returns its offset (dword
 * aligned), or 0 if the 256-byte standard space is full. The body is read-only zeros:
 * fill it with pci_cfg_set*() and open guest-writable fields with pci_cfg_set_wmask(). */
unsigned pci_add_capability(PciDev *d, uint8_t cap_id, unsigned len);
/* Offset of the first capability with this id at or after offset `from` in the list
 * (0 = from the start), or 0 if none. Walks the list as a guest would. */
unsigned pci_find_capability(const PciDev *d, uint8_t cap_id, unsigned from);

/* Raw access to the config bytes for the device itself (no masks, no side effects). */
static inline uint8_t pci_cfg_get8(const PciDev *d, unsigned off) { return d->config[off]; }
static inline uint16_t pci_cfg_get16(const PciDev *d, unsigned off) { return ld16_le(d->config + off); }
static inline uint32_t pci_cfg_get32(const PciDev *d, unsigned off) { return ld32_le(d->config + off); }
static inline void pci_cfg_set8(PciDev *d, unsigned off, uint8_t v) { d->config[off] = v; }
static inline void pci_cfg_set16(PciDev *d, unsigned off, uint16_t v) { st16_le(d->config + off, v); }
static inline void pci_cfg_set32(PciDev *d, unsigned off, uint32_t v) { st32_le(d->config + off, v); }
/* Sets the guest-writable bits of `size` (1, 2 or 4) bytes at off. */
static inline void pci_cfg_set_wmask(PciDev *d, unsigned off, unsigned size, uint32_t mask) { stn_le(d->wmask + off, size, mask); }

/* Guest-side config access (the host bridge calls these for ECAM and 0xcf8/0xcfc; they
 * do not trace, the host does). Sizes 1, 2, 4, naturally aligned; off < 4096. A write
 * applies wmask and w1cmask, then updates BAR decode and INTx, then calls config_write. */
uint32_t pci_config_read(PciDev *d, unsigned off, unsigned size);
void pci_config_write(PciDev *d, unsigned off, unsigned size, uint32_t val);
/* Name of the config register at off for the trace ("command", "bar0", "cap.vndr", ...). */
const char *pci_config_reg_name(PciDev *d, unsigned off);

/* Function-level reset: command, status errors, BARs and interrupt line back to their
 * power-on values (BARs unmapped, INTx deasserted). Capabilities keep their layout. */
void pci_dev_reset(PciDev *d);
/* One function's snapshot state: config space, INTx levels and BAR decoding, the
 * mappings redone on load without trace events (snap/snap.h). */
struct SnapDesc;
extern const struct SnapDesc pci_dev_snap;

/* INTx level the device drives (0/1). The host sees it unless INTx disable (command
 * bit 10) is set; status bit 3 always shows it. */
void pci_set_irq(PciDev *d, int level);

static inline bool pci_bus_master(const PciDev *d) { return pci_cfg_get16(d, PCI_COMMAND) & PCI_COMMAND_MASTER; }
static inline uint16_t pci_command(const PciDev *d) { return pci_cfg_get16(d, PCI_COMMAND); }
/* Where BAR `bar` is mapped now, or PCI_BAR_UNMAPPED. */
static inline uint64_t pci_bar_addr(const PciDev *d, int bar) { return d->bars[bar].addr; }

/* Device-initiated access to guest RAM. Refused with -1 (and a pci_error trace event)
 * when bus mastering is off, the device is not plugged, or the range leaves RAM. */
int pci_dma_read(PciDev *d, uint64_t addr, void *buf, size_t len);
int pci_dma_write(PciDev *d, uint64_t addr, const void *buf, size_t len);

/* Emits a pci_error trace event for this function (printf-style reason). */
void pci_error(PciDev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
