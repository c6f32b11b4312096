/*
 * newlib's system-call layer (the functions its reentrant wrappers call):
 * files over the file servers (sys/fs.h), memory over mm, output on the
 * kernel's debug console until the console server exists. Errors become
 * errno through err_to_errno() only. Calls that need the process server
 * (fork, execve, wait, kill of another process) fail with ENOSYS until it
 * exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <unistd.h>

#include <sys/console.h>
#include <sys/fs.h>
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/mm.h>
#include <sys/pipe.h>
#include <sys/proc.h>
#include <sys/root.h>
#include <sys/wait.h>

#include <mica/bootinfo.h>

#include "posix.h"


/* newlib declares these; we define them. */
int _open(const char *path, int flags, int mode);
int _close(int fd);
int _read(int fd, void *buf, size_t len);
int _write(int fd, const void *buf, size_t len);
/* dup/dup2: the new descriptor names the same open file (its offset is
 * its own: there is no shared open-file description yet). */
int dup2(int old, int new)
{
    struct posix_fd *f = posix_fd_get(old);
    if (!f)
        return -1;
    if (new < 0 || new >= POSIX_MAX_FDS) {
        errno = EBADF;
        return -1;
    }
    if (new == old)
        return new;
    struct posix_fd copy = *f;
    if (posix_fds[new].kind != FD_FREE)
        (void)_close(new);
    posix_fds[new] = copy;
    return new;
}

int dup(int old)
{
    if (!posix_fd_get(old))
        return -1;
    for (int fd = 0; fd < POSIX_MAX_FDS; fd++)
        if (posix_fds[fd].kind == FD_FREE)
            return dup2(old, fd);
    errno = EMFILE;
    return -1;
}

off_t _lseek(int fd, off_t off, int whence);
int _fstat(int fd, struct stat *st);
int _stat(const char *path, struct stat *st);
int _isatty(int fd);
void *_sbrk(ptrdiff_t incr);
void _exit(int status);
int _kill(int pid, int sig);
int _getpid(void);
int _fork(void);
int _execve(const char *path, char *const argv[], char *const envp[]);
int _wait(int *status);
int _unlink(const char *path);
int _link(const char *old, const char *new);
int _gettimeofday(struct timeval *tv, void *tz);
clock_t _times(struct tms *t);

int pipe(int fds[2])
{
    struct cap_info ci;
    if (!posix_under_proc || sys_cap_info(PIPE_SLOT, &ci) < 0 || ci.type != CAP_ENDPOINT) {
        errno = ENOSYS; /* no pipe server behind this program */
        return -1;
    }
    int rd = -1, wr = -1;
    for (int fd = 0; fd < POSIX_MAX_FDS && (rd < 0 || wr < 0); fd++)
        if (posix_fds[fd].kind == FD_FREE && fd != rd) {
            if (rd < 0)
                rd = fd;
            else
                wr = fd;
        }
    if (wr < 0) {
        errno = EMFILE;
        return -1;
    }
    uint64_t r_end, w_end;
    int64_t r = pipe_create(PIPE_SLOT, &r_end, &w_end);
    if (r == E_LIMIT || r == E_NOSPACE) {
        /* Our own limit of pipes (EMFILE) or the server's table, full for
         * everyone (ENFILE). */
        errno = r == E_LIMIT ? EMFILE : ENFILE;
        return -1;
    }
    if (r < 0)
        return posix_fail(r);
    posix_fds[rd] = (struct posix_fd){.kind = FD_PIPE, .fs = PIPE_SLOT, .handle = r_end,
                                      .flags = O_RDONLY};
    posix_fds[wr] = (struct posix_fd){.kind = FD_PIPE, .fs = PIPE_SLOT, .handle = w_end,
                                      .flags = O_WRONLY};
    fds[0] = rd;
    fds[1] = wr;
    return 0;
}

/* For tests that talk to a server directly: the handle behind fd. */
uint64_t posix_handle(int fd);
uint64_t posix_handle(int fd)
{
    struct posix_fd *f = posix_fd_get(fd);
    return f ? f->handle : UINT64_MAX;
}

bool posix_probe_console(void)
{
    struct cap_info ci;
    return sys_cap_info(CONSOLE_SLOT, &ci) == 0 && ci.type == CAP_ENDPOINT;
}

struct posix_fd *posix_fd_get(int fd)
{
    if (fd < 0 || fd >= POSIX_MAX_FDS || posix_fds[fd].kind == FD_FREE) {
        errno = EBADF;
        return NULL;
    }
    return &posix_fds[fd];
}

const char *posix_path(const char *path, char *buf, uint64_t cap)
{
    /* Components of cwd (for a relative path) then of path, "." dropped,
     * ".." removing the last kept one ("/.." is "/"). */
    uint64_t len = 0;
    const char *parts[2] = {path[0] == '/' ? "" : posix_env->cwd, path};
    for (int p = 0; p < 2; p++) {
        for (const char *c = parts[p]; *c;) {
            while (*c == '/')
                c++;
            const char *start = c;
            while (*c && *c != '/')
                c++;
            uint64_t n = (uint64_t)(c - start);
            if (n == 0 || (n == 1 && start[0] == '.'))
                continue;
            if (n == 2 && start[0] == '.' && start[1] == '.') {
                while (len > 0 && buf[len - 1] != '/')
                    len--;
                if (len > 0)
                    len--; /* the slash before it */
                continue;
            }
            if (len + 1 + n + 1 > cap) {
                errno = ENAMETOOLONG;
                return NULL;
            }
            buf[len++] = '/';
            memcpy(buf + len, start, n);
            len += n;
        }
    }
    if (len == 0)
        buf[len++] = '/';
    buf[len] = '\0';
    return buf;
}

static const char *absolute(const char *path, char *buf, size_t cap)
{
    return posix_path(path, buf, cap);
}

/* The file server and its path for path; -1 with errno set on failure. */
static int resolve(const char *path, handle_t *fs, const char **rest, char *buf, size_t cap)
{
    const char *abs = absolute(path, buf, cap);
    if (!abs)
        return -1; /* errno: ENAMETOOLONG */
    int64_t r = fs_resolve(abs, fs, rest);
    return r < 0 ? posix_fail(r) : 0;
}

int _open(const char *path, int flags, int mode)
{
    (void)mode; /* FAT keeps no permission bits */
    char buf[FS_PATH_MAX + 1];
    handle_t fs;
    const char *rest;
    if (resolve(path, &fs, &rest, buf, sizeof buf) < 0)
        return -1;
    int fd = 0;
    while (fd < POSIX_MAX_FDS && posix_fds[fd].kind != FD_FREE)
        fd++;
    if (fd == POSIX_MAX_FDS) {
        errno = EMFILE;
        return -1;
    }
    unsigned fs_flags = (flags & O_CREAT ? FS_O_CREAT : 0) |
                        (flags & O_TRUNC ? FS_O_TRUNC : 0) | (flags & O_EXCL ? FS_O_EXCL : 0);
    bool is_dir = false, table_full = false;
    uint64_t size = 0;
    int64_t h = fs_open_ex(fs, rest, fs_flags, &size, &is_dir, &table_full);
    if (h == E_LIMIT || (h == E_NOSPACE && table_full)) {
        /* The process's own limit (EMFILE) or the server's table, full for
         * everyone (ENFILE); E_NOSPACE otherwise is a full volume. */
        errno = h == E_LIMIT ? EMFILE : ENFILE;
        return -1;
    }
    if (h < 0)
        return posix_fail(h);
    if (is_dir && (flags & O_ACCMODE) != O_RDONLY) {
        (void)fs_close(fs, (uint64_t)h);
        errno = EISDIR;
        return -1;
    }
    posix_fds[fd] = (struct posix_fd){.kind = FD_FILE, .fs = fs, .handle = (uint64_t)h,
                                      .flags = flags, .is_dir = is_dir};
    return fd;
}

/* Another descriptor names the same file-server handle (dup). */
static bool shared_handle(const struct posix_fd *f)
{
    for (int i = 0; i < POSIX_MAX_FDS; i++) {
        const struct posix_fd *o = &posix_fds[i];
        if (o != f && o->kind == f->kind && o->fs == f->fs && o->handle == f->handle)
            return true;
    }
    return false;
}

int _close(int fd)
{
    struct posix_fd *f = posix_fd_get(fd);
    if (!f)
        return -1;
    int64_t r = 0;
    if (f->kind == FD_FILE && !shared_handle(f))
        r = fs_close(f->fs, f->handle);
    else if (f->kind == FD_PIPE && !shared_handle(f))
        r = pipe_close(f->fs, f->handle);
    *f = (struct posix_fd){.kind = FD_FREE};
    return r < 0 ? posix_fail(r) : 0;
}

int _read(int fd, void *buf, size_t len)
{
    struct posix_fd *f = posix_fd_get(fd);
    if (!f)
        return -1;
    if (f->kind == FD_CONSOLE) {
        if (!posix_has_console)
            return 0; /* no console server: input is at its end */
        int64_t got = console_read(CONSOLE_SLOT, buf, len);
        return got < 0 ? posix_fail(got) : (int)got;
    }
    if ((f->flags & O_ACCMODE) == O_WRONLY) {
        errno = EBADF;
        return -1;
    }
    if (f->kind == FD_PIPE) {
        int64_t got = pipe_read(f->fs, f->handle, buf, len);
        return got < 0 ? posix_fail(got) : (int)got;
    }
    if (f->is_dir) {
        errno = EISDIR;
        return -1;
    }
    int64_t got = fs_read(f->fs, f->handle, f->offset, buf, len);
    if (got < 0)
        return posix_fail(got);
    f->offset += (uint64_t)got;
    return (int)got;
}

int _write(int fd, const void *buf, size_t len)
{
    struct posix_fd *f = posix_fd_get(fd);
    if (!f)
        return -1;
    if (f->kind == FD_CONSOLE) {
        int64_t r = posix_has_console ? console_write(CONSOLE_SLOT, buf, len)
                                      : sys_debug_write(buf, len);
        return r < 0 ? posix_fail(r) : (int)len;
    }
    if ((f->flags & O_ACCMODE) == O_RDONLY) {
        errno = EBADF;
        return -1;
    }
    if (f->kind == FD_PIPE) {
        int64_t put = pipe_write(f->fs, f->handle, buf, len);
        if (put == E_DEAD) {
            errno = EPIPE; /* no SIGPIPE yet: the writer sees EPIPE */
            return -1;
        }
        return put < 0 ? posix_fail(put) : (int)put;
    }
    if (f->flags & O_APPEND) {
        struct fs_stat st;
        int64_t r = fs_fstat(f->fs, f->handle, &st);
        if (r < 0)
            return posix_fail(r);
        f->offset = st.size;
    }
    int64_t put = fs_write(f->fs, f->handle, f->offset, buf, len);
    if (put < 0)
        return posix_fail(put);
    f->offset += (uint64_t)put;
    return (int)put;
}

off_t _lseek(int fd, off_t off, int whence)
{
    struct posix_fd *f = posix_fd_get(fd);
    if (!f)
        return -1;
    if (f->kind == FD_CONSOLE || f->kind == FD_PIPE) {
        errno = ESPIPE;
        return -1;
    }
    int64_t base = 0;
    if (whence == SEEK_CUR) {
        base = (int64_t)f->offset;
    } else if (whence == SEEK_END) {
        struct fs_stat st;
        int64_t r = fs_fstat(f->fs, f->handle, &st);
        if (r < 0)
            return posix_fail(r);
        base = (int64_t)st.size;
    } else if (whence != SEEK_SET) {
        errno = EINVAL;
        return -1;
    }
    if ((off < 0 && base + off < 0) || (off > 0 && base > INT64_MAX - off)) {
        errno = EINVAL;
        return -1;
    }
    f->offset = (uint64_t)(base + off);
    return (off_t)f->offset;
}

/* FAT's packed local date and time (we stamp UTC) to seconds since 1970. */
static time_t fat_time_to_unix(uint32_t date_time)
{
    uint32_t date = date_time >> 16, time = date_time & 0xffff;
    uint32_t year = 1980 + (date >> 9), month = (date >> 5) & 15, day = date & 31;
    if (month < 1 || month > 12 || day < 1)
        return 0;
    static const uint16_t before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    uint64_t days = (uint64_t)(year - 1970) * 365 + (year - 1969) / 4 + before[month - 1] + day - 1;
    if (month > 2 && year % 4 == 0)
        days++; /* 2000 is a leap year; 2100 is past FAT's years we meet */
    return (time_t)(days * 86400 + (time >> 11) * 3600 + ((time >> 5) & 63) * 60 +
                    (time & 31) * 2);
}

int _fstat(int fd, struct stat *st)
{
    struct posix_fd *f = posix_fd_get(fd);
    if (!f)
        return -1;
    memset(st, 0, sizeof *st);
    st->st_blksize = 4096;
    if (f->kind == FD_CONSOLE) {
        st->st_mode = S_IFCHR | 0620;
        return 0;
    }
    if (f->kind == FD_PIPE) {
        st->st_mode = S_IFIFO | 0600;
        return 0;
    }
    struct fs_stat fst;
    int64_t r = fs_fstat(f->fs, f->handle, &fst);
    if (r < 0)
        return posix_fail(r);
    st->st_mode = fst.is_dir ? S_IFDIR | 0755 : S_IFREG | 0644;
    st->st_size = (off_t)fst.size;
    st->st_blocks = (blkcnt_t)((fst.size + 511) / 512);
    st->st_nlink = 1;
    st->st_mtime = st->st_atime = st->st_ctime = fat_time_to_unix(fst.mdate_mtime);
    return 0;
}

int _stat(const char *path, struct stat *st)
{
    int fd = _open(path, O_RDONLY, 0);
    if (fd < 0)
        return -1;
    int r = _fstat(fd, st);
    int saved = errno;
    (void)_close(fd);
    errno = saved;
    return r;
}

int _isatty(int fd)
{
    struct posix_fd *f = posix_fd_get(fd);
    if (!f)
        return 0;
    if (f->kind == FD_CONSOLE)
        return 1;
    errno = ENOTTY;
    return 0;
}

void *_sbrk(ptrdiff_t incr)
{
    void *old = mm_sbrk(incr);
    if (old == (void *)-1)
        errno = ENOMEM;
    return old;
}

void _exit(int status)
{
    /* Under proc, proc ends the process; a program root runs itself
     * reports to root (proto/root.h). */
    if (posix_under_proc)
        proc_exit(PROC_SLOT, status);
    root_report_exit(ROOT_REPORT_SLOT, status);
}

int _getpid(void)
{
    if (!posix_under_proc)
        return 1; /* a program root runs: no process server behind it */
    int64_t pid = proc_getpid(PROC_SLOT, NULL);
    return pid < 0 ? posix_fail(pid) : (int)pid;
}

pid_t getppid(void)
{
    if (!posix_under_proc)
        return 0;
    uint64_t ppid = 0;
    int64_t r = proc_getpid(PROC_SLOT, &ppid);
    return r < 0 ? posix_fail(r) : (pid_t)ppid;
}

int _kill(int pid, int sig)
{
    if (!posix_under_proc) {
        if (pid == _getpid())
            _exit(128 + sig); /* no handlers: every signal terminates */
        errno = ESRCH;
        return -1;
    }
    int64_t r = proc_kill(PROC_SLOT, (uint64_t)pid, (unsigned)sig);
    if (r == E_NOENT || r == E_PERM) {
        errno = r == E_NOENT ? ESRCH : EPERM; /* EPERM: not our descendant */
        return -1;
    }
    return r < 0 ? posix_fail(r) : 0;
}

/* fork: proc copies our memory (copy-on-write, this context included) and
 * file handles and starts the child's thread at posix_fork_entry, which
 * longjmps back here with 1. */
static jmp_buf fork_context;
void posix_fork_entry(void);
void posix_fork_child(void);

void posix_fork_child(void)
{
    ipc_set_buffer((struct ipc_buffer *)(uintptr_t)ROOT_IPC_BUFFER_VA);
    longjmp(fork_context, 1);
}

int _fork(void)
{
    if (!posix_under_proc) {
        errno = ENOSYS;
        return -1;
    }
    if (setjmp(fork_context))
        return 0; /* the child */
    /* The child's first frames go well below ours, which it resumes. */
    uint64_t sp;
    __asm__ volatile("mv %0, sp" : "=r"(sp));
    int64_t pid = proc_fork(PROC_SLOT, (uint64_t)(uintptr_t)posix_fork_entry,
                            (sp - 4096) & ~15ull);
    if (pid < 0) {
        /* POSIX: ENOMEM for memory, EAGAIN for every table or limit. */
        errno = pid == E_NOMEM ? ENOMEM : EAGAIN;
        return -1;
    }
    return (int)pid;
}

int _execve(const char *path, char *const argv[], char *const envp[])
{
    if (!posix_under_proc) {
        errno = ENOSYS;
        return -1;
    }
    char buf[FS_PATH_MAX + 1];
    const char *abs = absolute(path, buf, sizeof buf);
    if (!abs) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int64_t r = proc_exec(PROC_SLOT, abs, argv, envp);
    if (r == E_RANGE) {
        errno = E2BIG;
        return -1;
    }
    return posix_fail(r); /* returns only on error */
}

pid_t waitpid(pid_t pid, int *status, int options)
{
    if (!posix_under_proc) {
        errno = ECHILD;
        return -1;
    }
    if (pid < -1 || pid == 0 || (options & ~WNOHANG)) {
        errno = EINVAL; /* process groups are not there yet */
        return -1;
    }
    uint64_t st = 0;
    int64_t r = proc_wait(PROC_SLOT, pid == -1 ? PROC_ANY : (uint64_t)pid,
                          (options & WNOHANG) ? PROC_WNOHANG : 0, &st);
    if (r == E_NOENT) {
        errno = ECHILD;
        return -1;
    }
    if (r < 0)
        return posix_fail(r);
    if (status && r > 0)
        *status = (int)st;
    return (pid_t)r;
}

int _wait(int *status)
{
    return waitpid(-1, status, 0);
}

int _unlink(const char *path)
{
    char buf[FS_PATH_MAX + 1];
    handle_t fs;
    const char *rest;
    if (resolve(path, &fs, &rest, buf, sizeof buf) < 0)
        return -1;
    int64_t r = fs_unlink(fs, rest);
    if (r == E_INVAL) {
        errno = EISDIR; /* the file server refuses to unlink directories */
        return -1;
    }
    return r < 0 ? posix_fail(r) : 0;
}

int _link(const char *old, const char *new)
{
    (void)old, (void)new;
    errno = EPERM; /* FAT has no hard links */
    return -1;
}

int _gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    uint64_t hz = posix_clock_hz ? posix_clock_hz : 10000000u;
    uint64_t t = posix_read_time();
    tv->tv_sec = (time_t)(posix_clock_secs_at_time0 + t / hz);
    tv->tv_usec = (suseconds_t)(t % hz * 1000000u / hz);
    return 0;
}

clock_t _times(struct tms *t)
{
    /* No per-process CPU accounting yet: the time counter since boot. */
    uint64_t hz = posix_clock_hz ? posix_clock_hz : 10000000u;
    clock_t ticks = (clock_t)(posix_read_time() / (hz / CLOCKS_PER_SEC));
    t->tms_utime = ticks;
    t->tms_stime = t->tms_cutime = t->tms_cstime = 0;
    return ticks;
}
