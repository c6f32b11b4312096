#!/bin/sh
# Portable kernel code must not name RISC-V registers or instructions
# (STYLE.md, section 1): they belong in kernel/arch/riscv.
if grep -rnE 'satp|sstatus|scause|sfence|csrr|csrw' "$1"; then
    echo "error: arch-specific names in $1 (move them behind kernel/include/arch/)" >&2
    exit 1
fi
exit 0
