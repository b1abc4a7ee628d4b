r"""What the mean-field theory speaks of: the iid ensemble (:class:`snt.Ensemble`) or several populations
(:class:`Populations`), reduced to the arrays the equations use (SCIENCE.md §4).

For populations a, b = 1..P with fractions :math:`\alpha_b`, the couplings are
:math:`J_{ij} \sim \mathcal N(\bar J_{ab}/N, J_{ab}^2/N)` for i in a and j in b (Kadmon & Sompolinsky 2015
scaling: every entry is divided by the total N). The input to a unit of population a then has mean
:math:`\sum_b \alpha_b \bar J_{ab} M_b(t)` and covariance :math:`\sum_b \alpha_b J_{ab}^2 C_b(t,s)`; one
population with :math:`\alpha = 1` is the iid ensemble.
"""

import dataclasses
import json
from dataclasses import dataclass

import numpy as np

from .._checks import check_array, check_choice, check_float, check_int
from .._seeds import as_seed_sequence, child, describe
from ..ensembles import Ensemble, populations, theory_ensemble
from ..network import TRANSFERS, Network
from ._gauss import transfer_code


def _per_population(value, P, name, minimum=None):
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(P, float(arr))
    arr = check_array(arr, name, shape=(P,))
    if minimum is not None and np.any(arr < minimum):
        raise ValueError(f"{name} must be >= {minimum} in every population, got {arr.tolist()}")
    return arr


def _block(value, P, name, minimum=None):
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full((P, P), float(arr))
    arr = check_array(arr, name, shape=(P, P))
    if minimum is not None and np.any(arr < minimum):
        raise ValueError(f"{name} must be >= {minimum} in every block, got {arr.tolist()}")
    return arr


@dataclass(frozen=True, eq=False)
class Populations:
    r"""A multi-population SNT ensemble for the mean-field theory (SCIENCE.md §4, populations).

    Parameters
    ----------
    fractions : (P,) array_like
        Population fractions :math:`\alpha_a > 0`, summing to 1.
    J, Jbar : float or (P, P) array_like
        Block scales: :math:`J_{ij} \sim \mathcal N(\bar J_{ab}/N, J_{ab}^2/N)` for i in a, j in b
        (``J[a, b]`` is from population b to population a).
    g, gamma, sigma, transfer
        As in :class:`snt.Ensemble` (one gain, leak and noise for all units).
    theta_mean, theta_std : float or (P,) array_like
        Threshold law per population, :math:`\theta_i \sim \mathcal N(\bar\theta_a, \sigma_{\theta,a}^2)`.
    N : int
        Network size used by :meth:`sample` (population sizes are ``round(fractions * N)``).

    Examples
    --------
    >>> from snt.meanfield import Populations
    >>> pops = Populations(fractions=[0.8, 0.2], J=[[1.0, 2.0], [1.0, 2.0]], g=1.5)
    >>> pops.P
    2
    """

    fractions: np.ndarray = (1.0,)  # type: ignore[assignment]  # normalised in __post_init__
    J: np.ndarray = 1.0  # type: ignore[assignment]  # normalised in __post_init__
    Jbar: np.ndarray = 0.0  # type: ignore[assignment]  # normalised in __post_init__
    g: float = 1.0
    gamma: float = 0.0
    sigma: float = 0.0
    theta_mean: np.ndarray = 0.0  # type: ignore[assignment]  # normalised in __post_init__
    theta_std: np.ndarray = 0.0  # type: ignore[assignment]  # normalised in __post_init__
    transfer: str = "tanh"
    N: int = 1000

    def __post_init__(self):
        frac = check_array(np.atleast_1d(np.asarray(self.fractions, dtype=np.float64)), "fractions", ndim=1)
        if frac.size == 0 or np.any(frac <= 0) or abs(frac.sum() - 1.0) > 1e-12:
            raise ValueError(f"fractions must be > 0 and sum to 1, got {frac.tolist()}")
        P = frac.size
        object.__setattr__(self, "fractions", frac)
        object.__setattr__(self, "J", _block(self.J, P, "J", minimum=0.0))
        object.__setattr__(self, "Jbar", _block(self.Jbar, P, "Jbar"))
        object.__setattr__(self, "g", check_float(self.g, "g", minimum=0.0))
        object.__setattr__(self, "gamma", check_float(self.gamma, "gamma", minimum=0.0, maximum=1.0,
                                                      strict_max=True))
        object.__setattr__(self, "sigma", check_float(self.sigma, "sigma", minimum=0.0))
        object.__setattr__(self, "theta_mean", _per_population(self.theta_mean, P, "theta_mean"))
        object.__setattr__(self, "theta_std", _per_population(self.theta_std, P, "theta_std", minimum=0.0))
        check_choice(self.transfer, "transfer", TRANSFERS)
        object.__setattr__(self, "N", check_int(self.N, "N", minimum=P))
        for arr in (self.fractions, self.J, self.Jbar, self.theta_mean, self.theta_std):
            arr.setflags(write=False)

    @property
    def P(self):
        """Number of populations."""
        return self.fractions.size

    def sizes(self):
        """Population sizes for N units (largest-remainder rounding, each >= 1)."""
        raw = self.fractions * self.N
        sizes = np.maximum(np.floor(raw).astype(int), 1)
        while sizes.sum() < self.N:
            sizes[np.argmax(raw - sizes)] += 1
        while sizes.sum() > self.N:
            sizes[np.argmax(sizes - raw)] -= 1
        return sizes

    def replace(self, **changes):
        """A copy with some parameters changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def params(self):
        """Parameters as a JSON-ready dict."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.tolist() if isinstance(value, np.ndarray) else value
        return out

    def sample(self, seed=None):
        """Draw one network: couplings from :func:`snt.ensembles.populations` (seed child 0), thresholds
        per population (child 1). Sizes are :meth:`sizes`, so the realised fractions are N_a/N."""
        root = as_seed_sequence(seed)
        sizes = self.sizes()
        # snt.ensembles.populations uses the same 1/N convention as the theory.
        Jm = populations(sizes, self.J, self.Jbar, seed=child(root, 0))
        rng = np.random.default_rng(child(root, 1))
        theta = np.concatenate([mu + sd * rng.standard_normal(n)
                                for mu, sd, n in zip(self.theta_mean, self.theta_std, sizes)])
        origin = {"populations": self.params(), **describe(root)}
        return Network(Jm, theta=theta, g=self.g, gamma=self.gamma, sigma=self.sigma, transfer=self.transfer,
                       origin=origin)


@dataclass(frozen=True)
class Model:
    """The arrays of the mean-field equations (internal)."""

    alpha: np.ndarray        # (P,) fractions
    var: np.ndarray          # (P, P) alpha_b J_ab^2
    mean: np.ndarray         # (P, P) alpha_b Jbar_ab
    theta: np.ndarray        # (P,) mean thresholds
    theta_var: np.ndarray    # (P,) threshold variances
    g: float
    gamma: float
    sigma2: float
    code: int
    transfer: str
    params: dict

    @property
    def P(self):
        return self.alpha.size

    def params_json(self):
        return json.dumps(self.params, sort_keys=True)


def model_of(ens, name="ens"):
    """The :class:`Model` of an :class:`snt.Ensemble` or :class:`Populations`."""
    ens = theory_ensemble(ens)  # Sparse -> Ensemble; Correlated, Dale refuse naming the missing theory
    if isinstance(ens, Ensemble):
        return Model(alpha=np.ones(1), var=np.array([[ens.J ** 2]]), mean=np.array([[ens.Jbar]]),
                     theta=np.array([ens.theta_mean]), theta_var=np.array([ens.theta_std ** 2]), g=ens.g,
                     gamma=ens.gamma, sigma2=ens.sigma ** 2, code=transfer_code(ens.transfer),
                     transfer=ens.transfer, params={"kind": "Ensemble", **ens.params()})
    if isinstance(ens, Populations):
        a = ens.fractions
        return Model(alpha=a.copy(), var=ens.J ** 2 * a[None, :], mean=ens.Jbar * a[None, :],
                     theta=ens.theta_mean.copy(), theta_var=ens.theta_std ** 2, g=ens.g, gamma=ens.gamma,
                     sigma2=ens.sigma ** 2, code=transfer_code(ens.transfer), transfer=ens.transfer,
                     params={"kind": "Populations", **ens.params()})
    raise TypeError(f"{name} must be an snt.Ensemble or snt.meanfield.Populations, got {type(ens).__name__}")
