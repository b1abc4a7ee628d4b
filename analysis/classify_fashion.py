"""Train a planted-attractor classifier on Fashion-MNIST (or MNIST) and log the test accuracy per epoch.

Usage: python analysis/classify_fashion.py MODEL [EPOCHS] --preset [--checkpoint FILE] [--out results.json]
       python analysis/classify_fashion.py MODEL EPOCHS [--dataset fashion-mnist] [--lr LR] [--steps T]
       [--checkpoint FILE] [--out results.json] [--init complement] [--loss xent] [--lr-eigenvalues R]
       [--clip-norm C] [--input-noise S] [--lr-decay D] [--lr-milestones E1 E2 ..] [--lr-drop F] [--ema MU]
       [--validation FRACTION] [--patience P] [--n-nodes N]
``--preset`` trains with ``snt.classify.presets.FASHION[MODEL]`` (its epochs unless EPOCHS is given); the
other options are ignored then.
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
from snt.classify.objective import unpack
from snt.classify.presets import FASHION


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("epochs", type=int, nargs="?", default=None)
    ap.add_argument("--preset", action="store_true", help="train with snt.classify.presets.FASHION[MODEL]")
    ap.add_argument("--dataset", default="fashion-mnist")
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--lr-decay", type=float, default=1.0)
    ap.add_argument("--lr-milestones", type=int, nargs="+", default=None)
    ap.add_argument("--lr-drop", type=float, default=0.1)
    ap.add_argument("--ema", type=float, default=None, help="moving-average momentum of the parameters")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--eval-steps", type=int, default=None)
    ap.add_argument("--batch-size", type=int, default=200)
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--checkpoint", default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", default="orthogonal", choices=["orthogonal", "complement"],
                    help="trained eigenvectors: the papers' initialiser or orthogonal to the planted span")
    ap.add_argument("--loss", default="mse", choices=["mse", "xent"])
    ap.add_argument("--lr-eigenvalues", type=float, default=None)
    ap.add_argument("--clip-norm", type=float, default=None, help="Adam gradient clipping (Euclidean norm)")
    ap.add_argument("--input-noise", type=float, default=None, help="std of noise on the training items")
    ap.add_argument("--n-nodes", type=int, default=None, help="network size (the input is zero-padded to it)")
    ap.add_argument("--n-train", type=int, default=None, help="use only the first n training items")
    ap.add_argument("--validation", type=float, default=0.0,
                    help="fraction of the training set held out; the best epoch on it is kept")
    ap.add_argument("--patience", type=int, default=None, help="early stopping (epochs without a better validation)")
    a = ap.parse_args()
    X, y, Xt, yt = load_dataset(a.dataset)
    if a.n_train is not None:
        X, y = X[: a.n_train], y[: a.n_train]
    if a.preset:
        kw = {**FASHION[a.model], "n_threads": a.threads, "seed": a.seed}
        if a.epochs is not None:
            kw["maxiter"] = a.epochs
        clf = AttractorClassifier(model=a.model, **kw)
    elif a.epochs is None:
        ap.error("EPOCHS is required without --preset")
    else:
        clf = AttractorClassifier(model=a.model, steps=a.steps, eval_steps=a.eval_steps, dtype=a.dtype,
                                  n_nodes=a.n_nodes, optimizer="adam", maxiter=a.epochs, batch_size=a.batch_size,
                                  lr=a.lr, lr_decay=a.lr_decay, lr_milestones=a.lr_milestones, lr_drop=a.lr_drop,
                                  ema=a.ema,
                                  n_threads=a.threads, seed=a.seed, init=a.init, loss=a.loss,
                                  lr_eigenvalues=a.lr_eigenvalues, clip_norm=a.clip_norm,
                                  input_noise=a.input_noise, validation=a.validation, patience=a.patience)
    settings = clf.get_params()    # what was trained (with --preset the other options are ignored)
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
                json.dump({"model": a.model, "dataset": a.dataset, "args": vars(a), "settings": settings, "log": log},
                          f, indent=1)

    clf.fit(X, y, callback=callback, checkpoint=a.checkpoint)
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
