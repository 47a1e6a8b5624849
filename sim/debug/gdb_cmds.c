/* The gdb stub's packets (GDB manual, E.2 "Packets", E.4 "General Query Packets"):
 * one table maps each packet to its handler, and every field is checked where it is
 * parsed, a bad one getting an error reply. Registers and memory are read from the
 * machine as they are; writes go through dbg_write_* (recorded as input events). */
#include <inttypes.h>
#include <stdlib.h>

#include "debug/gdb_priv.h"
#include "debug/gdb_tdesc.h"
#include "debug/monitor.h"

#define MAX_MEM (RSP_MAX_PACKET / 2 - 8)     /* bytes per m, M or X: what a reply holds */
#define RCMD_CHUNK 1024              /* text bytes per O packet of a monitor reply */

static void reply(GdbStub *g, const char *s) { gdb_reply(g, s); }

static void put_hex(char *dst, const uint8_t *b, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        dst[2 * i] = hex[b[i] >> 4];
        dst[2 * i + 1] = hex[b[i] & 15];
    }
}

/* A register's value as the g and p packets carry it: its 8 bytes, little-endian. */
static void put_reg(char *dst, uint64_t v)
{
    uint8_t b[8];
    st64_le(b, v);
    put_hex(dst, b, 8);
}

/* ---- parsing: every helper fails on what is not there ---- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A hex number of 1..16 digits at *p (advanced past it). */
static bool hex_u64(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;
    int n = 0;
    for (; hexval(*s) >= 0; s++, n++) {
        if (n == 16)
            return false;
        x = x << 4 | (uint64_t)hexval(*s);
    }
    if (n == 0)
        return false;
    *v = x;
    *p = s;
    return true;
}

static bool expect(const char **p, char c)
{
    if (**p != c)
        return false;
    ++*p;
    return true;
}

/* n bytes from 2n hex digits at s. */
static bool hex_bytes(const char *s, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);
        if (lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* "ADDR,LEN" (for m, M, X), LEN at most MAX_MEM. */
static bool addr_len(const char **p, uint64_t *addr, uint64_t *len)
{
    return hex_u64(p, addr) && expect(p, ',') && hex_u64(p, len);
}

/* ---- registers ---- */

/* Register regnum (gdb's RISC-V numbering, gdb_tdesc.h); false if the hart has none. */
static bool reg_read(GdbStub *g, uint64_t regnum, uint64_t *v)
{
    Cpu *c = g->m->cpu;
    if (regnum < 32)
        *v = cpu_get_reg(c, (unsigned)regnum);
    else if (regnum == GDB_REG_PC)
        *v = cpu_get_pc(c);
    else if (regnum >= GDB_REG_CSR0 && regnum < GDB_REG_CSR0 + 4096)
        return cpu_csr_read(c, (unsigned)(regnum - GDB_REG_CSR0), v) == 0;
    else if (regnum == GDB_REG_PRIV)
        *v = cpu_get_priv(c);
    else
        return false;
    return true;
}

/* A write from gdb, recorded by the debugger. One that changes nothing (gdb writes
 * back what it read, x0 is zero) is no input and is neither made nor recorded. */
static int reg_write(GdbStub *g, uint64_t regnum, uint64_t v, Err *err)
{
    uint64_t old;
    if (!reg_read(g, regnum, &old))
        return err_set(err, "no register %" PRIu64, regnum);
    if (old == v || regnum == 0)
        return 0;
    if (regnum <= GDB_REG_PC)
        return dbg_write_reg(g->d, (unsigned)regnum, v, err);
    if (regnum == GDB_REG_PRIV)
        return err_set(err, "the privilege level cannot be written");
    return dbg_write_csr(g->d, (unsigned)(regnum - GDB_REG_CSR0), v, err);
}

static void c_read_regs(GdbStub *g, const char *p)
{
    (void)p;
    char *o = g->rep;
    for (unsigned r = 0; r <= GDB_REG_PC; r++) {
        uint64_t v = 0;
        reg_read(g, r, &v);
        put_reg(o + 16 * r, v);
    }
    rsp_send(&g->rsp, g->rep, 16 * (GDB_REG_PC + 1));
}

/* G: x0..x31 and pc (fewer is fine: the first ones), 16 hex digits each. */
static void c_write_regs(GdbStub *g, const char *p)
{
    size_t n = strlen(p);
    uint64_t v[GDB_REG_PC + 1];
    if (n == 0 || n % 16 || n / 16 > ARRAY_SIZE(v))
        return reply(g, E_SYNTAX);
    for (size_t r = 0; r < n / 16; r++) {
        uint8_t b[8];
        if (!hex_bytes(p + 16 * r, 8, b))
            return reply(g, E_SYNTAX);
        v[r] = ld64_le(b);
    }
    Err err;
    for (size_t r = 0; r < n / 16; r++)
        if (reg_write(g, r, v[r], &err) < 0)
            return reply(g, E_REFUSED);
    reply(g, "OK");
}

static void c_read_reg(GdbStub *g, const char *p)
{
    uint64_t r, v;
    if (!hex_u64(&p, &r) || *p || !reg_read(g, r, &v))
        return reply(g, E_SYNTAX);
    put_reg(g->rep, v);
    rsp_send(&g->rsp, g->rep, 16);
}

/* P n=VALUE: VALUE is the register's bytes, little-endian, as g gives them. */
static void c_write_reg(GdbStub *g, const char *p)
{
    uint64_t r, dummy;
    if (!hex_u64(&p, &r) || !expect(&p, '=') || !reg_read(g, r, &dummy))
        return reply(g, E_SYNTAX);
    size_t n = strlen(p);
    uint8_t b[8] = { 0 };
    if (n == 0 || n % 2 || n > 16 || !hex_bytes(p, n / 2, b))
        return reply(g, E_SYNTAX);
    Err err;
    reply(g, reg_write(g, r, ld64_le(b), &err) < 0 ? E_REFUSED : "OK");
}

/* ---- memory ---- */

/* Reads as much of [addr, addr+len) as is RAM or ROM from its start; how much. */
static size_t mem_read(GdbStub *g, uint64_t addr, uint8_t *buf, size_t len)
{
    Err err;
    if (len > UINT64_MAX - addr)
        len = (size_t)(UINT64_MAX - addr);   /* no range past the top of the map */
    if (dbg_read_mem(g->d, addr, buf, len, &err) == 0)
        return len;
    size_t n = 0;
    while (n < len && dbg_read_mem(g->d, addr + n, buf + n, 1, &err) == 0)
        n++;
    return n;
}

static void c_read_mem(GdbStub *g, const char *p)
{
    uint64_t addr, len;
    uint8_t buf[MAX_MEM];
    if (!addr_len(&p, &addr, &len) || *p || len == 0)
        return reply(g, E_SYNTAX);
    /* Fewer bytes than asked is a valid answer (E.2, 'm'): gdb asks for the rest. */
    size_t n = mem_read(g, addr, buf, len < sizeof buf ? (size_t)len : sizeof buf);
    if (n == 0)
        return reply(g, E_FAULT);
    put_hex(g->rep, buf, n);
    rsp_send(&g->rsp, g->rep, 2 * n);
}

/* A write from gdb, recorded by the debugger, unless it changes nothing. */
static void write_mem(GdbStub *g, uint64_t addr, const uint8_t *data, size_t len)
{
    uint8_t now[MAX_MEM];
    Err err;
    if (len == 0 || (mem_read(g, addr, now, len) == len && memcmp(now, data, len) == 0))
        return reply(g, "OK");
    reply(g, dbg_write_mem(g->d, addr, data, len, &err) < 0 ? E_FAULT : "OK");
}

static void c_write_mem_hex(GdbStub *g, const char *p)
{
    uint64_t addr, len;
    uint8_t buf[MAX_MEM];
    if (!addr_len(&p, &addr, &len) || !expect(&p, ':') || len > sizeof buf || strlen(p) != 2 * len ||
        !hex_bytes(p, (size_t)len, buf))
        return reply(g, E_SYNTAX);
    write_mem(g, addr, buf, (size_t)len);
}

/* X: binary data, already unescaped by the packet layer; the packet's length says
 * where it ends (it may hold NULs). X with no data is gdb asking whether X works. */
static void c_write_mem_bin(GdbStub *g, const char *p)
{
    uint64_t addr, len;
    if (!addr_len(&p, &addr, &len) || !expect(&p, ':'))
        return reply(g, E_SYNTAX);
    size_t have = g->rsp.len - (size_t)(p - g->rsp.pkt);
    if (len > MAX_MEM || have != len)
        return reply(g, E_SYNTAX);
    write_mem(g, addr, (const uint8_t *)p, (size_t)len);
}

/* ---- breakpoints and watchpoints ---- */

GdbBreak *gdb_find_break(GdbStub *g, uint64_t pc)
{
    for (unsigned i = 0; i < g->nbrk; i++)
        if (g->brk[i].pc == pc)
            return &g->brk[i];
    return NULL;
}

static void c_break(GdbStub *g, uint64_t type, uint64_t pc, bool insert)
{
    GdbBreak *b = gdb_find_break(g, pc);
    Err err;
    if (!insert) {
        if (b && (b->kinds &= ~(1u << type)) == 0) {
            if (b->id)
                dbg_delete(g->d, b->id);
            *b = g->brk[--g->nbrk];
        }
        return reply(g, "OK");
    }
    if (!b) {
        if (g->nbrk == GDB_MAX_BREAKS)
            return reply(g, E_REFUSED);
        b = &g->brk[g->nbrk++];
        *b = (GdbBreak){ .pc = pc };
    }
    /* A point the monitor set is used as it is (and stays); one deleted behind gdb's
     * back (the monitor's delete) is set again. */
    if (!dbg_find(g->d, DBG_BREAK, pc, 0, 0)) {
        int id = dbg_break_pc(g->d, pc, &err);
        if (id < 0) {
            if (!b->kinds)
                *b = g->brk[--g->nbrk];
            return reply(g, E_REFUSED);
        }
        b->id = id;
    }
    b->kinds |= 1u << type;          /* inserting twice is once (E.2, 'Z') */
    reply(g, "OK");
}

static void c_watch(GdbStub *g, uint64_t type, uint64_t addr, uint64_t len, bool insert)
{
    static const DbgWatchKind kinds[] = { [2] = DBG_W_WRITE, [3] = DBG_W_READ, [4] = DBG_W_ACCESS };
    DbgWatchKind k = kinds[type];
    int id = dbg_find(g->d, DBG_WATCH, addr, len, k);
    Err err;
    if (!insert) {
        if (id)
            dbg_delete(g->d, id);
        return reply(g, "OK");
    }
    if (len == 0)
        return reply(g, E_SYNTAX);
    reply(g, id || dbg_watch(g->d, k, addr, len, &err) > 0 ? "OK" : E_REFUSED);
}

/* Z/z TYPE,ADDR,KIND[;cond...]: KIND is a breakpoint's length (2 or 4, ignored here)
 * or a watchpoint's; conditions and commands are gdb's to evaluate, not sent. */
static void c_point(GdbStub *g, const char *p, bool insert)
{
    uint64_t type, addr, kind;
    if (!hex_u64(&p, &type) || !expect(&p, ',') || !hex_u64(&p, &addr) || !expect(&p, ',') || !hex_u64(&p, &kind) ||
        (*p && *p != ';'))
        return reply(g, E_SYNTAX);
    if (type > 4)
        return reply(g, "");         /* a kind of point this stub does not have */
    if (type <= 1)
        return c_break(g, type, addr, insert);
    c_watch(g, type, addr, kind, insert);
}

static void c_insert(GdbStub *g, const char *p) { c_point(g, p, true); }
static void c_remove(GdbStub *g, const char *p) { c_point(g, p, false); }

/* c [ADDR], s [ADDR], and C SIG[;ADDR], S SIG[;ADDR] (the signal is not delivered:
 * the hart has none). ADDR moves the pc first (a recorded write). */
static void resume(GdbStub *g, const char *p, GdbRun kind, bool with_sig)
{
    uint64_t addr, sig;
    if (with_sig && (!hex_u64(&p, &sig) || (*p && !expect(&p, ';'))))
        return reply(g, E_SYNTAX);
    if (*p) {
        Err err;
        if (!hex_u64(&p, &addr) || *p)
            return reply(g, E_SYNTAX);
        if (reg_write(g, GDB_REG_PC, addr, &err) < 0)
            return reply(g, E_REFUSED);
    }
    gdb_run(g, kind);
}

static void c_continue(GdbStub *g, const char *p) { resume(g, p, GDB_CONTINUE, false); }
static void c_step(GdbStub *g, const char *p) { resume(g, p, GDB_STEP, false); }
static void c_continue_sig(GdbStub *g, const char *p) { resume(g, p, GDB_CONTINUE, true); }
static void c_step_sig(GdbStub *g, const char *p) { resume(g, p, GDB_STEP, true); }
/* bs, bc: one instruction back, back to the last stop (debug/dbg_travel.c). */
static void c_reverse_step(GdbStub *g, const char *p) { (void)p; gdb_run(g, GDB_REVERSE_STEP); }
static void c_reverse_continue(GdbStub *g, const char *p) { (void)p; gdb_run(g, GDB_REVERSE_CONTINUE); }

/* A thread id for the one hart: absent, -1 (all), 0 (any), 1, or pPID.TID of those. */
static bool our_thread(const char *t, size_t n)
{
    static const char *const ok[] = { "-1", "0", "1", "p1.1", "p1.-1", "p-1.-1", "p1", "p-1" };
    if (n == 0)
        return true;
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
        if (strlen(ok[i]) == n && memcmp(ok[i], t, n) == 0)
            return true;
    return false;
}

/* vCont;ACTION[:THREAD]...: the first action for the hart says what it does. */
static void c_vcont(GdbStub *g, const char *p)
{
    while (*p == ';') {
        p++;
        const char *end = p + strcspn(p, ";");
        const char *colon = memchr(p, ':', (size_t)(end - p));
        const char *tid = colon ? colon + 1 : end;
        char act = *p;
        bool sig_ok = true;
        if (act == 'C' || act == 'S') {
            const char *q = p + 1;
            uint64_t sig;
            sig_ok = hex_u64(&q, &sig) && q == (colon ? colon : end);
        } else {
            sig_ok = p + 1 == (colon ? colon : end);
        }
        if (!sig_ok || !strchr("cCsS", act) || act == 0)
            return reply(g, E_SYNTAX);
        if (our_thread(tid, (size_t)(end - tid)))
            return gdb_run(g, act == 'c' || act == 'C' ? GDB_CONTINUE : GDB_STEP);
        p = end;
    }
    reply(g, E_SYNTAX);
}

static void c_vcont_query(GdbStub *g, const char *p)
{
    (void)p;
    reply(g, "vCont;c;C;s;S");       /* gdb uses vCont only when all four are there */
}

static void c_why(GdbStub *g, const char *p)
{
    (void)p;
    gdb_stop_reply(g, dbg_last_stop(g->d));
}

/* ---- queries and session ---- */

static void c_supported(GdbStub *g, const char *p)
{
    (void)p;
    gdb_replyf(g, "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;vContSupported+;swbreak+;hwbreak+;ReverseStep+;ReverseContinue+",
           RSP_MAX_PACKET);
}

/* qXfer:features:read:ANNEX:OFFSET,LENGTH -> m DATA (more follows) or l DATA (the end). */
static void c_features(GdbStub *g, const char *p)
{
    static const char annex[] = "target.xml:";
    uint64_t off, len;
    if (strncmp(p, annex, sizeof annex - 1) != 0)
        return reply(g, "E00");      /* E.4: E00 is an annex that is not there */
    p += sizeof annex - 1;
    if (!hex_u64(&p, &off) || !expect(&p, ',') || !hex_u64(&p, &len) || *p || off > g->tdesc_len)
        return reply(g, E_SYNTAX);
    size_t want = g->tdesc_len - off < len ? g->tdesc_len - (size_t)off : (size_t)len, used;
    size_t took = rsp_escape((const uint8_t *)g->tdesc + off, want, (uint8_t *)g->rep + 1, sizeof g->rep - 1, &used);
    g->rep[0] = off + took == g->tdesc_len ? 'l' : 'm';
    rsp_send(&g->rsp, g->rep, used + 1);
}

static void c_no_ack(GdbStub *g, const char *p)
{
    (void)p;
    reply(g, "OK");                  /* still acked; nothing after it is (E.11) */
    g->rsp.no_ack = true;
}

static void c_ok(GdbStub *g, const char *p) { (void)p; reply(g, "OK"); }
static void c_current_thread(GdbStub *g, const char *p) { (void)p; reply(g, "QC1"); }
static void c_first_thread(GdbStub *g, const char *p) { (void)p; reply(g, "m1"); }
static void c_next_thread(GdbStub *g, const char *p) { (void)p; reply(g, "l"); }
static void c_attached(GdbStub *g, const char *p) { (void)p; reply(g, "1"); }
/* The firmware runs where its ELF says: nothing is relocated. */
static void c_offsets(GdbStub *g, const char *p) { (void)p; reply(g, "Text=0;Data=0;Bss=0"); }

static void c_set_thread(GdbStub *g, const char *p)
{
    /* Hg / Hc THREAD: there is one hart, and every selection is it. */
    reply(g, (*p == 'g' || *p == 'c') && our_thread(p + 1, strlen(p + 1)) ? "OK" : E_SYNTAX);
}

static void c_thread_alive(GdbStub *g, const char *p) { reply(g, our_thread(p, strlen(p)) ? "OK" : E_SYNTAX); }

static void c_thread_info(GdbStub *g, const char *p)
{
    (void)p;
    static const char text[] = "hart 0";
    put_hex(g->rep, (const uint8_t *)text, sizeof text - 1);
    rsp_send(&g->rsp, g->rep, 2 * (sizeof text - 1));
}

static void c_detach(GdbStub *g, const char *p)
{
    (void)p;
    reply(g, "OK");
    g->end = GDB_DETACH;
}

static void c_kill(GdbStub *g, const char *p)
{
    (void)p;
    g->end = GDB_KILL;               /* k has no reply */
}

static void c_vkill(GdbStub *g, const char *p)
{
    (void)p;
    reply(g, "OK");
    g->end = GDB_KILL;
}

/* qRcmd,HEX: `monitor CMD` in gdb. The monitor's text goes back in O packets, then OK;
 * an error is its "error: ..." text, so gdb shows the monitor's own words. */
static void c_rcmd(GdbStub *g, const char *p)
{
    size_t n = strlen(p);
    char cmd[RSP_MAX_PACKET / 2 + 1];
    if (n % 2 || !hex_bytes(p, n / 2, (uint8_t *)cmd))
        return reply(g, E_SYNTAX);
    cmd[n / 2] = 0;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    Monitor *mon = f ? monitor_create(g->d, f, true) : NULL;
    if (!mon) {
        if (f)
            fclose(f);
        free(text);
        return reply(g, E_REFUSED);
    }
    int r = monitor_exec(mon, cmd);
    monitor_destroy(mon);
    if (fclose(f) != 0)
        len = 0;
    for (size_t i = 0; i < len; i += RCMD_CHUNK) {
        size_t k = len - i < RCMD_CHUNK ? len - i : RCMD_CHUNK;
        g->rep[0] = 'O';
        put_hex(g->rep + 1, (const uint8_t *)text + i, k);
        rsp_send(&g->rsp, g->rep, 1 + 2 * k);
    }
    free(text);
    reply(g, "OK");
    if (r == MON_QUIT)
        g->end = GDB_KILL;
    else if (r == MON_DETACH)
        g->end = GDB_DETACH;
}

/* ---- the packet table ---- */

typedef void Handler(GdbStub *g, const char *args);

/* A packet is the first row whose name it starts with (exact: equals); the handler
 * gets what follows the name. Longer names come before their prefixes. */
typedef struct Packet {
    const char *name;
    bool exact;
    Handler *fn;
} Packet;

static const Packet packets[] = {
    { "qSupported", false, c_supported },
    { "qXfer:features:read:", false, c_features },
    { "QStartNoAckMode", true, c_no_ack },
    { "qRcmd,", false, c_rcmd },
    { "qC", true, c_current_thread },
    { "qfThreadInfo", true, c_first_thread },
    { "qsThreadInfo", true, c_next_thread },
    { "qThreadExtraInfo,", false, c_thread_info },
    { "qAttached", false, c_attached },
    { "qOffsets", true, c_offsets },
    { "qSymbol:", false, c_ok },
    { "vCont?", true, c_vcont_query },
    { "vCont", false, c_vcont },
    { "vKill", false, c_vkill },
    { "?", true, c_why },
    { "g", true, c_read_regs },
    { "G", false, c_write_regs },
    { "p", false, c_read_reg },
    { "P", false, c_write_reg },
    { "m", false, c_read_mem },
    { "M", false, c_write_mem_hex },
    { "X", false, c_write_mem_bin },
    { "Z", false, c_insert },
    { "z", false, c_remove },
    { "bs", true, c_reverse_step },
    { "bc", true, c_reverse_continue },
    { "c", false, c_continue },
    { "s", false, c_step },
    { "C", false, c_continue_sig },
    { "S", false, c_step_sig },
    { "H", false, c_set_thread },
    { "T", false, c_thread_alive },
    { "D", false, c_detach },
    { "k", false, c_kill },
};

void gdb_handle(GdbStub *g)
{
    const char *pkt = g->rsp.pkt;
    for (size_t i = 0; i < ARRAY_SIZE(packets); i++) {
        const Packet *k = &packets[i];
        size_t n = strlen(k->name);
        if (strncmp(pkt, k->name, n) == 0 && (!k->exact || pkt[n] == 0))
            return k->fn(g, pkt + n);
    }
    reply(g, "");                    /* E.2: an unknown packet gets an empty reply */
}
