/* ls: lists directories (names, one a line; -l adds size and type). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int list(const char *path, int longform)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (longform)
            printf("-  %10ld  %s\n", (long)st.st_size, path);
        else
            printf("%s\n", path);
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!longform) {
            printf("%s%s\n", e->d_name, e->d_type == DT_DIR ? "/" : "");
            continue;
        }
        char full[1024];
        snprintf(full, sizeof full, "%s/%s", strcmp(path, "/") ? path : "", e->d_name);
        long size = stat(full, &st) == 0 ? (long)st.st_size : 0;
        printf("%c  %10ld  %s\n", e->d_type == DT_DIR ? 'd' : '-', size, e->d_name);
    }
    closedir(d);
    return 0;
}

int main(int argc, char **argv)
{
    int longform = 0, first = 1, status = 0;
    if (argc > 1 && strcmp(argv[1], "-l") == 0) {
        longform = 1;
        first = 2;
    }
    if (first >= argc)
        return list(".", longform);
    for (int i = first; i < argc; i++) {
        if (argc - first > 1)
            printf("%s:\n", argv[i]);
        status |= list(argv[i], longform);
    }
    return status;
}
