/* The window's panels (see window.h), drawn with SDL2's software renderer onto one
 * surface from the picture view.c takes: a status line, the guest's console on the
 * left; on the right the device (status and feature bits by name: device offer and
 * driver choice), its queues with notify and interrupt counts, the ring panel of one
 * queue (descriptor table, avail ring, used ring: one cell a slot, coloured by owner
 * as the HTML viewer colours them,
 * in-flight chains outlined, both sides' indices marked), and the last events; the keys
 * at the bottom. Layout is fixed to the window size, so a screenshot of a scripted run
 * is the same picture every time. */
#include "config.h"

#if HAVE_SDL

#include "debug/window_priv.h"

/* The HTML viewer's hues (trace/rt_html_page.py), deeper for a dark background:
 * orange available, red in flight, green used, blue written by the driver. */
const SDL_Color window_owner_colour[VQ_OWN_COUNT] = {
    [VQ_OWN_FREE] = { 64, 64, 72, 255 },
    [VQ_OWN_AVAIL] = { 240, 170, 60, 255 },
    [VQ_OWN_DEVICE] = { 230, 70, 70, 255 },
    [VQ_OWN_DRIVER] = { 80, 190, 90, 255 },
    [VQ_OWN_WRITTEN] = { 90, 140, 230, 255 },
};

static const SDL_Color BG = { 24, 24, 28, 255 }, PANEL = { 36, 36, 44, 255 }, FG = { 220, 220, 220, 255 },
                       DIM = { 140, 140, 150, 255 }, ON = { 40, 150, 80, 255 }, OFF = { 70, 70, 80, 255 },
                       WARN = { 200, 60, 60, 255 }, WHITE = { 255, 255, 255, 255 };

enum { CON_W = 632, RX = 640, RW = WIN_W - RX - 8 };

static void fill(Window *w, int x, int y, int wd, int ht, SDL_Color c)
{
    SDL_SetRenderDrawColor(w->r, c.r, c.g, c.b, 255);
    SDL_Rect rc = { x, y, wd, ht };
    SDL_RenderFillRect(w->r, &rc);
}

static void frame(Window *w, int x, int y, int wd, int ht, int t, SDL_Color c)
{
    fill(w, x, y, wd, t, c);
    fill(w, x, y + ht - t, wd, t, c);
    fill(w, x, y, t, ht, c);
    fill(w, x + wd - t, y, t, ht, c);
}

/* Text at (x, y), cut to maxw pixels; returns its width. */
static int text(Window *w, int x, int y, SDL_Color c, int maxw, const char *s)
{
    char buf[256];
    int cols = maxw / (w->cw ? w->cw : 8);
    if (cols <= 0 || !*s)
        return 0;
    snprintf(buf, sizeof buf, "%.*s", cols < 255 ? cols : 255, s);
    SDL_Surface *ts = TTF_RenderUTF8_Blended(w->font, buf, c);
    if (!ts)
        return 0;
    SDL_Texture *tx = SDL_CreateTextureFromSurface(w->r, ts);
    SDL_Rect rc = { x, y, ts->w, ts->h };
    if (tx) {
        SDL_RenderCopy(w->r, tx, NULL, &rc);
        SDL_DestroyTexture(tx);
    }
    SDL_FreeSurface(ts);
    return rc.w;
}

static int textf(Window *w, int x, int y, SDL_Color c, int maxw, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static int textf(Window *w, int x, int y, SDL_Color c, int maxw, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return text(w, x, y, c, maxw, buf);
}

/* Names in boxes, wrapped over the width; returns the y below them. */
static int chips(Window *w, int x, int y, int maxw, const ViewBit *b, unsigned n, bool features)
{
    int cx = x;
    for (unsigned i = 0; i < n; i++) {
        int tw = (int)strlen(b[i].name) * w->cw + 8;
        if (cx + tw > x + maxw) {
            cx = x;
            y += w->ch + 4;
        }
        SDL_Color bg = !features ? (b[i].on ? ON : OFF)
                                 : b[i].accepted ? (b[i].on ? ON : WARN) : OFF;
        fill(w, cx, y, tw - 2, w->ch + 2, bg);
        text(w, cx + 3, y + 1, features && !b[i].accepted ? DIM : WHITE, tw, b[i].name);
        cx += tw + 2;
    }
    return y + w->ch + 6;
}

static int draw_device(Window *w, const View *v, int y)
{
    if (!v->has_device) {
        text(w, RX, y, DIM, RW, "no virtio device (--net none)");
        return y + w->ch + 4;
    }
    textf(w, RX, y, FG, RW, "%s  status 0x%02x  ISR 0x%x", v->dev, v->status, v->isr);
    y += w->ch + 2;
    y = chips(w, RX, y, RW, v->status_bits, v->nstatus, false);
    text(w, RX, y, DIM, RW, "features: green = offered and accepted, grey = offered only");
    y += w->ch + 2;
    y = chips(w, RX, y, RW, v->features, v->nfeatures, true);
    for (unsigned i = 0; i < v->nq && i < 6; i++) {
        const ViewQueue *q = &v->q[i];
        SDL_Color c = i == v->sel ? WHITE : DIM;
        if (i == v->sel)
            fill(w, RX - 4, y, RW + 4, w->ch, PANEL);
        if (q->size)
            textf(w, RX, y, c, RW, "%s q%u %-5s %4u entries %-8s notify %-4u irq %-4u suppressed %u",
                  i == v->sel ? ">" : " ", q->index, q->role, q->size,
                  q->broken ? "BROKEN" : q->ready ? "enabled" : "off", q->notify, q->irq, q->suppressed);
        else
            textf(w, RX, y, c, RW, "%s q%u %-5s not set up", i == v->sel ? ">" : " ", q->index, q->role);
        y += w->ch;
    }
    if (v->nq > 6)
        textf(w, RX, y, DIM, RW, "  ... %u queues in all (n/p chooses)", v->nq), y += w->ch;
    return y + 4;
}

/* One area of the ring as a grid of cells; returns the y below it. */
static int grid(Window *w, int y, int cell, int maxrows, const char *label, const VqPicture *p, int area,
                const View *v)
{
    int cols = RW / cell;
    if (cols < 1)
        cols = 1;
    text(w, RX, y, DIM, RW, label);
    y += w->ch;
    int rows = ((int)p->shown + cols - 1) / cols;
    if (rows > maxrows)
        rows = maxrows;
    for (unsigned i = 0; i < p->shown && (int)(i / (unsigned)cols) < rows; i++) {
        int x = RX + (int)(i % (unsigned)cols) * cell, yy = y + (int)(i / (unsigned)cols) * cell;
        uint8_t o = area == 0 ? p->desc[i].owner : area == 1 ? p->avail[i].owner : p->used[i].owner;
        fill(w, x, yy, cell - 2, cell - 2, window_owner_colour[o < VQ_OWN_COUNT ? o : 0]);
        if (area == 0 && o == VQ_OWN_DEVICE)
            frame(w, x - 1, yy - 1, cell, cell, 2, WHITE);           /* in flight */
        if (area == 0 && v->last_valid)
            for (unsigned k = 0; k < v->last_n; k++)
                if (v->last_desc[k] == i)
                    frame(w, x, yy, cell - 2, cell - 2, cell >= 12 ? 3 : 2, window_owner_colour[VQ_OWN_DEVICE]);
        if (cell >= 3 * w->cw + 4)
            textf(w, x + 2, yy + (cell - w->ch) / 2, WHITE, cell, "%u",
                  area == 0 ? i : area == 1 ? p->avail[i].id : p->used[i].id);
        /* The indices: the driver's next slot (top bar), the device's (bottom bar). */
        uint16_t mask = (uint16_t)(p->size - 1);
        bool drv = (area == 1 && (p->avail_idx & mask) == i) || (area == 2 && (p->used_idx & mask) == i);
        bool dev = (area == 1 && (p->last_avail & mask) == i) || (area == 2 && (p->dev_used_idx & mask) == i);
        if (drv)
            fill(w, x, yy, cell - 2, 3, WHITE);
        if (dev)
            fill(w, x, yy + cell - 5, cell - 2, 3, BG);
    }
    return y + rows * cell + 4;
}

static int draw_ring(Window *w, const View *v, int y, int bottom)
{
    const VqPicture *p = &v->pic;
    if (!v->nq)
        return y;
    const ViewQueue *q = &v->q[v->sel];
    fill(w, RX - 4, y, RW + 8, 2, DIM);
    y += 4;
    if (!p->layout && v->layout) {
        /* A layout without VqOps.picture (the packed ring, so far). */
        textf(w, RX, y, FG, RW, "queue %u (%s): a %s ring; this panel draws split rings only", q->index, q->role,
              v->layout);
        textf(w, RX, y + w->ch, DIM, RW, "(the monitor's info vq %s describes it)", q->role);
        return y + 2 * w->ch;
    }
    if (!p->layout) {
        textf(w, RX, y, FG, RW, "queue %u (%s): not set up by the driver yet", q->index, q->role);
        return y + w->ch;
    }
    textf(w, RX, y, FG, RW, "queue %u (%s): %s ring, %u entries%s%s%s", q->index, q->role, p->layout, p->size,
          p->ready ? "" : ", not enabled", p->event_idx ? ", event idx" : "", p->broken ? ", BROKEN" : "");
    y += w->ch;
    textf(w, RX, y, DIM, RW, "driver: avail.idx %u  flags 0x%x  used_event %u", p->avail_idx, p->avail_flags,
          p->used_event);
    y += w->ch;
    textf(w, RX, y, DIM, RW, "device: used.idx %u  last_avail %u  in flight %u  avail_event %u", p->used_idx,
          p->last_avail, p->inflight, p->avail_event);
    y += w->ch;
    if (!p->readable) {
        text(w, RX, y, WARN, RW, "the rings are not in RAM");
        return y + w->ch;
    }
    /* Legend. */
    static const char *const names[VQ_OWN_COUNT] = { "free", "available", "in flight", "used", "written" };
    int lx = RX;
    for (int o = 0; o < VQ_OWN_COUNT; o++) {
        fill(w, lx, y + 3, w->ch - 6, w->ch - 6, window_owner_colour[o]);
        lx += w->ch + text(w, lx + w->ch - 2, y, DIM, RW, names[o]) + 8;
    }
    text(w, lx + 2 * w->cw, y, DIM, RX + RW - lx - 2 * w->cw, "bars: next idx");
    y += w->ch + 2;
    int avail_h = bottom - y - 3 * (w->ch + 4) - w->ch;
    int cell = 14 + 4 * w->zoom;
    if (cell < 6)
        cell = 6;
    int maxrows = avail_h / 3 / cell;
    if (maxrows < 1)
        maxrows = 1;
    y = grid(w, y, cell, maxrows, "descriptor table (white frame: in flight; red frame: last fetched)", p, 0, v);
    y = grid(w, y, cell, maxrows, "avail ring (driver writes)", p, 1, v);
    y = grid(w, y, cell, maxrows, "used ring (device writes)", p, 2, v);
    if (v->last_valid) {
        char chain[96] = "";
        size_t l = 0;
        for (unsigned k = 0; k < v->last_n && l < sizeof chain - 8; k++)
            l += (size_t)snprintf(chain + l, sizeof chain - l, "%s%u", k ? " " : "", v->last_desc[k]);
        textf(w, RX, y, DIM, RW, "last fetched by the device: head %u (desc %s) at time %llu", v->last_head, chain,
              (unsigned long long)v->last_time);
        y += w->ch;
    }
    return y;
}

void window_draw(Window *w)
{
    View *v = w->view;
    view_capture(v, w->d, &w->count, w->queue);
    int H = WIN_H, lh = w->ch;
    fill(w, 0, 0, WIN_W, H, BG);
    /* status line */
    fill(w, 0, 0, WIN_W, lh + 6, PANEL);
    int x = textf(w, 6, 3, WHITE, 520, "time %llu  pc 0x%llx %s", (unsigned long long)v->vtime,
                  (unsigned long long)v->pc, v->where);
    text(w, x + 20, 3, v->ended ? WARN : FG, WIN_W - x - 26, w->running ? "running" : v->stop);
    int top = lh + 10, bottom = H - 2 * lh - 8;
    /* console */
    fill(w, 0, top, CON_W, bottom - top, PANEL);
    if (w->console_focus)
        frame(w, 0, top, CON_W, bottom - top, 2, window_owner_colour[VQ_OWN_AVAIL]);
    int rows = (bottom - top - 8) / lh;
    unsigned n = view_console_count(&w->con);
    unsigned most = n > (unsigned)rows ? n - (unsigned)rows : 0;
    if (w->scroll > most)
        w->scroll = most;                    /* PageUp past the oldest line */
    unsigned from = most - w->scroll, to = from + (unsigned)rows < n ? from + (unsigned)rows : n;
    for (unsigned i = from; i < to; i++)
        text(w, 6, top + 4 + (int)(i - from) * lh, FG, CON_W - 12, view_console_line(&w->con, i));
    if (w->scroll)
        textf(w, CON_W - 30 * w->cw, top + 4, window_owner_colour[VQ_OWN_AVAIL], 30 * w->cw,
              "[%u lines back: PageDown]", w->scroll);
    /* device, ring, events */
    int y = draw_device(w, v, top);
    int ev_top = bottom - (int)VIEW_EVENTS / 2 * lh - 4;
    draw_ring(w, v, y, ev_top);
    fill(w, RX - 4, ev_top - 2, RW + 8, 2, DIM);
    unsigned first = v->nev > VIEW_EVENTS / 2 ? v->nev - VIEW_EVENTS / 2 : 0;
    for (unsigned i = first; i < v->nev; i++)
        text(w, RX, ev_top + (int)(i - first) * lh, DIM, RW, v->ev[i]);
    /* the last answer and the keys */
    fill(w, 0, bottom, WIN_W, H - bottom, PANEL);
    if (w->prompting)
        textf(w, 6, bottom + 3, WHITE, WIN_W - 12, "until (a condition, Enter runs, Esc cancels): %s_", w->prompt);
    else
        text(w, 6, bottom + 3, FG, WIN_W - 12, w->msg);
    if (w->console_focus)
        text(w, 6, bottom + lh + 5, DIM, WIN_W - 12, "console: keys go to the guest   Tab/Esc: back to the controls");
    else
        textf(w, 6, bottom + lh + 5, DIM, WIN_W - 12,
              "space run/pause  s stepi  e step-event %s (f: family)  u until COND  n/p queue  +/- zoom  "
              "Tab console  q quit", step_families[w->family]);
    SDL_RenderPresent(w->r);
}

#endif
