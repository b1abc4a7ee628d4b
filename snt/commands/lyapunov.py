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
    add_ensemble_options(p, N=1000, g=2.0)
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
    p.add_argument("-o", "--output", default="snt-lyapunov.nc", help="output file, .nc or .zarr")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)


def _run(args):
    from ..cli import ensemble_from, threads_from
    from ..io import save
    from ..lyapunov import lyapunov_spectrum, max_lyapunov
    net = ensemble_from(args).sample(seed=args.network_seed)
    threads = threads_from(args)
    common = dict(transient=args.transient, tangent_transient=args.tangent_transient, blocks=args.blocks,
                  seed=args.seed, progress=not args.quiet, threads=threads)
    start = time.perf_counter()
    if args.k:
        ds = lyapunov_spectrum(net, args.steps, k=args.k, qr_every=args.qr_every,
                               trials=1 if args.trials is None else args.trials, **common)
        lam = ds.exponents.values
        summary = (f"{lam.size} exponents, lambda_1 = {lam[0]:.5g} ± {float(ds.exponents_stderr[0]):.2g}, "
                   f"lambda_{lam.size} = {lam[-1]:.5g}, sum of positive = {float(ds.entropy):.5g}"
                   f"{'' if bool(ds.entropy_complete) else ' (lower bound)'}, D_KY = "
                   f"{float(ds.kaplan_yorke_dimension):.5g}{'' if bool(ds.kaplan_yorke_complete) else ' (>=)'}")
    else:
        ds = max_lyapunov(net, args.steps, trials=4 if args.trials is None else args.trials, **common)
        summary = (f"lambda_max = {float(ds.lambda_max.mean()):.5g} ± {float(ds.lambda_max_stderr):.2g} over "
                   f"{ds.sizes['trial']} trials")
    elapsed = time.perf_counter() - start
    save(ds, args.output)
    print(f"wrote {args.output}: {summary}, N={net.N}, g={net.g}, gamma={net.gamma}, sigma={net.sigma}, "
          f"diverged {int(ds.diverged.sum())}/{ds.sizes['trial']}, {elapsed:.1f} s")
    return 0
