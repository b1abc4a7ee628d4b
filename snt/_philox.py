r"""Noise stream version 2: counter-based standard normal draws, computed where they are used.

The draw of trial b for neuron i at absolute time t is a pure function of (key_b, t, i): nothing is
carried from one step to the next, so any step of any trial can be drawn by any thread in any order, and
a run's noise cannot depend on how it is cut into chunks, trials or threads.

Uniform bits: Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3",
SC 2011), a bijection of a 128-bit counter under a 64-bit key, checked against the published known-answer
vectors in the tests. The key of trial b is two 32-bit words of the trial's ``SeedSequence`` child with key
2 (``generate_state(2, uint32)``; child 0 gives the tangent frames, child 1 the response's probes); the
counter of the pair p = 0, 1, ... of step t is ``(p, t mod 2**32, t // 2**32, 0)``.

Normal draws: Box--Muller on the two 52-bit uniforms of one counter,
:math:`u_1 = 1 - a \in (0, 1]` (from words 0-1) and :math:`u_2 = b \in [0, 1)` (words 2-3),

.. math:: z_p = \sqrt{-2\ln u_1}\,\cos 2\pi u_2, \qquad z_{p + P} = \sqrt{-2\ln u_1}\,\sin 2\pi u_2,

for the neurons p and p + P of a step (P = ceil(N / 2); for odd N the last sine is not used). The logarithm
and the sine and cosine are evaluated by polynomials in straight-line arithmetic (so that the loops
vectorise): :math:`\ln m = 2\,\mathrm{artanh}\,s`, :math:`s = (m - 1)/(m + 1)` on
:math:`m \in [\sqrt{1/2}, \sqrt 2)`, summed to :math:`s^{21}` (truncation below :math:`10^{-17}`), and Taylor
series of sine and cosine on :math:`[-\pi/4, \pi/4]` to degree 17 / 18 (truncation below
:math:`10^{-18}`), so a draw is the exact transform of its uniforms to a few units in the last place. The
largest draw is :math:`\sqrt{2 \cdot 52 \ln 2} = 8.49` (at :math:`u_1 = 2^{-52}`).
"""

import math

import numpy as np
from numba import prange

from ._jit import inline as _inline
from ._jit import jit as _jit
from ._jit import parallel as _par
from ._seeds import child

#: The noise stream versions: 1, numpy's ``Generator.standard_normal`` on the trial's PCG64 stream after
#: its initial condition; 2, the counter-based draws of this module (the default).
NOISE_STREAMS = (1, 2)
DEFAULT_NOISE_STREAM = 2

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
_LO = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_S20 = np.uint64(20)
_S12 = np.uint64(12)
_ONE_BITS = np.uint64(0x3FF0000000000000)      # the bits of 1.0: with a 52-bit mantissa, a double in [1, 2)
_EXP_MASK = np.uint64(0x7FF0000000000000)
_MANT_MASK = np.uint64(0x000FFFFFFFFFFFFF)
_S52 = np.uint64(52)
_MAGIC_BITS = np.uint64(0x4330000000000000)    # 2**52: OR-ing an integer k < 2**52 gives the double 2**52 + k
_MAGIC = 4503599627370496.0
_LN2 = 0.6931471805599453
_SQRT2 = 1.4142135623730951
_HALF_PI = 1.5707963267948966


@_inline
def philox4x32(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of the counter (c0, c1, c2, c3) under the key (k0, k1): uint64 values holding 32-bit
    words in and out."""
    for _ in range(10):
        p0 = _M0 * c0
        p1 = _M1 * c2
        c0, c1, c2, c3 = (p1 >> _S32) ^ c1 ^ k0, p1 & _LO, (p0 >> _S32) ^ c3 ^ k1, p0 & _LO
        k0 = (k0 + _W0) & _LO
        k1 = (k1 + _W1) & _LO
    return c0, c1, c2, c3


@_inline
def _ln_reduced(m):
    """ln m for m in [sqrt(1/2), sqrt(2)): 2 artanh(s), s = (m - 1) / (m + 1), |s| < 0.1716."""
    s = (m - 1.0) / (m + 1.0)
    z = s * s
    p = 1.0 / 21.0
    p = p * z + 1.0 / 19.0
    p = p * z + 1.0 / 17.0
    p = p * z + 1.0 / 15.0
    p = p * z + 1.0 / 13.0
    p = p * z + 1.0 / 11.0
    p = p * z + 1.0 / 9.0
    p = p * z + 1.0 / 7.0
    p = p * z + 1.0 / 5.0
    p = p * z + 1.0 / 3.0
    p = p * z + 1.0
    return 2.0 * s * p


@_inline
def _sin_cos_reduced(x):
    """(sin x, cos x) for |x| <= pi/4 by their Taylor series to degrees 17 and 18."""
    z = x * x
    s = 1.0 / 355687428096000.0                  # 1/17!
    s = s * z - 1.0 / 1307674368000.0            # -1/15!
    s = s * z + 1.0 / 6227020800.0
    s = s * z - 1.0 / 39916800.0
    s = s * z + 1.0 / 362880.0
    s = s * z - 1.0 / 5040.0
    s = s * z + 1.0 / 120.0
    s = s * z - 1.0 / 6.0
    c = -1.0 / 6402373705728000.0                # -1/18!
    c = c * z + 1.0 / 20922789888000.0           # 1/16!
    c = c * z - 1.0 / 87178291200.0
    c = c * z + 1.0 / 479001600.0
    c = c * z - 1.0 / 3628800.0
    c = c * z + 1.0 / 40320.0
    c = c * z - 1.0 / 720.0
    c = c * z + 1.0 / 24.0
    c = c * z - 0.5
    return x + x * z * s, 1.0 + z * c


@_jit
def normal_row(k0, k1, t, out, work):
    """Fill ``out`` (N,) with the draws of one trial (key (k0, k1), uint64 words) at step ``t`` (int64).
    ``work`` is a (3, ceil(N / 2)) float64 scratch array."""
    n = out.shape[0]
    P = (n + 1) // 2
    a = work[0]
    b = work[1]
    e = work[2]
    ia = a.view(np.uint64)
    ib = b.view(np.uint64)
    ie = e.view(np.uint64)
    tt = np.uint64(t)
    c1 = tt & _LO
    c2 = tt >> _S32
    zero = np.uint64(0)
    for p in range(P):                  # the uniform bits, as doubles in [1, 2)
        w0, w1, w2, w3 = philox4x32(np.uint64(p), c1, c2, zero, k0, k1)
        ia[p] = _ONE_BITS | (w0 << _S20) | (w1 >> _S12)
        ib[p] = _ONE_BITS | (w2 << _S20) | (w3 >> _S12)
    for p in range(P):                  # u1 = 1 - (a - 1) in (0, 1] (exact)
        a[p] = 2.0 - a[p]
    for p in range(P):                  # u1 = 2**E m with m in [1, 2): the bits of E + 2**52 and of m
        bits = ia[p]
        ie[p] = _MAGIC_BITS | ((bits & _EXP_MASK) >> _S52)
        ia[p] = _ONE_BITS | (bits & _MANT_MASK)
    for p in range(P):                  # Box-Muller
        m = a[p]
        ex = e[p] - _MAGIC - 1023.0
        big = m >= _SQRT2
        m = m * 0.5 if big else m
        ex = ex + 1.0 if big else ex
        r = math.sqrt(-2.0 * (ex * _LN2 + _ln_reduced(m)))
        q4 = 4.0 * (b[p] - 1.0)         # 4 u2 in [0, 4): quarter turns
        q = np.floor(q4 + 0.5)
        s, c = _sin_cos_reduced((q4 - q) * _HALF_PI)
        q = q - 4.0 * np.floor(q * 0.25)
        cq = c if q == 0.0 else (-s if q == 1.0 else (-c if q == 2.0 else s))
        sq = s if q == 0.0 else (c if q == 1.0 else (-s if q == 2.0 else -c))
        out[p] = r * cq
        if p + P < n:
            out[p + P] = r * sq


@_par
def normal_block(keys, t0, out):
    """``out[b, s]`` = the draws of trial b (``keys[b]``: two uint64 words) at step ``t0 + s``, for the
    (B, n, N) block ``out``, in parallel over the rows."""
    B, n, N = out.shape
    P = (N + 1) // 2
    for job in prange(B * n):
        b, s = job // n, job % n
        work = np.empty((3, P))
        normal_row(keys[b, 0], keys[b, 1], t0 + s, out[b, s], work)


def trial_keys(seeds):
    """(B, 2) uint64 Philox keys, one per trial: two 32-bit words of the child with key 2 of its seed."""
    return np.array([child(s, 2).generate_state(2, np.uint32) for s in seeds], dtype=np.uint64).reshape(-1, 2)
