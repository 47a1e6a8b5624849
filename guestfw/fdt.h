/* A small reader for flattened device trees (Devicetree Specification v0.4, chapter 5
 * "Flattened Devicetree (DTB) Format"): nodes by path or property, properties as
 * pointer + length, big-endian cells; plus the bootargs helpers built on /chosen. */
#ifndef GUESTFW_FDT_H
#define GUESTFW_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Validates the header (magic 0xd00dfeed, version >= 16) and keeps the blob;
 * returns 0, or -1 when there is no valid DTB (then every lookup fails). */
int fdt_init(const void *blob);
const void *fdt_blob(void);

/* A node is named by the offset of its BEGIN_NODE token in the structure block;
 * negative means "not found". The root is offset 0 of the structure block. */
int fdt_root(void);
int fdt_path_offset(const char *path);     /* "/soc/pci@30000000"; unit address optional */
/* The next node after `after` (-1 = start) in document order with the property
 * prop equal to the string val (for "compatible", any string in the list matches). */
int fdt_find_prop_string(int after, const char *prop, const char *val);
int fdt_find_compatible(int after, const char *compatible);
int fdt_find_device_type(int after, const char *type);
const char *fdt_node_name(int node);
int fdt_node_by_phandle(uint32_t phandle);  /* "phandle" (or "linux,phandle") */
int fdt_parent(int node);                  /* -1 for the root */

/* The property's value and length (bytes), or NULL. */
const void *fdt_getprop(int node, const char *name, int *len);
uint32_t fdt_be32(const void *p);
uint64_t fdt_be64(const void *p);
/* n (1 or 2) big-endian cells at p as one number. */
uint64_t fdt_read_cells(const void *p, int n);
/* #address-cells / #size-cells of node (defaults 2 and 1 as the spec says). */
int fdt_address_cells(int node);
int fdt_size_cells(int node);
/* A u32 property, or dflt. */
uint32_t fdt_getprop_u32(int node, const char *name, uint32_t dflt);

/* /chosen/bootargs ("" when absent) and its space-separated key=value words. */
const char *bootargs(void);
/* The value of key (a pointer into a static copy, NUL-terminated), "" for a bare
 * word "key", NULL when absent. */
const char *bootarg(const char *key);
int bootarg_is(const char *key, const char *val);
/* The numeric value of key (strtoul base 0), or dflt. */
unsigned long bootarg_ulong(const char *key, unsigned long dflt);
/* Every word's key is one of bootargs.def's and its value of the key's kind: 0, or -1
 * with what is wrong written to msg. */
int bootargs_check(char *msg, size_t n);

#endif
