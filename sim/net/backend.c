/* Network backends behind virtio-net (DESIGN.md §7, contract in backend.h): one
 * in-order queue of frames for the guest, each with the virtual time it is due,
 * drained by one timer on the machine's event queue. The peer fills the queue from
 * the guest's own frames; the pcap backend from a capture file. */
#include "backend.h"

#include <stdlib.h>

#include "net/pcap_read.h"
#include "net/pcapng.h"
#include "net/peer.h"
#include "net/recorded.h"
#include "snap/snap.h"

typedef struct QFrame {
    struct QFrame *next;
    uint64_t due;
    bool tried;                /* a delivery was attempted (and frame_input traced) */
    size_t len;
    uint8_t data[];
} QFrame;

typedef enum { NB_PEER, NB_PCAP } NbKind;

/* The one reading of a backend spec: "peer" or "pcap:FILE". */
static int parse_spec(const char *spec, NbKind *kind, const char **file, Err *err)
{
    if (strcmp(spec, "peer") == 0) {
        *kind = NB_PEER;
        return 0;
    }
    if (strncmp(spec, "pcap:", 5) == 0 && spec[5]) {
        *kind = NB_PCAP;
        *file = spec + 5;
        return 0;
    }
    return err_set(err, "unknown network backend '%s' (expected 'peer', 'pcap:FILE' or 'none')", spec);
}

int net_backend_check_spec(const char *spec, Err *err)
{
    NbKind kind;
    const char *file = NULL;
    return parse_spec(spec, &kind, &file, err);
}

struct NetBackend {
    NbKind kind;
    EventQueue *events;
    NetNowFn *now;
    void *now_ctx;
    NetDeliverFn *deliver;
    void *opaque;
    const Tracer *tracer;
    const char *dev;
    uint64_t latency;
    uint32_t insns_per_tick;

    NetPeer *peer;
    Pcapng *cap;

    QFrame *head, *tail;
    size_t n;
    uint64_t last_due;         /* due time of the newest queued frame: order is kept */
    bool blocked;              /* the guest refused the head; wait for rx_ready */
    Timer timer;

    /* pcap replay: capture time ts is due at t0 + net_ns_to_vtime(ts - ts0), t0 being
     * the first rx_ready (the guest's first rx buffers). */
    PcapReader *rd;
    bool replay_started, have_ts0, rd_done;
    uint64_t t0, ts0;

    /* Replay of a recorded run: its frames are due at their recorded first attempt,
     * its files are served by name, each recorded read once, in order. */
    const NetRecorded *rec;
    size_t rec_next;
    bool *file_used;

    NetBackendStats stats;
    bool failed;
    char err[256];
    RecGate cap_gate;          /* --pcap frames: the recording's, written once (snap.h) */
};

static uint64_t vnow(const NetBackend *nb) { return nb->now(nb->now_ctx); }

/* Saturating, through 128 bits: no product of a 64-bit time and a ratio can wrap. */
static uint64_t scale(uint64_t v, uint64_t mul, uint64_t div)
{
    unsigned __int128 r = (unsigned __int128)v * mul / div;
    return r > UINT64_MAX ? UINT64_MAX : (uint64_t)r;
}

uint64_t net_vtime_to_ns(uint64_t vtime, uint32_t insns_per_tick)
{
    return scale(vtime, NET_NS_PER_TICK, insns_per_tick ? insns_per_tick : NET_INSNS_PER_TICK);
}

uint64_t net_ns_to_vtime(uint64_t ns, uint32_t insns_per_tick)
{
    return scale(ns, insns_per_tick ? insns_per_tick : NET_INSNS_PER_TICK, NET_NS_PER_TICK);
}

static void note_error(NetBackend *nb, const char *msg)
{
    if (!nb->failed)
        snprintf(nb->err, sizeof nb->err, "%s", msg);
    nb->failed = true;
}

static int capture(NetBackend *nb, bool inbound, const uint8_t *frame, size_t len)
{
    if (!nb->cap || !recgate_pass(&nb->cap_gate))
        return 0;
    Err e;
    if (pcapng_write(nb->cap, net_vtime_to_ns(vnow(nb), nb->insns_per_tick), inbound, frame, len, &e) != 0) {
        note_error(nb, e.msg);
        return -1;
    }
    return 0;
}

static void trace_text(NetBackend *nb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void trace_text(NetBackend *nb, const char *fmt, ...)
{
    if (!TRACE_WANTED(nb->tracer, peer_action))
        return;
    char text[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    TRACE(nb->tracer, peer_action, text);
}

/* ---- the queue towards the guest ---- */

/* q (its next already NULL) at the queue's tail. */
static void append(NetBackend *nb, QFrame *q)
{
    if (nb->tail)
        nb->tail->next = q;
    else
        nb->head = q;
    nb->tail = q;
    nb->n++;
}

static void enqueue(NetBackend *nb, const uint8_t *frame, size_t len, uint64_t due)
{
    if (nb->n >= NET_QUEUE_MAX) {
        nb->stats.queue_dropped++;
        trace_text(nb, "dropped: %zu frames already wait for the guest", nb->n);
        return;
    }
    QFrame *q = malloc(sizeof *q + len);
    if (!q) {
        nb->stats.queue_dropped++;
        note_error(nb, "network backend: out of memory");
        return;
    }
    if (due < nb->last_due)
        due = nb->last_due;
    nb->last_due = due;
    q->next = NULL;
    q->due = due;
    q->tried = false;
    q->len = len;
    memcpy(q->data, frame, len);
    append(nb, q);
    if (nb->head == q && !nb->blocked)
        timer_mod(nb->events, &nb->timer, due);
}

static void pop(NetBackend *nb)
{
    QFrame *q = nb->head;
    nb->head = q->next;
    if (!nb->head)
        nb->tail = NULL;
    nb->n--;
    free(q);
}

/* Queue the next frame of the capture that travelled towards the guest. Frames the
 * capture marks outbound were the recorded guest's own and are skipped. */
static void pcap_fill(NetBackend *nb)
{
    if (nb->rec) {
        /* A recorded frame was first tried at the time it was due, or, when it was
         * due while the guest had refused the one before, at the time that one went
         * in (which the recording reproduces); either way the recorded time is when
         * the live run tried it, and so when the replay does. */
        if (nb->rd_done || nb->head)
            return;
        if (nb->rec_next < nb->rec->n_frames) {
            const NetRecFrame *f = &nb->rec->frames[nb->rec_next++];
            enqueue(nb, f->data, f->len, f->vtime);
        } else {
            nb->rd_done = true;
            if (nb->rec->pcap_error) {
                note_error(nb, nb->rec->pcap_error);
                trace_text(nb, NET_PCAP_STOPPED "%s", nb->rec->pcap_error);
            }
        }
        return;
    }
    while (nb->rd && !nb->rd_done && !nb->head) {
        PcapFrame f;
        Err e;
        int rc = pcap_reader_next(nb->rd, &f, &e);
        if (rc <= 0) {
            nb->rd_done = true;
            if (rc < 0) {
                note_error(nb, e.msg);
                trace_text(nb, NET_PCAP_STOPPED "%s", e.msg);
            }
            return;
        }
        if (f.dir == PCAP_DIR_OUTBOUND)
            continue;
        if (f.orig_len > f.len)
            trace_text(nb, "pcap: the frame at offset %llu was captured cut to %zu of its %zu bytes (a snap "
                           "length); it is fed as captured", (unsigned long long)f.offset, f.len, f.orig_len);
        if (!nb->have_ts0) {
            nb->ts0 = f.ts_ns;
            nb->have_ts0 = true;
        }
        /* A capture whose clock steps back is replayed in file order. */
        uint64_t rel = f.ts_ns > nb->ts0 ? net_ns_to_vtime(f.ts_ns - nb->ts0, nb->insns_per_tick) : 0;
        enqueue(nb, f.data, f.len, nb->t0 + rel);
    }
}

static void run(void *opaque)
{
    NetBackend *nb = opaque;
    uint64_t now = vnow(nb);
    while (nb->head && nb->head->due <= now) {
        QFrame *q = nb->head;
        if (nb->kind == NB_PCAP && !q->tried)
            TRACE(nb->tracer, frame_input, NET_SRC_PCAP, q->data, q->len);
        q->tried = true;
        if (!nb->deliver(nb->opaque, q->data, q->len)) {
            nb->blocked = true;
            nb->stats.refused++;
            return;
        }
        nb->stats.to_guest++;
        TRACE(nb->tracer, frame_to_guest, nb->dev, q->data, q->len);
        capture(nb, true, q->data, q->len);
        pop(nb);
        if (nb->kind == NB_PCAP)
            pcap_fill(nb);
    }
    if (nb->head)
        timer_mod(nb->events, &nb->timer, nb->head->due);
}

void net_backend_rx_ready(NetBackend *nb)
{
    uint64_t now = vnow(nb);
    if (nb->kind == NB_PCAP && !nb->replay_started) {
        nb->replay_started = true;
        nb->t0 = now;
        nb->last_due = now;
        pcap_fill(nb);
    }
    if (!nb->blocked)
        return;
    nb->blocked = false;
    if (nb->head)
        timer_mod(nb->events, &nb->timer, nb->head->due > now ? nb->head->due : now);
}

/* ---- the guest's frames ---- */

static void peer_emit(void *opaque, const uint8_t *frame, size_t len)
{
    NetBackend *nb = opaque;
    enqueue(nb, frame, len, vnow(nb) + nb->latency);
}

int net_backend_send(NetBackend *nb, const uint8_t *frame, size_t len)
{
    nb->stats.from_guest++;
    TRACE(nb->tracer, frame_from_guest, nb->dev, frame, len);
    int rc = capture(nb, false, frame, len);
    if (nb->kind == NB_PEER) {
        PeerAction act;
        peer_input(nb->peer, frame, len, &act);
        if (act.kind == PEER_ACT_DROPPED)
            trace_text(nb, "dropped: %s", act.detail);
        else
            trace_text(nb, "%s %s", peer_action_name(act.kind), act.detail);
    }
    return rc;
}

/* ---- the peer's files ---- */

static void trace_file(NetBackend *nb, const char *name, const uint8_t *data, size_t len,
                       uint16_t code, const char *why)
{
    if (!TRACE_WANTED(nb->tracer, file_input))
        return;
    if (why) {
        TRACE(nb->tracer, file_input, NET_SRC_TFTP, name, 0, 0, NULL, 0, code, why);
        return;
    }
    size_t off = 0;
    do {
        size_t n = len - off < NET_FILE_CHUNK ? len - off : NET_FILE_CHUNK;
        TRACE(nb->tracer, file_input, NET_SRC_TFTP, name, off, len, n ? data + off : NULL, n, 0, "");
        off += n;
    } while (off < len);
}

static void file_seen(void *opaque, const char *name, const uint8_t *data, size_t len,
                      uint16_t code, const char *why)
{
    trace_file(opaque, name, data, len, code, why);
}

/* Replay: the first unused recorded read of this name. */
static int file_read(void *opaque, const char *name, uint8_t **data, size_t *len,
                     uint16_t *code, const char **why)
{
    NetBackend *nb = opaque;
    for (size_t i = 0; i < nb->rec->n_files; i++) {
        const NetRecFile *f = &nb->rec->files[i];
        if (nb->file_used[i] || strcmp(f->path, name) != 0)
            continue;
        nb->file_used[i] = true;
        if (f->reason[0]) {
            trace_file(nb, name, NULL, 0, f->error, f->reason);
            *code = f->error;
            *why = f->reason;
            return -1;
        }
        if (!(*data = malloc(f->len ? f->len : 1))) {
            *code = 0;
            *why = "out of memory";
            return -1;
        }
        if (f->len)
            memcpy(*data, f->data, f->len);
        *len = f->len;
        trace_file(nb, name, f->data, f->len, 0, NULL);
        return 0;
    }
    /* Only a replay that already diverged asks for what the recording never read. */
    *code = 1;
    *why = "File not found (not in the recorded trace)";
    return -1;
}

/* ---- life cycle ---- */

NetBackend *net_backend_create(const NetBackendConfig *cfg, Err *err)
{
    if (!cfg->events || !cfg->now || !cfg->deliver) {
        err_set(err, "network backend: event queue, clock and delivery callback are required");
        return NULL;
    }
    const char *spec = cfg->spec && *cfg->spec ? cfg->spec : "peer";
    NbKind kind;
    const char *file = NULL;
    if (parse_spec(spec, &kind, &file, err) != 0)
        return NULL;
    if (kind == NB_PCAP && (cfg->tftp_dir || cfg->bootfile)) {
        err_set(err, "--tftp and the boot file need the peer backend, not %s", spec);
        return NULL;
    }

    NetBackend *nb = calloc(1, sizeof *nb);
    if (!nb) {
        err_set(err, "network backend: out of memory");
        return NULL;
    }
    nb->kind = kind;
    nb->events = cfg->events;
    nb->now = cfg->now;
    nb->now_ctx = cfg->now_ctx;
    nb->deliver = cfg->deliver;
    nb->opaque = cfg->opaque;
    nb->tracer = cfg->tracer;
    nb->dev = cfg->dev_name ? cfg->dev_name : "virtio-net";
    nb->latency = cfg->latency ? cfg->latency : NET_PEER_LATENCY;
    nb->insns_per_tick = cfg->insns_per_tick ? cfg->insns_per_tick : NET_INSNS_PER_TICK;
    timer_init(&nb->timer, "net-backend", run, nb);
    nb->rec = cfg->recorded;

    if (kind == NB_PEER) {
        PeerConfig pc = { .tftp_dir = cfg->tftp_dir, .bootfile = cfg->bootfile,
                          .emit = peer_emit, .opaque = nb, .file_opaque = nb };
        if (nb->rec) {
            pc.file_read = file_read;
            if (nb->rec->n_files && !(nb->file_used = calloc(nb->rec->n_files, sizeof *nb->file_used))) {
                err_set(err, "network backend: out of memory");
                goto fail;
            }
        } else {
            pc.file_seen = file_seen;
        }
        nb->peer = peer_create(&pc, err);
        if (!nb->peer)
            goto fail;
    } else if (!nb->rec) {
        nb->rd = pcap_reader_open(file, err);
        if (!nb->rd)
            goto fail;
    }
    if (cfg->pcap_out) {
        nb->cap = pcapng_open(cfg->pcap_out, err);
        if (!nb->cap)
            goto fail;
    }
    return nb;
fail:
    net_backend_destroy(nb, NULL);
    return NULL;
}

int net_backend_destroy(NetBackend *nb, Err *err)
{
    if (!nb)
        return 0;
    timer_del(nb->events, &nb->timer);
    while (nb->head)
        pop(nb);
    peer_destroy(nb->peer);
    pcap_reader_close(nb->rd);
    free(nb->file_used);
    int rc = pcapng_close(nb->cap, err);
    free(nb);
    return rc;
}

size_t net_backend_pending(const NetBackend *nb) { return nb->n; }
const NetBackendStats *net_backend_stats(const NetBackend *nb) { return &nb->stats; }
const struct NetPeer *net_backend_peer(const NetBackend *nb) { return nb->peer; }
const char *net_backend_error(const NetBackend *nb) { return nb->failed ? nb->err : NULL; }

/* ---- snapshots (snap/snap.h) ---- */

static const SnapField nb_fields[] = {
    SNAP_FIELD(NetBackend, last_due), SNAP_FIELD(NetBackend, blocked), SNAP_TIMER(NetBackend, timer),
    SNAP_FIELD(NetBackend, replay_started), SNAP_FIELD(NetBackend, have_ts0), SNAP_FIELD(NetBackend, rd_done),
    SNAP_FIELD(NetBackend, t0), SNAP_FIELD(NetBackend, ts0), SNAP_FIELD(NetBackend, rec_next),
    SNAP_FIELD(NetBackend, stats), SNAP_FIELD(NetBackend, failed), SNAP_FIELD(NetBackend, err),
    SNAP_FIELD(NetBackend, cap_gate.seen),
};

static size_t rec_files(const NetBackend *nb)
{
    return nb->rec && nb->file_used ? nb->rec->n_files : 0;
}

/* The frames waiting for the guest, in order, and which recorded files were served. */
static int nb_snap_save(void *obj, SnapBuf *b, Err *err)
{
    NetBackend *nb = obj;
    if (nb->rd)
        return err_set(err, "snapshot: a run fed from a capture (--net pcap:) cannot be saved yet");
    snap_put_u64(b, nb->n);
    for (const QFrame *q = nb->head; q; q = q->next) {
        snap_put_u64(b, q->due);
        snap_put(b, &q->tried, 1);
        snap_put_u64(b, q->len);
        snap_put(b, q->data, q->len);
    }
    for (size_t i = 0; i < rec_files(nb); i++)
        snap_put(b, &nb->file_used[i], 1);
    return 0;
}

static void nb_queue_free(NetBackend *nb)
{
    for (QFrame *q = nb->head, *nx; q; q = nx) {
        nx = q->next;
        free(q);
    }
    nb->head = nb->tail = NULL;
    nb->n = 0;
}

static int nb_snap_load(void *obj, SnapIn *in, Err *err)
{
    NetBackend *nb = obj;
    nb_queue_free(nb);
    uint64_t n = snap_get_u64(in);
    if (in->bad || n > NET_QUEUE_MAX)
        return err_set(err, "snapshot: network backend: %llu queued frames", (unsigned long long)n);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t due = snap_get_u64(in);
        uint8_t tried = 0;
        snap_get(in, &tried, 1);
        uint64_t len = snap_get_u64(in);
        const uint8_t *data = len <= (1u << 20) ? snap_get_ptr(in, (size_t)len) : NULL;
        QFrame *q = data ? malloc(sizeof *q + len) : NULL;
        if (!q)
            return err_set(err, "snapshot: network backend: bad queued frame %llu", (unsigned long long)i);
        *q = (QFrame){ .due = due, .tried = tried != 0, .len = (size_t)len };
        memcpy(q->data, data, len);
        append(nb, q);
    }
    for (size_t i = 0; i < rec_files(nb); i++) {
        uint8_t u = 0;
        snap_get(in, &u, 1);
        nb->file_used[i] = u != 0;
    }
    return in->bad ? err_set(err, "snapshot: network backend: truncated") : 0;
}

static void nb_snap_children(void *obj, SnapReg *r)
{
    NetBackend *nb = obj;
    if (nb->peer)
        snap_add(r, &net_peer_snap, nb->peer, NULL);
}

const SnapDesc net_backend_snap = SNAP_DESC("net-backend", 1, NetBackend, nb_fields, .save = nb_snap_save,
                                            .load = nb_snap_load, .children = nb_snap_children);
