"""One BCM epoch on MNIST (60 000 x 784, 100 neurons, batches of 1000) against the bare BLAS products of the
same shapes, and against the authors' pure-Python model on the same data and settings.

Run ``python3 benchmarks/bench_plasticity.py [--authors PATH] [--clock cpu]``. ``PATH`` is a directory holding
the authors' ``plasticity`` package (github.com/Nico-Curti/plasticity, its pure-Python ``plasticity/model``); it is not a
dependency of snt and is only imported when given. Every timing uses one BLAS thread (threadpoolctl), the
fastest and least noisy choice on a shared machine. ``--clock cpu`` times the process's CPU time instead of the
wall time: on a loaded machine the wall time mostly measures waiting for a core. Without the MNIST files (``$SNT_DATA/mnist`` or ``data/mnist``)
it prints ``SKIPPED | bench_plasticity | no data: ...`` and exits with status 0.
"""

import argparse
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from _timing import best_of, report, skip

from snt import plasticity
from snt.classify import load_dataset

K, B = 100, 1000


def bare_blas(X, W):
    """The two products of every batch (currents X_b W^T and update Phi^T X_b) on pre-cut batches."""
    batches = [np.ascontiguousarray(X[a:a + B]) for a in range(0, X.shape[0], B)]
    phi = np.empty((B, K), dtype=X.dtype)

    def run():
        for Xb in batches:
            np.matmul(Xb, W.T, out=phi)
            phi.T @ Xb
    return run


def snt_epoch(X, dtype):
    bcm = plasticity.BCM(n_neurons=K, activation="relu", lateral=-0.05, threshold="batch", memory=0.5,
                         optimizer="adam", lr=0.02, init="glorot-normal", batch_size=B, epochs=1, dtype=dtype,
                         seed=0)
    return lambda: bcm.fit(X)


def authors_epoch(X, path):
    sys.path.insert(0, path)
    from plasticity.model import BCM as AuthorsBCM
    from plasticity.model.optimizer import Adam
    from plasticity.model.weights import GlorotNormal

    def run():
        AuthorsBCM(outputs=K, num_epochs=1, batch_size=B, activation="Relu", optimizer=Adam(lr=0.02),
                   weights_init=GlorotNormal(), interaction_strength=-0.05, memory_factor=0.5, random_state=0,
                   verbose=False).fit(X)
    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--authors", help="directory holding the authors' plasticity package (optional)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    args = parser.parse_args(argv)

    def measure(fn):
        if args.clock == "wall":
            return best_of(fn, 1)
        start = time.process_time()
        fn()
        return time.process_time() - start
    try:
        X = load_dataset("mnist")[0]
    except FileNotFoundError as exc:           # no MNIST under $SNT_DATA or data/: nothing to time
        skip("bench_plasticity", "no data: " + str(exc).splitlines()[0])
        return 0
    print(f"MNIST train {X.shape}, K = {K} neurons, batch {B}, relu, lateral -0.05, Adam; one BLAS thread; "
          f"best of {args.repeats} interleaved runs (the candidates alternate, so a load change hits all alike), "
          f"{args.clock} time")
    with threadpool_limits(1):
        runs = {}
        for dtype in ("float64", "float32"):
            Xd = X.astype(dtype)
            W = np.random.default_rng(0).standard_normal((K, X.shape[1])).astype(dtype) * 0.05
            runs[f"bare BLAS {dtype}"] = bare_blas(Xd, W)
            runs[f"snt {dtype}"] = snt_epoch(Xd, dtype)
            snt_epoch(Xd[:4 * B], dtype)()          # compile / load the cached kernels: never timed
        if args.authors:
            runs["authors float64"] = authors_epoch(X, args.authors)
        best = {name: float("inf") for name in runs}
        for _ in range(args.repeats):
            for name, fn in runs.items():
                best[name] = min(best[name], measure(fn))
    for name, t in best.items():
        print(f"{name:>18}: {t:.3f} s per epoch")
    for dtype in ("float64", "float32"):
        report("plasticity", f"BCM epoch MNIST {dtype} ({args.clock} time)", best[f"snt {dtype}"],
               best[f"bare BLAS {dtype}"], "the bare BLAS products of its batches", goal=">= 0.8")
    if args.authors:
        print(f"authors / snt float64 = {best['authors float64'] / best['snt float64']:.2f}, "
              f"authors / snt float32 = {best['authors float64'] / best['snt float32']:.2f}")


if __name__ == "__main__":
    main()
