/* Frame-pointer unwinding of RISC-V Linux and the chain names the trace holds (see
 * frames.h). The prologue patterns are gcc's for RV64GC with -fno-omit-frame-pointer
 * (RISC-V unprivileged spec 20191213, ch. 2 for addi/sd, ch. 16 for c.addi4spn and
 * c.sdsp); the checks on each frame are Linux 6.1's fp_is_valid. */
#include "debug/frames.h"

#include <inttypes.h>
#include <stdlib.h>

/* How far into the innermost function its prologue is looked for (gcc's prologues
 * are a few instructions; a shrink-wrapped one may follow an early-out test). */
#define PROLOGUE_BYTES 128

/* What the innermost function's code before pc did. */
typedef enum FrameKind {
    FRAME_NONE,                /* s0 not set yet: it is still the caller's fp */
    FRAME_LEAF,                /* s0 set, ra not saved: ra holds the return address */
    FRAME_FULL,                /* s0 set and ra saved: a whole frame record */
    FRAME_UNKNOWN,             /* no prologue found in reach: guess as Linux does */
} FrameKind;

/* addi s0, sp, imm (imm != 0) and sd ra, imm(sp), 32-bit forms. */
#define ADDI_S0_SP_MASK  0x000fffffu
#define ADDI_S0_SP       (2u << 15 | 8u << 7 | 0x13u)
#define SD_RA_SP_MASK    0x01fff07fu
#define SD_RA_SP         (1u << 20 | 2u << 15 | 3u << 12 | 0x23u)

/* The code from the function's start to pc, read straight through (a prologue has no
 * branches; an instruction after pc has not run). */
static FrameKind prologue(FrameReadFn *read, void *ctx, uint64_t start, uint64_t pc)
{
    uint8_t code[PROLOGUE_BYTES + 2];
    size_t len = pc - start < PROLOGUE_BYTES ? (size_t)(pc - start) : PROLOGUE_BYTES;
    if (!read(ctx, start, code, len + 2))      /* + 2: the upper half of a 32-bit one */
        return FRAME_UNKNOWN;
    bool ra_saved = false;
    size_t a = 0;
    while (a < len) {
        uint16_t h = ld16_le(code + a);
        if ((h & 3) == 3) {
            uint32_t w = ld32_le(code + a);
            if ((w & ADDI_S0_SP_MASK) == ADDI_S0_SP && w >> 20)
                return ra_saved ? FRAME_FULL : FRAME_LEAF;
            if ((w & SD_RA_SP_MASK) == SD_RA_SP)
                ra_saved = true;
            a += 4;
            continue;
        }
        /* c.addi4spn s0, sp, nzuimm: funct3 000, op 00, rd' 0 (x8) */
        if ((h & 0xe01f) == 0x0000 && (h & 0x1fe0))
            return ra_saved ? FRAME_FULL : FRAME_LEAF;
        /* c.sdsp ra, uimm(sp): funct3 111, op 10, rs2 x1 */
        if ((h & 0xe07f) == 0xe006)
            ra_saved = true;
        a += 2;
    }
    return pc - start <= PROLOGUE_BYTES ? FRAME_NONE : FRAME_UNKNOWN;
}

/* Linux's fp_is_valid: above sp's frame record, in sp's stack, aligned. */
static bool fp_valid(uint64_t fp, uint64_t sp)
{
    uint64_t high = (sp + FRAMES_STACK_SIZE - 1) & ~(uint64_t)(FRAMES_STACK_SIZE - 1);
    return sp <= UINT64_MAX - 16 && fp >= sp + 16 && fp <= high && !(fp & 7);
}

static bool read_u64(FrameReadFn *read, void *ctx, uint64_t va, uint64_t *v)
{
    uint8_t b[8];
    if (!read(ctx, va, b, 8))
        return false;
    *v = ld64_le(b);
    return true;
}

unsigned frames_walk(FrameReadFn *read, void *ctx, const FrameRegs *r, uint64_t fn_start,
                     uint64_t *ret, unsigned max)
{
    uint64_t sp = r->sp, fp = r->fp, rec[2];
    unsigned n = 0;
    FrameKind k = fn_start && fn_start <= r->pc ? prologue(read, ctx, fn_start, r->pc) : FRAME_UNKNOWN;
    if (k == FRAME_UNKNOWN) {
        /* walk_stackframe's test for "a function where ra is not saved": the word
         * where ra would be is itself a valid frame pointer. */
        uint64_t w;
        k = fp_valid(fp, sp) && read_u64(read, ctx, fp - 8, &w) && fp_valid(w, fp) ? FRAME_LEAF : FRAME_FULL;
    }
    if (k != FRAME_FULL && max) {
        if (k == FRAME_LEAF) {
            if (!fp_valid(fp, sp) || !read_u64(read, ctx, fp - 8, &rec[0]))
                return 0;
            sp = fp;
            fp = rec[0];
        }
        ret[n++] = r->ra;
    }
    while (n < max && fp_valid(fp, sp)) {
        if (!read_u64(read, ctx, fp - 16, &rec[0]) || !read_u64(read, ctx, fp - 8, &rec[1]) || !rec[1])
            break;
        ret[n++] = rec[1];
        sp = fp;
        fp = rec[0];
    }
    return n;
}

/* ---- names ---- */

/* Frames whose caller is another context (an exception's pt_regs lie beyond). */
static const char *const context_ends[] = { "ret_from_exception", "handle_exception" };

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;            /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

void frame_names_free(FrameNames *p)
{
    for (size_t i = 0; i < p->cap; i++)
        free(p->slot[i]);
    free(p->slot);
    *p = (FrameNames){ 0 };
}

static bool grow(FrameNames *p)
{
    size_t cap = p->cap ? p->cap * 2 : 64;
    char **s = calloc(cap, sizeof *s);
    if (!s)
        return false;
    for (size_t i = 0; i < p->cap; i++)
        if (p->slot[i]) {
            size_t j = hash_str(p->slot[i]) & (cap - 1);
            while (s[j])
                j = (j + 1) & (cap - 1);
            s[j] = p->slot[i];
        }
    free(p->slot);
    p->slot = s;
    p->cap = cap;
    return true;
}

static const char *intern(FrameNames *p, const char *text)
{
    if ((p->used + 1) * 2 > p->cap && !grow(p))
        return NULL;
    size_t j = hash_str(text) & (p->cap - 1);
    for (; p->slot[j]; j = (j + 1) & (p->cap - 1))
        if (strcmp(p->slot[j], text) == 0)
            return p->slot[j];
    if (!(p->slot[j] = strdup(text)))
        return NULL;
    p->used++;
    return p->slot[j];
}

static bool ends_context(const char *name)
{
    for (size_t i = 0; i < sizeof context_ends / sizeof context_ends[0]; i++)
        if (strcmp(name, context_ends[i]) == 0)
            return true;
    return false;
}

const char *frame_names_chain(FrameNames *p, const Symtab *syms, const char *inner,
                              const uint64_t *ret, unsigned n)
{
    char buf[FRAMES_MAX * 160];
    size_t len = (size_t)snprintf(buf, sizeof buf, "%s", inner);
    unsigned named = 0;
    for (unsigned i = 0; i < n && i + 1 < FRAMES_MAX && len < sizeof buf; i++) {
        uint64_t off;
        /* ra - 1: a call that ends its function returns past it (a noreturn call) */
        const Symbol *s = ret[i] ? symtab_lookup(syms, ret[i] - 1, &off) : NULL;
        if (!s)
            break;
        int k = snprintf(buf + len, sizeof buf - len, "<%s+0x%" PRIx64, s->name, off + 1);
        if (k < 0 || (size_t)k >= sizeof buf - len) {
            buf[len] = '\0';          /* whole frames only */
            break;
        }
        len += (size_t)k;
        named++;
        if (ends_context(s->name))
            break;
    }
    if (!named)
        return inner;
    const char *s = intern(p, buf);
    return s ? s : inner;
}
