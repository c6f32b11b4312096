/*
 * Supervision of the boot servers: root is the exception handler of each
 * boot server's first thread (and hears of its raw SYS_EXIT), reports how
 * it ended, and restarts it or powers the machine off as the manifest
 * says (docs/boot.md, "When a boot server ends"). root's first thread
 * runs this loop; init is waited for on a thread of its own, which tells
 * the loop when init ends, so every power-off comes from the first thread
 * (the kernel powers off only when that thread exits).
 */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/spawn.h>

#include <mica/ipc.h>

#include "root.h"

#define ROOT_MSG_INIT_ENDED 1 /* from the init thread: w0 = the status to power off with */
#define BADGE_INIT 1ull
#define BADGE_SERVER_BASE 0x100ull /* + the server's record index */

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
        int64_t exc = sys_cap_copy(supervise_ep, RIGHT_WRITE, BADGE_SERVER_BASE + i);
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
    int status = run_init((const char *)(uintptr_t)arg);
    struct ipc_msg m = {.tag = IPC_TAG(ROOT_MSG_INIT_ENDED, 0, 0), .w = {(uint64_t)status}};
    for (;;)
        (void)ipc_call(root.init_report, &m); /* answered never: the power goes */
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
static bool server_ended(struct boot_server *b, const struct ipc_msg *m)
{
    uint64_t kind = m->w[EXC_W_KIND], pc = m->w[EXC_W_PC], value = m->w[EXC_W_VALUE];
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

int supervise_run(const char *init_args)
{
    int64_t report = supervise_ep ? sys_cap_copy(supervise_ep, RIGHT_WRITE, BADGE_INIT) : E_NOENT;
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
    int status = 1;
    bool disks_whole = true;
    struct ipc_msg m;
    for (;;) {
        int64_t badge = ipc_recv(supervise_ep, &m);
        if (badge == (int64_t)BADGE_INIT && IPC_TAG_LABEL(m.tag) == ROOT_MSG_INIT_ENDED) {
            status = (int)m.w[0];
            break;
        }
        uint64_t i = (uint64_t)badge - BADGE_SERVER_BASE;
        if (badge < (int64_t)BADGE_SERVER_BASE || i >= ROOT_MAX_SERVERS || !servers[i].task ||
            IPC_TAG_LABEL(m.tag) != IPC_LABEL_FAULT_EXC)
            continue; /* nothing we know: no answer */
        /* The thread stays stopped in its fault until the task goes. */
        bool disk = servers[i].in_disk_chain;
        if (server_ended(&servers[i], &m)) {
            disks_whole = !disk;
            status = ROOT_STATUS_SERVER_ENDED;
            break;
        }
    }
    /* A dead blk or fat32 would never answer a sync: skip it then. */
    if (disks_whole)
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
