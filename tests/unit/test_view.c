/* Unit tests of the window's picture (sim/debug/view.c), which needs no SDL: the
 * console's scrollback (newlines, carriage returns, tabs, backspace, wrapping, the
 * oldest lines dropped), the tee the UART writes through, and the picture of the
 * bundled firmware's machine at DRIVER_OK (rx0 full of offered buffers), at tx0's first
 * descriptor store (written, not offered) and right after the first tx notify (tx0's first chain fetched and used in that instruction,
 * so it is the driver's again and named as the device's last fetch), with the status
 * and feature bits by name and the counters; and a PNG's bytes (sim/debug/png.c). */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "sim/check/check.h"
#include "sim/debug/png.h"
#include "sim/debug/view.h"

static FILE *devnull;

static void put(ViewConsole *c, const char *s) { view_console_put(c, (const uint8_t *)s, strlen(s)); }

static void test_console(void)
{
    static ViewConsole c;
    view_console_init(&c);
    CU_ASSERT_EQUAL(view_console_count(&c), 1);
    put(&c, "hello\nwor\rW\tx\bY\n\x1b");
    CU_ASSERT_EQUAL(view_console_count(&c), 3);
    CU_ASSERT_STRING_EQUAL(view_console_line(&c, 0), "hello");
    CU_ASSERT_STRING_EQUAL(view_console_line(&c, 1), "Wor     Y");
    CU_ASSERT_STRING_EQUAL(view_console_line(&c, 2), "");
    CU_ASSERT_STRING_EQUAL(view_console_line(&c, 3), "");           /* past the end */
    /* A long line wraps at VIEW_CON_COLS. */
    char l[VIEW_CON_COLS + 6];
    memset(l, 'a', sizeof l - 1);
    l[sizeof l - 1] = 0;
    put(&c, l);
    CU_ASSERT_EQUAL(view_console_count(&c), 4);
    CU_ASSERT_EQUAL(strlen(view_console_line(&c, 2)), VIEW_CON_COLS);
    CU_ASSERT_STRING_EQUAL(view_console_line(&c, 3), "aaaaa");
    /* The oldest lines go. */
    for (int i = 0; i < VIEW_CON_LINES + 10; i++) {
        char b[32];
        snprintf(b, sizeof b, "\nline %d", i);
        put(&c, b);
    }
    CU_ASSERT_EQUAL(view_console_count(&c), VIEW_CON_LINES);
    char last[32];
    snprintf(last, sizeof last, "line %d", VIEW_CON_LINES + 9);
    CU_ASSERT_STRING_EQUAL(view_console_line(&c, VIEW_CON_LINES - 1), last);
}

static void test_tee(void)
{
    static ViewConsole c;
    view_console_init(&c);
    char *buf = NULL;
    size_t len = 0;
    FILE *also = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(also);
    FILE *t = view_console_tee(&c, also);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    fputs("ok\nnext", t);
    fputc('!', t);
    CU_ASSERT_STRING_EQUAL(view_console_line(&c, 0), "ok");
    CU_ASSERT_STRING_EQUAL(view_console_line(&c, 1), "next!");
    fclose(t);
    fclose(also);
    CU_ASSERT_STRING_EQUAL(buf, "ok\nnext!");
    free(buf);
}

static Machine *make_fw(void)
{
    const char *fw = getenv("RINGSIDE_FW");
    MachineConfig mc;
    machine_config_default(&mc);
    mc.fw_path = fw && *fw ? fw : "guestfw/ringside-fw.elf";
    mc.console = devnull;
    mc.check_driver = CHECK_OFF;
    Err err;
    Machine *m = machine_create(&mc, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    return m;
}

static const ViewBit *bit(const ViewBit *b, unsigned n, const char *name)
{
    for (unsigned i = 0; i < n; i++)
        if (strcmp(b[i].name, name) == 0)
            return &b[i];
    return NULL;
}

static void test_picture(void)
{
    Machine *m = make_fw();
    Err err;
    Debugger *d = debugger_create(m, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    static ViewCount c;
    CU_ASSERT_EQUAL_FATAL(view_count_attach(&c, &m->tracer), 0);
    dbg_keep_history(d, true);
    View *v = malloc(sizeof *v);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);

    /* Before the driver: the device is there, nothing is set up. */
    view_capture(v, d, &c, 0);
    CU_ASSERT_TRUE(v->has_device);
    CU_ASSERT_EQUAL(v->status, 0);
    CU_ASSERT_PTR_NULL(v->pic.layout);

    CU_ASSERT(dbg_break_on(d, "virtio_status new&DRIVER_OK", true, &err) > 0);
    CU_ASSERT_EQUAL_FATAL(dbg_continue(d)->kind, DBG_STOP_COND);
    view_capture(v, d, &c, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(strstr(v->stop, "virtio_status new&DRIVER_OK"));
    CU_ASSERT_TRUE(bit(v->status_bits, v->nstatus, "DRIVER_OK")->on);
    CU_ASSERT_FALSE(bit(v->status_bits, v->nstatus, "FAILED")->on);
    const ViewBit *f = bit(v->features, v->nfeatures, "VERSION_1");
    CU_ASSERT_TRUE(f && f->on && f->accepted);
    CU_ASSERT_STRING_EQUAL(v->q[0].role, "rx0");
    CU_ASSERT_STRING_EQUAL(v->q[1].role, "tx0");
    CU_ASSERT_STRING_EQUAL_FATAL(v->pic.layout, "split");
    CU_ASSERT_STRING_EQUAL(v->layout, "split");
    CU_ASSERT_EQUAL(v->pic.size, 256);
    CU_ASSERT_TRUE(v->pic.readable && v->pic.ready);
    /* rx0 is set up and empty: the buffers come at virtnet_open, after DRIVER_OK. */
    CU_ASSERT_EQUAL(v->pic.avail_idx, 0);
    CU_ASSERT_EQUAL(v->pic.desc[0].owner, VQ_OWN_FREE);
    CU_ASSERT_EQUAL(v->pic.avail[0].owner, VQ_OWN_FREE);
    CU_ASSERT(v->nev > 0);
    bool status_seen = false;
    for (unsigned i = 0; i < v->nev; i++)
        status_seen |= strstr(v->ev[i], "virtio_status dev=virtio-net old=0xb new=0xf") != NULL;
    CU_ASSERT_TRUE(status_seen);

    /* At rx0's kick it is full: every buffer offered to the device, none fetched yet. */
    CU_ASSERT(dbg_break_on(d, "notify queue=rx0", true, &err) > 0);
    CU_ASSERT_EQUAL_FATAL(dbg_continue(d)->kind, DBG_STOP_COND);
    view_capture(v, d, &c, 0);
    CU_ASSERT_EQUAL(v->pic.avail_idx, 256);
    CU_ASSERT_EQUAL(v->pic.last_avail, 0);
    unsigned offered = 0;
    for (unsigned i = 0; i < v->pic.shown; i++)
        offered += v->pic.desc[i].owner == VQ_OWN_AVAIL && v->pic.avail[i].owner == VQ_OWN_AVAIL;
    CU_ASSERT_EQUAL(offered, 256);
    CU_ASSERT_EQUAL(v->pic.used[0].owner, VQ_OWN_FREE);

    /* tx0's first descriptor, written and not offered yet. */
    CU_ASSERT(dbg_break_on(d, "desc_write queue=tx0", true, &err) > 0);
    CU_ASSERT_EQUAL_FATAL(dbg_continue(d)->kind, DBG_STOP_COND);
    view_capture(v, d, &c, 1);
    CU_ASSERT_EQUAL(v->pic.desc[0].owner, VQ_OWN_WRITTEN);
    CU_ASSERT_EQUAL(v->pic.avail[0].owner, VQ_OWN_FREE);
    CU_ASSERT_EQUAL(v->pic.desc[1].owner, VQ_OWN_FREE);
    CU_ASSERT_STRING_EQUAL(vq_owner_name(VQ_OWN_WRITTEN), "written");

    /* The first tx notify: the device fetched tx0's chain, sent it and used it in the
     * same instruction. */
    CU_ASSERT(dbg_break_on(d, "notify queue=tx0", true, &err) > 0);
    CU_ASSERT_EQUAL_FATAL(dbg_continue(d)->kind, DBG_STOP_COND);
    view_capture(v, d, &c, 1);
    CU_ASSERT_EQUAL(v->q[v->sel].index, 1);
    CU_ASSERT_EQUAL(v->pic.avail_idx, 1);
    CU_ASSERT_EQUAL(v->pic.used_idx, 1);
    CU_ASSERT_EQUAL(v->pic.inflight, 0);
    CU_ASSERT_EQUAL(v->pic.desc[0].owner, VQ_OWN_DRIVER);
    CU_ASSERT_EQUAL(v->pic.avail[0].owner, VQ_OWN_DRIVER);
    CU_ASSERT_EQUAL(v->pic.used[0].owner, VQ_OWN_DRIVER);
    CU_ASSERT_EQUAL(v->pic.used[0].id, v->pic.avail[0].id);
    CU_ASSERT_EQUAL(v->pic.desc[1].owner, VQ_OWN_FREE);
    CU_ASSERT_TRUE(v->last_valid);
    CU_ASSERT_EQUAL(v->last_head, 0);
    CU_ASSERT(v->last_n >= 1 && v->last_desc[0] == 0);
    CU_ASSERT_EQUAL(v->q[1].notify, 1);
    CU_ASSERT(v->q[1].irq + v->q[1].suppressed >= 1);
    /* A queue number past the device's is clamped to the first. */
    view_capture(v, d, &c, 999);
    CU_ASSERT_EQUAL(v->sel, 0);

    free(v);
    view_count_detach(&c);
    debugger_destroy(d);
    CU_ASSERT_FALSE(m->tracer.nobs);
    machine_destroy(m);
}

static void test_png(void)
{
#if HAVE_ZLIB
    static const uint8_t px[2 * 3 * 2] = { 255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9 };
    char path[] = "/tmp/ringside-png-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    Err err;
    CU_ASSERT_EQUAL_FATAL(png_write(path, px, 2, 2, 6, &err), 0);
    FILE *f = fopen(path, "rb");
    uint8_t b[64];
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    unlink(path);
    CU_ASSERT(n > 8 + 25 + 12);
    CU_ASSERT_EQUAL(memcmp(b, "\x89PNG\r\n\x1a\n", 8), 0);
    CU_ASSERT_EQUAL(memcmp(b + 12, "IHDR", 4), 0);
    CU_ASSERT_EQUAL(ld32_be(b + 16), 2);
    CU_ASSERT_EQUAL(ld32_be(b + 20), 2);
    CU_ASSERT_EQUAL(b[24], 8);
    CU_ASSERT_EQUAL(b[25], 2);
    CU_ASSERT_EQUAL(png_write(path, px, 0, 2, 6, &err), -1);
    CU_ASSERT_EQUAL(png_write("/nonexistent-dir/x.png", px, 2, 2, 6, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/nonexistent-dir/x.png"));
#endif
}

static int init(void)
{
    devnull = fopen("/dev/null", "w");
    return devnull ? 0 : -1;
}

static int cleanup(void)
{
    fclose(devnull);
    return 0;
}

int suite_view(void)
{
    CU_pSuite s = CU_add_suite("view", init, cleanup);
    if (!s)
        return -1;
    CU_add_test(s, "console scrollback", test_console);
    CU_add_test(s, "console tee", test_tee);
    CU_add_test(s, "picture at DRIVER_OK and after the first tx notify", test_picture);
    CU_add_test(s, "PNG bytes", test_png);
    return CU_get_error();
}
