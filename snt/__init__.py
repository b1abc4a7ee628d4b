"""snt: a workbench for the dynamics of random recurrent networks.

The core is B. Cessac's "simple but non-trivial" model u(t+1) = γu(t) + J f(u(t)) − θ + σB(t) with random
couplings J (equations in SCIENCE.md, numbered E1..E13 in the docstrings).
"""

from ._version import __version__  # noqa: F401

from . import ensembles, kernels, plot  # noqa: E402
from .ensembles import Ensemble  # noqa: E402
from .io import open, save  # noqa: E402,A004
from .network import Network  # noqa: E402
from .simulate import simulate  # noqa: E402
from . import lyapunov, stability  # noqa: E402
from . import meanfield  # noqa: E402
from .lyapunov import lyapunov_spectrum, max_lyapunov  # noqa: E402
from .stability import contraction_gain, coupling_spectrum, fixed_points, jacobian  # noqa: E402
from . import bifurcation, studies  # noqa: E402
from .bifurcation import first_bifurcation, gain_sweep  # noqa: E402
from .edge import edge_of_chaos  # noqa: E402
from .sweep import sweep  # noqa: E402
from . import response  # noqa: E402
from . import spectra  # noqa: E402
from .spectra import power_spectrum  # noqa: E402
from . import dynamics, results  # noqa: E402
from .results import ConvergenceError, DivergenceError, SntError  # noqa: E402

__all__ = [
    "__version__",
    "ConvergenceError",
    "DivergenceError",
    "Ensemble",
    "SntError",
    "Network",
    "bifurcation",
    "contraction_gain",
    "coupling_spectrum",
    "dynamics",
    "edge_of_chaos",
    "ensembles",
    "first_bifurcation",
    "fixed_points",
    "gain_sweep",
    "jacobian",
    "lyapunov",
    "lyapunov_spectrum",
    "max_lyapunov",
    "meanfield",
    "open",
    "plot",
    "power_spectrum",
    "response",
    "results",
    "save",
    "simulate",
    "spectra",
    "stability",
    "studies",
    "sweep",
]
