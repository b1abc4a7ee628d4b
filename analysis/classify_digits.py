"""Train every planted-attractor model on the digits (held-out 20 %), report accuracy and wall time, and
compare under random-pixel attacks the CVFR trained without noise, the stochastic CVFR, and the deterministic
CVFR trained with the stochastic model's noise (the ``cvfr`` preset).

    python analysis/classify_digits.py [--out results.json] [--models sa-node,cvfr,...]
    python analysis/classify_digits.py --cv [--models ...] [--set loss=mse --set maxiter=60]

``--cv``: 5-fold stratified cross-validation on the training set only (how the presets were compared);
``--preset none`` trains with the estimator's defaults, ``--preset paper`` with the papers' protocol (default
``digits``); ``--set KEY=VALUE`` overrides a preset (VALUE read as JSON when it parses, e.g. ``null``, ``0.5``).
``--figure robustness.png`` draws the attack curves (mean ± std over the attack draws); with ``--replot
results.json`` it redraws them from a saved ``--out`` file without training. ``results/classify_digits.json`` holds
the run behind the reported numbers (``--out`` of the default command).

Timings depend on the machine's load (2 shared cores when the numbers in the notes were taken).
"""

import argparse
import json
import time

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_score

from snt.classify import AttractorClassifier, load_dataset, robustness
from snt.classify.config import Settings
from snt.classify.presets import DIGITS

SETTINGS = DIGITS
NO_NOISE = "cvfr, trained without noise"   # the baseline of the attack curves


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None)
    ap.add_argument("--models", default=",".join(SETTINGS))
    ap.add_argument("--fractions", default="0,0.1,0.2,0.3,0.4,0.5,0.6")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--cv", action="store_true", help="5-fold cross-validation on the training set")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a preset")
    ap.add_argument("--preset", default="digits", help="'digits' (default), 'paper', or 'none' (the defaults)")
    ap.add_argument("--figure", default=None, help="attack curves of the CVFR models (png/pdf)")
    ap.add_argument("--replot", default=None, metavar="RESULTS_JSON", help="only redraw --figure from a saved --out")
    a = ap.parse_args()
    if a.replot:
        with open(a.replot) as f:
            plot_attack(json.load(f), a.figure or "robustness.png")
        return
    over = {}
    for item in a.set:
        key, _, val = item.partition("=")
        try:
            over[key] = json.loads(val)
        except json.JSONDecodeError:
            over[key] = val
    Settings(**over)                      # the names and values are checked before any training
    preset = None if a.preset == "none" else a.preset
    X, y, Xt, yt = load_dataset("digits")
    if a.cv:
        folds = StratifiedKFold(5, shuffle=True, random_state=0)
        for name in a.models.split(","):
            kw = {"preset": preset, **over}
            s = cross_val_score(AttractorClassifier(model=name, random_state=0, **kw), X, y, cv=folds)
            print(name, json.dumps({"settings": kw, "cv_mean": float(s.mean()), "cv_std": float(s.std()),
                                    "folds": np.round(s, 4).tolist()}), flush=True)
        return
    results, fitted = {}, {}
    for name in a.models.split(","):
        t = time.perf_counter()
        clf = AttractorClassifier(model=name, random_state=0, preset=preset, **over).fit(X, y)
        el = time.perf_counter() - t
        fitted[name] = clf
        st = clf.stability()
        settings = {**clf.config_.to_json(), "callback": None}
        results[name] = {"settings": settings, "test_accuracy": float(clf.score(Xt, yt)),
                         "train_accuracy": float(clf.score(X, y)), "train_time_s": el,
                         "max_growth_rate": float(st.growth_rate.max()), "max_residual": float(st.residual.max()),
                         "message": clf.result_.message}
        print(name, json.dumps(results[name]), flush=True)
    fr = [float(v) for v in a.fractions.split(",")]
    if "cvfr" in fitted:  # the baseline of the attack curves: the deterministic model trained without noise
        kw = {**SETTINGS["cvfr"], **over, "training_noise": 0.0}
        fitted[NO_NOISE] = AttractorClassifier(model="cvfr", random_state=0, **kw).fit(X, y)
        results[NO_NOISE] = {"settings": {**fitted[NO_NOISE].config_.to_json(), "callback": None},
                             "test_accuracy": float(fitted[NO_NOISE].score(Xt, yt))}
        print(NO_NOISE, json.dumps(results[NO_NOISE]), flush=True)
    for name in (NO_NOISE, "cvfr-stochastic", "cvfr"):
        if name in fitted:
            r = robustness(fitted[name], Xt, yt, fractions=fr, repeats=a.repeats, seed=1)
            results[name]["attack"] = {"fraction": fr, "mean": r.accuracy_mean.values.tolist(),
                                       "std": r.accuracy_std.values.tolist()}
            print(name, "attack", json.dumps(results[name]["attack"]), flush=True)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(results, f, indent=1)
    if a.figure:
        plot_attack(results, a.figure)


def plot_attack(results, path):
    """Accuracy against the attacked fraction for every model of ``results`` that has an ``attack`` entry."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 3.2), constrained_layout=True)
    for name, r in results.items():
        if "attack" in r:
            at = r["attack"]
            ax.errorbar(at["fraction"], at["mean"], yerr=at["std"], marker="o", ms=3, capsize=2, label=name)
    ax.set_xlabel("fraction of pixels replaced")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1)
    ax.legend(frameon=False)
    fig.savefig(path, dpi=150)
    plt.close(fig)
    print("wrote", path)


if __name__ == "__main__":
    main()
