/*
 * init: the first program from the disk, started through proc with the
 * arguments the command line gives after " -- " (./mica run -- PROG ARGS).
 * A name without a slash is looked up in /bin. Root waits for it and powers
 * the machine off with its status.
 */
#include <sys/mica.h>
#include <sys/proc.h>

#include <mica/bootinfo.h>

#include "root.h"

#define INIT_ARGS_MAX 32

int run_init(const char *args)
{
    static char buf[BOOTINFO_ARGS_MAX + 8];
    char *argv[INIT_ARGS_MAX + 1];
    int argc = 0;
    size_t n = strlen(args);
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, args, n);
    buf[n] = '\0';
    for (char *c = buf; *c && argc < INIT_ARGS_MAX;) {
        while (*c == ' ')
            *c++ = '\0';
        if (!*c)
            break;
        argv[argc++] = c;
        while (*c && *c != ' ')
            c++;
    }
    argv[argc] = NULL;
    if (argc == 0) {
        sys_puts("root: nothing to run after \" -- \"\n");
        return 1;
    }
    static char path[BOOTINFO_ARGS_MAX + 8];
    const char *prog = argv[0];
    bool has_slash = false;
    for (const char *c = prog; *c; c++)
        has_slash |= *c == '/';
    size_t len = strlen(prog), at = has_slash ? 0 : 5;
    if (!has_slash)
        memcpy(path, "/bin/", 5);
    memcpy(path + at, prog, len + 1);
    char *envp[] = {"PATH=/bin", "HOME=/", NULL};
    int64_t pid = proc_spawn(root.proc, path, argv, envp);
    if (pid < 0) {
        sys_printf("root: cannot start init '%s': %s\n", path, err_name((err_t)pid));
        return pid == E_NOENT ? 127 : 126; /* as a shell says "not found" / "cannot run" */
    }
    sys_printf("root: started init '%s' as pid %ld\n", path, pid);
    uint64_t status = 0;
    int64_t r = proc_wait(root.proc, (uint64_t)pid, 0, &status);
    if (r < 0) {
        sys_printf("root: waiting for init: %s\n", err_name((err_t)r));
        return 1;
    }
    if ((status & 0x7f) != 0) {
        sys_printf("root: init was killed by signal %lu\n", status & 0x7f);
        return 128 + (int)(status & 0x7f);
    }
    sys_printf("root: init exited with status %lu\n", (status >> 8) & 0xff);
    return (int)((status >> 8) & 0xff);
}
