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
    add_ensemble_options(p)
    p.add_argument("--compare", action="store_true", help="also simulate the ensemble (N units) and put "
                   "theory and simulation side by side")
    p.add_argument("--lags", type=int, default=20, help="largest lag of Delta(tau) (default 20)")
    p.add_argument("--tol", type=float, default=1e-10, help="convergence tolerance (default 1e-10)")
    p.add_argument("--steps", type=int, default=3000, help="--compare: recorded steps (default 3000)")
    p.add_argument("--trials", type=int, default=4, help="--compare: trials (default 4)")
    p.add_argument("--transient", type=int, default=500, help="--compare: discarded steps (default 500)")
    p.add_argument("--seed", type=int, default=1, help="--compare: seed (default 1)")
    p.add_argument("-o", "--output", default="snt-meanfield.nc", help="output file, .nc or .zarr (default %(default)s)")
    p.set_defaults(func=_run)


def _run(args):
    from ..cli import ensemble_from
    from ..io import save
    from ..meanfield import compare, stationary
    from ._report import emit, number, quantity, spread
    ens = ensemble_from(args)
    start = time.perf_counter()
    tol = 10 * args.tol  # values below the fixed-point tolerance are zero within the computation's accuracy
    if args.compare:
        ds = compare(ens, steps=args.steps, trials=args.trials, seed=args.seed, transient=args.transient,
                     lags=args.lags)
        th, sim = ds.sel(estimator="theory"), ds.sel(estimator="simulation")
        data = {"v": float(th.v), "v_simulation": float(sim.v), "v_stderr": float(ds.v_stderr),
                "lambda_max": float(th.lambda_max), "lambda_max_simulation": float(sim.lambda_max),
                "lambda_max_stderr": float(ds.lambda_max_stderr)}
        lines = [f"  variance v*: theory {number(float(th.v))}, simulation "
                 f"{spread(float(sim.v), float(ds.v_stderr), '', f'stderr, N = {ens.N}')}",
                 f"  lambda_MF: theory {quantity(float(th.lambda_max), 'per step')}, simulation "
                 f"{spread(float(sim.lambda_max), float(ds.lambda_max_stderr), 'per step', 'stderr')}"]
    else:
        ds = stationary(ens, lags=args.lags, tol=args.tol)
        data = {"regime": str(ds.regime.values), "m": float(ds.m), "v": float(ds.v), "q_inf": float(ds.q_inf),
                "lambda_max": float(ds.lambda_max)}
        lines = [f"  regime: {ds.regime.values}",
                 f"  mean m* = {number(float(ds.m), tol)}, variance v* = {number(float(ds.v), tol)}, "
                 f"q_inf = {number(float(ds.q_inf), tol)} (|values| <= {tol:g} shown as 0)",
                 f"  lambda_MF = {quantity(float(ds.lambda_max), 'per step')}"]
    elapsed = time.perf_counter() - start
    save(ds, args.output)
    data.update(output=str(args.output), N=ens.N, g=ens.g, gamma=ens.gamma, sigma=ens.sigma,
                seconds=round(elapsed, 2))
    head = f"wrote {args.output} (g = {ens.g:g}, gamma = {ens.gamma:g}, sigma = {ens.sigma:g})"
    emit(args, "\n".join([head, *lines, f"  {elapsed:.1f} s"]), data)
    return 0
