/* PNG files (ISO/IEC 15948, the PNG specification, 2nd edition): an 8-bit RGB image
 * written as IHDR, one zlib-compressed IDAT (every row with filter 0) and IEND, which
 * is all a screenshot needs. Written for the window's screenshots (window.c); needs
 * zlib (HAVE_ZLIB), else png_write says so. */
#ifndef RINGSIDE_DEBUG_PNG_H
#define RINGSIDE_DEBUG_PNG_H

#include "common.h"

/* Writes w x h pixels of rgb (3 bytes each, rows of `stride` bytes) to path. 0, or -1
 * with err (the file, the size, out of memory, or a build without zlib). */
int png_write(const char *path, const uint8_t *rgb, unsigned w, unsigned h, size_t stride, Err *err);

#endif
