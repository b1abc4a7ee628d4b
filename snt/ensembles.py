r"""Random coupling ensembles (SCIENCE.md §1) and their spectral laws (E4).

``Ensemble`` is the iid Gaussian ensemble that the mean-field theory speaks of; ``sample`` draws one
:class:`~snt.network.Network` from it. The other ensembles are functions returning coupling matrices:

* :func:`iid` -- :math:`J_{ij} \sim \mathcal N(\bar J/N, J^2/N)`: eigenvalues fill the disc of radius J,
  plus one outlier near :math:`\bar J` when :math:`|\bar J| > J`.
* :func:`populations` -- blocks :math:`J_{ij} \sim \mathcal N(\bar J_{ab}/N, J_{ab}^2/N)`;
  radius² = top eigenvalue of :math:`M_{ab} = \alpha_b J_{ab}^2`.
* :func:`correlated` -- :math:`\mathrm{corr}(J_{ij}, J_{ji}) = \eta`: ellipse with semi-axes
  :math:`J(1+\eta)`, :math:`J(1-\eta)`.
* :func:`sparse` -- exactly K inputs per neuron with weights :math:`\mathcal N(\bar J/K, J^2/K)`: radius J.
* :func:`dale` -- excitatory and inhibitory columns (Dale's law), balanced in the mean; radius J.

Every function takes ``seed`` (int, SeedSequence, Generator or None).
"""

import dataclasses
from dataclasses import dataclass

import numpy as np

from ._checks import check_array, check_choice, check_float, check_int
from ._seeds import as_seed_sequence, child, describe
from .network import TRANSFERS, Network


def _rng(seed):
    return np.random.default_rng(as_seed_sequence(seed))


def iid(N, J=1.0, Jbar=0.0, seed=None):
    r"""iid Gaussian couplings :math:`J_{ij} \sim \mathcal N(\bar J/N, J^2/N)` (SCIENCE.md §1, E4).

    Returns
    -------
    (N, N) float64 array
    """
    N = check_int(N, "N", minimum=1)
    J = check_float(J, "J", minimum=0.0)
    Jbar = check_float(Jbar, "Jbar")
    rng = _rng(seed)
    return rng.standard_normal((N, N)) * (J / np.sqrt(N)) + Jbar / N


def populations(sizes, J, Jbar=0.0, seed=None):
    r"""Block couplings for P populations: :math:`J_{ij} \sim \mathcal N(\bar J_{ab}/N, J_{ab}^2/N)`
    for i in population a and j in population b (N the total size).

    Parameters
    ----------
    sizes : sequence of P ints
        Population sizes :math:`N_a` (neurons are ordered population by population).
    J, Jbar : float or (P, P) array_like
        Standard-deviation and mean scales per block.

    Returns
    -------
    (N, N) float64 array, N = sum(sizes)

    Notes
    -----
    Both scales are divided by the total N, so that population b contributes :math:`\alpha_b \bar J_{ab}`
    to the mean input and :math:`\alpha_b J_{ab}^2` to its variance (:math:`\alpha_b = N_b/N`): the
    convention of the multi-population mean-field theory (Kadmon & Sompolinsky 2015), under which the bulk
    radius is :math:`\sqrt{\rho(M)}`, :math:`M_{ab} = \alpha_b J_{ab}^2` (E4); see :func:`population_radius`.
    With one population this is :func:`iid`.
    """
    sizes = [check_int(s, f"sizes[{k}]", minimum=1) for k, s in enumerate(sizes)]
    P = len(sizes)
    if P == 0:
        raise ValueError("sizes must list at least one population")
    Jm = _block_matrix(J, P, "J")
    if np.any(Jm < 0):
        raise ValueError(f"J must be >= 0 in every block, got {Jm.tolist()}")
    Jbarm = _block_matrix(Jbar, P, "Jbar")
    N = sum(sizes)
    edges = np.concatenate([[0], np.cumsum(sizes)])
    rng = _rng(seed)
    out = rng.standard_normal((N, N))
    for a in range(P):
        for b in range(P):
            rows = slice(edges[a], edges[a + 1])
            cols = slice(edges[b], edges[b + 1])
            out[rows, cols] = out[rows, cols] * (Jm[a, b] / np.sqrt(N)) + Jbarm[a, b] / N
    return out


def _block_matrix(value, P, name):
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full((P, P), float(arr))
    arr = check_array(arr, name, shape=(P, P))
    return arr


def population_radius(sizes, J):
    r"""Predicted bulk radius for :func:`populations`: :math:`\sqrt{\rho(\alpha_b J_{ab}^2)}` (E4)."""
    sizes = np.asarray(sizes, dtype=np.float64)
    P = sizes.size
    Jm = _block_matrix(J, P, "J")
    alpha = sizes / sizes.sum()
    M = Jm**2 * alpha[None, :]
    return float(np.sqrt(np.max(np.abs(np.linalg.eigvals(M)))))


def correlated(N, J=1.0, eta=0.0, seed=None):
    r"""Gaussian couplings with :math:`\mathrm{Var} J_{ij} = J^2/N` and :math:`\mathrm{corr}(J_{ij}, J_{ji}) = \eta`.

    Built as :math:`\sqrt{(1+\eta)/2}\,S + \sqrt{(1-\eta)/2}\,A` from the symmetric and antisymmetric
    parts of an iid matrix. Eigenvalues fill the ellipse with semi-axes :math:`J(1+\eta)` (real) and
    :math:`J(1-\eta)` (imaginary) (elliptic law, E4). ``eta = 1`` is symmetric, ``-1`` antisymmetric.
    """
    N = check_int(N, "N", minimum=1)
    J = check_float(J, "J", minimum=0.0)
    eta = check_float(eta, "eta", minimum=-1.0, maximum=1.0)
    X = _rng(seed).standard_normal((N, N))
    S = (X + X.T) / np.sqrt(2.0)
    A = (X - X.T) / np.sqrt(2.0)
    M = np.sqrt((1.0 + eta) / 2.0) * S + np.sqrt((1.0 - eta) / 2.0) * A
    np.fill_diagonal(M, np.diag(X))
    return M * (J / np.sqrt(N))


def sparse(N, K, J=1.0, Jbar=0.0, seed=None):
    r"""Sparse couplings: each neuron receives exactly K inputs from distinct other neurons, with weights
    :math:`\mathcal N(\bar J/K, J^2/K)`. The bulk radius is J (E4 with the 1/√K scaling)."""
    N = check_int(N, "N", minimum=2)
    K = check_int(K, "K", minimum=1, maximum=N - 1)
    J = check_float(J, "J", minimum=0.0)
    Jbar = check_float(Jbar, "Jbar")
    rng = _rng(seed)
    out = np.zeros((N, N))
    weights = rng.standard_normal((N, K)) * (J / np.sqrt(K)) + Jbar / K
    for i in range(N):
        others = rng.choice(N - 1, size=K, replace=False)
        others[others >= i] += 1
        out[i, others] = weights[i]
    return out


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
    n_exc = int(round(f * N))
    if n_exc in (0, N):
        raise ValueError(f"frac_exc={f} leaves no {'excitatory' if n_exc == 0 else 'inhibitory'} neuron at N={N}")
    f = n_exc / N
    # w_I = f w_E / (1 - f); the variance condition fixes w_E.
    ratio = f / (1.0 - f)
    w_exc = J / np.sqrt(N * (1.0 - 2.0 / np.pi) * (f + (1.0 - f) * ratio**2))
    w_inh = ratio * w_exc
    mag = np.abs(_rng(seed).standard_normal((N, N)))
    out = mag * np.where(np.arange(N) < n_exc, w_exc, -w_inh)[None, :]
    exc = out[:, :n_exc].sum(axis=1)
    inh = -out[:, n_exc:].sum(axis=1)
    out[:, n_exc:] *= (exc / inh)[:, None]
    return out


@dataclass(frozen=True)
class Ensemble:
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

    def __post_init__(self):
        object.__setattr__(self, "N", check_int(self.N, "N", minimum=1))
        object.__setattr__(self, "J", check_float(self.J, "J", minimum=0.0))
        object.__setattr__(self, "Jbar", check_float(self.Jbar, "Jbar"))
        object.__setattr__(self, "g", check_float(self.g, "g", minimum=0.0))
        object.__setattr__(self, "gamma", check_float(self.gamma, "gamma", minimum=0.0, maximum=1.0,
                                                      strict_max=True))
        object.__setattr__(self, "sigma", check_float(self.sigma, "sigma", minimum=0.0))
        object.__setattr__(self, "theta_mean", check_float(self.theta_mean, "theta_mean"))
        object.__setattr__(self, "theta_std", check_float(self.theta_std, "theta_std", minimum=0.0))
        check_choice(self.transfer, "transfer", TRANSFERS)

    def replace(self, **changes):
        """A copy with some parameters changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def params(self):
        """The ensemble's parameters as a dict."""
        return dataclasses.asdict(self)

    def sample(self, seed=None):
        """Draw one network. J uses the seed's child 0 and theta child 1, so changing theta's law
        leaves J unchanged (a sweep over theta_std keeps the same couplings)."""
        root = as_seed_sequence(seed)
        J = iid(self.N, self.J, self.Jbar, seed=child(root, 0))
        theta = self.theta_mean + self.theta_std * np.random.default_rng(child(root, 1)).standard_normal(self.N)
        origin = {"ensemble": self.params(), **describe(root)}
        return Network(J, theta=theta, g=self.g, gamma=self.gamma, sigma=self.sigma, transfer=self.transfer,
                       origin=origin)
