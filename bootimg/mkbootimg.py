#!/usr/bin/env python3
"""Packs the kernel and the boot files into one image QEMU loads with -kernel.

Layout (include/mica/bootimg.h is the reference for the structures):
  kernel flat binary, padded to __kernel_end (page aligned, after .bss)
  struct bootimg_header, struct bootimg_entry[n], then each file 4 KiB aligned.
Every ELF program NAME also gets NAME.root: the program laid out in pages
(struct bootimg_layout), which the kernel copies when it starts NAME as the
root task; the ELF is read here, on the host, and the kernel has no reader.
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
BOOTIMG_VERSION = 2
NAME_MAX = 32
MAX_ENTRIES = 128
LAYOUT_MAGIC = 0x54554F59414C
LAYOUT_SUFFIX = ".root"
LAYOUT_MAX_RANGES = 8
LAYOUT = struct.Struct("<QQII")    # magic, entry, nranges, pad
RANGE = struct.Struct("<QQQQII")   # va, len, data_off, data_len, perm, pad
# The root task's lowest address and the start of its fixed layout
# (USER_VA_MIN and ROOT_BOOTIMG_VA in include/mica/bootinfo.h).
ROOT_VA_MIN = 0x1000
ROOT_VA_TOP = 0x3F00000000
PAGE = 4096
HEADER = struct.Struct("<QIIQQ")   # magic, version, nentries, total_len, pad
ENTRY = struct.Struct("<32sQQ")    # name, offset, len


def align(n, a=PAGE):
    return (n + a - 1) // a * a


def root_layout(name, elf):
    """NAME.root for a static RISC-V ELF64 executable: a header page, then
    each PT_LOAD segment's pages as the program sees them at start (file
    bytes in place, the rest of a page zero; all-zero tail pages left out).
    Exits with a message for anything the kernel could not start."""
    def bad(why):
        sys.exit(f"mkbootimg: {name}: cannot be laid out as a root task: {why}")
    if len(elf) < 64 or elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        bad("not a little-endian ELF64 file")
    e_type, e_machine, _, e_entry, e_phoff = struct.unpack_from("<HHIQQ", elf, 16)
    e_phentsize, e_phnum = struct.unpack_from("<HH", elf, 54)
    if e_type != 2 or e_machine != 243 or e_phentsize != 56:
        bad("not a static RISC-V executable")
    if e_phoff + e_phnum * 56 > len(elf):
        bad("program headers outside the file")
    ranges = []
    data = bytearray()
    for i in range(e_phnum):
        p_type, p_flags, p_offset, p_vaddr, _, p_filesz, p_memsz, _ = \
            struct.unpack_from("<IIQQQQQQ", elf, e_phoff + i * 56)
        if p_type != 1 or p_memsz == 0:
            continue
        if p_filesz > p_memsz or p_offset + p_filesz > len(elf):
            bad(f"segment {i} is larger than its file bytes allow")
        va = p_vaddr // PAGE * PAGE
        end = align(p_vaddr + p_memsz)
        if va < ROOT_VA_MIN or end > ROOT_VA_TOP:
            bad(f"segment {i} at 0x{p_vaddr:x} is outside [0x{ROOT_VA_MIN:x}, 0x{ROOT_VA_TOP:x})")
        pages = bytearray(align(p_vaddr + p_filesz) - va if p_filesz else 0)
        pages[p_vaddr - va:p_vaddr - va + p_filesz] = elf[p_offset:p_offset + p_filesz]
        perm = p_flags & 7
        if perm & 2:
            perm |= 4  # writable pages are readable (RISC-V has no W-only PTE)
        ranges.append([va, end - va, len(data), len(pages), perm])
        data += pages
    ranges.sort()
    if not ranges:
        bad("no loadable segment")
    if len(ranges) > LAYOUT_MAX_RANGES:
        bad(f"more than {LAYOUT_MAX_RANGES} segments")
    for a, b in zip(ranges, ranges[1:]):
        if a[0] + a[1] > b[0]:
            bad(f"segments share the page at 0x{b[0]:x}")
    if not any(r[0] <= e_entry < r[0] + r[1] and r[4] & 1 for r in ranges):
        bad(f"entry 0x{e_entry:x} is not in an executable segment")
    head = LAYOUT.pack(LAYOUT_MAGIC, e_entry, len(ranges), 0)
    for va, length, off, dlen, perm in ranges:
        head += RANGE.pack(va, length, PAGE + off, dlen, perm, 0)
    return head + bytes(PAGE - len(head)) + data


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
        if files[-1][1][:4] == b"\x7fELF":
            if len(name.encode() + LAYOUT_SUFFIX.encode()) >= NAME_MAX:
                sys.exit(f"mkbootimg: name {name!r} is too long for {name}{LAYOUT_SUFFIX}")
            files.append((name + LAYOUT_SUFFIX, root_layout(name, files[-1][1])))
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
