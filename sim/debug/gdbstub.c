/* The gdb stub's session (see gdbstub.h; GDB manual, E.3 "Stop Reply Packets", E.8
 * "Interrupts"): bytes in through the packet layer (rsp.c) to the packets
 * (gdb_cmds.c), replies out; the runs gdb asks for, through the debugger, with a poll
 * between slices for gdb's Ctrl-C; and the connection's life: waiting for gdb, serving
 * it, detach, kill, or gdb gone. No input can crash or wedge it: gdb runs the machine
 * only through dbg_continue and dbg_stepi, so a debugged run traces like an undisturbed
 * one. */
#include "debug/gdbstub.h"

#include <inttypes.h>
#include <stdlib.h>

#include "debug/gdb_priv.h"
#include "debug/gdb_socket.h"
#include "debug/gdb_tdesc.h"

#define WAIT_MS 200                  /* how often a waiting stub looks at signals */

/* gdb's signal numbers (include/gdb/signals.def), for stop replies. */
enum { SIG_HUP = 1, SIG_INT = 2, SIG_TRAP = 5, SIG_ABRT = 6, SIG_KILL = 9, SIG_XCPU = 24 };

/* ---- replies ---- */

void gdb_reply(GdbStub *g, const char *s) { rsp_send(&g->rsp, s, strlen(s)); }

void gdb_replyf(GdbStub *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(g->rep, sizeof g->rep, fmt, ap);
    va_end(ap);
    rsp_send(&g->rsp, g->rep, n < 0 ? 0 : (size_t)n < sizeof g->rep ? (size_t)n : sizeof g->rep - 1);
}

/* ---- stops ---- */

/* How a run that ended is reported: W with the guest's exit code after a poweroff, else
 * X with the signal closest in meaning. */
static uint8_t end_signal(StopReason why)
{
    static const uint8_t sig[] = {
        [STOP_RESET] = SIG_HUP, [STOP_MAX_INSNS] = SIG_XCPU, [STOP_IDLE] = SIG_KILL,
        [STOP_ABORTED] = SIG_ABRT, [STOP_INTERRUPTED] = SIG_INT,
    };
    return why < ARRAY_SIZE(sig) && sig[why] ? sig[why] : SIG_KILL;
}

void gdb_stop_reply(GdbStub *g, const DbgStop *s)
{
    if (s->kind == DBG_STOP_END) {
        if (s->end == STOP_POWEROFF)
            return gdb_replyf(g, "W%02x", (unsigned)g->m->exit_code & 0xff);
        return gdb_replyf(g, "X%02x", end_signal(s->end));
    }
    char why[64] = "";
    unsigned sig = SIG_TRAP;
    if (s->kind == DBG_STOP_INTERRUPT && !g->attach_stop)
        sig = SIG_INT;
    if (s->kind == DBG_STOP_ORIGIN)
        snprintf(why, sizeof why, "replaylog:begin;");  /* going back reached the start */
    if (s->kind == DBG_STOP_BREAK) {
        const GdbBreak *b = gdb_find_break(g, s->pc);
        snprintf(why, sizeof why, "%s:;", b && !(b->kinds & 1) ? "hwbreak" : "swbreak");
    }
    if (s->kind == DBG_STOP_WATCH) {
        /* gdb looks the address up in its watchpoints' ranges: an access that began
         * below the watched range is reported at the range's start. */
        static const char *const names[] = { "", "watch", "rwatch", "awatch" };
        unsigned n;
        const DbgPoint *pt = dbg_points(g->d, &n);
        DbgWatchKind k = s->is_write ? DBG_W_WRITE : DBG_W_READ;
        uint64_t addr = s->addr;
        for (unsigned i = 0; i < n; i++)
            if (pt[i].id == s->id && pt[i].kind == DBG_WATCH) {
                k = pt[i].wkind;
                addr = addr > pt[i].addr ? addr : pt[i].addr;
            }
        snprintf(why, sizeof why, "%s:%" PRIx64 ";", names[k], addr);
    }
    gdb_replyf(g, "T%02x%sthread:1;", sig, why);
}

/* Takes a Ctrl-C that came in while the machine ran: bytes after the packet that
 * started the run and before any next packet. */
static bool take_ctrl_c(GdbStub *g)
{
    for (size_t i = g->in_r; i < g->in_w && g->in[i] != '$'; i++) {
        if (g->in[i] == 0x03) {
            memmove(g->in + i, g->in + i + 1, g->in_w - i - 1);
            g->in_w--;
            return true;
        }
    }
    return false;
}

static void compact(GdbStub *g)
{
    if (g->in_r == 0)
        return;
    memmove(g->in, g->in + g->in_r, g->in_w - g->in_r);
    g->in_w -= g->in_r;
    g->in_r = 0;
}

/* What the socket holds now, into the input (without waiting). */
static void pull(GdbStub *g)
{
    if (g->fd < 0 || g->gone)
        return;
    compact(g);
    if (g->in_w == GDB_IN_CAP)
        return;
    ssize_t n = gdbsock_read(g->fd, g->in + g->in_w, GDB_IN_CAP - g->in_w);
    if (n > 0)
        g->in_w += (size_t)n;
    else if (n == 0 || n == -2)
        g->gone = true;
}

static void flush(GdbStub *g)
{
    if (g->fd < 0 || g->gone || !g->rsp.out_len)
        return;
    if (gdbsock_write(g->fd, g->rsp.out, g->rsp.out_len) < 0)
        g->gone = true;
    g->rsp.out_len = 0;
}

/* Between slices of a run: the terminal's Ctrl-C (the poll function the stub chains
 * to), gdb's Ctrl-C, or gdb gone (then the run stops, and the session ends as a
 * detach: the run goes on). */
static bool poll_run(void *ctx)
{
    GdbStub *g = ctx;
    if (g->prev && g->prev(g->prev_ctx))
        return true;
    pull(g);
    return g->gone || take_ctrl_c(g);
}

void gdb_run(GdbStub *g, GdbRun kind)
{
    flush(g);                        /* the ack: gdb must not send the packet again */
    void *ctx;
    DbgPollFn *prev = dbg_poll(g->d, &ctx);
    if (prev != poll_run) {
        g->prev = prev;
        g->prev_ctx = ctx;
    }
    /* A Ctrl-C on the terminal while gdb held the machine stopped is dropped: gdb, not
     * the terminal, is in charge then. */
    if (g->prev)
        g->prev(g->prev_ctx);
    dbg_set_poll(g->d, poll_run, g);
    Err err;
    const DbgStop *s = kind == GDB_STEP ? dbg_stepi(g->d, 1)
                     : kind == GDB_REVERSE_STEP ? dbg_reverse_stepi(g->d, 1, &err)
                     : kind == GDB_REVERSE_CONTINUE ? dbg_reverse_continue(g->d, &err)
                     : dbg_continue(g->d);
    dbg_set_poll(g->d, g->prev, g->prev_ctx);
    g->attach_stop = false;
    if (!s)
        return gdb_reply(g, "E01");  /* no history to go back in (snapshots off) */
    gdb_stop_reply(g, s);
}

/* Takes the input byte by byte until it is used up or the session ended. */
static void process(GdbStub *g)
{
    while (g->in_r < g->in_w && g->end == GDB_GO_ON) {
        switch (rsp_byte(&g->rsp, g->in[g->in_r++])) {
        case RSP_PACKET: gdb_handle(g); break;
        case RSP_MALFORMED: gdb_reply(g, E_SYNTAX); break;
        case RSP_TOO_LONG: gdb_reply(g, E_TOO_LONG); break;
        case RSP_INTERRUPT: break;       /* the machine is stopped already */
        case RSP_NONE: break;
        }
    }
    if (g->in_r == g->in_w)
        g->in_r = g->in_w = 0;
}

void gdbstub_feed(GdbStub *g, const uint8_t *data, size_t len)
{
    while (len && g->end == GDB_GO_ON) {
        compact(g);
        size_t n = GDB_IN_CAP - g->in_w < len ? GDB_IN_CAP - g->in_w : len;
        memcpy(g->in + g->in_w, data, n);
        g->in_w += n;
        data += n;
        len -= n;
        process(g);
    }
}

size_t gdbstub_take_output(GdbStub *g, uint8_t *buf, size_t cap)
{
    size_t n = g->rsp.out_len < cap ? g->rsp.out_len : cap;
    if (n == 0)
        return 0;                    /* (nothing may have been queued yet: no buffer) */
    memcpy(buf, g->rsp.out, n);
    memmove(g->rsp.out, g->rsp.out + n, g->rsp.out_len - n);
    g->rsp.out_len -= n;
    return n;
}

/* ---- life cycle and the session ---- */

GdbStub *gdbstub_new_detached(Debugger *d)
{
    GdbStub *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->d = d;
    g->m = dbg_machine(d);
    g->lfd = g->fd = -1;
    rsp_init(&g->rsp);
    if (!(g->tdesc = gdb_tdesc_xml(&g->tdesc_len))) {
        free(g);
        return NULL;
    }
    return g;
}

GdbStub *gdbstub_open(Debugger *d, const char *addr, Err *err)
{
    GdbStub *g = gdbstub_new_detached(d);
    if (!g) {
        err_set(err, "out of memory");
        return NULL;
    }
    if ((g->lfd = gdbsock_listen(addr, g->unix_path, sizeof g->unix_path, err)) < 0) {
        gdbstub_close(g);
        return NULL;
    }
    return g;
}

void gdbstub_close(GdbStub *g)
{
    if (!g)
        return;
    gdbsock_close(g->fd, NULL);
    gdbsock_close(g->lfd, g->unix_path);
    rsp_free(&g->rsp);
    free(g->tdesc);
    free(g);
}

/* While the machine runs and no gdb has come: a connection waiting, or the terminal's
 * Ctrl-C, stops the run. */
static bool poll_attach(void *ctx)
{
    GdbStub *g = ctx;
    if (g->prev && g->prev(g->prev_ctx)) {
        g->user_stop = true;
        return true;
    }
    return gdbsock_wait(g->lfd, 0, NULL) == 1;
}

/* Until gdb connects: 0 when it has, 1 when the terminal's Ctrl-C asked to end the
 * run, 2 when the run ended (or was ended) first, -1 with err. */
static int attach(GdbStub *g, bool wait, Err *err)
{
    g->prev = dbg_poll(g->d, &g->prev_ctx);
    if (!wait) {
        dbg_set_poll(g->d, poll_attach, g);
        const DbgStop *s = dbg_continue(g->d);
        dbg_set_poll(g->d, g->prev, g->prev_ctx);
        if (s->kind == DBG_STOP_END)
            return 2;
        if (g->user_stop)
            return 1;
        /* Stopped for gdb, or at a --break-on condition, which gdb then hears of. */
        g->attach_stop = s->kind == DBG_STOP_INTERRUPT;
    }
    for (;;) {
        int r = gdbsock_wait(g->lfd, WAIT_MS, err);
        if (r < 0)
            return -1;
        if (r == 1)
            return (g->fd = gdbsock_accept(g->lfd, err)) < 0 ? -1 : 0;
        if (g->m->interrupted)
            return 2;                /* SIGTERM: machine_run ends the run */
        if (g->prev && g->prev(g->prev_ctx))
            return 1;
    }
}

int gdbstub_serve(GdbStub *g, bool wait, Err *err)
{
    int r = attach(g, wait, err);
    if (r != 0)
        return r == 2 ? 0 : r;
    for (;;) {
        flush(g);
        if (g->end == GDB_KILL)
            return 1;
        if (g->end == GDB_DETACH || g->gone || g->m->interrupted)
            return 0;
        int w = gdbsock_wait(g->fd, WAIT_MS, err);
        if (w < 0)
            return -1;
        if (w == 0)
            continue;
        uint8_t buf[4096];
        ssize_t n = gdbsock_read(g->fd, buf, sizeof buf);
        if (n == 0 || n == -2)
            g->gone = true;          /* gdb went away: as a detach, the run goes on */
        else if (n > 0)
            gdbstub_feed(g, buf, (size_t)n);
    }
}
