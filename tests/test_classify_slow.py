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

MEASURED = {   # test accuracy with SETTINGS on a loaded 2-core machine (analysis/classify_digits.py)
    "sa-node": 0.953,
    "snt-map": 0.983,
    "cvfr": 0.969,
    "cvfr-stochastic": 0.950,
    "wilson-cowan": 0.939,
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


# Measured with SETTINGS (input_scale=0.1, analysis/classify_digits.py, attack fractions 0, 0.1, ..., 0.6):
# deterministic 0.969 0.847 0.663 0.539 0.392 0.283 0.233, stochastic 0.951 0.823 0.634 0.483 0.328 0.231 0.165.
# Both are far more robust than with the papers' unscaled inputs (previous settings: deterministic
# 0.922 ... 0.175, stochastic 0.902 ... 0.203, where the noise did help), but the noise no longer does.
@pytest.mark.xfail(reason="with input_scale=0.1 the stochastic CVFR degrades faster than the deterministic one "
                          "(measured drops at 0.6: 0.79 against 0.74)", strict=False)
def test_stochastic_cvfr_degrades_more_slowly(digits):
    X, y, Xt, yt = digits
    curves = {}
    for name in ("cvfr", "cvfr-stochastic"):
        clf = AttractorClassifier(model=name, seed=0, **SETTINGS[name]).fit(X, y)
        r = robustness(clf, Xt, yt, fractions=[0.0, 0.2, 0.4, 0.6], repeats=5, seed=1)
        curves[name] = r.accuracy_mean.values
    drop_det = curves["cvfr"][0] - curves["cvfr"][1:]
    drop_sto = curves["cvfr-stochastic"][0] - curves["cvfr-stochastic"][1:]
    assert np.all(drop_sto[1:] < drop_det[1:]), (curves, drop_det, drop_sto)


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
