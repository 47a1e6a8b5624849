/* Machine snapshots, declared where the state lives (the shape of QEMU's VMState;
 * DESIGN.md §11 "Stops and time travel").
 *
 * Each module describes its own state once, beside its struct, in a SnapDesc: a table
 * of the struct's fields (SNAP_FIELD, SNAP_TIMER) for what is plain data, optional
 * save/load hooks for what is not (heap buffers, lists, pointers to tables), a
 * post_load hook that re-derives what follows from the state (mappings, caches), and
 * a children hook that registers the objects it owns. One generic walker saves and
 * restores them all. Nothing outside a module knows its fields: the machine registers
 * only the objects it owns, and they register theirs.
 *
 * What a snapshot is not: the recording (trace file, capture, console output, the
 * driver checker's reports). Those are the run's outputs; they stand at the furthest
 * point the run reached, and a RecGate (below) holds them while a re-run goes over
 * ground they have already written.
 *
 * The blob: for each registered object in registration order, its name, its
 * version, and a length-prefixed payload (the fields in table order, each at its
 * declared size, then what save wrote). Loading checks every name, version and length
 * before it changes anything it cannot undo, and never reads past the blob. */
#ifndef RINGSIDE_SNAP_H
#define RINGSIDE_SNAP_H

#include <stddef.h>

#include "common.h"
#include "events.h"
#include "snap/recgate.h"

typedef enum { SNAP_RAW, SNAP_KTIMER, SNAP_KBOOL } SnapKind;

typedef struct SnapField {
    const char *name;
    uint32_t off, size;
    uint8_t kind;            /* SnapKind */
} SnapField;

/* Plain data: bytes of the host representation (a snapshot file belongs to one build
 * of ringside, which its header names; see snap_file.h). A bool is one byte loaded as
 * 0 or 1 (any other byte would be undefined behaviour): SNAP_FIELD finds them itself.
 * A struct member with bools inside is declared member by member (f may name one:
 * "split.signalled_valid"). */
#define SNAP_FIELD(T, f) { #f, (uint32_t)offsetof(T, f), (uint32_t)sizeof(((T *)0)->f), \
                           _Generic(((T *)0)->f, bool: SNAP_KBOOL, default: SNAP_RAW) }
/* A Timer embedded in the struct: its armed flag, time and arming sequence. Every
 * armed timer must be declared (a save refuses an undeclared one by name), and the
 * event queue is rebuilt from the declared ones on load. */
#define SNAP_TIMER(T, f) { #f, (uint32_t)offsetof(T, f), (uint32_t)sizeof(Timer), SNAP_KTIMER }

/* A growing output buffer (oom sticks: check it once at the end). */
typedef struct SnapBuf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
} SnapBuf;
void snap_put(SnapBuf *b, const void *data, size_t len);
void snap_put_u32(SnapBuf *b, uint32_t v);
void snap_put_u64(SnapBuf *b, uint64_t v);
void snap_buf_free(SnapBuf *b);

/* A bounded input: every get checks the length left; bad sticks. */
typedef struct SnapIn {
    const uint8_t *p;
    size_t len, pos;
    bool bad;
} SnapIn;
int snap_get(SnapIn *in, void *data, size_t len);
uint32_t snap_get_u32(SnapIn *in);
uint64_t snap_get_u64(SnapIn *in);
/* The next len bytes in place (NULL, and bad, if fewer are left). */
const uint8_t *snap_get_ptr(SnapIn *in, size_t len);

typedef struct SnapReg SnapReg;

typedef struct SnapDesc {
    const char *name;        /* the section's kind ("uart"); the instance name is added */
    uint32_t version;        /* bump when the fields change */
    size_t size;             /* sizeof the struct (device regions inside it are covered) */
    const SnapField *fields;
    unsigned nfields;
    /* Optional hooks; obj is the registered object. */
    int (*save)(void *obj, SnapBuf *b, Err *err);
    int (*pre_load)(void *obj, Err *err);                 /* before any section loads */
    int (*load)(void *obj, SnapIn *in, Err *err);         /* after its fields */
    void (*post_load)(void *obj);                         /* after every section loaded */
    void (*children)(void *obj, SnapReg *r);              /* registers what it owns */
} SnapDesc;

#define SNAP_DESC(NAME, VERSION, T, FIELDS, ...) \
    { .name = NAME, .version = VERSION, .size = sizeof(T), .fields = FIELDS, \
      .nfields = ARRAY_SIZE(FIELDS), __VA_ARGS__ }

typedef struct SnapEntry {
    const SnapDesc *d;
    void *obj;
    char name[48];           /* desc name + instance: "virtqueue.3" */
} SnapEntry;

struct SnapReg {
    SnapEntry *e;
    unsigned n, cap;
    bool oom;
    EventQueue *events;      /* rebuilt from the declared timers on load */
};

void snap_reg_init(SnapReg *r, EventQueue *q);
void snap_reg_free(SnapReg *r);
/* Registers obj (and, through d->children, what it owns). instance may be NULL. */
void snap_add(SnapReg *r, const SnapDesc *d, void *obj, const char *instance);
/* Whether p lies inside a registered object. */
bool snap_covers(const SnapReg *r, const void *p);

/* The whole registry's state into b; -1 with err (an armed timer nobody declared,
 * a hook's refusal, out of memory). */
int snap_save(const SnapReg *r, SnapBuf *b, Err *err);
/* Restores it; -1 with err when the blob is not this registry's (names, versions,
 * lengths) or is damaged. The checks that can fail come before anything is changed,
 * except what a load hook itself refuses (then the machine is not usable). */
int snap_load(const SnapReg *r, const uint8_t *p, size_t len, Err *err);
/* The table of one registered object, as text (for `info snapshot` and tests). */
void snap_describe(const SnapReg *r, FILE *f);

#endif
