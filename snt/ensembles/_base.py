"""What every ensemble object shares: the error for a missing theory, the seeded generator, the memory check
before a draw, the dynamical parameters and ``sample``."""

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .._checks import check_choice, check_float
from .._memory import check_memory
from .._seeds import as_seed_sequence, child, describe
from ..errors import SntError
from ..network import TRANSFERS, Network
from .._typing import SeedLike

__all__ = ["MissingTheoryError", "Sampled", "DynamicsParameters", "check_fits", "dynamics_of", "generator",
           "theory_ensemble"]


class MissingTheoryError(SntError, TypeError):
    """The mean-field theory of an ensemble is not implemented; the message names what is missing."""

    hint = "use the ensemble's simulation (sample, simulate, lyapunov) or an ensemble the theory covers"


def generator(seed):
    """The numpy Generator of a seed (int, SeedSequence, Generator or None)."""
    return np.random.default_rng(as_seed_sequence(seed))


def check_fits(N):
    """Refuse before drawing an N x N float64 matrix that does not fit in memory."""
    return check_memory(8 * N * N, "J", f"N = {N}")


class Sampled:
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

    def replace(self, **changes: Any) -> "Sampled":
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


@dataclass(frozen=True, kw_only=True)
class DynamicsParameters(Sampled):
    """The dynamical parameters of an ensemble object, keyword-only after its coupling parameters: gain,
    leak, noise, threshold law and transfer function, as in :class:`Ensemble`."""

    g: float = 1.0
    gamma: float = 0.0
    sigma: float = 0.0
    theta_mean: float = 0.0
    theta_std: float = 0.0
    transfer: str = "tanh"


def dynamics_of(ens):
    """The dynamical parameters (g, gamma, sigma, threshold law, transfer) of an ensemble object as a dict."""
    return {k: getattr(ens, k) for k in ("g", "gamma", "sigma", "theta_mean", "theta_std", "transfer")}


def theory_ensemble(ens):
    """What the mean-field functions solve for ``ens``: ``ens.meanfield()`` for the ensemble objects of
    this module (which refuses, naming what is missing, when there is no theory), else ``ens`` itself."""
    return ens.meanfield() if isinstance(ens, Sampled) else ens
