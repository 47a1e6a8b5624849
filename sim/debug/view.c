/* The window's picture of the machine and its console (see view.h). */
#include "debug/view.h"

#include <stdlib.h>

#include "pci/host_bridge.h"
#include "virtio/virtio_names.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_pci.h"

/* ---- the console ---- */

void view_console_init(ViewConsole *c)
{
    memset(c, 0, sizeof *c);
    c->n = 1;
}

static char *cur_line(ViewConsole *c) { return c->line[(c->first + c->n - 1) % VIEW_CON_LINES]; }

static void new_line(ViewConsole *c)
{
    if (c->n == VIEW_CON_LINES)
        c->first = (c->first + 1) % VIEW_CON_LINES;
    else
        c->n++;
    cur_line(c)[0] = 0;
    c->col = 0;
}

/* Writes ch at the column, padding a shorter line with spaces. */
static void put_char(ViewConsole *c, char ch)
{
    if (c->col == VIEW_CON_COLS)
        new_line(c);
    char *l = cur_line(c);
    size_t len = strlen(l);
    while (len < c->col)
        l[len++] = ' ';
    l[c->col] = ch;
    if (c->col >= len)
        l[c->col + 1] = 0;
    c->col++;
}

void view_console_put(ViewConsole *c, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = b[i];
        c->bytes++;
        if (ch == '\n')
            new_line(c);
        else if (ch == '\r')
            c->col = 0;
        else if (ch == '\b')
            c->col -= c->col > 0;
        else if (ch == '\t')
            c->col = c->col / 8 * 8 + 8 < VIEW_CON_COLS ? c->col / 8 * 8 + 8 : VIEW_CON_COLS - 1;
        else if (ch >= 0x20 && ch < 0x7f)
            put_char(c, (char)ch);
    }
}

unsigned view_console_count(const ViewConsole *c) { return c->n; }

const char *view_console_line(const ViewConsole *c, unsigned i)
{
    return i < c->n ? c->line[(c->first + i) % VIEW_CON_LINES] : "";
}

typedef struct Tee {
    ViewConsole *c;
    FILE *also;
} Tee;

static ssize_t tee_write(void *cookie, const char *buf, size_t n)
{
    Tee *t = cookie;
    view_console_put(t->c, (const uint8_t *)buf, n);
    if (t->also && fwrite(buf, 1, n, t->also) != n)
        return -1;
    if (t->also)
        fflush(t->also);
    return (ssize_t)n;
}

static int tee_close(void *cookie)
{
    free(cookie);
    return 0;
}

FILE *view_console_tee(ViewConsole *c, FILE *also)
{
    Tee *t = malloc(sizeof *t);
    if (!t)
        return NULL;
    t->c = c;
    t->also = also;
    cookie_io_functions_t io = { .write = tee_write, .close = tee_close };
    FILE *f = fopencookie(t, "w", io);
    if (!f) {
        free(t);
        return NULL;
    }
    setvbuf(f, NULL, _IONBF, 0);     /* each byte shows as the guest writes it */
    return f;
}

/* ---- counting ---- */

static void count_observe(void *ctx, const TraceEvent *ev)
{
    ViewCount *c = ctx;
    unsigned q;
    switch (ev->type) {
    case TRACE_EV_virtio_notify:
        if ((q = ev->u.virtio_notify.queue) < VIEW_MAX_QUEUES)
            c->notify[q]++;
        break;
    case TRACE_EV_irq_raise:
        if ((q = ev->u.irq_raise.queue) < VIEW_MAX_QUEUES)
            c->irq[q]++;
        break;
    case TRACE_EV_irq_suppress:
        if ((q = ev->u.irq_suppress.queue) < VIEW_MAX_QUEUES)
            c->suppressed[q]++;
        break;
    case TRACE_EV_chain_fetch: {
        if ((q = ev->u.chain_fetch.queue) >= VIEW_MAX_QUEUES)
            break;
        const TraceDescList *l = &ev->u.chain_fetch.chain;
        c->fetched[q]++;
        c->last_valid[q] = true;
        c->last_head[q] = ev->u.chain_fetch.head;
        c->last_time[q] = ev->vtime;
        c->last_n[q] = l->n < VIEW_CHAIN_MAX ? (unsigned)l->n : VIEW_CHAIN_MAX;
        for (unsigned i = 0; i < c->last_n[q]; i++)
            c->last_desc[q][i] = l->d[i].index;
        break;
    }
    default:
        break;
    }
}

int view_count_attach(ViewCount *c, Tracer *t)
{
    memset(c, 0, sizeof *c);
    TraceTypeSet s = { { 0 } };
    trace_types_add(&s, TRACE_EV_virtio_notify);
    trace_types_add(&s, TRACE_EV_irq_raise);
    trace_types_add(&s, TRACE_EV_irq_suppress);
    trace_types_add(&s, TRACE_EV_chain_fetch);
    if (tracer_observe(t, count_observe, c, &s) != 0)
        return -1;
    c->t = t;
    return 0;
}

void view_count_detach(ViewCount *c)
{
    if (c->t)
        tracer_unobserve(c->t, count_observe, c);
    c->t = NULL;
}

/* ---- the picture ---- */

static int peek_ram(void *ctx, uint64_t addr, void *buf, uint64_t len) { return ram_read(ctx, addr, buf, len); }

/* The first line of text, into buf. */
static void first_line(char *buf, size_t n, const char *text)
{
    snprintf(buf, n, "%s", text ? text : "");
    buf[strcspn(buf, "\n")] = 0;
}

static void capture_device(View *v, Machine *m, const ViewCount *c)
{
    const VirtioNet *n = m->net;
    v->has_device = n != NULL;
    if (!n)
        return;
    const VirtioDevice *vd = &n->vdev;
    unsigned bdf = m->net_pci->pci.bdf;
    snprintf(v->dev, sizeof v->dev, "%s %02x:%02x.%u (%s)", vd->info.name, bdf >> 8, (bdf >> 3) & 31, bdf & 7,
             m->cfg.virtio_mode);
    v->status = vd->status;
    v->isr = vd->isr;
    unsigned nrows;
    const VirtioName *rows = virtio_name_rows(&nrows);
    for (unsigned i = 0; i < nrows; i++) {
        const VirtioName *r = &rows[i];
        if (r->domain == VIRTIO_DOM_STATUS && v->nstatus < ARRAY_SIZE(v->status_bits)) {
            v->status_bits[v->nstatus++] = (ViewBit){ r->name, (vd->status & r->value) != 0, false };
        } else if (r->domain == VIRTIO_DOM_FEATURE && (r->device == 0 || r->device == vd->info.device_id) &&
                   v->nfeatures < VIEW_MAX_BITS) {
            /* Only what the device offers or the driver asked for: the rest is noise. */
            bool off = (vd->info.features & r->value) != 0, acc = (vd->guest_features & r->value) != 0;
            if (off || acc)
                v->features[v->nfeatures++] = (ViewBit){ r->name, off, acc };
        }
    }
    unsigned nq = vd->info.num_queues < VIEW_MAX_QUEUES ? vd->info.num_queues : VIEW_MAX_QUEUES;
    for (unsigned q = 0; q < nq; q++) {
        ViewQueue *vq = &v->q[v->nq++];
        vq->index = q;
        if (!virtio_net_queue_role(q, virtio_net_ctrl_queue(n), vq->role, sizeof vq->role))
            snprintf(vq->role, sizeof vq->role, "unused");
        vq->size = vq_size(&vd->vq[q]);
        vq->ready = vq_ready(&vd->vq[q]);
        vq->broken = vq_is_broken(&vd->vq[q]);
        if (c) {
            vq->notify = c->notify[q];
            vq->irq = c->irq[q];
            vq->suppressed = c->suppressed[q];
        }
    }
}

void view_capture(View *v, Debugger *d, const ViewCount *c, unsigned queue)
{
    Machine *m = dbg_machine(d);
    /* The picture is large (three areas of VQ_PIC_MAX slots): clear what is read. */
    memset(v, 0, offsetof(View, pic));
    memset((char *)v + offsetof(View, last_valid), 0, sizeof *v - offsetof(View, last_valid));
    v->vtime = cpu_vclock(m->cpu);
    v->instret = cpu_instret(m->cpu);
    v->pc = cpu_get_pc(m->cpu);
    v->ended = dbg_ended(d);
    uint64_t off = 0;
    const Symbol *s = symtab_lookup(&m->fw.symtab, v->pc, &off);
    if (s)
        snprintf(v->where, sizeof v->where, "%s+0x%llx", s->name, (unsigned long long)off);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f) {
        dbg_print_stop(d, dbg_last_stop(d), f);
        fclose(f);
        first_line(v->stop, sizeof v->stop, text);
        free(text);
    }
    capture_device(v, m, c);
    v->sel = 0;
    for (unsigned i = 0; i < v->nq; i++)
        if (v->q[i].index == queue)
            v->sel = i;
    if (v->nq) {
        unsigned q = v->q[v->sel].index;
        const VirtQueue *vq = &m->net->vdev.vq[q];
        v->layout = vq->ops && vq->size ? vq->ops->name : NULL;
        vq_picture(vq, peek_ram, &m->ram, &v->pic);
        if (c && c->last_valid[q]) {
            v->last_valid = true;
            v->last_head = c->last_head[q];
            v->last_n = c->last_n[q];
            memcpy(v->last_desc, c->last_desc[q], sizeof v->last_desc);
            v->last_time = c->last_time[q];
        }
    } else {
        memset(&v->pic, 0, sizeof v->pic);
    }
    /* The last events, as `trace last` prints them. */
    text = NULL;
    len = 0;
    if ((f = open_memstream(&text, &len)) != NULL) {
        dbg_print_history(d, VIEW_EVENTS, f);
        fclose(f);
        for (char *p = text, *e; p && *p && v->nev < VIEW_EVENTS; p = e ? e + 1 : NULL) {
            e = strchr(p, '\n');
            if (e)
                *e = 0;
            snprintf(v->ev[v->nev++], sizeof v->ev[0], "%s", p);
        }
        free(text);
    }
}
