"""Public mean-field functions: evolve, stationary, critical_gain, critical_noise, scan (SCIENCE.md §4)."""

import logging
import math

import numpy as np
import xarray as xr

from .._checks import check_float, check_int
from ..io import provenance
from ..results import STATUS, status_variable
from ._gauss import HALF_WIDTH, MAX_STEP, auto_step, grid, moments, pair_row
from ._march import march
from ._model import model_of
from ._solve import anderson, lyapunov, refine_banded, slope_correlation, solve_banded, solve_gamma0
from ._states import select, state_attrs

_log = logging.getLogger(__name__)

REFERENCES = ("L. Molgedey, J. Schuchhardt, H. G. Schuster, Phys. Rev. Lett. 69, 3717 (1992); "
              "O. Moynot, M. Samuelides, Probab. Theory Relat. Fields 123, 41 (2002); "
              "B. Cessac, J. Phys. I France 5, 409 (1995); "
              "J. Kadmon, H. Sompolinsky, Phys. Rev. X 5, 041030 (2015)")

UNITS = {"units": "1"}

#: Largest input-covariance change |K(W) - K_inf|/(1-γ) left beyond the band of the stationary march.
BAND_TOL = 1e-8
#: largest number of accelerated iterations of one band refinement
REFINE_STEPS = 500


def gauss_grid(step, half_width):
    """The quadrature grid; ``step=None`` starts from 0.05 and lets the solvers refine it (auto)."""
    auto = step is None
    step = MAX_STEP if auto else check_float(step, "step", minimum=0.0, maximum=MAX_STEP, strict_min=True)
    half_width = check_float(half_width, "half_width", minimum=6.0, maximum=12.0)
    z, w = grid(step, half_width)
    return z, w, auto


#: Finest automatic quadrature step (2 x 900 nodes): beyond it (g sqrt(v) > ~1e3, a saturated tanh) the
#: integrals are not refined further and the result is flagged as not converged.
MIN_STEP = 0.01
#: Widest band of the stationary march (gamma -> 1 needs W ~ ln(tol)/ln(gamma)): beyond it, flagged.
MAX_BAND = 1500


def refined_grid(model, v_max, z, auto):
    """A finer grid when ``auto`` and the poles of tanh come too close for the current step (else None);
    the string "unresolved" when the step needed is below :data:`MIN_STEP`."""
    if not auto:
        return None
    need = auto_step(model.g, float(v_max), model.code, float(z[1] - z[0]))
    if need < MIN_STEP:
        return "unresolved"
    if need < float(z[1] - z[0]) * 0.999:
        return grid(need, float(z[-1]))
    return None


def _band_for(gamma, tol):
    """Band W with gamma^W <= tol (0 for gamma = 0)."""
    if gamma == 0.0:
        return 0
    return int(math.ceil(math.log(tol) / math.log(gamma)))


def _pop_coords(model):
    return {"population": ("population", np.arange(model.P), {"long_name": "population", "units": "1"})}


def _squeeze(ds, model):
    return ds.isel(population=0, drop=True) if model.params["kind"] == "Ensemble" else ds


def evolve(ens, steps, m0=0.0, v0=1.0, *, band=None, step=None, half_width=HALF_WIDTH):
    r"""Transient of the dynamic mean-field equations from u(0) ~ N(m0, v0) (SCIENCE.md E7--E9).

    Parameters
    ----------
    ens : snt.Ensemble or snt.meanfield.Populations
    steps : int
        Number of steps, ``steps >= 1``; times 0..steps are returned.
    m0, v0 : float
        Mean and variance of the initial state (the same in every population), ``v0 >= 0``.
    band : int, optional
        Band W of the two-time march: Δ(t, s) is computed from (E9) for :math:`|t - s| \le W`; beyond it the
        input covariance K is held at its value at lag W. The error this leaves at lag k decays like r^(W-k) with r
        the larger of γ and the decay of the correlation per lag (as for :func:`stationary`): each step adds
        only ~γ^(W-k), but the errors feed back through C(t, s) and accumulate, so when correlations decay
        slowly (chaos near onset) the error is far above γ^(W-k). Default: ``steps`` (exact) when
        ``steps <= 64``, else ``max(32, W_10)`` with γ^(W_10) <= 1e-10, which bounds only the one-step error;
        pass ``band=steps`` for exact entries.
    step : float, optional
        Trapezoid grid step of the Gaussian integrals, ``0 < step <= 0.05``. Default (None): 0.05, refined to
        :math:`\pi^2/(35 g\sqrt{v})` when the poles of tanh come close to the real axis (large g√v).
    half_width : float
        The grid covers :math:`|h| \le` ``half_width``, ``6 <= half_width <= 12`` (default 9).

    Returns
    -------
    xarray.Dataset
        ``m`` (time) mean of u (E7), ``M`` (time) mean activity <f(u)>, ``v`` (time) = Δ(t, t) and
        ``covariance`` (time, time2) = Δ(t, s), the covariance of u(t) and u(s); a ``population`` dim for
        :class:`Populations`.

    Notes
    -----
    .. math:: m(t+1) = \gamma m(t) + \bar J\int Dh\, f(m(t) + \sqrt{\Delta(t,t)}h) - \bar\theta \quad (E7)

    .. math:: \Delta(t+1,s+1) = \gamma\Delta(t,s+1) + \gamma\Delta(t+1,s) - \gamma^2\Delta(t,s)
              + J^2 C(t,s) + \sigma_\theta^2 + \sigma^2\delta_{ts} \quad (E8, E9)

    with :math:`\Delta(t+1, 0) = \gamma\Delta(t, 0)`. C(t, s) is a 2-D Gaussian integral (trapezoid rule),
    computed for a whole row of s at once. Cost: about ``steps * W`` 2-D integrals (~0.2 ms each, tanh).
    For γ = 0 the entries inside the band are exact; entries beyond the band are then K(t, t-W).

    References
    ----------
    .. [1] B. Cessac, J. Phys. I France 5, 409 (1995).
    .. [2] O. Moynot, M. Samuelides, Probab. Theory Relat. Fields 123, 41 (2002).

    Examples
    --------
    >>> import snt
    >>> tr = snt.meanfield.evolve(snt.Ensemble(J=1.0, g=2.0), steps=20)
    >>> round(float(tr.v[-1]), 4)
    0.5304
    """
    model = model_of(ens)
    steps = check_int(steps, "steps", minimum=1)
    m0 = check_float(m0, "m0")
    v0 = check_float(v0, "v0", minimum=0.0)
    if band is None:
        band = steps if steps <= 64 else min(steps, max(32, _band_for(model.gamma, 1e-10)))
    W = check_int(band, "band", minimum=1)
    W = min(W, steps)
    z, w, auto = gauss_grid(step, half_width)
    out = march(model, steps, m0, v0, W, z, w, full=True)
    finer = refined_grid(model, np.max(out["v"]), z, auto)
    if finer is not None:
        z, w = finer
        out = march(model, steps, m0, v0, W, z, w, full=True)
    time = np.arange(steps + 1)
    coords = {"time": ("time", time, {"long_name": "time", "units": "step"}),
              "time2": ("time2", time, {"long_name": "time s", "units": "step"}), **_pop_coords(model)}
    data = {
        "m": (("population", "time"), out["m"].T, {"long_name": "mean of u (E7)", **UNITS}),
        "M": (("population", "time"), out["M"].T, {"long_name": "mean activity <f(u)>", **UNITS}),
        "v": (("population", "time"), out["v"].T, {"long_name": "variance of u, Delta(t,t)", **UNITS}),
        "covariance": (("population", "time", "time2"), out["Delta"],
                        {"long_name": "covariance Delta(t,s) of u(t) and u(s) (E9)", **UNITS}),
    }
    exact = W >= steps or model.gamma == 0.0
    params = {"model": model.params, "steps": steps, "m0": m0, "v0": v0, "band": W, "grid_step": float(z[1] - z[0]),
              "half_width": float(z[-1])}
    attrs = provenance("Dynamic mean-field transient", "SCIENCE.md E7-E9: two-time march, trapezoid Gaussian "
                       "integrals", params, references=REFERENCES,
                       comment=("band covers all lags: exact up to quadrature" if W >= steps else
                                f"band W={W}: lags <= W " + ("exact (gamma = 0)" if exact else
                                f"with error ~ r^(W-k) at lag k, r = max(gamma = {model.gamma}, decay of "
                                f"the correlation per lag)") +
                                "; beyond W the input covariance K is held at its lag-W value"))
    attrs["band"] = W
    return _squeeze(xr.Dataset(data, coords=coords, attrs=attrs), model)


def _q_inf(model, m, v, q0, z, w, tol):
    """Long-lag covariance: the fixed point q = (Σ_b α_b J_ab² C_b(v, q) + σ_θ²) / (1-γ)², from q0."""
    P = model.P

    def G(q):
        C = np.array([pair_row(m[b], v[b], m[b:b + 1], v[b:b + 1], q[b:b + 1], model.g, model.code, z, w,
                               False)[0, 0] for b in range(P)])
        return (model.var @ C + model.theta_var) / (1.0 - model.gamma) ** 2
    q, _, _ = anderson(G, np.asarray(q0, dtype=float), tol, 500)
    return q


def solve_stationary(model, lags, tol, band, max_steps, m0, v0, z, w, auto=False, warm=None):
    """Stationary solution and λ_MF as a dict (the numbers behind :func:`stationary`); with ``auto`` the
    quadrature step is refined for the variance found (:func:`~snt.meanfield._gauss.auto_step`). ``warm``: a
    converged period-1 result of a neighbouring parameter set (γ > 0), from which the band is continued
    instead of marched from (m0, v0) (the root is still checked for stability; a failed warm start falls
    back on the march)."""
    if auto:
        step = _bound_step(model)
        if step >= MIN_STEP:
            z, w = grid(step, float(z[-1]))
    if model.gamma > 0 and band is None and _band_for(model.gamma, tol) + 8 > MAX_BAND:
        return _refused(model, lags, z, w, f"gamma = {model.gamma} needs a band W = ln(tol)/ln(gamma) = "
                        f"{_band_for(model.gamma, tol)} > {MAX_BAND}: not solved (pass band= or a larger tol)")
    r = _solve_on(model, lags, tol, band, max_steps, m0, v0, z, w, warm)
    finer = refined_grid(model, np.max(r["v"]), z, auto)
    if isinstance(finer, str):
        return {**r, "converged": False, "regime": "not converged", "state": 0,
                "state_reason": f"g sqrt(v) = {model.g * np.sqrt(np.max(r['v'])):.3g}: the transfer is saturated "
                                f"and the quadrature would need a step below {MIN_STEP}; values on the coarse grid "
                                "are not accurate"}
    if finer is not None:
        r = _solve_on(model, lags, tol, band, max_steps, m0, v0, *finer, warm)
    return r


#: Coarsest automatic quadrature step (the Gaussian weight alone is integrated to ~exp(-2 pi^2 / 0.2^2)).
AUTO_MAX_STEP = 0.2


def _bound_step(model):
    r"""Quadrature step accurate to ~1e-15 for every variance the state can have: with :math:`|f| \le 1`,
    :math:`v \le (\max_a \sum_b \alpha_b J_{ab}^2 + \sigma_\theta^2)/(1-\gamma)^2 + \sigma^2/(1-\gamma^2)`.
    tanh and logistic: poles at distance π/(2g√v) in h, step <= π²/(35 g√v); erf and normcdf (entire, Gaussian
    growth off the axis): f'² ~ exp(-k g²u²) with k = π/2 (erf) or 1 (normcdf): step <= π/√(40(k g²v + 1/2));
    at most :data:`AUTO_MAX_STEP`."""
    gam = model.gamma
    v = (float(np.max(model.var.sum(axis=1) + model.theta_var)) / (1.0 - gam) ** 2
         + model.sigma2 / (1.0 - gam * gam))
    gv = model.g * np.sqrt(v)
    if gv == 0.0:
        return AUTO_MAX_STEP
    if model.transfer in ("erf", "normcdf"):
        k = np.pi / 2.0 if model.transfer == "erf" else 1.0
        need = np.pi / np.sqrt(40.0 * (k * gv * gv + 0.5))
    else:
        need = auto_step(model.g, v, model.code, AUTO_MAX_STEP)
    return float(min(AUTO_MAX_STEP, need))


def _refused(model, lags, z, w, reason):
    """A 'not converged' result without solving (NaN values), for inputs outside the solver's reach."""
    P, nan = model.P, np.full(model.P, np.nan)
    D = np.full((P, lags + 1), np.nan)
    return {"m": nan, "v": nan, "M": nan, "q_inf": nan, "Delta": D, "C": D, "Q": D, "lambda": np.nan,
            "lambda_bulk": np.nan, "lambda_mean": np.nan, "lambda_mean_uncoupled": np.nan,
            "m_phase": np.full((2, P), np.nan), "v_phase": np.full((2, P), np.nan), "regime": "not converged",
            "state": 0, "state_reason": reason, "selection": "not attempted", "converged": False,
            "change": np.nan, "steps": 0, "W": 0, "edge_error": np.nan, "method": "not solved",
            "lambda_info": {"lambda_method": "not solved"}, "grid": (z, w)}


def _solve_on(model, lags, tol, band, max_steps, m0, v0, z, w, warm=None):
    """The attracting stationary (or period-2) state, its kind and λ_MF (see :mod:`._states`)."""
    return select(model, lags, tol, band, max_steps, m0, v0, z, w, _period1, warm=warm)


def _warm_start(model, W, z, w, tol, max_steps, warm):
    """Continue the band of a neighbouring converged solution (``warm``: a result dict with an optional
    ``keep_band``: start on its band if wider than W, else on W) ; None when it does not apply or does not
    converge."""
    keep_band = bool(warm and warm.get("keep_band"))
    if (warm is None or not warm.get("converged") or warm.get("period", 1) != 1 or "Delta" not in warm
            or np.shape(warm["Delta"])[0] != model.P or not np.all(np.isfinite(warm["Delta"]))):
        return None
    D = np.asarray(warm["Delta"], dtype=float)
    if keep_band:
        W = max(W, D.shape[1] - 1)
    D = D[:, :W + 1]
    D0 = np.concatenate([D, np.repeat(D[:, -1:], W + 1 - D.shape[1], axis=1)], axis=1)
    sol = refine_banded(model, W, z, w, max(tol, 1e-7), min(max_steps, REFINE_STEPS), np.asarray(warm["m"]), D0,
                        {"steps": 0, "method": "warm start from a neighbouring solution"})
    return sol if sol["converged"] else None


def _period1(model, lags, tol, band, max_steps, m0, v0, z, w, warm=None):
    """A time-translation invariant solution marched from (m0, v0) (or continued from ``warm``, see
    :func:`_solve`), with its bulk exponent (E11)."""
    if model.gamma == 0.0:
        sol = solve_gamma0(model, lags, z, w, tol, max_steps, m0, v0)
        W = lags
    else:
        W = band if band is not None else max(lags, _band_for(model.gamma, tol)) + 8
        sol = _warm_start(model, W, z, w, tol, max_steps, warm) if band is None else None
        if sol is not None:
            W = sol["Delta"].shape[1] - 1
        else:
            # converge coarsely first, widen the band if needed, then converge to tol on the final band
            sol = solve_banded(model, W, z, w, max(tol, 1e-7) if band is None else tol, max_steps, m0, v0)
    # Near the edge of chaos the correlations decay slowly (r -> 1) and the band the rule below asks for
    # grows without bound, each refinement costing O(W) pair integrals per iteration: the band is capped
    # (the solution is then reported as not converged, with its edge error) and so are the iterations.
    W_cap = max(8 * W, 512)
    refine_steps = min(max_steps, REFINE_STEPS)
    for _ in range(4):
        D = sol["Delta"]
        m, v = sol["m"], D[:, 0]
        q_inf = _q_inf(model, m, v, D[:, -1], z, w, tol)
        if model.gamma == 0.0 or band is not None:
            break
        # Beyond the band K is held at K(W); the error this feeds back is set by d_K = |K(W) - K_inf| (it
        # spreads inwards with the slowest of γ and the decay of the correlation, not with γ alone), so the
        # band is widened until d_K/(1-γ) <= max(tol, BAND_TOL).
        K_inf = (1.0 - model.gamma) ** 2 * q_inf
        Kw = model.var @ _row_C(model, m, v, D[:, -1], z, w) + model.theta_var
        d_K = float(np.max(np.abs(Kw - K_inf)))
        err = d_K / (1.0 - model.gamma)
        target = max(tol, BAND_TOL)
        if err <= target:
            if sol["change"] > tol:
                sol = refine_banded(model, W, z, w, tol, refine_steps, m, D, sol)
                if not sol["converged"]:
                    break
                continue
            break
        if W >= W_cap:
            sol = {**sol, "converged": False,
                   "method": sol["method"] + f"; band capped at W={W} (edge error {err:.1e} > {target:.0e})"}
            break
        # decay per lag, read in the middle of the band (the band's end is distorted by the truncation)
        h = W // 2
        num = float(np.max(np.abs(D[:, h] - q_inf)))
        den = float(np.max(np.abs(D[:, h - 1] - q_inf)))
        r = min(max(num / den if den > 0 else model.gamma, model.gamma), 0.99)
        extra = min(int(np.ceil(np.log(err / target) / np.log(1.0 / r))) + 2, W_cap - W)
        W += extra
        D0 = np.concatenate([D, np.repeat(D[:, -1:], extra, axis=1)], axis=1)
        sol = refine_banded(model, W, z, w, tol, refine_steps, m, D0, sol)
        if not sol["converged"]:
            break
    D = sol["Delta"]
    m = sol["m"]
    # Q(τ), C(τ): only up to the lag where Δ stops changing (then constant).
    diff = np.max(np.abs(np.diff(D, axis=1)), axis=0) if D.shape[1] > 1 else np.zeros(0)
    changing = np.nonzero(diff > 1e-3 * tol)[0]
    upto = min(D.shape[1] - 1, (changing[-1] + 2) if changing.size else 1)
    Qp, Cp = slope_correlation(model, m, D[:, :upto + 1], z, w)
    Q = np.concatenate([Qp, np.repeat(Qp[:, -1:], D.shape[1] - upto - 1, axis=1)], axis=1)
    C = np.concatenate([Cp, np.repeat(Cp[:, -1:], D.shape[1] - upto - 1, axis=1)], axis=1)
    v = D[:, 0]
    static = model.sigma2 == 0.0 and bool(np.all(np.abs(D - v[:, None]) <= 1e3 * tol * np.maximum(1.0, v)[:, None]))
    # extend Q with its last value for the eigenproblem (lags beyond the band are decorrelated)
    L_eig = max(4 * D.shape[1], 400)
    Qe = np.concatenate([Q, np.repeat(Q[:, -1:], L_eig - Q.shape[1] + 1, axis=1)], axis=1)
    lam, info = lyapunov(model, Qe, static)
    mom = moments(np.ascontiguousarray(m), np.ascontiguousarray(v), model.g, model.code, z, w)
    K = model.var @ C + model.theta_var[:, None]
    err = 0.0
    if model.gamma > 0:
        err = float(np.max(np.abs(K[:, -1] - (1.0 - model.gamma) ** 2 * q_inf))) / (1.0 - model.gamma)
    return {**sol, "Q": Q, "C": C, "lambda": lam, "lambda_info": info, "static": static,
            "M": mom[0], "fprime2": mom[3], "W": W, "edge_error": err, "q_inf": q_inf, "grid": (z, w)}


def _row_C(model, m, v, c, z, w):
    return np.array([pair_row(m[b], v[b], m[b:b + 1], v[b:b + 1], c[b:b + 1], model.g, model.code, z, w,
                              False)[0, 0] for b in range(model.P)])


def _lags_default(lags):
    return 30 if lags is None else check_int(lags, "lags", minimum=1)


def stationary(ens, *, lags=None, tol=1e-10, band=None, max_steps=5000, m0=0.0, v0=1.0, step=None,
               half_width=HALF_WIDTH):
    r"""Stationary state of the dynamic mean-field equations and the mean-field Lyapunov exponent.

    Parameters
    ----------
    ens : snt.Ensemble or snt.meanfield.Populations
    lags : int, optional
        Largest lag τ of the returned covariance Δ(τ) (default 30).
    tol : float
        Convergence tolerance: the march stops when m and Δ change by less than ``tol`` in a step,
        ``0 < tol < 1e-3``.
    band : int, optional
        Band W of the two-time march for γ > 0. Default: start from ``max(lags, W_tol) + 8`` with
        γ^(W_tol) <= tol and widen until the input covariance beyond the band is flat,
        :math:`|K(W) - K_\infty|/(1-\gamma) \le` max(tol, 1e-8). The truncation error decays like r^W with r the larger of γ and
        the decay of the correlation per lag (not γ^W alone when correlations decay slowly).
    max_steps : int
        Largest number of march steps and accelerated iterations.
    m0, v0 : float
        Initial condition of the march (the stationary state reached is the one it selects).
    step : float, optional
        Trapezoid grid step of the Gaussian integrals, ``0 < step <= 0.05``. Default (None): 0.05, refined to
        :math:`\pi^2/(35 g\sqrt{v})` when the poles of tanh come close to the real axis (large g√v).
    half_width : float
        The grid covers :math:`|h| \le` ``half_width``, ``6 <= half_width <= 12`` (default 9).

    Returns
    -------
    xarray.Dataset
        ``m`` mean of u, ``M`` mean activity <f>, ``v`` = Δ(0), ``q_inf`` = Δ(τ -> ∞), ``lambda_max``
        = max(``lambda_bulk``, ``lambda_mean``) (E11: bulk replica kernel, mean (outlier) mode coupled to
        the variance at a fixed point; ``lambda_mean_uncoupled`` = ln|γ + J̄<f'>|), ``state`` (flag with
        CF ``flag_values``/``flag_meanings``: not converged, fixed point, noise-driven (σ > 0, λ < 0),
        chaotic, period-2 mean, chaotic period-2 mean, marginal (λ = 0 not resolved)) and ``regime`` its
        label; ``m_phase``, ``v_phase`` (phase) the two phases of a period-2 state (equal otherwise; ``m``,
        ``v`` and the correlations are those of phase 0),
        ``covariance`` (lag) Δ(τ), ``activity_correlation`` (lag) C(τ) = E f(u(t)) f(u(t-τ)),
        ``slope_correlation`` (lag) Q(τ) = E f'(u(t)) f'(u(t-τ)), ``effective_units`` the participation
        number N <f'²>²/<f'⁴> of the slopes (at a fixed point λ of a size-N network scatters around λ_MF by
        ~ 1/√N_eff: :func:`finite_size_lambda` gives the law); a ``population`` dim for
        :class:`Populations` (``lambda_max`` and ``regime`` have none); ``status`` (CF flags: ok or
        not_converged) and ``final_change`` of the iteration. Attrs: ``converged`` (the same, as an int),
        ``final_change``, ``tolerance``, ``band``, ``band_error`` and the λ method.

    Notes
    -----
    The state reported is the one the march is attracted to from ``m0`` (``snt.meanfield._states``): a
    solution whose mean mode is unstable (a > 1, e.g. m = 0 for odd f, θ̄ = 0 and large J̄) is left for the
    ferromagnetic fixed point on the side of ``m0`` (or of +1); a < −1 gives a period-2 cycle of the mean,
    solved as a 2-cycle of the stationary map; an accelerated root whose stationary step has a multiplier
    > 1 is refused. The attrs ``selection`` and ``state_reason`` say what was tried and why a state is not
    decided. Inputs beyond the solver's reach (a saturated transfer, g√v ≳ 1e3; γ so close to 1 that the
    band would exceed 1500 lags) come back as "not converged" with the reason, in seconds.

    γ = 0: the one-time recursions m(t+1) = J̄<f> − θ̄, v(t+1) = J²<f²> + σ_θ² + σ² are marched to
    convergence (then Anderson-accelerated). (E9) then reads Δ(t+1, s+1) = J² C(t, s) + σ_θ²: a lag is fed
    by the same lag one step earlier, so Δ(τ) = q for all τ >= 1, the stable fixed point of
    q = J² C(v, q) + σ_θ² (C at covariance q) marched from q = 0 (q = 0 in chaos with m* = 0);
    λ_MF = ½ ln(J² <f'(u)²>) (E11).

    γ > 0: (E9) has no closed one-time recursion. It is marched with a band W (error ~ r^W, above) until it
    settles near the attractor (this selects the stable solution), then the time-translation invariant step
    is iterated with Anderson acceleration to ``tol``. λ_MF solves (E11): the top eigenvalue of

    .. math:: A(\lambda) = \gamma e^{\lambda}(S_+ + S_-) + \mathrm{diag}(J^2 Q(\tau) - \gamma^2),
              \quad \tau \in [-L, L],

    equals :math:`e^{2\lambda}`. For the fixed-point solution (σ = 0, Δ(τ) = v) the exact
    :math:`e^{\lambda} = \gamma + J\sqrt{\langle f'^2\rangle}` is used. For populations J² Q is the matrix
    :math:`\alpha_b J_{ab}^2 Q_b(\tau)` and the growth rate its Perron root (Kadmon & Sompolinsky 2015).

    References
    ----------
    .. [1] L. Molgedey, J. Schuchhardt, H. G. Schuster, Phys. Rev. Lett. 69, 3717 (1992).
    .. [2] B. Cessac, J. Phys. I France 5, 409 (1995).
    .. [3] O. Moynot, M. Samuelides, Probab. Theory Relat. Fields 123, 41 (2002).
    .. [4] J. Kadmon, H. Sompolinsky, Phys. Rev. X 5, 041030 (2015).

    Examples
    --------
    >>> import snt
    >>> st = snt.meanfield.stationary(snt.Ensemble(J=1.0, g=2.0))
    >>> round(float(st.v), 4), round(float(st.lambda_max), 4)
    (0.5304, 0.1547)
    """
    model = model_of(ens)
    lags = _lags_default(lags)
    tol = check_float(tol, "tol", minimum=0.0, maximum=1e-3, strict_min=True, strict_max=True)
    if band is not None:
        band = check_int(band, "band", minimum=max(lags, 2))
    max_steps = check_int(max_steps, "max_steps", minimum=1)
    m0 = check_float(m0, "m0")
    v0 = check_float(v0, "v0", minimum=0.0)
    z, w, auto = gauss_grid(step, half_width)
    r = solve_stationary(model, lags, tol, band, max_steps, m0, v0, z, w, auto)
    return _stationary_dataset(model, r, lags, tol, r["grid"][0])


def _effective_units(model, r):
    """N_a <f'^2>^2 / <f'^4> per population at (m, v) of phase 0 (N_a = alpha_a N)."""
    from ._finite import SLOPE_STEP, participation, slope_moments
    zs, ws = grid(SLOPE_STEP, HALF_WIDTH)
    N = float(model.params["N"])
    out = np.empty(model.P)
    for a in range(model.P):
        d2, d4 = slope_moments(float(r["m"][a]), float(r["v"][a]), model.g, model.code, zs, ws)
        out[a] = participation(model.alpha[a] * N, d2, d4)
    return out


def _stationary_dataset(model, r, lags, tol, z):
    lag = np.arange(lags + 1)
    coords = {"lag": ("lag", lag, {"long_name": "lag", "units": "step"}),
              "phase": ("phase", np.arange(2), {"long_name": "phase of a period-2 state", "units": "1"}), **_pop_coords(model)}
    pl = ("population", "lag")
    D = r["Delta"][:, :lags + 1]
    data = {
        "m": (("population",), r["m"], {"long_name": "mean of u, m* (E7)", **UNITS}),
        "M": (("population",), r["M"], {"long_name": "mean activity <f(u)>", **UNITS}),
        "v": (("population",), r["v"], {"long_name": "variance of u, v* = Delta(0)", **UNITS}),
        "q_inf": (("population",), r["q_inf"], {"long_name": "long-lag covariance q_inf", **UNITS}),
        "lambda_max": ((), r["lambda"], {"long_name": "mean-field maximal Lyapunov exponent (E11)",
                                         "units": "1/step",
                                         "comment": "the limit N -> infinity; at a fixed point lambda of one "
                                                    "network of size N scatters around it by ~ 1/sqrt("
                                                    "effective_units) (snt.meanfield.finite_size_lambda)"}),
        "lambda_bulk": ((), r["lambda_bulk"], {"long_name": "bulk exponent of the replica kernel (E11)",
                                               "units": "1/step"}),
        "lambda_mean": ((), r["lambda_mean"], {"long_name": "mean (outlier) mode exponent (E11), coupled to the "
                                                            "variance at a fixed point", "units": "1/step"}),
        "lambda_mean_uncoupled": ((), r["lambda_mean_uncoupled"],
                                  {"long_name": "ln|gamma + Jbar<f'>| (mean mode without the variance coupling)",
                                   "units": "1/step"}),
        "status": status_variable(STATUS["ok"] if r["converged"] else STATUS["not_converged"], dims=(),
                                  what="mean-field solve (not_converged: the change stayed above tol)"),
        "final_change": ((), float(r["change"]), {"long_name": "last relative change of the iteration "
                                                               "(converged when below the tolerance)", "units": "1"}),
        "state": ((), np.int8(r["state"]), state_attrs()),
        "regime": ((), r["regime"], {"long_name": "kind of mean-field state (label of state)", "units": "1"}),
        "m_phase": (("phase", "population"), r["m_phase"], {"long_name": "mean of u in each phase of a "
                                                                        "period-2 state (equal when stationary)",
                                                            **UNITS}),
        "v_phase": (("phase", "population"), r["v_phase"], {"long_name": "variance of u in each phase", **UNITS}),
        "covariance": (pl, D, {"long_name": "covariance Delta(tau) of u", **UNITS}),
        "activity_correlation": (pl, r["C"][:, :lags + 1], {"long_name": "C(tau) = E f(u(t)) f(u(t-tau))",
                                                             **UNITS}),
        "slope_correlation": (pl, r["Q"][:, :lags + 1], {"long_name": "Q(tau) = E f'(u(t)) f'(u(t-tau))",
                                                         **UNITS}),
        "effective_units": (("population",), _effective_units(model, r),
                            {"long_name": "participation number of the slopes, N_a <f'^2>^2 / <f'^4> (how many "
                                          "units carry <f'^2>; the finite-N spread of lambda at a fixed point "
                                          "is ~ 1/sqrt of it, SCIENCE.md §4)", "units": "1"}),
    }
    params = {"model": model.params, "lags": lags, "tol": tol, "band": r["W"], "grid_step": float(z[1] - z[0]),
              "half_width": float(z[-1])}
    method = f"SCIENCE.md E7-E11: {r['method']}; {r['lambda_info']['lambda_method']}"
    attrs = provenance("Dynamic mean-field stationary state", method, params, references=REFERENCES,
                       comment="Exact as N -> infinity for iid Gaussian couplings; near the onset of chaos "
                               "finite networks do not follow it (SCIENCE.md §4).")
    band_error = 0.0 if model.gamma == 0 else r["edge_error"]
    _log.info("mean field %s: %s after %d steps (change %.2g, tol %.2g), regime %s", model.params,
              "converged" if r["converged"] else "NOT converged", int(r["steps"]),
              float(r["change"]), tol, r["regime"])
    attrs.update({"converged": int(r["converged"]), "final_change": float(r["change"]), "tolerance": tol,
                  "steps": int(r["steps"]), "band": int(r["W"]),
                  "band_error": float(band_error),
                  "band_error_note": "|K(W)-K_inf|/(1-gamma): the input covariance neglected beyond the band; "
                                     "the error of Delta near the diagonal is smaller by about "
                                     "max(gamma, correlation decay per lag)^(W-lag) (0: exact for gamma = 0)",
                  "eigenvector_edge_weight": float(r["lambda_info"].get("eigenvector_edge_weight", 0.0)),
                  "state_reason": r["state_reason"], "selection": r["selection"]})
    return _squeeze(xr.Dataset(data, coords=coords, attrs=attrs), model)
