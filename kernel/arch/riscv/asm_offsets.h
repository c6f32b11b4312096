/*
 * Structure offsets used by the assembly files. Checked against the C
 * structures in asm_offsets.c, so a layout change breaks the build.
 */
#pragma once

#define REGS_PC 248
#define REGS_STATUS 256
#define REGS_CAUSE 264
#define REGS_TVAL 272
#define REGS_SIZE 280
#define TRAP_FRAME_SIZE 288 /* REGS_SIZE rounded up to keep sp 16-aligned */

#define CPU_SCRATCH 0
#define CPU_KSTACK_TOP 8
#define CPU_CUR 16

/* Offset of x(n) in struct arch_regs. */
#define REG_OFF(n) (((n)-1) * 8)
