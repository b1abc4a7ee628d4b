"""The ``snt`` command: run an analysis from the shell and write its Dataset to a file.

Each subcommand builds an ensemble from the common options, samples a network, runs the analysis, saves
the Dataset (netCDF ``.nc`` or zarr ``.zarr``) and prints a one-line summary.
"""

import argparse
import importlib
import importlib.util
import pkgutil
import sys
import time

from .network import TRANSFERS


EXAMPLES = {
    "simulate": """examples:
  snt simulate --N 1000 --g 2 --gamma 0.5 --steps 2000 --trials 16 --seed 2 -o run.nc
  snt simulate --N 4000 --g 1.5 --sigma 0.3 --record M --steps 100000 --trials 64 -o m.zarr
""",
}


def add_ensemble_options(parser, *, N=1000, g=2.0, gamma=0.0, sigma=0.0):
    """The ensemble's parameters (SCIENCE.md §1) and the network's seed."""
    group = parser.add_argument_group("ensemble (iid Gaussian J, SCIENCE.md §1)")
    group.add_argument("--N", type=int, default=N, help=f"number of neurons (default {N})")
    group.add_argument("--J", type=float, default=1.0, help="coupling standard-deviation scale (default 1)")
    group.add_argument("--Jbar", type=float, default=0.0, help="coupling mean scale (default 0)")
    group.add_argument("--g", type=float, default=g, help=f"gain (default {g})")
    group.add_argument("--gamma", type=float, default=gamma, help=f"leak, 0 <= gamma < 1 (default {gamma})")
    group.add_argument("--sigma", type=float, default=sigma, help=f"noise amplitude (default {sigma})")
    group.add_argument("--theta-mean", type=float, default=0.0, help="threshold mean (default 0)")
    group.add_argument("--theta-std", type=float, default=0.0, help="threshold standard deviation (default 0)")
    group.add_argument("--transfer", choices=list(TRANSFERS), default="tanh",
                       help="transfer function (SCIENCE.md §1.2; normcdf is the lecture's Phi(g x))")
    group.add_argument("--network-seed", type=int, default=1, help="seed of the couplings (default 1)")
    return group


def ensemble_from(args):
    """The Ensemble described by the common options."""
    from .ensembles import Ensemble
    return Ensemble(N=args.N, J=args.J, Jbar=args.Jbar, g=args.g, gamma=args.gamma, sigma=args.sigma,
                    theta_mean=args.theta_mean, theta_std=args.theta_std, transfer=args.transfer)


def add_threads_option(parser):
    """``--threads`` (BLAS threads of the run; 0 leaves the pools as they are)."""
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads (default 1, fastest when the cores are shared; 0: leave as is)")


def threads_from(args):
    """The ``threads`` argument of the analyses from ``--threads``."""
    return None if args.threads == 0 else args.threads


def _simulate(args):
    from .io import save
    from .simulate import simulate
    net = ensemble_from(args).sample(seed=args.network_seed)
    start = time.perf_counter()
    ds = simulate(net, args.steps, trials=args.trials, transient=args.transient, record_every=args.record_every,
                  record=tuple(args.record), seed=args.seed, progress=not args.quiet,
                  threads=threads_from(args))
    elapsed = time.perf_counter() - start
    save(ds, args.output)
    M = ds["M"] if "M" in ds else None
    summary = f"wrote {args.output}: {args.trials} trials x {ds.sizes['time']} records, N={net.N}, g={net.g}, " \
              f"gamma={net.gamma}, sigma={net.sigma}"
    if M is not None:
        summary += f", <M>={float(M.mean()):.4g}, std(M)={float(M.std()):.4g}"
    summary += f", diverged {int(ds.diverged.sum())}/{args.trials}, {elapsed:.1f} s"
    print(summary)
    return 0


def build_parser():
    """The argparse parser of the ``snt`` command."""
    from . import __version__
    parser = argparse.ArgumentParser(prog="snt", description="Dynamics of random recurrent networks (SNT model).")
    parser.add_argument("--version", action="version", version=f"snt {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("simulate", help="trajectories of the SNT map", epilog=EXAMPLES["simulate"],
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    add_ensemble_options(p, gamma=0.5, sigma=0.1)
    p.add_argument("--steps", type=int, default=2000, help="recorded steps (default 2000)")
    p.add_argument("--trials", type=int, default=16, help="trials (default 16)")
    p.add_argument("--transient", type=int, default=500, help="discarded steps (default 500)")
    p.add_argument("--record-every", type=int, default=1, help="keep every k-th state (default 1)")
    p.add_argument("--record", nargs="+", choices=["u", "M", "m"], default=["u", "M"],
                   help="what to keep: u, the activity M = (1/N) sum f(u_i), the mean m = (1/N) sum u_i "
                        "(default u M)")
    p.add_argument("--seed", type=int, default=2, help="seed of initial conditions and noise (default 2)")
    add_threads_option(p)
    p.add_argument("-o", "--output", default="snt-simulate.nc", help="output file, .nc or .zarr")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_simulate)

    for name in command_modules():
        importlib.import_module(name).register(sub)
    return parser


def command_modules():
    """Names of the modules that add subcommands: every module of ``snt.commands``, plus
    ``snt.classify.cli`` when the classifier package is present."""
    from . import commands
    names = [f"snt.commands.{m.name}" for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")]
    if importlib.util.find_spec("snt.classify.cli") is not None:
        names.append("snt.classify.cli")
    return sorted(names)


def _reported():
    """What the command line reports as one line and a hint (no traceback unless --debug): the package's
    own errors (snt.errors.SntError) and the built-in types its validators raise."""
    from .errors import SntError

    return (SntError, ValueError, TypeError, OSError, MemoryError)


_HINTS = {
    FileExistsError: "pass --overwrite, or choose another output name",
    FileNotFoundError: "check the path",
    PermissionError: "choose a directory you can write to",
    MemoryError: "reduce the sizes (--N, --trials, --steps, what is recorded) or use a larger machine",
}


def hint_for(exc):
    """The one-line hint printed under an error."""
    from .errors import SntError

    if isinstance(exc, SntError) and exc.hint:
        return exc.hint
    for kind, text in _HINTS.items():
        if isinstance(exc, kind):
            return text
    return "see --help for the allowed values; --debug shows the traceback"


def _first_line(exc):
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())


def _check_output(args):
    """Refuse an output path that cannot be written before any work starts."""
    from .io import check_output_path

    output = getattr(args, "output", None)
    if output is None:
        return
    formats = getattr(args, "output_formats", ("netcdf", "zarr"))
    check_output_path(output, formats=formats, name="-o/--output")


def main(argv=None):
    """Entry point of the ``snt`` console script.

    Errors of the package (bad values, damaged files, a held lock, an unreachable scheduler, too little
    memory) are printed as one line and a hint, with exit status 2; ``--debug`` shows the traceback.
    An interrupt (Ctrl-C) exits with status 130.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv  # accepted anywhere on the line
    parser = build_parser()
    args = parser.parse_args([a for a in argv if a != "--debug"])
    try:
        _check_output(args)
        return args.func(args)
    except _reported() as exc:
        if debug:
            raise
        print(f"snt {args.command}: error: {_first_line(exc)}", file=sys.stderr)
        print(f"  hint: {hint_for(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"snt {args.command}: interrupted (a stored sweep resumes when run again)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
