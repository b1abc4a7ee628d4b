r"""Elementwise helpers for the numba kernels.

:func:`tanh` is ``numpy.tanh`` for float64 arguments and, for float32 arguments, a rational approximation
that LLVM vectorises (libm's ``tanhf`` is a scalar call, ~35 ns per element on the reference machine; the
approximation is ~1 ns):

.. math::

    \tanh x \approx x\,\frac{P(x^2)}{Q(x^2)}, \qquad |x| \le 9 \quad (\text{clamped outside}),

with :math:`P, Q` of degree 4 in :math:`x^2`. The coefficients were obtained by an iteratively reweighted
linearised least-squares fit of the relative error on :math:`(0, 9]` (Sanathanan–Koerner iteration). The
maximum error is 2e-8 in exact arithmetic and below 4e-7 when evaluated in float32, i.e. a few float32
ulps (tested in ``tests/test_classify_models.py``). ``tanh(9)`` rounds to 1 in float32, so the clamp of the
argument is exact; the result is clamped to [-1, 1].

Kernels calling these helpers must be compiled with ``error_model="numpy"``: with Python's error model a
division carries a zero-division check that prevents vectorisation.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from .._jit import SAFE_FASTMATH

__all__ = ["tanh", "tanh_f32"]

_P = (0.99999997950756159, 0.13381097788555785, 0.003495673064152481, 2.0610448728230688e-05,
      1.3356497186034488e-08)
_Q = (1.0, 0.46714413425820117, 0.025877307279137944, 0.00032857723897958594, 7.7773215578433308e-07)

_P0, _P1, _P2, _P3, _P4 = (np.float32(c) for c in _P)
_Q0, _Q1, _Q2, _Q3, _Q4 = (np.float32(c) for c in _Q)
_LIM = np.float32(9.0)
_ONE = np.float32(1.0)


@njit(inline="always", fastmath=SAFE_FASTMATH, error_model="numpy")
def tanh_f32(x):
    """Rational float32 approximation of tanh (see the module docstring)."""
    v = min(max(x, -_LIM), _LIM)
    z = v * v
    num = v * ((((_P4 * z + _P3) * z + _P2) * z + _P1) * z + _P0)
    den = (((_Q4 * z + _Q3) * z + _Q2) * z + _Q1) * z + _Q0
    return min(max(num / den, -_ONE), _ONE)


def tanh(x):
    """``numpy.tanh`` (float64) or :func:`tanh_f32` (float32); in numba code dispatched on the type."""
    if isinstance(x, np.float32) or (isinstance(x, np.ndarray) and x.dtype == np.float32):
        return _tanh_f32_array(np.asarray(x, dtype=np.float32))
    return np.tanh(x)


@njit(fastmath=SAFE_FASTMATH, error_model="numpy")
def _tanh_f32_flat(x, out):
    for i in range(x.size):
        out[i] = tanh_f32(x[i])


def _tanh_f32_array(x):
    out = np.empty_like(x)
    _tanh_f32_flat(np.ascontiguousarray(x).ravel(), out.reshape(-1))
    return out[()] if out.ndim == 0 else out


@overload(tanh, inline="always")
def _tanh_overload(x):
    if x == types.float32:
        return lambda x: tanh_f32(x)
    return lambda x: np.tanh(x)
