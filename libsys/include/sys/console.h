/*
 * Client stubs for console, the serial console server
 * (include/proto/console.h). A program proc starts finds it at
 * CONSOLE_SLOT. Functions return a value >= 0 or an err_t < 0.
 */
#pragma once

#include <stdint.h>

#include <mica/caps.h>
#include <mica/err.h>
#include <proto/console.h>

/* Writes len bytes (any length); returns len. */
int64_t console_write(handle_t cons, const void *buf, uint64_t len);
/* Reads up to len bytes of line-edited input (blocks for a line); 0 at
 * end of file (^D). */
int64_t console_read(handle_t cons, void *buf, uint64_t len);
/* ^C goes to pid (0: the caller's job ends, as console_end_job). */
int64_t console_set_foreground(handle_t cons, uint64_t pid);
/* ^C goes to each of the npids processes (1..CONS_JOB_MAX): the caller's
 * own job on the console's foreground stack. E_PERM: the caller neither
 * owns the console nor is in the foreground, or a pid is not its own or a
 * descendant's; E_LIMIT: jobs nested CONS_JOB_DEPTH deep. */
int64_t console_set_job(handle_t cons, const uint64_t *pids, uint64_t npids);
/* The caller's job (and any set above it) is no longer the foreground. */
int64_t console_end_job(handle_t cons);
