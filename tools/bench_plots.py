"""PNG plots of a benchmark run, drawn by gnuplot (Debian's gnuplot-nox).

Each plot is a data file and a gnuplot script in the output directory, so
a reader can redraw or restyle it; plot() returns the PNGs it wrote.
"""
import os
import shutil
import subprocess

from bench_rows import sweep

FAULT_KINDS = [
    ("fault_map_resume_4k", "kernel only: fault, own pager maps, resume"),
    ("mm_fault_zero_fill_4k", "mm: anonymous zero fill"),
    ("mm_fault_cow_copy_4k", "mm: copy-on-write copy"),
    ("mm_fault_cow_reenable_4k", "mm: copy-on-write re-enable"),
    ("mm_fault_superpage_2m", "mm: 2 MiB superpage zero fill"),
    ("fs_file_fault_4k_warm", "mm + fat32: file page, cached"),
    ("fs_file_fault_4k_cold", "mm + fat32: file page, from disk"),
    ("pager_fault_first_touch_4k", "mm + custom pager: first touch"),
]

TERMINAL = "set terminal pngcairo size 900,560 noenhanced font 'sans,10'\n"


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def _gnuplot(out_dir, stem, script):
    """Runs script (without terminal/output lines); returns the PNG path."""
    png = os.path.join(out_dir, stem + ".png")
    gp = os.path.join(out_dir, stem + ".gp")
    _write(gp, TERMINAL + f"set output '{stem}.png'\n" + script)
    subprocess.run(["gnuplot", stem + ".gp"], cwd=out_dir, check=True,
                   stdout=subprocess.DEVNULL)
    return png


def _fault_cdf(results, out_dir):
    by_name = {r["name"]: r for r in results}
    series = [(n, label) for n, label in FAULT_KINDS
              if n in by_name and "percentiles" in by_name[n]]
    if not series:
        return None
    plots = []
    for i, (name, label) in enumerate(series):
        pct = by_name[name]["percentiles"]
        _write(os.path.join(out_dir, f"fault_cdf_{name}.dat"),
               "".join(f"{v} {p}\n" for p, v in enumerate(pct)))
        plots.append(f"'fault_cdf_{name}.dat' using 1:2 with steps lw 2 title '{label}'")
    return _gnuplot(out_dir, "fault_latency_cdf",
                    "set title 'Page-fault latency by kind (guest instructions, -icount "
                    "shift=0)'\n"
                    "set xlabel 'guest instructions per fault (log scale)'\n"
                    "set ylabel 'percent of faults at or below'\n"
                    "set logscale x\nset grid\nset key bottom right\nset yrange [0:100]\n"
                    "plot " + ", \\\n     ".join(plots) + "\n")


def _errorbars(out_dir, stem, rows, title, xlabel, ylabel, logx=False, logy=False,
               extra=None):
    """A median line with min..max bars for each series in rows:
    [(title, [(x, row)])]."""
    plots = []
    for i, (label, pts) in enumerate(rows):
        if not pts:
            continue
        dat = f"{stem}_{i}.dat"
        _write(os.path.join(out_dir, dat),
               "".join(f"{x} {r['median']} {r['min']} {r['max']}\n" for x, r in pts))
        plots.append(f"'{dat}' using 1:2:3:4 with yerrorlines lw 2 title '{label}'")
    if not plots:
        return None
    script = (f"set title '{title}'\nset xlabel '{xlabel}'\nset ylabel '{ylabel}'\n"
              "set grid\nset key top left\n")
    if logx:
        script += "set logscale x\n"
    if logy:
        script += "set logscale y\n"
    script += extra or ""
    return _gnuplot(out_dir, stem, script + "plot " + ", \\\n     ".join(plots) + "\n")


def plot(results, out_dir):
    """Writes every plot the results allow; returns [(png, caption)]."""
    if not shutil.which("gnuplot"):
        raise RuntimeError("gnuplot is not installed (Debian package gnuplot-nox; "
                           "./mica installs it)")
    made = []

    def add(png, caption):
        if png:
            made.append((png, caption))

    add(_fault_cdf(results, out_dir),
        "Distribution of fault latency by kind (0th..100th percentile of each run)")
    add(_errorbars(out_dir, "ipc_by_size",
                   [("round trip, data each way", sweep(results, "echo_bytes"))],
                   "IPC round trip to another task by message size",
                   "bytes of IPC-buffer data each way (plus 64 bytes in registers)",
                   "guest instructions (median, min..max)"),
        "IPC round trip by message size")
    add(_errorbars(out_dir, "touch_superpages",
                   [("4 KiB pages", sweep(results, "touch_4k")),
                    ("2 MiB superpages", sweep(results, "touch_super"))],
                   "Touching N MiB of fresh anonymous memory", "MiB touched (log scale)",
                   "guest instructions, total (log scale)", logx=True, logy=True),
        "Cost of touching N MiB with and without superpages")
    add(_errorbars(out_dir, "vma_scaling",
                   [("first-touch fault", sweep(results, "vma_fault")),
                    ("mmap of one page", sweep(results, "vma_mmap"))],
                   "Cost as the address space holds more VMAs", "VMAs in the space (log scale)",
                   "guest instructions (median, min..max)", logx=True,
                   extra="set yrange [0:*]\n"),
        "Fault and mmap cost with 10, 1,000 and 10,000 VMAs")
    add(_errorbars(out_dir, "fork_scaling",
                   [("heap in 4 KiB pages", sweep(results, "fork_4k")),
                    ("heap in 2 MiB superpages", sweep(results, "fork_super"))],
                   "fork + exit + wait as touched memory grows", "MiB of touched heap",
                   "guest instructions (median, min..max)"),
        "fork cost with 1, 16 and 64 MiB of touched memory")
    add(_errorbars(out_dir, "ipc_clients",
                   [("per request at the server", sweep(results, "clients"))],
                   "One server, N clients calling at once", "clients (log scale)",
                   "guest instructions per request (median, min..max)", logx=True,
                   extra="set yrange [0:*]\n"),
        "IPC cost as the number of clients grows")
    return made
