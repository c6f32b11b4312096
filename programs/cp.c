/* cp: copies a file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: cp FROM TO\n");
        return 2;
    }
    int in = open(argv[1], O_RDONLY);
    if (in < 0) {
        fprintf(stderr, "cp: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) {
        fprintf(stderr, "cp: %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    static char buf[8192];
    for (;;) {
        int n = read(in, buf, sizeof buf);
        if (n < 0) {
            fprintf(stderr, "cp: %s: %s\n", argv[1], strerror(errno));
            return 1;
        }
        if (n == 0)
            break;
        if (write(out, buf, (size_t)n) != n) {
            fprintf(stderr, "cp: %s: %s\n", argv[2], strerror(errno));
            return 1;
        }
    }
    close(in);
    return close(out) == 0 ? 0 : 1;
}
