"""``snt classify train`` and ``snt classify eval``.

``snt classify train --model wilson-cowan --dataset fashion-mnist -o model.nc`` trains a classifier and
writes its parameters (netCDF); ``snt classify eval model.nc`` reloads it and prints the test accuracy,
optionally under random-pixel attacks. The options of ``train`` are the fields of
:class:`snt.classify.config.Settings` (one ``--option`` each); ``--preset NAME`` (``paper``, ``digits``,
``fashion-mnist``, ``mnist``) selects the settings of :mod:`snt.classify.presets`, and options given with it
override the preset's.
"""

from __future__ import annotations

import json
import time

from .config import from_arguments

__all__ = ["register", "train_command", "eval_command"]

TRAIN_EXAMPLES = """examples:
  snt classify train -o model.nc                                  # digits, the preset's model
  snt classify train --model wilson-cowan --dataset fashion-mnist --preset fashion-mnist -o wc.nc
  snt classify train --model sa-node --n-nodes 20 --optimizer lbfgs --maxiter 200 --seed 3 -o dw.nc
"""
EVAL_EXAMPLES = """examples:
  snt classify eval model.nc
  snt classify eval model.nc --attack 0.05 0.1 0.2 --repeats 5 --json
"""
EXAMPLES = "examples:\n" + "".join(line + "\n" for line in (TRAIN_EXAMPLES + EVAL_EXAMPLES).splitlines()
                                    if line.startswith("  "))


def register(subparsers):
    """Add the ``classify`` subcommand (with ``train`` and ``eval``) to an argparse subparsers object."""
    from .config import add_arguments
    from ._names import DATASETS, NOISE_MODELS
    from ._corruptions import CORRUPTIONS

    p = subparsers.add_parser("classify", help="planted-attractor classifiers: train and evaluate",
                              description="Train and evaluate planted-attractor classifiers.", epilog=EXAMPLES)
    sub = p.add_subparsers(dest="classify_command", required=True)

    t = sub.add_parser("train", help="train a classifier and save it to a netCDF file",
                       description="Every option of snt.classify.AttractorClassifier (snt.classify.config); an "
                                   "option left out is automatic (the preset, the model's recipe, the data).",
                       epilog=TRAIN_EXAMPLES)
    t.add_argument("--dataset", default="digits", choices=DATASETS,
                   help="training and test images (default digits, bundled with scikit-learn)")
    t.add_argument("--data-root", default=None, help="directory of the IDX files (default: $SNT_DATA/<dataset>)")
    t.add_argument("-o", "--output", default="model.nc", help="output file, .nc (default model.nc)")
    t.add_argument("--n-train", type=int, default=None, help="use only the first n training items (default: all)")
    t.add_argument("--seed", type=int, default=0, help="random_state of the classifier (default 0)")
    t.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_arguments(t, skip=("random_state",))
    t.set_defaults(func=train_command)

    e = sub.add_parser("eval", help="test accuracy of a saved classifier", epilog=EVAL_EXAMPLES)
    e.add_argument("model_file", help="a classifier written by snt classify train")
    e.add_argument("--dataset", default=None, choices=DATASETS, help="test images (default: the dataset it was "
                                                                     "trained on)")
    e.add_argument("--data-root", default=None, help="directory of the IDX files (default: $SNT_DATA/<dataset>)")
    e.add_argument("--attack", "--levels", dest="attack", type=float, nargs="*", default=None,
                   help="corruption levels for a robustness curve, e.g. 0.05 0.1 0.2 (for 'pixels': fractions of "
                        "attacked pixels; default: none)")
    e.add_argument("--corruption", default="pixels", choices=tuple(CORRUPTIONS),
                   help="corruption of the test items for --attack (snt.classify.robustness; default pixels)")
    e.add_argument("--noise", default=None, choices=("none",) + tuple(NOISE_MODELS),
                   help="run the saved coupling with this noise model instead of its own ('none': its "
                        "deterministic counterpart; snt.classify.with_noise; default: its own)")
    e.add_argument("--sigma", type=float, default=None, help="noise amplitude of --noise, >= 0 (default: the "
                                                             "saved one)")
    e.add_argument("--lna", action="store_true",
                   help="also report the linear noise approximation per class (status, widest variance; "
                        "default: off)")
    e.add_argument("--repeats", type=int, default=3, help="random corruptions per level (default 3)")
    e.add_argument("--seed", type=int, default=1, help="seed of the corruptions (default 1)")
    e.set_defaults(func=eval_command)
    return p


def _emit(args, text, data):
    if getattr(args, "json", False):
        print(json.dumps(data))
    else:
        print(text)


def _save(ds, path):
    try:
        from snt import io
    except ImportError:  # pragma: no cover - the core package always ships io
        ds.to_netcdf(path, engine="h5netcdf")
        return
    io.save(ds, path)


def _open(path):
    try:
        from snt import io
    except ImportError:  # pragma: no cover
        import xarray as xr

        return xr.open_dataset(path, engine="h5netcdf").load()
    return io.open(path)


def train_command(args):
    """Handler of ``snt classify train``; returns the exit status."""
    from .data import load_dataset
    from .estimator import AttractorClassifier

    if args.n_train is not None and args.n_train < 2:
        raise ValueError(f"--n-train must be >= 2 (items to train on), got {args.n_train}")
    clf = AttractorClassifier(**{**from_arguments(args), "random_state": args.seed, "verbose": not args.quiet})
    X, y, Xt, yt = load_dataset(args.dataset, root=args.data_root)
    if args.n_train is not None:
        X, y = X[: args.n_train], y[: args.n_train]
    t0 = time.perf_counter()
    clf.fit(X, y)
    elapsed = time.perf_counter() - t0
    acc = clf.score(Xt, yt)
    ds = clf.to_dataset()
    ds.attrs["dataset"] = args.dataset
    ds.attrs["test_accuracy"] = float(acc)
    _save(ds, args.output)
    data = {"model": clf.model_.name, "dataset": args.dataset, "test_accuracy": round(float(acc), 4),
            "train_time_s": round(elapsed, 1), "nit": int(clf.result_.nit), "message": clf.result_.message,
            "output": str(args.output)}
    text = (f"wrote {args.output}: {clf.model_.name} on {args.dataset}, test accuracy {100 * float(acc):.2f} %\n"
            f"  {int(clf.result_.nit)} optimiser iterations in {elapsed:.1f} s ({clf.result_.message})")
    _emit(args, text, data)
    return 0


def eval_command(args):
    """Handler of ``snt classify eval``; returns the exit status."""
    from .data import load_dataset
    from .estimator import AttractorClassifier
    from .data import check_classifier_dataset
    from .lna import lna
    from .noise import with_noise
    from .robustness import robustness

    ds = check_classifier_dataset(_open(args.model_file), source=f"model_file {args.model_file!r}")
    clf = AttractorClassifier.from_dataset(ds)
    if args.sigma is not None and args.noise in (None, "none"):
        raise ValueError(f"--sigma {args.sigma} needs --noise (additive, state-dependent or damped)")
    if args.noise is not None:
        clf = with_noise(clf, None if args.noise == "none" else args.noise, args.sigma)
    dataset = args.dataset or ds.attrs.get("dataset", "digits")
    _, _, Xt, yt = load_dataset(dataset, root=args.data_root)
    stab = clf.stability()["growth_rate"]
    nm = clf.model_.noise
    out = {"model": clf.model_.name, "dataset": dataset,
           "noise": None if nm is None or not nm.active else nm.to_json(),
           "test_accuracy": round(float(clf.score(Xt, yt)), 4),
           "max_growth_rate": float(stab.max())}
    if args.attack:
        import numpy as np

        r = robustness(clf, Xt, yt, corruption=args.corruption, levels=np.asarray(args.attack),
                       repeats=args.repeats, seed=args.seed)
        lev = r[r.accuracy_mean.dims[0]].values
        out["corruption"] = args.corruption
        out["attack"] = {f"{p:g}": [round(float(m), 4), round(float(s), 4)]
                         for p, m, s in zip(lev, r.accuracy_mean.values, r.accuracy_std.values)}
    lines = [f"{args.model_file}: {out['model']} on {dataset}, test accuracy {100 * out['test_accuracy']:.2f} %",
             f"  largest growth rate of the planted attractors {out['max_growth_rate']:.4g} {stab.attrs['units']} "
             f"({'all stable' if out['max_growth_rate'] < 0 else 'not all stable'})"]
    if out["noise"] is not None:
        lines.insert(1, f"  noise model: {nm!r}")
    for level, (mean, std) in out.get("attack", {}).items():
        what = (f"{100 * float(level):g} % of pixels attacked" if args.corruption == "pixels"
                else f"{args.corruption} corruption at level {float(level):g}")
        lines.append(f"  {what}: accuracy {100 * mean:.2f} ± {100 * std:.2f} % (mean ± std over {args.repeats} "
                     "corruptions)")
    if args.lna:
        la = lna(clf, errors="status")
        out["lna"] = {"status": [str(v) for v in la.status.values],
                      "widest_variance": [float(v) for v in la.cov_eigenvalue.values[:, 0]],
                      "note": la.attrs["note"]}
        for c, (st, var) in enumerate(zip(out["lna"]["status"], out["lna"]["widest_variance"])):
            lines.append(f"  linear noise approximation, class {c}: {st}, widest variance {var:.3g}")
    _emit(args, "\n".join(lines), out)

    return 0
