/*
 * The client side of root's report protocol (include/proto/root.h), for
 * programs root runs itself (not under proc).
 */
#pragma once

#include <mica/caps.h>
#include <proto/root.h>

/* Reports the exit with status on root's endpoint ep (ROOT_REPORT_SLOT),
 * then ends the thread. */
__attribute__((noreturn)) void root_report_exit(handle_t ep, int status);
