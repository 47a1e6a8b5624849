/* Varints and checksums of the trace format (docs/trace-format.md, "Encodings").
 * Both checksums run over every record byte, so both are table-driven. */
#include "trace/codec.h"

unsigned leb128_put(uint8_t *p, uint64_t v)
{
    unsigned n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

int leb128_get(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t r = 0;
    for (unsigned i = 0; i < 10; i++) {
        if (p >= end)
            return -1;
        uint8_t b = *p++;
        if (i == 9 && b > 1)
            return -1;                  /* more than 64 bits */
        r |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if (i > 0 && b == 0)
                return -1;              /* redundant: one value, one encoding */
            *v = r;
            *pp = p;
            return 0;
        }
    }
    return -1;
}

/* Both CRCs use tables built on first use from nothing but their polynomials: the
 * writer runs them over every byte it records, so they must be cheap (tracing's cost
 * is budgeted: bench/run.py). Both go 8 bytes a step ("slicing-by-8"). */
static uint8_t crc8_table[8][256];
static inline uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint32_t crc32_table[8][256];

uint8_t trace_crc8(uint8_t crc, const void *data, size_t n)
{
    /* crc8_table[k][b]: the CRC of byte b followed by k zero bytes, so that eight
     * bytes fold in with eight independent lookups (the CRC is linear). */
    if (!crc8_table[0][1]) {
        for (unsigned i = 0; i < 256; i++) {
            uint8_t c = (uint8_t)i;
            for (int k = 0; k < 8; k++)
                c = (uint8_t)(c & 0x80 ? (c << 1) ^ 0x07 : c << 1);
            crc8_table[0][i] = c;
        }
        for (unsigned t = 1; t < 8; t++)
            for (unsigned i = 0; i < 256; i++)
                crc8_table[t][i] = crc8_table[0][crc8_table[t - 1][i]];
    }
    const uint8_t *p = data;
    for (; n >= 8; n -= 8, p += 8)
        crc = crc8_table[7][crc ^ p[0]] ^ crc8_table[6][p[1]] ^ crc8_table[5][p[2]] ^
              crc8_table[4][p[3]] ^ crc8_table[3][p[4]] ^ crc8_table[2][p[5]] ^
              crc8_table[1][p[6]] ^ crc8_table[0][p[7]];
    for (; n; n--)
        crc = crc8_table[0][crc ^ *p++];
    return crc;
}

uint32_t trace_crc32(uint32_t crc, const void *data, size_t n)
{
    if (!crc32_table[0][1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
            crc32_table[0][i] = c;
        }
        for (unsigned t = 1; t < 8; t++)
            for (unsigned i = 0; i < 256; i++)
                crc32_table[t][i] = (crc32_table[t - 1][i] >> 8) ^ crc32_table[0][crc32_table[t - 1][i] & 0xff];
    }
    const uint8_t *p = data;
    crc = ~crc;
    for (; n >= 8; n -= 8, p += 8) {
        uint32_t lo = crc ^ le32(p), hi = le32(p + 4);
        crc = crc32_table[7][lo & 0xff] ^ crc32_table[6][(lo >> 8) & 0xff] ^
              crc32_table[5][(lo >> 16) & 0xff] ^ crc32_table[4][lo >> 24] ^
              crc32_table[3][hi & 0xff] ^ crc32_table[2][(hi >> 8) & 0xff] ^
              crc32_table[1][(hi >> 16) & 0xff] ^ crc32_table[0][hi >> 24];
    }
    for (; n; n--)
        crc = crc32_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}
