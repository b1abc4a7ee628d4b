"""Timing helpers shared by the benchmarks (run them as scripts: ``python3 benchmarks/bench_X.py``).

:func:`report` prints one figure beside the machine's limit for the same work and their ratio, as a line
``RESULT | benchmark | case | figure | limit | ratio | note`` that ``run_all.py`` collects into one table;
:func:`skip` prints why a benchmark could not run (e.g. its data set is missing).
"""

import time


def timed(fn, repeats=1):
    """Best wall time of ``repeats`` calls of ``fn()`` (seconds) and the value of the last call."""
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def best_of(fn, repeats):
    """Best wall time of ``repeats`` calls of ``fn()``, in seconds."""
    return timed(fn, repeats)[0]


def skip(bench, reason):
    """Print that ``bench`` did not run and why, as a line ``SKIPPED | benchmark | reason`` (``run_all.py`` reports
    the script as "skipped: <reason>" instead of failed)."""
    print(f"SKIPPED | {bench} | {reason}", flush=True)


def report(bench, case, seconds, limit_seconds, limit_name, goal=""):
    """Print ``case`` timed at ``seconds`` beside the limit (the same work done by ``limit_name`` in
    ``limit_seconds``) and the ratio limit / figure (1 = at the limit, higher = faster than it)."""
    ratio = limit_seconds / seconds if seconds > 0 else float("nan")
    note = f"vs {limit_name}" + (f"; goal {goal}" if goal else "")
    print(f"RESULT | {bench} | {case} | {seconds:.4g} s | {limit_seconds:.4g} s | {ratio:.2f} | {note}", flush=True)
    return ratio
