"""BLAS thread policy for the kernels.

numpy and scipy each load an OpenBLAS with its own thread pool, and the numba kernels call scipy's. On 2
cores a multithreaded gemm gains at most 2x on a quiet machine, but when the cores are shared (another
process, dask workers one per core, a notebook next to a sweep) its threads wait for each other and a step
was measured 10x slower than with one thread. The analyses therefore take ``threads`` (default 1) and limit
both pools for the duration of the run; ``threads=None`` leaves the pools as they are.
"""

import scipy.linalg.cython_blas  # noqa: F401 - load the BLAS that numba calls, so that threadpoolctl sees it
from threadpoolctl import ThreadpoolController

from ._checks import check_int

_CONTROLLER: list = []


class _NoLimit:
    def restore_original_limits(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def check_threads(threads):
    """``None`` or an int >= 1."""
    return None if threads is None else check_int(threads, "threads", minimum=1)


def blas_limit(threads):
    """Limit the BLAS pools to ``threads`` (None: no change) until ``restore_original_limits()`` or the end of
    a ``with`` block. The libraries are scanned once, so a limit costs microseconds, not milliseconds."""
    if threads is None:
        return _NoLimit()
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=threads, user_api="blas")

