r"""Orbits along the gain: the regime of one network at one gain (period, Lyapunov exponent, spectral peaks of
the activity M(t)), its orbit diagram over a range of gains, and power spectra at chosen gains (SCIENCE.md
E5, E6)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.signal
import xarray as xr

from .._checks import check_array, check_float, check_int
from .._seeds import as_seed_sequence, describe
from ..lyapunov import max_lyapunov
from ..results import coord, provenance
from ..simulate import check_network, simulate
from ..spectra import peak_frequencies
from ..sweep import sweep
from .._typing import ArrayLike, ClientLike, SeedLike

if TYPE_CHECKING:
    from ..network import Network

__all__ = ["REGIMES", "REFERENCES", "orbit_point", "gain_sweep", "spectra", "count_frequencies"]

#: Regime labels, in the order of the route to chaos.
REGIMES = ("fixed point", "periodic", "quasi-periodic", "chaotic", "diverged", "not settled")

#: References of the route to chaos of finite networks.
REFERENCES = ("Doyon, Cessac, Quoy, Samuelides, Int. J. Bifurc. Chaos 3, 279 (1993); "
              "Cessac, Sepulchre, Chaos 16, 013104 (2006), doi:10.1063/1.2126813")


def count_frequencies(m, *, nperseg=1024, prominence=1e-3, order=4):
    """Spectral peaks of a time series and how many of them are incommensurate.

    The Welch spectrum of ``m`` (mean removed) is searched for peaks higher than ``prominence`` times the
    largest one. Peaks are taken by decreasing power; a peak joins the basis of independent frequencies
    unless it is, within two frequency bins, an integer combination :math:`|\\sum_i n_i f_i|` (folded into
    [0, 1/2], :math:`|n_i| \\le` ``order``) of the basis so far (harmonics, combination tones, aliases).

    Returns
    -------
    (n_peaks, n_frequencies, omegas, power)
        Counts, the basis frequencies (angular, rad/step, as everywhere in snt) and the spectrum's largest
        peak power (density per rad/step).
    """
    return peak_frequencies(m, nperseg=nperseg, prominence=prominence, order=order)


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
    """Label of a noiseless orbit from the recorded state u (T, N), M(t) and λ ± se, with the evidence.

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
    r"""The dynamics of one network at its gain: an orbit sample of M(t), the maximal Lyapunov exponent, the
    number of spectral peaks and the regime. The unit of work of :func:`gain_sweep` and of sweeps over g.

    Parameters
    ----------
    net : Network
    seed : int, SeedSequence or None
        Trial b starts from the same state in the simulation and in the Lyapunov run.
    steps, transient : int
        Recorded steps after a transient.
    samples : int
        Number of M(t) values kept for the orbit diagram (the last ``samples`` steps).
    trials : int
        Trials of the Lyapunov estimate (error bar over trials when >= 2, over blocks otherwise).
    tangent_transient : int, optional
        Alignment steps of the tangent vector, taken from the end of ``transient`` (default min(200, transient)).
    period_max, period_tol : int, float
        Periods up to ``period_max`` are detected when M(t) repeats to ``period_tol`` (times 1 + max|M|).
    lambda_tol : float
        :math:`|\lambda| \le` ``lambda_tol`` counts as zero.
    u0 : (N,) array_like, optional
        Initial state (default: drawn from the seed).

    Returns
    -------
    xarray.Dataset
        ``M_orbit`` (sample), ``lambda_max`` (), ``lambda_max_stderr`` (), ``period`` () (0: none found),
        ``n_peaks`` (), ``n_frequencies`` () (incommensurate peaks, :func:`count_frequencies`),
        ``regime`` () one of ``snt.bifurcation.REGIMES``, ``M_mean`` (), ``M_std`` ().

    Notes
    -----
    Regimes (σ = 0) are read from the state u(t), not only from M(t) (a 2-cycle can keep M constant):
    "diverged" if the state overflowed; "fixed point"/"periodic" if u(t) repeats with period 1/p <=
    ``period_max``, or if max|u(t) − u(t−p)| still decays at the contraction rate λ (converging; then
    ``settled`` is False); "chaotic" if λ − 2 se > ``lambda_tol``; "quasi-periodic" if λ = 0 within
    ``lambda_tol`` + 2 se with no period and the same amplitude of M in both halves of the record (an
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
    stderr = float(ly.lambda_max_stderr)
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
        "M_orbit": (("sample",), m[-samples:], {"long_name": "activity M(t) = (1/N) sum_i f(u_i(t)) on the attractor",
                                                "units": "1"}),
        "lambda_max": ((), lam, {"long_name": "maximal Lyapunov exponent", "units": "1/step"}),
        "lambda_max_stderr": ((), stderr, {"long_name": "standard error of lambda_max", "units": "1/step"}),
        "period": ((), np.int64(period), {"long_name": "period of the state u(t) (0: none up to period_max)",
                                          "units": "step"}),
        "settled": ((), settled, {"long_name": "orbit settled on its attractor within the record (False: "
                                               "converging or undecided; see evidence)", "units": "1"}),
        "evidence": ((), evidence[:64], {"long_name": "what the regime label rests on", "units": "1"}),
        "n_peaks": ((), np.int64(n_peaks), {"long_name": "peaks in the Welch spectrum of M(t)", "units": "1"}),
        "n_frequencies": ((), np.int64(n_freq), {"long_name": "incommensurate spectral peaks of M(t)", "units": "1"}),
        "regime": ((), regime, {"long_name": "dynamical regime", "units": "1", "flag_meanings": " | ".join(REGIMES)}),
        "M_mean": ((), float(np.mean(m)), {"long_name": "time average of M", "units": "1"}),
        "M_std": ((), float(np.std(m)), {"long_name": "temporal standard deviation of M", "units": "1"}),
    }
    params = {"network": net.params(), "steps": steps, "transient": transient, "samples": samples,
              "trials": trials, "period_max": period_max, "period_tol": period_tol, "lambda_tol": lambda_tol}
    attrs = provenance("Orbit, Lyapunov exponent and regime at one gain", "SCIENCE.md E1, E5, E6", params,
                       describe(root), references=REFERENCES)
    return xr.Dataset(data, coords={"sample": coord("sample", np.arange(samples))},
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
        ``M_orbit`` (g, sample), ``lambda_max`` (g), ``lambda_max_stderr`` (g), ``regime`` (g), ``period`` (g),
        ``n_peaks`` (g), ``n_frequencies`` (g), ``M_mean`` (g), ``M_std`` (g).

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
    ds = sweep(_orbit_study, {"g": gains}, base=net, seed=seed, client=client, progress=progress,
               study_kwargs=kwargs, common_random_numbers=True)
    ds["g"].attrs.update(coord("g", gains)[2])
    return ds


def _check_gains(gains):
    """A non-empty 1-D float array of finite gains >= 0."""
    gains = check_array(gains, "gains")
    if gains.ndim != 1 or gains.size == 0 or np.any(~np.isfinite(gains)) or np.any(gains < 0):
        raise ValueError(f"gains must be a non-empty 1-D array of finite values >= 0, got {gains!r}")
    return gains


def spectra(net, gains, *, steps=4096, transient=2000, seed=None, nperseg=1024):
    """Welch power spectra of M(t) at a few gains (quasi-periodic peaks vs broadband chaos).

    Returns
    -------
    xarray.Dataset
        ``power`` (g, omega): the one-sided density per rad/step (Welch with ``fs = 2π``, as
        :func:`snt.power_spectrum`), ``omega`` the angular frequency in rad/step.
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
        omega, power = scipy.signal.welch(m - m.mean(), fs=2 * np.pi, nperseg=nper, detrend=False)
        rows.append(power)
    data = {"power": (("g", "omega"), np.array(rows), {"long_name": "power spectral density of M",
                                                      "units": "1/(rad/step)"})}
    coords = {"g": coord("g", gains), "omega": coord("omega", omega)}
    attrs = provenance("Power spectra of M(t) at chosen gains", "Welch (scipy.signal.welch)",
                       {"network": net.params(), "steps": steps, "transient": transient, "nperseg": nper},
                       describe(root), references=REFERENCES)
    return xr.Dataset(data, coords=coords, attrs=attrs)
