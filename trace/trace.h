/* The trace: one writer and one reader of the binary format in docs/trace-format.md,
 * with every event type, its C struct and its typed emitter generated from
 * trace/events.def. trace calls no one; everyone calls trace (DESIGN.md §8). */
#ifndef RINGSIDE_TRACE_H
#define RINGSIDE_TRACE_H

#include "sim/common.h"

#define TRACE_MAGIC "RINGTRC"        /* 8 bytes on disk, with its NUL */
#define TRACE_VERSION 3
#define TRACE_MAX_RECORD (1u << 20)  /* largest record body, bytes */
#define TRACE_MAX_STRING 65535u      /* longest name or str field */

/* One virtqueue descriptor as the device fetched it. */
typedef struct TraceDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t index, flags, next;
} TraceDesc;

typedef struct TraceBytes {
    const uint8_t *data;
    size_t len;
} TraceBytes;

typedef struct TraceDescList {
    const TraceDesc *d;
    size_t n;
} TraceDescList;

/* C storage of each field type of events.def; name and str are NUL-terminated
 * (name may be NULL, str may not). A name must not change while the writer is open
 * (the writer recognises names by address); text that varies goes in a str field. */
#define TRACE_CTYPE_u8    uint8_t
#define TRACE_CTYPE_u16   uint16_t
#define TRACE_CTYPE_u32   uint32_t
#define TRACE_CTYPE_u64   uint64_t
#define TRACE_CTYPE_x8    uint8_t
#define TRACE_CTYPE_x16   uint16_t
#define TRACE_CTYPE_x32   uint32_t
#define TRACE_CTYPE_x64   uint64_t
#define TRACE_CTYPE_bdf   uint16_t
#define TRACE_CTYPE_name  const char *
#define TRACE_CTYPE_str   const char *
#define TRACE_CTYPE_bytes TraceBytes
#define TRACE_CTYPE_descs TraceDescList

typedef enum TraceEventType {
    TRACE_EV_NONE = 0,
#define EV(id, name, family, ...) TRACE_EV_##name = id,
#include "trace/events.def"
#undef EV
} TraceEventType;

/* Every event id is below TRACE_EV_LIMIT, so a set of event types is 256 bits. */
#define TRACE_EV_LIMIT 256
#define EV(id, name, family, ...) _Static_assert((id) < TRACE_EV_LIMIT, "trace event id of " #name);
#include "trace/events.def"
#undef EV

/* No event has more fields (the writer keeps per-field state). */
#define TRACE_MAX_FIELDS 12
#define F(type, fname) + 1
#define EV(id, name, family, ...) _Static_assert(0 __VA_ARGS__ <= TRACE_MAX_FIELDS, "too many fields in " #name);
#include "trace/events.def"
#undef EV
#undef F

typedef struct TraceTypeSet {
    uint64_t bits[TRACE_EV_LIMIT / 64];
} TraceTypeSet;

static inline void trace_types_add(TraceTypeSet *s, unsigned type)
{
    if (type < TRACE_EV_LIMIT)
        s->bits[type / 64] |= 1ull << (type % 64);
}
static inline bool trace_types_has(const TraceTypeSet *s, unsigned type)
{
    return type < TRACE_EV_LIMIT && (s->bits[type / 64] >> (type % 64)) & 1;
}
/* Every event type events.def defines. */
void trace_types_all(TraceTypeSet *s);
/* Adds every event of a family ("bus", "ring_drv", ...): the number added (0: no
 * event has that family). */
unsigned trace_types_add_family(TraceTypeSet *s, const char *family);

#define F(type, fname) TRACE_CTYPE_##type fname;
#define EV(id, name, family, ...) typedef struct TraceEv_##name { __VA_ARGS__ } TraceEv_##name;
#include "trace/events.def"
#undef EV
#undef F

/* One event, as emitted or as read back. Pointers (sym, names, str, bytes, descs) belong
 * to whoever filled the event: the caller when emitting, the reader until its next
 * trace_read_next when reading. */
typedef struct TraceEvent {
    TraceEventType type;
    uint64_t vtime;          /* virtual time, instructions retired (DESIGN.md §3) */
    uint64_t pc;             /* guest pc when the event happened */
    const char *sym;         /* function containing pc, or NULL */
    union {
#define EV(id, name, family, ...) TraceEv_##name name;
#include "trace/events.def"
#undef EV
    } u;
} TraceEvent;

/* The header: what is needed to re-run the recording. */
typedef struct TraceHeader {
    const char *config;          /* "key=value\n" lines, machine configuration */
    int argc;
    const char *const *argv;     /* the full command line */
    uint8_t fw_sha256[32];       /* SHA-256 of the firmware file */
    /* As read: the bytes of config and of each argv[i], whole (a NUL among them is kept,
     * as the Python reader keeps it, and each is NUL-terminated after its bytes), so a
     * reader can tell a forged string from a real one. The writer ignores them. */
    size_t config_len;
    const size_t *argv_len;
} TraceHeader;

/* ---- writing ---- */

typedef struct TraceWriter TraceWriter;

/* Creates (truncates) path and writes the header. path NULL: no file; events are still
 * checked (time order, field sizes) and counted. */
TraceWriter *trace_open(const char *path, const TraceHeader *hdr, Err *err);
/* Block compression of trace_open_compressed (--trace-compress). */
#define TRACE_COMPRESS_NONE 0u
#define TRACE_COMPRESS_ZSTD 1u
/* As trace_open, each block compressed as compress says; refused (NULL, err) when this
 * build has no libzstd. Readers decompress transparently. */
TraceWriter *trace_open_compressed(const char *path, const TraceHeader *hdr, unsigned compress, Err *err);
/* As trace_open on an open descriptor (a pipe, stdout); trace_close closes it. */
TraceWriter *trace_open_fd(int fd, const TraceHeader *hdr, Err *err);

/* Writes one event. tw NULL: nothing, returns 0. Returns -1 once any error happened
 * (a failed write, virtual time going backwards, a field too long): errors are sticky
 * and trace_error says what. The file then ends, without an end record, after the last
 * complete record before the error (a failed write cuts it back to that record), so
 * readers see every event before the error, then "no end block". */
int trace_emit(TraceWriter *tw, const TraceEvent *ev);

/* The writer as an observer of the simulator's event stream (sim/tracer.h):
 * trace_emit(tw, ev) with the result left in trace_error. */
void trace_observe(void *tw, const TraceEvent *ev);

/* Typed emitters, one per event: trace_ev_NAME(tw, vtime, pc, sym, fields...) where a
 * bytes field takes (const uint8_t *p, size_t len) and a descs field
 * (const TraceDesc *d, size_t n). */
#define TRACE_PARAM_u8(n)    , uint8_t n
#define TRACE_PARAM_u16(n)   , uint16_t n
#define TRACE_PARAM_u32(n)   , uint32_t n
#define TRACE_PARAM_u64(n)   , uint64_t n
#define TRACE_PARAM_x8(n)    , uint8_t n
#define TRACE_PARAM_x16(n)   , uint16_t n
#define TRACE_PARAM_x32(n)   , uint32_t n
#define TRACE_PARAM_x64(n)   , uint64_t n
#define TRACE_PARAM_bdf(n)   , uint16_t n
#define TRACE_PARAM_name(n)  , const char *n
#define TRACE_PARAM_str(n)   , const char *n
#define TRACE_PARAM_bytes(n) , const uint8_t *n, size_t n##_len
#define TRACE_PARAM_descs(n) , const TraceDesc *n, size_t n##_count
#define F(type, fname) TRACE_PARAM_##type(fname)
#define EV(id, name, family, ...) \
    int trace_ev_##name(TraceWriter *tw, uint64_t vtime, uint64_t pc, const char *sym __VA_ARGS__);
#include "trace/events.def"
#undef EV
#undef F

/* Seals the block being filled and writes it out (a reader sees every event so far,
 * then "no end block"). Calling it often makes small blocks. */
int trace_flush(TraceWriter *tw, Err *err);
/* The sticky error, or NULL. */
const char *trace_error(const TraceWriter *tw);
/* Events emitted so far (each folded repeat counts). */
uint64_t trace_count(const TraceWriter *tw);
/* Bytes of the trace so far: in the file, and in the block being filled. */
uint64_t trace_bytes(const TraceWriter *tw);
/* Writes the last block and the end block, and frees; -1 if anything failed since
 * trace_open. */
int trace_close(TraceWriter *tw, Err *err);

/* ---- reading ---- */

typedef struct TraceReader TraceReader;

TraceReader *trace_reader_open(const char *path, Err *err);
/* 1: an event in *ev; 0: clean end (end record seen, counts agree, nothing after it);
 * -1: corrupt or truncated, err says at which byte offset. Errors are sticky. */
int trace_read_next(TraceReader *r, TraceEvent *ev, Err *err);
/* From now on trace_read_next hands out only the events of these types (NULL: all
 * again): the others are stepped over, checked less closely (each value's varint and
 * bounds, not its range or its names), and counted. A pass that wants a few types
 * (replay's recorded inputs) then skips the cost of decoding every event. */
void trace_reader_only(TraceReader *r, const TraceTypeSet *types);
/* Before the first read: goes to the block holding the first event at virtual time t
 * or later, reading only the 36-byte block headers before it (a large trace starts at
 * once), so that the next read is that block's first event (its events before t still
 * come). The blocks skipped are not checked, but the end block's checksum still is.
 * Returns how many events come before the next one read, or -1 (err). */
int64_t trace_reader_seek_time(TraceReader *r, uint64_t t, Err *err);
const TraceHeader *trace_reader_header(const TraceReader *r);
unsigned trace_reader_version(const TraceReader *r);
/* Byte offset of the record read last (of the next one before the first read). */
uint64_t trace_reader_offset(const TraceReader *r);
void trace_reader_close(TraceReader *r);

/* ---- events as data ---- */

const char *trace_event_name(TraceEventType type);    /* NULL if unknown */
const char *trace_event_family(TraceEventType type);  /* NULL if unknown */
/* The fields of each event, for code that handles events generically (the debugger's
 * conditions): name, type and place in TraceEvent, in events.def order. */
typedef enum TraceFieldType {
    TRACE_FT_u8, TRACE_FT_u16, TRACE_FT_u32, TRACE_FT_u64,
    TRACE_FT_x8, TRACE_FT_x16, TRACE_FT_x32, TRACE_FT_x64, TRACE_FT_bdf,
    TRACE_FT_name, TRACE_FT_str, TRACE_FT_bytes, TRACE_FT_descs,
} TraceFieldType;

typedef struct TraceFieldInfo {
    const char *name;
    TraceFieldType type;
    uint16_t offset;             /* from the start of TraceEvent */
} TraceFieldInfo;

/* The fields of type (n of them; NULL and 0 for an unknown type). */
const TraceFieldInfo *trace_event_fields(TraceEventType type, unsigned *n);
/* The field called name of type, or NULL. */
const TraceFieldInfo *trace_event_field(TraceEventType type, const char *name);
static inline bool trace_field_is_number(TraceFieldType t) { return t <= TRACE_FT_bdf; }
static inline bool trace_field_is_text(TraceFieldType t) { return t == TRACE_FT_name || t == TRACE_FT_str; }
/* Every field of type is a number or a name (an again record may stand for it). */
bool trace_event_flat(TraceEventType type);
/* A number field's value (0 for another kind). */
uint64_t trace_field_num(const TraceEvent *ev, const TraceFieldInfo *f);
/* A name or str field's text (NULL for a NULL name or another kind). */
const char *trace_field_text(const TraceEvent *ev, const TraceFieldInfo *f);

/* The canonical one-line text (no newline) that `ringside-trace show` prints too;
 * snprintf-like: returns the full length, writes at most n bytes with the NUL. */
int trace_event_format(const TraceEvent *ev, char *buf, size_t n);
/* Same type, time, pc, symbol and field values (strings and bytes by content). */
bool trace_event_equal(const TraceEvent *a, const TraceEvent *b);

#endif
