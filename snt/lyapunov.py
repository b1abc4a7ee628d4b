r"""Lyapunov exponents of the SNT map: Benettin's maximal exponent and the QR spectrum (SCIENCE.md E2, E6).

Tangent vectors evolve with the Jacobian of E2 along the trajectory,

.. math:: v(t+1) = DF(u(t))\,v(t) = \gamma v(t) + J\,\Lambda(u(t))\,v(t),\qquad
          \Lambda = \mathrm{diag}(f'(u_i)),

and :math:`\lambda_i = \lim_{T\to\infty} \frac1T \sum_t \ln |R_{ii}(t)|` from the QR re-orthonormalisations
(E6). The state and the tangent vectors share one matrix product per step: the rows
:math:`[f(u_b);\ \Lambda(u_b) v_b]` of all trials are multiplied by :math:`J^T` in one product (a BLAS
gemm, or for a few rows a fused kernel), so J is read once per step for everything. Noise and thresholds do
not enter the tangent map: with :math:`\sigma > 0` the exponent is that of the random dynamical system (two
replicas sharing the noise).

Time line of a run of ``steps`` iterations: ``transient`` steps of the state alone, then
``tangent_transient`` steps aligning the tangent vector(s) (discarded), then the measured window of
``steps - transient - tangent_transient`` steps, cut into ``blocks`` blocks whose finite-time exponents give
the distribution and the error bars. Trial b starts from the same initial state and uses the same noise as
trial b of :func:`snt.simulate` with the same ``seed``, so its trajectory is the one ``simulate`` returns.

References: G. Benettin, L. Galgani, A. Giorgilli, J.-M. Strelcyn, Meccanica 15, 9 (1980),
doi:10.1007/BF02128236; R. Engelken, F. Wolf, L. F. Abbott, arXiv:2006.02427 (2020); J. L. Kaplan,
J. A. Yorke, Lecture Notes in Math. 730, 204 (1979), doi:10.1007/BFb0064319.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from . import _kernels as kernels
from ._checks import check_int
from ._seeds import describe
from ._threads import check_thread_policy
from .dynamics import DEFAULT_NOISE_STREAM, Batch, check_progress, padded_rows as padded
from .network import check_network
from .results import coord, provenance, status_variable
from ._typing import ArrayLike, SeedLike

if TYPE_CHECKING:
    from .network import Network

__all__ = ["max_lyapunov", "lyapunov_spectrum", "kaplan_yorke", "stderr_of_mean"]

_REFS = ("Benettin, Galgani, Giorgilli, Strelcyn, Meccanica 15, 9 (1980), doi:10.1007/BF02128236; "
         "Engelken, Wolf, Abbott, arXiv:2006.02427 (2020); Kaplan, Yorke, Lect. Notes Math. 730, 204 (1979)")


def _check_common(net, steps, transient, tangent_transient, trials, blocks, progress, threads):
    check_network(net)
    check_thread_policy(threads)
    steps = check_int(steps, "steps", minimum=1)
    transient = check_int(transient, "transient", minimum=0)
    tangent_transient = check_int(tangent_transient, "tangent_transient", minimum=0)
    trials = check_int(trials, "trials", minimum=1)
    blocks = check_int(blocks, "blocks", minimum=2)
    check_progress(progress)
    measured = steps - transient - tangent_transient
    if measured < blocks:
        raise ValueError(f"steps = {steps} counts every iteration, transients included: it must be at least "
                         f"transient + tangent_transient + blocks = {transient} + {tangent_transient} + {blocks} "
                         f"= {transient + tangent_transient + blocks}; raise steps or lower the transients")
    return steps, transient, tangent_transient, trials, blocks, measured


class Benettin:
    """The rider of :func:`max_lyapunov`: one unit tangent vector per trial in the state's gemm; ``logs``
    (B, m) of the last chunk holds the log growth per step."""

    def __init__(self, batch):
        Bp, B, N = batch.Bp, batch.B, batch.N
        self.V = np.zeros((Bp, N))
        self.V[:B] = batch.frames(1)[:, 0, :]
        batch.slopes()
        batch.M[Bp:Bp + B] = batch.S[:B] * self.V[:B]
        self.logs = np.empty((B, 0))

    def run(self, batch, drive, m):
        self.logs = np.empty((batch.B, m))
        state = (batch.U, batch.M, batch.H, self.V, batch.S, batch.alive, batch.diverged_at, np.int64(batch.t))
        kernels.tangent_chunk(batch.params, state, drive, self.logs)


class QRFrames:
    """The rider of :func:`lyapunov_spectrum`: k tangent vectors per trial, re-orthonormalised every
    ``qr_every`` steps and at the end of each :meth:`Batch.advance` call; ``logsum`` (B, k) accumulates
    ln |R_jj|."""

    def __init__(self, batch, k, qr_every):
        B, N = batch.B, batch.N
        self.T = batch.frames(k)
        batch.slopes()
        batch.M[batch.Bp:batch.Bp + B * k] = (batch.S[:B, None, :] * self.T).reshape(B * k, N)
        self.qr_every = np.int64(qr_every)
        self.since = np.zeros(1, dtype=np.int64)
        self.logsum = np.zeros((B, k))
        self.left = 0

    def window(self, batch, n, logsum):
        """Advance n steps accumulating into ``logsum``, with a QR after the last one."""
        self.logsum, self.left = logsum, n
        batch.advance(n, self)

    def run(self, batch, drive, m):
        self.left -= m
        state = (batch.U, batch.M, batch.H, self.T, batch.S, batch.alive, batch.diverged_at, np.int64(batch.t))
        kernels.qr_chunk(batch.params, state, drive, (self.qr_every, self.since, np.int64(m), self.left == 0),
                         self.logsum)


def _block_edges(measured, blocks):
    return np.linspace(0, measured, blocks + 1).round().astype(np.int64)


def stderr_of_mean(values, axis):
    """Standard error of the mean along ``axis`` over finite entries (NaN when fewer than 2)."""
    values = np.asarray(values, dtype=float)
    ok = np.isfinite(values)
    n = ok.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, values, 0.0).sum(axis=axis, keepdims=True) / np.expand_dims(n, axis)
        var = np.where(ok, (values - mean) ** 2, 0.0).sum(axis=axis) / (n - 1)
        return np.where(n >= 2, np.sqrt(var / n), np.nan)


def _common_data(batch, steps):
    B = batch.B
    return {
        "u_final": (("trial", "neuron"), batch.U[:B].copy(),
                    {"long_name": f"state at time {steps} (after the last step)", "units": "1"}),
        "status": status_variable(batch.status()),
        "diverged": (("trial",), ~batch.alive, {"long_name": "trial became non-finite (status == diverged)",
                                                "units": "1"}),
        "diverged_at": (("trial",), batch.diverged_at.copy(),
                        {"long_name": "first time with a non-finite state (-1: never)", "units": "step"}),
    }


def _coords(batch, extra):
    coords = {"trial": coord("trial", np.arange(batch.B)), "neuron": coord("neuron", np.arange(batch.N))}
    coords.update(extra)
    return coords


def max_lyapunov(net: Network, steps: int, *, transient: int = 0, tangent_transient: int = 100, trials: int = 1,
                 u0: ArrayLike | None = None, stimulus: Any = None, blocks: int = 10, record_every: int | None = None,
                 seed: SeedLike = None, progress: bool = False, threads: int | str | None = "auto",
                 exact: bool = False, noise_stream: int = DEFAULT_NOISE_STREAM) -> xr.Dataset:
    r"""Maximal Lyapunov exponent by Benettin's method, batched over trials (SCIENCE.md E2, E6).

    One tangent vector per trial, renormalised every step, rides in the same gemm as the state:
    :math:`\lambda_{\max} = \frac1T\sum_{t} \ln \|DF(u(t))\,\hat v(t)\|`.

    Parameters
    ----------
    net : Network
    steps : int
        Total number of iterations, transients included: ``steps >= transient + tangent_transient + blocks``.
    transient : int
        Iterations of the state alone before the tangent vector starts.
    tangent_transient : int
        Iterations aligning the tangent vector with the most unstable direction, not averaged.
    trials : int
        Independent trials (initial conditions and noise as in :func:`snt.simulate`).
    u0 : (N,) or (trials, N) array_like, optional
        Initial state; by default :math:`u_i(0) \sim \mathcal N(0, 1)` from each trial's stream.
    stimulus : (T, N) or (T,) array_like, or callable, optional
        Deterministic input :math:`\xi(t)` by absolute time, as in :func:`snt.simulate` (T >= steps).
    blocks : int
        Number of blocks of the measured window (>= 2) for finite-time exponents and error bars.
    record_every : int, optional
        Spacing of the running estimate ``lambda_max_t``; default: about 1000 points.
    seed : int, SeedSequence, Generator, sequence of SeedSequence, or None
        As in :func:`snt.simulate`; the initial tangent vector of trial b comes from that trial's child 0.
    progress : bool
        Show a progress bar (tqdm).
    threads, exact, noise_stream
        As in :func:`snt.simulate` (the thread policy, which cannot change a result; the product policy).

    Returns
    -------
    xarray.Dataset
        ``status`` (trial) (CF flags), ``diverged`` (trial) and ``diverged_at`` (trial) for every trial;
        ``lambda_max`` (trial) in 1/step; ``lambda_max_stderr`` () the standard error of ``lambda_max.mean()``: over
        trials when trials >= 2, else over blocks (see its ``method`` attr); ``lambda_max_stderr_blocks`` (trial) the
        standard error over the blocks of each trial; ``lambda_block`` (trial, block) finite-time exponents;
        ``lambda_max_t`` (trial, time) the running estimate (average from the start of the measured window to
        ``time``); ``u_final`` (trial, neuron); ``diverged`` (trial). Values of diverged trials are NaN.

    Raises
    ------
    ValueError
        If ``steps`` does not leave at least ``blocks`` measured steps, or an argument is out of range.

    Notes
    -----
    Cost: the product has twice the rows of :func:`snt.simulate`'s. While reading J limits the step (a few
    trials up to N ~ 1000; a single trial's state and tangent vector make a product of two rows that reads
    J once) a step costs little more than a simulation step (measured at N = 500, T = 2e4, one trajectory:
    1.04 times ``simulate``; ``benchmarks/bench_lyapunov.py``); with many trials the flops double.

    Examples
    --------
    >>> import snt
    >>> net = snt.Ensemble(N=100, J=1.0, g=0.5).sample(seed=1)
    >>> ly = snt.max_lyapunov(net, steps=600, transient=100, trials=2, seed=3)
    >>> bool(ly.lambda_max.max() < 0)
    True
    """
    steps, transient, tangent_transient, trials, blocks, measured = _check_common(
        net, steps, transient, tangent_transient, trials, blocks, progress, threads)
    if record_every is None:
        record_every = max(1, measured // 1000)
    record_every = check_int(record_every, "record_every", minimum=1, maximum=measured)
    batch = Batch(net, trials, u0=u0, seed=seed, stimulus=stimulus, total=steps, rider_rows=padded(trials, exact),
                  threads=threads, exact=exact, progress=progress, desc="max_lyapunov", noise_stream=noise_stream)
    B = batch.B
    with batch:
        batch.advance(transient)
        rider = Benettin(batch)
        batch.advance(tangent_transient, rider)
        n_rec = measured // record_every
        rec_at = record_every * np.arange(1, n_rec + 1)
        if rec_at.size == 0 or rec_at[-1] != measured:
            rec_at = np.append(rec_at, measured)
        running = np.empty((B, rec_at.size))
        edges = _block_edges(measured, blocks)
        block_sum = np.zeros((B, blocks))
        acc = {"total": np.zeros(B), "done": 0}

        def observe(batch, t0, m, drive):
            # sequential sums (cumsum with the carry in front): the same bits however the run is chunked
            logs, total, done = rider.logs, acc["total"], acc["done"]
            csum = np.cumsum(np.concatenate([total[:, None], logs], axis=1), axis=1)[:, 1:]
            sel = (rec_at > done) & (rec_at <= done + m)
            running[:, sel] = csum[:, rec_at[sel] - done - 1] / rec_at[sel]
            for j in range(blocks):
                lo, hi = max(edges[j], done), min(edges[j + 1], done + m)
                if lo < hi:
                    part = np.concatenate([block_sum[:, j:j + 1], logs[:, lo - done:hi - done]], axis=1)
                    block_sum[:, j] = np.cumsum(part, axis=1)[:, -1]
            acc["total"], acc["done"] = csum[:, -1], done + m

        batch.advance(measured, rider, observe)
    total = acc["total"]
    alive = batch.alive
    lam = np.where(alive, total / measured, np.nan)
    lam_block = block_sum / np.diff(edges)[None, :]
    lam_block[~alive] = np.nan
    running[~alive] = np.nan
    se_blocks = stderr_of_mean(lam_block, axis=1)
    if trials >= 2:
        stderr, how = float(stderr_of_mean(lam, axis=0)), "standard deviation over trials / sqrt(trials)"
    else:
        stderr, how = float(se_blocks[0]), "standard deviation over blocks / sqrt(blocks) (one trial)"
    t_meas = transient + tangent_transient
    data = {
        "lambda_max": (("trial",), lam, {"long_name": "maximal Lyapunov exponent", "units": "1/step"}),
        "lambda_max_stderr": ((), stderr, {"long_name": "standard error of the trial-mean maximal exponent",
                                "units": "1/step", "method": how}),
        "lambda_max_stderr_blocks": (("trial",), se_blocks,
                          {"long_name": "standard error over blocks", "units": "1/step",
                           "method": "standard deviation of the block exponents / sqrt(blocks)"}),
        "lambda_block": (("trial", "block"), lam_block,
                         {"long_name": "finite-time maximal exponent per block", "units": "1/step"}),
        "lambda_max_t": (("trial", "time"), running,
                         {"long_name": "running estimate of the maximal exponent", "units": "1/step"}),
        **_common_data(batch, steps),
    }
    coords = _coords(batch, {
        "time": coord("time", t_meas + rec_at, "end of the averaging window"),
        "block": coord("block", np.arange(blocks)),
        "block_start": ("block", t_meas + edges[:-1], {"long_name": "first step of the block", "units": "step"}),
    })
    params = {"network": net.params(), "steps": steps, "transient": transient,
              "tangent_transient": tangent_transient, "measured_steps": measured, "trials": trials,
              "blocks": blocks, "record_every": record_every, "u0": "N(0,1) per trial" if u0 is None else "given",
              "stimulus": batch.stimulus.kind, "noise_stream": batch.noise_stream}
    attrs = provenance("Maximal Lyapunov exponent of the SNT map",
                       "SCIENCE.md E2, E6: Benettin, one tangent vector per trial renormalised every step, fused "
                       "with the state in one gemm per step; replicas share the noise", params,
                       describe(batch.root), references=_REFS)
    return xr.Dataset(data, coords=coords, attrs=attrs)


def kaplan_yorke(exponents, n_total, stderr=None, z=2.0):
    r"""Kaplan--Yorke dimension :math:`D_{KY} = j + \sum_{i\le j}\lambda_i / |\lambda_{j+1}|` (E6), j the
    largest index with :math:`\sum_{i\le j}\lambda_i \ge 0`, of descending exponents.

    With ``stderr`` (the exponents' standard errors) an exponent with :math:`|\lambda_i| \le z\,
    \mathrm{se}_i` is taken as 0 (its sign is not resolved: on an invariant circle λ₁ = ±1e-6 with
    se = 1.5e-5 would otherwise flip D between 0 and 1), and the uncertainty of D is half the range of D over
    the resolved exponents moved by ±se (D is non-decreasing in every exponent).

    Returns
    -------
    (float, bool) or (float, bool, float, bool)
        The dimension, and whether it is determined: False when all the given k < ``n_total`` partial sums
        are >= 0 (then k is only a lower bound, returned as the value). With ``stderr`` also the uncertainty
        of D and whether every exponent's sign is resolved (False: some were within z se of 0 and taken as 0).
    """
    lam = np.asarray(exponents, dtype=float)
    if np.any(np.isnan(lam)):
        return (float("nan"), False) if stderr is None else (float("nan"), False, float("nan"), False)

    def dim(x):
        x = -np.sort(-x)
        csum = np.cumsum(x)
        nonneg = np.nonzero(csum >= 0)[0]
        if nonneg.size == 0:
            return 0.0, True
        j = int(nonneg[-1]) + 1
        if j == x.size:
            return float(j), j == n_total
        return float(j + csum[j - 1] / abs(x[j])), True

    if stderr is None:
        return dim(lam)
    se = np.nan_to_num(np.abs(np.asarray(stderr, dtype=float)), nan=0.0)
    unresolved = np.abs(lam) <= z * se
    snapped = np.where(unresolved, 0.0, lam)
    d, complete = dim(snapped)
    lo, _ = dim(np.where(unresolved, 0.0, lam - se))
    hi, _ = dim(np.where(unresolved, 0.0, lam + se))
    return d, complete, 0.5 * (hi - lo), not bool(np.any(unresolved))


def lyapunov_spectrum(net: Network, steps: int, *, k: int | None = None, transient: int = 0,
                      tangent_transient: int = 100, qr_every: int = 1, trials: int = 1, u0: ArrayLike | None = None,
                      stimulus: Any = None, blocks: int = 10, seed: SeedLike = None, progress: bool = False,
                      threads: int | str | None = "auto", exact: bool = False,
                      noise_stream: int = DEFAULT_NOISE_STREAM) -> xr.Dataset:
    r"""The k leading Lyapunov exponents by QR re-orthonormalisation (SCIENCE.md E2, E6).

    k tangent vectors per trial evolve with :math:`DF(u(t))` in the same gemm as the state; every
    ``qr_every`` steps (and at the end of each block) their QR factorisation (LAPACK geqrf/orgqr) gives
    :math:`\ln|R_{ii}|`, summed into :math:`\lambda_i = \frac1T\sum \ln|R_{ii}|`.

    Parameters
    ----------
    net : Network
    steps : int
        Total number of iterations, transients included: ``steps >= transient + tangent_transient + blocks``.
    k : int, optional
        Number of exponents, ``1 <= k <= N``; default ``min(N, 50)``.
    transient, tangent_transient : int
        Iterations of the state alone, then of the tangent frame (not averaged).
    qr_every : int
        Steps between QR factorisations, >= 1 (larger is cheaper; too large lets the vectors collapse
        numerically when the exponents are widely spread: keep :math:`(\lambda_1-\lambda_k)` ``qr_every`` well
        below ~30).
    trials : int
        Independent trials (initial conditions and noise as in :func:`snt.simulate`).
    u0 : (N,) or (trials, N) array_like, optional
        Initial state.
    stimulus : (T, N) or (T,) array_like, or callable, optional
        Deterministic input :math:`\xi(t)` by absolute time, as in :func:`snt.simulate` (T >= steps).
    blocks : int
        Number of blocks (>= 2) of the measured window, for finite-time exponents and error bars.
    seed, progress, threads, exact, noise_stream
        As in :func:`max_lyapunov`; the initial frame of trial b comes from that trial's child 0.

    Returns
    -------
    xarray.Dataset
        ``status``, ``diverged``, ``diverged_at`` (trial) as in :func:`max_lyapunov`;
        ``exponents`` (exponent) mean over trials, in descending order; ``exponents_stderr`` (exponent) over trials when
        trials >= 2, else over blocks (see its ``method`` attr); ``exponents_stderr_blocks`` (trial, exponent) over the
        blocks of each trial; ``exponents_trial`` (trial, exponent); ``exponents_block``
        (trial, block, exponent) finite-time exponents (same ordering); ``kaplan_yorke_dimension`` () and
        ``kaplan_yorke_complete`` () (False: k too small, the value is a lower bound); ``entropy`` () the sum of
        the positive exponents (Pesin) and ``entropy_complete`` () (False when the k-th exponent is still
        positive); ``u_final`` (trial, neuron); ``diverged`` (trial).

    Raises
    ------
    ValueError
        If ``k > N``, ``qr_every < 1``, ``steps`` too short for the transients and blocks, or any other
        argument out of range.

    Notes
    -----
    The ordering is by the mean over trials; the per-trial and per-block exponents follow it. With k = N,
    :math:`\sum_i\lambda_i = \langle \ln|\det DF(u(t))|\rangle_t` over the measured window.

    Examples
    --------
    >>> import snt
    >>> net = snt.Ensemble(N=60, J=1.0, g=2.0).sample(seed=1)
    >>> sp = snt.lyapunov_spectrum(net, steps=700, k=10, transient=100, seed=3)
    >>> bool(sp.exponents[0] > 0 > sp.exponents[-1])
    True
    """
    steps, transient, tangent_transient, trials, blocks, measured = _check_common(
        net, steps, transient, tangent_transient, trials, blocks, progress, threads)
    N = net.N
    if k is None:
        k = min(N, 50)
    k = check_int(k, "k", minimum=1, maximum=N)
    qr_every = check_int(qr_every, "qr_every", minimum=1)
    batch = Batch(net, trials, u0=u0, seed=seed, stimulus=stimulus, total=steps, rider_rows=trials * k,
                  threads=threads, exact=exact, progress=progress, desc="lyapunov_spectrum",
                  noise_stream=noise_stream)
    B = batch.B
    edges = _block_edges(measured, blocks)
    block_sum = np.zeros((B, blocks, k))
    with batch:
        batch.advance(transient)
        rider = QRFrames(batch, k, qr_every)
        if tangent_transient:
            rider.window(batch, tangent_transient, np.zeros((B, k)))
        for j in range(blocks):
            logsum = np.zeros((B, k))
            rider.window(batch, int(edges[j + 1] - edges[j]), logsum)
            block_sum[:, j, :] = logsum
    alive = batch.alive
    block_sum[~alive] = np.nan
    lam_trial = block_sum.sum(axis=1) / measured
    lam_block = block_sum / np.diff(edges)[None, :, None]
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(lam_trial, axis=0) if alive.any() else np.full(k, np.nan)
    order = np.argsort(-np.where(np.isnan(mean), -np.inf, mean), kind="stable")
    mean, lam_trial, lam_block = mean[order], lam_trial[:, order], lam_block[:, :, order]
    if trials >= 2:
        stderr, how = stderr_of_mean(lam_trial, axis=0), "standard deviation over trials / sqrt(trials)"
    else:
        stderr, how = stderr_of_mean(lam_block[0], axis=0), "standard deviation over blocks / sqrt(blocks) (one trial)"
    d_ky, ky_complete, d_ky_err, ky_resolved = kaplan_yorke(mean, N, stderr)
    entropy = np.nan if np.any(np.isnan(mean)) else float(np.sum(mean[mean > 0]))
    entropy_complete = bool(k == N or mean[-1] <= 0)
    t_meas = transient + tangent_transient
    unit = {"units": "1/step"}
    data = {
        "exponents": (("exponent",), mean, {"long_name": "Lyapunov exponent", **unit}),
        "exponents_stderr": (("exponent",), stderr, {"long_name": "standard error of the Lyapunov exponent", **unit,
                                           "method": how}),
        "exponents_stderr_blocks": (("trial", "exponent"), stderr_of_mean(lam_block, axis=1),
                          {"long_name": "standard error over blocks", **unit,
                           "method": "standard deviation of the block exponents / sqrt(blocks)"}),
        "exponents_trial": (("trial", "exponent"), lam_trial, {"long_name": "Lyapunov exponent per trial",
                                                                **unit}),
        "exponents_block": (("trial", "block", "exponent"), lam_block,
                            {"long_name": "finite-time Lyapunov exponent per block", **unit}),
        "kaplan_yorke_dimension": ((), d_ky, {"long_name": "Kaplan-Yorke dimension", "units": "1"}),
        "kaplan_yorke_uncertainty": ((), d_ky_err, {"long_name": "uncertainty of the Kaplan-Yorke dimension "
                                                                  "(exponents moved by one standard error)",
                                                     "units": "1"}),
        "kaplan_yorke_resolved": ((), ky_resolved, {"long_name": "every exponent's sign resolved (False: some "
                                                                 "within 2 standard errors of 0, taken as 0)",
                                                     "units": "1"}),
        "kaplan_yorke_complete": ((), ky_complete,
                                  {"long_name": "Kaplan-Yorke dimension determined (False: k too small, value is "
                                                "a lower bound)", "units": "1"}),
        "entropy": ((), entropy, {"long_name": "sum of the positive exponents (Pesin entropy)", **unit}),
        "entropy_complete": ((), entropy_complete,
                             {"long_name": "all positive exponents computed (False: k too small, lower bound)",
                              "units": "1"}),
        **_common_data(batch, steps),
    }
    coords = _coords(batch, {
        "exponent": coord("exponent", np.arange(1, k + 1)),
        "block": coord("block", np.arange(blocks)),
        "block_start": ("block", t_meas + edges[:-1], {"long_name": "first step of the block", "units": "step"}),
    })
    params = {"network": net.params(), "steps": steps, "k": k, "transient": transient,
              "tangent_transient": tangent_transient, "measured_steps": measured, "qr_every": qr_every,
              "trials": trials, "blocks": blocks, "u0": "N(0,1) per trial" if u0 is None else "given",
              "stimulus": batch.stimulus.kind, "noise_stream": batch.noise_stream}
    attrs = provenance("Lyapunov spectrum of the SNT map",
                       "SCIENCE.md E2, E6: QR re-orthonormalisation (LAPACK) of k tangent vectors fused with "
                       "the state in one gemm per step; replicas share the noise", params, describe(batch.root),
                       references=_REFS)
    return xr.Dataset(data, coords=coords, attrs=attrs)
