/* Checksum repair for the trace fuzzer (fuzz_trace_fixed.c): makes the CRCs of a
 * version-1 trace (docs/trace-format.md: the header's CRC-32, each record's CRC-8 of
 * its length and body, the end record's CRC-32 of all records) agree with the bytes,
 * so that mutated bytes get past the integrity checks to the decoders. It follows the
 * framing only as far as it is well formed and leaves other versions alone: the one
 * place in tests/fuzz that knows the layout, to change with the format. */
#include "trace/codec.h"

void trace_fuzz_repair(uint8_t *p, size_t n);

void trace_fuzz_repair(uint8_t *p, size_t n)
{
    if (n < TRACE_FIXED_HEADER + 4 || memcmp(p, TRACE_MAGIC, 8) != 0 || ld16_le(p + 8) != 1)
        return;
    uint32_t h = ld32_le(p + 12);
    if (h < TRACE_FIXED_HEADER + 4 || h > n)
        return;
    st32_le(p + h - 4, trace_crc32(0, p, h - 4));
    uint32_t crc = 0;
    for (size_t at = h; at < n;) {
        const uint8_t *q = p + at;
        uint64_t len, kind;
        if (leb128_get(&q, p + n, &len) < 0 || len == 0 || p + n - q < 1 || len > (uint64_t)(p + n - q) - 1)
            return;    /* (the check byte must fit too) */
        size_t pre = (size_t)(q - (p + at));
        const uint8_t *b = q;
        if (leb128_get(&b, q + len, &kind) == 0 && kind == TRACE_REC_END && len >= 5)
            st32_le(p + at + pre + len - 4, crc);
        p[at + pre + len] = trace_crc8(0, p + at, pre + (size_t)len);
        crc = trace_crc32(crc, p + at, pre + (size_t)len + 1);
        at += pre + (size_t)len + 1;
    }
}
