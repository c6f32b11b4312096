#!/usr/bin/env python3
"""Boots Mica in QEMU, waits for it to power off, and checks its output.

A test case is a spec file (tests/qemu/cases/*.test) of "key: value" lines:
  append: kernel command line      mem: 256M      smp: 1      timeout: 60
  exit: expected QEMU exit status   disk: yes (attach a copy of the system disk)
  host_check: shell command run after QEMU exits, must exit 0 ({disk}: the copy)
  user_disk: shell command that makes a second disk at {disk2} (mounted at /mnt)
  expect: regex   (repeatable)     forbid: regex (repeatable)
  reboot: kernel command line of a second boot on the same disks, after the
          first powered off (its console output follows the line
          "harness: --- reboot ---"; both boots must exit with exit:)
  disk_file: LOCAL=DISKPATH: a file copied onto the disk copy before boot
         (repeatable; TESTS/ is this folder)
  with_doc: a Markdown file (relative to the source tree); its ```c blocks
         whose first line is "/* NAME.c: ..." or "/* NAME.h: ..." become files
         that are built into /bin on the disk copy, as ./mica run --with does
  input: a line typed on the serial console (repeatable), sent once the
         output shows one more input_after: match (a regex; default: the
         shell's prompt) than the lines typed so far; "{after REGEX} TEXT"
         waits for REGEX in the output since the last line typed instead
         (and still answers a prompt, unless TEXT is "^C");
         TEXT "^C" types Ctrl-C (no newline); "^H" in a line, a backspace. Input that arrives before the console server would be
         eaten by the firmware's UART set-up, as on a real board.
  min_tests: N: at least N distinct tests printed "TEST <id> PASS" (the
         table of tests/target/check.h); the one place a case says how many
         tests it runs, so a test that silently disappears fails the case
Lines starting with '#' are comments. Command-line options override/add.

Every case, whatever its keys: no "TEST <id> FAIL" line, no "<prog>: P
passed, F failed" line with F > 0, and a case whose output has TEST lines
must say min_tests (tests/README.md).

Each expect regex must match, in the order given, somewhere in the console
output (a later expect is searched after the previous match). No --forbid
regex may match anywhere. The QEMU exit status must equal --exit. A run that
does not power off within --timeout seconds is killed and fails with a clear
message. On failure the whole console log is printed.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools"))
import mica_qemu  # noqa: E402
import mica_symbolize  # noqa: E402


def load_case(path, args):
    """Fills args from a case file; list keys accumulate."""
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            key, sep, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if not sep:
                sys.exit(f"{path}:{n}: expected 'key: value'")
            if key == "expect":
                args.expect.append(value)
            elif key == "forbid":
                args.forbid.append(value)
            elif key == "append":
                args.append = value
            elif key == "mem":
                args.mem = value
            elif key == "smp":
                args.smp = int(value)
            elif key == "timeout":
                args.timeout = float(value)
            elif key == "exit":
                args.exit_status = int(value)
            elif key == "disk":
                args.disk = value == "yes"
            elif key == "host_check":
                args.host_check.append(value)
            elif key == "user_disk":
                args.user_disk = value
            elif key == "reboot":
                args.reboot = value
            elif key == "input":
                args.input.append(value)
            elif key == "input_after":
                args.input_after = value
            elif key == "with_doc":
                args.with_doc = value
            elif key == "disk_file":
                args.disk_file.append(value)
            elif key == "min_tests":
                args.min_tests = int(value)
            else:
                sys.exit(f"{path}:{n}: unknown key {key!r}")


def check_tests(out, min_tests):
    """The rule for the test programs' lines (tests/target/check.h): every
    TEST line passes, every summary says 0 failed, and at least min_tests
    distinct tests passed. Returns the failures."""
    failures = []
    passed, failed = set(), []
    for m in re.finditer(r"^TEST (\S+) (PASS|FAIL)$", out, re.MULTILINE):
        (passed.add if m.group(2) == "PASS" else failed.append)(m.group(1))
    for tid in failed:
        failures.append(f"test {tid} failed")
    for m in re.finditer(r"^(\S+): ([0-9]+) passed, ([0-9]+) failed$", out, re.MULTILINE):
        if int(m.group(3)):
            failures.append(f"summary line {m.group(0)!r}: failures")
    if min_tests is None:
        if passed or failed:
            failures.append("the output has TEST lines but the case has no min_tests")
    elif len(passed) < min_tests:
        failures.append(f"only {len(passed)} tests passed, the case expects at least "
                        f"{min_tests} (a test that did not run, or a lost TEST line)")
    return failures


def run_qemu(cmd, typed, after, timeout):
    """Runs QEMU; types line k of `typed` once the output matches `after` for
    the (k+1)-th time (after each prompt, as a person would).
    Returns (output with CRs removed, exit status or None on timeout)."""
    import select
    import time
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    data, sent, prompts_used, mark = b"", 0, 0, 0
    if not typed:
        proc.stdin.close()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            proc.kill()
            proc.wait()
            return data.decode(errors="replace").replace("\r", ""), None
        ready, _, _ = select.select([proc.stdout], [], [], min(left, 0.5))
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            data += chunk
        if sent < len(typed):
            text = data.decode(errors="replace")
            line = typed[sent]
            m = re.match(r"\{after (.*?)\} (.*)$", line)
            if m:  # "{after REGEX} TEXT": once REGEX shows, whatever the prompts
                ready_now = re.search(m.group(1), text[mark:], re.MULTILINE) is not None
                line = m.group(2)
            else:
                ready_now = len(re.findall(after, text, re.MULTILINE)) > prompts_used
            if ready_now:
                # "^C" alone is Ctrl-C; "^H" inside a line is a backspace.
                payload = "\x03" if line == "^C" else line.replace("^H", "\x08") + "\n"
                proc.stdin.write(payload.encode())
                proc.stdin.flush()
                if line != "^C":  # a typed line answers a prompt, ^C does not
                    prompts_used += 1
                mark = len(text)
                sent += 1
    status = proc.wait()
    return data.decode(errors="replace").replace("\r", ""), status


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True, help="native build directory")
    ap.add_argument("--case", help="spec file of the test case")
    ap.add_argument("--append", default=None, help="kernel command line")
    ap.add_argument("--mem", default="256M")
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--forbid", action="append", default=[])
    ap.add_argument("--exit", type=int, default=None, dest="exit_status")
    ap.add_argument("--disk", action="store_true",
                    help="attach a private copy of the system disk")
    ap.add_argument("--user-disk", default=None,
                    help="shell command that writes a user disk image to {disk2}")
    ap.add_argument("--reboot", default=None,
                    help="kernel command line of a second boot on the same disks")
    ap.add_argument("--host-check", action="append", default=[],
                    help="shell command run after QEMU exits; {disk} is the disk copy")
    ap.add_argument("--input", action="append", default=[],
                    help="a line typed on the console once --input-after matches")
    ap.add_argument("--disk-file", action="append", default=[],
                    help="LOCAL=DISKPATH: a file copied onto the disk copy (TESTS/ = this folder)")
    ap.add_argument("--with-doc", default=None,
                    help="a Markdown file whose C blocks (first line /* NAME.c|h: ...) "
                         "are built into /bin on the disk copy, as ./mica run --with would")
    ap.add_argument("--input-after", default=r"mica\$ ",
                    help="regex the output must match before the input is typed")
    ap.add_argument("--min-tests", type=int, default=None,
                    help="at least this many tests print TEST <id> PASS")
    args = ap.parse_args()
    if args.case:
        load_case(args.case, args)
    if args.exit_status is None:
        ap.error("no expected exit status (exit: in the case file, or --exit)")

    disk = None
    if args.disk:
        # Each test writes to its own copy: tests run in parallel.
        tmpdir = tempfile.mkdtemp(prefix="mica-disk-")
        disk = os.path.join(tmpdir, "disk.img")
        shutil.copyfile(mica_qemu.disk_path(args.build), disk)
    for spec in args.disk_file:
        if not disk:
            sys.exit("disk_file: needs disk: yes")
        local, _, where = spec.partition("=")
        here = os.path.dirname(os.path.abspath(__file__))
        local = local.replace("TESTS/", here + "/")
        subprocess.run(["mcopy", "-o", "-i", disk, local, "::" + where], check=True,
                       env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    if args.with_doc:
        if not disk:
            sys.exit("with_doc: needs disk: yes")
        here = os.path.dirname(os.path.abspath(__file__))
        doc = os.path.join(here, "..", "..", args.with_doc)
        src = os.path.join(os.path.dirname(disk), "with")
        os.makedirs(src)
        text = open(doc).read()
        for block in re.findall(r"```c\n(.*?)```", text, re.S):
            m = re.match(r"/\* ([A-Za-z0-9_]+\.[ch]):", block)
            if m:
                with open(os.path.join(src, m.group(1)), "w") as f:
                    f.write(block)
        mica_qemu.add_programs(args.build, src, disk)
    disk2 = None
    if args.user_disk:
        disk2 = os.path.join(os.path.dirname(disk), "user.img")
        here = os.path.dirname(os.path.abspath(__file__))
        setup = args.user_disk.replace("{disk2}", disk2).replace("TESTS/", here + "/")
        subprocess.run(setup, shell=True, check=True)
    out, statuses = "", []
    for append in [args.append] + ([args.reboot] if args.reboot else []):
        if statuses:
            out += "harness: --- reboot ---\n"
        cmd = mica_qemu.qemu_command(mica_qemu.image_path(args.build), mem=args.mem,
                                     smp=args.smp, append=append, disk=disk,
                                     user_disk=disk2)
        print("harness: " + " ".join(cmd), flush=True)
        typed = args.input if not statuses else []
        text, status = run_qemu(cmd, typed, args.input_after, args.timeout)
        out += text
        if status is None:
            print(out)
            print(f"harness: FAIL: TIMEOUT: QEMU did not power off within "
                  f"{args.timeout:.0f} s (killed)")
            return 1
        statuses.append(status)

    # Kernel backtraces are raw addresses; name them as ./mica run does.
    kernel_elf = mica_qemu.kernel_elf_path(args.build)
    if os.path.exists(kernel_elf):
        out = mica_symbolize.annotate(out, mica_symbolize.Symbols(kernel_elf))

    failures = []
    pos = 0
    for rx in args.expect:
        m = re.compile(rx, re.MULTILINE).search(out, pos)
        if not m:
            failures.append(f"expected /{rx}/ (after offset {pos}) not found")
        else:
            pos = m.end()
    for rx in args.forbid:
        m = re.search(rx, out, re.MULTILINE)
        if m:
            failures.append(f"forbidden /{rx}/ found: {m.group(0)!r}")
    failures += check_tests(out, args.min_tests)
    for n, status in enumerate(statuses, 1):
        if status != args.exit_status:
            failures.append(f"QEMU exit status {status} (boot {n}), expected {args.exit_status}")
    for check in args.host_check:
        here = os.path.dirname(os.path.abspath(__file__))
        cmd_line = (check.replace("{disk}", disk or "").replace("{disk2}", disk2 or "")
                    .replace("TESTS/", here + "/"))
        r = subprocess.run(cmd_line, shell=True, capture_output=True, text=True)
        if r.returncode != 0:
            failures.append(f"host check failed ({r.returncode}): {cmd_line}\n"
                            f"{r.stdout}{r.stderr}")
    if disk:
        if not os.environ.get("MICA_KEEP_DISK"):  # set it to inspect the disk afterwards
            shutil.rmtree(os.path.dirname(disk), ignore_errors=True)

    if failures:
        print(out)
        for f in failures:
            print("harness: FAIL: " + f)
        return 1
    ntests = len(set(re.findall(r"^TEST (\S+) PASS$", out, re.MULTILINE)))
    if args.min_tests is not None and ntests > args.min_tests:
        # Not a failure: a new test ran. Raising min_tests makes it guarded.
        print(f"harness: note: {ntests} tests passed; raise min_tests "
              f"({args.min_tests}) in the case so that none can disappear")
    print(f"harness: PASS ({ntests} tests, {len(args.expect)} expectations, "
          f"{len(args.forbid)} forbidden patterns, exit status {status})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
