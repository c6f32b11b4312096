/* ps: the processes proc knows (pid, parent, state, name). */
#include <stdio.h>

#include <sys/proc.h>

int main(void)
{
    printf("  PID  PPID  STATE    NAME\n");
    uint64_t cursor = 0;
    struct proc_info p;
    int n = 0;
    while (proc_list(PROC_SLOT, &cursor, &p) == 0) {
        printf("%5lu %5lu  %-7s  %s\n", (unsigned long)p.pid, (unsigned long)p.ppid,
               p.state == PROC_STATE_ZOMBIE ? "zombie" : "running", p.name);
        n++;
    }
    return n > 0 ? 0 : 1;
}
