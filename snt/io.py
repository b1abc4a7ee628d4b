"""Saving and opening results with their provenance (netCDF via h5netcdf, or zarr), and the common
provenance attributes every analysis puts on its Dataset.

A Dataset saved and reopened is identical (values, dims, coordinates and attrs) to the one returned by
the analysis: :func:`save` refuses attribute values netCDF cannot hold instead of silently changing them.
"""

import json
import os
from pathlib import Path

import numpy as np
import xarray as xr

from .errors import CorruptFileError
from .results import provenance  # noqa: F401 - the provenance attributes live with the vocabulary
from .storage import chunk_digests, damage, is_zarr_store, raise_damage, written_aside
from .sweep_store import point_damage

NETCDF_SUFFIXES = (".nc", ".nc4", ".h5", ".netcdf")
ZARR_SUFFIXES = (".zarr",)


def _format(path, name="path"):
    suffix = Path(path).suffix.lower()
    if suffix in NETCDF_SUFFIXES:
        return "netcdf"
    if suffix in ZARR_SUFFIXES:
        return "zarr"
    raise ValueError(f"{name} {str(path)!r}: unknown format; use a name ending in one of "
                     f"{NETCDF_SUFFIXES + ZARR_SUFFIXES}")


def _check_attrs(ds):
    allowed = (str, int, float, np.integer, np.floating, np.ndarray, list, tuple)
    for where, attrs in [("Dataset", ds.attrs)] + [(f"variable {k!r}", v.attrs) for k, v in ds.variables.items()]:
        for key, value in attrs.items():
            if isinstance(value, bool) or not isinstance(value, allowed):
                raise TypeError(f"{where}: attribute {key!r} is a {type(value).__name__}; files hold only "
                                "str, numbers and arrays (store dicts as JSON strings)")


def _check_path(path, name="path"):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or path, got {type(path).__name__}")
    return Path(path)


def check_output_path(path, *, overwrite=True, formats=("netcdf", "zarr"), name="path"):
    """Check, before any work is done, that a result can be written to ``path``: a known format, an
    existing directory, and (without ``overwrite``) no file there yet. Returns (Path, format)."""
    path = _check_path(path, name)
    fmt = _format(path, name)
    if fmt not in formats:
        raise ValueError(f"{name} {str(path)!r}: this result is written as {' or '.join(formats)}; use a name "
                         f"ending in one of {NETCDF_SUFFIXES if 'netcdf' in formats else ZARR_SUFFIXES}")
    parent = path.absolute().parent
    if not parent.is_dir():
        raise FileNotFoundError(f"{name} {str(path)!r}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise PermissionError(f"{name} {str(path)!r}: the directory {parent} is not writable")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    return path, fmt


def save(ds, path, *, overwrite=True):
    """Write a Dataset to ``path``: netCDF-4 (``.nc``, h5netcdf engine) or zarr (``.zarr``).

    The Dataset is written under a temporary name beside ``path`` and then moved into place, so an
    interrupted save leaves the previous file intact, and saving a Dataset lazily opened from ``path`` onto
    ``path`` itself is safe. A zarr store records a digest of every chunk, which :func:`open` checks.

    Parameters
    ----------
    ds : xarray.Dataset
    path : str or Path
    overwrite : bool
        Replace an existing file (default). With False an existing path raises FileExistsError.

    Returns
    -------
    pathlib.Path
    """
    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"save: ds must be an xarray.Dataset, got {type(ds).__name__}")
    if not isinstance(overwrite, bool):
        raise TypeError(f"overwrite must be True or False, got {overwrite!r}")
    path, fmt = check_output_path(path, overwrite=overwrite)
    _check_attrs(ds)
    with written_aside(path) as tmp:
        if fmt == "netcdf":
            ds.to_netcdf(tmp, engine="h5netcdf")
        else:
            ds.to_zarr(tmp, mode="w-", consolidated=False, write_empty_chunks=True)
            _seal(tmp)
    return path


#: root attribute of a zarr store written by :func:`save`: the digest of every chunk file (JSON)
DIGESTS_ATTR = "snt_chunk_digests"


def _seal(store):
    import zarr

    digests = chunk_digests(store)
    zarr.open_group(str(store), mode="r+").attrs[DIGESTS_ATTR] = json.dumps(digests, sort_keys=True)


_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _check_hdf5(path):
    if path.is_dir():
        raise CorruptFileError(f"{path}: a directory, not a netCDF file")
    with path.open("rb") as fh:
        head = fh.read(2048 + 8)
    # the superblock is at offset 0 or, after a user block, at 512, 1024, 2048
    if not any(head[k:k + 8] == _HDF5_SIGNATURE for k in (0, 512, 1024, 2048)):
        what = "empty" if not head else "no HDF5 signature"
        raise CorruptFileError(f"{path}: not a netCDF-4/HDF5 file ({what})")


def _unreadable(path, exc):
    return CorruptFileError(f"{path}: cannot be read ({type(exc).__name__}: {exc}); the file is truncated, "
                            "torn or not written by snt.save")


def open(path, *, lazy=False):  # noqa: A001 - mirrors xarray.open_dataset
    """Open a Dataset written by :func:`save` (format from the file name). ``lazy=False`` loads it into
    memory and closes the file.

    A damaged file raises :class:`~snt.errors.CorruptFileError` (a ValueError) naming it: not of the
    format, truncated, a zarr directory without metadata, a missing chunk or (``lazy=False``) a chunk whose
    digest differs from the one recorded when it was written. A sweep store's finished points are checked
    the same way.
    """
    path = _check_path(path)
    fmt = _format(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file or store: {path}")
    if fmt == "netcdf":
        _check_hdf5(path)
        try:
            ds = xr.open_dataset(path, engine="h5netcdf")
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise _unreadable(path, exc) from exc
    else:
        if not is_zarr_store(path):
            raise CorruptFileError(f"{path}: not a zarr store (no zarr.json or .zgroup: an empty or "
                                   "incomplete directory)")
        try:
            ds = xr.open_zarr(path, consolidated=False)
        except Exception as exc:  # noqa: BLE001 - any failure to parse the metadata is a damaged store
            raise _unreadable(path, exc) from exc
        digests = ds.attrs.pop(DIGESTS_ATTR, None)
        problems = damage(path, json.loads(digests), full=not lazy) if digests else []
        if "point_digest" in ds.variables:
            problems += point_damage(path, ds, full=not lazy)
        if problems:
            ds.close()
            raise_damage(path, problems)
    if lazy:
        return ds
    with ds:
        try:
            return ds.load()
        except Exception as exc:  # noqa: BLE001 - a decoding failure of any codec is a damaged file
            raise _unreadable(path, exc) from exc
