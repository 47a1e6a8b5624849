/* zstd for trace blocks (see zstd_glue.h): one frame per block, at a fixed level so
 * that the same events give the same bytes on every build with the same libzstd. */
#include "config.h"
#include "trace/zstd_glue.h"

#if HAVE_ZSTD
#include <zstd.h>

/* Level 3 (zstd's default): about 4x on ping's trace at a few ns per event. */
#define TRACE_ZSTD_LEVEL 3

bool trace_zstd_available(void) { return true; }

size_t trace_zstd_bound(size_t n) { return ZSTD_compressBound(n); }

size_t trace_zstd_compress(void *dst, size_t cap, const void *src, size_t n)
{
    static ZSTD_CCtx *cctx;   /* reused: the simulator writes one trace at a time */
    if (!cctx && !(cctx = ZSTD_createCCtx()))
        return 0;
    size_t k = ZSTD_compressCCtx(cctx, dst, cap, src, n, TRACE_ZSTD_LEVEL);
    return ZSTD_isError(k) ? 0 : k;
}

int trace_zstd_decompress(void *dst, size_t want, const void *src, size_t n)
{
    unsigned long long size = ZSTD_getFrameContentSize(src, n);
    if (size != want)
        return -1;
    size_t k = ZSTD_decompress(dst, want, src, n);
    return ZSTD_isError(k) || k != want ? -1 : 0;
}
#else
bool trace_zstd_available(void) { return false; }
size_t trace_zstd_bound(size_t n) { return n + 64; }
size_t trace_zstd_compress(void *dst, size_t cap, const void *src, size_t n)
{
    (void)dst, (void)cap, (void)src, (void)n;
    return 0;
}
int trace_zstd_decompress(void *dst, size_t want, const void *src, size_t n)
{
    (void)dst, (void)want, (void)src, (void)n;
    return -1;
}
#endif
