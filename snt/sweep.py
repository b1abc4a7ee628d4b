"""Parameter sweeps on dask: a grid of parameters, one task per grid point, results streamed into a zarr
store chunked along the grid, resumable, and returned as one labelled Dataset.

A *study* is any function ``study(obj, seed, **study_kwargs) -> xarray.Dataset`` where ``obj`` is the base
:class:`~snt.ensembles.Ensemble` or :class:`~snt.network.Network` with the grid point's parameters
replaced (``base.replace(g=..., gamma=...)``) and ``seed`` a ``numpy.random.SeedSequence``. Every point must
return the same variables with the same dims and shapes; the sweep adds one dim per grid key in front.

Seeds. Point p (flat index in C order over the grid) gets the child with key p of the root
``SeedSequence(seed)``, whatever the number of workers, the order in which points finish, or a resume.
With ``common_random_numbers=True`` every point gets the same seed (the root itself): the same network
sample, initial conditions and noise at every point, which is what an orbit diagram over g wants.

Storage. With ``store="path.zarr"`` the store is built aside from one computed point and moved into
place (``snt.sweep_store``); chunks hold blocks of grid points. The workers return their results and this
process writes each finished point's block, then its digest and its flag in ``done``, so a point is durable
as soon as it is finished. A killed sweep resumes from the flags: a finished point whose block's chunks are
all present and match their digest is never recomputed; any other point is recomputed and rewritten. A
worker that dies is replaced by dask and its point runs again; writes are idempotent, so nothing is lost or
duplicated. An interrupt (Ctrl-C) raises :class:`~snt.errors.SweepInterrupted` saying how many points are
stored. One process at a time writes a store (a lock file ``<store>.lock`` refuses a second one). The
path is made absolute before it is sent to the workers, which must all see the same filesystem.

Identity. The store records a signature of the sweep: grid, base, seed, options, and the study's qualified
name with a digest of its code (bytecode, constants, defaults, closure values). Resuming with anything
different -- an edited study, another lambda -- is refused with a message saying how to start afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import contextlib
import itertools
import logging
import numbers
import os
import re
import signal
import threading
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr
from threadpoolctl import threadpool_limits

from . import sweep_store
from .sweep_store import differences, study_identity, sweep_signature
from ._seeds import as_seed_sequence, child, describe
from .errors import SchedulerUnreachableError, SweepInterrupted
from .io import open as open_dataset
from .io import provenance
from .network import Network
from .storage import StoreLock
from ._typing import ArrayLike, ClientLike, NetworkLike, SeedLike

__all__ = ["sweep", "grid_points", "as_network", "study_identity", "check_client"]

_SERIAL = ("serial", "sync")
#: seconds to wait for a dask scheduler given by address before giving up
CONNECT_TIMEOUT = 10
_ADDRESS = re.compile(r"^(?:(tcp|tls|inproc|ucx|ws|wss)://)?(\[[0-9a-fA-F:]+\]|[\w.-]+):(\d{1,5})/?$")
_log = logging.getLogger(__name__)


def grid_points(grid):
    """Validate a grid (mapping name -> 1-D values) and return (names, value arrays, list of points)."""
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError(f"grid must be a non-empty mapping of parameter name to values, got {grid!r}")
    names, values = [], []
    for name, vals in grid.items():
        if not isinstance(name, str):
            raise TypeError(f"grid keys must be parameter names (str), got {name!r}")
        if isinstance(vals, (str, bytes, Mapping)):
            raise TypeError(f"grid[{name!r}] must be a 1-D sequence of values, got {type(vals).__name__}")
        arr = np.asarray(vals)
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"grid[{name!r}] must be a non-empty 1-D sequence, got shape {arr.shape}")
        if arr.dtype.kind not in "iufbU":
            raise TypeError(f"grid[{name!r}] must hold numbers (or names), got {arr.dtype} values")
        if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            raise ValueError(f"grid[{name!r}] must be finite, got {arr.tolist()}")
        if len(np.unique(arr)) != arr.size:
            raise ValueError(f"grid[{name!r}] has repeated values; each grid value must be distinct")
        names.append(name)
        values.append(arr)
    points = list(itertools.product(*[v.tolist() for v in values]))
    return names, values, points


def as_network(obj, seed):
    """The network a study works on: ``obj`` itself if it is a Network, else a sample of the Ensemble drawn
    from the point seed's child 0 (so the study's own draws can use other children)."""
    if isinstance(obj, Network):
        return obj
    return obj.sample(seed=child(as_seed_sequence(seed), 0))


def _check_base(base, names):
    if not hasattr(base, "replace") or not hasattr(base, "__dataclass_fields__"):
        raise TypeError(f"base must be an snt.Ensemble or snt.Network, got {type(base).__name__}")
    fields = set(base.__dataclass_fields__)
    unknown = [n for n in names if n not in fields]
    if unknown:
        raise ValueError(f"grid keys {unknown} are not parameters of {type(base).__name__}; "
                         f"allowed: {sorted(fields - {'J', 'origin'})}")


def _point_seed(root, p, crn):
    return root if crn else child(root, p)


def _compute_point(study, base, names, point, seed, study_kwargs):
    """Run the study at one grid point with one BLAS thread (workers run one point per core)."""
    obj = base.replace(**dict(zip(names, point)))
    with threadpool_limits(limits=1, user_api="blas"):
        ds = study(obj, seed, **study_kwargs)
    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"the study must return an xarray.Dataset, got {type(ds).__name__}")
    clash = [n for n in names if n in ds.dims or n in ds.variables]
    if clash:
        raise ValueError(f"the study's result already has dims/variables named like grid keys: {clash}")
    return ds


def _layout(ds):
    """What every point must return: variable -> (dims, shape, dtype kind)."""
    return {k: (v.dims, v.shape, v.dtype.kind) for k, v in ds.data_vars.items()}


def _check_layout(ds, expected, point):
    got = _layout(ds)
    if got != expected:
        raise ValueError(f"the study returned a different layout at grid point {point}: {got} instead of "
                         f"{expected}; every point must return the same variables, dims and shapes")


def _task(study, base, names, point, seed, study_kwargs, expected):
    """One grid point: compute it and check its layout."""
    ds = _compute_point(study, base, names, point, seed, study_kwargs)
    if expected is not None:
        _check_layout(ds, expected, point)
    return ds


def check_client(client):
    """Validate ``client`` before any work: None, "serial"/"sync", an address string or a Client."""
    if client is None or (isinstance(client, str) and client in _SERIAL):
        return client
    if isinstance(client, str):
        if not _ADDRESS.match(client.strip()):
            raise ValueError(f"client {client!r} is not a scheduler address; expected tcp://HOST:PORT (or "
                             f"'serial', or None for a local cluster)")
        return client.strip()
    from distributed import Client
    if isinstance(client, Client):
        return client
    raise TypeError(f"client must be None, 'serial', a scheduler address or a distributed.Client, "
                    f"got {type(client).__name__}")


@contextlib.contextmanager
def _interrupts_left_to_this_process():
    """Start worker processes with SIGINT ignored: a Ctrl-C at a terminal reaches the whole process group, and
    workers that took it would die printing their own tracebacks; this process alone handles it (cancels the
    points, closes the cluster, reports what is saved). Ignored signals survive exec, and a Python started with
    SIGINT ignored installs no KeyboardInterrupt handler, so the workers and the processes their nannies
    restart stay quiet. Only the main thread can change a handler; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


_CLUSTER_LOGGERS = ("distributed", "asyncio", "tornado")


def _silence_cluster_logs():
    """Run in a worker or nanny of a cluster being closed after an interrupt."""
    for name in _CLUSTER_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


@contextlib.contextmanager
def _silenced(names):
    """Drop the records of the loggers ``names`` (and their children) while the block runs."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _client(client, n_workers):
    """(client, close_when_done) from None (a new local cluster), an address, or a distributed.Client."""
    from distributed import Client, LocalCluster

    if client is None:
        workers = n_workers or os.cpu_count() or 1
        with _interrupts_left_to_this_process():
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
        return Client(cluster), True
    if isinstance(client, str):
        try:
            return Client(client, timeout=CONNECT_TIMEOUT), True
        except OSError as exc:  # distributed raises OSError (TimeoutError) when nobody answers
            raise SchedulerUnreachableError(f"client: no dask scheduler answers at {client} within "
                                            f"{CONNECT_TIMEOUT} s ({exc})") from None
    return client, False


def _check_flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def _check_n_workers(n_workers):
    if n_workers is None:
        return None
    if isinstance(n_workers, bool) or not isinstance(n_workers, numbers.Integral):
        raise TypeError(f"n_workers must be an integer >= 1 or None, got {n_workers!r} "
                        f"({type(n_workers).__name__})")
    if n_workers < 1:
        raise ValueError(f"n_workers must be >= 1, got {n_workers}")
    return int(n_workers)


def _check_store(store):
    if store is None:
        return None
    if not isinstance(store, (str, os.PathLike)):
        raise TypeError(f"store must be a path ending in .zarr, got {type(store).__name__}")
    store = Path(store).expanduser()
    if store.suffix != ".zarr":
        raise ValueError(f"store must be a path ending in .zarr, got {str(store)!r}")
    store = store.absolute()  # workers resolve paths in their own working directory
    if not store.parent.is_dir():
        raise FileNotFoundError(f"store {str(store)!r}: the directory {store.parent} does not exist")
    return store


def _check_study_kwargs(study_kwargs):
    if study_kwargs is None:
        return {}
    if not isinstance(study_kwargs, Mapping) or not all(isinstance(k, str) for k in study_kwargs):
        raise TypeError(f"study_kwargs must be a mapping of option name (str) to value, got {study_kwargs!r}")
    return dict(study_kwargs)


def sweep(study: Callable[..., xr.Dataset], grid: Mapping[str, ArrayLike], *, base: NetworkLike,
          seed: SeedLike = None, store: str | os.PathLike | None = None, client: ClientLike = None,
          progress: bool = True, study_kwargs: Mapping[str, Any] | None = None, common_random_numbers: bool = False,
          overwrite: bool = False, n_workers: int | None = None) -> xr.Dataset:
    """Run ``study`` at every point of ``grid`` on dask and return one Dataset with a dim per grid key.

    Parameters
    ----------
    study : callable
        ``study(obj, seed, **study_kwargs) -> xarray.Dataset``; ``obj`` is ``base`` with the point's
        parameters replaced, ``seed`` a SeedSequence. It must be importable or picklable (cloudpickle) for
        the workers, and return the same layout at every point.
    grid : mapping of str to 1-D sequence
        Parameter values; the points are the Cartesian product, in the order of the keys.
    base : Ensemble or Network
        The object whose fields the grid keys replace.
    seed : int, SeedSequence, Generator or None
        Root seed; point p gets its child with key p (see the module docstring). None draws fresh entropy
        (recorded in the attrs).
    store : str or Path, optional
        A ``.zarr`` path: results are written there point by point and the sweep resumes from it. Without
        a store the results are gathered in memory. A relative path is made absolute here; with a remote
        scheduler the store must be on a filesystem that every worker sees at the same path.
    client : None, "serial", str or distributed.Client
        None starts a local cluster with one single-threaded worker process per core; a string is a
        scheduler address (``tcp://host:port``, refused with SchedulerUnreachableError when nobody answers
        within ``CONNECT_TIMEOUT`` seconds, before anything is computed); "serial" runs in this process.
    progress : bool
        Show a progress bar over the points.
    study_kwargs : dict, optional
        Extra keyword arguments of the study (stored in the provenance).
    common_random_numbers : bool
        Give every point the same seed.
    overwrite : bool
        Start afresh when ``store`` holds another sweep (otherwise that is an error). The old store is
        replaced only once the new one holds its first point.
    n_workers : int, optional
        Workers of the local cluster (default: the number of cores).

    Returns
    -------
    xarray.Dataset
        The study's variables with the grid dims in front, the grid coordinates, ``done`` and
        ``point_digest`` (grid) when stored, and provenance attrs (grid, base parameters, seed, study) plus
        the study's own title and method.

    Raises
    ------
    snt.errors.StoreLockedError
        Another process is writing ``store``.
    ValueError
        ``store`` holds a different sweep (the message lists what differs), or bad input.
    """
    if not callable(study):
        raise TypeError(f"study must be a callable study(obj, seed) -> Dataset, got {type(study).__name__}")
    names, values, points = grid_points(grid)
    _check_base(base, names)
    study_kwargs = _check_study_kwargs(study_kwargs)
    root = as_seed_sequence(seed)
    crn = _check_flag(common_random_numbers, "common_random_numbers")
    overwrite = _check_flag(overwrite, "overwrite")
    progress = _check_flag(progress, "progress")
    n_workers = _check_n_workers(n_workers)
    client = check_client(client)
    store = _check_store(store)
    signature, payload = sweep_signature(study, names, values, base, root, crn, study_kwargs)
    attrs = provenance("Parameter sweep: " + payload["study"], "snt.sweep over " + ", ".join(names),
                       payload, describe(root))
    attrs["sweep_signature"] = signature
    job = _Job(study, base, names, values, points, root, crn, study_kwargs, store)
    if store is None:
        return _combine(job.run(list(range(len(points))), None, client, n_workers, progress), names, values,
                        points, attrs)
    with StoreLock(store):
        todo = None if overwrite else _resumable(store, signature, payload, len(points))
        try:
            return job.stored(todo, attrs, values, client, n_workers, progress)
        except KeyboardInterrupt as exc:
            saved = job.writer.count() if job.writer is not None else len(points) - len(todo or points)
            raise SweepInterrupted(store, saved, len(points)) from exc


def _resumable(store, signature, payload, n_points):
    """The points still to compute in an existing store (None when there is no store yet)."""
    from .storage import is_zarr_store

    if not store.exists():
        return None
    how = "pass overwrite=True (snt sweep --overwrite) to replace it, or choose another store"
    if not is_zarr_store(store):
        raise ValueError(f"{store} exists but is not a sweep store (no zarr metadata); {how}")
    with sweep_store.open_store(store) as existing:
        if "done" not in existing.variables or "sweep_signature" not in existing.attrs:
            raise ValueError(f"{store} is a zarr store but not one written by snt.sweep; {how}")
        if existing.attrs["sweep_signature"] != signature:
            what = ", ".join(differences(existing.attrs, payload))
            raise ValueError(f"{store} holds a different sweep (differs in: {what}); {how}")
        good, bad = sweep_store.verified_done(store, existing)
    if bad:
        _log.warning("%s: %d point(s) flagged done have missing or damaged chunks; recomputing them", store,
                     len(bad))
    good = set(good)
    return [p for p in range(n_points) if p not in good]


class _Job:
    """The fixed part of one sweep: what to compute at each point, and where to write it."""

    def __init__(self, study, base, names, values, points, root, crn, study_kwargs, store):
        self.study, self.base, self.names, self.points = study, base, names, points
        self.root, self.crn, self.study_kwargs, self.store = root, crn, study_kwargs, store
        self.indices = list(np.ndindex(*(len(v) for v in values)))
        self.writer = None

    def seed(self, p):
        return _point_seed(self.root, p, self.crn)

    def stored(self, todo, attrs, values, client, n_workers, progress):
        """Create the store if needed (aside, then moved into place), run the missing points, reopen it."""
        todo = list(range(len(self.points))) if todo is None else todo
        fresh = not self.store.exists() or todo == list(range(len(self.points)))
        _log.info("sweep %s: %d of %d points to compute%s", self.store, len(todo), len(self.points),
                  " (new store)" if fresh else f" ({len(self.points) - len(todo)} already stored)")
        session = _Session(client, n_workers) if todo and client not in _SERIAL else None
        try:
            if session is not None:
                session.open()
            if fresh:
                p0 = todo[0]
                template = _compute_point(self.study, self.base, self.names, self.points[p0], self.seed(p0),
                                          self.study_kwargs)
                attrs = dict(attrs)
                attrs.update({f"study_{k}": v for k, v in template.attrs.items()
                              if k in ("title", "method", "references") and isinstance(v, str)})
                sweep_store.create(self.store, template, self.names, values, attrs, self.indices[p0])
                todo = todo[1:]
            with sweep_store.open_store(self.store) as opened:
                expected = {k: (v.dims[len(self.names):], v.shape[len(self.names):], v.dtype.kind)
                            for k, v in opened.data_vars.items() if k not in ("done", "point_digest")}
            pending = set(todo)
            self.writer = sweep_store.Writer(self.store, self.names,
                                             good=[p for p in range(len(self.points)) if p not in pending])
            self.run(todo, expected, client if session is None else session, n_workers, progress,
                     total=len(self.points))
        except KeyboardInterrupt:
            if session is not None:
                session.close(interrupted=True)
                session = None
            raise
        finally:
            if session is not None:
                session.close()
        return open_dataset(self.store)

    def run(self, todo, expected, client, n_workers, progress, total=None):
        """Compute the points ``todo`` (serially or on dask); returns {p: Dataset} when not storing."""
        total = len(self.points) if total is None else total
        bar = None
        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=total, initial=total - len(todo), unit="point", desc="sweep")
        results = {}

        def finished(p, out):
            if self.writer is not None:
                self.writer.write(self.indices[p], out)
                _log.debug("sweep: point %d %s stored", p, dict(zip(self.names, self.points[p])))
            else:
                results[p] = out
            if bar is not None:
                bar.update(1)

        try:
            if client in _SERIAL:
                for p in todo:
                    out = _task(self.study, self.base, self.names, self.points[p], self.seed(p), self.study_kwargs,
                                expected)
                    expected = expected or _layout(out)
                    finished(p, out)
            elif todo:
                session = client if isinstance(client, _Session) else _Session(client, n_workers)
                try:
                    session.run(self, todo, expected, finished)
                except KeyboardInterrupt:
                    if session is not client:
                        session.close(interrupted=True)
                        session = client
                    raise
                finally:
                    if session is not client:
                        session.close()
        finally:
            if bar is not None:
                bar.close()
        return results


class _Session:
    """A dask client for the length of one sweep (opened before anything is computed)."""

    def __init__(self, client, n_workers):
        self.spec, self.n_workers, self.client, self.close_when_done = client, n_workers, None, False

    def open(self):
        if self.client is None:
            self.client, self.close_when_done = _client(self.spec, self.n_workers)
        return self.client

    def run(self, job, todo, expected, finished):
        """Submit the points ``todo`` and hand each result to ``finished(p, ds)`` as it arrives."""
        from distributed import as_completed

        client = self.open()
        _log.info("sweep: %d points on %d dask workers", len(todo), len(client.scheduler_info()["workers"]))
        base_future = client.scatter(job.base, broadcast=True)
        futures = [client.submit(_task, job.study, base_future, job.names, job.points[p], job.seed(p),
                                 job.study_kwargs, expected, pure=False,
                                 key=f"snt-sweep-point-{p}-{os.urandom(4).hex()}")
                   for p in todo]
        order = {f.key: p for f, p in zip(futures, todo)}
        try:
            for future in as_completed(futures):
                finished(order[future.key], future.result())
                future.release()
        except BaseException:
            client.cancel(futures)
            raise

    def close(self, interrupted=False):
        """Close the client (and the cluster this session started). After an interrupt the scheduler's
        operations in flight fail as their workers leave; their log records are noise then, and are dropped."""
        if self.client is not None and self.close_when_done:
            cluster = getattr(self.client, "cluster", None)
            if interrupted and cluster is not None:
                # the workers log to this terminal as well (a heartbeat cut by the closing scheduler)
                for nanny in (False, True):
                    try:
                        self.client.run(_silence_cluster_logs, nanny=nanny)
                    except Exception:  # a worker already gone has nothing left to say
                        pass
            with _silenced(_CLUSTER_LOGGERS if interrupted else ()):
                self.client.close()
                if cluster is not None:
                    cluster.close()
        self.client = None


def _combine(results, names, values, points, attrs):
    """Stack the in-memory point results along the grid dims."""
    first = results[min(results)]
    layout = _layout(first)
    for p, ds in results.items():
        _check_layout(ds, layout, points[p])
    shape = tuple(len(v) for v in values)
    data = {}
    for k, v in first.data_vars.items():
        stacked = np.stack([results[p][k].values for p in range(len(points))]).reshape(shape + v.shape)
        data[k] = (tuple(names) + v.dims, stacked, dict(v.attrs))
    coords = {n: (n, val, sweep_store.coordinate_attrs(n)) for n, val in zip(names, values)}
    for c, var in first.coords.items():
        coords[c] = var
    attrs = dict(attrs)
    attrs.update({f"study_{k}": v for k, v in first.attrs.items()
                  if k in ("title", "method", "references") and isinstance(v, str)})
    return xr.Dataset(data, coords=coords, attrs=attrs)

