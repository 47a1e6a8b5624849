/* What the SDL window shows, as plain C (no SDL here, so it is unit-tested): the guest's
 * console as a terminal's scrollback, and a picture of the machine taken while it is
 * stopped between blocks: where it stands, the virtio device's status and feature bits
 * by name (virtio_names.def), its queues with their notify and interrupt counts, one
 * queue as its layout pictures it (vq_picture.h), and the last events, decoded. Taking
 * the picture reads guest RAM and device state and changes nothing; the counters come
 * from a trace observer, which changes nothing either (DESIGN.md §11). */
#ifndef RINGSIDE_DEBUG_VIEW_H
#define RINGSIDE_DEBUG_VIEW_H

#include "debug/debugger.h"
#include "virtio/vq_picture.h"

/* ---- the console: the UART's output as a terminal shows it ---- */

#define VIEW_CON_COLS 120
#define VIEW_CON_LINES 500

typedef struct ViewConsole {
    char line[VIEW_CON_LINES][VIEW_CON_COLS + 1];
    unsigned first, n;           /* oldest line, lines held (the last is being written) */
    unsigned col;
    uint64_t bytes;              /* every byte put, for "something new to draw" */
} ViewConsole;

void view_console_init(ViewConsole *c);
/* Output bytes: printable ASCII is kept, '\n' starts a line, '\r' returns to column 0,
 * '\b' steps back, '\t' moves to the next multiple of 8; a line wraps at VIEW_CON_COLS;
 * the oldest lines go when VIEW_CON_LINES are held. Other bytes are dropped. */
void view_console_put(ViewConsole *c, const uint8_t *b, size_t n);
unsigned view_console_count(const ViewConsole *c);
/* Line i, 0 the oldest held. */
const char *view_console_line(const ViewConsole *c, unsigned i);
/* A stream that writes into c and also to `also` (may be NULL): the UART's output
 * while a window shows it. NULL when out of memory. */
FILE *view_console_tee(ViewConsole *c, FILE *also);

/* ---- counters and the device's last chain, from the event stream ---- */

#define VIEW_MAX_QUEUES 17           /* 8 pairs and the control queue */
#define VIEW_CHAIN_MAX 16

typedef struct ViewCount {
    unsigned notify[VIEW_MAX_QUEUES];    /* virtio_notify */
    unsigned irq[VIEW_MAX_QUEUES];       /* irq_raise */
    unsigned suppressed[VIEW_MAX_QUEUES];/* irq_suppress */
    unsigned fetched[VIEW_MAX_QUEUES];   /* chain_fetch */
    /* The chain the device fetched last on each queue: it may have been used in the
     * same instruction (virtio-net sends as the notify is written), so a picture taken
     * between instructions would never show it in the device's hands. */
    bool last_valid[VIEW_MAX_QUEUES];
    uint16_t last_head[VIEW_MAX_QUEUES];
    uint16_t last_desc[VIEW_MAX_QUEUES][VIEW_CHAIN_MAX];
    unsigned last_n[VIEW_MAX_QUEUES];
    uint64_t last_time[VIEW_MAX_QUEUES];
    Tracer *t;
} ViewCount;

/* Starts counting the events of t (an observer of the few types above). -1 when the
 * tracer has no room for another observer. */
int view_count_attach(ViewCount *c, Tracer *t);
void view_count_detach(ViewCount *c);

/* ---- the picture ---- */

#define VIEW_EVENTS 10
#define VIEW_MAX_BITS 64

typedef struct ViewBit {
    const char *name;            /* the table's name ("DRIVER_OK", "MRG_RXBUF") */
    bool on;                     /* status: set; feature: offered */
    bool accepted;               /* feature: the driver accepted it */
} ViewBit;

typedef struct ViewQueue {
    unsigned index;
    char role[16];
    uint16_t size;               /* 0: not set up */
    bool ready, broken;
    unsigned notify, irq, suppressed;
} ViewQueue;

typedef struct View {
    /* where the machine stands */
    uint64_t vtime, instret, pc;
    char where[96];              /* the function the pc is in, "" when unknown */
    bool ended;
    char stop[200];              /* what stopped it last, one line */
    /* the device */
    bool has_device;
    char dev[48];                /* "virtio-net 00:01.0 (transitional)" */
    uint8_t status;
    ViewBit status_bits[8];
    unsigned nstatus;
    ViewBit features[VIEW_MAX_BITS];
    unsigned nfeatures;
    uint8_t isr;
    ViewQueue q[VIEW_MAX_QUEUES];
    unsigned nq;
    /* the chosen queue */
    unsigned sel;                /* index into q */
    const char *layout;          /* its layout's name ("split", "packed"), NULL: not set up */
    VqPicture pic;
    bool last_valid;             /* the chain the device fetched last on it */
    uint16_t last_head;
    uint16_t last_desc[VIEW_CHAIN_MAX];
    unsigned last_n;
    uint64_t last_time;
    /* the last events, oldest first */
    char ev[VIEW_EVENTS][160];
    unsigned nev;
} View;

/* Takes the picture of d's machine with queue `queue` (a device queue number; clamped
 * to those there are) chosen. c may be NULL (no counts). Needs the debugger's history
 * on (dbg_keep_history) for the events. */
void view_capture(View *v, Debugger *d, const ViewCount *c, unsigned queue);

#endif
