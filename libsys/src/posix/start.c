/*
 * Start of a newlib program: the IPC buffer, descriptors 0-2 on the
 * console, the wall clock, constructors, then exit(main(argc, argv, envp))
 * so stdio is flushed. A program proc starts finds argc, argv, envp and
 * auxv on its stack (proto/proc.h); one root runs from the boot image has
 * only its name and the clock in a0.
 */
#include <stdlib.h>

#include <mica/bootinfo.h>
#include <proto/fs.h>
#include <proto/proc.h>
#include <sys/ipc.h>
#include <sys/mica.h>

#include "posix.h"

int main(int argc, char **argv, char **envp);
void posix_start(uintptr_t arg, uint64_t *sp);
void __libc_init_array(void);

uint64_t posix_clock_secs_at_time0, posix_clock_hz;
bool posix_under_proc;
bool posix_has_console;
struct posix_env *posix_env;
static struct posix_env own_env;
_Static_assert(sizeof(struct posix_env) <= PROC_ENV_LEN, "fits the environment block");

static char program_name[] = "program";
static char *argv0[] = {program_name, NULL};
static char *envp0[] = {NULL};
char **environ = envp0;

uint64_t posix_read_time(void)
{
    return sys_time_now();
}

static void set_clock(uint64_t packed)
{
    /* The wall clock as fat32 gets it (FS_START_ARG); 0 without a clock. */
    posix_clock_hz = packed >> 32;
    if (posix_clock_hz)
        posix_clock_secs_at_time0 = (packed & 0xffffffffu) + FS_EPOCH_1980;
}

void posix_start(uintptr_t arg, uint64_t *sp)
{
    ipc_set_buffer((struct ipc_buffer *)(uintptr_t)ROOT_IPC_BUFFER_VA);
    posix_env = arg == PROC_START_MAGIC ? (struct posix_env *)(uintptr_t)PROC_ENV_VA : &own_env;
    if (posix_env->magic != POSIX_ENV_MAGIC) {
        /* A fresh process (not one that exec'd): the console on 0-2. */
        posix_env->magic = POSIX_ENV_MAGIC;
        posix_env->cwd[0] = '/';
        posix_env->cwd[1] = '\0';
        for (int fd = 0; fd < 3; fd++)
            posix_fds[fd] = (struct posix_fd){.kind = FD_CONSOLE, .flags = fd == 0 ? 0 : 1};
    }
    int argc = 1;
    char **argv = argv0;
    if (arg == PROC_START_MAGIC) {
        posix_under_proc = true;
        posix_has_console = posix_probe_console();
        argc = (int)sp[0];
        argv = (char **)(sp + 1);
        environ = argv + argc + 1;
        uint64_t *aux = (uint64_t *)(environ);
        while (*aux)
            aux++;
        for (aux++; aux[0] != PROC_AT_NULL; aux += 2)
            if (aux[0] == PROC_AT_MICA_CLOCK)
                set_clock(aux[1]);
    } else {
        set_clock(arg);
    }
    __libc_init_array();
    exit(main(argc, argv, environ));
}
