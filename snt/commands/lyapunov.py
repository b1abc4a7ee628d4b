"""``snt lyapunov``: the maximal Lyapunov exponent or the k leading exponents (SCIENCE.md E6)."""

import argparse
import time

EXAMPLES = """examples:
  snt lyapunov --N 1000 --g 2 --gamma 0 --steps 5000 --trials 4 -o lmax.nc        # maximal exponent (Benettin)
  snt lyapunov --N 1000 --g 2 --gamma 0 --steps 5000 --k 50 -o ly.nc              # 50 leading exponents (QR)
  snt lyapunov --N 200 --g 1.5 --sigma 0.2 --steps 20000 --k 200 --qr-every 5 -o full.nc
"""


def register(subparsers):
    """Add the ``lyapunov`` subcommand."""
    from ..cli import add_ensemble_options, add_threads_option
    p = subparsers.add_parser("lyapunov", help="Lyapunov exponents: maximal (Benettin) or spectrum (--k, QR)",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_ensemble_options(p)
    p.add_argument("--steps", type=int, default=5000,
                   help="total iterations, transients included (default 5000)")
    p.add_argument("--transient", type=int, default=1000, help="state transient (default 1000)")
    p.add_argument("--tangent-transient", type=int, default=100,
                   help="alignment of the tangent vectors, not averaged (default 100)")
    p.add_argument("--k", type=int, default=0,
                   help="number of leading exponents by QR; 0 (default): the maximal exponent only")
    p.add_argument("--qr-every", type=int, default=1, help="steps between QR factorisations (default 1)")
    p.add_argument("--trials", type=int, default=None,
                   help="independent trials (default 4 for the maximal exponent, 1 for a spectrum)")
    p.add_argument("--blocks", type=int, default=10, help="blocks for finite-time exponents (default 10)")
    add_threads_option(p)
    p.add_argument("--seed", type=int, default=2, help="seed of initial conditions and noise (default 2)")
    p.add_argument("-o", "--output", default="snt-lyapunov.nc", help="output file, .nc or .zarr (default %(default)s)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)


def _run(args):
    from ..cli import describe_network, ensemble_from, network_params, threads_from
    from ..io import save
    from ..lyapunov import lyapunov_spectrum, max_lyapunov
    from ._report import emit, number, quantity, spread
    net = ensemble_from(args).sample(seed=args.network_seed)
    threads = threads_from(args)
    common = dict(transient=args.transient, tangent_transient=args.tangent_transient, blocks=args.blocks,
                  seed=args.seed, progress=not args.quiet, threads=threads)
    start = time.perf_counter()
    if args.k:
        ds = lyapunov_spectrum(net, args.steps, k=args.k, qr_every=args.qr_every,
                               trials=1 if args.trials is None else args.trials, **common)
        lam = ds.exponents.values
        data = {"exponents": lam.tolist(), "lambda_1_stderr": float(ds.exponents_stderr[0]),
                "entropy": float(ds.entropy), "entropy_complete": bool(ds.entropy_complete),
                "kaplan_yorke_dimension": float(ds.kaplan_yorke_dimension),
                "kaplan_yorke_complete": bool(ds.kaplan_yorke_complete)}
        lines = [f"  {lam.size} leading exponents (QR every {args.qr_every} steps):",
                 f"  lambda_1 = {spread(lam[0], float(ds.exponents_stderr[0]), 'per step', 'stderr over blocks')}, "
                 f"lambda_{lam.size} = {quantity(lam[-1], 'per step')}",
                 f"  sum of positive exponents = {quantity(float(ds.entropy), 'per step')}"
                 f"{'' if bool(ds.entropy_complete) else ' (a lower bound: more exponents may be positive)'}",
                 f"  Kaplan-Yorke dimension D_KY = {number(float(ds.kaplan_yorke_dimension))}"
                 f"{'' if bool(ds.kaplan_yorke_complete) else ' (a lower bound: raise --k)'}"]
    else:
        ds = max_lyapunov(net, args.steps, trials=4 if args.trials is None else args.trials, **common)
        data = {"lambda_max": float(ds.lambda_max.mean()), "lambda_max_stderr": float(ds.lambda_max_stderr),
                "lambda_max_per_trial": ds.lambda_max.values.tolist()}
        over = f"stderr over {ds.sizes['trial']} trials"
        lines = [f"  lambda_max = {spread(float(ds.lambda_max.mean()), float(ds.lambda_max_stderr), 'per step', over)}"]
    elapsed = time.perf_counter() - start
    save(ds, args.output)
    data.update(output=str(args.output), ensemble=network_params(net), diverged=int(ds.diverged.sum()),
                trials=ds.sizes["trial"], seconds=round(elapsed, 2))
    text = "\n".join([f"wrote {args.output} ({describe_network(net)})", *lines,
                      f"  diverged {int(ds.diverged.sum())}/{ds.sizes['trial']} trials, {elapsed:.1f} s"])
    emit(args, text, data)
    return 0
