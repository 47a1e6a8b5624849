/* Flattened devicetree reader (Devicetree Specification v0.4, §5.2 header, §5.4
 * structure block: FDT_BEGIN_NODE 1, FDT_END_NODE 2, FDT_PROP 3, FDT_NOP 4, FDT_END 9,
 * all big-endian, tokens 4-byte aligned). Read-only, no allocation; every walk is
 * bounded by the structure block's size so a corrupt blob cannot loop forever. */
#include "fdt.h"

#include "libc.h"

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9

static const uint8_t *blob;
static const uint8_t *dt_struct, *dt_strings;
static uint32_t struct_size, strings_size;

uint32_t fdt_be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint64_t fdt_be64(const void *p)
{
    return (uint64_t)fdt_be32(p) << 32 | fdt_be32((const uint8_t *)p + 4);
}

uint64_t fdt_read_cells(const void *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 32 | fdt_be32((const uint8_t *)p + 4 * i);
    return v;
}

int fdt_init(const void *b)
{
    blob = NULL;
    if (!b || ((uintptr_t)b & 3) || fdt_be32(b) != FDT_MAGIC)
        return -1;
    const uint8_t *h = b;
    uint32_t total = fdt_be32(h + 4), off_struct = fdt_be32(h + 8),
             off_strings = fdt_be32(h + 12), version = fdt_be32(h + 20);
    if (version < 16 || off_struct >= total || off_strings > total)
        return -1;
    struct_size = fdt_be32(h + 36);
    strings_size = fdt_be32(h + 32);
    if (struct_size > total - off_struct || strings_size > total - off_strings)
        return -1;
    blob = b;
    dt_struct = h + off_struct;
    dt_strings = h + off_strings;
    return 0;
}

const void *fdt_blob(void) { return blob; }

/* Token reader: returns the token at *off and advances *off past it and its payload;
 * for BEGIN_NODE sets *name, for PROP sets *name (property name), *val and *len. */
static int next_token(uint32_t *off, const char **name, const void **val, int *len)
{
    if (*off + 4 > struct_size)
        return FDT_END;
    uint32_t tok = fdt_be32(dt_struct + *off);
    *off += 4;
    switch (tok) {
    case FDT_BEGIN_NODE: {
        const char *n = (const char *)dt_struct + *off;
        size_t l = 0;
        while (*off + l < struct_size && n[l])
            l++;
        if (name)
            *name = n;
        *off = (*off + (uint32_t)l + 1 + 3) & ~3u;
        return FDT_BEGIN_NODE;
    }
    case FDT_PROP: {
        if (*off + 8 > struct_size)
            return FDT_END;
        uint32_t l = fdt_be32(dt_struct + *off), nameoff = fdt_be32(dt_struct + *off + 4);
        if (l > struct_size - *off - 8 || nameoff >= strings_size)
            return FDT_END;
        if (name)
            *name = (const char *)dt_strings + nameoff;
        if (val)
            *val = dt_struct + *off + 8;
        if (len)
            *len = (int)l;
        *off = (*off + 8 + l + 3) & ~3u;
        return FDT_PROP;
    }
    case FDT_END_NODE:
    case FDT_NOP:
        return (int)tok;
    default:
        return FDT_END;
    }
}

int fdt_root(void)
{
    if (!blob)
        return -1;
    uint32_t off = 0;
    for (;;) {                      /* skip leading NOPs */
        uint32_t at = off;
        int t = next_token(&off, NULL, NULL, NULL);
        if (t == FDT_BEGIN_NODE)
            return (int)at;
        if (t != FDT_NOP)
            return -1;
    }
}

const char *fdt_node_name(int node)
{
    if (!blob || node < 0)
        return NULL;
    return (const char *)dt_struct + node + 4;
}

/* Properties come before child nodes (§5.4.1), so the search stops at the first child. */
const void *fdt_getprop(int node, const char *name, int *len)
{
    if (!blob || node < 0)
        return NULL;
    uint32_t off = (uint32_t)node;
    const char *n;
    const void *v;
    int l;
    if (next_token(&off, &n, NULL, NULL) != FDT_BEGIN_NODE)
        return NULL;
    for (;;) {
        int t = next_token(&off, &n, &v, &l);
        if (t == FDT_NOP)
            continue;
        if (t != FDT_PROP)
            return NULL;
        if (strcmp(n, name) == 0) {
            if (len)
                *len = l;
            return v;
        }
    }
}

uint32_t fdt_getprop_u32(int node, const char *name, uint32_t dflt)
{
    int len;
    const void *p = fdt_getprop(node, name, &len);
    return p && len >= 4 ? fdt_be32(p) : dflt;
}

/* The offset just past node's subtree (its END_NODE), or 0 on a corrupt blob. */
static uint32_t skip_node(uint32_t off)
{
    int depth = 0;
    while (off < struct_size) {
        int t = next_token(&off, NULL, NULL, NULL);
        if (t == FDT_BEGIN_NODE)
            depth++;
        else if (t == FDT_END_NODE && --depth == 0)
            return off;
        else if (t == FDT_END)
            return 0;
    }
    return 0;
}

/* The child of node whose name is comp[0..len) — exactly, or without its unit address
 * ("memory" matches "memory@80000000") when comp has no '@'. */
static int find_child(int node, const char *comp, size_t len)
{
    uint32_t off = (uint32_t)node;
    const char *n;
    bool has_at = false;
    for (size_t i = 0; i < len; i++)
        has_at |= comp[i] == '@';
    if (next_token(&off, NULL, NULL, NULL) != FDT_BEGIN_NODE)
        return -1;
    for (;;) {
        uint32_t at = off;
        int t = next_token(&off, &n, NULL, NULL);
        if (t == FDT_PROP || t == FDT_NOP)
            continue;
        if (t != FDT_BEGIN_NODE)
            return -1;
        if (strncmp(n, comp, len) == 0 && (n[len] == '\0' || (!has_at && n[len] == '@')))
            return (int)at;
        off = skip_node(at);
        if (!off)
            return -1;
    }
}

int fdt_path_offset(const char *path)
{
    int node = fdt_root();
    if (node < 0 || path[0] != '/')
        return -1;
    const char *p = path;
    while (node >= 0) {
        while (*p == '/')
            p++;
        if (!*p)
            return node;
        const char *e = p;
        while (*e && *e != '/')
            e++;
        node = find_child(node, p, (size_t)(e - p));
        p = e;
    }
    return -1;
}

int fdt_parent(int node)
{
    /* No parent links in a DTB: walk from the root keeping a stack of open nodes. */
    int stack[32], depth = 0;
    uint32_t off = 0;
    if (!blob || node <= fdt_root())
        return -1;
    while (off < struct_size) {
        uint32_t at = off;
        int t = next_token(&off, NULL, NULL, NULL);
        if (t == FDT_BEGIN_NODE) {
            if ((int)at == node)
                return depth ? stack[depth - 1] : -1;
            if (depth == 32)
                return -1;
            stack[depth++] = (int)at;
        } else if (t == FDT_END_NODE) {
            if (depth)
                depth--;
        } else if (t == FDT_END) {
            return -1;
        }
    }
    return -1;
}

int fdt_address_cells(int node) { return (int)fdt_getprop_u32(node, "#address-cells", 2); }
int fdt_size_cells(int node) { return (int)fdt_getprop_u32(node, "#size-cells", 1); }

/* Is val one of the NUL-separated strings in the property value v[0..len)? */
static bool stringlist_has(const char *v, int len, const char *val)
{
    size_t vl = strlen(val);
    for (int i = 0; i < len;) {
        size_t l = strlen(v + i);
        if (l == vl && memcmp(v + i, val, vl) == 0)
            return true;
        i += (int)l + 1;
    }
    return false;
}

int fdt_find_prop_string(int after, const char *prop, const char *val)
{
    if (!blob)
        return -1;
    uint32_t off = 0;
    while (off < struct_size) {
        uint32_t at = off;
        int t = next_token(&off, NULL, NULL, NULL);
        if (t == FDT_END)
            return -1;
        if (t != FDT_BEGIN_NODE || (int)at <= after)
            continue;
        int len;
        const char *v = fdt_getprop((int)at, prop, &len);
        /* Values come from the blob: only trust a NUL-terminated one. */
        if (v && len > 0 && v[len - 1] == '\0' && stringlist_has(v, len, val))
            return (int)at;
    }
    return -1;
}

int fdt_find_compatible(int after, const char *compatible)
{
    return fdt_find_prop_string(after, "compatible", compatible);
}

int fdt_find_device_type(int after, const char *type)
{
    return fdt_find_prop_string(after, "device_type", type);
}

int fdt_node_by_phandle(uint32_t phandle)
{
    if (!blob)
        return -1;
    uint32_t off = 0;
    while (off < struct_size) {
        uint32_t at = off;
        int t = next_token(&off, NULL, NULL, NULL);
        if (t == FDT_END)
            return -1;
        if (t != FDT_BEGIN_NODE)
            continue;
        uint32_t ph = fdt_getprop_u32((int)at, "phandle", 0);
        if (!ph)
            ph = fdt_getprop_u32((int)at, "linux,phandle", 0);
        if (ph == phandle && ph != 0)
            return (int)at;
    }
    return -1;
}
