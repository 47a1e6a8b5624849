/* CUnit runner: registers every suite (one per tests/unit/test_*.c, listed in
 * build/suites.inc by the Makefile) and runs them with CUnit's basic interface.
 * `build/unit-tests SUITE...` runs only the named suites. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#define SUITE(name) int suite_##name(void);
#include "build/suites.inc"
#undef SUITE

static const struct { const char *name; int (*add)(void); } suites[] = {
#define SUITE(name) { #name, suite_##name },
#include "build/suites.inc"
#undef SUITE
};

int main(int argc, char **argv)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        int want = argc < 2;
        for (int a = 1; a < argc; a++)
            want |= strcmp(argv[a], suites[i].name) == 0;
        if (want && suites[i].add() != 0) {
            fprintf(stderr, "cannot register suite %s: %s\n", suites[i].name, CU_get_error_msg());
            CU_cleanup_registry();
            return 2;
        }
    }
    CU_basic_set_mode(CU_BRM_NORMAL);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
