/* Pieces of the trace format shared by the writer and the reader: record kinds,
 * header tags, block layout, unsigned LEB128, CRC-32 (header and each block).
 * Internal to trace/; docs/trace-format.md is the specification. */
#ifndef RINGSIDE_TRACE_CODEC_H
#define RINGSIDE_TRACE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define TRACE_FIXED_HEADER 16   /* magic 8, version 2, reserved 2, header length 4 */
#define TRACE_REC_STRING 0      /* kind, id, length, bytes */
#define TRACE_REC_REPEAT 1      /* kind, count, time step: the event before, again */
#define TRACE_REC_AGAIN 2       /* kind, time delta: the event two before, again (version 3) */
#define TRACE_REC_FIXED 26      /* an event's kind, time delta, pc delta, symbol: at most */
/* A block header: stored and decoded payload length (u32 each), first event number
 * (u64), virtual time before it (u64), events in it (u32), flags (u16), reserved
 * (u16), CRC-32 of all that and the stored payload (u32). */
#define TRACE_BLOCK_HEADER 36
#define TRACE_BLOCK_CRC 32      /* offset of the CRC-32 in the block header */
#define TRACE_REPEAT_MAX 65535u /* most events one repeat record stands for */
#define TRACE_BLOCK_TARGET (64u * 1024)   /* a block is sealed before it outgrows this */
#define TRACE_MAX_BLOCK (4u << 20)        /* largest payload a reader accepts */
#define TRACE_BLK_ZSTD 1u       /* block flag: the payload is one zstd frame */
#define TRACE_BLK_END 2u        /* block flag: the end block (no payload) */
#define TRACE_V2 2              /* the version before again records, still read */
#define TRACE_V1 1              /* the previous format, refused with a way to convert */
#define TRACE_HDR_CONFIG 1
#define TRACE_HDR_ARGV 2
#define TRACE_HDR_FW_SHA256 3
#define TRACE_MAX_HEADER (16u << 20)

/* The hot-path encoders: unsigned LEB128 and zigzag (a signed difference) at p, which
 * has room; they return the byte after. */
static inline uint8_t *trace_put_uleb(uint8_t *p, uint64_t v)
{
    if (__builtin_expect(v < 0x80, 1)) {   /* most values of a trace: one byte */
        *p = (uint8_t)v;
        return p + 1;
    }
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}
static inline uint64_t trace_zigzag(uint64_t d) { return (d << 1) ^ (uint64_t)-(int64_t)(d >> 63); }
static inline uint64_t trace_unzigzag(uint64_t z) { return (z >> 1) ^ (uint64_t)-(int64_t)(z & 1); }

/* Writes v as unsigned LEB128 at p (room for 10 bytes); returns bytes written. */
unsigned leb128_put(uint8_t *p, uint64_t v);
/* Reads a minimal-length LEB128 from [*p, end) into *v and advances *p; -1 if it runs
 * past end, is longer than 10 bytes, overflows 64 bits or has a redundant last byte. */
int leb128_get(const uint8_t **p, const uint8_t *end, uint64_t *v);

uint8_t trace_crc8(uint8_t crc, const void *data, size_t n);    /* poly 0x07, init 0 */
uint32_t trace_crc32(uint32_t crc, const void *data, size_t n); /* IEEE, as zlib.crc32 */

#endif
