/* Capture-file reader: classic libpcap (pcap-savefile(5): 24-byte file header, 16-byte
 * record headers) and pcapng (draft-ietf-opsawg-pcapng §3 block structure, §4.2 IDB
 * if_tsresol/if_tsoffset, §4.3 EPB, §4.4 SPB, appendix PB). Every length is checked
 * against what is left of the buffer before it is used. */
#include "pcap_read.h"

#include <errno.h>
#include <stdlib.h>

enum { LINKTYPE_ETHERNET = 1 };
enum { BT_SHB = 0x0a0d0d0a, BT_IDB = 1, BT_PB = 2, BT_SPB = 3, BT_EPB = 6 };
enum { OPT_END = 0, EPB_FLAGS = 2, IF_TSRESOL = 9, IF_TSOFFSET = 14 };
#define NG_BYTE_ORDER 0x1a2b3c4du
#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
/* No link layer we accept has frames this big; a larger record is corruption. */
#define FRAME_MAX (256u * 1024)

typedef struct Iface {
    uint16_t linktype;
    uint32_t snaplen;
    uint8_t tsresol;           /* as the if_tsresol option: bit 7 set = power of 2 */
    int64_t tsoffset;          /* seconds */
} Iface;

struct PcapReader {
    char *name;
    uint8_t *buf;
    size_t size, pos;
    bool ng, be, failed;
    bool ns;                   /* classic: nanosecond magic */
    Iface *ifs;
    size_t n_ifs;
    uint64_t last_ts;
};

static uint16_t rd16(const PcapReader *r, size_t at)
{
    const uint8_t *b = r->buf + at;
    return r->be ? ld16_be(b) : ld16_le(b);
}

static uint32_t rd32(const PcapReader *r, size_t at)
{
    const uint8_t *b = r->buf + at;
    return r->be ? ld32_be(b) : ld32_le(b);
}

static int fail(PcapReader *r, Err *err, size_t at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(PcapReader *r, Err *err, size_t at, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    r->failed = true;
    return err_set(err, "%s: %s at byte offset %zu", r->name, what, at);
}

/* Saturating arithmetic: a hostile timestamp must not wrap into a small one. */
static uint64_t sat(unsigned __int128 v) { return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v; }

static uint64_t ticks_to_ns(const Iface *i, uint64_t ticks)
{
    unsigned exp = i->tsresol & 0x7f;
    uint64_t ns;
    if (i->tsresol & 0x80) {
        ns = sat(((unsigned __int128)ticks * 1000000000u) >> exp);
    } else if (exp <= 9) {
        unsigned __int128 v = ticks;
        for (unsigned e = exp; e < 9; e++)
            v *= 10;
        ns = sat(v);
    } else {
        ns = ticks;
        for (unsigned e = 9; e < exp && ns; e++)
            ns /= 10;
    }
    if (i->tsoffset >= 0)
        return sat((unsigned __int128)ns + (unsigned __int128)i->tsoffset * 1000000000u);
    uint64_t back = sat((unsigned __int128)(uint64_t)-(i->tsoffset + 1) * 1000000000u + 1000000000u);
    return ns > back ? ns - back : 0;
}

/* ---- classic pcap ---- */

static int classic_open(PcapReader *r, Err *err)
{
    uint32_t magic = ld32_le(r->buf);
    r->be = magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS;
    r->ns = rd32(r, 0) == PCAP_MAGIC_NS;
    if (r->size < 24)
        return fail(r, err, 0, "truncated pcap file header (%zu of 24 bytes)", r->size);
    uint16_t link = (uint16_t)rd32(r, 20);  /* upper bits carry FCS information */
    if (link != LINKTYPE_ETHERNET)
        return fail(r, err, 20, "link type %u is not Ethernet (1)", link);
    r->pos = 24;
    return 0;
}

static int classic_next(PcapReader *r, PcapFrame *f, Err *err)
{
    size_t at = r->pos, left = r->size - at;
    if (left == 0)
        return 0;
    if (left < 16)
        return fail(r, err, at, "truncated record header (%zu of 16 bytes)", left);
    uint32_t sec = rd32(r, at), frac = rd32(r, at + 4);
    uint32_t incl = rd32(r, at + 8), orig = rd32(r, at + 12);
    if (incl > FRAME_MAX)
        return fail(r, err, at, "record of %u bytes is larger than any frame", incl);
    if (incl > left - 16)
        return fail(r, err, at, "truncated record (%u bytes of data, %zu left)", incl, left - 16);
    if (frac >= (r->ns ? 1000000000u : 1000000u))
        return fail(r, err, at + 4, "record time fraction %u is not below one second (%s)", frac,
                    r->ns ? "10^9 ns" : "10^6 us");
    f->ts_ns = (uint64_t)sec * 1000000000u + (uint64_t)frac * (r->ns ? 1 : 1000);
    f->dir = PCAP_DIR_UNKNOWN;
    f->data = r->buf + at + 16;
    f->len = incl;
    f->orig_len = orig < incl ? incl : orig;
    f->offset = at;
    r->pos = at + 16 + incl;
    r->last_ts = f->ts_ns;
    return 1;
}

/* ---- pcapng ---- */

static size_t pad4(size_t n) { return (n + 3) & ~(size_t)3; }

/* Walk the options in [at, end); calls want() for each. */
typedef void OptFn(PcapReader *r, void *ctx, uint16_t code, size_t val, uint16_t len);

static int walk_options(PcapReader *r, size_t at, size_t end, OptFn *fn, void *ctx, Err *err)
{
    while (end - at >= 4) {
        uint16_t code = rd16(r, at), len = rd16(r, at + 2);
        if (code == OPT_END)
            return 0;
        if (pad4(len) > end - at - 4)
            return fail(r, err, at, "option %u of %u bytes runs past its block", code, len);
        fn(r, ctx, code, at + 4, len);
        at += 4 + pad4(len);
    }
    return 0;
}

static void idb_opt(PcapReader *r, void *ctx, uint16_t code, size_t val, uint16_t len)
{
    Iface *i = ctx;
    if (code == IF_TSRESOL && len >= 1)
        i->tsresol = r->buf[val];
    else if (code == IF_TSOFFSET && len >= 8)
        i->tsoffset = (int64_t)((uint64_t)rd32(r, val + (r->be ? 0 : 4)) << 32 | rd32(r, val + (r->be ? 4 : 0)));
}

static void epb_opt(PcapReader *r, void *ctx, uint16_t code, size_t val, uint16_t len)
{
    static const PcapDir dirs[4] = { PCAP_DIR_UNKNOWN, PCAP_DIR_INBOUND, PCAP_DIR_OUTBOUND, PCAP_DIR_UNKNOWN };
    PcapFrame *f = ctx;
    if (code == EPB_FLAGS && len >= 4)
        f->dir = dirs[rd32(r, val) & 3];
}

static int ng_shb(PcapReader *r, size_t at, size_t body, Err *err)
{
    if (body < 16)
        return fail(r, err, at, "section header block too short");
    if (rd16(r, at + 12) != 1)
        return fail(r, err, at + 12, "unsupported pcapng major version %u", rd16(r, at + 12));
    free(r->ifs);              /* interface numbers start again in each section */
    r->ifs = NULL;
    r->n_ifs = 0;
    return 0;
}

static int ng_idb(PcapReader *r, size_t at, size_t body, Err *err)
{
    if (body < 8)
        return fail(r, err, at, "interface description block too short");
    Iface i = { .linktype = rd16(r, at + 8), .snaplen = rd32(r, at + 12), .tsresol = 6 };
    if (walk_options(r, at + 16, at + 8 + body, idb_opt, &i, err))
        return -1;
    Iface *n = realloc(r->ifs, (r->n_ifs + 1) * sizeof *n);
    if (!n)
        return fail(r, err, at, "out of memory");
    r->ifs = n;
    r->ifs[r->n_ifs++] = i;
    return 0;
}

static const Iface *ng_iface(PcapReader *r, uint32_t id, size_t at, Err *err)
{
    if (id >= r->n_ifs) {
        fail(r, err, at, "packet on interface %u, but only %zu described", id, r->n_ifs);
        return NULL;
    }
    if (r->ifs[id].linktype != LINKTYPE_ETHERNET) {
        fail(r, err, at, "interface %u has link type %u, not Ethernet (1)", id, r->ifs[id].linktype);
        return NULL;
    }
    return &r->ifs[id];
}

/* EPB and the obsolete PB share a layout after their interface field. */
static int ng_packet(PcapReader *r, uint32_t type, size_t at, size_t body, PcapFrame *f, Err *err)
{
    size_t fixed = type == BT_SPB ? 4 : 20;
    if (body < fixed)
        return fail(r, err, at, "packet block too short");
    const Iface *i;
    uint32_t cap, orig;
    uint64_t ts = r->last_ts;
    f->dir = PCAP_DIR_UNKNOWN;
    if (type == BT_SPB) {
        if (!(i = ng_iface(r, 0, at, err)))
            return -1;
        orig = rd32(r, at + 8);
        cap = orig;
        if (cap > body - 4)
            cap = (uint32_t)(body - 4);
        if (i->snaplen && cap > i->snaplen)
            cap = i->snaplen;
    } else {
        uint32_t id = type == BT_PB ? rd16(r, at + 8) : rd32(r, at + 8);
        if (!(i = ng_iface(r, id, at, err)))
            return -1;
        ts = ticks_to_ns(i, (uint64_t)rd32(r, at + 12) << 32 | rd32(r, at + 16));
        cap = rd32(r, at + 20);
        orig = rd32(r, at + 24);
        if (cap > body - 20 || pad4(cap) > body - 20)
            return fail(r, err, at, "packet data of %u bytes runs past its block", cap);
        if (type == BT_EPB && walk_options(r, at + 28 + pad4(cap), at + 8 + body, epb_opt, f, err))
            return -1;
    }
    if (cap > FRAME_MAX)
        return fail(r, err, at, "packet of %u bytes is larger than any frame", cap);
    f->ts_ns = ts;
    f->data = r->buf + at + 8 + fixed;
    f->len = cap;
    f->orig_len = orig < cap ? cap : orig;
    f->offset = at;
    r->last_ts = ts;
    return 1;
}

static int ng_next(PcapReader *r, PcapFrame *f, Err *err)
{
    for (;;) {
        size_t at = r->pos, left = r->size - at;
        if (left == 0)
            return 0;
        if (left < 12)
            return fail(r, err, at, "truncated block header (%zu of 12 bytes)", left);
        /* A section header sets the byte order for itself and what follows. */
        if (ld32_le(r->buf + at) == BT_SHB) {
            uint32_t bom = ld32_le(r->buf + at + 8);
            if (bom != NG_BYTE_ORDER && bom != 0x4d3c2b1au)
                return fail(r, err, at + 8, "bad byte-order magic 0x%08x", bom);
            r->be = bom != NG_BYTE_ORDER;
        }
        uint32_t type = rd32(r, at), len = rd32(r, at + 4);
        if (len < 12 || len % 4)
            return fail(r, err, at, "block length %u is invalid", len);
        if (len > left)
            return fail(r, err, at, "truncated block (type 0x%x, %u bytes, %zu left)", type, len, left);
        if (rd32(r, at + len - 4) != len)
            return fail(r, err, at + len - 4, "trailing block length %u differs from %u",
                        rd32(r, at + len - 4), len);
        size_t body = len - 12;
        r->pos = at + len;
        int rc = 0;
        switch (type) {
        case BT_SHB: rc = ng_shb(r, at, body, err); break;
        case BT_IDB: rc = ng_idb(r, at, body, err); break;
        case BT_EPB: case BT_PB: case BT_SPB: rc = ng_packet(r, type, at, body, f, err); break;
        default: break;        /* name resolution, statistics, custom: not needed */
        }
        if (rc != 0)
            return rc;
    }
}

/* ---- open/close ---- */

/* Takes ownership of buf, whatever happens. */
static PcapReader *reader_adopt(uint8_t *buf, size_t len, const char *name, Err *err)
{
    PcapReader *r = calloc(1, sizeof *r);
    if (!r || !(r->name = strdup(name))) {
        free(r);
        free(buf);
        err_set(err, "%s: out of memory", name);
        return NULL;
    }
    r->buf = buf;
    r->size = len;
    uint32_t magic = len >= 4 ? ld32_le(buf) : 0;
    int rc;
    if (len < 4) {
        rc = fail(r, err, 0, "too short for a capture file (%zu bytes)", len);
    } else if (magic == BT_SHB) {
        r->ng = true;
        rc = 0;        /* the first block is parsed by the first next() */
        if (len < 12 || (ld32_le(buf + 8) != NG_BYTE_ORDER && ld32_le(buf + 8) != 0x4d3c2b1au))
            rc = fail(r, err, len < 12 ? 0 : 8, "not a pcapng section header");
    } else if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS ||
               magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u) {
        rc = classic_open(r, err);
    } else {
        rc = fail(r, err, 0, "not a pcap or pcapng file (magic 0x%08x)", magic);
    }
    if (rc != 0) {
        pcap_reader_close(r);
        return NULL;
    }
    return r;
}

PcapReader *pcap_reader_open_mem(const uint8_t *buf, size_t len, const char *name, Err *err)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) {
        err_set(err, "%s: out of memory", name);
        return NULL;
    }
    memcpy(copy, buf, len);
    return reader_adopt(copy, len, name, err);
}

PcapReader *pcap_reader_open(const char *path, Err *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        err_set(err, "cannot open capture %s: %s", path, strerror(errno));
        return NULL;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            uint8_t *n = realloc(buf, ncap);
            if (!n) {
                free(buf);
                fclose(fp);
                err_set(err, "capture %s: out of memory", path);
                return NULL;
            }
            buf = n;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        err_set(err, "reading capture %s: %s", path, strerror(EIO));
        return NULL;
    }
    return reader_adopt(buf, len, path, err);
}

int pcap_reader_next(PcapReader *r, PcapFrame *f, Err *err)
{
    if (r->failed)
        return err_set(err, "%s: capture already found corrupt", r->name);
    return r->ng ? ng_next(r, f, err) : classic_next(r, f, err);
}

void pcap_reader_close(PcapReader *r)
{
    if (!r)
        return;
    free(r->ifs);
    free(r->buf);
    free(r->name);
    free(r);
}
