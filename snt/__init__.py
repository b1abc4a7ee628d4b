"""snt: a workbench for the dynamics of random recurrent networks.

The core is B. Cessac's "simple but non-trivial" model u(t+1) = γu(t) + J f(u(t)) − θ + σB(t) with random
couplings J (equations in SCIENCE.md, numbered E1..E13 in the docstrings).

The names below are imported on first use (PEP 562), so ``import snt`` stays fast: numba, scipy.signal and
xarray load only when an analysis that needs them is touched. ``snt.X`` and ``from snt import X`` work as
for any other package.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ._lazy import lazy_package
from ._version import __version__

# The package's logger is silent unless the application configures logging (snt -v does).
logging.getLogger(__name__).addHandler(logging.NullHandler())

#: public name -> (module, attribute); attribute None means the module itself
_LAZY: dict[str, tuple[str, str | None]] = {
    "ConvergenceError": (".errors", "ConvergenceError"),
    "DivergenceError": (".errors", "DivergenceError"),
    "SntError": (".errors", "SntError"),
    "Ensemble": (".ensembles", "Ensemble"),
    "Network": (".network", "Network"),
    "open": (".io", "open"),
    "save": (".io", "save"),
    "simulate": (".simulate", "simulate"),
    "lyapunov_spectrum": (".lyapunov", "lyapunov_spectrum"),
    "max_lyapunov": (".lyapunov", "max_lyapunov"),
    "contraction_gain": (".stability", "contraction_gain"),
    "coupling_spectrum": (".stability", "coupling_spectrum"),
    "fixed_points": (".stability", "fixed_points"),
    "jacobian": (".stability", "jacobian"),
    "first_bifurcation": (".bifurcation", "first_bifurcation"),
    "gain_sweep": (".bifurcation", "gain_sweep"),
    "edge_of_chaos": (".edge", "edge_of_chaos"),
    "sweep": (".sweep", "sweep"),
    "power_spectrum": (".spectra", "power_spectrum"),
}
_SUBMODULES = ("bifurcation", "dynamics", "ensembles", "lyapunov", "meanfield", "plot", "response",
               "results", "spectra", "stability", "studies")
_LAZY.update({name: ("." + name, None) for name in _SUBMODULES})
#: further subpackages reachable as ``snt.X`` (not star-exported)
_OTHER = ("classify", "edge", "errors", "io", "network", "plasticity", "spectral", "sweep_store", "storage")
_LAZY.update({name: ("." + name, None) for name in _OTHER})

if TYPE_CHECKING:  # the eager imports, for type checkers and IDEs
    from . import (bifurcation, dynamics, ensembles, lyapunov, meanfield, plot, response, results,
                   spectra, stability, studies)
    from .bifurcation import first_bifurcation, gain_sweep
    from .edge import edge_of_chaos
    from .ensembles import Ensemble
    from .errors import ConvergenceError, DivergenceError, SntError
    from .io import open, save  # noqa: A004
    from .lyapunov import lyapunov_spectrum, max_lyapunov
    from .network import Network
    from .simulate import simulate
    from .spectra import power_spectrum
    from .stability import contraction_gain, coupling_spectrum, fixed_points, jacobian
    from .sweep import sweep


__getattr__, __dir__ = lazy_package(__name__, _LAZY, shadowed=("simulate", "sweep"))

__all__ = ["__version__", *sorted(set(_LAZY) - set(_OTHER))]
