/* The debugger's stop points and run control (see debugger.h). */
#include "debug/debugger.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "debug/dbg_priv.h"
#include "pci/host_bridge.h"
#include "virtio/virtio_net.h"

Machine *dbg_machine(const Debugger *d) { return d->m; }

/* ---- the machine's view ---- */

static void fill_where(Debugger *d, DbgStop *s)
{
    s->vtime = cpu_vclock(d->m->cpu);
    s->pc = cpu_get_pc(d->m->cpu);
    s->instret = cpu_instret(d->m->cpu);
}

static void fire(Debugger *d, DbgPoint *p, DbgStopKind kind)
{
    if (d->traveling == DBG_TRAVEL_QUIET)
        return;                      /* going to a moment: the points sleep */
    if (d->traveling == DBG_TRAVEL_OFF)
        p->hits++;
    if (d->fired)
        return;                      /* the first point of an instruction tells why */
    d->fired = true;
    memset(&d->stop, 0, sizeof d->stop);
    d->stop.kind = kind;
    d->stop.id = p->id;
    snprintf(d->stop.point, sizeof d->stop.point, "%s", p->text);
    machine_pause(d->m);
}

static bool ranges_meet(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static void watch_hit(Debugger *d, uint64_t addr, unsigned size, bool is_write, uint64_t val)
{
    for (unsigned i = 0; i < d->npt; i++) {
        DbgPoint *p = &d->pt[i];
        if (p->kind != DBG_WATCH || !(p->wkind & (is_write ? DBG_W_WRITE : DBG_W_READ)) ||
            !ranges_meet(addr, size, p->addr, p->len))
            continue;
        bool first = !d->fired;
        fire(d, p, DBG_STOP_WATCH);
        if (first) {
            d->stop.addr = addr;
            d->stop.size = size;
            d->stop.is_write = is_write;
            d->stop.value = val;
        }
    }
}

static void ram_store(void *ctx, uint64_t addr, unsigned size, uint64_t val) { watch_hit(ctx, addr, size, true, val); }
static void ram_load(void *ctx, uint64_t addr, unsigned size, uint64_t val) { watch_hit(ctx, addr, size, false, val); }

/* A copy of ev into k whose text and bytes live in k (cut to what fits). */
static void keep(Kept *k, const TraceEvent *ev)
{
    k->ev = *ev;
    size_t used = 0;
    unsigned nf;
    const TraceFieldInfo *f = trace_event_fields(ev->type, &nf);
    for (unsigned i = 0; i < nf; i++) {
        uint8_t *p = (uint8_t *)&k->ev + f[i].offset;
        size_t room = HIST_BUF - used;
        if (f[i].type == TRACE_FT_str) {
            const char *s = *(const char **)p;
            size_t l = strlen(s ? s : "");
            if (l >= room)
                l = room ? room - 1 : 0;
            char *dst = (char *)k->buf + used;
            if (room) {
                memcpy(dst, s ? s : "", l);
                dst[l] = 0;
                used += l + 1;
                *(const char **)p = dst;
            } else {
                *(const char **)p = "";
            }
        } else if (f[i].type == TRACE_FT_bytes) {
            TraceBytes *b = (TraceBytes *)p;
            size_t l = b->len < room ? b->len : room;
            memcpy(k->buf + used, b->data, l);
            b->data = k->buf + used;
            b->len = l;
            used += l;
        } else if (f[i].type == TRACE_FT_descs) {
            TraceDescList *l = (TraceDescList *)p;
            size_t n = l->n;
            size_t pad = (sizeof(TraceDesc) - used % sizeof(TraceDesc)) % sizeof(TraceDesc);
            if (pad + n * sizeof(TraceDesc) > room)
                n = room > pad ? (room - pad) / sizeof(TraceDesc) : 0;
            used += pad;
            memcpy(k->buf + used, l->d, n * sizeof(TraceDesc));
            l->d = (const TraceDesc *)(k->buf + used);
            l->n = n;
            used += n * sizeof(TraceDesc);
        }
    }
}

void dbg_event_text(const Debugger *d, const TraceEvent *ev, char *buf, size_t n)
{
    trace_event_format(ev, buf, n);
    const VirtioNet *net = d->m->net;
    char *q = strstr(buf, " queue=");
    if (!net || !strstr(buf, " dev=virtio-net") || !q)
        return;
    char *digits = q + 7, *end = digits;
    while (*end >= '0' && *end <= '9')
        end++;
    char role[16];
    if (end == digits || (*end && *end != ' ') ||
        !virtio_net_queue_role((unsigned)strtoul(digits, NULL, 10), virtio_net_ctrl_queue(net), role, sizeof role))
        return;
    char tail[512];
    snprintf(tail, sizeof tail, "%s", end);
    snprintf(digits, n - (size_t)(digits - buf), "%s%s", role, tail);
}

static void observe(void *ctx, const TraceEvent *ev)
{
    Debugger *d = ctx;
    if (d->history) {
        keep(&d->hist[d->hist_next], ev);
        d->hist_next = (d->hist_next + 1) % HISTORY;
        if (d->hist_n < HISTORY)
            d->hist_n++;
    }
    for (unsigned i = 0; i < d->npt; i++) {
        DbgPoint *p = &d->pt[i];
        if (p->kind == DBG_COND && cond_match(&p->cond, ev, dbg_late, d)) {
            bool first = !d->fired;
            fire(d, p, DBG_STOP_COND);
            if (first)
                dbg_event_text(d, ev, d->stop.event, sizeof d->stop.event);
        }
    }
    /* Device accesses for watchpoints outside RAM; an access through the PCI I/O
     * window is at PCI_IO_BASE + port as the CPU addressed it. */
    uint64_t addr;
    unsigned size;
    bool wr;
    uint64_t val;
    switch (ev->type) {
    case TRACE_EV_mmio_read: addr = ev->u.mmio_read.addr; size = ev->u.mmio_read.size; wr = false; val = ev->u.mmio_read.value; break;
    case TRACE_EV_mmio_write: addr = ev->u.mmio_write.addr; size = ev->u.mmio_write.size; wr = true; val = ev->u.mmio_write.value; break;
    case TRACE_EV_pio_read: addr = PCI_IO_BASE + ev->u.pio_read.port; size = ev->u.pio_read.size; wr = false; val = ev->u.pio_read.value; break;
    case TRACE_EV_pio_write: addr = PCI_IO_BASE + ev->u.pio_write.port; size = ev->u.pio_write.size; wr = true; val = ev->u.pio_write.value; break;
    default: return;
    }
    watch_hit(d, addr, size, wr, val);
}

/* Observes what the armed points and the history need, and watches RAM for the
 * watchpoints on it; called after every change to the points (while stopped). */
static void rewire(Debugger *d)
{
    TraceTypeSet want = { { 0 } };
    bool bus = false, ram_w = false, ram_r = false;
    Ram *ram = &d->m->ram;
    if (d->history)
        trace_types_all(&want);
    mem_watch_remove(&d->m->watch, d);
    for (unsigned i = 0; i < d->npt; i++) {
        const DbgPoint *p = &d->pt[i];
        if (p->kind == DBG_COND)
            for (unsigned w = 0; w < TRACE_EV_LIMIT / 64; w++)
                want.bits[w] |= p->cond.types.bits[w];
        if (p->kind != DBG_WATCH)
            continue;
        /* The part in RAM is watched there, the rest through the bus events. */
        uint64_t lo = p->addr > ram->base ? p->addr : ram->base;
        uint64_t hi = p->addr + p->len < ram->base + ram->size ? p->addr + p->len : ram->base + ram->size;
        if (lo < hi) {
            if (p->wkind & DBG_W_WRITE) {
                mem_watch_add(&d->m->watch, lo, hi - lo, ram_store, d);
                ram_w = true;
            }
            ram_r |= (p->wkind & DBG_W_READ) != 0;
        }
        if (p->addr < ram->base || p->addr + p->len > ram->base + ram->size)
            bus = true;
    }
    if (bus)
        trace_types_add_family(&want, "bus");
    d->watching_ram_stores = ram_w;
    cpu_set_load_hook(d->m->cpu, ram_r ? ram_load : NULL, d);
    d->watching_loads = ram_r;
    bool any = false;
    for (unsigned w = 0; w < TRACE_EV_LIMIT / 64; w++)
        any |= want.bits[w] != 0;
    if (d->observing && memcmp(&want, &d->types, sizeof want) == 0)
        return;
    if (d->observing)
        tracer_unobserve(&d->m->tracer, observe, d);
    d->observing = false;
    d->types = want;
    if (any && tracer_observe(&d->m->tracer, observe, d, &want) == 0)
        d->observing = true;
}

/* ---- life cycle ---- */

Debugger *debugger_create(Machine *m, Err *err)
{
    Debugger *d = calloc(1, sizeof *d);
    if (!d) {
        err_set(err, "out of memory");
        return NULL;
    }
    d->m = m;
    d->next_id = 1;
    return d;
}

void debugger_destroy(Debugger *d)
{
    if (!d)
        return;
    dbg_delete(d, 0);
    d->history = false;
    rewire(d);
    travel_destroy(d->travel);
    free(d->config);
    free(d->hist);
    free(d);
}

/* ---- stop points ---- */

static DbgPoint *new_point(Debugger *d, DbgPointKind kind, const char *text, Err *err)
{
    if (d->npt == DBG_MAX_POINTS) {
        err_set(err, "no room for more than %d stop points: delete some", DBG_MAX_POINTS);
        return NULL;
    }
    DbgPoint *p = &d->pt[d->npt];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    snprintf(p->text, sizeof p->text, "%s", text);
    return p;
}

static int commit(Debugger *d, DbgPoint *p)
{
    p->id = d->next_id++;
    d->npt++;
    rewire(d);
    return p->id;
}

int dbg_break_on(Debugger *d, const char *cond, bool temp, Err *err)
{
    DbgPoint *p = new_point(d, DBG_COND, cond, err);
    if (!p || cond_parse(cond, &p->cond, dbg_resolve, d, err) < 0)
        return -1;
    p->temp = temp;
    return commit(d, p);
}

int dbg_break_pc(Debugger *d, uint64_t pc, Err *err)
{
    char text[40];
    snprintf(text, sizeof text, "0x%" PRIx64, pc);
    DbgPoint *p = new_point(d, DBG_BREAK, text, err);
    if (!p)
        return -1;
    if (pc & 1)
        return err_set(err, "break 0x%" PRIx64 ": instructions are 2-byte aligned", pc);
    if (cpu_break_add(d->m->cpu, pc) < 0)
        return err_set(err, "break 0x%" PRIx64 ": the CPU holds at most %d breakpoints", pc, CPU_MAX_BREAKS);
    p->addr = pc;
    return commit(d, p);
}

int dbg_break_at(Debugger *d, const char *where, Err *err)
{
    char name[128];
    const char *plus = strchr(where, '+');
    size_t nl = plus ? (size_t)(plus - where) : strlen(where);
    uint64_t off = 0, pc;
    char *end;
    if (plus) {
        errno = 0;
        off = strtoull(plus + 1, &end, 0);
        if (errno || end == plus + 1 || *end)
            return err_set(err, "break %s: '%s' is not an offset", where, plus + 1);
    }
    if (nl == 0 || nl >= sizeof name)
        return err_set(err, "break: expected PC or SYMBOL[+OFF]");
    memcpy(name, where, nl);
    name[nl] = 0;
    errno = 0;
    pc = strtoull(name, &end, 0);
    if (!(name[0] >= '0' && name[0] <= '9') || errno || *end) {
        const Symbol *s = symtab_find(&d->m->fw.symtab, name);
        if (!s)
            return err_set(err, "break %s: no function '%s' in the firmware's symbols", where, name);
        pc = s->addr;
    }
    int id = dbg_break_pc(d, pc + off, err);
    if (id > 0)
        snprintf(d->pt[d->npt - 1].text, sizeof d->pt[0].text, "%s (0x%" PRIx64 ")", where, pc + off);
    return id;
}

int dbg_watch(Debugger *d, DbgWatchKind kind, uint64_t addr, uint64_t len, Err *err)
{
    static const char *const kinds[] = { "", "write", "read", "access" };
    if (kind < DBG_W_WRITE || kind > DBG_W_ACCESS)
        return err_set(err, "watch: kind must be read, write or access");
    if (len == 0 || addr + len - 1 < addr)
        return err_set(err, "watch 0x%" PRIx64 ": a length of 1 or more that does not wrap", addr);
    char text[80];
    snprintf(text, sizeof text, "%s 0x%" PRIx64 " len %" PRIu64, kinds[kind], addr, len);
    DbgPoint *p = new_point(d, DBG_WATCH, text, err);
    if (!p)
        return -1;
    p->addr = addr;
    p->len = len;
    p->wkind = kind;
    return commit(d, p);
}

int dbg_delete(Debugger *d, int id)
{
    uint64_t gone[DBG_MAX_POINTS];   /* pcs of the breakpoints deleted */
    unsigned j = 0, ngone = 0;
    bool found = false;
    for (unsigned i = 0; i < d->npt; i++) {
        DbgPoint *p = &d->pt[i];
        if (id == 0 || p->id == id) {
            found = true;
            if (p->kind == DBG_BREAK)
                gone[ngone++] = p->addr;
            continue;
        }
        d->pt[j++] = *p;
    }
    d->npt = j;
    /* The CPU keeps a pc while another breakpoint still stands there. */
    for (unsigned k = 0; k < ngone; k++)
        if (!dbg_find(d, DBG_BREAK, gone[k], 0, 0))
            cpu_break_remove(d->m->cpu, gone[k]);
    rewire(d);
    return found || id == 0 ? 0 : -1;
}

int dbg_find(const Debugger *d, DbgPointKind kind, uint64_t addr, uint64_t len, DbgWatchKind wkind)
{
    for (unsigned i = 0; i < d->npt; i++) {
        const DbgPoint *p = &d->pt[i];
        if (p->kind == kind && p->addr == addr && (kind != DBG_WATCH || (p->len == len && p->wkind == wkind)))
            return p->id;
    }
    return 0;
}

const DbgPoint *dbg_points(const Debugger *d, unsigned *n)
{
    *n = d->npt;
    return d->pt;
}

/* ---- run control ---- */

void dbg_set_poll(Debugger *d, DbgPollFn *fn, void *ctx)
{
    d->poll = fn;
    d->poll_ctx = ctx;
}

DbgPollFn *dbg_poll(const Debugger *d, void **ctx)
{
    *ctx = d->poll_ctx;
    return d->poll;
}

/* Runs in slices (polling between them) until vlimit/ilimit, a stop point or the end. */
static const DbgStop *run(Debugger *d, uint64_t vlimit, uint64_t ilimit, DbgStopKind at_limit)
{
    Machine *m = d->m;
    d->fired = false;
    dbg_travel_start(d);
    /* Going on from a breakpoint runs its instruction (gdb's and the monitor's
     * continue and stepi alike); between slices nothing is stepped over. */
    if (cpu_break_at(m->cpu, cpu_get_pc(m->cpu)))
        cpu_break_step_over(m->cpu);
    for (;;) {
        uint64_t now = cpu_vclock(m->cpu);
        uint64_t slice = now + DBG_SLICE < vlimit && now + DBG_SLICE > now ? now + DBG_SLICE : vlimit;
        StopReason why = machine_run_until(m, slice, dbg_travel_limit(d, ilimit));
        if (why != STOP_PAUSED) {
            memset(&d->stop, 0, sizeof d->stop);
            d->stop.kind = DBG_STOP_END;
            d->stop.end = why;
            break;
        }
        if (d->fired)
            break;                   /* d->stop says which point */
        if (m->at_break) {
            memset(&d->stop, 0, sizeof d->stop);
            d->stop.kind = DBG_STOP_BREAK;
            for (unsigned i = 0; i < d->npt; i++)
                if (d->pt[i].kind == DBG_BREAK && d->pt[i].addr == cpu_get_pc(m->cpu)) {
                    d->pt[i].hits++;
                    d->stop.id = d->pt[i].id;
                    snprintf(d->stop.point, sizeof d->stop.point, "%s", d->pt[i].text);
                    break;
                }
            break;
        }
        if (cpu_vclock(m->cpu) >= vlimit || cpu_instret(m->cpu) >= ilimit) {
            memset(&d->stop, 0, sizeof d->stop);
            d->stop.kind = at_limit;
            break;
        }
        dbg_travel_tick(d);
        if (d->poll && d->poll(d->poll_ctx)) {
            memset(&d->stop, 0, sizeof d->stop);
            d->stop.kind = DBG_STOP_INTERRUPT;
            break;
        }
    }
    fill_where(d, &d->stop);
    dbg_travel_tick(d);
    /* A one-shot point that fired is gone. */
    if (d->stop.kind == DBG_STOP_COND)
        for (unsigned i = 0; i < d->npt; i++)
            if (d->pt[i].id == d->stop.id && d->pt[i].temp) {
                dbg_delete(d, d->stop.id);
                break;
            }
    return &d->stop;
}

const DbgStop *dbg_continue(Debugger *d) { return run(d, MACHINE_NO_LIMIT, MACHINE_NO_LIMIT, DBG_STOP_STEP); }

const DbgStop *dbg_stepi(Debugger *d, uint64_t n)
{
    uint64_t now = cpu_instret(d->m->cpu);
    return run(d, MACHINE_NO_LIMIT, now + n < now ? MACHINE_NO_LIMIT : now + n, DBG_STOP_STEP);
}

const DbgStop *dbg_run_to(Debugger *d, uint64_t t) { return run(d, t, MACHINE_NO_LIMIT, DBG_STOP_TIME); }

const DbgStop *dbg_last_stop(const Debugger *d) { return &d->stop; }

bool dbg_ended(const Debugger *d) { return d->m->stop != STOP_NONE; }

/* ---- history and printing ---- */

void dbg_keep_history(Debugger *d, bool on)
{
    if (on && !d->hist && !(d->hist = calloc(HISTORY, sizeof *d->hist)))
        on = false;
    d->history = on;
    rewire(d);
}

void dbg_print_history(const Debugger *d, unsigned n, FILE *f)
{
    if (!d->history) {
        fprintf(f, "no events kept (history is off)\n");
        return;
    }
    if (n > d->hist_n)
        n = d->hist_n;
    for (unsigned i = 0; i < n; i++) {
        const Kept *k = &d->hist[(d->hist_next + HISTORY - n + i) % HISTORY];
        char line[512];
        dbg_event_text(d, &k->ev, line, sizeof line);
        fprintf(f, "%s\n", line);
    }
    if (n == 0)
        fprintf(f, "no events yet\n");
}

void dbg_print_stop(const Debugger *d, const DbgStop *s, FILE *f)
{
    uint64_t off = 0;
    const Symbol *sym = symtab_lookup(&d->m->fw.symtab, s->pc, &off);
    char where[200];
    if (sym)
        snprintf(where, sizeof where, "pc 0x%" PRIx64 " <%s+0x%" PRIx64 ">, time %" PRIu64 ", %" PRIu64 " instructions",
                 s->pc, sym->name, off, s->vtime, s->instret);
    else
        snprintf(where, sizeof where, "pc 0x%" PRIx64 ", time %" PRIu64 ", %" PRIu64 " instructions", s->pc, s->vtime,
                 s->instret);
    switch (s->kind) {
    case DBG_STOP_NONE: fprintf(f, "not started: %s\n", where); break;
    case DBG_STOP_COND:
        fprintf(f, "stopped: condition %d (%s) at %s\n  event: %s\n", s->id, s->point, where, s->event);
        break;
    case DBG_STOP_BREAK: fprintf(f, "stopped: breakpoint %d (%s) at %s\n", s->id, s->point, where); break;
    case DBG_STOP_WATCH:
        fprintf(f, "stopped: watchpoint %d (%s) at %s\n  %s of %u bytes at 0x%" PRIx64 ": 0x%" PRIx64 "\n", s->id,
                s->point, where, s->is_write ? "write" : "read", s->size, s->addr, s->value);
        break;
    case DBG_STOP_STEP: fprintf(f, "stopped: stepped, at %s\n", where); break;
    case DBG_STOP_TIME: fprintf(f, "stopped: at the time asked, %s\n", where); break;
    case DBG_STOP_INTERRUPT: fprintf(f, "stopped: interrupted at %s\n", where); break;
    case DBG_STOP_EVENT: fprintf(f, "stopped: after event #%" PRIu64 " at %s\n  event: %s\n", s->value, where, s->event); break;
    case DBG_STOP_ORIGIN: fprintf(f, "stopped: at the start of the recorded history, %s\n", where); break;
    case DBG_STOP_END:
        fprintf(f, "the run has ended: %s (guest exit %d) at %s\n", machine_stop_name(s->end), d->m->exit_code, where);
        break;
    }
}

/* ---- names in conditions ---- */

uint64_t dbg_late(void *ctx, CondLate late)
{
    Debugger *d = ctx;
    if (late == COND_LATE_CTRL_QUEUE && d->m->net)
        return virtio_net_ctrl_queue(d->m->net);
    return UINT64_MAX;
}

/* ---- writes and reads ---- */

int dbg_write_reg(Debugger *d, unsigned reg, uint64_t value, Err *err)
{
    if (dbg_travel_before_write(d, err) != 0)
        return -1;
    return machine_write_reg(d->m, reg, value, err);
}

int dbg_write_csr(Debugger *d, unsigned csr, uint64_t value, Err *err)
{
    if (dbg_travel_before_write(d, err) != 0)
        return -1;
    return machine_write_reg(d->m, MACHINE_REG_CSR + (csr & 0xfff), value, err);
}

int dbg_write_mem(Debugger *d, uint64_t addr, const void *data, size_t len, Err *err)
{
    if (dbg_travel_before_write(d, err) != 0)
        return -1;
    return machine_write_mem(d->m, addr, data, len, err);
}

int dbg_read_mem(Debugger *d, uint64_t addr, void *buf, size_t len, Err *err)
{
    if (ram_read(&d->m->ram, addr, buf, len) == 0)
        return 0;
    const Region *r = as_find(&d->m->mem, addr);
    if (r && r->ops->fetch_ptr && addr - r->base + len <= r->size) {
        for (size_t i = 0; i < len; i += 2) {
            const uint8_t *p = r->ops->fetch_ptr(r->opaque, addr - r->base + i);
            if (!p)
                return err_set(err, "0x%" PRIx64 " cannot be read", addr + i);
            memcpy((uint8_t *)buf + i, p, len - i < 2 ? len - i : 2);
        }
        return 0;
    }
    return err_set(err, "0x%" PRIx64 "+%zu is not RAM or ROM (device registers are not read: a read can change them)",
                   addr, len);
}
