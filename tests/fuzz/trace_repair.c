/* Checksum repair for the trace fuzzer (fuzz_trace_fixed.c): makes the integrity fields
 * of a version-2 trace (docs/trace-format.md: the header's CRC-32; each block's first
 * event number and CRC-32 of its header and payload; the end block's CRC-32 over every
 * block's CRC) agree with the bytes, so that mutated bytes get past the integrity checks
 * to the record decoders. It follows the block framing only as far as it is well
 * formed and leaves other versions alone: the one place in tests/fuzz that knows the
 * layout, to change with the format. (A block's base time is left as it is: fixing it
 * would mean decoding the block before, which is the reader's job.) */
#include "trace/codec.h"

void trace_fuzz_repair(uint8_t *p, size_t n);

void trace_fuzz_repair(uint8_t *p, size_t n)
{
    if (n < TRACE_FIXED_HEADER + 4 || memcmp(p, TRACE_MAGIC, 8) != 0 || ld16_le(p + 8) != 2)
        return;
    uint32_t h = ld32_le(p + 12);
    if (h < TRACE_FIXED_HEADER + 4 || h > n)
        return;
    st32_le(p + h - 4, trace_crc32(0, p, h - 4));
    uint32_t chain = 0;
    uint64_t count = 0;
    for (size_t at = h; n - at >= TRACE_BLOCK_HEADER;) {
        uint8_t *b = p + at;
        uint32_t stored = ld32_le(b);
        if (stored > n - at - TRACE_BLOCK_HEADER)
            return;
        bool end = ld16_le(b + 28) & TRACE_BLK_END;
        st64_le(b + 8, count);
        if (end && stored == 4)
            st32_le(b + TRACE_BLOCK_HEADER, chain);
        st32_le(b + TRACE_BLOCK_CRC,
                trace_crc32(trace_crc32(0, b, TRACE_BLOCK_CRC), b + TRACE_BLOCK_HEADER, stored));
        if (end)
            return;
        chain = trace_crc32(chain, b + TRACE_BLOCK_CRC, 4);
        count += ld32_le(b + 24);
        at += TRACE_BLOCK_HEADER + stored;
    }
}
