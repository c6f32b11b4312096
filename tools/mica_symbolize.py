#!/usr/bin/env python3
"""Host-side symbolizer for Mica's console: the kernel prints backtraces as
raw addresses ("  #3 0xffffffc000201a2c"); this appends "name+0xoff" from
the kernel ELF's symbol table (the cross nm), so a panic still names its
functions while the kernel carries no symbol table. ./mica run and the QEMU
test harness pass the console through it.

  mica_symbolize.py --nm NM KERNEL_ELF < console > annotated
"""
import bisect
import os
import re
import subprocess
import sys

NM = "riscv64-unknown-elf-nm"
# A backtrace line as kernel/core/panic.c prints it; nothing after the address.
FRAME = re.compile(r"^(\s*#\d+ 0x([0-9a-f]+))(\r*)$")
# What a line may look like while it is still arriving: held back until the
# newline, so a frame line is never passed on half annotated.
FRAME_PREFIX = re.compile(r"^\s*(#\d*( (0(x[0-9a-f]*)?)?)?)?$")


class Symbols:
    """Text symbols of one ELF, sorted by address, with sizes nm knows."""

    def __init__(self, elf, nm=NM):
        out = subprocess.run([nm, "-n", "-S", "--defined-only", elf], check=True,
                             capture_output=True, text=True).stdout
        self.syms = []
        lo, hi = 0, 1 << 64
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[-1] in ("__kernel_start", "__text_end"):
                if parts[-1] == "__kernel_start":
                    lo = int(parts[0], 16)
                else:
                    hi = int(parts[0], 16)
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 4:
                addr, size, kind, name = int(parts[0], 16), int(parts[1], 16), parts[2], parts[3]
            elif len(parts) == 3:
                addr, size, kind, name = int(parts[0], 16), 0, parts[1], parts[2]
            else:
                continue
            # Local labels (".L", "$x") are not functions.
            if kind not in "tTwW" or name.startswith(".L") or name.startswith("$"):
                continue
            # LTO's file markers sit at small addresses: code lies in the
            # kernel's text, [__kernel_start, __text_end).
            if not lo <= addr < hi:
                continue
            self.syms.append((addr, size, name))
        self.syms.sort()
        self.addrs = [s[0] for s in self.syms]

    def lookup(self, addr):
        """'name+0xoff' for addr, or None outside every symbol."""
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i < 0:
            return None
        start, size, name = self.syms[i]
        if size and addr - start >= size:
            return None  # in a gap between functions
        return f"{name}+0x{addr - start:x}"


def annotate_line(line, syms):
    m = FRAME.match(line)
    if not m:
        return line
    where = syms.lookup(int(m.group(2), 16))
    return f"{m.group(1)} {where or '?'}{m.group(3)}"


def annotate(text, syms):
    """The whole console output, every backtrace line annotated."""
    return "\n".join(annotate_line(l, syms) for l in text.split("\n"))


class Stream:
    """Annotates a byte stream as it arrives, passing everything else on at
    once (the console stays interactive): only a line that may still become
    a backtrace line is held until its newline."""

    def __init__(self, syms):
        self.syms = syms
        self.held = b""       # start of the current line, not yet passed on
        self.passing = False  # current line already shown as it came

    def feed(self, data):
        out = bytearray()
        for part in re.split(rb"(\n)", data):
            if part == b"\n":
                if not self.passing:
                    line = self.held.decode("utf-8", "replace")
                    out += annotate_line(line, self.syms).encode()
                out += b"\n"
                self.held, self.passing = b"", False
            elif part:
                if self.passing:
                    out += part
                    continue
                self.held += part
                if not FRAME_PREFIX.match(self.held.decode("utf-8", "replace").rstrip("\r")) \
                        and not FRAME.match(self.held.decode("utf-8", "replace")):
                    out += self.held
                    self.held, self.passing = b"", True
        return bytes(out)

    def flush(self):
        out, self.held = self.held, b""
        return out


def pump(in_fd, out_fd, syms):
    """Copies in_fd to out_fd through a Stream until end of file."""
    s = Stream(syms)
    while True:
        data = os.read(in_fd, 65536)
        if not data:
            break
        os.write(out_fd, s.feed(data))
    os.write(out_fd, s.flush())


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--nm", default=NM)
    ap.add_argument("elf")
    args = ap.parse_args()
    pump(sys.stdin.fileno(), sys.stdout.fileno(), Symbols(args.elf, args.nm))


if __name__ == "__main__":
    main()
