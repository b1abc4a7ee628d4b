"""Accuracy under random-pixel attacks.

An attack of strength :math:`p` replaces :math:`\\lfloor pF\\rfloor` randomly chosen pixels of every test item
(chosen without replacement, independently per item) by values drawn uniformly in [0, 1); the classifier is
then scored on the corrupted items. Each fraction is repeated ``repeats`` times with independent attacks
(and, for a stochastic model, independent noise); the Dataset reports mean and standard deviation.

References
----------
.. [1] L. Chicchi et al., arXiv:2409.13470 (deterministic versus stochastic dynamical classifiers).
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

__all__ = ["random_pixel_attack", "robustness"]


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


def robustness(clf, X, y, fractions=np.linspace(0.0, 0.6, 7), repeats=5, seed=None):
    """Accuracy of a fitted classifier versus the fraction of attacked pixels.

    Parameters
    ----------
    clf : fitted classifier with ``predict`` (an :class:`AttractorClassifier`; its ``predict`` takes
        ``noise_seed`` for stochastic models)
    X : (n_items, n_features) array
    y : (n_items,) int
    fractions : sequence of float in [0, 1]
    repeats : int
        Independent attacks per fraction.
    seed : int, SeedSequence or None
        Root seed; repeat ``r`` of fraction ``i`` uses the child ``SeedSequence(entropy, spawn_key=(i, r))``.

    Returns
    -------
    xarray.Dataset
        ``accuracy (fraction, repeat)``, ``accuracy_mean (fraction)``, ``accuracy_std (fraction)``.
    """
    fractions = np.asarray(fractions, dtype=float)
    if fractions.ndim != 1 or np.any(fractions < 0) or np.any(fractions > 1):
        raise ValueError(f"fractions must be a 1-d sequence of values in [0, 1], got {fractions!r}")
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}")
    y = np.asarray(y)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    acc = np.empty((len(fractions), repeats))
    stochastic = getattr(getattr(clf, "model_", None), "sigma", 0.0) > 0
    for i, p in enumerate(fractions):
        for r in range(repeats):
            child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, i, r))
            rng = np.random.default_rng(child)
            Xa = random_pixel_attack(X, p, rng)
            if stochastic:
                pred = clf.predict(Xa, noise_seed=int(rng.integers(2**62)))
            else:
                pred = clf.predict(Xa)
            acc[i, r] = np.mean(pred == y)
    name = getattr(getattr(clf, "model_", None), "name", type(clf).__name__)
    return xr.Dataset(
        {"accuracy": (("fraction", "repeat"), acc, {"long_name": "test accuracy", "units": "1"}),
         "accuracy_mean": ("fraction", acc.mean(1), {"long_name": "mean test accuracy", "units": "1"}),
         "accuracy_std": ("fraction", acc.std(1, ddof=1) if repeats > 1 else np.zeros(len(fractions)),
                          {"long_name": "standard deviation of the test accuracy", "units": "1"})},
        coords={"fraction": ("fraction", fractions, {"long_name": "fraction of attacked pixels", "units": "1"}),
                "repeat": np.arange(repeats)},
        attrs={"title": f"random-pixel attack on {name}", "model": name,
               "seed_entropy": str(ss.entropy), "method": "uniform [0, 1) replacement of floor(p F) pixels",
               "snt_params": json.dumps({"repeats": int(repeats), "n_items": int(len(y))})})
