r"""Linear response of the SNT map (SCIENCE.md E12, E13), by concept:

* :func:`kernel` -- the response kernel R(τ) by three estimators on the engine (Jacobian products, kicked
  replicas, Novikov's noise correlation), lag convention of E12: R(0) = I;
* :func:`susceptibility` (forced replicas) and :func:`susceptibility_from_kernel` -- χ(ω), ω in rad/step;
* :func:`effective_connectivity` -- W = R(k) - γ^k I;
* spectra (Welch power spectrum, resonances) live in :mod:`snt.spectra` and are re-exported here;
  the network with stable resonances is :func:`snt.ensembles.resonant_network`.

References: B. Cessac, J.-A. Sepulchre, Phys. Rev. E 70, 056111 (2004); Chaos 16, 013104 (2006); Physica D 225,
13 (2007); E. A. Novikov, Sov. Phys. JETP 20, 1290 (1965).
"""

from ..spectra import power_spectrum, resonances
from ._connectivity import effective_connectivity
from ._forcing import susceptibility, susceptibility_from_kernel
from ._kernel import METHODS, kernel

__all__ = ["METHODS", "effective_connectivity", "kernel", "power_spectrum", "resonances", "susceptibility",
           "susceptibility_from_kernel"]
