#!/usr/bin/env python3
"""Host check after blktest: the 64 sectors it wrote near the end of the
disk hold exactly its pattern (the writes reached the image file)."""
import sys

SECTOR = 512
disk = sys.argv[1]
with open(disk, "rb") as f:
    data = f.read()
sectors = len(data) // SECTOR
first = sectors - 128
ok = True
for s in range(first, first + 64):
    for i in range(SECTOR):
        want = (s * 7 + i * 13 + (i >> 9)) & 0xFF
        if data[s * SECTOR + i] != want:
            print(f"sector {s} byte {i}: {data[s * SECTOR + i]} != {want}")
            ok = False
            break
    if not ok:
        break
sys.exit(0 if ok else 1)
