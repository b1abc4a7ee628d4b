r"""The result vocabulary every analysis shares: dimensions and coordinates with ``long_name`` and ``units``,
the per-trial status variable (CF flags), provenance attributes, and the package's exceptions.

Time is counted in steps of the map (unit ``"step"``); rates are per step (``"1/step"``); frequencies are
angular, in radians per step (``"rad/step"``, in [0, π]); dimensionless values have units ``"1"``.

Names. ``M`` is the activity :math:`M = \frac1N\sum_i f(u_i)` and ``m`` the mean of u,
:math:`m = \frac1N\sum_i u_i` (SCIENCE.md's notation; ``M_orbit``, ``M_mean``, ``M_star`` follow ``M``);
the standard error of a variable ``x`` is ``x_stderr`` (``x_stderr_blocks``: over blocks of one trial);
``covariance`` is :math:`\Delta(\tau)`, a covariance (``correlation`` names raw second moments such as
C(τ) and Pearson coefficients); the dimension that tells estimates of the same quantity apart (theory /
simulation, or the estimators of R(τ)) is ``estimator``, and ``source`` is the neuron that receives a pulse.

Status convention. An analysis that can fail for one trial (or one grid point) without failing the others
returns a ``status`` variable (int8) with CF ``flag_values`` / ``flag_meanings``; values of a failed entry
are NaN and only there. :data:`STATUS` lists the codes.
"""

import json
import shlex
import sys

import numpy as np

from ._version import __version__
from .errors import ConvergenceError, DivergenceError, SntError  # noqa: F401 - the vocabulary's errors

#: Status codes of the ``status`` variables (CF flag_values / flag_meanings).
STATUS = {"ok": 0, "diverged": 1, "not_converged": 2, "branch_lost": 3, "nonlinear": 4}

#: The standard dimensions and coordinates: name -> (long_name, units).
COORDS = {
    "trial": ("trial", "1"),
    "time": ("time", "step"),
    "neuron": ("neuron index", "1"),
    "lag": ("lag tau (R(0) = I)", "step"),
    "omega": ("angular frequency", "rad/step"),
    "exponent": ("exponent index", "1"),
    "block": ("block of the measured window", "1"),
    "source": ("neuron index of the pulse", "1"),
    "estimator": ("estimator", "1"),
    "population": ("population", "1"),
    "g": ("gain g", "1"),
    "sample": ("orbit sample", "1"),
    "mode": ("eigenvalue rank", "1"),
    "point": ("fixed point", "1"),
    "angle": ("polar angle", "rad"),
    "phase": ("phase of a period-2 state", "1"),
    "time2": ("time s", "step"),
    "draw": ("sampled matrix", "1"),
}


#: long_name and units of the model's parameters when they are coordinates (a sweep's grid, a scan)
PARAMETERS = {
    "g": ("gain g", "1"), "gamma": ("leak gamma", "1"), "sigma": ("noise amplitude sigma", "1"),
    "N": ("number of neurons N", "1"), "J": ("coupling scale J", "1"), "Jbar": ("coupling mean scale Jbar", "1"),
    "theta_mean": ("threshold mean", "1"), "theta_std": ("threshold standard deviation", "1"),
}


def parameter_attrs(name):
    """``long_name`` and ``units`` of a parameter used as a coordinate (only ``long_name`` for an unknown
    name, whose units are not known)."""
    long_name, units = PARAMETERS.get(name, (name, None))
    return {"long_name": long_name, **({"units": units} if units else {})}


def coord(name, values, long_name=None, units=None):
    """A coordinate ``(name, values, attrs)`` with the vocabulary's long_name and units."""
    ln, un = COORDS.get(name, (name, "1"))
    return (name, np.asarray(values), {"long_name": long_name or ln, "units": units or un})


def status_variable(codes, dims=("trial",), what="trial"):
    """The CF status variable ``(dims, int8 codes, attrs)`` with every code of :data:`STATUS` flagged."""
    return (dims, np.asarray(codes, dtype=np.int8),
            {"long_name": f"status of the {what}", "units": "1",
             "flag_values": np.array(list(STATUS.values()), dtype=np.int8),
             "flag_meanings": " ".join(STATUS)})


def trial_status(alive):
    """Status codes of a batch from its ``alive`` flags: ok or diverged."""
    return np.where(np.asarray(alive, dtype=bool), STATUS["ok"], STATUS["diverged"]).astype(np.int8)


def provenance(title, method, params, seed_info=None, references="", comment=""):
    """CF-style global attributes: title, source (package version), method (equation numbers),
    parameters as JSON, seed entropy, references and the command line (history)."""
    attrs = {
        "title": title,
        "source": f"snt {__version__}",
        "method": method,
        "parameters": json.dumps(params, sort_keys=True, default=_json_default),
        "history": " ".join(shlex.quote(a) for a in sys.argv) if sys.argv and sys.argv[0] else "python",
        "references": references,
        "comment": comment,
    }
    attrs.update(seed_info or {})
    return attrs


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"cannot store {type(obj).__name__} in the parameters JSON")
