/* Physical memory protection (RISC-V privileged spec 1.12, §3.7.1): which entry of the
 * 16 matches an access, and whether it may go on. The values live in the CSRs
 * (csr.c, Cpu.pmpcfg and Cpu.pmpaddr); this file only reads them.
 *
 * §3.7.1's rules, as matched here:
 * - an entry matches by its A field: OFF never, TOR the bytes pmpaddr[i-1] <= a <
 *   pmpaddr[i] (0 below entry 0; nothing when the bottom is not below the top), NA4
 *   the 4 bytes at pmpaddr, NAPOT the 2^(t+3) bytes the t trailing ones of pmpaddr
 *   select (all 54 ones: the whole address space);
 * - the lowest-numbered entry that matches any byte of an access decides it, and
 *   fails it unless it matches all of its bytes, whatever its L, R, W and X;
 * - a fully matching entry grants S and U the R, W or X it has, and grants M
 *   everything unless it is locked (L), when its bits bind M as well;
 * - no entry matches: M succeeds, S and U fail (16 entries are implemented).
 * The grain is 4 bytes (G = 0), so pmpaddr holds bits 55:2 of the address.
 *
 * Where the checks are made (mmu.c, per TLB fill) and how M mode stays off them
 * while no entry is locked: docs/architecture.md, "PMP". */
#include "cpu/cpu_internal.h"

enum { A_OFF, A_TOR, A_NA4, A_NAPOT };

/* The permission bit each kind of access (ACC_*) needs. */
static const uint8_t acc_perm[] = { [ACC_FETCH] = PMP_X, [ACC_LOAD] = PMP_R, [ACC_STORE] = PMP_W };

uint8_t cpu_pmp_cfg(const Cpu *c, unsigned i)
{
    return (uint8_t)(c->pmpcfg[i / 8] >> (8 * (i % 8)));
}

/* The bytes entry i matches, *lo to *hi inclusive; false when it matches none. */
static bool entry_range(const Cpu *c, unsigned i, uint64_t *lo, uint64_t *hi)
{
    uint64_t a = c->pmpaddr[i];
    switch ((cpu_pmp_cfg(c, i) & PMP_A) >> 3) {
    case A_TOR: {
        uint64_t bottom = i ? c->pmpaddr[i - 1] << 2 : 0, top = a << 2;
        if (bottom >= top)
            return false;
        *lo = bottom;
        *hi = top - 1;
        return true;
    }
    case A_NA4:
        *lo = a << 2;
        *hi = *lo + 3;
        return true;
    case A_NAPOT: {
        /* pmpaddr has 54 bits, so ~a has a one at bit 54 at the latest: t <= 54. */
        unsigned t = (unsigned)__builtin_ctzll(~a);
        *lo = (a & ~((1ull << t) - 1)) << 2;
        *hi = *lo + ((1ull << (t + 3)) - 1);
        return true;
    }
    default:
        return false;
    }
}

/* The lowest-numbered entry matching any byte of [addr, last], or PMP_ENTRIES; *full
 * says whether it matches all of them. */
static unsigned first_match(const Cpu *c, uint64_t addr, uint64_t last, bool *full)
{
    for (unsigned i = 0; i < PMP_ENTRIES; i++) {
        uint64_t lo, hi;
        if (!entry_range(c, i, &lo, &hi) || last < lo || addr > hi)
            continue;
        *full = addr >= lo && last <= hi;
        return i;
    }
    *full = true;
    return PMP_ENTRIES;
}

/* What entry i (PMP_ENTRIES: none), matching fully or not, says of the access. */
static PmpResult decide(const Cpu *c, unsigned i, bool full, unsigned acc, unsigned priv)
{
    if (i == PMP_ENTRIES)
        return priv == PRV_M ? PMP_ALLOW : PMP_DENY;
    if (!full)
        return PMP_PARTIAL;
    uint8_t cfg = cpu_pmp_cfg(c, i);
    if (priv == PRV_M && !(cfg & PMP_L))
        return PMP_ALLOW;
    return (cfg & acc_perm[acc]) ? PMP_ALLOW : PMP_DENY;
}

PmpResult cpu_pmp_match(const Cpu *c, uint64_t addr, uint64_t len, unsigned acc, unsigned priv)
{
    uint64_t last = addr + len - 1;
    if (last < addr)
        last = ~0ull;                 /* the range wraps: it reaches the top */
    bool full;
    unsigned i = first_match(c, addr, last, &full);
    return decide(c, i, full, acc, priv);
}

/* The page cache holds, per 4 KiB physical page, what the entry first_match finds for
 * the whole page says to each privilege and access kind (or that it matches only part
 * of the page). */
void cpu_pmp_page_fill(Cpu *c, uint64_t tag)
{
    unsigned k = (unsigned)tag & (PMP_PAGE_CACHE - 1);
    bool full;
    unsigned i = first_match(c, tag << 12, (tag << 12) + 0xfff, &full), bits;
    if (!full) {
        bits = PMP_PAGE_PART;
    } else if (i == PMP_ENTRIES) {
        bits = 7u << (3 * PRV_M);                   /* M only */
    } else {
        uint8_t cfg = cpu_pmp_cfg(c, i);
        unsigned acc = 0;                           /* the entry's bits by ACC_* */
        for (unsigned a = ACC_FETCH; a <= ACC_STORE; a++)
            acc |= (cfg & acc_perm[a]) ? 1u << a : 0;
        bits = acc << (3 * PRV_U) | acc << (3 * PRV_S) | ((cfg & PMP_L) ? acc : 7u) << (3 * PRV_M);
    }
    c->pmp_page_bits[k] = (uint16_t)bits;
    c->pmp_page_tag[k] = tag;
}

/* Some entry is locked and matches something (A is not OFF): M mode's accesses are
 * then checked. Eight cfg bytes per word: L is bit 7 of each, A bits 4:3. */
bool cpu_pmp_binds_m(const Cpu *c)
{
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t any = 0;
    for (unsigned k = 0; k < ARRAY_SIZE(c->pmpcfg); k++) {
        uint64_t v = c->pmpcfg[k];
        any |= (v >> 7) & ((v >> 3) | (v >> 4)) & ones;
    }
    return any != 0;
}
