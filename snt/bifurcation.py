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

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.optimize
import scipy.signal
import xarray as xr

from ._checks import check_array, check_float, check_int
from ._seeds import as_seed_sequence, describe
from .results import provenance
from .lyapunov import max_lyapunov
from .simulate import check_network, simulate
from .spectra import peak_frequencies
from .stability import _first_crossing, follow_branch, jacobian
from .sweep import sweep
from ._typing import ArrayLike, ClientLike, SeedLike

if TYPE_CHECKING:
    from .network import Network

__all__ = ["REGIMES", "orbit_point", "gain_sweep", "first_bifurcation", "fixed_point_continuation", "spectra",
           "count_frequencies"]

#: Regime labels, in the order of the route to chaos.
REGIMES = ("fixed point", "periodic", "quasi-periodic", "chaotic", "diverged", "not settled")

_REFS = ("Doyon, Cessac, Quoy, Samuelides, Int. J. Bifurc. Chaos 3, 279 (1993); "
         "Cessac, Sepulchre, Chaos 16, 013104 (2006), doi:10.1063/1.2126813")


def count_frequencies(m, *, nperseg=1024, prominence=1e-3, order=4):
    """Spectral peaks of a time series and how many of them are incommensurate.

    The Welch spectrum of ``m`` (mean removed) is searched for peaks higher than ``prominence`` times the
    largest one. Peaks are taken by decreasing power; a peak joins the basis of independent frequencies
    unless it is, within two frequency bins, an integer combination :math:`|\\sum_i n_i f_i|` (folded into
    [0, 1/2], :math:`|n_i| \\le` ``order``) of the basis so far (harmonics, combination tones, aliases).

    Returns
    -------
    (n_peaks, n_frequencies, frequencies, power)
        Counts, the basis frequencies (cycles/step) and the spectrum's largest peak power.
    """
    n_peaks, n_freq, omegas, power = peak_frequencies(m, nperseg=nperseg, prominence=prominence, order=order)
    return n_peaks, n_freq, omegas / (2 * np.pi), power * 2 * np.pi   # snt.spectra works in rad/step


def _period(x, tol, period_max):
    """Smallest p <= period_max with |x(t) - x(t - p)| <= tol over the window (x: (T,) or (T, N)), else 0."""
    x = x.reshape(x.shape[0], -1)
    for p in range(1, min(period_max, x.shape[0] // 4) + 1):
        if np.max(np.abs(x[p:] - x[:-p])) <= tol:
            return p
    return 0


def _decay(u, p):
    """Rate (per step) at which d_p(t) = max_i |u_i(t) - u_i(t-p)| decays over the second half of the record
    (least-squares slope of ln d_p), and whether it decays monotonically on a coarse scale."""
    d = np.max(np.abs(u[p:] - u[:-p]), axis=1)
    half = d[d.size // 2:]
    if half.size < 8 or np.any(half <= 0):
        return -np.inf, True
    t = np.arange(half.size)
    slope = float(np.polyfit(t, np.log(half), 1)[0])
    blocks = np.array([b.max() for b in np.array_split(half, 4)])
    return slope, bool(np.all(np.diff(blocks) < 0))


def _settle(u, m, lam, se, lambda_tol, tol, period_max):
    """Label of a noiseless orbit from the recorded state u (T, N), m(t) and λ ± se, with the evidence.

    A period p is accepted when u(t) repeats to ``tol``; an orbit still contracting (λ + 2se < 0, or |λ|
    resolved as negative, λ + 2se < 0) counts as converging to a p-cycle when d_p(t) = max|u(t) - u(t-p)|
    decays monotonically at the rate λ (within 30 % + 2se) by a factor of at least 2 over the second half; "quasi-periodic" needs λ = 0 within its error and the two halves of the record
    to have the same amplitude (10 %); "chaotic" needs λ - 2se > ``lambda_tol``. Anything else is "not
    settled", with the reason."""
    p = _period(u, tol, period_max)
    if p:
        return ("fixed point" if p == 1 else "periodic"), p, True, f"u(t) repeats, period {p}"
    if lam - 2 * se > lambda_tol:
        return "chaotic", 0, True, f"lambda {lam:.3g} +- {se:.1g} > 0"
    for q in range(1, period_max + 1):
        rate, monotone = _decay(u, q)
        if (monotone and lam + 2 * se < 0 and rate * (u.shape[0] // 2) < -0.7
                and abs(rate - lam) <= 0.3 * abs(lam) + 2 * se):
            return (("fixed point" if q == 1 else "periodic"), q, False,
                    f"converging to period {q} at {rate:.3g}/step, lambda {lam:.3g}")
    h = m.size // 2
    a1, a2 = np.std(m[:h]), np.std(m[h:])
    same = a1 > 0 and abs(a2 / a1 - 1) <= 0.1
    if abs(lam) <= lambda_tol + 2 * se and same:
        return "quasi-periodic", 0, True, f"lambda {lam:.2g} +- {se:.1g} ~ 0, no period, steady amplitude"
    why = (f"lambda {lam:.2g} +- {se:.1g}, no period, amplitude {(a2 / a1 - 1) * 100 if a1 > 0 else np.inf:+.0f}"
           " % between halves")
    return "not settled", 0, False, why


def orbit_point(net, seed, *, steps=3000, transient=2000, samples=200, trials=1, tangent_transient=None,
                period_max=64, period_tol=1e-9, lambda_tol=1e-3, u0=None):
    r"""The dynamics of one network at its gain: an orbit sample of m(t), the maximal Lyapunov exponent, the
    number of spectral peaks and the regime. The unit of work of :func:`gain_sweep` and of sweeps over g.

    Parameters
    ----------
    net : Network
    seed : int, SeedSequence or None
        Trial b starts from the same state in the simulation and in the Lyapunov run.
    steps, transient : int
        Recorded steps after a transient.
    samples : int
        Number of m(t) values kept for the orbit diagram (the last ``samples`` steps).
    trials : int
        Trials of the Lyapunov estimate (error bar over trials when >= 2, over blocks otherwise).
    tangent_transient : int, optional
        Alignment steps of the tangent vector, taken from the end of ``transient`` (default min(200, transient)).
    period_max, period_tol : int, float
        Periods up to ``period_max`` are detected when m(t) repeats to ``period_tol`` (times 1 + max|m|).
    lambda_tol : float
        :math:`|\lambda| \le` ``lambda_tol`` counts as zero.
    u0 : (N,) array_like, optional
        Initial state (default: drawn from the seed).

    Returns
    -------
    xarray.Dataset
        ``m_orbit`` (sample), ``lambda_max`` (), ``lambda_stderr`` (), ``period`` () (0: none found),
        ``n_peaks`` (), ``n_frequencies`` () (incommensurate peaks, :func:`count_frequencies`),
        ``regime`` () one of :data:`REGIMES`, ``m_mean`` (), ``m_std`` ().

    Notes
    -----
    Regimes (σ = 0) are read from the state u(t), not only from m(t) (a 2-cycle can keep m constant):
    "diverged" if the state overflowed; "fixed point"/"periodic" if u(t) repeats with period 1/p <=
    ``period_max``, or if max|u(t) − u(t−p)| still decays at the contraction rate λ (converging; then
    ``settled`` is False); "chaotic" if λ − 2 se > ``lambda_tol``; "quasi-periodic" if λ = 0 within
    ``lambda_tol`` + 2 se with no period and the same amplitude of m in both halves of the record (an
    invariant circle or torus); otherwise "not settled", with the reason in ``evidence``. With σ > 0 the
    labels follow λ only: "fixed point" for λ < 0 (noise around a stable state), "chaotic" for λ > 0.
    """
    check_network(net)
    steps = check_int(steps, "steps", minimum=16)
    transient = check_int(transient, "transient", minimum=0)
    samples = check_int(samples, "samples", minimum=1, maximum=steps)
    trials = check_int(trials, "trials", minimum=1)
    if tangent_transient is None:
        tangent_transient = min(200, transient)
    tangent_transient = check_int(tangent_transient, "tangent_transient", minimum=0, maximum=transient)
    period_max = check_int(period_max, "period_max", minimum=1)
    period_tol = check_float(period_tol, "period_tol", minimum=0.0)
    lambda_tol = check_float(lambda_tol, "lambda_tol", minimum=0.0)
    root = as_seed_sequence(seed)
    sim = simulate(net, steps, trials=1, transient=transient, record=("u", "M"), seed=root, u0=u0)
    m = sim.M.values[0]
    u = sim.u.values[0]
    ly = max_lyapunov(net, transient + steps, transient=transient - tangent_transient,
                      tangent_transient=tangent_transient, trials=trials, seed=root,
                      u0=None if u0 is None else np.broadcast_to(np.asarray(u0, dtype=float), (trials, net.N)))
    lam = float(ly.lambda_max.mean())
    stderr = float(ly.stderr)
    diverged = bool(sim.diverged.any()) or bool(ly.diverged.any())
    n_peaks, n_freq, _, _ = count_frequencies(m) if not diverged else (0, 0, None, 0.0)
    if diverged:
        regime, period, settled, evidence = "diverged", 0, False, "the state overflowed"
    elif net.sigma > 0:
        regime = "chaotic" if lam > lambda_tol else "fixed point"
        period, settled, evidence = 0, True, "noise: labelled by the sign of lambda only"
    else:
        regime, period, settled, evidence = _settle(u, m, lam, stderr if np.isfinite(stderr) else 0.0, lambda_tol,
                                                    period_tol * (1 + np.abs(u).max()), period_max)
    data = {
        "m_orbit": (("sample",), m[-samples:], {"long_name": "m(t) on the attractor", "units": "1"}),
        "lambda_max": ((), lam, {"long_name": "maximal Lyapunov exponent", "units": "1/step"}),
        "lambda_stderr": ((), stderr, {"long_name": "standard error of lambda_max", "units": "1/step"}),
        "period": ((), np.int64(period), {"long_name": "period of the state u(t) (0: none up to period_max)",
                                          "units": "step"}),
        "settled": ((), settled, {"long_name": "orbit settled on its attractor within the record (False: "
                                               "converging or undecided; see evidence)"}),
        "evidence": ((), evidence[:64], {"long_name": "what the regime label rests on"}),
        "n_peaks": ((), np.int64(n_peaks), {"long_name": "peaks in the Welch spectrum of m(t)"}),
        "n_frequencies": ((), np.int64(n_freq), {"long_name": "incommensurate spectral peaks of m(t)"}),
        "regime": ((), regime, {"long_name": "dynamical regime", "flag_meanings": " | ".join(REGIMES)}),
        "m_mean": ((), float(np.mean(m)), {"long_name": "time average of m", "units": "1"}),
        "m_std": ((), float(np.std(m)), {"long_name": "temporal standard deviation of m", "units": "1"}),
    }
    params = {"network": net.params(), "steps": steps, "transient": transient, "samples": samples,
              "trials": trials, "period_max": period_max, "period_tol": period_tol, "lambda_tol": lambda_tol}
    attrs = provenance("Orbit, Lyapunov exponent and regime at one gain", "SCIENCE.md E1, E5, E6", params,
                       describe(root), references=_REFS)
    return xr.Dataset(data, coords={"sample": ("sample", np.arange(samples), {"long_name": "orbit sample"})},
                      attrs=attrs)


def _orbit_study(net, seed, **options):
    return orbit_point(net, seed, **options)


def gain_sweep(net: Network, gains: ArrayLike, *, steps: int = 3000, transient: int = 2000, samples: int = 200,
               trials: int = 1, seed: SeedLike = None, client: ClientLike = "serial", progress: bool = False,
               **options: Any) -> xr.Dataset:
    r"""Orbit diagram, Lyapunov exponent and regime of one network over a range of gains.

    The same couplings, thresholds and initial condition are used at every gain (common random numbers),
    so the result is the bifurcation diagram of one network, as in the lecture's figures.

    Parameters
    ----------
    net : Network
    gains : 1-D array_like
        Distinct gains g >= 0.
    steps, transient, samples, trials : int
        As in :func:`orbit_point`.
    seed : int, SeedSequence or None
    client : "serial", None, str or distributed.Client
        Where to run (see :func:`snt.sweep`); "serial" (default) runs here, None starts a local cluster.
    progress : bool
    **options
        Further options of :func:`orbit_point` (``period_max``, ``lambda_tol``, ...).

    Returns
    -------
    xarray.Dataset
        ``m_orbit`` (g, sample), ``lambda_max`` (g), ``lambda_stderr`` (g), ``regime`` (g), ``period`` (g),
        ``n_peaks`` (g), ``n_frequencies`` (g), ``m_mean`` (g), ``m_std`` (g).

    Examples
    --------
    >>> import numpy as np, snt
    >>> net = snt.Ensemble(N=40, J=1.0).sample(seed=1)
    >>> bif = snt.gain_sweep(net, np.array([0.3, 2.5]), steps=400, transient=300, seed=1)
    >>> list(bif.regime.values)
    ['fixed point', 'chaotic']
    """
    check_network(net)
    gains = _check_gains(gains)
    steps, transient = check_int(steps, "steps", minimum=1), check_int(transient, "transient", minimum=0)
    samples, trials = check_int(samples, "samples", minimum=1), check_int(trials, "trials", minimum=1)
    kwargs = {"steps": steps, "transient": transient, "samples": samples, "trials": trials, **options}
    return sweep(_orbit_study, {"g": gains}, base=net, seed=seed, client=client, progress=progress,
                 study_kwargs=kwargs, common_random_numbers=True)


def _check_gains(gains):
    """A non-empty 1-D float array of finite gains >= 0."""
    gains = check_array(gains, "gains")
    if gains.ndim != 1 or gains.size == 0 or np.any(~np.isfinite(gains)) or np.any(gains < 0):
        raise ValueError(f"gains must be a non-empty 1-D array of finite values >= 0, got {gains!r}")
    return gains


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
        ``modes`` leading eigenvalues, ``spectral_radius`` (g), ``found`` (g); attributes ``branch_end``
        (the gain of the fold, NaN if the branch reached the last gain) and, at a fold, ``branch_end_state``
        (u* there) and ``branch_end_kind`` ("fold").
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
        "found": (("g",), found, {"long_name": "on the followed branch"}),
    }
    coords = {"g": ("g", gains, {"long_name": "gain g", "units": "1"}),
              "mode": ("mode", np.arange(modes), {"long_name": "eigenvalue rank"}),
              "neuron": ("neuron", np.arange(net.N), {"long_name": "neuron index"})}
    attrs = provenance("Fixed-point continuation in the gain", "SCIENCE.md E2, E5: pseudo-arclength "
                       "continuation, Newton at the grid gains", {"network": net.params(), "modes": modes},
                       {"seed_entropy": "none (deterministic)", "seed_spawn_key": ""}, references=_REFS)
    attrs["branch_end"] = float("nan") if end is None else float(end[0])
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    if end is not None:
        ds.attrs["branch_end_state"] = end[1]
        ds.attrs["branch_end_kind"] = "fold" if branch["fold"] is not None else "lost (corrector failed)"
    return ds


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
    :math:`e^{\pm i\omega}`, after which a finite network shows an invariant circle (quasi-periodic m(t),
    λ = 0).
    """
    check_network(net)
    if method not in ("auto", "origin", "continuation"):
        raise ValueError(f"method must be 'auto', 'origin' or 'continuation', got {method!r}")
    points = check_int(points, "points", minimum=4)
    modes = min(check_int(modes, "modes", minimum=1), net.N)
    net0 = net.replace(sigma=0.0)
    at_origin = bool(np.all(net0.theta == 0.0))
    if method == "auto":
        method = "origin" if at_origin else "continuation"
    if method == "origin" and not at_origin:
        raise ValueError("method='origin' needs theta = 0 (the origin must be a fixed point); use 'continuation'")
    mu_J = np.linalg.eigvals(net0.J)
    rho_J = float(np.max(np.abs(mu_J))) if net0.N else 0.0
    if g_max is None:
        g_max = 4.0 * (1.0 - net0.gamma) / max(rho_J, 1e-12)
    g_max = check_float(g_max, "g_max", minimum=0.0, strict_min=True)
    gains = np.linspace(0.0, g_max, points)
    if method == "origin":
        # DF(0) = gamma I + g J: eigenvalues gamma + g mu, modulus along the grid in closed form.
        g_c, mu = _first_crossing(mu_J, net0.gamma)
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
            if not found[i] and "branch_end_state" in path.attrs:
                # the branch was lost between lo and hi: at a fold the critical eigenvalue reaches +1 there
                g_end, u_end = path.attrs["branch_end"], path.attrs["branch_end_state"]
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
                    # a +1 crossing on a branch that goes on, without the u -> -u symmetry (theta != 0)
                    kind = "transcritical"
    assert crit is not None  # every path above that reaches here sets it
    data = {
        "g_critical": ((), float(g_c), {"long_name": "gain of the first bifurcation", "units": "1"}),
        "mu_modulus": ((), float(abs(crit)), {"long_name": "modulus of the critical eigenvalue", "units": "1"}),
        "mu_angle": ((), float(np.angle(crit)), {"long_name": "argument of the critical eigenvalue",
                                                  "units": "rad"}),
        "kind": ((), kind, {"long_name": "bifurcation type"}),
        "modulus": (("g", "mode"), np.abs(lead), {"long_name": "|eigenvalue| of DF at the fixed point",
                                                   "units": "1"}),
        "angle": (("g", "mode"), np.angle(lead), {"long_name": "argument of the eigenvalue", "units": "rad"}),
    }
    coords = {"g": ("g", gains, {"long_name": "gain g", "units": "1"}),
              "mode": ("mode", np.arange(lead.shape[1]), {"long_name": "eigenvalue rank"})}
    attrs = provenance("First bifurcation of the fixed point", f"SCIENCE.md E5 ({method})",
                       {"network": net.params(), "method": method, "g_max": g_max, "points": points},
                       {"seed_entropy": "none (deterministic)", "seed_spawn_key": ""}, references=_REFS)
    return xr.Dataset(data, coords=coords, attrs=attrs)



def spectra(net, gains, *, steps=4096, transient=2000, seed=None, nperseg=1024):
    """Welch power spectra of m(t) at a few gains (quasi-periodic peaks vs broadband chaos).

    Returns
    -------
    xarray.Dataset
        ``power`` (g, frequency) in 1/(cycle/step), ``frequency`` in cycles per step.
    """
    check_network(net)
    gains = _check_gains(np.atleast_1d(np.asarray(gains, dtype=float)))
    steps = check_int(steps, "steps", minimum=16)
    transient = check_int(transient, "transient", minimum=0)
    root = as_seed_sequence(seed)
    nper = min(check_int(nperseg, "nperseg", minimum=16), steps)
    rows = []
    for g in gains:
        m = simulate(net.replace(g=float(g)), steps, transient=transient, record="M", seed=root).M.values[0]
        freq, power = scipy.signal.welch(m - m.mean(), nperseg=nper, detrend=False)
        rows.append(power)
    data = {"power": (("g", "frequency"), np.array(rows), {"long_name": "power spectral density of m",
                                                          "units": "1/(cycle/step)"})}
    coords = {"g": ("g", gains, {"long_name": "gain g", "units": "1"}),
              "frequency": ("frequency", freq, {"long_name": "frequency", "units": "cycle/step"})}
    attrs = provenance("Power spectra of m(t) at chosen gains", "Welch (scipy.signal.welch)",
                       {"network": net.params(), "steps": steps, "transient": transient, "nperseg": nper},
                       describe(root), references=_REFS)
    return xr.Dataset(data, coords=coords, attrs=attrs)
