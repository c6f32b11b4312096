#!/usr/bin/env python3
"""The one place that knows how Mica is booted in QEMU.

./mica run and ./mica debug exec QEMU through this script; the system-test
harness (tests/qemu/harness.py) imports qemu_command() from here, so the
interactive boot and the tested boot are the same boot.
"""
import argparse
import os
import shutil
import subprocess
import sys

OPENSBI_FW_JUMP = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
QEMU = "qemu-system-riscv64"


def target_dir(build_dir):
    return os.path.join(build_dir, "target")


def image_path(build_dir):
    return os.path.join(target_dir(build_dir), "bootimg", "mica.img")


def kernel_elf_path(build_dir):
    return os.path.join(target_dir(build_dir), "kernel", "kernel.elf")


def root_elf_path(build_dir):
    return os.path.join(target_dir(build_dir), "servers", "root", "root.elf")


def disk_path(build_dir):
    """The pristine system disk the build makes (tests copy it)."""
    return os.path.join(target_dir(build_dir), "bootimg", "disk.img")


def run_disk_path(build_dir):
    """The disk ./mica run boots with: a copy of the pristine one that keeps
    what the system writes from one run to the next, renewed when the build
    makes a new pristine disk."""
    pristine = disk_path(build_dir)
    work = os.path.join(target_dir(build_dir), "bootimg", "run-disk.img")
    if os.path.exists(pristine) and (not os.path.exists(work) or
                                     os.path.getmtime(work) < os.path.getmtime(pristine)):
        shutil.copyfile(pristine, work)
    return work


def add_programs(build_dir, src_dir, disk):
    """./mica run --with DIR: builds every DIR/*.c into a program of that
    name (mica-cc: libsys + newlib, as in-tree programs), and takes every
    RISC-V ELF executable already in DIR (an SDK project's build
    directory), and puts them in /bin on `disk`. Returns the names."""
    src_dir = os.path.abspath(src_dir)
    if not os.path.isdir(src_dir):
        sys.exit(f"mica: --with {src_dir}: no such directory")
    sources = sorted(f for f in os.listdir(src_dir) if f.endswith(".c"))
    built = sorted(f for f in os.listdir(src_dir) if is_riscv_elf(os.path.join(src_dir, f)))
    if not sources and not built:
        sys.exit(f"mica: --with {src_dir}: no .c files and no programs there")
    cc = os.path.join(target_dir(build_dir), "mica-cc")
    out_dir = os.path.join(target_dir(build_dir), "with")
    os.makedirs(out_dir, exist_ok=True)
    names = []
    for src in sources:
        name = src[:-2]
        out = os.path.join(out_dir, name)
        r = subprocess.run([cc, "-o", out, os.path.join(src_dir, src)])
        if r.returncode != 0:
            sys.exit(f"mica: --with: {src} does not build")
        env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
        subprocess.run(["mcopy", "-o", "-i", disk, out, f"::/bin/{name}"], check=True, env=env)
        names.append(name)
    for name in built:
        env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
        subprocess.run(["mcopy", "-o", "-i", disk, os.path.join(src_dir, name), f"::/bin/{name}"],
                       check=True, env=env)
        names.append(name)
    print(f"mica: put on the disk in /bin: {' '.join(names)}", file=sys.stderr)
    return names


def is_riscv_elf(path):
    """An ELF64 executable for RISC-V (EM_RISCV = 243)."""
    try:
        with open(path, "rb") as f:
            h = f.read(20)
    except OSError:
        return False
    return (len(h) == 20 and h[:4] == b"\x7fELF" and h[4] == 2 and
            h[16] == 2 and int.from_bytes(h[18:20], "little") == 243)


def qemu_command(image, mem="256M", smp=1, append=None, gdb=False,
                 icount=False, disk=None, user_disk=None):
    """Returns the argv that boots `image` on QEMU's virt machine, with
    `disk` (the system disk, mounted at /) and `user_disk` (mounted at /mnt)
    as virtio block devices when given. QEMU fills virtio-mmio slots from
    the last one down, so the system disk is always found first."""
    cmd = [QEMU, "-machine", "virt", "-bios", OPENSBI_FW_JUMP,
           "-kernel", image, "-m", mem, "-smp", str(smp),
           # The console on stdio with signal=off: ^C reaches Mica (the
           # shell's foreground program) instead of killing QEMU; mux=on
           # keeps Ctrl-A X for quitting.
           "-nographic", "-monitor", "none",
           "-chardev", "stdio,id=console,mux=on,signal=off", "-serial", "chardev:console",
           "-global", "virtio-mmio.force-legacy=false"]
    if disk:
        cmd += ["-drive", f"file={disk},if=none,format=raw,id=hd0",
                "-device", "virtio-blk-device,drive=hd0"]
    if disk and user_disk:
        cmd += ["-drive", f"file={user_disk},if=none,format=raw,id=hd1",
                "-device", "virtio-blk-device,drive=hd1"]
    if append:
        cmd += ["-append", append]
    if icount:
        cmd += ["-icount", "shift=0"]
    if gdb:
        cmd += ["-s", "-S"]
    return cmd


def check_user_disk(path):
    """A clear error before QEMU starts, instead of a failing boot."""
    if not os.path.isfile(path):
        sys.exit(f"mica: --disk {path}: no such file")
    with open(path, "rb") as f:
        boot = f.read(512)
    if len(boot) < 512 or boot[510:512] != b"\x55\xaa" or boot[82:90] != b"FAT32   ":
        sys.exit(f"mica: --disk {path}: not a FAT32 image (make one with mkfs.fat -F 32)")
    return os.path.abspath(path)


def run_symbolized(cmd, kernel_elf):
    """Runs QEMU with its console passed through the host symbolizer (the
    kernel prints backtraces as raw addresses); the keyboard stays QEMU's.
    Returns QEMU's exit status."""
    if not os.path.exists(kernel_elf):
        os.execvp(cmd[0], cmd)
    import mica_symbolize
    syms = mica_symbolize.Symbols(kernel_elf)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    try:
        mica_symbolize.pump(proc.stdout.fileno(), sys.stdout.fileno(), syms)
    except KeyboardInterrupt:
        proc.kill()
    return proc.wait()


def main():
    ap = argparse.ArgumentParser(prog="mica_qemu.py")
    ap.add_argument("--build", required=True)
    ap.add_argument("mode", choices=["run", "debug"])
    ap.add_argument("--mem", default="256M")
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--append", default=None,
                    help="kernel command line (FDT /chosen/bootargs)")
    ap.add_argument("--disk", default=None,
                    help="your own FAT32 image, mounted at /mnt (left a valid FAT32 volume)")
    ap.add_argument("--with", dest="with_dir", default=None,
                    help="build every DIR/*.c into /bin/NAME on the disk first")
    # "run -- PROG ARGS...": PROG from the disk is init (root starts it
    # through proc and powers off with its status). It travels on the
    # kernel command line after " -- ", so arguments cannot hold spaces.
    argv = sys.argv[1:]
    init = []
    if "--" in argv:
        cut = argv.index("--")
        argv, init = argv[:cut], argv[cut + 1:]
    args = ap.parse_args(argv)
    if init:
        if any(not a or any(c.isspace() for c in a) for a in init):
            sys.exit("mica: arguments after -- cannot be empty or hold spaces")
        args.append = ((args.append + " ") if args.append else "") + "-- " + " ".join(init)

    image = image_path(args.build)
    if not os.path.exists(image):
        sys.exit(f"mica: no boot image at {image}; build first")
    disk = run_disk_path(args.build)
    if args.with_dir:
        add_programs(args.build, args.with_dir, disk)
    cmd = qemu_command(image, mem=args.mem, smp=args.smp, append=args.append,
                       gdb=(args.mode == "debug"),
                       disk=disk if os.path.exists(disk) else None,
                       user_disk=check_user_disk(args.disk) if args.disk else None)
    if args.mode == "debug":
        kernel = kernel_elf_path(args.build)
        root = root_elf_path(args.build)
        print("mica: QEMU is halted before the first instruction, gdbstub on :1234.\n"
              "mica: attach from another terminal with:\n\n"
              f"  gdb-multiarch {kernel} -ex 'set architecture riscv:rv64' "
              f"-ex 'add-symbol-file {root}' -ex 'target remote :1234'\n\n"
              "mica: kernel symbols are at their virtual addresses, valid once the "
              "MMU is on: use a hardware breakpoint first ('hbreak kmain', then "
              "'continue'); after that 'break' works, also in the root task "
              "('break main'). QEMU: Ctrl-A X quits.",
              file=sys.stderr, flush=True)
        os.execvp(cmd[0], cmd)
    sys.exit(run_symbolized(cmd, kernel_elf_path(args.build)))


if __name__ == "__main__":
    main()
