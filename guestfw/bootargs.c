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
/* The next space-separated word at *p (its length in *len, 0 at the end); *p moves past it. */
static const char *next_word(const char **p, size_t *len)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
    const char *w = *p;
    while (**p && **p != ' ' && **p != '\t')
        (*p)++;
    *len = (size_t)(*p - w);
    return w;
}

const char *bootarg(const char *key)
{
    const char *p = bootargs();
    size_t kl = strlen(key), wl;
    while (*p) {
        const char *w = next_word(&p, &wl);
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

/* ---- checking every word against bootargs.def ---- */

enum bootarg_kind { UINT, ONOFF, CHOICE, IPV4, NAME };

static const struct bootarg_row {
    const char *key;
    enum bootarg_kind kind;
    const char *choices;
    unsigned long max;
} rows[] = {
#define BOOTARG(k, kind, choices, max) { #k, kind, choices, max },
#include "bootargs.def"
#undef BOOTARG
};

static const struct bootarg_row *row_of(const char *key, size_t len)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (strlen(rows[i].key) == len && strncmp(rows[i].key, key, len) == 0)
            return &rows[i];
    return NULL;
}

/* Is v (length n) one of the '|'-separated words of list? */
static bool in_list(const char *list, const char *v, size_t n)
{
    for (const char *p = list; *p;) {
        const char *e = strchr(p, '|');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && strncmp(p, v, n) == 0)
            return true;
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

static bool is_uint(const char *v, unsigned long max)
{
    char *end;
    if (!*v || *v == '-' || *v == '+')
        return false;
    unsigned long n = strtoul(v, &end, 0);
    return !*end && (max == 0 || n <= max);
}

static bool is_ipv4(const char *v)
{
    for (int part = 0; part < 4; part++) {
        unsigned n = 0, digits = 0;
        while (*v >= '0' && *v <= '9' && digits < 4)
            n = n * 10 + (unsigned)(*v++ - '0'), digits++;
        if (digits == 0 || digits > 3 || n > 255)
            return false;
        if (part < 3 && *v++ != '.')
            return false;
    }
    return *v == '\0';
}

/* Levenshtein distance of two short words, for "did you mean" (bounded buffers: keys
 * are short, longer words are simply not suggested for). */
static unsigned distance(const char *a, size_t la, const char *b)
{
    enum { MAXW = 24 };
    size_t lb = strlen(b);
    if (la >= MAXW || lb >= MAXW)
        return 99;
    unsigned prev[MAXW], cur[MAXW];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (unsigned)i;
        for (size_t j = 1; j <= lb; j++) {
            unsigned sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            unsigned del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof prev);
    }
    return prev[lb];
}

static const char *kind_text(const struct bootarg_row *r, char *buf, size_t n)
{
    switch (r->kind) {
    case UINT:
        if (r->max)
            snprintf(buf, n, "a number from 0 to %lu", r->max);
        else
            snprintf(buf, n, "a number");
        return buf;
    case ONOFF: return "on or off";
    case CHOICE:
        snprintf(buf, n, "one of %s", r->choices);
        return buf;
    case IPV4: return "an address A.B.C.D";
    case NAME: return "a name";
    }
    return "?";
}

int bootargs_check(char *msg, size_t n)
{
    const char *p = bootargs();
    while (*p) {
        size_t wl, kl = 0;
        const char *w = next_word(&p, &wl);
        if (wl == 0)
            break;
        while (kl < wl && w[kl] != '=')
            kl++;
        const struct bootarg_row *r = row_of(w, kl);
        if (!r) {
            const char *best = NULL;
            unsigned bd = 3;
            for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                unsigned d = distance(w, kl, rows[i].key);
                if (d < bd)
                    bd = d, best = rows[i].key;
            }
            int m = snprintf(msg, n, "bootargs: unknown key '%.*s'", (int)kl, w);
            if (best && m >= 0 && (size_t)m < n)
                snprintf(msg + m, n - (size_t)m, "; did you mean '%s'?", best);
            return -1;
        }
        char v[BOOTARGS_MAX];
        size_t vl = kl < wl ? wl - kl - 1 : 0;
        memcpy(v, w + wl - vl, vl);
        v[vl] = '\0';
        bool ok = kl < wl;          /* every key takes a value: a bare word is a mistake */
        if (ok) {
            switch (r->kind) {
            case UINT: ok = is_uint(v, r->max); break;
            case ONOFF: ok = in_list("on|off", v, vl); break;
            case CHOICE: ok = in_list(r->choices, v, vl); break;
            case IPV4: ok = is_ipv4(v); break;
            case NAME: ok = vl > 0; break;
            }
        }
        if (!ok) {
            char kt[64];
            snprintf(msg, n, "bootargs: bad value '%s' for %s (%s)", v, r->key,
                     kind_text(r, kt, sizeof kt));
            return -1;
        }
    }
    return 0;
}
