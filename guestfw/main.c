/* Firmware entry from start.S: banner, device tree, platform set-up, then the
 * scenario named by `scenario=` in /chosen/bootargs (DESIGN.md §9). The scenario's
 * return value becomes the exit code through the test/poweroff device. */
#include "fdt.h"
#include "libc.h"
#include "platform.h"
#include "scenario.h"

#define FW_VERSION "0.1"

_Noreturn void fw_main(unsigned long hartid, const void *dtb);

/* `ping` tells the whole story and becomes the default once the network scenarios
 * are linked; until then the firmware says hello. */
static const char *default_scenario(void)
{
    return scenario_find("ping") ? "ping" : "hello";
}

_Noreturn void fw_main(unsigned long hartid, const void *dtb)
{
    printf("ringside firmware " FW_VERSION "\n");
    if (fdt_init(dtb) < 0)
        printf("fdt: no valid device tree at %p, using defaults\n", dtb);
    platform_init();

    char msg[160];
    if (bootargs_check(msg, sizeof msg) != 0) {
        printf("%s\n", msg);
        poweroff(2);
    }
    const char *name = bootarg("scenario");
    if (!name || !*name)
        name = default_scenario();
    const struct scenario *s = scenario_find(name);
    if (!s) {
        printf("unknown scenario '%s'; known:", name);
        for (unsigned i = 0; (s = scenario_at(i)) != NULL; i++)
            printf(" %s", s->name);
        printf("\n");
        poweroff(2);
    }
    (void)hartid;
    int rc = s->run();
    printf("scenario %s: %s (exit %d)\n", s->name, rc == 0 ? "ok" : "FAILED", rc);
    poweroff(rc);
}
