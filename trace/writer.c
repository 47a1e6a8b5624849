/* The trace writer (docs/trace-format.md, version 2). An event is encoded where it is
 * emitted, straight into the block being filled, by pointer bump: one capacity check
 * per record against a worst case known from events.def, no intermediate event, no
 * call per field. Names become ids through a table keyed by the caller's pointer
 * (names never change while the writer is open: trace.h), and are defined again in
 * every block that uses them, so that a reader can start at any block. An event equal
 * to the one before (same type, pc, symbol and fields: a UART status poll in a busy
 * loop) at a steady time step is folded into a repeat record, and one equal to the
 * event two before (the poll of a poll-then-write loop) into a one-byte again record. A full block is handed
 * to a writer thread (double buffering: the run fills the other buffer meanwhile),
 * which gives it its header and CRC-32, compresses it if asked and writes it out
 * whole, one block after another in order, so the bytes are those a single thread
 * would write; any failure is sticky and the file is cut back to the last complete
 * record. The run learns of a failed write when it seals the next block. */
#include "trace/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "trace/codec.h"
#include "trace/events_gen.h"
#include "trace/zstd_glue.h"

/* Room kept free past the fill limit: a pending repeat record always fits. */
#define SLACK 32u

typedef struct PtrSlot {
    const char *ptr;           /* NULL: free */
    uint32_t id;
} PtrSlot;

typedef struct NameSlot {
    char *s;                   /* NULL: free; else a copy, NUL-terminated */
    uint32_t hash, id;
} NameSlot;

typedef struct NameInfo {
    const char *s;             /* the copy in NameSlot */
    uint32_t len;
    uint32_t block;            /* sequence number of the last block that defined it */
} NameInfo;

/* The last names an event type's name slots (its symbol, then its name fields) had,
 * with their ids, valid while block is the open block (the names are defined in it):
 * a device emits the same region, register and function names over and over, so the
 * id of a name is mostly one pointer compare away. */
#define W_MAX_NAMES 4
typedef struct NameCache {
    const char *ptr;
    uint32_t id, block;
} NameCache;

/* All of the writer's state is here (a snapshot saves its position and counts). */
struct TraceWriter {
    int fd;                    /* -1: no file: events are checked and counted only */
    char *path;
    unsigned compress;         /* TRACE_COMPRESS_* */
    uint8_t *buf;              /* the block being filled: header, then payload */
    size_t cap;
    uint8_t *p;                /* next free byte */
    uint8_t *lim;              /* a record that would end past it goes to the next block */
    uint64_t last_vtime, last_pc, count;
    uint64_t block_first, block_vtime;   /* the open block's first event and base time */
    uint32_t block_seq;        /* blocks begun, from 1 */
    /* folding: the last event record of this block (its symbol and fields) */
    const uint8_t *last_body;
    size_t last_len;
    unsigned last_type;
    uint64_t rep_n, rep_dt;    /* copies of it waiting to be written as a repeat */
    /* the event record (or again record) before that one, for again records: valid
     * (two_body not NULL) only when both it and the last came from such records */
    const uint8_t *two_body;
    size_t two_len;
    unsigned two_type;
    uint64_t two_pc;
    bool flat[TRACE_EV_LIMIT]; /* trace_event_flat(), by type */
    /* x32/x64 fields (addresses, mostly) are written as the difference from the same
     * field of the same event type before, in this block: prev[type][field index] */
    uint64_t prev[TRACE_EV_LIMIT][TRACE_MAX_FIELDS];
    NameCache ncache[TRACE_EV_LIMIT][W_MAX_NAMES];
    PtrSlot *ptrs;
    size_t ptrs_cap, ptrs_used;
    NameSlot *names;           /* keyed by content: ids never depend on addresses */
    size_t names_cap;
    NameInfo *info;            /* info[id], id 1..nnames */
    uint32_t nnames;
    size_t info_cap;
    bool failed;               /* sticky: nothing more is recorded */
    char error[256];
    /* The writer thread's side. While a block is in flight (job) the thread alone
     * touches these and the block; the run waits for it (wait_idle) before it reads them. */
    bool io_failed;            /* the file itself failed: nothing more is written */
    char io_error[256];
    uint64_t flushed;          /* bytes in the file, all of them complete blocks */
    uint32_t chain;            /* CRC-32 of the CRC-32s of the blocks written, for the end */
    uint8_t *zbuf;             /* compressed block */
    size_t zcap;
    bool threaded;             /* a writer thread runs (else blocks are written in place) */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool job, stop;
    struct Sealed {
        uint8_t *buf;          /* block header room, then raw payload bytes */
        size_t raw;
        uint64_t first, vtime, events;
    } sealed;
    uint8_t *spare;            /* the other buffer of the two */
    size_t spare_cap;
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

/* write(2) until all n bytes are out: 0, or the errno (ENOSPC for a write of 0);
 * *done says how many went out. */
static int write_all(int fd, const uint8_t *b, size_t n, size_t *done)
{
    *done = 0;
    while (*done < n) {
        ssize_t k = write(fd, b + *done, n - *done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return k < 0 ? errno : ENOSPC;
        *done += (size_t)k;
    }
    return 0;
}

/* Writes n bytes at the end of the file, all or nothing: on a failure the file is cut
 * back to the last complete block, io_failed is set with the reason in io_error, and
 * *room (if given) says how many bytes did fit. The writer thread's side (or the run's
 * before the thread starts, after it stopped, or without one): never touches the run's
 * state. */
static int io_write(TraceWriter *tw, const uint8_t *b, size_t n, size_t *room)
{
    size_t done;
    if (tw->io_failed)
        return -1;
    int e = write_all(tw->fd, b, n, &done);
    if (room)
        *room = done;
    if (e) {
        if (done && ftruncate(tw->fd, (off_t)tw->flushed) == 0)
            lseek(tw->fd, (off_t)tw->flushed, SEEK_SET);
        tw->io_failed = true;
        snprintf(tw->io_error, sizeof tw->io_error, "cannot write trace %s: %s", tw->path, strerror(e));
        return -1;
    }
    tw->flushed += n;
    return 0;
}

/* io_write from the run, a failure made its sticky error. */
static int write_out(TraceWriter *tw, const uint8_t *b, size_t n)
{
    if (io_write(tw, b, n, NULL) < 0)
        return fail(tw, "%s", tw->io_error);
    return 0;
}

/* Fills a block header (codec.h) and its CRC-32 over it and the payload. */
static void block_header(uint8_t *h, uint32_t stored, uint32_t raw, uint64_t first, uint64_t vtime,
                         uint64_t events, unsigned flags, const uint8_t *payload)
{
    st32_le(h, stored);
    st32_le(h + 4, raw);
    st64_le(h + 8, first);
    st64_le(h + 16, vtime);
    st32_le(h + 24, (uint32_t)events);
    st16_le(h + 28, (uint16_t)flags);
    st16_le(h + 30, 0);
    st32_le(h + TRACE_BLOCK_CRC, trace_crc32(trace_crc32(0, h, TRACE_BLOCK_CRC), payload, stored));
}

/* The length of the record at p (< end) of a payload this writer made; *events is
 * how many events it stands for. */
static size_t record_len(const uint8_t *p, const uint8_t *end, uint64_t *events)
{
    const uint8_t *q = p + 1;
    uint64_t v = 0, k = 0;
    unsigned type = *p, n = 0;
    *events = 0;
    if (type == TRACE_REC_STRING) {
        leb128_get(&q, end, &v);
        leb128_get(&q, end, &k);
        return (size_t)(q - p) + (size_t)k;
    }
    if (type == TRACE_REC_REPEAT) {
        leb128_get(&q, end, events);
        leb128_get(&q, end, &v);
        return (size_t)(q - p);
    }
    *events = 1;
    if (type == TRACE_REC_AGAIN) {
        leb128_get(&q, end, &v);
        return (size_t)(q - p);
    }
    *events = 1;
    for (int i = 0; i < 3; i++)          /* time, pc, symbol */
        leb128_get(&q, end, &v);
    const TraceFieldInfo *f = trace_event_fields((TraceEventType)type, &n);
    for (unsigned i = 0; i < n; i++) {
        leb128_get(&q, end, &v);
        if (f[i].type == TRACE_FT_str || f[i].type == TRACE_FT_bytes)
            q += v;
        else if (f[i].type == TRACE_FT_descs)
            for (uint64_t d = 0; d < 5 * v; d++)
                leb128_get(&q, end, &k);
    }
    return (size_t)(q - p);
}

/* A block that did not fit in the file (room bytes did): writes, as a block of its
 * own, the records of it that fit, so that the file ends at the last complete record
 * that could be written rather than at the last block. Nothing if none fits. */
static void write_what_fits(TraceWriter *tw, const struct Sealed *sb, size_t room)
{
    const uint8_t *pay = sb->buf + TRACE_BLOCK_HEADER, *end = pay + sb->raw;
    size_t fit = 0;
    uint64_t events = 0, k_events;
    if (room <= TRACE_BLOCK_HEADER)
        return;
    while (pay + fit < end) {
        size_t k = record_len(pay + fit, end, &k_events);
        if (fit + k > room - TRACE_BLOCK_HEADER)
            break;
        fit += k;
        events += k_events;
    }
    if (!events)
        return;
    uint8_t *h = sb->buf;
    block_header(h, (uint32_t)fit, (uint32_t)fit, sb->first, sb->vtime, events, 0, pay);
    size_t done;
    if (write_all(tw->fd, h, TRACE_BLOCK_HEADER + fit, &done) == 0)
        tw->flushed += TRACE_BLOCK_HEADER + fit;
    else if (done && ftruncate(tw->fd, (off_t)tw->flushed) == 0)
        lseek(tw->fd, (off_t)tw->flushed, SEEK_SET);
}

static void reset_block(TraceWriter *tw)
{
    tw->p = tw->buf + TRACE_BLOCK_HEADER;
    tw->lim = tw->buf + TRACE_BLOCK_HEADER + TRACE_BLOCK_TARGET - SLACK;
    tw->block_first = tw->count;
    tw->block_vtime = tw->last_vtime;
    tw->block_seq++;
    tw->last_pc = 0;
    tw->last_body = NULL;
    tw->two_body = NULL;
    tw->rep_n = 0;
    memset(tw->prev, 0, sizeof tw->prev);
}

static uint8_t *put_repeat(uint8_t *p, uint64_t n, uint64_t dt)
{
    *p++ = TRACE_REC_REPEAT;
    p = trace_put_uleb(p, n);
    return trace_put_uleb(p, dt);
}

/* Writes the pending repeat record at the end of the block. */
static void end_fold(TraceWriter *tw)
{
    if (tw->rep_n)
        tw->p = put_repeat(tw->p, tw->rep_n, tw->rep_dt);
    tw->rep_n = 0;
    tw->last_body = NULL;
    tw->two_body = NULL;
}

/* Compresses (if asked), checksums and writes one sealed block, and chains its CRC:
 * the writer thread's work (or the run's when there is no thread). A failure is left
 * in io_failed and io_error. */
static void write_block(TraceWriter *tw, const struct Sealed *sb)
{
    if (tw->io_failed)
        return;
    uint8_t *blk = sb->buf;
    size_t stored = sb->raw;
    unsigned flags = 0;
    if (tw->compress == TRACE_COMPRESS_ZSTD) {
        size_t bound = trace_zstd_bound(sb->raw) + TRACE_BLOCK_HEADER;
        if (bound > tw->zcap) {
            uint8_t *z = realloc(tw->zbuf, bound);
            if (!z) {
                tw->io_failed = true;
                snprintf(tw->io_error, sizeof tw->io_error, "out of memory");
                return;
            }
            tw->zbuf = z;
            tw->zcap = bound;
        }
        size_t k = trace_zstd_compress(tw->zbuf + TRACE_BLOCK_HEADER, bound - TRACE_BLOCK_HEADER,
                                       sb->buf + TRACE_BLOCK_HEADER, sb->raw);
        if (k == 0) {
            tw->io_failed = true;
            snprintf(tw->io_error, sizeof tw->io_error, "cannot compress trace %s", tw->path);
            return;
        }
        blk = tw->zbuf;
        stored = k;
        flags = TRACE_BLK_ZSTD;
    }
    block_header(blk, (uint32_t)stored, (uint32_t)sb->raw, sb->first, sb->vtime, sb->events, flags,
                 blk + TRACE_BLOCK_HEADER);
    size_t room;
    if (io_write(tw, blk, TRACE_BLOCK_HEADER + stored, &room) < 0)
        write_what_fits(tw, sb, room);
    tw->chain = trace_crc32(tw->chain, blk + TRACE_BLOCK_CRC, 4);
}

static void *writer_thread(void *arg)
{
    TraceWriter *tw = arg;
    pthread_mutex_lock(&tw->mu);
    for (;;) {
        while (!tw->job && !tw->stop)
            pthread_cond_wait(&tw->cv, &tw->mu);
        if (!tw->job)
            break;
        pthread_mutex_unlock(&tw->mu);
        write_block(tw, &tw->sealed);
        pthread_mutex_lock(&tw->mu);
        tw->job = false;
        pthread_cond_broadcast(&tw->cv);
    }
    pthread_mutex_unlock(&tw->mu);
    return NULL;
}

/* Waits until the writer thread has written every block handed to it; its side of
 * the state is then the run's to read. A write that failed becomes the sticky error. */
static int wait_idle(TraceWriter *tw)
{
    if (tw->threaded) {
        pthread_mutex_lock(&tw->mu);
        while (tw->job)
            pthread_cond_wait(&tw->cv, &tw->mu);
        pthread_mutex_unlock(&tw->mu);
    }
    return tw->io_failed ? fail(tw, "%s", tw->io_error) : 0;
}

/* Seals the open block (if it holds anything) and hands it to the writer thread,
 * going on in the other buffer (or writes it in place without a thread); a new block
 * begins. -1 when a write failed: with a thread, this block's or the one before. */
static int seal(TraceWriter *tw)
{
    end_fold(tw);
    size_t raw = (size_t)(tw->p - tw->buf) - TRACE_BLOCK_HEADER;
    int r = 0;
    if (raw && tw->fd >= 0) {
        r = wait_idle(tw);
        struct Sealed sb = { tw->buf, raw, tw->block_first, tw->block_vtime, tw->count - tw->block_first };
        if (r == 0 && tw->threaded) {
            pthread_mutex_lock(&tw->mu);
            tw->sealed = sb;
            tw->job = true;
            pthread_cond_signal(&tw->cv);
            pthread_mutex_unlock(&tw->mu);
            uint8_t *b = tw->buf;
            size_t c = tw->cap;
            tw->buf = tw->spare;
            tw->cap = tw->spare_cap;
            tw->spare = b;
            tw->spare_cap = c;
        } else if (r == 0) {
            write_block(tw, &sb);
            r = wait_idle(tw);
        }
    }
    reset_block(tw);
    return r;
}

/* ---- names ---- */

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;            /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static inline size_t hash_ptr(const char *s, size_t cap)
{
    return (size_t)(((uint64_t)(uintptr_t)s * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

static int grow_ptrs(TraceWriter *tw)
{
    size_t cap = tw->ptrs_cap ? tw->ptrs_cap * 2 : 256;
    PtrSlot *n = calloc(cap, sizeof *n);
    if (!n)
        return -1;
    for (size_t i = 0; i < tw->ptrs_cap; i++) {
        if (!tw->ptrs[i].ptr)
            continue;
        size_t j = hash_ptr(tw->ptrs[i].ptr, cap);
        while (n[j].ptr)
            j = (j + 1) & (cap - 1);
        n[j] = tw->ptrs[i];
    }
    free(tw->ptrs);
    tw->ptrs = n;
    tw->ptrs_cap = cap;
    return 0;
}

static int grow_names(TraceWriter *tw)
{
    size_t cap = tw->names_cap ? tw->names_cap * 2 : 64;
    NameSlot *n = calloc(cap, sizeof *n);
    if (!n)
        return -1;
    for (size_t i = 0; i < tw->names_cap; i++) {
        NameSlot *e = &tw->names[i];
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

#define NO_ID UINT32_MAX

/* A name seen at a new address: its id by content (a new id for new content, in
 * order of first use), remembered under the address. */
static uint32_t name_new(TraceWriter *tw, const char *s)
{
    size_t len = strlen(s);
    if (len > TRACE_MAX_STRING) {
        fail(tw, "trace name longer than %u bytes", TRACE_MAX_STRING);
        return NO_ID;
    }
    if (((tw->nnames + 1) * 2 > tw->names_cap && grow_names(tw) < 0) ||
        ((tw->ptrs_used + 1) * 2 > tw->ptrs_cap && grow_ptrs(tw) < 0)) {
        fail(tw, "out of memory");
        return NO_ID;
    }
    uint32_t h = hash_str(s), id = 0;
    size_t j = h & (tw->names_cap - 1);
    for (; tw->names[j].s; j = (j + 1) & (tw->names_cap - 1))
        if (tw->names[j].hash == h && strcmp(tw->names[j].s, s) == 0) {
            id = tw->names[j].id;
            break;
        }
    if (!id) {
        if (tw->nnames + 2 > tw->info_cap) {
            size_t cap = tw->info_cap ? tw->info_cap * 2 : 64;
            NameInfo *ni = realloc(tw->info, cap * sizeof *ni);
            if (!ni) {
                fail(tw, "out of memory");
                return NO_ID;
            }
            tw->info = ni;
            tw->info_cap = cap;
        }
        char *copy = strdup(s);
        if (!copy) {
            fail(tw, "out of memory");
            return NO_ID;
        }
        id = ++tw->nnames;
        tw->names[j] = (NameSlot){ copy, h, id };
        tw->info[id] = (NameInfo){ copy, (uint32_t)len, 0 };
    }
    size_t k = hash_ptr(s, tw->ptrs_cap);
    while (tw->ptrs[k].ptr)
        k = (k + 1) & (tw->ptrs_cap - 1);
    tw->ptrs[k] = (PtrSlot){ s, id };
    tw->ptrs_used++;
    return id;
}

/* Sanitizer builds, which run every test, check the promise of trace.h: a name seen
 * at an address still has the content it had there. */
static inline void check_name(const TraceWriter *tw, uint32_t id, const char *s)
{
#if defined(__SANITIZE_ADDRESS__) || defined(RINGSIDE_CHECK_NAMES)
    if (strcmp(tw->info[id].s, s) != 0) {
        fprintf(stderr, "trace: name field at %p changed from \"%s\" to \"%s\"\n", (const void *)s,
                tw->info[id].s, s);
        abort();
    }
#else
    (void)tw, (void)id, (void)s;
#endif
}

/* The id of a name (0 for NULL), NO_ID after a failure. */
static inline uint32_t name_id(TraceWriter *tw, const char *s)
{
    if (!s)
        return 0;
    if (tw->ptrs_cap) {
        for (size_t j = hash_ptr(s, tw->ptrs_cap); tw->ptrs[j].ptr; j = (j + 1) & (tw->ptrs_cap - 1)) {
            if (tw->ptrs[j].ptr == s) {
                check_name(tw, tw->ptrs[j].id, s);
                return tw->ptrs[j].id;
            }
        }
    }
    return name_new(tw, s);
}

static inline bool defined_here(const TraceWriter *tw, uint32_t id)
{
    return id == 0 || tw->info[id].block == tw->block_seq;
}

/* A name slot's id from its cache entry (true), else false: the caller then looks it
 * up and defines it (name_id, make_room) and refreshes the entry. */
static inline bool name_cached(const TraceWriter *tw, const NameCache *c, const char *s, uint32_t *id)
{
    *id = c->id;
    if (c->ptr != s || c->block != tw->block_seq)
        return false;
    if (s)
        check_name(tw, c->id, s);
    return true;
}

/* What defining every name of ids would take (an empty block defines them all). */
static size_t defs_all(const TraceWriter *tw, const uint32_t *ids, unsigned n)
{
    size_t defs = 0;
    for (unsigned i = 0; i < n; i++)
        if (ids[i])
            defs += 1 + 5 + 3 + tw->info[ids[i]].len;
    return defs;
}

/* The slow path of an event: makes room for a record of at most need bytes, sealing
 * the block if it is too full, and defines in the block the names it lacks. */
static int make_room(TraceWriter *tw, size_t need, const uint32_t *ids, unsigned n)
{
    for (int pass = 0; pass < 2; pass++) {
        size_t defs = 0;
        for (unsigned i = 0; i < n; i++)
            if (!defined_here(tw, ids[i]))
                defs += 1 + 5 + 3 + tw->info[ids[i]].len;   /* duplicates count twice: harmless */
        if (tw->p + defs + need <= tw->lim) {
            for (unsigned i = 0; i < n; i++) {
                if (defined_here(tw, ids[i]))
                    continue;
                NameInfo *ni = &tw->info[ids[i]];
                uint8_t *p = tw->p;
                *p++ = TRACE_REC_STRING;
                p = trace_put_uleb(p, ids[i]);
                p = trace_put_uleb(p, ni->len);
                memcpy(p, ni->s, ni->len);
                tw->p = p + ni->len;
                ni->block = tw->block_seq;
            }
            return 0;
        }
        if (tw->p > tw->buf + TRACE_BLOCK_HEADER && seal(tw) < 0)
            return -1;
        /* A record larger than a block gets a block of its own. */
        size_t want = TRACE_BLOCK_HEADER + defs_all(tw, ids, n) + need + SLACK;
        if (want > tw->cap) {
            uint8_t *b = realloc(tw->buf, want);
            if (!b)
                return fail(tw, "out of memory");
            tw->buf = b;
            tw->cap = want;
        }
        tw->p = tw->buf + TRACE_BLOCK_HEADER;
        tw->lim = tw->p + TRACE_BLOCK_TARGET - SLACK;
        if (pass == 0 && tw->p + defs_all(tw, ids, n) + need > tw->lim)
            tw->lim = tw->p + defs_all(tw, ids, n) + need;   /* this block ends with the record */
    }
    return fail(tw, "out of memory");
}

/* The slow path of an event's names and room: ids looked up (a name not in its slot's
 * cache), the names the block lacks defined, the block sealed if the record does not
 * fit, and the cache refreshed. */
static __attribute__((noinline)) int names_slow(TraceWriter *tw, NameCache *nc, const char *const *nm,
                                                uint32_t *id, unsigned n, size_t need)
{
    bool here = true;
    for (unsigned i = 0; i < n; i++) {
        id[i] = name_id(tw, nm[i]);
        if (id[i] == NO_ID)
            return -1;
        here = here && defined_here(tw, id[i]);
    }
    if ((!here || tw->p + need > tw->lim) && make_room(tw, need, id, n) < 0)
        return -1;
    for (unsigned i = 0; i < n; i++)
        nc[i] = (NameCache){ nm[i], id[i], tw->block_seq };
    return 0;
}

static int refuse_time(TraceWriter *tw, unsigned type, uint64_t vtime)
{
    return fail(tw, "trace event %s at virtual time %" PRIu64 " is before the previous event (%" PRIu64 ")",
                trace_event_name((TraceEventType)type), vtime, tw->last_vtime);
}

/* Ends an encoded event record [rec, end): body is where its symbol starts. Folds it
 * into a repeat when it equals the event before at the same time step (moved: some
 * difference-coded field changed), or into an again record when it equals the event
 * two before and the one between is of another type (so that the differences of
 * its fields, zero, were taken from that event: equal bytes are equal values). */
static inline __attribute__((always_inline)) int commit(TraceWriter *tw, unsigned type, uint8_t *rec, uint8_t *body, uint8_t *end,
                         uint64_t vtime, uint64_t pc, uint64_t moved)
{
    uint64_t dt = vtime - tw->last_vtime;
    size_t len = (size_t)(end - body);
    /* Equal bytes are equal events only if no difference-coded field moved (else the
     * same step twice would look like the same value). */
    if (!moved && tw->last_body && type == tw->last_type && pc == tw->last_pc && len == tw->last_len &&
        (tw->rep_n == 0 || (dt == tw->rep_dt && tw->rep_n < TRACE_REPEAT_MAX)) && memcmp(body, tw->last_body, len) == 0) {
        tw->rep_n++;
        tw->rep_dt = dt;
    } else if (!moved && tw->two_body && !tw->rep_n && type == tw->two_type && type != tw->last_type &&
               pc == tw->two_pc && len == tw->two_len && tw->flat[type] && memcmp(body, tw->two_body, len) == 0) {
        *rec = TRACE_REC_AGAIN;
        const uint8_t *src = tw->two_body;
        tw->two_body = tw->last_body;
        tw->two_len = tw->last_len;
        tw->two_type = tw->last_type;
        tw->two_pc = tw->last_pc;
        tw->last_type = type;
        tw->last_body = src;      /* the bytes it stands for, for a repeat or again of it */
        tw->last_len = len;
        tw->p = trace_put_uleb(rec + 1, dt);
    } else {
        bool after_repeat = tw->rep_n != 0;
        if (after_repeat) {
            /* Put the repeat before this record (SLACK leaves room for it). */
            uint8_t tmp[24];
            size_t k = (size_t)(put_repeat(tmp, tw->rep_n, tw->rep_dt) - tmp);
            memmove(rec + k, rec, (size_t)(end - rec));
            memcpy(rec, tmp, k);
            body += k;
            end += k;
            tw->rep_n = 0;
        }
        /* No again right after a repeat: a reader forgets the event two before there. */
        tw->two_body = after_repeat ? NULL : tw->last_body;
        tw->two_len = tw->last_len;
        tw->two_type = tw->last_type;
        tw->two_pc = tw->last_pc;
        tw->last_type = type;
        tw->last_body = body;
        tw->last_len = len;
        tw->p = end;
    }
    tw->last_vtime = vtime;
    tw->last_pc = pc;
    tw->count++;
    return 0;
}

/* ---- the typed emitters, one per event of events.def ---- */

/* the name arguments, after the symbol */
#define W_NAMES_u8(n)
#define W_NAMES_u16(n)
#define W_NAMES_u32(n)
#define W_NAMES_u64(n)
#define W_NAMES_x8(n)
#define W_NAMES_x16(n)
#define W_NAMES_x32(n)
#define W_NAMES_x64(n)
#define W_NAMES_bdf(n)
#define W_NAMES_name(n) , n
#define W_NAMES_str(n)
#define W_NAMES_bytes(n)
#define W_NAMES_descs(n)
/* lengths taken once, checked, and the record's worst case */
#define W_PREP_NUM(n) need_ += 10;
#define W_PREP_name(n) need_ += 5;
#define W_PREP_str(n)                                                                     \
    size_t n##_sl = n ? strlen(n) : 0;                                                    \
    if (n##_sl > TRACE_MAX_STRING)                                                        \
        return fail(tw, "trace text longer than %u bytes", TRACE_MAX_STRING);             \
    need_ += 3 + n##_sl;
#define W_PREP_bytes(n)                                                                   \
    if (n##_len > TRACE_MAX_RECORD)                                                       \
        return fail(tw, "trace record longer than %u bytes", TRACE_MAX_RECORD);           \
    need_ += 3 + n##_len;
#define W_PREP_descs(n)                                                                   \
    if (n##_count > TRACE_MAX_RECORD / 24)                                                \
        return fail(tw, "trace record longer than %u bytes", TRACE_MAX_RECORD);           \
    need_ += 3 + 24 * n##_count;
#define W_PREP_DELTA(n) need_ += 10;
/* the encodings; f_ counts the fields */
#define W_ENC_NUM(n) p_ = trace_put_uleb(p_, n);
#define W_ENC_DELTA(n)                                 \
    {                                                  \
        uint64_t z_ = trace_zigzag((uint64_t)n - pv_[f_]); \
        pv_[f_] = n;                                   \
        moved_ |= z_;                                  \
        p_ = trace_put_uleb(p_, z_);                   \
    }
#define W_ENC_name(n) p_ = trace_put_uleb(p_, id_[k_++]);
#define W_ENC_str(n) p_ = trace_put_uleb(p_, n##_sl); if (n##_sl) memcpy(p_, n, n##_sl); p_ += n##_sl;
#define W_ENC_bytes(n) p_ = trace_put_uleb(p_, n##_len); if (n##_len) memcpy(p_, n, n##_len); p_ += n##_len;
#define W_ENC_descs(n)                                  \
    p_ = trace_put_uleb(p_, n##_count);                 \
    for (size_t i_ = 0; i_ < n##_count; i_++) {         \
        p_ = trace_put_uleb(p_, n[i_].index);           \
        p_ = trace_put_uleb(p_, n[i_].addr);            \
        p_ = trace_put_uleb(p_, n[i_].len);             \
        p_ = trace_put_uleb(p_, n[i_].flags);           \
        p_ = trace_put_uleb(p_, n[i_].next);            \
    }

#define W_TYPE_u8 NUM
#define W_TYPE_u16 NUM
#define W_TYPE_u32 NUM
#define W_TYPE_u64 NUM
#define W_TYPE_x8 NUM
#define W_TYPE_x16 NUM
#define W_TYPE_x32 DELTA
#define W_TYPE_x64 DELTA
#define W_TYPE_bdf NUM
#define W_TYPE_name name
#define W_TYPE_str str
#define W_TYPE_bytes bytes
#define W_TYPE_descs descs
#define W_CAT_(a, b) a##b
#define W_CAT(a, b) W_CAT_(a, b)
#define W_PREP_ONE(t, n) W_CAT(W_PREP_, W_TYPE_##t)(n)
#define W_ENC_ONE(t, n) W_CAT(W_ENC_, W_TYPE_##t)(n) f_++;

#define W_GEN_NAMES_A(t, n) W_NAMES_##t(n) W_GEN_NAMES_B
#define W_GEN_NAMES_B(t, n) W_NAMES_##t(n) W_GEN_NAMES_A
#define W_GEN_NAMES_A_END
#define W_GEN_NAMES_B_END
#define W_GEN_PREP_A(t, n) W_PREP_ONE(t, n) W_GEN_PREP_B
#define W_GEN_PREP_B(t, n) W_PREP_ONE(t, n) W_GEN_PREP_A
#define W_GEN_PREP_A_END
#define W_GEN_PREP_B_END
#define W_GEN_ENC_A(t, n) W_ENC_ONE(t, n) W_GEN_ENC_B
#define W_GEN_ENC_B(t, n) W_ENC_ONE(t, n) W_GEN_ENC_A
#define W_GEN_ENC_A_END
#define W_GEN_ENC_B_END
#define W_GEN_NAMES(...) TRACE_GEN_END(W_GEN_NAMES_A __VA_ARGS__)
#define W_GEN_PREP(...) TRACE_GEN_END(W_GEN_PREP_A __VA_ARGS__)
#define W_GEN_ENC(...) TRACE_GEN_END(W_GEN_ENC_A __VA_ARGS__)

#define F(type, fname) (type, fname)
#define EV(id, name, family, ...)                                                                   \
    int trace_ev_##name(TraceWriter *tw, uint64_t vtime, uint64_t pc,                               \
                        const char *sym TRACE_GEN_PARAMS(__VA_ARGS__))                              \
    {                                                                                               \
        if (!tw)                                                                                    \
            return 0;                                                                               \
        if (tw->failed)                                                                             \
            return -1;                                                                              \
        if (vtime < tw->last_vtime)                                                                 \
            return refuse_time(tw, id, vtime);                                                      \
        size_t need_ = TRACE_REC_FIXED;                                                             \
        W_GEN_PREP(__VA_ARGS__)                                                                     \
        if (tw->fd < 0) {                                                                           \
            tw->last_vtime = vtime;                                                                 \
            tw->count++;                                                                            \
            return 0;                                                                               \
        }                                                                                           \
        const char *nm_[] = { sym W_GEN_NAMES(__VA_ARGS__) };                                       \
        _Static_assert(ARRAY_SIZE(nm_) <= W_MAX_NAMES, "W_MAX_NAMES");                              \
        uint32_t id_[ARRAY_SIZE(nm_)];                                                              \
        NameCache *nc_ = tw->ncache[id];                                                            \
        bool hit_ = true;                                                                           \
        for (unsigned i_ = 0; i_ < ARRAY_SIZE(nm_); i_++) {                                         \
            hit_ &= name_cached(tw, &nc_[i_], nm_[i_], &id_[i_]);                                   \
        }                                                                                           \
        if (__builtin_expect(!hit_ || tw->p + need_ > tw->lim, 0) &&                                \
            names_slow(tw, nc_, nm_, id_, ARRAY_SIZE(nm_), need_) < 0)                              \
            return -1;                                                                              \
        uint8_t *rec_ = tw->p, *p_ = rec_;                                                          \
        *p_++ = id;                                                                                 \
        p_ = trace_put_uleb(p_, vtime - tw->last_vtime);                                            \
        p_ = trace_put_uleb(p_, trace_zigzag(pc - tw->last_pc));                                    \
        uint8_t *body_ = p_;                                                                        \
        p_ = trace_put_uleb(p_, id_[0]);                                                            \
        unsigned k_ = 1, f_ = 0;                                                                    \
        uint64_t *pv_ = tw->prev[id], moved_ = 0;                                                   \
        W_GEN_ENC(__VA_ARGS__)                                                                      \
        (void)k_, (void)f_, (void)pv_;                                                              \
        return commit(tw, id, rec_, body_, p_, vtime, pc, moved_);                                  \
    }
#include "trace/events.def"
#undef EV
#undef F

int trace_emit(TraceWriter *tw, const TraceEvent *ev)
{
    if (!tw)
        return 0;
    if (tw->failed)
        return -1;
    switch (ev->type) {
#define F(type, fname) (type, fname)
#define EV(id, name, family, ...)                                                                       \
    case TRACE_EV_##name: {                                                                             \
        const TraceEv_##name *p = &ev->u.name;                                                          \
        return trace_ev_##name(tw, ev->vtime, ev->pc, ev->sym TRACE_GEN_ARGS(__VA_ARGS__));            \
    }
#include "trace/events.def"
#undef EV
#undef F
    default:
        return fail(tw, "unknown trace event type %u", (unsigned)ev->type);
    }
}

/* ---- header, open, close ---- */

static void put_tlv(uint8_t **pp, unsigned tag, const void *data, size_t len)
{
    *pp += leb128_put(*pp, tag);
    *pp += leb128_put(*pp, len);
    memcpy(*pp, data, len);
    *pp += len;
}

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
    int r = write_out(tw, h, len);
    free(h);
    return r;
}

static TraceWriter *writer_new(int fd, const char *path, const TraceHeader *hdr, unsigned compress, Err *err)
{
    TraceWriter *tw = calloc(1, sizeof *tw);
    if (!tw) {
        err_set(err, "out of memory");
        return NULL;
    }
    tw->fd = fd;
    tw->compress = compress;
    for (unsigned t = 0; t < TRACE_EV_LIMIT; t++)
        tw->flat[t] = trace_event_flat((TraceEventType)t);
    tw->path = strdup(path ? path : "(none)");
    tw->cap = tw->spare_cap = TRACE_BLOCK_HEADER + TRACE_BLOCK_TARGET;
    tw->buf = malloc(tw->cap);
    tw->spare = fd >= 0 ? malloc(tw->spare_cap) : NULL;
    if (!tw->path || !tw->buf || (fd >= 0 && !tw->spare)) {
        err_set(err, "out of memory");
        trace_close(tw, NULL);
        return NULL;
    }
    if (compress == TRACE_COMPRESS_ZSTD && !trace_zstd_available()) {
        err_set(err, "cannot write trace %s: this ringside was built without zstd (libzstd-dev)",
                tw->path);
        trace_close(tw, NULL);
        return NULL;
    }
    reset_block(tw);
    static const TraceHeader empty;
    if (fd >= 0 && put_header(tw, hdr ? hdr : &empty) < 0) {
        err_set(err, "%s", tw->error);
        trace_close(tw, NULL);
        return NULL;
    }
    /* Without a thread (none could be made) the blocks are written in place: the same
     * bytes, on the run's time. */
    if (fd >= 0 && pthread_mutex_init(&tw->mu, NULL) == 0) {
        if (pthread_cond_init(&tw->cv, NULL) == 0) {
            if (pthread_create(&tw->thread, NULL, writer_thread, tw) == 0)
                tw->threaded = true;
            else
                pthread_cond_destroy(&tw->cv);
        }
        if (!tw->threaded)
            pthread_mutex_destroy(&tw->mu);
    }
    return tw;
}

TraceWriter *trace_open_compressed(const char *path, const TraceHeader *hdr, unsigned compress, Err *err)
{
    int fd = -1;
    if (path) {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            err_set(err, "cannot create trace %s: %s", path, strerror(errno));
            return NULL;
        }
    }
    return writer_new(fd, path, hdr, compress, err);
}

TraceWriter *trace_open(const char *path, const TraceHeader *hdr, Err *err)
{
    return trace_open_compressed(path, hdr, TRACE_COMPRESS_NONE, err);
}

TraceWriter *trace_open_fd(int fd, const TraceHeader *hdr, Err *err)
{
    char name[32];
    snprintf(name, sizeof name, "(fd %d)", fd);
    return writer_new(fd, name, hdr, TRACE_COMPRESS_NONE, err);
}

void trace_observe(void *tw, const TraceEvent *ev)
{
    /* Errors are sticky: the machine looks at trace_error between instructions. */
    (void)trace_emit(tw, ev);
}

int trace_flush(TraceWriter *tw, Err *err)
{
    if (tw && tw->fd >= 0) {
        seal(tw);
        wait_idle(tw);           /* out in the file when this returns */
    }
    if (tw && tw->failed)
        return err_set(err, "%s", tw->error);
    return 0;
}

const char *trace_error(const TraceWriter *tw) { return tw && tw->failed ? tw->error : NULL; }

uint64_t trace_count(const TraceWriter *tw) { return tw ? tw->count : 0; }

uint64_t trace_bytes(const TraceWriter *tw)
{
    if (!tw)
        return 0;
    uint64_t inflight = 0, flushed;
    pthread_mutex_t *mu = (pthread_mutex_t *)&tw->mu;   /* locking is not a change */
    if (tw->threaded)
        pthread_mutex_lock(mu);
    flushed = tw->flushed;
    if (tw->job)
        inflight = tw->sealed.raw;   /* as it will be stored, but for compression */
    if (tw->threaded)
        pthread_mutex_unlock(mu);
    return flushed + inflight + (uint64_t)(tw->p - tw->buf) - TRACE_BLOCK_HEADER;
}

int trace_close(TraceWriter *tw, Err *err)
{
    if (!tw)
        return 0;
    if (tw->fd >= 0 && tw->buf && tw->p) {
        /* After a refused event (time going back, a field too long) the blocks before it
         * are whole and still go out, without the end block, so the file reads as a
         * truncated trace up to the refusal. */
        bool ok = !tw->failed;
        if (seal(tw) == 0 && wait_idle(tw) == 0 && ok) {
            uint8_t end[TRACE_BLOCK_HEADER + 4];
            st32_le(end + TRACE_BLOCK_HEADER, tw->chain);
            block_header(end, 4, 4, tw->count, tw->last_vtime, 0, TRACE_BLK_END, end + TRACE_BLOCK_HEADER);
            write_out(tw, end, sizeof end);
        }
    }
    if (tw->threaded) {
        pthread_mutex_lock(&tw->mu);
        tw->stop = true;
        pthread_cond_broadcast(&tw->cv);
        pthread_mutex_unlock(&tw->mu);
        pthread_join(tw->thread, NULL);
        pthread_cond_destroy(&tw->cv);
        pthread_mutex_destroy(&tw->mu);
        tw->threaded = false;
    }
    if (tw->fd >= 0 && close(tw->fd) < 0)
        fail(tw, "cannot write trace %s: %s", tw->path, strerror(errno));
    int r = tw->failed ? err_set(err, "%s", tw->error) : 0;
    for (size_t i = 0; i < tw->names_cap; i++)
        free(tw->names[i].s);
    free(tw->names);
    free(tw->ptrs);
    free(tw->info);
    free(tw->buf);
    free(tw->spare);
    free(tw->zbuf);
    free(tw->path);
    free(tw);
    return r;
}
