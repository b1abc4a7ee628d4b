r"""Linear response of the SNT map: response kernels, susceptibility, power spectra, effective connectivity
(SCIENCE.md E12, E13).

Lag convention (used everywhere in this module). A pulse :math:`\delta\xi(t_0)` is an input added in the
step :math:`t_0 \to t_0 + 1` (like the stimulus :math:`\xi(t_0)` or the noise :math:`\sigma B(t_0)` of E1),
and the lag :math:`\tau \ge 1` counts the steps from that input to the response:

.. math:: \delta u(t_0 + \tau) = R(\tau)\,\delta\xi(t_0),\qquad R(1) = I,\qquad
          R(\tau) = \mathbb E\big[DF(u(t_0+\tau-1)) \cdots DF(u(t_0+1))\big],

so :math:`R(\tau)` is a product of :math:`\tau - 1` Jacobians :math:`DF = \gamma I + J\Lambda` (E2). In the
state-kick form of E12, :math:`\delta u(t_0 + k) = \prod DF\,\delta u(t_0)` is our :math:`R(k + 1)`.
With this convention the susceptibility (E13)

.. math:: \chi(\omega) = \sum_{\tau \ge 1} R(\tau)\, e^{-i\omega\tau}

is the response to :math:`\xi(t) = \varepsilon\cos\omega t`: :math:`\delta u(t) = \varepsilon\,
\mathrm{Re}[\chi(\omega) e^{i\omega t}]`, and at a stable fixed point :math:`\chi(\omega) =
(e^{i\omega} - DF(u^*))^{-1}` exactly. Novikov's identity reads :math:`R_{ij}(\tau) =
\mathbb E[u_i(t_0+\tau) B_j(t_0)]/\sigma`.

Three estimators of E12 (:func:`kernel`), all batched over trials (one gemm per step for all trials):
``"jacobian"`` (tangent vectors :math:`v \mapsto \gamma v + J\Lambda v` along the trajectory),
``"perturbation"`` (replicas kicked by :math:`\varepsilon`, sharing the noise of the reference) and
``"noise"`` (Novikov 1965; :math:`\sigma > 0`). Asking for several methods at once runs them on the same
trajectories.

References: B. Cessac, J.-A. Sepulchre, Phys. Rev. E 70, 056111 (2004), doi:10.1103/PhysRevE.70.056111;
Chaos 16, 013104 (2006), doi:10.1063/1.2126813; Physica D 225, 13 (2007), doi:10.1016/j.physd.2006.09.034;
E. A. Novikov, Sov. Phys. JETP 20, 1290 (1965); D. Ruelle, Phys. Lett. A 245, 220 (1998).
"""

import functools
import numbers
import warnings

import numpy as np
import scipy.signal
import xarray as xr

from . import kernels
from ._checks import check_array, check_choice, check_float, check_int
from ._seeds import child, describe
from ._threads import blas_limit, check_threads
from .io import provenance
from .lyapunov import _Trajectory
from .network import Network
from .simulate import check_network

__all__ = ["kernel", "susceptibility", "susceptibility_from_kernel", "power_spectrum", "effective_connectivity",
           "resonances", "resonant_network", "meanfield_prediction"]

METHODS = ("jacobian", "perturbation", "noise")

_REFS = ("Cessac, Sepulchre, Phys. Rev. E 70, 056111 (2004), doi:10.1103/PhysRevE.70.056111; Cessac, Sepulchre, "
         "Chaos 16, 013104 (2006), doi:10.1063/1.2126813; Cessac, Sepulchre, Physica D 225, 13 (2007), "
         "doi:10.1016/j.physd.2006.09.034; Novikov, Sov. Phys. JETP 20, 1290 (1965)")

_LAG_NOTE = ("lag tau >= 1 counts steps from the input xi(t0) (added in the step t0 -> t0+1) to u(t0+tau); "
             "R(1) = I, R(tau) = E[DF(u(t0+tau-1)) ... DF(u(t0+1))]")


# ------------------------------------------------------------------------------------------------------------
# argument checks
# ------------------------------------------------------------------------------------------------------------

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


def _sources(sources, N):
    if isinstance(sources, numbers.Integral) and not isinstance(sources, bool):
        sources = [sources]
    out = []
    for s in sources:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"sources must be neuron indices (ints), got {s!r}")
        if not 0 <= s < N:
            raise ValueError(f"sources: neuron index {int(s)} out of range; allowed 0 <= source <= {N - 1} (N = {N})")
        out.append(int(s))
    if len(set(out)) != len(out):
        raise ValueError(f"sources must be distinct, got {out}")
    return np.array(out, dtype=np.int64)


def _stderr_blocks(values, counts):
    """Pooled mean and standard error from per-block sums ``values`` (block, ...) with ``counts`` samples."""
    counts = np.asarray(counts, dtype=float)
    c = counts.reshape(counts.shape + (1,) * (values.ndim - counts.ndim))
    mean = values.sum(axis=0) / c.sum(axis=0)
    per = values / c
    G = values.shape[0]
    se = per.std(axis=0, ddof=1) / np.sqrt(G)
    return mean, se, per


# ------------------------------------------------------------------------------------------------------------
# mean-field predictions (SCIENCE.md §5)
# ------------------------------------------------------------------------------------------------------------

def _ensemble_of(net):
    """The iid ensemble the network came from (``net.origin``), else the one matching its moments."""
    from .ensembles import Ensemble
    origin = (net.origin or {}).get("ensemble")
    if origin is not None and {"J", "Jbar"} <= set(origin):
        ens = Ensemble(**{k: origin[k] for k in ("N", "J", "Jbar", "theta_mean", "theta_std")},
                       g=net.g, gamma=net.gamma, sigma=net.sigma, transfer=net.transfer)
        return ens, "ensemble parameters of net.origin"
    N = net.N
    ens = Ensemble(N=N, J=float(net.J.std() * np.sqrt(N)), Jbar=float(net.J.mean() * N),
                   theta_mean=float(net.theta.mean()), theta_std=float(net.theta.std()), g=net.g,
                   gamma=net.gamma, sigma=net.sigma, transfer=net.transfer)
    return ens, "moments of J and theta (J = sqrt(N) std J, Jbar = N mean J)"


def meanfield_prediction(net, lags):
    r"""Mean-field population-mean and diagonal responses (SCIENCE.md §5):
    :math:`R_m(\tau) = a^{\tau - 1}`, :math:`a = \gamma + \bar J\langle f'\rangle`, and
    :math:`\mathrm{Tr}\,R(\tau)/N = \gamma^{\tau - 1}`, in this module's lag convention (R(1) = I).

    :math:`\langle f'\rangle` is the Gaussian average over :math:`u \sim \mathcal N(m^*, v^*)` with the
    stationary state of :func:`snt.meanfield.stationary` (trapezoid rule of ``snt.meanfield``). Exact as
    N -> ∞ for iid couplings, odd f and :math:`\bar\theta = \sigma_\theta = 0`; otherwise a guide.

    Parameters
    ----------
    net : Network
    lags : (L,) array_like of int
        Lags τ >= 1.

    Returns
    -------
    dict
        ``a``, ``mean_slope`` :math:`\langle f'\rangle`, ``m``, ``v``, ``R_mean`` (L,), ``R_diag`` (L,),
        ``source`` (where the ensemble parameters came from).
    """
    ens, source = _ensemble_of(net)
    m, v, fp, regime = _stationary_slope(ens.replace(N=1))   # the mean-field state does not depend on N
    a = net.gamma + ens.Jbar * fp
    lags = np.asarray(lags, dtype=float)
    return {"a": a, "mean_slope": fp, "m": m, "v": v, "R_mean": a ** (lags - 1), "R_diag": net.gamma ** (lags - 1),
            "source": source, "regime": regime}


@functools.lru_cache(maxsize=64)
def _stationary_slope(ens):
    """m*, v*, <f'> over N(m*, v*) and the regime, of an Ensemble (cached: the two-time march costs seconds)."""
    from .meanfield import stationary
    from .meanfield._gauss import grid, moments
    st = stationary(ens)
    m, v = float(st.m), float(st.v)
    z, w = grid()
    fp = float(moments(np.array([m]), np.array([v]), ens.g, kernels.TRANSFER_CODES[ens.transfer], z, w)[2, 0])
    return m, v, fp, str(st.regime.values)


# ------------------------------------------------------------------------------------------------------------
# the batched run behind kernel(): one reference trajectory per trial, tangent rows, kicked replicas, noise
# ------------------------------------------------------------------------------------------------------------

class _Run:
    """Measured part of :func:`kernel`: B trials advanced together, windows of ``H`` steps."""

    def __init__(self, traj, H, src, probes, methods, eps, windows, blocks):
        net = traj.net
        self.traj, self.net, self.H = traj, net, H
        self.B, self.N = traj.B, traj.N
        self.src = src
        self.S = src.size
        self.P = probes
        self.K = self.S + 1 + probes              # rows: sources, uniform pulse, probes
        self.methods, self.eps = methods, eps
        self.windows, self.blocks = windows, blocks
        self.JT = np.ascontiguousarray(net.J.T)
        self.theta = np.ascontiguousarray(net.theta)
        self.probe_rngs = [np.random.default_rng(child(s, 1)) for s in traj.seeds]
        G, K, N, S = blocks, self.K, self.N, self.S
        self.acc = {m: {"src": np.zeros((G, H, N, S)), "mean": np.zeros((G, H)), "diag": np.zeros((G, H))}
                    for m in methods}
        self.count = {m: np.zeros((G, H)) for m in methods}
        if "noise" in methods:
            self.acc["noise"].update({k: np.zeros_like(v) for k, v in
                                      (("src_c", self.acc["noise"]["src"]), ("mean_c", self.acc["noise"]["mean"]),
                                       ("diag_c", self.acc["noise"]["diag"]))})
            self.corr = {k: np.zeros(H) for k in ("u", "u0", "m", "m0")}
        self.separation = np.zeros(H)   # max |u_replica - u| (perturbation)
        self.growth = np.zeros(H)       # max ||v||_2 / ||v(1)||_2 (jacobian)
        self.E = np.zeros((self.B, K, N))
        self.E[:, np.arange(self.S), src] = 1.0
        self.E[:, self.S] = 1.0

    def new_patterns(self):
        if self.P:
            for b, rng in enumerate(self.probe_rngs):
                self.E[b, self.S + 1:] = rng.choice((-1.0, 1.0), size=(self.P, self.N))

    def _record(self, method, g, k, D):
        a = self.acc[method]
        a["src"][g, k] += D[:, :self.S, :].sum(axis=0).T
        a["mean"][g, k] += D[:, self.S, :].mean(axis=1).sum()
        if self.P:
            a["diag"][g, k] += np.einsum("bpn,bpn->", D[:, self.S + 1:], self.E[:, self.S + 1:]) / (self.N * self.P)
        self.count[method][g, k] += self.B

    def run(self, bar):
        net, traj, H, B, N, K = self.net, self.traj, self.H, self.B, self.N, self.K
        g_, code, gamma, sigma = net.g, net.transfer_code, net.gamma, net.sigma
        U = traj.U[:B].copy()
        jac, pert, noi = (m in self.methods for m in METHODS)
        V = np.zeros((B, K, N))
        Ur = np.zeros((B, K, N))
        hist = np.zeros((B, H, N)) if noi else None
        uhist = np.zeros((B, H, N)) if noi else None
        total = self.windows * H
        s = 0
        for m in traj.pieces(total):
            noise = traj.noise(m) if sigma > 0 else None
            for i in range(m):
                k = s % H
                w = s // H
                g = w * self.blocks // self.windows
                F, Sl = kernels.apply_transfer(U, g_, code), kernels.apply_slope(U, g_, code)
                drive = gamma * U - self.theta + (sigma * noise[:, i] if noise is not None else 0.0)
                if jac and k > 0:
                    Ht = ((Sl[:, None, :] * V).reshape(B * K, N) @ self.JT).reshape(B, K, N)
                if pert and k > 0:
                    Fr = kernels.apply_transfer(Ur.reshape(B * K, N), g_, code)
                    Hr = (Fr @ self.JT).reshape(B, K, N)
                Unew = drive + F @ self.JT
                if k == 0:
                    self.new_patterns()
                if jac:
                    V = self.E.copy() if k == 0 else gamma * V + Ht
                    self._record("jacobian", g, k, V)
                    nrm = np.sqrt(np.einsum("bkn,bkn->bk", V, V)) / np.sqrt(np.einsum("bkn,bkn->bk", self.E, self.E))
                    self.growth[k] = max(self.growth[k], float(nrm.max()))
                if pert:
                    if k == 0:
                        Ur = Unew[:, None, :] + self.eps * self.E
                    else:
                        Ur = gamma * Ur - self.theta + Hr
                        if noise is not None:
                            Ur += sigma * noise[:, i][:, None, :]
                    D = (Ur - Unew[:, None, :]) / self.eps
                    self._record("perturbation", g, k, D)
                    self.separation[k] = max(self.separation[k], float(np.abs(D).max()) * self.eps)
                if noi:
                    hist[:, s % H] = noise[:, i]
                    uhist[:, s % H] = U
                    self._noise_record(g, s, Unew, hist, uhist)
                U = Unew
                s += 1
            if bar is not None:
                bar.update(m)
        if not np.all(np.isfinite(U)):
            raise RuntimeError("response.kernel: the trajectory became non-finite; lower g or sigma")
        return U

    def _noise_record(self, g, s, Unew, hist, uhist):
        """Novikov: u(s0+tau) B(s0) for tau = 1..H, origins s0 = s+1-tau >= 0 in the measured window, and the
        control u(s0) B(s0) (mean zero: B(s0) enters u(s0+1)). Slot c of the rings holds B(s0), u(s0)."""
        H = self.H
        tau = (s - np.arange(H)) % H + 1
        ok = (s - tau + 1 >= 0).astype(float)
        idx = tau - 1
        a = self.acc["noise"]
        Bsrc = hist[:, :, self.src]                                   # (B, H, S)
        S = Bsrc.shape[2]
        x = (Unew.T @ Bsrc.reshape(self.B, H * S)).reshape(self.N, H, S).transpose(1, 0, 2)
        a["src"][g, idx] += ok[:, None, None] * x
        a["src_c"][g, idx] += ok[:, None, None] * np.matmul(uhist.transpose(1, 2, 0), Bsrc.transpose(1, 0, 2))
        bsum = hist.sum(axis=2)                                       # (B, H)
        unew_m, uh_m = Unew.mean(axis=1), uhist.mean(axis=2)
        a["mean"][g, idx] += ok * (unew_m @ bsum)
        a["mean_c"][g, idx] += ok * np.einsum("bc,bc->c", uh_m, bsum)
        a["diag"][g, idx] += ok * np.einsum("bn,bcn->c", Unew, hist) / self.N
        a["diag_c"][g, idx] += ok * np.einsum("bcn,bcn->c", uhist, hist) / self.N
        c = self.corr
        c["u"][idx] += ok * np.einsum("bn,bcn->c", Unew, uhist)
        c["u0"][idx] += ok * np.einsum("bcn,bcn->c", uhist, uhist)
        c["m"][idx] += ok * (unew_m @ uh_m)
        c["m0"][idx] += ok * np.einsum("bc,bc->c", uh_m, uh_m)
        self.count["noise"][g, idx] += ok * self.B

    def noise_estimates(self):
        """Control-variate combination: X - c_tau Y with c_tau the pooled lag-tau autocorrelation coefficient
        of u (of the population mean for R_mean); E[Y] = 0, so any constant c keeps the estimate unbiased."""
        a, c = self.acc["noise"], self.corr
        cu = c["u"] / c["u0"]
        cm = c["m"] / c["m0"]
        return {"src": a["src"] - cu[None, :, None, None] * a["src_c"],
                "mean": a["mean"] - cm[None, :] * a["mean_c"],
                "diag": a["diag"] - cu[None, :] * a["diag_c"]}, {"u": cu, "m": cm}


def kernel(net, horizon, *, sources=(0,), method="jacobian", trials=16, steps=2000, transient=500, eps=1e-4,
           probes=4, blocks=20, u0=None, seed=None, max_separation=1e-2, theory=True, progress=False,
           threads=1):
    r"""Linear response kernel :math:`R_{ij}(\tau)` of the SNT map by one or several estimators (E12).

    .. math:: R_{ij}(\tau) = \mathbb E\Big[\big(DF(u(t_0{+}\tau{-}1))\cdots DF(u(t_0{+}1))\big)_{ij}\Big]
              = \frac{\mathbb E[u_i(t_0+\tau)\,B_j(t_0)]}{\sigma},\qquad \tau = 1, \dots, H

    (lag convention of the module: R(1) = I). Estimators:

    * ``"jacobian"``: one tangent vector per source and trial, :math:`v \mapsto \gamma v + J(f'(u)\odot v)`,
      restarted at :math:`e_j` every H steps; all trials' tangent rows go through one gemm per step.
    * ``"perturbation"``: a replica per source and trial, reset to :math:`u + \varepsilon e_j` every H steps
      and iterated with the full map and the same noise; :math:`R \approx \delta u/\varepsilon`. Valid while
      :math:`\varepsilon e^{\lambda\tau}` stays small: the largest separation per lag is returned
      (``separation``) and a warning is issued when it exceeds ``max_separation``.
    * ``"noise"``: Novikov's identity, perturbation-free and exact at any N; needs :math:`\sigma > 0`.
      Every step is an origin :math:`t_0`.

    Besides the columns of the chosen sources it estimates the population-mean response to a uniform pulse,
    :math:`R_m(\tau) = \frac1N \mathbf 1^T R(\tau)\mathbf 1`, and the mean diagonal
    :math:`\mathrm{Tr}\,R(\tau)/N` (by ``probes`` Rademacher vectors z, :math:`z^T R z/N`, for the first two
    methods; exactly :math:`\frac1N\sum_i \mathbb E[u_i B_i]/\sigma` for the noise), next to the mean-field
    predictions :math:`a^{\tau-1}`, :math:`a = \gamma + \bar J\langle f'\rangle`, and :math:`\gamma^{\tau-1}`.

    Parameters
    ----------
    net : Network
    horizon : int
        Largest lag H >= 1.
    sources : int or sequence of int
        Neurons j whose column :math:`R_{\cdot j}` is estimated, ``0 <= j < N``.
    method : {"jacobian", "perturbation", "noise"} or sequence of them
        A sequence runs the methods on the same trajectories and adds an ``estimator`` dimension (not
        ``method``, which ``.sel`` would take as its own keyword).
    trials : int
        Independent trials (initial conditions and noise as in :func:`snt.simulate`).
    steps : int
        Measured steps per trial (rounded down to whole windows of H steps), ``>= blocks * horizon``.
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
    progress : bool
        Show a progress bar.
    threads : int or None
        BLAS threads during the run (default 1, see ``snt._threads``); None leaves the pools as they are.

    Returns
    -------
    xarray.Dataset
        ``R`` (lag, neuron, source) with ``stderr``; ``R_mean`` (lag) with ``R_mean_stderr``; ``R_diag`` (lag)
        with ``R_diag_stderr``; block estimates ``R_block``, ``R_mean_block``, ``R_diag_block`` (block, ...);
        with ``theory=True`` the mean-field ``R_mean_theory`` and ``R_diag_theory`` (lag) with ``a`` and
        ``mean_slope`` ();
        ``separation`` (lag) for the perturbation method and ``growth`` (lag), the largest
        :math:`\|v(\tau)\|/\|v(1)\|`, for the Jacobian method; ``u_final`` (trial, neuron). With several
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
    >>> float(R.R.sel(lag=1, neuron=0, source=0))
    1.0
    """
    check_network(net)
    horizon = check_int(horizon, "horizon", minimum=1)
    N = net.N
    src = _sources(sources, N)
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
    threads = check_threads(threads)
    windows = steps // horizon
    if windows < blocks:
        raise ValueError(f"steps = {steps} must be at least blocks * horizon = {blocks} * {horizon} = "
                         f"{blocks * horizon} (one window of H steps per block at least); raise steps")
    traj = _Trajectory(net, trials, 0, u0, seed)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=transient + windows * horizon, unit="step", desc="response.kernel")
    try:
        with blas_limit(threads):
            traj.state_only(transient, bar)
            if not traj.alive.all():
                raise RuntimeError("response.kernel: a trial diverged during the transient; lower g or sigma")
            run = _Run(traj, horizon, src, probes, methods, eps, windows, blocks)
            U = run.run(bar)
    finally:
        if bar is not None:
            bar.close()
    ds = _kernel_dataset(net, run, U, methods, multi, traj, bool(theory))
    params = {"network": net.params(), "horizon": horizon, "sources": src.tolist(), "method": list(methods),
              "trials": trials, "steps": steps, "measured_steps": windows * horizon, "transient": transient,
              "eps": eps, "probes": probes, "blocks": blocks, "max_separation": max_separation,
              "u0": "N(0,1) per trial" if u0 is None else "given"}
    ds.attrs.update(provenance("Linear response kernel of the SNT map",
                               "SCIENCE.md E12: " + ", ".join(methods) + "; " + _LAG_NOTE, params,
                               describe(traj.root), references=_REFS))
    if "perturbation" in methods:
        worst = float(run.separation.max())
        ds.attrs["perturbation_linear"] = int(worst <= max_separation)
        if worst > max_separation:
            warnings.warn(f"response.kernel: the perturbation grew to {worst:.3g} > max_separation = "
                          f"{max_separation} (eps e^(lambda tau) not small): lower eps or horizon", stacklevel=2)
    return ds


def _kernel_dataset(net, run, U, methods, multi, traj, theory):
    H, S, G = run.H, run.S, run.blocks
    lags = np.arange(1, H + 1)
    one = {"units": "1"}
    data = {}
    stacks = {k: [] for k in ("R", "stderr", "R_block", "R_mean", "R_mean_stderr", "R_mean_block", "R_diag",
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
            stacks["stderr" if name == "R" else name + "_stderr"].append(se)
            stacks[name + "_block"].append(per)
        if m != "noise" and run.P == 0:
            stacks["R_diag"][-1][:] = np.nan
            stacks["R_diag_stderr"][-1][:] = np.nan
            stacks["R_diag_block"][-1][:] = np.nan

    def put(name, dims, attrs):
        arr = np.stack(stacks[name]) if multi else stacks[name][0]
        data[name] = ((("estimator",) if multi else ()) + dims, arr, attrs)

    put("R", ("lag", "neuron", "source"), {"long_name": "response kernel R_ij(tau)", **one})
    put("stderr", ("lag", "neuron", "source"), {"long_name": "standard error of R", **one,
                                                 "method": "std of block estimates / sqrt(blocks)"})
    put("R_block", ("block", "lag", "neuron", "source"), {"long_name": "R per block", **one})
    put("R_mean", ("lag",), {"long_name": "population-mean response to a uniform pulse", **one})
    put("R_mean_stderr", ("lag",), {"long_name": "standard error of R_mean", **one})
    put("R_mean_block", ("block", "lag"), {"long_name": "R_mean per block", **one})
    put("R_diag", ("lag",), {"long_name": "mean diagonal response Tr R(tau) / N", **one,
                             "comment": "NaN when probes = 0 (jacobian, perturbation)"})
    put("R_diag_stderr", ("lag",), {"long_name": "standard error of R_diag", **one})
    put("R_diag_block", ("block", "lag"), {"long_name": "R_diag per block", **one})
    if theory:
        mf = meanfield_prediction(net, lags)
        data["R_mean_theory"] = (("lag",), mf["R_mean"], {"long_name": "mean-field a^(tau-1), a = gamma + Jbar <f'>",
                                                          **one, "ensemble": mf["source"], "regime": mf["regime"]})
        data["R_diag_theory"] = (("lag",), mf["R_diag"], {"long_name": "mean-field gamma^(tau-1)", **one})
        data["a"] = ((), mf["a"], {"long_name": "mean-field mean-mode multiplier a = gamma + Jbar <f'>", **one})
        data["mean_slope"] = ((), mf["mean_slope"], {"long_name": "<f'(u)>, u ~ N(m*, v*)", **one})
    if "perturbation" in methods:
        data["separation"] = (("lag",), run.separation,
                              {"long_name": "largest |u_replica - u| of the perturbation method", **one})
    if "jacobian" in methods:
        data["growth"] = (("lag",), run.growth, {"long_name": "largest tangent growth ||v(tau)|| / ||v(1)||", **one})
    if control is not None:
        data["control_coefficient"] = (("lag",), control["u"], {
            "long_name": "noise method: control-variate coefficient c_tau = <u(t0+tau) u(t0)> / <u(t0)^2>",
            **one, "comment": "R = E[(u(t0+tau) - c_tau u(t0)) B(t0)] / sigma; E[u(t0) B(t0)] = 0"})
    data["u_final"] = (("trial", "neuron"), U, {"long_name": "state after the last step", **one})
    coords = {"lag": ("lag", lags, {"long_name": "lag tau (R(1) = I)", "units": "step"}),
              "neuron": ("neuron", np.arange(net.N), {"long_name": "neuron index (response)"}),
              "source": ("source", run.src, {"long_name": "neuron index of the pulse"}),
              "block": ("block", np.arange(G), {"long_name": "block of measured windows"}),
              "trial": ("trial", np.arange(traj.B), {"long_name": "trial"})}
    if multi:
        coords["estimator"] = ("estimator", list(methods), {"long_name": "estimator of E12"})
    return xr.Dataset(data, coords=coords)


# ------------------------------------------------------------------------------------------------------------
# susceptibility (E13)
# ------------------------------------------------------------------------------------------------------------

def _omegas(omegas, name="omegas"):
    w = check_array(omegas, name)
    if w.ndim != 1 or w.size < 1:
        raise ValueError(f"{name} must be a non-empty 1-D array of angular frequencies, got shape {w.shape}")
    if np.any(w < 0) or np.any(w > np.pi):
        raise ValueError(f"{name} must lie in [0, pi] rad/step (the Nyquist range of a map), got "
                         f"[{w.min()}, {w.max()}]")
    return w


def _pattern(source, N):
    if source is None:
        return np.ones(N), "uniform"
    j = _sources(source, N)
    if j.size != 1:
        raise ValueError(f"source must be one neuron index or None (uniform pulse), got {source!r}")
    e = np.zeros(N)
    e[j[0]] = 1.0
    return e, int(j[0])


def susceptibility(net, omegas, eps=1e-3, *, source=None, trials=4, steps=2000, transient=500, settle=100,
                   blocks=10, u0=None, seed=None, progress=False,
                   threads=1):
    r"""Susceptibility :math:`\chi(\omega)` measured with a weak periodic stimulus (E13).

    For each ω two replicas of every trial, driven by :math:`\xi(t) = \varepsilon\cos(\omega t)\,e` and
    :math:`\varepsilon\sin(\omega t)\,e` (t counted from the start of the forcing), share the noise of the
    unforced reference trajectory. In the linear regime
    :math:`\delta u^{c}(t) + i\,\delta u^{s}(t) = \varepsilon\, e^{i\omega t}\chi(\omega) e` exactly, so

    .. math:: \hat\chi(\omega) = \big\langle (\delta u^{c}(t) + i\,\delta u^{s}(t))\,
              e^{-i\omega t} \big\rangle_t / \varepsilon

    has no leakage from :math:`-\omega` (no windowing needed); with the lag convention of this module it
    estimates :math:`\sum_{\tau\ge1} R(\tau) e^{-i\omega\tau}` applied to e.

    Parameters
    ----------
    net : Network
    omegas : (W,) array_like
        Angular frequencies in [0, π] rad/step.
    eps : float
        Forcing amplitude, ``0 < eps <= 0.1``.
    source : int or None
        Neuron that receives the forcing; None forces all neurons equally (uniform pulse, e = 1).
    trials : int
        Independent trials.
    steps : int
        Averaged steps after ``settle``; ``>= blocks``.
    transient : int
        Unforced steps before the forcing starts.
    settle : int
        Forced steps discarded (the transient response decays like :math:`\rho^t`).
    blocks : int
        Blocks of the averaged steps for the error bars, >= 2.
    u0 : (N,) or (trials, N) array_like, optional
    seed : int, SeedSequence, Generator, sequence of SeedSequence, or None
        As in :func:`snt.simulate`.
    progress : bool
        Show a progress bar.
    threads : int or None
        BLAS threads during the run (default 1, see ``snt._threads``); None leaves the pools as they are.

    Returns
    -------
    xarray.Dataset
        ``chi`` (omega, neuron) complex :math:`\chi(\omega)e`; ``chi_stderr`` (omega, neuron) the standard error
        of the complex estimate (:math:`\sqrt{se_{re}^2 + se_{im}^2}`); ``chi_mean`` (omega) its mean over neurons
        (for the uniform forcing: the population-mean susceptibility) with ``chi_mean_stderr``;
        ``amplitude`` and ``phase`` (omega) of ``chi_mean``; ``separation`` () the largest
        :math:`|u^{\rm replica} - u|` (linear regime: of order ε|χ|).

    Notes
    -----
    In a chaotic regime the replicas separate from the reference (ε e^{λt}); the estimate is then the
    response of averages (Ruelle) and its error bars grow accordingly: see ``separation``.

    References
    ----------
    .. [1] B. Cessac, J.-A. Sepulchre, Phys. Rev. E 70, 056111 (2004).
    .. [2] B. Cessac, J.-A. Sepulchre, Physica D 225, 13 (2007).

    Examples
    --------
    >>> import numpy as np, snt
    >>> net = snt.Ensemble(N=50, J=1.0, g=0.3, gamma=0.5, sigma=0.1).sample(seed=1)
    >>> chi = snt.response.susceptibility(net, [0.5, 1.0], trials=2, steps=200, transient=50, seed=2)
    >>> chi.chi_mean.dims
    ('omega',)
    """
    check_network(net)
    w = _omegas(omegas)
    eps = check_float(eps, "eps", minimum=0.0, maximum=0.1, strict_min=True)
    trials = check_int(trials, "trials", minimum=1)
    blocks = check_int(blocks, "blocks", minimum=2)
    steps = check_int(steps, "steps", minimum=blocks)
    transient = check_int(transient, "transient", minimum=0)
    settle = check_int(settle, "settle", minimum=0)
    threads = check_threads(threads)
    N = net.N
    e, src_label = _pattern(source, N)
    traj = _Trajectory(net, trials, 0, u0, seed)
    B, W = trials, w.size
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=transient + settle + steps, unit="step", desc="response.susceptibility")
    acc = np.zeros((blocks, W, N), dtype=np.complex128)
    count = np.zeros(blocks)
    sep = 0.0
    try:
        with blas_limit(threads):
            traj.state_only(transient, bar)
            if not traj.alive.all():
                raise RuntimeError("response.susceptibility: a trial diverged during the transient")
            JT, theta = np.ascontiguousarray(net.J.T), np.ascontiguousarray(net.theta)
            g_, code, gamma, sigma = net.g, net.transfer_code, net.gamma, net.sigma
            U = traj.U[:B].copy()
            Ur = np.repeat(U[:, None, :], 2 * W, axis=1)
            s = 0
            for m in traj.pieces(settle + steps):
                noise = traj.noise(m) if sigma > 0 else None
                for i in range(m):
                    drive = gamma * U - theta + (sigma * noise[:, i] if noise is not None else 0.0)
                    Unew = drive + kernels.apply_transfer(U, g_, code) @ JT
                    Fr = kernels.apply_transfer(Ur.reshape(B * 2 * W, N), g_, code)
                    amp = eps * np.concatenate([np.cos(w * s), np.sin(w * s)])
                    Ur = (gamma * Ur - theta + (Fr @ JT).reshape(B, 2 * W, N) + amp[None, :, None] * e
                          + (sigma * noise[:, i][:, None, :] if noise is not None else 0.0))
                    D = Ur - Unew[:, None, :]
                    sep = max(sep, float(np.abs(D).max()))
                    if s >= settle:
                        z = (D[:, :W] + 1j * D[:, W:]) * (np.exp(-1j * w * (s + 1)) / eps)[None, :, None]
                        g = (s - settle) * blocks // steps
                        acc[g] += z.sum(axis=0)
                        count[g] += B
                    U = Unew
                    s += 1
                if bar is not None:
                    bar.update(m)
    finally:
        if bar is not None:
            bar.close()
    if not (np.all(np.isfinite(U)) and np.all(np.isfinite(Ur))):
        raise RuntimeError("response.susceptibility: the trajectory became non-finite; lower g, sigma or eps")
    per = acc / count[:, None, None]
    chi = acc.sum(axis=0) / count.sum()
    se = np.sqrt(per.real.var(axis=0, ddof=1) + per.imag.var(axis=0, ddof=1)) / np.sqrt(blocks)
    per_m = per.mean(axis=2)
    chi_m = chi.mean(axis=1)
    se_m = np.sqrt(per_m.real.var(axis=0, ddof=1) + per_m.imag.var(axis=0, ddof=1)) / np.sqrt(blocks)
    one = {"units": "1"}
    data = {
        "chi": (("omega", "neuron"), chi, {"long_name": "susceptibility chi(omega) e (forcing)", **one}),
        "chi_stderr": (("omega", "neuron"), se, {"long_name": "standard error of chi (complex)", **one}),
        "chi_mean": (("omega",), chi_m, {"long_name": "mean over neurons of chi(omega) e", **one}),
        "chi_mean_stderr": (("omega",), se_m, {"long_name": "standard error of chi_mean (complex)", **one}),
        "amplitude": (("omega",), np.abs(chi_m), {"long_name": "|chi_mean|", **one}),
        "phase": (("omega",), np.angle(chi_m), {"long_name": "arg chi_mean", "units": "rad"}),
        "separation": ((), sep, {"long_name": "largest |u_replica - u|", **one}),
    }
    coords = {"omega": ("omega", w, {"long_name": "angular frequency", "units": "rad/step"}),
              "neuron": ("neuron", np.arange(N), {"long_name": "neuron index (response)"})}
    params = {"network": net.params(), "omegas": w.tolist(), "eps": eps, "source": src_label, "trials": trials,
              "steps": steps, "transient": transient, "settle": settle, "blocks": blocks,
              "u0": "N(0,1) per trial" if u0 is None else "given"}
    attrs = provenance("Susceptibility of the SNT map by weak periodic forcing",
                       "SCIENCE.md E13: cos and sin forced replicas sharing the noise of the reference; "
                       "chi = <(du_c + i du_s) e^{-i omega t}> / eps; " + _LAG_NOTE, params, describe(traj.root),
                       references=_REFS)
    return xr.Dataset(data, coords=coords, attrs=attrs)


def susceptibility_from_kernel(R, omegas=None):
    r""":math:`\chi(\omega) = \sum_{\tau=1}^{H} R(\tau)\,e^{-i\omega\tau}` from a :func:`kernel` Dataset (E13).

    With R(1) = I (this module's lag convention) and a stable fixed point,
    :math:`\chi(\omega) = (e^{i\omega} - DF(u^*))^{-1}` up to the truncation
    :math:`(e^{i\omega} - DF)^{-1} (DF\,e^{-i\omega})^{H}`.

    Parameters
    ----------
    R : xarray.Dataset
        Output of :func:`kernel`.
    omegas : (W,) array_like, optional
        Angular frequencies in [0, π]; default 129 points from 0 to π.

    Returns
    -------
    xarray.Dataset
        ``chi`` (omega, neuron, source), ``chi_mean`` (omega) and ``chi_diag`` (omega) complex, each with a
        ``*_stderr`` from the block estimates (complex standard error, as in :func:`susceptibility`);
        ``amplitude`` and ``phase`` of ``chi_mean``. An ``estimator`` dimension is kept.
    """
    if not isinstance(R, xr.Dataset) or "R" not in R or "lag" not in R.dims:
        raise TypeError("R must be a Dataset returned by snt.response.kernel")
    w = np.linspace(0.0, np.pi, 129) if omegas is None else _omegas(omegas)
    phase = xr.DataArray(np.exp(-1j * np.outer(w, R.lag.values)), dims=("omega", "lag"))
    out = {}
    one = {"units": "1"}
    for name, var in (("chi", "R"), ("chi_mean", "R_mean"), ("chi_diag", "R_diag")):
        chi = xr.dot(R[var], phase, dim="lag")
        per = xr.dot(R[var + "_block"], phase, dim="lag")
        G = per.sizes["block"]
        se = np.sqrt(per.real.var("block", ddof=1) + per.imag.var("block", ddof=1)) / np.sqrt(G)
        out[name] = chi.assign_attrs(long_name=f"sum_tau {var}(tau) exp(-i omega tau)", **one)
        out[name + "_stderr"] = se.assign_attrs(long_name=f"standard error of {name} (complex)", **one)
    out["amplitude"] = np.abs(out["chi_mean"]).assign_attrs(long_name="|chi_mean|", **one)
    out["phase"] = xr.apply_ufunc(np.angle, out["chi_mean"]).assign_attrs(long_name="arg chi_mean", units="rad")
    ds = xr.Dataset(out).assign_coords(omega=("omega", w, {"long_name": "angular frequency", "units": "rad/step"}))
    ds.attrs.update(provenance("Susceptibility from the response kernel", "SCIENCE.md E13: chi = sum_tau R(tau) "
                               "exp(-i omega tau), tau = 1..H; " + _LAG_NOTE,
                               {"kernel_parameters": R.attrs.get("parameters", ""), "omegas": w.tolist()},
                               {k: R.attrs[k] for k in ("seed_entropy", "seed_spawn_key") if k in R.attrs},
                               references=_REFS))
    return ds


# ------------------------------------------------------------------------------------------------------------
# power spectrum, stable resonances, effective connectivity
# ------------------------------------------------------------------------------------------------------------

def power_spectrum(ds, variable="m", *, nperseg=None, detrend="constant"):
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
        ``"m"`` → (omega,), ``"u"`` → (omega, neuron).
    nperseg : int, optional
        Welch segment length (default ``min(256, time)``), ``2 <= nperseg <= time``.
    detrend : {"constant", "linear", False}
        Passed to Welch.

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
        raise ValueError(f"variable {variable!r} is not in the Dataset; it holds {sorted(ds.data_vars)}")
    x = ds[variable]
    if "time" not in x.dims:
        raise ValueError(f"variable {variable!r} has no 'time' dimension (dims {x.dims})")
    if "trial" not in x.dims:
        x = x.expand_dims("trial")
    if "diverged" in ds:
        x = x.isel(trial=~ds["diverged"].values.astype(bool))
    if x.sizes["trial"] == 0:
        raise ValueError("power_spectrum: every trial diverged")
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
    data["trials_used"] = ((), n, {"long_name": "trials averaged"})
    coords = {"omega": ("omega", freq, {"long_name": "angular frequency", "units": "rad/step"})}
    for d in other:
        coords[d] = x[d].values
    attrs = provenance(f"Power spectrum of {variable}", "SCIENCE.md E13: Welch (scipy.signal.welch, Hann window, "
                       "50% overlap), mean over trials", {"variable": variable, "nperseg": nperseg,
                                                          "detrend": str(detrend), "source_title":
                                                          ds.attrs.get("title", "")},
                       {k: ds.attrs[k] for k in ("seed_entropy", "seed_spawn_key") if k in ds.attrs},
                       references=_REFS)
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
        From :func:`susceptibility_from_kernel` or :func:`susceptibility` (``chi_mean`` (omega), no other dim;
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
        "response_peak": (("omega",), rp, {"long_name": "peak of the response"}),
        "power_peak": (("omega",), pp, {"long_name": "peak of the power spectrum"}),
        "stable_resonance": (("omega",), stable, {"long_name": "response peak absent from the power spectrum"}),
    }, coords={"omega": ("omega", w, {"long_name": "angular frequency", "units": "rad/step"})})
    ds.attrs.update(provenance("Stable resonances: response peaks absent from the power spectrum",
                               "SCIENCE.md E13: scipy.signal.find_peaks on |chi_m| and S", {
                                   "prominence": prominence, "tolerance": tol}, references=_REFS))
    ds.attrs["resonance_omegas"] = [float(x) for x in w[stable]]
    return ds


def resonant_network(N=120, *, oscillators=20, omega0=2.0, radius=0.93, g=2.0, gamma=0.3, seed=None):
    r"""A network with stable resonances: a chaotic iid bulk plus ``oscillators`` two-neuron blocks whose
    Jacobian at rest has eigenvalues :math:`r e^{\pm i\omega_0}` and which receive no input.

    Each block :math:`J_b = \frac1g\begin{pmatrix} c & -s\\ s & c\end{pmatrix}`, :math:`c = r\cos\omega_0 -
    \gamma`, :math:`s = r\sin\omega_0`, so :math:`\gamma I + g J_b` (the block of DF at u = 0) has eigenvalues
    :math:`r e^{\pm i\omega_0}`. With σ = θ = 0 the blocks relax to 0 and stay silent: the chaotic
    activity never excites them and the power spectrum has no line at ω₀, while a pulse makes them ring,
    so :math:`|\chi_m|` peaks near ω₀ (the mechanism of Cessac & Sepulchre's stable resonances in its
    plainest form: a pole of the response along a stable direction the attractor does not visit).

    Parameters
    ----------
    N : int
        Total neurons, ``N > 2 * oscillators``.
    oscillators : int
        Number of two-neuron blocks, >= 1.
    omega0 : float
        Resonance angle in (0, π).
    radius : float
        Modulus r of the block eigenvalues, in (0, 1).
    g : float
        Gain, > 0 (bulk: iid J = 1, chaotic for g > 1 - gamma).
    gamma : float
        Leak, in [0, 1).
    seed : int, SeedSequence, Generator or None
        Seed of the bulk couplings.

    Returns
    -------
    Network
        Neurons ``0 .. N - 2*oscillators - 1`` are the bulk; the blocks follow.
    """
    from .ensembles import iid
    oscillators = check_int(oscillators, "oscillators", minimum=1)
    N = check_int(N, "N", minimum=2 * oscillators + 2)
    omega0 = check_float(omega0, "omega0", minimum=0.0, maximum=np.pi, strict_min=True, strict_max=True)
    radius = check_float(radius, "radius", minimum=0.0, maximum=1.0, strict_min=True, strict_max=True)
    g = check_float(g, "g", minimum=0.0, strict_min=True)
    gamma = check_float(gamma, "gamma", minimum=0.0, maximum=1.0, strict_max=True)
    nb = N - 2 * oscillators
    J = np.zeros((N, N))
    J[:nb, :nb] = iid(nb, 1.0, 0.0, seed=seed)
    c, s = (radius * np.cos(omega0) - gamma) / g, radius * np.sin(omega0) / g
    for k in range(oscillators):
        i = nb + 2 * k
        J[i:i + 2, i:i + 2] = [[c, -s], [s, c]]
    origin = {"kind": "resonant_network", "bulk": nb, "oscillators": oscillators, "omega0": omega0,
              "radius": radius}
    return Network(J, g=g, gamma=gamma, origin=origin)


def effective_connectivity(R, lag=1, net=None):
    r"""Effective connectivity from the response: :math:`W^{(k)} = R(k+1) - \gamma^k I` (columns of the
    sources), the mean weight of the k-step paths j → i without the leak's self-loop (E12).

    For k = 1, :math:`R(2) = \mathbb E[DF(u)] = \gamma I + J\,\mathbb E[\Lambda]`, so
    :math:`W^{(1)} = J\,\mathrm{diag}\langle f'(u_j)\rangle` in any regime; at a fixed point it equals
    :math:`J\Lambda^*`.

    Parameters
    ----------
    R : xarray.Dataset
        From :func:`kernel` (one estimator: select it first), with lags up to ``lag + 1``.
    lag : int
        Number of propagation steps k >= 1.
    net : Network, optional
        The network, to put J beside W and fit :math:`W_{\cdot j} \approx \kappa_j J_{\cdot j}`.

    Returns
    -------
    xarray.Dataset
        ``W`` (neuron, source) with ``W_stderr``; with ``net``: ``J`` (neuron, source), ``slope`` (source)
        :math:`\kappa_j = \sum_i W_{ij}J_{ij}/\sum_i J_{ij}^2` (for k = 1 the mean slope
        :math:`\langle f'(u_j)\rangle`), ``correlation`` (source) between W and J.
    """
    if not isinstance(R, xr.Dataset) or "R" not in R:
        raise TypeError("R must be a Dataset returned by snt.response.kernel")
    if "estimator" in R.dims:
        raise ValueError("R has several estimators; select one first, e.g. R.sel(estimator='jacobian')")
    H = int(R.lag.max())
    lag = check_int(lag, "lag", minimum=1, maximum=H - 1)
    import json
    params = json.loads(R.attrs["parameters"])
    gamma = params["network"]["gamma"]
    src = R.source.values
    Rk = R.R.sel(lag=lag + 1)
    leak = np.zeros(Rk.shape)
    leak[src, np.arange(src.size)] = gamma ** lag
    W = Rk - leak
    one = {"units": "1"}
    data = {"W": W.assign_attrs(long_name=f"effective connectivity over {lag} step(s), R(k+1) - gamma^k I", **one),
            "W_stderr": R.stderr.sel(lag=lag + 1).assign_attrs(long_name="standard error of W", **one)}
    if net is not None:
        check_network(net)
        if net.N != R.sizes["neuron"]:
            raise ValueError(f"net has N = {net.N} neurons but R has {R.sizes['neuron']}")
        Jc = net.J[:, src]
        Wv = W.values
        data["J"] = (("neuron", "source"), Jc, {"long_name": "couplings J_ij of the sources", **one})
        data["slope"] = (("source",), (Wv * Jc).sum(0) / (Jc * Jc).sum(0),
                         {"long_name": "least-squares kappa_j in W_.j = kappa_j J_.j", **one})
        data["correlation"] = (("source",), np.array([np.corrcoef(Wv[:, k], Jc[:, k])[0, 1]
                                                      for k in range(src.size)]),
                               {"long_name": "correlation of W_.j and J_.j", **one})
    ds = xr.Dataset(data).drop_vars("lag", errors="ignore")
    ds.attrs.update(provenance("Effective connectivity from the response kernel",
                               f"SCIENCE.md E12: W = R(k+1) - gamma^k I, k = {lag}; " + _LAG_NOTE,
                               {"lag": lag, "kernel_parameters": R.attrs["parameters"]}, references=_REFS))
    return ds
