"""Train a planted-attractor classifier on Fashion-MNIST (or MNIST) and log the test accuracy per epoch.

Usage: python analysis/classify_fashion.py MODEL [EPOCHS] --preset fashion-mnist [--checkpoint FILE] [--out F]
       python analysis/classify_fashion.py MODEL [EPOCHS] [--dataset mnist] [--OPTION VALUE ...]
The options are those of ``snt classify train`` (every field of ``snt.classify.config.Settings``; EPOCHS is
``maxiter``); ``--preset fashion-mnist`` trains with ``snt.classify.presets.FASHION[MODEL]`` (its epochs unless
EPOCHS is given) and options given with it override the preset's. Options left out are automatic (the
estimator's defaults). The logs in ``results/`` were written before this interface: their ``settings`` are
the estimator parameters of the time (unset ones then meant the papers' protocol: mean squared error, the
orthogonal initialiser, a constant rate).
An interrupted run continues from ``--checkpoint`` when started again with the same arguments.
The data are read by ``load_dataset`` (``$SNT_DATA``). Timings depend on the machine's load.
``results/fashion_*.json`` are the logs of the reported runs (one core each): the papers' protocols
(``sa-node_mse``, stopped after 8 epochs; ``wilson-cowan_xent``, 6 epochs) and the double-well preset
(``sa-node_xent``: ``python analysis/classify_fashion.py sa-node 30 --steps 30 --loss xent --lr 3e-3
--lr-decay 0.97 --init complement --lr-eigenvalues 0.03``, stopped after epoch 20; the first 20 epochs are the
preset's, the rate schedule does not depend on the number of epochs), the Wilson–Cowan preset
(``wilson-cowan_preset``, seed 0; ``wilson-cowan_preset_seed1``, seed 1; 1024 nodes), the same schedule on
784 nodes (``wilson-cowan_n784``, ``wilson-cowan_n784_seed1``) and the validation runs that chose them
(``wilson-cowan_validation``, ``--validation 0.1``, each log's command and outcome in the file; its ``log``
is the schedule without the averaging, epochs 1-20, run in three pieces from one checkpoint: epochs 1-12,
13-15 and 16-20, the later pieces started with the schedule's lower rates, which is what the step schedule
does at its milestones).
"""

import argparse
import json
import time

import numpy as np

from snt.classify import AttractorClassifier, load_dataset
from snt.classify.config import add_arguments, from_arguments
from snt.classify.objective import unpack


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("epochs", type=int, nargs="?", default=None, help="maxiter (default: the preset's or automatic)")
    ap.add_argument("--dataset", default="fashion-mnist")
    ap.add_argument("--out", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n-train", type=int, default=None, help="use only the first n training items")
    add_arguments(ap, skip=("model", "maxiter", "random_state", "n_threads"))
    a = ap.parse_args()
    X, y, Xt, yt = load_dataset(a.dataset)
    if a.n_train is not None:
        X, y = X[: a.n_train], y[: a.n_train]
    kw = {**from_arguments(a), "model": a.model, "random_state": a.seed, "n_threads": a.threads}
    if a.epochs is not None:
        kw["maxiter"] = a.epochs
    log = []
    t0 = time.perf_counter()

    def callback(r):
        p = unpack(clf.model_, r.x, clf.model_.gamma_init)
        with clf._threads():
            acc = float(np.mean(clf._predict_index(clf._pad(Xt), p) == yt))
        log.append({"epoch": int(r.nit), "loss": float(r.fun), "val_accuracy": float(r.val_accuracy),
                    "test_accuracy": acc,
                    "elapsed_s": time.perf_counter() - t0})
        print(json.dumps(log[-1]), flush=True)
        if a.out:
            with open(a.out, "w") as f:
                json.dump({"model": a.model, "dataset": a.dataset, "args": vars(a), "log": log}, f, indent=1)

    clf = AttractorClassifier(**kw, callback=callback)
    clf.fit(X, y)
    settings = clf.config_.to_json()    # what was trained (every automatic setting resolved)
    settings["callback"] = None
    res = {"model": a.model, "dataset": a.dataset, "args": vars(a), "settings": settings, "log": log,
           "test_accuracy": float(clf.score(Xt, yt)), "train_time_s": float(clf.result_.train_time),
           "message": clf.result_.message, "max_growth_rate": float(clf.result_.max_growth_rate),
           "max_residual": float(clf.result_.max_residual)}
    print(json.dumps({k: v for k, v in res.items() if k != "log"}), flush=True)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
