"""Accuracy under corruptions of the test items: random pixels, Gaussian noise, blur, contrast.

Corruptions of strength ``level`` (:func:`corrupt`; items are pixels in [0, 1]):

``"pixels"``
    :math:`\\lfloor pF\\rfloor` randomly chosen pixels of every item (without replacement, independently per
    item) replaced by values drawn uniformly in [0, 1) (the random attack of arXiv:2409.13470); level = p.
``"gaussian"``
    :math:`x + \\ell\\,\\zeta`, :math:`\\zeta \\sim \\mathcal N(0, I)`, clipped to [0, 1]; level = the standard
    deviation in pixel units.
``"blur"``
    Gaussian blur of the image (:func:`scipy.ndimage.gaussian_filter`, edges reflected) with standard
    deviation ``level`` pixels; deterministic.
``"contrast"``
    :math:`\\bar x + (1 - \\ell)(x - \\bar x)` with :math:`\\bar x` the item's mean pixel; level in [0, 1]
    (1: a uniform grey item); deterministic.

The classifier is scored on the corrupted items; each level is repeated ``repeats`` times with independent
draws (and, for a stochastic model, independent noise); the Dataset reports mean and standard deviation.
:func:`compare_robustness` scores several classifiers on the same corrupted items (e.g. deterministic,
trained with noise, trained with noise and run without it).

References
----------
.. [1] L. Chicchi et al., arXiv:2409.13470 (deterministic versus stochastic dynamical classifiers).
"""

from __future__ import annotations

import json

import numpy as np
import scipy.ndimage
import xarray as xr

from ..io import provenance
from ._corruptions import CORRUPTIONS  # corruption -> (default levels, description of the level)

__all__ = ["CORRUPTIONS", "compare_robustness", "corrupt", "random_pixel_attack", "robustness"]



def random_pixel_attack(X, fraction, rng):
    """Copy of ``X`` with ``floor(fraction * n_features)`` pixels per row replaced by U(0, 1) values."""
    if not (0.0 <= fraction <= 1.0):
        raise ValueError(f"fraction must be in [0, 1], got {fraction!r}")
    rng = np.random.default_rng(rng)
    X = np.array(X, dtype=np.float64, copy=True)
    n, f = X.shape
    k = int(np.floor(fraction * f))
    if k == 0:
        return X
    idx = np.argpartition(rng.random((n, f)), k - 1, axis=1)[:, :k]
    X[np.arange(n)[:, None], idx] = rng.random((n, k))
    return X




def _image_shape(n_features, image_shape):
    if image_shape is None:
        side = int(round(np.sqrt(n_features)))
        if side * side != n_features:
            raise ValueError(f"blur needs image_shape: {n_features} features are not a square image")
        return (side, side)
    shape = tuple(int(v) for v in image_shape)
    if int(np.prod(shape)) != n_features:
        raise ValueError(f"image_shape {shape} does not hold {n_features} features")
    return shape


def _check_corruption(corruption):
    if not isinstance(corruption, str) or corruption not in CORRUPTIONS:
        raise ValueError(f"corruption must be one of {sorted(CORRUPTIONS)}, got {corruption!r}")
    return corruption


def corrupt(X, corruption, level, rng=None, image_shape=None):
    """Copy of the items ``X`` (n, F) with ``corruption`` of strength ``level`` (see the module docstring).

    ``image_shape`` (blur only): the shape of one image, default a square.
    """
    _check_corruption(corruption)
    if isinstance(level, bool) or not np.isfinite(level) or level < 0:
        raise ValueError(f"level must be a finite number >= 0, got {level!r}")
    level = float(level)
    if corruption == "pixels":
        return random_pixel_attack(X, level, rng)
    X = np.array(X, dtype=np.float64, copy=True)
    if corruption == "gaussian":
        if level == 0:
            return X
        return np.clip(X + level * np.random.default_rng(rng).standard_normal(X.shape), 0.0, 1.0)
    if corruption == "blur":
        if level == 0:
            return X
        shape = _image_shape(X.shape[1], image_shape)
        imgs = X.reshape((len(X),) + shape)
        out = scipy.ndimage.gaussian_filter(imgs, sigma=(0.0,) + (level,) * len(shape), mode="reflect")
        return out.reshape(X.shape)
    if level > 1:
        raise ValueError(f"contrast level must be in [0, 1], got {level!r}")
    m = X.mean(1, keepdims=True)
    return m + (1.0 - level) * (X - m)


def robustness(clf, X, y, corruption="pixels", levels=None, repeats=5, seed=None, fractions=None,
               image_shape=None):
    """Accuracy of a fitted classifier versus the strength of a corruption of the items.

    Parameters
    ----------
    clf : fitted classifier with ``predict`` (an :class:`AttractorClassifier`; its ``predict`` takes
        ``noise_seed`` for stochastic models)
    X : (n_items, n_features) array
    y : (n_items,) int
    corruption : {"pixels", "gaussian", "blur", "contrast"}
    levels : sequence of float, optional
        Strengths (default ``CORRUPTIONS[corruption][0]``).
    repeats : int
        Independent draws per level.
    seed : int, SeedSequence or None
        Root seed; repeat ``r`` of level ``i`` uses the child ``SeedSequence(entropy, spawn_key=(i, r))``, so
        two classifiers scored with the same seed see the same corrupted items.
    fractions : sequence of float, optional
        The levels of ``corruption="pixels"`` (the earlier name of ``levels``).
    image_shape : tuple, optional
        Shape of one image for the blur (default: square).

    Returns
    -------
    xarray.Dataset
        ``accuracy (level, repeat)``, ``accuracy_mean (level)``, ``accuracy_std (level)``; the level
        dimension is called ``fraction`` for ``"pixels"``.
    """
    _check_corruption(corruption)
    if fractions is not None:
        if corruption != "pixels" or levels is not None:
            raise ValueError("fractions are the levels of corruption='pixels'; pass levels= otherwise")
        levels = fractions
    levels = np.asarray(CORRUPTIONS[corruption][0] if levels is None else levels, dtype=float)
    if levels.ndim != 1 or levels.size == 0 or np.any(~np.isfinite(levels)) or np.any(levels < 0) \
            or (corruption in ("pixels", "contrast") and np.any(levels > 1)):
        hi = "[0, 1]" if corruption in ("pixels", "contrast") else "[0, inf)"
        raise ValueError(f"levels of {corruption!r} must be a 1-d sequence of values in {hi}, got {levels!r}")
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}")
    y = np.asarray(y)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    acc = np.empty((len(levels), repeats))
    from .estimator import AttractorClassifier

    ours = isinstance(clf, AttractorClassifier)
    stochastic = ours and clf.model_.stochastic
    for i, p in enumerate(levels):
        for r in range(repeats):
            child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, i, r))
            rng = np.random.default_rng(child)
            Xa = corrupt(X, corruption, p, rng, image_shape)
            if stochastic:
                pred = clf.predict(Xa, noise_seed=int(rng.integers(2**62)))
            else:
                pred = clf.predict(Xa)
            acc[i, r] = np.mean(pred == y)
    name = clf.model_.name if ours else type(clf).__name__
    dim = "fraction" if corruption == "pixels" else "level"
    params = {"corruption": corruption, "levels": levels.tolist(), "repeats": int(repeats), "n_items": int(len(y)),
              "classifier": _settings(clf) if ours else type(clf).__name__}
    method = ("uniform [0, 1) replacement of floor(p F) pixels" if corruption == "pixels"
              else CORRUPTIONS[corruption][1])
    attrs = provenance(f"{corruption} corruption of the items, {name}", method, params,
                       {"seed_entropy": str(ss.entropy)}, references="arXiv:2409.13470")
    return xr.Dataset(
        {"accuracy": ((dim, "repeat"), acc, {"long_name": "test accuracy", "units": "1"}),
         "accuracy_mean": (dim, acc.mean(1), {"long_name": "mean test accuracy", "units": "1"}),
         "accuracy_std": (dim, acc.std(1, ddof=1) if repeats > 1 else np.zeros(len(levels)),
                          {"long_name": "standard deviation of the test accuracy", "units": "1"})},
        coords={dim: (dim, levels, {"long_name": CORRUPTIONS[corruption][1], "units": "1"}),
                "repeat": ("repeat", np.arange(repeats), {"long_name": "independent corruption draw", "units": "1"})},
        attrs={**attrs, "model": name, "corruption": corruption, "stochastic": int(stochastic)})


def _settings(clf):
    out = clf.config_.to_json()
    out["callback"] = None
    return out


def compare_robustness(classifiers, X, y, corruptions=tuple(CORRUPTIONS), levels=None, repeats=5, seed=None,
                       image_shape=None):
    """:func:`robustness` of several classifiers under several corruptions, on the same corrupted items.

    Parameters
    ----------
    classifiers : dict
        Name -> fitted classifier (e.g. ``{"deterministic": a, "trained with noise": b,
        "trained with noise, run without": b.deterministic()}``).
    corruptions : sequence of str
    levels : dict, optional
        Corruption -> levels (default ``CORRUPTIONS``).

    Returns
    -------
    xarray.Dataset
        ``accuracy (model, corruption, level, repeat)``, ``accuracy_mean``/``accuracy_std`` (model,
        corruption, level), ``accuracy_drop (model, corruption)``: mean over the levels > 0 of the accuracy lost with
        respect to the clean items; ``level_value (corruption, level)``. ``level`` is an index.
    """
    if not isinstance(classifiers, dict) or not classifiers:
        raise ValueError("classifiers must be a non-empty dict name -> fitted classifier")
    levels = {} if levels is None else dict(levels)
    corruptions = [_check_corruption(c) for c in corruptions]
    lv = [np.asarray(levels.get(c, CORRUPTIONS[c][0]), dtype=float) for c in corruptions]
    L = max(len(v) for v in lv)
    names = list(classifiers)
    acc = np.full((len(names), len(corruptions), L, repeats), np.nan)
    values = np.full((len(corruptions), L), np.nan)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    for j, c in enumerate(corruptions):
        values[j, : len(lv[j])] = lv[j]
        child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, j))
        for i, n in enumerate(names):
            r = robustness(classifiers[n], X, y, corruption=c, levels=lv[j], repeats=repeats, seed=child,
                           image_shape=image_shape)
            acc[i, j, : len(lv[j])] = r.accuracy.values
    mean = acc.mean(3)
    std = acc.std(3, ddof=1) if repeats > 1 else np.zeros_like(mean)
    drop = np.nanmean(mean[:, :, :1] - mean[:, :, 1:], axis=2)
    return xr.Dataset(
        {"accuracy": (("model", "corruption", "level", "repeat"), acc, {"long_name": "test accuracy", "units": "1"}),
         "accuracy_mean": (("model", "corruption", "level"), mean, {"long_name": "mean test accuracy", "units": "1"}),
         "accuracy_std": (("model", "corruption", "level"), std,
                          {"long_name": "standard deviation of the test accuracy", "units": "1"}),
         "accuracy_drop": (("model", "corruption"), drop,
                  {"long_name": "mean accuracy lost over the corrupted levels", "units": "1"}),
         "level_value": (("corruption", "level"), values, {"long_name": "corruption level", "units": "1"})},
        coords={"model": ("model", names, {"long_name": "classifier", "units": "1"}),
                "corruption": ("corruption", corruptions, {"long_name": "corruption of the items", "units": "1"}),
                "level": ("level", np.arange(L), {"long_name": "level index (values in level_value)", "units": "1"}),
                "repeat": ("repeat", np.arange(repeats), {"long_name": "independent corruption draw", "units": "1"})},
        attrs={**provenance("robustness to corruptions", "the corruptions of snt.classify.robustness on the same "
                            "items for every classifier",
                            {"corruptions": corruptions, "repeats": int(repeats), "n_items": int(len(y)),
                             "classifiers": names}, {"seed_entropy": str(ss.entropy)},
                            references="arXiv:2409.13470"),
               "level_label": json.dumps({c: CORRUPTIONS[c][1] for c in corruptions})})
