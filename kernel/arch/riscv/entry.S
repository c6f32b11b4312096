/*
 * Kernel entry from OpenSBI (fw_jump): S-mode, MMU off, a0 = hart id,
 * a1 = physical address of the flattened device tree.
 *
 * Runs at the physical load address until the MMU is on, so everything
 * before the jump to boot_high is PC-relative. It zeroes .bss, builds a
 * temporary root table with 1 GiB leaves (an identity map of the kernel's
 * own gigabyte, so the instruction after `csrw satp` still fetches, plus the
 * direct-map alias of physical 0..4 GiB) and jumps to the linked (virtual)
 * addresses. kmain() then builds the real kernel map from the device tree.
 */
#include <asm_offsets_gen.h>

/* V R W X G A D: a global kernel leaf. */
#define BOOT_LEAF_FLAGS 0xef
#define DIRECT_MAP_INDEX 256 /* root index of 0xffffffc000000000 */
#define BOOT_ALIAS_GIB 4

    .section .text.boot, "ax"
    .global _start
_start:
    csrw sie, zero
    mv s2, a0                   /* hart id */
    mv s3, a1                   /* FDT physical address */

    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:
    la t0, boot_pt_root         /* physical: the MMU is off */
    auipc t1, 0
    srli t1, t1, 30             /* gigabyte the kernel runs in */
    slli t2, t1, 28             /* PPN (gib << 18) placed at bit 10 */
    ori t2, t2, BOOT_LEAF_FLAGS
    slli t3, t1, 3
    add t3, t0, t3
    sd t2, 0(t3)                /* identity leaf */

    li t4, 0
3:  slli t2, t4, 28
    ori t2, t2, BOOT_LEAF_FLAGS
    addi t3, t4, DIRECT_MAP_INDEX
    slli t3, t3, 3
    add t3, t0, t3
    sd t2, 0(t3)                /* direct-map alias of gigabyte t4 */
    addi t4, t4, 1
    li t5, BOOT_ALIAS_GIB
    blt t4, t5, 3b

    srli t0, t0, 12
    li t1, (8 << 60)            /* Sv39 */
    or t0, t0, t1
    sfence.vma
    csrw satp, t0
    sfence.vma

    ld t0, .Lboot_high_va       /* the literal holds the linked address */
    jr t0

    .balign 8
.Lboot_high_va:
    .dword boot_high

    .text
boot_high:
    la tp, cpus                 /* boot hart uses cpus[0] */
    la sp, boot_stack_top
    sd sp, CPU_KSTACK_TOP(tp)
    csrw sscratch, zero         /* zero sscratch = "trapped from the kernel" */
    la t0, trap_vector
    csrw stvec, t0
    mv a0, s2
    mv a1, s3
    li s0, 0                    /* ends the frame-pointer chain */
    li ra, 0
    call kmain
4:  wfi
    j 4b

    .bss
    .balign 4096
    .global boot_pt_root
boot_pt_root:
    .space 4096
    .balign 16
    .global boot_stack
boot_stack:
    .space 16384
    .global boot_stack_top
boot_stack_top:
