/* Events as data: names and families from events.def, the canonical one-line text
 * (docs/trace-format.md, "Canonical text"; trace/ringside_trace.py prints the same),
 * and value equality for replay. */
#include "trace/trace.h"

#include <inttypes.h>

const char *trace_event_name(TraceEventType type)
{
    switch (type) {
#define EV(id, name, family, ...) case TRACE_EV_##name: return #name;
#include "trace/events.def"
#undef EV
    default: return NULL;
    }
}

const char *trace_event_family(TraceEventType type)
{
    switch (type) {
#define EV(id, name, family, ...) case TRACE_EV_##name: return #family;
#include "trace/events.def"
#undef EV
    default: return NULL;
    }
}

void trace_types_all(TraceTypeSet *s)
{
    memset(s, 0, sizeof *s);
#define EV(id, name, family, ...) trace_types_add(s, TRACE_EV_##name);
#include "trace/events.def"
#undef EV
}

unsigned trace_types_add_family(TraceTypeSet *s, const char *family)
{
    unsigned n = 0;
#define EV(id, name, fam, ...) if (strcmp(#fam, family) == 0) { trace_types_add(s, TRACE_EV_##name); n++; }
#include "trace/events.def"
#undef EV
    return n;
}

const TraceFieldInfo *trace_event_fields(TraceEventType type, unsigned *n)
{
    /* Each case's fields are offsets into its own struct, which sits at TraceEvent.u. */
#define F(type, fname) { #fname, TRACE_FT_##type, (uint16_t)(offsetof(TraceEvent, u) + offsetof(EvT, fname)) },
#define EV(id, name, family, ...) \
    case TRACE_EV_##name: { typedef TraceEv_##name EvT; static const TraceFieldInfo f[] = { __VA_ARGS__ }; \
                            *n = ARRAY_SIZE(f); return f; }
    switch (type) {
#include "trace/events.def"
    default: break;
    }
#undef EV
#undef F
    *n = 0;
    return NULL;
}

bool trace_event_flat(TraceEventType type)
{
    unsigned n;
    const TraceFieldInfo *f = trace_event_fields(type, &n);
    for (unsigned i = 0; i < n; i++)
        if (!trace_field_is_number(f[i].type) && f[i].type != TRACE_FT_name)
            return false;
    return f != NULL;
}

const TraceFieldInfo *trace_event_field(TraceEventType type, const char *name)
{
    unsigned n;
    const TraceFieldInfo *f = trace_event_fields(type, &n);
    for (unsigned i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0)
            return &f[i];
    return NULL;
}

uint64_t trace_field_num(const TraceEvent *ev, const TraceFieldInfo *f)
{
    const uint8_t *p = (const uint8_t *)ev + f->offset;
    switch (f->type) {
    case TRACE_FT_u8: case TRACE_FT_x8: return *(const uint8_t *)p;
    case TRACE_FT_u16: case TRACE_FT_x16: case TRACE_FT_bdf: return *(const uint16_t *)p;
    case TRACE_FT_u32: case TRACE_FT_x32: return *(const uint32_t *)p;
    case TRACE_FT_u64: case TRACE_FT_x64: return *(const uint64_t *)p;
    default: return 0;
    }
}

const char *trace_field_text(const TraceEvent *ev, const TraceFieldInfo *f)
{
    if (!trace_field_is_text(f->type))
        return NULL;
    return *(const char *const *)((const uint8_t *)ev + f->offset);
}

/* snprintf-like output: counts everything, stores what fits. */
typedef struct Out {
    char *buf;
    size_t n, len;
} Out;

static void put(Out *o, const char *s, size_t k)
{
    for (size_t i = 0; i < k; i++, o->len++)
        if (o->len + 1 < o->n)
            o->buf[o->len] = s[i];
}

static void putf(Out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(Out *o, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    put(o, tmp, k < 0 ? 0 : (size_t)k);
}

/* Names print bare, so anything that could split or confuse a line is escaped. */
static void put_escaped(Out *o, const char *s, bool quoted)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool plain = quoted ? (*p >= 0x20 && *p <= 0x7e) : (*p > 0x20 && *p <= 0x7e);
        if (plain && *p != '\\' && *p != '"')
            put(o, (const char *)p, 1);
        else
            putf(o, "\\x%02x", *p);
    }
}

static void fmt_num(Out *o, uint64_t v) { putf(o, "%" PRIu64, v); }
static void fmt_hex(Out *o, uint64_t v) { putf(o, "0x%" PRIx64, v); }
#define fmt_u8 fmt_num
#define fmt_u16 fmt_num
#define fmt_u32 fmt_num
#define fmt_u64 fmt_num
#define fmt_x8 fmt_hex
#define fmt_x16 fmt_hex
#define fmt_x32 fmt_hex
#define fmt_x64 fmt_hex
static void fmt_bdf(Out *o, uint16_t v) { putf(o, "%02x:%02x.%x", v >> 8, (v >> 3) & 31, v & 7); }
static void fmt_name(Out *o, const char *s)
{
    if (s)
        put_escaped(o, s, false);
    else
        put(o, "-", 1);
}
static void fmt_str(Out *o, const char *s)
{
    put(o, "\"", 1);
    put_escaped(o, s ? s : "", true);
    put(o, "\"", 1);
}
static void fmt_bytes(Out *o, TraceBytes b)
{
    static const char hex[] = "0123456789abcdef";
    putf(o, "%zu:", b.len);
    for (size_t i = 0; i < b.len; i++) {
        char c[2] = { hex[b.data[i] >> 4], hex[b.data[i] & 15] };
        put(o, c, 2);
    }
}
static void fmt_descs(Out *o, TraceDescList l)
{
    put(o, "[", 1);
    for (size_t i = 0; i < l.n; i++) {
        const TraceDesc *d = &l.d[i];
        putf(o, "%s%u:0x%" PRIx64 ":%u:0x%x:%u", i ? "," : "", d->index, d->addr, d->len, d->flags, d->next);
    }
    put(o, "]", 1);
}

#define F(type, fname) put(o, " " #fname "=", sizeof #fname + 1); fmt_##type(o, p->fname);
#define EV(id, name, family, ...) \
    static void format_##name(Out *o, const TraceEv_##name *p) { __VA_ARGS__ }
#include "trace/events.def"
#undef EV
#undef F

int trace_event_format(const TraceEvent *ev, char *buf, size_t n)
{
    Out o = { buf, n, 0 };
    const char *name = trace_event_name(ev->type);
    putf(&o, "%" PRIu64 " 0x%" PRIx64 " ", ev->vtime, ev->pc);
    fmt_name(&o, ev->sym);
    put(&o, " ", 1);
    if (name)
        put(&o, name, strlen(name));
    else
        putf(&o, "unknown-%u", (unsigned)ev->type);
    switch (ev->type) {
#define EV(id, name, family, ...) case TRACE_EV_##name: format_##name(&o, &ev->u.name); break;
#include "trace/events.def"
#undef EV
    default: break;
    }
    if (n)
        buf[o.len < n ? o.len : n - 1] = 0;
    return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}

static bool eq_num(uint64_t a, uint64_t b) { return a == b; }
#define eq_u8 eq_num
#define eq_u16 eq_num
#define eq_u32 eq_num
#define eq_u64 eq_num
#define eq_x8 eq_num
#define eq_x16 eq_num
#define eq_x32 eq_num
#define eq_x64 eq_num
#define eq_bdf eq_num
static bool eq_name(const char *a, const char *b) { return a && b ? strcmp(a, b) == 0 : a == b; }
static bool eq_str(const char *a, const char *b) { return eq_name(a ? a : "", b ? b : ""); }
static bool eq_bytes(TraceBytes a, TraceBytes b) { return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0); }
static bool eq_descs(TraceDescList a, TraceDescList b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++) {
        const TraceDesc *x = &a.d[i], *y = &b.d[i];
        if (x->index != y->index || x->addr != y->addr || x->len != y->len || x->flags != y->flags || x->next != y->next)
            return false;
    }
    return true;
}

#define F(type, fname) if (!eq_##type(a->fname, b->fname)) return false;
#define EV(id, name, family, ...) \
    static bool equal_##name(const TraceEv_##name *a, const TraceEv_##name *b) { __VA_ARGS__ return true; }
#include "trace/events.def"
#undef EV
#undef F

bool trace_event_equal(const TraceEvent *a, const TraceEvent *b)
{
    if (a->type != b->type || a->vtime != b->vtime || a->pc != b->pc || !eq_name(a->sym, b->sym))
        return false;
    switch (a->type) {
#define EV(id, name, family, ...) case TRACE_EV_##name: return equal_##name(&a->u.name, &b->u.name);
#include "trace/events.def"
#undef EV
    default: return false;
    }
}
