"""Speed and accuracy of the planted-attractor classifiers.

1. Cost of one training epoch (forward + discrete-adjoint backward of every mini-batch) against a bare BLAS
   loop doing only the matrix products of the same shapes (per step: one product forward, two backward),
   for each model at the digits size (N = 64 and 128) and at the MNIST size (N = 784, float32, a 2 000-item
   slice, extrapolated to 60 000 items). The ratio says how far the elementwise work and Python overhead
   are from the BLAS floor.
2. (without --quick) Accuracy and wall time of a full digits training for every model (the settings of
   the slow test), and, when the files are present, of Fashion-MNIST epochs (see
   analysis/classify_fashion.py for full runs).

    python benchmarks/bench_classify.py [--quick] [--threads 1]

Timings depend on the machine's load; run it on an idle machine for stable numbers.
"""

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from snt.classify import AttractorClassifier, load_dataset, make_model
from snt.classify.objective import Objective, pack
from snt.classify.presets import DIGITS



def epoch_vs_blas(name, N, B_total, batch, dtype, steps=None, repeats=1):
    model = make_model(name, N, 10, dtype=dtype)
    steps = model.default_steps if steps is None else steps
    rng = np.random.default_rng(0)
    X = rng.random((batch, N))
    Y = rng.integers(0, 10, batch)
    theta = pack(model, model.init_params(rng))
    obj = Objective(model, X, Y, steps, model.default_dt, noise_seed=1 if getattr(model, "sigma", 0) else None)
    obj(theta)                                    # compile / load the numba cache
    t = min(_time(lambda: obj(theta)) for _ in range(repeats))
    Xb = X.astype(dtype)
    A = rng.standard_normal((N, N)).astype(dtype)

    def bare():
        for _ in range(steps):
            u = Xb @ A.T        # forward
            _ = u @ A           # adjoint product
            _ = u.T @ Xb        # G accumulation
    bare()
    tb = min(_time(bare) for _ in range(repeats))
    n_batches = B_total / batch
    return t * n_batches, tb * n_batches


def _time(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    with threadpool_limits(a.threads, user_api="blas"):
        print(f"1. seconds per training epoch vs bare BLAS products (BLAS threads: {a.threads})")
        print(f"{'model':>16} {'N':>5} {'items':>6} {'batch':>5} {'dtype':>8} {'epoch s':>9} {'BLAS s':>8} "
              f"{'ratio':>6}")
        shapes = [(64, 1437, 32, np.float64), (128, 1437, 32, np.float64)]
        if not a.quick:
            shapes.append((784, 60000, 200, np.float32))
        for name in DIGITS:
            for N, total, batch, dt in shapes:
                steps = 35 if (N == 784 and name == "wilson-cowan") else None
                te, tb = epoch_vs_blas(name, N, total, batch, dt, steps=steps, repeats=3)
                print(f"{name:>16} {N:>5} {total:>6} {batch:>5} {np.dtype(dt).name:>8} {te:9.2f} {tb:8.2f} "
                      f"{te / tb:6.1f}", flush=True)
        if a.quick:
            return
        print("\n2. digits (held-out 20 %), full training")
        X, y, Xt, yt = load_dataset("digits")
        for name, kw in DIGITS.items():
            t = time.perf_counter()
            clf = AttractorClassifier(model=name, seed=0, **kw).fit(X, y)
            el = time.perf_counter() - t
            print(f"{name:>16} test accuracy {clf.score(Xt, yt):.4f}  train {el:6.1f} s  "
                  f"max growth rate {clf.result_.max_growth_rate:+.3f}", flush=True)


if __name__ == "__main__":
    main()
