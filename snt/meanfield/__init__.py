r"""Dynamic mean-field theory of the SNT model (SCIENCE.md §4, E7--E11), with simulation side by side.

* :func:`evolve` -- the transient m(t), Δ(t, s) from a Gaussian initial state (E7--E9);
* :func:`stationary` -- m*, v*, Δ(τ), q_∞, the mean-field Lyapunov exponent λ_MF (E11) and the regime;
* :func:`critical_gain` -- g_c: (E10) for σ = 0, λ_MF = 0 for σ > 0;
* :func:`critical_noise` -- σ_c where λ_MF crosses 0 (Molgedey, Schuchhardt & Schuster 1992);
* :func:`scan` -- the stationary state along one parameter;
* :func:`compare` -- theory and simulation of the same ensemble in one Dataset;
* :func:`finite_size_lambda` -- the law of a fixed point's λ over networks of the ensemble's size N;
* :class:`Populations` -- several populations with fractions α_a, blocks J_ab, J̄_ab.

Exact as N -> ∞ for iid Gaussian couplings (Moynot & Samuelides 2002; Cessac 1995).
"""

from ._compare import compare
from ._critical import critical_gain, critical_noise, scan
from ._finite import finite_size_lambda
from ._model import Populations
from ._theory import evolve, stationary
from ._response import response_prediction  # noqa: F401 - used by snt.response

__all__ = ["Populations", "compare", "critical_gain", "critical_noise", "evolve", "finite_size_lambda", "scan",
           "stationary"]
