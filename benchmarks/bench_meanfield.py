"""Wall time of the mean-field solvers.

Targets: stationary(γ = 0) < 50 ms; stationary(γ > 0) with λ_MF < 2 s; stationary at γ = 0.8 (1.5 g_c,
σ = 0.1) < 5 s; critical_gain with noise < 2 s; a mean-field scan at γ > 0 <= 0.5 s per point.

Run: python3 benchmarks/bench_meanfield.py
"""


import snt

from _timing import best_of


def _best(fn, repeat):
    fn()  # compile / load the numba cache
    return best_of(fn, repeat)


def main():
    ens = snt.Ensemble(J=1.0, g=2.0)
    cases = [
        ("stationary tanh gamma=0, g=2", lambda: snt.meanfield.stationary(ens), 5),
        ("stationary tanh gamma=0.5, g=2 (with lambda_MF)", lambda: snt.meanfield.stationary(ens.replace(gamma=0.5)), 3),
        ("stationary tanh gamma=0.5, g=2, sigma=0.5", lambda: snt.meanfield.stationary(ens.replace(gamma=0.5, sigma=0.5)),
         3),
        ("stationary tanh gamma=0.8, g=0.3, sigma=0.1 (1.5 g_c)",
         lambda: snt.meanfield.stationary(snt.Ensemble(J=1.0, g=0.3, gamma=0.8, sigma=0.1)), 1),
        ("stationary ferromagnetic, Jbar=2, g=2, gamma=0.3",
         lambda: snt.meanfield.stationary(snt.Ensemble(J=1.0, Jbar=2.0, g=2.0, gamma=0.3)), 3),
        ("stationary period-2 mean, Jbar=-3, g=2, gamma=0.3",
         lambda: snt.meanfield.stationary(snt.Ensemble(J=1.0, Jbar=-3.0, g=2.0, gamma=0.3)), 3),
        ("critical_gain gamma=0.5, sigma=0.3", lambda: snt.meanfield.critical_gain(
            snt.Ensemble(J=1.0, gamma=0.5, sigma=0.3)), 1),
        ("scan gamma=0.5, 4 gains (per point)", lambda: snt.meanfield.scan(ens.replace(gamma=0.5), "g",
                                                                           [1.0, 1.5, 2.0, 2.5]), 1),
        ("stationary g=1e6 (saturated: flagged)", lambda: snt.meanfield.stationary(snt.Ensemble(J=1.0, g=1e6)), 1),
        ("evolve tanh gamma=0.5, steps=1000 (default band)", lambda: snt.meanfield.evolve(ens.replace(gamma=0.5), 1000), 1),
    ]
    for name, fn, repeat in cases:
        t = _best(fn, repeat)
        if name.startswith("scan"):
            t /= 4
        print(f"{name:60s} {t * 1e3:9.1f} ms")


if __name__ == "__main__":
    main()
