/* Side-effect-free Sv39 reads for observers (see mmu_peek.h; privileged spec 1.12
 * §4.3.2 steps 2-4 and 6, §4.4.1 for Sv39's PTE format).
 *
 * The PTE bits are cpu_internal.h's, as mmu.c's walk uses them; the loop is kept
 * apart from that walk, which also checks PMP and permissions, sets A and D and fills
 * the TLB, where this one must do none of it. */
#include "cpu/mmu_peek.h"
#include "cpu/cpu_internal.h"

bool sv39_peek_translate(const Ram *ram, uint64_t satp, uint64_t va, uint64_t *pa)
{
    uint64_t mode = satp >> SATP_MODE_SHIFT;
    if (mode == SATP_MODE_BARE) {
        *pa = va;
        return true;
    }
    if (mode != SATP_MODE_SV39 || (uint64_t)((int64_t)(va << 25) >> 25) != va)
        return false;
    uint64_t a = (satp & SATP_PPN_MASK) << 12, pte = 0;
    int level = 2;
    for (;; level--) {
        const uint8_t *p = ram_ptr(ram, a + ((va >> (12 + 9 * level)) & 511) * 8, 8);
        if (!p)
            return false;
        pte = ld64_le(p);
        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) || (pte & PTE_RESERVED))
            return false;
        if (pte & (PTE_R | PTE_X))
            break;                                  /* a leaf */
        if (level == 0)
            return false;
        a = PTE_PPN(pte) << 12;
    }
    uint64_t low = (1ull << (9 * level)) - 1;
    if (PTE_PPN(pte) & low)
        return false;                               /* misaligned superpage */
    *pa = (PTE_PPN(pte) << 12) + (va & ((1ull << (12 + 9 * level)) - 1));
    return true;
}

bool sv39_peek(const Ram *ram, uint64_t satp, uint64_t va, void *buf, size_t len)
{
    uint8_t *out = buf;
    while (len) {
        size_t n = RAM_PAGE_SIZE - (va & (RAM_PAGE_SIZE - 1));
        if (n > len)
            n = len;
        uint64_t pa;
        const uint8_t *p;
        if (!sv39_peek_translate(ram, satp, va, &pa) || !(p = ram_ptr(ram, pa, n)))
            return false;
        memcpy(out, p, n);
        out += n;
        va += n;
        len -= n;
    }
    return true;
}

bool cpu_peek_va(const Cpu *c, uint64_t va, void *buf, size_t len)
{
    return sv39_peek(c->cfg.ram, c->satp, va, buf, len);
}

bool cpu_in_s_context(const Cpu *c)
{
    if (c->satp >> SATP_MODE_SHIFT != SATP_MODE_SV39)
        return false;
    if (c->priv == PRV_S)
        return true;
    return c->priv == PRV_M && (c->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT == PRV_S;
}
