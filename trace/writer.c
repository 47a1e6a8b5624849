/* The trace writer: encodes events into records (docs/trace-format.md), interns names
 * on first use, buffers whole records and writes them out; any failure is sticky and
 * the file is cut back to the last complete record. */
#include "trace/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include "trace/codec.h"
#include "trace/events_gen.h"

#define OUT_CAP (64u * 1024)

typedef struct Intern {
    char *s;          /* NULL: free slot */
    uint32_t hash;
    uint64_t id;
} Intern;

struct TraceWriter {
    int fd;                    /* -1: no file: events are checked and counted only */
    char *path;
    uint8_t *out;              /* whole records waiting to be written */
    size_t out_len;
    uint64_t flushed;          /* bytes in the file, all of them complete */
    uint8_t *rec;              /* the record being encoded */
    size_t rec_len, rec_cap;
    bool rec_bad;              /* it outgrew TRACE_MAX_RECORD */
    uint64_t last_vtime, count;
    uint32_t crc;              /* CRC-32 of every record byte up to out + crc_from */
    size_t crc_from;           /* out[crc_from, out_len): records not yet in crc */
    Intern *names;             /* open addressing, keyed by content, never by address */
    size_t names_cap, names_used;
    /* Names seen lately, by the caller's pointer: names do not change while the writer
     * is open (trace.h), so a hit is taken on the address alone (sanitizer builds also
     * compare the content) and skips hashing the string. */
    struct { const char *ptr, *copy; uint64_t id; } recent[64];
    bool failed;               /* sticky: nothing more is recorded */
    bool io_failed;            /* the file itself failed: nothing more is written */
    char error[256];
};

static int fail(TraceWriter *tw, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(TraceWriter *tw, const char *fmt, ...)
{
    if (!tw->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(tw->error, sizeof tw->error, fmt, ap);
        va_end(ap);
        tw->failed = true;
    }
    return -1;
}

/* Folds the buffered records into the running CRC-32. One pass over the whole buffer
 * costs far less than one call per small record. */
static void crc_catch_up(TraceWriter *tw)
{
    if (tw->out_len > tw->crc_from)
        tw->crc = trace_crc32(tw->crc, tw->out + tw->crc_from, tw->out_len - tw->crc_from);
    tw->crc_from = tw->out_len;
}

/* Writes out everything buffered. On a failure the file is cut back to the end of the
 * last complete record, so a reader sees a clean truncation, not half a record. */
static int flush_out(TraceWriter *tw)
{
    size_t done = 0;
    crc_catch_up(tw);
    if (tw->io_failed)
        return -1;
    while (done < tw->out_len) {
        ssize_t k = write(tw->fd, tw->out + done, tw->out_len - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            int e = k < 0 ? errno : ENOSPC;
            if (done && ftruncate(tw->fd, (off_t)tw->flushed) == 0)
                lseek(tw->fd, (off_t)tw->flushed, SEEK_SET);
            tw->io_failed = true;
            return fail(tw, "cannot write trace %s: %s", tw->path, strerror(e));
        }
        done += (size_t)k;
    }
    tw->flushed += tw->out_len;
    tw->out_len = 0;
    tw->crc_from = 0;
    return 0;
}

static void rec_bytes(TraceWriter *tw, const void *p, size_t n)
{
    if (tw->rec_bad || tw->rec_len + n > TRACE_MAX_RECORD) {
        tw->rec_bad = true;
        return;
    }
    if (tw->rec_len + n > tw->rec_cap) {
        size_t cap = tw->rec_cap * 2;
        while (cap < tw->rec_len + n)
            cap *= 2;
        uint8_t *r = realloc(tw->rec, cap);
        if (!r) {
            tw->rec_bad = true;
            return;
        }
        tw->rec = r;
        tw->rec_cap = cap;
    }
    memcpy(tw->rec + tw->rec_len, p, n);
    tw->rec_len += n;
}

static void rec_uleb(TraceWriter *tw, uint64_t v)
{
    uint8_t b[10];
    rec_bytes(tw, b, leb128_put(b, v));
}

/* Frames the record in tw->rec (length, body, CRC-8) into the output buffer. */
static int rec_finish(TraceWriter *tw)
{
    if (tw->rec_bad)
        return fail(tw, "trace record longer than %u bytes", TRACE_MAX_RECORD);
    uint8_t pre[10];
    unsigned pn = leb128_put(pre, tw->rec_len);
    uint8_t check = trace_crc8(trace_crc8(0, pre, pn), tw->rec, tw->rec_len);
    size_t total = pn + tw->rec_len + 1;
    if (tw->out_len + total > OUT_CAP && flush_out(tw) < 0)
        return -1;
    if (total > OUT_CAP) {
        /* A record larger than the buffer goes out alone, still all or nothing. */
        uint8_t *big = malloc(total);
        if (!big)
            return fail(tw, "out of memory");
        uint8_t *save = tw->out;
        memcpy(big, pre, pn);
        memcpy(big + pn, tw->rec, tw->rec_len);
        big[total - 1] = check;
        tw->crc = trace_crc32(tw->crc, big, total);
        tw->out = big;
        tw->out_len = total;
        tw->crc_from = total;   /* already in crc */
        int r = flush_out(tw);
        tw->out = save;
        tw->out_len = 0;
        tw->crc_from = 0;
        free(big);
        if (r < 0)
            return -1;
    } else {
        uint8_t *at = tw->out + tw->out_len;
        memcpy(at, pre, pn);
        memcpy(at + pn, tw->rec, tw->rec_len);
        at[total - 1] = check;
        tw->out_len += total;   /* its CRC-32 share is taken at the next flush */
    }
    return 0;
}

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;            /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static int grow_names(TraceWriter *tw)
{
    size_t cap = tw->names_cap ? tw->names_cap * 2 : 64;
    Intern *n = calloc(cap, sizeof *n);
    if (!n)
        return -1;
    for (size_t i = 0; i < tw->names_cap; i++) {
        Intern *e = &tw->names[i];
        if (!e->s)
            continue;
        size_t j = e->hash & (cap - 1);
        while (n[j].s)
            j = (j + 1) & (cap - 1);
        n[j] = *e;
    }
    free(tw->names);
    tw->names = n;
    tw->names_cap = cap;
    return 0;
}

/* The id of a name, emitting its string record on first use (ids count from 1 in
 * order of first use, so they depend on the run, never on addresses). */
static int intern(TraceWriter *tw, const char *s, uint64_t *id)
{
    if (!s) {
        *id = 0;
        return 0;
    }
    size_t k = (size_t)(((uintptr_t)s * 0x9e3779b97f4a7c15ull) >> 58);
    if (tw->recent[k].ptr == s) {
        /* Name fields point at strings that do not change while the writer is open
         * (register and region tables, device names: see trace.h), so the pointer
         * alone identifies the name. Sanitizer builds, which run every test, check it. */
#if defined(__SANITIZE_ADDRESS__) || defined(RINGSIDE_CHECK_NAMES)
        if (strcmp(tw->recent[k].copy, s) != 0) {
            fprintf(stderr, "trace: name field at %p changed from \"%s\" to \"%s\"\n", (const void *)s,
                    tw->recent[k].copy, s);
            abort();
        }
#endif
        *id = tw->recent[k].id;
        return 0;
    }
    size_t len = strlen(s);
    if (len > TRACE_MAX_STRING)
        return fail(tw, "trace name longer than %u bytes", TRACE_MAX_STRING);
    if ((tw->names_used + 1) * 2 > tw->names_cap && grow_names(tw) < 0)
        return fail(tw, "out of memory");
    uint32_t h = hash_str(s);
    size_t j = h & (tw->names_cap - 1);
    for (; tw->names[j].s; j = (j + 1) & (tw->names_cap - 1)) {
        if (tw->names[j].hash == h && strcmp(tw->names[j].s, s) == 0) {
            *id = tw->names[j].id;
            tw->recent[k].ptr = s;
            tw->recent[k].copy = tw->names[j].s;
            tw->recent[k].id = *id;
            return 0;
        }
    }
    char *copy = strdup(s);
    if (!copy)
        return fail(tw, "out of memory");
    tw->names[j] = (Intern){ copy, h, ++tw->names_used };
    *id = tw->names_used;
    tw->recent[k].ptr = s;
    tw->recent[k].copy = copy;
    tw->recent[k].id = *id;
    if (tw->fd >= 0) {
        tw->rec_len = 0;
        rec_uleb(tw, TRACE_REC_STRING);
        rec_uleb(tw, *id);
        rec_uleb(tw, len);
        rec_bytes(tw, s, len);
        if (rec_finish(tw) < 0)
            return -1;
    }
    return 0;
}

/* Field encoders. Names are interned before the record starts (their string records
 * must come first), so enc_name only looks the id up again. */
static void enc_num(TraceWriter *tw, uint64_t v) { rec_uleb(tw, v); }
#define enc_u8 enc_num
#define enc_u16 enc_num
#define enc_u32 enc_num
#define enc_u64 enc_num
#define enc_x8 enc_num
#define enc_x16 enc_num
#define enc_x32 enc_num
#define enc_x64 enc_num
#define enc_bdf enc_num
static void enc_name(TraceWriter *tw, const char *s)
{
    uint64_t id;
    intern(tw, s, &id);  /* already known: cannot emit or fail here */
    rec_uleb(tw, id);
}
static void enc_str(TraceWriter *tw, const char *s)
{
    size_t len = s ? strlen(s) : 0;
    if (len > TRACE_MAX_STRING) {
        tw->rec_bad = true;
        return;
    }
    rec_uleb(tw, len);
    rec_bytes(tw, s, len);
}
static void enc_bytes(TraceWriter *tw, TraceBytes b)
{
    rec_uleb(tw, b.len);
    if (b.len)
        rec_bytes(tw, b.data, b.len);
}
static void enc_descs(TraceWriter *tw, TraceDescList l)
{
    rec_uleb(tw, l.n);
    for (size_t i = 0; i < l.n; i++) {
        rec_uleb(tw, l.d[i].index);
        rec_uleb(tw, l.d[i].addr);
        rec_uleb(tw, l.d[i].len);
        rec_uleb(tw, l.d[i].flags);
        rec_uleb(tw, l.d[i].next);
    }
}

#define pre_u8(tw, v) 0
#define pre_u16(tw, v) 0
#define pre_u32(tw, v) 0
#define pre_u64(tw, v) 0
#define pre_x8(tw, v) 0
#define pre_x16(tw, v) 0
#define pre_x32(tw, v) 0
#define pre_x64(tw, v) 0
#define pre_bdf(tw, v) 0
#define pre_str(tw, v) 0
#define pre_bytes(tw, v) 0
#define pre_descs(tw, v) 0
static int pre_name(TraceWriter *tw, const char *s)
{
    uint64_t id;
    return intern(tw, s, &id);
}

#define F(type, fname) if (pre_##type(tw, p->fname) < 0) return -1;
#define EV(id, name, family, ...) \
    static int names_##name(TraceWriter *tw, const TraceEv_##name *p) { (void)tw; (void)p; __VA_ARGS__ return 0; }
#include "trace/events.def"
#undef EV
#undef F

#define F(type, fname) enc_##type(tw, p->fname);
#define EV(id, name, family, ...) \
    static void encode_##name(TraceWriter *tw, const TraceEv_##name *p) { __VA_ARGS__ }
#include "trace/events.def"
#undef EV
#undef F

int trace_emit(TraceWriter *tw, const TraceEvent *ev)
{
    if (!tw)
        return 0;
    if (tw->failed)
        return -1;
    const char *name = trace_event_name(ev->type);
    if (!name)
        return fail(tw, "unknown trace event type %u", (unsigned)ev->type);
    if (ev->vtime < tw->last_vtime)
        return fail(tw, "trace event %s at virtual time %" PRIu64 " is before the previous event (%" PRIu64 ")",
                    name, ev->vtime, tw->last_vtime);
    if (tw->fd >= 0) {
        uint64_t sym;
        if (intern(tw, ev->sym, &sym) < 0)
            return -1;
        switch (ev->type) {
#define EV(id, name, family, ...) case TRACE_EV_##name: if (names_##name(tw, &ev->u.name) < 0) return -1; break;
#include "trace/events.def"
#undef EV
        default: break;
        }
        tw->rec_len = 0;
        tw->rec_bad = false;
        rec_uleb(tw, ev->type);
        rec_uleb(tw, ev->vtime - tw->last_vtime);
        rec_uleb(tw, ev->pc);
        rec_uleb(tw, sym);
        switch (ev->type) {
#define EV(id, name, family, ...) case TRACE_EV_##name: encode_##name(tw, &ev->u.name); break;
#include "trace/events.def"
#undef EV
        default: break;
        }
        if (rec_finish(tw) < 0)
            return -1;
    }
    tw->last_vtime = ev->vtime;
    tw->count++;
    return 0;
}

/* One emitter per event (trace.h), expanded with trace/events_gen.h. */
#define F(type, fname) (type, fname)
#define EV(id, name, family, ...)                                                                   \
    int trace_ev_##name(TraceWriter *tw, uint64_t vtime, uint64_t pc,                               \
                        const char *sym TRACE_GEN_PARAMS(__VA_ARGS__))                              \
    {                                                                                               \
        TraceEvent ev = { .type = TRACE_EV_##name, .vtime = vtime, .pc = pc, .sym = sym };          \
        TraceEv_##name *p = &ev.u.name;                                                             \
        if (!tw)                                                                                    \
            return 0;                                                                               \
        TRACE_GEN_SETS(__VA_ARGS__)                                                                 \
        return trace_emit(tw, &ev);                                                                 \
    }
#include "trace/events.def"
#undef EV
#undef F

static void put_tlv(uint8_t **pp, unsigned tag, const void *data, size_t len)
{
    *pp += leb128_put(*pp, tag);
    *pp += leb128_put(*pp, len);
    memcpy(*pp, data, len);
    *pp += len;
}

/* Encodes the header into tw->out (empty at this point). */
static int put_header(TraceWriter *tw, const TraceHeader *hdr)
{
    const char *config = hdr->config ? hdr->config : "";
    size_t argv_len = 0;
    for (int i = 0; i < hdr->argc; i++)
        argv_len += 10 + strlen(hdr->argv[i]);
    size_t max = TRACE_FIXED_HEADER + 3 * 20 + strlen(config) + argv_len + 32 + 4;
    if (max > TRACE_MAX_HEADER)
        return fail(tw, "trace header too large");
    uint8_t *h = malloc(max), *p = h;
    uint8_t *argv = malloc(argv_len + 1), *a = argv;
    if (!h || !argv) {
        free(h);
        free(argv);
        return fail(tw, "out of memory");
    }
    for (int i = 0; i < hdr->argc; i++) {
        size_t k = strlen(hdr->argv[i]);
        a += leb128_put(a, k);
        memcpy(a, hdr->argv[i], k);
        a += k;
    }
    memcpy(p, TRACE_MAGIC, 8);
    st16_le(p + 8, TRACE_VERSION);
    st16_le(p + 10, 0);
    p += TRACE_FIXED_HEADER;
    put_tlv(&p, TRACE_HDR_CONFIG, config, strlen(config));
    put_tlv(&p, TRACE_HDR_ARGV, argv, (size_t)(a - argv));
    put_tlv(&p, TRACE_HDR_FW_SHA256, hdr->fw_sha256, 32);
    size_t len = (size_t)(p - h) + 4;
    st32_le(h + 12, (uint32_t)len);
    st32_le(p, trace_crc32(0, h, len - 4));
    free(argv);
    if (len > OUT_CAP) {
        uint8_t *save = tw->out;
        tw->out = h;
        tw->out_len = len;
        tw->crc_from = len;     /* the header is not a record: outside the CRC-32 */
        int r = flush_out(tw);
        tw->out = save;
        tw->out_len = 0;
        tw->crc_from = 0;
        free(h);
        return r;
    }
    memcpy(tw->out, h, len);
    tw->out_len = len;
    tw->crc_from = len;         /* the header is not a record: outside the CRC-32 */
    free(h);
    return flush_out(tw);
}

static TraceWriter *writer_new(int fd, const char *path, const TraceHeader *hdr, Err *err)
{
    TraceWriter *tw = calloc(1, sizeof *tw);
    if (!tw) {
        err_set(err, "out of memory");
        return NULL;
    }
    tw->fd = fd;
    tw->path = strdup(path ? path : "(none)");
    tw->out = malloc(OUT_CAP);
    tw->rec_cap = 256;
    tw->rec = malloc(tw->rec_cap);
    if (!tw->path || !tw->out || !tw->rec) {
        err_set(err, "out of memory");
        trace_close(tw, NULL);
        return NULL;
    }
    static const TraceHeader empty;
    if (fd >= 0 && put_header(tw, hdr ? hdr : &empty) < 0) {
        err_set(err, "%s", tw->error);
        trace_close(tw, NULL);
        return NULL;
    }
    return tw;
}

TraceWriter *trace_open(const char *path, const TraceHeader *hdr, Err *err)
{
    int fd = -1;
    if (path) {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            err_set(err, "cannot create trace %s: %s", path, strerror(errno));
            return NULL;
        }
    }
    return writer_new(fd, path, hdr, err);
}

TraceWriter *trace_open_fd(int fd, const TraceHeader *hdr, Err *err)
{
    char name[32];
    snprintf(name, sizeof name, "(fd %d)", fd);
    return writer_new(fd, name, hdr, err);
}

void trace_observe(void *tw, const TraceEvent *ev)
{
    /* Errors are sticky: the machine looks at trace_error between instructions. */
    (void)trace_emit(tw, ev);
}

int trace_flush(TraceWriter *tw, Err *err)
{
    if (tw && tw->fd >= 0)
        flush_out(tw);
    if (tw && tw->failed)
        return err_set(err, "%s", tw->error);
    return 0;
}

const char *trace_error(const TraceWriter *tw) { return tw && tw->failed ? tw->error : NULL; }

uint64_t trace_count(const TraceWriter *tw) { return tw ? tw->count : 0; }

int trace_close(TraceWriter *tw, Err *err)
{
    if (!tw)
        return 0;
    if (tw->fd >= 0 && !tw->failed && tw->out) {
        uint8_t crc[4];
        crc_catch_up(tw);
        st32_le(crc, tw->crc);
        tw->rec_len = 0;
        tw->rec_bad = false;
        rec_uleb(tw, TRACE_REC_END);
        rec_uleb(tw, tw->count);
        rec_bytes(tw, crc, 4);
        if (rec_finish(tw) == 0)
            flush_out(tw);
    } else if (tw->fd >= 0 && tw->out) {
        /* A refused event (time going back, a field too long) failed before it reached
         * the buffer: the records before it are whole and still go out, without an end
         * record, so the file reads as a truncated trace up to the refusal. */
        flush_out(tw);
    }
    if (tw->fd >= 0 && close(tw->fd) < 0)
        fail(tw, "cannot write trace %s: %s", tw->path, strerror(errno));
    int r = tw->failed ? err_set(err, "%s", tw->error) : 0;
    for (size_t i = 0; i < tw->names_cap; i++)
        free(tw->names[i].s);
    free(tw->names);
    free(tw->rec);
    free(tw->out);
    free(tw->path);
    free(tw);
    return r;
}
