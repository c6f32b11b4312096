/*
 * Kernel panics: only for broken kernel invariants or a fault inside the
 * kernel. A panic prints the reason, registers and a backtrace (raw addresses),
 * then powers the machine off with PANIC_EXIT_STATUS so the host sees it.
 */
#pragma once

#include <kernel/types.h>

#include <mica/exitcodes.h>

struct arch_regs;

/* QEMU exit status of a kernel panic (documented in docs/boot.md). */
#define PANIC_EXIT_STATUS MICA_EXIT_PANIC

NORETURN void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A trap taken in the kernel that is not an expected interrupt. `what`
 * names the cause ("load page fault"). */
NORETURN void panic_trap(const char *what, const struct arch_regs *frame);

/* Prints "  #n 0x..." lines (the host symbolizes them) walking frame pointers from fp,
 * starting with pc (and ra_hint: the return address register, used when the
 * first frame belongs to a leaf function that did not save it). */
void panic_backtrace(uint64_t pc, uint64_t fp, uint64_t ra_hint);
