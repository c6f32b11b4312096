/*
 * root's test modes: what root does instead of booting the system when
 * the kernel command line asks for a test (docs/boot.md, tests/README.md).
 * main.c asks root_test_mode() once; the real boot path never sees them.
 *   root.test=illegal   execute an illegal instruction (the kernel's report)
 *   root.test=badptr    pass bad pointers and lengths to syscalls, print the
 *                       errors, then go on as the rest of the line says
 *   root.test=blk       start the servers and run blktest (a native task
 *   root.test=blkfuzz   with its own RAM, a blk client), or blkfuzz
 *   root.run=PROG       start the boot servers and run boot-image program
 *                       PROG in a space mm serves (run.c); power off with
 *                       its exit status
 *   root.spin_ms=N      busy-wait N ms of `time` (timer ticks keep coming)
 *   root.exit=N         exit with status N (QEMU's exit status)
 * root.run, root.spin_ms and root.exit give way to an init on the command
 * line (" -- PROG ARGS"), as they always have.
 */
#include <sys/mica.h>

#include "root.h"
#include "testmodes.h"

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

/* Whether the command line names an init (" -- PROG ARGS", main.c). */
static bool has_init(const char *args)
{
    if (strncmp(args, "-- ", 3) == 0)
        return true;
    for (const char *c = args; *c; c++)
        if (strncmp(c, " -- ", 4) == 0)
            return true;
    return false;
}

static uint64_t read_time(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

/* Starts the boot servers, runs `name` with `run`, syncs; its status. */
static int with_servers(const struct bootinfo *info, const char *name,
                        int (*run)(const struct bootinfo *, const char *))
{
    if (boot_servers(info) < 0)
        return 1;
    int status = run(info, name);
    shutdown_servers();
    return status;
}

static void bad_pointers(void)
{
    int64_t r1 = sys_debug_write((const void *)0xffffffc080200000ul, 16);
    int64_t r2 = sys_debug_write((const void *)0x8, 16);
    int64_t r3 = sys_debug_write("x", SYS_DEBUG_WRITE_MAX + 1);
    int64_t r4 = sys_raw6(9999, 0, 0, 0, 0, 0, 0);
    sys_printf("root: badptr results %s %s %s %s\n", err_name((err_t)r1), err_name((err_t)r2),
               err_name((err_t)r3), err_name((err_t)r4));
}

bool root_test_mode(const struct bootinfo *info, int *status)
{
    const char *args = info->bootargs;
    const char *test = cmdline_value(args, "root.test");
    if (word_is(test, "illegal")) {
        sys_puts("root: executing an illegal instruction\n");
        __asm__ volatile(".word 0"); /* all-zero is a defined illegal instruction */
        sys_puts("root: still running after the illegal instruction?!\n");
        *status = 3;
        return true;
    }
    if (word_is(test, "blk") || word_is(test, "blkfuzz")) {
        *status = with_servers(info, word_is(test, "blk") ? "blktest" : "blkfuzz", run_blktest);
        return true;
    }
    if (word_is(test, "badptr"))
        bad_pointers(); /* and on: the rest of the line says how to end */
    if (has_init(args))
        return false;

    const char *run = cmdline_value(args, "root.run");
    if (run) {
        char name[17];
        size_t n = 0;
        while (run[n] && run[n] != ' ' && n < 16) {
            name[n] = run[n];
            n++;
        }
        name[n] = '\0';
        *status = with_servers(info, name, run_program);
        return true;
    }
    const char *spin = cmdline_value(args, "root.spin_ms");
    if (spin) {
        uint64_t ms = (uint64_t)parse_int(spin);
        uint64_t until = read_time() + ms * (info->timebase_hz / 1000);
        while (read_time() < until)
            ;
        sys_printf("root: spun for %lu ms\n", ms);
    }
    const char *exit = cmdline_value(args, "root.exit");
    if (!exit && !spin && !test)
        return false; /* no test mode: the real boot */
    *status = (int)parse_int(exit);
    sys_printf("root: exiting with status %d\n", *status);
    return true;
}
