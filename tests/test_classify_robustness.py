"""Corruptions of the items and robustness curves."""

import numpy as np
import pytest
import scipy.ndimage

from snt import classify
from snt.classify.robustness import CORRUPTIONS

from .stochastic_settings import QUICK


@pytest.fixture(scope="module")
def fitted(digits):
    X, y, _, _ = digits
    kw = dict(QUICK, steps=15, maxiter=4)
    det = classify.AttractorClassifier(model="sa-node", **kw).fit(X, y)
    noisy = classify.AttractorClassifier(model="sa-node", noise="additive", sigma=0.1, **kw).fit(X, y)
    return det, noisy


def test_corruptions(digits):
    _, _, Xt, _ = digits
    X = Xt[:50]
    rng = np.random.default_rng(0)
    for c in CORRUPTIONS:
        np.testing.assert_array_equal(classify.corrupt(X, c, 0.0, rng), X)
    g = classify.corrupt(X, "gaussian", 0.2, np.random.default_rng(1))
    assert g.min() >= 0 and g.max() <= 1
    z = np.random.default_rng(1).standard_normal(X.shape)
    np.testing.assert_allclose(g, np.clip(X + 0.2 * z, 0, 1))
    c = classify.corrupt(X, "contrast", 0.6)
    np.testing.assert_allclose(c.mean(1), X.mean(1))
    np.testing.assert_allclose(c.std(1), 0.4 * X.std(1))
    b = classify.corrupt(X, "blur", 1.0)
    ref = np.stack([scipy.ndimage.gaussian_filter(x.reshape(8, 8), 1.0, mode="reflect").ravel() for x in X])
    np.testing.assert_allclose(b, ref, atol=1e-12)
    assert np.all(b.std(1) < X.std(1))
    p = classify.corrupt(X, "pixels", 0.25, np.random.default_rng(2))
    assert np.all((p != X).sum(1) <= 16)


def test_robustness_per_corruption(fitted, digits):
    det, noisy = fitted
    _, _, Xt, yt = digits
    for c in ("gaussian", "blur", "contrast"):
        r = classify.robustness(det, Xt, yt, corruption=c, repeats=2, seed=3)
        assert r.accuracy.dims == ("level", "repeat") and r.attrs["corruption"] == c
        assert float(r.accuracy_mean[0]) == pytest.approx(det.score(Xt, yt))
        assert float(r.accuracy_mean[-1]) < float(r.accuracy_mean[0])     # the strongest level hurts
    r = classify.robustness(det, Xt, yt, corruption="blur", levels=[0.0, 1.0], repeats=3, seed=3)
    assert np.all(r.accuracy.values == r.accuracy.values[:, :1])          # deterministic corruption and model
    rn = classify.robustness(noisy, Xt, yt, corruption="blur", levels=[0.0, 1.0], repeats=3, seed=3)
    assert rn.attrs["stochastic"] == 1 and rn.accuracy_std.values[1] > 0    # the noise differs between repeats
    old = classify.robustness(det, Xt, yt, fractions=[0.0, 0.3], repeats=2, seed=4)
    assert old.accuracy.dims == ("fraction", "repeat")


def test_compare_robustness(fitted, digits):
    det, noisy = fitted
    _, _, Xt, yt = digits
    models = {"deterministic": det, "copy": det.deterministic(), "noisy": noisy,
              "noisy, run without": noisy.deterministic()}
    ds = classify.compare_robustness(models, Xt[:200], yt[:200], corruptions=("pixels", "contrast"),
                                     levels={"pixels": [0.0, 0.2, 0.4], "contrast": [0.0, 0.5, 0.8]}, repeats=2,
                                     seed=5)
    assert ds.accuracy.dims == ("model", "corruption", "level", "repeat")
    # the same corrupted items for every model: an identical classifier gives identical accuracies
    np.testing.assert_array_equal(ds.accuracy.sel(model="deterministic").values,
                                  ds.accuracy.sel(model="copy").values)
    m = ds.accuracy_mean.sel(model="deterministic", corruption="pixels").values
    np.testing.assert_allclose(float(ds.accuracy_drop.sel(model="deterministic", corruption="pixels")),
                               np.mean(m[0] - m[1:]))
    import matplotlib
    matplotlib.use("Agg")
    from snt import plot
    fig = plot.robustness_curves(ds)
    assert len(fig.axes) == 2


def test_bad_corruptions(fitted, digits):
    det, _ = fitted
    _, _, Xt, yt = digits
    with pytest.raises(ValueError, match="corruption must be one of"):
        classify.robustness(det, Xt, yt, corruption="jpeg")
    with pytest.raises(ValueError, match="levels of 'contrast'"):
        classify.robustness(det, Xt, yt, corruption="contrast", levels=[0.5, 1.5])
    with pytest.raises(ValueError, match="image_shape"):
        classify.corrupt(np.zeros((2, 10)), "blur", 1.0)
    with pytest.raises(ValueError, match="level"):
        classify.corrupt(Xt[:2], "gaussian", -0.1)
    with pytest.raises(ValueError, match="fractions"):
        classify.robustness(det, Xt, yt, corruption="blur", fractions=[0.1])
