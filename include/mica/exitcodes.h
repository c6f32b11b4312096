/*
 * QEMU exit statuses the kernel itself produces (docs/boot.md). Any other
 * status is the one the root task passed to SYS_EXIT (masked to 0..255).
 */
#pragma once

#define MICA_EXIT_PANIC 255     /* kernel panic: a kernel bug, report printed */
#define MICA_EXIT_ROOT_DIED 254 /* the root task was killed (it never called exit) */
#define MICA_EXIT_DEADLOCK 253  /* every thread blocked, nothing can wake one */
