r"""Numba kernels of the SNT map (SCIENCE.md E1, E2).

Everything here is a pure array function: plain arrays and scalars in, arrays out, no validation and no
Python objects. The public wrappers (``snt.simulate``, ``snt.max_lyapunov``, ...) check and convert their
input once and call these. Every kernel has a plain-numpy reference in ``tests/reference.py``.

The map, for a batch of B trials stored row-wise in ``U`` (B, N):

.. math:: u_b(t+1) = \gamma u_b(t) + J f(u_b(t)) - \theta + \sigma B_b(t) + \xi(t)

is advanced as one matrix--matrix product ``H = R @ J.T`` (``R = f(U)``) followed by one fused elementwise
pass that forms the new state, its transfer ``f`` and a finiteness check per trial. The matrix product goes
to BLAS (``np.dot`` inside numba calls the same gemm/gemv as numpy).

Transfer functions (both have slope ``g`` at the origin), selected by an integer code:

* ``TANH`` (0): :math:`f(x) = \tanh(g x)`, computed as :math:`1 - 2/(e^{2gx} + 1)` (absolute error below
  4e-16 against ``np.tanh``, and about twice as fast as the libm call inside a loop);
* ``ERF`` (1): :math:`f(x) = \mathrm{erf}(\sqrt{\pi} g x / 2)`.

Derivatives :math:`f'` include the factor ``g`` (SCIENCE.md E1 convention).
"""

import math

import numpy as np
from numba import njit

#: fastmath flags used by every kernel; ``nnan``/``ninf`` are left out so that NaN checks survive.
SAFE_FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}

TANH = 0
ERF = 1
TRANSFER_CODES = {"tanh": TANH, "erf": ERF}

#: Batches are padded with zero rows to a multiple of this many trials, so that the BLAS micro-kernel
#: sees the same row blocks whatever the batch size: a trial then gives bit-identical results alone in a
#: batch of 2..4 or among 63 others (checked by the tests on the installed BLAS).
LANE_BLOCK = 4

_SQRT_PI_2 = math.sqrt(math.pi) / 2.0

_jit = njit(cache=True, nogil=True, fastmath=SAFE_FASTMATH)


@njit(cache=True, nogil=True, fastmath=SAFE_FASTMATH, inline="always")
def transfer(x, g, code):
    """f(x) for one value: tanh(g x) (code 0) or erf(sqrt(pi) g x / 2) (code 1)."""
    if code == TANH:
        return 1.0 - 2.0 / (math.exp(2.0 * g * x) + 1.0)
    return math.erf(_SQRT_PI_2 * g * x)


@njit(cache=True, nogil=True, fastmath=SAFE_FASTMATH, inline="always")
def transfer_slope(x, g, code):
    """f'(x) for one value, including the factor g."""
    if code == TANH:
        t = 1.0 - 2.0 / (math.exp(2.0 * g * x) + 1.0)
        return g * (1.0 - t * t)
    y = _SQRT_PI_2 * g * x
    return g * math.exp(-y * y)


@_jit
def apply_transfer(U, g, code):
    """f(U) elementwise for a 1-D or 2-D array (returns a new array of the same shape)."""
    flat = U.ravel()
    out = np.empty_like(flat)
    for i in range(flat.shape[0]):
        out[i] = transfer(flat[i], g, code)
    return out.reshape(U.shape)


@_jit
def apply_slope(U, g, code):
    """f'(U) elementwise for a 1-D or 2-D array."""
    flat = U.ravel()
    out = np.empty_like(flat)
    for i in range(flat.shape[0]):
        out[i] = transfer_slope(flat[i], g, code)
    return out.reshape(U.shape)


@_jit
def map_step(J, theta, gamma, g, code, u, drive):
    """One step of E1 for one state: ``gamma*u + J @ f(u) - theta + drive`` (drive = noise + stimulus)."""
    r = np.empty_like(u)
    for i in range(u.shape[0]):
        r[i] = transfer(u[i], g, code)
    h = np.dot(J, r)
    out = np.empty_like(u)
    for i in range(u.shape[0]):
        out[i] = gamma * u[i] + h[i] - theta[i] + drive[i]
    return out


@_jit
def _product(R, JT, H, nrows):
    """H[:nrows] = R[:nrows] @ JT; one trial uses gemv, a batch one gemm on the padded rows."""
    if nrows == 1:
        H[0, :] = np.dot(R[0], JT)
    else:
        np.dot(R, JT, H)


@_jit
def run_chunk(model, state, drive, clock, records):
    """Advance B trials by ``clock[1]`` steps of E1, recording as it goes.

    Parameters (tuples, to keep the signature short)
    ----------
    model : (JT, theta, gamma, sigma, g, code)
        ``JT`` is J transposed (C-contiguous), ``theta`` (N,).
    state : (U, R, H, alive, diverged_at)
        ``U`` (Bp, N) states (Bp >= B padded rows stay zero), ``R = f(U)``, ``H`` a work buffer,
        ``alive`` (B,) bool, ``diverged_at`` (B,) int64 (-1 while alive). Updated in place.
    drive : (noise, stim)
        ``noise`` (B, C, N) standard normal draws, or (B, 0, N) when sigma = 0; ``stim`` (C, N) or (0, N).
    clock : (t0, nsteps, rec_start, rec_every, n_rec)
        Absolute time of the chunk's first state, number of steps, and the recording grid
        t = rec_start + k * rec_every, k < n_rec.
    records : (rec_u, rec_m)
        ``rec_u`` (B, n_rec, N) or (B, 0, N) when u is not recorded; ``rec_m`` (B, n_rec) or (B, 0).
    """
    JT, theta, gamma, sigma, g, code = model
    U, R, H, alive, diverged_at = state
    noise, stim = drive
    t0, nsteps, rec_start, rec_every, n_rec = clock
    rec_u, rec_m = records
    B = alive.shape[0]
    N = U.shape[1]
    has_noise = noise.shape[1] > 0
    has_stim = stim.shape[0] > 0
    keep_u = rec_u.shape[1] > 0
    keep_m = rec_m.shape[1] > 0
    nrows = U.shape[0]
    for s in range(nsteps):
        t = t0 + s
        if t >= rec_start and (t - rec_start) % rec_every == 0:
            k = (t - rec_start) // rec_every
            if k < n_rec:
                for b in range(B):
                    if alive[b]:
                        if keep_u:
                            rec_u[b, k, :] = U[b, :]
                        if keep_m:
                            acc = 0.0
                            for i in range(N):
                                acc += R[b, i]
                            rec_m[b, k] = acc / N
                    else:
                        if keep_u:
                            rec_u[b, k, :] = np.nan
                        if keep_m:
                            rec_m[b, k] = np.nan
        _product(R, JT, H, 1 if nrows == 1 else nrows)
        for b in range(B):
            if not alive[b]:
                continue
            check = 0.0
            for i in range(N):
                x = gamma * U[b, i] + H[b, i] - theta[i]
                if has_noise:
                    x += sigma * noise[b, s, i]
                if has_stim:
                    x += stim[s, i]
                U[b, i] = x
                R[b, i] = transfer(x, g, code)
                check += x
            if not np.isfinite(check):
                alive[b] = False
                diverged_at[b] = t + 1
                for i in range(N):
                    R[b, i] = 0.0
