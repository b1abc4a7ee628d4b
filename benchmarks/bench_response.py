"""Cost of the response estimators against snt.simulate for the same shapes (N neurons, B trials, steps).

Each estimator adds K = sources + 1 + probes rows per trial to the products (Jacobian: tangent rows;
perturbation: replicas) or correlates the noise history (noise); the table prints seconds and the ratio to
a simulate() of the same trials and steps.

    python benchmarks/bench_response.py [--quick]
"""

import argparse
import inspect

import snt
from snt import response

from _timing import best_of

SHAPES = [(200, 16, 1000), (1000, 16, 300)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and one repeat")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 2
    H, sources, probes = 10, [0, 1, 2], 4
    policies = [{}]
    if "exact" in inspect.signature(response.kernel).parameters:
        policies = [{"exact": True}, {"exact": False}]   # the engine's product policy (see snt.dynamics.Batch)
    print(f"{'N':>5} {'B':>3} {'steps':>5} {'products':>8} | {'simulate':>9} "
          + " ".join(f"{m:>13}" for m in response.METHODS) + "   (seconds, ratio to simulate)")
    for N, B, steps in SHAPES:
        if args.quick:
            steps = max(20 * (H + 1), steps // 4)
        net = snt.Ensemble(N=N, J=1.0, Jbar=0.3, g=1.5, gamma=0.5, sigma=0.2).sample(seed=1)
        for policy in policies:
            response.kernel(net, H, sources=sources, method=response.METHODS, trials=2, steps=20 * (H + 1), seed=0,
                            transient=0, **policy)                      # compile and cache the mean field
            snt.simulate(net, 5, trials=B, record="M", seed=0, **policy)  # compile
            sim = best_of(lambda: snt.simulate(net, steps, trials=B, record="M", seed=0, **policy), repeats)
            cells = []
            for m in response.METHODS:
                t = best_of(lambda: response.kernel(net, H, sources=sources, method=m, trials=B, steps=steps,
                                                    transient=0, probes=probes, seed=0, theory=False, **policy),
                            repeats)
                cells.append(f"{t:6.2f} ({t / sim:4.1f}x)")
            label = {True: "exact", False: "fast"}.get(policy.get("exact"), "-")
            print(f"{N:>5} {B:>3} {steps:>5} {label:>8} | {sim:9.3f} " + " ".join(f"{c:>13}" for c in cells),
                  flush=True)


if __name__ == "__main__":
    main()
