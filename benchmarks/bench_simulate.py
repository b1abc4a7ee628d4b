"""Speed of snt.simulate against the machine's BLAS limit and a plain-numpy implementation.

For each shape (N neurons, B trials) it times, in one run and with the same BLAS threads:
  * snt.simulate (sigma = 0 and sigma = 0.1, recording M only) with the default products (one gemm over the
    batch, gemv for one trial, the BLAS threads of the row) and, in the last column, with exact=True (gemm
    calls of snt.kernels.EXACT_LANES rows, one BLAS thread: results independent of the split and of threads),
  * a bare BLAS loop doing only the matrix products of the same shapes (gemv for B = 1, gemm otherwise),
  * a plain-numpy implementation of E1 (np.tanh, the same products),
and prints neuron-steps per second and the ratios simulate / bare-BLAS and simulate / numpy.

    python benchmarks/bench_simulate.py [--quick]
"""

import argparse
import inspect

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import snt

from _timing import best_of

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
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="BLAS thread counts to compare")
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else 3
    print("BLAS:", ", ".join(f"{i['internal_api']} {i.get('version')} x{i['num_threads']}" for i in threadpool_info()))
    has_exact = "exact" in inspect.signature(snt.simulate).parameters
    print(f"{'N':>5} {'B':>3} {'sigma':>5} | {'simulate':>10} {'bare BLAS':>10} {'numpy E1':>10}  neuron-steps/s"
          f" | {'sim/BLAS':>8} {'sim/numpy':>9}" + (f" | {'exact/BLAS':>10}" if has_exact else ""))
    for threads in args.threads:
        print(f"-- BLAS threads: {threads} (all three columns)")
        for N, B, steps in SHAPES:
            if args.quick:
                steps = max(20, steps // 4)
            net = snt.Ensemble(N=N, J=1.0, g=2.0, gamma=0.5).sample(seed=1)
            snt.simulate(net, 5, trials=B, record="M", seed=0)  # compile
            with threadpool_limits(threads, user_api="blas"):
                blas = best_of(bare_blas(net.J, B, steps), repeats)
                numpy_time = best_of(plain_numpy(net, B, steps), repeats)
            for sigma in (0.0, 0.1):
                noisy = net.replace(sigma=sigma)
                sim = best_of(lambda: snt.simulate(noisy, steps, trials=B, record="M", seed=0, threads=threads),
                              repeats)
                rate = N * B * steps
                extra = ""
                if has_exact:
                    exact = best_of(lambda: snt.simulate(noisy, steps, trials=B, record="M", seed=0,
                                                         threads=threads, exact=True), repeats)
                    extra = f" | {blas / exact:>10.2f}"
                print(f"{N:>5} {B:>3} {sigma:>5} | {rate / sim:>10.3g} {rate / blas:>10.3g} "
                      f"{rate / numpy_time:>10.3g}                 | {blas / sim:>8.2f} {numpy_time / sim:>9.2f}"
                      + extra)


if __name__ == "__main__":
    main()
