"""``snt response``: the linear response kernel R(tau) of an SNT network (SCIENCE.md E12), saved to a file."""

import argparse
import time

EXAMPLES = """examples:
  snt response --g 1.5 --gamma 0.5 --sigma 0.2 --method noise -o resp.nc
  snt response --N 1000 --Jbar 0.3 --g 1.5 --gamma 0.5 --sigma 0.2 --method jacobian perturbation noise \\
      --horizon 10 --sources 0 1 2 --trials 32 --steps 2000 -o resp3.nc
"""


def register(subparsers):
    """Add the ``response`` subcommand."""
    from ..cli import add_ensemble_options, add_threads_option
    p = subparsers.add_parser("response", help="linear response kernel R(tau) (Jacobian, perturbation, noise)",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_ensemble_options(p)
    p.add_argument("--method", nargs="+", choices=["jacobian", "perturbation", "noise"], default=["jacobian"],
                   help="estimator(s); several run on the same trajectories (default jacobian)")
    p.add_argument("--horizon", type=int, default=20, help="largest lag (default 20)")
    p.add_argument("--sources", type=int, nargs="+", default=[0], help="pulsed neurons (default 0)")
    p.add_argument("--trials", type=int, default=16, help="trials (default 16)")
    p.add_argument("--steps", type=int, default=2000, help="measured steps per trial (default 2000)")
    p.add_argument("--transient", type=int, default=500, help="discarded steps (default 500)")
    p.add_argument("--eps", type=float, default=1e-4, help="kick of the perturbation method (default 1e-4)")
    p.add_argument("--probes", type=int, default=4, help="random probes for Tr R / N (default 4)")
    p.add_argument("--blocks", type=int, default=20, help="blocks for the error bars (default 20)")
    p.add_argument("--seed", type=int, default=2, help="seed of initial conditions and noise (default 2)")
    add_threads_option(p)
    p.add_argument("-o", "--output", default="snt-response.nc", help="output file, .nc or .zarr (default %(default)s)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)


def _run(args):
    from ..cli import describe_network, ensemble_from, network_params, threads_from
    from ..io import save
    from ..response import kernel
    from ._report import emit, number
    net = ensemble_from(args).sample(seed=args.network_seed)
    method = args.method[0] if len(args.method) == 1 else tuple(args.method)
    start = time.perf_counter()
    ds = kernel(net, args.horizon, sources=args.sources, method=method, trials=args.trials, steps=args.steps,
                transient=args.transient, eps=args.eps, probes=args.probes, blocks=args.blocks, seed=args.seed,
                progress=not args.quiet, threads=threads_from(args))
    elapsed = time.perf_counter() - start
    save(ds, args.output)
    Rm = ds.R_mean if "estimator" not in ds.dims else ds.R_mean.isel(estimator=0)
    lag = min(3, args.horizon)
    r, theory = float(Rm.sel(lag=lag)), float(ds.R_mean_theory.sel(lag=lag))
    data = {"output": str(args.output), "methods": list(args.method), "ensemble": network_params(net),
            "horizon": args.horizon, "lag": lag, "R_mean": r, "R_mean_theory": theory, "seconds": round(elapsed, 2)}
    text = (f"wrote {args.output} ({describe_network(net)})\n"
            f"  mean diagonal response Tr R(tau)/N at tau = {lag} steps ({', '.join(args.method)}): {number(r)}; "
            f"mean field a^{lag} = {number(theory)}\n  {elapsed:.1f} s")
    emit(args, text, data)
    return 0
