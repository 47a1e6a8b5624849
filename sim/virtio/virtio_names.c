/* Lookups over the one table of virtio names (virtio_names.def; virtio 1.2 §2.1, §6,
 * §5.1.3, §2.7.5, §2.8.1, §4.1.4.5, §5.1.2): the table expanded once into rows, the
 * bit-set text both ways, and queue roles both ways. The shape rules the Python reader
 * enforces (trace/rt_names.py) are checked here when compiled where the preprocessor
 * can, and by tests/unit/test_virtio_names.c for the rest. */
#include "virtio/virtio_names.h"

#include "bits_format.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>

/* A value a row may hold: one bit. */
#define ONE_BIT(v) ((v) != 0 && ((v) & ((v) - 1)) == 0)
#define VIRTIO_STATUS(name, value, id) \
    _Static_assert(ONE_BIT(value) && (value) < 256, #name ": not one bit of a byte");
#define VIRTIO_F(name, bit, id, spelling) _Static_assert((bit) < 64, #name ": bit past 63");
#define VIRTIO_DEV_F(dev, name, bit, id, spelling) _Static_assert((bit) < 64, #name ": bit past 63");
#define VRING_F(ring, name, value) \
    _Static_assert(ONE_BIT(value) && (value) < 0x10000, #name ": not one bit of a le16");
#define VIRTIO_ISR(name, value) _Static_assert(ONE_BIT(value) && (value) < 256, #name ": not one bit of a byte");
#define VIRTIO_QUEUES(dev, role, stride, first) _Static_assert((first) < (stride), #role ": first not below stride");
#include "virtio/virtio_names.def"

static const VirtioName rows[] = {
#define VIRTIO_STATUS(name, value, id) { VIRTIO_DOM_STATUS, 0, #name, value, NULL },
#define VIRTIO_F(name, bit, id, spelling) { VIRTIO_DOM_FEATURE, 0, #name, 1ull << (bit), spelling },
#define VIRTIO_DEV_F(dev, name, bit, id, spelling) \
    { VIRTIO_DOM_FEATURE, VIRTIO_ID_##dev, #name, 1ull << (bit), spelling },
#define VRING_F(ring, name, value) { VIRTIO_DOM_##ring, 0, #name, value, NULL },
#define VIRTIO_ISR(name, value) { VIRTIO_DOM_ISR, 0, #name, value, NULL },
#include "virtio/virtio_names.def"
};

/* A queue role row; last: the VIRTIO_QUEUE_LAST row (stride and first unused). */
static const struct {
    uint16_t device;
    const char *role;
    unsigned stride, first;
    bool last;
} roles[] = {
#define VIRTIO_QUEUES(dev, role, stride, first) { VIRTIO_ID_##dev, #role, stride, first, false },
#define VIRTIO_QUEUE_LAST(dev, role) { VIRTIO_ID_##dev, #role, 0, 0, true },
#include "virtio/virtio_names.def"
};

static const char *const domain_names[VIRTIO_DOM_COUNT] = {
    [VIRTIO_DOM_STATUS] = "status",
    [VIRTIO_DOM_FEATURE] = "feature",
    [VIRTIO_DOM_DESC] = "descriptor flag",
    [VIRTIO_DOM_AVAIL] = "avail flag",
    [VIRTIO_DOM_USED] = "used flag",
    [VIRTIO_DOM_ISR] = "ISR",
};

const VirtioName *virtio_name_rows(unsigned *n)
{
    *n = ARRAY_SIZE(rows);
    return rows;
}

const char *virtio_domain_name(VirtioDomain d)
{
    return (unsigned)d < VIRTIO_DOM_COUNT ? domain_names[d] : "?";
}

/* Whether row r is looked at for domain d and device type device. */
static bool in_domain(const VirtioName *r, VirtioDomain d, unsigned device)
{
    return r->domain == d && (r->device == 0 || r->device == device);
}

const VirtioName *virtio_name_of(VirtioDomain d, unsigned device, uint64_t value)
{
    for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
        if (in_domain(&rows[i], d, device) && rows[i].value == value)
            return &rows[i];
    return NULL;
}

const VirtioName *virtio_name_find(VirtioDomain d, unsigned device, const char *name, size_t len)
{
    for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
        if (in_domain(&rows[i], d, device) && strlen(rows[i].name) == len && !memcmp(rows[i].name, name, len))
            return &rows[i];
    return NULL;
}

const char *virtio_bit_name(VirtioDomain d, unsigned device, uint64_t value)
{
    const VirtioName *r = virtio_name_of(d, device, value);
    return r ? r->name : NULL;
}

struct domain_ctx { VirtioDomain d; unsigned device; };

static const char *domain_bit_name(uint64_t bit, const void *ctx)
{
    const struct domain_ctx *c = ctx;
    return virtio_bit_name(c->d, c->device, bit);
}

size_t virtio_format_bits(VirtioDomain d, unsigned device, uint64_t bits, char *buf, size_t n)
{
    struct domain_ctx c = { d, device };
    return bits_format(bits, domain_bit_name, &c, buf, n);
}

/* "unknown status 'X' (valid: A B C, or a number)", the list cut short with "..."
 * when the message would not fit. */
static int unknown_name(VirtioDomain d, unsigned device, const char *name, size_t len, Err *err)
{
    char valid[160];
    size_t at = 0;
    valid[0] = 0;
    for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
        if (!in_domain(&rows[i], d, device))
            continue;
        size_t k = strlen(rows[i].name) + (at ? 1 : 0);
        if (at + k + 4 >= sizeof valid) {
            snprintf(valid + at, sizeof valid - at, " ...");
            break;
        }
        at += (size_t)snprintf(valid + at, sizeof valid - at, "%s%s", at ? " " : "", rows[i].name);
    }
    return err_set(err, "unknown %s '%.*s' (valid: %s, or a number)", virtio_domain_name(d), (int)len, name, valid);
}

/* A number item: 0x hex or decimal, all of [p, p + len); false if it is none. */
static bool number(const char *p, size_t len, uint64_t *v)
{
    bool hex = len > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
    size_t i = hex ? 2 : 0;
    if (i == len)
        return false;
    uint64_t x = 0;
    for (; i < len; i++) {
        int c = (unsigned char)p[i];
        unsigned digit;
        if (isdigit(c))
            digit = (unsigned)(c - '0');
        else if (hex && isxdigit(c))
            digit = (unsigned)(tolower(c) - 'a' + 10);
        else
            return false;
        unsigned base = hex ? 16 : 10;
        if (x > (UINT64_MAX - digit) / base)
            return false;
        x = x * base + digit;
    }
    *v = x;
    return true;
}

int virtio_parse_bits(VirtioDomain d, unsigned device, const char *expr, uint64_t *bits, Err *err)
{
    uint64_t v = 0;
    const char *p = expr ? expr : "";
    for (;;) {
        const char *end = strchr(p, '|');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *item = p;
        while (len && isspace((unsigned char)*item)) {
            item++;
            len--;
        }
        while (len && isspace((unsigned char)item[len - 1]))
            len--;
        if (!len)
            return err_set(err, "empty item in %s bits '%s'", virtio_domain_name(d), expr ? expr : "");
        uint64_t x;
        if (isdigit((unsigned char)*item)) {
            if (!number(item, len, &x))
                return err_set(err, "'%.*s' in '%s' is not a number", (int)len, item, expr);
        } else {
            const VirtioName *r = virtio_name_find(d, device, item, len);
            if (!r)
                return unknown_name(d, device, item, len, err);
            x = r->value;
        }
        v |= x;
        if (!end)
            break;
        p = end + 1;
    }
    *bits = v;
    return 0;
}

/* ---- queue roles ---- */

static bool has_last(unsigned device)
{
    for (size_t i = 0; i < ARRAY_SIZE(roles); i++)
        if (roles[i].device == device && roles[i].last)
            return true;
    return false;
}

const char *virtio_queue_role(unsigned device, unsigned q, unsigned last, char *buf, size_t n)
{
    bool bounded = has_last(device);
    if (bounded && q > last)
        return NULL;
    for (size_t i = 0; i < ARRAY_SIZE(roles); i++) {
        if (roles[i].device != device)
            continue;
        int k = -1;
        if (roles[i].last && q == last)
            k = snprintf(buf, n, "%s", roles[i].role);
        else if (!roles[i].last && !(bounded && q == last) && q >= roles[i].first &&
                 (q - roles[i].first) % roles[i].stride == 0)
            k = snprintf(buf, n, "%s%u", roles[i].role, (q - roles[i].first) / roles[i].stride);
        if (k >= 0)
            return (size_t)k < n ? buf : NULL;
    }
    return NULL;
}

int virtio_role_queue(unsigned device, const char *role, unsigned last)
{
    size_t letters = 0;
    while (role[letters] >= 'a' && role[letters] <= 'z')
        letters++;
    const char *num = role + letters;
    bool bounded = has_last(device);
    for (size_t i = 0; i < ARRAY_SIZE(roles); i++) {
        if (roles[i].device != device || strlen(roles[i].role) != letters || memcmp(roles[i].role, role, letters))
            continue;
        if (roles[i].last)
            return *num ? -1 : (last <= INT_MAX ? (int)last : -1);
        /* A decimal index without leading zeros, the spelling virtio_queue_role gives. */
        if (!isdigit((unsigned char)*num) || (num[0] == '0' && num[1]))
            return -1;
        uint64_t k = 0;
        for (const char *c = num; *c; c++) {
            if (!isdigit((unsigned char)*c) || k > 0xffff)
                return -1;
            k = k * 10 + (uint64_t)(*c - '0');
        }
        uint64_t q = roles[i].first + roles[i].stride * k;
        if (q > 0xffff || (bounded && q >= last))
            return -1;
        return (int)q;
    }
    return -1;
}

/* ---- the configuration structures' names: virtio_cfg_names.def ---- */

#define VIRTIO_PCI_CAP(name, value) _Static_assert((value) > 0 && (value) < 256, #name ": not a byte");
#define VIRTIO_DEV_S(dev, name, value) _Static_assert(ONE_BIT(value) && (value) < 0x10000, #name ": not one bit of a le16");
#include "virtio/virtio_cfg_names.def"

static const struct { uint8_t value; const char *name; } pci_caps[] = {
#define VIRTIO_PCI_CAP(name, value) { value, #name },
#include "virtio/virtio_cfg_names.def"
};

static const struct { uint16_t device; uint16_t value; const char *name; } dev_status[] = {
#define VIRTIO_DEV_S(dev, name, value) { VIRTIO_ID_##dev, value, #name },
#include "virtio/virtio_cfg_names.def"
};

const char *virtio_pci_cap_name(unsigned cfg_type)
{
    for (size_t i = 0; i < ARRAY_SIZE(pci_caps); i++)
        if (pci_caps[i].value == cfg_type)
            return pci_caps[i].name;
    return NULL;
}

static const char *dev_status_name(uint64_t bit, const void *ctx)
{
    unsigned device = *(const unsigned *)ctx;
    for (size_t i = 0; i < ARRAY_SIZE(dev_status); i++)
        if (dev_status[i].device == device && dev_status[i].value == bit)
            return dev_status[i].name;
    return NULL;
}

size_t virtio_format_dev_status(unsigned device, uint64_t value, char *buf, size_t n)
{
    return bits_format(value, dev_status_name, &device, buf, n);
}
