"""Speed of snt.simulate against the machine's limit (bare BLAS loops) and the naive numpy loop.

For each shape (N neurons, B trials), in one run, it times:
  * snt.simulate with its defaults (threads="auto": the engine times 1 thread against all and keeps the
    faster; the result does not depend on the choice), sigma = 0 and sigma = 0.1, recording M only,
  * the defaults again in a "first run", whose thread policy has no timings of a like run to start from
    (the other runs reuse those of the previous run of their shape, as a loop of runs does),
  * snt.simulate with threads=1, and with noise_stream=1 (numpy's PCG64 draws, the first releases' stream),
  * a bare BLAS loop doing only the matrix products of the same shapes (gemv for B = 1, gemm otherwise), at
    1 thread and at the default BLAS threads: the machine's limit is the faster of the two,
  * the naive numpy loop a user would write, ``U = gamma U + np.tanh(g U) @ J.T - theta``, at numpy's
    default BLAS threads,
and prints each figure beside its limit and the ratio (limit time / snt time: 1.0 means at the limit).
The variants are timed in turn, round after round (best of each), so that a drift of the machine's speed
falls on all of them alike.
Goals: defaults >= 0.9 x the bare gemm (>= 0.8 with noise) and >= 1.0 x the naive numpy loop.

    python benchmarks/bench_simulate.py [--quick]
"""

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import snt
from snt import _threads

from _timing import best_of, report

SHAPES = [(1000, 1, 4000), (1000, 64, 300), (4000, 16, 60)]


def bare_blas(J, B, steps):
    N = J.shape[0]
    if B == 1:
        r, h = np.random.default_rng(0).standard_normal(N), np.empty(N)

        def run():
            for _ in range(steps):
                np.dot(J, r, out=h)
    else:
        JT = np.ascontiguousarray(J.T)
        R, H = np.random.default_rng(0).standard_normal((B, N)), np.empty((B, N))

        def run():
            for _ in range(steps):
                np.dot(R, JT, out=H)
    return run


def plain_numpy(net, B, steps):
    U0 = np.random.default_rng(0).standard_normal((B, net.N))
    JT = np.ascontiguousarray(net.J.T)

    def run():
        U = U0.copy()
        for _ in range(steps):
            U = net.gamma * U + np.tanh(net.g * U) @ JT - net.theta
        return U
    return run


def interleaved(variants, repeats, pause=0.2):
    """Best wall time of each of ``variants`` (name -> callable), timed in turn, ``repeats`` rounds: on a
    machine whose speed drifts from minute to minute, a ratio of figures taken in the same rounds is fair
    where figures taken one after the other are not. Each multithreaded BLAS loop is followed by ``pause``
    seconds: OpenBLAS's idle threads spin for about 0.1 s after a call, on the cores the next figure uses
    (the engine's thread policy copes, at a cost measured apart: see ``ThreadPolicy``)."""
    best = {name: float("inf") for name in variants}
    for _ in range(repeats):
        for name, fn in variants.items():
            best[name] = min(best[name], best_of(fn, 1))
            if name.startswith(("bare", "numpy")):
                time.sleep(pause)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 5
    print("BLAS:", ", ".join(f"{i['internal_api']} {i.get('version')} x{i['num_threads']}" for i in threadpool_info()))
    for N, B, steps in SHAPES:
        if args.quick:
            steps = max(20, steps // 4)
        net = snt.Ensemble(N=N, J=1.0, g=2.0, gamma=0.5).sample(seed=1)
        noisy = net.replace(sigma=0.1)
        snt.simulate(net, 5, trials=B, record="M", seed=0)  # compile / load the cache
        snt.simulate(noisy, 5, trials=B, record="M", seed=0)

        def blas(threads):
            run = bare_blas(net.J, B, steps)

            def timed_run():
                with threadpool_limits(threads, user_api="blas"):
                    run()
            return timed_run

        def sim(network, **kw):
            return lambda: snt.simulate(network, steps, trials=B, record="M", seed=0, **kw)

        def cold(network):
            def run():
                kept = dict(_threads._RECENT)    # forget the timings of the previous runs for this one
                _threads._RECENT.clear()
                try:
                    return snt.simulate(network, steps, trials=B, record="M", seed=0)
                finally:                          # and leave the other variants theirs
                    _threads._RECENT.clear()
                    _threads._RECENT.update(kept)
            return run

        variants = {"auto 0": sim(net), "cold 0": cold(net), "one 0": sim(net, threads=1), "auto 0.1": sim(noisy),
                    "one 0.1": sim(noisy, threads=1), "stream1 0.1": sim(noisy, noise_stream=1),
                    "bare 1": blas(1), "bare 2": blas(2), "numpy": plain_numpy(net, B, steps)}
        t = interleaved(variants, repeats)
        bare = {1: t["bare 1"], 2: t["bare 2"]}
        limit_threads = min(bare, key=bare.get)
        product = "gemv" if B == 1 else "gemm"
        for sigma in (0.0, 0.1):
            case = f"N={N} B={B} sigma={sigma}"
            auto, one = t[f"auto {sigma:g}"], t[f"one {sigma:g}"]
            goal = ">= 0.8" if sigma > 0 else ">= 0.9"
            report("simulate", f"{case}, defaults", auto, bare[limit_threads],
                   f"bare {product} loop, best of 1/2 threads ({limit_threads})", goal)
            report("simulate", f"{case}, threads=1", one, bare[1], f"bare {product} loop, 1 thread")
            if sigma == 0:             # a run with no timings of a like run in the last memory seconds
                report("simulate", f"{case}, defaults, first run", t["cold 0"], bare[limit_threads],
                       f"bare {product} loop, best of 1/2 threads ({limit_threads})")
            if sigma > 0:              # the stream of the first releases, for comparison
                report("simulate", f"{case}, noise_stream=1", t["stream1 0.1"], bare[limit_threads],
                       f"bare {product} loop, best of 1/2 threads ({limit_threads})")
            if sigma == 0:
                report("simulate", f"{case}, defaults", auto, t["numpy"], "naive numpy loop", ">= 1.0")


if __name__ == "__main__":
    main()
