#!/bin/sh
# Builds the system disk: a FAT32 image (mkfs.fat) filled with mtools.
# Usage: mkdisk.sh OUT.img [PATH=FILE ...]  (PATH relative to the root:
# "bin/echo=build/.../echo.elf")
set -eu
out=$1
shift
tmp="$out.tmp"
rm -f "$tmp"
truncate -s 64M "$tmp"
mkfs.fat -F 32 -n MICA "$tmp" >/dev/null
printf 'hello from the Mica disk\n' > "$tmp.hello"
mcopy -i "$tmp" "$tmp.hello" ::/hello.txt
rm -f "$tmp.hello"
mmd -i "$tmp" ::/docs
mmd -i "$tmp" ::/bin
for spec in "$@"; do
    mcopy -i "$tmp" "${spec#*=}" "::/${spec%%=*}"
done
mv "$tmp" "$out"
