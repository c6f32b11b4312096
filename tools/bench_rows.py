"""What every benchmark row of Mica's suite is: its suite (the boot that
prints it) and what it measures. Rows that sweep a parameter are patterns;
their descriptions take the parameter.

Used by tools/mica_bench.py; kept apart so the descriptions read as a list.
"""
import re

# (suite, how the boot is started, needs the bench disk)
SUITES = [("kbench", "mica.root=kbench", False), ("mmbench", "root.run=mmbench", False),
          ("fsbench", "root.run=fsbench", True), ("procbench", "-- /bin/procbench", True)]

# (regex over the row name, suite, description; {0}, {1} are the groups)
ROWS = [
    (r"null_syscall", "kbench",
     "unknown syscall number: kernel entry, dispatch, E_NOSYS, exit"),
    (r"ipc_call_reply_same_space", "kbench",
     "call + reply_recv round trip, server thread in the same task, libsys C stubs"),
    (r"ipc_call_reply_cross_space", "kbench",
     "call + reply_recv round trip, server in another task, libsys C stubs"),
    (r"ipc_call_reply_cross_space_256B_buffer", "kbench",
     "as above with 256 bytes of IPC-buffer data in the call; the reply carries none "
     "(the call takes the slow path)"),
    (r"ipc_call_reply_cross_space_raw", "kbench",
     "register-only round trip, other task, message kept in registers "
     "(kernel fastpath + 8 user instructions)"),
    (r"ipc_echo_round_trip_(\d+)B_buffer", "kbench",
     "call + reply round trip to another task with {0} bytes of IPC-buffer data each way "
     "(plus the 64 bytes of registers), libsys C stubs"),
    (r"ipc_server_per_request_(\d+)_clients", "kbench",
     "{0} client task(s) call one server at once: instructions between two consecutive "
     "requests the server takes (one round trip's share of all the system does)"),
    (r"fault_map_resume_4k", "kbench",
     "page fault -> user pager maps a 4 KiB frame -> resume, timed by the faulting thread"),
    (r"fault_loop_no_map", "kbench",
     "page-fault loop: fault -> pager replies resume without mapping -> same fault, "
     "timed at the pager (C stubs)"),
    (r"fault_loop_no_map_raw", "kbench",
     "the same loop with the pager's reply_recv kept in registers "
     "(kernel cost + a few user instructions)"),
    (r"mm_fault_zero_fill_4k", "mmbench",
     "first touch of anonymous memory: trap, kernel, mm allocates, zeroes and maps a "
     "4 KiB frame, resume (timed around the store)"),
    (r"mm_fault_cow_copy_4k", "mmbench",
     "write to a copy-on-write page another space still maps: mm copies 4 KiB and remaps"),
    (r"mm_fault_cow_reenable_4k", "mmbench",
     "write to a copy-on-write page nobody else maps any more: mm makes it writable, no copy"),
    (r"mm_fault_superpage_2m", "mmbench",
     "first touch of a 2 MiB-aligned anonymous region: one 2 MiB leaf, 2 MiB zeroed"),
    (r"mm_touch_(\d+)MiB_4k_pages", "mmbench",
     "touch every 4 KiB page of {0} MiB with small pages only (total, one run)"),
    (r"mm_touch_(\d+)MiB_superpages", "mmbench",
     "touch every 4 KiB page of {0} MiB, mm mapping 2 MiB superpages (total, one run)"),
    (r"mm_fork_exit_wait_(\d+)MiB_heap_4k_pages", "mmbench",
     "fork (copy-on-write) a space with {0} MiB of touched heap in 4 KiB pages, the child "
     "exits, the parent waits and destroys it"),
    (r"mm_fork_exit_wait_(\d+)MiB_heap_superpages", "mmbench",
     "the same with the {0} MiB heap in 2 MiB superpages"),
    (r"mm_mmap_4k_with_(\d+)_vmas", "mmbench",
     "mm_mmap of one page (mm finds a gap, inserts a VMA) with {0} other VMAs in the space"),
    (r"mm_fault_zero_fill_4k_with_(\d+)_vmas", "mmbench",
     "first-touch 4 KiB fault with {0} other VMAs in the space (mm looks the VMA up)"),
    (r"fs_read_4k_of_8MiB_cold", "fsbench",
     "read() of an 8 MiB file in 4 KiB steps just after boot (4 requests of 1 KiB; the "
     "first loads the page from disk into fat32's page cache)"),
    (r"fs_read_4k_cached", "fsbench",
     "read() of 4 KiB already in fat32's page cache (the file's last 2 MiB again): "
     "4 requests of 1 KiB, no disk I/O"),
    (r"fs_file_fault_4k_cold", "fsbench",
     "first read of a page of a private file mapping: mm asks fat32, which loads it from "
     "disk into its page cache and hands over a frame capability"),
    (r"fs_file_fault_4k_warm", "fsbench",
     "the same page mapped again: served from the page cache (no disk I/O)"),
    (r"proc_fork_exit_wait", "procbench",
     "fork() of a small newlib process (through proc and mm), the child's _exit, "
     "the parent's waitpid"),
    (r"proc_fork_exec_wait_true", "procbench",
     "fork, execv(\"/bin/true\") (ELF from the page cache, lazily mapped), its exit, waitpid"),
    (r"proc_spawn_wait_true", "procbench", "proc_spawn(\"/bin/true\") (no fork) and waitpid"),
    (r"proc_exec_to_main", "procbench",
     "from execv in a forked child to the first instruction of the new program's main"),
    (r"proc_spawn_to_main", "procbench",
     "from proc_spawn in the parent to the first instruction of the child's main "
     "(procbench itself)"),
    (r"srv_call_round_trip_16B", "procbench",
     "16-byte request and reply through srv_call/srv_run (libsys server framework) to "
     "another process"),
    (r"ipc_raw_round_trip_16B", "procbench",
     "the same 16 bytes each way through the raw IPC stubs and a bare reply_recv loop"),
    (r"pager_fault_first_touch_4k", "procbench",
     "first touch of a page of a memory object of the example custom pager: fault -> mm -> "
     "GET_PAGE to the pager, which zero-fills a frame of its RAM -> mm maps it -> resume"),
    (r"pager_fault_mapped_again_4k", "procbench",
     "the same page after a fresh mapping of the object: the pager's frame exists "
     "(GET_PAGE + map)"),
    (r"proc_pipe_round_trip_1B", "procbench",
     "1 byte to a child through one pipe and back through another (pipe server, both "
     "blocking)"),
]

# Rows whose cost includes waiting for the host's disk: under -icount the
# hart's idle loop while QEMU reads the image file counts, so they vary
# with host load (docs/performance.md).
# Since fat32 caches directory and FAT sectors, exec and spawn of a cached
# program no longer read the disk: only the cold file rows do.
DISK_BOUND = {"fs_read_4k_of_8MiB_cold", "fs_file_fault_4k_cold"}


# The rows that sweep a parameter (the one regex group), with what they
# are called in the report's scaling summary; tools/bench_plots.py draws
# them by these keys.
SWEEPS = {
    "vma_fault": ("first-touch fault vs VMAs", r"mm_fault_zero_fill_4k_with_(\d+)_vmas"),
    "vma_mmap": ("mmap of one page vs VMAs", r"mm_mmap_4k_with_(\d+)_vmas"),
    "fork_4k": ("fork, 4 KiB pages, vs MiB touched", r"mm_fork_exit_wait_(\d+)MiB_heap_4k_pages"),
    "fork_super": ("fork, superpages, vs MiB touched",
                   r"mm_fork_exit_wait_(\d+)MiB_heap_superpages"),
    "touch_4k": ("touch, 4 KiB pages, vs MiB", r"mm_touch_(\d+)MiB_4k_pages"),
    "touch_super": ("touch, superpages, vs MiB", r"mm_touch_(\d+)MiB_superpages"),
    "clients": ("server per request vs clients", r"ipc_server_per_request_(\d+)_clients"),
    "echo_bytes": ("echo round trip vs bytes", r"ipc_echo_round_trip_(\d+)B_buffer"),
}


def sweep(results, key):
    """[(parameter, row)] of SWEEPS[key]'s rows in results, by parameter."""
    out = []
    for r in results:
        m = re.fullmatch(SWEEPS[key][1], r["name"])
        if m:
            out.append((int(m.group(1)), r))
    return sorted(out, key=lambda x: x[0])


def lookup(name):
    """(suite, description) of a row name, or (None, "") when unknown."""
    for pattern, suite, what in ROWS:
        m = re.fullmatch(pattern, name)
        if m:
            return suite, what.format(*m.groups())
    return None, ""


def suites_for(only):
    """The suites a --only NAME selects: a suite by its name, otherwise
    every suite with a row whose name or pattern matches NAME."""
    if any(s[0] == only for s in SUITES):
        return {only}
    return {suite for pattern, suite, _ in ROWS if re.fullmatch(pattern, only)}
