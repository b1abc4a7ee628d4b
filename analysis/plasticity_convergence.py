"""Does the BCM threshold converge? The relative change of θ per epoch with a constant learning rate and with
the default exponential schedule, on digits and on MNIST (the documented settings), with the selectivity and
the clean feature classifier of the final state; results in analysis/results/plasticity_convergence.json.

Run ``SNT_DATA=<dir> python3 analysis/plasticity_convergence.py [--epochs E] [--dataset digits|mnist|both]``.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

from snt import plasticity
from snt.classify import load_dataset

OUT = Path(__file__).resolve().parent / "results" / "plasticity_convergence.json"
SCHEDULES = {"constant": dict(anneal="constant"), "exponential": dict()}   # exponential: the default
SETTINGS = {
    "digits": dict(n_neurons=40, activation="relu", lateral=-0.02, threshold="ema", memory=0.9, optimizer="adam",
                   lr=0.02, init="glorot-normal", batch_size=100, seed=0),
    "mnist": dict(n_neurons=100, activation="relu", lateral=-0.05, threshold="ema", memory=0.9, optimizer="adam",
                  lr=0.02, init="glorot-normal", batch_size=1000, seed=0),
}


def _data(name):
    if name == "digits":
        d = load_digits()
        X, y = d.data / 16, d.target
        return X[:1400], y[:1400], X[1400:], y[1400:]
    return load_dataset("mnist")


def run(name, epochs, schedules, results):
    """Train with each schedule and store its row in ``results[name]`` (written after every schedule)."""
    Xtr, ytr, Xte, yte = _data(name)
    rows = results.setdefault(name, {})
    for label in schedules:
        sched = SCHEDULES[label]
        bcm = plasticity.BCM(epochs=epochs, tol=0.01, patience=3, early_stopping=False, **SETTINGS[name], **sched)
        t = time.perf_counter()
        acc, pipe = plasticity.feature_classifier(bcm, Xtr, ytr, Xte, yte)
        fitted = pipe[0]
        sel = plasticity.selectivity(fitted, Xte, labels=yte)
        change = fitted.history_.theta_change.values
        below = np.flatnonzero(change <= 0.01)
        rows[label] = {"params": {k: v for k, v in fitted.get_params().items() if k in ("anneal", "anneal_epochs",
                                                                                          "lr", "epochs")},
                       "theta_change": np.round(change, 5).tolist(),
                       "first_epoch_change_below_0.01": int(below[0]) + 1 if below.size else None,
                       "convergence": fitted.convergence_,
                       "alpha_median_test": float(np.median(sel.alpha.values)), "n_test": int(Xte.shape[0]),
                       "classes_covered": int(sel.classes_covered), "clean_feature_accuracy": acc,
                       "seconds": round(time.perf_counter() - t, 1)}
        print(name, label, json.dumps({k: v for k, v in rows[label].items() if k != "theta_change"}), flush=True)
        OUT.write_text(json.dumps(results, indent=1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--dataset", choices=["digits", "mnist", "both"], default="both")
    parser.add_argument("--schedule", choices=list(SCHEDULES) + ["both"], default="both",
                        help="run one schedule only (the other's stored result is kept)")
    args = parser.parse_args(argv)
    results = json.loads(OUT.read_text()) if OUT.exists() else {}
    schedules = list(SCHEDULES) if args.schedule == "both" else [args.schedule]
    for name in (["digits", "mnist"] if args.dataset == "both" else [args.dataset]):
        run(name, args.epochs, schedules, results)


if __name__ == "__main__":
    main()
