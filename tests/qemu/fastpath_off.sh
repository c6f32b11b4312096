#!/bin/sh
# qemu.fastpath_off: the kernel built without its IPC fastpath
# (-DMICA_IPC_FASTPATH=OFF, CONFIG_IPC_FASTPATH 0) passes the kernel API
# tests and the memory server's tests: the slow path alone is correct.
# The same build turns the servers' invariant checks on
# (-DMICA_SERVER_CHECKS=ON: mm's vma_check, fat32's fat_check... after
# every request, docs/protocols.md), so they run somewhere.
#
# usage: fastpath_off.sh SOURCE_DIR BUILD_DIR BUILD_TYPE
# The system is configured once more, in BUILD_DIR/fastpath-off/target
# (the layout the harness expects of a build tree), with the newlib of
# BUILD_DIR's own build (no second newlib build), and only the boot image
# is built: ktest and mmtest are in it. Rebuilds are incremental.
set -eu
src=$1 build=$2 type=${3:-RelWithDebInfo}
out=$build/fastpath-off
cmake -S "$src" -B "$out/target" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$src/cmake/riscv64-toolchain.cmake" \
    -DCMAKE_BUILD_TYPE="$type" -DMICA_IPC_FASTPATH=OFF -DMICA_SERVER_CHECKS=ON \
    -DMICA_NEWLIB_REUSE="$build/target/newlib" >/dev/null
if ! cmake --build "$out/target" --target bootimg >"$out/build.log" 2>&1; then
    cat "$out/build.log"
    echo "fastpath_off: the build failed"
    exit 1
fi
# The option really took the fastpath out (its entry is in trap.S).
if riscv64-unknown-elf-nm "$out/target/kernel/kernel.elf" | grep -q ' fast_call$'; then
    echo "fastpath_off: kernel.elf still has the fastpath (fast_call)"
    exit 1
fi
echo "fastpath_off: kernel built without the IPC fastpath"
status=0
for case in ktest mmtest; do
    python3 "$src/tests/qemu/harness.py" --build "$out" \
        --case "$src/tests/qemu/cases/$case.test" || status=1
done
exit $status
