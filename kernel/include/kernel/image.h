/*
 * Symbols the link map (arch/<arch>/kernel.ld) and the arch's entry code
 * define: where the kernel's image, its text and the boot stack lie.
 * Arrays, so only their addresses are used.
 */
#pragma once

extern char __kernel_start[]; /* first byte of the image (its load address) */
extern char __text_end[];     /* end of the kernel's code */
extern char __kernel_end[];   /* page-aligned end of .bss: the boot image follows */
extern char boot_stack[], boot_stack_top[]; /* the kernel stack (entry code) */
