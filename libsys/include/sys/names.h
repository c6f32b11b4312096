/*
 * Client stubs for names, the name service (include/proto/names.h). A
 * program proc starts finds it at NAMES_SLOT. Functions return a value
 * >= 0 or an err_t < 0.
 */
#pragma once

#include <stdint.h>

#include <mica/caps.h>
#include <mica/err.h>
#include <proto/names.h>

/* Registers name for the unbadged endpoint ep (a copy goes to names). */
int64_t names_register(handle_t names, const char *name, handle_t ep);
int64_t names_unregister(handle_t names, const char *name);
/* Root: only root or an allowed process may register name. Root or proc:
 * the process with names badge `badge` may. The owner of a name it
 * registered: the process with badge `badge` is its heir (0: none), who
 * alone may register it once the owner ended. */
int64_t names_reserve(handle_t names, const char *name);
int64_t names_allow(handle_t names, const char *name, uint64_t badge);
/* An endpoint for name, badged for us: returns its handle. E_NOENT when
 * nobody registered it: at once, or after waiting timeout_ms (0: do not
 * wait; NAMES_FOREVER: until someone does). */
#define NAMES_FOREVER UINT64_MAX
int64_t names_lookup(handle_t names, const char *name, uint64_t timeout_ms);
/* The name service's tables and the caller's charges. */
int64_t names_stats(handle_t names, struct names_stats_rep *out);
/* Registered names: *cursor starts at 0; E_NOENT after the last. */
int64_t names_list(handle_t names, uint32_t *cursor, char name[NAMES_NAME_MAX + 1],
                   uint64_t *owner);
