/* root's test modes (testmodes.c): the one hook main.c calls. */
#pragma once

#include <stdbool.h>

#include <mica/bootinfo.h>

/* When the kernel command line asks for a test mode, runs it and returns
 * true with the status to exit with in *status; false for a real boot. */
bool root_test_mode(const struct bootinfo *info, int *status);
