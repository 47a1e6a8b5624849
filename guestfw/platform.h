/* The machine as the firmware sees it (QEMU `virt` layout, ringside DESIGN.md §2):
 * MMIO accessors, poweroff through the sifive test device, the time CSR, the PLIC
 * driver and M-mode interrupt dispatch, and a bump allocator for DMA memory. */
#ifndef GUESTFW_PLATFORM_H
#define GUESTFW_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART0_BASE   0x10000000UL
#define TEST_BASE    0x00100000UL
#define PLIC_BASE    0x0c000000UL
#define CLINT_BASE   0x02000000UL

/* Device accesses: the fences order them against normal memory so that, e.g., ring
 * updates in RAM are visible to the device before the notify store (like Linux's
 * writel = wmb + store, readl = load + rmb on RISC-V). */
static inline uint8_t mmio_read8(uintptr_t a)
{ uint8_t v = *(volatile uint8_t *)a; __asm__ volatile("fence i,ir" ::: "memory"); return v; }
static inline uint16_t mmio_read16(uintptr_t a)
{ uint16_t v = *(volatile uint16_t *)a; __asm__ volatile("fence i,ir" ::: "memory"); return v; }
static inline uint32_t mmio_read32(uintptr_t a)
{ uint32_t v = *(volatile uint32_t *)a; __asm__ volatile("fence i,ir" ::: "memory"); return v; }
static inline uint64_t mmio_read64(uintptr_t a)
{ uint64_t v = *(volatile uint64_t *)a; __asm__ volatile("fence i,ir" ::: "memory"); return v; }
static inline void mmio_write8(uintptr_t a, uint8_t v)
{ __asm__ volatile("fence w,o" ::: "memory"); *(volatile uint8_t *)a = v; }
static inline void mmio_write16(uintptr_t a, uint16_t v)
{ __asm__ volatile("fence w,o" ::: "memory"); *(volatile uint16_t *)a = v; }
static inline void mmio_write32(uintptr_t a, uint32_t v)
{ __asm__ volatile("fence w,o" ::: "memory"); *(volatile uint32_t *)a = v; }
static inline void mmio_write64(uintptr_t a, uint64_t v)
{ __asm__ volatile("fence w,o" ::: "memory"); *(volatile uint64_t *)a = v; }

/* Full barriers for ring code: mb orders everything, wmb stores, rmb loads. */
static inline void mb(void)  { __asm__ volatile("fence rw,rw" ::: "memory"); }
static inline void wmb(void) { __asm__ volatile("fence w,w" ::: "memory"); }
static inline void rmb(void) { __asm__ volatile("fence r,r" ::: "memory"); }

/* 0 → "pass" (0x5555); anything else → (code << 16) | 0x3333, the host's exit code. */
_Noreturn void poweroff(int code);

static inline uint64_t rdtime(void)
{ uint64_t t; __asm__ volatile("csrr %0, time" : "=r"(t)); return t; }
/* From /cpus/timebase-frequency in the DTB (10 MHz when absent). */
uint64_t timebase_hz(void);
#define TIMEBASE_HZ (timebase_hz())

/* PLIC (sifive,plic-1.0.0), context 0 = hart 0 M mode. irq_register records the
 * handler, sets the source's priority to 1 and enables it; handlers run in trap
 * context with interrupts off. */
void irq_register(unsigned plic_source, void (*fn)(void *), void *arg);
void irq_enable_source(unsigned src);
void irq_disable_source(unsigned src);
void interrupts_on(void);           /* mstatus.MIE and mie.MEIE */
void interrupts_off(void);
static inline void wait_for_interrupt(void) { __asm__ volatile("wfi" ::: "memory"); }
/* Count of external interrupts dispatched since boot (for statistics). */
uint64_t irq_count(void);

/* Reads the timebase and the memory node from the DTB (fdt_init first) and sets up
 * the PLIC and the heap; fw_main calls it once. */
void platform_init(void);
/* DRAM as the DTB's memory node describes it (128 MiB at 0x80000000 when absent). */
uint64_t ram_base(void);
uint64_t ram_size(void);

/* Zeroed memory between the image and the DTB (or the end of RAM), never freed;
 * poweroff(98) when it runs out.
 * align must be a power of two (0 means 16). */
void *fw_alloc(size_t size, size_t align);
static inline uint64_t dma_addr(void *p) { return (uint64_t)(uintptr_t)p; }

#endif
