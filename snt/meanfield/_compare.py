"""Theory and simulation of the same ensemble side by side (SCIENCE.md §4)."""

import numpy as np
import xarray as xr

from .._checks import check_int
from .._seeds import as_seed_sequence, child, children, describe
from ..ensembles import Ensemble
from ..results import STATUS, coord, provenance, status_variable
from ..simulate import simulate
from ._finite import finite_size_lambda
from ._model import Populations, model_of
from ._theory import REFERENCES, stationary

#: Sampled matrices of the finite-size law of a fixed point's lambda in :func:`compare`.
FINITE_N_DRAWS = 32

#: Largest recorded trajectory (elements) simulated in one batch.
_BATCH_ELEMENTS = 1 << 24


def _se(x, axis=0):
    n = x.shape[axis]
    return np.std(x, axis=axis, ddof=1) / np.sqrt(n) if n > 1 else np.zeros_like(np.take(x, 0, axis=axis))


def _statistics(u, groups, lags):
    """Per population: mean of u, covariance Δ(τ) for τ = 0..lags (pooled over units and time)."""
    T = u.shape[0]
    m = np.empty(len(groups))
    D = np.empty((len(groups), lags + 1))
    for p, sl in enumerate(groups):
        x = u[:, sl]
        m[p] = x.mean()
        for tau in range(lags + 1):
            D[p, tau] = np.einsum("tn,tn->", x[:T - tau], x[tau:]) / (x[tau:].size) - m[p] ** 2
    return m, D


def compare(ens, steps=3000, trials=4, seed=None, *, transient=500, lags=20, lyapunov=True,
            finite_n_draws=FINITE_N_DRAWS):
    r"""Mean-field theory and simulation of one network of the ensemble, in one Dataset.

    Parameters
    ----------
    ens : snt.Ensemble or snt.meanfield.Populations
        The network size is ``ens.N``.
    steps : int
        Recorded steps per trial (after ``transient``).
    trials : int
        Trials (initial conditions and noise) on the same network, ``trials >= 1``.
    seed : int, SeedSequence, Generator or None
        Child 0 draws the network, child 1 the trials of :func:`snt.simulate`, child 2 those of
        :func:`snt.max_lyapunov`, child 3 the matrices of :func:`finite_size_lambda`.
    transient : int
        Discarded steps.
    lags : int
        Largest lag of the covariance Δ(τ), ``lags >= 1``; ``steps >= lags + 2`` (``4 (lags + 2)`` for one
        trial, whose error bars come from 4 time blocks).
    lyapunov : bool
        Estimate λ_max with :func:`snt.max_lyapunov` (``steps`` measured steps after ``transient``).
    finite_n_draws : int
        Sampled matrices of the law of λ at size N (:func:`finite_size_lambda`) when the theory is a fixed point
        of an :class:`snt.Ensemble`: 0 (none) or ``>= 8``. Each is one eigenvalue problem of at most N columns
        (those with a slope above 10⁻³ of its rms).

    Returns
    -------
    xarray.Dataset
        Dim ``estimator`` = ["theory", "simulation"]: ``m`` mean of u, ``M`` mean activity <f(u)>, ``v``
        variance of u, ``q_inf`` (simulation: Δ at the largest lag), ``lambda_max``, ``covariance`` (lag)
        Δ(τ); simulation standard errors ``m_stderr``, ``v_stderr``, ``lambda_max_stderr``,
        ``covariance_stderr`` (over trials, or over 4 time blocks for one trial); ``regime`` of the theory;
        ``diverged`` number of diverged trials, ``status`` (estimator) with CF flags (theory: ok or
        not_converged; simulation: ok or diverged when any trial diverged). At a fixed point of an
        :class:`snt.Ensemble` (with ``lyapunov``) also ``lambda_max_finite_n`` and ``lambda_max_finite_n_std``,
        the mean and spread of λ over networks of size N (:func:`finite_size_lambda`): the
        simulated λ is to be judged against these, not against λ_MF alone. A ``population`` dim for
        :class:`Populations`.

    Notes
    -----
    Simulation statistics pool units and time: :math:`\hat m = \langle u_i(t)\rangle_{i,t}`,
    :math:`\hat\Delta(\tau) = \langle u_i(t) u_i(t+\tau)\rangle_{i,t} - \hat m^2`, the quantities of (E7)--(E9)
    for quenched thresholds. The standard errors cover trial-to-trial (noise, initial condition)
    fluctuations of one network, not network-to-network ones, nor the O(1/N) bias of finite networks.

    **Finite-N caveat.** DMFT is exact as N -> ∞. Near the onset of chaos (g close to g_c, or σ close to
    σ_c) finite networks do not follow it: at σ = 0 the transition goes fixed point -> Neimark--Sacker
    cycle -> torus -> chaos (E5), λ_max is biased (≈ c/N below λ_MF at N = 2000, SCIENCE.md §4) and
    relaxation is slow. Compare away from onset, or against finite-N expectations. At a fixed point λ of
    one network is the spectral edge of γI + J diag(f'(u*)), carried by N_eff = N<f'²>²/<f'⁴> units: it
    scatters around λ_MF by ~ 1/√N_eff (0.12 at N = 1000 for a saturated state with N_eff = 21).

    References
    ----------
    .. [1] L. Molgedey, J. Schuchhardt, H. G. Schuster, Phys. Rev. Lett. 69, 3717 (1992).
    .. [2] B. Cessac, J. Phys. I France 5, 409 (1995).

    Examples
    --------
    >>> import snt
    >>> ens = snt.Ensemble(N=300, J=1.0, g=2.0)
    >>> cmp = snt.meanfield.compare(ens, steps=300, trials=2, seed=1, transient=100, lyapunov=False)
    >>> abs(float(cmp.v.sel(estimator="simulation") / cmp.v.sel(estimator="theory")) - 1) < 0.1
    True
    """
    model = model_of(ens)
    lags = check_int(lags, "lags", minimum=1)
    trials = check_int(trials, "trials", minimum=1)
    steps = check_int(steps, "steps", minimum=1)
    transient = check_int(transient, "transient", minimum=0)
    # Δ(τ) needs lags + 2 steps per estimate; one trial is cut into 4 time blocks for its error bars
    need = (lags + 2) * (4 if trials == 1 else 1)
    if steps < need:
        raise ValueError(f"steps = {steps} is too short for lags = {lags}" +
                         (" with one trial (cut into 4 blocks for the error bars)" if trials == 1 else "") +
                         f": need steps >= {need}; raise steps or lower lags")
    if not isinstance(lyapunov, bool):
        raise TypeError(f"lyapunov must be a bool, got {type(lyapunov).__name__}")
    finite_n_draws = check_int(finite_n_draws, "finite_n_draws", minimum=0)
    if 0 < finite_n_draws < 8:
        raise ValueError(f"finite_n_draws must be 0 (no finite-size law) or >= 8, got {finite_n_draws}")
    root = as_seed_sequence(seed)
    net = ens.sample(child(root, 0))
    N = net.N
    if isinstance(ens, Populations):
        edges = np.concatenate([[0], np.cumsum(ens.sizes())])
        groups = [slice(edges[p], edges[p + 1]) for p in range(model.P)]
    else:
        groups = [slice(0, N)]
    theory = stationary(ens, lags=lags)

    seeds = children(child(root, 1), trials)
    batch = max(1, min(trials, _BATCH_ELEMENTS // (steps * N)))
    m_tr, D_tr, M_tr = [], [], []
    diverged = 0
    for start in range(0, trials, batch):
        part = seeds[start:start + batch]
        sim = simulate(net, steps, trials=len(part), transient=transient, seed=part)
        for b in range(len(part)):
            if bool(sim.diverged[b]):
                diverged += 1
                continue
            u = sim.u.values[b]
            fu = net.f(u)
            if trials == 1:
                for blk in np.array_split(np.arange(steps), 4):
                    m, D = _statistics(u[blk], groups, lags)
                    m_tr.append(m)
                    D_tr.append(D)
                    M_tr.append([fu[blk][:, sl].mean() for sl in groups])
            else:
                m, D = _statistics(u, groups, lags)
                m_tr.append(m)
                D_tr.append(D)
                M_tr.append([fu[:, sl].mean() for sl in groups])
        del sim
    if not m_tr:
        raise FloatingPointError(f"compare: every simulated trial diverged (g={net.g}, N={N})")
    m_tr, D_tr, M_tr = np.array(m_tr), np.array(D_tr), np.array(M_tr)
    lam_sim, lam_se, lam_note = np.nan, np.nan, "not estimated (lyapunov=False)"
    if lyapunov:
        from ..lyapunov import max_lyapunov
        tangent_transient = 100
        ly = max_lyapunov(net, transient + tangent_transient + steps, transient=transient,
                          tangent_transient=tangent_transient, trials=trials, seed=child(root, 2))
        lam_sim = float(ly.lambda_max.mean())
        lam_se = float(ly.lambda_max_stderr)
        lam_note = "snt.max_lyapunov (Benettin, E6), mean over trials"

    P = model.P
    th = theory if "population" in theory.dims else theory.expand_dims(population=[0])

    def pair(t, s):
        return np.stack([np.asarray(t, dtype=float).reshape(P, *np.shape(s)[1:]) if np.ndim(s) > 1
                         else np.asarray(t, dtype=float).reshape(P), s])

    src = ("estimator", "population")
    data = {
        "m": (src, pair(th.m.values, m_tr.mean(0)), {"long_name": "mean of u", "units": "1"}),
        "M": (src, pair(th.M.values, M_tr.mean(0)), {"long_name": "mean activity <f(u)>", "units": "1"}),
        "v": (src, pair(th.v.values, D_tr[:, :, 0].mean(0)), {"long_name": "variance of u", "units": "1"}),
        "q_inf": (src, pair(th.q_inf.values, D_tr[:, :, -1].mean(0)),
                  {"long_name": "long-lag covariance (simulation: at the largest lag)", "units": "1"}),
        "covariance": (src + ("lag",), pair(th.covariance.values, D_tr.mean(0)),
                        {"long_name": "covariance Delta(tau) of u", "units": "1"}),
        "lambda_max": (("estimator",), np.array([float(theory.lambda_max), lam_sim]),
                       {"long_name": "maximal Lyapunov exponent", "units": "1/step", "simulation": lam_note}),
        "m_stderr": (("population",), _se(m_tr), {"long_name": "standard error of the simulated m", "units": "1"}),
        "v_stderr": (("population",), _se(D_tr[:, :, 0]), {"long_name": "standard error of the simulated v",
                                                           "units": "1"}),
        "covariance_stderr": (("population", "lag"), _se(D_tr),
                               {"long_name": "standard error of the simulated Delta(tau)", "units": "1"}),
        "lambda_max_stderr": ((), lam_se, {"long_name": "standard error of the simulated lambda_max",
                                            "units": "1/step"}),
        "regime": ((), str(theory.regime.values), {"long_name": "kind of mean-field stationary solution", "units": "1"}),
        "diverged": ((), diverged, {"long_name": "number of diverged trials (left out of the statistics)",
                                    "units": "1"}),
        "status": status_variable([int(theory.status), STATUS["ok"] if diverged == 0 else STATUS["diverged"]],
                                  dims=("estimator",),
                                  what="estimate (theory: not_converged if the solve did not converge; "
                                       "simulation: diverged if any trial diverged)"),
    }
    if lyapunov and finite_n_draws and str(theory.regime.values) == "fixed point" and type(ens) is Ensemble:
        # one network's lambda at a fixed point is one matrix's spectral edge: its law at size N (SCIENCE.md §4)
        fs = finite_size_lambda(ens, theory, draws=finite_n_draws, seed=child(root, 3))
        data["lambda_max_finite_n"] = ((), float(fs.lambda_max_mean),
                                       {"long_name": "mean of lambda_max over networks of size N at the mean-field "
                                                     "fixed point (snt.meanfield.finite_size_lambda)",
                                        "units": "1/step"})
        data["lambda_max_finite_n_std"] = ((), float(fs.lambda_max_std),
                                           {"long_name": "its standard deviation over networks of size N",
                                            "units": "1/step"})
    if not lyapunov:
        del data["lambda_max"], data["lambda_max_stderr"]
    coords = {"estimator": coord("estimator", ["theory", "simulation"], "theory (DMFT) or simulation"),
              "population": coord("population", np.arange(P)),
              "lag": coord("lag", np.arange(lags + 1), "lag tau")}
    params = {"model": model.params, "N": N, "steps": steps, "trials": trials, "transient": transient,
              "lags": lags, "lyapunov": lyapunov}
    attrs = provenance("Dynamic mean-field theory vs simulation", "theory: " + theory.attrs["method"] +
                       "; simulation: snt.simulate (E1)" + ("; snt.max_lyapunov (E6)" if lyapunov else ""),
                       params, describe(root), references=REFERENCES,
                       comment="Finite-N networks deviate from DMFT near the onset of chaos (SCIENCE.md §4).")
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    return ds.isel(population=0, drop=True) if model.params["kind"] == "Ensemble" else ds
