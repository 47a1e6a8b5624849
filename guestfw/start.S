/* Entry and M-mode trap vector (RISC-V privileged spec v1.12 §3.1.7 mtvec, §3.3.2
 * mret). The boot ROM (or QEMU's reset stub) jumps here with a0 = hart id and
 * a1 = DTB address; only hart 0 runs the firmware, others park in wfi. */
    /* This lld may not implement relaxation: keep R_RISCV_ALIGN out of the object. */
    .option norelax
    .section .text.start, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    bnez    a0, park
    la      sp, boot_stack_top
    /* .bss is not in the image: zero it before C runs. */
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  la      t0, trap_entry
    csrw    mtvec, t0               /* direct mode: 4-byte aligned, low bits 0 */
    csrw    mie, zero
    call    fw_main                 /* fw_main(hartid, dtb) never returns */
park:
    wfi
    j       park

/* All 31 integer registers are saved on the current stack (the firmware has one
 * privilege level and one stack), then trap_handler(frame) decides. */
    .text
    .balign 4
    .globl trap_entry
trap_entry:
    addi    sp, sp, -256
    sd      ra, 8(sp)
    sd      gp, 24(sp)
    sd      tp, 32(sp)
    sd      t0, 40(sp)
    sd      t1, 48(sp)
    sd      t2, 56(sp)
    sd      s0, 64(sp)
    sd      s1, 72(sp)
    sd      a0, 80(sp)
    sd      a1, 88(sp)
    sd      a2, 96(sp)
    sd      a3, 104(sp)
    sd      a4, 112(sp)
    sd      a5, 120(sp)
    sd      a6, 128(sp)
    sd      a7, 136(sp)
    sd      s2, 144(sp)
    sd      s3, 152(sp)
    sd      s4, 160(sp)
    sd      s5, 168(sp)
    sd      s6, 176(sp)
    sd      s7, 184(sp)
    sd      s8, 192(sp)
    sd      s9, 200(sp)
    sd      s10, 208(sp)
    sd      s11, 216(sp)
    sd      t3, 224(sp)
    sd      t4, 232(sp)
    sd      t5, 240(sp)
    sd      t6, 248(sp)
    addi    t0, sp, 256
    sd      t0, 16(sp)              /* the interrupted sp, for the crash dump */
    mv      a0, sp
    call    trap_handler
    ld      ra, 8(sp)
    ld      gp, 24(sp)
    ld      tp, 32(sp)
    ld      t0, 40(sp)
    ld      t1, 48(sp)
    ld      t2, 56(sp)
    ld      s0, 64(sp)
    ld      s1, 72(sp)
    ld      a0, 80(sp)
    ld      a1, 88(sp)
    ld      a2, 96(sp)
    ld      a3, 104(sp)
    ld      a4, 112(sp)
    ld      a5, 120(sp)
    ld      a6, 128(sp)
    ld      a7, 136(sp)
    ld      s2, 144(sp)
    ld      s3, 152(sp)
    ld      s4, 160(sp)
    ld      s5, 168(sp)
    ld      s6, 176(sp)
    ld      s7, 184(sp)
    ld      s8, 192(sp)
    ld      s9, 200(sp)
    ld      s10, 208(sp)
    ld      s11, 216(sp)
    ld      t3, 224(sp)
    ld      t4, 232(sp)
    ld      t5, 240(sp)
    ld      t6, 248(sp)
    addi    sp, sp, 256
    mret

    .bss
    .balign 16
boot_stack:
    .space  65536
boot_stack_top:
