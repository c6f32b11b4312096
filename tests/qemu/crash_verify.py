#!/usr/bin/env python3
"""Repairs a FAT32 image left by a killed QEMU and checks what was synced.

The host half of tests/target/crashwrite.c's promise check, used by
crash_during_writes.py and runnable by hand on a kept disk:

  crash_verify.py [--dirty] DISK 'SIZE PATH' ['prefix SIZE PATH' ...]

Steps: fsck.fat -n (reports the damage the crash left; any is allowed,
but with --dirty the dirty flag must be among it),
fsck.fat -a (the non-interactive repair), fsck.fat -n again (must be
clean), then every synced file read back with mtools: exactly SIZE bytes
of crash_byte(path) content, or, for a "prefix" file that kept growing
after its last sync, at least SIZE bytes whose first SIZE are exact.
Returns a list of failure messages (empty: all good).
"""
import os
import subprocess
import sys

MTOOLS_ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1")


def path_seed(path):
    """FNV-1a of the path, as crashwrite.c's path_seed."""
    h = 2166136261
    for b in path.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def expected(path, size):
    """The first size bytes crashwrite.c writes to path (crash_byte)."""
    seed = path_seed(path)
    out = bytearray()
    for word in range((size + 3) // 4):
        x = ((seed ^ word) * 0x9E3779B1) & 0xFFFFFFFF
        x ^= x >> 16
        x = (x * 0x85EBCA6B) & 0xFFFFFFFF
        x ^= x >> 13
        out += x.to_bytes(4, "little")
    return bytes(out[:size])


def fsck(disk, *flags):
    r = subprocess.run(["fsck.fat", *flags, disk], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def read_file(disk, path):
    """The file's bytes through mtools, or None when mtools cannot read it."""
    r = subprocess.run(["mcopy", "-n", "-i", disk, "::" + path, "-"],
                       capture_output=True, env=MTOOLS_ENV)
    return r.stdout if r.returncode == 0 else None


def first_difference(a, b):
    return next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))


def check_file(disk, path, size, prefix):
    """A failure message, or None when the file holds what was synced."""
    data = read_file(disk, path)
    if data is None:
        return f"{path}: synced with {size} bytes, mtools cannot read it"
    if len(data) < size or (not prefix and len(data) != size):
        return f"{path}: synced with {size} bytes{' (prefix)' if prefix else ''}, has {len(data)}"
    want = expected(path, size)
    if data[:size] != want:
        at = first_difference(data[:size], want)
        return f"{path}: synced bytes differ from offset {at} (of {size})"
    return None


def verify(disk, synced, expect_dirty=False, log=print):
    """synced: {path: (size, prefix)}. expect_dirty: the volume must carry
    the dirty flag (it was written after its last full sync and not
    unmounted). Logs PASS/FAIL lines; returns failures."""
    failures = []
    status, out = fsck(disk, "-n")
    damage = [l for l in out.splitlines()[1:] if l.strip() and not l.startswith(disk)]
    log(f"crash_verify: fsck.fat -n before repair: exit {status}"
        + ("" if status == 0 else ": " + " | ".join(damage[:12])))
    if expect_dirty and "Dirty bit is set" not in out:
        failures.append("fsck.fat -n before the repair does not say 'Dirty bit is set'")
    elif expect_dirty:
        log("crash_verify: PASS the volume is marked dirty")
    status, out = fsck(disk, "-a")
    if status not in (0, 1):  # 0: nothing to repair, 1: repaired
        failures.append(f"fsck.fat -a failed (exit {status}):\n{out}")
    status, out = fsck(disk, "-n")
    if status != 0:
        failures.append(f"fsck.fat -n after the repair is not clean (exit {status}):\n{out}")
    else:
        log("crash_verify: PASS fsck.fat -n clean after fsck.fat -a")
    for path, (size, prefix) in sorted(synced.items()):
        problem = check_file(disk, path, size, prefix)
        if problem:
            failures.append(problem)
        else:
            log(f"crash_verify: PASS {path}: {size} synced bytes intact"
                + (" (prefix)" if prefix else ""))
    for f in failures:
        log("crash_verify: FAIL " + f)
    return failures


def parse_spec(spec):
    """'SIZE PATH' or 'prefix SIZE PATH' -> (path, (size, prefix))."""
    prefix = spec.startswith("prefix ")
    size, _, path = spec[len("prefix ") if prefix else 0:].partition(" ")
    return path, (int(size), prefix)


if __name__ == "__main__":
    args = sys.argv[1:]
    dirty = bool(args) and args[0] == "--dirty"
    args = args[1:] if dirty else args
    if len(args) < 2:
        sys.exit(__doc__)
    sys.exit(1 if verify(args[0], dict(parse_spec(s) for s in args[1:]), dirty) else 0)
