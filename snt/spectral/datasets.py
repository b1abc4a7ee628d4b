r"""Synthetic data sets with a known relevance of every input feature (docs/science/spectral.md (S6), (S7)).

Exact from the authors' input-relevance notebooks (generators, sizes, σ, the ρ values); the random
streams are this package's (``numpy.random.default_rng(seed)``), so the draws differ from theirs.
"""

from __future__ import annotations

import numpy as np

__all__ = ["independent_gaussians", "correlated_gaussians"]


def _positive_int(v, name, low=1):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {v!r}")
    return int(v)


def independent_gaussians(n_samples=60000, n_features=20, n_relevant=11, sigma=0.5, max_relevance=1.4, seed=None):
    r"""Two classes of independent Gaussian features, a known relevance :math:`r_f` per feature.

    .. math::

        r_f \sim U(0, r_\mathrm{max}) \text{ on } n_\mathrm{relevant} \text{ random features, } 0 \text{ elsewhere};
        \qquad x_f \mid y \sim \mathcal N(y\,r_f - \tfrac12\,[r_f > 0],\ \sigma^2),

    :math:`y \in \{0, 1\}` equiprobable (class 0 centred at −1/2, class 1 at :math:`r_f - 1/2` on the relevant
    features; the irrelevant ones are :math:`\mathcal N(0, \sigma^2)` in both classes).

    Returns
    -------
    X : (n_samples, n_features) float64
    y : (n_samples,) int64
    relevance : (n_features,) float64
        :math:`r_f`.
    """
    n = _positive_int(n_samples, "n_samples", 2)
    f = _positive_int(n_features, "n_features")
    k = _positive_int(n_relevant, "n_relevant", 0)
    if k > f:
        raise ValueError(f"n_relevant must be <= n_features={f}, got {k}")
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be a positive number, got {sigma!r}")
    rng = np.random.default_rng(seed)
    r = np.zeros(f)
    r[rng.permutation(f)[:k]] = rng.uniform(0.0, max_relevance, k)
    y = rng.integers(0, 2, n)
    mu = y[:, None] * r[None, :] - 0.5 * (r > 0)[None, :]
    X = mu + sigma * rng.standard_normal((n, f))
    return X, y.astype(np.int64), r


def correlated_gaussians(n_samples=100000, rho=(0.7, 0.8, 0.4, 0.6), n_noise=2, sigma=0.5, seed=None):
    r"""Pairs of features whose class is only in their joint distribution.

    For pair :math:`f` (features :math:`2f, 2f+1`): :math:`x_{2f} \sim \mathcal N(0, \sigma^2)`; in class 0
    :math:`x_{2f+1} = x_{2f}`; in class 1 :math:`x_{2f+1} = -x_{2f}` with probability :math:`\rho_f`, else
    :math:`x_{2f}`. Then ``n_noise`` features :math:`\mathcal N(0, \sigma^2)`. Every marginal is the same in both
    classes; the relevance of both members of pair :math:`f` is :math:`\rho_f`, that of the noise 0.

    Returns
    -------
    X : (n_samples, 2 len(rho) + n_noise) float64
    y : (n_samples,) int64
    relevance : (n_features,) float64
    """
    n = _positive_int(n_samples, "n_samples", 2)
    nn = _positive_int(n_noise, "n_noise", 0)
    rho = np.asarray(rho, dtype=np.float64)
    if rho.ndim != 1 or rho.size < 1 or np.any((rho < 0) | (rho > 1)):
        raise ValueError(f"rho must be a non-empty sequence of probabilities in [0, 1], got {rho!r}")
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be a positive number, got {sigma!r}")
    rng = np.random.default_rng(seed)
    p = rho.size
    y = rng.integers(0, 2, n)
    X = np.empty((n, 2 * p + nn))
    base = sigma * rng.standard_normal((n, p))
    flip = (y[:, None] == 1) & (rng.random((n, p)) < rho[None, :])
    X[:, 0:2 * p:2] = base
    X[:, 1:2 * p:2] = np.where(flip, -base, base)
    X[:, 2 * p:] = sigma * rng.standard_normal((n, nn))
    return X, y.astype(np.int64), np.concatenate([np.repeat(rho, 2), np.zeros(nn)])
