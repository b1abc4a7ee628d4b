r"""Sparse couplings: exactly K inputs per neuron (:func:`sparse`, :class:`Sparse`)."""

from dataclasses import dataclass

import numpy as np

from .._checks import check_float, check_int
from .._typing import SeedLike
from ._base import DynamicsParameters, check_fits, dynamics_of, generator
from ._gaussian import Ensemble

__all__ = ["sparse", "Sparse"]


def sparse(N, K, J=1.0, Jbar=0.0, seed=None):
    r"""Sparse couplings: each neuron receives exactly K inputs from distinct other neurons, with weights
    :math:`\mathcal N(\bar J/K, J^2/K)`. The bulk radius is J (E4 with the 1/√K scaling)."""
    N = check_int(N, "N", minimum=2)
    K = check_int(K, "K", minimum=1, maximum=N - 1)
    J = check_float(J, "J", minimum=0.0)
    Jbar = check_float(Jbar, "Jbar")
    rng = generator(seed)
    check_fits(N)
    out = np.zeros((N, N))
    weights = rng.standard_normal((N, K)) * (J / np.sqrt(K)) + Jbar / K
    for i in range(N):
        others = rng.choice(N - 1, size=K, replace=False)
        others[others >= i] += 1
        out[i, others] = weights[i]
    return out


@dataclass(frozen=True)
class Sparse(DynamicsParameters):
    r"""Exactly K inputs per neuron with weights :math:`\mathcal N(\bar J/K, J^2/K)` (:func:`sparse`).

    Spectral law: disc of radius J and a real outlier at :math:`\bar J` (every row's mean input is
    :math:`\bar J`). Mean-field theory: the local field of K independent inputs has mean
    :math:`\bar J\langle f\rangle` and variance :math:`J^2\langle f^2\rangle` as for :class:`Ensemble` with
    the same J, Jbar, which :meth:`meanfield` returns; this is the limit K -> infinity (the field is Gaussian
    only there), with corrections of order 1/K.
    """

    N: int = 1000
    K: int = 100
    J: float = 1.0
    Jbar: float = 0.0

    kind = "sparse"

    def __post_init__(self):
        object.__setattr__(self, "N", check_int(self.N, "N", minimum=2))
        object.__setattr__(self, "K", check_int(self.K, "K", minimum=1, maximum=self.N - 1))
        object.__setattr__(self, "J", check_float(self.J, "J", minimum=0.0))
        object.__setattr__(self, "Jbar", check_float(self.Jbar, "Jbar"))
        self._check_dynamics()

    def couplings(self, seed: SeedLike = None) -> np.ndarray:
        """:func:`sparse` couplings."""
        return sparse(self.N, self.K, self.J, self.Jbar, seed=seed)

    def spectral_law(self):
        """Disc of radius J, one real outlier at Jbar (E4 with the 1/K scaling)."""
        return {"radius": self.J, "eta": 0.0, "outlier": self.Jbar,
                "source": "ensemble parameters (sparse, K inputs per neuron)"}

    def meanfield(self):
        """:class:`Ensemble` with the same J, Jbar: the mean-field theory's K -> infinity limit."""
        return Ensemble(N=self.N, J=self.J, Jbar=self.Jbar, **dynamics_of(self))
