/*
 * libsys's POSIX layer for newlib programs (private header): the file
 * descriptor table and the helpers the system-call files share.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <mica/caps.h>
#include <mica/err.h>

#define POSIX_MAX_FDS 64

enum fd_kind { FD_FREE = 0, FD_CONSOLE, FD_FILE };

struct posix_fd {
    enum fd_kind kind;
    handle_t fs;       /* FD_FILE: the file server */
    uint64_t handle;   /* FD_FILE: its handle there */
    uint64_t offset;   /* FD_FILE: read/write position */
    int flags;         /* open(2) flags (O_ACCMODE, O_APPEND) */
    bool is_dir;
};

extern struct posix_fd posix_fds[POSIX_MAX_FDS];

/* The descriptor fd if it is open, else NULL (errno = EBADF). */
struct posix_fd *posix_fd_get(int fd);

/* Sets errno from an err_t; returns -1. */
int posix_fail(int64_t err);

/* The wall clock the program was started with (posix_start). */
extern uint64_t posix_clock_secs_at_time0; /* seconds since 1970 */
extern uint64_t posix_clock_hz;
/* Started by proc (PROC_SLOT holds its endpoint), not by root. */
extern bool posix_under_proc;

uint64_t posix_read_time(void);
