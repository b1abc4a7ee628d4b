r"""Hebbian learning with passive forgetting on a random recurrent rate network, analysed epoch by epoch with
snt's own tools (docs/science/plasticity.md (P14)–(P19)).

Rate model (P14): :math:`x_i = f(u_i)`, :math:`f(u) = (1 + \tanh(g u))/2`,
:math:`u(t+1) = \gamma u(t) + W x(t) - \theta + \xi (+ \sigma B(t))` with a static pattern ξ. Learning
epochs T = 0, 1, …: with :math:`W^{(T)}` frozen the network runs ``steps_per_epoch`` steps, a Hebbian matrix
:math:`\Gamma^{(T)}` is formed from the rates (P16) and

.. math:: W^{(T+1)} = \lambda W^{(T)} + \frac{\alpha}{N}\,\Gamma^{(T)} \qquad\text{(P17)}

(λ = ``forgetting``, α = ``rate``). The rate model is the SNT map E1 with J = W, thresholds θ − ξ and the
logistic transfer (:func:`snt_network`; the same u(t) as the odd network J = W/2,
:math:`\theta^{E1} = \theta - \xi - \tfrac12 W\mathbf 1`, f = tanh of (P15)), so the Lyapunov exponent,
regime, Jacobian and response kernel of every epoch come from :func:`snt.bifurcation.orbit_point`,
:func:`snt.jacobian` and :func:`snt.response.kernel`, and snt's population activity M is the mean rate.
"""

import numbers

import numpy as np
import xarray as xr

from .._checks import check_array, check_choice, check_float, check_int
from .._seeds import as_seed_sequence, child, describe
from .._threads import blas_limit
from ..io import provenance
from ..network import Network
from ..simulate import check_network

__all__ = ["hebbian", "snt_network", "rates", "hebbian_matrix", "route", "route_status", "RULES", "ROUTES"]

RULES = ("covariance", "mean_deviation", "gated")
#: Complexity of a regime along the route to chaos (the labels "not settled" and "diverged" have none).
_RANK = {"chaotic": 3, "quasi-periodic": 2, "periodic": 1, "fixed point": 0}
#: Outcomes of :func:`route_status`.
ROUTES = ("reverse route", "reverse route with revisits", "no stable state", "not from chaos", "undecided")


def snt_network(W, theta, xi, g, gamma=0.0, sigma=0.0):
    r"""The SNT network that iterates the rate model (P14): J = W, θ^{E1} = θ − ξ and the logistic transfer
    f(u) = (1 + tanh(g u))/2 (equivalently, by (P15), J = W/2, θ^{E1} = θ − ξ − ½ W 1 and f = tanh)."""
    W = np.asarray(W, dtype=np.float64)
    return Network(W, theta=np.asarray(theta) - np.asarray(xi), g=g, gamma=gamma, sigma=sigma, transfer="logistic")


def rates(u, g):
    """Firing rates x = (1 + tanh(g u)) / 2 of local fields u (P14)."""
    return 0.5 * (1.0 + np.tanh(g * np.asarray(u)))


def _mean_rate(ds, name):
    """Mean rate from the population activity of a simulate/orbit Dataset (with the logistic transfer M is the
    mean rate itself): the one place that reads snt's population-activity variable."""
    return ds[name].values


def hebbian_matrix(x, rule="covariance", d=0.5):
    r"""The Hebbian matrix :math:`\Gamma` of one epoch from the rates ``x`` (steps, N) (P16).

    ``"covariance"``: :math:`\frac1\tau\sum_t (x_i - \bar x_i)(x_j - \bar x_j)`; ``"mean_deviation"``:
    :math:`(\bar x_i - d)(\bar x_j - d)`; ``"gated"``: :math:`(\bar x_i - d)(\bar x_j - d)H(\bar x_j - d)`;
    a callable ``rule(x)`` returning (N, N) is used as given.
    """
    x = np.asarray(x, dtype=np.float64)
    if callable(rule):
        G = np.asarray(rule(x), dtype=np.float64)
        N = x.shape[1]
        if G.shape != (N, N) or not np.all(np.isfinite(G)):
            raise ValueError(f"rule(x) must return a finite ({N}, {N}) array, got shape {G.shape}")
        return G
    mean = x.mean(axis=0)
    if rule == "covariance":
        dev = x - mean
        return dev.T @ dev / x.shape[0]
    dm = mean - d
    G = np.outer(dm, dm)
    if rule == "gated":
        G *= (dm > 0)[None, :]
    return G


def _spectral_radius(A):
    return float(np.max(np.abs(np.linalg.eigvals(A))))


def _pattern_response(net, pattern, horizon, trials, steps, blocks, seed):
    r"""Response amplitude :math:`A = \frac1{H-1}\sum_{\tau=2}^{H}\|R(\tau)\hat p\|` of the network to a pulse
    along the pattern direction (P18), from the full response kernel, with its standard error over blocks."""
    from ..response import kernel
    N = net.N
    p = pattern / np.linalg.norm(pattern)
    ds = kernel(net, horizon, sources=np.arange(N), method="jacobian", trials=trials, steps=steps,
                transient=steps // 2, blocks=blocks, seed=seed, theory=False, probes=0)
    Rb = ds["R_block"].values                                              # (block, lag, neuron, source)
    amp = np.linalg.norm(Rb[:, 1:] @ p, axis=-1).mean(axis=1)              # (block,)
    return float(amp.mean()), float(amp.std(ddof=1) / np.sqrt(amp.size))


def _check(net, pattern, epochs, steps_per_epoch, forgetting, rate, rule, transfer, threshold, transient,
           novel, horizon):
    check_network(net)
    N = net.N
    pattern = check_array(pattern, "pattern")
    if pattern.shape != (N,):
        raise ValueError(f"pattern must have shape ({N},) to match the network, got {pattern.shape}")
    if not np.any(pattern):
        raise ValueError("pattern must not be all zeros (its direction defines the learned response)")
    check_int(epochs, "epochs", minimum=1)
    check_int(steps_per_epoch, "steps_per_epoch", minimum=2)
    check_float(forgetting, "forgetting", minimum=0.0, maximum=1.0)
    check_float(rate, "rate", minimum=0.0)
    if not callable(rule):
        check_choice(rule, "rule", RULES)
    check_choice(transfer, "transfer", ("logistic",))
    check_float(threshold, "threshold", minimum=0.0, maximum=1.0)
    check_int(transient, "transient", minimum=0)
    check_int(novel, "novel", minimum=0)
    check_int(horizon, "horizon", minimum=2)
    return pattern


def hebbian(net, pattern, *, epochs=40, steps_per_epoch=500, forgetting=0.9, rate=30.0, rule="covariance",
            transfer="logistic", threshold=0.5, transient=100, novel=3, horizon=6, response_every=1,
            orbit_steps=1000, orbit_transient=1000, samples=100, response_trials=2, response_steps=300,
            blocks=10, record_weights=True, seed=None, progress=False):
    r"""Hebbian learning epochs on a random rate network with per-epoch dynamics and response (P14)–(P19).

    Parameters
    ----------
    net : Network
        Initial rate couplings :math:`W^{(0)}` = ``net.J``, gain g, thresholds θ, leak γ and noise σ of the
        rate model (P14); ``net.transfer`` is not used (the rate transfer is ``transfer``).
    pattern : (N,) array_like
        The static input ξ that is learned.
    epochs : int
        Learning epochs; the dynamics is measured at T = 0 .. epochs (epochs + 1 points).
    steps_per_epoch : int
        Steps τ of frozen-W dynamics whose rates form Γ (after ``transient`` steps), >= 2.
    forgetting : float
        λ in [0, 1] (1: no forgetting).
    rate : float
        α >= 0. The Hebbian increment is (α/N)Γ with ``|Γ_ij| <= 1/4`` for the covariance; the default 30 makes it
        comparable, over a few epochs, to couplings of order 1/√N (with α ~ 1 forgetting alone acts).
    rule : {"covariance", "mean_deviation", "gated"} or callable
        Hebbian matrix Γ (P16). Default "covariance": the fluctuations' correlations, which vanish on a fixed
        point, so learning stops adding structure once the dynamics has settled (the published choice is not
        known to us; the other two are time-averaged products of mean deviations from ``threshold``).
    transfer : {"logistic"}
        Rate transfer (1 + tanh(g u))/2, iterated through the exact E1 mapping (P15).
    threshold : float
        d of the mean-deviation rules, in [0, 1].
    transient : int
        Steps of each epoch discarded before the rates are averaged (the state carries over between epochs).
    novel : int
        Novel patterns (random permutations of ξ's entries: same values, other neurons) whose response is
        compared with the learned one (0: none).
    horizon : int
        Largest lag H of the response kernel (P18).
    response_every : int
        Measure the responses every k epochs (and at the last); NaN elsewhere.
    orbit_steps, orbit_transient, samples : int
        Options of :func:`snt.bifurcation.orbit_point` (regime, λ_max and the orbit of the mean rate).
    response_trials, response_steps, blocks : int
        Options of :func:`snt.response.kernel` (error bars over blocks).
    record_weights : bool
        Keep :math:`W^{(T)}` (epoch, post, pre).
    seed : int, SeedSequence or None
        Initial state child 0; learning run of epoch T child (1, T); orbit (2, T); responses (3, T, k); novel
        patterns child 4; novel patterns' orbits (5, T, k).
    progress : bool

    Returns
    -------
    xarray.Dataset
        Along ``epoch``: ``lambda_max``, ``lambda_max_stderr``, ``regime``, ``rate_orbit`` (epoch, sample) the mean
        rate on the attractor, ``spectral_radius`` ρ(W), ``rho_DF`` the mean spectral radius of the Jacobian
        along the epoch's run, ``log_rho_DF_end`` ln ρ(DF) at its last state (= λ_max on a fixed point),
        ``mean_rate``, ``gamma_norm`` ‖Γ‖₂, ``response_learned`` / ``response_novel`` with ``*_stderr``,
        ``response_novel_each`` (epoch, novel); ``lambda_novel`` with ``lambda_novel_stderr`` and
        ``lambda_novel_each`` (epoch, novel), the exponent of the same frozen network driven by each novel
        pattern (at the response epochs); ``settled`` and ``evidence`` (epoch), what each regime label rests
        on (:func:`snt.bifurcation.orbit_point`); ``W`` (epoch, post, pre) if recorded. Attributes ``route``
        (the regimes visited, in order), ``route_status``, ``route_revisits`` and ``undecided_epochs`` (see
        :func:`route_status`) and ``first_negative_epoch`` (-1: λ_max never < 0).
    """
    from ..bifurcation import orbit_point
    from ..simulate import simulate
    from ..stability import jacobian
    pattern = _check(net, pattern, epochs, steps_per_epoch, forgetting, rate, rule, transfer, threshold, transient,
                     novel, horizon)
    response_every = check_int(response_every, "response_every", minimum=1)
    if not isinstance(progress, (bool, numbers.Integral)):
        raise TypeError(f"progress must be a bool, got {type(progress).__name__}")
    N, g, gamma, sigma, theta = net.N, net.g, net.gamma, net.sigma, np.asarray(net.theta)
    root = as_seed_sequence(seed)
    perm_rng = np.random.default_rng(child(root, 4))
    novel_patterns = [pattern[perm_rng.permutation(N)] for _ in range(novel)]
    u = np.random.default_rng(child(root, 0)).standard_normal(N)
    W = np.array(net.J, dtype=np.float64)
    E = epochs + 1
    out = {k: np.full(E, np.nan) for k in ("lambda_max", "lambda_max_stderr", "spectral_radius", "rho_DF",
                                          "log_rho_DF_end", "mean_rate", "gamma_norm", "response_learned",
                                          "response_learned_stderr", "response_novel", "response_novel_stderr",
                                          "lambda_novel", "lambda_novel_stderr")}
    regime = np.empty(E, dtype=object)
    settled = np.zeros(E, dtype=bool)
    evidence = np.empty(E, dtype=object)
    rate_orbit = np.full((E, samples), np.nan)
    each = np.full((E, novel), np.nan)
    lam_each = np.full((E, novel), np.nan)
    Ws = np.empty((E, N, N)) if record_weights else None
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=E, unit="epoch", desc="hebbian")
    resp = dict(horizon=horizon, trials=response_trials, steps=response_steps, blocks=blocks)
    limit = blas_limit(1)
    try:
        for T in range(E):
            net_T = snt_network(W, theta, pattern, g, gamma, sigma)
            if Ws is not None:
                Ws[T] = W
            out["spectral_radius"][T] = _spectral_radius(W)
            orb = orbit_point(net_T, child(root, 2, T), steps=orbit_steps, transient=orbit_transient,
                              samples=samples)
            out["lambda_max"][T] = float(orb.lambda_max)
            out["lambda_max_stderr"][T] = float(orb.lambda_max_stderr)
            regime[T] = str(orb.regime.values)
            settled[T], evidence[T] = bool(orb.settled), str(orb.evidence.values)
            rate_orbit[T] = _mean_rate(orb, "M_orbit")
            if T % response_every == 0 or T == E - 1:
                a, se = _pattern_response(net_T, pattern, seed=child(root, 3, T, 0), **resp)
                out["response_learned"][T], out["response_learned_stderr"][T] = a, se
                if novel:
                    nets = [snt_network(W, theta, p, g, gamma, sigma) for p in novel_patterns]
                    res = [_pattern_response(n_p, p, seed=child(root, 3, T, k + 1), **resp)
                           for k, (n_p, p) in enumerate(zip(nets, novel_patterns))]
                    lam_n = np.array([float(orbit_point(n_p, child(root, 5, T, k), steps=orbit_steps,
                                                        transient=orbit_transient, samples=samples).lambda_max)
                                      for k, n_p in enumerate(nets)])
                    lam_each[T] = lam_n
                    out["lambda_novel"][T] = lam_n.mean()
                    out["lambda_novel_stderr"][T] = lam_n.std(ddof=1) / np.sqrt(novel) if novel > 1 else np.nan
                    vals = np.array([r[0] for r in res])
                    ses = np.array([r[1] for r in res])
                    each[T] = vals
                    out["response_novel"][T] = vals.mean()
                    spread = vals.std(ddof=1) ** 2 if novel > 1 else 0.0
                    out["response_novel_stderr"][T] = np.sqrt((spread + np.mean(ses ** 2)) / novel)
            sim = simulate(net_T, steps_per_epoch, transient=transient, u0=u, record="u", seed=child(root, 1, T))
            U = sim.u.values[0]
            u = sim.u_final.values[0]
            x = rates(U, g)
            out["mean_rate"][T] = float(x.mean())
            picks = U[np.linspace(0, steps_per_epoch - 1, min(10, steps_per_epoch)).astype(int)]
            out["rho_DF"][T] = float(np.mean([_spectral_radius(D) for D in jacobian(net_T, picks)]))
            with np.errstate(divide="ignore"):                 # saturated units: rho = 0, ln rho = -inf
                out["log_rho_DF_end"][T] = float(np.log(_spectral_radius(jacobian(net_T, U[-1]))))
            if T < epochs:
                G = hebbian_matrix(x, rule, threshold)
                out["gamma_norm"][T] = float(np.linalg.norm(G, 2))
                W = forgetting * W + (rate / N) * G
            if bar is not None:
                bar.update(1)
                bar.set_postfix(lambda_max=f"{out['lambda_max'][T]:.3f}", regime=regime[T])
    finally:
        limit.restore_original_limits()
        if bar is not None:
            bar.close()
    return _dataset(net, pattern, out, (regime, settled, evidence), rate_orbit, (each, lam_each), Ws, root,
                    dict(epochs=epochs, steps_per_epoch=steps_per_epoch, forgetting=forgetting, rate=rate,
                         rule=rule if isinstance(rule, str) else getattr(rule, "__name__", "callable"),
                         transfer=transfer, threshold=threshold, transient=transient, novel=novel, horizon=horizon,
                         response_every=response_every, orbit_steps=orbit_steps, orbit_transient=orbit_transient,
                         samples=samples, response_trials=response_trials, response_steps=response_steps,
                         blocks=blocks))


def route(regimes):
    """The regimes visited, consecutive repeats removed, e.g. ['chaotic', 'quasi-periodic', 'fixed point']."""
    seq = []
    for r in regimes:
        if not seq or seq[-1] != r:
            seq.append(str(r))
    return seq


def route_status(regimes, lambda_max):
    r"""Whether learning followed the reverse route chaos → … → stable state (P19), and where it did not.

    Parameters
    ----------
    regimes : sequence of str
        The regime of every epoch (labels of ``snt.bifurcation.REGIMES``).
    lambda_max : sequence of float
        λ_max of every epoch.

    Returns
    -------
    (status, revisits, undecided)
        ``status`` is one of ``snt.plasticity.ROUTES``: "reverse route" when the run starts chaotic, ends on a
        fixed point or a cycle with λ_max < 0 and the complexity (chaotic > quasi-periodic > periodic > fixed
        point) never increases from one labelled epoch to the next; "reverse route with revisits" when it does increase on
        the way (``revisits`` lists them as "T: a -> b"); "no stable state" when the last epoch is not a fixed
        point or cycle with λ_max < 0; "not from chaos" when epoch 0 is not chaotic; "undecided" when the first
        or the last epoch has no label ("not settled", "diverged"). ``undecided`` lists the epochs without a
        label, which the monotonicity test skips.
    """
    regimes = [str(r) for r in regimes]
    lam = np.asarray(lambda_max, dtype=float)
    undecided = [T for T, r in enumerate(regimes) if r not in _RANK]
    if not regimes or regimes[0] not in _RANK or regimes[-1] not in _RANK:
        return "undecided", [], undecided
    if regimes[0] != "chaotic":
        return "not from chaos", [], undecided
    if _RANK[regimes[-1]] > 1 or not lam[-1] < 0:
        return "no stable state", [], undecided
    revisits, prev = [], None
    for T, r in enumerate(regimes):
        if r not in _RANK:
            continue
        if prev is not None and _RANK[r] > _RANK[prev]:
            revisits.append(f"{T}: {prev} -> {r}")
        prev = r
    return ("reverse route with revisits" if revisits else "reverse route"), revisits, undecided


def _dataset(net, pattern, out, labels, rate_orbit, novel_each, Ws, root, params):
    regime, settled, evidence = labels
    each, lam_each = novel_each
    E = regime.size
    one = {"units": "1"}
    names = {
        "lambda_max": ("maximal Lyapunov exponent of the frozen network", "1/step"),
        "lambda_max_stderr": ("standard error of lambda_max", "1/step"),
        "spectral_radius": ("spectral radius of the rate couplings W (E1 couplings J = W/2)", "1"),
        "rho_DF": ("mean spectral radius of the Jacobian DF along the epoch's run", "1"),
        "log_rho_DF_end": ("ln spectral radius of DF at the last state of the epoch's run", "1/step"),
        "mean_rate": ("mean firing rate over the epoch's run", "1"),
        "gamma_norm": ("spectral norm of the Hebbian matrix Gamma of the epoch", "1"),
        "response_learned": ("response amplitude to a pulse along the learned pattern", "1"),
        "response_learned_stderr": ("standard error of response_learned (blocks)", "1"),
        "response_novel": ("mean response amplitude to novel patterns", "1"),
        "response_novel_stderr": ("standard error of response_novel (patterns and blocks)", "1"),
        "lambda_novel": ("mean maximal Lyapunov exponent of the frozen network under novel patterns", "1/step"),
        "lambda_novel_stderr": ("standard error of lambda_novel over the novel patterns", "1/step"),
    }
    data = {k: (("epoch",), out[k], {"long_name": ln, "units": u}) for k, (ln, u) in names.items()}
    data["regime"] = (("epoch",), regime.astype(str), {"long_name": "dynamical regime (snt.bifurcation)"})
    data["settled"] = (("epoch",), settled, {"long_name": "orbit settled on its attractor (False: converging or "
                                                          "undecided)"})
    data["evidence"] = (("epoch",), evidence.astype(str), {"long_name": "what the regime label rests on"})
    data["rate_orbit"] = (("epoch", "sample"), rate_orbit, {"long_name": "mean rate on the attractor", **one})
    data["response_novel_each"] = (("epoch", "novel"), each, {"long_name": "response amplitude per novel pattern",
                                                              **one})
    data["lambda_novel_each"] = (("epoch", "novel"), lam_each, {"long_name": "lambda_max per novel pattern",
                                                                "units": "1/step"})
    data["pattern"] = (("neuron",), pattern, {"long_name": "learned input pattern xi", **one})
    coords = {"epoch": ("epoch", np.arange(E), {"long_name": "learning epoch T"}),
              "sample": ("sample", np.arange(rate_orbit.shape[1]), {"long_name": "orbit sample"}),
              "novel": ("novel", np.arange(each.shape[1]), {"long_name": "novel pattern"}),
              "neuron": ("neuron", np.arange(net.N), {"long_name": "neuron index"})}
    if Ws is not None:
        data["W"] = (("epoch", "post", "pre"), Ws, {"long_name": "rate couplings W^(T)", **one})
        coords["post"] = ("post", np.arange(net.N), {"long_name": "postsynaptic neuron"})
        coords["pre"] = ("pre", np.arange(net.N), {"long_name": "presynaptic neuron"})
    neg = np.flatnonzero(out["lambda_max"] < 0)
    attrs = provenance("Hebbian learning with passive forgetting on a rate network", "docs/science/plasticity.md "
                       "P14-P19; SCIENCE.md E1, E2, E6, E12", dict(params, network=net.params()), describe(root),
                       references="Siri, Berry, Cessac, Delord, Quoy, Neural Comput. 20, 2937 (2008), "
                                  "doi:10.1162/neco.2008.05-07-530")
    attrs["route"] = " -> ".join(route(regime))
    status, revisits, undecided = route_status(regime, out["lambda_max"])
    attrs["route_status"] = status
    attrs["route_revisits"] = "; ".join(revisits)
    attrs["undecided_epochs"] = " ".join(map(str, undecided))
    attrs["first_negative_epoch"] = int(neg[0]) if neg.size else -1
    return xr.Dataset(data, coords=coords, attrs=attrs)
