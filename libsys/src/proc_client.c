/* proc client stubs (see sys/proc.h), over the stubs PROC_OPS makes. */
#include <sys/mica.h>
#include <sys/proc.h>
#include <sys/rpc.h>

PROC_OPS(RPC_STUB)

/* Packs path, argv, envp and names into req->strings; returns the
 * request's length. */
static int64_t pack(struct proc_spawn_req *req, const char *path, char *const argv[],
                    char *const envp[], const char *const names[])
{
    char *d = req->strings;
    uint64_t len = 0;
    const char *const *lists[3] = {(const char *const *)argv, (const char *const *)envp, names};
    uint16_t *counts[3] = {&req->argc, &req->envc, &req->nnames};
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
            (*counts[l])++; /* more than proc takes: proc says E_INVAL */
        }
    }
    return (int64_t)(__builtin_offsetof(struct proc_spawn_req, strings) + len);
}

static int64_t run(handle_t proc, bool exec, const char *path, char *const argv[],
                   char *const envp[], const char *const names[], uint64_t kmem_budget)
{
    struct proc_spawn_req req = {.kmem_budget = kmem_budget};
    int64_t len = pack(&req, path, argv, envp, names);
    if (len < 0)
        return len;
    if (exec)
        return proc_exec_call_len(proc, &req, (uint32_t)len, NULL, NULL, NULL);
    struct proc_pid_rep rep;
    int64_t r = proc_spawn_call_len(proc, &req, (uint32_t)len, &rep, NULL, NULL);
    return r < 0 ? r : (int64_t)rep.pid;
}

int64_t proc_spawn(handle_t proc, const char *path, char *const argv[], char *const envp[])
{
    return run(proc, false, path, argv, envp, NULL, 0);
}

int64_t proc_spawn_budget(handle_t proc, const char *path, char *const argv[],
                          char *const envp[], uint64_t kmem_budget)
{
    return run(proc, false, path, argv, envp, NULL, kmem_budget);
}

int64_t proc_spawn_server(handle_t proc, const char *path, char *const argv[],
                          const char *const names[])
{
    return run(proc, false, path, argv, NULL, names, 0);
}

int64_t proc_exec(handle_t proc, const char *path, char *const argv[], char *const envp[])
{
    return run(proc, true, path, argv, envp, NULL, 0);
}

int64_t proc_wait(handle_t proc, uint64_t pid, unsigned flags, uint64_t *status)
{
    struct proc_wait_req req = {.pid = pid, .flags = flags};
    struct proc_wait_rep rep;
    int64_t r = proc_wait_call(proc, &req, &rep, NULL);
    if (r < 0)
        return r;
    if (status)
        *status = rep.status;
    return (int64_t)rep.pid;
}

int64_t proc_fork(handle_t proc, uint64_t pc, uint64_t sp)
{
    struct proc_fork_req req = {.pc = pc, .sp = sp};
    struct proc_pid_rep rep;
    int64_t r = proc_fork_call(proc, &req, &rep, NULL);
    return r < 0 ? r : (int64_t)rep.pid;
}

int64_t proc_kill(handle_t proc, uint64_t pid, unsigned sig)
{
    struct proc_kill_req req = {.pid = pid, .sig = sig};
    return proc_kill_call(proc, &req, NULL, NULL);
}

int64_t proc_getpid(handle_t proc, uint64_t *ppid)
{
    struct proc_getpid_rep rep;
    int64_t r = proc_getpid_call(proc, NULL, &rep, NULL);
    if (r < 0)
        return r;
    if (ppid)
        *ppid = rep.ppid;
    return (int64_t)rep.pid;
}

void proc_exit(handle_t proc, int status)
{
    struct proc_exit_req req = {.status = (uint64_t)(int64_t)status};
    (void)proc_exit_call(proc, &req, NULL, NULL);
    sys_exit(status); /* not reached under proc: the process is gone */
}

int64_t proc_list(handle_t proc, uint64_t *cursor, struct proc_info *out)
{
    struct proc_list_req req = {.cursor = *cursor};
    struct proc_list_rep rep;
    int64_t r = proc_list_call(proc, &req, &rep, NULL);
    if (r < 0)
        return r;
    out->pid = rep.pid;
    out->ppid = rep.ppid;
    out->state = rep.state;
    *cursor = rep.next;
    _Static_assert(sizeof out->name == sizeof rep.name, "proc_info's name is LIST's");
    memcpy(out->name, rep.name, sizeof out->name);
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
