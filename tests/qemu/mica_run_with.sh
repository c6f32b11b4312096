#!/bin/sh
# ./mica run --with DIR on a directory outside the repository: every DIR/*.c
# becomes /bin/NAME, and the run's exit status is the program's.
set -u
mica=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/outside.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    long sum = 0;
    for (int i = 1; i < argc; i++)
        sum += strtol(argv[i], NULL, 10);
    char *buf = malloc(100000);
    memset(buf, 'x', 100000);
    printf("outside program: %d args, sum %ld, %c\n", argc - 1, sum, buf[99999]);
    free(buf);
    return (int)(sum % 256);
}
C
timeout 60 "$mica" run --with "$dir" -- outside 20 22 </dev/null
s=$?
echo "status $s"
test $s -eq 42
