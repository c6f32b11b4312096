#!/usr/bin/env python3
"""qemu.crash_during_writes: kill QEMU in the middle of heavy writes, then
repair with fsck.fat and check that what was synced survived.

For each kill point (--kill-at): a private copy of the system disk, a boot
with tests/target/crashwrite.c as init, and, once the console shows the
synced set complete and the kill point's line — "crashwrite: round K", or
for "hold" "crashwrite: holding" (crashwrite stopped right after its sync
calls) — SIGKILL to QEMU: no shutdown, no sync; whatever fat32 still held
in its page cache is lost, as at a power cut. Then crash_verify.py on the
copy: fsck.fat -a must repair the volume so that fsck.fat -n is clean, and
every file crashwrite announced as synced must be byte-exact. The kill
points are console lines, not sleeps, so each run stops at the same place
in the program's work (how far the round in flight got varies). The
volume must carry the dirty flag; after the "hold" kill, Mica boots once
more on the unrepaired disk first and must say that it was not unmounted
cleanly.
Prints PASS/FAIL lines; exits 1 on any failure.
"""
import argparse
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
sys.path.insert(0, HERE)
import mica_qemu  # noqa: E402
import crash_verify  # noqa: E402

SYNCED = re.compile(r"^crashwrite: synced (prefix )?(\d+) (/.*)$")
ALL_SYNCED = re.compile(r"^crashwrite: synced (\d+) files$")
BROKEN = re.compile(r"crashwrite: FAIL|PANIC")


def run_until(cmd, stop_line, timeout):
    """Boots, reads the console line by line and SIGKILLs QEMU right after
    the line stop_line. Returns (log, synced, error): synced maps each
    announced path to (size, prefix), from complete lines only."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    data, done, synced, announced = b"", 0, {}, None
    error = None
    while error is None:
        left = deadline - time.monotonic()
        if left <= 0:
            error = f"no {stop_line!r} within {timeout:.0f} s"
            break
        ready, _, _ = select.select([proc.stdout], [], [], min(left, 0.5))
        if not ready:
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            error = "QEMU ended before it was killed (crashwrite stopped writing)"
            break
        data += chunk
        # Whole lines only: a line cut short by the kill promises nothing.
        lines = data.decode(errors="replace").replace("\r", "").split("\n")
        for line in lines[done:-1]:
            m = SYNCED.match(line)
            if m:
                synced[m.group(3)] = (int(m.group(2)), m.group(1) is not None)
            m = ALL_SYNCED.match(line)
            if m:
                announced = int(m.group(1))
            if BROKEN.search(line):
                error = f"the guest failed: {line!r}"
            if line == stop_line and error is None:
                proc.send_signal(signal.SIGKILL)  # mid-write, as a power cut
                proc.wait()
                return data.decode(errors="replace"), synced, check_set(synced, announced)
        done = max(done, len(lines) - 1)
    proc.kill()
    proc.wait()
    return data.decode(errors="replace"), synced, error


def check_set(synced, announced):
    """The synced set is complete: the marker came and named as many files."""
    if announced is None:
        return "no 'crashwrite: synced N files' line before the kill"
    if announced != len(synced):
        return f"crashwrite announced {announced} synced files, the console named {len(synced)}"
    return None


UNCLEAN = "fat32: the volume was not unmounted cleanly: repair it with fsck.fat"


def boot_unrepaired(build, disk, timeout):
    """Boots Mica once more on the crashed disk, before any repair: fat32
    must say that the volume was not unmounted cleanly, and the system must
    run and power off normally. Returns a failure message or None."""
    cmd = mica_qemu.qemu_command(mica_qemu.image_path(build), disk=disk,
                                 append="-- /bin/true")
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"the boot on the unrepaired disk did not power off within {timeout:.0f} s"
    out = r.stdout.decode(errors="replace").replace("\r", "")
    if UNCLEAN not in out or r.returncode != 0:
        print(out)
        return (f"the boot on the unrepaired disk (exit {r.returncode}) "
                f"did not print {UNCLEAN!r}")
    print("crash: PASS a boot on the unrepaired disk says: " + UNCLEAN, flush=True)
    return None


def one_run(build, kill_at, timeout, keep):
    """One boot, kill and check; returns the failure messages. kill_at: a
    round number, or "hold" (crashwrite stops after the synced set and
    QEMU is killed there: nothing after the sync calls helps them)."""
    tmpdir = tempfile.mkdtemp(prefix="mica-crash-")
    disk = os.path.join(tmpdir, "disk.img")
    shutil.copyfile(mica_qemu.disk_path(build), disk)
    hold = kill_at == "hold"
    cmd = mica_qemu.qemu_command(mica_qemu.image_path(build), disk=disk,
                                 append="-- /bin/crashwrite" + (" hold" if hold else ""))
    stop_line = "crashwrite: holding" if hold else f"crashwrite: round {kill_at}"
    print(f"crash: --- kill at {stop_line!r} ---\ncrash: " + " ".join(cmd), flush=True)
    log, synced, error = run_until(cmd, stop_line, timeout)
    failures = []
    if error:
        print(log)
        failures.append(error)
    else:
        print(f"crash: killed QEMU after {stop_line!r}; {len(synced)} synced files: "
              + ", ".join(f"{p} ({s}{' prefix' if pre else ''})"
                          for p, (s, pre) in sorted(synced.items())), flush=True)
        if hold:
            # Mica mounting the crashed volume notices, keeps it marked
            # dirty, and does not make what was synced any worse.
            problem = boot_unrepaired(build, disk, timeout)
            failures += [problem] if problem else []
        # Every kill point comes after writes that followed the last full
        # sync(): the volume must carry the dirty flag.
        failures += crash_verify.verify(disk, synced, expect_dirty=True,
                                        log=lambda s: print(s, flush=True))
    if keep:
        print(f"crash: disk kept at {disk}")
    else:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True, help="native build directory")
    # 0, 2: the synced set just done, few dirty pages; 9, 30: renames,
    # mkdir/rmdir, truncations and churn beside the synced entries under
    # way; 90, 250: the 8 MiB stream has overflowed fat32's 4 MiB cache, so
    # evictions write pages back between FAT and directory updates (250:
    # after a stream file was unlinked and its clusters reused).
    ap.add_argument("--kill-at", default="hold,0,2,9,30,90,250",
                    help="comma-separated crashwrite rounds to kill QEMU after "
                         "(hold: right after the synced set, crashwrite idle)")
    ap.add_argument("--timeout", type=float, default=240, help="seconds per run to reach it")
    args = ap.parse_args()
    keep = bool(os.environ.get("MICA_KEEP_DISK"))  # to inspect the disks afterwards
    failed = 0
    for k in args.kill_at.split(","):
        failures = one_run(args.build, k, args.timeout, keep)
        for f in failures:
            print(f"crash: FAIL (kill at {k}): {f}", flush=True)
        print(f"crash: {'FAIL' if failures else 'PASS'}: kill at {k}", flush=True)
        failed += bool(failures)
    print(f"crash: {'FAIL' if failed else 'PASS'}: {failed} of "
          f"{len(args.kill_at.split(','))} runs failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
