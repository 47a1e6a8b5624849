/* The monitor's commands (see monitor.h): one table, each row a command with its
 * arguments, its help line and whether it runs the machine. */
#include "debug/monitor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "pci/host_bridge.h"
#include "virtio/virtio_names.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_pci.h"

#if HAVE_LIBEDIT
#include <editline/readline.h>
#endif

struct Monitor {
    Debugger *d;
    Machine *m;
    FILE *out;
    bool gdb;
    MonScreenshotFn *shot;       /* the window's, or NULL */
    void *shot_ctx;
};

typedef int CmdFn(Monitor *mon, char *args);

typedef struct MonCmd {
    const char *name, *alias, *args, *help;
    CmdFn *fn;
    bool runs;                   /* runs the machine */
} MonCmd;

static const MonCmd *find_cmd(const char *name);
static const MonCmd cmds[];

static int fail(Monitor *mon, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(Monitor *mon, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(mon->out, "error: ");
    vfprintf(mon->out, fmt, ap);
    fprintf(mon->out, "\n");
    va_end(ap);
    return MON_ERROR;
}

static char *skip_blank(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* The next word of *p (NUL-terminated in place), or NULL at the end. */
static char *word(char **p)
{
    char *s = skip_blank(*p);
    if (!*s)
        return NULL;
    char *e = s;
    while (*e && *e != ' ' && *e != '\t')
        e++;
    if (*e)
        *e++ = 0;
    *p = e;
    return s;
}

static int number(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    if (!s || !(*s >= '0' && *s <= '9'))
        return -1;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || *end)
        return -1;
    *v = x;
    return 0;
}

static void print_stop(Monitor *mon, const DbgStop *s) { dbg_print_stop(mon->d, s, mon->out); }

/* ---- stop points ---- */

static int c_break_on(Monitor *mon, char *args)
{
    Err err;
    args = skip_blank(args);
    if (!*args)
        return fail(mon, "break-on COND (e.g. break-on virtio_status new&DRIVER_OK)");
    int id = dbg_break_on(mon->d, args, false, &err);
    if (id < 0)
        return fail(mon, "%s", err.msg);
    fprintf(mon->out, "condition %d: %s\n", id, args);
    return MON_OK;
}

static int c_break(Monitor *mon, char *args)
{
    Err err;
    char *w = word(&args);
    if (!w)
        return fail(mon, "break PC|SYMBOL[+OFF]");
    int id = dbg_break_at(mon->d, w, &err);
    if (id < 0)
        return fail(mon, "%s", err.msg);
    unsigned n;
    const DbgPoint *p = dbg_points(mon->d, &n);
    fprintf(mon->out, "breakpoint %d: %s\n", id, p[n - 1].text);
    return MON_OK;
}

static int c_watch(Monitor *mon, char *args)
{
    Err err;
    char *w = word(&args);
    DbgWatchKind k = DBG_W_WRITE;
    if (w && strcmp(w, "read") == 0)
        k = DBG_W_READ, w = word(&args);
    else if (w && strcmp(w, "write") == 0)
        w = word(&args);
    else if (w && strcmp(w, "access") == 0)
        k = DBG_W_ACCESS, w = word(&args);
    uint64_t addr, len = 4;
    char *l = word(&args);
    if (number(w, &addr) < 0 || (l && number(l, &len) < 0))
        return fail(mon, "watch [write|read|access] ADDR [LEN]  (LEN defaults to 4)");
    int id = dbg_watch(mon->d, k, addr, len, &err);
    if (id < 0)
        return fail(mon, "%s", err.msg);
    unsigned n;
    const DbgPoint *p = dbg_points(mon->d, &n);
    fprintf(mon->out, "watchpoint %d: %s\n", id, p[n - 1].text);
    return MON_OK;
}

static int c_delete(Monitor *mon, char *args)
{
    char *w = word(&args);
    uint64_t id = 0;
    if (w && number(w, &id) < 0)
        return fail(mon, "delete [ID]  (no ID: every stop point)");
    if (dbg_delete(mon->d, (int)id) < 0)
        return fail(mon, "no stop point %" PRIu64, id);
    fprintf(mon->out, id ? "deleted %" PRIu64 "\n" : "deleted every stop point\n", id);
    return MON_OK;
}

static void info_break(Monitor *mon)
{
    static const char *const kinds[] = { "condition", "breakpoint", "watchpoint" };
    unsigned n;
    const DbgPoint *p = dbg_points(mon->d, &n);
    if (!n)
        fprintf(mon->out, "no stop points\n");
    for (unsigned i = 0; i < n; i++)
        fprintf(mon->out, "%-3d %-10s %s%s, hit %u time%s\n", p[i].id, kinds[p[i].kind], p[i].text,
                p[i].temp ? " (once)" : "", p[i].hits, p[i].hits == 1 ? "" : "s");
}

/* ---- running ---- */

static int after_run(Monitor *mon, const DbgStop *s)
{
    print_stop(mon, s);
    return MON_OK;
}

static int c_continue(Monitor *mon, char *args)
{
    (void)args;
    return after_run(mon, dbg_continue(mon->d));
}

static int c_stepi(Monitor *mon, char *args)
{
    char *w = word(&args);
    uint64_t n = 1;
    if (w && (number(w, &n) < 0 || n == 0))
        return fail(mon, "stepi [N]  (N >= 1 instructions)");
    return after_run(mon, dbg_stepi(mon->d, n));
}

static int c_run_to(Monitor *mon, char *args)
{
    char *w = word(&args);
    uint64_t t;
    if (number(w, &t) < 0)
        return fail(mon, "run-to T  (a virtual time)");
    return after_run(mon, dbg_run_to(mon->d, t));
}

/* ---- time travel (debug/dbg_travel.c): back and forth over the same run ---- */

static int travelled(Monitor *mon, const DbgStop *s, const Err *err)
{
    if (!s)
        return fail(mon, "%s", err->msg);
    print_stop(mon, s);
    return MON_OK;
}

/* Under gdb, gdb moves the machine (its reverse-stepi, reverse-continue) and caches
 * registers; a monitor command that moved it behind gdb's back would mislead it. */
static int no_gdb(Monitor *mon, const char *what)
{
    return mon->gdb ? fail(mon, "%s moves the machine: use gdb's reverse-stepi / reverse-continue", what) : MON_OK;
}

static int c_reverse_stepi(Monitor *mon, char *args)
{
    char *w = word(&args);
    uint64_t n = 1;
    Err err;
    if (w && (number(w, &n) < 0 || n == 0))
        return fail(mon, "reverse-stepi [N]  (N >= 1 instructions)");
    if (no_gdb(mon, "reverse-stepi"))
        return MON_ERROR;
    return travelled(mon, dbg_reverse_stepi(mon->d, n, &err), &err);
}

static int c_reverse_continue(Monitor *mon, char *args)
{
    (void)args;
    Err err;
    if (no_gdb(mon, "reverse-continue"))
        return MON_ERROR;
    return travelled(mon, dbg_reverse_continue(mon->d, &err), &err);
}

static int c_goto(Monitor *mon, char *args)
{
    char *w = word(&args);
    uint64_t t;
    Err err;
    if (number(w, &t) < 0)
        return fail(mon, "goto T  (a virtual time, before or after this one)");
    if (no_gdb(mon, "goto"))
        return MON_ERROR;
    return travelled(mon, dbg_goto_time(mon->d, t, &err), &err);
}

static int c_goto_event(Monitor *mon, char *args)
{
    char *w = word(&args);
    uint64_t n;
    Err err;
    if (number(w, &n) < 0 || n == 0)
        return fail(mon, "goto-event N  (1 = run_start; the numbers of ringside-trace show -n)");
    if (no_gdb(mon, "goto-event"))
        return MON_ERROR;
    return travelled(mon, dbg_goto_event(mon->d, n, &err), &err);
}

static int c_snapshot(Monitor *mon, char *args)
{
    char *w = word(&args), *path = word(&args);
    Err err;
    if (!w || strcmp(w, "save") != 0 || !path)
        return fail(mon, "snapshot save FILE  (ringside run --from-snapshot FILE goes on from here)");
    if (dbg_snapshot_save(mon->d, path, &err) != 0)
        return fail(mon, "%s", err.msg);
    fprintf(mon->out, "snapshot of time %" PRIu64 " written to %s\n", cpu_vclock(mon->m->cpu), path);
    return MON_OK;
}

/* until COND and step-event WORD: a one-shot condition, then run (or, under gdb, only
 * armed for gdb's next continue). */
static int run_once(Monitor *mon, const char *cond)
{
    Err err;
    int id = dbg_break_on(mon->d, cond, true, &err);
    if (id < 0)
        return fail(mon, "%s", err.msg);
    if (mon->gdb) {
        fprintf(mon->out, "armed (once): %s; gdb's next continue stops there\n", cond);
        return MON_OK;
    }
    const DbgStop *s = dbg_continue(mon->d);
    if (!(s->kind == DBG_STOP_COND && s->id == id))
        dbg_delete(mon->d, id);       /* something else stopped the run first */
    return after_run(mon, s);
}

static int c_until(Monitor *mon, char *args)
{
    args = skip_blank(args);
    if (!*args)
        return fail(mon, "until COND");
    return run_once(mon, args);
}

static int c_step_event(Monitor *mon, char *args)
{
    args = skip_blank(args);
    /* Any event at all but the hart's own (traps, hashes) and the bus polls that fill
     * most of a run: the next step of the handshake. */
    return run_once(mon, *args ? args : "virtio");
}

/* ---- looking ---- */

static int c_why(Monitor *mon, char *args)
{
    (void)args;
    print_stop(mon, dbg_last_stop(mon->d));
    return MON_OK;
}

static int c_trace(Monitor *mon, char *args)
{
    char *w = word(&args);
    char *nw = word(&args);
    uint64_t n = 16;
    if (!w || strcmp(w, "last") != 0 || (nw && number(nw, &n) < 0))
        return fail(mon, "trace last [N]");
    dbg_print_history(mon->d, (unsigned)n, mon->out);
    return MON_OK;
}

static int peek_ram(void *ctx, uint64_t addr, void *buf, uint64_t len)
{
    return ram_read(ctx, addr, buf, len);
}

static void queue_role(const VirtioNet *n, unsigned q, char *buf, size_t len)
{
    if (!virtio_net_queue_role(q, virtio_net_ctrl_queue(n), buf, len))
        snprintf(buf, len, "unused");
}

static int info_virtio(Monitor *mon)
{
    const VirtioNet *n = mon->m->net;
    if (!n)
        return fail(mon, "this machine has no virtio device (--net none)");
    const VirtioDevice *vd = &n->vdev;
    char names[1024];
    virtio_format_bits(VIRTIO_DOM_STATUS, 0, vd->status, names, sizeof names);
    fprintf(mon->out, "%s at %02x:%02x.%u (virtio-pci %s): status 0x%02x %s\n", vd->info.name,
            mon->m->net_pci->pci.bdf >> 8, (mon->m->net_pci->pci.bdf >> 3) & 31, mon->m->net_pci->pci.bdf & 7,
            mon->m->cfg.virtio_mode, vd->status, vd->status ? names : "(reset)");
    static const char *const sides[3] = { "device offers  ", "driver accepted", "not accepted   " };
    const uint64_t f[3] = { vd->info.features, vd->guest_features, vd->info.features & ~vd->guest_features };
    for (unsigned i = 0; i < 3; i++) {
        virtio_format_bits(VIRTIO_DOM_FEATURE, vd->info.device_id, f[i], names, sizeof names);
        fprintf(mon->out, "  %s 0x%016" PRIx64 " %s\n", sides[i], f[i],
                i == 1 && !f[i] ? "(none yet)" : names);
    }
    fprintf(mon->out, "  ISR 0x%x, config generation %u, %u queues (control queue %u)\n", vd->isr,
            vd->config_generation, vd->info.num_queues, virtio_net_ctrl_queue(n));
    virtio_format_dev_status(VIRTIO_ID_NET, n->status, names, sizeof names);
    fprintf(mon->out, "  config status 0x%04x %s\n", n->status, names);
    for (unsigned q = 0; q < vd->info.num_queues; q++) {
        const VirtQueue *vq = &vd->vq[q];
        char role[16];
        queue_role(n, q, role, sizeof role);
        if (!vq_size(vq))
            continue;
        fprintf(mon->out, "  queue %u (%s): %u entries, %s, desc 0x%" PRIx64 " avail 0x%" PRIx64 " used 0x%" PRIx64
                          ", in flight %u\n",
                q, role, vq_size(vq), vq_ready(vq) ? (vq_is_broken(vq) ? "broken" : "enabled") : "not enabled",
                vq->desc, vq->driver, vq->device, vq_inflight(vq));
    }
    return MON_OK;
}

static int info_vq(Monitor *mon, char *args)
{
    const VirtioNet *n = mon->m->net;
    char *w = word(&args);
    uint64_t q;
    if (!n)
        return fail(mon, "this machine has no virtio device (--net none)");
    if (!w)
        return fail(mon, "info vq N|rxN|txN|ctrl");
    if (number(w, &q) < 0) {
        int r = virtio_net_role_queue(w, virtio_net_ctrl_queue(n));
        if (r < 0)
            return fail(mon, "info vq %s: a queue number or role (rx0, tx0, ctrl)", w);
        q = (uint64_t)r;
    }
    if (q >= n->vdev.info.num_queues)
        return fail(mon, "%s has queues 0..%u", n->vdev.info.name, n->vdev.info.num_queues - 1);
    char role[16];
    queue_role(n, (unsigned)q, role, sizeof role);
    fprintf(mon->out, "queue %" PRIu64 " (%s) of %s: ", q, role, n->vdev.info.name);
    vq_describe(&n->vdev.vq[q], peek_ram, &mon->m->ram, mon->out);
    return MON_OK;
}

/* A function's capability list, each by the name of its id (pci/pci_names.def) and, for
 * a virtio vendor capability, its cfg_type (virtio/virtio_cfg_names.def). */
static void info_caps(Monitor *mon, PciDev *d)
{
    if (!(pci_cfg_get16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return;
    bool virtio = pci_cfg_get16(d, PCI_VENDOR_ID) == 0x1af4;
    fprintf(mon->out, "  capabilities:");
    unsigned p = pci_cfg_get8(d, PCI_CAPABILITY_LIST);
    for (int hops = 0; p >= PCI_CAP_START && p < PCI_CFG_STD_SIZE && hops < 48; hops++) {
        p &= ~3u;
        unsigned id = pci_cfg_get8(d, p);
        const char *name = pci_cap_name(id);
        fprintf(mon->out, "%s 0x%02x ", hops ? "," : "", p);
        if (name)
            fprintf(mon->out, "%s", name);
        else
            fprintf(mon->out, "id 0x%02x", id);
        const char *cfg = virtio && id == PCI_CAP_ID_VNDR ? virtio_pci_cap_name(pci_cfg_get8(d, p + 3)) : NULL;
        if (cfg)
            fprintf(mon->out, " %s", cfg);
        p = pci_cfg_get8(d, p + 1);
    }
    fprintf(mon->out, "\n");
}

static int info_pci(Monitor *mon)
{
    static const char *const kinds[] = { "", "io", "mem32", "", "mem64" };
    for (unsigned dev = 0; dev < PCI_NUM_SLOTS; dev++) {
        PciDev *d = pci_host_find(mon->m->pci, 0, dev, 0);
        if (!d)
            continue;
        char cmd[128], st[160];
        pci_format_bits(PCI_DOM_COMMAND, pci_command(d), cmd, sizeof cmd);
        pci_format_bits(PCI_DOM_STATUS, pci_cfg_get16(d, PCI_STATUS), st, sizeof st);
        fprintf(mon->out, "00:%02x.0 %04x:%04x class %06x %s: command 0x%04x %s, status 0x%04x %s\n", dev,
                pci_cfg_get16(d, PCI_VENDOR_ID), pci_cfg_get16(d, PCI_DEVICE_ID),
                pci_cfg_get32(d, PCI_REVISION_ID) >> 8, d->name, pci_command(d), cmd,
                pci_cfg_get16(d, PCI_STATUS), st);
        for (int b = 0; b < PCI_NUM_BARS; b++) {
            const PciBar *bar = &d->bars[b];
            if (!bar->flags)
                continue;
            unsigned k = bar->flags & (PCI_BAR_IO | PCI_BAR_MEM32 | PCI_BAR_MEM64);
            if (bar->addr == PCI_BAR_UNMAPPED)
                fprintf(mon->out, "  bar%d %s, %" PRIu64 " bytes, not mapped\n", b, kinds[k], bar->size);
            else
                fprintf(mon->out, "  bar%d %s, %" PRIu64 " bytes at 0x%" PRIx64 "\n", b, kinds[k], bar->size, bar->addr);
        }
        info_caps(mon, d);
    }
    return MON_OK;
}

static void info_space(Monitor *mon, const AddrSpace *as)
{
    for (unsigned i = 0; i < as->n; i++) {
        const Region *r = &as->regions[i];
        fprintf(mon->out, "  %-5s 0x%010" PRIx64 "-0x%010" PRIx64 " %s\n", as->name, r->base, r->base + r->size - 1,
                r->name);
    }
}

static int info_devices(Monitor *mon)
{
    fprintf(mon->out, "  mem   0x%010" PRIx64 "-0x%010" PRIx64 " ram (%" PRIu64 " MiB)\n", mon->m->ram.base,
            mon->m->ram.base + mon->m->ram.size - 1, mon->m->ram.size >> 20);
    info_space(mon, &mon->m->mem);
    info_space(mon, &mon->m->io);
    return MON_OK;
}

static int info_regs(Monitor *mon)
{
    Cpu *c = mon->m->cpu;
    static const char *const privs[4] = { "U", "S", "?", "M" };
    fprintf(mon->out, "pc  0x%016" PRIx64 "  %s mode, time %" PRIu64 ", %" PRIu64 " instructions\n", cpu_get_pc(c),
            privs[cpu_get_priv(c) & 3], cpu_vclock(c), cpu_instret(c));
    for (unsigned r = 0; r < 32; r++)
        fprintf(mon->out, "%-4s 0x%016" PRIx64 "%s", cpu_reg_name(r), cpu_get_reg(c, r), r % 4 == 3 ? "\n" : "  ");
    static const char *const csrs[] = { "mstatus", "mtvec", "mepc", "mcause", "mtval", "mie", "mip", "mscratch" };
    for (size_t i = 0; i < ARRAY_SIZE(csrs); i++) {
        uint64_t v = 0;
        cpu_csr_read(c, (unsigned)cpu_csr_number(csrs[i]), &v);
        fprintf(mon->out, "%-9s 0x%016" PRIx64 "%s", csrs[i], v, i % 3 == 2 || i + 1 == ARRAY_SIZE(csrs) ? "\n" : "  ");
    }
    return MON_OK;
}

static int c_info(Monitor *mon, char *args)
{
    char *w = word(&args);
    if (w && strcmp(w, "break") == 0) {
        info_break(mon);
        return MON_OK;
    }
    if (w && strcmp(w, "virtio") == 0)
        return info_virtio(mon);
    if (w && strcmp(w, "vq") == 0)
        return info_vq(mon, args);
    if (w && strcmp(w, "pci") == 0)
        return info_pci(mon);
    if (w && strcmp(w, "devices") == 0)
        return info_devices(mon);
    if (w && (strcmp(w, "regs") == 0 || strcmp(w, "registers") == 0))
        return info_regs(mon);
    if (w && strcmp(w, "snapshots") == 0) {
        dbg_print_snapshots(mon->d, mon->out);
        return MON_OK;
    }
    return fail(mon, "info break|virtio|vq N|pci|devices|regs|snapshots");
}

/* x/Nf ADDR: N units (b h w g: 1 2 4 8 bytes) of RAM or ROM, in hex. */
static int c_x(Monitor *mon, char *args)
{
    char *spec = word(&args), *a = spec && spec[0] == '/' ? word(&args) : spec;
    uint64_t n = 1, addr;
    unsigned size = 4;
    if (spec && spec[0] == '/') {
        char *p = spec + 1;
        if (*p >= '0' && *p <= '9')
            n = strtoull(p, &p, 10);
        if (*p == 'x')
            p++;
        if (*p == 'b' || *p == 'h' || *p == 'w' || *p == 'g')
            size = *p == 'b' ? 1 : *p == 'h' ? 2 : *p == 'w' ? 4 : 8, p++;
        if (*p || n == 0 || n > 4096)
            return fail(mon, "x/N[bhwg] ADDR  (N 1..4096 units of 1, 2, 4 or 8 bytes)");
    }
    if (number(a, &addr) < 0)
        return fail(mon, "x/N[bhwg] ADDR");
    Err err;
    for (uint64_t i = 0; i < n; i++) {
        uint8_t b[8];
        uint64_t at = addr + i * size;
        if (dbg_read_mem(mon->d, at, b, size, &err) < 0) {
            if (i % (16 / size))
                fputc('\n', mon->out);
            return fail(mon, "%s", err.msg);
        }
        if (i % (16 / size) == 0)
            fprintf(mon->out, "0x%" PRIx64 ":", at);
        fprintf(mon->out, " 0x%0*" PRIx64, (int)(2 * size), ldn_le(b, size));
        if (i % (16 / size) == 16 / size - 1 || i + 1 == n)
            fputc('\n', mon->out);
    }
    return MON_OK;
}

static int c_screenshot(Monitor *mon, char *args)
{
    Err err;
    char *w = word(&args);
    if (!w)
        return fail(mon, "screenshot FILE  (a PNG of the window)");
    if (!mon->shot)
        return fail(mon, "no window to save: run with --display sdl");
    if (mon->shot(mon->shot_ctx, w, &err) != 0)
        return fail(mon, "%s", err.msg);
    fprintf(mon->out, "saved the window to %s\n", w);
    return MON_OK;
}

static int c_quit(Monitor *mon, char *args) { (void)mon; (void)args; return MON_QUIT; }
static int c_detach(Monitor *mon, char *args) { (void)mon; (void)args; return MON_DETACH; }

static int c_help(Monitor *mon, char *args)
{
    char *w = word(&args);
    for (const MonCmd *c = cmds; c->name; c++) {
        if (w && strcmp(w, c->name) != 0 && !(c->alias && strcmp(w, c->alias) == 0))
            continue;
        char left[64];
        snprintf(left, sizeof left, "%s%s%s%s%s", c->name, c->alias ? ", " : "", c->alias ? c->alias : "",
                 c->args ? " " : "", c->args ? c->args : "");
        fprintf(mon->out, "  %-32s %s%s\n", left, c->help, mon->gdb && c->runs ? " (not under gdb: use gdb's)" : "");
    }
    if (!w)
        fprintf(mon->out, "Conditions: EVENT-WORDS [FIELD OP VALUE]..., e.g. virtio_status new&DRIVER_OK,\n"
                          "  notify queue=tx0, ring_dev used queue=rx0, mmio reg~common.queue_ (docs/debugging.md)\n");
    else if (!find_cmd(w))
        return fail(mon, "no command '%s'", w);
    return MON_OK;
}

static const MonCmd cmds[] = {
    { "break-on", NULL, "COND", "stop when an event matches COND", c_break_on, false },
    { "break", "b", "PC|SYMBOL[+OFF]", "stop before the instruction at PC", c_break, false },
    { "watch", NULL, "[write|read|access] ADDR [LEN]", "stop after an access to guest memory (RAM or a device)", c_watch, false },
    { "delete", "d", "[ID]", "delete stop point ID (all without ID)", c_delete, false },
    { "continue", "c", NULL, "run until a stop point or the end", c_continue, true },
    { "stepi", "si", "[N]", "execute N instructions (default 1)", c_stepi, true },
    { "until", NULL, "COND", "run until COND, once", c_until, true },
    { "step-event", NULL, "[WORDS]", "run to the next event of a family or name (default: virtio)", c_step_event, true },
    { "run-to", NULL, "T", "run until virtual time T", c_run_to, true },
    { "reverse-stepi", "rsi", "[N]", "go back N instructions (default 1)", c_reverse_stepi, false },
    { "reverse-continue", "rc", NULL, "go back to the last moment a stop point would have stopped the run", c_reverse_continue, false },
    { "goto", NULL, "T", "go to virtual time T, back or forth", c_goto, false },
    { "goto-event", NULL, "N", "go to right after event N of the run (ringside-trace show -n)", c_goto_event, false },
    { "snapshot", NULL, "save FILE", "write the machine as it stands to FILE (ringside run --from-snapshot FILE)", c_snapshot, false },
    { "why", NULL, NULL, "what stopped the run", c_why, false },
    { "trace", NULL, "last [N]", "the last N events (default 16), decoded", c_trace, false },
    { "info", "i", "break|virtio|vq N|pci|devices|regs|snapshots", "stop points, the device, a queue, PCI, the maps, registers, the snapshots", c_info, false },
    { "x", NULL, "/N[bhwg] ADDR", "examine RAM or ROM", c_x, false },
    { "screenshot", NULL, "FILE", "save the window (--display sdl) as a PNG", c_screenshot, false },
    { "help", "h", "[COMMAND]", "this list", c_help, false },
    { "detach", NULL, NULL, "stop debugging: the run goes on to its end", c_detach, false },
    { "quit", "q", NULL, "end the run now (exit 130, as Ctrl-C)", c_quit, false },
    { NULL, NULL, NULL, NULL, NULL, false },
};

static const MonCmd *find_cmd(const char *name)
{
    for (const MonCmd *c = cmds; c->name; c++)
        if (strcmp(name, c->name) == 0 || (c->alias && strcmp(name, c->alias) == 0))
            return c;
    return NULL;
}

/* ---- the monitor ---- */

Monitor *monitor_create(Debugger *d, FILE *out, bool under_gdb)
{
    Monitor *mon = calloc(1, sizeof *mon);
    if (!mon)
        return NULL;
    mon->d = d;
    mon->m = dbg_machine(d);
    mon->out = out;
    mon->gdb = under_gdb;
    return mon;
}

void monitor_destroy(Monitor *mon) { free(mon); }

void monitor_set_out(Monitor *mon, FILE *out) { mon->out = out; }

void monitor_set_screenshot(Monitor *mon, MonScreenshotFn *fn, void *ctx)
{
    mon->shot = fn;
    mon->shot_ctx = ctx;
}

int monitor_exec(Monitor *mon, const char *line)
{
    char buf[512];
    if (strlen(line) >= sizeof buf)
        return fail(mon, "command longer than %zu bytes", sizeof buf - 1);
    strcpy(buf, line);
    buf[strcspn(buf, "\r\n")] = 0;
    char *p = skip_blank(buf);
    if (!*p || *p == '#')
        return MON_OK;
    /* x/4w ADDR: the format is glued to the command, as in gdb. */
    char *args;
    char name[32];
    size_t nl = strcspn(p, " \t/");
    if (nl >= sizeof name)
        return fail(mon, "no command '%.20s...' (try help)", p);
    memcpy(name, p, nl);
    name[nl] = 0;
    args = p + nl;
    const MonCmd *c = find_cmd(name);
    if (!c)
        return fail(mon, "no command '%s' (try help)", name);
    if (c->runs && mon->gdb && c->fn != c_until && c->fn != c_step_event)
        return fail(mon, "%s runs the machine: use gdb's own (continue, stepi)", c->name);
    if (c->runs && dbg_ended(mon->d)) {
        print_stop(mon, dbg_last_stop(mon->d));
        return MON_OK;
    }
    return c->fn(mon, args);
}

int monitor_run(Monitor *mon, FILE *in, bool echo, bool stop_on_error)
{
    char line[600];
    while (fgets(line, sizeof line, in)) {
        if (echo) {
            fprintf(mon->out, "(ringside) %s", line);
            if (!strchr(line, '\n'))
                fputc('\n', mon->out);
        }
        int r = monitor_exec(mon, line);
        fflush(mon->out);
        if (r == MON_QUIT || r == MON_DETACH)
            return r;
        if (r == MON_ERROR && stop_on_error)
            return MON_ERROR;
    }
    return MON_DETACH;
}

int monitor_interactive(Monitor *mon)
{
#if HAVE_LIBEDIT
    if (isatty(STDIN_FILENO)) {
        char *line;
        while ((line = readline("(ringside) ")) != NULL) {
            if (*line)
                add_history(line);
            int r = monitor_exec(mon, line);
            free(line);
            fflush(mon->out);
            if (r == MON_QUIT || r == MON_DETACH)
                return r;
        }
        fputc('\n', mon->out);
        return MON_DETACH;
    }
#endif
    for (;;) {
        fprintf(mon->out, "(ringside) ");
        fflush(mon->out);
        char line[600];
        if (!fgets(line, sizeof line, stdin)) {
            fputc('\n', mon->out);
            return MON_DETACH;
        }
        int r = monitor_exec(mon, line);
        fflush(mon->out);
        if (r == MON_QUIT || r == MON_DETACH)
            return r;
    }
}
