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

Storage. With ``store="path.zarr"`` the layout is written first (from one computed point), each point
then writes its own chunk of every variable (one chunk per grid point along the grid dims) and, after
that, its flag in the ``done`` variable. A killed sweep resumes from the flags: finished points are never
recomputed, a point whose write was interrupted is recomputed and rewritten. A worker that dies is
replaced by dask and its point runs again; writes are idempotent, so nothing is lost or duplicated.
"""

import hashlib
import itertools
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr
from threadpoolctl import threadpool_limits

from ._seeds import as_seed_sequence, child, describe
from .io import provenance
from .network import Network

__all__ = ["sweep", "grid_points", "as_network"]

_SERIAL = ("serial", "sync")


def grid_points(grid):
    """Validate a grid (mapping name -> 1-D values) and return (names, value arrays, list of points)."""
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError(f"grid must be a non-empty mapping of parameter name to values, got {grid!r}")
    names, values = [], []
    for name, vals in grid.items():
        if not isinstance(name, str):
            raise TypeError(f"grid keys must be parameter names (str), got {name!r}")
        arr = np.asarray(vals)
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"grid[{name!r}] must be a non-empty 1-D sequence, got shape {arr.shape}")
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


def _base_params(base):
    return base.params() if hasattr(base, "params") else {}


def _signature(study, names, values, base, seed_ss, crn, study_kwargs):
    """A digest identifying the sweep, stored with the results so a resume cannot mix two sweeps."""
    payload = {
        "study": f"{getattr(study, '__module__', '')}.{getattr(study, '__qualname__', repr(study))}",
        "grid": {n: v.tolist() for n, v in zip(names, values)},
        "base": _base_params(base),
        "J_digest": hashlib.sha256(base.J.tobytes() + base.theta.tobytes()).hexdigest()
        if isinstance(base, Network) else "",
        "seed": describe(seed_ss),
        "common_random_numbers": bool(crn),
        "study_kwargs": study_kwargs,
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest(), payload


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


#: Text variables are stored with this fixed width (zarr arrays have one dtype for all points).
TEXT_WIDTH = 64


def _region_dataset(ds, names, index):
    """The point's result with the grid dims in front, without the variables that do not span the grid."""
    out = ds.drop_vars([c for c in ds.coords])
    for k, v in out.data_vars.items():
        if v.dtype.kind == "U":
            if v.dtype.itemsize // 4 > TEXT_WIDTH:
                raise ValueError(f"text variable {k!r} is wider than {TEXT_WIDTH} characters")
            out[k] = v.astype(f"<U{TEXT_WIDTH}")
    out = out.expand_dims({n: 1 for n in names})
    region = {n: slice(i, i + 1) for n, i in zip(names, index)}
    return out, region


def _write_point(store, ds, names, index):
    out, region = _region_dataset(ds, names, index)
    out.attrs = {}
    out.to_zarr(store, region=region, mode="r+", consolidated=False)
    done = xr.Dataset({"done": (tuple(names), np.ones((1,) * len(names), dtype=bool))})
    done.to_zarr(store, region=region, mode="r+", consolidated=False)


def _task(study, base, names, point, index, seed, study_kwargs, store, expected):
    """One grid point: compute, check the layout, write it (when storing) and return it (when not)."""
    ds = _compute_point(study, base, names, point, seed, study_kwargs)
    if expected is not None:
        _check_layout(ds, expected, point)
    if store is None:
        return ds
    _write_point(store, ds, names, index)
    return None


def _create_store(store, template, names, values, attrs):
    import dask.array as da

    data = {}
    for k, v in template.data_vars.items():
        shape = tuple(len(x) for x in values) + v.shape
        chunks = (1,) * len(names) + v.shape
        fill = np.nan if v.dtype.kind in "fc" else (False if v.dtype.kind == "b" else
                                                     ("" if v.dtype.kind == "U" else 0))
        dtype = f"<U{TEXT_WIDTH}" if v.dtype.kind == "U" else v.dtype
        arr = da.full(shape, fill, dtype=dtype, chunks=chunks)
        data[k] = (tuple(names) + v.dims, arr, dict(v.attrs))
    data["done"] = (tuple(names), da.zeros(tuple(len(x) for x in values), dtype=bool, chunks=(1,) * len(names)),
                    {"long_name": "grid point finished and written"})
    coords = {n: (n, v, {"long_name": n}) for n, v in zip(names, values)}
    for c, var in template.coords.items():
        coords[c] = var
    full = xr.Dataset(data, coords=coords, attrs=attrs)
    full.to_zarr(store, mode="w", compute=False, consolidated=False, zarr_format=2)


def _open_store(store):
    return xr.open_zarr(store, consolidated=False)


def _client(client, n_workers):
    """(client, close_when_done) from None (a new local cluster), an address, or a distributed.Client."""
    from distributed import Client, LocalCluster

    if client is None:
        workers = n_workers or os.cpu_count() or 1
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
        return Client(cluster), True
    if isinstance(client, str):
        return Client(client), True
    if isinstance(client, Client):
        return client, False
    raise TypeError(f"client must be None, 'serial', a scheduler address or a distributed.Client, "
                    f"got {type(client).__name__}")


def sweep(study, grid, *, base, seed=None, store=None, client=None, progress=True, study_kwargs=None,
          common_random_numbers=False, overwrite=False, n_workers=None):
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
        a store the results are gathered in memory.
    client : None, "serial", str or distributed.Client
        None starts a local cluster with one single-threaded worker process per core; a string is a
        scheduler address (``tcp://host:port``); "serial" runs in this process without dask.
    progress : bool
        Show a progress bar over the points.
    study_kwargs : dict, optional
        Extra keyword arguments of the study (stored in the provenance).
    common_random_numbers : bool
        Give every point the same seed.
    overwrite : bool
        Start afresh when ``store`` holds another sweep (otherwise that is an error).
    n_workers : int, optional
        Workers of the local cluster (default: the number of cores).

    Returns
    -------
    xarray.Dataset
        The study's variables with the grid dims in front, the grid coordinates, ``done`` (grid) when stored,
        and provenance attrs (grid, base parameters, seed, study) plus the study's own title and method.
    """
    if not callable(study):
        raise TypeError(f"study must be a callable study(obj, seed) -> Dataset, got {type(study).__name__}")
    names, values, points = grid_points(grid)
    _check_base(base, names)
    study_kwargs = dict(study_kwargs or {})
    root = as_seed_sequence(seed)
    if n_workers is not None:
        n_workers = int(n_workers)
        if n_workers < 1:
            raise ValueError(f"n_workers must be >= 1, got {n_workers}")
    if store is not None:
        store = Path(store)
        if store.suffix != ".zarr":
            raise ValueError(f"store must be a path ending in .zarr, got {str(store)!r}")
    signature, payload = _signature(study, names, values, base, root, common_random_numbers, study_kwargs)
    shape = tuple(len(v) for v in values)
    indices = list(np.ndindex(*shape))

    todo = list(range(len(points)))
    created = False
    if store is not None and store.exists() and not overwrite:
        with _open_store(store) as existing:
            if existing.attrs.get("sweep_signature") != signature:
                raise ValueError(f"{store} holds a different sweep (other grid, base, seed or study); pass "
                                 f"overwrite=True or choose another store")
            done = np.asarray(existing["done"].values).reshape(-1)
        todo = [p for p in todo if not done[p]]
        created = True

    attrs = provenance("Parameter sweep: " + payload["study"], "snt.sweep over " + ", ".join(names),
                       payload, describe(root))
    attrs["sweep_signature"] = signature
    expected = None
    results = {}

    if store is not None and not created and todo:
        # The first point fixes the layout of the store.
        p0 = todo[0]
        template = _compute_point(study, base, names, points[p0], _point_seed(root, p0, common_random_numbers),
                                  study_kwargs)
        attrs.update({f"study_{k}": v for k, v in template.attrs.items()
                      if k in ("title", "method", "references") and isinstance(v, str)})
        _create_store(store, template, names, values, attrs)
        _write_point(store, template, names, indices[p0])
        todo = todo[1:]
    if store is not None:
        opened = _open_store(store)
        expected = {k: (v.dims[len(names):], v.shape[len(names):], v.dtype.kind)
                    for k, v in opened.data_vars.items() if k != "done"}

    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(points), initial=len(points) - len(todo), unit="point", desc="sweep")
    try:
        if client in _SERIAL:
            for p in todo:
                out = _task(study, base, names, points[p], indices[p], _point_seed(root, p, common_random_numbers),
                            study_kwargs, store, expected)
                if store is None:
                    if expected is None:
                        expected = _layout(out)
                    results[p] = out
                if bar is not None:
                    bar.update(1)
        elif todo:
            results = _run_dask(client, n_workers, study, base, names, points, indices, todo, root,
                                common_random_numbers, study_kwargs, store, expected, bar)
    finally:
        if bar is not None:
            bar.close()

    if store is not None:
        with _open_store(store) as ds:
            return ds.load()
    return _combine(results, names, values, points, attrs)


def _run_dask(client, n_workers, study, base, names, points, indices, todo, root, crn, study_kwargs, store,
              expected, bar):
    from distributed import as_completed

    client, close = _client(client, n_workers)
    try:
        base_future = client.scatter(base, broadcast=True)
        futures = [client.submit(_task, study, base_future, names, points[p], indices[p], _point_seed(root, p, crn),
                                 study_kwargs, None if store is None else str(store), expected, pure=False,
                                 key=f"snt-sweep-point-{p}-{os.urandom(4).hex()}")
                   for p in todo]
        order = {f.key: p for f, p in zip(futures, todo)}
        results = {}
        for future in as_completed(futures):
            out = future.result()
            if store is None:
                results[order[future.key]] = out
            if bar is not None:
                bar.update(1)
        return results
    finally:
        if close:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()


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
    coords = {n: (n, val, {"long_name": n}) for n, val in zip(names, values)}
    for c, var in first.coords.items():
        coords[c] = var
    attrs = dict(attrs)
    attrs.update({f"study_{k}": v for k, v in first.attrs.items()
                  if k in ("title", "method", "references") and isinstance(v, str)})
    return xr.Dataset(data, coords=coords, attrs=attrs)

