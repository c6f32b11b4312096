/*
 * Starting the boot servers: mm with all RAM but root's share, and blk for
 * the first virtio block device (found by probing the virtio-mmio slots
 * the kernel gave root). Each server gets the capabilities it needs and no
 * more, at the slots its protocol header names.
 */
#include <sys/ipc.h>
#include <sys/fs.h>
#include <sys/mica.h>
#include <sys/names.h>
#include <sys/spawn.h>

#include <proto/blk.h>
#include <proto/fs.h>
#include <proto/mm.h>

#include <proto/console.h>
#include <proto/names.h>
#include <proto/pipe.h>
#include <proto/proc.h>

#include "root.h"

#define PAGE 4096ul
#define PROBE_VA 0x3e00000000ul

struct root_state root;

int64_t root_take_frame(uint64_t len)
{
    /* The reserve keeps [0, len) under its handle; the rest moves on. */
    int64_t rest = sys_frame_split(root.reserve, len);
    if (rest < 0)
        return rest;
    handle_t taken = root.reserve;
    root.reserve = (handle_t)rest;
    return taken;
}

/* Kernel memory a boot server gets out of root's budget: mm pays for every
 * process's space out of its own, so it gets most of what root has, less
 * what the servers after it need. */
#define SERVER_KMEM_BUDGET (512ull << 10)
#define SERVERS_KMEM_RESERVE (8ull << 20)

static uint64_t server_budget(const char *name)
{
    struct kmem_info ki;
    if (strcmp(name, "mm") != 0 || sys_kmem_info(0, &ki) < 0)
        return SERVER_KMEM_BUDGET;
    uint64_t left = ki.budget - ki.used;
    return left > 2 * SERVERS_KMEM_RESERVE ? left - SERVERS_KMEM_RESERVE : left / 2;
}

static int64_t spawn_server(const struct bootinfo *info, const char *name, unsigned prio,
                            uint32_t slots, struct spawned *s)
{
    const void *elf;
    uint64_t len;
    int64_t r = bootimg_lookup(info, name, &elf, &len);
    if (r < 0)
        return r;
    r = spawn_elf_slots(&root.mem, elf, len, prio, slots, server_budget(name), s);
    if (r < 0)
        return r;
    (void)supervise_watch(name, s); /* root hears of its end */
    return sys_cap_grant(s->task, s->task, RIGHTS_ALL, 0, 1); /* slot 1: its own task */
}

static int64_t start_mm(const struct bootinfo *info, handle_t mm_ram)
{
    struct spawned s;
    int64_t r = spawn_server(info, "mm", MM_PRIO, MM_TABLE_SLOTS, &s);
    int64_t service = r < 0 ? r : sys_endpoint_create();
    int64_t ntfn = service < 0 ? service : sys_notification_create();
    if (ntfn < 0)
        return ntfn;
    if ((r = sys_thread_bind_notification(s.thread, (handle_t)ntfn)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)service, RIGHTS_ALL, 0, MM_SLOT_SERVICE)) < 0 ||
        (r = sys_cap_grant(s.task, mm_ram, RIGHTS_ALL, 0, MM_SLOT_RAM)) < 0 ||
        (r = spawn_start(&s, 0)) < 0)
        return r;
    root.mm_control = (handle_t)service;
    root.mm_task = s.task;
    root.mm_ntfn = (handle_t)ntfn;
    return 0;
}

/* The n-th virtio-mmio slot holding a block device (0 = the system disk:
 * QEMU fills slots from the top, the kernel lists them from the top), or
 * NULL. */
static const struct bootinfo_cap *find_block_device(const struct bootinfo *info, int n)
{
    for (uint32_t i = 0; i < info->ncaps; i++) {
        const struct bootinfo_cap *c = &info->caps[i];
        if (c->kind != BI_CAP_DEVICE || strcmp(c->name, "virtio-mmio") != 0)
            continue;
        if (sys_map(ROOT_HANDLE_TASK, PROBE_VA, c->handle, 0, MAP_R) < 0)
            continue;
        volatile uint32_t *regs = (volatile uint32_t *)(uintptr_t)(PROBE_VA + (c->pa % PAGE));
        bool block = regs[0] == 0x74726976u && regs[2] == 2; /* magic, device id 2 */
        (void)sys_unmap(ROOT_HANDLE_TASK, PROBE_VA);
        if (block && n-- == 0)
            return c;
    }
    return NULL;
}

static int64_t start_blk(const struct bootinfo *info, const struct bootinfo_cap *dev, int disk)
{
    struct spawned s;
    int64_t r = spawn_server(info, "blk", BLK_PRIO, 0, &s);
    if (r < 0)
        return r;
    int64_t ram = root_take_frame(BLK_RAM_LEN);
    int64_t irq = ram < 0 ? ram : sys_irq_get(ROOT_HANDLE_IRQ_CONTROL, dev->irq);
    int64_t ntfn = irq < 0 ? irq : sys_notification_create();
    int64_t service = ntfn < 0 ? ntfn : sys_endpoint_create();
    if (service < 0)
        return service;
    if ((r = sys_cap_grant(s.task, (handle_t)service, RIGHTS_ALL, 0, BLK_SLOT_SERVICE)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)ram, RIGHTS_ALL, 0, BLK_SLOT_RAM)) < 0 ||
        (r = sys_cap_grant(s.task, dev->handle, RIGHT_READ | RIGHT_WRITE, 0, BLK_SLOT_MMIO)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)irq, RIGHTS_ALL, 0, BLK_SLOT_IRQ)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)ntfn, RIGHTS_ALL, 0, BLK_SLOT_NTFN)) < 0 ||
        (r = sys_cap_grant(s.task, s.thread, RIGHTS_ALL, 0, BLK_SLOT_THREAD)) < 0 ||
        (r = spawn_start(&s, 0)) < 0)
        return r;
    struct boot_server *b = supervise_find(s.task);
    if (b)
        b->in_disk_chain = true;
    root.blk[disk] = (handle_t)service;
    root.blk_device[disk] = dev->handle;
    return 0;
}

/* The file server of `disk` and mm reach each other: it signals mm's
 * notification (bit `disk`), mm calls it with badge FS_MM_BADGE. */
static int64_t grant_mm_link(handle_t fs_task, handle_t service, int disk)
{
    if (disk >= MM_MAX_FS)
        return E_RANGE;
    int64_t r = sys_cap_grant(fs_task, root.mm_ntfn, RIGHT_WRITE, 1ull << disk,
                              FS_SLOT_MM_NTFN);
    if (r >= 0)
        r = sys_cap_grant(root.mm_task, service, RIGHT_WRITE | RIGHT_GRANT, FS_MM_BADGE,
                          MM_SLOT_FS(disk));
    return r;
}

static int64_t start_fs(const struct bootinfo *info, int disk)
{
    struct spawned s;
    int64_t r = spawn_server(info, "fat32", FS_PRIO, 0, &s);
    if (r < 0)
        return r;
    int64_t dma = root_take_frame(FS_DMA_LEN);
    int64_t cache = dma < 0 ? dma : root_take_frame(FS_CACHE_LEN);
    int64_t blk = cache < 0 ? cache : sys_cap_copy(root.blk[disk], RIGHT_WRITE | RIGHT_GRANT,
                                               ++root.next_badge);
    int64_t service = blk < 0 ? blk : sys_endpoint_create();
    if (service < 0)
        return service;
    if ((r = sys_cap_grant(s.task, (handle_t)service, RIGHTS_ALL, 0, FS_SLOT_SERVICE)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)blk, RIGHTS_ALL, 0, FS_SLOT_BLK)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)dma, RIGHTS_ALL, 0, FS_SLOT_DMA)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)cache, RIGHTS_ALL, 0, FS_SLOT_CACHE)) < 0 ||
        (r = grant_mm_link(s.task, (handle_t)service, disk)) < 0 ||
        (r = spawn_start(&s, clock_start_arg())) < 0)
        return r;
    struct boot_server *b = supervise_find(s.task);
    if (b)
        b->in_disk_chain = true;
    root.fs[disk] = (handle_t)service;
    return 0;
}

int64_t start_memory(const struct bootinfo *info)
{
    clock_init(info);
    const struct bootinfo_cap *ram = NULL;
    for (uint32_t i = 0; i < info->ncaps; i++) {
        const struct bootinfo_cap *c = &info->caps[i];
        if (c->kind == BI_CAP_RAM && (!ram || c->len > ram->len))
            ram = c;
    }
    if (!ram || ram->len <= 2 * ROOT_OWN_RAM) {
        sys_puts("root: not enough RAM to start the servers\n");
        return E_NOMEM;
    }
    /* [0, ROOT_TASK_RAM) root's allocator; [.., ROOT_OWN_RAM) frames for
     * servers; the rest mm's. */
    int64_t mm_ram = sys_frame_split(ram->handle, ROOT_OWN_RAM);
    int64_t reserve = mm_ram < 0 ? mm_ram : sys_frame_split(ram->handle, ROOT_TASK_RAM);
    int64_t r = reserve < 0 ? reserve : rootmem_init_cap(&root.mem, ram->handle, ram->pa, ROOT_TASK_RAM);
    if (r < 0) {
        sys_printf("root: cannot divide RAM: %s\n", err_name((err_t)r));
        return r;
    }
    root.reserve = (handle_t)reserve;
    if ((r = start_mm(info, (handle_t)mm_ram)) < 0) {
        sys_printf("root: cannot start mm: %s\n", err_name((err_t)r));
        return r;
    }
    return 0;
}

int64_t start_disks(const struct bootinfo *info)
{
    int64_t r;
    if (!root.mm_control)
        return E_NOENT; /* the file servers link to mm */
    /* One blk and one fat32 per disk. Without a disk driver or file server
     * the system still runs programs: report and go on. */
    for (int disk = 0; disk < ROOT_MAX_DISKS; disk++) {
        const struct bootinfo_cap *dev = find_block_device(info, disk);
        if (!dev)
            break;
        if ((r = start_blk(info, dev, disk)) < 0) {
            sys_printf("root: cannot start blk for disk %d: %s; going on without it\n", disk,
                       err_name((err_t)r));
            continue;
        }
        if ((r = start_fs(info, disk)) < 0)
            sys_printf("root: cannot start fat32 for disk %d: %s; going on without it\n",
                       disk, err_name((err_t)r));
    }
    return 0;
}

int64_t boot_servers(const struct bootinfo *info)
{
    int64_t r = start_memory(info);
    return r < 0 ? r : start_disks(info);
}

/* A server that needs only the endpoint it serves (at `slot`): its
 * unbadged capability goes to *service, for proc to mint badges from. */
static int64_t start_plain_server(const struct bootinfo *info, const char *name, unsigned prio,
                                  handle_t slot, handle_t *service)
{
    struct spawned s;
    int64_t r = spawn_server(info, name, prio, 0, &s);
    int64_t ep = r < 0 ? r : sys_endpoint_create();
    if (ep < 0)
        return ep;
    if ((r = sys_cap_grant(s.task, (handle_t)ep, RIGHTS_ALL, 0, slot)) < 0 ||
        (r = spawn_start(&s, 0)) < 0)
        return r;
    *service = (handle_t)ep;
    return 0;
}

/* The n-th boot-info device called name, unless a driver of root's has it. */
static const struct bootinfo_cap *find_device(const struct bootinfo *info, const char *name,
                                              int n, err_t *why)
{
    *why = E_NOENT;
    for (uint32_t i = 0; i < info->ncaps; i++) {
        const struct bootinfo_cap *c = &info->caps[i];
        if (c->kind != BI_CAP_DEVICE || strcmp(c->name, name) != 0 || n-- != 0)
            continue;
        for (int d = 0; d < ROOT_MAX_DISKS; d++)
            if (root.blk_device[d] == c->handle) {
                *why = E_BUSY;
                return NULL;
            }
        return c;
    }
    return NULL;
}

/* Grants a server of one's own what it finds (include/mica/bootsrv.h)
 * but a device: at its first start and at each restart. */
static int64_t grant_own_server(const struct spawned *s, handle_t ep, handle_t names,
                                handle_t ram)
{
    int64_t r = sys_cap_grant(s->task, ep, RIGHTS_ALL, 0, BOOT_SRV_SLOT_SERVICE);
    if (r >= 0)
        r = sys_cap_grant(s->task, names, RIGHTS_ALL, 0, BOOT_SRV_SLOT_NAMES);
    if (r >= 0 && ram)
        r = sys_cap_grant(s->task, ram, RIGHTS_ALL, 0, BOOT_SRV_SLOT_RAM);
    return r;
}

int64_t restart_boot_server(const struct boot_server *old, struct boot_server **fresh)
{
    struct spawned s;
    int64_t r = spawn_server(root.info, old->name, old->prio, 0, &s);
    if (r < 0)
        return r;
    struct boot_server *b = supervise_find(s.task);
    if (!b || (r = grant_own_server(&s, old->ep, old->names, old->ram)) < 0) {
        if (b)
            b->task = b->thread = 0;
        (void)sys_cap_delete(s.thread);
        (void)sys_cap_delete(s.task);
        return b ? r : E_NOSPACE;
    }
    b->on_crash = old->on_crash;
    b->prio = old->prio;
    b->ep = old->ep;
    b->names = old->names;
    b->ram = old->ram;
    *fresh = b;
    return spawn_start(&s, clock_start_arg());
}

void restart_give_up(const struct boot_server *old)
{
    (void)sys_cap_revoke(old->ep); /* names' copy and every client's */
}

int64_t start_boot_server(const struct bootinfo *info, const char *name, unsigned prio,
                          uint64_t ram_len, const char *service_name, const char *device,
                          enum root_on_crash on_crash)
{
    if (device && on_crash == ROOT_ON_CRASH_RESTART)
        return E_INVAL; /* its interrupt is bound to the dead server's notification */
    const struct bootinfo_cap *dev = NULL;
    if (device) {
        char dev_name[16];
        size_t k = 0;
        while (device[k] && device[k] != ':' && k + 1 < sizeof dev_name) {
            dev_name[k] = device[k];
            k++;
        }
        dev_name[k] = '\0';
        int index = 0;
        if (device[k] == ':')
            for (const char *c = device + k + 1; *c >= '0' && *c <= '9'; c++)
                index = index * 10 + (*c - '0');
        err_t why;
        if (!(dev = find_device(info, dev_name, index, &why)))
            return why;
    }
    if (!root.names)
        return E_NOENT; /* its clients find it by name */
    struct spawned s;
    int64_t r = spawn_server(info, name, prio, 0, &s);
    int64_t ep = r < 0 ? r : sys_endpoint_create();
    int64_t names = ep < 0 ? ep : sys_cap_copy(root.names, RIGHT_WRITE | RIGHT_GRANT,
                                               ++root.next_badge);
    if (names < 0)
        return names;
    int64_t ram = ram_len ? root_take_frame(ram_len) : 0;
    if (ram < 0)
        return ram;
    if ((r = grant_own_server(&s, (handle_t)ep, (handle_t)names, (handle_t)ram)) < 0)
        return r;
    struct boot_server *b = supervise_find(s.task);
    if (b) {
        b->on_crash = on_crash;
        b->prio = prio;
        b->ep = (handle_t)ep;
        b->names = (handle_t)names;
        b->ram = (handle_t)ram;
    }
    if (dev) {
        if ((r = sys_cap_grant(s.task, dev->handle, RIGHT_READ | RIGHT_WRITE, 0,
                               BOOT_SRV_SLOT_DEVICE)) < 0 ||
            (r = sys_cap_grant(s.task, s.thread, RIGHTS_ALL, 0, BOOT_SRV_SLOT_THREAD)) < 0)
            return r;
        if (dev->irq) {
            int64_t irq = sys_irq_get(ROOT_HANDLE_IRQ_CONTROL, dev->irq);
            int64_t ntfn = irq < 0 ? irq : sys_notification_create();
            if (ntfn < 0 ||
                (r = sys_cap_grant(s.task, (handle_t)irq, RIGHTS_ALL, 0, BOOT_SRV_SLOT_IRQ)) < 0 ||
                (r = sys_cap_grant(s.task, (handle_t)ntfn, RIGHTS_ALL, 0, BOOT_SRV_SLOT_NTFN)) < 0)
                return ntfn < 0 ? ntfn : r;
        }
    }
    /* Registered before it runs: its clients may look it up at once. The
     * name is root's (a boot server's name lives as long as the system) and
     * reserved, so no program can take it if the server ends. */
    if ((r = names_reserve(root.names, service_name)) < 0 ||
        (r = names_register(root.names, service_name, (handle_t)ep)) < 0)
        return r;
    return spawn_start(&s, clock_start_arg());
}

int64_t start_names(const struct bootinfo *info)
{
    return start_plain_server(info, "names", NAMES_PRIO, NAMES_SLOT_SERVICE, &root.names);
}

int64_t start_pipe(const struct bootinfo *info)
{
    return start_plain_server(info, "pipe", PIPE_PRIO, PIPE_SLOT_SERVICE, &root.pipe);
}

/* console: the UART, its interrupt, and proc (for ^C). Its endpoint is
 * made before proc starts (proc hands it to programs); console itself
 * starts after proc. */
int64_t start_console(const struct bootinfo *info)
{
    const struct bootinfo_cap *uart = NULL;
    for (uint32_t i = 0; i < info->ncaps; i++)
        if (info->caps[i].kind == BI_CAP_DEVICE && strcmp(info->caps[i].name, "uart") == 0)
            uart = &info->caps[i];
    if (!uart || !uart->irq || !root.console)
        return E_NOENT;
    struct spawned s;
    int64_t r = spawn_server(info, "console", CONSOLE_PRIO, 0, &s);
    int64_t irq = r < 0 ? r : sys_irq_get(ROOT_HANDLE_IRQ_CONTROL, uart->irq);
    int64_t ntfn = irq < 0 ? irq : sys_notification_create();
    if (ntfn < 0)
        return ntfn;
    if ((r = sys_cap_grant(s.task, root.console, RIGHTS_ALL, 0, CONS_SLOT_SERVICE)) < 0 ||
        (r = sys_cap_grant(s.task, uart->handle, RIGHT_READ | RIGHT_WRITE, 0, CONS_SLOT_MMIO)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)irq, RIGHTS_ALL, 0, CONS_SLOT_IRQ)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)ntfn, RIGHTS_ALL, 0, CONS_SLOT_NTFN)) < 0 ||
        (r = sys_cap_grant(s.task, s.thread, RIGHTS_ALL, 0, CONS_SLOT_THREAD)) < 0)
        return r;
    /* The console's badge lets it signal (^C) any process but root's own
     * children, and ask proc nothing else. */
    if (root.proc && (r = sys_cap_grant(s.task, root.proc, RIGHT_WRITE | RIGHT_GRANT,
                                        PROC_BADGE_CONSOLE, CONS_SLOT_PROC)) < 0)
        return r;
    return spawn_start(&s, 0);
}

/* proc: the process server, with mm's control endpoint, its own file
 * server endpoints and the unbadged ones it mints per-process badges from. */
int64_t start_proc(const struct bootinfo *info)
{
    if (!root.fs[0])
        return E_NOENT; /* programs come from the disk */
    struct spawned s;
    int64_t r = spawn_server(info, "proc", PROC_SERVER_PRIO, PROC_TABLE_SLOTS, &s);
    int64_t service = r < 0 ? r : sys_endpoint_create();
    int64_t deaths = service < 0 ? service : sys_notification_create();
    int64_t mm = deaths < 0 ? deaths : sys_cap_copy(root.mm_control, RIGHT_WRITE | RIGHT_GRANT, 0);
    if (mm < 0)
        return mm;
    if ((r = sys_thread_bind_notification(s.thread, (handle_t)deaths)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)service, RIGHTS_ALL, 0, PROC_SLOT_SERVICE)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)mm, RIGHTS_ALL, 0, PROC_SLOT_MM)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)deaths, RIGHTS_ALL, 0, PROC_SLOT_DEATHS)) < 0)
        return r;
    const handle_t own[ROOT_MAX_DISKS] = {FS_CLIENT_SLOT, FS_MNT_SLOT};
    for (int d = 0; d < ROOT_MAX_DISKS; d++) {
        if (!root.fs[d])
            continue;
        if ((r = sys_cap_grant(s.task, root.fs[d], RIGHT_WRITE | RIGHT_GRANT, ++root.next_badge,
                               own[d])) < 0 ||
            (r = sys_cap_grant(s.task, root.fs[d], RIGHT_WRITE | RIGHT_GRANT, 0,
                               PROC_SLOT_FS_MINT + d)) < 0 ||
            (r = sys_cap_grant(s.task, root.fs[d], RIGHT_WRITE | RIGHT_GRANT, FS_PROC_BADGE,
                               PROC_SLOT_FS_CTL + d)) < 0)
            return r;
    }
    /* Unbadged: proc mints each program's console endpoint with the badge
     * PROC_FS_BADGE_BASE + pid, so the console tells its clients apart. */
    if (root.console && (r = sys_cap_grant(s.task, root.console, RIGHT_WRITE | RIGHT_GRANT, 0,
                                           PROC_SLOT_CONSOLE)) < 0)
        return r;
    if (root.names &&
        ((r = sys_cap_grant(s.task, root.names, RIGHT_WRITE | RIGHT_GRANT, 0,
                            PROC_SLOT_NAMES_MINT)) < 0 ||
         (r = sys_cap_grant(s.task, root.names, RIGHT_WRITE | RIGHT_GRANT, NAMES_PROC_BADGE,
                            PROC_SLOT_NAMES_CTL)) < 0))
        return r;
    if (root.pipe &&
        ((r = sys_cap_grant(s.task, root.pipe, RIGHT_WRITE | RIGHT_GRANT, 0,
                            PROC_SLOT_PIPE_MINT)) < 0 ||
         (r = sys_cap_grant(s.task, root.pipe, RIGHT_WRITE | RIGHT_GRANT, PIPE_PROC_BADGE,
                            PROC_SLOT_PIPE_CTL)) < 0))
        return r;
    if ((r = spawn_start(&s, clock_start_arg())) < 0)
        return r;
    root.proc = (handle_t)service;
    return 0;
}

void shutdown_servers(void)
{
    /* Before the power goes: every file server writes its dirty cached
     * pages and FSInfo back and flushes its disk. */
    for (int disk = 0; disk < ROOT_MAX_DISKS; disk++) {
        if (!root.fs[disk])
            continue;
        int64_t r = fs_sync(root.fs[disk]);
        if (r < 0)
            sys_printf("root: disk %d: sync before power-off failed: %s\n", disk,
                       err_name((err_t)r));
    }
}
