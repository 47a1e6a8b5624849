/* Optional zstd compression of trace blocks (--trace-compress zstd; docs/trace-format.md,
 * "Blocks"). Built without libzstd (configure's HAVE_ZSTD), every function says so:
 * trace_zstd_available() is false and the others fail. Internal to trace/. */
#ifndef RINGSIDE_TRACE_ZSTD_GLUE_H
#define RINGSIDE_TRACE_ZSTD_GLUE_H

#include <stdbool.h>
#include <stddef.h>

bool trace_zstd_available(void);
/* The largest compressed size of n bytes. */
size_t trace_zstd_bound(size_t n);
/* Compresses src into dst (cap bytes); the compressed size, 0 on failure. */
size_t trace_zstd_compress(void *dst, size_t cap, const void *src, size_t n);
/* Decompresses one frame of n bytes into dst, which must come out exactly want bytes
 * long; 0 on success, -1 if the frame is damaged or of another size. */
int trace_zstd_decompress(void *dst, size_t want, const void *src, size_t n);

#endif
