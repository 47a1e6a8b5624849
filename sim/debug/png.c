/* PNG writer (see png.h): the signature, then chunks {be32 length, type, data, be32
 * CRC-32 of type and data} (PNG spec §5.3); IHDR: width, height, bit depth 8, colour
 * type 2 (truecolour), compression 0, filter 0, no interlace (§11.2.2); IDAT: the zlib
 * stream of the rows, each led by its filter type byte (§9). */
#include "debug/png.h"

#include <errno.h>
#include <stdlib.h>

#include "config.h"

#if HAVE_ZLIB
#include <zlib.h>

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static bool chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len)
{
    uint8_t h[8];
    be32(h, len);
    memcpy(h + 4, type, 4);
    uLong crc = crc32(0, h + 4, 4);
    if (len)
        crc = crc32(crc, data, len);
    uint8_t c[4];
    be32(c, (uint32_t)crc);
    return fwrite(h, 1, 8, f) == 8 && (!len || fwrite(data, 1, len, f) == len) && fwrite(c, 1, 4, f) == 4;
}

int png_write(const char *path, const uint8_t *rgb, unsigned w, unsigned h, size_t stride, Err *err)
{
    if (!w || !h || w > 16384 || h > 16384)
        return err_set(err, "%s: an image of %ux%u pixels is not written", path, w, h);
    size_t row = (size_t)w * 3 + 1, raw_len = row * h;
    uint8_t *raw = malloc(raw_len);
    uLongf z_len = compressBound((uLong)raw_len);
    uint8_t *z = malloc(z_len);
    if (!raw || !z) {
        free(raw);
        free(z);
        return err_set(err, "%s: out of memory", path);
    }
    for (unsigned y = 0; y < h; y++) {
        raw[y * row] = 0;            /* filter type None */
        memcpy(raw + y * row + 1, rgb + y * stride, (size_t)w * 3);
    }
    int zrc = compress2(z, &z_len, raw, (uLong)raw_len, 6);
    free(raw);
    if (zrc != Z_OK) {
        free(z);
        return err_set(err, "%s: zlib could not compress the image (%d)", path, zrc);
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        free(z);
        return err_set(err, "%s: %s", path, strerror(errno));
    }
    static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    uint8_t ihdr[13];
    be32(ihdr, w);
    be32(ihdr + 4, h);
    ihdr[8] = 8;                     /* bits per sample */
    ihdr[9] = 2;                     /* truecolour: R, G, B */
    ihdr[10] = ihdr[11] = ihdr[12] = 0;
    bool ok = fwrite(sig, 1, 8, f) == 8 && chunk(f, "IHDR", ihdr, 13) && chunk(f, "IDAT", z, (uint32_t)z_len) &&
              chunk(f, "IEND", NULL, 0);
    free(z);
    if (fclose(f) != 0 || !ok)
        return err_set(err, "%s: write error", path);
    return 0;
}

#else

int png_write(const char *path, const uint8_t *rgb, unsigned w, unsigned h, size_t stride, Err *err)
{
    (void)rgb, (void)w, (void)h, (void)stride;
    return err_set(err, "%s: this ringside was built without zlib, so it writes no PNG (install zlib1g-dev, "
                        "then ./configure && make)", path);
}

#endif
