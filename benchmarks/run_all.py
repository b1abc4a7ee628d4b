"""Run every benchmark and write one markdown table of their figures (benchmarks/RESULTS.md).

Each benchmark runs as its own process (``python3 benchmarks/bench_X.py [--quick]``), one after the other.
Lines ``RESULT | benchmark | case | figure | limit | ratio | note`` (printed by ``_timing.report``) go into
the table: each figure beside the machine's limit for the same work, measured in the same run, and the ratio
limit / figure (1.00 = at the limit; above 1 = faster than the reference, e.g. the naive numpy loop or a peer
library). A benchmark that cannot run here (``SKIPPED | benchmark | reason``, e.g. no MNIST files) is listed
as "skipped: <reason>" and does not fail the run. The full output of every benchmark follows the table.

    python3 benchmarks/run_all.py --quick            # all benchmarks in under 10 minutes on an idle 2-core machine
    python3 benchmarks/run_all.py --quick --loaded   # the same with a CPU-bound process pinned to core 0

``--loaded`` starts ``python3 -c "while True: pass"`` pinned to CPU 0 (``os.sched_setaffinity``) for the whole
run and stops it at the end: the figures then show how the engine behaves when another process holds one core
(the same as running ``taskset -c 0 python3 -c "while True: pass" &`` by hand). Timings are wall times: on a
shared machine they are only comparable within one run, so read the ratios.
"""

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["bench_simulate.py", "bench_lyapunov.py", "bench_sweep.py", "bench_response.py",
              "bench_meanfield.py", "bench_plasticity.py", "bench_classify.py"]
#: Benchmarks that take --quick (the others always run their one short configuration).
QUICK = {"bench_simulate.py", "bench_lyapunov.py", "bench_sweep.py", "bench_response.py", "bench_classify.py"}
#: Extra arguments with --quick.
QUICK_ARGS = {"bench_plasticity.py": ["--repeats", "1"]}


def start_load():
    """A CPU-bound process pinned to CPU 0; returns the Popen (stop it with ``.terminate()``)."""
    def pin():
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {0})
    return subprocess.Popen([sys.executable, "-c", "while True: pass"], preexec_fn=pin)


def run(script, quick, timeout):
    args = [sys.executable, str(HERE / script)]
    if quick:
        args += (["--quick"] if script in QUICK else []) + QUICK_ARGS.get(script, [])
    start = time.perf_counter()
    try:
        done = subprocess.run(args, cwd=HERE.parent, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent), str(HERE)])})
        out, status = done.stdout + done.stderr, "ok" if done.returncode == 0 else f"exit {done.returncode}"
        reason = skipped(done.stdout)
        if done.returncode == 0 and reason is not None:
            status = "skipped: " + reason.split(":")[0]           # e.g. "skipped: no data"
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        status = f"timeout after {timeout} s"
    return out, status, time.perf_counter() - start


def skipped(output):
    """The reason of a ``SKIPPED | benchmark | reason`` line (printed by ``_timing.skip``), or None."""
    for line in output.splitlines():
        if line.startswith("SKIPPED |"):
            return line.split("|", 2)[2].strip()
    return None


def parse(output):
    rows = []
    for line in output.splitlines():
        if line.startswith("RESULT |"):
            rows.append([cell.strip() for cell in line.split("|")[1:]])
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the short configuration of every benchmark")
    parser.add_argument("--loaded", action="store_true", help="run with a CPU-bound process pinned to CPU 0")
    parser.add_argument("--only", nargs="+", help="benchmark scripts to run (default: all)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per benchmark (default 900)")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md", help="the markdown file to write")
    args = parser.parse_args(argv)
    scripts = args.only or BENCHMARKS
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    load = start_load() if args.loaded else None
    sections, table, statuses = [], [], []
    try:
        for script in scripts:
            print(f"running {script} ...", flush=True)
            out, status, seconds = run(script, args.quick, args.timeout)
            print(f"  {status} in {seconds:.0f} s", flush=True)
            statuses.append((script, status, seconds))
            table.extend(parse(out))
            sections.append(f"### {script} ({status}, {seconds:.0f} s)\n\n```\n{out.rstrip()}\n```\n")
    finally:
        if load is not None:
            load.terminate()
            load.wait()
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count()
    lines = [
        "# Benchmark results", "",
        f"Written by `python3 benchmarks/run_all.py{' --quick' if args.quick else ''}"
        f"{' --loaded' if args.loaded else ''}` on {when}: {platform.processor() or platform.machine()}, {cpus} CPUs, "
        f"Python {platform.python_version()}; "
        + ("**loaded**: a CPU-bound process pinned to CPU 0 during the run." if args.loaded else
           "no load started by the script (other processes on the machine are not controlled).")
        + f" Load average (1 min) at the start: {load_avg:.1f}.",
        "", "Ratio = limit time / figure time, measured in the same run (1.00 = at the limit; higher is faster).", "",
        "| benchmark | case | figure | limit | ratio | limit is / goal |", "|---|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in table]
    lines += ["", "| script | status | seconds |", "|---|---|---|"]
    lines += [f"| {s} | {st} | {sec:.0f} |" for s, st, sec in statuses]
    lines += ["", "## Full output", ""] + sections
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.output} ({len(table)} figures); total {sum(s[2] for s in statuses):.0f} s")
    return 0 if all(st == "ok" or st.startswith("skipped") for _, st, _ in statuses) else 1


if __name__ == "__main__":
    sys.exit(main())
