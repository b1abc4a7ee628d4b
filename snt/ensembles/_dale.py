r"""Couplings obeying Dale's law, balanced per row (:func:`dale`, :class:`Dale`)."""

from dataclasses import dataclass

import numpy as np

from .._checks import check_float, check_int
from .._typing import SeedLike
from ._base import DynamicsParameters, MissingTheoryError, check_fits, generator

__all__ = ["dale", "Dale"]


def _excitatory_count(N, f):
    n_exc = int(round(f * N))
    if n_exc in (0, N):
        raise ValueError(f"frac_exc={f} leaves no {'excitatory' if n_exc == 0 else 'inhibitory'} neuron at N={N}")
    return n_exc


def dale(N, frac_exc=0.8, J=1.0, seed=None):
    r"""Couplings obeying Dale's law: every column is excitatory (>= 0) or inhibitory (<= 0).

    The first ``round(frac_exc N)`` neurons are excitatory. Magnitudes are half-normal,
    :math:`|J_{ij}| = w_{E,I} |z_{ij}|`, with :math:`f w_E = (1-f) w_I` (input balanced in the mean) and
    :math:`(1 - 2/\pi)(f w_E^2 + (1-f) w_I^2) = J^2/N`, which puts the bulk radius at J. Each row's
    inhibitory weights are then rescaled (by 1 + O(N^-1/2)) so that every row sums to zero exactly: without
    this per-row balance the fluctuating mean part pushes eigenvalues out of the disc (Rajan & Abbott 2006,
    PRL 97, 188104).
    """
    N = check_int(N, "N", minimum=2)
    f = check_float(frac_exc, "frac_exc", minimum=0.0, maximum=1.0, strict_min=True, strict_max=True)
    J = check_float(J, "J", minimum=0.0)
    n_exc = _excitatory_count(N, f)
    f = n_exc / N
    # w_I = f w_E / (1 - f); the variance condition fixes w_E.
    ratio = f / (1.0 - f)
    w_exc = J / np.sqrt(N * (1.0 - 2.0 / np.pi) * (f + (1.0 - f) * ratio**2))
    w_inh = ratio * w_exc
    check_fits(N)
    out = generator(seed).standard_normal((N, N))
    np.abs(out, out=out)
    out *= np.where(np.arange(N) < n_exc, w_exc, -w_inh)[None, :]
    exc = out[:, :n_exc].sum(axis=1)
    inh = -out[:, n_exc:].sum(axis=1)
    out[:, n_exc:] *= (exc / inh)[:, None]
    return out


@dataclass(frozen=True)
class Dale(DynamicsParameters):
    r"""Dale's-law couplings: excitatory columns (the first ``round(frac_exc N)``) and inhibitory ones,
    balanced per row (:func:`dale`).

    Spectral law: disc of radius J, no outlier (each row sums to zero, so the uniform vector has
    eigenvalue 0). Mean-field theory: missing -- the entries have means of order :math:`1/\sqrt N` of
    opposite signs in the two populations, which is the balanced regime, outside the 1/N-mean equations
    that :mod:`snt.meanfield` solves.
    """

    N: int = 1000
    frac_exc: float = 0.8
    J: float = 1.0

    kind = "dale"

    def __post_init__(self):
        object.__setattr__(self, "N", check_int(self.N, "N", minimum=2))
        object.__setattr__(self, "frac_exc", check_float(self.frac_exc, "frac_exc", minimum=0.0, maximum=1.0,
                                                         strict_min=True, strict_max=True))
        object.__setattr__(self, "J", check_float(self.J, "J", minimum=0.0))
        _excitatory_count(self.N, self.frac_exc)
        self._check_dynamics()

    def couplings(self, seed: SeedLike = None) -> np.ndarray:
        """:func:`dale` couplings."""
        return dale(self.N, self.frac_exc, self.J, seed=seed)

    def spectral_law(self):
        """Disc of radius J, no outlier (balanced rows, Rajan & Abbott 2006)."""
        return {"radius": self.J, "eta": 0.0, "outlier": 0.0,
                "source": "ensemble parameters (Dale's law, balanced rows)"}

    def meanfield(self):
        """MissingTheoryError: the balanced-state theory is not implemented."""
        raise MissingTheoryError(
            "snt.meanfield has no theory for Dale: its entries have means of order 1/sqrt(N) with one sign "
            "per column (excitatory / inhibitory), balanced per row; this needs the balanced-state mean-field "
            "theory with separate excitatory and inhibitory activities, which is missing")
