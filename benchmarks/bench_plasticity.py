"""One BCM epoch on MNIST (60 000 x 784, 100 neurons, batches of 1000) against the bare BLAS products of the
same shapes, and against the authors' pure-Python model on the same data and settings.

Run ``python3 benchmarks/bench_plasticity.py [--authors PATH]``. ``PATH`` is a directory holding the authors'
``plasticity`` package (github.com/Nico-Curti/plasticity, its pure-Python ``plasticity/model``); it is not a
dependency of snt and is only imported when given. Every timing uses one BLAS thread (threadpoolctl), the
fastest and least noisy choice on a shared machine.
"""

import argparse
import sys

import numpy as np
from threadpoolctl import threadpool_limits

from _timing import best_of

from snt import plasticity
from snt.classify import load_dataset

K, B = 100, 1000


def bare_blas(X, W, repeats):
    """The two products of every batch (currents X_b W^T and update Phi^T X_b) on pre-cut batches."""
    batches = [np.ascontiguousarray(X[a:a + B]) for a in range(0, X.shape[0], B)]
    phi = np.empty((B, K), dtype=X.dtype)

    def run():
        for Xb in batches:
            np.matmul(Xb, W.T, out=phi)
            phi.T @ Xb
    return best_of(run, repeats)


def snt_epoch(X, dtype, repeats):
    bcm = plasticity.BCM(n_neurons=K, activation="relu", lateral=-0.05, threshold="batch", memory=0.5,
                         optimizer="adam", lr=0.02, init="glorot-normal", batch_size=B, epochs=1, dtype=dtype,
                         seed=0)
    Xd = X.astype(dtype)
    return best_of(lambda: bcm.fit(Xd), repeats)


def authors_epoch(X, path, repeats):
    sys.path.insert(0, path)
    from plasticity.model import BCM as AuthorsBCM
    from plasticity.model.optimizer import Adam
    from plasticity.model.weights import GlorotNormal

    def run():
        AuthorsBCM(outputs=K, num_epochs=1, batch_size=B, activation="Relu", optimizer=Adam(lr=0.02),
                   weights_init=GlorotNormal(), interaction_strength=-0.05, memory_factor=0.5, random_state=0,
                   verbose=False).fit(X)
    return best_of(run, repeats)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--authors", help="directory holding the authors' plasticity package (optional)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    X = load_dataset("mnist")[0]
    print(f"MNIST train {X.shape}, K = {K} neurons, batch {B}, relu, lateral -0.05, Adam; one BLAS thread; "
          f"best of {args.repeats}")
    with threadpool_limits(1):
        rows = []
        for dtype in ("float64", "float32"):
            Xd = X.astype(dtype)
            W = np.random.default_rng(0).standard_normal((K, X.shape[1])).astype(dtype) * 0.05
            t_blas = bare_blas(Xd, W, args.repeats)
            t_snt = snt_epoch(X, dtype, args.repeats)
            rows.append((dtype, t_snt, t_blas))
            print(f"{dtype}: snt BCM epoch {t_snt:.3f} s, bare BLAS products {t_blas:.3f} s, "
                  f"BLAS / snt = {t_blas / t_snt:.2f}")
        if args.authors:
            t_auth = authors_epoch(X, args.authors, args.repeats)
            t64 = rows[0][1]
            print(f"authors' pure-Python model (float64): {t_auth:.3f} s per epoch; authors / snt float64 = "
                  f"{t_auth / t64:.2f}, authors / snt float32 = {t_auth / rows[1][1]:.2f}")


if __name__ == "__main__":
    main()
