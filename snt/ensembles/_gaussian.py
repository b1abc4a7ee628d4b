r"""Gaussian couplings: iid (:func:`iid`, :class:`Ensemble`, the mean-field theory's own ensemble) and with
reciprocal correlation eta (:func:`correlated`, :class:`Correlated`, the elliptic law)."""

from dataclasses import dataclass

import numpy as np

from .._checks import check_float, check_int
from .._typing import SeedLike
from ._base import DynamicsParameters, MissingTheoryError, Sampled, check_fits, dynamics_of, generator

__all__ = ["iid", "correlated", "Ensemble", "Correlated"]


def iid(N, J=1.0, Jbar=0.0, seed=None):
    r"""iid Gaussian couplings :math:`J_{ij} \sim \mathcal N(\bar J/N, J^2/N)` (SCIENCE.md §1, E4).

    Returns
    -------
    (N, N) float64 array
    """
    N = check_int(N, "N", minimum=1)
    J = check_float(J, "J", minimum=0.0)
    Jbar = check_float(Jbar, "Jbar")
    rng = generator(seed)
    check_fits(N)
    out = rng.standard_normal((N, N))
    out *= J / np.sqrt(N)
    out += Jbar / N
    return out


def correlated(N, J=1.0, eta=0.0, seed=None):
    r"""Gaussian couplings with :math:`\mathrm{Var} J_{ij} = J^2/N` and :math:`\mathrm{corr}(J_{ij}, J_{ji}) = \eta`.

    Built as :math:`\sqrt{(1+\eta)/2}\,S + \sqrt{(1-\eta)/2}\,A` from the symmetric and antisymmetric
    parts of an iid matrix. Eigenvalues fill the ellipse with semi-axes :math:`J(1+\eta)` (real) and
    :math:`J(1-\eta)` (imaginary) (elliptic law, E4). ``eta = 1`` is symmetric, ``-1`` antisymmetric.
    """
    N = check_int(N, "N", minimum=1)
    J = check_float(J, "J", minimum=0.0)
    eta = check_float(eta, "eta", minimum=-1.0, maximum=1.0)
    check_fits(N)
    X = generator(seed).standard_normal((N, N))
    # M = c_s S + c_a A with S, A = (X +- X^T)/sqrt2, formed in place one pair of blocks (ij, ji) at a time
    c_s, c_a, r2, scale = np.sqrt((1.0 + eta) / 2.0), np.sqrt((1.0 - eta) / 2.0), np.sqrt(2.0), J / np.sqrt(N)
    diag = np.diag(X).copy()
    B = 256
    for i in range(0, N, B):
        for j in range(i, N, B):
            upper, lower = X[i:i + B, j:j + B], X[j:j + B, i:i + B].T
            s_, a_ = (upper + lower) / r2, (upper - lower) / r2
            new_upper = c_s * s_ + c_a * a_
            new_lower = c_s * s_ - c_a * a_  # (S^T = S, A^T = -A)
            upper[...] = new_upper
            lower[...] = new_lower
    np.fill_diagonal(X, diag)
    X *= scale
    return X


@dataclass(frozen=True)
class Ensemble(Sampled):
    r"""The iid Gaussian SNT ensemble (SCIENCE.md §1): the object the mean-field theory speaks of.

    :math:`J_{ij} \sim \mathcal N(\bar J/N, J^2/N)`, :math:`\theta_i \sim \mathcal N(\bar\theta, \sigma_\theta^2)`
    frozen; gain ``g``, leak ``gamma``, noise ``sigma`` and the transfer function as in
    :class:`~snt.network.Network`.

    Examples
    --------
    >>> import snt
    >>> net = snt.Ensemble(N=100, J=1.0, g=2.0).sample(seed=1)
    >>> net.J.shape
    (100, 100)
    """

    N: int = 1000
    J: float = 1.0
    Jbar: float = 0.0
    g: float = 1.0
    gamma: float = 0.0
    sigma: float = 0.0
    theta_mean: float = 0.0
    theta_std: float = 0.0
    transfer: str = "tanh"

    kind = "ensemble"

    def __post_init__(self):
        object.__setattr__(self, "N", check_int(self.N, "N", minimum=1))
        object.__setattr__(self, "J", check_float(self.J, "J", minimum=0.0))
        object.__setattr__(self, "Jbar", check_float(self.Jbar, "Jbar"))
        self._check_dynamics()

    def couplings(self, seed: SeedLike = None) -> np.ndarray:
        """:func:`iid` couplings."""
        return iid(self.N, self.J, self.Jbar, seed=seed)

    def spectral_law(self):
        """Disc of radius J, one real outlier at Jbar (E4)."""
        return {"radius": self.J, "eta": 0.0, "outlier": self.Jbar, "source": "ensemble parameters (iid Gaussian)"}

    def meanfield(self):
        """The ensemble itself: the mean-field theory is exact for it as N -> infinity."""
        return self


@dataclass(frozen=True)
class Correlated(DynamicsParameters):
    r"""Gaussian couplings with reciprocal correlation :math:`\mathrm{corr}(J_{ij}, J_{ji}) = \eta`
    (:func:`correlated`); thresholds and dynamics as in :class:`Ensemble`.

    Spectral law: the ellipse with semi-axes :math:`J(1+\eta)`, :math:`J(1-\eta)` (E4). Mean-field theory:
    only for :math:`\eta = 0` (then it is :class:`Ensemble`); reciprocal correlations add a response term
    to the dynamic mean-field equations that :mod:`snt.meanfield` does not implement.
    """

    N: int = 1000
    J: float = 1.0
    eta: float = 0.0

    kind = "correlated"

    def __post_init__(self):
        object.__setattr__(self, "N", check_int(self.N, "N", minimum=1))
        object.__setattr__(self, "J", check_float(self.J, "J", minimum=0.0))
        object.__setattr__(self, "eta", check_float(self.eta, "eta", minimum=-1.0, maximum=1.0))
        self._check_dynamics()

    def couplings(self, seed: SeedLike = None) -> np.ndarray:
        """:func:`correlated` couplings."""
        return correlated(self.N, self.J, self.eta, seed=seed)

    def spectral_law(self):
        """Ellipse with semi-axes J(1 + eta), J(1 - eta); no outlier (E4)."""
        return {"radius": self.J, "eta": self.eta, "outlier": 0.0,
                "source": "ensemble parameters (correlated Gaussian, elliptic law)"}

    def meanfield(self):
        """:class:`Ensemble` when eta = 0; otherwise MissingTheoryError (the theory is not implemented)."""
        if self.eta == 0.0:
            return Ensemble(N=self.N, J=self.J, **dynamics_of(self))
        raise MissingTheoryError(
            f"snt.meanfield has no theory for Correlated(eta={self.eta:g}): it solves independent couplings; "
            "reciprocal correlations corr(J_ij, J_ji) = eta != 0 need the dynamic mean-field equations with "
            "their response-function term, which are missing")
