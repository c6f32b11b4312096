/* Deliberate kernel fault for testing the panic path (see debug_crash.c). */
#pragma once

#include <kernel/types.h>

/* Recurses `depth` times, then stores through an unmapped pointer. */
void debug_crash_kernel(int depth);
