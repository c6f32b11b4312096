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
/* ^C goes to pid (0: nobody). */
int64_t console_set_foreground(handle_t cons, uint64_t pid);
