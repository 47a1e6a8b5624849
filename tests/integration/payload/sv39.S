/* An S-mode payload for OpenSBI's fw_dynamic (tests/integration/test_opensbi.sh): it
 * turns Sv39 on with two 1 GiB pages -- RAM identity-mapped at 0x80000000 and again at
 * 0xffffffc080000000 -- jumps to the high alias, takes a delegated load page fault on
 * an unmapped address (checking scause and stval), reads OpenSBI's own memory at
 * 0x80000000, which OpenSBI's PMP entry keeps from S mode (a load access fault, scause
 * 5, which OpenSBI 1.1 redirects to S), prints through the SBI console (legacy
 * putchar), and shuts down with SBI SRST. Privileged spec 1.12 §4.3-4.4, §3.7. */
    .section .text
    .globl _start
_start:
    la    sp, stack_top
    la    a0, m_hello
    call  puts
    /* root[2]: 0x80000000 -> 0x80000000; root[258]: 0xffffffc080000000 -> same. */
    la    t0, root
    li    t1, (0x80000000 >> 12) << 10 | 0xcf      /* V R W X A D */
    sd    t1, 2*8(t0)
    li    t2, 258*8
    add   t2, t0, t2
    sd    t1, 0(t2)
    srli  t0, t0, 12
    li    t1, 8
    slli  t1, t1, 60
    or    t0, t0, t1
    csrw  satp, t0
    sfence.vma
    /* Continue at the high alias of the next label. */
    la    t0, high
    li    t1, 0xffffffc000000000
    add   t0, t0, t1
    add   sp, sp, t1
    jr    t0
high:
    la    a0, m_paged                 /* pc-relative: the high alias */
    call  puts
    la    t0, trap
    csrw  stvec, t0
    li    t0, 0x40000000              /* root[1]: nothing mapped */
    ld    t1, 0(t0)                   /* load page fault (OpenSBI delegates it) */
    j     fail
trap:
    csrr  t0, scause
    li    t1, 13
    bne   t0, t1, fail
    csrr  t0, stval
    li    t1, 0x40000000
    bne   t0, t1, fail
    la    a0, m_fault
    call  puts
    /* OpenSBI's own memory, through the high alias: PMP refuses S mode. */
    la    t0, pmp_trap
    csrw  stvec, t0
    li    t0, 0xffffffc080000000
    ld    t1, 0(t0)                   /* load access fault */
    j     fail
    .balign 4
pmp_trap:
    csrr  t0, scause
    li    t1, 5
    bne   t0, t1, fail
    csrr  t0, stval
    li    t1, 0xffffffc080000000
    bne   t0, t1, fail
    la    a0, m_pmp
    call  puts
    li    a7, 0x53525354              /* SRST: shutdown, no reason */
    li    a6, 0
    li    a0, 0
    li    a1, 0
    ecall
fail:
    la    a0, m_fail
    call  puts
    li    a7, 0x53525354
    li    a6, 0
    li    a0, 0
    li    a1, 1                       /* system failure */
    ecall
1:  j     1b

puts:
    mv    t3, a0
2:  lbu   a0, 0(t3)
    beqz  a0, 3f
    li    a7, 1                       /* legacy console putchar */
    ecall
    addi  t3, t3, 1
    j     2b
3:  ret

m_hello: .asciz "payload: S mode, satp bare\n"
m_paged: .asciz "payload: Sv39 on, running at the high alias\n"
m_fault: .asciz "payload: load page fault delegated, stval ok\n"
m_pmp:   .asciz "payload: OpenSBI's memory refused by PMP, load access fault\n"
m_fail:  .asciz "payload: FAIL\n"

    .section .bss
    .balign 4096
root:   .space 4096
stack:  .space 4096
stack_top:
