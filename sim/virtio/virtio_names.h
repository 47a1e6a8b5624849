/* Names of virtio's bits and queues, from the one table sim/virtio/virtio_names.def
 * (virtio 1.2 §2.1 status, §6 and §5.1.3 feature bits, §2.7.5/§2.8.1 descriptor flags,
 * §2.7.6/§2.7.8 ring flags, §4.1.4.5 ISR bits, §5.1.2 queue roles), which the Python
 * tools read too (trace/rt_names.py): the C constants, name <-> value lookups, a bit set
 * as "ACKNOWLEDGE|DRIVER|0x40" and back, and queue index <-> role ("rx0", "ctrl").
 *
 *     char b[128];
 *     virtio_format_bits(VIRTIO_DOM_STATUS, 0, 0xb, b, sizeof b);   // ACKNOWLEDGE|DRIVER|FEATURES_OK
 *     virtio_parse_bits(VIRTIO_DOM_FEATURE, VIRTIO_ID_NET, "VERSION_1|MRG_RXBUF", &f, err);
 *     virtio_net_queue_role(3, 8, b, sizeof b);                      // "tx1"
 */
#ifndef RINGSIDE_VIRTIO_NAMES_H
#define RINGSIDE_VIRTIO_NAMES_H

#include "common.h"

/* Device ids of the device types the table has rows for (§5): VIRTIO_ID_NET = 1. */
enum {
#define VIRTIO_DEVICE(dev, id) VIRTIO_ID_##dev = id,
#include "virtio/virtio_names.def"
};

/* Device status bits (§2.1): VIRTIO_STATUS_ACKNOWLEDGE, ..., VIRTIO_STATUS_NEEDS_RESET. */
enum {
#define VIRTIO_STATUS(name, value, id) VIRTIO_STATUS_##id = value,
#include "virtio/virtio_names.def"
};

/* Feature bit numbers: device-independent VIRTIO_F_* (§6), then each device type's,
 * VIRTIO_NET_F_* (§5.1.3). */
enum {
#define VIRTIO_F(name, bit, id, spelling) VIRTIO_F_##id = bit,
#define VIRTIO_DEV_F(dev, name, bit, id, spelling) VIRTIO_##dev##_F_##id = bit,
#include "virtio/virtio_names.def"
};

/* Descriptor flags VRING_DESC_F_* and the split ring's VRING_AVAIL_F_* and
 * VRING_USED_F_* (§2.7.5, §2.8.1, §2.7.6, §2.7.8). */
enum {
#define VRING_F(ring, name, value) VRING_##ring##_F_##name = value,
#include "virtio/virtio_names.def"
};

/* ISR status bits (§4.1.4.5): VIRTIO_ISR_QUEUE, VIRTIO_ISR_CONFIG. */
enum {
#define VIRTIO_ISR(name, value) VIRTIO_ISR_##name = value,
#include "virtio/virtio_names.def"
};

/* A virtio vendor capability's cfg_type (§4.1.4): VIRTIO_PCI_CAP_COMMON_CFG, ...; and
 * the bits of a device configuration's status field (§5.1.4): VIRTIO_NET_S_LINK_UP,
 * VIRTIO_NET_S_ANNOUNCE. From the table of configuration names, virtio_cfg_names.def. */
enum {
#define VIRTIO_PCI_CAP(name, value) VIRTIO_PCI_CAP_##name = value,
#define VIRTIO_DEV_S(dev, name, value) VIRTIO_##dev##_S_##name = value,
#include "virtio/virtio_cfg_names.def"
};

/* The name of a vendor capability's cfg_type ("COMMON_CFG"), or NULL. */
const char *virtio_pci_cap_name(unsigned cfg_type);
/* A device configuration's status bits as "LINK_UP|ANNOUNCE" (0 is "0", bits without a
 * name one hex number), as virtio_format_bits; device: a device id (VIRTIO_ID_NET). */
size_t virtio_format_dev_status(unsigned device, uint64_t bits, char *buf, size_t n);

/* What a set of bits is: a row's domain. DESC, AVAIL and USED are the three rings of
 * VRING_F (VIRTIO_DOM_##ring). */
typedef enum VirtioDomain {
    VIRTIO_DOM_STATUS,
    VIRTIO_DOM_FEATURE,
    VIRTIO_DOM_DESC,
    VIRTIO_DOM_AVAIL,
    VIRTIO_DOM_USED,
    VIRTIO_DOM_ISR,
    VIRTIO_DOM_COUNT
} VirtioDomain;

/* One bit of the table. */
typedef struct VirtioName {
    VirtioDomain domain;
    uint16_t device;          /* features: 0 device-independent, else the device id */
    const char *name;         /* as the spec spells it, without prefix: "DRIVER_OK" */
    uint64_t value;           /* the bit itself (a feature's: 1 << bit number) */
    const char *spelling;     /* features: the command line's, "version_1"; else NULL */
} VirtioName;

/* The rows, in table order; *n gets their number. */
const VirtioName *virtio_name_rows(unsigned *n);
/* How a domain is called in messages: "status", "feature", "descriptor flag", ... */
const char *virtio_domain_name(VirtioDomain d);

/* The rows below look in domain d; for VIRTIO_DOM_FEATURE, at the device-independent
 * features and those of device type `device` (a device id; 0: only the former). */

/* The row of the single bit `value`, or NULL. */
const VirtioName *virtio_name_of(VirtioDomain d, unsigned device, uint64_t value);
/* The row named name (the spec's spelling, len bytes), or NULL. */
const VirtioName *virtio_name_find(VirtioDomain d, unsigned device, const char *name, size_t len);
/* The spec's name of the single bit `value`, or NULL. */
const char *virtio_bit_name(VirtioDomain d, unsigned device, uint64_t value);

/* bits as "ACKNOWLEDGE|DRIVER|FEATURES_OK": named bits from the lowest up, then the
 * bits without a name as one hex number ("DRIVER_OK|0x30"); 0 is "0". Writes at most
 * n bytes, always terminated (n > 0), and returns the length of the whole text, as
 * snprintf does. */
size_t virtio_format_bits(VirtioDomain d, unsigned device, uint64_t bits, char *buf, size_t n);
/* The reverse: names and numbers (0x hex or decimal) joined by '|', spaces allowed
 * around them ("DRIVER_OK | FEATURES_OK", "ACKNOWLEDGE|0x40", "0"). -1 with err for an
 * empty item or a name the domain does not have (the message lists the names). */
int virtio_parse_bits(VirtioDomain d, unsigned device, const char *expr, uint64_t *bits, Err *err);

/* Queue roles (the VIRTIO_QUEUES and VIRTIO_QUEUE_LAST rows of a device type). last is
 * the index of the queue after the numbered ones (virtio-net: the control queue),
 * which depends on what the driver negotiated. */

/* The role of queue q into buf ("rx0", "tx3", "ctrl"); NULL when q is past `last`, the
 * device type has no roles, or buf is too small. */
const char *virtio_queue_role(unsigned device, unsigned q, unsigned last, char *buf, size_t n);
/* The queue of a role ("tx0" -> 1, "ctrl" -> last); -1 for a role the device type does
 * not have, a malformed number (leading zeros included), or a numbered queue at or past
 * `last` or past 0xffff (queue indices are 16 bits). */
int virtio_role_queue(unsigned device, const char *role, unsigned last);

/* virtio-net's (§5.1.2): ctrl_index is 2 * max_virtqueue_pairs with MQ negotiated, else
 * 2 (virtio_net_ctrl_queue gives the device's). */
static inline const char *virtio_net_queue_role(unsigned q, unsigned ctrl_index, char *buf, size_t n)
{
    return virtio_queue_role(VIRTIO_ID_NET, q, ctrl_index, buf, n);
}
static inline int virtio_net_role_queue(const char *role, unsigned ctrl_index)
{
    return virtio_role_queue(VIRTIO_ID_NET, role, ctrl_index);
}

#endif
