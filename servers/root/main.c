/*
 * root: the first user task. For now it proves the boot path: it reads the
 * boot info the kernel mapped, reports it, and acts on its test options
 * from the kernel command line:
 *   root.exit=N         exit with status N (QEMU's exit status)
 *   root.test=illegal   execute an illegal instruction
 *   root.test=badptr    pass a kernel address to SYS_DEBUG_WRITE
 *   root.spin_ms=N      busy-wait N ms of `time` (timer ticks keep coming)
 *   root.run=PROG       start mm, run boot-image program PROG in a space mm
 *                       serves, and power off with its exit status
 * Later issues make it start every boot server from a manifest.
 */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/mm.h>
#include <sys/rootmem.h>
#include <sys/spawn.h>

#include <mica/bootimg.h>
#include <mica/bootinfo.h>
#include <mica/syscall.h>

/* Returns the value of "key=" in the command line, or NULL. */
static const char *cmdline_value(const char *cmdline, const char *key)
{
    size_t klen = strlen(key);
    const char *p = cmdline;
    while (*p) {
        while (*p == ' ')
            p++;
        if (strncmp(p, key, klen) == 0 && p[klen] == '=')
            return p + klen + 1;
        while (*p && *p != ' ')
            p++;
    }
    return NULL;
}

static bool word_is(const char *v, const char *word)
{
    size_t n = strlen(word);
    return v && strncmp(v, word, n) == 0 && (v[n] == '\0' || v[n] == ' ');
}

static int64_t parse_int(const char *v)
{
    int64_t n = 0;
    while (v && *v >= '0' && *v <= '9')
        n = n * 10 + (*v++ - '0');
    return n;
}

static uint64_t read_time(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

static void list_boot_image(const struct bootinfo *info)
{
    const struct bootimg_header *h = (const void *)(uintptr_t)info->bootimg_va;
    if (h->magic != BOOTIMG_MAGIC) {
        sys_printf("root: no boot image at 0x%lx\n", info->bootimg_va);
        return;
    }
    const struct bootimg_entry *e = (const void *)(h + 1);
    for (uint32_t i = 0; i < h->nentries && i < BOOTIMG_MAX_ENTRIES; i++)
        sys_printf("root: boot image file '%s' (%lu bytes)\n", e[i].name, e[i].len);
}

/* How root's helper thread and a program it runs report back to it. */
#define ROOT_MSG_EXIT 1   /* from the program: w0 = exit status */
#define ROOT_MSG_KILLED 2 /* from the watcher: mm killed the program */
#define ROOT_OWN_RAM (16ull << 20) /* root keeps this much; mm gets the rest */
#define MM_PRIO 50
#define PROGRAM_PRIO 30

static struct rootmem root_mem;
static handle_t report_ep, death_ntfn;

/* Waits for mm's "killed" notification and turns it into a message to
 * root's main thread, which waits on one endpoint for both outcomes. */
static void death_watcher(uint64_t arg)
{
    (void)arg;
    (void)ntfn_wait(death_ntfn);
    struct ipc_msg m = {.tag = IPC_TAG(ROOT_MSG_KILLED, 0, 0)};
    (void)ipc_call(report_ep, &m);
}

/* Starts mm with all RAM but ROOT_OWN_RAM; returns its control endpoint. */
static int64_t start_mm(const struct bootinfo *info)
{
    const struct bootinfo_cap *ram = NULL, *img = NULL;
    for (uint32_t i = 0; i < info->ncaps; i++) {
        const struct bootinfo_cap *c = &info->caps[i];
        if (c->kind == BI_CAP_RAM && (!ram || c->len > ram->len))
            ram = c;
        if (c->kind == BI_CAP_BOOTIMG)
            img = c;
    }
    if (!ram || !img || ram->len <= 2 * ROOT_OWN_RAM)
        return E_NOMEM;
    int64_t mm_ram = sys_frame_split(ram->handle, ROOT_OWN_RAM);
    if (mm_ram < 0)
        return mm_ram;
    int64_t r = rootmem_init_cap(&root_mem, ram->handle, ram->pa, ROOT_OWN_RAM);
    if (r < 0)
        return r;
    const void *elf;
    uint64_t len;
    if ((r = bootimg_lookup(info, "mm", &elf, &len)) < 0)
        return r;
    struct spawned s;
    if ((r = spawn_elf_slots(&root_mem, elf, len, MM_PRIO, MM_TABLE_SLOTS, &s)) < 0)
        return r;
    int64_t service = sys_endpoint_create();
    if (service < 0)
        return service;
    if ((r = sys_cap_grant(s.task, s.task, RIGHTS_ALL, 0, MM_SLOT_SELF_TASK)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)service, RIGHTS_ALL, 0, MM_SLOT_SERVICE)) < 0 ||
        (r = sys_cap_grant(s.task, (handle_t)mm_ram, RIGHTS_ALL, 0, MM_SLOT_RAM)) < 0 ||
        (r = sys_cap_grant(s.task, img->handle, RIGHT_READ, 0, MM_SLOT_BOOTIMG)) < 0)
        return r;
    if ((r = spawn_start(&s, 0)) < 0)
        return r;
    return service;
}

/* Runs `name` under mm; returns its exit status (128 + 9 if killed). */
static int run_program(const struct bootinfo *info, const char *name)
{
    int64_t control = start_mm(info);
    if (control < 0) {
        sys_printf("root: cannot start mm: %s\n", err_name((err_t)control));
        return 1;
    }
    report_ep = (handle_t)sys_endpoint_create();
    death_ntfn = (handle_t)sys_notification_create();
    if (thread_spawn(&root_mem, death_watcher, 0, 55) < 0)
        return 1;
    struct mm_space_caps sp;
    int64_t r = mm_space_create((handle_t)control, name, death_ntfn, &sp);
    if (r < 0) {
        sys_printf("root: mm cannot create a space for '%s': %s\n", name, err_name((err_t)r));
        return 1;
    }
    int64_t th = sys_thread_create(sp.task, PROGRAM_PRIO);
    int64_t report = sys_cap_copy(report_ep, RIGHT_WRITE | RIGHT_GRANT, 0);
    if (th < 0 || report < 0 ||
        (r = sys_thread_set_handlers((handle_t)th, sp.pager, 0)) < 0 ||
        (r = sys_thread_set_ipc_buffer((handle_t)th, ROOT_IPC_BUFFER_VA)) < 0 ||
        (r = sys_cap_grant(sp.task, sp.client, RIGHTS_ALL, 0, MM_CLIENT_SLOT)) < 0 ||
        (r = sys_cap_grant(sp.task, (handle_t)report, RIGHTS_ALL, 0, 2)) < 0 ||
        (r = sys_thread_start((handle_t)th, sp.entry, sp.sp, 0)) < 0) {
        sys_printf("root: cannot start '%s': %s\n", name,
                   err_name((err_t)(th < 0 ? th : report < 0 ? report : r)));
        return 1;
    }
    sys_printf("root: started '%s' in space %lu\n", name, sp.id);
    struct ipc_msg m;
    int status = 1;
    if (ipc_recv(report_ep, &m) >= 0) {
        if (IPC_TAG_LABEL(m.tag) == ROOT_MSG_EXIT)
            status = (int)(m.w[0] & 0xff);
        else
            status = 128 + 9;
        m.tag = IPC_TAG(0, 0, 0);
        (void)ipc_reply(&m);
    }
    r = mm_space_destroy((handle_t)control, sp.id);
    struct mm_stats_reply st;
    if (mm_stats((handle_t)control, &st) == 0)
        sys_printf("root: '%s' ended with status %d; mm: %lu frames free, %lu in use, "
                   "%lu spaces\n",
                   name, status, st.free_frames, st.used_frames, st.spaces);
    return status;
}

int main(uintptr_t arg)
{
    const struct bootinfo *info = (const void *)arg;
    if (info->magic != BOOTINFO_MAGIC || info->version != BOOTINFO_VERSION) {
        sys_puts("root: bad boot info\n");
        return 1;
    }
    sys_printf("root: hello from user mode; %u hart(s), %lu MiB RAM at 0x%lx\n",
               info->nharts, info->ram_len >> 20, info->ram_base);
    sys_printf("root: command line \"%s\"\n", info->bootargs);
    list_boot_image(info);

    const char *test = cmdline_value(info->bootargs, "root.test");
    if (word_is(test, "illegal")) {
        sys_puts("root: executing an illegal instruction\n");
        __asm__ volatile(".word 0"); /* all-zero is a defined illegal instruction */
        sys_puts("root: still running after the illegal instruction?!\n");
        return 3;
    }
    if (word_is(test, "badptr")) {
        int64_t r1 = sys_debug_write((const void *)0xffffffc080200000ul, 16);
        int64_t r2 = sys_debug_write((const void *)0x8, 16);
        int64_t r3 = sys_debug_write("x", SYS_DEBUG_WRITE_MAX + 1);
        int64_t r4 = sys_raw6(9999, 0, 0, 0, 0, 0, 0);
        sys_printf("root: badptr results %s %s %s %s\n", err_name((err_t)r1),
                   err_name((err_t)r2), err_name((err_t)r3), err_name((err_t)r4));
    }

    const char *run = cmdline_value(info->bootargs, "root.run");
    if (run) {
        char name[17];
        size_t n = 0;
        while (run[n] && run[n] != ' ' && n < 16) {
            name[n] = run[n];
            n++;
        }
        name[n] = '\0';
        return run_program(info, name);
    }

    const char *spin = cmdline_value(info->bootargs, "root.spin_ms");
    if (spin) {
        uint64_t ms = (uint64_t)parse_int(spin);
        uint64_t until = read_time() + ms * (info->timebase_hz / 1000);
        while (read_time() < until)
            ;
        sys_printf("root: spun for %lu ms\n", ms);
    }

    int64_t status = parse_int(cmdline_value(info->bootargs, "root.exit"));
    sys_printf("root: exiting with status %ld\n", status);
    return (int)status;
}
