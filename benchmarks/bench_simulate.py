"""Speed of snt.simulate against the machine's limit (bare BLAS loops) and the naive numpy loop.

For each shape (N neurons, B trials), in one run, it times:
  * snt.simulate with its defaults (threads="auto": the engine times 1 thread against all and keeps the
    faster; the result does not depend on the choice), sigma = 0 and sigma = 0.1, recording M only,
  * snt.simulate with threads=1, and with noise_stream=1 (numpy's PCG64 draws, the first releases' stream),
  * a bare BLAS loop doing only the matrix products of the same shapes (gemv for B = 1, gemm otherwise), at
    1 thread and at the default BLAS threads: the machine's limit is the faster of the two,
  * the naive numpy loop a user would write, ``U = gamma U + np.tanh(g U) @ J.T - theta``, at numpy's
    default BLAS threads,
and prints each figure beside its limit and the ratio (limit time / snt time: 1.0 means at the limit).
Goals: defaults >= 0.9 x the bare gemm (>= 0.8 with noise) and >= 1.0 x the naive numpy loop.

    python benchmarks/bench_simulate.py [--quick]
"""

import argparse

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import snt

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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else 3
    print("BLAS:", ", ".join(f"{i['internal_api']} {i.get('version')} x{i['num_threads']}" for i in threadpool_info()))
    for N, B, steps in SHAPES:
        if args.quick:
            steps = max(20, steps // 4)
        net = snt.Ensemble(N=N, J=1.0, g=2.0, gamma=0.5).sample(seed=1)
        snt.simulate(net, 5, trials=B, record="M", seed=0)  # compile / load the cache
        bare = {}
        for threads in (1, 2):
            with threadpool_limits(threads, user_api="blas"):
                bare[threads] = best_of(bare_blas(net.J, B, steps), repeats)
        limit_threads = min(bare, key=bare.get)
        numpy_time = best_of(plain_numpy(net, B, steps), repeats)
        product = "gemv" if B == 1 else "gemm"
        for sigma in (0.0, 0.1):
            noisy = net.replace(sigma=sigma)
            case = f"N={N} B={B} sigma={sigma}"
            auto = best_of(lambda: snt.simulate(noisy, steps, trials=B, record="M", seed=0), repeats)
            one = best_of(lambda: snt.simulate(noisy, steps, trials=B, record="M", seed=0, threads=1), repeats)
            goal = ">= 0.8" if sigma > 0 else ">= 0.9"
            report("simulate", f"{case}, defaults", auto, bare[limit_threads],
                   f"bare {product} loop, best of 1/2 threads ({limit_threads})", goal)
            report("simulate", f"{case}, threads=1", one, bare[1], f"bare {product} loop, 1 thread")
            if sigma > 0:              # the stream of the first releases, for comparison
                old = best_of(lambda: snt.simulate(noisy, steps, trials=B, record="M", seed=0, noise_stream=1),
                              repeats)
                report("simulate", f"{case}, noise_stream=1", old, bare[limit_threads],
                       f"bare {product} loop, best of 1/2 threads ({limit_threads})")
            if sigma == 0:
                report("simulate", f"{case}, defaults", auto, numpy_time, "naive numpy loop", ">= 1.0")


if __name__ == "__main__":
    main()
