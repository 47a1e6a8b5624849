/* The trace reader: checks the header, then each record's framing and CRC-8 before
 * decoding a byte of it, and the end record's count and CRC-32; every problem is an
 * error naming its byte offset (docs/trace-format.md, "Reading"). */
#include "trace/trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "trace/codec.h"

struct TraceReader {
    FILE *f;
    char *path;
    unsigned version;
    uint64_t off;              /* file offset of the next unread byte */
    uint64_t rec_off;          /* where the last record started */
    TraceHeader hdr;
    char *config;
    char **argv;
    size_t *argv_len;
    uint8_t *rec;              /* current record: length bytes, body, check */
    size_t rec_cap;
    uint8_t *arena;            /* decoded strings, bytes and descriptors */
    size_t arena_cap, arena_used;
    char **names;              /* names[1..nnames]; names[0] unused */
    uint64_t nnames;
    size_t names_cap;
    uint64_t last_vtime, count;
    uint32_t crc;
    int state;                 /* 0 reading, 1 clean end seen, -1 failed */
    char error[256];
};

static int fail(TraceReader *r, Err *err, uint64_t off, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(TraceReader *r, Err *err, uint64_t off, const char *fmt, ...)
{
    if (r->state != -1) {
        char msg[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(r->error, sizeof r->error, "%s: byte offset %" PRIu64 ": %s", r->path, off, msg);
        r->state = -1;
    }
    return err_set(err, "%s", r->error);
}

static void free_reader(TraceReader *r)
{
    if (r->f)
        fclose(r->f);
    for (uint64_t i = 1; i <= r->nnames; i++)
        free(r->names[i]);
    free(r->names);
    if (r->argv)
        for (int i = 0; i < r->hdr.argc; i++)
            free(r->argv[i]);
    free(r->argv);
    free(r->argv_len);
    free(r->config);
    free(r->rec);
    free(r->arena);
    free(r->path);
    free(r);
}

/* A header string, whole: its k bytes (a NUL among them kept) and a NUL after them. */
static char *dup_bytes(const uint8_t *p, uint64_t k)
{
    char *s = malloc((size_t)k + 1);
    if (s) {
        memcpy(s, p, (size_t)k);
        s[k] = 0;
    }
    return s;
}

static int parse_argv(TraceReader *r, const uint8_t *p, const uint8_t *end)
{
    size_t n = 0;
    for (const uint8_t *q = p; q < end; n++) {
        uint64_t k;
        if (leb128_get(&q, end, &k) < 0 || k > (uint64_t)(end - q))
            return -1;
        q += k;
    }
    r->argv = calloc(n + 1, sizeof *r->argv);
    r->argv_len = calloc(n + 1, sizeof *r->argv_len);
    if (!r->argv || !r->argv_len)
        return -1;
    for (size_t i = 0; i < n; i++) {
        uint64_t k;
        leb128_get(&p, end, &k);
        r->argv[i] = dup_bytes(p, k);
        if (!r->argv[i])
            return -1;
        r->argv_len[i] = (size_t)k;
        r->hdr.argc = (int)i + 1;
        p += k;
    }
    r->hdr.argv = (const char *const *)r->argv;
    r->hdr.argv_len = r->argv_len;
    return 0;
}

static int read_header(TraceReader *r, Err *err)
{
    uint8_t fixed[TRACE_FIXED_HEADER];
    size_t got = fread(fixed, 1, sizeof fixed, r->f);
    if (got < 8 || memcmp(fixed, TRACE_MAGIC, 8) != 0)
        return fail(r, err, 0, "not a ringside trace (bad magic)");
    if (got < sizeof fixed)
        return fail(r, err, got, "truncated header");
    r->version = ld16_le(fixed + 8);
    if (r->version != TRACE_VERSION)
        return fail(r, err, 8, "trace format version %u, this reader knows %u", r->version, TRACE_VERSION);
    uint32_t len = ld32_le(fixed + 12);
    if (len < TRACE_FIXED_HEADER + 4 || len > TRACE_MAX_HEADER)
        return fail(r, err, 12, "bad header length %" PRIu32, len);
    uint8_t *h = malloc(len);
    if (!h)
        return fail(r, err, 12, "out of memory");
    memcpy(h, fixed, sizeof fixed);
    got = fread(h + sizeof fixed, 1, len - sizeof fixed, r->f);
    if (got < len - sizeof fixed) {
        free(h);
        return fail(r, err, sizeof fixed + got, "truncated header");
    }
    if (ld32_le(h + len - 4) != trace_crc32(0, h, len - 4)) {
        free(h);
        return fail(r, err, len - 4, "header checksum mismatch");
    }
    const uint8_t *p = h + TRACE_FIXED_HEADER, *end = h + len - 4;
    /* No tag may repeat, known or not (docs/trace-format.md), as the Python reader says. */
    uint64_t seen[64];
    unsigned nseen = 0;
    while (p < end) {
        uint64_t at = (uint64_t)(p - h), tag, k;
        if (leb128_get(&p, end, &tag) < 0 || leb128_get(&p, end, &k) < 0 || k > (uint64_t)(end - p)) {
            free(h);
            return fail(r, err, at, "malformed header field");
        }
        for (unsigned i = 0; i < nseen; i++) {
            if (seen[i] == tag) {
                free(h);
                return fail(r, err, at, "header field %" PRIu64 " repeated", tag);
            }
        }
        if (nseen == ARRAY_SIZE(seen)) {
            free(h);
            return fail(r, err, at, "more than %zu header fields", ARRAY_SIZE(seen));
        }
        seen[nseen++] = tag;
        int bad = 0;
        if (tag == TRACE_HDR_CONFIG) {
            r->config = dup_bytes(p, k);
            r->hdr.config_len = (size_t)k;
            bad = !r->config;
        } else if (tag == TRACE_HDR_ARGV) {
            bad = parse_argv(r, p, p + k);
        } else if (tag == TRACE_HDR_FW_SHA256) {
            bad = k != 32;
            if (!bad)
                memcpy(r->hdr.fw_sha256, p, 32);
        }   /* other tags: written by a newer writer, skipped */
        if (bad) {
            free(h);
            return fail(r, err, at, "malformed header field %" PRIu64, tag);
        }
        p += k;
    }
    free(h);
    unsigned required = 0;
    for (unsigned i = 0; i < nseen; i++)
        required += seen[i] == TRACE_HDR_CONFIG || seen[i] == TRACE_HDR_ARGV || seen[i] == TRACE_HDR_FW_SHA256;
    if (required != 3)
        return fail(r, err, TRACE_FIXED_HEADER, "header lacks a required field");
    r->hdr.config = r->config;
    r->off = len;
    r->rec_off = len;
    return 0;
}

TraceReader *trace_reader_open(const char *path, Err *err)
{
    TraceReader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        err_set(err, "out of memory");
        return NULL;
    }
    r->f = fopen(path, "rb");
    if (!r->f) {
        err_set(err, "cannot open trace %s: %s", path, strerror(errno));
        free_reader(r);
        return NULL;
    }
    if (read_header(r, err) < 0) {
        free_reader(r);
        return NULL;
    }
    return r;
}

/* ---- decoding one record body ---- */

typedef struct Cur {
    const uint8_t *p, *end;
    TraceReader *r;
    const char *why;           /* first problem found, NULL if none */
} Cur;

static uint64_t get_uleb(Cur *c, uint64_t max, const char *what)
{
    uint64_t v = 0;
    if (c->why)
        return 0;
    if (leb128_get(&c->p, c->end, &v) < 0)
        c->why = what;
    else if (v > max)
        c->why = what;
    return c->why ? 0 : v;
}

static void *arena_take(TraceReader *r, size_t n, size_t align)
{
    size_t at = (r->arena_used + align - 1) & ~(align - 1);
    r->arena_used = at + n;   /* capacity was reserved for the record's worst case */
    return r->arena + at;
}

static const uint8_t *get_raw(Cur *c, uint64_t max, const char *what, size_t *len)
{
    *len = 0;
    if (c->why)
        return NULL;            /* keep the first problem: it is the one to report */
    uint64_t k = get_uleb(c, max, what);
    if (c->why || k > (uint64_t)(c->end - c->p)) {
        c->why = what;
        return NULL;
    }
    const uint8_t *p = c->p;
    c->p += k;
    *len = (size_t)k;
    return p;
}

static void dec_num(Cur *c, uint64_t *v, uint64_t max) { *v = get_uleb(c, max, "field value out of range"); }
#define DEC_INT(t, ctype, max) \
    static void dec_##t(Cur *c, ctype *v) { uint64_t x; dec_num(c, &x, max); *v = (ctype)x; }
DEC_INT(u8, uint8_t, UINT8_MAX)
DEC_INT(u16, uint16_t, UINT16_MAX)
DEC_INT(u32, uint32_t, UINT32_MAX)
DEC_INT(u64, uint64_t, UINT64_MAX)
DEC_INT(x8, uint8_t, UINT8_MAX)
DEC_INT(x16, uint16_t, UINT16_MAX)
DEC_INT(x32, uint32_t, UINT32_MAX)
DEC_INT(x64, uint64_t, UINT64_MAX)
DEC_INT(bdf, uint16_t, UINT16_MAX)

static void dec_name(Cur *c, const char **v)
{
    uint64_t id = get_uleb(c, c->r->nnames, "undefined string id");
    *v = c->why || id == 0 ? NULL : c->r->names[id];
}
static void dec_str(Cur *c, const char **v)
{
    size_t n;
    const uint8_t *p = get_raw(c, TRACE_MAX_STRING, "bad string length", &n);
    if (p && memchr(p, 0, n)) {
        c->why = "NUL inside a string";
        p = NULL;
    }
    char *s = arena_take(c->r, n + 1, 1);
    if (p)
        memcpy(s, p, n);
    s[p ? n : 0] = 0;
    *v = s;
}
static void dec_bytes(Cur *c, TraceBytes *v)
{
    size_t n;
    const uint8_t *p = get_raw(c, TRACE_MAX_RECORD, "bad bytes length", &n);
    uint8_t *d = arena_take(c->r, n, 1);
    if (p)
        memcpy(d, p, n);
    v->data = d;
    v->len = p ? n : 0;
}
static void dec_descs(Cur *c, TraceDescList *v)
{
    /* each descriptor takes at least 5 bytes, which bounds the count before allocating */
    uint64_t n = get_uleb(c, (uint64_t)(c->end - c->p) / 5, "bad descriptor count");
    TraceDesc *d = arena_take(c->r, (size_t)n * sizeof *d, 8);
    for (uint64_t i = 0; i < n; i++) {
        d[i].index = (uint16_t)get_uleb(c, UINT16_MAX, "bad descriptor");
        d[i].addr = get_uleb(c, UINT64_MAX, "bad descriptor");
        d[i].len = (uint32_t)get_uleb(c, UINT32_MAX, "bad descriptor");
        d[i].flags = (uint16_t)get_uleb(c, UINT16_MAX, "bad descriptor");
        d[i].next = (uint16_t)get_uleb(c, UINT16_MAX, "bad descriptor");
    }
    v->d = d;
    v->n = (size_t)n;
}

#define F(type, fname) dec_##type(c, &p->fname);
#define EV(id, name, family, ...) \
    static void decode_##name(Cur *c, TraceEv_##name *p) { __VA_ARGS__ }
#include "trace/events.def"
#undef EV
#undef F

static bool grow(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    uint8_t *b = realloc(*buf, need);
    if (!b)
        return false;
    *buf = b;
    *cap = need;
    return true;
}

static int define_string(TraceReader *r, Cur *c, Err *err)
{
    uint64_t id = get_uleb(c, UINT64_MAX, "bad string id");
    size_t n;
    const uint8_t *p = get_raw(c, TRACE_MAX_STRING, "bad string length", &n);
    if (!c->why && id != r->nnames + 1)
        c->why = "string ids out of order";
    if (!c->why && c->p != c->end)
        c->why = "trailing bytes in record";
    if (!c->why && memchr(p, 0, n))
        c->why = "NUL inside a string";
    if (c->why)
        return fail(r, err, r->rec_off, "malformed string record: %s", c->why);
    if (r->nnames + 2 > r->names_cap) {
        size_t cap = r->names_cap ? r->names_cap * 2 : 64;
        char **nn = realloc(r->names, cap * sizeof *nn);
        if (!nn)
            return fail(r, err, r->rec_off, "out of memory");
        r->names = nn;
        r->names_cap = cap;
    }
    char *s = strndup((const char *)p, n);
    if (!s)
        return fail(r, err, r->rec_off, "out of memory");
    r->names[++r->nnames] = s;
    return 0;
}

static int end_record(TraceReader *r, Cur *c, uint32_t crc_before, Err *err)
{
    uint64_t count = get_uleb(c, UINT64_MAX, "bad event count");
    if (!c->why && c->end - c->p != 4)
        c->why = "bad length";
    if (c->why)
        return fail(r, err, r->rec_off, "malformed end record: %s", c->why);
    if (count != r->count)
        return fail(r, err, r->rec_off, "end record counts %" PRIu64 " events, %" PRIu64 " were read", count, r->count);
    if (ld32_le(c->p) != crc_before)
        return fail(r, err, r->rec_off, "trace checksum mismatch (a record was altered)");
    if (getc(r->f) != EOF)
        return fail(r, err, r->off, "data after the end record");
    r->state = 1;
    return 0;
}

/* Reads the next record's framing into r->rec; returns its body bounds. */
static int read_record(TraceReader *r, Err *err, size_t *pre_len, size_t *body_len)
{
    uint8_t pre[10];
    size_t n = 0;
    uint64_t len = 0;
    r->rec_off = r->off;
    for (;;) {
        int ch = getc(r->f);
        if (ch == EOF) {
            if (n == 0)
                return fail(r, err, r->off, "truncated: no end record after %" PRIu64 " events", r->count);
            return fail(r, err, r->rec_off, "truncated record");
        }
        pre[n++] = (uint8_t)ch;
        if (!(ch & 0x80))
            break;
        if (n == 4)   /* TRACE_MAX_RECORD fits in 3 bytes */
            return fail(r, err, r->rec_off, "bad record length");
    }
    const uint8_t *q = pre;
    if (leb128_get(&q, pre + n, &len) < 0 || len == 0 || len > TRACE_MAX_RECORD)
        return fail(r, err, r->rec_off, "bad record length");
    if (!grow(&r->rec, &r->rec_cap, n + (size_t)len + 1))
        return fail(r, err, r->rec_off, "out of memory");
    memcpy(r->rec, pre, n);
    size_t got = fread(r->rec + n, 1, (size_t)len + 1, r->f);
    if (got < len + 1)
        return fail(r, err, r->rec_off, "truncated record (%" PRIu64 " bytes short)", len + 1 - got);
    if (trace_crc8(0, r->rec, n + (size_t)len) != r->rec[n + len])
        return fail(r, err, r->rec_off, "record checksum mismatch");
    r->off += n + len + 1;
    *pre_len = n;
    *body_len = (size_t)len;
    return 0;
}

int trace_read_next(TraceReader *r, TraceEvent *ev, Err *err)
{
    if (r->state == 1)
        return 0;
    if (r->state == -1)
        return err_set(err, "%s", r->error);
    for (;;) {
        size_t pn = 0, len = 0;
        if (read_record(r, err, &pn, &len) < 0)
            return -1;
        uint32_t crc_before = r->crc;
        r->crc = trace_crc32(r->crc, r->rec, pn + len + 1);
        Cur c = { r->rec + pn, r->rec + pn + len, r, NULL };
        uint64_t type = get_uleb(&c, 0xffff, "bad record type");
        if (c.why)
            return fail(r, err, r->rec_off, "malformed record: %s", c.why);
        if (type == TRACE_REC_STRING) {
            if (define_string(r, &c, err) < 0)
                return -1;
            continue;
        }
        if (type == TRACE_REC_END)
            return end_record(r, &c, crc_before, err) < 0 ? -1 : 0;
        if (!trace_event_name((TraceEventType)type))
            return fail(r, err, r->rec_off, "unknown event type %" PRIu64 " (written by a newer ringside?)", type);
        /* Worst case for the arena: every string gains a NUL, every 5 bytes a descriptor. */
        size_t need = 2 * len + (len / 5 + 1) * sizeof(TraceDesc) + 16;
        if (!grow(&r->arena, &r->arena_cap, need))
            return fail(r, err, r->rec_off, "out of memory");
        r->arena_used = 0;
        memset(ev, 0, sizeof *ev);
        ev->type = (TraceEventType)type;
        uint64_t dt = get_uleb(&c, UINT64_MAX - r->last_vtime, "virtual time overflows");
        ev->vtime = r->last_vtime + dt;
        ev->pc = get_uleb(&c, UINT64_MAX, "bad pc");
        uint64_t sym = get_uleb(&c, r->nnames, "undefined symbol id");
        ev->sym = c.why || !sym ? NULL : r->names[sym];
        switch (ev->type) {
#define EV(id, name, family, ...) case TRACE_EV_##name: decode_##name(&c, &ev->u.name); break;
#include "trace/events.def"
#undef EV
        default: break;
        }
        if (!c.why && c.p != c.end)
            c.why = "trailing bytes in record";
        if (c.why)
            return fail(r, err, r->rec_off, "malformed %s record: %s", trace_event_name(ev->type), c.why);
        r->last_vtime = ev->vtime;
        r->count++;
        return 1;
    }
}

const TraceHeader *trace_reader_header(const TraceReader *r) { return &r->hdr; }
unsigned trace_reader_version(const TraceReader *r) { return r->version; }
uint64_t trace_reader_offset(const TraceReader *r) { return r->rec_off; }

void trace_reader_close(TraceReader *r)
{
    if (r)
        free_reader(r);
}
