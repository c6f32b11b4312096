#!/usr/bin/env python3
"""Packs the kernel and the boot files into one image QEMU loads with -kernel.

Layout (include/mica/bootimg.h is the reference for the structures):
  kernel flat binary, padded to __kernel_end (page aligned, after .bss)
  struct bootimg_header, struct bootimg_entry[n], then each file 4 KiB aligned.
The kernel carries no symbol table: the host symbolizes its backtraces
(tools/mica_symbolize.py).
"""
import argparse
import struct
import subprocess
import sys
import tempfile
import os

BOOTIMG_MAGIC = 0x474D49414349
BOOTIMG_VERSION = 1
NAME_MAX = 32
MAX_ENTRIES = 64
PAGE = 4096
HEADER = struct.Struct("<QIIQQ")   # magic, version, nentries, total_len, pad
ENTRY = struct.Struct("<32sQQ")    # name, offset, len


def align(n, a=PAGE):
    return (n + a - 1) // a * a


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def kernel_symbol(nm, elf, name):
    for line in run([nm, elf]).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16)
    sys.exit(f"mkbootimg: symbol {name} not found in {elf}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True, help="kernel ELF")
    ap.add_argument("--objcopy", required=True)
    ap.add_argument("--nm", required=True)
    ap.add_argument("--file", action="append", default=[],
                    help="NAME=PATH of a file to pack (repeatable)")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()

    start = kernel_symbol(args.nm, args.kernel, "__kernel_start")
    end = kernel_symbol(args.nm, args.kernel, "__kernel_end")
    with tempfile.TemporaryDirectory() as tmp:
        flat = os.path.join(tmp, "kernel.bin")
        run([args.objcopy, "-O", "binary", args.kernel, flat])
        with open(flat, "rb") as f:
            kernel_bin = f.read()
    payload_off = end - start
    if len(kernel_bin) > payload_off:
        sys.exit("mkbootimg: kernel binary is longer than __kernel_end says")

    files = []
    for spec in args.file:
        name, _, path = spec.partition("=")
        if not name or not path:
            sys.exit(f"mkbootimg: --file wants NAME=PATH, got {spec!r}")
        if len(name.encode()) >= NAME_MAX:
            sys.exit(f"mkbootimg: name {name!r} is longer than {NAME_MAX - 1} bytes")
        with open(path, "rb") as f:
            files.append((name, f.read()))
    if len(files) > MAX_ENTRIES:
        sys.exit("mkbootimg: too many files")

    offset = align(HEADER.size + ENTRY.size * len(files))
    entries = bytearray()
    body = bytearray()
    for name, data in files:
        entries += ENTRY.pack(name.encode(), offset, len(data))
        body += data + bytes(align(len(data)) - len(data))
        offset += align(len(data))
    total = offset
    head = HEADER.pack(BOOTIMG_MAGIC, BOOTIMG_VERSION, len(files), total, 0) + entries
    head += bytes(align(len(head)) - len(head))

    image = kernel_bin + bytes(payload_off - len(kernel_bin)) + head + body
    assert len(image) == payload_off + total
    with open(args.output, "wb") as f:
        f.write(image)


if __name__ == "__main__":
    main()
