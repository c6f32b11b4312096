#!/usr/bin/env python3
"""Host check after qemu.stress (tests/target/stress.c): /stress on the disk
holds exactly the directories and kept files the workers leave -- nothing
more (no scratch file, subdirectory or temporary name survived), nothing
less -- and every keep.bin has exactly its size and bytes. The names, sizes
and bytes are computed here the way stress.c computes them.

Usage: check_stress_disk.py DISK"""
import os
import subprocess
import sys

TOTAL = 48  # stress.c's TOTAL
M = (1 << 64) - 1


def mix(x):  # stress.c's mix(): splitmix64's finalizer
    x = (x + 0x9E3779B97F4A7C15) & M
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M
    return x ^ (x >> 31)


def worker_seed(n):
    return mix(0x5354524553530000 + n)


def keep_size(n):
    return 1 + mix(worker_seed(n) ^ 0x4B454550) % 9000


def keep_dir(n):
    return n % 3 != 1


def pattern(seed, size):
    out = bytearray()
    for q in range((size + 7) // 8):
        out += mix((seed + q) & M).to_bytes(8, "little")
    return bytes(out[:size])


def main():
    disk = sys.argv[1]
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    r = subprocess.run(["mdir", "-i", disk, "-b", "-/", "::/stress"], env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(f"mdir ::/stress failed: {r.stdout}{r.stderr}")
        return 1
    found = {line.strip().lower() for line in r.stdout.splitlines() if line.strip()}
    want = set()
    for n in range(TOTAL):
        if keep_dir(n):
            want.add(f"::/stress/w{n:02d}/")
            want.add(f"::/stress/w{n:02d}/keep.bin")
    ok = True
    for extra in sorted(found - want):
        print(f"unexpected on the disk: {extra}")
        ok = False
    for missing in sorted(want - found):
        print(f"missing from the disk: {missing}")
        ok = False
    for n in range(TOTAL):
        if not keep_dir(n):
            continue
        path = f"::/stress/w{n:02d}/keep.bin"
        r = subprocess.run(["mcopy", "-n", "-i", disk, path, "-"], env=env,
                           capture_output=True)
        data = r.stdout
        expect = pattern(worker_seed(n), keep_size(n))
        if r.returncode != 0 or data != expect:
            where = next((i for i, (a, b) in enumerate(zip(data, expect)) if a != b),
                         min(len(data), len(expect)))
            print(f"{path}: {len(data)} bytes, expected {len(expect)}; "
                  f"first difference at byte {where}")
            ok = False
    if ok:
        print(f"check_stress_disk: {len(want)} entries under /stress as expected")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
