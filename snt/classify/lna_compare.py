r"""The LNA covariance against the stationary covariance of the simulated Euler–Maruyama dynamics.

For each class, ``chains`` copies of the noisy model start at the planted attractor :math:`s^*_k`, run
``burn`` steps (default: ten relaxation times of the slowest mode, :math:`10/(1-\rho(M))`), then ``steps``
more steps whose states are all kept. The empirical covariance :math:`\hat C_k` pools every kept state of
every chain; its sampling error is estimated from ``groups`` independent groups of chains
(docs/science/stochastic.md (L7)): with :math:`\hat C_g` the covariance of group g,
:math:`\mathrm{SE} = \mathrm{std}_g(\hat C_g)/\sqrt{G}` entry by entry, and the relative sampling error
:math:`\lVert \mathrm{SE}\rVert_F/\lVert C\rVert_F` is the size that :math:`\lVert\hat C - C\rVert_F/\lVert
C\rVert_F` takes when the LNA is exact.
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from .lna import fitted_model, lna_model

__all__ = ["compare_lna", "compare_lna_model", "escape_times"]


def _int(value, name, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _run(model, A, gamma, s0, steps, dt, key, keep):
    traj = model.forward(A, gamma, s0, steps, dt, key, keep=keep)
    if not keep:
        return np.asarray(traj[-1])
    S = traj.array if traj.array is not None else np.stack(traj)
    return np.asarray(S[1:])


def _verdict(rel, se, shift, escaped=0.0):
    """``"agrees"`` (error within 3 sampling errors, these below 10 %), ``"left the basin"`` (a chain went
    half-way to another attractor, or the mean moved by more than 3 sqrt(tr C)), ``"disagrees"``, or
    ``"undecided"`` (sampling error too large to tell)."""
    if escaped > 0 or shift > 3.0:
        return "left the basin"
    if not np.isfinite(rel):
        return "undecided"
    if rel > 3.0 * se:
        return "disagrees"
    return "agrees" if se < 0.1 else "undecided"


def _half_distances(states):
    """Per attractor: half the distance to the nearest other one (the escape radius)."""
    d = np.sqrt(((states[:, None] - states[None]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    return 0.5 * d.min(1)


def _track(model, A, gamma, x, n, dt, key, s_star, radius, first, t0):
    """Run ``n`` kept steps from ``x``; record in ``first`` (per chain, NaN until then) the first step
    ``t0 + j`` (1-based) at which a chain is farther than ``radius`` from ``s_star``; return the states."""
    X = _run(model, A, gamma, x, n, dt, key, keep=True).astype(np.float64)
    out = np.sqrt(((X - s_star) ** 2).sum(-1)) > radius            # (n, chains)
    hit = out.any(0) & np.isnan(first)
    first[hit] = t0 + 1 + out[:, hit].argmax(0)
    return X


def compare_lna_model(model, params, dt, steps=20000, burn=None, chains=32, groups=8, block=250, seed=None,
                      n_samples=500, coupling=None, progress=False):
    r"""Simulated stationary covariance around every planted attractor against the LNA (module docstring).

    Parameters
    ----------
    model : PlantedModel
        A stochastic model (``PlantedModel.set_noise``).
    params : Params
    dt : float
    steps : int
        Kept steps per chain (after ``burn``).
    burn : int, optional
        Burn-in steps; default :math:`\lceil 10/(1-\rho(M))\rceil` from the LNA's one-step propagator.
    chains : int
        Independent chains per class, a multiple of ``groups``.
    groups : int
        Groups of chains for the sampling error (>= 2).
    block : int
        Steps simulated per call (memory ``block x chains x S`` floats).
    seed : int, SeedSequence or None
        Noise of class k, block b is ``default_rng([entropy, k, b])``.
    n_samples : int
        Simulated states kept per class for figures (:func:`snt.plot.lna_ellipses`).

    Returns
    -------
    xarray.Dataset
        The LNA Dataset (discrete method; ``covariance_continuous`` too for ODE models) plus, over ``class``:
        ``empirical_covariance (node, node2)``, ``empirical_mean (node)``, ``rel_error`` and
        ``rel_error_continuous`` (relative Frobenius distance to the LNA), ``rel_sampling_error``,
        ``mean_shift`` (distance of the mean from the attractor over :math:`\sqrt{\mathrm{tr}\,C}`),
        ``sample (sample, node)``, ``escaped`` (fraction of chains that went farther from the attractor than half
        the distance to the nearest other one at some step, burn-in included), ``escape_step (class, chain)``
        (the first such step, NaN for a chain that never did), ``valid_steps`` (the earliest escape over the
        chains: the LNA can describe the chains up to there, not beyond), ``burn`` and ``agreement``:
        ``"agrees"`` (error within three sampling errors, these below 10 %), ``"disagrees"``, ``"left the
        basin"`` (some chain escaped, or the mean moved by more than 3 :math:`\sqrt{\mathrm{tr}\,C}`: the
        chains are metastable at this noise, the pooled covariance is not that of one basin and the LNA does not
        describe them; see :func:`escape_times`) or ``"undecided"`` (sampling error too large).
    """
    steps = _int(steps, "steps", 1)
    chains = _int(chains, "chains", 2)
    groups = _int(groups, "groups", 2)
    block = _int(block, "block", 1)
    n_samples = _int(n_samples, "n_samples", 0)
    if chains % groups:
        raise ValueError(f"chains={chains} must be a multiple of groups={groups}")
    if not model.stochastic:
        raise ValueError(f"compare_lna: {model.name} has no noise (set noise and sigma > 0)")
    c = coupling if coupling is not None else model.coupling(params)
    ds = lna_model(model, params, dt, method="discrete", coupling=c)
    if not model.discrete:
        dc = lna_model(model, params, dt, method="continuous", coupling=c)
        ds["covariance_continuous"] = dc.covariance.assign_attrs(
            long_name="LNA covariance of the ODE limit (continuous Lyapunov equation)", units="1")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    root = int(ss.entropy)
    A = c.A.astype(model.dtype)
    states = ds.attractor.values
    K, S = states.shape
    emp, mean = np.zeros((K, S, S)), np.zeros((K, S))
    rel, rel_c, rel_se, shift, escaped = (np.full(K, np.nan) for _ in range(5))
    samples = np.zeros((K, n_samples, S))
    half = _half_distances(states)
    first = np.full((K, chains), np.nan)
    burns = np.zeros(K, dtype=np.int64)
    per = chains // groups
    n_blocks = -(-steps // block)
    bar = tqdm(total=K * n_blocks, disable=not progress, desc="compare_lna")
    for k in range(K):
        rho = float(ds.spectral_radius[k])
        nb = burn if burn is not None else int(np.ceil(10.0 / max(1.0 - rho, 1e-6)))
        nb = _int(nb, "burn", 0)
        x = np.tile(states[k], (chains, 1)).astype(model.dtype)
        t = 0
        for j, start in enumerate(range(0, nb, block)):       # burn-in: only the escapes are recorded
            n = min(block, nb - start)
            x = _track(model, A, params.gamma, x, n, dt, [root, k, 0, j], states[k], half[k], first[k],
                       t)[-1].astype(model.dtype)
            t += n
        burns[k] = nb
        s1 = np.zeros((groups, S))
        s2 = np.zeros((groups, S, S))
        count, last = 0, None
        for b in range(n_blocks):
            n = min(block, steps - b * block)
            X = _track(model, A, params.gamma, x, n, dt, [root, k, b + 1], states[k], half[k], first[k], t)
            x = X[-1].astype(model.dtype)
            t += n
            Xg = X.reshape(n, groups, per, S) - states[k]      # deviations (better rounding)
            for g in range(groups):
                Z = Xg[:, g].reshape(-1, S)
                s1[g] += Z.sum(0)
                s2[g] += Z.T @ Z
            count += n * per
            last = X
            bar.update(1)
        m_g = s1 / count
        C_g = s2 / count - m_g[:, :, None] * m_g[:, None, :]
        m = m_g.mean(0)
        C = s2.sum(0) / (count * groups) - np.outer(m, m)
        emp[k], mean[k] = C, m + states[k]
        se = C_g.std(0, ddof=1) / np.sqrt(groups)
        ref = ds.covariance.values[k]
        nref = np.linalg.norm(ref)
        if nref > 0:
            rel[k] = np.linalg.norm(C - ref) / nref
            rel_se[k] = np.linalg.norm(se) / nref
            shift[k] = np.linalg.norm(m) / np.sqrt(np.trace(ref))
            if "covariance_continuous" in ds:
                rel_c[k] = np.linalg.norm(C - ds.covariance_continuous.values[k]) / nref
        escaped[k] = np.mean(np.isfinite(first[k]))
        flat = last.reshape(-1, S)
        if n_samples:
            pick = np.linspace(0, len(flat) - 1, min(n_samples, len(flat))).astype(int)
            samples[k, : len(pick)] = flat[pick]
    bar.close()
    ds["empirical_covariance"] = (("class", "node", "node2"), emp,
                                  {"long_name": "Euler–Maruyama stationary covariance", "units": "1"})
    ds["empirical_mean"] = (("class", "node"), mean, {"long_name": "Euler–Maruyama stationary mean",
                                                      "units": "1"})
    ds["rel_error"] = ("class", rel, {"long_name": "relative Frobenius error of the discrete LNA", "units": "1"})
    ds["rel_error_continuous"] = ("class", rel_c, {"long_name": "relative Frobenius error of the continuous LNA",
                                                   "units": "1"})
    ds["rel_sampling_error"] = ("class", rel_se, {"long_name": "relative sampling error of the simulation",
                                                  "units": "1"})
    ds["mean_shift"] = ("class", shift, {"long_name": "mean shift over sqrt(tr C)", "units": "1"})
    ds["sample"] = (("class", "sample", "node"), samples, {"long_name": "simulated state", "units": "1"})
    ds["escaped"] = ("class", escaped, {"long_name": "fraction of chains that went farther than half-way to "
                                                     "another attractor (burn-in included)", "units": "1"})
    ds["escape_step"] = (("class", "chain"), first,
                         {"long_name": "first step farther than half-way to another attractor (NaN: never)",
                          "units": "steps"})
    ds["valid_steps"] = ("class", np.where(np.isfinite(first).any(1), np.nanmin(np.where(np.isfinite(first), first,
                                                                                         np.inf), 1), np.nan),
                         {"long_name": "steps before the first escape of any chain (NaN: none escaped; the LNA "
                                       "describes the chains up to there at most)", "units": "steps"})
    ds = ds.assign_coords(chain=("chain", np.arange(chains), {"long_name": "chain index", "units": "1"}))
    ds["escape_radius"] = ("class", half, {"long_name": "half the distance to the nearest other attractor",
                                           "units": "1"})
    ds["burn"] = ("class", burns, {"long_name": "burn-in steps", "units": "steps"})
    ds["agreement"] = ("class", np.array([_verdict(*v) for v in zip(rel, rel_se, shift, escaped)], dtype=object),
                       {"long_name": "LNA against the simulation"})
    ds.attrs.update(title=f"LNA against Euler–Maruyama for {model.name}", seed_entropy=str(ss.entropy),
                    snt_params=json.dumps({"steps": steps, "burn": burn, "chains": chains, "groups": groups,
                                           "dt": float(dt)}))
    return ds


def compare_lna(clf, steps=20000, burn=None, chains=32, groups=8, seed=None, n_samples=500, progress=None):
    """``compare_lna_model`` for a fitted :class:`~snt.classify.AttractorClassifier` (its model, noise,
    parameters and Euler step)."""
    model, params, dt, c = fitted_model(clf)
    return compare_lna_model(model, params, dt, steps=steps, burn=burn, chains=chains, groups=groups, seed=seed,
                             n_samples=n_samples, coupling=c,
                             progress=clf.verbose if progress is None else progress)


def escape_times(clf, sigmas, max_steps=20000, chains=16, block=500, seed=None, progress=None):
    r"""First-escape steps of noisy chains started at the planted attractors, for several noise amplitudes.

    For each amplitude :math:`\sigma` (additive noise on the fitted coupling, :func:`with_noise`) and each class
    k, ``chains`` chains start at :math:`s^*_k` and run at most ``max_steps`` Euler–Maruyama steps; the escape
    step of a chain is the first step at which it is farther from :math:`s^*_k` than half the distance to the
    nearest other attractor. Before that step the chain can be near the LNA Gaussian; after it, it is not. For a
    noise-activated escape over a barrier :math:`\Delta U` (Kramers) the mean escape time grows as
    :math:`\exp(2\Delta U/\sigma^2)`, so :math:`\log\tau` is linear in :math:`1/\sigma^2`.

    Parameters
    ----------
    clf : AttractorClassifier
        Fitted ODE or map classifier.
    sigmas : sequence of float
        Additive noise amplitudes, > 0.
    max_steps : int
        Steps per chain (escapes later than this are censored: NaN).
    chains : int
    block : int
        Steps simulated per call.
    seed : int, SeedSequence or None
        Noise of amplitude i, class k, block b: ``default_rng([entropy, i, k, b])``.

    Returns
    -------
    xarray.Dataset
        ``escape_step (sigma, class, chain)`` (NaN: not within ``max_steps``), ``escaped (sigma, class)``
        (fraction of the chains), ``median_escape_step (sigma, class)`` (NaN when fewer than half escaped: the
        median is then only known to exceed ``max_steps``), ``escape_radius (class)``.
    """
    from .noise import check_sigma, with_noise

    sig = np.atleast_1d(check_sigma(np.asarray(sigmas, dtype=np.float64).ravel(), "sigmas"))
    if np.any(sig <= 0):
        raise ValueError(f"sigmas must be positive noise amplitudes, got {sigmas!r}")
    max_steps = _int(max_steps, "max_steps", 1)
    chains = _int(chains, "chains", 1)
    block = _int(block, "block", 1)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    root = int(ss.entropy)
    model0, params, dt, c = fitted_model(clf)
    states = model0.attractor_states(params.gamma)
    K = len(states)
    half = _half_distances(states)
    first = np.full((len(sig), K, chains), np.nan)
    A = c.A.astype(model0.dtype)
    n_blocks = -(-max_steps // block)
    bar = tqdm(total=len(sig) * K * n_blocks, disable=not (clf.verbose if progress is None else progress),
               desc="escape_times")
    for i, s in enumerate(sig):
        model = with_noise(clf, "additive", float(s)).model_
        for k in range(K):
            x = np.tile(states[k], (chains, 1)).astype(model.dtype)
            for b in range(n_blocks):
                n = min(block, max_steps - b * block)
                x = _track(model, A, params.gamma, x, n, dt, [root, i, k, b], states[k], half[k], first[i, k],
                           b * block)[-1].astype(model.dtype)
                bar.update(1)
                if np.all(np.isfinite(first[i, k])):
                    bar.update(n_blocks - b - 1)
                    break
    bar.close()
    escaped = np.isfinite(first).mean(-1)
    med = np.where(escaped > 0.5, np.nanmedian(np.where(np.isfinite(first), first, np.inf), axis=-1), np.nan)
    return xr.Dataset(
        {"escape_step": (("sigma", "class", "chain"), first,
                         {"long_name": "first step farther than half-way to another attractor (NaN: not within "
                                       "max_steps)", "units": "steps"}),
         "escaped": (("sigma", "class"), escaped, {"long_name": "fraction of chains that escaped", "units": "1"}),
         "median_escape_step": (("sigma", "class"), med,
                                {"long_name": "median escape step (NaN: fewer than half escaped)",
                                 "units": "steps"}),
         "escape_radius": ("class", half, {"long_name": "half the distance to the nearest other attractor",
                                           "units": "1"})},
        coords={"sigma": ("sigma", sig, {"long_name": "additive noise amplitude", "units": "1"}),
                "class": np.arange(K), "chain": np.arange(chains)},
        attrs={"title": f"escape from the planted attractors of {model0.name}", "dt": float(dt),
               "max_steps": max_steps, "seed_entropy": str(ss.entropy),
               "snt_params": json.dumps({"chains": chains, "block": block, "max_steps": max_steps})})
