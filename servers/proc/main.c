/*
 * proc, the process server: pids, parents and children, spawn and exec of
 * ELF programs from the file servers (exec.c), exit, wait, kill. Root
 * (badge 0) starts init through it and waits for init to end.
 *
 * Invariants: a live process owns exactly one mm space and proc's
 * capabilities to its task and thread; a zombie owns nothing but its pid
 * and status until its parent reaps it; every process's parent is a live
 * process or root (0) -- orphans go to init (pid 1), and children of root
 * that end are reaped by root's wait. proc is the exception handler of
 * every process's thread, so no thread ends without proc hearing of it.
 * A request that fails leaves nothing behind (no space, no handle in a
 * server, no slot or capability of proc's). Written with libsys's server
 * framework: the protocol is PROC_OPS in include/proto/proc.h.
 */
#include <sys/fs.h>
#include <sys/names.h>
#include <sys/pipe.h>
#include <sys/server.h>
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/mm.h>

#include <mica/bootinfo.h>
#include <proto/console.h>
#include <proto/fs.h>
#include <proto/names.h>
#include <proto/pipe.h>
#include <proto/mm.h>

#include "proc.h"

NAMES_OPS(RPC_STUB) /* proc tells names of a process's end */

struct process {
    uint32_t pid;          /* 0: free slot */
    uint32_t ppid;         /* 0: root */
    enum proc_state state;
    uint64_t wait_status;  /* zombies: PROC_WAIT_* */
    char name[PROC_NAME_MAX + 1];
    struct image img;
    handle_t thread;
    /* A wait() that blocks: the saved reply and what it waits for. */
    handle_t waiting_reply;
    uint64_t waiting_for;
    uint64_t kmem_budget;  /* its space's kernel memory, kept across exec (0: mm's default) */
};

static struct process procs[PROC_MAX];
/* Which disks root gave us (looked at before we allocate any slot), and
 * a notification nobody waits on, granted where a disk is missing. */
static bool has_disk[2];
static bool has_console, has_pipe, has_names;
static handle_t placeholder;
static uint32_t next_pid = 1;
uint64_t proc_clock_arg;
/* Root's blocked wait (root is not in the table). */
static handle_t root_waiting_reply;
static uint64_t root_waiting_for;

static struct process *find(uint64_t pid)
{
    for (int i = 0; i < PROC_MAX; i++)
        if (procs[i].pid != 0 && procs[i].pid == pid)
            return &procs[i];
    return NULL;
}

static struct process *alloc_slot(void)
{
    for (int i = 0; i < PROC_MAX; i++)
        if (procs[i].pid == 0)
            return &procs[i];
    return NULL;
}

static uint32_t slot_of(const struct process *p)
{
    return (uint32_t)(p - procs);
}

/* The bit mm signals proc's death notification with when it kills a
 * thread of p's space. A badge has 63 bits (bit 63 must be 0), so slot 63
 * shares bit 0 with slot 0: deaths() asks mm about every process whose bit
 * is set, and mm says which one it killed. */
static uint64_t death_bit(const struct process *p)
{
    return 1ull << (slot_of(p) % 63);
}

/* A slot for a new child of ppid: E_LIMIT when ppid has PROC_CHILDREN_MAX
 * children already (zombies hold slots too; root has no such limit),
 * E_NOSPACE when the table is full. */
static err_t alloc_child_slot(uint32_t ppid, struct process **out)
{
    int children = 0;
    for (int i = 0; i < PROC_MAX; i++)
        children += procs[i].pid != 0 && procs[i].ppid == ppid;
    if (ppid != 0 && children >= PROC_CHILDREN_MAX)
        return E_LIMIT;
    *out = alloc_slot();
    return *out ? E_OK : E_NOSPACE;
}

/* True when target is ancestor's descendant (ancestor != 0). Parents are
 * live processes or root, so the walk ends at root within PROC_MAX steps. */
static bool is_descendant(const struct process *target, uint32_t ancestor)
{
    for (int steps = 0; target && target->ppid != 0 && steps < PROC_MAX; steps++) {
        if (target->ppid == ancestor)
            return true;
        target = find(target->ppid);
    }
    return false;
}

/* What a failed spawn or fork tells its caller: memory, or a table (ours,
 * mm's, a server's) that is full -- POSIX's ENOMEM and EAGAIN. */
static err_t resource_error(err_t err)
{
    return err == E_NOMEM || err == E_LIMIT ? err : E_NOSPACE;
}

/* A failed spawn: the program's own faults (no such file, not a program,
 * arguments too long, no such reserved name) as they are, the rest as
 * resource_error says. */
static err_t spawn_error(err_t err)
{
    switch (err) {
    case E_NOENT: case E_NOEXEC: case E_RANGE: case E_INVAL: case E_IO: case E_PERM:
        return err;
    default:
        return resource_error(err);
    }
}

/* Parses "path\0" + argc + envc strings (+ nnames names) of a spawn or
 * exec request (the framework copied it out of the IPC buffer: loading
 * the program reuses the buffer). */
static err_t parse_args(const struct proc_spawn_req *req, uint32_t req_len,
                        struct program_args *a)
{
    const uint32_t head = (uint32_t)__builtin_offsetof(struct proc_spawn_req, strings);
    if (req_len <= head || req->argc > 256 || req->envc > 256 || req->nnames > PROC_MAX_NAMES ||
        req->_pad0)
        return E_INVAL;
    const char *data = req->strings;
    uint64_t len = req_len - head;
    uint64_t want = 1u + req->argc + req->envc + req->nnames, seen = 0, first_end = 0,
             strings_end = 0;
    for (uint64_t i = 0; i < len; i++) {
        if (data[i] != '\0')
            continue;
        if (seen == 0)
            first_end = i + 1;
        seen++;
        if (seen == 1u + req->argc + req->envc)
            strings_end = i + 1;
    }
    if (seen != want || data[len - 1] != '\0' || data[0] != '/')
        return E_INVAL;
    *a = (struct program_args){.path = data, .strings = data + first_end,
                               .strings_len = strings_end - first_end,
                               .argc = req->argc, .envc = req->envc,
                               .names = data + strings_end, .nnames = req->nnames,
                               .kmem_budget = req->kmem_budget};
    return E_OK;
}

static void set_name(struct process *p, const char *path)
{
    const char *base = path;
    for (const char *c = path; *c; c++)
        if (*c == '/')
            base = c + 1;
    size_t n = strlen(base);
    if (n > PROC_NAME_MAX)
        n = PROC_NAME_MAX;
    memcpy(p->name, base, n);
    p->name[n] = '\0';
}

/* Gives the loaded image its first thread and the capabilities a program
 * finds (proto/proc.h) and starts it. */
static err_t start(struct process *p)
{
    int64_t th = sys_thread_create(p->img.task, PROC_PRIO);
    if (th < 0)
        return (err_t)th;
    p->thread = (handle_t)th;
    /* proc hears of every exception of the thread, raw exits included,
     * with a badge no request can carry. The kernel keeps its own
     * reference to the endpoint: our copy goes at once. */
    int64_t exc = sys_cap_copy(PROC_SLOT_SERVICE, RIGHT_WRITE, PROC_BADGE_EXC_BASE + p->pid);
    int64_t r = exc < 0 ? exc : sys_thread_set_handlers(p->thread, p->img.pager, (handle_t)exc);
    if (exc > 0)
        (void)sys_cap_delete((handle_t)exc);
    if (r >= 0)
        r = sys_thread_set_ipc_buffer(p->thread, ROOT_IPC_BUFFER_VA);
    if (r >= 0)
        r = sys_cap_grant(p->img.task, p->img.client, RIGHTS_ALL, 0, MM_CLIENT_SLOT);
    if (r >= 0)
        r = sys_cap_grant(p->img.task, PROC_SLOT_SERVICE, RIGHT_WRITE | RIGHT_GRANT, p->pid,
                          PROC_SLOT);
    /* File servers: an endpoint badged for this process alone, so its open
     * files are its own. */
    const handle_t fs_slots[2] = {FS_CLIENT_SLOT, FS_MNT_SLOT};
    for (int d = 0; r >= 0 && d < 2; d++) {
        /* No such disk: a placeholder keeps the slot taken, so the
         * program's own capabilities never land where fs_resolve looks. */
        if (has_disk[d])
            r = sys_cap_grant(p->img.task, PROC_SLOT_FS_MINT + d, RIGHT_WRITE | RIGHT_GRANT,
                              PROC_FS_BADGE_BASE + p->pid, fs_slots[d]);
        else
            r = sys_cap_grant(p->img.task, placeholder, RIGHT_READ, 0, fs_slots[d]);
    }
    if (r >= 0)
        r = has_console ? sys_cap_grant(p->img.task, PROC_SLOT_CONSOLE, RIGHT_WRITE | RIGHT_GRANT,
                                        PROC_FS_BADGE_BASE + p->pid, CONSOLE_SLOT)
                        : sys_cap_grant(p->img.task, placeholder, RIGHT_READ, 0, CONSOLE_SLOT);
    if (r >= 0)
        r = has_pipe ? sys_cap_grant(p->img.task, PROC_SLOT_PIPE_MINT, RIGHT_WRITE | RIGHT_GRANT,
                                     PROC_FS_BADGE_BASE + p->pid, PIPE_SLOT)
                     : sys_cap_grant(p->img.task, placeholder, RIGHT_READ, 0, PIPE_SLOT);
    if (r >= 0)
        r = has_names ? sys_cap_grant(p->img.task, PROC_SLOT_NAMES_MINT, RIGHT_WRITE | RIGHT_GRANT,
                                      PROC_FS_BADGE_BASE + p->pid, NAMES_SLOT)
                      : sys_cap_grant(p->img.task, placeholder, RIGHT_READ, 0, NAMES_SLOT);
    if (r >= 0)
        r = sys_thread_start(p->thread, p->img.entry, p->img.sp, PROC_START_MAGIC);
    return r < 0 ? (err_t)r : E_OK;
}

/* The file servers forget the process's open handles. */
static void drop_files(const struct process *p)
{
    for (int d = 0; d < 2; d++)
        if (has_disk[d])
            (void)fs_drop_client(PROC_SLOT_FS_CTL + d, PROC_FS_BADGE_BASE + p->pid);
    if (has_pipe)
        (void)pipe_drop_client(PROC_SLOT_PIPE_CTL, PROC_FS_BADGE_BASE + p->pid);
    if (has_names) {
        /* Its names go, and with them every capability handed out for them. */
        struct names_drop_req req = {.badge = PROC_FS_BADGE_BASE + p->pid};
        (void)names_drop_client_call(PROC_SLOT_NAMES_CTL, &req, NULL, NULL);
    }
}

/* Frees everything a process owns but its table entry. */
static void release(struct process *p)
{
    if (p->thread)
        (void)sys_cap_delete(p->thread);
    p->thread = 0;
    exec_unload(&p->img);
}

/* Loads a program for the process in slot p: mm signals proc's death
 * notification with the slot's bit if it kills one of its threads. */
static err_t load_for(const struct process *p, const struct program_args *a,
                      struct image *img)
{
    int64_t ntfn = sys_cap_copy(PROC_SLOT_DEATHS, RIGHT_WRITE | RIGHT_GRANT, death_bit(p));
    if (ntfn < 0)
        return (err_t)ntfn;
    err_t err = exec_load(a, (handle_t)ntfn, img);
    (void)sys_cap_delete((handle_t)ntfn); /* mm has its own copy */
    return err;
}

/* A spawn or fork that failed after taking slot p: its space, thread,
 * handles in the file and pipe servers and names go, and the slot is free
 * again. (A reserved name it was allowed stays allowed to its pid, which is
 * never used again.) */
static void abandon(struct process *p)
{
    release(p);
    drop_files(p);
    p->pid = 0;
    p->state = 0;
}

static int64_t spawn(uint32_t ppid, const struct program_args *a)
{
    struct process *p;
    err_t err = alloc_child_slot(ppid, &p);
    if (err != E_OK)
        return err;
    struct image img;
    err = load_for(p, a, &img);
    if (err != E_OK)
        return err;
    p->pid = next_pid++;
    p->ppid = ppid;
    p->kmem_budget = a->kmem_budget;
    p->state = PROC_STATE_RUNNING;
    p->img = img;
    p->thread = 0;
    p->waiting_reply = 0;
    set_name(p, a->path);
    /* Reserved names it may register: before its first instruction, so it
     * can never try too early. */
    const char *name = a->names;
    for (uint32_t i = 0; err == E_OK && i < a->nnames; i++) {
        err = has_names ? (err_t)names_allow(PROC_SLOT_NAMES_CTL, name, PROC_FS_BADGE_BASE + p->pid)
                        : E_NOENT;
        name += strlen(name) + 1;
    }
    if (err == E_OK)
        err = start(p);
    if (err != E_OK) {
        abandon(p);
        return err;
    }
    return p->pid;
}

static bool waits_for(uint64_t want, const struct process *child)
{
    return want == PROC_ANY || want == child->pid;
}

static void reap(struct process *child)
{
    child->pid = 0;
    child->state = 0;
}

/* A waiting parent gets the child's status now. Returns true if reaped. */
static bool deliver_to_waiter(struct process *child)
{
    struct proc_wait_rep rep = {.pid = child->pid, .status = child->wait_status};
    handle_t *reply;
    if (child->ppid == 0) {
        if (!root_waiting_reply || !waits_for(root_waiting_for, child))
            return false;
        reply = &root_waiting_reply;
    } else {
        struct process *parent = find(child->ppid);
        if (!parent || !parent->waiting_reply || !waits_for(parent->waiting_for, child))
            return false;
        reply = &parent->waiting_reply;
    }
    (void)srv_reply_later(*reply, PROTO_REGS, E_OK, &rep, sizeof rep, 0);
    *reply = 0;
    reap(child);
    return true;
}

/* The process ends with `wait_status`: its space goes, its children go to
 * init, its parent hears of it. */
static void terminate(struct process *p, uint64_t wait_status)
{
    release(p);
    drop_files(p);
    if (p->waiting_reply) {
        (void)sys_cap_delete(p->waiting_reply); /* nobody left to answer */
        p->waiting_reply = 0;
    }
    p->state = PROC_STATE_ZOMBIE;
    p->wait_status = wait_status;
    for (int i = 0; i < PROC_MAX; i++) {
        struct process *c = &procs[i];
        if (c->pid == 0 || c->ppid != p->pid)
            continue;
        c->ppid = p->pid == 1 ? 0 : 1;
        if (c->state == PROC_STATE_ZOMBIE)
            (void)deliver_to_waiter(c);
    }
    (void)deliver_to_waiter(p);
}

PROC_OPS(SRV_DECLARE)
SRV_DECLARE_KERNEL(proc_exception, ipc_fault_exc_msg)
SRV_DECLARE_KERNEL(proc_deaths, ipc_notify_msg)

/* The caller's process (r->client; NULL: root or the console). */
static struct process *self_of(const struct srv_req *r)
{
    return r->client;
}

SRV_HANDLER(proc_wait)
{
    struct process *self = self_of(r);
    uint32_t caller = self ? self->pid : 0;
    bool any_child = false;
    for (int i = 0; i < PROC_MAX; i++) {
        struct process *c = &procs[i];
        if (c->pid == 0 || c->ppid != caller || !waits_for(req->pid, c))
            continue;
        any_child = true;
        if (c->state == PROC_STATE_ZOMBIE) {
            rep->pid = c->pid;
            rep->status = c->wait_status;
            reap(c);
            return E_OK;
        }
    }
    if (!any_child)
        return E_NOENT;
    if (req->flags & PROC_WNOHANG)
        return E_OK; /* pid 0: none has ended yet */
    int64_t saved = srv_defer(r);
    if (saved < 0)
        return (err_t)saved;
    if (self) {
        self->waiting_reply = (handle_t)saved;
        self->waiting_for = req->pid;
    } else {
        root_waiting_reply = (handle_t)saved;
        root_waiting_for = req->pid;
    }
    return SRV_DEFER;
}

/* Who may signal target: root; a process itself and its descendants; the
 * console every process root did not start itself (so ^C never ends init
 * or a manifest server). Nobody else can end init. */
static bool may_signal(uint64_t badge, const struct process *self,
                       const struct process *target)
{
    if (badge == 0)
        return true;
    if (badge == PROC_BADGE_CONSOLE)
        return target->ppid != 0;
    return self && (self == target || is_descendant(target, self->pid));
}

SRV_HANDLER(proc_kill)
{
    struct process *self = self_of(r);
    struct process *p = find(req->pid);
    uint64_t sig = req->sig;
    if (sig >= PROC_NSIG)
        return E_INVAL;
    if (!p || p->state != PROC_STATE_RUNNING)
        return E_NOENT;
    if (!may_signal(r->badge, self, p))
        return E_PERM;
    if (sig == 0)
        return E_OK;
    /* The console's ^C reaches what the job started too, as a terminal's
     * signal reaches a POSIX foreground process group (children are in
     * their parent's group): collected first, since terminate() hands
     * children to init. */
    uint32_t tree[PROC_MAX];
    int ntree = 0;
    for (int i = 0; r->badge == PROC_BADGE_CONSOLE && i < PROC_MAX; i++)
        if (procs[i].pid && procs[i].state == PROC_STATE_RUNNING && is_descendant(&procs[i], p->pid))
            tree[ntree++] = procs[i].pid;
    sys_printf("proc: pid %u (%s) killed by signal %lu\n", p->pid, p->name, sig);
    terminate(p, PROC_WAIT_SIGNALED(sig));
    for (int i = 0; i < ntree; i++) {
        struct process *d = find(tree[i]);
        if (!d || d->state != PROC_STATE_RUNNING)
            continue;
        sys_printf("proc: pid %u (%s) killed by signal %lu\n", d->pid, d->name, sig);
        terminate(d, PROC_WAIT_SIGNALED(sig));
    }
    return p == self ? SRV_DEFER : E_OK; /* killed itself: nobody to answer */
}

SRV_HANDLER(proc_list)
{
    for (uint64_t i = req->cursor; i < PROC_MAX; i++) {
        struct process *p = &procs[i];
        if (p->pid == 0)
            continue;
        rep->pid = p->pid;
        rep->ppid = p->ppid;
        rep->state = p->state;
        rep->next = (uint32_t)(i + 1);
        memcpy(rep->name, p->name, sizeof rep->name);
        return E_OK;
    }
    return E_NOENT;
}

/* mm killed threads of the processes whose bits are set (proc's death
 * notification, bound to its thread: no reply). */
SRV_HANDLER(proc_deaths)
{
    uint64_t bits = req->bits;
    static const uint64_t signal_of[] = {
        [MM_DEATH_ILLEGAL] = PROC_SIGSEGV, [MM_DEATH_OOM] = PROC_SIGKILL,
        [MM_DEATH_BEYOND_EOF] = PROC_SIGBUS};
    for (int i = 0; i < PROC_MAX; i++) {
        struct process *p = &procs[i];
        if (!(bits & death_bit(p)) || p->pid == 0 || p->state != PROC_STATE_RUNNING)
            continue;
        uint64_t why = 0, addr = 0, pc = 0;
        if (mm_space_info(PROC_SLOT_MM, p->img.space, &why, &addr, &pc) == 0 && why == 0)
            continue; /* the other process on this bit */
        uint64_t sig = why < sizeof signal_of / sizeof signal_of[0] && signal_of[why]
                           ? signal_of[why] : PROC_SIGKILL;
        sys_printf("proc: pid %u (%s) died: signal %lu (address 0x%lx, pc 0x%lx)\n", p->pid,
                   p->name, sig, addr, pc);
        terminate(p, PROC_WAIT_SIGNALED(sig));
    }
    return SRV_DEFER;
}

/* fork: the child is a copy-on-write copy of the caller's space with
 * copies of its file handles, started at pc/sp. */
static int64_t fork_process(struct process *parent, uint64_t pc, uint64_t sp)
{
    struct process *c;
    err_t err = alloc_child_slot(parent->pid, &c);
    if (err != E_OK)
        return err;
    int64_t ntfn = sys_cap_copy(PROC_SLOT_DEATHS, RIGHT_WRITE | RIGHT_GRANT, death_bit(c));
    if (ntfn < 0)
        return ntfn;
    struct mm_space_caps sc;
    int64_t r = mm_space_fork(PROC_SLOT_MM, parent->img.space, (handle_t)ntfn, &sc);
    (void)sys_cap_delete((handle_t)ntfn);
    if (r < 0)
        return r;
    c->pid = next_pid++;
    c->ppid = parent->pid;
    c->kmem_budget = parent->kmem_budget; /* mm gave the fork the same */
    c->state = PROC_STATE_RUNNING;
    c->img = (struct image){.space = sc.id, .task = sc.task, .pager = sc.pager,
                            .client = sc.client, .entry = pc, .sp = sp};
    c->thread = 0;
    c->waiting_reply = 0;
    memcpy(c->name, parent->name, sizeof c->name);
    for (int d = 0; err == E_OK && d < 2; d++)
        if (has_disk[d])
            err = (err_t)fs_clone_client(PROC_SLOT_FS_CTL + d, PROC_FS_BADGE_BASE + parent->pid,
                                         PROC_FS_BADGE_BASE + c->pid);
    if (err == E_OK && has_pipe)
        err = (err_t)pipe_clone_client(PROC_SLOT_PIPE_CTL, PROC_FS_BADGE_BASE + parent->pid,
                                       PROC_FS_BADGE_BASE + c->pid);
    if (err == E_OK)
        err = start(c);
    if (err != E_OK) {
        abandon(c);
        return err;
    }
    return c->pid;
}

/* The kernel tells of an exception of a process's thread (badge
 * PROC_BADGE_EXC_BASE + pid), a raw SYS_EXIT included: the process ends
 * with the matching status, reported in one line. The reply kills the
 * thread if it still runs (it never does once terminate has gone). */
SRV_HANDLER(proc_exception)
{
    struct process *p = find(r->badge - PROC_BADGE_EXC_BASE);
    if (p && p->state == PROC_STATE_RUNNING) {
        struct fault_end end;
        fault_describe(req, &end);
        if (end.sig)
            sys_printf("proc: pid %u (%s) died: signal %lu (%s: %s at pc 0x%lx, value 0x%lx)\n",
                       p->pid, p->name, end.sig, end.sig_name, end.what, end.pc, end.value);
        else
            sys_printf("proc: pid %u (%s) exited with status %lu by a %s at pc 0x%lx\n", p->pid,
                       p->name, end.value & 0xff, end.what, end.pc);
        terminate(p, end.wait_status);
    }
    r->reply_label = FAULT_REPLY_KILL;
    return E_OK;
}

SRV_HANDLER(proc_exit)
{
    struct process *self = self_of(r);
    if (!self)
        return E_INVAL; /* root has no process to end */
    terminate(self, PROC_WAIT_EXITED(req->status));
    return SRV_DEFER; /* nobody to answer */
}

SRV_HANDLER(proc_spawn)
{
    struct process *self = self_of(r);
    struct program_args a;
    err_t err = self && req->nnames ? E_PERM : parse_args(req, r->req_len, &a);
    if (err != E_OK)
        return err;
    int64_t pid = spawn(self ? self->pid : 0, &a);
    if (pid < 0)
        return spawn_error((err_t)pid);
    rep->pid = (uint64_t)pid;
    return E_OK;
}

SRV_HANDLER(proc_exec)
{
    struct process *self = self_of(r);
    if (!self)
        return E_INVAL;
    struct program_args a;
    err_t err = req->nnames ? E_INVAL : parse_args(req, r->req_len, &a);
    struct image img;
    if (err == E_OK) {
        a.kmem_budget = self->kmem_budget; /* exec keeps the process's budget */
        err = load_for(self, &a, &img);
    }
    if (err != E_OK)
        return err;
    /* Descriptors and cwd live in the environment block: the new program
     * gets the old one's (best effort: without it, it starts afresh). */
    (void)mm_space_copy(PROC_SLOT_MM, self->img.space, img.space, PROC_ENV_VA, PROC_ENV_LEN);
    release(self); /* the old program and the thread that asked */
    self->img = img;
    set_name(self, a.path);
    err = start(self);
    if (err != E_OK)
        terminate(self, PROC_WAIT_SIGNALED(PROC_SIGKILL));
    return SRV_DEFER; /* the thread that asked is gone */
}

SRV_HANDLER(proc_getpid)
{
    struct process *self = self_of(r);
    rep->pid = self ? self->pid : 0;
    rep->ppid = self ? self->ppid : 0;
    return E_OK;
}

SRV_HANDLER(proc_fork)
{
    struct process *self = self_of(r);
    if (!self)
        return E_INVAL;
    int64_t pid = fork_process(self, req->pc, req->sp);
    if (pid < 0)
        return resource_error((err_t)pid);
    rep->pid = (uint64_t)pid;
    return E_OK;
}

/* The caller's class from its badge; r->client = its process. A process
 * that has ended is in no class. */
static uint32_t classify(struct srv_req *r)
{
    uint64_t badge = r->badge;
    if (badge == 0)
        return PROC_CALLER_ROOT;
    if (badge == PROC_BADGE_CONSOLE)
        return PROC_CALLER_CONSOLE;
    if (badge >= PROC_BADGE_EXC_BASE)
        return PROC_CALLER_KERNEL;
    struct process *self = badge <= PROC_PID_MAX ? find(badge) : NULL;
    if (!self || self->state != PROC_STATE_RUNNING)
        return 0;
    r->client = self;
    return PROC_CALLER_PROCESS;
}

static const struct srv_op ops[] = {
    PROC_OPS(SRV_ENTRY)
    SRV_KERNEL_ENTRY(IPC_LABEL_FAULT_EXC, proc_exception, ipc_fault_exc_msg, PROC_CALLER_KERNEL)
    SRV_KERNEL_ENTRY(IPC_LABEL_NOTIFY, proc_deaths, ipc_notify_msg, PROC_CALLER_ROOT)};
static struct srv proc_srv = {.name = "proc", .ops = ops, .nops = SRV_NOPS(ops),
                              .classify = classify};

int main(uintptr_t arg)
{
    proc_clock_arg = arg;
    for (int d = 0; d < 2; d++) {
        struct cap_info ci;
        has_disk[d] = sys_cap_info(PROC_SLOT_FS_MINT + d, &ci) == 0 && ci.type == CAP_ENDPOINT;
    }
    struct cap_info cons;
    has_console = sys_cap_info(PROC_SLOT_CONSOLE, &cons) == 0 && cons.type == CAP_ENDPOINT;
    has_pipe = sys_cap_info(PROC_SLOT_PIPE_MINT, &cons) == 0 && cons.type == CAP_ENDPOINT;
    has_names = sys_cap_info(PROC_SLOT_NAMES_MINT, &cons) == 0 && cons.type == CAP_ENDPOINT;
    int64_t n = sys_notification_create();
    if (n < 0 || !has_disk[0]) {
        sys_puts("proc: cannot start: no system disk or no memory\n");
        return 1;
    }
    placeholder = (handle_t)n;
    sys_puts("proc: process server ready\n");
    srv_run(&proc_srv, PROC_SLOT_SERVICE);
}
