/* Bit fields by name, for every name table (see bits_format.h). */
#include "bits_format.h"

#include <inttypes.h>
#include <stdio.h>

/* Appends text at buf + at as snprintf would: at may pass n (nothing more is written
 * then, but the length keeps counting). */
static size_t append(char *buf, size_t n, size_t at, const char *text)
{
    int k = snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, "%s%s", at ? "|" : "", text);
    return at + (k > 0 ? (size_t)k : 0);
}

size_t bits_format(uint64_t bits, BitNameFn name_of, const void *ctx, char *buf, size_t n)
{
    if (n)
        buf[0] = 0;
    size_t at = 0;
    uint64_t unnamed = 0;
    for (unsigned b = 0; b < 64; b++) {
        uint64_t v = 1ull << b;
        const char *name = (bits & v) ? name_of(v, ctx) : NULL;
        if (name)
            at = append(buf, n, at, name);
        else
            unnamed |= bits & v;
    }
    if (unnamed) {
        char hex[24];
        snprintf(hex, sizeof hex, "0x%" PRIx64, unnamed);
        at = append(buf, n, at, hex);
    }
    if (!bits)
        at = append(buf, n, at, "0");
    return at;
}
