/*
 * Supervision of the boot servers: root is the exception handler of each
 * boot server's first thread (and hears of its raw SYS_EXIT), reports how
 * it ended, and restarts it or powers the machine off as the manifest
 * says (docs/boot.md, "When a boot server ends"). root's first thread
 * runs this loop; init is waited for on a thread of its own, which tells
 * the loop when init ends, so every power-off comes from the first thread
 * (the kernel powers off only when that thread exits).
 *
 * Every report root receives -- a boot server's end, init's, and a
 * program root runs itself (run.c) -- is an entry of one table here
 * (ROOT_OPS, include/proto/root.h, on libsys's server framework);
 * root_wait_report serves an endpoint until one of them settles a status.
 */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/server.h>
#include <sys/spawn.h>

#include <mica/ipc.h>
#include <proto/root.h>

#include "root.h"

ROOT_OPS(RPC_STUB)

static struct boot_server servers[ROOT_MAX_SERVERS];
static handle_t supervise_ep; /* root receives its servers' exceptions here */

struct boot_server *supervise_watch(const char *name, const struct spawned *s)
{
    if (!root.supervising)
        return NULL;
    if (!supervise_ep) {
        int64_t ep = sys_endpoint_create();
        if (ep < 0)
            return NULL;
        supervise_ep = (handle_t)ep;
    }
    for (unsigned i = 0; i < ROOT_MAX_SERVERS; i++) {
        struct boot_server *b = &servers[i];
        if (b->task)
            continue;
        int64_t exc = sys_cap_copy(supervise_ep, RIGHT_WRITE, ROOT_BADGE_SERVER_BASE + i);
        int64_t r = exc < 0 ? exc : sys_thread_set_handlers(s->thread, 0, (handle_t)exc);
        if (exc > 0)
            (void)sys_cap_delete((handle_t)exc); /* the kernel keeps its own reference */
        if (r < 0) {
            sys_printf("root: %s will run unsupervised: %s\n", name, err_name((err_t)r));
            return NULL;
        }
        *b = (struct boot_server){.task = s->task, .thread = s->thread,
                                  .on_crash = ROOT_ON_CRASH_POWEROFF};
        size_t n = strlen(name);
        n = n < sizeof b->name - 1 ? n : sizeof b->name - 1;
        memcpy(b->name, name, n);
        b->name[n] = '\0';
        return b;
    }
    sys_printf("root: %s will run unsupervised: more than %d boot servers\n", name,
               ROOT_MAX_SERVERS);
    return NULL;
}

/* The init thread: runs init, waits for it, tells the supervision loop. */
static void init_thread(uint64_t arg)
{
    struct root_status_req req = {.status = (uint64_t)run_init((const char *)(uintptr_t)arg)};
    for (;;) /* answered never: the power goes */
        (void)root_init_ended_call(root.init_report, &req, NULL, NULL);
}

/* Its capabilities go: the kernel takes the task down (root held the only
 * capabilities to it from outside). */
static void take_down(struct boot_server *b)
{
    (void)sys_cap_delete(b->thread);
    (void)sys_cap_delete(b->task);
    b->task = b->thread = 0;
}

/* Returns true when the machine must power off. */
static bool server_ended(struct boot_server *b, const struct ipc_fault_exc_msg *m)
{
    uint64_t kind = m->kind, pc = m->pc, value = m->value;
    if (kind == EXC_EXIT)
        sys_printf("root: boot server %s exited with status %lu (pc 0x%lx)\n", b->name,
                   value & 0xff, pc);
    else
        sys_printf("root: boot server %s died: %s at pc 0x%lx, value 0x%lx\n", b->name,
                   exc_name(kind), pc, value);
    struct boot_server old = *b;
    take_down(b);
    if (old.on_crash != ROOT_ON_CRASH_RESTART)
        return true;
    if (old.restarts >= ROOT_RESTARTS_MAX) {
        sys_printf("root: boot server %s: %d restarts already; it stays down\n", old.name,
                   ROOT_RESTARTS_MAX);
        restart_give_up(&old);
        return false;
    }
    struct boot_server *fresh = NULL;
    int64_t r = restart_boot_server(&old, &fresh);
    if (r < 0 || !fresh) {
        sys_printf("root: boot server %s: cannot restart: %s; it stays down\n", old.name,
                   err_name((err_t)(r < 0 ? r : E_NOSPACE)));
        if (fresh)
            take_down(fresh); /* made but could not start: its task and thread go */
        restart_give_up(&old);
        return false;
    }
    fresh->restarts = old.restarts + 1;
    sys_printf("root: boot server %s restarted (%u of %d)\n", fresh->name, fresh->restarts,
               ROOT_RESTARTS_MAX);
    return false;
}

/* What the reports received so far settled. */
static struct {
    bool done;        /* a status to return */
    int status;
    bool disks_whole; /* no disk server ended: a sync can be answered */
} outcome;

ROOT_OPS(SRV_DECLARE)
SRV_DECLARE_KERNEL(root_server_exc, ipc_fault_exc_msg)

/* A program root runs itself exited (run.c): answered, it ends. */
SRV_HANDLER(root_exit)
{
    outcome.done = true;
    outcome.status = (int)(req->status & 0xff);
    return E_OK;
}

/* mm killed that program (root's watcher thread tells). */
SRV_HANDLER(root_killed)
{
    outcome.done = true;
    outcome.status = 128 + 9;
    return E_OK;
}

/* Init ended: the machine powers off (the init thread is never answered). */
SRV_HANDLER(root_init_ended)
{
    outcome.done = true;
    outcome.status = (int)req->status;
    return SRV_DEFER;
}

/* A supervised boot server's first thread ended. It gets no answer: the
 * thread stays stopped in its fault until its task goes. */
SRV_HANDLER(root_server_exc)
{
    uint64_t i = r->badge - ROOT_BADGE_SERVER_BASE;
    if (i >= ROOT_MAX_SERVERS || !servers[i].task)
        return SRV_DEFER; /* nothing we know */
    bool disk = servers[i].in_disk_chain;
    if (server_ended(&servers[i], req)) {
        outcome.done = true;
        outcome.disks_whole = !disk;
        outcome.status = ROOT_STATUS_SERVER_ENDED;
    }
    return SRV_DEFER;
}

static uint32_t classify(struct srv_req *r)
{
    if (r->badge == ROOT_BADGE_SELF || r->badge == ROOT_BADGE_INIT)
        return ROOT_CALLER_SELF;
    if (r->badge == ROOT_BADGE_PROGRAM)
        return ROOT_CALLER_PROGRAM;
    return r->badge >= ROOT_BADGE_SERVER_BASE ? ROOT_CALLER_KERNEL : 0;
}

static const struct srv_op ops[] = {
    ROOT_OPS(SRV_ENTRY)
    SRV_KERNEL_ENTRY(IPC_LABEL_FAULT_EXC, root_server_exc, ipc_fault_exc_msg, ROOT_CALLER_KERNEL)};
static struct srv root_srv = {.name = "root", .ops = ops, .nops = SRV_NOPS(ops),
                              .classify = classify};

int root_wait_report(handle_t ep)
{
    struct ipc_msg m;
    outcome.done = false;
    outcome.disks_whole = true;
    srv_prepare_recv(&root_srv);
    int64_t badge = ipc_recv(ep, &m);
    for (;;) {
        bool answer = srv_dispatch(&root_srv, badge, &m);
        if (outcome.done) {
            if (answer)
                (void)ipc_reply(&m);
            srv_after_reply(&root_srv);
            return outcome.status;
        }
        srv_prepare_recv(&root_srv);
        badge = answer ? ipc_reply_recv(ep, &m) : ipc_recv(ep, &m);
        srv_after_reply(&root_srv);
    }
}

int supervise_run(const char *init_args)
{
    int64_t report =
        supervise_ep ? sys_cap_copy(supervise_ep, RIGHT_WRITE, ROOT_BADGE_INIT) : E_NOENT;
    if (report < 0) {
        /* Nothing supervised (or no memory for it): wait for init here. */
        int status = run_init(init_args);
        shutdown_servers();
        return status;
    }
    root.init_report = (handle_t)report;
    int64_t th = thread_spawn(&root.mem, init_thread, (uint64_t)(uintptr_t)init_args, 55);
    if (th < 0) {
        sys_printf("root: cannot start the init thread: %s\n", err_name((err_t)th));
        return 1;
    }
    int status = root_wait_report(supervise_ep);
    /* A dead blk or fat32 would never answer a sync: skip it then. */
    if (outcome.disks_whole)
        shutdown_servers();
    else
        sys_puts("root: a disk server ended: no sync before power-off\n");
    return status;
}

struct boot_server *supervise_find(handle_t task)
{
    for (unsigned i = 0; task && i < ROOT_MAX_SERVERS; i++)
        if (servers[i].task == task)
            return &servers[i];
    return NULL;
}
