/* The benchmark firmware's scenario table (it replaces guestfw/scenario.c, so the
 * bundled firmware and its golden traces stay untouched): the same lookups over the
 * benchmarks of bench/guest/. */
#include "scenario.h"

#include <stddef.h>

#include "libc.h"

extern const struct scenario scenario_bench_mix, scenario_bench_bigcode;

static const struct scenario *const table[] = { &scenario_bench_mix, &scenario_bench_bigcode };

const struct scenario *scenario_at(unsigned i)
{
    return i < sizeof table / sizeof table[0] ? table[i] : NULL;
}

const struct scenario *scenario_find(const char *name)
{
    const struct scenario *s;
    for (unsigned i = 0; (s = scenario_at(i)) != NULL; i++)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}
