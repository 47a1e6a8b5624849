/* Firmware scenarios, chosen with `scenario=NAME` in /chosen/bootargs.
 *
 * To add one: define `const struct scenario scenario_NAME = { "name", fn, "help" };`
 * in its own file and add `SCENARIO(NAME)` to the list in scenario.c. The list uses
 * weak references, so a scenario whose file is not (yet) linked is simply skipped. */
#ifndef GUESTFW_SCENARIO_H
#define GUESTFW_SCENARIO_H

struct scenario {
    const char *name;
    /* Returns the exit code for poweroff (0 = success). */
    int (*run)(void);
    const char *help;
};

/* The scenario called name, or NULL. */
const struct scenario *scenario_find(const char *name);
/* Registered scenarios in table order, NULL past the end. */
const struct scenario *scenario_at(unsigned i);

#endif
