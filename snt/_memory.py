"""Memory a call needs, checked before it allocates: a refusal names the parameter and the size instead of
a late ``MemoryError`` (or, with Linux overcommit, the kernel's OOM killer) halfway through a run."""

import os

import numpy as np

from .errors import InsufficientMemoryError

__all__ = ["available_bytes", "check_memory", "check_recording", "gib", "owned_array", "adopt_array"]


def available_bytes():
    """Memory available to a new allocation (bytes): psutil's estimate, else /proc/meminfo, else the
    physical memory; None when nothing can tell."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:  # noqa: BLE001 - psutil missing or unsupported: fall back
        pass
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def gib(nbytes):
    """A size in GiB, formatted."""
    return f"{nbytes / 2**30:.1f} GiB"


def check_memory(nbytes, what, parameter, *, available=None):
    """Refuse (InsufficientMemoryError, a MemoryError) when ``nbytes`` exceed the available memory.

    Parameters
    ----------
    nbytes : int
        Bytes the call is about to allocate.
    what : str
        What they hold ("J", "the recorded states u").
    parameter : str
        The parameter(s) and values that set the size, e.g. ``"N = 60000"``.
    available : int, optional
        Override of :func:`available_bytes` (tests).
    """
    nbytes = int(nbytes)
    available = available_bytes() if available is None else int(available)
    if available is not None and nbytes > available:
        raise InsufficientMemoryError(f"{parameter} needs {gib(nbytes)} for {what}; this machine has "
                                      f"{gib(available)} available")
    return nbytes


def owned_array(value):
    """True when ``value`` is a float64, C-contiguous, read-only array that owns its memory: nobody can
    change it behind the owner's back, so it can be adopted without a copy."""
    return (isinstance(value, np.ndarray) and value.dtype == np.float64 and value.flags.c_contiguous
            and not value.flags.writeable and value.base is None)


def adopt_array(value, name, *, ndim=None):
    """:func:`snt._checks.check_array` without its copy when ``value`` is :func:`owned_array` (a freshly
    drawn coupling matrix): the same checks (ndim, finiteness), and the array itself is returned."""
    from ._checks import check_array

    if not owned_array(value):
        return check_array(value, name, ndim=ndim)
    if ndim is not None and value.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {value.shape}")
    if not np.isfinite(value).all():
        bad = int(value.size - np.count_nonzero(np.isfinite(value)))
        raise ValueError(f"{name} must be finite; it has {bad} NaN/inf entries")
    return value


def check_recording(trials, steps, record_every, N, record):
    """Refuse a simulation whose recorded arrays (u: trials x records x N; M and m: trials x records) do not
    fit."""
    n_rec = -(-int(steps) // int(record_every))
    per_record = (N if "u" in record else 0) + sum(1 for r in ("M", "m") if r in record)
    return check_memory(8 * trials * n_rec * per_record, "the recorded arrays",
                        f"trials = {trials}, steps = {steps}, record_every = {record_every}, N = {N} "
                        f"(record = {tuple(record)})")
