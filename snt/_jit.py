"""The numba compilation options shared by every kernel of the package (the engine's and the transfer
functions'), in one place: ``jit``, ``inline`` (always inlined into the caller) and ``parallel`` (prange
loops)."""

from numba import njit

#: fastmath flags used by every kernel; ``nnan``/``ninf`` are left out so that NaN checks survive.
SAFE_FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}

# error_model="numpy": a division by zero gives inf/NaN instead of raising, which lets LLVM vectorise loops
# with divisions (the kernels detect non-finite states themselves).
_OPTIONS = {"cache": True, "nogil": True, "fastmath": SAFE_FASTMATH, "error_model": "numpy"}
jit = njit(**_OPTIONS)  # type: ignore[call-overload]
inline = njit(inline="always", **_OPTIONS)  # type: ignore[call-overload]
parallel = njit(parallel=True, **_OPTIONS)  # type: ignore[call-overload]
