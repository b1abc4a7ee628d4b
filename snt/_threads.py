"""BLAS thread policy for the kernels.

numpy and scipy each load an OpenBLAS with its own thread pool, and the numba kernels call scipy's.
For small matrices one BLAS thread is as fast as two, and on a loaded machine (or inside dask worker
processes, one per core) a multithreaded gemm can run ten times slower than a single-threaded one. The
kernels therefore run with one BLAS thread up to ``SMALL_N`` neurons, and with the library's default above.
A user can always impose a limit from outside with ``threadpoolctl.threadpool_limits``.
"""

from contextlib import nullcontext

from threadpoolctl import threadpool_limits

SMALL_N = 500


def blas_threads(N):
    """Context manager: one BLAS thread for N <= SMALL_N, the current setting otherwise."""
    if N <= SMALL_N:
        return threadpool_limits(limits=1, user_api="blas")
    return nullcontext()
