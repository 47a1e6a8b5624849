/* Snapshot files (see snap_file.h). */
#include "snap/snap_file.h"

#include <errno.h>
#include <stdlib.h>

#include "trace/sha256.h"

static const char magic[8] = { 'R', 'S', 'S', 'N', 'A', 'P', '\r', '\n' };
/* A file larger than this is not one of ours (RAM is at most 14 GiB, and mostly zero
 * pages that are not stored). */
#define SNAP_FILE_MAX (16ull << 30)

static void mix(uint64_t *h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= 0x100000001b3ull;
    }
}

uint64_t snap_layout_hash(const SnapReg *r)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned i = 0; i < r->n; i++) {
        const SnapDesc *d = r->e[i].d;
        mix(&h, r->e[i].name, strlen(r->e[i].name) + 1);
        uint64_t v[2] = { d->version, d->size };
        mix(&h, v, sizeof v);
        for (unsigned k = 0; k < d->nfields; k++) {
            const SnapField *f = &d->fields[k];
            mix(&h, f->name, strlen(f->name) + 1);
            uint64_t w[3] = { f->off, f->size, f->kind };
            mix(&h, w, sizeof w);
        }
    }
    return h;
}

int snap_file_save(Machine *m, const SnapReg *r, const char *config, const char *path, Err *err)
{
    uint8_t fw[32];
    if (sha256_file(m->cfg.fw_path, fw, err) != 0)
        return -1;
    SnapBuf state = { 0 }, b = { 0 };
    if (snap_save(r, &state, err) != 0) {
        snap_buf_free(&state);
        return -1;
    }
    snap_put(&b, magic, sizeof magic);
    snap_put_u32(&b, SNAP_FILE_VERSION);
    snap_put_u32(&b, (uint32_t)strlen(config));
    snap_put(&b, config, strlen(config));
    snap_put(&b, fw, sizeof fw);
    snap_put_u64(&b, snap_layout_hash(r));
    snap_put_u64(&b, cpu_instret(m->cpu));
    snap_put_u64(&b, cpu_vclock(m->cpu));
    snap_put_u64(&b, state.len);
    snap_put(&b, state.p, state.len);
    snap_buf_free(&state);
    static const uint8_t zero[RAM_PAGE_SIZE];
    uint64_t npages = m->ram.size >> RAM_PAGE_SHIFT, used = 0;
    for (uint64_t pg = 0; pg < npages; pg++)
        used += memcmp(m->ram.host + (pg << RAM_PAGE_SHIFT), zero, RAM_PAGE_SIZE) != 0;
    snap_put_u64(&b, m->ram.size);
    snap_put_u64(&b, used);
    for (uint64_t pg = 0; pg < npages; pg++) {
        const uint8_t *p = m->ram.host + (pg << RAM_PAGE_SHIFT);
        if (memcmp(p, zero, RAM_PAGE_SIZE) == 0)
            continue;
        snap_put_u64(&b, pg);
        snap_put(&b, p, RAM_PAGE_SIZE);
    }
    uint8_t sum[32];
    if (!b.oom)
        sha256(b.p, b.len, sum);
    snap_put(&b, sum, sizeof sum);
    if (b.oom) {
        snap_buf_free(&b);
        return err_set(err, "snapshot: out of memory");
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        snap_buf_free(&b);
        return err_set(err, "%s: %s", path, strerror(errno));
    }
    bool ok = fwrite(b.p, 1, b.len, f) == b.len;
    ok = (fclose(f) == 0) && ok;
    snap_buf_free(&b);
    return ok ? 0 : err_set(err, "%s: write failed", path);
}

/* The first line where two configurations differ, for the message. */
static void first_difference(const char *a, size_t alen, const char *b, char *out, size_t n)
{
    size_t i = 0, blen = strlen(b);
    while (i < alen && i < blen) {
        size_t ea = i, eb = i;
        while (ea < alen && a[ea] != '\n')
            ea++;
        while (eb < blen && b[eb] != '\n')
            eb++;
        if (ea != eb || memcmp(a + i, b + i, ea - i) != 0) {
            snprintf(out, n, "the snapshot has '%.*s', this run '%.*s'", (int)(ea - i > 120 ? 120 : ea - i), a + i,
                     (int)(eb - i > 120 ? 120 : eb - i), b + i);
            return;
        }
        i = ea + 1;
    }
    snprintf(out, n, "one has more settings than the other");
}

int snap_file_load_mem(Machine *m, const SnapReg *r, const char *config, const uint8_t *p, size_t len, Err *err)
{
    if (len < sizeof magic + 32 || memcmp(p, magic, sizeof magic) != 0)
        return err_set(err, "not a ringside snapshot file (no RSSNAP magic)");
    uint8_t sum[32];
    sha256(p, len - 32, sum);
    if (memcmp(sum, p + len - 32, 32) != 0)
        return err_set(err, "the snapshot file is damaged or truncated (its SHA-256 does not match)");
    SnapIn in = { p, len - 32, sizeof magic, false };
    uint32_t ver = snap_get_u32(&in);
    if (in.bad || ver != SNAP_FILE_VERSION)
        return err_set(err, "snapshot format version %u; this ringside reads version %u", ver, SNAP_FILE_VERSION);
    uint32_t clen = snap_get_u32(&in);
    const char *cfg = (const char *)snap_get_ptr(&in, clen);
    if (!cfg)
        return err_set(err, "snapshot: truncated configuration");
    if (clen != strlen(config) || memcmp(cfg, config, clen) != 0) {
        char why[300];
        first_difference(cfg, clen, config, why, sizeof why);
        return err_set(err, "the snapshot belongs to another machine configuration: %s", why);
    }
    uint8_t fw[32], want[32];
    snap_get(&in, fw, sizeof fw);
    if (sha256_file(m->cfg.fw_path, want, err) != 0)
        return -1;
    if (in.bad || memcmp(fw, want, 32) != 0) {
        char a[65], b[65];
        sha256_hex(fw, a);
        sha256_hex(want, b);
        return err_set(err, "the snapshot was taken with another firmware (sha256 %.16s..., this one %.16s...)", a, b);
    }
    if (snap_get_u64(&in) != snap_layout_hash(r))
        return err_set(err, "the snapshot was written by another build of ringside (its state tables differ)");
    uint64_t instret = snap_get_u64(&in), vclock = snap_get_u64(&in);
    uint64_t slen = snap_get_u64(&in);
    const uint8_t *state = slen <= in.len - in.pos ? snap_get_ptr(&in, (size_t)slen) : NULL;
    uint64_t ram = snap_get_u64(&in), used = snap_get_u64(&in);
    if (in.bad || !state)
        return err_set(err, "snapshot: truncated state");
    if (ram != m->ram.size)
        return err_set(err, "the snapshot has %llu MiB of RAM, this machine %llu", (unsigned long long)(ram >> 20),
                       (unsigned long long)(m->ram.size >> 20));
    uint64_t npages = ram >> RAM_PAGE_SHIFT;
    if (used > npages || used * (8 + RAM_PAGE_SIZE) != in.len - in.pos)
        return err_set(err, "snapshot: %llu RAM pages do not fit the file", (unsigned long long)used);
    /* Page numbers first: nothing is written until the whole file is known good. */
    size_t at = in.pos;
    uint64_t prev = 0;
    for (uint64_t i = 0; i < used; i++) {
        uint64_t pg = ld64_le(p + at + i * (8 + RAM_PAGE_SIZE));
        if (pg >= npages || (i && pg <= prev))
            return err_set(err, "snapshot: RAM page %llu out of order or range", (unsigned long long)pg);
        prev = pg;
    }
    if (snap_load(r, state, (size_t)slen, err) != 0)
        return -1;
    memset(m->ram.host, 0, m->ram.size);
    for (uint64_t i = 0; i < used; i++) {
        const uint8_t *e = p + at + i * (8 + RAM_PAGE_SIZE);
        ram_write(&m->ram, m->ram.base + (ld64_le(e) << RAM_PAGE_SHIFT), e + 8, RAM_PAGE_SIZE);
    }
    if (cpu_instret(m->cpu) != instret || cpu_vclock(m->cpu) != vclock)
        return err_set(err, "snapshot: the hart's clock disagrees with the file's header");
    return 0;
}

int snap_file_load(Machine *m, const SnapReg *r, const char *config, const char *path, Err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(err, "%s: %s", path, strerror(errno));
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            if (cap >= SNAP_FILE_MAX) {
                free(buf);
                fclose(f);
                return err_set(err, "%s: too large for a snapshot", path);
            }
            cap = cap ? 2 * cap : 1 << 20;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return err_set(err, "%s: out of memory", path);
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    bool bad = ferror(f);
    fclose(f);
    int rc = bad ? err_set(err, "%s: read error", path) : snap_file_load_mem(m, r, config, buf, len, err);
    if (rc != 0 && !bad) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        err_set(err, "%s: %s", path, msg);
    }
    free(buf);
    return rc;
}
