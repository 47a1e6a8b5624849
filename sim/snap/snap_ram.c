/* Guest RAM in snapshots: copy-on-write page tables (see snap_ram.h). */
#include "snap/snap_ram.h"

#include <stdlib.h>

struct RamPage {
    uint32_t refs;
    uint8_t data[RAM_PAGE_SIZE];
};

/* Shared by every all-zero page of every image; never counted or freed. */
static RamPage zero_page;

static void page_ref(RamPage *p)
{
    if (p != &zero_page)
        p->refs++;
}

static void page_unref(RamPage *p)
{
    if (p && p != &zero_page && --p->refs == 0)
        free(p);
}

static bool all_zero(const uint8_t *d)
{
    static const uint8_t z[RAM_PAGE_SIZE];
    return memcmp(d, z, RAM_PAGE_SIZE) == 0;
}

static RamPage *page_copy(const uint8_t *d, uint64_t *copied)
{
    if (all_zero(d))
        return &zero_page;
    RamPage *p = malloc(sizeof *p);
    if (!p)
        return NULL;
    p->refs = 1;
    memcpy(p->data, d, RAM_PAGE_SIZE);
    (*copied)++;
    return p;
}

int ram_image_take(Ram *r, const RamImage *base, RamImage *out)
{
    uint64_t n = r->size >> RAM_PAGE_SHIFT;
    *out = (RamImage){ .pages = calloc(n, sizeof(RamPage *)), .npages = n };
    if (!out->pages)
        return -1;
    bool incremental = base && base->pages && base->npages == n && r->dirty;
    for (uint64_t pg = 0; pg < n; pg++) {
        if (incremental && !r->dirty[pg]) {
            out->pages[pg] = base->pages[pg];
            page_ref(out->pages[pg]);
            continue;
        }
        out->pages[pg] = page_copy(r->host + (pg << RAM_PAGE_SHIFT), &out->copied);
        if (!out->pages[pg]) {
            ram_image_free(out);
            return -1;
        }
    }
    return ram_track_reset(r);
}

int ram_image_restore(Ram *r, const RamImage *base, const RamImage *img)
{
    uint64_t n = r->size >> RAM_PAGE_SHIFT;
    if (!img->pages || img->npages != n)
        return -1;
    bool known = base && base->pages && base->npages == n && r->dirty;
    for (uint64_t pg = 0; pg < n; pg++) {
        if (known && !r->dirty[pg] && base->pages[pg] == img->pages[pg])
            continue;
        uint8_t *dst = r->host + (pg << RAM_PAGE_SHIFT);
        if (memcmp(dst, img->pages[pg]->data, RAM_PAGE_SIZE) == 0)
            continue;
        /* Through ram_write: decoded instructions on the page are dropped. */
        ram_write(r, r->base + (pg << RAM_PAGE_SHIFT), img->pages[pg]->data, RAM_PAGE_SIZE);
    }
    return ram_track_reset(r);
}

void ram_image_free(RamImage *img)
{
    if (img->pages)
        for (uint64_t pg = 0; pg < img->npages; pg++)
            page_unref(img->pages[pg]);
    free(img->pages);
    *img = (RamImage){ 0 };
}

uint64_t ram_image_bytes(const RamImage *img)
{
    return img->copied * RAM_PAGE_SIZE + img->npages * sizeof(RamPage *);
}

const uint8_t *ram_image_page(const RamImage *img, uint64_t n)
{
    return n < img->npages && img->pages ? img->pages[n]->data : NULL;
}

uint64_t ram_hash(const Ram *r)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint64_t i = 0; i < r->size; i++) {
        h ^= r->host[i];
        h *= 0x100000001b3ull;
    }
    return h;
}
