r"""The transfer functions f of E1 and their slopes f' (gain ``g`` included), by integer code (the codes and
names are in ``snt._transfer_codes``); :func:`transfer` is the only formula, and :func:`vector_tanh` computes
tanh in straight-line arithmetic that LLVM vectorises. ``snt._kernels`` documents the four transfers."""

import math

import numpy as np

from ._jit import inline as _inline
from ._jit import jit as _jit
from ._transfer_codes import LOGISTIC, NORMCDF, TANH

_SQRT_PI_2 = math.sqrt(math.pi) / 2.0
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


# tanh by exp(-2|x|) = 2^-n e^r, |r| <= ln2 / 2: Cody-Waite split of ln 2 (fdlibm's), a degree-13 Taylor
# polynomial of e^r - 1 (remainder < 2e-17 relative) and 2^-n by a six-step ladder of exact products, so
# the whole formula is straight-line arithmetic that LLVM vectorises (no libm call). np.floor, not math.floor:
# numba's math.floor returns an int64, whose conversions to and from double are not vectorised on AVX2.
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e+00
# Taylor coefficients 1/n! of e^r - 1
_C13 = 1.0 / 6227020800
_C12 = 1.0 / 479001600
_C11 = 1.0 / 39916800
_C10 = 1.0 / 3628800
_C9 = 1.0 / 362880
_C8 = 1.0 / 40320
_C7 = 1.0 / 5040
_C6 = 1.0 / 720
_C5 = 1.0 / 120
_C4 = 1.0 / 24
_C3 = 1.0 / 6
_C2 = 1.0 / 2
#: tanh(x) is 1 to double precision for ``abs(x) >= TANH_SATURATION`` (1 - tanh(20) = 8.5e-18 < 2^-53).
TANH_SATURATION = 20.0


@_inline
def vector_tanh(x):
    """tanh(x) in straight-line arithmetic (vectorisable): relative error below 4 ulp against ``np.tanh``
    (measured at most 3 ulp, 4.5e-16 relative; ``tests/test_threads.py`` checks the bound on a dense grid)."""
    a = min(abs(x), TANH_SATURATION)
    y = -2.0 * a
    n = np.floor(a * (2.0 * _INV_LN2) + 0.5)
    r = (y + n * _LN2_HI) + n * _LN2_LO
    q = _C2 + r * (_C3 + r * (_C4 + r * (_C5 + r * (_C6 + r * (_C7 + r * (_C8 + r * (_C9 + r * (_C10 + r * (
        _C11 + r * (_C12 + r * _C13))))))))))   # Horner
    q = (q * r + 1.0) * r                     # e^r - 1
    s = 1.0                                   # 2^-n, n < 64, by its binary digits
    t = n >= 32.0
    s, n = (s * 2.0 ** -32, n - 32.0) if t else (s, n)
    t = n >= 16.0
    s, n = (s * 2.0 ** -16, n - 16.0) if t else (s, n)
    t = n >= 8.0
    s, n = (s * 2.0 ** -8, n - 8.0) if t else (s, n)
    t = n >= 4.0
    s, n = (s * 0.0625, n - 4.0) if t else (s, n)
    t = n >= 2.0
    s, n = (s * 0.25, n - 2.0) if t else (s, n)
    s = s * 0.5 if n >= 1.0 else s
    em1 = s * q + (s - 1.0)                   # e^y - 1 = 2^-n (e^r - 1) + (2^-n - 1), y <= 0
    return math.copysign(-em1 / (2.0 + em1), x)


@_inline
def transfer(x, g, code):
    """f(x) for one value: tanh(g x) (code 0, :func:`vector_tanh`), erf(sqrt(pi) g x / 2) (1), Phi(g x) (2)
    or (1 + tanh(g x)) / 2 (3)."""
    if code == TANH:
        return vector_tanh(g * x)
    if code == NORMCDF:
        return 0.5 * math.erfc(-_SQRT_HALF * g * x)
    if code == LOGISTIC:
        return 1.0 / (1.0 + math.exp(-2.0 * g * x))
    return math.erf(_SQRT_PI_2 * g * x)


@_inline
def transfer_and_slope(x, g, code):
    """(f(x), f'(x)) for one value; f' includes the factor g (tanh: g (1 - f^2); erf: g exp(-y^2);
    normcdf: g exp(-(g x)^2 / 2) / sqrt(2 pi); logistic: 2 g f (1 - f))."""
    t = transfer(x, g, code)
    if code == TANH:
        return t, g * (1.0 - t * t)
    if code == NORMCDF:
        y = g * x
        return t, g * _INV_SQRT_2PI * math.exp(-0.5 * y * y)
    if code == LOGISTIC:
        return t, 2.0 * g * t * (1.0 - t)
    y = _SQRT_PI_2 * g * x
    return t, g * math.exp(-y * y)


@_inline
def _transfer_loop(x, f, d, g, code):
    """f[i] = f(x[i]) and, when d has entries, d[i] = f'(x[i]), for 1-D arrays."""
    if d.shape[0] > 0:
        for i in range(x.shape[0]):
            f[i], d[i] = transfer_and_slope(x[i], g, code)
    else:
        for i in range(x.shape[0]):
            f[i] = transfer(x[i], g, code)


@_inline
def transfer_rows(x, f, d, g, code):
    """``_transfer_loop`` (f and, if ``d`` has entries, f') with the transfer code made a constant for tanh, so that its loop is
    vectorised (the other transfers call their scalar formula)."""
    if code == TANH:
        _transfer_loop(x, f, d, g, TANH)
    else:
        _transfer_loop(x, f, d, g, code)


@_jit
def apply_transfer(U, g, code):
    """f(U) elementwise for a 1-D or 2-D array (returns a new array of the same shape)."""
    flat = np.ascontiguousarray(U).ravel()
    out = np.empty_like(flat)
    transfer_rows(flat, out, np.empty(0), g, code)
    return out.reshape(U.shape)


@_jit
def apply_slope(U, g, code):
    """f'(U) elementwise for a 1-D or 2-D array."""
    flat = np.ascontiguousarray(U).ravel()
    value = np.empty_like(flat)
    out = np.empty_like(flat)
    transfer_rows(flat, value, out, g, code)
    return out.reshape(U.shape)
