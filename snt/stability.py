r"""Linear stability of the SNT map: Jacobian, contraction gain, fixed points and the coupling spectrum
(SCIENCE.md E2--E5).

.. math:: DF(u) = \gamma I + J \Lambda(u), \qquad \Lambda = \mathrm{diag}(f'(u_i))

with :math:`f'` including the gain g (tanh: :math:`f'(x) = g\,\mathrm{sech}^2(gx)`). A fixed point
:math:`u^*` of the noiseless map is stable when the spectral radius :math:`\rho(DF(u^*)) < 1`; there the
maximal Lyapunov exponent is :math:`\ln \rho(DF(u^*))`.

References: B. Cessac, J. Stat. Phys. 80, 1995 (doi:10.1007/BF02178552); B. Doyon, B. Cessac, M. Quoy,
M. Samuelides, Int. J. Bifurc. Chaos 3, 279 (1993) (doi:10.1142/S0218127493000210); V. L. Girko (circular
law), Theory Probab. Appl. 29, 694 (1985); H. J. Sommers et al., PRL 60, 1895 (1988) (elliptic law).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numbers

import numpy as np
import scipy.optimize
import xarray as xr

from . import _kernels as kernels
from ._checks import check_array, check_float, check_int
from ._seeds import as_seed_sequence, children, describe
from .ensembles import spectral_law
from .results import coord, provenance
from .simulate import check_network
from ._typing import ArrayLike, SeedLike

if TYPE_CHECKING:
    from .network import Network

__all__ = ["jacobian", "contraction_gain", "fixed_points", "coupling_spectrum", "follow_branch",
           "first_crossing"]

_REFS = ("Cessac, J. Stat. Phys. 80, 1067 (1995), doi:10.1007/BF02178552; Doyon, Cessac, Quoy, Samuelides, "
         "Int. J. Bifurc. Chaos 3, 279 (1993), doi:10.1142/S0218127493000210")


def jacobian(net: Network, u: ArrayLike) -> np.ndarray:
    r"""The Jacobian :math:`DF(u) = \gamma I + J\,\mathrm{diag}(f'(u))` of the map (SCIENCE.md E2).

    Parameters
    ----------
    net : Network
    u : (N,) or (B, N) array_like
        State(s) at which to evaluate it.

    Returns
    -------
    (N, N) or (B, N, N) float64 ndarray
        ``DF[i, j] = gamma * delta_ij + J[i, j] * f'(u_j)``; :math:`f'` includes the gain g.

    Examples
    --------
    >>> import numpy as np, snt
    >>> net = snt.Network(np.array([[0.0, 1.0], [-1.0, 0.0]]), g=0.5, gamma=0.1)
    >>> snt.jacobian(net, np.zeros(2))
    array([[ 0.1,  0.5],
           [-0.5,  0.1]])
    """
    check_network(net)
    N = net.N
    u = check_array(u, "u")
    if u.shape[-1:] != (N,) or u.ndim not in (1, 2):
        raise ValueError(f"u must have shape ({N},) or (B, {N}) to match the network, got {u.shape}")
    slope = net.fprime(u)
    out = net.J * slope[..., None, :]
    idx = np.arange(N)
    out[..., idx, idx] += net.gamma
    return out


def contraction_gain(net: Network) -> float:
    r"""The contraction gain :math:`g_{as} = (1 - \gamma) / \|J\|_2` of this network (SCIENCE.md E3).

    For :math:`g < g_{as}` the map is a contraction (:math:`\gamma + \max f'\,\|J\|_2 < 1`; :math:`\max f' = g`
    for tanh and erf, :math:`g/\sqrt{2\pi}` for normcdf, g/2 for logistic, so
    :math:`g_{as} = (1-\gamma)/(c\,\|J\|_2)` with c = 1, 1, :math:`1/\sqrt{2\pi}`, 1/2): a unique, globally
    attracting fixed point. A sufficient condition only: for iid J and tanh, :math:`\|J\|_2 \to 2J`, so
    :math:`g_{as} \to (1-\gamma)/(2J)`, half the edge of chaos :math:`g_c = (1-\gamma)/J` (E10).

    Parameters
    ----------
    net : Network

    Returns
    -------
    float
        ``inf`` when J = 0.

    Examples
    --------
    >>> import numpy as np, snt
    >>> snt.contraction_gain(snt.Network(np.eye(3) * 0.5, gamma=0.5))
    1.0
    """
    check_network(net)
    norm = float(np.linalg.norm(net.J, 2))
    return float("inf") if norm == 0.0 else (1.0 - net.gamma) / (norm * kernels.MAX_SLOPE[net.transfer])


def _starts(net, starts, scale, seed):
    """(n, N) initial guesses and the root SeedSequence (None when the starts were given)."""
    N = net.N
    if isinstance(starts, numbers.Integral) and not isinstance(starts, bool):
        n = check_int(starts, "starts", minimum=1)
        root = as_seed_sequence(seed)
        guesses = np.stack([np.random.default_rng(s).standard_normal(N) * scale for s in children(root, n)])
        return guesses, root
    guesses = check_array(starts, "starts")
    if guesses.ndim == 1:
        guesses = guesses[None, :]
    if guesses.ndim != 2 or guesses.shape[1] != N or guesses.shape[0] < 1:
        raise ValueError(f"starts must be a number of random starts (int >= 1) or an array of shape (n, {N}) "
                         f"or ({N},), got shape {guesses.shape}")
    return guesses, None


def fixed_points(net: Network, starts: int | ArrayLike = 10, *, seed: SeedLike = None, scale: float = 1.0,
                 tol: float = 1e-10, max_iter: int = 200) -> xr.Dataset:
    r"""Fixed points :math:`u^* = \gamma u^* + J f(u^*) - \theta` of the noiseless map by Newton's method,
    with their stability (SCIENCE.md E2, E5).

    ``scipy.optimize.root`` (MINPACK hybrid method) solves :math:`G(u) = (\gamma - 1)u + Jf(u) - \theta = 0`
    with the analytic Jacobian :math:`DG = DF - I` from each start; converged roots are polished, kept
    when :math:`\|G(u)\|_\infty \le` ``tol`` and merged when they agree to
    :math:`10^{-6}(1 + \|u\|_\infty)`.

    Parameters
    ----------
    net : Network
        Must have ``sigma == 0``.
    starts : int or (n, N) array_like
        Number of random starts :math:`u \sim \mathcal N(0, \mathrm{scale}^2)`, drawn from child
        ``SeedSequence`` s of ``seed`` (one per start), or the starts themselves.
    seed : int, SeedSequence, Generator or None
        Seed of the random starts.
    scale : float
        Standard deviation of the random starts, > 0.
    tol : float
        Residual :math:`\|G(u)\|_\infty` below which a root is accepted, > 0.
    max_iter : int
        Budget of function evaluations per start (times N + 1, MINPACK's convention).

    Returns
    -------
    xarray.Dataset
        ``u_star`` (point, neuron); ``eigenvalues`` (point, mode) complex eigenvalues of
        :math:`DF(u^*)` sorted by decreasing modulus; ``spectral_radius`` (point);
        ``log_spectral_radius`` (point) = :math:`\ln\rho`, the maximal Lyapunov exponent there;
        ``stable`` (point) :math:`\rho < 1`; ``residual`` (point); ``hits`` (point) number of starts that
        reached it; ``M_star`` (point) :math:`\frac1N\sum_i f(u^*_i)`. Points are ordered by decreasing
        hits; ``n_starts`` () and ``n_failed`` () the starts tried and those that did not converge. The
        ``point`` dimension is empty when no start converged.

    Raises
    ------
    ValueError
        If ``net.sigma > 0`` (fixed points belong to the noiseless map) or an argument is out of range.

    Examples
    --------
    >>> import snt
    >>> net = snt.Ensemble(N=50, J=1.0, g=0.5, theta_std=0.3).sample(seed=1)
    >>> fp = snt.fixed_points(net, starts=3, seed=0)
    >>> int(fp.sizes["point"]), bool(fp.stable[0])
    (1, True)
    """
    check_network(net)
    if net.sigma > 0:
        raise ValueError(f"fixed_points: net.sigma = {net.sigma} > 0, but fixed points belong to the noiseless "
                         "map (sigma = 0); pass net.replace(sigma=0.0)")
    scale = check_float(scale, "scale", minimum=0.0, strict_min=True)
    tol = check_float(tol, "tol", minimum=0.0, strict_min=True)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    guesses, root = _starts(net, starts, scale, seed)
    N = net.N
    J, theta, gamma = net.J, net.theta, net.gamma
    eye = np.eye(N)

    def G(u):
        return (gamma - 1.0) * u + J @ net.f(u) - theta

    def DG(u):
        return jacobian(net, u) - eye

    found: list = []
    failed = 0
    for u0 in guesses:
        sol = scipy.optimize.root(G, u0, jac=DG, method="hybr", options={"xtol": 1e-13, "maxfev": max_iter *
                                                                               (N + 1)})
        u = _polish(sol.x, G, DG)
        res = float(np.max(np.abs(G(u)))) if np.all(np.isfinite(u)) else np.inf
        if not res <= tol:
            failed += 1
            continue
        for entry in found:
            if np.max(np.abs(entry[0] - u)) <= 1e-6 * (1.0 + np.max(np.abs(u))):
                entry[2] += 1
                break
        else:
            found.append([u, res, 1])
    found.sort(key=lambda e: -e[2])
    P = len(found)
    U = np.array([e[0] for e in found]).reshape(P, N)
    eig = np.empty((P, N), dtype=np.complex128)
    for p in range(P):
        ev = np.linalg.eigvals(jacobian(net, U[p]))
        eig[p] = ev[np.lexsort((-ev.imag, -np.abs(ev)))]
    rho = np.abs(eig[:, 0]) if N else np.zeros(P)
    with np.errstate(divide="ignore"):
        log_rho = np.log(rho)
    data = {
        "u_star": (("point", "neuron"), U, {"long_name": "fixed point u*", "units": "1"}),
        "eigenvalues": (("point", "mode"), eig,
                        {"long_name": "eigenvalues of DF(u*) (E2), by decreasing modulus", "units": "1"}),
        "spectral_radius": (("point",), rho, {"long_name": "spectral radius rho(DF(u*))", "units": "1"}),
        "log_spectral_radius": (("point",), log_rho,
                                {"long_name": "ln rho(DF(u*)) (maximal Lyapunov exponent at u*)",
                                 "units": "1/step"}),
        "stable": (("point",), rho < 1.0, {"long_name": "linearly stable (rho < 1)", "units": "1"}),
        "residual": (("point",), np.array([e[1] for e in found]),
                     {"long_name": "max_i |F(u*)_i - u*_i|", "units": "1"}),
        "hits": (("point",), np.array([e[2] for e in found], dtype=np.int64),
                 {"long_name": "number of starts that converged to the point", "units": "1"}),
        "M_star": (("point",), net.f(U).mean(axis=1) if P else np.zeros(0),
                   {"long_name": "mean activity (1/N) sum_i f(u*_i)", "units": "1"}),
    }
    coords = {"point": coord("point", np.arange(P)), "mode": coord("mode", np.arange(N)),
              "neuron": coord("neuron", np.arange(N))}
    params = {"network": net.params(), "starts": int(guesses.shape[0]) if root is not None else "given",
              "scale": scale, "tol": tol, "max_iter": max_iter}
    attrs = provenance("Fixed points of the noiseless SNT map and their stability",
                       "SCIENCE.md E2, E5: scipy.optimize.root (hybr) with the analytic Jacobian DF - I, "
                       "Newton polish, de-duplication", params,
                       describe(root) if root is not None else {"seed_entropy": "none (starts given)",
                                                                "seed_spawn_key": ""}, references=_REFS)
    data["n_starts"] = ((), int(guesses.shape[0]), {"long_name": "starts tried", "units": "1"})
    data["n_failed"] = ((), int(failed), {"long_name": "starts that did not converge to a fixed point",
                                          "units": "1"})
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _polish(u, G, DG, steps=3):
    """Newton polish of a root with the exact Jacobian; a step is kept only while it lowers the residual, and
    the polish stops at a singular Jacobian (a root at a bifurcation point, e.g. the origin at g_c)."""
    if not np.all(np.isfinite(u)):
        return u
    res = float(np.max(np.abs(G(u))))
    for _ in range(steps):
        if res == 0.0:
            break
        try:
            new = u - np.linalg.solve(DG(u), G(u))
        except np.linalg.LinAlgError:
            break
        new_res = float(np.max(np.abs(G(new)))) if np.all(np.isfinite(new)) else np.inf
        if not new_res <= res:
            break
        u, res = new, new_res
    return u


def _law(net, radius, eta, outlier):
    """E4 parameters: from the ensemble the network came from, else moments of J."""
    N = net.N
    J = net.J
    est = spectral_law(net)  # the law of the ensemble the network was sampled from, if it says
    if est is None:
        centred = J - J.mean(axis=0, keepdims=True) - J.mean(axis=1, keepdims=True) + J.mean()
        r = float(np.sqrt(N * np.mean(centred**2))) if N > 1 else float(abs(J[0, 0]))
        off = ~np.eye(N, dtype=bool)
        a, b = centred[off], centred.T[off]
        e = float(np.sum(a * b) / np.sum(a * a)) if N > 1 and np.sum(a * a) > 0 else 0.0
        est = {"radius": r, "eta": float(np.clip(e, -1.0, 1.0)), "outlier": float(J.sum() / N),
               "source": "moments of J (entry variance after removing row/column means, corr(J_ij, J_ji), "
                         "N mean(J))"}
    if radius is not None:
        est["radius"] = check_float(radius, "radius", minimum=0.0)
        est["source"] += "; radius given"
    if eta is not None:
        est["eta"] = check_float(eta, "eta", minimum=-1.0, maximum=1.0)
        est["source"] += "; eta given"
    if outlier is not None:
        est["outlier"] = check_float(outlier, "outlier")
        est["source"] += "; outlier given"
    return est


def coupling_spectrum(net: Network, *, radius: float | None = None, eta: float | None = None,
                      outlier: Any = None, points: int = 361) -> xr.Dataset:
    r"""Eigenvalues of J with the random-matrix law to overlay (SCIENCE.md E4, E5).

    The law: eigenvalues of iid J fill the disc of radius J; correlation
    :math:`\eta = \mathrm{corr}(J_{ij}, J_{ji})` gives the ellipse with semi-axes :math:`J(1+\eta)` (real)
    and :math:`J(1-\eta)` (imaginary); a mean :math:`\bar J` adds one real outlier near :math:`\bar J` when
    :math:`|\bar J| > J`. The parameters come from the ensemble the network was sampled from
    (``net.origin``), else from the moments of J; each can be given explicitly.

    Parameters
    ----------
    net : Network
    radius, eta, outlier : float, optional
        Override J (bulk radius scale), :math:`\eta` and :math:`\bar J`.
    points : int
        Number of points of the boundary curve (>= 8).

    Returns
    -------
    xarray.Dataset
        ``eigenvalue`` (mode) complex, by decreasing modulus; ``boundary`` (angle) complex, the ellipse;
        ``outside`` (mode) bool, eigenvalues outside the ellipse enlarged by :math:`5/\sqrt N` (outliers);
        scalars ``radius``, ``eta``, ``predicted_outlier`` (NaN unless :math:`|\bar J| > J`),
        ``spectral_radius`` (of J) and ``first_bifurcation_gain``: the smallest g with
        :math:`\max_k |\gamma + g\mu_k| = 1` for the origin (E5; meaningful when
        :math:`\theta = \bar J = 0`), with ``first_bifurcation_eigenvalue`` the :math:`\mu` that crosses.

    Examples
    --------
    >>> import snt
    >>> spec = snt.coupling_spectrum(snt.Ensemble(N=400, J=1.0).sample(seed=1))
    >>> bool(abs(float(spec.spectral_radius) - 1.0) < 0.1)
    True
    """
    check_network(net)
    points = check_int(points, "points", minimum=8)
    law = _law(net, radius, eta, outlier)
    N = net.N
    ev = np.linalg.eigvals(net.J)
    ev = ev[np.lexsort((-ev.imag, -np.abs(ev)))]
    phi = np.linspace(0.0, 2.0 * np.pi, points)
    R, e = law["radius"], law["eta"]
    boundary = R * (1.0 + e) * np.cos(phi) + 1j * R * (1.0 - e) * np.sin(phi)
    a, b = R * (1.0 + e), R * (1.0 - e)
    grow = 1.0 + 5.0 / np.sqrt(N)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (ev.real / (a * grow)) ** 2 + (ev.imag / (b * grow)) ** 2
    outside = np.where(np.isfinite(q), q > 1.0, np.abs(ev) > 0)
    pred = law["outlier"] if abs(law["outlier"]) > R else np.nan
    g_first, mu_first = first_crossing(ev, net.gamma)
    data = {
        "eigenvalue": (("mode",), ev, {"long_name": "eigenvalue of J", "units": "1"}),
        "outside": (("mode",), outside,
                    {"long_name": "eigenvalue outside the E4 ellipse enlarged by 5/sqrt(N) (outlier)", "units": "1"}),
        "boundary": (("angle",), boundary, {"long_name": "E4 boundary (circle or ellipse)", "units": "1"}),
        "radius": ((), R, {"long_name": "bulk radius scale J (E4)", "units": "1"}),
        "eta": ((), e, {"long_name": "correlation eta = corr(J_ij, J_ji)", "units": "1"}),
        "predicted_outlier": ((), pred, {"long_name": "predicted real outlier Jbar (NaN: none, |Jbar| <= J)",
                                         "units": "1"}),
        "spectral_radius": ((), float(np.abs(ev[0])), {"long_name": "spectral radius of J", "units": "1"}),
        "first_bifurcation_gain": ((), g_first, {"long_name": "gain where the origin first loses stability "
                                                                "(E5)", "units": "1"}),
        "first_bifurcation_eigenvalue": ((), mu_first, {"long_name": "eigenvalue of J that crosses first (E5)",
                                                        "units": "1"}),
    }
    coords = {"mode": coord("mode", np.arange(N), "eigenvalue rank (decreasing modulus)"),
              "angle": coord("angle", phi, "boundary angle")}
    params = {"network": net.params(), "law_source": law["source"], "points": points}
    attrs = provenance("Eigenvalues of the couplings J and the circular/elliptic law", "SCIENCE.md E4, E5",
                       params, {"seed_entropy": "none (deterministic)", "seed_spawn_key": ""},
                       references="Girko, Theory Probab. Appl. 29, 694 (1985); Sommers, Crisanti, Sompolinsky, "
                                  "Stein, PRL 60, 1895 (1988), doi:10.1103/PhysRevLett.60.1895")
    return xr.Dataset(data, coords=coords, attrs=attrs)


def first_crossing(ev, gamma):
    r"""The smallest gain g > 0 with :math:`|\gamma + g\mu| = 1` over the eigenvalues :math:`\mu` of J
    (``ev``), and that :math:`\mu`: where the origin first loses stability (E5); ``(inf, nan)`` if none."""
    # |gamma + g mu|^2 = 1  <=>  |mu|^2 g^2 + 2 gamma Re(mu) g + gamma^2 - 1 = 0, positive root.
    a = np.abs(ev) ** 2
    bcoef = 2.0 * gamma * ev.real
    c = gamma**2 - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (-bcoef + np.sqrt(bcoef**2 - 4.0 * a * c)) / (2.0 * a)
    g = np.where(a > 0, g, np.inf)
    if not np.any(np.isfinite(g)):
        return np.inf, complex(np.nan, np.nan)
    i = int(np.argmin(g))
    return float(g[i]), complex(ev[i])


def _dG_dg(net, u):
    """∂G/∂g of G(u, g) = (γ − 1)u + J f(u; g) − θ: f(u; g) = h(g u), so ∂f/∂g = u h'(g u)."""
    unit = net.replace(g=1.0)
    return net.J @ (u * unit.fprime(net.g * u))


def _corrector(net, y, y_pred, tangent, weight, tol=1e-11, max_iter=12):
    """Newton on [G(u, g) = 0, <tangent, y − y_pred>_w = 0] (pseudo-arclength). Returns y or None."""
    N = net.N
    eye = np.eye(N)
    y = y_pred.copy()
    for _ in range(max_iter):
        u, g = y[:N], float(y[N])
        if g < 0 or not np.all(np.isfinite(y)):
            return None
        at = net.replace(g=g)
        G = (at.gamma - 1.0) * u + at.J @ at.f(u) - at.theta
        arc = float(np.dot(weight * tangent, y - y_pred))
        if np.max(np.abs(G)) <= tol and abs(arc) <= tol:
            return y
        A = np.zeros((N + 1, N + 1))
        A[:N, :N] = jacobian(at, u) - eye
        A[:N, N] = _dG_dg(at, u)
        A[N] = weight * tangent
        try:
            y = y - np.linalg.solve(A, np.concatenate([G, [arc]]))
        except np.linalg.LinAlgError:
            return None
    return None


def _tangent(net, y, previous, weight):
    """Unit tangent of the branch at y (weighted norm), oriented like ``previous``."""
    N = net.N
    at = net.replace(g=float(y[N]))
    A = np.zeros((N + 1, N + 1))
    A[:N, :N] = jacobian(at, y[:N]) - np.eye(N)
    A[:N, N] = _dG_dg(at, y[:N])
    A[N] = weight * previous
    t = np.linalg.solve(A, np.concatenate([np.zeros(N), [1.0]]))
    t /= np.sqrt(np.dot(weight * t, t))
    return t if np.dot(weight * t, previous) >= 0 else -t


def follow_branch(net, u0, g_end, *, ds_max=0.05, ds_min=1e-10, max_points=100000):
    r"""Follow the fixed-point branch of the noiseless map from (u0, g = net.g) towards ``g_end`` by
    pseudo-arclength continuation in (u, g) (SCIENCE.md E2).

    Each step predicts along the unit tangent of the branch (norm :math:`\|u\|^2/N + g^2`) and corrects by
    Newton on :math:`G(u, g) = (\gamma - 1)u + J f(u; g) - \theta = 0` with the arclength condition, so the
    corrector cannot jump to another branch: a step is halved when Newton fails or when the tangent turns by
    more than 30°. A fold (saddle-node) is where the g-component of the tangent changes sign; it is located
    by bisection on the arclength to ``ds_min``.

    Returns
    -------
    dict
        ``g`` (points,), ``u`` (points, N) along the branch (g increasing until a fold), ``fold`` (the
        (g, u) of the fold, or None when ``g_end`` was reached) and ``steps``.
    """
    N = net.N
    weight = np.concatenate([np.full(N, 1.0 / N), [1.0]])
    y = np.concatenate([np.asarray(u0, dtype=float), [float(net.g)]])
    t = _tangent(net, y, np.concatenate([np.zeros(N), [1.0]]), weight)
    gs, us = [y[N]], [y[:N].copy()]
    ds = ds_max
    steps = 0
    while y[N] < g_end and steps < max_points:
        steps += 1
        y_new = _corrector(net, y, y + ds * t, t, weight)
        t_new = None if y_new is None else _tangent(net, y_new, t, weight)
        if y_new is None or float(np.dot(weight * t_new, t)) < np.cos(np.pi / 6):
            ds /= 2.0
            if ds < ds_min:
                return {"g": np.array(gs), "u": np.array(us), "fold": None, "lost": (float(y[N]), y[:N].copy()),
                        "steps": steps}
            continue
        if t_new[N] < 0 <= t[N]:
            # the branch turns back in g: bisect the arclength for t_g = 0
            lo, hi, y_fold = 0.0, ds, y
            while hi - lo > ds_min:
                mid = 0.5 * (lo + hi)
                ym = _corrector(net, y, y + mid * t, t, weight)
                if ym is None:
                    hi = mid
                    continue
                if _tangent(net, ym, t, weight)[N] < 0:
                    hi = mid
                else:
                    lo, y_fold = mid, ym
            gs.append(float(y_fold[N]))
            us.append(y_fold[:N].copy())
            return {"g": np.array(gs), "u": np.array(us), "fold": (float(y_fold[N]), y_fold[:N].copy()),
                    "lost": None, "steps": steps}
        y, t = y_new, t_new
        gs.append(float(y[N]))
        us.append(y[:N].copy())
        ds = min(ds * 1.5, ds_max)
    return {"g": np.array(gs), "u": np.array(us), "fold": None, "lost": None, "steps": steps}
