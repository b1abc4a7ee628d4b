"""Speed and accuracy of the planted-attractor classifiers.

1. Cost of one training epoch (forward + discrete-adjoint backward of every mini-batch) against a bare BLAS
   loop doing only the matrix products of the same shapes (per step: one product forward, two backward),
   for each model at the digits size (N = 64 and 128) and at the MNIST size (N = 784, float32, a 2 000-item
   slice, extrapolated to 60 000 items). The ratio says how far the elementwise work and Python overhead
   are from the BLAS floor.
2. Fashion-MNIST protocol (N = 784, batch 200, 60 000 items; Wilson–Cowan 35 steps, SA-nODE 55 steps), float32
   and float64, and Wilson–Cowan's Fashion-MNIST preset (N = 1024, float32): seconds per epoch, the bare-BLAS
   floor, their ratio, and the share of the O(N^3) spectral work (A = Φ Λ Φ⁻¹, its backward map and the
   orthogonality penalty, once per mini-batch). Real and bare passes are interleaved and the best of
   ``--repeats`` is kept, which makes the ratio robust to a loaded machine.
3. (without --quick) Accuracy and wall time of a full digits training for every model (the settings of
   the slow test), and, when the files are present, of Fashion-MNIST epochs (see
   analysis/classify_fashion.py for full runs).

    python benchmarks/bench_classify.py [--quick] [--threads 1] [--repeats 3]

Timings depend on the machine's load; run it on an idle machine for stable numbers.

Measured (2-core AMD EPYC VM, OpenBLAS, 1 BLAS thread, other jobs on the machine; sgemm (200x784)x(784x784)
~35 GFLOP/s, dgemm ~17 GFLOP/s unloaded): seconds per 60 000-item epoch / bare BLAS floor / ratio, real and bare
passes interleaved, best of 2. The load varied by up to 2x between rows, so compare the ratios.

=============  ========  ==================  ==================  =====================================
model          dtype     before (5d0a3ab)    after               section 2 of this script (after)
=============  ========  ==================  ==================  =====================================
wilson-cowan   float32   600 / 217 / 2.77    284 / 215 / 1.32    523 / 391 / 1.34 (spectral 81 s)
wilson-cowan   float64   792 / 443 / 1.79    640 / 456 / 1.40    1185 / 804 / 1.47 (spectral 161 s)
sa-node        float32   478 / 340 / 1.40    485 / 336 / 1.45    779 / 693 / 1.12 (spectral 65 s)
sa-node        float64   831 / 698 / 1.19    (bare disturbed)    1497 / 1346 / 1.11 (spectral 168 s)
=============  ========  ==================  ==================  =====================================

Section 2 on the idle machine with the current build (best of 2; 1 / 2 BLAS threads; epoch s, bare BLAS s):
Wilson–Cowan float32 on 784 nodes 106 / 107 s (BLAS 78 / 59), on 1024 nodes (the Fashion-MNIST preset)
191 / 159 s (BLAS 145 / 87); SA-nODE float32, 55 steps, 144 / 115 s (BLAS 123 / 83).

Where the time went before: float32 ``tanh`` in numba is a scalar libm call (35 ns per element, two per
node and step in the forward pass and two more in the adjoint), fresh trajectory pages on every mini-batch,
and the O(N^3) spectral work in float64 with four cubic steps in the backward map.
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


def fashion_epoch(name, steps, dtype, N=784, repeats=3, batch=200, total=60000, n_batches=2):
    """(epoch s, bare BLAS s, spectral s) for the Fashion-MNIST protocol on ``N`` nodes (the 784 pixels
    zero-padded), best of ``repeats`` interleaved."""
    from snt.classify.spectral import orthogonality_penalty
    from snt.classify.objective import unpack
    model = make_model(name, N, 10, dtype=dtype)
    rng = np.random.default_rng(0)
    X = np.zeros((batch * n_batches, N))
    X[:, :784] = rng.random((batch * n_batches, 784))
    Y = rng.integers(0, 10, batch * n_batches)
    theta = pack(model, model.init_params(rng))
    objs = [Objective(model, X[i * batch:(i + 1) * batch], Y[i * batch:(i + 1) * batch], steps, model.default_dt)
            for i in range(n_batches)]
    Xb = X[:batch].astype(dtype)
    A = rng.standard_normal((N, N)).astype(dtype)

    def real():
        for o in objs:
            o(theta)

    def bare():
        for _ in range(n_batches):
            for _ in range(steps):
                u = Xb @ A.T
                _ = u @ A
                _ = u.T @ Xb

    def spectral():
        p = unpack(model, theta)
        for _ in range(n_batches):
            c = model.coupling(p, dtype=dtype)
            c.backward(A)
            orthogonality_penalty(p.phi_tr.astype(dtype), model.orth_factor)

    real()
    bare()
    spectral()
    tr, tb, ts = [], [], []
    for _ in range(repeats):
        tr.append(_time(real))
        tb.append(_time(bare))
        ts.append(_time(spectral))
    f = total / (batch * n_batches)
    return min(tr) * f, min(tb) * f, min(ts) * f


def _time(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
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
        print(f"\n2. Fashion-MNIST protocol: seconds per 60 000-item epoch (batch 200, BLAS threads: "
              f"{a.threads})")
        print(f"{'model':>16} {'N':>5} {'steps':>5} {'dtype':>8} {'epoch s':>9} {'BLAS s':>8} {'ratio':>6} "
              f"{'spectral s':>10}")
        # the papers' protocols on 784 nodes, and Wilson-Cowan's Fashion-MNIST preset (1024 nodes)
        rows = [(name, 784, steps, dt) for name, steps in (("wilson-cowan", 35), ("sa-node", 55))
                for dt in (np.float32, np.float64)] + [("wilson-cowan", 1024, 35, np.float32)]
        for name, N, steps, dt in rows:
            te, tb, ts = fashion_epoch(name, steps, dt, N=N, repeats=a.repeats)
            print(f"{name:>16} {N:>5} {steps:>5} {np.dtype(dt).name:>8} {te:9.1f} {tb:8.1f} {te / tb:6.2f} "
                  f"{ts:10.1f}", flush=True)
        if a.quick:
            return
        print("\n3. digits (held-out 20 %), full training")
        X, y, Xt, yt = load_dataset("digits")
        for name, kw in DIGITS.items():
            t = time.perf_counter()
            clf = AttractorClassifier(model=name, seed=0, **kw).fit(X, y)
            el = time.perf_counter() - t
            print(f"{name:>16} test accuracy {clf.score(Xt, yt):.4f}  train {el:6.1f} s  "
                  f"max growth rate {clf.result_.max_growth_rate:+.3f}", flush=True)


if __name__ == "__main__":
    main()
