/*
 * Kernel symbol lookup for backtraces. The table ("kernel.syms" in the boot
 * image, made from the kernel ELF by bootimg/mkbootimg.py) is validated once
 * by ksyms_init(); lookups never read outside it.
 */
#pragma once

#include <kernel/types.h>

/* Validates and installs the table at [tab, tab + len). E_CORRUPT if the
 * table is malformed (then lookups find nothing). */
WARN_UNUSED err_t ksyms_init(const void *tab, uint64_t len);

/* Finds the symbol containing addr. Returns its name and stores addr minus
 * the symbol's start in *off, or returns NULL when none contains it. */
const char *ksyms_lookup(uint64_t addr, uint64_t *off);

/* Number of symbols installed. */
uint32_t ksyms_count(void);
