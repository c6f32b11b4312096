/*
 * crashtest: init of qemu.supervise. Boot servers that end are reported
 * by root and restarted (on-crash=restart) or end the system
 * (on-crash=poweroff, the default). argv[1]: the restartable server's
 * name, argv[2]: the one whose end powers the machine off.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/names.h>

#include "crashsrv.h"

#define CHECK_PRINTF printf
#define TEST_MAIN
#include "check.h"

static int64_t ask(handle_t ep, uint64_t op)
{
    struct ipc_msg m = {0};
    int64_t r = ipc_request(ep, op, &m, 0);
    return r < 0 ? r : (int64_t)m.w[0];
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    int64_t ep = names_lookup(NAMES_SLOT, argv[1], 2000);
    CHECK(ep > 0);
    CHECK(ask((handle_t)ep, CRASHSRV_PING) == CRASHSRV_ALIVE);
    /* The call it dies in fails; the next reaches the restarted server
     * through the same endpoint. */
    CHECK(ask((handle_t)ep, CRASHSRV_ILLEGAL) < 0);
    CHECK(ask((handle_t)ep, CRASHSRV_PING) == CRASHSRV_ALIVE);
    CHECK(ask((handle_t)ep, CRASHSRV_EXIT) < 0);
    CHECK(ask((handle_t)ep, CRASHSRV_PING) == CRASHSRV_ALIVE);
    test_end("SUPERVISE_0001_RESTARTED_AFTER_CRASH_AND_EXIT");
    fflush(stdout);
    /* This one's end powers the machine off: nothing after it runs. */
    int64_t last = names_lookup(NAMES_SLOT, argv[2], 2000);
    CHECK(last > 0);
    (void)ask((handle_t)last, CRASHSRV_ILLEGAL);
    for (;;) /* root syncs the disks and powers off: init never ends */
        ;
}
