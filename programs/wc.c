/* wc: lines, words and bytes of each file (or stdin). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int count(int fd, const char *name, long *l, long *w, long *c)
{
    static char buf[4096];
    int in_word = 0;
    *l = *w = *c = 0;
    for (;;) {
        int n = read(fd, buf, sizeof buf);
        if (n < 0) {
            fprintf(stderr, "wc: %s: %s\n", name, strerror(errno));
            return 1;
        }
        if (n == 0)
            return 0;
        for (int i = 0; i < n; i++) {
            (*c)++;
            if (buf[i] == '\n')
                (*l)++;
            if (isspace((unsigned char)buf[i]))
                in_word = 0;
            else if (!in_word) {
                in_word = 1;
                (*w)++;
            }
        }
    }
}

int main(int argc, char **argv)
{
    long l, w, c;
    if (argc < 2) {
        int r = count(0, "stdin", &l, &w, &c);
        printf("%7ld %7ld %7ld\n", l, w, c);
        return r;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "wc: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        status |= count(fd, argv[i], &l, &w, &c);
        close(fd);
        printf("%7ld %7ld %7ld %s\n", l, w, c, argv[i]);
    }
    return status;
}
