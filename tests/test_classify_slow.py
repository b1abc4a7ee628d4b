"""Long classifier runs (``pytest -m slow``): full digits training of every model, the CVFR robustness
comparison, and the Fashion-MNIST targets of the papers (hours on 2 cores; also needs SNT_LONG=1).

Digits targets are the acceptance level 0.97; the models marked xfail do not reach it yet with the
settings below (measured values in the reason) and report XPASS when they do.
"""

import os
from pathlib import Path

import numpy as np
import pytest

from snt.classify import AttractorClassifier, load_dataset, robustness
from snt.classify.presets import DIGITS as SETTINGS
from snt.classify.presets import FASHION as FASHION_SETTINGS

pytestmark = pytest.mark.slow

MEASURED = {   # test accuracy with SETTINGS, seed 0 (analysis/classify_digits.py); 5-fold CV on the training set
    "sa-node": 0.975,          # CV 0.967 +- 0.007 (0.958 +- 0.014 without input noise)
    "snt-map": 0.983,
    "cvfr": 0.975,             # CV 0.971 +- 0.008 (0.960 +- 0.011 trained without noise)
    "cvfr-stochastic": 0.978,  # CV 0.960 +- 0.008
    "wilson-cowan": 0.975,     # CV 0.978 +- 0.013 (0.951 +- 0.021 without input noise)
}


def _marks(name):
    m = MEASURED[name]
    if m is None or m < 0.97:
        return [pytest.mark.xfail(reason=f"{name}: measured {m} < 0.97 with these settings", strict=False)]
    return []



#: held-out accuracy and 5-fold cross-validation with no options at all (random_state=0; fit time of the
#: held-out fit on two shared cores under load): double well 0.975, CV 0.969 +- 0.013 (51 s); Wilson-Cowan 0.972,
#: CV 0.971 +- 0.014 (92 s); CVFR 0.975, CV 0.971 +- 0.008 (147 s, three jobs on two cores; 78 s of CPU pinned
#: to one shared core since the fused CVFR step); stochastic CVFR
#: 0.972 (63 s); SNT map 0.972, CV 0.964 +- 0.009 (30 s). See snt.classify.presets for how the recipes were chosen.
DEFAULT_MODELS = ("sa-node", "wilson-cowan", "cvfr", "cvfr-stochastic", "snt-map")


@pytest.mark.parametrize("name", DEFAULT_MODELS)
def test_defaults_on_the_digits(name, digits):
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    X, y, Xt, yt = digits
    clf = AttractorClassifier(model=name, random_state=0).fit(X, y)
    assert clf.score(Xt, yt) >= 0.96
    assert clf.stability().stable.all() and clf.result_.max_residual < 1e-10
    scores = cross_val_score(AttractorClassifier(model=name, random_state=0), X, y,
                             cv=StratifiedKFold(5, shuffle=True, random_state=0))
    assert scores.mean() >= 0.95


@pytest.mark.parametrize("name", [pytest.param(n, marks=_marks(n)) for n in SETTINGS])
def test_digits_every_model(name, digits):
    X, y, Xt, yt = digits
    clf = AttractorClassifier(model=name, seed=0, **SETTINGS[name]).fit(X, y)
    assert clf.result_.max_residual < 1e-10
    assert clf.stability().stable.all()
    assert clf.score(Xt, yt) >= 0.97
    assert clf.result_.train_time < 180


#: test accuracy of the defaults on toy sets scaled to [0, 1] (3/4 train, stratified, random_state=0): blobs
#: (400 items, 3 centres, 2 features), moons (400, noise 0.15), iris (150, 4 features). References: logistic
#: regression 0.94 / 0.92 / 0.87, 5 nearest neighbours 0.93 / 0.99 / 0.97. Measured with random_state=0:
TOY_MEASURED = {
    "sa-node": (0.910, 0.920, 0.947),
    "snt-map": (0.910, 0.900, 0.921),
    # 64 nodes with the item repeated over them (input_map="tile"); zero-padded to 8-10 nodes the fits ended
    # in the class-blind state (0.610 0.880 0.316 and 0.440 0.910 0.316). random_state 1 and 2: Wilson-Cowan
    # 0.920 0.930 0.895 and 0.930 0.980 0.895, CVFR 0.940 0.880 0.947 and 0.940 0.880 0.921
    "wilson-cowan": (0.910, 0.880, 0.895),
    "cvfr": (0.940, 0.880, 0.921),
}


def _toy_sets():
    from sklearn.datasets import load_iris, make_blobs, make_moons

    return {"blobs": make_blobs(400, centers=3, n_features=2, random_state=0),
            "moons": make_moons(400, noise=0.15, random_state=0), "iris": load_iris(return_X_y=True)}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=[] if min(m) >= 0.8 else [pytest.mark.xfail(
        reason=f"{n}: measured {m} on blobs, moons, iris", strict=False)]) for n, m in TOY_MEASURED.items()])
def test_defaults_on_small_toy_sets(name):
    import warnings

    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    for key, (X, y) in _toy_sets().items():
        X = MinMaxScaler().fit_transform(X)
        Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)   # no chance-level warning
            clf = AttractorClassifier(model=name, random_state=0).fit(Xa, ya)
        assert clf.score(Xb, yb) >= 0.8, key


# Measured (analysis/classify_digits.py, fractions 0, 0.1, ..., 0.6, 5 repeats): CVFR trained without noise
# 0.964 0.878 0.757 0.612 0.498 0.377 0.282; stochastic (sigma = 3) 0.974 0.903 0.794 0.681 0.545 0.419 0.354;
# deterministic, trained with that noise (the cvfr preset) 0.975 0.913 0.808 0.698 0.561 0.427 0.360.
def test_stochastic_cvfr_degrades_more_slowly(digits):
    X, y, Xt, yt = digits
    fractions, repeats = [0.0, 0.2, 0.4, 0.6], 8
    fitted = {name: AttractorClassifier(model=name, seed=0, **SETTINGS[name]).fit(X, y)
              for name in ("cvfr", "cvfr-stochastic")}
    fitted["trained without noise"] = AttractorClassifier(model="cvfr", seed=0,
                                                          **{**SETTINGS["cvfr"], "training_noise": None}).fit(X, y)
    # accuracy (fraction, repeat); the same seed gives every model the same attacked items, so the
    # comparison is paired per attack draw
    acc = {k: robustness(c, Xt, yt, fractions=fractions, repeats=repeats, seed=1).accuracy.values
           for k, c in fitted.items()}
    drop = {k: a[0].mean() - a[1:] for k, a in acc.items()}
    for k in ("cvfr-stochastic", "cvfr"):
        gain = drop["trained without noise"] - drop[k]     # (fraction, repeat): > 0 where k drops less
        se = gain.std(axis=1, ddof=1) / np.sqrt(repeats)
        assert np.all(gain.mean(axis=1) > 2.0 * se), (k, gain.mean(axis=1), se)


FASHION = Path(os.environ.get("SNT_DATA", "/nonexistent")) / "fashion-mnist"


@pytest.mark.skipif(not FASHION.is_dir(), reason=f"Fashion-MNIST not found in {FASHION}")
@pytest.mark.skipif(os.environ.get("SNT_LONG") != "1", reason="hours on 2 cores; set SNT_LONG=1 to run")
@pytest.mark.parametrize("name,target", [
    ("wilson-cowan", 0.884),   # seed 0: 0.8871; seed 1: 0.8813 (analysis/results/fashion_wilson-cowan_preset*)
    ("sa-node", 0.882)])
def test_fashion_mnist_paper_accuracy(name, target):
    X, y, Xt, yt = load_dataset("fashion-mnist")
    clf = AttractorClassifier(model=name, seed=0, **{"maxiter": 350, **FASHION_SETTINGS[name]})
    clf.fit(X, y)
    assert clf.score(Xt, yt) >= target


MNIST = Path(os.environ.get("SNT_DATA", "/nonexistent")) / "mnist"


@pytest.mark.skipif(not MNIST.is_dir(), reason=f"MNIST not found in {MNIST}")
@pytest.mark.skipif(os.environ.get("SNT_LONG") != "1", reason="30 min to 2 h on one core; set SNT_LONG=1 to run")
@pytest.mark.parametrize("model,target", [
    ("sa-node", 0.9806),        # the papers' accuracy; seed 0 gave 0.9819
    ("wilson-cowan", 0.98),     # 16 epochs, the best of the validation curve; seed 0 gave 0.9808 (seed 1 0.9779)
])
def test_mnist_reaches_the_papers_accuracy(model, target):
    # presets chosen on a validation split of the training set (snt.classify.presets.MNIST)
    X, y, Xt, yt = load_dataset("mnist")
    clf = AttractorClassifier(model=model, preset="mnist", random_state=0).fit(X, y)
    assert clf.score(Xt, yt) >= target
