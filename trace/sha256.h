/* SHA-256 (FIPS 180-4) for the firmware hash in the trace header: a small
 * self-contained implementation, so the simulator needs no crypto library. */
#ifndef RINGSIDE_SHA256_H
#define RINGSIDE_SHA256_H

#include "sim/common.h"

typedef struct Sha256 {
    uint32_t h[8];
    uint64_t total;      /* bytes hashed so far */
    uint8_t buf[64];
    unsigned fill;       /* bytes waiting in buf */
} Sha256;

void sha256_init(Sha256 *s);
void sha256_update(Sha256 *s, const void *data, size_t n);
void sha256_final(Sha256 *s, uint8_t out[32]);
void sha256(const void *data, size_t n, uint8_t out[32]);
/* Hashes a whole file (the firmware); -1 with a message if it cannot be read. */
int sha256_file(const char *path, uint8_t out[32], Err *err);
/* 64 lowercase hex digits and a NUL. */
void sha256_hex(const uint8_t digest[32], char out[65]);

#endif
