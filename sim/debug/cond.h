/* Stop conditions: one small language over trace events (trace/events.def), parsed
 * here for every front end (--break-on, the monitor, gdb's `monitor break-on`).
 *
 *   COND    := WORD... TEST...
 *   WORD    selects event types: an event's name (virtio_status), its family
 *           (ring_dev), or a part of names made of whole '_'-separated words (notify
 *           = virtio_notify, used = used_write used_idx ..., pci_cfg = pci_cfg_read and
 *           pci_cfg_write). Several words keep the types all of them select.
 *   TEST    FIELD OP VALUE: OP is = != & (all these bits set) !& (none of them) < <= >
 *           >= for numbers, = != ~ (contains) for text. VALUE is a number (decimal or
 *           0x hex) or a name the field knows: status bits (new&DRIVER_OK,
 *           new=ACKNOWLEDGE|DRIVER), queue roles (queue=rx0, tx1, ctrl), descriptor
 *           flags, feature bits; text is the rest of the token, or "quoted".
 *
 * A test applies to the selected types that have its field; types without it are
 * dropped, and a condition that keeps no type is refused with the field's name. Names
 * are resolved by the caller's resolver (debug/names), so the language knows no table. */
#ifndef RINGSIDE_DEBUG_COND_H
#define RINGSIDE_DEBUG_COND_H

#include "trace/trace.h"

#define COND_MAX_TESTS 8
#define COND_MAX_TEXT 160

typedef enum CondOp { COND_EQ, COND_NE, COND_ALL, COND_NONE, COND_LT, COND_LE, COND_GT, COND_GE, COND_HAS } CondOp;

/* A value that is known only while the machine runs (the control queue's index
 * depends on what the driver negotiated). */
typedef enum CondLate { COND_LATE_NONE, COND_LATE_CTRL_QUEUE } CondLate;

typedef struct CondTest {
    char field[32];
    CondOp op;
    bool text;                   /* compares a name/str field */
    uint64_t num;
    CondLate late;
    char str[64];
} CondTest;

typedef struct Cond {
    TraceTypeSet types;
    CondTest test[COND_MAX_TESTS];
    unsigned ntests;
    char text[COND_MAX_TEXT];    /* as written, for `why` and lists */
} Cond;

/* What a resolved name implies besides its value. */
typedef struct CondHint {
    CondLate late;               /* the value is known only while the machine runs */
    int word;                    /* >= 0: also test field `word` = this (a feature bit names
                                  * one bit of one of the 32-bit feature words) */
} CondHint;

/* Resolves a symbolic VALUE for field of event type: 0 with *num (and *hint), or -1
 * when the name means nothing there (the parser then reports it). */
typedef int CondResolveFn(void *ctx, TraceEventType type, const char *field, const char *word, uint64_t *num,
                          CondHint *hint);

int cond_parse(const char *text, Cond *c, CondResolveFn *resolve, void *rctx, Err *err);

/* What a late value is right now. */
typedef uint64_t CondLateFn(void *ctx, CondLate late);
/* Whether ev satisfies c (its type selected and every test true). */
bool cond_match(const Cond *c, const TraceEvent *ev, CondLateFn *late, void *lctx);

#endif
