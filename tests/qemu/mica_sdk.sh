#!/bin/sh
# ./mica sdk DIR outside the repository: the starter project configures and
# builds with CMake against the SDK, and ./mica run --with DIR/build runs it.
set -eu
mica=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$mica" sdk "$dir/proj"
sdk=$(dirname "$mica")/build/target/sdk
[ -n "${MICA_BUILD_DIR:-}" ] && sdk=$MICA_BUILD_DIR/target/sdk
cmake -S "$dir/proj" -B "$dir/proj/build" -DCMAKE_TOOLCHAIN_FILE="$sdk/toolchain.cmake" >/dev/null
cmake --build "$dir/proj/build" >/dev/null
set +e
timeout 60 "$mica" run --with "$dir/proj/build" -- hello one </dev/null
s=$?
echo "status $s"
test $s -eq 0
