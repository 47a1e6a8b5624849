/* The driver checker on the virtio-pci registers (virtio 1.2 §2.1 status, §2.2
 * features, §3.1.1 the initialisation sequence, §4.1.3.1 access widths, §4.1.4.3 the
 * common configuration and its queue fields, §4.1.5.1.3 queue set-up and its legacy
 * note, §4.1.5.2 notifications): each bus access to one of the device's BARs is taken
 * as the driver made it (a write is seen before the device acts on it), by the name
 * the register map gives it. Only the first rule an access breaks is reported. */
#include "check/check_internal.h"

#include "virtio/virtio_names.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_pci.h"
#include "virtio/virtqueue.h"

enum { S_ACK = VIRTIO_STATUS_ACKNOWLEDGE, S_DRIVER = VIRTIO_STATUS_DRIVER, S_FOK = VIRTIO_STATUS_FEATURES_OK,
       S_DOK = VIRTIO_STATUS_DRIVER_OK, S_FAILED = VIRTIO_STATUS_FAILED, S_NR = VIRTIO_STATUS_NEEDS_RESET };

static const char *status_text(uint8_t s, char *buf, size_t n)
{
    virtio_format_bits(VIRTIO_DOM_STATUS, 0, s, buf, n);
    return buf;
}

static const char *feature_text(const CkDev *d, uint64_t f, char *buf, size_t n)
{
    virtio_format_bits(VIRTIO_DOM_FEATURE, d->d.device_id, f, buf, n);
    return buf;
}

static uint16_t queue_size_of(const CkDev *d, const CkQueue *q)
{
    return q->size_w ? q->size_w : d->d.max_queue_size;
}

/* ---- access widths (§4.1.3.1) ---- */

static const RegDesc *config_field(const CkDev *d, const char *name)
{
    for (unsigned i = 0; name && i < d->d.n_config_regs; i++)
        if (strcmp(d->d.config_regs[i].name, name) == 0)
            return &d->d.config_regs[i];
    return NULL;
}

/* The width an access to reg must have (0: any). 64-bit fields go as 32-bit halves;
 * a field that is an array of bytes (virtio-net's mac) has 8-bit accesses. */
static unsigned access_width(const CkDev *d, bool legacy_bar, const char *reg)
{
    unsigned w;
    if (strncmp(reg, "device.", 7) == 0) {
        const RegDesc *f = config_field(d, reg + 7);
        if (legacy_bar || !f)
            return 0;        /* §4.1.4.10: the legacy interface's device config takes any width */
        w = f->size;
        if (w != 1 && w != 2 && w != 4 && w != 8)
            return 1;
    } else if (strcmp(reg, "isr") == 0) {
        return 1;
    } else if (strcmp(reg, "notify") == 0) {
        return 2;            /* the 16-bit queue index: NOTIFICATION_DATA is not offered */
    } else {
        w = virtio_pci_reg_width(reg);
    }
    return w == 8 ? 4 : w;
}

/* ---- device status (§2.1.1, §3.1.1) ---- */

/* The features at FEATURES_OK (legacy: DRIVER_OK): dependencies, VERSION_1. */
static bool check_feature_set(CkDev *d, bool legacy)
{
    unsigned bit, needs;
    char a[64], b[64];
    if (d->d.device_id == VIRTIO_ID_NET && virtio_net_feature_conflict(d->features, &bit, &needs)) {
        ck_violate_once(d, CHECK_feature_dependency, "%s accepted without %s (features %#llx)",
                   feature_text(d, 1ull << bit, a, sizeof a), feature_text(d, 1ull << needs, b, sizeof b),
                   (unsigned long long)d->features);
        return true;
    }
    if (!legacy && ck_offered(d, VIRTIO_F_VERSION_1) && !ck_has(d, VIRTIO_F_VERSION_1)) {
        ck_violate_once(d, CHECK_feature_version_1, "FEATURES_OK with features %#llx: VERSION_1 offered, not accepted",
                   (unsigned long long)d->features);
        return true;
    }
    return false;
}

static const char *order_error(uint8_t v, uint8_t added, bool legacy)
{
    if ((added & S_DRIVER) && !(v & S_ACK))
        return "DRIVER without ACKNOWLEDGE";
    if ((added & S_FOK) && !(v & S_DRIVER))
        return "FEATURES_OK without DRIVER";
    if ((added & S_DOK) && !(v & S_DRIVER))
        return "DRIVER_OK without DRIVER";
    if ((added & S_DOK) && !legacy && !(v & S_FOK))
        return "DRIVER_OK without FEATURES_OK";
    return NULL;
}

static void status_write(CkDev *d, bool legacy, uint8_t v)
{
    uint8_t old = d->status;
    char a[96], b[96];
    d->legacy = legacy;
    d->status = v;
    if (v == 0) {
        /* §4.1.4.3.2: the reset completes when device_status reads 0 (modern). */
        d->reset_pending = !legacy;
        return;
    }
    uint8_t added = v & ~old, cleared = old & ~v & ~S_NR;
    const char *why;
    bool told = true;
    if (d->reset_pending) {
        d->reset_pending = false;
        ck_violate_once(d, CHECK_reset_not_awaited, "status 0, then %s with no read of device_status between",
                   status_text(v, b, sizeof b));
    } else if (d->failed && (added & ~S_FAILED)) {
        ck_violate_once(d, CHECK_failed_no_reset, "status %s -> %s after FAILED, without a reset",
                   status_text(old, a, sizeof a), status_text(v, b, sizeof b));
    } else if (cleared) {
        char c[96];
        ck_violate(d, CHECK_status_clear_bit, "status %s -> %s clears %s", status_text(old, a, sizeof a),
                   status_text(v, b, sizeof b), status_text(cleared, c, sizeof c));
    } else if ((why = order_error(v, added, legacy))) {
        ck_violate_once(d, CHECK_status_order, "status %s -> %s: %s", status_text(old, a, sizeof a),
                   status_text(v, b, sizeof b), why);
    } else {
        told = false;
    }
    if ((added & S_FOK) && !legacy) {
        if (!told)
            told = check_feature_set(d, false);
        d->fok_written = true;
        d->fok_reread = d->fok_refused = false;
        d->fok_features = d->features;
    }
    if ((added & S_DOK) && !told) {
        if (legacy)
            check_feature_set(d, true);
        else if (d->fok_written && !d->fok_reread)
            ck_violate_once(d, CHECK_features_ok_reread, "DRIVER_OK (status %s) with FEATURES_OK never read back",
                       status_text(v, b, sizeof b));
        else if (d->fok_refused)
            ck_violate_once(d, CHECK_features_refused_continue, "DRIVER_OK after device_status read back without FEATURES_OK");
    }
    if (added & S_FAILED)
        d->failed = true;
}

/* What the driver reads is the device's status (it may have refused FEATURES_OK or set
 * DEVICE_NEEDS_RESET): a later write is compared with that. */
static void status_read(CkDev *d, uint8_t v)
{
    d->status = v;
    if (d->reset_pending && v == 0)
        d->reset_pending = false;
    if (d->fok_written && !d->fok_reread) {
        d->fok_reread = true;
        d->fok_refused = !(v & S_FOK);
    }
}

/* ---- features (§2.2.1, §3.1.1 step 5) ---- */

static void feature_write(CkDev *d, unsigned word, uint32_t v)
{
    char a[160];
    if (word >= 2) {
        if (v)
            ck_violate(d, CHECK_feature_not_offered, "driver feature word %u = %#x: the device offers no bits there", word, v);
        return;
    }
    unsigned sh = 32 * word;
    uint32_t offered = (uint32_t)(d->d.offered >> sh);
    if (d->fok_written) {
        uint32_t fixed = (uint32_t)(d->fok_features >> sh);
        if (v & ~fixed)
            ck_violate(d, CHECK_feature_after_features_ok, "driver feature word %u = %#x after FEATURES_OK: adds %s", word,
                       v, feature_text(d, (uint64_t)(v & ~fixed) << sh, a, sizeof a));
        return;              /* the device keeps the set of FEATURES_OK */
    }
    if (v & ~offered)
        ck_violate(d, CHECK_feature_not_offered, "driver feature word %u = %#x, device offers %#x: %s not offered", word, v,
                   offered, feature_text(d, (uint64_t)(v & ~offered) << sh, a, sizeof a));
    d->features = (d->features & ~((uint64_t)UINT32_MAX << sh)) | (uint64_t)v << sh;
}

/* ---- queue set-up (§4.1.4.3.2, §2.7.1, §4.1.5.1.3) ---- */

static const char *const addr_names[3] = { "queue_desc", "queue_driver", "queue_device" };

/* Why a queue may not be set up now (the initialisation steps before it), or false. */
static bool setup_refused(CkDev *d, unsigned q, bool legacy)
{
    char b[96];
    if (d->failed) {
        ck_violate_once(d, CHECK_failed_no_reset, "queue %u set up after FAILED, without a reset", q);
        return true;
    }
    if (legacy)
        return false;        /* no FEATURES_OK step (§3.1.2) */
    if (d->fok_written && !d->fok_reread) {
        ck_violate_once(d, CHECK_features_ok_reread, "queue %u enabled, FEATURES_OK never read back since it was set", q);
        return true;
    }
    if (d->fok_refused) {
        ck_violate_once(d, CHECK_features_refused_continue,
                        "queue %u enabled after device_status read back without FEATURES_OK", q);
        return true;
    }
    if (!(d->status & S_FOK)) {
        ck_violate_once(d, CHECK_setup_before_features_ok, "queue %u enabled with status %s", q,
                        status_text(d->status, b, sizeof b));
        return true;
    }
    return false;
}

static bool rings_not_in_ram(CkDev *d, unsigned q, const uint64_t a[3], uint16_t size)
{
    for (unsigned k = 0; k < 3; k++) {
        uint64_t len = ck_area_bytes(k, size);
        if (!ck_in_ram(d, a[k], len)) {
            ck_violate(d, CHECK_queue_not_in_ram, "queue %u: %s %#llx+%llu is not in RAM", q, addr_names[k],
                       (unsigned long long)a[k], (unsigned long long)len);
            return true;
        }
    }
    return false;
}

static void queue_enable(CkDev *d, uint64_t v)
{
    CkQueue *q = ck_queue(d, d->qsel);
    if (!q)
        return;
    if (v == 0) {
        ck_violate(d, CHECK_queue_enable_zero, "queue_enable 0 written for queue %u", d->qsel);
        return;
    }
    if (q->enable_w || setup_refused(d, d->qsel, false)) {
        q->enable_w = true;
        return;
    }
    q->enable_w = true;
    for (unsigned k = 0; k < 3; k++)
        if (!(q->halves_w[k] & 1)) {
            ck_violate(d, CHECK_queue_config_order, "queue %u enabled before %s was written", d->qsel, addr_names[k]);
            return;
        }
    const uint64_t *a = q->addr_w;
    if (a[0] % 16 || a[1] % 2 || a[2] % 4) {
        ck_violate(d, CHECK_queue_align, "queue %u: desc %#llx (needs 16), driver %#llx (2), device %#llx (4)", d->qsel,
                   (unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)a[2]);
        return;
    }
    rings_not_in_ram(d, d->qsel, a, queue_size_of(d, q));
}

static void queue_size(CkDev *d, uint64_t v)
{
    CkQueue *q = ck_queue(d, d->qsel);
    if (!q)
        return;
    if (q->enable_w) {
        ck_violate(d, CHECK_queue_config_order, "queue_size %llu written to queue %u, which is enabled",
                   (unsigned long long)v, d->qsel);
        return;
    }
    bool packed = ck_has(d, VIRTIO_F_RING_PACKED);   /* §2.8: any size */
    if (v == 0 || (!packed && (v & (v - 1))) || v > d->d.max_queue_size)
        ck_violate(d, CHECK_queue_size_invalid, "queue %u: queue_size %llu (%s up to %u)", d->qsel,
                   (unsigned long long)v, packed ? "a size" : "a power of 2", d->d.max_queue_size);
    else
        q->size_w = (uint16_t)v;
}

static void queue_addr(CkDev *d, unsigned which, uint64_t addr, uint64_t v)
{
    CkQueue *q = ck_queue(d, d->qsel);
    if (!q)
        return;
    if (q->enable_w) {
        ck_violate(d, CHECK_queue_config_order, "%s written to queue %u, which is enabled", addr_names[which], d->qsel);
        return;
    }
    unsigned high = (addr & 4) != 0;     /* the row is 8-aligned in the BAR */
    uint64_t mask = (uint64_t)UINT32_MAX << (32 * high);
    q->addr_w[which] = (q->addr_w[which] & ~mask) | (v & UINT32_MAX) << (32 * high);
    q->halves_w[which] |= (uint8_t)(1u << high);
}

/* Legacy: the rings at pfn * 4096 in the layout of §2.7.2, with the device's size. */
static void queue_pfn(CkDev *d, uint64_t v)
{
    CkQueue *q = ck_queue(d, d->qsel);
    if (!q || v == 0 || setup_refused(d, d->qsel, true))
        return;
    uint64_t base = v << 12, len = vq_legacy_bytes(d->d.max_queue_size);
    if (!ck_in_ram(d, base, len))
        ck_violate(d, CHECK_queue_not_in_ram, "queue %u: queue_pfn %#llx puts the rings at %#llx+%llu, not in RAM",
                   d->qsel, (unsigned long long)v, (unsigned long long)base, (unsigned long long)len);
}

/* ---- notifications (§4.1.5.2, §3.1.1) ---- */

static void notify(CkDev *d, bool legacy, uint64_t addr, uint64_t v)
{
    unsigned qn = (unsigned)v;
    char b[96];
    if (!legacy) {
        if (!d->modern_base || !d->d.notify_mult)
            return;
        qn = (unsigned)((addr - d->modern_base - d->d.notify_off) / d->d.notify_mult);
        if (v != qn) {
            ck_violate(d, CHECK_notify_value, "value %llu written to queue %u's notify address %#llx",
                       (unsigned long long)v, qn, (unsigned long long)addr);
            return;
        }
    }
    CkQueue *q = ck_queue(d, qn);
    if (!q || !q->live)
        ck_violate(d, CHECK_notify_unknown_queue, "notify of queue %u, which %s", qn,
                   q ? "is not enabled" : "does not exist");
    else if (d->failed)
        ck_violate_once(d, CHECK_failed_no_reset, "notify of queue %u after FAILED, without a reset", qn);
    else if (!legacy && !(d->status & S_DOK))
        ck_violate_once(d, CHECK_notify_before_driver_ok, "notify of queue %u with status %s", qn,
                   status_text(d->status, b, sizeof b));
}

/* ---- the registers by name ---- */

typedef void RegFn(CkDev *d, bool legacy, bool wr, uint64_t addr, uint64_t v, const char *reg);

static void r_status(CkDev *d, bool legacy, bool wr, uint64_t addr, uint64_t v, const char *reg)
{
    if (wr)
        status_write(d, legacy, (uint8_t)v);
    else
        status_read(d, (uint8_t)v);
}
static void r_gfsel(CkDev *d, bool legacy, bool wr, uint64_t addr, uint64_t v, const char *reg)
{
    if (wr)
        d->gfsel = (uint32_t)v;
}
static void r_gfeat(CkDev *d, bool legacy, bool wr, uint64_t addr, uint64_t v, const char *reg)
{
    if (wr)
        feature_write(d, legacy ? 0 : d->gfsel, (uint32_t)v);
}
static void r_qsel(CkDev *d, bool legacy, bool wr, uint64_t addr, uint64_t v, const char *reg)
{
    if (wr)
        d->qsel = (uint16_t)v;
}
static void r_qsize(CkDev *d, bool legacy, bool wr, uint64_t addr, uint64_t v, const char *reg)
{
    if (wr)
        queue_size(d, v);
}
static void r_qenable(CkDev *d, bool legacy, bool wr, uint64_t addr, uint64_t v, const char *reg)
{
    if (wr)
        queue_enable(d, v);
}
static void r_qdesc(CkDev *d, bool legacy, bool wr, uint64_t addr, uint64_t v, const char *reg)
{
    if (wr)
        queue_addr(d, 0, addr, v);
}
static void r_qdriver(CkDev *d, bool legacy, bool wr, uint64_t addr, uint64_t v, const char *reg)
{
    if (wr)
        queue_addr(d, 1, addr, v);
}
static void r_qdevice(CkDev *d, bool legacy, bool wr, uint64_t addr, uint64_t v, const char *reg)
{
    if (wr)
        queue_addr(d, 2, addr, v);
}
static void r_qpfn(CkDev *d, bool legacy, bool wr, uint64_t addr, uint64_t v, const char *reg)
{
    if (wr)
        queue_pfn(d, v);
}
static void r_notify(CkDev *d, bool legacy, bool wr, uint64_t addr, uint64_t v, const char *reg)
{
    if (wr)
        notify(d, legacy, addr, v);
}
static void r_readonly(CkDev *d, bool legacy, bool wr, uint64_t addr, uint64_t v, const char *reg)
{
    if (wr)
        ck_violate(d, CHECK_common_readonly_write, "%s written with %#llx", reg, (unsigned long long)v);
}

static const struct {
    const char *name;
    RegFn *fn;
} regs[] = {
    { "common.device_status", r_status }, { "legacy.device_status", r_status },
    { "common.driver_feature_select", r_gfsel }, { "common.driver_feature", r_gfeat },
    { "legacy.guest_features", r_gfeat },
    { "common.queue_select", r_qsel }, { "legacy.queue_select", r_qsel },
    { "common.queue_size", r_qsize }, { "common.queue_enable", r_qenable },
    { "common.queue_desc", r_qdesc }, { "common.queue_driver", r_qdriver }, { "common.queue_device", r_qdevice },
    { "legacy.queue_pfn", r_qpfn },
    { "notify", r_notify }, { "legacy.queue_notify", r_notify },
    { "common.device_feature", r_readonly }, { "common.num_queues", r_readonly },
    { "common.config_generation", r_readonly }, { "common.queue_notify_off", r_readonly },
};

void ck_bus(CkDev *d, bool legacy, bool wr, uint64_t addr, unsigned size, uint64_t value, const char *reg)
{
    if (!reg)
        return;
    unsigned w = access_width(d, legacy, reg);
    if (w && (size != w || addr % w)) {
        /* The device ignores such an access (reads 0, drops the write): nothing more. */
        ck_violate(d, CHECK_pci_access_width, "%u-byte %s of %s at %#llx: the field takes %u-byte accesses", size,
                   wr ? "write" : "read", reg, (unsigned long long)addr, w);
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(regs); i++)
        if (strcmp(regs[i].name, reg) == 0) {
            regs[i].fn(d, legacy, wr, addr, value, reg);
            return;
        }
}

/* ---- PCI configuration space and device configuration ---- */

void ck_cfg_write(CkDev *d, unsigned off, unsigned size)
{
    for (unsigned i = 0; i < d->d.ncaps; i++) {
        unsigned lo = d->d.caps[i].off, hi = lo + d->d.caps[i].len;
        if (off < hi && lo < off + size) {
            ck_violate(d, CHECK_pci_cap_write, "config space %#x+%u written, inside the virtio capability at %#x", off,
                       size, lo);
            return;
        }
    }
}

static const char *field_at(const CkDev *d, unsigned off)
{
    const RegDesc *r = d->d.config_regs ? regdesc_find(d->d.config_regs, d->d.n_config_regs, off) : NULL;
    return r ? r->name : "?";
}

void ck_config_access(CkDev *d, bool wr, unsigned off)
{
    char a[64], b[96];
    int f = d->d.device_id == VIRTIO_ID_NET ? virtio_net_config_feature(off) : -1;
    if (f >= 0 && !ck_offered(d, (unsigned)f)) {
        ck_violate(d, CHECK_config_field_unoffered, "%s of %s (offset %u): %s was not offered", wr ? "write" : "read",
                   field_at(d, off), off, feature_text(d, 1ull << f, a, sizeof a));
        return;
    }
    if (!wr)
        return;
    if (!d->legacy && !(d->status & S_FOK)) {
        ck_violate_once(d, CHECK_config_write_before_features_ok, "write of %s (offset %u) with status %s", field_at(d, off),
                   off, status_text(d->status, b, sizeof b));
        return;
    }
    if (d->d.device_id == VIRTIO_ID_NET && (!d->legacy || off >= 6 || ck_has(d, VIRTIO_NET_F_CTRL_MAC_ADDR)))
        ck_violate(d, CHECK_net_config_write, "write of %s (offset %u) through the %s interface%s", field_at(d, off), off,
                   d->legacy ? "legacy" : "modern",
                   d->legacy && off < 6 ? " with CTRL_MAC_ADDR negotiated" : "");
}
