#!/bin/sh
# Portable kernel code must not name RISC-V registers or instructions
# (STYLE.md, section 1): they belong in kernel/arch/riscv. Registers are
# named by their role (ARCH_REG_BADGE, ARCH_REG_RET, ...: arch_impl/regs.h).
bad=0
if grep -rnE 'satp|sstatus|scause|sfence|csrr|csrw' "$1"; then
    echo "error: arch-specific names in $1 (move them behind kernel/include/arch/)" >&2
    bad=1
fi
if grep -rnE '(^|[^_A-Za-z0-9])REG_[A-Z]+[0-9]*' "$1"; then
    echo "error: raw register names in $1 (use the ARCH_REG_* role names)" >&2
    bad=1
fi
exit $bad
