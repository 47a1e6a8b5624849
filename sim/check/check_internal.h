/* The driver checker's state, shared by its parts (see check.h): check.c (the observer,
 * devices and reports), check_pci.c (the virtio-pci registers: status, features, queue
 * set-up, notifications, access widths; virtio 1.2 §3.1, §4.1), check_ring.c (the split
 * ring, §2.7), check_packed.c (the packed ring, §2.8) and check_net.c (the network device's buffers, §5.1.6). */
#ifndef RINGSIDE_CHECK_INTERNAL_H
#define RINGSIDE_CHECK_INTERNAL_H

#include "check/check.h"
#include "trace/trace.h"

#define CHECK_MAX_DEVICES 4

typedef struct CkDev CkDev;

/* The chain the driver made available at one head: the descriptors of the queue's
 * table it holds, so that the device's used element gives them back. */
typedef struct CkChain {
    uint16_t n, cap;
    uint16_t *d;
    bool out;                    /* made available and not yet used */
} CkChain;

typedef struct CkQueue {
    CkDev *dev;
    uint16_t index;
    /* What the driver wrote into the common configuration for this queue (modern). */
    uint16_t size_w;
    uint64_t addr_w[3];          /* desc, driver, device */
    uint8_t halves_w[3];         /* which 32-bit halves were written: bit 0 low, 1 high */
    bool enable_w;               /* queue_enable 1 written since the reset */
    /* The live ring, as the device took it (virtio_queue_setup). */
    bool live;
    bool packed;                 /* a packed ring (§2.8): the split-ring rules do not apply,
                                  * only the device's buffers are checked (check_net.c) */
    uint16_t size;
    uint64_t desc, avail, used;
    bool watched;                /* its used ring is watched */
    uint16_t avail_idx;          /* the driver's last published avail idx */
    uint16_t fetched;            /* chains the device fetched */
    uint16_t used_n;             /* used elements the device wrote */
    uint8_t *owned;              /* per descriptor: made-available chains holding it */
    CkChain *chain;              /* per head */
    uint16_t *scratch;           /* size entries: the chain being walked */
    uint16_t *id_pos, *id_len;   /* packed: per buffer id, the ring positions its chain took */
} CkQueue;

struct CkDev {
    Checker *c;
    CheckDevice d;
    bool legacy;                 /* the interface the driver uses (its status writes') */
    uint8_t status;              /* what the driver last wrote to device_status */
    bool reset_pending;          /* 0 written, device_status not yet read back as 0 */
    bool fok_written, fok_reread, fok_refused, failed;
    uint32_t gfsel;              /* driver_feature_select */
    uint64_t features;           /* what the driver accepted, as written */
    uint64_t fok_features;       /* ... when it set FEATURES_OK */
    uint16_t qsel;
    uint64_t modern_base;        /* where the modern BAR is mapped (0: not yet) */
    uint64_t told;               /* rules of the initialisation already reported since the reset */
    CkQueue *q;                  /* d.num_queues */
};

struct Checker {
    struct Tracer *t;
    struct MemWatch *mw;
    struct Ram *ram;
    CheckMode mode;
    CkDev dev[CHECK_MAX_DEVICES];
    unsigned ndev;
    /* The last bus region seen and whose it is: events come in runs from one region,
     * and most are not a device's (the console). */
    const char *last_region;
    CkDev *last_dev;
    bool last_legacy;
    unsigned count[CHECK_NRULES];
    unsigned total;
    CheckReportFn *report;
    void *report_ctx;
    CheckStopFn *stop;
    void *stop_ctx;
    bool stopped;
    char text[320];
};

/* Reports rule r broken by d's driver, values as printf formats them. */
void ck_violate(CkDev *d, CheckRuleId r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same for a rule of the initialisation sequence: once per initialisation (until
 * the next reset), so that a step skipped once is not reported at every later step. */
#define ck_violate_once(d, r, ...)                                          \
    do {                                                                    \
        if (!((d)->told >> (r) & 1)) {                                      \
            (d)->told |= 1ull << (r);                                       \
            ck_violate((d), (r), __VA_ARGS__);                              \
        }                                                                   \
    } while (0)
_Static_assert(CHECK_NRULES <= 64, "ck_violate_once keeps one bit per rule");
static inline bool ck_has(const CkDev *d, unsigned bit) { return (d->features >> bit) & 1; }
static inline bool ck_offered(const CkDev *d, unsigned bit) { return (d->d.offered >> bit) & 1; }
/* Little-endian guest memory through ram_read (0 when it is not RAM: *ok cleared). */
uint64_t ck_peek(const CkDev *d, uint64_t addr, unsigned size, bool *ok);
bool ck_read(const CkDev *d, uint64_t addr, void *buf, uint64_t len);
bool ck_in_ram(const CkDev *d, uint64_t addr, uint64_t len);
CkQueue *ck_queue(CkDev *d, unsigned q);

/* check_pci.c: a bus access to one of d's BARs (legacy: through the legacy BAR). */
void ck_bus(CkDev *d, bool legacy, bool is_write, uint64_t addr, unsigned size, uint64_t value, const char *reg);
void ck_cfg_write(CkDev *d, unsigned off, unsigned size);
void ck_config_access(CkDev *d, bool is_write, unsigned off);

/* check_ring.c: the split ring's area sizes (area 0 the descriptor table, 1 the
 * driver area, 2 the device area: vq_split_area_bytes) and the live ring of q. */
uint64_t ck_area_bytes(unsigned area, uint16_t size);
void ck_queue_live(CkQueue *q, uint16_t size, uint64_t desc, uint64_t avail, uint64_t used);
void ck_queue_gone(CkQueue *q);
void ck_desc_write(CkQueue *q, uint16_t index);
void ck_avail_write(CkQueue *q, uint16_t slot);
void ck_avail_idx(CkQueue *q, uint16_t idx);
void ck_avail_flags(CkQueue *q, uint16_t flags);
void ck_chain_fetch(CkQueue *q, const TraceDescList *chain);
void ck_used_write(CkQueue *q, uint32_t id);

/* check_packed.c: the packed ring (§2.8) of a live queue: set up (-1 out of memory)
 * and gone, the driver's stores (the ring watch's events), the device's fetches and
 * used descriptors. owned (per descriptor) and watched are shared with check_ring.c. */
int ck_packed_live(CkQueue *q);
void ck_packed_gone(CkQueue *q);
void ck_packed_desc_write(CkQueue *q, uint16_t index);
void ck_packed_desc_avail(CkQueue *q, uint16_t index);
void ck_packed_driver_event(CkQueue *q, uint16_t flags);
void ck_packed_fetch(CkQueue *q, uint16_t pos, uint16_t id, const TraceDescList *chain);
void ck_packed_used(CkQueue *q, uint16_t id);

/* check_net.c: a chain the network device fetched from q. */
void ck_net_chain(CkQueue *q, const TraceDescList *chain);

#endif
