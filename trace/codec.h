/* Pieces of the trace format shared by the writer and the reader: record kinds,
 * header tags, unsigned LEB128, CRC-8 (per record) and CRC-32 (header, whole file).
 * Internal to trace/; docs/trace-format.md is the specification. */
#ifndef RINGSIDE_TRACE_CODEC_H
#define RINGSIDE_TRACE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define TRACE_FIXED_HEADER 16   /* magic 8, version 2, reserved 2, header length 4 */
#define TRACE_REC_STRING 0      /* body: kind, id, length, bytes */
#define TRACE_REC_END 1         /* body: kind, event count, CRC-32 of all records (4 LE) */
#define TRACE_HDR_CONFIG 1
#define TRACE_HDR_ARGV 2
#define TRACE_HDR_FW_SHA256 3
#define TRACE_MAX_HEADER (16u << 20)

/* Writes v as unsigned LEB128 at p (room for 10 bytes); returns bytes written. */
unsigned leb128_put(uint8_t *p, uint64_t v);
/* Reads a minimal-length LEB128 from [*p, end) into *v and advances *p; -1 if it runs
 * past end, is longer than 10 bytes, overflows 64 bits or has a redundant last byte. */
int leb128_get(const uint8_t **p, const uint8_t *end, uint64_t *v);

uint8_t trace_crc8(uint8_t crc, const void *data, size_t n);    /* poly 0x07, init 0 */
uint32_t trace_crc32(uint32_t crc, const void *data, size_t n); /* IEEE, as zlib.crc32 */

#endif
