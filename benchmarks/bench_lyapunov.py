"""Speed of the Lyapunov exponents (SCIENCE.md E6): the cost of max_lyapunov relative to simulate, spectrum
timings, and peers from PyPI computing the same quantity.

1. max_lyapunov / simulate for the same (N, steps, trials), sigma = 0, tangent active on every step, with
   both run under the same BLAS thread limit (1 thread, then the library default): the ratio is printed.
2. lyapunov_spectrum at N = 1000 for k = 100, 200, 1000 (ms per step), and the effect of qr_every.
3. Peers, each on one trajectory of the same network (tanh, gamma = 0, J = 1, g = 2), time and value:
   nolds.lyap_r (Rosenstein, from one neuron's time series), lyapynov.mLCE / LCE and pynamicalsys
   (Benettin/QR with a user Jacobian). Peers that are not installed are skipped.

0. (the goals) max_lyapunov of one trajectory (N = 500, T = 2e4, g = 2; T = 4000 with --quick) against
   simulate of the same run and against pynamicalsys; lyapunov_spectrum (N = 1000, k = 100 and k = N)
   against a bare loop of the same gemm and QR. Lines starting with RESULT are collected by run_all.py.

    python benchmarks/bench_lyapunov.py [--quick]   (--quick: parts 0 and 1 only, smaller)
"""

import argparse
import inspect
import importlib.util
import pathlib

import numpy as np
from threadpoolctl import threadpool_limits

import snt

from _timing import report, timed


def ratio_table(shapes, repeats):
    print("1. max_lyapunov / simulate (same N, steps, trials; sigma = 0; tangent on every step);")
    print("   best of interleaved repeats, both under the same BLAS thread limit")
    print(f"{'N':>6} {'trials':>6} {'steps':>6} {'threads':>8} {'simulate s':>11} {'max_lyap s':>11} {'ratio':>6}")
    for N, trials, steps in shapes:
        net = snt.Ensemble(N=N, J=1.0, g=2.0).sample(seed=1)
        snt.max_lyapunov(net, 20, tangent_transient=0, trials=trials, blocks=2, seed=1)   # compile / load cache
        snt.simulate(net, 20, trials=trials, record=("M",), seed=1)
        exact = {"exact": True} if "exact" in inspect.signature(snt.simulate).parameters else None
        runs = [(threads, {}) for threads in ((1, 2) if N > 500 else (1,))] + ([(1, exact)] if exact else [])
        for threads, policy in runs:
            t_sim, t_ly = np.inf, np.inf
            with threadpool_limits(limits=threads, user_api="blas"):
                for _ in range(repeats):
                    t, _ = timed(lambda: snt.simulate(net, steps, trials=trials, record=("M",), seed=1,
                                                      threads=threads, **policy))
                    t_sim = min(t_sim, t)
                    t, _ = timed(lambda: snt.max_lyapunov(net, steps, tangent_transient=0, trials=trials, seed=1,
                                                          threads=threads, **policy))
                    t_ly = min(t_ly, t)
            tag = "" if not policy else "  (exact=True)"
            print(f"{N:>6} {trials:>6} {steps:>6} {threads:>8} {t_sim:>11.3f} {t_ly:>11.3f} {t_ly / t_sim:>6.2f}"
                  + tag, flush=True)


def spectrum_table(N, ks, quick):
    print(f"\n2. lyapunov_spectrum, N = {N} (1 trial, 1 BLAS thread unless noted)")
    print(f"{'k':>6} {'qr_every':>8} {'threads':>8} {'steps':>6} {'ms/step':>8} {'lambda_1':>9} {'D_KY':>8}")
    net = snt.Ensemble(N=N, J=1.0, g=2.0).sample(seed=1)
    runs = [(k, 1, 1) for k in ks] + [(100, 5, 1), (100, 20, 1), (ks[-1], 10, 1), (ks[-1], 10, None)]
    for k, qr_every, threads in runs:
        steps = max(20, int((40 if quick else 200) * 100 / k))
        steps = max(steps, 2 * qr_every + 4)
        t, sp = timed(lambda: snt.lyapunov_spectrum(net, steps, k=k, transient=0, tangent_transient=0,
                                                    qr_every=qr_every, blocks=2, seed=1, threads=threads))
        print(f"{k:>6} {qr_every:>8} {str(threads or 'default'):>8} {steps:>6} {1e3 * t / steps:>8.2f} "
              f"{float(sp.exponents[0]):>9.4f} {float(sp.kaplan_yorke_dimension):>8.1f}", flush=True)


def _load_nolds():
    """nolds 0.6.3's package __init__ fails on Python 3.11 (importlib.resources on a module); its
    ``measures`` module is self-contained, so load that file directly."""
    spec = importlib.util.find_spec("nolds")
    if spec is None:
        return None
    try:
        import nolds
        return nolds
    except Exception:  # noqa: BLE001 - the broken import above
        path = pathlib.Path(spec.submodule_search_locations[0]) / "measures.py"
        mspec = importlib.util.spec_from_file_location("nolds_measures", path)
        module = importlib.util.module_from_spec(mspec)
        mspec.loader.exec_module(module)
        return module


def peers(N, steps, transient, quick):
    print(f"\n3. peers: N = {N}, tanh, gamma = 0, J = 1, g = 2, {steps} measured steps after {transient}")
    net = snt.Ensemble(N=N, J=1.0, g=2.0).sample(seed=1)
    J, g = np.ascontiguousarray(net.J), net.g
    u0 = np.random.default_rng(0).standard_normal(N)
    print(f"{'method':<44} {'time s':>8} {'lambda_max':>11}")
    snt.max_lyapunov(net, 30, tangent_transient=0, blocks=2, seed=1)
    t, ly = timed(lambda: snt.max_lyapunov(net, transient + steps, transient=transient, tangent_transient=0,
                                           u0=u0, seed=1))
    print(f"{'snt.max_lyapunov (1 trial)':<44} {t:>8.2f} {float(ly.lambda_max[0]):>11.4f}", flush=True)
    k = 20
    t, sp = timed(lambda: snt.lyapunov_spectrum(net, transient + steps, k=k, transient=transient,
                                                tangent_transient=0, u0=u0, seed=1))
    print(f"{f'snt.lyapunov_spectrum (k = {k})':<44} {t:>8.2f} {float(sp.exponents[0]):>11.4f}")

    nolds = _load_nolds()
    if nolds is None:
        print("nolds: not installed (pip install nolds), skipped")
    else:
        sim = snt.simulate(net, steps, transient=transient, u0=u0, record=("u",), seed=1)
        series = sim.u[0, :, 0].values
        n_series = min(steps, 2000 if quick else 5000)
        t, lam = timed(lambda: nolds.lyap_r(series[:n_series], emb_dim=10, min_tsep=50))
        print(f"{f'nolds.lyap_r (neuron 0, {n_series} samples)':<44} {t:>8.2f} {lam:>11.4f}")

    if importlib.util.find_spec("lyapynov") is None:
        print("lyapynov: not installed, skipped")
    else:
        import lyapynov

        def f(x, t):
            return J @ np.tanh(g * x)

        def jac(x, t):
            return J * (g / np.cosh(g * x) ** 2)[None, :]

        n = min(steps, 1000 if quick else 3000)
        t, (lam, _) = timed(lambda: lyapynov.mLCE(lyapynov.DiscreteDS(u0.copy(), 0, f, jac), transient, n, True))
        print(f"{f'lyapynov.mLCE ({n} steps)':<44} {t:>8.2f} {lam:>11.4f}")
        n2 = min(n, 300)
        t, lam = timed(lambda: lyapynov.LCE(lyapynov.DiscreteDS(u0.copy(), 0, f, jac), k, transient, n2, False))
        print(f"{f'lyapynov.LCE (k = {k}, {n2} steps)':<44} {t:>8.2f} {lam[0]:>11.4f}")

    if importlib.util.find_spec("pynamicalsys") is None:
        print("pynamicalsys: not installed, skipped")
    else:
        from numba import njit
        from pynamicalsys import DiscreteDynamicalSystem

        @njit
        def mapping(u, parameters):
            return J @ np.tanh(parameters[0] * u)

        @njit
        def jacobian(u, parameters, *args):
            d = parameters[0] / np.cosh(parameters[0] * u) ** 2
            return J * d[None, :]

        system = DiscreteDynamicalSystem(mapping=mapping, jacobian=jacobian, system_dimension=N,
                                         number_of_parameters=1)
        system.lyapunov(u0, 20, parameters=[g], num_exponents=1, transient_time=5)      # compile
        system.lyapunov(u0, 20, parameters=[g], num_exponents=k, transient_time=5, method="QR_HH")
        t, lam = timed(lambda: system.lyapunov(u0, transient + steps, parameters=[g], num_exponents=1,
                                               transient_time=transient))
        print(f"{'pynamicalsys.lyapunov (k = 1)':<44} {t:>8.2f} {float(np.ravel(lam)[0]):>11.4f}")
        t, lam = timed(lambda: system.lyapunov(u0, transient + steps, parameters=[g], num_exponents=k,
                                               transient_time=transient, method="QR_HH"))
        print(f"{f'pynamicalsys.lyapunov (k = {k}, QR_HH)':<44} {t:>8.2f} {float(np.ravel(lam)[0]):>11.4f}")


def one_trajectory(N, steps, quick):
    """The issue's task: max_lyapunov of one trajectory against simulate of the same trajectory and against
    pynamicalsys (Benettin with a user Jacobian, numba) on the same network, defaults everywhere."""
    print(f"\n0. one trajectory, N = {N}, T = {steps}, g = 2, gamma = 0, defaults")
    net = snt.Ensemble(N=N, J=1.0, g=2.0).sample(seed=1)
    u0 = np.random.default_rng(0).standard_normal(N)
    snt.simulate(net, 20, u0=u0, record=("M",), seed=1)
    snt.max_lyapunov(net, 20, tangent_transient=0, blocks=2, u0=u0, seed=1)
    t_sim, _ = timed(lambda: snt.simulate(net, steps, u0=u0, record=("M",), seed=1), 2)
    t_ly, ly = timed(lambda: snt.max_lyapunov(net, steps, tangent_transient=0, u0=u0, seed=1), 2)
    report("lyapunov", f"max_lyapunov N={N} T={steps} one trajectory", t_ly, t_sim, "simulate of the same run",
           ">= 0.67 (cost <= 1.5 x simulate)")
    if importlib.util.find_spec("pynamicalsys") is None:
        print("pynamicalsys: not installed (pip install pynamicalsys), comparison skipped")
        return
    from numba import njit
    from pynamicalsys import DiscreteDynamicalSystem
    J = np.ascontiguousarray(net.J)

    @njit
    def mapping(u, parameters):
        return J @ np.tanh(parameters[0] * u)

    @njit
    def jacobian(u, parameters, *args):
        return J * (parameters[0] / np.cosh(parameters[0] * u) ** 2)[None, :]

    system = DiscreteDynamicalSystem(mapping=mapping, jacobian=jacobian, system_dimension=N,
                                     number_of_parameters=1)
    system.lyapunov(u0, 20, parameters=[2.0], num_exponents=1, transient_time=5)      # compile
    t_peer, lam = timed(lambda: system.lyapunov(u0, steps, parameters=[2.0], num_exponents=1, transient_time=0))
    print(f"   lambda_max: snt {float(ly.lambda_max[0]):.4f}, pynamicalsys {float(np.ravel(lam)[0]):.4f}")
    report("lyapunov", f"max_lyapunov N={N} T={steps} one trajectory", t_ly, t_peer,
           "pynamicalsys.lyapunov (k = 1)", ">= 5")


def spectrum_limit(N, ks, quick):
    """lyapunov_spectrum against the bare cost of the same shapes: per step one gemm of 1 + k rows, and a
    LAPACK QR of the (N, k) frame every qr_every (= 1) steps."""
    print(f"\n2b. lyapunov_spectrum, N = {N}, against gemm + QR of the same shapes (defaults, qr_every = 1)")
    net = snt.Ensemble(N=N, J=1.0, g=2.0).sample(seed=1)
    JT = np.ascontiguousarray(net.J.T)
    for k in ks:
        steps = max(6, int((30 if quick else 100) * 100 / k))
        snt.lyapunov_spectrum(net, 6, k=k, tangent_transient=0, blocks=2, seed=1)
        t_snt, _ = timed(lambda: snt.lyapunov_spectrum(net, steps, k=k, tangent_transient=0, blocks=2, seed=1))
        M = np.random.default_rng(0).standard_normal((1 + k, N))
        H = np.empty_like(M)

        def bare():
            for _ in range(steps):
                np.dot(M, JT, out=H)
                np.linalg.qr(H[1:].T)
        t_bare = min(timed(bare)[0] for _ in range(2))
        report("lyapunov", f"lyapunov_spectrum N={N} k={k}", t_snt, t_bare, "gemm + QR loop, numpy defaults",
               ">= 0.5 (cost <= 2 x)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs")
    args = parser.parse_args()
    one_trajectory(500, 4000 if args.quick else 20000, args.quick)
    spectrum_limit(1000, (100, 1000), args.quick)
    if args.quick:
        ratio_table([(200, 4, 2000), (1000, 4, 500)], 1)
    else:
        ratio_table([(200, 4, 5000), (500, 4, 3000), (1000, 1, 2000), (1000, 4, 2000), (1000, 16, 1000),
                     (2000, 4, 500)], 3)
        spectrum_table(1000, (100, 200, 1000), False)
        peers(1000, 5000, 1000, False)


if __name__ == "__main__":
    main()
