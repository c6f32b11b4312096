#!/bin/sh
# The tutorial's debugging steps: ./mica debug halts QEMU, gdb-multiarch
# attaches, and a hardware breakpoint in the kv server (linked at an address
# of its own) stops there with the request a kvtest client sent.
set -u
mica=$1
build=${MICA_BUILD_DIR:-$(dirname "$mica")/build}
timeout 90 "$mica" debug --append "-- kvtest" </dev/null >/dev/null 2>&1 &
qemu=$!
sleep 3
timeout 60 gdb-multiarch "$build/target/kernel/kernel.elf" -batch \
    -ex 'set architecture riscv:rv64' -ex 'target remote :1234' \
    -ex 'hbreak kmain' -ex 'continue' -ex 'delete' \
    -ex "add-symbol-file $build/target/servers/kv/kv.elf" \
    -ex 'hbreak on_kv_put' -ex 'continue' -ex 'bt 2' \
    -ex 'print req->key' -ex 'kill' 2>&1
kill $qemu 2>/dev/null
wait $qemu 2>/dev/null
exit 0
