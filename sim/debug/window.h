/* The SDL2 console (`--display sdl`): one window with the guest's UART console, a live
 * ring panel of one queue, the device panel and the last events (debug/view.h draws
 * from a picture taken between blocks), and keys that run the monitor's own commands
 * (pause/continue, stepi, step-event, until COND) through the same Monitor that
 * --monitor-script drives. Host time decides only when to redraw (at most at the
 * screen's rate), never what the machine does; keys typed into the console are
 * recorded (machine_console_type), so a replay types them again. Built only with SDL2,
 * SDL2_ttf and zlib (HAVE_SDL); otherwise window_open says how to get it. */
#ifndef RINGSIDE_DEBUG_WINDOW_H
#define RINGSIDE_DEBUG_WINDOW_H

#include "debug/monitor.h"

typedef struct Window Window;

/* Opens the window over d's machine; its keys run commands through mon (whose
 * `screenshot` it serves). replay: console typing is refused (a replay's input is the
 * recording's). NULL with err: built without SDL2, no video, no font. */
Window *window_open(Debugger *d, Monitor *mon, bool replay, Err *err);
/* The session: the commands of script (may be NULL) first, a redraw after each (a
 * line `key K...` presses the window's keys instead, `type TEXT` types TEXT, "\n" a
 * newline, into the console or the until prompt `key u` opened); then, if interactive, the keys
 * until quit or the window is closed (paused first, and kept open when the run ends);
 * else the run goes on to its end with the window drawing. MON_QUIT (the run is to end
 * now) or MON_DETACH (it has ended, or is to go on). */
int window_run(Window *w, FILE *script, bool interactive);
/* Draws the window now and saves it as a PNG (a MonScreenshotFn). */
int window_screenshot(void *w, const char *path, Err *err);
void window_close(Window *w);

#endif
