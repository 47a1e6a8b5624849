/* Unit tests of the debugger core (sim/debug/debugger.c) on the bundled firmware: a
 * condition stops after the instruction that caused its event; watchpoints on a device
 * register (the status register, through the bus events), on RAM stores and on RAM
 * loads report the access; breakpoints by symbol, step counts, a one-shot point that
 * goes away, the history, and reads that never touch a device. */
#include <CUnit/CUnit.h>
#include <stdlib.h>

#include "sim/check/check.h"
#include "sim/debug/debugger.h"
#include "sim/virtio/virtio_net.h"
#include "sim/virtio/virtio_pci.h"

static FILE *devnull;

static Machine *make_fw(void)
{
    const char *fw = getenv("RINGSIDE_FW");
    MachineConfig mc;
    machine_config_default(&mc);
    mc.fw_path = fw && *fw ? fw : "guestfw/ringside-fw.elf";
    mc.console = devnull;
    mc.check_driver = CHECK_OFF;     /* the observers counted below are the debugger's */
    Err err;
    Machine *m = machine_create(&mc, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    return m;
}

static void test_condition_and_watch_on_a_register(void)
{
    Machine *m = make_fw();
    Err err;
    Debugger *d = debugger_create(m, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    int c = dbg_break_on(d, "virtio_status new&FEATURES_OK", false, &err);
    CU_ASSERT(c > 0);
    const DbgStop *s = dbg_continue(d);
    CU_ASSERT_EQUAL_FATAL(s->kind, DBG_STOP_COND);
    CU_ASSERT_EQUAL(s->id, c);
    CU_ASSERT_PTR_NOT_NULL(strstr(s->event, "virtio_status dev=virtio-net old=0x3 new=0xb"));
    CU_ASSERT_EQUAL(m->net->vdev.status, 0xb);          /* the write is done ... */
    CU_ASSERT_EQUAL(s->vtime, cpu_vclock(m->cpu));
    /* ... and the event's pc is the store, one instruction back. */
    uint64_t store_pc = strtoull(strchr(s->event, ' ') + 1, NULL, 16);
    CU_ASSERT(s->pc > store_pc && s->pc <= store_pc + 4);

    /* The device_status register of BAR4 (modern common config at +0x14): the next
     * access of it, a read of the status the driver just wrote (§3.1.1 step 6). */
    uint64_t bar4 = pci_bar_addr(&m->net_pci->pci, 4);
    CU_ASSERT_FATAL(bar4 != PCI_BAR_UNMAPPED);
    CU_ASSERT_EQUAL(dbg_delete(d, c), 0);
    int w = dbg_watch(d, DBG_W_ACCESS, bar4 + 0x14, 1, &err);
    CU_ASSERT(w > 0);
    s = dbg_continue(d);
    CU_ASSERT_EQUAL_FATAL(s->kind, DBG_STOP_WATCH);
    CU_ASSERT_EQUAL(s->addr, bar4 + 0x14);
    CU_ASSERT_FALSE(s->is_write);
    CU_ASSERT_EQUAL(s->value, 0xb);
    CU_ASSERT_EQUAL(s->size, 1);
    /* Device registers are not read by the debugger; RAM and ROM are. */
    uint8_t b[4];
    CU_ASSERT_EQUAL(dbg_read_mem(d, bar4 + 0x14, b, 1, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "a read can change them"));
    CU_ASSERT_EQUAL(dbg_read_mem(d, 0x1000, b, 4, &err), 0);
    CU_ASSERT_EQUAL(ld32_le(b), 0x00000297);            /* the boot ROM: auipc t0, 0 */
    debugger_destroy(d);
    CU_ASSERT_FALSE(m->tracer.nobs);                    /* nothing left observing */
    machine_destroy(m);
}

static void test_ram_watches_breaks_steps(void)
{
    Machine *m = make_fw();
    Err err;
    Debugger *d = debugger_create(m, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    /* Run to rx0's enable, then watch its avail.idx (driver area + 2). */
    CU_ASSERT(dbg_break_on(d, "virtio_queue_enable queue=rx0", true, &err) > 0);
    const DbgStop *s = dbg_continue(d);
    CU_ASSERT_EQUAL_FATAL(s->kind, DBG_STOP_COND);
    unsigned n;
    dbg_points(d, &n);
    CU_ASSERT_EQUAL(n, 0);                              /* the one-shot point is gone */
    uint64_t idx_addr = m->net->vdev.vq[0].driver + 2;
    int w = dbg_watch(d, DBG_W_WRITE, idx_addr, 2, &err);
    CU_ASSERT(w > 0);
    s = dbg_continue(d);
    CU_ASSERT_EQUAL_FATAL(s->kind, DBG_STOP_WATCH);
    CU_ASSERT_TRUE(s->is_write);
    CU_ASSERT_EQUAL(s->addr, idx_addr);
    CU_ASSERT_EQUAL(s->value, 1);                       /* try_fill_recv publishes the first buffer */
    CU_ASSERT_EQUAL(dbg_delete(d, w), 0);
    CU_ASSERT_EQUAL(dbg_delete(d, w), -1);
    /* A read watch on rx0's used.idx: the driver polls it (a hart load); the device's
     * own accesses are DMA, which no watchpoint sees. */
    uint64_t used_idx = m->net->vdev.vq[0].device + 2;
    w = dbg_watch(d, DBG_W_READ, used_idx, 2, &err);
    s = dbg_continue(d);
    CU_ASSERT_EQUAL_FATAL(s->kind, DBG_STOP_WATCH);
    CU_ASSERT_FALSE(s->is_write);
    CU_ASSERT_EQUAL(s->addr, used_idx);
    dbg_delete(d, 0);

    /* Breakpoints by symbol; stepping. */
    CU_ASSERT_EQUAL(dbg_break_at(d, "no_such_function", &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no function 'no_such_function'"));
    CU_ASSERT_EQUAL(dbg_break_at(d, "m_notify+x", &err), -1);
    int b = dbg_break_at(d, "m_notify", &err);
    CU_ASSERT(b > 0);
    s = dbg_continue(d);
    CU_ASSERT_EQUAL_FATAL(s->kind, DBG_STOP_BREAK);
    const Symbol *sym = symtab_find(&m->fw.symtab, "m_notify");
    CU_ASSERT_EQUAL(s->pc, sym->addr);
    uint64_t before = cpu_instret(m->cpu);
    s = dbg_stepi(d, 3);                                 /* stepping off a breakpoint runs it */
    CU_ASSERT_EQUAL(s->kind, DBG_STOP_STEP);
    CU_ASSERT_EQUAL(cpu_instret(m->cpu), before + 3);
    s = dbg_continue(d);
    CU_ASSERT_EQUAL(s->kind, DBG_STOP_BREAK);           /* the next notify */
    dbg_delete(d, 0);
    CU_ASSERT_FALSE(cpu_break_at(m->cpu, sym->addr));

    /* History: the last events, oldest first. */
    dbg_keep_history(d, true);
    s = dbg_stepi(d, 20000);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    dbg_print_history(d, 4, f);
    fclose(f);
    unsigned lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    CU_ASSERT_EQUAL(lines, 4);
    free(text);
    s = dbg_continue(d);
    CU_ASSERT_EQUAL(s->kind, DBG_STOP_END);
    CU_ASSERT_EQUAL(s->end, STOP_POWEROFF);
    CU_ASSERT_TRUE(dbg_ended(d));
    debugger_destroy(d);
    machine_destroy(m);
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

int suite_debugger(void)
{
    CU_pSuite s = CU_add_suite("debugger", init, cleanup);
    if (!s)
        return -1;
    CU_add_test(s, "a condition, a watchpoint on a device register", test_condition_and_watch_on_a_register);
    CU_add_test(s, "RAM watches, breakpoints, steps, history", test_ram_watches_breaks_steps);
    return CU_get_error();
}
