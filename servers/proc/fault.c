/*
 * How a process's thread ended, told by the kernel: an exception message
 * (IPC_LABEL_FAULT_EXC) becomes the POSIX wait status the parent sees and
 * the words of proc's one-line report. Pure: no message is sent here.
 */
#include <mica/ipc.h>

#include "proc.h"

void fault_describe(const struct ipc_fault_exc_msg *m, struct fault_end *out)
{
    static const struct {
        uint64_t sig;
        const char *sig_name;
    } kinds[] = {
        [EXC_ILLEGAL_INSTRUCTION] = {PROC_SIGILL, "SIGILL"},
        [EXC_BREAKPOINT] = {PROC_SIGTRAP, "SIGTRAP"},
        [EXC_MISALIGNED] = {PROC_SIGBUS, "SIGBUS"},
        [EXC_ACCESS_FAULT] = {PROC_SIGSEGV, "SIGSEGV"},
        [EXC_UNKNOWN_SYSCALL] = {PROC_SIGSYS, "SIGSYS"},
    };
    uint64_t kind = m->kind;
    out->pc = m->pc;
    out->value = m->value;
    if (kind == EXC_EXIT) {
        /* A raw SYS_EXIT is an exit, not a crash (libsys's _exit asks
         * proc instead; a program without newlib returns from main). */
        out->sig = 0;
        out->sig_name = "";
        out->what = "raw SYS_EXIT";
        out->wait_status = PROC_WAIT_EXITED(out->value);
        return;
    }
    if (kind < sizeof kinds / sizeof kinds[0] && kinds[kind].sig) {
        out->sig = kinds[kind].sig;
        out->sig_name = kinds[kind].sig_name;
        out->what = exc_name(kind);
    } else {
        out->sig = PROC_SIGKILL;
        out->sig_name = "SIGKILL";
        out->what = "unknown exception";
    }
    out->wait_status = PROC_WAIT_SIGNALED(out->sig);
}
