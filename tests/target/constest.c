/*
 * constest: who may set the console's foreground (docs/processes.md, "The
 * console"). Run by the shell in the foreground (qemu.console_jobs): the
 * shell owns the console and made us its foreground job.
 *   constest              CONS_AUTH_0001: we may set a job of our own; a
 *                         child of ours, neither owner nor foreground, is
 *                         refused (E_PERM) and changes nothing.
 *   constest descendants  CONS_AUTH_0002: a job naming a process that is
 *                         not ours (the shell) is refused too. The console
 *                         checks that against proc's process list, which
 *                         proc must answer on the console's capability.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK_PRINTF printf
#define TEST_MAIN
#include "check.h"

#include <sys/console.h>
#include <sys/mica.h>

static const char *err_name_of(int64_t r)
{
    return r == 0 ? "0" : r == E_PERM ? "E_PERM" : r == E_INVAL ? "E_INVAL" : "other";
}

/* A child: neither owner nor in the foreground (our job is {us}). */
static void child_is_refused(void)
{
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        uint64_t self = (uint64_t)getpid();
        int64_t a = console_set_foreground(CONSOLE_SLOT, self);
        int64_t b = console_set_job(CONSOLE_SLOT, &self, 1);
        int64_t c = console_end_job(CONSOLE_SLOT); /* nothing of its own: a no-op */
        printf("constest: a process outside the foreground: %s\n", err_name_of(a));
        _exit(a == E_PERM && b == E_PERM && c == 0 ? 0 : 1);
    }
    int st = -1;
    CHECK(child > 0 && waitpid(child, &st, 0) == child);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(int argc, char **argv)
{
    uint64_t me = (uint64_t)getpid(), shell = (uint64_t)getppid();
    struct cap_info ci;
    /* The rules name processes by the badge proc mints per process. */
    CHECK(sys_cap_info(CONSOLE_SLOT, &ci) == 0 && cons_badge_pid(ci.badge) == me);

    if (argc > 1 && strcmp(argv[1], "descendants") == 0) {
        int64_t r = console_set_foreground(CONSOLE_SLOT, shell);
        printf("constest: a job of the shell: %s\n", err_name_of(r));
        CHECK_EQ(r, E_PERM);
        uint64_t both[2] = {me, shell};
        CHECK_EQ(console_set_job(CONSOLE_SLOT, both, 2), E_PERM);
        /* Refused changed nothing: we are still the foreground and may
         * set our own job. */
        CHECK_EQ(console_set_job(CONSOLE_SLOT, &me, 1), 0);
        CHECK_EQ(console_end_job(CONSOLE_SLOT), 0);
        test_end("CONS_AUTH_0002_JOB_OF_OWN_DESCENDANTS_ONLY");
        return test_failures ? 1 : 0;
    }

    /* A process of the foreground job: a job of itself, yes. */
    int64_t r = console_set_job(CONSOLE_SLOT, &me, 1);
    printf("constest: our own job: %s\n", err_name_of(r));
    CHECK_EQ(r, 0);
    CHECK_EQ(console_set_job(CONSOLE_SLOT, &me, 0), E_INVAL);
    child_is_refused();
    /* Giving our job back leaves the shell's job (us) in the foreground:
     * setting our own job works again. */
    CHECK_EQ(console_end_job(CONSOLE_SLOT), 0);
    CHECK_EQ(console_set_job(CONSOLE_SLOT, &me, 1), 0);
    CHECK_EQ(console_end_job(CONSOLE_SLOT), 0);
    test_end("CONS_AUTH_0001_FOREGROUND_SET_BY_OWNER_OR_FOREGROUND_ONLY");
    return test_failures ? 1 : 0;
}
