r"""The susceptibility of the SNT map (SCIENCE.md E13): measured with forced replicas on the engine, or summed
from a response kernel, :math:`\chi(\omega) = \sum_{\tau \ge 0} R(\tau)\, e^{-i\omega\tau}` (lag convention of
E12: R(0) = I). Frequencies are angular, in rad/step, in [0, π]. For a stimulus
:math:`\xi(t) = \varepsilon\cos\omega t` (added in the step t → t + 1, so it kicks u(t + 1)):
:math:`\delta u(t + 1) = \varepsilon\,\mathrm{Re}[\chi(\omega) e^{i\omega t}]`, and at a stable fixed point
:math:`\chi(\omega) = (I - e^{-i\omega} DF(u^*))^{-1}` exactly.
"""

import warnings

import numpy as np
import xarray as xr

from .. import _kernels as kernels
from .._checks import check_float, check_int
from .._seeds import describe
from ..dynamics import DEFAULT_NOISE_STREAM, Batch
from ..network import check_network
from ..results import coord, provenance, status_variable
from ._common import LAG_NOTE, REFS, check_omegas, check_sources

__all__ = ["susceptibility", "susceptibility_from_kernel"]


class Forcing:
    r"""The rider of :func:`susceptibility`: 2W replicas per trial sharing its noise, driven by
    :math:`\varepsilon\cos(\omega t)\,e` and :math:`\varepsilon\sin(\omega t)\,e` (t from the start of the
    forcing); ``D`` (m, B, 2, 2W, N) holds :math:`(u^{r} - u)/\varepsilon` after each step of the last chunk."""

    #: the replicas' kernel takes the draws as an array
    dense_noise = True

    def __init__(self, batch, w, eps, e):
        B, N = batch.B, batch.N
        self.w, self.eps, self.e = w, eps, e
        self.K = K = 2 * w.size
        self.R = np.repeat(batch.U[:B], K, axis=0)
        self.FR = kernels.apply_transfer(self.R, batch.net.g, batch.net.transfer_code)
        self.E = np.zeros((B * K, N))
        self.s = 0
        self.D = np.zeros((0, B, 2, K, N))
        self.max_steps = max(1, batch.chunk // (4 * w.size))        # D holds 4W times a state chunk

    def run(self, batch, drive, m):
        B, N, K = batch.B, batch.N, self.K
        if self.D.shape[0] < m:
            self.D = np.zeros((m, B, 2, K, N))
        t = self.s + np.arange(m)[:, None]
        force = self.eps * np.concatenate([np.cos(self.w[None, :] * t), np.sin(self.w[None, :] * t)], axis=1)
        state = (batch.U, batch.F, batch.H[:batch.Bp], batch.alive, batch.diverged_at, batch.S)
        none = np.zeros((0, N))
        riders = (none, none, self.R, self.FR, self.E)
        kernels.response_chunk(batch.params, state, riders, (drive[0], self.eps, force, self.e),
                               (np.int64(batch.t), np.int64(m), np.int64(0), np.int64(0)),
                               (self.D[:m], np.zeros((0, B, N))))
        self.s += m


def _pattern(source, N):
    if source is None:
        return np.ones(N), "uniform"
    j = check_sources(source, N)
    if j.size != 1:
        raise ValueError(f"source must be one neuron index or None (uniform pulse), got {source!r}")
    e = np.zeros(N)
    e[j[0]] = 1.0
    return e, int(j[0])


def susceptibility(net, omegas, eps=1e-3, *, source=None, trials=4, steps=2000, transient=500, settle=100,
                   blocks=10, u0=None, seed=None, progress=False,
                   threads="auto", exact=False, noise_stream=DEFAULT_NOISE_STREAM):
    r"""Susceptibility :math:`\chi(\omega)` measured with a weak periodic stimulus (E13).

    For each ω two replicas of every trial, driven by :math:`\xi(t) = \varepsilon\cos(\omega t)\,e` and
    :math:`\varepsilon\sin(\omega t)\,e` (t counted from the start of the forcing), share the noise of the
    unforced reference trajectory. The stimulus of step t → t + 1 kicks u(t + 1); in the linear regime
    :math:`\delta u^{c}(t+1) + i\,\delta u^{s}(t+1) = \varepsilon\, e^{i\omega t}\chi(\omega) e` exactly, so

    .. math:: \hat\chi(\omega) = \big\langle (\delta u^{c}(t+1) + i\,\delta u^{s}(t+1))\,
              e^{-i\omega t} \big\rangle_t / \varepsilon

    has no leakage from :math:`-\omega` (no windowing needed); with the lag convention of E12 (R(0) = I) it
    estimates :math:`\sum_{\tau\ge0} R(\tau) e^{-i\omega\tau}` applied to e.

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
    progress, threads, exact, noise_stream
        As in :func:`snt.simulate` (progress bar; the thread policy; the product policy; the noise stream).

    Returns
    -------
    xarray.Dataset
        ``chi`` (omega, neuron) complex :math:`\chi(\omega)e`; ``chi_stderr`` (omega, neuron) the standard error
        of the complex estimate (:math:`\sqrt{se_{re}^2 + se_{im}^2}`); ``chi_mean`` (omega) its mean over neurons
        (for the uniform forcing: the population-mean susceptibility) with ``chi_mean_stderr``;
        ``amplitude`` and ``phase`` (omega) of ``chi_mean``; ``separation`` () the largest
        :math:`|u^{\rm replica} - u|` (linear regime: of order ε|χ|); ``status`` (trial) (a diverged trial is
        left out of the averages from the chunk in which it diverged) and ``diverged_at`` (trial).

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
    w = check_omegas(omegas)
    eps = check_float(eps, "eps", minimum=0.0, maximum=0.1, strict_min=True)
    trials = check_int(trials, "trials", minimum=1)
    blocks = check_int(blocks, "blocks", minimum=2)
    steps = check_int(steps, "steps", minimum=blocks)
    transient = check_int(transient, "transient", minimum=0)
    settle = check_int(settle, "settle", minimum=0)
    N = net.N
    e, src_label = _pattern(source, N)
    B, W = trials, w.size
    batch = Batch(net, trials, u0=u0, seed=seed, total=transient + settle + steps, threads=threads,
                  exact=exact, progress=progress, desc="response.susceptibility", noise_stream=noise_stream)
    acc = np.zeros((blocks, W, N), dtype=np.complex128)
    count = np.zeros(blocks)
    with batch:
        batch.advance(transient)
        rider = Forcing(batch, w, eps, e)
        state = {"sep": 0.0}

        def observe(batch, t0, m, drive):
            s = rider.s - m                                            # forcing time of the chunk's first step
            live = np.nonzero(batch.alive)[0]
            D = rider.D[:m, live, 1]                                   # (m, b, 2W, N): (u_r - u) / eps
            if live.size:
                state["sep"] = max(state["sep"], float(np.abs(D).max()) * eps)
            for i in range(m):
                if s + i >= settle:
                    # D[i] is u(s+i+1), kicked by the stimulus of step s+i -> s+i+1: phase e^(-i w (s+i))
                    z = (D[i, :, :W] + 1j * D[i, :, W:]) * np.exp(-1j * w * (s + i))[None, :, None]
                    g = (s + i - settle) * blocks // steps
                    acc[g] += z.sum(axis=0)
                    count[g] += live.size

        batch.advance(settle + steps, rider, observe)
    sep = state["sep"]
    with np.errstate(invalid="ignore", divide="ignore"):
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
        "status": status_variable(batch.status()),
        "diverged_at": (("trial",), batch.diverged_at.copy(),
                        {"long_name": "first time with a non-finite state (-1: never)", "units": "step"}),
    }
    coords = {"omega": coord("omega", w), "neuron": coord("neuron", np.arange(N)),
              "trial": coord("trial", np.arange(B))}
    params = {"network": net.params(), "omegas": w.tolist(), "eps": eps, "source": src_label, "trials": trials,
              "steps": steps, "transient": transient, "settle": settle, "blocks": blocks,
              "u0": "N(0,1) per trial" if u0 is None else "given", "noise_stream": batch.noise_stream}
    attrs = provenance("Susceptibility of the SNT map by weak periodic forcing",
                       "SCIENCE.md E13: cos and sin forced replicas sharing the noise of the reference; "
                       "chi = <(du_c(t+1) + i du_s(t+1)) e^{-i omega t}> / eps; " + LAG_NOTE, params,
                       describe(batch.root),
                       references=REFS)
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _tail(X, lags):
    r"""Decay rate ρ and truncation bound of :math:`\sum_{\tau > H} |X(\tau)|` for a kernel variable X (lag, ...).

    :math:`n(\tau) = \max |X(\tau)|` over the other dims (per estimator); ρ is the least-squares geometric rate
    of n over the second half of the lags, A the envelope :math:`\max_\tau n(\tau)\rho^{-\tau}` over all the lags
    (A >= n(0), 1 for R(0) = I), and the bound :math:`A\rho^{H+1}/(1-\rho)` (infinite when ρ >= 1: the kernel does
    not decay within the horizon, or H < 4: too few lags to fit ρ)."""
    other = [d for d in X.dims if d not in ("lag", "estimator")]
    n = np.abs(X).max(dim=other) if other else np.abs(X)
    H = int(lags.max())
    keep = lags >= H / 2.0
    tau = lags[keep].astype(float)
    logn_all = np.log(np.maximum(n.transpose(..., "lag").values, 1e-300))
    logn = logn_all[..., keep]
    if tau.size >= 3:
        slope = np.polyfit(tau, logn.reshape(-1, tau.size).T, 1)[0].reshape(logn.shape[:-1])
    else:                               # H < 4: too few lags to fit a rate, the tail is not bounded
        slope = np.full(logn.shape[:-1], np.inf)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        rho = np.where(np.isfinite(slope), np.exp(slope), np.nan)
        amp = np.exp(np.max(logn_all - slope[..., None] * lags.astype(float), axis=-1))
        bound = np.where(rho < 1.0, amp * rho ** (H + 1) / (1.0 - rho), np.inf)
    dims = tuple(d for d in n.dims if d != "lag")
    return (dims, rho), (dims, bound)


def susceptibility_from_kernel(R, omegas=None):
    r""":math:`\chi(\omega) = \sum_{\tau=0}^{H} R(\tau)\,e^{-i\omega\tau}` from a :func:`kernel` Dataset (E13).

    With R(0) = I (the lag convention of E12) and a stable fixed point,
    :math:`\chi(\omega) = (I - e^{-i\omega} DF(u^*))^{-1}` up to the truncation
    :math:`(I - e^{-i\omega}DF)^{-1} (e^{-i\omega}DF)^{H+1}`. The sum stops at the kernel's horizon H: the
    part left out, :math:`\sum_{\tau > H} R(\tau) e^{-i\omega\tau}`, is bounded in modulus by
    :math:`\sum_{\tau > H} |R(\tau)| \le A\rho^{H+1}/(1-\rho)` (``*_truncation``), where ρ is the decay rate
    per lag of :math:`\max|R(\tau)|` fitted over the second half of the lags and A the envelope of that decay
    over all the lags (:math:`\max_\tau \max|R(\tau)|\,\rho^{-\tau}`, at least 1 since R(0) = I).
    A bound above 1e-2 warns; an infinite bound (ρ >= 1) means the kernel does not decay within the horizon
    (or H < 4, too few lags to fit ρ) and χ is not meaningful: raise ``horizon``. The bound is an estimate
    from the measured decay: it assumes the decay goes on geometrically beyond H (at a fixed point with
    ρ(DF) = 0.52 it is 1.2 to 6 times the actual tail for H = 4 ... 20; a kernel whose decay slows down
    after H is underestimated).

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
        ``*_stderr`` from the block estimates (complex standard error, as in :func:`susceptibility`), a
        ``*_truncation`` bound of the left-out tail (above) and the fitted ``*_decay`` rate ρ;
        ``amplitude`` and ``phase`` of ``chi_mean``. An ``estimator`` dimension is kept.
    """
    if not isinstance(R, xr.Dataset) or "R" not in R or "lag" not in R.dims:
        raise TypeError("R must be a Dataset returned by snt.response.kernel")
    w = np.linspace(0.0, np.pi, 129) if omegas is None else check_omegas(omegas)
    phase = xr.DataArray(np.exp(-1j * np.outer(w, R.lag.values)), dims=("omega", "lag"))
    out = {}
    one = {"units": "1"}
    loose = []
    for name, var in (("chi", "R"), ("chi_mean", "R_mean"), ("chi_diag", "R_diag")):
        if var not in R:        # R_diag is absent when the kernel had no probes
            continue
        chi = xr.dot(R[var], phase, dim="lag")
        per = xr.dot(R[var + "_block"], phase, dim="lag")
        G = per.sizes["block"]
        se = np.sqrt(per.real.var("block", ddof=1) + per.imag.var("block", ddof=1)) / np.sqrt(G)
        out[name] = chi.assign_attrs(long_name=f"sum_tau {var}(tau) exp(-i omega tau)", **one)
        out[name + "_stderr"] = se.assign_attrs(long_name=f"standard error of {name} (complex)", **one)
        (dims, rho), (dims, bound) = _tail(R[var], R.lag.values)
        out[name + "_decay"] = xr.DataArray(rho, dims=dims, attrs={
            "long_name": f"decay rate per lag of max|{var}(tau)| (fit over the second half of the lags)", **one})
        out[name + "_truncation"] = xr.DataArray(bound, dims=dims, attrs={
            "long_name": f"bound of |sum_(tau > H) {var}(tau) exp(-i omega tau)|, A rho^(H+1) / (1 - rho)", **one})
        worst = float(np.max(bound)) if bound.size else 0.0
        if not worst <= 1e-2:
            rate = (f"decay rate {float(np.nanmax(rho)):.4g} per lag" if np.any(np.isfinite(rho))
                    else "too few lags to fit a decay rate")
            loose.append(f"{name} {worst:.3g} ({rate})")
    if loose:
        warnings.warn(f"susceptibility_from_kernel: chi is truncated at the horizon H = {int(R.lag.max())} with "
                      f"tail bounds {', '.join(loose)}; raise the kernel's horizon", stacklevel=2)
    out["amplitude"] = np.abs(out["chi_mean"]).assign_attrs(long_name="|chi_mean|", **one)
    out["phase"] = xr.apply_ufunc(np.angle, out["chi_mean"]).assign_attrs(long_name="arg chi_mean", units="rad")
    ds = xr.Dataset(out).assign_coords(omega=coord("omega", w))
    ds.attrs.update(provenance("Susceptibility from the response kernel", "SCIENCE.md E13: chi = sum_tau R(tau) "
                               "exp(-i omega tau), tau = 0..H, tail bounded by *_truncation; " + LAG_NOTE,
                               {"kernel_parameters": R.attrs.get("parameters", ""), "omegas": w.tolist()},
                               {k: R.attrs[k] for k in ("seed_entropy", "seed_spawn_key") if k in R.attrs},
                               references=REFS))
    return ds


