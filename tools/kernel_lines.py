#!/usr/bin/env python3
"""Counts the kernel's code lines: non-blank lines that are not only comment,
in kernel/**/*.c, without the assembly-offsets generator (asm_offsets.c is
compiled to assembly text, never into the kernel). Preprocessor lines count.
lib/ is not the kernel's: pure shared code, host-tested on its own.

usage: kernel_lines.py KERNEL_DIR [--max N] [--list]
Exits 1 when the count is above --max (the design's bound is 4,000: issue 13).
"""
import argparse
import os
import re
import sys

EXCLUDE = {"asm_offsets.c"}
# A comment, or a string/char literal (kept, so "/*" inside one is no comment).
TOKEN = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def code_lines(text):
    def blank_comment(m):
        s = m.group(0)
        if s.startswith("/*") or s.startswith("//"):
            return "\n" * s.count("\n")
        return s
    stripped = TOKEN.sub(blank_comment, text)
    return sum(1 for line in stripped.split("\n") if line.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kernel_dir")
    ap.add_argument("--max", type=int, default=None)
    ap.add_argument("--list", action="store_true", help="per-file counts")
    args = ap.parse_args()
    total = 0
    rows = []
    for root, _, files in os.walk(args.kernel_dir):
        for name in sorted(files):
            if not name.endswith(".c") or name in EXCLUDE:
                continue
            path = os.path.join(root, name)
            with open(path) as f:
                n = code_lines(f.read())
            rows.append((n, os.path.relpath(path, args.kernel_dir)))
            total += n
    if args.list:
        for n, path in sorted(rows):
            print(f"{n:6} {path}")
    print(f"kernel: {total} code lines of C in {len(rows)} files"
          + (f" (bound {args.max})" if args.max is not None else ""))
    if args.max is not None and total > args.max:
        print(f"error: the kernel has {total - args.max} code lines too many; move what "
              "is not trap forwarding, IPC, capabilities, scheduling or page-table "
              "installation out of it", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
