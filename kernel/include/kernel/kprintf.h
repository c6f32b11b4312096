/*
 * Kernel formatted output to the debug console, through the shared
 * formatter (lib/include/lib/fmt.h for the conversions it supports).
 */
#pragma once

#include <stdarg.h>

#include <kernel/types.h>
#include <lib/fmt.h>

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);
