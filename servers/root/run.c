/*
 * Running the boot-image test programs of root's test modes (testmodes.c):
 * in a space mm serves (run_program, root.run=), or as a native task with
 * its own frames (run_blktest, root.test=blk|blkfuzz: clients of blk,
 * which need physical memory for DMA). Either way root waits on one endpoint for the
 * program's exit report or, through a watcher thread, for mm's report that
 * it was killed.
 */
#include <sys/ipc.h>
#include <sys/loader.h>
#include <sys/mica.h>
#include <sys/mm.h>
#include <sys/rpc.h>
#include <sys/spawn.h>

#include <proto/fs.h>
#include <proto/root.h>

#include "root.h"

ROOT_OPS(RPC_STUB)

static handle_t report_ep, death_ntfn;

/* Waits for mm's "killed" notification and turns it into a message to
 * root's main thread, which waits on one endpoint for both outcomes. */
static void death_watcher(uint64_t arg)
{
    (void)arg;
    (void)ntfn_wait(death_ntfn);
    (void)root_killed_call(report_ep, NULL, NULL, NULL); /* badge ROOT_BADGE_SELF */
}

/* The program's exit report or the watcher's (proto/root.h). */
static int wait_report(void)
{
    return root_wait_report(report_ep);
}

static int64_t setup_reporting(void)
{
    report_ep = (handle_t)sys_endpoint_create();
    death_ntfn = (handle_t)sys_notification_create();
    int64_t r = thread_spawn(&root.mem, death_watcher, 0, 55);
    if (r < 0)
        return r;
    return sys_cap_copy(report_ep, RIGHT_WRITE | RIGHT_GRANT, ROOT_BADGE_PROGRAM);
}

/* A program gets a file-server endpoint of its own for each disk: the
 * system disk at FS_CLIENT_SLOT (/), the user's at FS_MNT_SLOT (/mnt). */
static int64_t grant_fs(handle_t task)
{
    const handle_t slots[ROOT_MAX_DISKS] = {FS_CLIENT_SLOT, FS_MNT_SLOT};
    for (int disk = 0; disk < ROOT_MAX_DISKS; disk++) {
        if (!root.fs[disk]) {
            /* A placeholder keeps the slot taken: the program's own
             * capabilities never land where fs_resolve looks. */
            if (!root.placeholder)
                root.placeholder = (handle_t)sys_notification_create();
            int64_t r = sys_cap_grant(task, root.placeholder, RIGHT_READ, 0, slots[disk]);
            if (r < 0)
                return r;
            continue;
        }
        int64_t client =
            sys_cap_copy(root.fs[disk], RIGHT_WRITE | RIGHT_GRANT, ++root.next_badge);
        int64_t r = client < 0 ? client
                               : sys_cap_grant(task, (handle_t)client, RIGHTS_ALL, 0, slots[disk]);
        if (r < 0)
            return r;
    }
    return 0;
}

int run_program(const struct bootinfo *info, const char *name)
{
    int64_t report = setup_reporting();
    if (report < 0)
        return 1;
    struct mm_space_caps sp;
    struct loader_src src = {0};
    int64_t r = bootimg_lookup(info, name, &src.image, &src.image_len);
    if (r >= 0)
        r = loader_load(root.mm_control, &src, death_ntfn, 0, &sp);
    if (r < 0) {
        sys_printf("root: cannot load '%s' into a space of mm: %s\n", name, err_name((err_t)r));
        return 1;
    }
    int64_t th = sys_thread_create(sp.task, PROGRAM_PRIO);
    if (th < 0 || (r = sys_thread_set_handlers((handle_t)th, sp.pager, 0)) < 0 ||
        (r = sys_thread_set_ipc_buffer((handle_t)th, ROOT_IPC_BUFFER_VA)) < 0 ||
        (r = sys_cap_grant(sp.task, sp.client, RIGHTS_ALL, 0, MM_CLIENT_SLOT)) < 0 ||
        (r = sys_cap_grant(sp.task, (handle_t)report, RIGHTS_ALL, 0, ROOT_REPORT_SLOT)) < 0 ||
        (r = grant_fs(sp.task)) < 0 ||
        (r = sys_thread_start((handle_t)th, sp.entry, sp.sp, clock_start_arg())) < 0) {
        sys_printf("root: cannot start '%s': %s\n", name, err_name((err_t)(th < 0 ? th : r)));
        return 1;
    }
    sys_printf("root: started '%s' in space %lu\n", name, sp.id);
    int status = wait_report();
    (void)mm_space_destroy(root.mm_control, sp.id);
    struct mm_stats_reply st;
    if (mm_stats(root.mm_control, &st) == 0)
        sys_printf("root: '%s' ended with status %d; mm: %lu frames free, %lu in use, "
                   "%lu spaces\n",
                   name, status, st.free_frames, st.used_frames, st.spaces);
    return status;
}

/* blktest's (or blkfuzz's: `name`) table: 1 its task, 2 the exit report
 * endpoint, 3 a blk client endpoint (badge 1), 4 a 1 MiB buffer frame, 5
 * 1 MiB of RAM for itself, 6 mm's control endpoint (blkfuzz fuzzes mm's
 * control operations: only root and proc hold one). */
int run_blktest(const struct bootinfo *info, const char *name)
{
    if (!root.blk[0]) {
        sys_puts("root: no block device: attach a disk\n");
        return 1;
    }
    int64_t report = setup_reporting();
    const void *elf;
    uint64_t len;
    struct spawned s;
    int64_t r = report < 0 ? report : bootimg_lookup(info, name, &elf, &len);
    if (r >= 0)
        r = spawn_elf(&root.mem, elf, len, PROGRAM_PRIO, &s);
    int64_t client = r < 0 ? r : sys_cap_copy(root.blk[0], RIGHT_WRITE | RIGHT_GRANT, 1);
    int64_t buffer = client < 0 ? client : root_take_frame(1ul << 20);
    int64_t ram = buffer < 0 ? buffer : root_take_frame(1ul << 20);
    if (ram < 0 || (r = sys_cap_grant(s.task, s.task, RIGHTS_ALL, 0, 1)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)ram, RIGHTS_ALL, 0, 5)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)report, RIGHTS_ALL, 0, ROOT_REPORT_SLOT)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)client, RIGHTS_ALL, 0, 3)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)buffer, RIGHTS_ALL, 0, 4)) < 0 ||
        (r = sys_cap_grant(s.task, root.mm_control, RIGHT_WRITE | RIGHT_GRANT, 0, 6)) < 0 ||
        (r = spawn_start(&s, 0)) < 0) {
        sys_printf("root: cannot start %s: %s\n", name, err_name((err_t)(ram < 0 ? ram : r)));
        return 1;
    }
    return wait_report();
}
