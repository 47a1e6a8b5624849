/* scenario=selftest: checks of the firmware base itself, runnable on QEMU and on
 * ringside: printf formatting (C11 §7.21.6.1), strtoul, the bootargs parser, the
 * device-tree reader and the bump allocator. Each failed check prints what it got
 * and the scenario exits 1. scenario=irq checks PLIC interrupt delivery through the
 * UART's transmitter-empty interrupt; scenario=crash takes a breakpoint exception
 * on purpose, so the trap dump and exit code 99 can be seen. */
#include "bus.h"
#include "fdt.h"
#include "libc.h"
#include "platform.h"
#include "scenario.h"

static int failures;

static void check_fmt(const char *want, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void check_fmt(const char *want, const char *fmt, ...)
{
    char buf[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (strcmp(buf, want) != 0 || n != (int)strlen(want)) {
        printf("selftest: format \"%s\" gave \"%s\" (%d), want \"%s\"\n", fmt, buf, n, want);
        failures++;
    }
}

static void check(bool ok, const char *what)
{
    if (!ok) {
        printf("selftest: FAILED %s\n", what);
        failures++;
    }
}

static void test_printf(void)
{
    check_fmt("42 -7 0", "%d %i %u", 42, -7, 0u);
    check_fmt("ffffffff FF", "%x %X", 0xffffffffu, 255u);
    check_fmt("-9223372036854775808", "%lld", (long long)(-9223372036854775807LL - 1));
    check_fmt("18446744073709551615", "%llu", 18446744073709551615ULL);
    check_fmt("123456789abcdef0", "%lx", 0x123456789abcdef0UL);
    check_fmt("17", "%zu", (size_t)17);
    check_fmt("[  5][5  ][005]", "[%3d][%-3d][%03d]", 5, 5, 5);
    check_fmt("[-05][ -5]", "[%03d][%3d]", -5, -5);
    check_fmt("[ab   ][  ab][a]", "[%-5s][%4s][%.1s]", "ab", "ab", "abc");
    check_fmt("0x80000000 c %", "%p %c %%", (void *)0x80000000UL, 'c');
    check_fmt("[  7]", "[%*d]", 3, 7);
    char small[4];
    int n = snprintf(small, sizeof small, "%s", "truncated");
    check(n == 9 && strcmp(small, "tru") == 0, "snprintf truncation and return value");
}

static void test_string(void)
{
    char *end;
    check(strtoul("0x1f", &end, 0) == 31 && *end == '\0', "strtoul hex");
    check(strtoul("017", NULL, 0) == 15, "strtoul octal");
    check(strtoul("  42z", &end, 10) == 42 && *end == 'z', "strtoul decimal stops at z");
    check(strtoul("zz", &end, 10) == 0 && strcmp(end, "zz") == 0, "strtoul no digits");
    char buf[16] = "abcdefgh";
    memmove(buf + 2, buf, 6);
    check(memcmp(buf, "ababcdef", 8) == 0, "memmove overlapping forward");
    memmove(buf, buf + 2, 6);
    check(memcmp(buf, "abcdefef", 8) == 0, "memmove overlapping backward");
    check(strncmp("abc", "abd", 2) == 0 && strcmp("abc", "abd") < 0, "strcmp/strncmp");
    check(strchr("a=b", '=') && *strchr("a=b", '=') == '=' && !strchr("ab", 'z'), "strchr");
}

static void test_dt(void)
{
    check(fdt_blob() != NULL, "device tree present");
    int chosen = fdt_path_offset("/chosen");
    check(chosen >= 0, "/chosen found by path");
    int mem = fdt_find_device_type(-1, "memory");
    check(mem >= 0 && strncmp(fdt_node_name(mem), "memory", 6) == 0,
          "memory node by device_type");
    check(fdt_path_offset("/memory") == mem, "/memory matches memory@... without unit address");
    int pci = fdt_find_compatible(-1, "pci-host-ecam-generic");
    check(pci >= 0 && fdt_parent(pci) >= 0, "pci host bridge by compatible, with a parent");
    check(fdt_path_offset("/no/such/node") < 0, "missing path is not found");
    int len = -1;
    check(fdt_getprop(fdt_root(), "no-such-property", &len) == NULL, "missing property");
    check(fdt_address_cells(fdt_root()) == 2, "root #address-cells is 2");
    check(bootarg("scenario") && strcmp(bootarg("scenario"), "selftest") == 0,
          "bootarg(scenario) = selftest");
    check(bootarg("scenari") == NULL, "bootarg needs the whole key");
    printf("selftest: bootargs \"%s\"\n", bootargs());
}

static void test_alloc(void)
{
    uint8_t *a = fw_alloc(10, 0);
    uint8_t *b = fw_alloc(100, 4096);
    check(((uintptr_t)a & 15) == 0 && ((uintptr_t)b & 4095) == 0, "fw_alloc alignment");
    check(b >= a + 10, "fw_alloc does not overlap");
    bool zero = true;
    for (int i = 0; i < 100; i++)
        zero &= b[i] == 0;
    check(zero, "fw_alloc memory is zeroed");
    extern char _end[];
    check((uintptr_t)a >= (uintptr_t)_end, "heap starts after the image");
    uintptr_t dtb = (uintptr_t)fdt_blob();
    check(dtb < (uintptr_t)a || dtb >= (uintptr_t)b + 100, "heap does not cover the DTB");
}

/* ---- device model: match, probe order, failed probes, duplicates ---- */

static char probe_log[64];

static int tb_match(struct device *dev, struct driver *drv)
{
    return dev->name[0] == drv->name[0];        /* same first letter */
}

static int tb_probe(struct device *dev)
{
    size_t n = strlen(probe_log);
    if (n + 3 < sizeof probe_log) {
        probe_log[n] = dev->name[0];
        probe_log[n + 1] = dev->name[1];
        probe_log[n + 2] = ' ';
        probe_log[n + 3] = '\0';
    }
    return dev->name[1] == 'x' ? -5 : 0;        /* "?x" devices refuse */
}

static void test_bus(void)
{
    static struct bus_type tb = { .name = "selftest", .match = tb_match };
    static struct device a1 = { .name = "a1", .bus = &tb }, b1 = { .name = "b1", .bus = &tb },
                         a2 = { .name = "a2", .bus = &tb }, bx = { .name = "bx", .bus = &tb };
    static struct driver da = { .name = "a-driver", .bus = &tb, .probe = tb_probe },
                         db = { .name = "b-driver", .bus = &tb, .probe = tb_probe };
    check(bus_register(&tb) == 0 && bus_register(&tb) == -1, "bus registers once");
    check(device_register(&a1) == 0 && device_register(&b1) == 0, "devices register");
    check(device_register(&a1) == -1, "a device registers once");
    check(probe_log[0] == '\0', "no probe without a driver");
    check(driver_register(&da) == 0 && a1.driver == &da && !b1.driver, "driver binds match only");
    check(device_register(&a2) == 0 && a2.driver == &da, "late device binds at registration");
    check(device_register(&bx) == 0 && driver_register(&db) == 0, "second driver registers");
    check(b1.driver == &db && !bx.driver, "failed probe leaves the device unbound");
    check(strcmp(probe_log, "a1 a2 b1 bx ") == 0, "probe order is registration order");
    struct device *d = bus_first_device(&tb);
    check(d == &a1 && d->next == &b1 && b1.next == &a2 && a2.next == &bx && !bx.next,
          "device list in registration order");
}

static int selftest(void)
{
    test_printf();
    test_string();
    test_dt();
    test_alloc();
    test_bus();
    printf("selftest: %d failure%s\n", failures, failures == 1 ? "" : "s");
    return failures ? 1 : 0;
}

/* ---- interrupts ---- */

#define UART_IRQ  10     /* DESIGN.md §2 */
#define UART_IER  1
#define IER_THRI  0x02   /* transmitter holding register empty */

static volatile unsigned uart_irqs;

static void uart_irq(void *arg)
{
    (void)arg;
    /* The interrupt stays asserted while THRI is on and the THR is empty: turn it off. */
    mmio_write8(UART0_BASE + UART_IER, 0);
    uart_irqs++;
}

static int irq_test(void)
{
    irq_register(UART_IRQ, uart_irq, NULL);
    interrupts_on();
    mmio_write8(UART0_BASE + UART_IER, IER_THRI);
    uint64_t t0 = rdtime(), limit = timebase_hz() / 10;  /* 100 ms of virtual time */
    while (!uart_irqs && rdtime() - t0 < limit)
        ;
    interrupts_off();
    irq_disable_source(UART_IRQ);
    printf("irq: uart transmitter-empty interrupt %s (%u handled, %llu total)\n",
           uart_irqs ? "delivered" : "NOT delivered", uart_irqs,
           (unsigned long long)irq_count());
    return uart_irqs == 1 ? 0 : 1;
}

static int crash(void)
{
    printf("crash: executing ebreak, expect a trap dump and exit 99\n");
    __asm__ volatile("ebreak");
    return 1;
}

const struct scenario scenario_selftest = { "selftest", selftest,
                                            "check printf, strings, DTB reader, allocator" };
const struct scenario scenario_irq = { "irq", irq_test,
                                       "check PLIC delivery with the UART THRE interrupt" };
const struct scenario scenario_crash = { "crash", crash, "take an exception on purpose" };
