/* sim/suggest.c: the "did you mean" of unknown options and feature names. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "sim/suggest.h"

static const char *const opts[] = { "--trace", "--net-features", "--net", "--net-pairs", NULL, "--tftp" };

static const char *s(const char *w)
{
    return suggest_closest(w, strlen(w), opts, sizeof opts / sizeof opts[0]);
}

static void test_slips(void)
{
    CU_ASSERT_STRING_EQUAL(s("--tarce"), "--trace");           /* two letters swapped */
    CU_ASSERT_STRING_EQUAL(s("--net-featurs"), "--net-features");  /* one left out */
    CU_ASSERT_STRING_EQUAL(s("--net-pair"), "--net-pairs");
    CU_ASSERT_STRING_EQUAL(s("--tftpp"), "--tftp");             /* one too many */
}

static void test_no_guess(void)
{
    CU_ASSERT_PTR_NULL(s("--xyz"));                              /* nothing close */
    CU_ASSERT_PTR_NULL(s(""));
    CU_ASSERT_PTR_NULL(suggest_closest("ab", 2, opts, 0));
    static const char *const two[] = { "mac", "mtu" };
    CU_ASSERT_STRING_EQUAL(suggest_closest("mxc", 3, two, 2), "mac");     /* "mtu" is 2 away */
    CU_ASSERT_PTR_NULL(suggest_closest("mxx", 3, two, 2));       /* too far from both */
    static const char *const tie[] = { "ab", "ac" };
    CU_ASSERT_PTR_NULL(suggest_closest("aa", 2, tie, 2));        /* as close to both: no guess */
    char longw[100];
    memset(longw, 'a', sizeof longw);
    CU_ASSERT_PTR_NULL(suggest_closest(longw, sizeof longw, opts, 6));   /* past the table */
}

int suite_suggest(void)
{
    CU_pSuite su = CU_add_suite("suggest", NULL, NULL);
    if (!su)
        return -1;
    CU_add_test(su, "a slip of one or two edits is named", test_slips);
    CU_add_test(su, "no guess when nothing is close, or two are", test_no_guess);
    return 0;
}
