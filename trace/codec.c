/* Varints and checksums of the trace format (docs/trace-format.md, "Encodings").
 * CRC-8 is computed bit by bit (records are a few dozen bytes); CRC-32 runs over
 * every record byte, so it uses a table. */
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

uint8_t trace_crc8(uint8_t crc, const void *data, size_t n)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (uint8_t)(crc & 0x80 ? (crc << 1) ^ 0x07 : crc << 1);
    }
    return crc;
}

static uint32_t crc32_table[256];

uint32_t trace_crc32(uint32_t crc, const void *data, size_t n)
{
    /* Filled on first use; it depends on nothing but the polynomial. */
    if (!crc32_table[1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
            crc32_table[i] = c;
        }
    }
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = crc32_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}
