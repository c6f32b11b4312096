#!/usr/bin/env python3
"""Tests tools/mica_symbolize.py against the real kernel ELF (argv[1]):
backtrace lines get "name+0xoff", other lines pass unchanged, addresses
outside the kernel's text get "?", and a line that arrives in pieces is
annotated once it is whole."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import mica_symbolize  # noqa: E402

failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print(f"FAIL: {what}")


def nm_addr(elf, name):
    out = subprocess.run([mica_symbolize.NM, elf], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16)
    sys.exit(f"{name} not in {elf}")


def main():
    elf = sys.argv[1]
    syms = mica_symbolize.Symbols(elf)
    kmain = nm_addr(elf, "kmain")
    panic = nm_addr(elf, "panic")
    check(syms.lookup(kmain + 4) == "kmain+0x4", "kmain+4")
    check(syms.lookup(panic) == "panic+0x0", "panic")
    check(syms.lookup(0x10) is None, "a small address is no kernel code")
    check(syms.lookup(nm_addr(elf, "__kernel_start") - 1) is None, "below the text")

    text = (f"boot\n  #0 0x{kmain + 8:x}\n  #1 0x{panic:x}\r\r\n  #2 0x10\n"
            f"pc 0x{kmain:x} is not a frame line\n")
    got = mica_symbolize.annotate(text, syms)
    want = (f"boot\n  #0 0x{kmain + 8:x} kmain+0x8\n  #1 0x{panic:x} panic+0x0\r\r\n"
            f"  #2 0x10 ?\npc 0x{kmain:x} is not a frame line\n")
    check(got == want, f"annotate: {got!r}")

    # The console as it arrives: any split gives the same output, and text
    # that cannot be a frame line is passed on before its newline.
    for cut in range(len(text)):
        s = mica_symbolize.Stream(syms)
        out = s.feed(text[:cut].encode()) + s.feed(text[cut:].encode()) + s.flush()
        check(out.decode() == want, f"stream split at {cut}: {out!r}")
    s = mica_symbolize.Stream(syms)
    check(s.feed(b"$ ") == b"$ ", "a prompt is shown at once")
    check(s.feed(b"\n  #1") == b"\n", "a frame line is held")
    if failures:
        print(f"test_symbolize: {failures} failure(s)")
        return 1
    print("test_symbolize: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
