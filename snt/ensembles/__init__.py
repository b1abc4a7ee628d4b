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
* :func:`resonant_network` -- one network built to show stable resonances (E13): a chaotic iid bulk plus
  silent two-neuron oscillators.

The functions :func:`iid`, :func:`populations`, :func:`correlated`, :func:`sparse` and :func:`dale` draw the
bare coupling matrix (``seed``: int, SeedSequence, Generator or None); the objects' ``sample`` calls them
with the seed's child 0 (thresholds use child 1). Every draw checks first that the N x N matrix fits in
memory, and none makes a second full-size copy of it.
"""

from ._base import MissingTheoryError, theory_ensemble
from ._dale import Dale, dale
from ._gaussian import Correlated, Ensemble, correlated, iid
from ._law import spectral_law
from ._populations import population_radius, populations
from ._resonant import resonant_network
from ._sparse import Sparse, sparse

__all__ = ["Ensemble", "Correlated", "Sparse", "Dale", "Populations", "iid", "populations", "correlated",
           "sparse", "dale", "population_radius", "resonant_network", "spectral_law", "theory_ensemble",
           "MissingTheoryError"]


def __getattr__(name):
    # the populations ensemble object lives with its mean-field theory (which imports this module)
    if name == "Populations":
        from ..meanfield import Populations

        return Populations
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
