/*
 * POSIX calls newlib leaves to the system (or does not have for this
 * target): exec variants, rename, mkdir, rmdir, access. File names go to
 * the file server that serves them (fs_resolve); errors become errno.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/fs.h>
#include <time.h>

int64_t sys_yield(void); /* sys/mica.h's, which declares a main of its own */

#include "posix.h"

extern char **environ;
int _execve(const char *path, char *const argv[], char *const envp[]);

int execv(const char *path, char *const argv[])
{
    return _execve(path, argv, environ);
}

/* A name without a slash is looked for in /bin (PATH is not searched
 * further yet). */
int execvp(const char *file, char *const argv[])
{
    if (strchr(file, '/'))
        return execv(file, argv);
    char path[FS_PATH_MAX + 1];
    if (snprintf(path, sizeof path, "/bin/%s", file) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return execv(path, argv);
}

/* Runs op on the file server of path (made absolute against "/"). */
static int path_call(const char *path, int64_t (*op)(handle_t, const char *))
{
    char abs[FS_PATH_MAX + 1];
    if (!posix_path(path, abs, sizeof abs))
        return -1;
    handle_t fs;
    const char *rest;
    int64_t r = fs_resolve(abs, &fs, &rest);
    if (r >= 0)
        r = op(fs, rest);
    return r < 0 ? posix_fail(r) : 0;
}

int mkdir(const char *path, mode_t mode)
{
    (void)mode; /* FAT keeps no permission bits */
    return path_call(path, fs_mkdir);
}

int rmdir(const char *path)
{
    int r = path_call(path, fs_rmdir);
    if (r < 0 && errno == EBUSY)
        errno = ENOTEMPTY; /* the file server's "directory not empty" */
    return r;
}

int rename(const char *from, const char *to)
{
    char a[FS_PATH_MAX + 1], b[FS_PATH_MAX + 1];
    if (!posix_path(from, a, sizeof a) || !posix_path(to, b, sizeof b))
        return -1;
    handle_t fs_a, fs_b;
    const char *ra, *rb;
    int64_t r = fs_resolve(a, &fs_a, &ra);
    if (r >= 0)
        r = fs_resolve(b, &fs_b, &rb);
    if (r >= 0 && fs_a != fs_b) {
        errno = EXDEV;
        return -1;
    }
    if (r >= 0)
        r = fs_rename(fs_a, ra, rb);
    return r < 0 ? posix_fail(r) : 0;
}

int chdir(const char *path)
{
    char abs[POSIX_CWD_MAX];
    if (!posix_path(path, abs, sizeof abs))
        return -1;
    struct stat st;
    if (stat(abs, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    memcpy(posix_env->cwd, abs, strlen(abs) + 1);
    return 0;
}

char *getcwd(char *buf, size_t size)
{
    size_t n = strlen(posix_env->cwd) + 1;
    if (!buf || size < n) {
        errno = buf ? ERANGE : EINVAL;
        return NULL;
    }
    memcpy(buf, posix_env->cwd, n);
    return buf;
}

/* No kernel timer wait yet: the caller yields until the deadline passes,
 * so other threads run meanwhile (the hart stays busy). */
int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (!req || req->tv_nsec < 0 || req->tv_nsec >= 1000000000L || req->tv_sec < 0) {
        errno = EINVAL;
        return -1;
    }
    uint64_t hz = posix_clock_hz ? posix_clock_hz : 10000000u;
    uint64_t ticks = (uint64_t)req->tv_sec * hz + (uint64_t)req->tv_nsec * hz / 1000000000u;
    uint64_t deadline = posix_read_time() + ticks;
    while (posix_read_time() < deadline)
        (void)sys_yield();
    if (rem)
        rem->tv_sec = rem->tv_nsec = 0;
    return 0;
}

int clock_gettime(clockid_t clock, struct timespec *ts)
{
    uint64_t hz = posix_clock_hz ? posix_clock_hz : 10000000u;
    uint64_t t = posix_read_time();
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) {
        errno = EINVAL;
        return -1;
    }
    /* MONOTONIC: since boot; REALTIME: the RTC's wall clock plus that. */
    ts->tv_sec = (time_t)(t / hz + (clock == CLOCK_REALTIME ? posix_clock_secs_at_time0 : 0));
    ts->tv_nsec = (long)(t % hz * 1000000000u / hz);
    return 0;
}

int clock_getres(clockid_t clock, struct timespec *res)
{
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) {
        errno = EINVAL;
        return -1;
    }
    uint64_t hz = posix_clock_hz ? posix_clock_hz : 10000000u;
    if (res)
        *res = (struct timespec){.tv_sec = 0, .tv_nsec = (long)(1000000000u / hz)};
    return 0;
}

unsigned sleep(unsigned seconds)
{
    struct timespec ts = {.tv_sec = seconds};
    return nanosleep(&ts, NULL) == 0 ? 0 : seconds;
}

int usleep(useconds_t usec)
{
    struct timespec ts = {.tv_sec = usec / 1000000, .tv_nsec = (long)(usec % 1000000) * 1000};
    return nanosleep(&ts, NULL);
}

int access(const char *path, int mode)
{
    (void)mode; /* everything that exists may be read, written and run */
    struct stat st;
    return stat(path, &st);
}
