/* The call stack of an S-mode Linux kernel built with CONFIG_FRAME_POINTER, read from
 * its frame records, and the trace's names for it ("vp_modern_set_status<vp_set_status
 * +0x1c<virtio_add_status+0x2e<...").
 *
 * gcc's RISC-V frame record (the psABI's frame pointer convention; what Linux 6.1's
 * arch/riscv/kernel/stacktrace.c walks as struct stackframe) is two doublewords just
 * below the frame pointer s0: [fp-8] the return address, [fp-16] the caller's fp. A
 * leaf function saves s0 but not ra, so its caller's fp is at [fp-8] and its return
 * address is still in ra: the innermost function's prologue tells which (see
 * frames_walk). Each step is checked as Linux checks it (fp_is_valid: 8-byte aligned,
 * above the previous frame, within the sp's THREAD_SIZE-aligned kernel stack), so the
 * walk ends on a bad or looping chain; it is bounded by max frames besides.
 *
 * Memory is read through a callback (the machine passes a side-effect-free Sv39 peek,
 * cpu/mmu_peek.h): walking changes nothing. */
#ifndef RINGSIDE_DEBUG_FRAMES_H
#define RINGSIDE_DEBUG_FRAMES_H

#include "loader.h"

/* Linux riscv64's THREAD_SIZE (PAGE_SIZE << 2, arch/riscv/include/asm/thread_info.h,
 * without KASAN): a frame pointer lies in the stack the sp is in. */
#define FRAMES_STACK_SIZE (16u * 1024)
/* Most frames a trace name holds: the innermost function and 7 callers. */
#define FRAMES_MAX 8

typedef bool FrameReadFn(void *ctx, uint64_t va, void *buf, size_t len);

typedef struct FrameRegs {
    uint64_t pc, sp, fp, ra;   /* pc, x2, x8 (s0), x1 */
} FrameRegs;

/* The return addresses of the callers of the function pc is in, innermost first, at
 * most max of them: their count. fn_start is that function's first byte (0: unknown;
 * then Linux's own guess decides whether it saved ra). */
unsigned frames_walk(FrameReadFn *read, void *ctx, const FrameRegs *r, uint64_t fn_start,
                     uint64_t *ret, unsigned max);

/* Interned names: one copy of each content, at an address that never changes while
 * the pool lives (the trace writer knows a name by its address). */
typedef struct FrameNames {
    char **slot;               /* open addressing by content hash */
    size_t cap, used;
} FrameNames;

void frame_names_free(FrameNames *p);
/* inner, then '<' and each caller as FUNCTION+0xOFFSET of its return address, the
 * chain ending at the first return address outside syms, or after a frame that
 * returns into another context (Linux's ret_from_exception). inner itself when no
 * caller is named, or when out of memory. */
const char *frame_names_chain(FrameNames *p, const Symtab *syms, const char *inner,
                              const uint64_t *ret, unsigned n);

#endif
