"""Saving and opening results with their provenance (netCDF via h5netcdf, or zarr), and the common
provenance attributes every analysis puts on its Dataset.

A Dataset saved and reopened is identical (values, dims, coordinates and attrs) to the one returned by
the analysis: :func:`save` refuses attribute values netCDF cannot hold instead of silently changing them.
"""

import os
from pathlib import Path

import numpy as np
import xarray as xr

from .results import provenance  # noqa: F401 - the provenance attributes live with the vocabulary

NETCDF_SUFFIXES = (".nc", ".nc4", ".h5", ".netcdf")
ZARR_SUFFIXES = (".zarr",)


def _format(path):
    suffix = Path(path).suffix.lower()
    if suffix in NETCDF_SUFFIXES:
        return "netcdf"
    if suffix in ZARR_SUFFIXES:
        return "zarr"
    raise ValueError(f"path {str(path)!r}: unknown format; use a name ending in one of "
                     f"{NETCDF_SUFFIXES + ZARR_SUFFIXES}")


def _check_attrs(ds):
    allowed = (str, int, float, np.integer, np.floating, np.ndarray, list, tuple)
    for where, attrs in [("Dataset", ds.attrs)] + [(f"variable {k!r}", v.attrs) for k, v in ds.variables.items()]:
        for key, value in attrs.items():
            if isinstance(value, bool) or not isinstance(value, allowed):
                raise TypeError(f"{where}: attribute {key!r} is a {type(value).__name__}; files hold only "
                                "str, numbers and arrays (store dicts as JSON strings)")


def save(ds, path, *, overwrite=True):
    """Write a Dataset to ``path``: netCDF-4 (``.nc``, h5netcdf engine) or zarr (``.zarr``).

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
    path = Path(path)
    fmt = _format(path)
    _check_attrs(ds)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    if fmt == "netcdf":
        tmp = path.with_name(path.name + ".part")
        ds.to_netcdf(tmp, engine="h5netcdf")
        os.replace(tmp, path)
    else:
        ds.to_zarr(path, mode="w", consolidated=False)
    return path


def open(path, *, lazy=False):  # noqa: A001 - mirrors xarray.open_dataset
    """Open a Dataset written by :func:`save` (format from the file name). ``lazy=False`` loads it into
    memory and closes the file."""
    path = Path(path)
    fmt = _format(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file or store: {path}")
    if fmt == "netcdf":
        ds = xr.open_dataset(path, engine="h5netcdf")
    else:
        ds = xr.open_zarr(path, consolidated=False)
    if lazy:
        return ds
    with ds:
        return ds.load()
