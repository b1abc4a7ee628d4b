r"""The fixed point followed in the gain and the first bifurcation of the noiseless map (SCIENCE.md E2, E5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.optimize
import xarray as xr

from .._checks import check_array, check_float, check_int
from ..results import STATUS, coord, provenance, status_variable
from .._transfer_codes import ODD_TRANSFERS
from ..simulate import check_network
from ..stability import first_crossing, follow_branch, jacobian
from ._orbits import REFERENCES

if TYPE_CHECKING:
    from ..network import Network

__all__ = ["fixed_point_continuation", "first_bifurcation"]


def _newton(net, u, tol=1e-11):
    """Fixed point of the noiseless map near u (None if Newton fails)."""
    eye = np.eye(net.N)

    def G(x):
        return (net.gamma - 1.0) * x + net.J @ net.f(x) - net.theta

    sol = scipy.optimize.root(G, u, jac=lambda x: jacobian(net, x) - eye, method="hybr", options={"xtol": 1e-13})
    x = sol.x
    if not np.all(np.isfinite(x)) or np.max(np.abs(G(x))) > tol:
        return None
    return x


def _leading(ev, k):
    order = np.lexsort((-ev.imag, -np.abs(ev)))
    return ev[order[:k]]


def _track(net, g0, u0, g1, slope, max_change=0.2, halvings=24):
    """Follow the fixed point from (g0, u0) to g1 by Newton steps with a secant predictor, halving the step
    when Newton fails or the fixed point moves by more than ``max_change`` (max norm) in one step, so that
    Newton cannot jump to another branch. Returns ``(u(g1), slope, None)``, or ``(None, slope, (g, u))`` with
    the last point reached when the step falls below (g1 - g0) / 2**halvings: the branch turns back there
    (a fold, where du*/dg diverges)."""
    g, u = g0, u0
    h_min = (g1 - g0) / 2.0 ** halvings
    h = g1 - g0
    while g < g1:
        h = min(h, g1 - g)
        x = _newton(net.replace(g=g + h), u + slope * h)
        if x is None or np.max(np.abs(x - u)) > max_change:
            h /= 2.0
            if h < h_min:
                return None, slope, (g, u)
            continue
        slope = (x - u) / h
        g, u = (g1 if h == g1 - g else g + h), x
        h *= 2.0
    return u, slope, None


def fixed_point_continuation(net, gains, *, modes=6):
    r"""Follow the fixed point of the noiseless map in g from :math:`u^*(0) = -\theta/(1-\gamma)` by
    pseudo-arclength continuation (:func:`snt.stability.follow_branch`), with the leading eigenvalues of
    :math:`DF(u^*)` (E2) at the grid gains.

    The branch is followed in (u, g) with a predictor along its tangent and a Newton corrector constrained to
    the arclength, so it cannot jump to another branch on any grid; at a fold (the branch turns back in g, a
    saddle-node) it ends, located by bisection. Grid gains on the branch are then solved by Newton at fixed g
    from the interpolated branch point.

    Returns
    -------
    xarray.Dataset
        ``u_star`` (g, neuron) (NaN beyond the branch end), ``modulus`` and ``angle`` (g, mode) of the
        ``modes`` leading eigenvalues, ``spectral_radius`` (g), ``found`` (g) and ``status`` (g) (CF flags:
        ok, or branch_lost beyond the branch end); ``branch_end`` () the gain where the branch ends (NaN if
        it reached the last gain), ``branch_end_state`` (neuron) u* there (NaN if none) and
        ``branch_end_kind`` () "fold", "lost (corrector failed)" or "none".
    """
    check_network(net)
    gains = check_array(gains, "gains")
    if gains.ndim != 1 or gains.size == 0 or np.any(np.diff(gains) <= 0) or gains[0] < 0:
        raise ValueError("gains must be increasing values >= 0")
    modes = check_int(modes, "modes", minimum=1, maximum=net.N)
    net0 = net.replace(sigma=0.0)
    U = np.full((gains.size, net.N), np.nan)
    ev = np.full((gains.size, modes), np.nan + 0j)
    found = np.zeros(gains.size, dtype=bool)
    end = None
    u = _newton(net0.replace(g=float(gains[0])), -net0.theta / (1.0 - net0.gamma))
    if u is not None:
        span = max(float(gains[-1] - gains[0]), 1e-12)
        branch = follow_branch(net0.replace(g=float(gains[0])), u, float(gains[-1]),
                               ds_max=min(0.05, span / 4) * (1.0 + float(np.max(np.abs(u)))))
        bg, bu = branch["g"], branch["u"]
        if branch["fold"] is not None:
            end = branch["fold"]
        elif branch["lost"] is not None:
            end = branch["lost"]
        top = bg.max()
        for i, g in enumerate(gains):
            if g > top + 1e-14:
                break
            j = int(np.clip(np.searchsorted(bg, g), 1, bg.size - 1)) if bg.size > 1 else 0
            if bg.size > 1 and bg[j] != bg[j - 1]:
                a = (g - bg[j - 1]) / (bg[j] - bg[j - 1])
                guess = (1 - a) * bu[j - 1] + a * bu[j]
            else:
                guess = bu[j]
            x = _newton(net0.replace(g=float(g)), guess)
            if x is None or np.max(np.abs(x - guess)) > 0.5 * (1.0 + np.max(np.abs(guess))):
                break
            U[i], found[i] = x, True
            ev[i] = _leading(np.linalg.eigvals(jacobian(net0.replace(g=float(g)), x)), modes)
    data = {
        "u_star": (("g", "neuron"), U, {"long_name": "fixed point u*", "units": "1"}),
        "modulus": (("g", "mode"), np.abs(ev), {"long_name": "|eigenvalue| of DF(u*)", "units": "1"}),
        "angle": (("g", "mode"), np.angle(ev), {"long_name": "argument of the eigenvalue", "units": "rad"}),
        "spectral_radius": (("g",), np.abs(ev[:, 0]), {"long_name": "spectral radius of DF(u*)", "units": "1"}),
        "found": (("g",), found, {"long_name": "on the followed branch", "units": "1"}),
        "status": status_variable(np.where(found, STATUS["ok"], STATUS["branch_lost"]), ("g",), "grid gain"),
        "branch_end": ((), float("nan") if end is None else float(end[0]),
                       {"long_name": "gain where the branch ends (NaN: it reached the last gain)", "units": "1"}),
        "branch_end_state": (("neuron",), np.full(net.N, np.nan) if end is None else np.asarray(end[1], float),
                             {"long_name": "fixed point u* where the branch ends", "units": "1"}),
        "branch_end_kind": ((), "none" if end is None else
                            "fold" if branch["fold"] is not None else "lost (corrector failed)",
                            {"long_name": "how the branch ends", "units": "1"}),
    }
    coords = {"g": coord("g", gains), "mode": coord("mode", np.arange(modes)),
              "neuron": coord("neuron", np.arange(net.N))}
    attrs = provenance("Fixed-point continuation in the gain", "SCIENCE.md E2, E5: pseudo-arclength "
                       "continuation, Newton at the grid gains", {"network": net.params(), "modes": modes},
                       {"seed_entropy": "none (deterministic)", "seed_spawn_key": ""}, references=REFERENCES)
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _bifurcation_type(mu):
    angle = abs(np.angle(mu))
    if angle < 1e-6:
        return "pitchfork"
    if abs(angle - np.pi) < 1e-6:
        return "flip"
    return "Neimark-Sacker"


def first_bifurcation(net: Network, *, method: str = "auto", g_max: float | None = None, points: int = 200,
                      modes: int = 6) -> xr.Dataset:
    r"""The gain at which the fixed point first loses stability, and the type of the bifurcation (E5).

    Parameters
    ----------
    net : Network
        Its own g is ignored; sigma is set to 0.
    method : {"auto", "origin", "continuation"}
        "origin" uses E5 with the eigenvalues of J (requires θ = 0); "continuation" follows the fixed point
        from g = 0 and locates :math:`\rho(DF(u^*)) = 1` by Brent's method; "auto" picks "origin" when θ = 0.
    g_max : float, optional
        Largest gain searched by continuation (default 4 (1 − γ)/ρ(J)).
    points : int
        Continuation grid size before the root is refined.
    modes : int
        Leading eigenvalues returned along the path (at most N).

    Returns
    -------
    xarray.Dataset
        Scalars ``g_critical``, ``mu_modulus``/``mu_angle`` (the critical eigenvalue of DF at
        ``g_critical``: :math:`\gamma + g_c\mu` at the origin), ``kind`` ("pitchfork", "flip", "Neimark-Sacker",
        "saddle-node" or "none found"); along ``g`` the leading ``modulus``/``angle`` (g, mode) of DF at the
        fixed point.

    Notes
    -----
    Pitchfork: the critical eigenvalue of DF is +1 and the branch goes on (odd f at the origin);
    saddle-node: the followed branch ends at a fold (eigenvalue +1 there, ``g_critical`` is where the adaptive
    continuation stopped, within :math:`2^{-24}` of a grid step); flip: −1; Neimark–Sacker: a complex pair
    :math:`e^{\pm i\omega}`, after which a finite network shows an invariant circle (quasi-periodic M(t),
    λ = 0).
    """
    check_network(net)
    if method not in ("auto", "origin", "continuation"):
        raise ValueError(f"method must be 'auto', 'origin' or 'continuation', got {method!r}")
    points = check_int(points, "points", minimum=4)
    modes = min(check_int(modes, "modes", minimum=1), net.N)
    net0 = net.replace(sigma=0.0)
    # the origin is a fixed point (with the u -> -u symmetry) only for theta = 0 and an odd f
    at_origin = bool(np.all(net0.theta == 0.0)) and net0.transfer in ODD_TRANSFERS
    if method == "auto":
        method = "origin" if at_origin else "continuation"
    if method == "origin" and not at_origin:
        raise ValueError("method='origin' needs theta = 0 and an odd transfer ('tanh' or 'erf'; the origin must "
                         f"be a fixed point), got transfer={net0.transfer!r}; use 'continuation'")
    mu_J = np.linalg.eigvals(net0.J)
    rho_J = float(np.max(np.abs(mu_J))) if net0.N else 0.0
    if g_max is None:
        g_max = 4.0 * (1.0 - net0.gamma) / max(rho_J, 1e-12)
    g_max = check_float(g_max, "g_max", minimum=0.0, strict_min=True)
    gains = np.linspace(0.0, g_max, points)
    if method == "origin":
        # DF(0) = gamma I + g J: eigenvalues gamma + g mu, modulus along the grid in closed form.
        g_c, mu = first_crossing(mu_J, net0.gamma)
        crit = net0.gamma + g_c * mu if np.isfinite(g_c) else complex(np.nan, np.nan)
        kind = "none found" if not np.isfinite(g_c) else _bifurcation_type(crit)
        lead = np.array([_leading(net0.gamma + g * mu_J, modes) for g in gains])
    else:
        path = fixed_point_continuation(net0, gains, modes=modes)
        rho = path.spectral_radius.values
        lead = path.modulus.values * np.exp(1j * path.angle.values)
        # the first grid gain past the event: rho >= 1 on the branch, or the branch lost (a fold: Newton has no
        # fixed point left nearby, the critical eigenvalue tends to +1 as the branch turns back)
        found = path.found.values
        ends = np.nonzero((rho >= 1.0) | ~found)[0]
        if ends.size == 0 or ends[0] == 0:
            g_c, crit, kind = np.inf, complex(np.nan, np.nan), "none found"
        else:
            i = ends[0]
            lo, hi = gains[i - 1], gains[i]
            u_lo = path.u_star.values[i - 1]
            crit = None
            if not found[i] and np.isfinite(float(path.branch_end)):
                # the branch was lost between lo and hi: at a fold the critical eigenvalue reaches +1 there
                g_end, u_end = float(path.branch_end), path.branch_end_state.values
                ev_end = _leading(np.linalg.eigvals(jacobian(net0.replace(g=g_end), u_end)), 1)[0]
                if abs(ev_end) > 1.0 + 1e-6:  # crossed rho = 1 before it was lost
                    hi = g_end
                elif abs(np.angle(ev_end)) < 1e-6:
                    g_c, crit, kind = g_end, ev_end, "saddle-node"
                else:
                    raise RuntimeError(f"first_bifurcation: lost the fixed-point branch at g = {g_end:.6g} with "
                                       f"a stable leading eigenvalue {ev_end:.4g} (not a fold); refine `points`")
            if crit is None:
                def excess(g):
                    x = _track(net0, lo, u_lo, float(g), np.zeros(net0.N))[0]
                    if x is None:
                        return 1.0
                    return float(np.max(np.abs(np.linalg.eigvals(jacobian(net0.replace(g=float(g)), x))))) - 1.0

                g_c = scipy.optimize.brentq(excess, lo, hi, xtol=1e-12)
                x = _track(net0, lo, u_lo, g_c, np.zeros(net0.N))[0]
                if x is None:
                    raise RuntimeError(f"first_bifurcation: lost the fixed-point branch at g = {g_c:.6g} "
                                       f"(between the grid gains {lo:.6g} and {hi:.6g}); refine `points`")
                crit = _leading(np.linalg.eigvals(jacobian(net0.replace(g=g_c), x)), 1)[0]
                kind = _bifurcation_type(crit)
                if kind == "pitchfork" and not at_origin:
                    # a +1 crossing on a branch that goes on, without the u -> -u symmetry (theta != 0 or f
                    # not odd)
                    kind = "transcritical"
    assert crit is not None  # every path above that reaches here sets it
    data = {
        "g_critical": ((), float(g_c), {"long_name": "gain of the first bifurcation", "units": "1"}),
        "mu_modulus": ((), float(abs(crit)), {"long_name": "modulus of the critical eigenvalue", "units": "1"}),
        "mu_angle": ((), float(np.angle(crit)), {"long_name": "argument of the critical eigenvalue",
                                                  "units": "rad"}),
        "kind": ((), kind, {"long_name": "bifurcation type", "units": "1"}),
        "modulus": (("g", "mode"), np.abs(lead), {"long_name": "|eigenvalue| of DF at the fixed point",
                                                   "units": "1"}),
        "angle": (("g", "mode"), np.angle(lead), {"long_name": "argument of the eigenvalue", "units": "rad"}),
    }
    coords = {"g": coord("g", gains), "mode": coord("mode", np.arange(lead.shape[1]))}
    attrs = provenance("First bifurcation of the fixed point", f"SCIENCE.md E5 ({method})",
                       {"network": net.params(), "method": method, "g_max": g_max, "points": points},
                       {"seed_entropy": "none (deterministic)", "seed_spawn_key": ""}, references=REFERENCES)
    return xr.Dataset(data, coords=coords, attrs=attrs)
