r"""Spectra of recorded trajectories (SCIENCE.md E13): Welch power spectra, stable resonances, and counting
incommensurate frequencies.

One frequency convention, everywhere in snt: angular frequency ω in radians per step (units ``"rad/step"``),
ω ∈ [0, π] (π is the Nyquist frequency of a map); a frequency in cycles/step is ω/2π. Densities are per
rad/step (``scipy.signal.welch`` with ``fs = 2π``), so :math:`\int_0^\pi S\,d\omega` is the variance.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.signal
import xarray as xr

from ._checks import check_float, check_int
from .results import DivergenceError, coord, provenance

__all__ = ["power_spectrum", "resonances", "peak_frequencies"]

REFS = ("Cessac, Sepulchre, Phys. Rev. E 70, 056111 (2004), doi:10.1103/PhysRevE.70.056111; Cessac, Sepulchre, "
        "Physica D 225, 13 (2007), doi:10.1016/j.physd.2006.09.034; Welch, IEEE Trans. Audio Electroacoust. 15, "
        "70 (1967), doi:10.1109/TAU.1967.1161901")


def power_spectrum(ds: xr.Dataset, variable: str = "M", *, nperseg: int | None = None,
                   detrend: str | bool = "constant") -> xr.Dataset:
    r"""Power spectral density of a recorded variable by Welch's method (E13), averaged over trials.

    .. math:: S(\omega) = \lim_{T\to\infty} \tfrac{1}{2\pi T}\,\mathbb E\,\Big|\sum_t x(t) e^{-i\omega t}\Big|^2

    (one-sided, :func:`scipy.signal.welch` with ``fs = 2π``: the density is per rad/step and
    :math:`\int_0^\pi S\,d\omega` is the variance of x).

    Parameters
    ----------
    ds : xarray.Dataset
        A :func:`snt.simulate` Dataset (dims ``trial``, ``time`` and possibly ``neuron``); diverged trials
        are left out.
    variable : str
        ``"M"`` (the activity) or ``"m"`` → (omega,), ``"u"`` → (omega, neuron).
    nperseg : int, optional
        Welch segment length (default ``min(256, time)``), ``2 <= nperseg <= time``.
    detrend : {"constant", "linear", False}
        Passed to Welch.

    Raises
    ------
    snt.DivergenceError
        When every trial of ``ds`` diverged.

    Returns
    -------
    xarray.Dataset
        ``power`` (omega[, neuron]) the mean over trials, ``power_stderr`` (standard error over trials; only
        when there are >= 2 trials), ``trials_used`` ().

    Examples
    --------
    >>> import snt
    >>> net = snt.Ensemble(N=100, J=1.0, g=2.0).sample(seed=1)
    >>> S = snt.power_spectrum(snt.simulate(net, 512, trials=2, transient=100, seed=2))
    >>> S.power.dims
    ('omega',)
    """
    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"ds must be an xarray.Dataset (from snt.simulate), got {type(ds).__name__}")
    if variable not in ds:
        raise ValueError(f"variable {variable!r} is not in the Dataset; it holds {sorted(map(str, ds.data_vars))}")
    x = ds[variable]
    if "time" not in x.dims:
        raise ValueError(f"variable {variable!r} has no 'time' dimension (dims {x.dims})")
    if "trial" not in x.dims:
        x = x.expand_dims("trial")
    if "status" in ds and "trial" in ds["status"].dims:
        x = x.isel(trial=ds["status"].values == 0)
    elif "diverged" in ds:
        x = x.isel(trial=~ds["diverged"].values.astype(bool))
    if x.sizes["trial"] == 0:
        raise DivergenceError("power_spectrum: every trial diverged (status != 0); nothing to average")
    other = [d for d in x.dims if d not in ("trial", "time")]
    x = x.transpose("trial", *other, "time")
    T = x.sizes["time"]
    if nperseg is None:
        nperseg = min(256, T)
    nperseg = check_int(nperseg, "nperseg", minimum=2, maximum=T)
    if detrend not in ("constant", "linear", False):
        raise ValueError(f"detrend must be 'constant', 'linear' or False, got {detrend!r}")
    freq, P = scipy.signal.welch(x.values, fs=2 * np.pi, nperseg=nperseg, detrend=detrend, axis=-1)
    P = np.moveaxis(P, -1, 1)                                  # (trial, omega, ...)
    dims = ("omega",) + tuple(other)
    data = {"power": (dims, P.mean(axis=0), {"long_name": f"power spectral density of {variable}",
                                             "units": "1/(rad/step)"})}
    n = P.shape[0]
    if n >= 2:
        data["power_stderr"] = (dims, P.std(axis=0, ddof=1) / np.sqrt(n),
                                {"long_name": "standard error over trials", "units": "1/(rad/step)"})
    data["trials_used"] = ((), n, {"long_name": "trials averaged", "units": "1"})
    coords: dict[Any, Any] = {"omega": coord("omega", freq)}
    for d in other:
        coords[d] = coord(d, x[d].values) if d in x.coords else coord(d, np.arange(x.sizes[d]))
    attrs = provenance(f"Power spectrum of {variable}", "SCIENCE.md E13: Welch (scipy.signal.welch, Hann window, "
                       "50% overlap), mean over trials", {"variable": variable, "nperseg": nperseg,
                                                          "detrend": str(detrend), "source_title":
                                                          ds.attrs.get("title", "")},
                       {k: ds.attrs[k] for k in ("seed_entropy", "seed_spawn_key") if k in ds.attrs},
                       references=REFS)
    return xr.Dataset(data, coords=coords, attrs=attrs)


def resonances(chi, spectrum, *, prominence=0.05, tolerance=None):
    r"""Where the response has peaks the power spectrum lacks: stable resonances (E13; Cessac & Sepulchre).

    Peaks of :math:`|\chi_m(\omega)|` (``chi.chi_mean``) and of :math:`S(\omega)` (``spectrum.power``,
    interpolated onto the same ω grid), each normalised by its maximum, are found with
    :func:`scipy.signal.find_peaks` (relative ``prominence``). A response peak with no spectral peak within
    ``tolerance`` is a stable resonance: a pole of χ that the fluctuations do not excite, so the
    fluctuation--dissipation relation misses it.

    Parameters
    ----------
    chi : xarray.Dataset
        From :func:`snt.response.susceptibility_from_kernel` or :func:`snt.response.susceptibility` (``chi_mean`` (omega), no other dim;
        select an estimator first).
    spectrum : xarray.Dataset
        From :func:`power_spectrum` with ``power`` (omega).
    prominence : float
        Relative prominence of a peak, in (0, 1).
    tolerance : float, optional
        Largest distance (rad/step) between matching peaks; default 3 spectral grid steps.

    Returns
    -------
    xarray.Dataset
        ``response`` and ``power`` (omega) normalised; ``response_peak``, ``power_peak``,
        ``stable_resonance`` (omega) bool; attrs ``resonance_omegas`` (list of ω of the stable resonances).
    """
    prominence = check_float(prominence, "prominence", minimum=0.0, maximum=1.0, strict_min=True, strict_max=True)
    cm = chi["chi_mean"]
    if cm.dims != ("omega",):
        raise ValueError(f"chi.chi_mean must have dims ('omega',), got {cm.dims}; select an estimator first")
    P = spectrum["power"]
    if P.dims != ("omega",):
        raise ValueError(f"spectrum.power must have dims ('omega',), got {P.dims}")
    w = chi.omega.values
    resp = np.abs(cm.values)
    resp = resp / resp.max()
    pw = np.interp(w, spectrum.omega.values, P.values)
    pw = pw / pw.max()
    dw = float(np.diff(spectrum.omega.values).mean())
    tol = 3 * dw if tolerance is None else check_float(tolerance, "tolerance", minimum=0.0)
    rp = np.zeros(w.size, bool)
    rp[scipy.signal.find_peaks(resp, prominence=prominence)[0]] = True
    pp = np.zeros(w.size, bool)
    pp[scipy.signal.find_peaks(pw, prominence=prominence)[0]] = True
    stable = rp.copy()
    for k in np.nonzero(rp)[0]:
        if np.any(pp & (np.abs(w - w[k]) <= tol)):
            stable[k] = False
    one = {"units": "1"}
    ds = xr.Dataset({
        "response": (("omega",), resp, {"long_name": "|chi_m(omega)| / max", **one}),
        "power": (("omega",), pw, {"long_name": "S(omega) / max", **one}),
        "response_peak": (("omega",), rp, {"long_name": "peak of the response", **one}),
        "power_peak": (("omega",), pp, {"long_name": "peak of the power spectrum", **one}),
        "stable_resonance": (("omega",), stable, {"long_name": "response peak absent from the power spectrum",
                                                   **one}),
    }, coords={"omega": coord("omega", w)})
    ds.attrs.update(provenance("Stable resonances: response peaks absent from the power spectrum",
                               "SCIENCE.md E13: scipy.signal.find_peaks on |chi_m| and S", {
                                   "prominence": prominence, "tolerance": tol}, references=REFS))
    ds.attrs["resonance_omegas"] = [float(x) for x in w[stable]]
    return ds


def peak_frequencies(x, *, nperseg=1024, prominence=1e-3, order=4):
    r"""Spectral peaks of a time series and how many of them are incommensurate (angular frequencies).

    The Welch spectrum of ``x`` (mean removed) is searched for peaks higher than ``prominence`` times the
    largest one. Peaks are taken by decreasing power; a peak joins the basis of independent frequencies
    unless it is, within two frequency bins, an integer combination :math:`|\sum_i n_i \omega_i|` (folded into
    [0, π], :math:`|n_i| \le` ``order``) of the basis so far (harmonics, combination tones, aliases).

    Returns
    -------
    (n_peaks, n_frequencies, omegas, power)
        Counts, the basis frequencies (rad/step) and the spectrum's largest peak power.
    """
    x = np.asarray(x, dtype=float)
    y = x - x.mean()
    if y.size < 16 or not np.any(np.abs(y) > 1e-12 * (1 + np.abs(x).max())):
        return 0, 0, np.zeros(0), 0.0
    omega, power = scipy.signal.welch(y, fs=2 * np.pi, nperseg=min(nperseg, y.size), detrend=False)
    peaks, _ = scipy.signal.find_peaks(power, prominence=prominence * power.max())
    peaks = peaks[np.argsort(-power[peaks])]
    tol = 2.0 * (omega[1] - omega[0])
    basis = []
    for p in peaks:
        if omega[p] <= tol / 2:
            continue
        if basis and _is_combination(omega[p], basis, order, tol):
            continue
        basis.append(omega[p])
        if len(basis) >= 4:
            break
    return int(peaks.size), len(basis), np.array(basis), float(power.max())


def _is_combination(w, basis, order, tol):
    grids = np.meshgrid(*[np.arange(-order, order + 1)] * len(basis), indexing="ij")
    combo = np.abs(sum(n * b for n, b in zip(grids, basis))).ravel()
    folded = np.abs(np.angle(np.exp(1j * combo)))  # aliasing folds frequencies into [0, pi]
    return bool(np.any(np.abs(folded - w) <= tol))


