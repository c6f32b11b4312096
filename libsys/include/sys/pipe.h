/*
 * Client stubs for pipe, the pipe server (include/proto/pipe.h). A program
 * proc starts finds it at PIPE_SLOT. Functions return a value >= 0 or an
 * err_t < 0.
 */
#pragma once

#include <stdint.h>

#include <mica/caps.h>
#include <mica/err.h>
#include <proto/pipe.h>

/* A new pipe: *read_end and *write_end are its handles. */
int64_t pipe_create(handle_t srv, uint64_t *read_end, uint64_t *write_end);
/* Up to len bytes (blocks while empty); 0 at end of file. */
int64_t pipe_read(handle_t srv, uint64_t end, void *buf, uint64_t len);
/* All len bytes (blocks while full); E_DEAD when nobody reads. */
int64_t pipe_write(handle_t srv, uint64_t end, const void *buf, uint64_t len);
int64_t pipe_close(handle_t srv, uint64_t end);
/* The server's tables (PIPE_OP_STATS). */
struct pipe_stats {
    uint64_t pipes, ends, clients;
    uint64_t my_pipes, my_ends; /* charged to the caller */
};
int64_t pipe_stats(handle_t srv, struct pipe_stats *out);
/* proc only. */
int64_t pipe_clone_client(handle_t srv, uint64_t from_badge, uint64_t to_badge);
int64_t pipe_drop_client(handle_t srv, uint64_t badge);
