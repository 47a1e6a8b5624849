/* The generic walker over the modules' state tables (see snap.h): saves and restores
 * every registered object, rebuilds the event queue from the declared timers. */
#include "snap/snap.h"

#include <stdlib.h>

/* ---- buffers ---- */

void snap_put(SnapBuf *b, const void *data, size_t len)
{
    if (b->oom || len == 0)
        return;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
}

void snap_put_u32(SnapBuf *b, uint32_t v)
{
    uint8_t t[4];
    st32_le(t, v);
    snap_put(b, t, 4);
}

void snap_put_u64(SnapBuf *b, uint64_t v)
{
    uint8_t t[8];
    st64_le(t, v);
    snap_put(b, t, 8);
}

void snap_buf_free(SnapBuf *b)
{
    free(b->p);
    *b = (SnapBuf){ 0 };
}

const uint8_t *snap_get_ptr(SnapIn *in, size_t len)
{
    if (in->bad || len > in->len - in->pos) {
        in->bad = true;
        return NULL;
    }
    const uint8_t *p = in->p + in->pos;
    in->pos += len;
    return p;
}

int snap_get(SnapIn *in, void *data, size_t len)
{
    const uint8_t *p = snap_get_ptr(in, len);
    if (!p) {
        memset(data, 0, len);
        return -1;
    }
    memcpy(data, p, len);
    return 0;
}

uint32_t snap_get_u32(SnapIn *in)
{
    const uint8_t *p = snap_get_ptr(in, 4);
    return p ? ld32_le(p) : 0;
}

uint64_t snap_get_u64(SnapIn *in)
{
    const uint8_t *p = snap_get_ptr(in, 8);
    return p ? ld64_le(p) : 0;
}

/* ---- the registry ---- */

void snap_reg_init(SnapReg *r, EventQueue *q)
{
    *r = (SnapReg){ .events = q };
}

void snap_reg_free(SnapReg *r)
{
    free(r->e);
    r->e = NULL;
    r->n = r->cap = 0;
}

void snap_add(SnapReg *r, const SnapDesc *d, void *obj, const char *instance)
{
    if (!obj || r->oom)
        return;
    if (r->n == r->cap) {
        unsigned cap = r->cap ? r->cap * 2 : 32;
        SnapEntry *e = realloc(r->e, cap * sizeof *e);
        if (!e) {
            r->oom = true;
            return;
        }
        r->e = e;
        r->cap = cap;
    }
    SnapEntry *e = &r->e[r->n++];
    e->d = d;
    e->obj = obj;
    if (instance)
        snprintf(e->name, sizeof e->name, "%s.%s", d->name, instance);
    else
        snprintf(e->name, sizeof e->name, "%s", d->name);
    if (d->children)
        d->children(obj, r);
}

bool snap_covers(const SnapReg *r, const void *p)
{
    for (unsigned i = 0; i < r->n; i++) {
        const char *o = r->e[i].obj;
        if ((const char *)p >= o && (const char *)p < o + (r->e[i].d->size ? r->e[i].d->size : 1))
            return true;
    }
    return false;
}

/* ---- fields ---- */

#define TIMER_BYTES 17u      /* armed, when, seq */

static size_t field_bytes(const SnapField *f)
{
    return f->kind == SNAP_KTIMER ? TIMER_BYTES : f->kind == SNAP_KBOOL ? 1 : f->size;
}

static bool timer_declared(const SnapReg *r, const Timer *t)
{
    for (unsigned i = 0; i < r->n; i++)
        for (unsigned k = 0; k < r->e[i].d->nfields; k++) {
            const SnapField *f = &r->e[i].d->fields[k];
            if (f->kind == SNAP_KTIMER && (const char *)r->e[i].obj + f->off == (const char *)t)
                return true;
        }
    return false;
}

int snap_save(const SnapReg *r, SnapBuf *b, Err *err)
{
    if (r->oom)
        return err_set(err, "snapshot: out of memory registering the machine's state");
    if (r->events)
        for (const Timer *t = r->events->head; t; t = t->next)
            if (!timer_declared(r, t))
                return err_set(err, "snapshot: timer '%s' is armed but no state table declares it",
                               t->name ? t->name : "?");
    snap_put_u32(b, r->n);
    for (unsigned i = 0; i < r->n; i++) {
        const SnapEntry *e = &r->e[i];
        size_t nlen = strlen(e->name);
        snap_put_u32(b, (uint32_t)nlen);
        snap_put(b, e->name, nlen);
        snap_put_u32(b, e->d->version);
        size_t at = b->len;
        snap_put_u64(b, 0);                    /* payload length, patched below */
        for (unsigned k = 0; k < e->d->nfields; k++) {
            const SnapField *f = &e->d->fields[k];
            const char *src = (const char *)e->obj + f->off;
            if (f->kind == SNAP_KTIMER) {
                const Timer *t = (const Timer *)src;
                uint8_t armed = t->armed;
                snap_put(b, &armed, 1);
                snap_put_u64(b, t->when);
                snap_put_u64(b, t->seq);
            } else if (f->kind == SNAP_KBOOL) {
                uint8_t v = *(const bool *)src;
                snap_put(b, &v, 1);
            } else {
                snap_put(b, src, f->size);
            }
        }
        if (e->d->save && e->d->save(e->obj, b, err) != 0)
            return -1;
        if (b->oom)
            return err_set(err, "snapshot: out of memory");
        st64_le(b->p + at, b->len - at - 8);
    }
    return b->oom ? err_set(err, "snapshot: out of memory") : 0;
}

/* Checks the frame of every section against the registry; the payloads' starts. */
static int check_frame(const SnapReg *r, SnapIn *in, size_t *starts, size_t *lens, Err *err)
{
    uint32_t n = snap_get_u32(in);
    if (in->bad)
        return err_set(err, "snapshot: truncated before its first section");
    if (n != r->n)
        return err_set(err, "snapshot: %u sections, this machine has %u (another configuration)", n, r->n);
    for (unsigned i = 0; i < r->n; i++) {
        const SnapEntry *e = &r->e[i];
        uint32_t nlen = snap_get_u32(in);
        const uint8_t *name = nlen < sizeof e->name ? snap_get_ptr(in, nlen) : NULL;
        if (!name)
            return err_set(err, "snapshot: section %u: bad or truncated name", i);
        if (nlen != strlen(e->name) || memcmp(name, e->name, nlen) != 0)
            return err_set(err, "snapshot: section %u is '%.*s', this machine has '%s' there (another configuration)",
                           i, (int)nlen, (const char *)name, e->name);
        uint32_t ver = snap_get_u32(in);
        if (!in->bad && ver != e->d->version)
            return err_set(err, "snapshot: section '%s' is version %u, this build reads %u", e->name, ver, e->d->version);
        uint64_t len = snap_get_u64(in);
        if (in->bad || len > in->len - in->pos)
            return err_set(err, "snapshot: section '%s' is truncated", e->name);
        size_t fixed = 0;
        for (unsigned k = 0; k < e->d->nfields; k++)
            fixed += field_bytes(&e->d->fields[k]);
        if (len < fixed || (!e->d->load && len != fixed))
            return err_set(err, "snapshot: section '%s' holds %llu bytes, its table %zu", e->name,
                           (unsigned long long)len, fixed);
        starts[i] = in->pos;
        lens[i] = (size_t)len;
        in->pos += (size_t)len;
    }
    if (in->pos != in->len)
        return err_set(err, "snapshot: %zu bytes after the last section", in->len - in->pos);
    return 0;
}

static void insert_timer(EventQueue *q, Timer *t)
{
    Timer **pp = &q->head;
    while (*pp && ((*pp)->when < t->when || ((*pp)->when == t->when && (*pp)->seq < t->seq)))
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
}

int snap_load(const SnapReg *r, const uint8_t *p, size_t len, Err *err)
{
    if (r->oom)
        return err_set(err, "snapshot: out of memory registering the machine's state");
    size_t *starts = calloc(r->n + 1, sizeof *starts), *lens = calloc(r->n + 1, sizeof *lens);
    int rc = -1;
    if (!starts || !lens) {
        err_set(err, "snapshot: out of memory");
        goto out;
    }
    SnapIn in = { p, len, 0, false };
    if (check_frame(r, &in, starts, lens, err) != 0)
        goto out;
    for (unsigned i = 0; i < r->n; i++)
        if (r->e[i].d->pre_load && r->e[i].d->pre_load(r->e[i].obj, err) != 0)
            goto out;
    if (r->events) {
        /* Every timer leaves the queue; the declared ones armed in the snapshot return. */
        for (Timer *t = r->events->head, *nx; t; t = nx) {
            nx = t->next;
            t->next = NULL;
            t->armed = false;
        }
        r->events->head = NULL;
    }
    for (unsigned i = 0; i < r->n; i++) {
        const SnapEntry *e = &r->e[i];
        SnapIn s = { p + starts[i], lens[i], 0, false };
        for (unsigned k = 0; k < e->d->nfields; k++) {
            const SnapField *f = &e->d->fields[k];
            char *dst = (char *)e->obj + f->off;
            if (f->kind == SNAP_KTIMER) {
                Timer *t = (Timer *)dst;
                uint8_t armed = 0;
                snap_get(&s, &armed, 1);
                t->when = snap_get_u64(&s);
                t->seq = snap_get_u64(&s);
                t->armed = armed != 0;
                t->next = NULL;
                if (t->armed && r->events)
                    insert_timer(r->events, t);
            } else if (f->kind == SNAP_KBOOL) {
                uint8_t v = 0;
                snap_get(&s, &v, 1);
                *(bool *)dst = v != 0;
            } else {
                snap_get(&s, dst, f->size);
            }
        }
        if (e->d->load && e->d->load(e->obj, &s, err) != 0)
            goto out;
        if (s.bad || s.pos != s.len) {
            err_set(err, "snapshot: section '%s' does not hold what its table says", e->name);
            goto out;
        }
    }
    for (unsigned i = 0; i < r->n; i++)
        if (r->e[i].d->post_load)
            r->e[i].d->post_load(r->e[i].obj);
    rc = 0;
out:
    free(starts);
    free(lens);
    return rc;
}

void snap_describe(const SnapReg *r, FILE *f)
{
    for (unsigned i = 0; i < r->n; i++) {
        const SnapDesc *d = r->e[i].d;
        fprintf(f, "%-24s v%u", r->e[i].name, d->version);
        for (unsigned k = 0; k < d->nfields; k++)
            fprintf(f, " %s", d->fields[k].name);
        if (d->save)
            fprintf(f, " +hook");
        fputc('\n', f);
    }
}
