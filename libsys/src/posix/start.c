/*
 * Start of a newlib program: the IPC buffer, descriptors 0-2 on the
 * console, the wall clock, constructors, then exit(main(argc, argv, envp))
 * so stdio is flushed. Until the process server passes real arguments,
 * argv is just the program's name.
 */
#include <stdlib.h>

#include <mica/bootinfo.h>
#include <proto/fs.h>
#include <sys/ipc.h>

#include "posix.h"

int main(int argc, char **argv, char **envp);
void posix_start(uintptr_t arg);
void __libc_init_array(void);

uint64_t posix_clock_secs_at_time0, posix_clock_hz;

static char program_name[] = "program";
static char *argv0[] = {program_name, NULL};
static char *envp0[] = {NULL};
char **environ = envp0;

uint64_t posix_read_time(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

void posix_start(uintptr_t arg)
{
    ipc_set_buffer((struct ipc_buffer *)(uintptr_t)ROOT_IPC_BUFFER_VA);
    for (int fd = 0; fd < 3; fd++)
        posix_fds[fd] = (struct posix_fd){.kind = FD_CONSOLE, .flags = fd == 0 ? 0 : 1};
    /* The start argument carries the wall clock as fat32's does
     * (FS_START_ARG); 0 when root has no clock. */
    posix_clock_hz = arg >> 32;
    if (posix_clock_hz)
        posix_clock_secs_at_time0 = (arg & 0xffffffffu) + FS_EPOCH_1980;
    __libc_init_array();
    exit(main(1, argv0, environ));
}
