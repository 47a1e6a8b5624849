/* Unit tests of `ringside run`'s option table (sim/options.c): defaults come from
 * machine_config_default and nowhere else, every kind of option parses into its field,
 * ranges and custom parsers refuse bad values with the option's name, the header's
 * configuration lines follow the table, and the options that name output files are
 * left out of the recorded command line and cleared for a replay. */
#include <CUnit/CUnit.h>
#include <stdlib.h>

#include "sim/options.h"

static int parse(RunOpts *ro, Err *err, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;
    va_start(ap, err);
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 32;)
        argv[argc++] = a;
    va_end(ap);
    return run_opts_parse(argc, argv, ro, err);
}

static void test_defaults(void)
{
    RunOpts ro;
    Err err;
    MachineConfig d;
    machine_config_default(&d);
    CU_ASSERT_EQUAL(parse(&ro, &err, NULL), OPTS_OK);
    CU_ASSERT_EQUAL(memcmp(&ro.mc, &d, sizeof d), 0);
    CU_ASSERT_PTR_NULL(ro.trace_path);
    CU_ASSERT_FALSE(ro.stats);
    /* The defaults a machine needs are all set. */
    CU_ASSERT_EQUAL(d.ram_mib, 128);
    CU_ASSERT_EQUAL(d.insns_per_tick, 10);
    CU_ASSERT_EQUAL(d.net_slot, 1);
    CU_ASSERT_EQUAL(d.net_pairs, 4);
    CU_ASSERT_EQUAL(d.queue_size, 256);
    CU_ASSERT_STRING_EQUAL(d.net_spec, "peer");
    CU_ASSERT_STRING_EQUAL(d.virtio_mode, "transitional");
    CU_ASSERT_PTR_NOT_NULL(d.console);
    CU_ASSERT(d.hash_interval > 0);
}

static void test_kinds(void)
{
    RunOpts ro;
    Err err;
    CU_ASSERT_EQUAL_FATAL(parse(&ro, &err, "-m", "256", "--net-slot=5", "--strict", "-append", "scenario=pci",
                                "--insns-per-tick", "20", "--max-insns", "0x1000", "--link", "down",
                                "--link-toggle", "5,9,100", "--trace", "t.trace", "--stats", "--memory=512", NULL),
                          OPTS_OK);
    CU_ASSERT_EQUAL(ro.mc.ram_mib, 512);               /* the last of -m / --memory wins */
    CU_ASSERT_EQUAL(ro.mc.net_slot, 5);
    CU_ASSERT_TRUE(ro.mc.strict);
    CU_ASSERT_STRING_EQUAL(ro.mc.bootargs, "scenario=pci");
    CU_ASSERT_EQUAL(ro.mc.insns_per_tick, 20);
    CU_ASSERT_EQUAL(ro.mc.max_insns, 0x1000);
    CU_ASSERT_TRUE(ro.mc.link_down);
    CU_ASSERT_EQUAL(ro.mc.n_link_toggle, 3);
    CU_ASSERT_EQUAL(ro.mc.link_toggle[2], 100);
    CU_ASSERT_STRING_EQUAL(ro.trace_path, "t.trace");
    CU_ASSERT_TRUE(ro.stats);
    CU_ASSERT_EQUAL(ro.mc.net_pairs, 4);               /* untouched: still the default */
}

static void refused(const char *want, ...)
{
    char *argv[8];
    int argc = 0;
    va_list ap;
    va_start(ap, want);
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 8;)
        argv[argc++] = a;
    va_end(ap);
    RunOpts ro;
    Err err = { "" };
    CU_ASSERT_EQUAL(run_opts_parse(argc, argv, &ro, &err), -1);
    if (!strstr(err.msg, want))
        fprintf(stderr, "\n  expected \"%s\" in \"%s\"\n", want, err.msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
}

static void test_refusals(void)
{
    refused("unknown option '--frobnicate' (try 'ringside run --help')", "--frobnicate", NULL);
    refused("unknown option 'scenario=ping'", "scenario=ping", NULL);
    refused("option '--net-slot' needs N", "--net-slot", NULL);
    refused("option '-m' needs a number, not 'lots'", "-m", "lots", NULL);
    refused("option '-m' needs a number, not '-1'", "-m", "-1", NULL);
    refused("--net-slot 0: must be 1..31 (slot 0 is the host bridge)", "--net-slot", "0", NULL);
    refused("--queue-size 100: must be a power of 2 in 2..32768", "--queue-size", "100", NULL);
    refused("-m 20000: must be 1..14336", "-m", "20000", NULL);
    refused("--link sideways: expected up or down", "--link", "sideways", NULL);
    refused("--link-toggle 5,3: expected up to 8 increasing virtual times", "--link-toggle", "5,3", NULL);
    refused("--link-toggle 5,: expected", "--link-toggle", "5,", NULL);
    refused("unknown option '--strict=1'", "--strict=1", NULL);
    /* Help wins over what follows it, not over an error before it. */
    RunOpts ro;
    Err err;
    CU_ASSERT_EQUAL(parse(&ro, &err, "-m", "64", "--help", "--frobnicate", NULL), OPTS_HELP);
    CU_ASSERT_EQUAL(parse(&ro, &err, "--frobnicate", "-h", NULL), -1);
}

static void test_config_lines(void)
{
    RunOpts ro;
    Err err;
    CU_ASSERT_EQUAL_FATAL(parse(&ro, &err, "--virtio", "modern", "--queue-size", "16", "--link-toggle", "7,8",
                                "--trace", "x.trace", NULL), OPTS_OK);
    ro.mc.fw_path = "fw.elf";
    char buf[2048];
    run_opts_config_lines(&ro, buf, sizeof buf);
    CU_ASSERT_EQUAL(strncmp(buf, "ringside=", 9), 0);
    static const char *const want[] = {
        "\nfw=fw.elf\n", "\nram_mib=128\n", "\nvirtio=modern\n", "\nqueue_size=16\n", "\nnet=peer\n",
        "\nlink=up\n", "\nlink_toggles=7,8\n", "\ninsns_per_tick=10\n", "\nstrict=0\n", "\nbootargs=\n",
    };
    for (size_t i = 0; i < ARRAY_SIZE(want); i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, want[i]));
    CU_ASSERT_PTR_NULL(strstr(buf, "x.trace"));         /* output files are not configuration */
    CU_ASSERT_EQUAL(buf[strlen(buf) - 1], '\n');
}

static void test_recorded_and_replay(void)
{
    char *argv[] = { "ringside", "run", "--trace", "a.trace", "-m", "64", "--dump-dtb=x.dtb", "--pcap", "p.pcapng",
                     "--trace=b.trace", "--strict", "--tftp", "dir", NULL };
    int argc = (int)ARRAY_SIZE(argv) - 1;
    char *kept[ARRAY_SIZE(argv)];
    int nk = run_opts_recorded_argv(argc, argv, kept);
    CU_ASSERT_EQUAL_FATAL(nk, 7);
    static const char *const want[] = { "ringside", "run", "-m", "64", "--strict", "--tftp", "dir" };
    for (int i = 0; i < nk; i++)
        CU_ASSERT_STRING_EQUAL(kept[i], want[i]);
    CU_ASSERT_PTR_NULL(kept[nk]);

    RunOpts ro;
    Err err;
    CU_ASSERT_EQUAL_FATAL(run_opts_parse(argc - 2, argv + 2, &ro, &err), OPTS_OK);
    ro.serial_input_path = "typed.txt";
    run_opts_for_replay(&ro);
    CU_ASSERT_PTR_NULL(ro.trace_path);
    CU_ASSERT_PTR_NULL(ro.dump_dtb);
    CU_ASSERT_PTR_NULL(ro.mc.pcap_out);
    CU_ASSERT_PTR_NULL(ro.serial_input_path);
    CU_ASSERT_EQUAL(ro.mc.ram_mib, 64);                 /* the machine is kept */
    CU_ASSERT_TRUE(ro.mc.strict);
    CU_ASSERT_STRING_EQUAL(ro.mc.tftp_dir, "dir");
}

static void test_help(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    run_opts_help(f, false);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "  -m, --memory MiB"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "guest RAM size in MiB (default 128)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "(default 256)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "(default transitional)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "(default: the bundled firmware)"));
    CU_ASSERT_PTR_NULL(strstr(text, "(default 0)"));
    free(text);
}

int suite_options(void)
{
    CU_pSuite s = CU_add_suite("options", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "defaults come from machine_config_default", test_defaults);
    CU_add_test(s, "flags, strings, numbers, custom parsers", test_kinds);
    CU_add_test(s, "bad options are refused with their name", test_refusals);
    CU_add_test(s, "header configuration lines", test_config_lines);
    CU_add_test(s, "recorded command line and replay", test_recorded_and_replay);
    CU_add_test(s, "help lists defaults", test_help);
    return CU_get_error();
}
