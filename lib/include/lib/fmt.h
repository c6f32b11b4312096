/*
 * printf-style formatter shared by the kernel's kprintf, libsys's
 * sys_printf and host tests. Supports %c %s %d %i %u %x %X %p %% with
 * optional '-', '0', width and the l/ll/z length modifiers. Pure: output
 * goes through a callback, so it builds anywhere.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

typedef void (*fmt_putc_fn)(void *ctx, char c);

/* Formats into `putc`; returns the number of characters produced. */
int fmt_vformat(fmt_putc_fn putc, void *ctx, const char *fmt, va_list ap);

/* Formats into buf (always NUL-terminated when len > 0); returns the length
 * the full output would have had, like snprintf. */
int fmt_snprintf(char *buf, uint64_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
