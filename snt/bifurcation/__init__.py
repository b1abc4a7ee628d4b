r"""The route to chaos as the gain g grows: orbit diagrams, regimes, fixed-point continuation and the first
bifurcation (SCIENCE.md E5, E6).

At the origin (θ = 0, σ = 0, odd f) the Jacobian is :math:`DF(0) = \gamma I + gJ`, so the origin loses
stability at the smallest g with :math:`|\gamma + g\mu_k| = 1` over the eigenvalues :math:`\mu_k` of J: a
pitchfork (:math:`\mu` real > 0, eigenvalue +1), a flip (:math:`\mu` real < 0, eigenvalue −1) or a
Neimark–Sacker bifurcation (complex pair), which opens the route fixed point → invariant circle (quasi-
periodic) → torus → chaos of finite networks (Doyon, Cessac, Quoy & Samuelides 1993; Cessac & Sepulchre 2006).
Elsewhere the fixed point is followed in g by Newton continuation from :math:`u^*(0) = -\theta/(1-\gamma)`.

References: B. Doyon, B. Cessac, M. Quoy, M. Samuelides, Int. J. Bifurc. Chaos 3, 279 (1993),
doi:10.1142/S0218127493000222; B. Cessac, J.-A. Sepulchre, Chaos 16, 013104 (2006), doi:10.1063/1.2126813.
"""

from ._continuation import first_bifurcation, fixed_point_continuation
from ._orbits import REGIMES, count_frequencies, gain_sweep, orbit_point, spectra

__all__ = ["REGIMES", "orbit_point", "gain_sweep", "first_bifurcation", "fixed_point_continuation", "spectra",
           "count_frequencies"]
