"""Saving and opening results with their provenance (netCDF via h5netcdf, or zarr), and the common
provenance attributes every analysis puts on its Dataset.

A Dataset saved and reopened is identical (values, dims, coordinates and attrs) to the one returned by
the analysis: :func:`save` refuses attribute values netCDF cannot hold instead of silently changing them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .errors import CorruptFileError
from .results import provenance  # noqa: F401 - the provenance attributes live with the vocabulary
from .encoding import cast, encodings, join_complex, split_complex
from .storage import chunk_digests, consolidate, damage, is_zarr_store, open_zarr, raise_damage, written_aside
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


def _check_path(path: Any, name: str = "path") -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or path, got {type(path).__name__}")
    return Path(path)


def check_output_path(path: Any, *, overwrite: bool = True, formats: tuple[str, ...] = ("netcdf", "zarr"),
                      name: str = "path") -> tuple[Path, str]:
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


def save(ds: xr.Dataset, path: str | os.PathLike, *, overwrite: bool = True,
         compression: str | int | None = "default", dtype: Any = None,
         encoding: Mapping[Hashable, Mapping[str, Any]] | None = None) -> Path:
    """Write a Dataset to ``path``: netCDF-4 (``.nc``, h5netcdf engine) or zarr (``.zarr``, with consolidated
    metadata).

    The Dataset is written under a temporary name beside ``path`` and then moved into place, so an
    interrupted save leaves the previous file intact, and saving a Dataset lazily opened from ``path`` onto
    ``path`` itself is safe. A zarr store records a digest of every chunk, which :func:`open` checks.
    Complex variables are stored as real and imaginary parts that any netCDF reader understands, and joined
    again by :func:`open` (:mod:`snt.encoding`).

    Parameters
    ----------
    ds : xarray.Dataset
    path : str or Path
    overwrite : bool
        Replace an existing file (default). With False an existing path raises FileExistsError.
    compression : "default", None or int
        "default": lossless compression of every numeric variable of at least 64 KiB whose values compress
        (tried on a sample; a chaotic float64 trajectory does not, by ~10 %, and is stored as it is, which is
        several times faster) -- netCDF: zlib level 1 with byte shuffle; zarr: Zstandard. An int 1..9:
        compress every numeric variable of at least 64 KiB with that zlib (netCDF) or Zstandard (zarr)
        level. None: nothing compressed.
    dtype : None, dtype or dict
        Storage dtype of the floating variables: None keeps them (an exact round trip); ``"float32"``
        halves their size (relative rounding error <= 6e-8; they reopen as float32). A dict maps variable
        names to dtypes.
    encoding : dict, optional
        Per-variable xarray encoding (e.g. ``{"u": {"chunksizes": (1, 100, 1000)}}``), applied over the
        defaults above.

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
    stored = split_complex(cast(ds, dtype))
    enc = encodings(stored, fmt, compression, encoding)
    with written_aside(path) as tmp:
        if fmt == "netcdf":
            stored.to_netcdf(tmp, engine="h5netcdf", encoding=enc)
        else:
            stored.to_zarr(tmp, mode="w-", consolidated=False, write_empty_chunks=True, encoding=enc)
            _seal(tmp)
    return path


#: root attribute of a zarr store written by :func:`save`: the digest of every chunk file (JSON)
DIGESTS_ATTR = "snt_chunk_digests"


def _seal(store):
    import zarr

    digests = chunk_digests(store)
    zarr.open_group(str(store), mode="r+").attrs[DIGESTS_ATTR] = json.dumps(digests, sort_keys=True)
    consolidate(store)


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


def open(path: str | os.PathLike, *, lazy: bool = False,  # noqa: A001 - mirrors xarray.open_dataset
         chunks: Any = None) -> xr.Dataset:
    """Open a Dataset written by :func:`save` or :func:`snt.sweep` (format from the file name).

    A damaged file raises :class:`~snt.errors.CorruptFileError` (a ValueError) naming it: not of the
    format, truncated, a zarr directory without metadata, a missing chunk or (when not lazy) a chunk whose
    digest differs from the one recorded when it was written. A sweep store's finished points are checked
    the same way. Complex variables stored as real and imaginary parts are returned complex.

    Parameters
    ----------
    path : str or Path
    lazy : bool
        False (default): load everything into memory and close the file. True: values are read on access.
    chunks : None, "auto", int or dict, optional
        Return dask-backed variables with these chunks, as ``xarray.open_dataset`` does (an empty dict
        keeps the chunks on disk). Implies ``lazy``: nothing is read until computed.

    Returns
    -------
    xarray.Dataset
    """
    path = _check_path(path)
    fmt = _format(path)
    lazy = lazy or chunks is not None
    if not path.exists():
        raise FileNotFoundError(f"no such file or store: {path}")
    if fmt == "netcdf":
        _check_hdf5(path)
        try:
            ds = xr.open_dataset(path, engine="h5netcdf", chunks=chunks)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise _unreadable(path, exc) from exc
    else:
        if not is_zarr_store(path):
            raise CorruptFileError(f"{path}: not a zarr store (no zarr.json or .zgroup: an empty or "
                                   "incomplete directory)")
        try:
            ds = open_zarr(path, chunks={} if chunks is None else chunks)
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
        return join_complex(ds)
    with ds:
        try:
            return join_complex(ds.load())
        except Exception as exc:  # noqa: BLE001 - a decoding failure of any codec is a damaged file
            raise _unreadable(path, exc) from exc
