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
    "sa-node": 0.967,          # CV 0.958 +- 0.014
    "snt-map": 0.983,
    "cvfr": 0.964,             # CV 0.960 +- 0.011
    "cvfr-stochastic": 0.964,
    "wilson-cowan": 0.958,     # CV 0.951 +- 0.021
}


def _marks(name):
    m = MEASURED[name]
    if m is None or m < 0.97:
        return [pytest.mark.xfail(reason=f"{name}: measured {m} < 0.97 with these settings", strict=False)]
    return []


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.mark.parametrize("name", [pytest.param(n, marks=_marks(n)) for n in SETTINGS])
def test_digits_every_model(name, digits):
    X, y, Xt, yt = digits
    clf = AttractorClassifier(model=name, seed=0, **SETTINGS[name]).fit(X, y)
    assert clf.result_.max_residual < 1e-10
    assert clf.stability().stable.all()
    assert clf.score(Xt, yt) >= 0.97
    assert clf.result_.train_time < 180


# Measured with SETTINGS (cross-entropy, input_scale=0.1; analysis/classify_digits.py, fractions 0, 0.1, ..., 0.6,
# 5 repeats): deterministic 0.964 0.878 0.757 0.612 0.498 0.377 0.282, stochastic 0.963 0.881 0.759 0.608 0.498
# 0.378 0.293. The two curves agree within their spread (std 0.01-0.04); the papers' advantage of the noise was
# seen only with unscaled inputs and the mean squared error (0.4: 0.301 against 0.274).
@pytest.mark.xfail(reason="with these settings the stochastic and deterministic CVFR curves agree within their "
                          "spread (drop at 0.6: 0.670 against 0.682)", strict=False)
def test_stochastic_cvfr_degrades_more_slowly(digits):
    X, y, Xt, yt = digits
    curves, se = {}, {}
    for name in ("cvfr", "cvfr-stochastic"):
        clf = AttractorClassifier(model=name, seed=0, **SETTINGS[name]).fit(X, y)
        r = robustness(clf, Xt, yt, fractions=[0.0, 0.2, 0.4, 0.6], repeats=5, seed=1)
        curves[name] = r.accuracy_mean.values
        se[name] = r.accuracy_std.values / np.sqrt(5)
    drop_det = curves["cvfr"][0] - curves["cvfr"][1:]
    drop_sto = curves["cvfr-stochastic"][0] - curves["cvfr-stochastic"][1:]
    # more slowly by more than two standard errors of the difference (attack draws) at 0.4 and 0.6
    margin = 2.0 * np.hypot(se["cvfr"][1:], se["cvfr-stochastic"][1:])
    assert np.all(drop_sto[1:] < drop_det[1:] - margin[1:]), (curves, drop_det, drop_sto, margin)


FASHION = Path(os.environ.get("SNT_DATA", "/nonexistent")) / "fashion-mnist"


@pytest.mark.skipif(not FASHION.is_dir(), reason=f"Fashion-MNIST not found in {FASHION}")
@pytest.mark.skipif(os.environ.get("SNT_LONG") != "1", reason="hours on 2 cores; set SNT_LONG=1 to run")
@pytest.mark.parametrize("name,target", [("wilson-cowan", 0.884), ("sa-node", 0.882)])
def test_fashion_mnist_paper_accuracy(name, target):
    X, y, Xt, yt = load_dataset("fashion-mnist")
    clf = AttractorClassifier(model=name, maxiter=350, validation=0.1, patience=20, seed=0,
                              **FASHION_SETTINGS[name])
    clf.fit(X, y)
    assert clf.score(Xt, yt) >= target
