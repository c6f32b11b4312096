#!/bin/sh
# Every ABI and protocol header compiles on its own, for the host, with the
# project's warnings (STYLE.md section 6): include what you use, and the
# protocol lists' asserts and op-name switches (a number used twice is a
# duplicate case) hold. Usage: check_headers.sh SOURCE_DIR
set -eu
src=$1
fail=0
n=0
for h in "$src"/include/mica/*.h "$src"/include/proto/*.h; do
    rel=${h#"$src"/include/}
    if ! printf '#include <%s>\n' "$rel" |
        cc -fsyntax-only -std=gnu11 -Wall -Wextra -Werror -Wundef -Wstrict-prototypes \
            -I "$src/include" -x c -; then
        echo "FAIL: $rel does not compile on its own" >&2
        fail=1
    fi
    n=$((n + 1))
done
echo "$n headers checked"
[ "$n" -ge 18 ] || { echo "FAIL: expected at least 18 headers, found $n" >&2; exit 1; }
exit $fail
