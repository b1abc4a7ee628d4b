r"""Linear response kernels of the SNT map by three estimators on the trajectory engine (SCIENCE.md E12).

Lag convention (E12, used everywhere in ``snt.response``). A kick :math:`\delta u(t_0)` of the state at time
:math:`t_0` (an input added in the step :math:`t_0 - 1 \to t_0`, like the stimulus or the noise
:math:`\sigma B(t_0 - 1)` of E1) and the lag :math:`\tau \ge 0` counts the steps from the kick:

.. math:: \delta u(t_0 + \tau) = R(\tau)\,\delta u(t_0),\qquad R(0) = I,\qquad
          R(\tau) = \mathbb E\big[DF(u(t_0+\tau-1)) \cdots DF(u(t_0))\big],

so :math:`R(\tau)` is a product of :math:`\tau` Jacobians :math:`DF = \gamma I + J\Lambda` (E2).
Novikov's identity reads :math:`R_{ij}(\tau) = \mathbb E[u_i(t_0+\tau) B_j(t_0-1)]/\sigma`.

The estimators ride on :class:`snt.dynamics.Batch` (kernel ``snt._kernels.response_chunk``): tangent rows
restarted at the pulse patterns every H + 1 steps (``"jacobian"``), replicas kicked by ε that share the noise of
their trial (``"perturbation"``), and the correlation of the state with the recorded noise (``"noise"``,
Novikov 1965; σ > 0). The reference trajectory is advanced by the same product as in ``simulate``, so it is
simulate's trajectory whichever estimators ride along. A trial that diverges is flagged in ``status`` and
left out of the averages from the window in which it diverged; the others carry on.
"""

import warnings

import numpy as np
import xarray as xr

from .. import _kernels as kernels
from .._checks import check_choice, check_float, check_int
from .._seeds import child, describe
from ..dynamics import DEFAULT_NOISE_STREAM, Batch
from ..network import check_network
from ..results import coord, provenance, status_variable
from ._common import LAG_NOTE, REFS, check_sources

__all__ = ["kernel", "METHODS"]

METHODS = ("jacobian", "perturbation", "noise")


def _methods(method):
    if isinstance(method, str):
        check_choice(method, "method", METHODS)
        return (method,), False
    methods = tuple(method)
    if not methods:
        raise ValueError(f"method must be one of {list(METHODS)} or a non-empty sequence of them, got ()")
    for m in methods:
        check_choice(m, "method", METHODS)
    if len(set(methods)) != len(methods):
        raise ValueError(f"method: each method at most once, got {list(methods)}")
    return methods, True


def _stderr_blocks(values, counts):
    """Pooled mean and standard error from per-block sums ``values`` (block, ...) with ``counts`` samples."""
    counts = np.asarray(counts, dtype=float)
    c = counts.reshape(counts.shape + (1,) * (values.ndim - counts.ndim))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = values.sum(axis=0) / c.sum(axis=0)
        per = values / c
    G = values.shape[0]
    se = per.std(axis=0, ddof=1) / np.sqrt(G)
    return mean, se, per


class Pulses:
    """The rider of :func:`kernel`: K = sources + 1 + probes tangent rows and/or replicas per trial
    (patterns: the unit vectors of the sources, the uniform pulse, Rademacher probes), restarted every H
    steps (H = horizon + 1, the window); each window's records land in ``D`` (H, B, 2, K, N) and ``u``
    (H, B, N), record k being lag k of E12 (record 0: the kicked state, R(0) = I)."""

    #: the noise estimator keeps the draws: the batch hands them over as an array
    dense_noise = True

    def __init__(self, batch, H, src, probes, jac, pert, noise, eps):
        B, N = batch.B, batch.N
        self.H, self.S, self.P, self.eps = H, src.size, probes, eps
        self.K = K = self.S + 1 + probes
        self.E = np.zeros((B, K, N))
        self.E[:, np.arange(self.S), src] = 1.0
        self.E[:, self.S] = 1.0
        self.rngs = [np.random.default_rng(child(s, 1)) for s in batch.seeds]
        kv, kr = (K if jac else 0), (K if pert else 0)
        self.V, self.MV = np.zeros((B * kv, N)), np.zeros((B * kv, N))
        self.R, self.FR = np.zeros((B * kr, N)), np.zeros((B * kr, N))
        self.D = np.zeros((H if (jac or pert) else 0, B, 2, K, N))
        self.u = np.zeros((H if noise else 0, B, N))
        self.phase = 0
        batch.slopes()

    def new_patterns(self):
        if self.P and self.D.shape[0]:      # probes serve the jacobian and perturbation estimators only
            for b, rng in enumerate(self.rngs):
                self.E[b, self.S + 1:] = rng.choice((-1.0, 1.0), size=(self.P, self.E.shape[2]))

    def run(self, batch, drive, m):
        noise, stim = drive[:2]
        if stim.shape[0]:
            raise ValueError("response.kernel does not take a stimulus")
        D = self.D[self.phase:self.phase + m]
        u = self.u[self.phase:self.phase + m]
        state = (batch.U, batch.F, batch.H[:batch.Bp], batch.alive, batch.diverged_at, batch.S)
        riders = (self.V, self.MV, self.R, self.FR, self.E.reshape(-1, batch.N))
        kernels.response_chunk(batch.params, state, riders, (noise, self.eps, np.zeros((0, self.K)), np.zeros(0)),
                               (np.int64(batch.t), np.int64(m), np.int64(self.phase), np.int64(self.H)), (D, u))
        self.phase = (self.phase + m) % self.H


class Accumulator:
    """Block sums of the three estimators over the windows (the science of :func:`kernel`)."""

    def __init__(self, methods, blocks, H, N, S, P, src):
        self.methods, self.H, self.N, self.S, self.P, self.src = methods, H, N, S, P, src
        G = blocks
        self.acc = {m: {"src": np.zeros((G, H, N, S)), "mean": np.zeros((G, H)), "diag": np.zeros((G, H))}
                    for m in methods}
        self.count = {m: np.zeros((G, H)) for m in methods}
        if "noise" in methods:
            a = self.acc["noise"]
            a.update({k + "_c": np.zeros_like(a[k]) for k in ("src", "mean", "diag")})
            self.corr = {k: np.zeros(H) for k in ("u", "u0", "m", "m0")}
            self.hist_u = None
            self.hist_B = None
        self.separation = np.zeros(H)   # max |u_replica - u| (perturbation)
        self.growth = np.zeros(H)       # max ||v||_2 / ||v(1)||_2 (jacobian)
        self.windows_seen = 0

    def window(self, g, rider, live, pre_u, noise):
        """Add one window of H steps: trials ``live`` (indices alive at its end); ``pre_u`` (H, B, N) the
        states before each step, ``noise`` (B, H, N) its draws."""
        S, N = self.S, self.N
        nb = live.size
        E = rider.E[live]
        for idx, name in ((0, "jacobian"), (1, "perturbation")):
            if name not in self.methods:
                continue
            # always a contiguous copy: numpy's reductions over a strided view may round differently, and a
            # trial lost elsewhere must not change the others' sums by a bit
            D = rider.D[:, live, idx]                                    # (H, b, K, N)
            a = self.acc[name]
            a["src"][g] += D[:, :, :S].sum(axis=1).transpose(0, 2, 1)
            a["mean"][g] += D[:, :, S].mean(axis=2).sum(axis=1)
            if self.P:
                a["diag"][g] += np.einsum("hbpn,bpn->h", D[:, :, S + 1:], E[:, S + 1:]) / (N * self.P)
            self.count[name][g] += nb
            if nb == 0:
                continue
            if name == "jacobian":
                nrm = np.sqrt(np.einsum("hbkn,hbkn->hbk", D, D)) / np.sqrt(np.einsum("bkn,bkn->bk", E, E))
                self.growth = np.maximum(self.growth, nrm.max(axis=(1, 2)))
            else:
                self.separation = np.maximum(self.separation, np.abs(D).max(axis=(1, 2, 3)) * rider.eps)
        if "noise" in self.methods:
            unew, upre = rider.u[:, live], pre_u[:, live]     # copies, like D above
            self._novikov(g, unew, upre, noise[live].transpose(1, 0, 2), live)
        self.windows_seen += 1

    def _novikov(self, g, unew, upre, Bw, live):
        """Novikov: u(s0+tau) B(s0) for tau = 1..H over origins s0 = s+1-tau >= 0 of the measured run (stored at
        index tau - 1: B(s0) kicks u(s0 + 1), so this is lag tau - 1 of E12), and the control u(s0) B(s0) (mean
        zero: B(s0) enters u(s0+1)). For each lag the pairs are contiguous slices of the time-major records, so
        every product below is one BLAS call on views."""
        H, N, src = self.H, self.N, self.src
        first = self.hist_u is None
        if first:
            self.hist_u = np.full((H,) + upre.shape[1:], np.nan)
            self.hist_B = np.full((H,) + Bw.shape[1:], np.nan)
        else:
            # keep only the trials still alive (a trial that died is gone from every later window)
            self.hist_u, self.hist_B = self.hist_u[:, self._keep(live)], self.hist_B[:, self._keep(live)]
        self.live = live
        U2 = np.concatenate([self.hist_u, upre])                   # u(s0) for s0 = window start - H ...
        B2 = np.concatenate([self.hist_B, Bw])
        Bsrc = np.ascontiguousarray(B2[:, :, src])                 # (2H, b, S)
        Bsum, U2m, unm = B2.sum(axis=2), U2.mean(axis=2), unew.mean(axis=2)
        # the controls pair u(s0) with B(s0) whatever the lag: per-step sums once, then a slice per lag
        rows = slice(0 if first else 1, 2 * H)
        P0 = np.zeros((2 * H, N, src.size))
        P0[rows] = np.matmul(U2[rows].transpose(0, 2, 1), Bsrc[rows])     # sum_b u_b(s0) B_b,src(s0)
        UB0 = np.zeros(2 * H)
        UU0 = np.zeros(2 * H)
        UB0[rows] = np.einsum("sbn,sbn->s", U2[rows], B2[rows])
        UU0[rows] = np.einsum("sbn,sbn->s", U2[rows], U2[rows])
        a, c = self.acc["noise"], self.corr
        nb = live.size
        for tau in range(1, H + 1):
            i0 = tau - 1 if first else 0                            # steps s = start + i, new state u(s+1)
            j0, j1 = i0 + 1 - tau + H, 2 * H + 1 - tau              # s0 = s + 1 - tau in U2/B2
            if i0 >= H:
                continue
            un, u0, b0 = unew[i0:].reshape(-1, N), U2[j0:j1].reshape(-1, N), B2[j0:j1].reshape(-1, N)
            k = tau - 1
            a["src"][g, k] += un.T @ Bsrc[j0:j1].reshape(-1, src.size)
            a["src_c"][g, k] += P0[j0:j1].sum(axis=0)
            bsum, um, u0m = Bsum[j0:j1].ravel(), unm[i0:].ravel(), U2m[j0:j1].ravel()
            a["mean"][g, k] += um @ bsum
            a["mean_c"][g, k] += u0m @ bsum
            a["diag"][g, k] += np.vdot(un, b0) / N
            a["diag_c"][g, k] += UB0[j0:j1].sum() / N
            c["u"][k] += np.vdot(un, u0)
            c["u0"][k] += UU0[j0:j1].sum()
            c["m"][k] += um @ u0m
            c["m0"][k] += u0m @ u0m
            self.count["noise"][g, k] += (H - i0) * nb
        self.hist_u, self.hist_B = upre, Bw

    def _keep(self, live):
        """Positions in the previous window's live list of the trials live now."""
        return np.searchsorted(self.live, live)

    def noise_estimates(self):
        """Control-variate combination: X - c_tau Y with c_tau the pooled lag-tau autocorrelation coefficient
        of u (of the population mean for R_mean); E[Y] = 0, so any constant c keeps the estimate unbiased."""
        a, c = self.acc["noise"], self.corr
        with np.errstate(invalid="ignore", divide="ignore"):
            cu = c["u"] / c["u0"]
            cm = c["m"] / c["m0"]
        return {"src": a["src"] - cu[None, :, None, None] * a["src_c"],
                "mean": a["mean"] - cm[None, :] * a["mean_c"],
                "diag": a["diag"] - cu[None, :] * a["diag_c"]}, {"u": cu, "m": cm}


def kernel(net, horizon, *, sources=(0,), method="jacobian", trials=16, steps=2000, transient=500, eps=1e-4,
           probes=4, blocks=20, u0=None, seed=None, max_separation=1e-2, theory=True, progress=False,
           threads="auto", exact=False, noise_stream=DEFAULT_NOISE_STREAM):
    r"""Linear response kernel :math:`R_{ij}(\tau)` of the SNT map by one or several estimators (E12).

    .. math:: R_{ij}(\tau) = \mathbb E\Big[\big(DF(u(t_0{+}\tau{-}1))\cdots DF(u(t_0))\big)_{ij}\Big]
              = \frac{\mathbb E[u_i(t_0+\tau)\,B_j(t_0-1)]}{\sigma},\qquad \tau = 0, \dots, H

    (lag convention of E12: R(0) = I). Estimators:

    * ``"jacobian"``: one tangent vector per source and trial, :math:`v \mapsto \gamma v + J(f'(u)\odot v)`,
      restarted at :math:`e_j` every H + 1 steps; all trials' tangent rows go through one gemm per step.
    * ``"perturbation"``: a replica per source and trial, reset to :math:`u + \varepsilon e_j` every H + 1 steps
      and iterated with the full map and the same noise; :math:`R \approx \delta u/\varepsilon`. Valid while
      :math:`\varepsilon e^{\lambda\tau}` stays small: the largest separation per lag is returned
      (``separation``) and a warning is issued when it exceeds ``max_separation``.
    * ``"noise"``: Novikov's identity, perturbation-free and exact at any N; needs :math:`\sigma > 0`.
      Every step is an origin :math:`t_0`.

    Besides the columns of the chosen sources it estimates the population-mean response to a uniform pulse,
    :math:`R_m(\tau) = \frac1N \mathbf 1^T R(\tau)\mathbf 1`, and the mean diagonal
    :math:`\mathrm{Tr}\,R(\tau)/N` (by ``probes`` Rademacher vectors z, :math:`z^T R z/N`, for the first two
    methods; exactly :math:`\frac1N\sum_i \mathbb E[u_i B_i]/\sigma` for the noise), next to the mean-field
    predictions :math:`a^{\tau}`, :math:`a = \gamma + \bar J\langle f'\rangle`, and :math:`\gamma^{\tau}`.

    Parameters
    ----------
    net : Network
    horizon : int
        Largest lag H >= 1: lags 0..H (R(0) = I), measured in windows of H + 1 steps.
    sources : int or sequence of int
        Neurons j whose column :math:`R_{\cdot j}` is estimated, ``0 <= j < N``.
    method : {"jacobian", "perturbation", "noise"} or sequence of them
        A sequence runs the methods on the same trajectories and adds an ``estimator`` dimension (not
        ``method``, which ``.sel`` would take as its own keyword).
    trials : int
        Independent trials (initial conditions and noise as in :func:`snt.simulate`).
    steps : int
        Measured steps per trial (rounded down to whole windows of H + 1 steps), ``>= blocks * (horizon + 1)``.
    transient : int
        Steps discarded before measuring.
    eps : float
        Kick size of the perturbation method, ``0 < eps <= 0.1``.
    probes : int
        Rademacher probes per trial and window for the mean diagonal (jacobian, perturbation), >= 0.
    blocks : int
        Consecutive blocks of the measured windows (all trials pooled) whose spread gives the error bars, >= 2.
    u0 : (N,) or (trials, N) array_like, optional
        Initial state (default: N(0, 1) per trial).
    seed : int, SeedSequence, Generator, sequence of SeedSequence, or None
        As in :func:`snt.simulate` (trial b's noise is that of simulate's trial b); the probes of trial b use
        its child 1.
    max_separation : float
        Largest acceptable :math:`\max_i |u^{\rm replica}_i - u_i|` of the perturbation method before a
        warning, > 0.
    theory : bool
        Add the mean-field predictions (solves :func:`snt.meanfield.stationary` for the network's ensemble,
        cached per parameter set; about a second, more for gamma > 0).
    progress, threads, exact, noise_stream
        As in :func:`snt.simulate` (progress bar; the thread policy; the product policy; the noise stream).

    Returns
    -------
    xarray.Dataset
        ``R`` (lag, neuron, source) with ``R_stderr``; ``R_mean`` (lag) with ``R_mean_stderr``; ``R_diag`` (lag)
        with ``R_diag_stderr``; block estimates ``R_block``, ``R_mean_block``, ``R_diag_block`` (block, ...);
        with ``theory=True`` the mean-field ``R_mean_theory`` and ``R_diag_theory`` (lag) with ``a`` and
        ``mean_slope`` ();
        ``separation`` (lag) for the perturbation method and ``growth`` (lag), the largest
        :math:`\|v(\tau)\|/\|v(0)\|`, for the Jacobian method; ``u_final`` (trial, neuron). With several
        methods, an ``estimator`` dimension leads every estimate.

    Raises
    ------
    ValueError
        ``horizon < 1``; a source outside ``0..N-1``; ``method="noise"`` with ``net.sigma == 0``; ``steps`` too
        short for ``blocks`` windows; any other argument out of range.

    Notes
    -----
    Implements SCIENCE.md (E12) and the mean-field remark of §5. Error bars: the standard deviation of the
    block estimates divided by :math:`\sqrt{\rm blocks}`. The reference trajectory is advanced by its own
    product :math:`f(U)J^T`, separately from the tangent/replica rows, so it is the same for every choice of
    ``method`` (same seed, same trajectories: the Jacobian and perturbation estimates can be compared
    window by window).

    References
    ----------
    .. [1] B. Cessac, J.-A. Sepulchre, Phys. Rev. E 70, 056111 (2004).
    .. [2] B. Cessac, J.-A. Sepulchre, Chaos 16, 013104 (2006).
    .. [3] B. Cessac, J.-A. Sepulchre, Physica D 225, 13 (2007).
    .. [4] E. A. Novikov, Sov. Phys. JETP 20, 1290 (1965).

    Examples
    --------
    >>> import snt
    >>> net = snt.Ensemble(N=100, J=1.0, g=1.5, gamma=0.5, sigma=0.2).sample(seed=1)
    >>> R = snt.response.kernel(net, 5, sources=[0, 1], trials=4, steps=200, transient=50, seed=2)
    >>> float(R.R.sel(lag=0, neuron=0, source=0))
    1.0
    """
    check_network(net)
    horizon = check_int(horizon, "horizon", minimum=1)
    N = net.N
    src = check_sources(sources, N)
    methods, multi = _methods(method)
    if "noise" in methods and net.sigma == 0:
        raise ValueError("method='noise' (Novikov) needs noise: net.sigma must be > 0, got 0.0; use "
                         "method='jacobian' or 'perturbation' for a noiseless network")
    trials = check_int(trials, "trials", minimum=1)
    steps = check_int(steps, "steps", minimum=1)
    transient = check_int(transient, "transient", minimum=0)
    eps = check_float(eps, "eps", minimum=0.0, maximum=0.1, strict_min=True)
    probes = check_int(probes, "probes", minimum=0)
    blocks = check_int(blocks, "blocks", minimum=2)
    max_separation = check_float(max_separation, "max_separation", minimum=0.0, strict_min=True)
    span = horizon + 1                                   # a window: the kick (lag 0) and H more steps
    windows = steps // span
    if windows < blocks:
        raise ValueError(f"steps = {steps} must be at least blocks * (horizon + 1) = {blocks} * {span} = "
                         f"{blocks * span} (one window of H + 1 steps per block at least); raise steps")
    batch = Batch(net, trials, u0=u0, seed=seed, total=transient + windows * span, threads=threads,
                  exact=exact, progress=progress, desc="response.kernel", noise_stream=noise_stream)
    jac, pert, noi = (m in methods for m in METHODS)
    acc = Accumulator(methods, blocks, span, N, src.size, probes, src)
    with batch:
        batch.advance(transient)
        rider = Pulses(batch, span, src, probes, jac, pert, noi, eps)
        for w in range(windows):
            rider.new_patterns()
            pre = []

            def observe(batch, t0, m, drive, pre=pre):
                pre.append(drive[0])

            start_u = batch.U[:trials].copy()
            batch.advance(span, rider, observe)
            live = np.nonzero(batch.alive)[0]
            noise = np.concatenate(pre, axis=1) if noi else None
            pre_u = np.concatenate([start_u[None], rider.u[:-1]]) if noi else None
            acc.window(w * blocks // windows, rider, live, pre_u, noise)
    ds = _kernel_dataset(net, acc, batch.U[:trials].copy(), methods, multi, batch, bool(theory), blocks)
    params = {"network": net.params(), "horizon": horizon, "sources": src.tolist(), "method": list(methods),
              "trials": trials, "steps": steps, "measured_steps": windows * span, "transient": transient,
              "eps": eps, "probes": probes, "blocks": blocks, "max_separation": max_separation,
              "u0": "N(0,1) per trial" if u0 is None else "given", "noise_stream": batch.noise_stream}
    ds.attrs.update(provenance("Linear response kernel of the SNT map",
                               "SCIENCE.md E12: " + ", ".join(methods) + "; " + LAG_NOTE, params,
                               describe(batch.root), references=REFS))
    if "perturbation" in methods:
        worst = float(acc.separation.max())
        ds["perturbation_linear"] = ((), worst <= max_separation, {
            "long_name": "perturbation stayed below max_separation (linear regime)", "units": "1"})
        if worst > max_separation:
            warnings.warn(f"response.kernel: the perturbation grew to {worst:.3g} > max_separation = "
                          f"{max_separation} (eps e^(lambda tau) not small): lower eps or horizon", stacklevel=2)
    return ds


def _kernel_dataset(net, run, U, methods, multi, batch, theory, G):
    H = run.H
    lags = np.arange(H)          # the run's H is the window length: lags 0..H-1 (R(0) = I)
    one = {"units": "1"}
    data = {}
    stacks = {k: [] for k in ("R", "R_stderr", "R_block", "R_mean", "R_mean_stderr", "R_mean_block", "R_diag",
                              "R_diag_stderr", "R_diag_block")}
    control = None
    for m in methods:
        a, c = run.acc[m], run.count[m]
        if m == "noise":
            a, control = run.noise_estimates()
        scale = 1.0 / net.sigma if m == "noise" else 1.0
        for key, name in (("src", "R"), ("mean", "R_mean"), ("diag", "R_diag")):
            mean, se, per = _stderr_blocks(a[key] * scale, c)
            stacks[name].append(mean)
            stacks[name + "_stderr"].append(se)
            stacks[name + "_block"].append(per)
        if m != "noise" and run.P == 0:
            stacks["R_diag"][-1][:] = np.nan
            stacks["R_diag_stderr"][-1][:] = np.nan
            stacks["R_diag_block"][-1][:] = np.nan

    def put(name, dims, attrs):
        arr = np.stack(stacks[name]) if multi else stacks[name][0]
        data[name] = ((("estimator",) if multi else ()) + dims, arr, attrs)

    put("R", ("lag", "neuron", "source"), {"long_name": "response kernel R_ij(tau)", **one})
    put("R_stderr", ("lag", "neuron", "source"), {"long_name": "standard error of R", **one,
                                                 "method": "std of block estimates / sqrt(blocks)"})
    put("R_block", ("block", "lag", "neuron", "source"), {"long_name": "R per block", **one})
    put("R_mean", ("lag",), {"long_name": "population-mean response to a uniform pulse", **one})
    put("R_mean_stderr", ("lag",), {"long_name": "standard error of R_mean", **one})
    put("R_mean_block", ("block", "lag"), {"long_name": "R_mean per block", **one})
    if run.P > 0 or "noise" in methods:     # without probes the tangent/replica methods have no diagonal
        put("R_diag", ("lag",), {"long_name": "mean diagonal response Tr R(tau) / N", **one,
                                 "comment": "NaN when probes = 0 (jacobian, perturbation)"})
        put("R_diag_stderr", ("lag",), {"long_name": "standard error of R_diag", **one})
        put("R_diag_block", ("block", "lag"), {"long_name": "R_diag per block", **one})
    if theory:
        from ..meanfield import response_prediction
        mf = response_prediction(net, lags)
        data["R_mean_theory"] = (("lag",), mf["R_mean"], {"long_name": "mean-field a^tau, a = gamma + Jbar <f'>",
                                                          **one, "ensemble": mf["ensemble"], "regime": mf["regime"]})
        data["R_diag_theory"] = (("lag",), mf["R_diag"], {"long_name": "mean-field gamma^tau", **one})
        data["a"] = ((), mf["a"], {"long_name": "mean-field mean-mode multiplier a = gamma + Jbar <f'>", **one})
        data["mean_slope"] = ((), mf["mean_slope"], {"long_name": "<f'(u)>, u ~ N(m*, v*)", **one})
    if "perturbation" in methods:
        data["separation"] = (("lag",), run.separation,
                              {"long_name": "largest |u_replica - u| of the perturbation method", **one})
    if "jacobian" in methods:
        data["growth"] = (("lag",), run.growth, {"long_name": "largest tangent growth ||v(tau)|| / ||v(0)||", **one})
    if control is not None:
        data["control_coefficient"] = (("lag",), control["u"], {
            "long_name": "noise method: control-variate coefficient c_tau = <u(t0+tau) u(t0-1)> / <u(t0-1)^2>",
            **one, "comment": "R = E[(u(t0+tau) - c_tau u(t0-1)) B(t0-1)] / sigma; E[u(t0-1) B(t0-1)] = 0"})
    data["u_final"] = (("trial", "neuron"), U, {"long_name": "state after the last step", **one})
    data["status"] = status_variable(batch.status())
    data["diverged_at"] = (("trial",), batch.diverged_at.copy(),
                           {"long_name": "first time with a non-finite state (-1: never)", "units": "step"})
    coords = {"lag": coord("lag", lags), "neuron": coord("neuron", np.arange(net.N)),
              "source": coord("source", run.src), "block": coord("block", np.arange(G), "block of measured windows"),
              "trial": coord("trial", np.arange(batch.B))}
    if multi:
        coords["estimator"] = coord("estimator", list(methods), "estimator of R(tau) (E12)")
    return xr.Dataset(data, coords=coords)


