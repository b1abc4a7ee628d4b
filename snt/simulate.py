r"""Trajectories of the SNT map for many trials at once (SCIENCE.md E1).

.. math:: u_i(t+1) = \gamma u_i(t) + \sum_j J_{ij} f(u_j(t)) - \theta_i + \sigma B_i(t) + \xi_i(t)

Notation (SCIENCE.md §4): ``M(t)`` is the population activity :math:`\frac1N\sum_i f(u_i(t))` (the
finite-N estimate of E f(u)), ``m(t)`` the population mean :math:`\frac1N\sum_i u_i(t)` (of E u).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from ._checks import check_int
from ._memory import check_recording
from ._seeds import describe
from .dynamics import DEFAULT_NOISE_STREAM, Batch, Record
from .network import check_network
from .results import coord, provenance, status_variable
from ._typing import ArrayLike, SeedLike

if TYPE_CHECKING:
    from .network import Network

__all__ = ["simulate", "RECORDABLE"]

#: What simulate can record: the state u, the activity M = (1/N) sum f(u_i), the mean m = (1/N) sum u_i.
RECORDABLE = ("u", "M", "m")


def _check_record(record):
    if isinstance(record, str):
        record = (record,)
    if not isinstance(record, (tuple, list)):
        raise TypeError(f"record must be a name or a sequence of names from {RECORDABLE}, got {record!r}")
    record = tuple(record)
    bad = [r for r in record if r not in RECORDABLE]
    if bad or not record or len(set(record)) != len(record):
        raise ValueError(f"record must be a non-empty subset of {RECORDABLE} (u: state, M: activity "
                         f"(1/N) sum_i f(u_i), m: mean (1/N) sum_i u_i), got {record!r}")
    return record


def simulate(net: Network, steps: int, *, trials: int = 1, transient: int = 0, u0: ArrayLike | None = None,
             stimulus: Any = None, record_every: int = 1, record: str | Sequence[str] = ("u", "M"),
             seed: SeedLike = None, progress: bool = False, threads: int | str | None = "auto",
             exact: bool = False, noise_stream: int = DEFAULT_NOISE_STREAM) -> xr.Dataset:
    r"""Iterate the SNT map for ``trials`` independent trials and record u(t) and the activity M(t).

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
    record : subset of ("u", "M", "m")
        What to keep: the state ``u``, the activity ``M`` :math:`=\frac1N\sum_i f(u_i)`, the mean ``m``
        :math:`=\frac1N\sum_i u_i`. Without ``"u"`` the (trial, time, neuron) array is never allocated.
    seed : int, SeedSequence, Generator, sequence of SeedSequence, or None
        Trial b uses the child ``SeedSequence`` with key b (its initial condition, then its noise), so a
        trial is the same whether simulated alone or with others. A sequence gives each trial's seed
        explicitly (e.g. ``root.spawn(8)[4:]`` reproduces trials 4..7 of a run with ``seed=root``). A
        Generator is consumed: the root seed is drawn from it (see ``snt._seeds``).
    progress : bool
        Show a progress bar (tqdm).
    threads : "auto", int or None
        Threads of the run (``snt._threads.ThreadPolicy``). ``"auto"`` (default): the run times 1 thread
        against all the available ones as it goes and keeps the faster (1 inside a dask worker); an int fixes
        the count. The result is the same bits whatever the count: the products are BLAS calls of fixed
        shapes on fixed column panels with one BLAS thread each. None leaves the BLAS pools and numba's
        threads as they are (a multithreaded BLAS may then change the last bits).
    exact : bool
        Product policy of the engine (``snt.dynamics.Batch``). False (default): one gemm per column panel
        over the batch (gemv for one trial), fast; a trial is bit-identical only in batches of the same
        padded size, equal to rounding otherwise. True: fixed-shape gemm calls of 8 rows, so a trial's result
        is bit-identical whatever batch it runs in (alone included), at a higher cost (``benchmarks/``).
    noise_stream : {2, 1}
        Where the noise draws come from (``snt.dynamics``): 2 (default), counter-based (Philox4x32-10 keyed by
        the trial seed, Box--Muller), computed in the step by the thread that runs the trial; 1, the trial's
        PCG64 stream after its initial condition, as in the first releases (kept to repeat their runs). The
        initial conditions are the same in both; the choice is recorded in ``parameters``.

    Returns
    -------
    xarray.Dataset
        ``u`` (trial, time, neuron), ``M`` (trial, time) and/or ``m`` (trial, time) as recorded;
        ``u_final`` (trial, neuron) the state after the last step (to continue a run); ``status`` (trial)
        (CF flags: 0 ok, 1 diverged), ``diverged`` (trial) bool, and ``diverged_at`` (trial) (first non-finite time, -1 if none).
        Recorded values of a diverged trial are NaN from that time on; no other value is ever NaN.
        Coordinates: ``time`` in steps (absolute, t = transient + k * record_every).

    Notes
    -----
    Implements SCIENCE.md (E1) with the engine :class:`snt.dynamics.Batch`: one matrix--matrix product
    :math:`H = f(U) J^T` per step, then one fused pass forming the new state and its transfer. See the
    README for what is invariant under the way trials are split and the BLAS thread count.

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
    total = transient + steps
    check_recording(trials, steps, record_every, net.N, record)  # before any large allocation
    batch = Batch(net, trials, u0=u0, seed=seed, stimulus=stimulus, total=total, threads=threads,
                  exact=exact, progress=progress, desc="simulate", noise_stream=noise_stream)
    N = net.N
    n_rec = -(-steps // record_every)
    rec = Record(trials, N, transient, record_every, n_rec, **{r: True for r in record})
    with batch:
        batch.advance(total, rec)

    times = transient + record_every * np.arange(n_rec)
    coords = {"trial": coord("trial", np.arange(trials)), "time": coord("time", times),
              "neuron": coord("neuron", np.arange(N))}
    data: dict[str, Any] = {}
    if "u" in record:
        data["u"] = (("trial", "time", "neuron"), rec.u, {"long_name": "membrane potential u", "units": "1"})
    if "M" in record:
        data["M"] = (("trial", "time"), rec.M,
                     {"long_name": "population activity M = (1/N) sum_i f(u_i)", "units": "1"})
    if "m" in record:
        data["m"] = (("trial", "time"), rec.m, {"long_name": "population mean m = (1/N) sum_i u_i", "units": "1"})
    data["u_final"] = (("trial", "neuron"), batch.U[:trials].copy(),
                       {"long_name": f"state at time {total} (after the last step)", "units": "1"})
    data["status"] = status_variable(batch.status())
    data["diverged"] = (("trial",), ~batch.alive, {"long_name": "trial became non-finite (status == diverged)",
                                                   "units": "1"})
    data["diverged_at"] = (("trial",), batch.diverged_at,
                           {"long_name": "first time with a non-finite state (-1: never)", "units": "step"})
    params = {"network": net.params(), "steps": steps, "trials": trials, "transient": transient,
              "record_every": record_every, "record": list(record),
              "u0": "given" if batch.u0_given else "N(0,1) per trial", "stimulus": batch.stimulus.kind,
              "exact": batch.exact, "noise_stream": batch.noise_stream}
    attrs = provenance("SNT model trajectories", "SCIENCE.md E1 (batched map, one gemm per step)", params,
                       describe(batch.root), references="B. Cessac, Neural Networks Dynamics (lecture, 2014)")
    return xr.Dataset(data, coords=coords, attrs=attrs)
