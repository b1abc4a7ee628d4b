"""Validators for the public API: each raises a ValueError/TypeError naming the parameter, the value and
the allowed range."""

import numbers

import numpy as np


def check_int(value, name, *, minimum=None, maximum=None):
    """An integer (not a bool) within [minimum, maximum]; returns it as int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_float(value, name, *, minimum=None, maximum=None, strict_max=False, strict_min=False):
    """A finite real number within the given bounds; returns it as float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    lo = "(" if strict_min else "["
    hi = ")" if strict_max else "]"
    allowed = f"{lo}{'-inf' if minimum is None else minimum}, {'inf' if maximum is None else maximum}{hi}"
    if minimum is not None and (value < minimum or (strict_min and value == minimum)):
        raise ValueError(f"{name} must be in {allowed}, got {value}")
    if maximum is not None and (value > maximum or (strict_max and value == maximum)):
        raise ValueError(f"{name} must be in {allowed}, got {value}")
    return value


def check_array(value, name, *, shape=None, ndim=None):
    """A finite float64 array (copied, C-contiguous) of the given ndim/shape (None entries match any).

    Complex input is refused (a TypeError naming the parameter), never truncated to its real part."""
    if _has_complex(value):
        raise TypeError(f"{name} must be real; got complex values (the SNT map is real: pass the real part "
                        f"explicitly, e.g. {name}.real, if that is what you mean)")
    try:
        arr = np.array(value, dtype=np.float64, copy=True, order="C")
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers, got {type(value).__name__}") from exc
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite; it has {bad} NaN/inf entries")
    return arr


def _has_complex(value):
    """True when an array-like (or a nested list/tuple) holds complex numbers."""
    if isinstance(value, (complex, np.complexfloating)):
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_complex(v) for v in value)
    try:
        return bool(np.iscomplexobj(value))
    except (TypeError, ValueError):  # not array-like: the conversion below names the parameter
        return False


def check_choice(value, name, choices):
    """One of the allowed strings."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value
