r"""Trajectories of the SNT map for many trials at once (SCIENCE.md E1).

.. math:: u_i(t+1) = \gamma u_i(t) + \sum_j J_{ij} f(u_j(t)) - \theta_i + \sigma B_i(t) + \xi_i(t)
"""

import numbers

import numpy as np
import xarray as xr

from . import kernels
from ._checks import check_array, check_int
from ._memory import check_recording
from ._seeds import describe, trial_seeds
from ._threads import blas_limit, check_threads
from .io import provenance
from .network import Network

RECORDABLE = ("u", "m")

#: Largest noise buffer (elements) drawn at once; the run is cut into time chunks of this size.
_CHUNK_ELEMENTS = 1 << 20


def check_network(net, name="net"):
    """The argument must be a :class:`~snt.network.Network` (an Ensemble must be sampled first)."""
    if not isinstance(net, Network):
        hint = " (call ens.sample(seed) to draw a network)" if type(net).__name__ == "Ensemble" else ""
        raise TypeError(f"{name} must be an snt.Network, got {type(net).__name__}{hint}")
    return net


class Stimulus:
    r"""A deterministic input :math:`\xi(t)` for absolute times ``0 <= t < total``, read chunk by chunk.

    Accepts an array (T, N) or (T,) (one value for all neurons) with T >= total, or a callable ``xi(t)``
    returning a scalar or an (N,) array.
    """

    def __init__(self, stimulus, N, total):
        self.N = N
        self.fn = None
        self.array = None
        if stimulus is None:
            return
        if callable(stimulus):
            self.fn = stimulus
            return
        arr = check_array(stimulus, "stimulus")
        if arr.ndim not in (1, 2) or (arr.ndim == 2 and arr.shape[1] != N):
            raise ValueError(f"stimulus must have shape (T, {N}) or (T,), got {arr.shape}")
        if arr.shape[0] < total:
            raise ValueError(f"stimulus covers {arr.shape[0]} steps but the run needs transient + steps = "
                             f"{total}; give at least {total} rows")
        self.array = arr if arr.ndim == 2 else arr[:, None]

    @property
    def active(self):
        return self.fn is not None or self.array is not None

    def chunk(self, t0, n):
        """ξ(t) for t0 <= t < t0 + n as a C-contiguous (n, N) array ((0, N) when there is no stimulus)."""
        if not self.active:
            return np.zeros((0, self.N))
        if self.array is not None:
            return np.ascontiguousarray(np.broadcast_to(self.array[t0:t0 + n], (n, self.N)))
        out = np.empty((n, self.N))
        for s in range(n):
            value = np.asarray(self.fn(t0 + s), dtype=np.float64)
            if value.shape not in ((), (self.N,)):
                raise ValueError(f"stimulus(t) must return a scalar or shape ({self.N},), got {value.shape} "
                                 f"at t={t0 + s}")
            if not np.all(np.isfinite(value)):
                raise ValueError(f"stimulus(t) returned a non-finite value at t={t0 + s}")
            out[s] = value
        return out


def initial_states(net, trials, u0, rngs):
    """(trials, N) initial states: u0 given as (N,) or (trials, N), else N(0, 1) draws from each trial's
    own stream (so the initial condition of trial i does not depend on the other trials)."""
    N = net.N
    if u0 is None:
        return np.stack([rng.standard_normal(N) for rng in rngs])
    u0 = check_array(u0, "u0")
    if u0.shape == (N,):
        return np.repeat(u0[None, :], trials, axis=0)
    if u0.shape == (trials, N):
        return u0
    raise ValueError(f"u0 must have shape ({N},) or (trials={trials}, {N}), got {u0.shape}")


def _check_record(record):
    if isinstance(record, str):
        record = (record,)
    record = tuple(record)
    bad = [r for r in record if r not in RECORDABLE]
    if bad or not record:
        raise ValueError(f"record must be a non-empty subset of {RECORDABLE}, got {record!r}")
    return record


def simulate(net, steps, *, trials=1, transient=0, u0=None, stimulus=None, record_every=1, record=("u", "m"),
             seed=None, progress=False, threads=1):
    r"""Iterate the SNT map for ``trials`` independent trials and record u(t) and m(t).

    Parameters
    ----------
    net : Network
    steps : int
        Number of recorded steps (after the transient), ``steps >= 1``.
    trials : int
        Number of trials, each with its own initial condition and noise stream.
    transient : int
        Steps discarded before recording.
    u0 : (N,) or (trials, N) array_like, optional
        Initial state; by default each trial draws :math:`u_i(0) \sim \mathcal N(0, 1)` from its stream.
    stimulus : (T, N) or (T,) array_like, or callable, optional
        Deterministic input :math:`\xi(t)` added in the step t -> t+1, indexed by absolute time
        (t = 0 is the first transient step); an array needs T >= transient + steps rows.
    record_every : int
        Keep every k-th state.
    record : subset of ("u", "m")
        What to keep. Recording only ``"m"`` never allocates the (trial, time, neuron) array.
    seed : int, SeedSequence, Generator, sequence of SeedSequence, or None
        Trial b uses the child ``SeedSequence`` with key b (its initial condition, then its noise), so a
        trial is the same whether simulated alone or with others. A sequence gives each trial's seed
        explicitly (e.g. ``root.spawn(8)[4:]`` reproduces trials 4..7 of a run with ``seed=root``).
    progress : bool
        Show a progress bar (tqdm).
    threads : int or None
        BLAS threads during the run (default 1, see ``snt._threads``); None leaves the pools as they are.

    Returns
    -------
    xarray.Dataset
        ``u`` (trial, time, neuron), ``m`` (trial, time) with :math:`m(t) = \frac1N\sum_i f(u_i(t))`,
        ``u_final`` (trial, neuron) the state after the last step (to continue a run), ``diverged``
        (trial,) and ``diverged_at`` (trial,) (first non-finite time, -1 if none). Recorded values of a
        diverged trial are NaN from that time on; no other value is ever NaN. Coordinates: ``time`` in
        steps (absolute, t = transient + k * record_every).

    Notes
    -----
    Implements SCIENCE.md (E1). All trials advance together: one matrix--matrix product
    :math:`H = f(U) J^T` per step (BLAS gemm; gemv for one trial), then one fused pass forming the new
    state and its transfer. Batches are padded to a multiple of ``kernels.LANE_BLOCK`` rows so that a
    trial's arithmetic does not depend on the batch it runs in (bit-identical for any batch of 2 or
    more); a single trial uses gemv and agrees with its batched self to rounding (1e-15), which chaos
    amplifies over ~1/λ·ln(1e15) steps.

    Examples
    --------
    >>> import snt
    >>> net = snt.Ensemble(N=200, J=1.0, g=2.0).sample(seed=1)
    >>> ds = snt.simulate(net, steps=100, trials=4, transient=50, seed=2)
    >>> ds.u.dims
    ('trial', 'time', 'neuron')
    """
    check_network(net)
    steps = check_int(steps, "steps", minimum=1)
    trials = check_int(trials, "trials", minimum=1)
    transient = check_int(transient, "transient", minimum=0)
    record_every = check_int(record_every, "record_every", minimum=1)
    record = _check_record(record)
    threads = check_threads(threads)
    if not isinstance(progress, (bool, numbers.Integral)):
        raise TypeError(f"progress must be a bool, got {type(progress).__name__}")
    N = net.N
    total = transient + steps
    check_recording(trials, steps, record_every, N, record)  # before any large allocation
    stim = Stimulus(stimulus, N, total)
    root, seeds = trial_seeds(seed, trials)
    rngs = [np.random.default_rng(s) for s in seeds]
    U0 = initial_states(net, trials, u0, rngs)

    n_rec = -(-steps // record_every)
    rec_u = np.empty((trials, n_rec if "u" in record else 0, N))
    rec_m = np.empty((trials, n_rec if "m" in record else 0))
    alive = np.ones(trials, dtype=np.bool_)
    diverged_at = np.full(trials, -1, dtype=np.int64)
    limit = blas_limit(threads)
    try:
        U = _run(net, U0, rngs, stim, total, (transient, record_every, n_rec), (rec_u, rec_m),
                 (alive, diverged_at), progress)
    finally:
        limit.restore_original_limits()

    times = transient + record_every * np.arange(n_rec)
    coords = {
        "trial": ("trial", np.arange(trials), {"long_name": "trial"}),
        "time": ("time", times, {"long_name": "time", "units": "step"}),
        "neuron": ("neuron", np.arange(N), {"long_name": "neuron index"}),
    }
    data = {}
    if "u" in record:
        data["u"] = (("trial", "time", "neuron"), rec_u, {"long_name": "membrane potential u", "units": "1"})
    if "m" in record:
        data["m"] = (("trial", "time"), rec_m,
                     {"long_name": "population mean activity m = (1/N) sum_i f(u_i)", "units": "1"})
    data["u_final"] = (("trial", "neuron"), U[:trials].copy(),
                       {"long_name": f"state at time {total} (after the last step)", "units": "1"})
    data["diverged"] = (("trial",), ~alive, {"long_name": "trial became non-finite"})
    data["diverged_at"] = (("trial",), diverged_at,
                           {"long_name": "first time with a non-finite state (-1: never)", "units": "step"})
    params = {"network": net.params(), "steps": steps, "trials": trials, "transient": transient,
              "record_every": record_every, "record": list(record), "u0": "N(0,1) per trial" if u0 is None
              else "given", "stimulus": "none" if not stim.active else ("callable" if stim.fn else "array")}
    attrs = provenance("SNT model trajectories", "SCIENCE.md E1 (batched map, one gemm per step)", params,
                       describe(root), references="B. Cessac, Neural Networks Dynamics (lecture, 2014)")
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _run(net, U0, rngs, stim, total, rec_grid, records, status, progress):
    """Drive ``kernels.run_chunk`` over time chunks; returns the final (padded) state."""
    trials, N = U0.shape
    rows = 1 if trials == 1 else -(-trials // kernels.LANE_BLOCK) * kernels.LANE_BLOCK
    U = np.zeros((rows, N))
    U[:trials] = U0
    R = np.zeros((rows, N))
    R[:trials] = kernels.apply_transfer(U0, net.g, net.transfer_code)
    H = np.zeros((rows, N))
    JT = np.ascontiguousarray(net.J.T)
    model = (JT, np.ascontiguousarray(net.theta), net.gamma, net.sigma, net.g, net.transfer_code)
    alive, diverged_at = status
    chunk = max(1, min(total, _CHUNK_ELEMENTS // (trials * N)))
    has_noise = net.sigma > 0
    noise_buffer = np.empty((trials, chunk if has_noise else 0, N))
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=total, unit="step", desc="simulate")
    try:
        t0 = 0
        while t0 < total:
            n = min(chunk, total - t0)
            noise = noise_buffer if (n == chunk or not has_noise) else np.empty((trials, n, N))
            for b, rng in enumerate(rngs if has_noise else ()):
                rng.standard_normal(out=noise[b])
            drive = (noise, stim.chunk(t0, n))
            clock = (np.int64(t0), np.int64(n), np.int64(rec_grid[0]), np.int64(rec_grid[1]),
                     np.int64(rec_grid[2]))
            kernels.run_chunk(model, (U, R, H, alive, diverged_at), drive, clock, records)
            t0 += n
            if bar is not None:
                bar.update(n)
    finally:
        if bar is not None:
            bar.close()
    return U
