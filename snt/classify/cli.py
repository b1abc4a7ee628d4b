"""``snt classify train`` and ``snt classify eval``.

``snt classify train --model wilson-cowan --dataset fashion-mnist -o model.nc`` trains a classifier and
writes its parameters (netCDF); ``snt classify eval model.nc`` reloads it and prints the test accuracy,
optionally under random-pixel attacks. ``--preset`` trains with the settings of the reported results
(:mod:`snt.classify.presets`: ``DIGITS`` for ``digits``, ``FASHION`` for ``fashion-mnist``); options given
with a value other than their default override the preset's.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np

__all__ = ["register", "train_command", "eval_command"]


def register(subparsers):
    """Add the ``classify`` subcommand (with ``train`` and ``eval``) to an argparse subparsers object."""
    from .data import DATASETS
    from .estimator import MODELS

    p = subparsers.add_parser("classify", help="planted-attractor classifiers: train and evaluate",
                              description="Train and evaluate planted-attractor classifiers.")
    sub = p.add_subparsers(dest="classify_command", required=True)

    t = sub.add_parser("train", help="train a classifier and save it to a netCDF file")
    t.add_argument("--model", default="wilson-cowan", choices=sorted(MODELS))
    t.add_argument("--dataset", default="digits", choices=DATASETS)
    t.add_argument("--data-root", default=None, help="directory of the IDX files (default: $SNT_DATA/<dataset>)")
    t.add_argument("-o", "--output", default="model.nc", help="output file (.nc)")
    t.add_argument("--optimizer", default="adam", choices=("adam", "lbfgs"))
    t.add_argument("--maxiter", type=int, default=20, help="Adam epochs or L-BFGS iterations")
    t.add_argument("--batch-size", type=int, default=None)
    t.add_argument("--lr", type=float, default=None)
    t.add_argument("--lr-decay", type=float, default=1.0)
    t.add_argument("--lr-milestones", type=int, nargs="+", default=None,
                   help="epochs after which the rate is multiplied by --lr-drop")
    t.add_argument("--lr-drop", type=float, default=0.1)
    t.add_argument("--lr-eigenvalues", type=float, default=None,
                   help="Adam learning rate of the trained eigenvalues (default: --lr)")
    t.add_argument("--lr-gamma", type=float, default=None,
                   help="Adam learning rate of the trained dynamical scalar gamma (default: --lr)")
    t.add_argument("--input-scale", type=float, default=1.0,
                   help="initial condition = input-scale x pixels (default 1, the papers' contract)")
    t.add_argument("--loss", default="mse", choices=("mse", "xent"),
                   help="mean squared error (the papers') or cross-entropy of the nearest-attractor readout")
    t.add_argument("--temperature", type=float, default=0.1, help="temperature of --loss xent")
    t.add_argument("--ema", type=float, default=None, help="Adam: moving-average momentum of the parameters")
    t.add_argument("--init", default="orthogonal", choices=("orthogonal", "complement"),
                   help="trained eigenvectors: the papers' initialiser or orthogonal to the planted span")
    t.add_argument("--sigma", type=float, default=None, help="noise amplitude of cvfr-stochastic (default 0.1)")
    t.add_argument("--training-noise", type=float, default=None,
                   help="cvfr: train with the stochastic model's noise of this amplitude, predict without it")
    t.add_argument("--input-noise", type=float, default=None,
                   help="std of Gaussian noise added to the training items' pixels (a regulariser)")
    t.add_argument("--clip-norm", type=float, default=None,
                   help="Adam: rescale a mini-batch gradient of larger Euclidean norm to this norm")
    t.add_argument("--steps", type=int, default=None)
    t.add_argument("--eval-steps", type=int, default=None)
    t.add_argument("--dt", type=float, default=None)
    t.add_argument("--n-nodes", type=int, default=None)
    t.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    t.add_argument("--validation", type=float, default=0.0)
    t.add_argument("--patience", type=int, default=10)
    t.add_argument("--checkpoint", default=None, help="checkpoint file (.npz); an existing one is resumed")
    t.add_argument("--n-train", type=int, default=None, help="use only the first n training items")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    t.add_argument("--preset", action="store_true",
                   help="settings of the reported results (snt.classify.presets) for this model and dataset; "
                        "options given with a non-default value override them")
    t.set_defaults(func=train_command)
    t.set_defaults(_train_defaults=vars(t.parse_args([])))

    e = sub.add_parser("eval", help="test accuracy of a saved classifier")
    e.add_argument("model_file")
    e.add_argument("--dataset", default=None, help="default: the dataset it was trained on")
    e.add_argument("--data-root", default=None)
    e.add_argument("--attack", type=float, nargs="*", default=None,
                   help="fractions of attacked pixels for a robustness curve")
    e.add_argument("--repeats", type=int, default=3)
    e.add_argument("--seed", type=int, default=1)
    e.set_defaults(func=eval_command)
    return p


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


def _preset_settings(args, kw):
    """Estimator settings for ``--preset``: the preset of (dataset, model) over the estimator's defaults, then
    every option whose value differs from its command-line default."""
    from . import presets

    tables = {"digits": presets.DIGITS, "fashion-mnist": presets.FASHION}
    table = tables.get(args.dataset)
    if table is None or args.model not in table:
        have = [f"{m} on {d}" for d, t in tables.items() for m in t]
        raise ValueError(f"no preset for model {args.model!r} on dataset {args.dataset!r}; presets exist for: "
                         + ", ".join(have))
    defaults = getattr(args, "_train_defaults", {})
    given = {k: v for k, v in kw.items() if k in defaults and v != defaults[k]}
    return {**table[args.model], **given}


def train_command(args):
    """Handler of ``snt classify train``; returns the exit status."""
    from .data import load_dataset
    from .estimator import AttractorClassifier

    kw = dict(steps=args.steps, dt=args.dt, eval_steps=args.eval_steps, n_nodes=args.n_nodes, dtype=args.dtype,
              optimizer=args.optimizer, maxiter=args.maxiter, batch_size=args.batch_size,
              validation=args.validation, patience=args.patience, lr=args.lr, lr_decay=args.lr_decay,
              lr_milestones=args.lr_milestones, lr_drop=args.lr_drop,
              lr_eigenvalues=args.lr_eigenvalues, lr_gamma=args.lr_gamma, input_scale=args.input_scale,
              loss=args.loss, temperature=args.temperature, ema=args.ema, init=args.init, sigma=args.sigma,
              training_noise=args.training_noise, input_noise=args.input_noise, clip_norm=args.clip_norm)
    if getattr(args, "preset", False):
        kw = _preset_settings(args, kw)
    if args.n_train is not None and args.n_train < 2:
        raise ValueError(f"--n-train must be >= 2 (items to train on), got {args.n_train}")
    clf = AttractorClassifier(model=args.model, seed=args.seed, verbose=not args.quiet, **kw)
    X, y, Xt, yt = load_dataset(args.dataset, root=args.data_root)
    if args.n_train is not None:
        X, y = X[: args.n_train], y[: args.n_train]
    t0 = time.perf_counter()
    clf.fit(X, y, checkpoint=args.checkpoint)
    elapsed = time.perf_counter() - t0
    acc = clf.score(Xt, yt)
    ds = clf.to_dataset()
    ds.attrs["dataset"] = args.dataset
    ds.attrs["test_accuracy"] = float(acc)
    ds.attrs["history"] = " ".join(sys.argv) if sys.argv else "snt classify train"
    _save(ds, args.output)
    print(json.dumps({"model": clf.model_.name, "dataset": args.dataset, "test_accuracy": round(float(acc), 4),
                      "train_time_s": round(elapsed, 1), "nit": int(clf.result_.nit),
                      "message": clf.result_.message, "output": str(args.output)}))
    return 0


def eval_command(args):
    """Handler of ``snt classify eval``; returns the exit status."""
    from .data import load_dataset
    from .estimator import AttractorClassifier
    from .robustness import robustness

    from .data import check_classifier_dataset

    ds = check_classifier_dataset(_open(args.model_file), source=f"model_file {args.model_file!r}")
    clf = AttractorClassifier.from_dataset(ds)
    dataset = args.dataset or ds.attrs.get("dataset", "digits")
    _, _, Xt, yt = load_dataset(dataset, root=args.data_root)
    out = {"model": clf.model_.name, "dataset": dataset, "test_accuracy": round(float(clf.score(Xt, yt)), 4),
           "max_growth_rate": float(clf.stability()["growth_rate"].max())}
    if args.attack:
        r = robustness(clf, Xt, yt, fractions=np.asarray(args.attack), repeats=args.repeats, seed=args.seed)
        out["attack"] = {f"{p:g}": [round(float(m), 4), round(float(s), 4)]
                         for p, m, s in zip(r.fraction.values, r.accuracy_mean.values, r.accuracy_std.values)}
    print(json.dumps(out))
    return 0
