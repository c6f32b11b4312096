/* rm: removes files; -d also empty directories. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int dirs = 0, first = 1, status = 0;
    if (argc > 1 && strcmp(argv[1], "-d") == 0) {
        dirs = 1;
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: rm [-d] FILE...\n");
        return 2;
    }
    for (int i = first; i < argc; i++) {
        int r = unlink(argv[i]);
        if (r < 0 && errno == EISDIR && dirs)
            r = rmdir(argv[i]);
        if (r < 0) {
            fprintf(stderr, "rm: %s: %s\n", argv[i], strerror(errno));
            status = 1;
        }
    }
    return status;
}
