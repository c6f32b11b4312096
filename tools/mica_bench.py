#!/usr/bin/env python3
"""Runs Mica's benchmark suite and reports it.

Boots the image once per suite (kbench, mmbench, fsbench) under QEMU `-icount shift=0`, where
the guest's instret counter advances by exactly one per executed
instruction, so every figure is a count of guest instructions, the same on
any host. Prints a table and writes build/bench/kbench.json and
build/bench/kbench.md.
"""
import argparse
import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mica_qemu  # noqa: E402

LINE = re.compile(r"^BENCH (\S+) median=(\d+) min=(\d+) max=(\d+) iters=(\d+)"
                  r"(?: faults=(\d+))?")

# Each suite is a boot: the kernel benchmarks run as the root task, the
# memory-server ones as a program mm serves.
# The file-server ones get a copy of the system disk with an 8 MiB file.
SUITES = [("kbench", "mica.root=kbench", False), ("mmbench", "root.run=mmbench", False),
          ("fsbench", "root.run=fsbench", True), ("procbench", "-- /bin/procbench", True)]
BENCH_FILE_LEN = 8 << 20

DESCRIPTIONS = {
    "null_syscall": "unknown syscall number: kernel entry, dispatch, E_NOSYS, exit",
    "ipc_call_reply_same_space": "call + reply_recv round trip, server thread in the same task, libsys C stubs",
    "ipc_call_reply_cross_space": "call + reply_recv round trip, server in another task, libsys C stubs",
    "ipc_call_reply_cross_space_256B_buffer": "as above with 256 bytes of IPC-buffer data in the call; the reply carries none (the call takes the slow path)",
    "ipc_call_reply_cross_space_raw": "register-only round trip, other task, message kept in registers (kernel fastpath + 8 user instructions)",
    "fault_map_resume_4k": "page fault -> user pager maps a 4 KiB frame -> resume, timed by the faulting thread",
    "fault_loop_no_map": "page-fault loop: fault -> pager replies resume without mapping -> same fault, timed at the pager (C stubs)",
    "fault_loop_no_map_raw": "the same loop with the pager's reply_recv kept in registers (kernel cost + a few user instructions)",
    "mm_fault_zero_fill_4k": "first touch of anonymous memory: trap, kernel, mm allocates, zeroes and maps a 4 KiB frame, resume (timed around the store)",
    "mm_fault_cow_copy_4k": "write to a copy-on-write page another space still maps: mm copies 4 KiB and remaps",
    "mm_fault_cow_reenable_4k": "write to a copy-on-write page nobody else maps any more: mm makes it writable, no copy",
    "mm_fault_superpage_2m": "first touch of a 2 MiB-aligned anonymous region: one 2 MiB leaf, 2 MiB zeroed",
    "mm_touch_64MiB_4k_pages": "touch every 4 KiB page of 64 MiB with small pages only (total, one run)",
    "mm_touch_64MiB_superpages": "the same with 2 MiB superpages (total, one run)",
    "mm_fork_exit_wait_16MiB_heap_4k_pages": "fork (copy-on-write) a space with 16 MiB of touched heap in 4 KiB pages, child exits, parent waits and destroys it",
    "mm_fork_exit_wait_16MiB_heap_superpages": "the same with the heap in 2 MiB superpages",
    "fs_read_4k_of_8MiB_cold": "read() of an 8 MiB file in 4 KiB steps just after boot (4 requests of 1 KiB; the first loads the page from disk into fat32's page cache)",
    "fs_read_4k_cached": "read() of 4 KiB already in fat32's page cache (the file's last 2 MiB again): 4 requests of 1 KiB, no disk I/O",
    "fs_file_fault_4k_cold": "first read of a page of a private file mapping: mm asks fat32, which loads it from disk into its page cache and hands over a frame capability",
    "fs_file_fault_4k_warm": "the same page mapped again: served from the page cache (no disk I/O)",
    "proc_fork_exit_wait": "fork() of a small newlib process (through proc and mm), the child's _exit, the parent's waitpid",
    "proc_fork_exec_wait_true": "fork, execv(\"/bin/true\") (ELF from the page cache, lazily mapped), its exit, waitpid",
    "proc_spawn_wait_true": "proc_spawn(\"/bin/true\") (no fork) and waitpid",
    "proc_exec_to_main": "from execv in a forked child to the first instruction of the new program's main",
    "proc_spawn_to_main": "from proc_spawn in the parent to the first instruction of the child's main (procbench itself)",
    "srv_call_round_trip_16B": "16-byte request and reply through srv_call/srv_run (libsys server framework) to another process",
    "ipc_raw_round_trip_16B": "the same 16 bytes each way through the raw IPC stubs and a bare reply_recv loop",
    "pager_fault_first_touch_4k": "first touch of a page of a memory object of the example custom pager: fault -> mm -> GET_PAGE to the pager, which zero-fills a frame of its RAM -> mm maps it -> resume",
    "pager_fault_mapped_again_4k": "the same page after a fresh mapping of the object: the pager's frame exists (GET_PAGE + map)",
    "proc_pipe_round_trip_1B": "1 byte to a child through one pipe and back through another (pipe server, both blocking)",
}


def bench_disk(build_dir, tmp):
    """A copy of the system disk with /bench8m.bin, the bytes fsbench expects."""
    disk = os.path.join(tmp, "disk.img")
    shutil.copyfile(mica_qemu.disk_path(build_dir), disk)
    data = bytes(((i * 13 + (i >> 12)) & 0xFF) for i in range(BENCH_FILE_LEN))
    src = os.path.join(tmp, "bench8m.bin")
    with open(src, "wb") as f:
        f.write(data)
    subprocess.run(["mcopy", "-i", disk, src, "::/bench8m.bin"], check=True)
    return disk


def main():
    ap = argparse.ArgumentParser(prog="mica bench")
    ap.add_argument("--build", required=True)
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()

    image = mica_qemu.image_path(args.build)
    results = []
    start = time.time()
    tmp = tempfile.mkdtemp(prefix="mica-bench-")
    atexit.register(shutil.rmtree, tmp, True)
    for suite, append, needs_disk in SUITES:
        disk = bench_disk(args.build, tmp) if needs_disk else None
        cmd = mica_qemu.qemu_command(image, append=append, icount=True, disk=disk)
        print(f"bench: {suite}: " + " ".join(cmd), file=sys.stderr)
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace")
        got = 0
        try:
            for raw in proc.stdout:
                line = raw.replace("\r", "").rstrip("\n")
                m = LINE.match(line)
                if m:
                    name = m.group(1)
                    r = {"name": name, "suite": suite,
                         "median": int(m.group(2)), "min": int(m.group(3)),
                         "max": int(m.group(4)), "iterations": int(m.group(5)),
                         "unit": "guest instructions",
                         "what": DESCRIPTIONS.get(name, "")}
                    if m.group(6) is not None:
                        r["faults"] = int(m.group(6))
                    results.append(r)
                    got += 1
                    print(f"bench: [{time.time() - start:5.1f} s] {name}: median {m.group(2)}",
                          file=sys.stderr, flush=True)
                elif "PANIC" in line or "killed" in line or "wrong byte" in line:
                    print("bench: " + line, file=sys.stderr)
                if time.time() - start > args.timeout:
                    proc.kill()
                    sys.exit(f"bench: timed out after {args.timeout:.0f} s")
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        if proc.returncode != 0 or got == 0:
            sys.exit(f"bench: {suite} failed (QEMU exit {proc.returncode}, {got} results)")

    out_dir = os.path.join(args.build, "bench")
    os.makedirs(out_dir, exist_ok=True)
    doc = {"machine": "qemu-system-riscv64 -machine virt -icount shift=0",
           "unit": "guest instructions per operation (median, min, max)",
           "results": results}
    with open(os.path.join(out_dir, "kbench.json"), "w") as f:
        json.dump(doc, f, indent=2)
    rows = ["| benchmark | median | min | max | iterations | faults | what it measures |",
            "|---|---:|---:|---:|---:|---:|---|"]
    for r in results:
        rows.append(f"| {r['name']} | {r['median']} | {r['min']} | {r['max']} | "
                    f"{r['iterations']} | {r.get('faults', '')} | {r['what']} |")
    table = "\n".join(rows)
    with open(os.path.join(out_dir, "kbench.md"), "w") as f:
        f.write("# Mica kernel benchmarks\n\nGuest instructions under QEMU "
                "`-icount shift=0`.\n\n" + table + "\n")
    print(table)
    print(f"\nbench: wrote {out_dir}/kbench.json and kbench.md", file=sys.stderr)


if __name__ == "__main__":
    main()
