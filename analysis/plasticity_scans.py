"""Selectivity against the memory factor (threshold="ema") and the overlap index against the lateral strength,
BCM on scikit-learn's digits (1797 images, 40 neurons, 40 epochs); results in
analysis/results/plasticity_scans.json and two figures next to it.

Run ``python3 analysis/plasticity_scans.py``.
"""

import json
from pathlib import Path

import matplotlib
import numpy as np

from snt import plasticity, plot
from snt.classify import load_dataset

matplotlib.use("Agg")
OUT = Path(__file__).resolve().parent / "results"


def main():
    Xtr, ytr, Xte, yte = load_dataset("digits")
    X, y = np.vstack([Xtr, Xte]), np.concatenate([ytr, yte])
    template = plasticity.BCM(n_neurons=40, activation="relu", lateral=-0.02, threshold="ema", memory=0.9,
                              optimizer="sgd", lr=0.05, batch_size=100, epochs=40, seed=0)
    memory = plasticity.scan(template, "memory", [0.0, 0.5, 0.9, 0.99], X, labels=y)
    lateral = plasticity.scan(template, "lateral", [-0.2, -0.1, -0.05, -0.02, 0.0, 0.02], X, labels=y)
    plot.selectivity_scan(memory).figure.savefig(OUT / "plasticity_scan_memory.png", dpi=90)
    plot.selectivity_scan(lateral, variable="beta").figure.savefig(OUT / "plasticity_scan_lateral.png", dpi=90)
    res = {}
    for name, ds in (("memory", memory), ("lateral", lateral)):
        res[name] = [{name: float(v), "alpha_median": float(np.median(ds.alpha.sel({name: v}))),
                      "S": int(ds.S.sel({name: v})), "beta": float(ds.beta.sel({name: v})),
                      "classes_covered": int(ds.classes_covered.sel({name: v}))} for v in ds[name].values]
        print(name, json.dumps(res[name]))
    (OUT / "plasticity_scans.json").write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
