"""The zarr store of a sweep: its layout, the writes of finished grid points, and what a resume may trust.

Layout: every variable of the study gets the grid dims in front. A chunk holds a block of grid points (as
many as fit in about :data:`CHUNK_BYTES` per variable, so that reading the store back takes few reads),
and the whole of the study's own dims. ``done`` (grid) flags a finished point and ``point_digest`` (grid)
holds the digest of the chunk files of its block, both chunked like the grid. The metadata is consolidated,
so ``xarray.open_zarr`` opens the store in one read and without a warning.

Writes. Only the process that runs the sweep writes (the workers return their results to it). After every
finished point, the point's block is written whole (the points already stored in it, kept in memory, and the
new one), then the digest and flags of the block: a point is durable as soon as it is finished. A point
counts as done only when its flag is set, every chunk file of its block exists and their digest matches the
stored one: a write torn by a kill makes the points of that block "not done" again (a resume recomputes
them; :func:`snt.open` refuses the store).

The store is built under a temporary name (metadata, coordinates and the first point) and renamed into
place, so a sweep killed while creating it leaves no half-made store behind.
"""

import functools
import hashlib
import inspect
import json
import re
import sys
import types
from pathlib import Path

import numpy as np
import xarray as xr

from ._seeds import describe
from .network import Network
from .results import parameter_attrs as coordinate_attrs
from .storage import chunk_digests, chunk_presence, consolidate, move_into_place, open_zarr, remove

__all__ = ["TEXT_WIDTH", "CHUNK_BYTES", "grid_chunks", "create", "Writer", "open_store", "verified_done",
           "point_damage", "study_identity", "sweep_signature", "differences"]

#: Text variables are stored with this fixed width (zarr arrays have one dtype for all points).
TEXT_WIDTH = 64
#: width of the hex digest of a point
DIGEST_WIDTH = 16
#: target size of one chunk of a variable (a block of grid points)
CHUNK_BYTES = 2 * 2**20
_BOOKKEEPING = ("done", "point_digest")


def open_store(store):
    """The store as a lazy Dataset (no checks)."""
    return open_zarr(store)


def grid_chunks(shape, point_bytes, target=None):
    """Chunk sizes along the grid dims: as many points per chunk as fit in ``target`` bytes (default
    :data:`CHUNK_BYTES`) given the largest variable's ``point_bytes``, filling the last grid dim first."""
    budget = max(1, int(target or CHUNK_BYTES) // max(1, int(point_bytes)))
    chunks = []
    for n in reversed(shape):
        c = int(min(n, budget))
        chunks.append(c)
        budget = max(1, budget // c)
    return tuple(reversed(chunks))


def _text(v):
    if v.dtype.kind == "U":
        if v.dtype.itemsize // 4 > TEXT_WIDTH:
            raise ValueError(f"text variable {v.name!r} is wider than {TEXT_WIDTH} characters")
        return v.astype(f"<U{TEXT_WIDTH}")
    return v


def _grid_variables(ds, names):
    """The data variables spanning the grid (the study's results), sorted."""
    return sorted(k for k, v in ds.data_vars.items()
                  if k not in _BOOKKEEPING and tuple(v.dims[:len(names)]) == tuple(names))


def _chunk_sizes(ds, names):
    """Chunk sizes of the grid dims of a store (from ``done``)."""
    chunks = ds["done"].encoding.get("chunks") or ds["done"].shape
    return tuple(int(c) for c in chunks[:len(names)])


def _block_digest(store, variables, block, full=True):
    """The digest of the chunk files of one block (None if one is missing); without ``full`` only their
    presence is checked (and "present" is returned), which reads no data."""
    if not full:
        present = chunk_presence(store, set(variables), region=tuple(block))
        return "present" if present else None
    digests = chunk_digests(store, set(variables), region=tuple(block))
    if any(d is None for chunks in digests.values() for d in chunks.values()):
        return None
    text = "|".join(f"{k}:{key}:{d}" for k in sorted(digests) for key, d in sorted(digests[k].items()))
    return hashlib.blake2b(text.encode(), digest_size=DIGEST_WIDTH // 2).hexdigest()


class Writer:
    """Writes finished points into a store, one block at a time (see the module doc).

    ``good``: flat indices of the points already stored and verified (a resume's); the other points of a
    block are written as not done until they are computed.
    """

    def __init__(self, store, names, good=()):
        self.store, self.names = Path(store), list(names)
        with open_store(store) as ds:
            self.shape = ds["done"].shape
            self.chunks = _chunk_sizes(ds, names)
            self.variables = _grid_variables(ds, names)
            self.dims = {k: ds[k].dims for k in self.variables}
        self.done = np.zeros(self.shape, dtype=bool)
        for p in good:
            self.done[np.unravel_index(p, self.shape)] = True
        self._blocks = {}

    def _slices(self, block):
        return tuple(slice(b * c, min((b + 1) * c, n)) for b, c, n in zip(block, self.chunks, self.shape))

    def _load(self, block):
        """The block's current values (only those of its done points matter)."""
        if block not in self._blocks:
            region = dict(zip(self.names, self._slices(block)))
            with open_store(self.store) as ds:
                self._blocks[block] = {k: ds[k].isel(region).values.copy() for k in self.variables}
        return self._blocks[block]

    def count(self):
        """Points stored so far."""
        return int(self.done.sum())

    def write(self, index, ds):
        """Store the finished point ``index`` (grid index) with result ``ds``, durably."""
        block = tuple(i // c for i, c in zip(index, self.chunks))
        values = self._load(block)
        local = tuple(i - b * c for i, b, c in zip(index, block, self.chunks))
        for k in self.variables:
            values[k][local] = _text(ds[k]).values
        slices = self._slices(block)
        self.done[index] = True
        out = xr.Dataset({k: (self.dims[k], values[k]) for k in self.variables})
        region = dict(zip(self.names, slices))
        out.to_zarr(self.store, region=region, mode="r+", consolidated=False, write_empty_chunks=True)
        digest = _block_digest(self.store, self.variables, block)
        done = self.done[slices] & (digest is not None)
        flag = xr.Dataset({"point_digest": (tuple(self.names), np.where(done, digest or "", "").astype(
                                            f"<U{DIGEST_WIDTH}")),
                           "done": (tuple(self.names), done)})
        flag.to_zarr(self.store, region=region, mode="r+", consolidated=False, write_empty_chunks=True)
        if bool(self.done[slices].all()):
            del self._blocks[block]  # complete: nothing more to merge into it


def create(store, template, names, values, attrs, first_index):
    """Build the store aside (layout from ``template``, the first point written) and move it into place."""
    import dask.array as da

    shape = tuple(len(x) for x in values)
    point_bytes = max([_text(v).nbytes for v in template.data_vars.values()] + [1])
    grid = grid_chunks(shape, point_bytes)
    data = {}
    for k, v in template.data_vars.items():
        fill = np.nan if v.dtype.kind in "fc" else (False if v.dtype.kind == "b" else
                                                     ("" if v.dtype.kind == "U" else 0))
        dtype = f"<U{TEXT_WIDTH}" if v.dtype.kind == "U" else v.dtype
        arr = da.full(shape + v.shape, fill, dtype=dtype, chunks=grid + v.shape)
        data[k] = (tuple(names) + v.dims, arr, dict(v.attrs))
    data["done"] = (tuple(names), da.zeros(shape, dtype=bool, chunks=grid),
                    {"long_name": "grid point finished, written and verified"})
    data["point_digest"] = (tuple(names), da.full(shape, "", dtype=f"<U{DIGEST_WIDTH}", chunks=grid),
                            {"long_name": "digest of the stored chunks of the grid point's block"})
    coords = {n: (n, v, coordinate_attrs(n)) for n, v in zip(names, values)}
    for c, var in template.coords.items():
        coords[c] = var
    full = xr.Dataset(data, coords=coords, attrs=attrs)
    tmp = Path(store).with_name(f".{Path(store).name}.creating")
    remove(tmp)  # left by a sweep killed while creating: the lock guarantees nobody else is building it
    try:
        full.to_zarr(tmp, mode="w", compute=False, consolidated=False, zarr_format=2)
        consolidate(tmp)
        Writer(tmp, names).write(first_index, template)
        move_into_place(tmp, store)
    except BaseException:
        remove(tmp)
        raise


def verified_done(store, ds=None, full=True):
    """(flat indices of the points that are done and intact, flat indices flagged done but damaged).
    Without ``full`` a done point only needs all its chunk files present (no read of their content)."""
    ds = open_store(store) if ds is None else ds
    names = list(ds["done"].dims)
    chunks = _chunk_sizes(ds, names)
    done = _read_flags(store, "done", ds["done"].shape, False)
    stored = _read_flags(store, "point_digest", ds["done"].shape, "") if "point_digest" in ds.variables else None
    variables = _grid_variables(ds, names)
    good, bad = [], []
    digests = {}
    for flat, index in enumerate(np.ndindex(*done.shape)):
        if not done[index]:
            continue
        block = tuple(i // c for i, c in zip(index, chunks))
        if block not in digests:
            digests[block] = _block_digest(store, variables, block, full)
        got = digests[block]
        ok = stored is not None and got is not None and (not full or got == str(stored[index]))
        (good if ok else bad).append(flat)
    return good, bad


def _read_flags(store, name, shape, unreadable):
    """A bookkeeping array; a chunk torn by a kill during its write reads as ``unreadable``."""
    import zarr

    array = zarr.open_group(str(store), mode="r")[name]
    try:
        return np.asarray(array[...])
    except Exception:  # noqa: BLE001 - any decoding failure: fall back to one chunk (one point) at a time
        out = np.full(shape, unreadable, dtype=array.dtype)
        for index in np.ndindex(*shape):
            try:
                out[index] = array[index]
            except Exception:  # noqa: BLE001
                pass
        return out


def point_damage(store, ds, full=True):
    """Problems of a sweep store's finished points (for :func:`snt.open`; ``full=False``: presence only)."""
    _, bad = verified_done(store, ds, full)
    if not bad:
        return []
    shape = ds["done"].shape
    names = ds["done"].dims
    where = [dict(zip(names, (ds[n].values[i].item() for n, i in zip(names, np.unravel_index(p, shape)))))
             for p in bad[:3]]
    return [f"{len(bad)} grid point(s) flagged done have missing or damaged chunks (e.g. {where}); run the "
            "sweep again to recompute them"]


_ADDRESS_IN_REPR = re.compile(r" at 0x[0-9a-fA-F]+")


def _stable_repr(value):
    """repr without memory addresses (they differ from one process to the next)."""
    if isinstance(value, (types.FunctionType, functools.partial)):
        return study_identity(value)["code"]
    return _ADDRESS_IN_REPR.sub("", repr(value))


def _code_text(code):
    """The behaviour of a code object: bytecode, names, constants (nested code included), not line numbers."""
    consts = [_code_text(c) if isinstance(c, types.CodeType) else _stable_repr(c) for c in code.co_consts]
    return "|".join([code.co_code.hex(), ",".join(code.co_names), ",".join(code.co_varnames), *consts])


def study_identity(study):
    """{"name": qualified name, "code": digest of the study's code} for a function, a bound method, a
    ``functools.partial`` or a callable object.

    The digest covers the study's own bytecode and constants, its default arguments and the values its
    closure captured; it does not cover the functions it calls (after editing one of those, start the sweep
    afresh with ``overwrite=True``). It depends on the Python version's bytecode.
    """
    if isinstance(study, functools.partial):
        inner = study_identity(study.func)
        extra = _stable_repr(study.args) + _stable_repr(sorted(study.keywords.items()))
        return {"name": f"partial({inner['name']})",
                "code": hashlib.sha256((inner["code"] + extra).encode()).hexdigest()}
    func = study.__func__ if inspect.ismethod(study) else study
    if not isinstance(func, types.FunctionType):
        func = getattr(type(study), "__call__", None)
        state = _stable_repr(sorted(vars(study).items())) if hasattr(study, "__dict__") else ""
    else:
        state = ""
    name = f"{getattr(study, '__module__', '')}.{getattr(study, '__qualname__', type(study).__qualname__)}"
    parts = [state]
    if isinstance(func, types.FunctionType):
        parts += [_code_text(func.__code__), _stable_repr(func.__defaults__), _stable_repr(func.__kwdefaults__)]
        for cell in func.__closure__ or ():
            try:
                parts.append(_stable_repr(cell.cell_contents))
            except ValueError:  # an empty cell
                parts.append("<empty>")
    return {"name": name, "code": hashlib.sha256("\n".join(parts).encode()).hexdigest()}


def sweep_signature(study, names, values, base, seed_ss, crn, study_kwargs):
    """A digest identifying the sweep, stored with the results so a resume cannot mix two sweeps."""
    identity = study_identity(study)
    payload = {
        "study": identity["name"],
        "study_code": identity["code"],
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "grid": {n: v.tolist() for n, v in zip(names, values)},
        "base": base.params() if hasattr(base, "params") else {},
        "J_digest": hashlib.sha256(base.J.tobytes() + base.theta.tobytes()).hexdigest()
        if isinstance(base, Network) else "",
        "seed": describe(seed_ss),
        "common_random_numbers": bool(crn),
        "study_kwargs": study_kwargs,
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest(), payload


def differences(stored_attrs, payload):
    """Which parts of the sweep differ from the one stored (for the refusal message)."""
    try:
        old = json.loads(stored_attrs.get("parameters", "{}"))
    except ValueError:
        return ["signature"]
    new = json.loads(json.dumps(payload, sort_keys=True, default=str))
    labels = {"study": "study name", "study_code": "study code", "python": "Python version", "grid": "grid",
              "base": "base parameters", "J_digest": "network couplings", "seed": "seed",
              "common_random_numbers": "common_random_numbers", "study_kwargs": "study_kwargs"}
    return [labels.get(k, k) for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)] or ["signature"]
