/* proc client stubs (see sys/proc.h): the only code that builds proc messages. */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/proc.h>

/* Packs path, argv, envp and names into the IPC buffer; returns the length. */
static int64_t pack(const char *path, char *const argv[], char *const envp[],
                    const char *const names[], uint64_t counts_out[3])
{
    uint8_t *d = ipc_buffer()->data;
    uint64_t len = 0;
    counts_out[0] = counts_out[1] = counts_out[2] = 0;
    const char *const *lists[3] = {(const char *const *)argv, (const char *const *)envp, names};
    uint64_t *counts[3] = {&counts_out[0], &counts_out[1], &counts_out[2]};
    uint64_t n = strlen(path) + 1;
    if (n > PROC_ARGS_MAX)
        return E_RANGE;
    memcpy(d, path, n);
    len = n;
    for (int l = 0; l < 3; l++) {
        for (uint64_t i = 0; lists[l] && lists[l][i]; i++) {
            n = strlen(lists[l][i]) + 1;
            if (len + n > PROC_ARGS_MAX)
                return E_RANGE;
            memcpy(d + len, lists[l][i], n);
            len += n;
            (*counts[l])++;
        }
    }
    return (int64_t)len;
}

static int64_t run(handle_t proc, uint64_t op, const char *path, char *const argv[],
                   char *const envp[], const char *const names[], uint64_t kmem_budget)
{
    uint64_t counts[3];
    int64_t len = pack(path, argv, envp, names, counts);
    if (len < 0)
        return len;
    struct ipc_msg m = {.w = {counts[0], counts[1], counts[2], kmem_budget}};
    int64_t r = ipc_request(proc, op, &m, (uint64_t)len);
    return r < 0 ? r : (int64_t)m.w[0];
}

int64_t proc_spawn(handle_t proc, const char *path, char *const argv[], char *const envp[])
{
    return run(proc, PROC_OP_SPAWN, path, argv, envp, NULL, 0);
}

int64_t proc_spawn_budget(handle_t proc, const char *path, char *const argv[],
                          char *const envp[], uint64_t kmem_budget)
{
    return run(proc, PROC_OP_SPAWN, path, argv, envp, NULL, kmem_budget);
}

int64_t proc_spawn_server(handle_t proc, const char *path, char *const argv[],
                          const char *const names[])
{
    return run(proc, PROC_OP_SPAWN, path, argv, NULL, names, 0);
}

int64_t proc_exec(handle_t proc, const char *path, char *const argv[], char *const envp[])
{
    return run(proc, PROC_OP_EXEC, path, argv, envp, NULL, 0);
}

int64_t proc_wait(handle_t proc, uint64_t pid, unsigned flags, uint64_t *status)
{
    struct ipc_msg m = {.w = {pid, flags}};
    int64_t r = ipc_request(proc, PROC_OP_WAIT, &m, 0);
    if (r < 0)
        return r;
    if (status)
        *status = m.w[1];
    return (int64_t)m.w[0];
}

int64_t proc_fork(handle_t proc, uint64_t pc, uint64_t sp)
{
    struct ipc_msg m = {.w = {pc, sp}};
    int64_t r = ipc_request(proc, PROC_OP_FORK, &m, 0);
    return r < 0 ? r : (int64_t)m.w[0];
}

int64_t proc_kill(handle_t proc, uint64_t pid, unsigned sig)
{
    struct ipc_msg m = {.w = {pid, sig}};
    return ipc_request(proc, PROC_OP_KILL, &m, 0);
}

int64_t proc_getpid(handle_t proc, uint64_t *ppid)
{
    struct ipc_msg m = {0};
    int64_t r = ipc_request(proc, PROC_OP_GETPID, &m, 0);
    if (r < 0)
        return r;
    if (ppid)
        *ppid = m.w[1];
    return (int64_t)m.w[0];
}

void proc_exit(handle_t proc, int status)
{
    struct ipc_msg m = {.w = {(uint64_t)(int64_t)status}};
    (void)ipc_request(proc, PROC_OP_EXIT, &m, 0);
    sys_exit(status); /* not reached under proc: the process is gone */
}

int64_t proc_list(handle_t proc, uint64_t *cursor, struct proc_info *out)
{
    struct ipc_msg m = {.w = {*cursor}};
    int64_t r = ipc_request(proc, PROC_OP_LIST, &m, 0);
    if (r < 0)
        return r;
    out->pid = m.w[0];
    out->ppid = m.w[1];
    out->state = m.w[2];
    *cursor = m.w[3];
    ipc_reply_copy(&m, out->name, sizeof out->name);
    out->name[sizeof out->name - 1] = '\0';
    return 0;
}

int64_t proc_count(handle_t proc)
{
    uint64_t cursor = 0;
    struct proc_info info;
    int64_t n = 0;
    while (proc_list(proc, &cursor, &info) == 0)
        n++;
    return n;
}
