r"""The edge of chaos of a network family from simulation, beside the mean-field value (SCIENCE.md E5, E6, E10,
E11).

A single finite network is a poor witness of g_c: just above the first bifurcation it shows invariant circles
and tori (λ = 0, Neimark–Sacker route, E5) and its λ(g) depends on the sample. :func:`edge_of_chaos` samples
several networks per size N, averages the maximal Lyapunov exponent λ(g) (Benettin, E6) over them, locates
the zero crossing of the averaged curve with a bootstrap confidence interval over networks, and extrapolates
the crossings linearly in 1/N to N -> ∞, where the mean field (E10/E11) is exact.

References: B. Doyon, B. Cessac, M. Quoy, M. Samuelides, Int. J. Bifurc. Chaos 3, 279 (1993);
B. Cessac, J. Phys. I France 5, 409 (1995).
"""

from __future__ import annotations


import numpy as np
import xarray as xr

from ._checks import check_float, check_int
from ._seeds import as_seed_sequence, child, describe
from .ensembles import Ensemble
from .io import provenance
from .lyapunov import max_lyapunov
from .stability import first_crossing
from ._typing import ArrayLike, SeedLike

__all__ = ["edge_of_chaos"]

_REFS = ("Doyon, Cessac, Quoy, Samuelides, Int. J. Bifurc. Chaos 3, 279 (1993); "
         "Cessac, J. Phys. I France 5, 409 (1995)")


def _crossing(g, lam):
    """First g where the curve lam(g) crosses 0 upwards (linear interpolation); NaN if it never does."""
    pos = lam > 0
    if not pos.any():
        return np.nan
    i = int(np.argmax(pos))
    if i == 0:
        return np.nan if not np.isfinite(lam[0]) else float(g[0])
    a, b = lam[i - 1], lam[i]
    return float(g[i - 1] + (g[i] - g[i - 1]) * (-a) / (b - a))


def _bootstrap(g, lam, rng, n_boot):
    """Crossings of the network-averaged curve over bootstrap resamples of the networks (rows of lam)."""
    K = lam.shape[0]
    out = np.empty(n_boot)
    for b in range(n_boot):
        pick = rng.integers(0, K, K)
        out[b] = _crossing(g, lam[pick].mean(axis=0))
    return out


def edge_of_chaos(ens: Ensemble, sizes: ArrayLike = (250, 500, 1000, 2000), networks: int = 8,
                  seed: SeedLike = None, *, gains: ArrayLike | None = None, steps: int = 2000, transient: int = 1000,
                  level: float = 0.95, bootstrap: int = 400, progress: bool = False) -> xr.Dataset:
    r"""g_c of an ensemble from simulation: network-averaged λ(g) per size, its zero crossing with a confidence
    interval, the extrapolation in 1/N, and the mean-field value.

    Parameters
    ----------
    ens : snt.Ensemble
        The family; its ``N`` and ``g`` are replaced by ``sizes`` and ``gains``.
    sizes : sequence of int
        Network sizes N (at least 2 distinct for the extrapolation), each >= 2.
    networks : int
        Networks sampled per size (child seeds (size index, network)), >= 2.
    seed : int, SeedSequence, Generator or None
    gains : 1-D array_like, optional
        Gains g, increasing. Default: 15 points in [0.6, 2] times the mean-field g_c.
    steps, transient : int
        Measured and discarded steps of :func:`snt.max_lyapunov` (one trial per network and gain).
    level : float
        Confidence level of the intervals, in (0, 1).
    bootstrap : int
        Bootstrap resamples over networks for the crossing's interval, >= 20.
    progress : bool
        Show a tqdm bar over (size, network).

    Returns
    -------
    xarray.Dataset
        ``lambda_max`` (size, network, g); ``lambda_mean``, ``lambda_mean_stderr`` (size, g) over networks;
        ``g_zero`` (size) zero crossing of the averaged λ(g), ``g_zero_low``/``g_zero_high`` (size) its
        bootstrap interval; ``g_bifurcation`` (size, network) the first bifurcation of each sampled network
        (θ = σ = 0, else NaN); ``g_infinity`` and ``g_infinity_stderr``: intercept of the weighted fit
        g_zero(N) = g_∞ + b/N; ``g_meanfield``: :func:`snt.meanfield.critical_gain` of the ensemble.

    Notes
    -----
    With σ = 0 a finite network leaves its fixed point at the first bifurcation ``g_bifurcation`` (E5, which
    tends to the mean-field g_c as the spectral radius of J tends to J) and then spends a window of gains on
    invariant circles and tori (λ ≈ 0) before chaos: the crossing of λ(g) lies at the end of that window,
    above g_c at these sizes (e.g. γ = 0.3, N = 100-200: 1.0-1.05 against g_c = 0.7), and the window closes
    only slowly with N. Both are returned so that the user sees which criterion moves towards the mean field.

    The crossing is that of the *averaged* curve; per network, quasi-periodic windows (λ = 0) and sample
    disorder move it. The interval covers the network-to-network spread (bootstrap), not the finite-time
    error of each λ (which is much smaller for the default ``steps``). The extrapolation assumes a 1/N
    correction; with σ = 0 and small N the route to chaos of finite networks (E5) makes it approximate.

    Examples
    --------
    >>> import numpy as np, snt
    >>> ens = snt.Ensemble(J=1.0, gamma=0.3)
    >>> ds = snt.edge_of_chaos(ens, sizes=(40, 80), networks=3, seed=1, gains=np.linspace(0.5, 1.5, 5),
    ...                        steps=300, transient=200, bootstrap=50)
    >>> sorted(ds.sizes)
    ['g', 'network', 'size']
    """
    from . import meanfield
    if not isinstance(ens, Ensemble):
        raise TypeError(f"ens must be an snt.Ensemble, got {type(ens).__name__}")
    sizes = np.asarray([check_int(n, "sizes", minimum=2) for n in np.atleast_1d(sizes)], dtype=np.int64)
    if sizes.size < 1 or np.unique(sizes).size != sizes.size:
        raise ValueError(f"sizes must be distinct network sizes >= 2, got {sizes.tolist()}")
    networks = check_int(networks, "networks", minimum=2)
    steps = check_int(steps, "steps", minimum=16)
    transient = check_int(transient, "transient", minimum=0)
    level = check_float(level, "level", minimum=0.0, maximum=1.0, strict_min=True, strict_max=True)
    bootstrap = check_int(bootstrap, "bootstrap", minimum=20)
    g_mf = float(meanfield.critical_gain(ens))
    if gains is None:
        if not np.isfinite(g_mf):
            raise ValueError("gains must be given: the mean-field critical gain is not finite for this ensemble")
        gains = g_mf * np.linspace(0.6, 2.0, 15)
    gains = np.asarray(gains, dtype=float)
    if gains.ndim != 1 or gains.size < 2 or np.any(np.diff(gains) <= 0) or gains[0] < 0:
        raise ValueError(f"gains must be an increasing 1-D array of >= 2 gains >= 0, got {gains!r}")
    root = as_seed_sequence(seed)
    lam = np.full((sizes.size, networks, gains.size), np.nan)
    g_bif = np.full((sizes.size, networks), np.nan)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=sizes.size * networks, desc="edge_of_chaos")
    for i, N in enumerate(sizes):
        for k in range(networks):
            net = ens.replace(N=int(N)).sample(child(root, 0, i, k))
            if np.all(net.theta == 0.0) and ens.sigma == 0.0:
                g_bif[i, k] = first_crossing(np.linalg.eigvals(net.J), net.gamma)[0]
            for j, g in enumerate(gains):
                ly = max_lyapunov(net.replace(g=float(g)), transient + steps, transient=transient,
                                  seed=child(root, 1, i, k))
                lam[i, k, j] = float(ly.lambda_max.mean()) if not bool(ly.diverged.any()) else np.nan
            if bar is not None:
                bar.update()
    if bar is not None:
        bar.close()
    rng = np.random.default_rng(child(root, 2))
    mean = np.nanmean(lam, axis=1)
    se = np.nanstd(lam, axis=1, ddof=1) / np.sqrt(np.sum(np.isfinite(lam), axis=1))
    g0 = np.array([_crossing(gains, mean[i]) for i in range(sizes.size)])
    lo, hi = np.full(sizes.size, np.nan), np.full(sizes.size, np.nan)
    boot_se = np.full(sizes.size, np.nan)
    alpha = 0.5 * (1.0 - level)
    for i in range(sizes.size):
        b = _bootstrap(gains, lam[i], rng, bootstrap)
        b = b[np.isfinite(b)]
        if b.size >= 10:
            lo[i], hi[i] = np.quantile(b, [alpha, 1.0 - alpha])
            boot_se[i] = np.std(b, ddof=1)
    ok = np.isfinite(g0) & np.isfinite(boot_se) & (boot_se > 0)
    g_inf, g_inf_se = np.nan, np.nan
    if np.unique(sizes[ok]).size >= 2:
        x = 1.0 / sizes[ok]
        wts = 1.0 / boot_se[ok] ** 2
        A = np.stack([np.ones_like(x), x], axis=1)
        cov = np.linalg.inv(A.T @ (A * wts[:, None]))
        coef = cov @ (A.T @ (wts * g0[ok]))
        g_inf, g_inf_se = float(coef[0]), float(np.sqrt(cov[0, 0]))
        if ok.sum() > 2:   # scale by the reduced chi^2 when the fit has residual degrees of freedom
            chi2 = float(np.sum(wts * (g0[ok] - A @ coef) ** 2) / (ok.sum() - 2))
            g_inf_se *= np.sqrt(max(chi2, 1.0))
    unit = {"units": "1/step"}
    data = {
        "lambda_max": (("size", "network", "g"), lam, {"long_name": "maximal Lyapunov exponent", **unit}),
        "lambda_mean": (("size", "g"), mean, {"long_name": "lambda_max averaged over networks", **unit}),
        "lambda_mean_stderr": (("size", "g"), se, {"long_name": "standard error of lambda_mean over networks", **unit}),
        "g_zero": (("size",), g0, {"long_name": "zero crossing of the network-averaged lambda(g)", "units": "1"}),
        "g_zero_low": (("size",), lo, {"long_name": f"lower end of the {level:.0%} bootstrap interval",
                                       "units": "1"}),
        "g_zero_high": (("size",), hi, {"long_name": f"upper end of the {level:.0%} bootstrap interval",
                                        "units": "1"}),
        "g_infinity": ((), g_inf, {"long_name": "g_zero extrapolated to N -> infinity (fit g_inf + b/N)",
                                   "units": "1"}),
        "g_infinity_stderr": ((), g_inf_se, {"long_name": "standard error of g_infinity", "units": "1"}),
        "g_bifurcation": (("size", "network"), g_bif,
                          {"long_name": "first bifurcation of the origin of each network (E5; theta = sigma = 0)",
                           "units": "1"}),
        "g_meanfield": ((), g_mf, {"long_name": "mean-field critical gain (E10/E11)", "units": "1"}),
    }
    coords = {"size": ("size", sizes, {"long_name": "network size N", "units": "1"}),
              "network": ("network", np.arange(networks), {"long_name": "sampled network"}),
              "g": ("g", gains, {"long_name": "gain g", "units": "1"})}
    params = {"ensemble": ens.params(), "sizes": sizes.tolist(), "networks": networks, "gains": gains.tolist(),
              "steps": steps, "transient": transient, "level": level, "bootstrap": bootstrap}
    attrs = provenance("Edge of chaos from simulation, extrapolated in 1/N", "SCIENCE.md E6 (Benettin) per "
                       "sampled network; zero crossing of the network average, bootstrap over networks; "
                       "weighted linear fit in 1/N; E10/E11 mean field", params, describe(root),
                       references=_REFS)
    return xr.Dataset(data, coords=coords, attrs=attrs)
