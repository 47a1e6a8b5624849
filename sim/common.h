/* Common helpers for the simulator: little-endian guest-memory access, branch hints,
 * and the error-message convention (functions return -1 and fill an Err buffer; only
 * the command line prints). */
#ifndef RINGSIDE_COMMON_H
#define RINGSIDE_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Guest memory is little-endian; these never cast a guest pointer to a host struct. */
static inline uint16_t ld16_le(const void *p) { const uint8_t *b = p; return (uint16_t)(b[0] | b[1] << 8); }
static inline uint32_t ld32_le(const void *p) { const uint8_t *b = p; return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24; }
static inline uint64_t ld64_le(const void *p) { const uint8_t *b = p; return ld32_le(b) | (uint64_t)ld32_le(b + 4) << 32; }
static inline void st16_le(void *p, uint16_t v) { uint8_t *b = p; b[0] = (uint8_t)v; b[1] = (uint8_t)(v >> 8); }
static inline void st32_le(void *p, uint32_t v) { uint8_t *b = p; for (int i = 0; i < 4; i++) b[i] = (uint8_t)(v >> (8 * i)); }
static inline void st64_le(void *p, uint64_t v) { st32_le(p, (uint32_t)v); st32_le((uint8_t *)p + 4, (uint32_t)(v >> 32)); }
/* Network byte order (frames, pcap headers of the other endianness). */
static inline uint16_t ld16_be(const void *p) { const uint8_t *b = p; return (uint16_t)(b[0] << 8 | b[1]); }
static inline uint32_t ld32_be(const void *p) { const uint8_t *b = p; return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]; }
static inline void st16_be(void *p, uint16_t v) { uint8_t *b = p; b[0] = (uint8_t)(v >> 8); b[1] = (uint8_t)v; }
static inline void st32_be(void *p, uint32_t v) { uint8_t *b = p; b[0] = (uint8_t)(v >> 24); b[1] = (uint8_t)(v >> 16); b[2] = (uint8_t)(v >> 8); b[3] = (uint8_t)v; }

/* Load/store of 1, 2, 4 or 8 bytes, little-endian. */
static inline uint64_t ldn_le(const void *p, unsigned size)
{
    switch (size) {
    case 1: return *(const uint8_t *)p;
    case 2: return ld16_le(p);
    case 4: return ld32_le(p);
    default: return ld64_le(p);
    }
}
static inline void stn_le(void *p, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: *(uint8_t *)p = (uint8_t)v; break;
    case 2: st16_le(p, (uint16_t)v); break;
    case 4: st32_le(p, (uint32_t)v); break;
    default: st64_le(p, v); break;
    }
}

/* An error message travelling up to whoever prints it. */
typedef struct Err {
    char msg[256];
} Err;

static inline int err_set(Err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int err_set(Err *e, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

#endif
