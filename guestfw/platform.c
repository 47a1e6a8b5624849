/* Machine services: poweroff via the sifive test device, the timebase, the PLIC
 * (SiFive PLIC spec / RISC-V PLIC spec v1.0.0: priority 4*src, enable 0x2000 +
 * 0x80*ctx, threshold and claim/complete at 0x200000 + 0x1000*ctx), M-mode trap
 * dispatch (privileged spec v1.12 §3.1.15 mcause) and the DMA bump allocator. */
#include "platform.h"

#include "fdt.h"
#include "libc.h"

#define PLIC_NSRC          96      /* DESIGN.md §2; QEMU virt has 96 too */
#define PLIC_PRIORITY(s)   (PLIC_BASE + 4u * (s))
#define PLIC_ENABLE(ctx)   (PLIC_BASE + 0x2000u + 0x80u * (ctx))
#define PLIC_THRESHOLD(ctx) (PLIC_BASE + 0x200000u + 0x1000u * (ctx))
#define PLIC_CLAIM(ctx)    (PLIC_BASE + 0x200004u + 0x1000u * (ctx))
#define PLIC_CTX           0       /* hart 0, M mode */

#define MCAUSE_INT         (1UL << 63)
#define IRQ_M_EXT          11
#define MIE_MEIE           (1UL << 11)
#define MSTATUS_MIE        (1UL << 3)

struct trap_frame {
    uint64_t x[32];                /* x[0] unused; x[2] = interrupted sp */
};

extern char _end[];

static uint64_t tb_hz = 10000000;
static uint64_t mem_base = 0x80000000UL, mem_size = 128UL << 20;
static uintptr_t heap_next, heap_limit;
static uint64_t irqs;

static struct {
    void (*fn)(void *);
    void *arg;
} handlers[PLIC_NSRC];

_Noreturn void poweroff(int code)
{
    uint32_t v = code == 0 ? 0x5555u : ((uint32_t)code << 16) | 0x3333u;
    mmio_write32(TEST_BASE, v);
    for (;;)                        /* the store above ends the machine */
        wait_for_interrupt();
}

uint64_t timebase_hz(void) { return tb_hz; }
uint64_t ram_base(void) { return mem_base; }
uint64_t ram_size(void) { return mem_size; }
uint64_t irq_count(void) { return irqs; }

void platform_init(void)
{
    int cpus = fdt_path_offset("/cpus");
    uint32_t hz = 0;
    if (cpus >= 0)
        hz = fdt_getprop_u32(cpus, "timebase-frequency", 0);
    if (hz)
        tb_hz = hz;

    int mem = fdt_find_device_type(-1, "memory");
    if (mem >= 0) {
        int len, ac = fdt_address_cells(fdt_parent(mem)), sc = fdt_size_cells(fdt_parent(mem));
        const uint8_t *reg = fdt_getprop(mem, "reg", &len);
        if (reg && len >= 4 * (ac + sc)) {
            mem_base = fdt_read_cells(reg, ac);
            mem_size = fdt_read_cells(reg + 4 * ac, sc);
        }
    }
    heap_next = ((uintptr_t)_end + 4095) & ~(uintptr_t)4095;
    heap_limit = (uintptr_t)(mem_base + mem_size);
    /* QEMU and ringside put the DTB near the top of RAM, and the firmware reads it
     * for its whole life: the heap must stop below it. */
    uintptr_t dtb = (uintptr_t)fdt_blob();
    if (dtb >= heap_next && dtb < heap_limit)
        heap_limit = dtb;

    /* Threshold 0 lets every source with priority >= 1 through; all start disabled. */
    for (unsigned w = 0; w < (PLIC_NSRC + 31) / 32; w++)
        mmio_write32(PLIC_ENABLE(PLIC_CTX) + 4 * w, 0);
    mmio_write32(PLIC_THRESHOLD(PLIC_CTX), 0);
}

void *fw_alloc(size_t size, size_t align)
{
    if (align == 0)
        align = 16;
    uintptr_t p = (heap_next + align - 1) & ~(uintptr_t)(align - 1);
    if (p < heap_next || p + size < p || p + size > heap_limit) {
        printf("fw_alloc: out of memory (%zu bytes, align %zu)\n", size, align);
        poweroff(98);
    }
    heap_next = p + size;
    memset((void *)p, 0, size);
    return (void *)p;
}

void irq_enable_source(unsigned src)
{
    if (src == 0 || src >= PLIC_NSRC)
        return;
    mmio_write32(PLIC_PRIORITY(src), 1);
    uintptr_t en = PLIC_ENABLE(PLIC_CTX) + 4 * (src / 32);
    mmio_write32(en, mmio_read32(en) | (1u << (src % 32)));
}

void irq_disable_source(unsigned src)
{
    if (src == 0 || src >= PLIC_NSRC)
        return;
    uintptr_t en = PLIC_ENABLE(PLIC_CTX) + 4 * (src / 32);
    mmio_write32(en, mmio_read32(en) & ~(1u << (src % 32)));
}

void irq_register(unsigned src, void (*fn)(void *), void *arg)
{
    if (src == 0 || src >= PLIC_NSRC) {
        printf("irq: source %u out of range\n", src);
        return;
    }
    handlers[src].fn = fn;
    handlers[src].arg = arg;
    irq_enable_source(src);
}

void interrupts_on(void)
{
    __asm__ volatile("csrs mie, %0" :: "r"(MIE_MEIE));
    __asm__ volatile("csrs mstatus, %0" :: "r"(MSTATUS_MIE) : "memory");
}

void interrupts_off(void)
{
    __asm__ volatile("csrc mstatus, %0" :: "r"(MSTATUS_MIE) : "memory");
}

static void external_interrupt(void)
{
    /* Claim until the PLIC has nothing pending, so one trap serves coincident sources. */
    for (unsigned n = 0; n < PLIC_NSRC; n++) {
        uint32_t src = mmio_read32(PLIC_CLAIM(PLIC_CTX));
        if (src == 0)
            return;
        irqs++;
        if (src < PLIC_NSRC && handlers[src].fn)
            handlers[src].fn(handlers[src].arg);
        else {
            /* Nobody owns it: mask it, or a level-triggered source storms forever. */
            printf("irq: spurious source %u, masked\n", src);
            irq_disable_source(src);
        }
        mmio_write32(PLIC_CLAIM(PLIC_CTX), src);
    }
}

static const char *const exc_names[] = {
    "instruction address misaligned", "instruction access fault", "illegal instruction",
    "breakpoint", "load address misaligned", "load access fault",
    "store address misaligned", "store access fault", "ecall from U", "ecall from S",
    "reserved", "ecall from M", "instruction page fault", "load page fault",
    "reserved", "store page fault",
};

void trap_handler(struct trap_frame *f);

void trap_handler(struct trap_frame *f)
{
    uint64_t cause, epc, tval;
    __asm__ volatile("csrr %0, mcause" : "=r"(cause));
    __asm__ volatile("csrr %0, mepc" : "=r"(epc));
    __asm__ volatile("csrr %0, mtval" : "=r"(tval));

    if (cause & MCAUSE_INT) {
        if ((cause & ~MCAUSE_INT) == IRQ_M_EXT) {
            external_interrupt();
            return;
        }
        printf("trap: unexpected interrupt %lu, disabled\n", (unsigned long)(cause & ~MCAUSE_INT));
        __asm__ volatile("csrc mie, %0" :: "r"(1UL << (cause & 63)));
        return;
    }
    const char *name = cause < sizeof exc_names / sizeof exc_names[0] ? exc_names[cause] : "?";
    printf("trap: exception mcause=%lu (%s) mepc=0x%lx mtval=0x%lx\n",
           (unsigned long)cause, name, (unsigned long)epc, (unsigned long)tval);
    printf("trap: ra=0x%lx sp=0x%lx a0=0x%lx a1=0x%lx\n", (unsigned long)f->x[1],
           (unsigned long)f->x[2], (unsigned long)f->x[10], (unsigned long)f->x[11]);
    poweroff(99);
}
