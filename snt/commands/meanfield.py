"""``snt meanfield``: the dynamic mean-field stationary state, or theory vs simulation (SCIENCE.md §4)."""

import argparse
import time

EXAMPLES = """examples:
  snt meanfield --g 2 --gamma 0.5 --sigma 0.3 -o mf.nc
  snt meanfield --compare --N 2000 --g 2 --gamma 0.5 --steps 3000 --trials 4 --seed 1 -o cmp.nc
"""


def register(subparsers):
    """Add the ``meanfield`` subcommand."""
    from ..cli import add_ensemble_options
    p = subparsers.add_parser("meanfield", help="dynamic mean-field theory (and --compare with simulation)",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_ensemble_options(p, N=2000, g=2.0)
    p.add_argument("--compare", action="store_true", help="also simulate the ensemble (N units) and put "
                   "theory and simulation side by side")
    p.add_argument("--lags", type=int, default=20, help="largest lag of Delta(tau) (default 20)")
    p.add_argument("--tol", type=float, default=1e-10, help="convergence tolerance (default 1e-10)")
    p.add_argument("--steps", type=int, default=3000, help="--compare: recorded steps (default 3000)")
    p.add_argument("--trials", type=int, default=4, help="--compare: trials (default 4)")
    p.add_argument("--transient", type=int, default=500, help="--compare: discarded steps (default 500)")
    p.add_argument("--seed", type=int, default=1, help="--compare: seed (default 1)")
    p.add_argument("-o", "--output", default="snt-meanfield.nc", help="output file, .nc or .zarr")
    p.set_defaults(func=_run)


def _run(args):
    from ..cli import ensemble_from
    from ..io import save
    from ..meanfield import compare, stationary
    ens = ensemble_from(args)
    start = time.perf_counter()
    if args.compare:
        ds = compare(ens, steps=args.steps, trials=args.trials, seed=args.seed, transient=args.transient,
                     lags=args.lags)
        th, sim = ds.sel(estimator="theory"), ds.sel(estimator="simulation")
        summary = (f"v* = {float(th.v):.5g} (sim {float(sim.v):.5g} ± {float(ds.v_stderr):.2g}), "
                   f"lambda_MF = {float(th.lambda_max):.5g} (sim {float(sim.lambda_max):.5g} ± "
                   f"{float(ds.lambda_max_stderr):.2g}), N={ens.N}")
    else:
        ds = stationary(ens, lags=args.lags, tol=args.tol)
        summary = (f"{str(ds.regime.values)}: m* = {float(ds.m):.5g}, v* = {float(ds.v):.5g}, "
                   f"q_inf = {float(ds.q_inf):.5g}, lambda_MF = {float(ds.lambda_max):.5g}")
    save(ds, args.output)
    print(f"wrote {args.output}: {summary}, {time.perf_counter() - start:.1f} s")
    return 0
