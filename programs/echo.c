/* echo: writes its arguments, separated by spaces, and a newline. -n: no
 * newline. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    int first = 1;
    int newline = 1;
    if (first < argc && strcmp(argv[first], "-n") == 0) {
        newline = 0;
        first++;
    }
    for (int i = first; i < argc; i++) {
        if (i > first)
            fputc(' ', stdout);
        fputs(argv[i], stdout);
    }
    if (newline)
        fputc('\n', stdout);
    return ferror(stdout) ? 1 : 0;
}
