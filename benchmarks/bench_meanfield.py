"""Wall time of the mean-field solvers (issue targets: stationary(γ=0) < 50 ms, stationary(γ>0) with λ_MF < 2 s).

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
        ("evolve tanh gamma=0.5, steps=1000 (default band)", lambda: snt.meanfield.evolve(ens.replace(gamma=0.5), 1000), 1),
    ]
    for name, fn, repeat in cases:
        print(f"{name:55s} {_best(fn, repeat) * 1e3:9.1f} ms")


if __name__ == "__main__":
    main()
