/* One way to print a bit field by name: "ACKNOWLEDGE|DRIVER|0x40", "0" for none. Each
 * name table (virtio_names.def, virtio_cfg_names.def, pci_names.def) supplies only the
 * lookup of one bit. */
#ifndef RINGSIDE_BITS_FORMAT_H
#define RINGSIDE_BITS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* The name of the single bit `bit`, or NULL when the table has none. */
typedef const char *(*BitNameFn)(uint64_t bit, const void *ctx);

/* Writes the set bits of `bits` as names joined by '|', the unnamed ones last as one hex
 * number, "0" when none is set; truncates as snprintf does and returns the full length. */
size_t bits_format(uint64_t bits, BitNameFn name_of, const void *ctx, char *buf, size_t n);

#endif
