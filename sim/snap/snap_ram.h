/* Guest RAM in snapshots: one table of page pointers per snapshot, pages shared
 * between snapshots (reference counted) and copied only when the guest or a device
 * wrote them since the previous snapshot (the per-page dirty map in ram.h, fed by the
 * same store check as the decode cache's code pages). All-zero pages share one page. */
#ifndef RINGSIDE_SNAP_RAM_H
#define RINGSIDE_SNAP_RAM_H

#include "ram.h"

typedef struct RamPage RamPage;

typedef struct RamImage {
    RamPage **pages;         /* one per guest page; NULL for an empty image */
    uint64_t npages;
    uint64_t copied;         /* pages this image copied (the rest it shares) */
} RamImage;

/* Takes the RAM as it is now into out. With base (the image the RAM was last taken
 * into or restored from, dirty pages tracked since), only dirty pages are copied;
 * without, every non-zero page. Resets dirty tracking. -1 when out of memory. */
int ram_image_take(Ram *r, const RamImage *base, RamImage *out);
/* Puts the RAM back to img. base is as above (the RAM is base plus its dirty pages);
 * only pages that differ are copied, and decoded code on them is dropped. */
int ram_image_restore(Ram *r, const RamImage *base, const RamImage *img);
void ram_image_free(RamImage *img);
/* Bytes the image holds that no older image shares. */
uint64_t ram_image_bytes(const RamImage *img);
/* Page n's bytes (RAM_PAGE_SIZE of them), for writing to a file. */
const uint8_t *ram_image_page(const RamImage *img, uint64_t n);
/* A hash of the RAM's contents (FNV-1a over every byte, for tests). */
uint64_t ram_hash(const Ram *r);

#endif
