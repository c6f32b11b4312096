/*
 * root: the first user task. For now it proves the boot path: it reads the
 * boot info the kernel mapped, reports it, and acts on its test options
 * from the kernel command line:
 *   root.exit=N         exit with status N (QEMU's exit status)
 *   root.test=illegal   execute an illegal instruction
 *   root.test=badptr    pass a kernel address to SYS_DEBUG_WRITE
 *   root.spin_ms=N      busy-wait N ms of `time` (timer ticks keep coming)
 *   root.run=PROG       start the boot servers (mm, blk when there is a disk),
 *                       run boot-image program PROG in a space mm serves,
 *                       and power off with its exit status
 *   root.test=blk       start the servers and run blktest (a native task
 *                       with its own RAM, a blk client)
 *   root.test=blkfuzz   the same with blkfuzz (blk's message fuzzer)
 * Later issues make it start every boot server from a manifest.
 */
#include <sys/mica.h>

#include "root.h"

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

/* What follows " -- " (or a leading "-- ") on the command line;
 * "" when the command line asks for nothing else (a plain boot
 * runs the boot manifest's init: the shell); NULL when root has another
 * job (root.run, root.test, ...). */
static const char *find_init_args(const char *args)
{
    if (strncmp(args, "-- ", 3) == 0)
        return args + 3;
    for (const char *c = args; *c; c++)
        if (strncmp(c, " -- ", 4) == 0)
            return c + 4;
    static const char *const jobs[] = {"root.run", "root.test", "root.exit", "root.spin_ms"};
    for (unsigned i = 0; i < sizeof jobs / sizeof jobs[0]; i++)
        if (cmdline_value(args, jobs[i]))
            return NULL;
    return ""; /* the manifest's own init */
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
    if (word_is(test, "blk") || word_is(test, "blkfuzz")) {
        if (boot_servers(info) < 0)
            return 1;
        int status = run_blktest(info, word_is(test, "blk") ? "blktest" : "blkfuzz");
        shutdown_servers();
        return status;
    }
    if (word_is(test, "badptr")) {
        int64_t r1 = sys_debug_write((const void *)0xffffffc080200000ul, 16);
        int64_t r2 = sys_debug_write((const void *)0x8, 16);
        int64_t r3 = sys_debug_write("x", SYS_DEBUG_WRITE_MAX + 1);
        int64_t r4 = sys_raw6(9999, 0, 0, 0, 0, 0, 0);
        sys_printf("root: badptr results %s %s %s %s\n", err_name((err_t)r1),
                   err_name((err_t)r2), err_name((err_t)r3), err_name((err_t)r4));
    }

    /* ./mica run -- PROG ARGS: init from the disk, under proc. */
    const char *init = find_init_args(info->bootargs);
    if (init)
        return run_manifest(info, *init ? init : NULL);

    const char *run = cmdline_value(info->bootargs, "root.run");
    if (run) {
        char name[17];
        size_t n = 0;
        while (run[n] && run[n] != ' ' && n < 16) {
            name[n] = run[n];
            n++;
        }
        name[n] = '\0';
        if (boot_servers(info) < 0)
            return 1;
        int status = run_program(info, name);
        shutdown_servers();
        return status;
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
