"""``snt figures``: regenerate the figure families; ``snt plot FILE``: draw a stored result."""

import argparse
import time

FIGURES_EPILOG = """examples:
  snt figures --quick                        # every family at small sizes (minutes), into data/results/figures/
  snt figures route lyapunov --out figs/     # two families at full size
families: {families}
"""
PLOT_EPILOG = """examples:
  snt simulate -o run.nc && snt plot run.nc  # writes run.png and run.pdf beside run.nc
  snt plot data/results/snt-default.zarr --out figs/
"""


def _figures(args):
    from ..figures import DEFAULT_OUT, FAMILIES, make_all
    unknown = [f for f in args.families if f not in FAMILIES]
    if unknown:
        raise ValueError(f"unknown family {unknown[0]!r}; families: {', '.join(FAMILIES)}")
    out = args.out or DEFAULT_OUT
    start = time.perf_counter()
    done = make_all(out, quick=args.quick, families=args.families or None, progress=not args.quiet)
    n = sum(len(p) for p, _ in done.values())
    print(f"wrote {n} files of {len(done)} families in {out} ({time.perf_counter() - start:.0f} s)")
    return 0


def _plot(args):
    from ..figures import plot_file
    paths = plot_file(args.file, args.out)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def register(sub):
    """Add the ``figures`` and ``plot`` subcommands."""
    from ..figures import FAMILIES
    p = sub.add_parser("figures", help="regenerate the figure families (PNG and PDF)",
                       epilog=FIGURES_EPILOG.format(families=", ".join(FAMILIES)),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("families", nargs="*", metavar="FAMILY", help="families to draw (default: all)")
    p.add_argument("--quick", action="store_true", help="small sizes: every family in a few minutes")
    p.add_argument("--out", help="output directory (default data/results/figures)")
    p.add_argument("-q", "--quiet", action="store_true", help="no per-family progress lines")
    p.set_defaults(func=_figures)
    p = sub.add_parser("plot", help="draw a stored result (.nc or .zarr written by snt)", epilog=PLOT_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", metavar="FILE", help="a stored Dataset: simulate, lyapunov, response, meanfield, sweep")
    p.add_argument("--out", help="output directory (default: beside FILE)")
    p.set_defaults(func=_plot)
