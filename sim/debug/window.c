/* The SDL2 console's events, keys and run loop (see window.h). Every key that runs the
 * machine is a monitor command (continue, stepi, step-event, until COND) run through
 * the monitor, so the window, --monitor-script and the prompt share one set of actions
 * and one condition language (debug/cond.c). While a command runs the machine, the
 * debugger calls window_poll between slices: there the window handles keys, types into
 * the console, and redraws when a screen refresh has passed (host time); the machine
 * stands between two blocks then, so nothing it does depends on when that happens. */
#include "debug/window.h"

#include <stdlib.h>

#include "config.h"

#if HAVE_SDL

#include "debug/png.h"
#include "debug/window_priv.h"
#include "virtio/virtio_net.h"

#define REDRAW_MS 16                 /* a 60 Hz screen's, where the display tells none */

/* The monospace font: $RINGSIDE_FONT, else DejaVu Sans Mono where Debian's
 * fonts-dejavu-core (and other distributions) put it. */
static const char *const font_paths[] = {
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/TTF/DejaVuSansMono.ttf",
    "/usr/local/share/fonts/DejaVuSansMono.ttf",
};

static TTF_Font *open_font(int size, Err *err)
{
    const char *env = getenv("RINGSIDE_FONT");
    if (env && *env) {
        TTF_Font *f = TTF_OpenFont(env, size);
        if (!f)
            err_set(err, "RINGSIDE_FONT=%s: %s", env, TTF_GetError());
        return f;
    }
    for (size_t i = 0; i < ARRAY_SIZE(font_paths); i++) {
        TTF_Font *f = TTF_OpenFont(font_paths[i], size);
        if (f)
            return f;
    }
    err_set(err, "no DejaVu Sans Mono font (looked in %s and %zu other places): install Debian's "
                 "fonts-dejavu-core, or name a .ttf file with RINGSIDE_FONT=FILE", font_paths[0],
            ARRAY_SIZE(font_paths) - 1);
    return NULL;
}

static void present(Window *w)
{
    window_draw(w);
    SDL_Surface *ws = SDL_GetWindowSurface(w->win);
    if (ws) {
        SDL_BlitSurface(w->surf, NULL, ws, NULL);
        SDL_UpdateWindowSurface(w->win);
    }
    w->last_draw = SDL_GetTicks64();
}

/* A monitor command, its answer kept for the status line and printed as a script's. */
static int command(Window *w, const char *line)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f)
        monitor_set_out(w->mon, f);
    int r = monitor_exec(w->mon, line);
    w->running = false;          /* window_poll set it if the command ran the machine */
    if (f) {
        fclose(f);
        monitor_set_out(w->mon, stdout);
        fputs(text, stdout);
        fflush(stdout);
        /* The status line shows the answer's first line. */
        snprintf(w->msg, sizeof w->msg, "%s", text);
        w->msg[strcspn(w->msg, "\n")] = 0;
        free(text);
    }
    return r;
}

static void type_keys(Window *w, const char *s, size_t n)
{
    if (w->replay) {
        snprintf(w->msg, sizeof w->msg, "a replay types what the recording typed: the keys go nowhere");
        return;
    }
    machine_console_type(w->m, (const uint8_t *)s, n);
}

static void set_queue(Window *w, int step)
{
    unsigned nq = w->m->net ? w->m->net->vdev.info.num_queues : 0;
    if (nq > VIEW_MAX_QUEUES)
        nq = VIEW_MAX_QUEUES;
    if (nq)
        w->queue = (w->queue + nq + (unsigned)(step % (int)nq + (int)nq)) % nq;
}

/* The event families `e` steps through (trace/events.def), `f` picks the next. */
const char *const step_families[WIN_FAMILIES] = { "virtio", "ring_drv", "ring_dev", "net", "pci" };

/* What a key does. Running (inside a command): only stopping and typing. */
static void key(Window *w, const SDL_Keysym *k)
{
    SDL_Keycode c = k->sym;
    if (w->prompting) {
        if (c == SDLK_RETURN || c == SDLK_KP_ENTER) {
            w->prompting = false;
            char line[COND_MAX_TEXT + 8];
            snprintf(line, sizeof line, "until %s", w->prompt);
            if (!w->running)
                command(w, line);
        } else if (c == SDLK_ESCAPE) {
            w->prompting = false;
        } else if (c == SDLK_BACKSPACE && w->plen) {
            w->prompt[--w->plen] = 0;
        }
        return;
    }
    if (c == SDLK_PAGEUP || c == SDLK_PAGEDOWN) {
        unsigned page = 20;
        w->scroll = c == SDLK_PAGEUP ? w->scroll + page : w->scroll > page ? w->scroll - page : 0;
        return;
    }
    if (w->console_focus) {
        static const struct { SDL_Keycode k; char b; } ctl[] = {
            { SDLK_RETURN, '\n' }, { SDLK_KP_ENTER, '\n' }, { SDLK_BACKSPACE, '\b' },
        };
        if (c == SDLK_TAB || c == SDLK_ESCAPE) {
            w->console_focus = false;
            return;
        }
        for (size_t i = 0; i < ARRAY_SIZE(ctl); i++)
            if (c == ctl[i].k)
                type_keys(w, &ctl[i].b, 1);
        if ((k->mod & KMOD_CTRL) && c >= SDLK_a && c <= SDLK_z) {
            char b = (char)(c - SDLK_a + 1);     /* ^C is 3 */
            type_keys(w, &b, 1);
        }
        return;
    }
    if (c == SDLK_q || c == SDLK_ESCAPE) {
        w->quit = true;
        w->stop_run = true;
        return;
    }
    if (c == SDLK_SPACE) {
        if (w->running)
            w->stop_run = true;          /* pause */
        else
            command(w, "continue");
        return;
    }
    if (c == SDLK_TAB) {
        w->console_focus = true;
        return;
    }
    if (c == SDLK_n || c == SDLK_RIGHT)
        set_queue(w, 1);
    else if (c == SDLK_p || c == SDLK_LEFT)
        set_queue(w, -1);
    else if ((c == SDLK_PLUS || c == SDLK_EQUALS || c == SDLK_KP_PLUS) && w->zoom < 4)
        w->zoom++;
    else if ((c == SDLK_MINUS || c == SDLK_KP_MINUS) && w->zoom > -2)
        w->zoom--;
    if (w->running)
        return;
    if (c == SDLK_s)
        command(w, "stepi");
    else if (c == SDLK_e) {
        char line[64];
        snprintf(line, sizeof line, "step-event %s", step_families[w->family]);
        command(w, line);
    } else if (c == SDLK_f) {
        w->family = (w->family + 1) % ARRAY_SIZE(step_families);
        snprintf(w->msg, sizeof w->msg, "e steps to the next %s event", step_families[w->family]);
    }
    else if (c == SDLK_u) {
        w->prompting = true;
        w->plen = 0;
        w->prompt[0] = 0;
    }
}

/* Text typed: into the until prompt while it is open, else into the console. */
static void text_input(Window *w, const char *t, size_t l)
{
    if (!w->prompting) {
        type_keys(w, t, l);
    } else if (w->plen + l < sizeof w->prompt) {
        memcpy(w->prompt + w->plen, t, l);
        w->plen += l;
        w->prompt[w->plen] = 0;
    }
}

static void handle(Window *w, const SDL_Event *e)
{
    switch (e->type) {
    case SDL_QUIT:
        w->quit = true;
        w->stop_run = true;
        break;
    case SDL_KEYDOWN: {
        bool was = w->prompting;
        key(w, &e->key.keysym);
        /* The key that opened the prompt comes again as text: it is not the condition's. */
        w->skip_text = !was && w->prompting;
        break;
    }
    case SDL_MOUSEWHEEL:
        if (e->wheel.y > 0)
            w->scroll += 3u * (unsigned)e->wheel.y;
        else
            w->scroll = w->scroll > 3u * (unsigned)-e->wheel.y ? w->scroll - 3u * (unsigned)-e->wheel.y : 0;
        break;
    case SDL_TEXTINPUT:
        if (w->skip_text)
            w->skip_text = false;
        else if (w->prompting || w->console_focus)
            text_input(w, e->text.text, strlen(e->text.text));
        break;
    default:
        break;
    }
}

/* Between slices of a command that runs the machine. */
static bool window_poll(void *ctx)
{
    Window *w = ctx;
    SDL_Event e;
    w->running = true;
    while (SDL_PollEvent(&e))
        handle(w, &e);
    if (SDL_GetTicks64() - w->last_draw >= w->redraw_ms)
        present(w);
    bool stop = w->stop_run;
    w->stop_run = false;
    if (w->prev_poll && w->prev_poll(w->prev_ctx))
        stop = w->quit = true;       /* Ctrl-C on the terminal ends the session */
    return stop;
}

Window *window_open(Debugger *d, Monitor *mon, bool replay, Err *err)
{
    Window *w = calloc(1, sizeof *w);
    View *v = malloc(sizeof *v);
    if (!w || !v) {
        free(w);
        free(v);
        err_set(err, "out of memory");
        return NULL;
    }
    w->view = v;
    w->d = d;
    w->m = dbg_machine(d);
    w->mon = mon;
    w->replay = replay;
    w->queue = 0;
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        err_set(err, "--display sdl: SDL cannot open a display: %s (no X or Wayland session? "
                     "SDL_VIDEODRIVER=offscreen draws without one)", SDL_GetError());
        goto fail;
    }
    if (TTF_Init() != 0) {
        err_set(err, "--display sdl: SDL2_ttf: %s", TTF_GetError());
        goto fail;
    }
    if (!(w->font = open_font(14, err)))
        goto fail;
    TTF_SizeUTF8(w->font, "M", &w->cw, &w->ch);
    SDL_DisplayMode mode;
    w->redraw_ms = SDL_GetCurrentDisplayMode(0, &mode) == 0 && mode.refresh_rate > 0 ? 1000u / (unsigned)mode.refresh_rate
                                                                                      : REDRAW_MS;
    w->ch = TTF_FontLineSkip(w->font);
    w->win = SDL_CreateWindow("ringside", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, WIN_W, WIN_H, 0);
    w->surf = SDL_CreateRGBSurfaceWithFormat(0, WIN_W, WIN_H, 32, SDL_PIXELFORMAT_RGB888);
    if (!w->win || !w->surf || !(w->r = SDL_CreateSoftwareRenderer(w->surf))) {
        err_set(err, "--display sdl: %s", SDL_GetError());
        goto fail;
    }
    view_console_init(&w->con);
    w->orig_out = w->m->uart.out;
    if (!(w->tee = view_console_tee(&w->con, w->orig_out))) {
        err_set(err, "out of memory");
        goto fail;
    }
    w->m->uart.out = w->tee;
    if (view_count_attach(&w->count, &w->m->tracer) != 0) {
        err_set(err, "--display sdl: the event stream has no room for another observer");
        goto fail;
    }
    dbg_keep_history(d, true);
    w->prev_poll = dbg_poll(d, &w->prev_ctx);
    dbg_set_poll(d, window_poll, w);
    monitor_set_screenshot(mon, window_screenshot, w);
    SDL_StartTextInput();
    present(w);
    return w;
fail:
    window_close(w);
    return NULL;
}

void window_close(Window *w)
{
    if (!w)
        return;
    if (w->mon)
        monitor_set_screenshot(w->mon, NULL, NULL);
    if (w->d && dbg_poll(w->d, &(void *){ NULL }) == window_poll)
        dbg_set_poll(w->d, w->prev_poll, w->prev_ctx);
    view_count_detach(&w->count);
    if (w->tee) {
        w->m->uart.out = w->orig_out;
        fclose(w->tee);
    }
    if (w->r)
        SDL_DestroyRenderer(w->r);
    if (w->surf)
        SDL_FreeSurface(w->surf);
    if (w->win)
        SDL_DestroyWindow(w->win);
    if (w->font)
        TTF_CloseFont(w->font);
    if (TTF_WasInit())
        TTF_Quit();
    SDL_Quit();
    free(w->view);
    free(w);
}

int window_screenshot(void *ctx, const char *path, Err *err)
{
    Window *w = ctx;
    present(w);
    SDL_Surface *rgb = SDL_ConvertSurfaceFormat(w->surf, SDL_PIXELFORMAT_RGB24, 0);
    if (!rgb)
        return err_set(err, "screenshot: %s", SDL_GetError());
    SDL_LockSurface(rgb);
    int rc = png_write(path, rgb->pixels, (unsigned)rgb->w, (unsigned)rgb->h, (size_t)rgb->pitch, err);
    SDL_UnlockSurface(rgb);
    SDL_FreeSurface(rgb);
    return rc;
}

/* A script's `key K...`: each K (a key name SDL knows: space, s, e, n, Tab, Return, +)
 * is pressed as if typed, through the same handler. */
static int script_keys(Window *w, char *names)
{
    for (char *k = strtok(names, " \t\r\n"); k; k = strtok(NULL, " \t\r\n")) {
        SDL_Keycode c = SDL_GetKeyFromName(k);
        if (c == SDLK_UNKNOWN) {
            printf("error: key %s: not a key name (space, s, e, u, n, p, +, -, Tab, q)\n", k);
            return MON_ERROR;
        }
        SDL_Keysym ks = { .sym = c };
        key(w, &ks);
        present(w);
        if (w->quit)
            return MON_QUIT;
    }
    return MON_OK;
}

/* A script's `type TEXT`: TEXT (\n is a newline) typed as keys are: into the until
 * prompt when `key u` opened it, else into the console. */
static int script_type(Window *w, char *s)
{
    char buf[600];
    size_t n = 0;
    s[strcspn(s, "\r\n")] = 0;
    for (; *s && n < sizeof buf; s++) {
        if (s[0] == '\\' && s[1] == 'n')
            buf[n++] = '\n', s++;
        else
            buf[n++] = *s;
    }
    text_input(w, buf, n);
    present(w);
    return MON_OK;
}

int window_run(Window *w, FILE *script, bool interactive)
{
    char line[600];
    while (script && !w->quit && fgets(line, sizeof line, script)) {
        printf("(ringside) %s%s", line, strchr(line, '\n') ? "" : "\n");
        fflush(stdout);
        char *p = line + strspn(line, " \t");
        int r = strncmp(p, "key ", 4) == 0    ? script_keys(w, p + 4)
                : strncmp(p, "type ", 5) == 0 ? script_type(w, p + 5)
                                              : command(w, line);
        present(w);
        if (r == MON_QUIT)
            return MON_QUIT;
        if (r == MON_DETACH)
            break;
    }
    if (!interactive) {
        /* As after a script without a window: the run goes on undisturbed, drawn. */
        dbg_delete(w->d, 0);
        while (!w->quit && !dbg_ended(w->d))
            command(w, "continue");
        present(w);
        return w->quit && !dbg_ended(w->d) ? MON_QUIT : MON_DETACH;
    }
    snprintf(w->msg, sizeof w->msg, "paused before the first instruction: space runs");
    present(w);
    while (!w->quit) {
        SDL_Event e;
        /* Paused, the picture changes only by what the events do. */
        if (SDL_WaitEventTimeout(&e, 100)) {
            handle(w, &e);
            while (SDL_PollEvent(&e))
                handle(w, &e);
            present(w);
        }
        if (w->prev_poll && w->prev_poll(w->prev_ctx))
            w->quit = true;              /* Ctrl-C on the terminal */
    }
    return dbg_ended(w->d) ? MON_DETACH : MON_QUIT;
}

#else /* !HAVE_SDL */

Window *window_open(Debugger *d, Monitor *mon, bool replay, Err *err)
{
    (void)d, (void)mon, (void)replay;
    err_set(err, "--display sdl: this ringside was built without the SDL2 console: install Debian's "
                 "libsdl2-dev, libsdl2-ttf-dev, zlib1g-dev and fonts-dejavu-core (tools/install-deps), "
                 "then ./configure && make");
    return NULL;
}

int window_run(Window *w, FILE *script, bool interactive)
{
    (void)w, (void)script, (void)interactive;
    return MON_DETACH;
}

int window_screenshot(void *w, const char *path, Err *err)
{
    (void)w;
    return err_set(err, "%s: no window (built without SDL2)", path);
}

void window_close(Window *w) { (void)w; }

#endif
