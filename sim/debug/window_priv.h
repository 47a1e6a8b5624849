/* The window's state, shared by window.c (events, keys, the run) and window_draw.c
 * (the panels). SDL-only: included where HAVE_SDL. */
#ifndef RINGSIDE_DEBUG_WINDOW_PRIV_H
#define RINGSIDE_DEBUG_WINDOW_PRIV_H

#include <SDL.h>
#include <SDL_ttf.h>

#include "debug/view.h"
#include "debug/window.h"

#define WIN_W 1280
#define WIN_H 800

struct Window {
    Debugger *d;
    Machine *m;
    Monitor *mon;
    bool replay;
    SDL_Window *win;
    SDL_Surface *surf;           /* everything is drawn here (software), then shown */
    SDL_Renderer *r;
    TTF_Font *font;
    int cw, ch;                  /* the monospace cell */
    ViewConsole con;
    FILE *tee, *orig_out;        /* the UART's output: into con, and where it went */
    ViewCount count;
    View *view;
    unsigned queue;              /* the device queue the ring panel shows */
    int zoom;                    /* -2..4: ring cell size steps */
    bool console_focus, prompting, skip_text, quit, stop_run, running;
    char prompt[COND_MAX_TEXT];
    size_t plen;
    char msg[240];               /* the last command's answer */
    uint64_t last_draw;          /* host ms: only decides when to redraw */
    unsigned redraw_ms;          /* the screen's refresh period */
    unsigned scroll;             /* console lines scrolled back (PageUp, the wheel) */
    unsigned family;             /* step_families[family]: what `e` steps to */
    DbgPollFn *prev_poll;
    void *prev_ctx;
};

#define WIN_FAMILIES 5
extern const char *const step_families[WIN_FAMILIES];

/* Takes the picture and draws every panel onto w->surf (window_draw.c). */
void window_draw(Window *w);
/* The owner colours (the legend and the test use the same). */
extern const SDL_Color window_owner_colour[VQ_OWN_COUNT];

#endif
