/* Kernel-style command line from /chosen/bootargs (Devicetree Specification v0.4
 * §3.6): space-separated words, each `key=value` or a bare `key`. The first occurrence
 * of a key wins. */
#include "fdt.h"

#include "libc.h"

#define BOOTARGS_MAX 512

static char args[BOOTARGS_MAX];
static char value[BOOTARGS_MAX];
static bool loaded;

const char *bootargs(void)
{
    if (!loaded) {
        int node = fdt_path_offset("/chosen"), len = 0;
        const char *v = node >= 0 ? fdt_getprop(node, "bootargs", &len) : NULL;
        size_t n = 0;
        if (v)
            while (n < (size_t)len && n < BOOTARGS_MAX - 1 && v[n])
                n++;
        memcpy(args, v ? v : "", n);
        args[n] = '\0';
        loaded = true;
    }
    return args;
}

/* The value is copied so callers get a NUL-terminated string; it stays valid until
 * the next bootarg() call. */
const char *bootarg(const char *key)
{
    const char *p = bootargs();
    size_t kl = strlen(key);
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        size_t wl = (size_t)(p - w);
        if (wl >= kl && strncmp(w, key, kl) == 0 && (wl == kl || w[kl] == '=')) {
            size_t vl = wl == kl ? 0 : wl - kl - 1;
            memcpy(value, w + kl + (wl == kl ? 0 : 1), vl);
            value[vl] = '\0';
            return value;
        }
    }
    return NULL;
}

int bootarg_is(const char *key, const char *val)
{
    const char *v = bootarg(key);
    return v && strcmp(v, val) == 0;
}

unsigned long bootarg_ulong(const char *key, unsigned long dflt)
{
    const char *v = bootarg(key);
    char *end;
    if (!v || !*v)
        return dflt;
    unsigned long n = strtoul(v, &end, 0);
    return *end ? dflt : n;
}
