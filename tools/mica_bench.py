#!/usr/bin/env python3
"""Runs Mica's benchmark suite and writes its report.

Each suite (kbench, mmbench, fsbench, procbench) is one boot under QEMU
`-icount shift=0`, where the guest's instret counter advances by exactly one
per executed instruction: every figure is a count of guest instructions,
the same on any host (rows that wait for the host's disk aside; see
docs/performance.md). Writes, in build/bench/:
  report.md   every figure (median, min, max, iterations), the plots, the
              scaling summary, the wall-clock table and any comparison
  bench.json  the same data for scripts (--compare takes such a file)
  *.png       gnuplot plots (their .dat and .gp files beside them)
Options:
  --only NAME   run only the suite holding benchmark NAME (or suite NAME)
                and report only the rows NAME matches
  --compare F   print new/old median ratios against a saved bench.json;
                exit 1 when a ratio exceeds --threshold (regressions)
  --wall        also boot each suite without icount and report wall-clock
                nanoseconds (noisy: host time) and the ratio between them
"""
import argparse
import atexit
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_plots  # noqa: E402
import bench_rows  # noqa: E402
import mica_qemu  # noqa: E402

LINE = re.compile(r"^BENCH (\S+) median=(\d+) min=(\d+) max=(\d+) iters=(\d+)"
                  r"(?: faults=(\d+))?")
PCT = re.compile(r"^BENCHPCT (\S+) (\d+)((?: \d+)+)$")
CLOCK = re.compile(r"^BENCHCLOCK instret=(\d+) time=(\d+)$")
BENCH_FILE_LEN = 8 << 20
TIMEBASE_HZ = 10_000_000  # QEMU virt's timer (the FDT's timebase-frequency)


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


def run_suite(build_dir, tmp, suite, append, needs_disk, icount, timeout, start, mode):
    """Boots one suite; returns (rows, clock lines [(instret, time)])."""
    disk = bench_disk(build_dir, tmp) if needs_disk else None
    cmd = mica_qemu.qemu_command(mica_qemu.image_path(build_dir), append=append,
                                 icount=icount, disk=disk)
    print(f"bench: {suite} ({mode}): " + " ".join(cmd), file=sys.stderr, flush=True)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace")
    rows, pct, clock = [], {}, []
    deadline = time.time() + timeout
    try:
        for raw in proc.stdout:
            line = raw.replace("\r", "").rstrip("\n")
            m = LINE.match(line)
            if m:
                name = m.group(1)
                known_suite, what = bench_rows.lookup(name)
                r = {"name": name, "suite": suite, "median": int(m.group(2)),
                     "min": int(m.group(3)), "max": int(m.group(4)),
                     "iterations": int(m.group(5)), "what": what}
                if known_suite is None:
                    print(f"bench: warning: {name} has no description in tools/bench_rows.py",
                          file=sys.stderr)
                if m.group(6) is not None:
                    r["faults"] = int(m.group(6))
                rows.append(r)
                print(f"bench: [{time.time() - start:6.1f} s] {suite}/{name}: median "
                      f"{r['median']}", file=sys.stderr, flush=True)
                continue
            m = PCT.match(line)
            if m:
                pct.setdefault(m.group(1), {})
                for k, v in enumerate(m.group(3).split()):
                    pct[m.group(1)][int(m.group(2)) + k] = int(v)
                continue
            m = CLOCK.match(line)
            if m:
                clock.append((int(m.group(1)), int(m.group(2))))
            elif "PANIC" in line or "killed" in line or "wrong byte" in line:
                print("bench: " + line, file=sys.stderr)
            if time.time() > deadline:
                proc.kill()
                sys.exit(f"bench: {suite} timed out after {timeout:.0f} s")
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    if proc.returncode != 0 or not rows:
        sys.exit(f"bench: {suite} failed (QEMU exit {proc.returncode}, {len(rows)} results)")
    for r in rows:
        p = pct.get(r["name"])
        if p and len(p) == 101:
            r["percentiles"] = [p[k] for k in range(101)]
    return rows, clock


def counts_per_ns(clock):
    """instret counts per nanosecond of the platform timer between a suite's
    first and last BENCHCLOCK line."""
    if len(clock) < 2 or clock[-1][1] <= clock[0][1]:
        return None
    ns = (clock[-1][1] - clock[0][1]) * 1e9 / TIMEBASE_HZ
    return (clock[-1][0] - clock[0][0]) / ns


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def scaling_summary(results):
    """Lines saying how each swept figure grows: the last point over the
    first, against the growth of the parameter."""
    lines = []
    for key, (label, _) in bench_rows.SWEEPS.items():
        pts = bench_rows.sweep(results, key)
        if len(pts) < 2:
            continue
        cells = ", ".join(f"{x}: {r['median']}" for x, r in pts)
        (x0, r0), (x1, r1) = pts[0], pts[-1]
        growth = f"x{r1['median'] / r0['median']:.2f}" if r0["median"] else "n/a"
        lines.append(f"- **{label}** (medians): {cells}; {growth} from {x0} to {x1}")
    return lines


def compare(results, old_path, threshold):
    """Rows of (name, old, new, ratio, flag) and the regression count."""
    with open(old_path) as f:
        old = {r["name"]: r for r in json.load(f)["results"]}
    rows, regressions = [], 0
    for r in results:
        o = old.get(r["name"])
        if not o or not o["median"]:
            continue
        ratio = r["median"] / o["median"]
        flag = ""
        if ratio > threshold:
            flag = "REGRESSION" + (" (disk-bound: noisy)" if r["name"] in bench_rows.DISK_BOUND
                                   else "")
            regressions += 1
        elif ratio < 1 / threshold:
            flag = "faster"
        rows.append((r["name"], o["median"], r["median"], f"{ratio:.3f}", flag))
    return rows, regressions


def main():
    ap = argparse.ArgumentParser(prog="mica bench")
    ap.add_argument("--build", required=True)
    ap.add_argument("--timeout", type=float, default=900, help="seconds per boot")
    ap.add_argument("--only", metavar="NAME")
    ap.add_argument("--compare", metavar="JSON")
    ap.add_argument("--threshold", type=float, default=1.10,
                    help="--compare: ratio above which a row is a regression (1.10)")
    ap.add_argument("--wall", action="store_true")
    ap.add_argument("--out", help="output directory (default BUILD/bench)")
    args = ap.parse_args()

    suites = bench_rows.SUITES
    if args.only:
        wanted = bench_rows.suites_for(args.only)
        if not wanted:
            sys.exit(f"bench: no benchmark or suite is called {args.only!r} "
                     "(names: tools/bench_rows.py)")
        suites = [s for s in suites if s[0] in wanted]

    start = time.time()
    tmp = tempfile.mkdtemp(prefix="mica-bench-")
    atexit.register(shutil.rmtree, tmp, True)
    results, wall = [], {}
    modes = [("icount", True)] + ([("wall", False)] if args.wall else [])
    total = len(suites) * len(modes)
    n = 0
    for mode, icount in modes:
        for suite, append, needs_disk in suites:
            n += 1
            print(f"bench: boot {n} of {total}", file=sys.stderr)
            rows, clock = run_suite(args.build, tmp, suite, append, needs_disk, icount,
                                    args.timeout, start, mode)
            if args.only and args.only != suite:
                rows = [r for r in rows if r["name"] == args.only]
            if icount:
                results += rows
                continue
            per_ns = counts_per_ns(clock)
            for r in rows:
                # Without icount QEMU's instret reads the host's cycle
                # counter; the clock lines say how many there are per ns.
                wall[r["name"]] = {"median_ns": r["median"] / per_ns if per_ns else None,
                                   "min_ns": r["min"] / per_ns if per_ns else None,
                                   "max_ns": r["max"] / per_ns if per_ns else None,
                                   "counts_per_ns": per_ns}
    if not results:
        sys.exit(f"bench: no row is called {args.only!r}")

    out_dir = args.out or os.path.join(args.build, "bench")
    os.makedirs(out_dir, exist_ok=True)
    for r in results:
        r["unit"] = "guest instructions"
        if r["name"] in wall:
            r["wall"] = wall[r["name"]]
    plots = bench_plots.plot(results, out_dir)

    qemu_version = subprocess.run(["qemu-system-riscv64", "--version"], capture_output=True,
                                  text=True).stdout.splitlines()[0]
    doc = {"machine": "qemu-system-riscv64 -machine virt -icount shift=0",
           "qemu": qemu_version,
           "unit": "guest instructions per operation (median, min, max)",
           "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "results": results}
    with open(os.path.join(out_dir, "bench.json"), "w") as f:
        json.dump(doc, f, indent=2)

    table = md_table(["benchmark", "median", "min", "max", "iterations", "faults",
                      "what it measures"],
                     [(r["name"] + (" (disk-bound)" if r["name"] in bench_rows.DISK_BOUND else ""),
                       r["median"], r["min"], r["max"], r["iterations"], r.get("faults", ""),
                       r["what"]) for r in results])
    md = ["# Mica benchmark report", "",
          f"{doc['date']}, {qemu_version}. Every figure is a count of **guest "
          "instructions** under QEMU `-icount shift=0` (deterministic: one per executed "
          "instruction), user code included. Rows marked disk-bound include the hart's idle "
          "wait for the host's disk, which varies with host load. Reproduce with "
          "`./mica bench`; docs/performance.md says what each figure includes.", "",
          "## All figures", "", table, ""]
    summary = scaling_summary(results)
    if summary:
        md += ["## Scaling", ""] + summary + [""]
    if plots:
        md += ["## Plots", ""]
        for png, caption in plots:
            md += [f"### {caption}", "", f"![{caption}]({os.path.basename(png)})", ""]
    if wall:
        wrows = []
        for r in results:
            w = wall.get(r["name"])
            if not w or not w["median_ns"]:
                continue
            wrows.append((r["name"], f"{w['median_ns']:.0f}", f"{w['min_ns']:.0f}",
                          f"{w['max_ns']:.0f}", r["median"],
                          f"{r['median'] / w['median_ns']:.3f}"))
        md += ["## Wall clock (noisy)", "",
               "The same boots without `-icount`: nanoseconds of host time on this machine "
               "under TCG emulation, with whatever else the host was doing. QEMU's instret "
               "then counts host cycles; each suite's BENCHCLOCK lines convert them to "
               "nanoseconds. Not comparable between machines; the last column is guest "
               "instructions (icount run) per wall nanosecond.", "",
               md_table(["benchmark", "median ns", "min ns", "max ns", "icount median",
                         "instructions per ns"], wrows), ""]
        if wrows:
            per = [float(w[5]) for w in wrows]
            md += [f"Instructions per ns over all rows: median {statistics.median(per):.3f}, "
                   f"min {min(per):.3f}, max {max(per):.3f}.", ""]
    regressions = 0
    if args.compare:
        crow, regressions = compare(results, args.compare, args.threshold)
        ctable = md_table(["benchmark", "old median", "new median", "new/old", ""], crow)
        md += [f"## Compared with {args.compare}", "",
               f"Ratios of medians; above {args.threshold} is flagged.", "", ctable, ""]
        print(ctable)
        print(f"bench: {regressions} row(s) above {args.threshold}", file=sys.stderr)
    with open(os.path.join(out_dir, "report.md"), "w") as f:
        f.write("\n".join(md))
    if not args.compare:
        print(table)
    print(f"\nbench: wrote {out_dir}/report.md, bench.json and {len(plots)} plots "
          f"in {time.time() - start:.0f} s", file=sys.stderr)
    sys.exit(1 if regressions else 0)


if __name__ == "__main__":
    main()
