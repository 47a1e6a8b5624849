/* Unit tests of the device tree (sim/dtb.c), parsed back with libfdt. */
#include <CUnit/CUnit.h>
#include <libfdt.h>
#include <stdlib.h>

#include "sim/dtb.h"

static int extra_called;
static int extra(void *ctx, void *fdt, int soc, uint32_t plic, Err *err)
{
    extra_called = (int)plic;
    return fdt_add_subnode(fdt, soc, "extra@0") < 0 ? -1 : 0;
}

static uint64_t cell64(const fdt32_t *c) { return (uint64_t)fdt32_to_cpu(c[0]) << 32 | fdt32_to_cpu(c[1]); }

static void test_tree(void)
{
    DtbConfig cfg = { 0x80000000ull, 256ull << 20, "scenario=pci pci=cf8", 10000000, extra, NULL };
    size_t size = 0;
    Err err = { "" };
    void *fdt = dtb_build(&cfg, &size, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fdt);
    CU_ASSERT_EQUAL(fdt_check_header(fdt), 0);
    CU_ASSERT_EQUAL(size, fdt_totalsize(fdt));

    int n = fdt_path_offset(fdt, "/chosen");
    CU_ASSERT_STRING_EQUAL(fdt_getprop(fdt, n, "bootargs", NULL), "scenario=pci pci=cf8");
    CU_ASSERT_STRING_EQUAL(fdt_getprop(fdt, n, "stdout-path", NULL), "/soc/serial@10000000");

    int len;
    n = fdt_path_offset(fdt, "/memory@80000000");
    CU_ASSERT_FATAL(n >= 0);
    const fdt32_t *reg = fdt_getprop(fdt, n, "reg", &len);
    CU_ASSERT_EQUAL(len, 16);
    CU_ASSERT_EQUAL(cell64(reg), 0x80000000ull);
    CU_ASSERT_EQUAL(cell64(reg + 2), 256ull << 20);

    n = fdt_path_offset(fdt, "/cpus");
    CU_ASSERT_EQUAL(fdt32_to_cpu(*(const fdt32_t *)fdt_getprop(fdt, n, "timebase-frequency", NULL)), 10000000);
    n = fdt_path_offset(fdt, "/cpus/cpu@0");
    CU_ASSERT_STRING_EQUAL(fdt_getprop(fdt, n, "riscv,isa", NULL), "rv64imac_zicsr_zifencei");

    n = fdt_node_offset_by_compatible(fdt, -1, "sifive,plic-1.0.0");
    CU_ASSERT_FATAL(n >= 0);
    CU_ASSERT_EQUAL(fdt_get_phandle(fdt, n), (uint32_t)extra_called);
    CU_ASSERT_EQUAL(fdt32_to_cpu(*(const fdt32_t *)fdt_getprop(fdt, n, "riscv,ndev", NULL)), 95);
    const fdt32_t *ie = fdt_getprop(fdt, n, "interrupts-extended", &len);
    CU_ASSERT_EQUAL(len, 16);
    CU_ASSERT_EQUAL(fdt32_to_cpu(ie[1]), 11);  /* M-mode external */
    CU_ASSERT_EQUAL(fdt32_to_cpu(ie[3]), 9);   /* S-mode external */

    n = fdt_node_offset_by_compatible(fdt, -1, "ns16550a");
    CU_ASSERT_EQUAL(fdt32_to_cpu(*(const fdt32_t *)fdt_getprop(fdt, n, "interrupts", NULL)), 10);
    CU_ASSERT(fdt_node_offset_by_compatible(fdt, -1, "sifive,clint0") >= 0);
    CU_ASSERT(fdt_node_offset_by_compatible(fdt, -1, "sifive,test0") >= 0);
    CU_ASSERT(fdt_node_offset_by_compatible(fdt, -1, "syscon-poweroff") >= 0);
    CU_ASSERT(fdt_path_offset(fdt, "/soc/extra@0") >= 0);
    free(fdt);

    cfg.bootargs = NULL;
    fdt = dtb_build(&cfg, &size, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fdt);
    CU_ASSERT_PTR_NULL(fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "bootargs", NULL));
    free(fdt);
}

int suite_dtb(void)
{
    CU_pSuite s = CU_add_suite("dtb", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "tree shape", test_tree);
    return 0;
}
