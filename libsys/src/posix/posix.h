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

enum fd_kind { FD_FREE = 0, FD_CONSOLE, FD_FILE, FD_PIPE };

struct posix_fd {
    enum fd_kind kind;
    handle_t fs;       /* FD_FILE: the file server; FD_PIPE: the pipe server */
    uint64_t handle;   /* FD_FILE, FD_PIPE: the handle there */
    uint64_t offset;   /* FD_FILE: read/write position */
    int flags;         /* open(2) flags (O_ACCMODE, O_APPEND) */
    bool is_dir;
};

#define POSIX_CWD_MAX 1024
#define POSIX_ENV_MAGIC 0x564e45584953504full /* "POSIXENV" */

/* What a process keeps across fork and exec: in its environment block
 * (PROC_ENV_VA) under proc, in ordinary memory for programs root runs. */
struct posix_env {
    uint64_t magic;
    char cwd[POSIX_CWD_MAX]; /* absolute, normalized, no trailing slash but "/" */
    struct posix_fd fds[POSIX_MAX_FDS];
};

extern struct posix_env *posix_env;
#define posix_fds (posix_env->fds)

/* Makes path absolute against the working directory and normalizes it
 * ("." and ".." components, repeated slashes) into buf; NULL (errno set)
 * when it does not fit. */
const char *posix_path(const char *path, char *buf, uint64_t cap);

/* The descriptor fd if it is open, else NULL (errno = EBADF). */
struct posix_fd *posix_fd_get(int fd);

/* Sets errno from an err_t; returns -1. */
int posix_fail(int64_t err);

/* The wall clock the program was started with (posix_start). */
extern uint64_t posix_clock_secs_at_time0; /* seconds since 1970 */
extern uint64_t posix_clock_hz;
/* Started by proc (PROC_SLOT holds its endpoint), not by root. */
extern bool posix_under_proc;
/* CONSOLE_SLOT holds the console server (descriptors 0-2 go there). */
extern bool posix_has_console;
bool posix_probe_console(void);

uint64_t posix_read_time(void);
