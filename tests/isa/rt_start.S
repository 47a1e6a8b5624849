/* The ISA suite's entry, trap entries and probes (tests/isa/rt.h; privileged spec 1.12
 * §3.1.6-3.3 for mret/sret and the trap CSRs, §4.1 for the S-mode ones).
 *
 * A trap entry saves all 31 registers in a frame on its own stack (mscratch or
 * sscratch holds it while the trapped code runs), lets C decide (rt_mtrap, rt_strap),
 * and returns with the frame as C left it: C moves xepc to the frame's ra to make a
 * probe return. Probes are leaf functions without a frame, so ra is always the
 * caller's return address when they fault, wherever they fault. */
#define RT_EXIT 0x52545845      /* a7 of the exit ecall: "RTXE" */

    .section .text.start, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la    sp, rt_m_stack_top
    .option pop
    la    t0, rt_m_trap_stack_top
    csrw  mscratch, t0
    la    t0, rt_m_trap_entry
    csrw  mtvec, t0
    /* .bss is not in the image: zeroed as guestfw/start.S does. Not shared with it: the
     * suite stays independent of the firmware, and moving these six lines into a
     * fragment would change the bundled firmware's ELF (its line table), whose SHA-256
     * tests/golden/FIRMWARE pins the golden traces to. */
    la    t0, __bss_start
    la    t1, __bss_end
1:  bgeu  t0, t1, 2f
    sd    zero, 0(t0)
    addi  t0, t0, 8
    j     1b
2:  call  rt_main
3:  wfi
    j     3b

/* Saves x1, x3-x31 at 8*n(sp) and the trapped sp (in the scratch CSR) at 16(sp). */
.macro SAVE_FRAME scratch
    addi  sp, sp, -256
    .irp n, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    sd    x\n, 8*\n(sp)
    .endr
    csrr  t0, \scratch
    sd    t0, 16(sp)
.endm
.macro RESTORE_FRAME scratch
    .irp n, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    ld    x\n, 8*\n(sp)
    .endr
    addi  sp, sp, 256
    csrrw sp, \scratch, sp
.endm

    .text
    .balign 4
    .globl rt_m_trap_entry
rt_m_trap_entry:
    csrrw sp, mscratch, sp
    SAVE_FRAME mscratch
    mv    a0, sp
    call  rt_mtrap
    RESTORE_FRAME mscratch
    mret

    .balign 4
    .globl rt_s_trap_entry
rt_s_trap_entry:
    csrrw sp, sscratch, sp
    SAVE_FRAME sscratch
    mv    a0, sp
    call  rt_strap
    RESTORE_FRAME sscratch
    sret

/* rt_enter(pc, sp): mret to pc (mstatus.MPP and satp already set) with sp. */
    .globl rt_enter
rt_enter:
    csrw  mepc, a0
    mv    sp, a1
    mret

/* Where S and U runs start: the test, then the exit ecall with its result in a0. */
    .globl rt_lower_entry
rt_lower_entry:
    call  test_main
    li    a7, RT_EXIT
    ecall
1:  j     1b

    .bss
    .balign 16
    .space 8192
rt_m_stack_top:
    .space 4096
rt_m_trap_stack_top:

    .text
/* ---- probes ---- */
.macro PROBE name, body:vararg
    .globl \name
\name:
    \body
    ret
.endm
    PROBE rt_lb, lb a0, 0(a0)
    PROBE rt_lh, lh a0, 0(a0)
    PROBE rt_lw, lw a0, 0(a0)
    PROBE rt_ldd, ld a0, 0(a0)
    PROBE rt_lbu, lbu a0, 0(a0)
    PROBE rt_lhu, lhu a0, 0(a0)
    PROBE rt_lwu, lwu a0, 0(a0)
    PROBE rt_sb, sb a1, 0(a0)
    PROBE rt_sh, sh a1, 0(a0)
    PROBE rt_sw, sw a1, 0(a0)
    PROBE rt_sd, sd a1, 0(a0)
    .globl rt_call
rt_call:
    jr    a0                    /* the target returns to our caller through ra */
    .globl rt_ecall
rt_ecall:
    li    a7, 0                 /* never the exit ecall */
    ecall
    ret
    PROBE rt_sret, sret
    PROBE rt_mret, mret
    PROBE rt_wfi, wfi
    PROBE rt_sfence, sfence.vma
    PROBE rt_sfence_va, sfence.vma a0
    PROBE rt_csrw_satp, csrw satp, a0
    PROBE rt_csrr_mstatus, csrr a0, mstatus
    PROBE rt_csrw_mstatus, csrw mstatus, a0
    PROBE rt_csrr_sstatus, csrr a0, sstatus
    PROBE rt_csrw_sstatus, csrw sstatus, a0
    PROBE rt_csrr_satp, csrr a0, satp
    PROBE rt_csrw_mvendorid, csrw mvendorid, a0
    PROBE rt_csrw_cycle, csrw cycle, a0
    PROBE rt_csrr_cycle, csrr a0, cycle
    PROBE rt_csrr_misa, csrr a0, misa
    PROBE rt_sstatus_set, csrs sstatus, a0
    PROBE rt_sstatus_clear, csrc sstatus, a0
