r"""One SNT network: couplings, thresholds, gain, leak, noise and transfer function (SCIENCE.md E1).

.. math:: u_i(t+1) = \gamma u_i(t) + \sum_j J_{ij} f(u_j(t)) - \theta_i + \sigma B_i(t) + \xi_i(t)
"""

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _kernels as kernels
from ._checks import check_array, check_choice, check_float
from ._memory import adopt_array
from ._transfer_codes import TRANSFERS


@dataclass(frozen=True, eq=False)
class Network:
    r"""An SNT network, immutable and validated on construction (SCIENCE.md E1).

    Parameters
    ----------
    J : (N, N) array_like
        Couplings; ``J[i, j]`` is the weight from neuron j to neuron i. Finite, square.
    theta : float or (N,) array_like
        Thresholds :math:`\theta_i` (a scalar is broadcast; stored as an (N,) array).
    g : float
        Gain (slope of f at the origin), ``g >= 0``.
    gamma : float
        Leak :math:`\gamma = 1 - dt/\tau`, ``0 <= gamma < 1``.
    sigma : float
        Noise amplitude, ``sigma >= 0``.
    transfer : {"tanh", "erf", "normcdf", "logistic"}
        :math:`f(x) = \tanh(gx)`, :math:`\mathrm{erf}(\sqrt{\pi} g x / 2)` (odd, slope g at 0),
        :math:`\Phi(gx)` (the Gaussian CDF of Cessac's lecture, range (0, 1)) or :math:`(1 + \tanh(gx))/2`
        (the logistic rate form); SCIENCE.md §1.2.
    origin : dict, optional
        Where the couplings came from (ensemble parameters and seed); kept for provenance only.

    Examples
    --------
    >>> import numpy as np, snt
    >>> net = snt.Network(np.eye(3) * 0.5, g=1.0, gamma=0.2)
    >>> net.replace(g=2.0).g
    2.0
    """

    J: np.ndarray
    theta: np.ndarray = 0.0  # type: ignore[assignment]  # broadcast in __post_init__
    g: float = 1.0
    gamma: float = 0.0
    sigma: float = 0.0
    transfer: str = "tanh"
    origin: dict | None = field(default=None, repr=False)

    def __post_init__(self):
        J = adopt_array(self.J, "J", ndim=2)  # no copy of a freshly drawn, read-only J
        if J.shape[0] != J.shape[1]:
            raise ValueError(f"J must be square (N, N), got shape {J.shape}")
        if J.shape[0] < 1:
            raise ValueError("J must have at least one neuron, got shape (0, 0)")
        N = J.shape[0]
        theta = self.theta
        if isinstance(theta, np.ndarray) and theta.ndim == 0:
            theta = theta.item()
        if np.ndim(theta) == 0:
            theta = np.full(N, check_float(theta, "theta"))
        else:
            theta = check_array(theta, "theta")
            if theta.shape != (N,):
                raise ValueError(f"theta must be a scalar or have shape ({N},) to match J, got {theta.shape}")
        J.setflags(write=False)
        theta.setflags(write=False)
        object.__setattr__(self, "J", J)
        object.__setattr__(self, "theta", theta)
        object.__setattr__(self, "g", check_float(self.g, "g", minimum=0.0))
        object.__setattr__(self, "gamma", check_float(self.gamma, "gamma", minimum=0.0, maximum=1.0,
                                                      strict_max=True))
        object.__setattr__(self, "sigma", check_float(self.sigma, "sigma", minimum=0.0))
        check_choice(self.transfer, "transfer", TRANSFERS)
        if self.origin is not None and not isinstance(self.origin, dict):
            raise TypeError(f"origin must be a dict or None, got {type(self.origin).__name__}")

    @property
    def N(self):
        """Number of neurons."""
        return self.J.shape[0]

    @property
    def transfer_code(self):
        """Integer code of the transfer function used by the kernels."""
        return kernels.TRANSFER_CODES[self.transfer]

    def replace(self, **changes: Any) -> "Network":
        """A copy with some fields changed (validated again), e.g. ``net.replace(g=2.5)``.

        Replacing ``J`` or ``theta`` drops the ensemble description of ``origin`` (it no longer describes
        them): the old one is kept under ``origin["previous"]`` for provenance only."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"replace: unknown field(s) {sorted(unknown)}; fields are "
                            f"{[f.name for f in dataclasses.fields(self)]}")
        if ({"J", "theta"} & set(changes)) and "origin" not in changes and self.origin is not None:
            # what was derived from the ensemble (its law, J-bar, theta's law) no longer describes J or theta
            changes["origin"] = {"replaced": sorted({"J", "theta"} & set(changes)), "previous": self.origin}
        return dataclasses.replace(self, **changes)

    def f(self, u):
        """The transfer function f(u) (with the gain g), elementwise."""
        u = np.asarray(u, dtype=np.float64)
        return kernels.apply_transfer(np.ascontiguousarray(u), self.g, self.transfer_code)

    def fprime(self, u):
        """f'(u), including the factor g (SCIENCE.md E1 convention)."""
        u = np.asarray(u, dtype=np.float64)
        return kernels.apply_slope(np.ascontiguousarray(u), self.g, self.transfer_code)

    def _summary(self):
        """Mean and standard deviation of theta and J, computed once (J and theta are read-only): every
        analysis records them, and at N = 4000 they cost more than a short run."""
        cached = self.__dict__.get("_summary_cache")
        if cached is None:
            cached = {"theta_mean": float(self.theta.mean()), "theta_std": float(self.theta.std()),
                      "J_mean": float(self.J.mean()), "J_std": float(self.J.std())}
            object.__setattr__(self, "_summary_cache", cached)
        return cached

    def __repr__(self):
        """One line: the size and the scalar parameters (J and theta are summarised, not printed)."""
        summary = self._summary()
        return (f"Network(N={self.N}, g={self.g:g}, gamma={self.gamma:g}, sigma={self.sigma:g}, "
                f"transfer={self.transfer!r}, J_std={summary['J_std']:.3g}, theta_mean={summary['theta_mean']:.3g})")

    def params(self):
        """The scalar parameters and a summary of J and theta, as a JSON-ready dict."""
        out = {"N": self.N, "g": self.g, "gamma": self.gamma, "sigma": self.sigma, "transfer": self.transfer,
               **self._summary()}
        if self.origin is not None:
            out["origin"] = self.origin
        return out

    def params_json(self):
        """:meth:`params` as a JSON string (netCDF attributes cannot hold dicts)."""
        return json.dumps(self.params(), sort_keys=True)


def check_network(net, name="net"):
    """The argument must be a :class:`Network` (an Ensemble must be sampled first); returns it."""
    if not isinstance(net, Network):
        hint = " (call ens.sample(seed) to draw a network)" if type(net).__name__ == "Ensemble" else ""
        raise TypeError(f"{name} must be an snt.Network, got {type(net).__name__}{hint}")
    return net
