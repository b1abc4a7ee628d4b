r"""Random coupling ensembles (SCIENCE.md §1) and their spectral laws (E4).

Every ensemble is an object with ``sample(seed) -> Network``, ``spectral_law()`` (what
:func:`snt.coupling_spectrum` overlays on the eigenvalues of a sample) and ``meanfield()`` (the ensemble
the functions of :mod:`snt.meanfield` solve, or a refusal naming the theory that is missing):

* :class:`Ensemble` -- iid Gaussian :math:`J_{ij} \sim \mathcal N(\bar J/N, J^2/N)`: eigenvalues fill the
  disc of radius J, plus one outlier near :math:`\bar J` when :math:`|\bar J| > J`. The mean-field theory's
  own ensemble.
* :class:`snt.meanfield.Populations` -- blocks :math:`J_{ij} \sim \mathcal N(\bar J_{ab}/N, J_{ab}^2/N)`;
  radius² = top eigenvalue of :math:`M_{ab} = \alpha_b J_{ab}^2` (also ``snt.ensembles.Populations``).
* :class:`Correlated` -- :math:`\mathrm{corr}(J_{ij}, J_{ji}) = \eta`: ellipse with semi-axes
  :math:`J(1+\eta)`, :math:`J(1-\eta)`.
* :class:`Sparse` -- exactly K inputs per neuron with weights :math:`\mathcal N(\bar J/K, J^2/K)`: radius J.
* :class:`Dale` -- excitatory and inhibitory columns (Dale's law), balanced per row; radius J.

The functions :func:`iid`, :func:`populations`, :func:`correlated`, :func:`sparse` and :func:`dale` draw the
bare coupling matrix (``seed``: int, SeedSequence, Generator or None); the objects' ``sample`` calls them
with the seed's child 0 (thresholds use child 1). Every draw checks first that the N x N matrix fits in
memory, and none makes a second full-size copy of it.
"""

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ._checks import check_array, check_choice, check_float, check_int
from ._memory import check_memory
from ._seeds import as_seed_sequence, child, describe
from .errors import SntError
from .network import TRANSFERS, Network
from ._typing import SeedLike

__all__ = ["Ensemble", "Correlated", "Sparse", "Dale", "Populations", "iid", "populations", "correlated",
           "sparse", "dale", "population_radius", "spectral_law", "theory_ensemble", "MissingTheoryError"]


class MissingTheoryError(SntError, TypeError):
    """The mean-field theory of an ensemble is not implemented; the message names what is missing."""

    hint = "use the ensemble's simulation (sample, simulate, lyapunov) or an ensemble the theory covers"


def _rng(seed):
    return np.random.default_rng(as_seed_sequence(seed))


def _check_fits(N):
    """Refuse before drawing an N x N float64 matrix that does not fit in memory."""
    return check_memory(8 * N * N, "J", f"N = {N}")


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
    _check_fits(N)
    out = rng.standard_normal((N, N))
    out *= J / np.sqrt(N)
    out += Jbar / N
    return out


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
    sizes = _check_sizes(sizes)
    P = len(sizes)
    Jm = _block_matrix(J, P, "J")
    if np.any(Jm < 0):
        raise ValueError(f"J must be >= 0 in every block, got {Jm.tolist()}")
    Jbarm = _block_matrix(Jbar, P, "Jbar")
    N = sum(sizes)
    edges = np.concatenate([[0], np.cumsum(sizes)])
    rng = _rng(seed)
    _check_fits(N)
    out = rng.standard_normal((N, N))
    for a in range(P):
        for b in range(P):
            rows = slice(edges[a], edges[a + 1])
            cols = slice(edges[b], edges[b + 1])
            out[rows, cols] *= Jm[a, b] / np.sqrt(N)
            out[rows, cols] += Jbarm[a, b] / N
    return out


def _check_sizes(sizes):
    if isinstance(sizes, (str, bytes)) or not np.iterable(sizes):
        raise TypeError(f"sizes must be a sequence of population sizes (ints), got {sizes!r}")
    sizes = [check_int(s, f"sizes[{k}]", minimum=1) for k, s in enumerate(sizes)]
    if not sizes:
        raise ValueError("sizes must list at least one population")
    return sizes


def _block_matrix(value, P, name):
    if np.ndim(value) == 0:
        return np.full((P, P), check_float(value, name))
    if np.iscomplexobj(value):
        raise TypeError(f"{name} must hold real numbers, got complex values")
    return check_array(value, name, shape=(P, P))


def population_radius(sizes, J):
    r"""Predicted bulk radius for :func:`populations`: :math:`\sqrt{\rho(\alpha_b J_{ab}^2)}` (E4)."""
    sizes = np.asarray(_check_sizes(sizes), dtype=np.float64)
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
    _check_fits(N)
    X = _rng(seed).standard_normal((N, N))
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


def sparse(N, K, J=1.0, Jbar=0.0, seed=None):
    r"""Sparse couplings: each neuron receives exactly K inputs from distinct other neurons, with weights
    :math:`\mathcal N(\bar J/K, J^2/K)`. The bulk radius is J (E4 with the 1/√K scaling)."""
    N = check_int(N, "N", minimum=2)
    K = check_int(K, "K", minimum=1, maximum=N - 1)
    J = check_float(J, "J", minimum=0.0)
    Jbar = check_float(Jbar, "Jbar")
    rng = _rng(seed)
    _check_fits(N)
    out = np.zeros((N, N))
    weights = rng.standard_normal((N, K)) * (J / np.sqrt(K)) + Jbar / K
    for i in range(N):
        others = rng.choice(N - 1, size=K, replace=False)
        others[others >= i] += 1
        out[i, others] = weights[i]
    return out


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
    _check_fits(N)
    out = _rng(seed).standard_normal((N, N))
    np.abs(out, out=out)
    out *= np.where(np.arange(N) < n_exc, w_exc, -w_inh)[None, :]
    exc = out[:, :n_exc].sum(axis=1)
    inh = -out[:, n_exc:].sum(axis=1)
    out[:, n_exc:] *= (exc / inh)[:, None]
    return out


class _Sampled:
    """What every ensemble object shares: validation of the dynamical parameters, ``replace``, ``params``
    and ``sample`` (couplings from the seed's child 0, thresholds from child 1)."""

    #: key of the ensemble's parameters in ``Network.origin``
    kind = ""

    if TYPE_CHECKING:  # the fields every subclass (a dataclass) declares
        __dataclass_fields__: ClassVar[dict[str, Any]]
        N: int
        g: float
        gamma: float
        sigma: float
        theta_mean: float
        theta_std: float
        transfer: str

    def _check_dynamics(self):
        object.__setattr__(self, "g", check_float(self.g, "g", minimum=0.0))
        object.__setattr__(self, "gamma", check_float(self.gamma, "gamma", minimum=0.0, maximum=1.0,
                                                      strict_max=True))
        object.__setattr__(self, "sigma", check_float(self.sigma, "sigma", minimum=0.0))
        object.__setattr__(self, "theta_mean", check_float(self.theta_mean, "theta_mean"))
        object.__setattr__(self, "theta_std", check_float(self.theta_std, "theta_std", minimum=0.0))
        if not isinstance(self.transfer, str):
            raise TypeError(f"transfer must be one of {sorted(TRANSFERS)}, got {self.transfer!r}")
        check_choice(self.transfer, "transfer", TRANSFERS)

    def replace(self, **changes: Any) -> "_Sampled":
        """A copy with some parameters changed (validated again)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"replace: unknown parameter(s) {sorted(unknown)}; parameters are "
                            f"{[f.name for f in dataclasses.fields(self)]}")
        return dataclasses.replace(self, **changes)

    def params(self) -> dict[str, Any]:
        """The ensemble's parameters as a dict."""
        return dataclasses.asdict(self)

    def couplings(self, seed: SeedLike = None) -> np.ndarray:
        """One coupling matrix (N, N) of the ensemble."""
        raise NotImplementedError

    def spectral_law(self):
        """The E4 law of the eigenvalues of J: ``radius`` (bulk scale), ``eta`` (ellipse), ``outlier``
        (the real outlier's position when it is outside the bulk) and ``source``."""
        raise NotImplementedError

    def meanfield(self):
        """The ensemble the mean-field functions solve for this one (or MissingTheoryError)."""
        raise MissingTheoryError(f"snt.meanfield has no theory for {type(self).__name__}")

    def sample(self, seed: SeedLike = None) -> Network:
        """Draw one network. J uses the seed's child 0 and theta child 1, so changing theta's law
        leaves J unchanged (a sweep over theta_std keeps the same couplings)."""
        root = as_seed_sequence(seed)
        J = self.couplings(seed=child(root, 0))
        J.setflags(write=False)  # owned and read-only: the Network adopts it without a copy
        theta = self.theta_mean + self.theta_std * np.random.default_rng(child(root, 1)).standard_normal(self.N)
        origin = {self.kind: self.params(), "law": self.spectral_law(), **describe(root)}
        return Network(J, theta=theta, g=self.g, gamma=self.gamma, sigma=self.sigma, transfer=self.transfer,
                       origin=origin)


@dataclass(frozen=True)
class Ensemble(_Sampled):
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


@dataclass(frozen=True, kw_only=True)
class _Dynamics(_Sampled):
    """The dynamical parameters of an ensemble object, keyword-only after its coupling parameters: gain,
    leak, noise, threshold law and transfer function, as in :class:`Ensemble`."""

    g: float = 1.0
    gamma: float = 0.0
    sigma: float = 0.0
    theta_mean: float = 0.0
    theta_std: float = 0.0
    transfer: str = "tanh"


@dataclass(frozen=True)
class Correlated(_Dynamics):
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
            return Ensemble(N=self.N, J=self.J, **_dynamics(self))
        raise MissingTheoryError(
            f"snt.meanfield has no theory for Correlated(eta={self.eta:g}): it solves independent couplings; "
            "reciprocal correlations corr(J_ij, J_ji) = eta != 0 need the dynamic mean-field equations with "
            "their response-function term, which are missing")


@dataclass(frozen=True)
class Sparse(_Dynamics):
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
        return Ensemble(N=self.N, J=self.J, Jbar=self.Jbar, **_dynamics(self))


@dataclass(frozen=True)
class Dale(_Dynamics):
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


def _dynamics(ens):
    return {k: getattr(ens, k) for k in ("g", "gamma", "sigma", "theta_mean", "theta_std", "transfer")}


def __getattr__(name):
    # the populations ensemble object lives with its mean-field theory (which imports this module)
    if name == "Populations":
        from .meanfield import Populations

        return Populations
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def theory_ensemble(ens):
    """What the mean-field functions solve for ``ens``: ``ens.meanfield()`` for the ensemble objects of
    this module (which refuses, naming what is missing, when there is no theory), else ``ens`` itself."""
    return ens.meanfield() if isinstance(ens, _Sampled) else ens


def spectral_law(net):
    """The E4 law of a network's couplings from the ensemble it was sampled from (``net.origin``), as a
    dict (radius, eta, outlier, source); None when the network does not say (then estimate it from J)."""
    origin = getattr(net, "origin", None) or {}
    if isinstance(origin.get("law"), dict) and {"radius", "eta", "outlier"} <= set(origin["law"]):
        law = origin["law"]
        return {"radius": float(law["radius"]), "eta": float(law["eta"]), "outlier": float(law["outlier"]),
                "source": str(law.get("source", "ensemble parameters"))}
    ens = origin.get("ensemble")
    if isinstance(ens, dict) and {"J", "Jbar"} <= set(ens):
        return {"radius": float(ens["J"]), "eta": 0.0, "outlier": float(ens["Jbar"]),
                "source": "ensemble parameters (iid Gaussian)"}
    pops = origin.get("populations")
    if isinstance(pops, dict) and {"fractions", "J", "Jbar"} <= set(pops):
        alpha = np.atleast_1d(np.asarray(pops["fractions"], dtype=np.float64))
        P = alpha.size
        radius = float(np.sqrt(np.max(np.abs(np.linalg.eigvals(_block_matrix(pops["J"], P, "J") ** 2
                                                                 * alpha[None, :])))))
        mean = np.linalg.eigvals(_block_matrix(pops["Jbar"], P, "Jbar") * alpha[None, :])
        top = mean[np.argmax(np.abs(mean))]
        return {"radius": radius, "eta": 0.0, "outlier": float(top.real) if abs(top.imag) < 1e-12 else 0.0,
                "source": "ensemble parameters (populations: radius^2 = rho(alpha_b J_ab^2), outlier = top "
                          "eigenvalue of alpha_b Jbar_ab)"}
    return None
