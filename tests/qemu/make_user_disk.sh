#!/bin/sh
# A user's own FAT32 image for the /mnt test: made and filled on the host.
set -eu
out=$1
rm -f "$out"
truncate -s 40M "$out"
mkfs.fat -F 32 -n USERDISK "$out" >/dev/null
printf 'brought by the user\n' > "$out.txt"
mcopy -i "$out" "$out.txt" ::/user.txt
rm -f "$out.txt"
