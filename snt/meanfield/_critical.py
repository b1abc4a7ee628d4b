"""Critical gain (E10 / λ_MF = 0), critical noise (λ_MF = 0) and parameter scans (SCIENCE.md §4)."""

import numpy as np
import scipy.optimize
import xarray as xr

from .._checks import check_float
from ..io import provenance
from ..results import parameter_attrs
from ._gauss import HALF_WIDTH, moments
from ._model import model_of
from ._solve import anderson
from ._theory import REFERENCES, gauss_grid, refined_grid, solve_stationary, stationary


def _static_solution(model, z, w, tol=1e-13):
    """Fixed-point solution (σ = 0): (1-γ) m = Σ αJ̄ <f> − θ̄, (1-γ)² v = Σ αJ² <f²> + σ_θ² (SCIENCE.md §4),
    continued from its J = 0 value m = −θ̄/(1-γ), v = σ_θ²/(1-γ)²."""
    P = model.P
    a = 1.0 - model.gamma

    def G(x):
        mom = moments(np.ascontiguousarray(x[:P]), np.ascontiguousarray(np.maximum(x[P:], 0.0)), model.g,
                      model.code, z, w)
        return np.concatenate([(model.mean @ mom[0] - model.theta) / a,
                               (model.var @ mom[1] + model.theta_var) / a ** 2])
    x = np.concatenate([-model.theta / a, model.theta_var / a ** 2])
    for _ in range(20):
        x = G(x)
    x, res, _ = anderson(G, x, tol, 2000)
    mom = moments(np.ascontiguousarray(x[:P]), np.ascontiguousarray(np.maximum(x[P:], 0.0)), model.g, model.code,
                  z, w)
    return x[:P], x[P:], mom, res


def _e10(model, z, w, auto):
    """sqrt(ρ(α_b J_ab² <f'²>_b)) − (1 − γ) on the fixed-point solution (E10)."""
    _, v, mom, _ = _static_solution(model, z, w)
    finer = refined_grid(model, np.max(v), z, auto)
    if finer is not None:
        _, _, mom, _ = _static_solution(model, *finer)
    M = model.var * mom[3][None, :]
    return float(np.sqrt(np.max(np.abs(np.linalg.eigvals(M))))) - (1.0 - model.gamma)


def _lam(ens, z, w, auto, tol=1e-11, caller="critical value", warm=None):
    """λ_MF of the attracting state and the solution; refuses (RuntimeError) an evaluation that did not
    converge, so that a root finder never brackets on an unconverged number. ``warm``: a neighbouring
    solution to continue from (see ``_theory._solve``)."""
    model = model_of(ens)
    r = solve_stationary(model, 8, tol, None, 5000, 0.0, 1.0, z, w, auto, warm=warm)
    if not r["converged"] or r["regime"] == "not converged" or not np.isfinite(r["lambda"]):
        raise RuntimeError(f"{caller}: the mean-field state at g = {ens.g}, sigma = {ens.sigma} did not converge "
                           f"({r.get('state_reason') or 'tolerance not reached'}); no critical value is returned")
    return r["lambda"], r


class _Along:
    """λ_MF along one parameter, memoised, each solve continued from the nearest value solved so far (the
    root finders evaluate nearby points, often the same bracket end twice)."""

    def __init__(self, ens, name, z, w, auto, caller):
        self.ens, self.name, self.z, self.w, self.auto, self.caller = ens, name, z, w, auto, caller
        self.done = {}

    def __call__(self, x):
        x = float(x)
        if x not in self.done:
            near = min(self.done, key=lambda y: abs(y - x)) if self.done else None
            # close points of a root search need the same band: keep it
            warm = {**self.done[near][1], "keep_band": True} if near is not None else None
            self.done[x] = _lam(self.ens.replace(**{self.name: x}), self.z, self.w, self.auto, caller=self.caller,
                                warm=warm)
        return self.done[x][0]


def _first_root(fun, lo, factor, limit, xtol, below=None, f_lo=None):
    """Smallest x > lo (geometric scan by ``factor`` up to ``limit``) where fun changes sign from < 0 to >= 0,
    refined by brentq. Returns nan when there is none. ``below`` < lo is a point known to have fun < 0:
    when fun(lo) >= 0 already, the root is refined in [below, lo] (else lo is returned). ``f_lo``: fun(lo)
    if already known."""
    x0, f0 = lo, (fun(lo) if f_lo is None else f_lo)
    if f0 >= 0:
        if below is None:
            return lo
        return scipy.optimize.brentq(fun, below, lo, xtol=xtol, rtol=1e-15, maxiter=200)
    x = x0
    while x < limit:
        x1 = min(x * factor, limit)
        f1 = fun(x1)
        if f1 >= 0:
            return scipy.optimize.brentq(fun, x, x1, xtol=xtol, rtol=1e-15, maxiter=200)
        x = x1
    return float("nan")


def critical_gain(ens, *, g_max=1e3, step=None, half_width=HALF_WIDTH):
    r"""Critical gain g_c of the ensemble's other parameters (SCIENCE.md E10, E11).

    Parameters
    ----------
    ens : snt.Ensemble or snt.meanfield.Populations
        Everything but ``g`` is used.
    g_max : float
        Largest gain searched, ``g_max > 0``.
    step, half_width : float
        Trapezoid grid of the Gaussian integrals (as in :func:`stationary`).

    Returns
    -------
    float
        σ = 0: the smallest g where the fixed-point solution loses stability,
        :math:`\rho(\alpha_b J_{ab}^2\langle f'^2\rangle_b) = (1-\gamma)^2` (E10; for θ = J̄ = 0 and an odd
        transfer this is :math:`g_c J = 1 - \gamma`). σ > 0: the gain where λ_MF = 0 (E11), searched upward from the σ = 0
        value when λ_MF < 0 there (noise suppresses chaos), downward otherwise (noise-induced chaos, e.g. a
        threshold that puts the mean on the flat part of f). NaN if none below g_max.

    Notes
    -----
    The mean mode can lose stability first when :math:`|\gamma + \bar J\langle f'\rangle| \ge 1` (E10);
    that is not what is returned here. For σ > 0 and γ > 0 every evaluation is a full stationary solution,
    memoised and continued from the band of Δ at the nearest gain already solved (its stability is checked
    again; a start that does not converge falls back on the march): a few seconds in all.

    References
    ----------
    .. [1] B. Cessac, J. Phys. I France 5, 409 (1995).
    .. [2] L. Molgedey, J. Schuchhardt, H. G. Schuster, Phys. Rev. Lett. 69, 3717 (1992).

    Examples
    --------
    >>> import snt
    >>> round(snt.meanfield.critical_gain(snt.Ensemble(J=1.0, gamma=0.5)), 6)
    0.5
    """
    model_of(ens)
    g_max = check_float(g_max, "g_max", minimum=0.0, strict_min=True)
    z, w, auto = gauss_grid(step, half_width)
    # E10 at g = 0 is -(1 - γ) < 0
    g_static = _first_root(lambda g: _e10(model_of(ens.replace(g=g, sigma=0.0)), z, w, auto), 1e-3, 1.2, g_max,
                           1e-14, below=0.0)
    if ens.sigma == 0.0 or not np.isfinite(g_static):
        return float(g_static)

    lam = _Along(ens, "g", z, w, auto, "critical_gain")
    lam_static = lam(g_static)
    if lam_static < 0:
        return float(_first_root(lam, g_static, 1.2, g_max, 1e-10, f_lo=lam_static))
    # noise-induced chaos: with a threshold that parks the mean on the flat part of f, the noise widens v
    # and raises <f'^2>, so λ_MF > 0 already below the static g_c. Step down to a stable gain (λ_MF → ln γ
    # or −∞ as g → 0) and refine the crossing there.
    hi = g_static
    while hi > 1e-6:
        lo = hi / 1.2
        if lam(lo) < 0:
            return float(scipy.optimize.brentq(lam, lo, hi, xtol=1e-10, rtol=1e-15, maxiter=200))
        hi = lo
    return float("nan")  # not reached for the transfer functions here: λ_MF -> ln γ (or -inf) as g -> 0


def critical_noise(ens, *, sigma_max=1e2, step=None, half_width=HALF_WIDTH):
    r"""Critical noise σ_c where the mean-field Lyapunov exponent crosses 0 (SCIENCE.md E11).

    Noise lowers λ_MF through v* only (Molgedey, Schuchhardt & Schuster 1992). For γ > 0 σ_c differs from
    the local criterion :math:`J^2\langle f'^2\rangle = (1-\gamma)^2`.

    Parameters
    ----------
    ens : snt.Ensemble or snt.meanfield.Populations
        Everything but ``sigma`` is used.
    sigma_max : float
        Largest noise searched.
    step, half_width : float
        Trapezoid grid of the Gaussian integrals (as in :func:`stationary`).

    Returns
    -------
    float
        σ_c; 0.0 when λ_MF <= 0 already at σ = 0; NaN if λ_MF > 0 up to ``sigma_max``.

    References
    ----------
    .. [1] L. Molgedey, J. Schuchhardt, H. G. Schuster, Phys. Rev. Lett. 69, 3717 (1992).

    Examples
    --------
    >>> import snt
    >>> sc = snt.meanfield.critical_noise(snt.Ensemble(J=1.0, g=2.0))
    >>> 0.5 < sc < 2.0
    True
    """
    model_of(ens)
    sigma_max = check_float(sigma_max, "sigma_max", minimum=0.0, strict_min=True)
    z, w, auto = gauss_grid(step, half_width)

    lam = _Along(ens, "sigma", z, w, auto, "critical_noise")

    def minus_lam(s):
        return -lam(s)
    if minus_lam(0.0) >= 0:
        return 0.0
    return float(_first_root(minus_lam, 1e-2, 1.5, sigma_max, 1e-12, below=0.0))


def scan(ens, name, values, **options):
    """The stationary state (:func:`stationary`) along one parameter of the ensemble.

    Parameters
    ----------
    ens : snt.Ensemble or snt.meanfield.Populations
    name : str
        A scalar field of ``ens`` (e.g. ``"g"``, ``"sigma"``, ``"gamma"``, ``"theta_std"``).
    values : sequence of float
    **options
        Passed to :func:`stationary` (``lags``, ``tol``, ...).

    Returns
    -------
    xarray.Dataset
        The variables of :func:`stationary` with a leading dim ``name``.

    Examples
    --------
    >>> import snt
    >>> ds = snt.meanfield.scan(snt.Ensemble(J=1.0), "g", [0.5, 2.0], lags=4)
    >>> [str(r) for r in ds.regime.values]
    ['fixed point', 'chaotic']
    """
    model_of(ens)
    if not isinstance(name, str) or not hasattr(ens, name) or name in ("N", "transfer", "fractions"):
        raise ValueError(f"name must be a scalar parameter of the ensemble such as 'g' or 'sigma', got {name!r}")
    values = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"values must be a non-empty 1-D sequence of finite numbers, got {values!r}")
    parts = [stationary(ens.replace(**{name: float(x)}), **options) for x in values]
    ds = xr.concat(parts, dim=name, combine_attrs="drop_conflicts")  # keeps every variable's attrs
    ds = ds.assign_coords({name: (name, values, parameter_attrs(name))})
    ds.attrs = provenance(f"Dynamic mean-field stationary state along {name}", parts[0].attrs["method"],
                          {"base": parts[0].attrs["parameters"], "name": name, "values": values.tolist()},
                          references=REFERENCES)
    return ds
