r"""The trajectory engine: B trials of the SNT map advanced together (SCIENCE.md E1).

.. math:: u_b(t+1) = \gamma u_b(t) + J f(u_b(t)) - \theta + \sigma B_b(t) + \xi(t),\qquad b = 1..B

:class:`Batch` owns everything a time-stepping analysis shares: the per-trial seed streams and the noise
chunks drawn from them, the lane padding of the products, the stimulus, the initial states, the BLAS
thread policy, the progress bar and the per-trial status (``alive``, ``diverged_at``). The analyses
(``simulate``, the Lyapunov exponents, the response estimators) are accumulators over it: they call
:meth:`Batch.advance` with a *rider* (what travels with the state: records, tangent vectors, QR frames,
replicas; each one a chunk kernel of ``snt._kernels``) and an *observer* (a callable receiving each chunk).

Seeds. Trial b uses the child ``SeedSequence`` with key b of the root seed: its initial condition is N
standard normal draws of its PCG64 stream (when ``u0`` is not given); its noise, N draws per step, comes from
one of two streams (``noise_stream``):

* 2 (the default): counter-based draws, a pure function of (trial key, absolute time, neuron)
  (:mod:`snt._philox`: Philox4x32-10 and Box--Muller, the key from the trial seed's child 2), computed in
  the elementwise pass of the step that uses them, by the thread that runs the trial;
* 1: the trial's PCG64 stream after its initial condition (numpy's ``standard_normal``), drawn in blocks
  in parallel over the trials and ahead of the steps (:mod:`snt._noise`); the stream of the first releases.

So a trial is the same whether it runs alone or with others, and neither the time chunking (bounded by
:data:`CHUNK_ELEMENTS`) nor the threads change a single draw.
"""

import numbers
import time

import numpy as np

from . import _kernels as kernels
from ._checks import check_array, check_int
from ._noise import NoiseSource
from ._philox import DEFAULT_NOISE_STREAM, NOISE_STREAMS, normal_block, trial_keys
from ._seeds import child, trial_seeds
from ._threads import ThreadPolicy, check_thread_policy
from .network import check_network
from .results import trial_status

__all__ = ["Batch", "Stimulus", "initial_states", "check_progress", "check_noise_stream", "CHUNK_ELEMENTS",
           "NOISE_STREAMS", "DEFAULT_NOISE_STREAM"]

#: Largest noise buffer (elements) drawn at once; a run is cut into time chunks of this size.
CHUNK_ELEMENTS = 1 << 20


def check_noise_stream(noise_stream):
    """1 or 2 (see the module docstring)."""
    if isinstance(noise_stream, bool) or not isinstance(noise_stream, numbers.Integral) \
            or int(noise_stream) not in NOISE_STREAMS:
        raise ValueError(f"noise_stream must be one of {NOISE_STREAMS} (2: counter-based, the default; 1: the "
                         f"PCG64 stream of the first releases), got {noise_stream!r}")
    return int(noise_stream)


def check_progress(progress):
    """A bool (or int used as one)."""
    if not isinstance(progress, (bool, numbers.Integral)):
        raise TypeError(f"progress must be a bool, got {type(progress).__name__}")
    return bool(progress)


class Stimulus:
    r"""A deterministic input :math:`\xi(t)` for absolute times ``0 <= t < total``, read chunk by chunk.

    Accepts an array (T, N) or (T,) (one value for all neurons) with T >= total, or a callable ``xi(t)``
    returning a scalar or an (N,) array. Complex values are refused.
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

    @property
    def kind(self):
        return "none" if not self.active else ("callable" if self.fn is not None else "array")

    def chunk(self, t0, n):
        """ξ(t) for t0 <= t < t0 + n as a C-contiguous (n, N) array ((0, N) when there is no stimulus)."""
        if not self.active:
            return np.zeros((0, self.N))
        if self.array is not None:
            return np.ascontiguousarray(np.broadcast_to(self.array[t0:t0 + n], (n, self.N)))
        out = np.empty((n, self.N))
        for s in range(n):
            raw = self.fn(t0 + s)
            if np.iscomplexobj(raw):
                raise TypeError(f"stimulus(t) must return real values, got complex at t={t0 + s}")
            value = np.asarray(raw, dtype=np.float64)
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


def padded_rows(rows, exact=False):
    """Rows of the products for ``rows`` rows: exact, a multiple of ``kernels.EXACT_LANES``; fast, 1 for one
    row, else a multiple of ``kernels.LANE_BLOCK``."""
    if exact:
        return -(-rows // kernels.EXACT_LANES) * kernels.EXACT_LANES
    return 1 if rows == 1 else -(-rows // kernels.LANE_BLOCK) * kernels.LANE_BLOCK


class Batch:
    r"""B trials of E1 advanced together: the one driver of every time-stepping analysis.

    Parameters
    ----------
    net : Network
    trials : int
        Number of trials B >= 1.
    u0 : (N,) or (trials, N) array_like, optional
        Initial state; default :math:`u_i(0) \sim \mathcal N(0, 1)` from each trial's stream.
    seed : int, SeedSequence, Generator, sequence of SeedSequence, or None
        Root seed (trial b: child key b), or one SeedSequence per trial.
    stimulus : array_like or callable, optional
        :math:`\xi(t)` by absolute time (see :class:`Stimulus`); ``total`` steps must be covered.
    total : int
        Number of steps the run will take (for the stimulus check and the progress bar).
    rider_rows : int
        Product rows reserved after the state rows for riders fused into the same gemm (tangent vectors).
    threads : "auto", int or None
        Threads of the steps while the batch runs (``with batch:``), see :class:`snt._threads.ThreadPolicy`:
        ``"auto"`` (default) times 1 thread against all available ones as the run goes and keeps the faster
        (1 inside a dask worker); an int fixes the count; None leaves the BLAS pools and numba's threads as
        they are. The products are BLAS calls of fixed shapes on fixed column panels with one BLAS thread
        each, so ``"auto"`` or any int gives the same bits; only None (a multithreaded BLAS) may not.
    exact : bool
        The product policy. False (default): the batch padded to ``kernels.LANE_BLOCK`` rows in one gemm per
        column panel (gemv for one trial): a trial is bit-identical only between batches of the same padded
        size, equal to rounding otherwise. True: every product is made of gemm calls of exactly
        ``kernels.EXACT_LANES`` rows, so a trial's result is bit-identical whatever batch it runs in (alone
        included); it costs more (the BLAS re-reads J for every call, and pads to 8 rows).
    progress : bool
        Show a tqdm progress bar of ``total`` steps.
    desc : str
        Label of the progress bar.
    noise_stream : {2, 1}
        Where the noise comes from (see the module docstring): 2, counter-based draws computed in the step
        (default); 1, the trials' PCG64 streams, as in the first releases.

    Attributes
    ----------
    U : (Bp, N) states (Bp >= B padded rows stay zero); ``M`` (Bp + rider_rows, N) the product rows
    (``M[:Bp] = f(U)``), ``H`` its product, ``S`` (Bp, N) slopes; ``alive`` (B,), ``diverged_at`` (B,)
    (first non-finite time, -1 while alive); ``t`` the absolute time of the current state.
    """

    def __init__(self, net, trials=1, *, u0=None, seed=None, stimulus=None, total=0, rider_rows=0,
                 threads="auto", exact=False, progress=False, desc="snt", noise_stream=DEFAULT_NOISE_STREAM):
        self.net = check_network(net)
        self.noise_stream = check_noise_stream(noise_stream)
        self.B = trials = check_int(trials, "trials", minimum=1)
        self.threads = check_thread_policy(threads)
        if not isinstance(exact, (bool, np.bool_)):
            raise TypeError(f"exact must be a bool, got {type(exact).__name__}")
        self.exact = bool(exact)
        self.progress = check_progress(progress)
        self.N = N = net.N
        self.total = int(total)
        self.stimulus = Stimulus(stimulus, N, self.total)
        self.root, self.seeds = trial_seeds(seed, trials)
        self.rngs = [np.random.default_rng(s) for s in self.seeds]
        U0 = initial_states(net, trials, u0, self.rngs)
        self.u0_given = u0 is not None
        self.Bp = Bp = padded_rows(trials, self.exact)
        self.U = np.zeros((Bp, N))
        self.U[:trials] = U0
        extra = padded_rows(int(rider_rows), self.exact) if (rider_rows and self.exact) else int(rider_rows)
        self.M = np.zeros((Bp + extra, N))
        self.M[:trials] = kernels.apply_transfer(U0, net.g, net.transfer_code)
        self.H = np.zeros_like(self.M)
        self.S = np.zeros((Bp, N))
        self.alive = np.ones(trials, dtype=np.bool_)
        self.diverged_at = np.full(trials, -1, dtype=np.int64)
        self.params = kernels.Params(np.ascontiguousarray(net.J), np.ascontiguousarray(net.theta), net.gamma,
                                     net.sigma, net.g, net.transfer_code,
                                     kernels.EXACT_LANES if self.exact else 0, kernels.panels(N))
        self.chunk = max(1, CHUNK_ELEMENTS // (trials * N))
        self.t = 0
        self.desc = desc
        self._bar = None
        self._noise = None
        # (keys, rows, work) of the in-step draws of stream 2 (trial_step); no rows: the draws come as an array
        half = (N + 1) // 2
        self._no_counter = (np.zeros((0, 2), dtype=np.uint64), np.zeros((0, N)), np.zeros((0, 3, half)))
        self._keys = trial_keys(self.seeds) if net.sigma > 0 and self.noise_stream == 2 else None
        self._counter = self._no_counter if self._keys is None else \
            (self._keys, np.empty((trials, N)), np.empty((trials, 3, half)))
        flops = 2.0 * self.M.shape[0] * N * N
        self.policy = ThreadPolicy(self.threads, flops, total_steps=self.total,
                                   key=(flops, self.exact, net.sigma > 0, self.noise_stream))

    # -------------------------------------------------------------------------------- context: BLAS, bar
    def __enter__(self):
        self.policy.__enter__()
        if self.progress:
            from tqdm.auto import tqdm
            self._bar = tqdm(total=self.total, unit="step", desc=self.desc)
        return self

    def __exit__(self, *exc):
        self.policy.__exit__(*exc)
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        return False

    # -------------------------------------------------------------------------------- shared pieces
    @property
    def F(self):
        """The state rows f(U) of the product matrix."""
        return self.M[:self.Bp]

    def pieces(self, n, limit=None):
        """Split n steps into chunks of bounded noise memory (and at most ``limit`` steps), shorter while the
        thread policy times a thread count (the chunking never changes a result)."""
        chunk = self.chunk if limit is None else max(1, min(self.chunk, int(limit)))
        while n > 0:
            m = self.policy.piece(min(n, chunk))
            yield m
            n -= m

    def noise(self, n):
        """(B, n, N) standard normal draws of the next n steps, trial by trial; (B, 0, N) without noise.

        Stream 2: computed from the counters (in parallel over the rows). Stream 1: drawn in parallel over the
        trials, and ahead of time on the threads the steps leave free (:class:`snt._noise.NoiseSource`): the
        same draws as one call per trial, in order."""
        if self.net.sigma <= 0:
            return np.zeros((self.B, 0, self.N))
        if self._keys is not None:
            out = np.empty((self.B, n, self.N))
            normal_block(self._keys, np.int64(self.t), out)
            return out
        if self._noise is None:
            self._noise = NoiseSource(self.rngs, self.N, self.total - self.t)
        workers, ahead = self.policy.drawing()
        return self._noise.take(n, workers, ahead)

    def drive(self, n, dense=False):
        """What the chunk kernels take for the next n steps: ``(noise, stim, keys, rows, work)``.

        ``noise`` (B, n, N) the draws (or (B, 0, N)), ``stim`` (n, N) (or (0, N)); with stream 2 and
        ``dense=False`` the draws are not made here: ``keys`` (B, 2) and the scratch ``rows`` (B, N) and
        ``work`` (B, 3, ceil(N/2)) let the kernels compute each trial's row in its step
        (``snt._kernels.trial_step``); otherwise they have no rows. ``dense=True`` gives the draws as an
        array (riders that keep them: the noise estimator of the response)."""
        stim = self.stimulus.chunk(self.t, n)
        if self._keys is not None and not dense:
            return (np.zeros((self.B, 0, self.N)), stim) + self._counter
        return (self.noise(n), stim) + self._no_counter

    def slopes(self):
        """S = f'(U) for the live trials (zero rows elsewhere)."""
        self.S[:self.B] = kernels.apply_slope(self.U[:self.B], self.net.g, self.net.transfer_code)
        self.S[:self.B][~self.alive] = 0.0
        return self.S

    def frames(self, k):
        """(B, k, N) random orthonormal frames, one per trial, from each trial seed's child 0."""
        frames = np.empty((self.B, k, self.N))
        for b, s in enumerate(self.seeds):
            X = np.random.default_rng(child(s, 0)).standard_normal((k, self.N))
            frames[b] = np.linalg.qr(X.T)[0].T
        return frames

    def status(self):
        """Per-trial status codes (``snt.results.STATUS``): ok or diverged."""
        return trial_status(self.alive)

    # -------------------------------------------------------------------------------- the driver
    def advance(self, n, rider=None, observe=None):
        """Advance every trial by ``n`` steps.

        Parameters
        ----------
        n : int
            Steps.
        rider : object, optional
            What travels with the state: an object with ``run(batch, drive, m)`` calling its chunk kernel
            for ``m`` steps (see :class:`Record` and the riders of ``snt.lyapunov`` / ``snt.response``), and
            optionally ``max_steps`` bounding the chunk (riders whose buffers grow with it). Default: the
            state alone (no records).
        observe : callable, optional
            ``observe(batch, t0, m, drive)`` after each chunk (t0: time of the chunk's first state).
        """
        rider = rider if rider is not None else _STATE_ONLY
        for m in self.pieces(int(n), getattr(rider, "max_steps", None)):
            t0 = self.t
            self.policy.start()
            start = time.perf_counter()          # the noise is timed with the steps: the thread count sets both
            drive = self.drive(m, getattr(rider, "dense_noise", False))
            rider.run(self, drive, m)
            self.policy.done(m, time.perf_counter() - start)
            self.t += m
            if observe is not None:
                observe(self, t0, m, drive)
            if self._bar is not None:
                self._bar.update(m)
            drive = None                          # the next chunk's noise is drawn before this one is freed


class Record:
    """The state rider of :func:`snt.simulate`: records u(t), M(t) = (1/N) sum f(u_i) and/or
    m(t) = (1/N) sum u_i on the grid t = start + k * every, k < n (by absolute time)."""

    def __init__(self, B, N, start=0, every=1, n=0, u=False, M=False, m=False):
        self.grid = (np.int64(start), np.int64(every), np.int64(n))
        self.u = np.empty((B, n if u else 0, N))
        self.M = np.empty((B, n if M else 0))
        self.m = np.empty((B, n if m else 0))

    def run(self, batch, drive, m):
        start, every, n = self.grid
        clock = (np.int64(batch.t), np.int64(m), start, every, n)
        kernel = kernels.run_lone if batch.Bp == 1 else kernels.run_chunk
        kernel(batch.params, (batch.U, batch.F, batch.H[:batch.Bp], batch.alive, batch.diverged_at), drive, clock,
               (self.u, self.M, self.m))


_STATE_ONLY = Record(0, 0)
