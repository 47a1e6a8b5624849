/* The virtio driver checker (`ringside run --check-driver`): an observer of the event
 * stream (DESIGN.md §11) that follows the driver's side of the protocol live, per
 * device and per queue, and reports every rule of sim/check/rules.def the driver
 * breaks: each rule is a "driver MUST" of virtio 1.2 with its clause (docs/conformance.md).
 *
 * It observes only the events it needs (bus accesses to the device's registers, PCI
 * configuration writes, the device's virtio events, the driver's ring stores, the
 * device's chain fetches and used writes), reads guest memory with ram_read (never the
 * device's DMA path, whose refusals are trace events) and watches the used rings of
 * live queues itself (mem_watch). It changes nothing in the machine: a violation is a
 * driver_violation event, a call of the report callback, and with CHECK_ERROR a call
 * of the stop callback (the run then ends after the instruction).
 *
 *     Checker *c = check_create(&m->tracer, &m->watch, &m->ram, CHECK_WARN, err);
 *     check_add_device(c, &dev, err);          // what the device offers, its BAR names
 *     check_set_report(c, print_first, ctx);   // the command line prints
 *     check_start(c, err);                     // after the trace file's observer
 *     ... run ...
 *     check_destroy(c);
 */
#ifndef RINGSIDE_CHECK_H
#define RINGSIDE_CHECK_H

#include "common.h"

struct Tracer;
struct MemWatch;
struct Ram;
struct RegDesc;
struct TraceTypeSet;

typedef enum CheckMode { CHECK_OFF, CHECK_WARN, CHECK_ERROR } CheckMode;

/* "off", "warn", "error" <-> CheckMode; -1 for another word. */
int check_mode_parse(const char *s, CheckMode *mode);
const char *check_mode_name(CheckMode mode);

/* ---- the rules (rules.def) ---- */

typedef enum CheckRuleId {
#define RULE(id, clause, sev, at, text, explain, example) CHECK_##id,
#include "check/rules.def"
#undef RULE
    CHECK_NRULES
} CheckRuleId;

typedef struct CheckRule {
    const char *id;          /* "features_ok_reread" */
    const char *clause;      /* "3.1.1" */
    const char *severity;    /* "must" or "protocol" */
    const char *at;          /* the event(s) it is reported after */
    const char *text;        /* one line */
    const char *explain;
    const char *example;
} CheckRule;

const CheckRule *check_rule(CheckRuleId id);
/* The rule called id, or -1. */
int check_rule_find(const char *id);

/* ---- the checker ---- */

enum { CHECK_MAX_CAPS = 5 };

/* What the checker needs to know of one device and its transport. */
typedef struct CheckDevice {
    const char *name;            /* the dev field of its events ("virtio-net") */
    uint16_t device_id;          /* virtio device id (1: network) */
    uint16_t bdf;                /* its PCI function */
    const char *legacy_region;   /* bus region names of its legacy BAR and modern BAR, */
    const char *modern_region;   /* NULL when the transport has none */
    uint64_t offered;            /* the features the device offers */
    unsigned num_queues;
    uint16_t max_queue_size;
    unsigned max_pairs;          /* network: max_virtqueue_pairs */
    /* The device-specific configuration fields, with their widths (§4.1.3.1). */
    const struct RegDesc *config_regs;
    unsigned n_config_regs;
    /* The virtio vendor capabilities a driver must not write (§4.1.4.1): offsets and
     * lengths in configuration space; the PCI configuration access one is left out. */
    struct { uint16_t off, len; } caps[CHECK_MAX_CAPS];
    unsigned ncaps;
    unsigned modern_bar;                /* the modern BAR's index (its pci_bar_map) */
    uint64_t notify_off, notify_mult;   /* modern notify area within the modern BAR */
} CheckDevice;

typedef struct CheckViolation {
    CheckRuleId rule;
    const char *dev;
    const char *values;          /* what the driver did, as text */
    uint64_t vtime, pc;
    const char *sym;             /* function of pc, or NULL */
    unsigned count;              /* violations of this rule so far, this one included */
} CheckViolation;

typedef void CheckReportFn(void *ctx, const CheckViolation *v);
typedef void CheckStopFn(void *ctx);

typedef struct Checker Checker;

/* A checker for t's events (mode CHECK_WARN or CHECK_ERROR), reading guest memory from
 * ram and watching used rings through mw (either may be NULL: the checks that need
 * them are skipped). NULL with err when out of memory. */
Checker *check_create(struct Tracer *t, struct MemWatch *mw, struct Ram *ram, CheckMode mode, Err *err);
/* Starts observing: call it after every other observer that must see an event before
 * the violation it causes (the trace file, the replay comparison), since a violation
 * is emitted while its event is being dispatched. -1 with err when t has no room. */
int check_start(Checker *c, Err *err);
void check_destroy(Checker *c);
/* Checks the driver of d (copied; its strings must outlive the checker). */
int check_add_device(Checker *c, const CheckDevice *d, Err *err);
/* Called for every violation (fn NULL: none). */
void check_set_report(Checker *c, CheckReportFn *fn, void *ctx);
/* Called once, at the first violation, in CHECK_ERROR mode. */
void check_set_stop(Checker *c, CheckStopFn *fn, void *ctx);

/* Adds the event types the checker observes to s. */
void check_types(struct TraceTypeSet *s);

/* How often rule id was broken, and in all. */
unsigned check_count(const Checker *c, CheckRuleId id);
unsigned check_total(const Checker *c);

#endif
