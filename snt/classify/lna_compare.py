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
from tqdm.auto import tqdm

from .lna import fitted_model, lna_model

__all__ = ["compare_lna", "compare_lna_model"]


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


def _verdict(rel, se, shift):
    """``"agrees"`` (error within 3 sampling errors, these below 10 %), ``"left the basin"`` (mean moved by more
    than 3 sqrt(tr C)), ``"disagrees"``, or ``"undecided"`` (sampling error too large to tell)."""
    if not np.isfinite(rel):
        return "undecided"
    if shift > 3.0:
        return "left the basin"
    if rel > 3.0 * se:
        return "disagrees"
    return "agrees" if se < 0.1 else "undecided"


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
        ``sample (sample, node)``, ``escaped`` (fraction of chains that end farther from the attractor than half
        the distance to the nearest other one) and ``agreement``: ``"agrees"`` (error within three sampling errors, these
        below 10 %), ``"disagrees"``, ``"left the basin"`` (mean shift above 3: the chains did not stay near the
        attractor, the linearisation does not describe them) or ``"undecided"`` (sampling error too large).
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
    per = chains // groups
    n_blocks = -(-steps // block)
    bar = tqdm(total=K * n_blocks, disable=not progress, desc="compare_lna")
    for k in range(K):
        rho = float(ds.spectral_radius[k])
        nb = burn if burn is not None else int(np.ceil(10.0 / max(1.0 - rho, 1e-6)))
        nb = _int(nb, "burn", 0)
        x = np.tile(states[k], (chains, 1)).astype(model.dtype)
        if nb > 0:
            x = _run(model, A, params.gamma, x, nb, dt, [root, k, 0], keep=False)
        s1 = np.zeros((groups, S))
        s2 = np.zeros((groups, S, S))
        count, last = 0, None
        for b in range(n_blocks):
            n = min(block, steps - b * block)
            X = _run(model, A, params.gamma, x, n, dt, [root, k, b + 1], keep=True).astype(np.float64)
            x = X[-1].astype(model.dtype)
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
        others = np.delete(states, k, axis=0)
        half = 0.5 * np.sqrt(((others - states[k]) ** 2).sum(1).min())
        escaped[k] = np.mean(np.sqrt(((x.astype(np.float64) - states[k]) ** 2).sum(1)) > half)
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
    ds["escaped"] = ("class", escaped, {"long_name": "fraction of chains ending farther than half-way to another "
                                                     "attractor", "units": "1"})
    ds["agreement"] = ("class", np.array([_verdict(*v) for v in zip(rel, rel_se, shift)], dtype=object),
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
