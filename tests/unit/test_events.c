/* Unit tests of the deterministic event queue (sim/events.c). */
#include <CUnit/CUnit.h>

#include "sim/events.h"

static char log_buf[64];
static unsigned log_len;
static void mark(void *opaque) { log_buf[log_len++] = *(const char *)opaque; log_buf[log_len] = 0; }

static void test_order_and_ties(void)
{
    EventQueue q;
    Timer a, b, c, d;
    events_init(&q);
    log_len = 0;
    timer_init(&a, "a", mark, "a");
    timer_init(&b, "b", mark, "b");
    timer_init(&c, "c", mark, "c");
    timer_init(&d, "d", mark, "d");
    timer_mod(&q, &c, 30);
    timer_mod(&q, &a, 10);
    timer_mod(&q, &b, 10); /* same time as a, armed later: fires after a */
    timer_mod(&q, &d, 5);
    CU_ASSERT_EQUAL(events_next(&q), 5);
    CU_ASSERT_EQUAL(events_run_due(&q, 4), 0);
    CU_ASSERT_EQUAL(events_run_due(&q, 10), 3);
    CU_ASSERT_STRING_EQUAL(log_buf, "dab");
    CU_ASSERT_EQUAL(events_next(&q), 30);
    timer_mod(&q, &c, 12); /* re-arming moves it */
    timer_del(&q, &a);     /* deleting an unarmed timer is harmless */
    CU_ASSERT_EQUAL(events_next(&q), 12);
    timer_del(&q, &c);
    CU_ASSERT_EQUAL(events_next(&q), EVENT_NEVER);
}

static void rearm(void *opaque)
{
    EventQueue *q = opaque;
    static Timer t2;
    log_buf[log_len++] = 'r';
    timer_init(&t2, "t2", mark, "x");
    timer_mod(q, &t2, 20); /* armed from a callback, due now: runs in the same pass */
}

static void test_arm_from_callback(void)
{
    EventQueue q;
    Timer t;
    events_init(&q);
    log_len = 0;
    timer_init(&t, "t", rearm, &q);
    timer_mod(&q, &t, 20);
    CU_ASSERT_EQUAL(events_run_due(&q, 25), 2);
    log_buf[log_len] = 0;
    CU_ASSERT_STRING_EQUAL(log_buf, "rx");
}

int suite_events(void)
{
    CU_pSuite s = CU_add_suite("events", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "order and ties", test_order_and_ties);
    CU_add_test(s, "arm from callback", test_arm_from_callback);
    return 0;
}
