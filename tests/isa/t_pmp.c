/* PMP (privileged spec 1.12 §3.7.1), as the runtime programs it: entry 0 denies
 * rt_pmp_page (NAPOT 4 KiB, no R, W or X), entry 1 allows everything. S and U
 * accesses are checked against the lowest-numbered matching entry: loads, stores and
 * fetches of rt_pmp_page raise access faults (5, 7, 1) with tval the address, to its
 * last byte, while the bytes on either side stay reachable. M mode is not bound by an unlocked entry: it reads, writes and runs
 * the page.
 *
 * Pending (not built by make, docs/isa-suite.md): it needs a ringside that checks PMP,
 * which main does not yet; move it to tests/isa/ once it does. */
#include "rt.h"

const char rt_name[] = "t_pmp";

int test_main(void)
{
    uint64_t p = (uint64_t)(uintptr_t)rt_pmp_page;
    if (rt_mode == 'M') {
        CHECK(rt_ld(p, -4) == INSN_RET);
        rt_st(p + 8, 0x55, 8);
        CHECK(rt_ld(p + 8, 8) == 0x55);
        rt_arm();
        rt_call(p);                                           /* its ret runs */
        CHECK_NO_TRAP();
        return 0;
    }
    rt_arm();
    (void)rt_ld(p + 8, 8);
    CHECK_TRAP(EXC_LOAD_AF, p + 8);
    rt_arm();
    rt_st(p + 16, 1, 4);
    CHECK_TRAP(EXC_STORE_AF, p + 16);
    rt_arm();
    rt_call(p);
    CHECK_TRAP(EXC_FETCH_AF, p);
    rt_arm();
    (void)rt_ld(p + 4095, 1);                                 /* the last byte */
    CHECK_TRAP(EXC_LOAD_AF, p + 4095);
    /* Outside the entry: entry 1 allows. */
    rt_arm();
    (void)rt_ld(p - 8, 8);
    (void)rt_ld(p + 4096, 8);
    CHECK_NO_TRAP();
    return 0;
}
