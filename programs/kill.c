/* kill: sends a signal (default SIGTERM; -9, -2, ... or -KILL, -INT, -TERM)
 * to processes. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    int sig = SIGTERM, first = 1, status = 0;
    if (argc > 1 && argv[1][0] == '-') {
        const char *s = argv[1] + 1;
        sig = strcmp(s, "KILL") == 0 ? SIGKILL : strcmp(s, "INT") == 0 ? SIGINT
            : strcmp(s, "TERM") == 0 ? SIGTERM : atoi(s);
        first = 2;
    }
    if (first >= argc || sig <= 0) {
        fprintf(stderr, "usage: kill [-SIGNAL] PID...\n");
        return 2;
    }
    for (int i = first; i < argc; i++)
        if (kill(atoi(argv[i]), sig) < 0) {
            fprintf(stderr, "kill: %s: %s\n", argv[i], strerror(errno));
            status = 1;
        }
    return status;
}
