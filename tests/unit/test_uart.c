/* Unit tests of the 16550A UART (sim/uart.c): output, deterministic paced input, the
 * interrupt identification priorities, and the divisor latch. */
#include <CUnit/CUnit.h>
#include <stdlib.h>

#include "sim/uart.h"

static uint64_t clock_now;
static uint64_t now(void *ctx) { return clock_now; }
static int irq_level;
static void sink(void *o, unsigned n, int level) { irq_level = level; }

static uint8_t rd(Uart *u, unsigned r)
{
    uint64_t v = 0;
    CU_ASSERT_EQUAL(memops_read(&uart_ops, u, r, 1, &v), 0);
    return (uint8_t)v;
}
static void wr(Uart *u, unsigned r, uint8_t v) { CU_ASSERT_EQUAL(memops_write(&uart_ops, u, r, 1, v), 0); }

static void test_output(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    EventQueue q;
    Uart u;
    events_init(&q);
    uart_init(&u, (IrqLine){ sink, NULL, 10 }, &q, f, now, NULL);
    CU_ASSERT_EQUAL(rd(&u, 5) & 0x60, 0x60);  /* THRE and TEMT */
    wr(&u, 0, 'h');
    wr(&u, 0, 'i');
    wr(&u, 3, 0x83);                           /* DLAB: offset 0 is now the divisor */
    wr(&u, 0, 0x12);
    CU_ASSERT_EQUAL(rd(&u, 0), 0x12);
    wr(&u, 1, 0x34);                           /* and offset 1 its high byte, not IER */
    CU_ASSERT_EQUAL(rd(&u, 1), 0x34);
    wr(&u, 3, 0x03);
    CU_ASSERT_EQUAL(rd(&u, 1), 0);             /* IER untouched */
    CU_ASSERT_EQUAL(u.dll, 0x12);
    CU_ASSERT_EQUAL(u.dlm, 0x34);
    fclose(f);
    CU_ASSERT_EQUAL(len, 2);
    CU_ASSERT(memcmp(buf, "hi", 2) == 0);
    free(buf);
    uart_destroy(&u);
}

static void test_paced_input(void)
{
    EventQueue q;
    Uart u;
    events_init(&q);
    irq_level = 0;
    clock_now = 100;
    uart_init(&u, (IrqLine){ sink, NULL, 10 }, &q, NULL, now, NULL);
    wr(&u, 1, 1);                               /* IER: received data available */
    uart_queue_input(&u, (const uint8_t *)"ab", 2);
    CU_ASSERT_EQUAL(events_next(&q), 100 + UART_INPUT_GAP);
    CU_ASSERT_EQUAL(rd(&u, 5) & 1, 0);
    clock_now = events_next(&q);
    events_run_due(&q, clock_now);
    CU_ASSERT_EQUAL(rd(&u, 5) & 1, 1);
    CU_ASSERT_EQUAL(irq_level, 1);
    CU_ASSERT_EQUAL(rd(&u, 2) & 0x0f, 0x04);   /* IIR: received data */
    /* The next byte waits until the guest took this one: nothing is lost. */
    clock_now += 10 * UART_INPUT_GAP;
    events_run_due(&q, clock_now);
    CU_ASSERT_EQUAL(events_next(&q), EVENT_NEVER);
    CU_ASSERT_EQUAL(rd(&u, 0), 'a');
    CU_ASSERT_EQUAL(irq_level, 0);
    CU_ASSERT_EQUAL(events_next(&q), clock_now + UART_INPUT_GAP);
    clock_now = events_next(&q);
    events_run_due(&q, clock_now);
    CU_ASSERT_EQUAL(rd(&u, 0), 'b');
    CU_ASSERT_EQUAL(rd(&u, 5) & 1, 0);
    CU_ASSERT_EQUAL(events_next(&q), EVENT_NEVER);
    uart_destroy(&u);
}

static void test_thre_interrupt(void)
{
    EventQueue q;
    Uart u;
    events_init(&q);
    irq_level = 0;
    uart_init(&u, (IrqLine){ sink, NULL, 10 }, &q, NULL, now, NULL);
    CU_ASSERT_EQUAL(rd(&u, 2) & 0x0f, 0x01);   /* no interrupt */
    wr(&u, 1, 2);                               /* enable THRE: THR is empty, so it fires */
    CU_ASSERT_EQUAL(irq_level, 1);
    CU_ASSERT_EQUAL(rd(&u, 2) & 0x0f, 0x02);
    CU_ASSERT_EQUAL(irq_level, 0);              /* reading IIR cleared it */
    CU_ASSERT_EQUAL(rd(&u, 2) & 0x0f, 0x01);
    wr(&u, 0, 'x');                             /* the byte leaves at once: THRE again */
    CU_ASSERT_EQUAL(irq_level, 1);
    wr(&u, 1, 0);
    CU_ASSERT_EQUAL(irq_level, 0);
    uart_destroy(&u);
}

/* Feeds due input and returns the byte the guest reads, or -1 if none arrived. */
static int take(EventQueue *q, Uart *u)
{
    if (events_next(q) == EVENT_NEVER)
        return -1;
    clock_now = events_next(q);
    events_run_due(q, clock_now);
    return (rd(u, 5) & 1) ? rd(u, 0) : -1;
}

/* With a prompt, a line after the first waits until the guest printed the prompt:
 * a program that reads ahead while busy (U-Boot polling for Ctrl-C) loses nothing. */
static void test_prompt_wait(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    EventQueue q;
    Uart u;
    events_init(&q);
    clock_now = 0;
    uart_init(&u, (IrqLine){ sink, NULL, 10 }, &q, f, now, NULL);
    CU_ASSERT_EQUAL(uart_set_prompt(&u, "=> "), 0);
    uart_queue_input(&u, (const uint8_t *)"a\nb\n", 4);
    CU_ASSERT_EQUAL(take(&q, &u), 'a');
    CU_ASSERT_EQUAL(take(&q, &u), '\n');
    /* The line ended: nothing more until the prompt appears in the output. */
    CU_ASSERT_EQUAL(take(&q, &u), -1);
    wr(&u, 0, '=');
    wr(&u, 0, '>');
    CU_ASSERT_EQUAL(take(&q, &u), -1);        /* a partial prompt is not enough */
    wr(&u, 0, ' ');
    CU_ASSERT_EQUAL(take(&q, &u), 'b');
    CU_ASSERT_EQUAL(take(&q, &u), '\n');
    CU_ASSERT_EQUAL(take(&q, &u), -1);        /* input exhausted */
    fclose(f);
    free(buf);
    uart_destroy(&u);
}

/* The names the trace gives each register (golden traces contain them): one row per
 * offset, the DLAB aliases named by their usual register. */
static void test_register_names(void)
{
    static const char *const names[8] = { "rbr_thr", "ier", "iir_fcr", "lcr", "mcr", "lsr", "msr", "scr" };
    Uart u;
    uart_init(&u, (IrqLine){ 0 }, NULL, NULL, NULL, NULL);
    const Region r = { UART_BASE, UART_SIZE, "uart", &uart_ops, &u };
    for (unsigned off = 0; off < 8; off++)
        CU_ASSERT_STRING_EQUAL(region_reg_name(&r, off, 1), names[off]);
    CU_ASSERT_PTR_NULL(region_reg_name(&r, 8, 1));
    CU_ASSERT_EQUAL(rd(&u, 0x20), 0);          /* beyond the registers: reads 0 */
    uart_destroy(&u);
}

int suite_uart(void)
{
    CU_pSuite s = CU_add_suite("uart", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "output and divisor latch", test_output);
    CU_add_test(s, "paced input", test_paced_input);
    CU_add_test(s, "THRE interrupt", test_thre_interrupt);
    CU_add_test(s, "prompt wait between lines", test_prompt_wait);
    CU_add_test(s, "register names", test_register_names);
    return 0;
}
