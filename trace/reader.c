/* The trace reader (docs/trace-format.md, version 2): checks the header, then each
 * block's framing, CRC-32, event number and base time before decoding a byte of it,
 * expands repeat records, and checks the end block; every problem is an error naming
 * its byte offset (docs/trace-format.md, "Reading"). A version 1 file is refused with
 * the command that converts it. */
#include "trace/trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "trace/codec.h"
#include "trace/zstd_glue.h"

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
    uint8_t *blk;              /* the current block's payload, decoded */
    size_t blk_cap, blk_len, blk_pos;
    uint64_t blk_off;          /* file offset of the current block */
    bool blk_plain;            /* not compressed: record offsets are file offsets */
    uint32_t blk_seq;          /* blocks read, from 1 */
    uint64_t blk_events;       /* events the block holds, by its header */
    uint64_t blk_first;        /* the number of its first event */
    uint32_t chain;            /* CRC-32 of the blocks' CRC-32s, as the end block has it */
    uint8_t *zbuf;             /* a compressed payload as stored */
    size_t zcap;
    uint8_t *arena;            /* decoded strings, bytes and descriptors */
    size_t arena_cap, arena_used;
    char **names;              /* names[1..nnames]; names[0] unused */
    uint32_t *name_blk;        /* the block that last defined each name */
    uint64_t nnames;
    size_t names_cap;
    uint64_t last_vtime, last_pc, count;
    TraceEvent last;           /* the last event, for repeat records */
    bool have_last;
    bool last_skipped;         /* the last event was not one of only: nor its repeats */
    /* For again records: the event before the last (copied only if handed out), both
     * events' types, and the x32/x64 values of their type after each */
    TraceEvent two;
    bool have_two, two_skipped;
    unsigned last_type, two_type;
    uint64_t two_pc;
    uint64_t last_row[TRACE_MAX_FIELDS], two_row[TRACE_MAX_FIELDS];
    bool filtered;             /* trace_reader_only: hand out the events of only */
    TraceTypeSet only;
    uint64_t rep_left, rep_dt;
    uint64_t prev[TRACE_EV_LIMIT][TRACE_MAX_FIELDS];   /* as the writer's: x32/x64 differences */
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
    free(r->name_blk);
    if (r->argv)
        for (int i = 0; i < r->hdr.argc; i++)
            free(r->argv[i]);
    free(r->argv);
    free(r->argv_len);
    free(r->config);
    free(r->blk);
    free(r->zbuf);
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
    if (r->version == TRACE_V1)
        return fail(r, err, 8, "trace format version 1, this reader knows %u: convert it with "
                    "'ringside-trace convert OLD NEW'", TRACE_VERSION);
    if (r->version != TRACE_VERSION && r->version != TRACE_V2)
        return fail(r, err, 8, "trace format version %u, this reader knows %u and %u", r->version, TRACE_V2,
                    TRACE_VERSION);
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

/* ---- decoding one record ---- */

typedef struct Cur {
    const uint8_t *p, *end;
    TraceReader *r;
    const char *why;           /* first problem found, NULL if none */
    uint64_t *pv;              /* the event type's previous x32/x64 values */
    unsigned f;                /* index of the field being decoded */
} Cur;

/* One LEB128, the common one-byte case inline. */
static inline uint64_t get_uleb(Cur *c, uint64_t max, const char *what)
{
    uint64_t v = 0;
    if (c->why)
        return 0;
    if (c->p < c->end && *c->p < 0x80)
        v = *c->p++;
    else if (leb128_get(&c->p, c->end, &v) < 0) {
        c->why = what;
        return 0;
    }
    if (v > max) {
        c->why = what;
        return 0;
    }
    return v;
}

static void *arena_take(TraceReader *r, size_t n, size_t align)
{
    size_t at = (r->arena_used + align - 1) & ~(align - 1);
    r->arena_used = at + n;   /* capacity was reserved for the block's worst case */
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

#define DEC_INT(t, ctype, max) \
    static inline void dec_##t(Cur *c, ctype *v) { *v = (ctype)get_uleb(c, max, "field value out of range"); }
DEC_INT(u8, uint8_t, UINT8_MAX)
DEC_INT(u16, uint16_t, UINT16_MAX)
DEC_INT(u32, uint32_t, UINT32_MAX)
DEC_INT(u64, uint64_t, UINT64_MAX)
DEC_INT(x8, uint8_t, UINT8_MAX)
DEC_INT(x16, uint16_t, UINT16_MAX)
/* x32/x64: the difference from the field's previous value in the block, zigzagged */
#define DEC_DELTA(t, ctype, max)                                                          \
    static inline void dec_##t(Cur *c, ctype *v)                                          \
    {                                                                                     \
        uint64_t x = c->pv[c->f] + trace_unzigzag(get_uleb(c, UINT64_MAX, "field value out of range")); \
        if (!c->why && x > max)                                                           \
            c->why = "field value out of range";                                          \
        c->pv[c->f] = x;                                                                  \
        *v = (ctype)x;                                                                    \
    }
DEC_DELTA(x32, uint32_t, UINT32_MAX)
DEC_DELTA(x64, uint64_t, UINT64_MAX)
DEC_INT(bdf, uint16_t, UINT16_MAX)

/* A name id must have been defined in this block (so any block can be read alone). */
static const char *name_of(Cur *c, const char *what)
{
    uint64_t id = get_uleb(c, c->r->nnames, what);
    if (c->why || id == 0)
        return NULL;
    if (c->r->name_blk[id] != c->r->blk_seq) {
        c->why = "string not defined in this block";
        return NULL;
    }
    return c->r->names[id];
}
static void dec_name(Cur *c, const char **v) { *v = name_of(c, "undefined string id"); }
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

#define F(type, fname) dec_##type(c, &p->fname); c->f++;
#define EV(id, name, family, ...) \
    static void decode_##name(Cur *c, TraceEv_##name *p) { __VA_ARGS__ }
#include "trace/events.def"
#undef EV
#undef F

/* Stepping over the fields of an event trace_reader_only leaves out: each varint and
 * length read and bounded as when decoding, nothing stored. */
static inline void skip_num(Cur *c) { (void)get_uleb(c, UINT64_MAX, "field value out of range"); }
static inline void skip_raw(Cur *c, uint64_t max, const char *what)
{
    size_t n;
    (void)get_raw(c, max, what, &n);
}
#define SKIP_u8(c) skip_num(c);
#define SKIP_u16(c) skip_num(c);
#define SKIP_u32(c) skip_num(c);
#define SKIP_u64(c) skip_num(c);
#define SKIP_x8(c) skip_num(c);
#define SKIP_x16(c) skip_num(c);
#define SKIP_x32(c) skip_num(c);
#define SKIP_x64(c) skip_num(c);
#define SKIP_bdf(c) skip_num(c);
#define SKIP_name(c) (void)get_uleb(c, c->r->nnames, "undefined string id");
#define SKIP_str(c) skip_raw(c, TRACE_MAX_STRING, "bad string length");
#define SKIP_bytes(c) skip_raw(c, TRACE_MAX_RECORD, "bad bytes length");
#define SKIP_descs(c)                                                                      \
    {                                                                                      \
        uint64_t n_ = get_uleb(c, (uint64_t)(c->end - c->p) / 5, "bad descriptor count");  \
        for (uint64_t i_ = 0; i_ < 5 * n_; i_++)                                           \
            skip_num(c);                                                                   \
    }
#define F(type, fname) SKIP_##type(c)
#define EV(id, name, family, ...) \
    static void skip_##name(Cur *c) { __VA_ARGS__ }
#include "trace/events.def"
#undef EV
#undef F

void trace_reader_only(TraceReader *r, const TraceTypeSet *types)
{
    r->filtered = types != NULL;
    if (types)
        r->only = *types;
}

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

/* Offset of the record at blk_pos: its own in a plain block, the block's otherwise. */
static uint64_t record_offset(const TraceReader *r)
{
    return r->blk_plain ? r->blk_off + TRACE_BLOCK_HEADER + r->blk_pos : r->blk_off;
}

static int define_string(TraceReader *r, Cur *c, Err *err)
{
    uint64_t id = get_uleb(c, UINT32_MAX - 1, "bad string id");
    size_t n;
    const uint8_t *p = get_raw(c, TRACE_MAX_STRING, "bad string length", &n);
    if (!c->why && (id == 0 || id > r->nnames + 1))
        c->why = "string ids out of order";
    if (!c->why && memchr(p, 0, n))
        c->why = "NUL inside a string";
    if (!c->why && id <= r->nnames && (strlen(r->names[id]) != n || memcmp(r->names[id], p, n) != 0))
        c->why = "string redefined differently";
    if (c->why)
        return fail(r, err, r->rec_off, "malformed string record: %s", c->why);
    if (id == r->nnames + 1) {
        if (r->nnames + 2 > r->names_cap) {
            size_t cap = r->names_cap ? r->names_cap * 2 : 64;
            char **nn = realloc(r->names, cap * sizeof *nn);
            if (nn)
                r->names = nn;
            uint32_t *nb = nn ? realloc(r->name_blk, cap * sizeof *nb) : NULL;
            if (!nb)
                return fail(r, err, r->rec_off, "out of memory");
            r->name_blk = nb;
            r->names_cap = cap;
        }
        char *s = strndup((const char *)p, n);
        if (!s)
            return fail(r, err, r->rec_off, "out of memory");
        r->names[++r->nnames] = s;
    }
    r->name_blk[id] = r->blk_seq;
    return 0;
}

/* Reads the next block's header and payload (checked) into r->blk; 1 a data block,
 * 0 the end block (checked, nothing after it), -1 an error. */
static int read_block(TraceReader *r, Err *err)
{
    uint8_t h[TRACE_BLOCK_HEADER];
    r->blk_off = r->off;
    r->rec_off = r->off;
    size_t got = fread(h, 1, sizeof h, r->f);
    if (got == 0)
        return fail(r, err, r->off, "truncated: no end block after %" PRIu64 " events", r->count);
    if (got < sizeof h)
        return fail(r, err, r->off, "truncated block header");
    uint32_t stored = ld32_le(h), raw = ld32_le(h + 4);
    uint64_t first = ld64_le(h + 8), vtime = ld64_le(h + 16);
    uint32_t events = ld32_le(h + 24);
    unsigned flags = ld16_le(h + 28);
    bool zstd = flags & TRACE_BLK_ZSTD, end = flags & TRACE_BLK_END;
    if ((flags & ~(TRACE_BLK_ZSTD | TRACE_BLK_END)) || ld16_le(h + 30) || raw > TRACE_MAX_BLOCK ||
        (zstd ? stored > raw + raw / 8 + 1024 : stored != raw) || (end && (raw != 4 || zstd || events)) ||
        (!end && (!raw || !events)))
        return fail(r, err, r->off, "bad block header");
    uint8_t *dst;
    if (zstd) {
        if (!grow(&r->zbuf, &r->zcap, stored))
            return fail(r, err, r->off, "out of memory");
        dst = r->zbuf;
    } else {
        if (!grow(&r->blk, &r->blk_cap, raw))
            return fail(r, err, r->off, "out of memory");
        dst = r->blk;
    }
    got = stored ? fread(dst, 1, stored, r->f) : 0;
    if (got < stored)
        return fail(r, err, r->off, "truncated block (%zu bytes short)", stored - got);
    if (ld32_le(h + TRACE_BLOCK_CRC) != trace_crc32(trace_crc32(0, h, TRACE_BLOCK_CRC), dst, stored))
        return fail(r, err, r->off, "block checksum mismatch");
    if (!end)
        r->chain = trace_crc32(r->chain, h + TRACE_BLOCK_CRC, 4);
    if (first != r->count)
        return fail(r, err, r->off, "block starts at event %" PRIu64 ", %" PRIu64 " were read (a block is missing?)",
                    first, r->count);
    if (vtime != r->last_vtime)
        return fail(r, err, r->off, "block starts at virtual time %" PRIu64 ", the event before is at %" PRIu64,
                    vtime, r->last_vtime);
    if (zstd) {
        if (!trace_zstd_available())
            return fail(r, err, r->off, "block compressed with zstd: this ringside was built without libzstd");
        if (!grow(&r->blk, &r->blk_cap, raw))
            return fail(r, err, r->off, "out of memory");
        if (trace_zstd_decompress(r->blk, raw, r->zbuf, stored) < 0)
            return fail(r, err, r->off, "damaged zstd block");
    }
    r->off += sizeof h + stored;
    if (end) {
        if (ld32_le(dst) != r->chain)
            return fail(r, err, r->blk_off, "trace checksum mismatch (a block was altered)");
        if (getc(r->f) != EOF)
            return fail(r, err, r->off, "data after the end block");
        r->state = 1;
        return 0;
    }
    /* Worst case for the arena: every string gains a NUL, every 5 bytes a descriptor. */
    if (!grow(&r->arena, &r->arena_cap, 2 * (size_t)raw + ((size_t)raw / 5 + 1) * sizeof(TraceDesc) + 16))
        return fail(r, err, r->off, "out of memory");
    r->blk_len = raw;
    r->blk_pos = 0;
    r->blk_events = events;
    r->blk_first = first;
    r->blk_plain = !zstd;
    r->blk_seq++;
    r->last_pc = 0;
    r->have_last = r->have_two = false;
    memset(r->prev, 0, sizeof r->prev);
    return 1;
}

/* The bytes of a TraceEvent that an event of each type uses: the header and its member
 * of the union (copied instead of the whole union, which the largest type sizes). */
static const uint16_t event_size[TRACE_EV_LIMIT] = {
#define EV(id, name, family, ...) [id] = offsetof(TraceEvent, u) + sizeof(TraceEv_##name),
#include "trace/events.def"
#undef EV
};

/* The last event becomes the one before the last (an event or again record was read). */
static void shift_last(TraceReader *r)
{
    r->have_two = r->have_last;
    r->two_skipped = r->last_skipped;
    r->two_type = r->last_type;
    r->two_pc = r->last_pc;
    memcpy(r->two_row, r->last_row, sizeof r->two_row);
    if (r->have_last && !r->last_skipped)
        memcpy(&r->two, &r->last, event_size[r->last.type]);
}

/* An again record (kind byte read): the event two before, again, dt after the last.
 * 1 with an event in *ev, 0 with one left out (trace_reader_only), -1 on an error. */
static int read_again(TraceReader *r, Cur *c, TraceEvent *ev, Err *err)
{
    uint64_t dt = get_uleb(c, UINT64_MAX - r->last_vtime, "virtual time overflows");
    if (!c->why && (r->version == TRACE_V2 || !r->have_last || !r->have_two))
        c->why = "no event two before";
    if (!c->why && !trace_event_flat((TraceEventType)r->two_type))
        c->why = "the event two before has text or bytes";
    if (!c->why && r->count - r->blk_first == r->blk_events)
        c->why = "more events than the block holds";
    if (c->why)
        return fail(r, err, r->rec_off, "malformed again record: %s", c->why);
    r->blk_pos = (size_t)(c->p - r->blk);
    unsigned type = r->two_type;
    uint64_t pc = r->two_pc, row[TRACE_MAX_FIELDS];
    bool skipped = r->two_skipped;
    memcpy(row, r->two_row, sizeof row);
    if (!skipped)
        memcpy(ev, &r->two, event_size[type]);
    shift_last(r);
    memcpy(r->prev[type], row, sizeof row);   /* its fields' differences go on from its values */
    memcpy(r->last_row, row, sizeof row);
    r->last_type = type;
    r->last_vtime += dt;
    r->last_pc = pc;
    r->count++;
    r->have_last = true;
    r->last_skipped = skipped;
    if (skipped)
        return 0;
    ev->vtime = r->last_vtime;
    memcpy(&r->last, ev, event_size[type]);
    return 1;
}

int trace_read_next(TraceReader *r, TraceEvent *ev, Err *err)
{
    if (r->state == 1)
        return 0;
    if (r->state == -1)
        return err_set(err, "%s", r->error);
    if (r->rep_left) {
        r->rep_left--;
        r->last.vtime += r->rep_dt;
        r->last_vtime = r->last.vtime;
        r->count++;
        memcpy(ev, &r->last, event_size[r->last.type]);
        return 1;
    }
    for (;;) {
        if (r->blk_pos == r->blk_len) {
            if (r->blk_seq && r->count - r->blk_first != r->blk_events)
                return fail(r, err, r->blk_off, "block holds %" PRIu64 " events by its header, %" PRIu64 " by its records",
                            r->blk_events, r->count - r->blk_first);
            int b = read_block(r, err);
            if (b <= 0)
                return b;
        }
        r->rec_off = record_offset(r);
        Cur c = { r->blk + r->blk_pos, r->blk + r->blk_len, r, NULL, NULL, 0 };
        unsigned type = *c.p++;
        c.pv = r->prev[type];
        if (type == TRACE_REC_STRING) {
            if (define_string(r, &c, err) < 0)
                return -1;
            r->blk_pos = (size_t)(c.p - r->blk);
            continue;
        }
        if (type == TRACE_REC_REPEAT) {
            uint64_t n = get_uleb(&c, TRACE_REPEAT_MAX, "bad repeat count");
            uint64_t dt = get_uleb(&c, UINT64_MAX, "bad repeat time step");
            if (!c.why && (!r->have_last || n == 0))
                c.why = "no event to repeat";
            if (!c.why && dt && n > (UINT64_MAX - r->last_vtime) / dt)
                c.why = "virtual time overflows";
            if (!c.why && n > r->blk_events - (r->count - r->blk_first))
                c.why = "more events than the block holds";
            if (c.why)
                return fail(r, err, r->rec_off, "malformed repeat record: %s", c.why);
            r->blk_pos = (size_t)(c.p - r->blk);
            r->have_last = r->have_two = false;   /* a repeat follows an event, never a repeat */
            if (r->last_skipped) {        /* repeats of an event left out: counted only */
                r->last_vtime += n * dt;
                r->count += n;
                continue;
            }
            r->rep_left = n - 1;
            r->rep_dt = dt;
            r->last.vtime += dt;
            r->last_vtime = r->last.vtime;
            r->count++;
            memcpy(ev, &r->last, event_size[r->last.type]);
            return 1;
        }
        if (type == TRACE_REC_AGAIN) {
            int a = read_again(r, &c, ev, err);
            if (a != 0)
                return a;
            continue;
        }
        if (!trace_event_name((TraceEventType)type))
            return fail(r, err, r->rec_off, "unknown event type %u (written by a newer ringside?)", type);
        if (r->count - r->blk_first == r->blk_events)
            return fail(r, err, r->rec_off, "more events than the block holds");
        if (r->filtered && !trace_types_has(&r->only, type)) {
            uint64_t dt = get_uleb(&c, UINT64_MAX - r->last_vtime, "virtual time overflows");
            uint64_t pc = r->last_pc + trace_unzigzag(get_uleb(&c, UINT64_MAX, "bad pc"));
            (void)get_uleb(&c, r->nnames, "undefined symbol id");
            switch (type) {
#define EV(id, name, family, ...) case TRACE_EV_##name: skip_##name(&c); break;
#include "trace/events.def"
#undef EV
            default: break;
            }
            if (c.why)
                return fail(r, err, r->rec_off, "malformed %s record: %s", trace_event_name((TraceEventType)type), c.why);
            r->blk_pos = (size_t)(c.p - r->blk);
            shift_last(r);
            r->last_type = type;
            r->last_vtime += dt;
            r->last_pc = pc;
            r->count++;
            r->have_last = r->last_skipped = true;
            continue;
        }
        r->arena_used = 0;
        /* No memset of the whole event: the decoder sets every field of its member of
         * the union, and the other members mean nothing for this type. */
        ev->type = (TraceEventType)type;
        uint64_t dt = get_uleb(&c, UINT64_MAX - r->last_vtime, "virtual time overflows");
        ev->vtime = r->last_vtime + dt;
        ev->pc = r->last_pc + trace_unzigzag(get_uleb(&c, UINT64_MAX, "bad pc"));
        ev->sym = name_of(&c, "undefined symbol id");
        switch (ev->type) {
#define EV(id, name, family, ...) case TRACE_EV_##name: decode_##name(&c, &ev->u.name); break;
#include "trace/events.def"
#undef EV
        default: break;
        }
        if (c.why)
            return fail(r, err, r->rec_off, "malformed %s record: %s", trace_event_name(ev->type), c.why);
        r->blk_pos = (size_t)(c.p - r->blk);
        shift_last(r);
        r->last_type = type;
        memcpy(r->last_row, r->prev[type], sizeof r->last_row);
        r->last_vtime = ev->vtime;
        r->last_pc = ev->pc;
        r->count++;
        memcpy(&r->last, ev, event_size[type]);   /* the header and this type's member */
        r->have_last = true;
        r->last_skipped = false;
        return 1;
    }
}

int64_t trace_reader_seek_time(TraceReader *r, uint64_t t, Err *err)
{
    if (r->state == -1)
        return err_set(err, "%s", r->error);
    if (r->blk_seq || r->count || r->state == 1)
        return err_set(err, "%s: seek before reading", r->path);
    uint8_t h[TRACE_BLOCK_HEADER], next[TRACE_BLOCK_HEADER];
    uint64_t off = r->off;
    if (fseek(r->f, (long)off, SEEK_SET) != 0 || fread(h, 1, sizeof h, r->f) != sizeof h)
        goto done;
    for (;;) {
        /* block h holds the events after its base time up to the next block's base time */
        if (ld16_le(h + 28) & TRACE_BLK_END)
            break;
        uint64_t at = off + TRACE_BLOCK_HEADER + ld32_le(h);
        if (fseek(r->f, (long)at, SEEK_SET) != 0 || fread(next, 1, sizeof next, r->f) != sizeof next ||
            (ld16_le(next + 28) & TRACE_BLK_END) || ld64_le(next + 16) >= t)
            break;
        /* skipped, unchecked; its CRC still joins the chain the end block checks */
        r->chain = trace_crc32(r->chain, h + TRACE_BLOCK_CRC, 4);
        r->count = ld64_le(next + 8);
        r->last_vtime = ld64_le(next + 16);
        off = at;
        memcpy(h, next, sizeof h);
    }
done:
    if (fseek(r->f, (long)off, SEEK_SET) != 0)
        return fail(r, err, off, "cannot seek: %s", strerror(errno));
    r->off = r->rec_off = off;
    return (int64_t)r->count;
}

const TraceHeader *trace_reader_header(const TraceReader *r) { return &r->hdr; }
unsigned trace_reader_version(const TraceReader *r) { return r->version; }
uint64_t trace_reader_offset(const TraceReader *r) { return r->rec_off; }

void trace_reader_close(TraceReader *r)
{
    if (r)
        free_reader(r);
}
