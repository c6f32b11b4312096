/* Compile-time checks that asm_offsets.h matches the C structures. */
#include <stddef.h>

#include <kernel/cpu_local.h>
#include <kernel/thread.h>

#include "asm_offsets.h"

_Static_assert(offsetof(struct arch_regs, pc) == REGS_PC, "REGS_PC");
_Static_assert(offsetof(struct arch_regs, status) == REGS_STATUS, "REGS_STATUS");
_Static_assert(offsetof(struct arch_regs, cause) == REGS_CAUSE, "REGS_CAUSE");
_Static_assert(offsetof(struct arch_regs, tval) == REGS_TVAL, "REGS_TVAL");
_Static_assert(sizeof(struct arch_regs) == REGS_SIZE, "REGS_SIZE");
_Static_assert(TRAP_FRAME_SIZE >= REGS_SIZE && TRAP_FRAME_SIZE % 16 == 0,
               "TRAP_FRAME_SIZE");
_Static_assert(offsetof(struct arch_regs, gpr[9]) == REG_OFF(10), "REG_OFF");
_Static_assert(offsetof(struct cpu, scratch) == CPU_SCRATCH, "CPU_SCRATCH");
_Static_assert(offsetof(struct cpu, kstack_top) == CPU_KSTACK_TOP, "CPU_KSTACK_TOP");
_Static_assert(offsetof(struct cpu, cur) == CPU_CUR, "CPU_CUR");
/* Trap entry stores user registers at the start of the thread. */
_Static_assert(offsetof(struct thread, regs) == 0, "thread regs first");
