"""MNIST with the planted-attractor classifiers: a preset chosen on a validation split of the training set, then
trained on the whole training set and evaluated on the test set, per seed.

Usage: python analysis/classify_mnist.py MODEL [--candidates mnist default 'mnist:{"maxiter": 30}' ...]
       [--seeds 0 1] [--threads 1] [--curve] [--out results/mnist_MODEL.json] [--n-train N] [--n-test N]
       [--epochs E] [--chosen CANDIDATE --chosen-because TEXT]

1. Choice. Every candidate (a preset name of ``snt.classify.presets``, or ``default`` for the estimator's
   defaults, optionally followed by ``:`` and a JSON object of estimator parameters set over it) is fitted with
   seed 0 on 90 % of the training set and scored on the other 10 %
   (``StratifiedShuffleSplit(test_size=0.1, random_state=0)``); the candidate with the best validation accuracy
   is kept. The test set is not looked at before the choice is made. With ``--curve`` the validation accuracy
   of the parameters after every epoch (the moving average where ``ema`` is set) is recorded too; the time it
   takes is recorded apart and left out of the training time.
2. Evaluation. The chosen candidate is fitted on the whole training set (60 000 items) with each seed and
   scored on the 10 000 test items. ``--chosen CANDIDATE --chosen-because TEXT`` skips step 1 for a candidate
   chosen beforehand on the same validation split (e.g. the number of epochs read off a stored ``--curve``),
   and records how it was chosen.

For every fit the log records the accuracy, the training time (``result_.train_time``, on ``--threads`` BLAS
threads) and the bare-BLAS time of the same products: per mini-batch and step, the forward product
(B x N)(N x N), the adjoint's product and the accumulation of the coupling gradient, timed on arrays of the fit's
shapes and dtype for a few batches and scaled to the fit's number of batches and epochs. Their ratio is the
overhead of everything that is not a matrix product. Timings depend on the machine's load (recorded as the load
average).

``--n-train``/``--n-test`` (the first items) and ``--epochs`` (``maxiter`` of every fit) make a short check of
the script; their results are not MNIST results. The data are read by ``load_dataset`` (``$SNT_DATA``).
"""

import argparse
import json
import math
import os
import time

import numpy as np
from sklearn.model_selection import StratifiedShuffleSplit
from threadpoolctl import threadpool_limits

from snt.classify import AttractorClassifier, load_dataset
from snt.classify.objective import unpack


def bare_blas_seconds(cfg, n_items, threads, batches=2):
    """Seconds of the fit's matrix products alone (see the module docstring)."""
    N, B, steps = cfg.n_nodes, min(cfg.batch_size or n_items, n_items), cfg.steps
    d = np.dtype(cfg.dtype)
    rng = np.random.default_rng(0)
    X = rng.random((B, N)).astype(d)
    A = rng.standard_normal((N, N)).astype(d)
    u = np.empty((B, N), dtype=d)
    q = np.empty((B, N), dtype=d)

    def products():
        for _ in range(steps):
            np.matmul(X, A.T, out=u)          # forward
            np.matmul(u, A, out=q)            # adjoint
            _ = q.T @ X                        # coupling gradient
    with threadpool_limits(threads, user_api="blas"):
        products()
        t = time.perf_counter()
        for _ in range(batches):
            products()
        per_batch = (time.perf_counter() - t) / batches
    return per_batch * math.ceil(n_items / B) * cfg.maxiter


def settings(candidate, model, seed, threads, epochs):
    """Estimator parameters of ``candidate``: ``NAME`` or ``NAME:{json}`` (NAME a preset or ``default``)."""
    name, _, extra = candidate.partition(":")
    kw = {"model": model, "random_state": seed, "n_threads": threads}
    if name != "default":
        kw["preset"] = name
    kw.update(json.loads(extra) if extra else {})
    if epochs is not None:
        kw["maxiter"] = epochs
    return kw


def fit_and_score(kw, X, y, Xe, ye, threads, curve=False):
    """Fit on (X, y), score on (Xe, ye); with ``curve``, also score the parameters of every epoch."""
    clf = AttractorClassifier(**kw)
    epochs, spent = [], [0.0]
    if curve:
        def record(res):
            t = time.perf_counter()
            p = unpack(clf.model_, res.x)
            idx = clf._predict_index(clf._pad(Xe), p)
            epochs.append({"epoch": int(res.nit), "loss": float(res.fun),
                           "accuracy": float(np.mean(clf.classes_[idx] == ye))})
            spent[0] += time.perf_counter() - t
        clf.set_params(callback=record)
    t = time.perf_counter()
    clf.fit(X, y)
    wall = time.perf_counter() - t
    acc = float(clf.score(Xe, ye))
    rec = {"accuracy": acc, "train_time_s": float(clf.result_.train_time) - spent[0], "fit_wall_s": wall,
           "bare_blas_s": bare_blas_seconds(clf.config_, len(X), threads),
           "train_accuracy": float(clf.result_.train_accuracy), "message": clf.result_.message,
           "load_average": os.getloadavg()[0]}
    if curve:
        rec["curve"], rec["curve_time_s"] = epochs, spent[0]
    return clf, rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="sa-node (EODECA) or wilson-cowan, or any other model name")
    ap.add_argument("--candidates", nargs="+", default=["mnist", "default"],
                    help="preset names (snt.classify.presets) or 'default', each optionally followed by "
                         "':{json}' (parameters set over it); chosen on the validation split")
    ap.add_argument("--curve", action="store_true", help="record the validation accuracy after every epoch")
    ap.add_argument("--seeds", nargs="*", type=int, default=[0, 1],
                    help="seeds of the test fits (none: the choice only)")
    ap.add_argument("--threads", type=int, default=1,
                    help="BLAS threads of every fit (1, as the stored results: another count gives another fit, "
                         "see AttractorClassifier's n_threads)")
    ap.add_argument("--dataset", default="mnist")
    ap.add_argument("--n-train", type=int, default=None, help="only the first n training items (a check)")
    ap.add_argument("--n-test", type=int, default=None, help="only the first n test items (a check)")
    ap.add_argument("--epochs", type=int, default=None, help="maxiter of every fit (a check)")
    ap.add_argument("--chosen", default=None,
                    help="skip the choice: evaluate this candidate, chosen beforehand on the validation split "
                         "(say how with --chosen-because)")
    ap.add_argument("--chosen-because", default="",
                    help="how --chosen was chosen (recorded in the log), e.g. the stored validation curve")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()

    X, y, Xt, yt = load_dataset(a.dataset)
    if a.n_train is not None:
        X, y = X[: a.n_train], y[: a.n_train]
    if a.n_test is not None:
        Xt, yt = Xt[: a.n_test], yt[: a.n_test]
    log = {"model": a.model, "dataset": a.dataset, "args": vars(a), "n_train": len(X), "n_test": len(Xt),
           "validation": {}, "test": {}}

    def save():
        print(json.dumps(log["test"] or log["validation"]), flush=True)
        if a.out:
            with open(a.out, "w") as f:
                json.dump(log, f, indent=1)

    # 1. the choice, on a validation split of the training set (or made beforehand, on the same split)
    fit_idx, val_idx = next(StratifiedShuffleSplit(1, test_size=0.1, random_state=0).split(X, y))
    for cand in a.candidates if a.chosen is None else []:
        clf, rec = fit_and_score(settings(cand, a.model, 0, a.threads, a.epochs), X[fit_idx], y[fit_idx],
                                 X[val_idx], y[val_idx], a.threads, curve=a.curve)
        rec["settings"] = {k: v for k, v in clf.config_.to_json().items() if k != "callback"}
        log["validation"][cand] = rec
        save()
    if a.chosen is None:
        chosen = max(a.candidates, key=lambda c: log["validation"][c]["accuracy"])
    else:
        chosen = a.chosen
        log["chosen_because"] = a.chosen_because
    log["chosen"] = chosen

    # 2. the chosen candidate on the whole training set, scored on the test set, per seed
    for seed in a.seeds:
        clf, rec = fit_and_score(settings(chosen, a.model, seed, a.threads, a.epochs), X, y, Xt, yt, a.threads)
        rec["blas_ratio"] = rec["train_time_s"] / rec["bare_blas_s"]
        log["test"][str(seed)] = rec
        save()
    acc = [r["accuracy"] for r in log["test"].values()]
    log["summary"] = {"chosen": chosen, "test_accuracy": acc, "mean": float(np.mean(acc)),
                      "train_time_s": [r["train_time_s"] for r in log["test"].values()]}
    save()
    print(json.dumps(log["summary"]), flush=True)


if __name__ == "__main__":
    main()
