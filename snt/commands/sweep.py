"""``snt sweep``: a parameter sweep from a TOML configuration, or the default study."""

import argparse
import time
from pathlib import Path

EPILOG = """examples:
  snt sweep                                  # the default study: gain sweep of one N = 500 network,
                                             # gamma in {0, 0.5}, stored in data/results/snt-default.zarr
                                             # and its figures in data/results/snt-default-figures/
  snt sweep analysis/gain_route.toml -o route.zarr --workers 2
  snt sweep analysis/gain_route.toml -o route.zarr --scheduler tcp://10.0.0.5:8786

Interrupt a sweep at any time and run the same command again: finished points are kept. One process at
a time writes a store (a second one is refused). With --scheduler the store must be on a filesystem every
worker sees at the same path (the path is made absolute before it is sent).
"""


def _run(args):
    from ..io import check_output_path
    from ..studies import default_study, load_config, run_config, summary
    from ..sweep import check_client

    # everything that can be checked is checked before any point is computed
    config = load_config(args.config) if args.config is not None else None
    out = args.output
    if out is None:  # the documented default home of stored results, created on first use
        out = "data/results/snt-default.zarr" if config is None else "data/results/snt-sweep.zarr"
        Path(out).parent.mkdir(parents=True, exist_ok=True)
    check_output_path(out, formats=("zarr",), name="-o/--output")
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    client = check_client(args.scheduler) if args.scheduler else ("serial" if args.workers == 1 else None)
    start = time.perf_counter()
    if config is None:
        ds, figures = default_study(out, client=client, n_workers=args.workers, progress=not args.quiet,
                                    quick=args.quick, overwrite=args.overwrite)
        print(summary(ds))
        print(f"wrote {out} and {len(figures)} figures in {figures[0].parent if figures else '-'} "
              f"({time.perf_counter() - start:.0f} s)")
        return 0
    ds = run_config(config, out, client=client, n_workers=args.workers, progress=not args.quiet,
                    overwrite=args.overwrite)
    grid = " x ".join(f"{k}[{ds.sizes[k]}]" for k in config["grid"])
    print(f"wrote {out}: study {config['study']} over {grid}, {int(ds.done.sum())} points done "
          f"({time.perf_counter() - start:.0f} s)")
    return 0


def register(sub):
    """Add the ``sweep`` subcommand."""
    p = sub.add_parser("sweep", help="parameter sweep on dask (default: the gain-sweep study)", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", nargs="?", help="TOML configuration (see snt.studies); none: the default study")
    p.add_argument("-o", "--output", help="zarr store (default data/results/snt-default.zarr, or "
                                           "data/results/snt-sweep.zarr with a CONFIG)")
    p.add_argument("--scheduler", help="address of a running dask scheduler, tcp://HOST:PORT")
    p.add_argument("--workers", type=int, help="local worker processes (default: the number of cores; 1 runs "
                                                "in this process)")
    p.add_argument("--overwrite", action="store_true", help="replace a store that holds another sweep")
    p.add_argument("--quick", action="store_true", help="default study only: N = 100, coarse grid (smoke run)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run, output_formats=("zarr",))
