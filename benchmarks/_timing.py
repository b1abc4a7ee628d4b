"""Timing helpers shared by the benchmarks (run them as scripts: ``python3 benchmarks/bench_X.py``)."""

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
