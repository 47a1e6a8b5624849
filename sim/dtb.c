/* Device-tree construction with libfdt (Devicetree Specification v0.4; node shapes as
 * QEMU's hw/riscv/virt.c produces them, so Linux, U-Boot and the bundled firmware
 * accept the same tree on both). */
#include "dtb.h"

#include <libfdt.h>
#include <stdlib.h>

#include "bootrom.h"
#include "clint.h"
#include "plic.h"
#include "sifive_test.h"
#include "uart.h"

#define DTB_MAX (64 * 1024)

enum { PH_CPU_INTC = 1, PH_PLIC = 2, PH_TEST = 3 };

/* libfdt returns negative error codes; this turns the first one into a message. */
#define TRY(x)                                                                          \
    do {                                                                                \
        int r_ = (x);                                                                   \
        if (r_ < 0) {                                                                   \
            err_set(err, "device tree: %s: %s", #x, fdt_strerror(r_));                  \
            goto fail;                                                                  \
        }                                                                               \
    } while (0)

static int prop_cells(void *fdt, int node, const char *name, const uint32_t *cells, unsigned n)
{
    uint32_t be[16];
    for (unsigned i = 0; i < n; i++)
        be[i] = cpu_to_fdt32(cells[i]);
    return fdt_setprop(fdt, node, name, be, (int)(n * 4));
}

static int prop_reg(void *fdt, int node, uint64_t base, uint64_t size)
{
    uint32_t c[4] = { (uint32_t)(base >> 32), (uint32_t)base, (uint32_t)(size >> 32), (uint32_t)size };
    return prop_cells(fdt, node, "reg", c, 4);
}

static int add_node(void *fdt, int parent, const char *fmt, uint64_t addr)
{
    char name[64];
    snprintf(name, sizeof name, fmt, (unsigned long long)addr);
    return fdt_add_subnode(fdt, parent, name);
}

void *dtb_build(const DtbConfig *cfg, size_t *size, Err *err)
{
    void *fdt = calloc(1, DTB_MAX);
    int root = 0, n, cpus, cpu, intc, soc, map, cl;
    if (!fdt) {
        err_set(err, "out of memory");
        return NULL;
    }
    TRY(fdt_create_empty_tree(fdt, DTB_MAX));
    TRY(fdt_setprop_u32(fdt, root, "#address-cells", 2));
    TRY(fdt_setprop_u32(fdt, root, "#size-cells", 2));
    TRY(fdt_setprop_string(fdt, root, "compatible", "riscv-virtio"));
    TRY(fdt_setprop_string(fdt, root, "model", "riscv-virtio,qemu"));

    TRY(n = fdt_add_subnode(fdt, root, "chosen"));
    if (cfg->bootargs)
        TRY(fdt_setprop_string(fdt, n, "bootargs", cfg->bootargs));
    TRY(fdt_setprop_string(fdt, n, "stdout-path", "/soc/serial@10000000"));
    if (cfg->kernel && cfg->initrd_end > cfg->initrd_start) {
        TRY(fdt_setprop_u64(fdt, n, "linux,initrd-start", cfg->initrd_start));
        TRY(fdt_setprop_u64(fdt, n, "linux,initrd-end", cfg->initrd_end));
    }

    TRY(n = add_node(fdt, root, "memory@%llx", cfg->ram_base));
    TRY(fdt_setprop_string(fdt, n, "device_type", "memory"));
    TRY(prop_reg(fdt, n, cfg->ram_base, cfg->ram_size));

    TRY(cpus = fdt_add_subnode(fdt, root, "cpus"));
    TRY(fdt_setprop_u32(fdt, cpus, "#address-cells", 1));
    TRY(fdt_setprop_u32(fdt, cpus, "#size-cells", 0));
    TRY(fdt_setprop_u32(fdt, cpus, "timebase-frequency", cfg->timebase_hz));
    TRY(cpu = fdt_add_subnode(fdt, cpus, "cpu@0"));
    TRY(fdt_setprop_u32(fdt, cpu, "phandle", 4));
    TRY(fdt_setprop_string(fdt, cpu, "device_type", "cpu"));
    TRY(fdt_setprop_u32(fdt, cpu, "reg", 0));
    TRY(fdt_setprop_string(fdt, cpu, "status", "okay"));
    TRY(fdt_setprop_string(fdt, cpu, "compatible", "riscv"));
    TRY(fdt_setprop_string(fdt, cpu, "riscv,isa", "rv64imac_zicsr_zifencei"));
    TRY(fdt_setprop_string(fdt, cpu, "riscv,isa-base", "rv64i"));
    if (cfg->kernel)
        TRY(fdt_setprop_string(fdt, cpu, "mmu-type", "riscv,sv39"));
    {
        static const char ext[] = "i\0m\0a\0c\0zicsr\0zifencei";
        TRY(fdt_setprop(fdt, cpu, "riscv,isa-extensions", ext, sizeof ext));
    }
    TRY(intc = fdt_add_subnode(fdt, cpu, "interrupt-controller"));
    TRY(fdt_setprop_u32(fdt, intc, "#interrupt-cells", 1));
    /* #address-cells = 0: an interrupt provider that an interrupt-map may name (dtc
     * checks it; newer QEMU adds it too). */
    TRY(fdt_setprop_u32(fdt, intc, "#address-cells", 0));
    TRY(fdt_setprop(fdt, intc, "interrupt-controller", NULL, 0));
    TRY(fdt_setprop_string(fdt, intc, "compatible", "riscv,cpu-intc"));
    TRY(fdt_setprop_u32(fdt, intc, "phandle", PH_CPU_INTC));
    TRY(map = fdt_add_subnode(fdt, cpus, "cpu-map"));
    TRY(cl = fdt_add_subnode(fdt, map, "cluster0"));
    TRY(n = fdt_add_subnode(fdt, cl, "core0"));
    TRY(fdt_setprop_u32(fdt, n, "cpu", 4));

    /* Power-off and reboot go through the test device, as on QEMU. */
    TRY(n = fdt_add_subnode(fdt, root, "poweroff"));
    TRY(fdt_setprop_u32(fdt, n, "value", 0x5555));
    TRY(fdt_setprop_u32(fdt, n, "offset", 0));
    TRY(fdt_setprop_u32(fdt, n, "regmap", PH_TEST));
    TRY(fdt_setprop_string(fdt, n, "compatible", "syscon-poweroff"));
    TRY(n = fdt_add_subnode(fdt, root, "reboot"));
    TRY(fdt_setprop_u32(fdt, n, "value", 0x7777));
    TRY(fdt_setprop_u32(fdt, n, "offset", 0));
    TRY(fdt_setprop_u32(fdt, n, "regmap", PH_TEST));
    TRY(fdt_setprop_string(fdt, n, "compatible", "syscon-reboot"));

    TRY(soc = fdt_add_subnode(fdt, root, "soc"));
    TRY(fdt_setprop_u32(fdt, soc, "#address-cells", 2));
    TRY(fdt_setprop_u32(fdt, soc, "#size-cells", 2));
    TRY(fdt_setprop_string(fdt, soc, "compatible", "simple-bus"));
    TRY(fdt_setprop(fdt, soc, "ranges", NULL, 0));

    TRY(n = add_node(fdt, soc, "test@%llx", SIFIVE_TEST_BASE));
    {
        static const char compat[] = "sifive,test1\0sifive,test0\0syscon";
        TRY(fdt_setprop(fdt, n, "compatible", compat, sizeof compat));
    }
    TRY(prop_reg(fdt, n, SIFIVE_TEST_BASE, SIFIVE_TEST_SIZE));
    TRY(fdt_setprop_u32(fdt, n, "phandle", PH_TEST));

    TRY(n = add_node(fdt, soc, "serial@%llx", UART_BASE));
    TRY(fdt_setprop_string(fdt, n, "compatible", "ns16550a"));
    TRY(prop_reg(fdt, n, UART_BASE, UART_SIZE));
    TRY(fdt_setprop_u32(fdt, n, "clock-frequency", UART_CLOCK));
    TRY(fdt_setprop_u32(fdt, n, "interrupts", UART_IRQ));
    TRY(fdt_setprop_u32(fdt, n, "interrupt-parent", PH_PLIC));

    TRY(n = add_node(fdt, soc, "plic@%llx", PLIC_BASE));
    TRY(fdt_setprop_u32(fdt, n, "phandle", PH_PLIC));
    TRY(fdt_setprop_u32(fdt, n, "riscv,ndev", PLIC_NUM_SOURCES - 1));
    TRY(prop_reg(fdt, n, PLIC_BASE, PLIC_SIZE));
    {
        const uint32_t ie[] = { PH_CPU_INTC, 11, PH_CPU_INTC, 9 };
        TRY(prop_cells(fdt, n, "interrupts-extended", ie, 4));
        static const char compat[] = "sifive,plic-1.0.0\0riscv,plic0";
        TRY(fdt_setprop(fdt, n, "compatible", compat, sizeof compat));
    }
    TRY(fdt_setprop(fdt, n, "interrupt-controller", NULL, 0));
    TRY(fdt_setprop_u32(fdt, n, "#address-cells", 0));
    TRY(fdt_setprop_u32(fdt, n, "#interrupt-cells", 1));

    TRY(n = add_node(fdt, soc, "clint@%llx", CLINT_BASE));
    {
        const uint32_t ie[] = { PH_CPU_INTC, 3, PH_CPU_INTC, 7 };
        TRY(prop_cells(fdt, n, "interrupts-extended", ie, 4));
        static const char compat[] = "sifive,clint0\0riscv,clint0";
        TRY(fdt_setprop(fdt, n, "compatible", compat, sizeof compat));
    }
    TRY(prop_reg(fdt, n, CLINT_BASE, CLINT_SIZE));

    if (cfg->add_soc_nodes && cfg->add_soc_nodes(cfg->ctx, fdt, soc, PH_PLIC, err) != 0)
        goto fail;

    TRY(fdt_pack(fdt));
    *size = fdt_totalsize(fdt);
    return fdt;
fail:
    free(fdt);
    return NULL;
}
