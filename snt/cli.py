"""The ``snt`` command: run an analysis from the shell and write its Dataset to a file.

Each subcommand builds an ensemble from the common options (one set of defaults for every subcommand,
:data:`ENSEMBLE_DEFAULTS`), samples a network, runs the analysis, saves the Dataset (netCDF ``.nc`` or zarr
``.zarr``) and prints a summary with units (``--json``: one JSON object). ``-v`` shows the package's log
(mean-field convergence, optimiser progress, sweep scheduling); ``-vv`` more.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import os
import pkgutil
import sys
import time
from collections.abc import Sequence
from typing import Any

from .commands._report import emit, spread

#: The ensemble every subcommand starts from (SCIENCE.md §1): a chaotic network with leak and weak noise.
ENSEMBLE_DEFAULTS: dict[str, Any] = {"N": 1000, "J": 1.0, "Jbar": 0.0, "g": 2.0, "gamma": 0.5, "sigma": 0.1,
                                     "theta_mean": 0.0, "theta_std": 0.0, "transfer": "tanh", "network_seed": 1}

from ._transfer_codes import TRANSFERS


EXAMPLES = {
    "simulate": """examples:
  snt simulate --N 1000 --g 2 --gamma 0.5 --steps 2000 --trials 16 --seed 2 -o run.nc
  snt simulate --N 4000 --g 1.5 --sigma 0.3 --record M --steps 100000 --trials 64 -o m.zarr
""",
}


def add_ensemble_options(parser: argparse.ArgumentParser, **overrides: Any) -> Any:
    """The ensemble's parameters (SCIENCE.md §1) and the network's seed, with the shared defaults
    :data:`ENSEMBLE_DEFAULTS` (``overrides`` only for an experiment on another model, e.g. Hebbian learning)."""
    d = {**ENSEMBLE_DEFAULTS, **overrides}
    group = parser.add_argument_group("ensemble (iid Gaussian J, SCIENCE.md §1; the same defaults for every "
                                      "subcommand)" if not overrides else "ensemble (defaults of this experiment)")
    group.add_argument("--N", type=int, default=d["N"], help=f"number of neurons (default {d['N']})")
    group.add_argument("--J", type=float, default=d["J"],
                       help=f"coupling standard-deviation scale, std(J_ij) = J/sqrt(N) (default {d['J']:g})")
    group.add_argument("--Jbar", type=float, default=d["Jbar"],
                       help=f"coupling mean scale, mean(J_ij) = Jbar/N (default {d['Jbar']:g})")
    group.add_argument("--g", type=float, default=d["g"], help=f"gain of the transfer function (default {d['g']:g})")
    group.add_argument("--gamma", type=float, default=d["gamma"],
                       help=f"leak, 0 <= gamma < 1 (default {d['gamma']:g})")
    group.add_argument("--sigma", type=float, default=d["sigma"],
                       help=f"noise amplitude, std of sigma*B(t) (default {d['sigma']:g}; 0: deterministic)")
    group.add_argument("--theta-mean", type=float, default=d["theta_mean"],
                       help=f"threshold mean (default {d['theta_mean']:g})")
    group.add_argument("--theta-std", type=float, default=d["theta_std"],
                       help=f"threshold standard deviation (default {d['theta_std']:g})")
    group.add_argument("--transfer", choices=list(TRANSFERS), default=d["transfer"],
                       help=f"transfer function f (SCIENCE.md §1.2; normcdf is the lecture's Phi(g x); default "
                            f"{d['transfer']})")
    group.add_argument("--network-seed", type=int, default=d["network_seed"],
                       help=f"seed of the couplings and thresholds (default {d['network_seed']})")
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
    data = {"output": str(args.output), "trials": args.trials, "records": ds.sizes["time"],
            "ensemble": network_params(net), "diverged": int(ds.diverged.sum()), "seconds": round(elapsed, 2)}
    lines = [f"wrote {args.output}: {args.trials} trials x {ds.sizes['time']} records ({describe_network(net)})"]
    if "M" in ds:
        M = ds["M"]
        data.update(M_mean=float(M.mean()), M_std=float(M.std()))
        lines.append(f"  activity M = {spread(float(M.mean()), float(M.std()), label='mean ± std over time and trials')}")
    lines.append(f"  diverged {int(ds.diverged.sum())}/{args.trials} trials, {elapsed:.1f} s")
    emit(args, "\n".join(lines), data)
    return 0


def network_params(net: Any) -> dict[str, Any]:
    """The parameters of a sampled network a summary reports."""
    return {"N": int(net.N), "g": float(net.g), "gamma": float(net.gamma), "sigma": float(net.sigma)}


def describe_network(net: Any) -> str:
    """"N = 1000, g = 2, gamma = 0.5, sigma = 0.1"."""
    return ", ".join(f"{k} = {v:g}" for k, v in network_params(net).items())


def build_parser():
    """The argparse parser of the ``snt`` command."""
    from . import __version__
    parser = argparse.ArgumentParser(prog="snt", description="Dynamics of random recurrent networks (SNT model).")
    parser.add_argument("--version", action="version", version=f"snt {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="log progress of the package to stderr; -vv for details (default: silent)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("simulate", help="trajectories of the SNT map", epilog=EXAMPLES["simulate"],
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    add_ensemble_options(p)
    p.add_argument("--steps", type=int, default=2000, help="recorded steps (default 2000)")
    p.add_argument("--trials", type=int, default=16, help="trials (default 16)")
    p.add_argument("--transient", type=int, default=500, help="discarded steps (default 500)")
    p.add_argument("--record-every", type=int, default=1, help="keep every k-th state (default 1)")
    p.add_argument("--record", nargs="+", choices=["u", "M", "m"], default=["u", "M"],
                   help="what to keep: u, the activity M = (1/N) sum f(u_i), the mean m = (1/N) sum u_i "
                        "(default u M)")
    p.add_argument("--seed", type=int, default=2, help="seed of initial conditions and noise (default 2)")
    add_threads_option(p)
    p.add_argument("-o", "--output", default="snt-simulate.nc", help="output file, .nc or .zarr (default %(default)s)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_simulate)

    for name in command_modules():
        importlib.import_module(name).register(sub)
    for leaf in _leaves(parser):
        _common_options(leaf)
    for each in _all_parsers(parser):
        each.formatter_class = HelpFormatter
    return parser


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Examples kept as written; every option's help states its default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text.lower() or action.default is argparse.SUPPRESS:
            return text
        if action.nargs == 0 or isinstance(action.default, bool):
            return f"{text} (default: off)" if not action.default else f"{text} (default: on)"
        if action.default is None:
            return f"{text} (default: automatic)"
        value = " ".join(map(str, action.default)) if isinstance(action.default, (list, tuple)) else action.default
        return f"{text} (default {value})"


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    return [p for a in parser._actions if isinstance(a, argparse._SubParsersAction)  # noqa: SLF001
            for p in dict.fromkeys(a.choices.values())]


def _all_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """``parser`` and every (nested) subcommand parser."""
    out = [parser]
    for p in _subparsers(parser):
        out += _all_parsers(p)
    return out


def _leaves(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers that run something (no subcommands of their own)."""
    return [p for p in _all_parsers(parser) if not _subparsers(p)]


def _common_options(p: argparse.ArgumentParser) -> None:
    """``--json`` and ``-v`` on every subcommand that runs something."""
    known = {s for a in p._actions for s in a.option_strings}  # noqa: SLF001
    if "--json" not in known:
        p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    if "-v" not in known:
        p.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                       help="log progress of the package (mean-field convergence, optimiser, sweep scheduling) "
                            "to stderr; -vv for details (default: silent)")


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


def _configure_logging(verbose: int) -> None:
    """Send the ``snt`` logger to stderr at INFO (-v) or DEBUG (-vv)."""
    if not verbose:
        return
    logger = logging.getLogger("snt")
    for old in [h for h in logger.handlers if getattr(h, "_snt_cli", False)]:  # main() called again
        logger.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler._snt_cli = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s", "%H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbose == 1 else logging.DEBUG)


def _interrupted(command: str, exc: KeyboardInterrupt) -> str:
    """The one line printed on Ctrl-C."""
    from .errors import SweepInterrupted

    if isinstance(exc, SweepInterrupted):
        where = os.path.relpath(exc.store) if not str(os.path.relpath(exc.store)).startswith("..") else exc.store
        return (f"snt {command}: interrupted: {exc.saved}/{exc.total} points saved in {where}; run the same "
                "command to resume")
    return f"snt {command}: interrupted"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``snt`` console script.

    Errors of the package (bad values, damaged files, a held lock, an unreachable scheduler, too little
    memory) are printed as one line and a hint, with exit status 2; ``--debug`` shows the traceback.
    An interrupt (Ctrl-C) exits with status 130.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv  # accepted anywhere on the line
    parser = build_parser()
    args = parser.parse_args([a for a in argv if a != "--debug"])
    _configure_logging(getattr(args, "verbose", 0))
    try:
        _check_output(args)
        return args.func(args)
    except _reported() as exc:
        if debug:
            raise
        print(f"snt {args.command}: error: {_first_line(exc)}", file=sys.stderr)
        print(f"  hint: {hint_for(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        if debug:
            raise
        print(_interrupted(args.command, exc), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
