"""Train a planted-attractor classifier on Fashion-MNIST (or MNIST) and log the test accuracy per epoch.

Usage: python analysis/classify_fashion.py MODEL EPOCHS [--dataset fashion-mnist] [--lr LR] [--steps T]
       [--checkpoint FILE] [--out results.json] [--init complement] [--loss xent] [--lr-eigenvalues R]
An interrupted run continues from ``--checkpoint`` when started again with the same arguments.
The data are read by ``load_dataset`` (``$SNT_DATA``). Timings depend on the machine's load.
``results/fashion_*.json`` are the logs of the reported runs (stopped after 8 and 6 epochs, one core each).
"""

import argparse
import json
import time

import numpy as np

from snt.classify import AttractorClassifier, load_dataset
from snt.classify.objective import unpack


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("epochs", type=int)
    ap.add_argument("--dataset", default="fashion-mnist")
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--lr-decay", type=float, default=1.0)
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
    ap.add_argument("--n-train", type=int, default=None, help="use only the first n training items")
    a = ap.parse_args()
    X, y, Xt, yt = load_dataset(a.dataset)
    if a.n_train is not None:
        X, y = X[: a.n_train], y[: a.n_train]
    clf = AttractorClassifier(model=a.model, steps=a.steps, eval_steps=a.eval_steps, dtype=a.dtype,
                              optimizer="adam", maxiter=a.epochs, batch_size=a.batch_size, lr=a.lr,
                              lr_decay=a.lr_decay, n_threads=a.threads, seed=a.seed, init=a.init, loss=a.loss,
                              lr_eigenvalues=a.lr_eigenvalues)
    log = []
    t0 = time.perf_counter()

    def callback(r):
        p = unpack(clf.model_, r.x, clf.model_.gamma_init)
        with clf._threads():
            acc = float(np.mean(clf._predict_index(clf._pad(Xt), p) == yt))
        log.append({"epoch": int(r.nit), "loss": float(r.fun), "test_accuracy": acc,
                    "elapsed_s": time.perf_counter() - t0})
        print(json.dumps(log[-1]), flush=True)
        if a.out:
            with open(a.out, "w") as f:
                json.dump({"model": a.model, "dataset": a.dataset, "args": vars(a), "log": log}, f, indent=1)

    clf.fit(X, y, callback=callback, checkpoint=a.checkpoint)
    res = {"model": a.model, "dataset": a.dataset, "args": vars(a), "log": log,
           "test_accuracy": float(clf.score(Xt, yt)), "train_time_s": float(clf.result_.train_time),
           "message": clf.result_.message, "max_growth_rate": float(clf.result_.max_growth_rate),
           "max_residual": float(clf.result_.max_residual)}
    print(json.dumps({k: v for k, v in res.items() if k != "log"}), flush=True)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
