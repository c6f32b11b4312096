#!/usr/bin/env python3
"""qemu.bench_report: ./mica bench's report tool does what docs/performance.md
says, on the kernel suite (one boot under -icount): the Markdown report,
the JSON and the plots are written; --compare against the run's own JSON
gives ratios of exactly 1 and exit 0; against a copy with one median
halved it flags that row and exits 1. Checks the tool, not the speed: no
figure is compared with a bound.
"""
import json
import os
import subprocess
import sys

build, tools = sys.argv[1], sys.argv[2]
out = os.path.join(build, "bench-test")
bench = [sys.executable, os.path.join(tools, "mica_bench.py"), "--build", build, "--out", out,
         "--only", "kbench"]
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


r = subprocess.run(bench, capture_output=True, text=True)
check(r.returncode == 0, f"mica_bench.py --only kbench exits 0 (got {r.returncode})")
check("bench: boot 1 of 1" in r.stderr, "progress is shown")
with open(os.path.join(out, "bench.json")) as f:
    doc = json.load(f)
rows = {x["name"]: x for x in doc["results"]}
for name in ("null_syscall", "ipc_echo_round_trip_1024B_buffer",
             "ipc_server_per_request_16_clients", "fault_map_resume_4k"):
    check(name in rows, f"bench.json has {name}")
check(all(x["min"] <= x["median"] <= x["max"] and x["iterations"] > 0 for x in rows.values()),
      "every row has min <= median <= max and iterations")
check(all(len(x.get("percentiles", [])) == 101 for x in rows.values()),
      "every row of 2000 samples has its 101 percentiles")
with open(os.path.join(out, "report.md")) as f:
    report = f.read()
check("| null_syscall |" in report and "## Plots" in report, "report.md has the table and plots")
for png in ("fault_latency_cdf.png", "ipc_by_size.png", "ipc_clients.png"):
    path = os.path.join(out, png)
    ok = os.path.exists(path)
    if ok:
        with open(path, "rb") as f:
            ok = f.read(8) == b"\x89PNG\r\n\x1a\n"
    check(ok, f"{png} is a PNG")
    check(f"]({png})" in report, f"report.md shows {png}")

# Compare with itself: deterministic under icount, so every ratio is 1.
saved = os.path.join(build, "bench-test-saved.json")
with open(saved, "w") as f:
    json.dump(doc, f)
r = subprocess.run(bench + ["--compare", saved], capture_output=True, text=True)
check(r.returncode == 0 and "| null_syscall | " in r.stdout and "REGRESSION" not in r.stdout,
      f"--compare against the same figures: no regression, exit 0 (got {r.returncode})")
check("| null_syscall | {0} | {0} | 1.000 |".format(rows["null_syscall"]["median"]) in r.stdout,
      "--compare prints the ratio 1.000 for an unchanged row")

# A saved run in which null_syscall was twice as fast: now a regression.
doc2 = json.loads(json.dumps(doc))
for x in doc2["results"]:
    if x["name"] == "null_syscall":
        x["median"] = max(1, x["median"] // 2)
with open(saved, "w") as f:
    json.dump(doc2, f)
r = subprocess.run(bench + ["--compare", saved], capture_output=True, text=True)
line = [ln for ln in r.stdout.splitlines() if ln.startswith("| null_syscall |")]
check(r.returncode == 1 and line and "REGRESSION" in line[0],
      f"--compare flags a doubled median and exits 1 (got {r.returncode}: {line})")

r = subprocess.run(bench[:-1] + ["no_such_benchmark"], capture_output=True, text=True)
check(r.returncode != 0 and "no benchmark or suite" in r.stderr,
      "--only with an unknown name is a clear error")

print(f"bench_report: {len(failures)} failed")
sys.exit(1 if failures else 0)
