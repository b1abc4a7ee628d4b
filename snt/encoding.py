"""How a Dataset is laid out on disk by :func:`snt.save`: compression, storage dtype, and complex variables.

* Compression. By default every numeric variable of at least :data:`MIN_COMPRESSED_BYTES` whose values
  compress is compressed losslessly: deflate (zlib) with byte shuffle in netCDF, Zstandard in zarr. Whether
  they compress is tried on a sample (:data:`PROBE_BYTES` from four places of the array, byte-shuffled, zlib
  level 1): below a ratio of :data:`MIN_RATIO` the variable is stored as it is. A chaotic float64
  trajectory has about 52 random mantissa bits per value, so lossless compression gains only ~10 % at several
  times the cost of the write; a state that has settled, integer or boolean data compress many times. Small
  variables stay uncompressed (a compressed chunk would be larger than the data).
* Storage dtype. ``dtype="float32"`` stores floating variables in single precision (complex ones in
  complex64): half the size, a relative rounding error of at most 2⁻²⁴ ≈ 6·10⁻⁸, and the values come back as
  float32. The default keeps every dtype, so a round trip is exact.
* Complex variables. A complex variable ``z`` is stored as two real variables ``z_real`` and ``z_imag`` with the
  attrs ``complex_variable = "z"`` and ``complex_part = "real"`` / ``"imag"`` (and `` (real part)`` /
  `` (imaginary part)`` appended to its long_name), which every netCDF reader (ncview, R, MATLAB, either xarray
  engine) reads as plain numbers; :func:`snt.open` joins them into ``z`` again.
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import xarray as xr

__all__ = ["MIN_COMPRESSED_BYTES", "DEFAULT_LEVEL", "PROBE_BYTES", "MIN_RATIO", "split_complex", "join_complex", "cast",
           "check_compression", "compresses", "encodings"]

#: variables smaller than this are stored uncompressed
MIN_COMPRESSED_BYTES = 64 * 1024
#: zlib level of the default compression (1 is much faster than higher levels and compresses floats as well)
DEFAULT_LEVEL = 1
#: bytes of a variable compressed to decide whether compressing it pays
PROBE_BYTES = 256 * 1024
#: the default compresses a variable only when the probe shrinks at least this much
MIN_RATIO = 1.25
_PART_NAMES = {"real": " (real part)", "imag": " (imaginary part)"}
_MARKERS = ("complex_variable", "complex_part")


def split_complex(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with every complex variable replaced by its real and imaginary parts (see the module doc)."""
    complex_vars = [k for k, v in ds.variables.items() if v.dtype.kind == "c"]
    if not complex_vars:
        return ds
    index = [k for k in complex_vars if k in ds.indexes]
    if index:
        raise TypeError(f"save: the index coordinate(s) {index} are complex; files hold real coordinates only")
    out = ds.copy(deep=False)
    for name in complex_vars:
        var = ds.variables[name]
        is_coord = name in ds.coords
        for part, suffix in _PART_NAMES.items():
            new = f"{name}_{part}"
            if new in ds.variables:
                raise ValueError(f"save: cannot store the complex variable {name!r}: {new!r} already exists")
            attrs = dict(var.attrs)
            if "long_name" in attrs:
                attrs["long_name"] = f"{attrs['long_name']}{suffix}"
            attrs.update(complex_variable=str(name), complex_part=part)
            values = var.real if part == "real" else var.imag
            piece = xr.Variable(var.dims, values.data, attrs)
            out = out.drop_vars(name) if name in out.variables else out
            if is_coord:
                out = out.assign_coords({new: piece})
            else:
                out[new] = piece
    return out


def join_complex(ds: xr.Dataset) -> xr.Dataset:
    """Undo :func:`split_complex` (works on lazily opened, dask-backed data too)."""
    parts: dict[str, dict[str, Hashable]] = {}
    for k, v in ds.variables.items():
        if v.attrs.get("complex_part") in _PART_NAMES and isinstance(v.attrs.get("complex_variable"), str):
            parts.setdefault(v.attrs["complex_variable"], {})[v.attrs["complex_part"]] = k
    for name, keys in parts.items():
        if set(keys) != set(_PART_NAMES):
            continue  # half a pair: leave it as it is
        re, im = ds[keys["real"]], ds[keys["imag"]]
        attrs = {k: v for k, v in re.attrs.items() if k not in _MARKERS}
        if isinstance(attrs.get("long_name"), str) and attrs["long_name"].endswith(_PART_NAMES["real"]):
            attrs["long_name"] = attrs["long_name"][: -len(_PART_NAMES["real"])]
        joined = xr.Variable(re.dims, re.variable.data + 1j * im.variable.data, attrs)
        is_coord = keys["real"] in ds.coords
        ds = ds.drop_vars([keys["real"], keys["imag"]])
        ds = ds.assign_coords({name: joined}) if is_coord else ds.assign({name: joined})
    return ds


def _storage_dtype(dtype: Any, kind: str, name: Hashable) -> np.dtype | None:
    if dtype is None:
        return None
    dt = np.dtype(dtype)
    if dt.kind not in "fc":
        raise ValueError(f"dtype for {name!r} must be a floating dtype (float32 or float64), got {dt}")
    if kind == "c":
        return np.dtype(np.complex64 if dt.itemsize <= 4 or dt == np.complex64 else np.complex128)
    return np.dtype(np.float32 if dt.itemsize == 4 or dt == np.complex64 else np.float64)


def cast(ds: xr.Dataset, dtype: Any) -> xr.Dataset:
    """Floating (and complex) data variables converted to the storage ``dtype`` (one dtype for all, or a
    mapping of variable name to dtype); None keeps every dtype."""
    if dtype is None:
        return ds
    per = dict(dtype) if isinstance(dtype, Mapping) else None
    if per is not None:
        unknown = [k for k in per if k not in ds.data_vars]
        if unknown:
            raise ValueError(f"dtype: {unknown} are not data variables; the data variables are "
                             f"{sorted(map(str, ds.data_vars))}")
    out = ds.copy(deep=False)
    for k, v in ds.data_vars.items():
        want = per.get(k) if per is not None else dtype
        if v.dtype.kind not in "fc" or want is None:
            continue
        target = _storage_dtype(want, v.dtype.kind, k)
        if target is not None and target != v.dtype:
            out[k] = v.astype(target)
    return out


def check_compression(compression: Any) -> Any:
    """``"default"``, None (no compression) or a zlib level 1..9."""
    if compression is None or compression == "default":
        return compression
    if isinstance(compression, numbers.Integral) and not isinstance(compression, bool) and 1 <= int(compression) <= 9:
        return int(compression)
    raise ValueError(f"compression must be 'default', None (no compression) or a level 1..9, got {compression!r}")


def compresses(values: Any) -> bool:
    """Whether lossless compression of ``values`` (a numpy array; a dask array is not read) pays: the
    byte-shuffled, zlib-compressed probe (see the module doc) is at least :data:`MIN_RATIO` times smaller."""
    import zlib

    if not isinstance(values, np.ndarray):
        return True  # lazy data: not read here to decide
    flat = np.ascontiguousarray(values).reshape(-1)
    if flat.size == 0:
        return False
    per = max(1, PROBE_BYTES // 4 // flat.itemsize)
    starts = np.linspace(0, max(0, flat.size - per), 4).astype(np.int64)
    sample = np.concatenate([flat[s:s + per] for s in np.unique(starts)])
    shuffled = sample.view(np.uint8).reshape(-1, flat.itemsize).T.tobytes()
    return len(shuffled) >= MIN_RATIO * len(zlib.compress(shuffled, DEFAULT_LEVEL))


def _compressed(level: int | None, fmt: str) -> dict[str, Any]:
    if fmt == "netcdf":
        return {"zlib": True, "complevel": level or DEFAULT_LEVEL, "shuffle": True}
    if level is None:
        return {}  # zarr's default (Zstandard)
    from zarr.codecs import ZstdCodec

    return {"compressors": (ZstdCodec(level=level),)}


def encodings(ds: xr.Dataset, fmt: str, compression: Any = "default",
              encoding: Mapping[Hashable, Mapping[str, Any]] | None = None) -> dict[Hashable, dict[str, Any]]:
    """The per-variable encoding passed to xarray: the compression of large numeric variables (see the
    module doc), then the caller's ``encoding`` on top (keyed by the names in ``ds``; a complex variable's
    entry applies to both of its parts)."""
    compression = check_compression(compression)
    out: dict[Hashable, dict[str, Any]] = {}
    for k, v in ds.variables.items():
        big = v.dtype.kind in "iuf" and v.nbytes >= MIN_COMPRESSED_BYTES and v.ndim > 0
        if compression is None:
            if fmt == "zarr" and v.ndim > 0:
                out[k] = {"compressors": None}
        elif big and (compression != "default" or compresses(v.data)):
            out[k] = _compressed(None if compression == "default" else compression, fmt)
        elif big and fmt == "zarr":
            out[k] = {"compressors": None}  # does not compress: stored as it is
    if encoding:
        if not isinstance(encoding, Mapping):
            raise TypeError(f"encoding must be a mapping of variable name to encoding dict, got "
                            f"{type(encoding).__name__}")
        for name, enc in encoding.items():
            targets = [name] if name in ds.variables else [f"{name}_real", f"{name}_imag"]
            if not all(t in ds.variables for t in targets):
                raise ValueError(f"encoding: {name!r} is not a variable of the Dataset")
            if not isinstance(enc, Mapping):
                raise TypeError(f"encoding[{name!r}] must be a dict of encoding options, got {enc!r}")
            for t in targets:
                out[t] = {**out.get(t, {}), **dict(enc)}
    return {k: v for k, v in out.items() if v}
