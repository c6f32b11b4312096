#!/bin/sh
# Host checks after fstest, on its copy of the disk: the volume is clean
# for fsck.fat, and mtools reads back exactly what the test wrote.
set -eu
disk=$1
fsck.fat -n "$disk" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mcopy -n -i "$disk" "::/A long file name.txt" "$tmp/long" 
python3 - "$tmp/long" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
want = bytearray((i * 31 + 7) & 0xFF for i in range(5000))
want[1000:1004] = b"MICA"
want += b"END"
sys.exit(0 if data == bytes(want) else 1)
PY
# Written through a shared mapping (FS_MMAP_0002) and synced by msync,
# mprotect-upgraded writes and munmap; the private mapping's write is not there.
mcopy -n -i "$disk" ::/shared.bin "$tmp/shared"
python3 - "$tmp/shared" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
want = bytearray(b"a" * 8192)
want[100:106] = b"SHARED"
want[200] = ord("Z")
want[4103:4108] = b"PAGE2"
sys.exit(0 if data == bytes(want) else 1)
PY
# Written through the page cache, larger than it (FS_CACHE_0001).
mcopy -n -i "$disk" ::/cache6m.bin "$tmp/cache6m"
python3 - "$tmp/cache6m" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
want = bytes(((i * 13 + (i >> 12)) & 0xFF) for i in range(6 << 20))
sys.exit(0 if data == want else 1)
PY
# Files carry the wall-clock date (QEMU's RTC follows the host's clock).
mdir -i "$disk" "::/A long file name.txt" | grep -q "$(date -u +%Y)"
mcopy -n -i "$disk" ::/docs/moved.txt "$tmp/moved"
test "$(cat "$tmp/moved")" = "inner"
mdir -i "$disk" ::/ > "$tmp/dir"
! grep -q NEWDIR "$tmp/dir"
! grep -qi scratch "$tmp/dir"
