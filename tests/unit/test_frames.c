/* Unit tests of the call-stack names (sim/debug/frames.c) and the observer's Sv39 reads
 * under them (sim/cpu/mmu_peek.c): a hand-built stack of gcc RISC-V frame records in
 * RAM, mapped by hand-built Sv39 tables (privileged spec 1.12 §4.3.2, §4.4), walked
 * as Linux 6.1's walk_stackframe walks it: a whole chain, a leaf that saved no ra, a
 * pc still in the prologue, the depth bound, a loop in the fp chain, unaligned and
 * out-of-stack frame pointers, an unmapped stack page. And a peek changes nothing:
 * no A or D bit, no TLB entry. */
#include <CUnit/CUnit.h>

#include "sim/cpu.h"
#include "sim/cpu/cpu_internal.h"    /* the TLB, to see a peek leave it alone */
#include "sim/cpu/mmu_peek.h"
#include "sim/debug/frames.h"

#define BASE 0x80000000ull
#define ROOT (BASE + 0x10000)
#define L1 (BASE + 0x11000)
#define L0 (BASE + 0x12000)
#define CODE_PA (BASE + 0x30000)
#define STACK_PA (BASE + 0x40000)
#define CODE_VA 0x40000000ull
#define STACK_VA 0x40004000ull       /* 16 KiB aligned: one kernel stack, 4 pages */
#define SATP_SV39 (8ull << 60 | (ROOT >> 12))

enum { V = 1, R = 2, W = 4, X = 8, A = 64, D = 128 };

/* Functions of the hand-made kernel text. */
#define FN_FULL (CODE_VA + 0x000)    /* addi sp,-32; sd ra,24(sp); sd s0,16(sp); addi s0,sp,32 */
#define FN_LEAF (CODE_VA + 0x100)    /* c.addi sp,-16; c.sdsp s0,8(sp); c.addi4spn s0,sp,16 */
#define FN_A (CODE_VA + 0x200)       /* callers: return addresses land in these */
#define FN_B (CODE_VA + 0x300)
#define FN_C (CODE_VA + 0x400)
#define FN_EXC (CODE_VA + 0x500)     /* Linux's ret_from_exception */

static Ram ram;

static void put16(uint64_t a, uint16_t v) { uint8_t b[2]; st16_le(b, v); ram_write(&ram, a, b, 2); }
static void put32(uint64_t a, uint32_t v) { uint8_t b[4]; st32_le(b, v); ram_write(&ram, a, b, 4); }
static void put64(uint64_t a, uint64_t v) { uint8_t b[8]; st64_le(b, v); ram_write(&ram, a, b, 8); }
static uint64_t get64(uint64_t a) { uint8_t b[8] = { 0 }; ram_read(&ram, a, b, 8); return ld64_le(b); }
static uint64_t pte(uint64_t pa, unsigned flags) { return (pa >> 12) << 10 | flags; }
static void map(uint64_t va, uint64_t pa, unsigned flags) { put64(L0 + ((va >> 12) & 511) * 8, pte(pa, flags)); }
static uint64_t spa(uint64_t va) { return STACK_PA + (va - STACK_VA); }

/* A frame record below fp: [fp-16] the caller's fp, [fp-8] the return address. */
static void record(uint64_t fp, uint64_t prev, uint64_t ra)
{
    put64(spa(fp) - 16, prev);
    put64(spa(fp) - 8, ra);
}

static bool peek(void *ctx, uint64_t va, void *buf, size_t len)
{
    (void)ctx;
    return sv39_peek(&ram, SATP_SV39, va, buf, len);
}

static void setup(void)
{
    CU_ASSERT_FATAL(ram_init(&ram, BASE, 4 << 20, NULL) == 0);
    put64(ROOT + 8 * 1, pte(L1, V));              /* root[1] -> L1, L1[0] -> L0 */
    put64(L1 + 0, pte(L0, V));
    map(CODE_VA, CODE_PA, V | R | X | A);
    for (unsigned i = 0; i < 4; i++)
        map(STACK_VA + i * 0x1000, STACK_PA + i * 0x1000, V | R | W | A | D);
    /* FN_FULL: 32-bit addi sp,sp,-32; sd ra,24(sp); sd s0,16(sp); addi s0,sp,32 */
    put32(CODE_PA + 0x000, 0xfe010113);
    put32(CODE_PA + 0x004, 0x00113c23);
    put32(CODE_PA + 0x008, 0x00813823);
    put32(CODE_PA + 0x00c, 0x02010413);
    /* FN_LEAF: the compressed prologue of Linux's vp_modern_set_status */
    put16(CODE_PA + 0x100, 0x1141);
    put16(CODE_PA + 0x102, 0xe422);
    put16(CODE_PA + 0x104, 0x0800);
}

static void teardown(void) { ram_destroy(&ram); }

/* sp and the frames above it: fp0 (the innermost), fp1, fp2, fp3 = 0 (the end). */
#define SP (STACK_VA + 0x100)
#define FP0 (SP + 0x20)
#define FP1 (FP0 + 0x30)
#define FP2 (FP1 + 0x40)

static void chain3(void)
{
    record(FP0, FP1, FN_A + 0x10);
    record(FP1, FP2, FN_B + 0x20);
    record(FP2, 0, FN_C + 0x30);
}

static void test_full_chain(void)
{
    setup();
    chain3();
    FrameRegs r = { .pc = FN_FULL + 0x20, .sp = SP, .fp = FP0, .ra = 0xdead };
    uint64_t ret[8];
    CU_ASSERT_EQUAL_FATAL(frames_walk(peek, NULL, &r, FN_FULL, ret, 8), 3);
    CU_ASSERT_EQUAL(ret[0], FN_A + 0x10);
    CU_ASSERT_EQUAL(ret[1], FN_B + 0x20);
    CU_ASSERT_EQUAL(ret[2], FN_C + 0x30);
    teardown();
}

/* A leaf saved s0 at [fp-8] and no ra: the caller's pc is the ra register. */
static void test_leaf(void)
{
    setup();
    chain3();
    uint64_t lfp = SP + 0x10;                      /* sp + its 16-byte frame */
    put64(spa(lfp) - 8, FP0);
    put64(spa(lfp) - 16, 0x1234);                 /* below the leaf's frame: not a record */
    FrameRegs r = { .pc = FN_LEAF + 0x10, .sp = SP, .fp = lfp, .ra = FN_B + 0x4 };
    uint64_t ret[8];
    CU_ASSERT_EQUAL_FATAL(frames_walk(peek, NULL, &r, FN_LEAF, ret, 8), 4);
    CU_ASSERT_EQUAL(ret[0], FN_B + 0x4);
    CU_ASSERT_EQUAL(ret[1], FN_A + 0x10);
    CU_ASSERT_EQUAL(ret[3], FN_C + 0x30);
    /* Without the function's start, Linux's guess: [fp-8] is a valid fp, so a leaf. */
    CU_ASSERT_EQUAL(frames_walk(peek, NULL, &r, 0, ret, 8), 4);
    CU_ASSERT_EQUAL(ret[0], FN_B + 0x4);
    teardown();
}

/* Before its addi s0, a function runs on its caller's fp; ra is its return address. */
static void test_in_prologue(void)
{
    setup();
    chain3();
    FrameRegs r = { .pc = FN_FULL + 0x8, .sp = SP, .fp = FP0, .ra = FN_C + 0x8 };
    uint64_t ret[8];
    CU_ASSERT_EQUAL_FATAL(frames_walk(peek, NULL, &r, FN_FULL, ret, 8), 4);
    CU_ASSERT_EQUAL(ret[0], FN_C + 0x8);
    CU_ASSERT_EQUAL(ret[1], FN_A + 0x10);
    r.pc = FN_FULL;                                /* its first instruction */
    CU_ASSERT_EQUAL(frames_walk(peek, NULL, &r, FN_FULL, ret, 8), 4);
    teardown();
}

static void test_depth_bound(void)
{
    setup();
    uint64_t fp = FP0;
    for (unsigned i = 0; i < 40; i++, fp += 0x20)
        record(fp, fp + 0x20, FN_A + 4 * i);
    FrameRegs r = { .pc = FN_FULL + 0x20, .sp = SP, .fp = FP0 };
    uint64_t ret[8];
    CU_ASSERT_EQUAL(frames_walk(peek, NULL, &r, FN_FULL, ret, 7), 7);
    CU_ASSERT_EQUAL(ret[6], FN_A + 4 * 6);
    CU_ASSERT_EQUAL(frames_walk(peek, NULL, &r, FN_FULL, ret, 0), 0);
    teardown();
}

/* A chain that points back (or at itself) ends: each fp must be above the last. */
static void test_loop(void)
{
    setup();
    record(FP0, FP1, FN_A);
    record(FP1, FP0, FN_B);
    FrameRegs r = { .pc = FN_FULL + 0x20, .sp = SP, .fp = FP0 };
    uint64_t ret[8];
    CU_ASSERT_EQUAL(frames_walk(peek, NULL, &r, FN_FULL, ret, 8), 2);
    record(FP0, FP0, FN_A);
    CU_ASSERT_EQUAL(frames_walk(peek, NULL, &r, FN_FULL, ret, 8), 1);
    teardown();
}

static void test_bad_fp(void)
{
    setup();
    chain3();
    uint64_t ret[8];
    FrameRegs r = { .pc = FN_FULL + 0x20, .sp = SP, .fp = FP0 + 4 };        /* unaligned */
    CU_ASSERT_EQUAL(frames_walk(peek, NULL, &r, FN_FULL, ret, 8), 0);
    r.fp = SP + 8;                                                         /* below sp + 16 */
    CU_ASSERT_EQUAL(frames_walk(peek, NULL, &r, FN_FULL, ret, 8), 0);
    r.fp = STACK_VA + 0x4000 + 0x10;                                       /* past the stack */
    CU_ASSERT_EQUAL(frames_walk(peek, NULL, &r, FN_FULL, ret, 8), 0);
    r.fp = FP0;
    record(FP1, STACK_VA + 0x4000 + 0x100, FN_B);                          /* its caller's is past it */
    CU_ASSERT_EQUAL(frames_walk(peek, NULL, &r, FN_FULL, ret, 8), 2);
    record(FP1, FP2 + 3, FN_B);                                            /* unaligned caller's */
    CU_ASSERT_EQUAL(frames_walk(peek, NULL, &r, FN_FULL, ret, 8), 2);
    /* A zero return address ends the chain too. */
    record(FP1, FP2, 0);
    CU_ASSERT_EQUAL(frames_walk(peek, NULL, &r, FN_FULL, ret, 8), 1);
    teardown();
}

/* A record on a stack page with no translation: the walk stops there. */
static void test_unmapped(void)
{
    setup();
    uint64_t far = STACK_VA + 0x2010;              /* in the third page */
    record(FP0, far, FN_A);
    record(far, 0, FN_B);
    FrameRegs r = { .pc = FN_FULL + 0x20, .sp = SP, .fp = FP0 };
    uint64_t ret[8];
    CU_ASSERT_EQUAL(frames_walk(peek, NULL, &r, FN_FULL, ret, 8), 2);
    map(STACK_VA + 0x2000, STACK_PA + 0x2000, 0);  /* V = 0 */
    CU_ASSERT_EQUAL(frames_walk(peek, NULL, &r, FN_FULL, ret, 8), 1);
    /* Unreadable code: the prologue is not known, the frame taken as a whole one. */
    map(CODE_VA, CODE_PA, 0);
    CU_ASSERT_EQUAL(frames_walk(peek, NULL, &r, FN_FULL, ret, 8), 1);
    teardown();
}

/* sv39_peek: 4 KiB and superpage leaves, page-crossing reads, the failures; and on a
 * hart, no A/D bit set and no TLB entry filled. */
static void test_peek(void)
{
    setup();
    uint64_t pa, v = 0;
    CU_ASSERT_TRUE(sv39_peek_translate(&ram, SATP_SV39, STACK_VA + 0x1234, &pa));
    CU_ASSERT_EQUAL(pa, STACK_PA + 0x1234);
    put64(STACK_PA + 0xffc, 0x1122334455667788ull);          /* across pages 0 and 1 */
    CU_ASSERT_TRUE(sv39_peek(&ram, SATP_SV39, STACK_VA + 0xffc, &v, 8));
    CU_ASSERT_EQUAL(v, 0x1122334455667788ull);
    CU_ASSERT_TRUE(sv39_peek_translate(&ram, 0, 0x1234, &pa));  /* Bare */
    CU_ASSERT_EQUAL(pa, 0x1234);
    CU_ASSERT_FALSE(sv39_peek_translate(&ram, SATP_SV39, STACK_VA | 1ull << 40, &pa));
    CU_ASSERT_FALSE(sv39_peek_translate(&ram, SATP_SV39, 0x40100000ull, &pa));   /* L0[256] empty */
    put64(L0 + 8 * 300, pte(STACK_PA, V | W));                                    /* W without R */
    CU_ASSERT_FALSE(sv39_peek_translate(&ram, SATP_SV39, CODE_VA + 300 * 0x1000, &pa));
    put64(ROOT + 8 * 3, pte(BASE, V | R | A));                                    /* 1 GiB leaf */
    CU_ASSERT_TRUE(sv39_peek_translate(&ram, SATP_SV39, 0xc0000000ull + 0x40010, &pa));
    CU_ASSERT_EQUAL(pa, BASE + 0x40010);
    put64(ROOT + 8 * 3, pte(BASE + 0x200000, V | R | A));                         /* misaligned */
    CU_ASSERT_FALSE(sv39_peek_translate(&ram, SATP_SV39, 0xc0000000ull, &pa));
    put64(ROOT + 8 * 3, pte(0x10000000, V));                                      /* table not in RAM */
    CU_ASSERT_FALSE(sv39_peek_translate(&ram, SATP_SV39, 0xc0000000ull, &pa));

    AddrSpace mem;
    as_init(&mem, "mem", SPACE_MEM);
    CpuConfig cfg = { .mem = &mem, .ram = &ram, .hartid = 0, .insns_per_tick = 10 };
    Cpu *cpu = cpu_create(&cfg, NULL);
    CU_ASSERT_FATAL(cpu != NULL);
    cpu_reset(cpu, BASE);
    CU_ASSERT_EQUAL(cpu_csr_write(cpu, 0x180, SATP_SV39), 0);
    map(STACK_VA, STACK_PA, V | R | W);                       /* A and D clear */
    uint64_t before = get64(L0 + ((STACK_VA >> 12) & 511) * 8);
    static TlbEntry tlb[sizeof cpu->tlb / sizeof(TlbEntry)];
    memcpy(tlb, cpu->tlb, sizeof tlb);
    bool super = cpu->tlb_super;
    uint64_t mstatus = cpu->mstatus, pc = cpu_get_pc(cpu), priv = cpu->priv, vclock = cpu_vclock(cpu);
    put64(STACK_PA + 0x40, 42);
    CU_ASSERT_TRUE(cpu_peek_va(cpu, STACK_VA + 0x40, &v, 8));
    CU_ASSERT_EQUAL(v, 42);
    CU_ASSERT_FALSE(cpu_peek_va(cpu, 0x40100000ull, &v, 8));
    CU_ASSERT_EQUAL(get64(L0 + ((STACK_VA >> 12) & 511) * 8), before);
    CU_ASSERT_EQUAL(memcmp(tlb, cpu->tlb, sizeof tlb), 0);
    CU_ASSERT_EQUAL(cpu->tlb_super, super);
    CU_ASSERT_EQUAL(cpu->mstatus, mstatus);
    CU_ASSERT_EQUAL(cpu_get_pc(cpu), pc);
    CU_ASSERT_EQUAL(cpu->priv, priv);
    CU_ASSERT_EQUAL(cpu_vclock(cpu), vclock);
    /* S context: S mode with Sv39, or M mode entered from S; never M's own or Bare. */
    CU_ASSERT_FALSE(cpu_in_s_context(cpu));                  /* M, MPP = U after reset */
    cpu->priv = PRV_S;
    CU_ASSERT_TRUE(cpu_in_s_context(cpu));
    cpu->priv = PRV_M;
    cpu->mstatus = (cpu->mstatus & ~MSTATUS_MPP) | (uint64_t)PRV_S << MSTATUS_MPP_SHIFT;
    CU_ASSERT_TRUE(cpu_in_s_context(cpu));
    cpu->satp = 0;
    CU_ASSERT_FALSE(cpu_in_s_context(cpu));
    cpu_destroy(cpu);
    as_destroy(&mem);
    teardown();
}

/* The names: callers as FUNCTION+0xOFF, one interned copy, the chain ending outside
 * the symbols or after the exception return. */
static void test_names(void)
{
    char n_full[] = "full", n_a[] = "fa", n_b[] = "fb", n_c[] = "fc", n_exc[] = "ret_from_exception";
    Symbol syms[] = { { FN_FULL, 0x100, n_full }, { FN_A, 0x100, n_a }, { FN_B, 0x100, n_b },
                      { FN_C, 0x100, n_c }, { FN_EXC, 0x100, n_exc } };
    Symtab t = { syms, 5 };
    FrameNames p = { 0 };
    uint64_t ret[] = { FN_A + 0x10, FN_B + 0x100, FN_EXC + 4, FN_C + 8 };
    const char *s = frame_names_chain(&p, &t, "full", ret, 4);
    /* FN_B + 0x100 is past fb's end: a call that ends fb (its ra - 1 is in fb) */
    CU_ASSERT_STRING_EQUAL(s, "full<fa+0x10<fb+0x100<ret_from_exception+0x4");
    uint64_t again[] = { FN_A + 0x10, FN_B + 0x100, FN_EXC + 4 };
    CU_ASSERT_PTR_EQUAL(frame_names_chain(&p, &t, "full", again, 3), s);
    uint64_t out[] = { FN_A + 0x10, 0x1000, FN_C };
    CU_ASSERT_STRING_EQUAL(frame_names_chain(&p, &t, "full", out, 3), "full<fa+0x10");
    const char *inner = "full";
    CU_ASSERT_PTR_EQUAL(frame_names_chain(&p, &t, inner, out + 1, 2), inner);
    CU_ASSERT_PTR_EQUAL(frame_names_chain(&p, &t, inner, ret, 0), inner);
    uint64_t deep[12];
    for (unsigned i = 0; i < 12; i++)
        deep[i] = FN_A + 2 + i;
    s = frame_names_chain(&p, &t, "full", deep, 12);
    unsigned frames = 1;
    for (const char *c = s; *c; c++)
        frames += *c == '<';
    CU_ASSERT_EQUAL(frames, FRAMES_MAX);
    frame_names_free(&p);
}

int suite_frames(void)
{
    CU_pSuite s = CU_add_suite("frames", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "a whole frame-record chain", test_full_chain);
    CU_add_test(s, "a leaf that saved no ra", test_leaf);
    CU_add_test(s, "pc in the prologue", test_in_prologue);
    CU_add_test(s, "depth bound", test_depth_bound);
    CU_add_test(s, "a loop in the fp chain", test_loop);
    CU_add_test(s, "unaligned and out-of-stack fps", test_bad_fp);
    CU_add_test(s, "an unmapped stack page", test_unmapped);
    CU_add_test(s, "sv39 peek changes nothing", test_peek);
    CU_add_test(s, "chain names", test_names);
    return 0;
}
