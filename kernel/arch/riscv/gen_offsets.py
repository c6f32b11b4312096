#!/usr/bin/env python3
"""Turns the assembly of asm_offsets.c into a header of #defines.

asm_offsets.c emits lines like `.ascii "->NAME 123"` through inline asm;
this keeps structure offsets used by trap.S in one place, computed by the
compiler from the real C structures.
"""
import re
import sys

src, out = sys.argv[1], sys.argv[2]
defs = []
with open(src) as f:
    for line in f:
        m = re.search(r'->(\w+) \$?(-?\d+)', line)
        if m:
            defs.append(f"#define {m.group(1)} {m.group(2)}")
with open(out, "w") as f:
    f.write("/* Generated from kernel/arch/riscv/asm_offsets.c. Do not edit. */\n")
    f.write("#pragma once\n\n" + "\n".join(defs) + "\n")
