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
        np.dot(R[0], JT, H[0])
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
                check += x * 0.0  # 0 for finite x, NaN for inf/NaN (no nnan flag, so not folded)
            if check != 0.0:
                alive[b] = False
                diverged_at[b] = t + 1
                for i in range(N):
                    R[b, i] = 0.0


# ----------------------------------------------------------------------------------------------------------
# Tangent dynamics (SCIENCE.md E2, E6): Benettin's maximal exponent and the QR spectrum.
#
# The tangent vectors ride in the same matrix product as the state: the rows of ``M`` are f(u_b) for the
# (padded) trials followed by Λ(u_b) ⊙ v for every tangent vector v, so one gemm ``H = M @ J^T`` per step
# gives both J f(u) and J Λ v (J is read once per step). In row form the tangent map of E2 is
# v(t+1) = γ v(t) + J Λ(u(t)) v(t). Noise and thresholds do not enter the tangent map, so the tangent
# vector is the infinitesimal separation of two replicas that share the noise.
# ----------------------------------------------------------------------------------------------------------


@njit(cache=True, nogil=True, fastmath=SAFE_FASTMATH, inline="always")
def transfer_and_slope(x, g, code):
    """(f(x), f'(x)) for one value, sharing the exponential; f' includes the factor g."""
    if code == TANH:
        t = 1.0 - 2.0 / (math.exp(2.0 * g * x) + 1.0)
        return t, g * (1.0 - t * t)
    y = _SQRT_PI_2 * g * x
    return math.erf(_SQRT_PI_2 * g * x), g * math.exp(-y * y)


@_jit
def _state_rows(model, U, M, S, H, b, s, noise, has_noise):
    """New state of trial b from ``H[b]``: writes U[b], f into M[b], f' into S[b]; returns the sum of the
    new state (non-finite when the trial diverged)."""
    JT, theta, gamma, sigma, g, code = model
    check = 0.0
    for i in range(U.shape[1]):
        x = gamma * U[b, i] + H[b, i] - theta[i]
        if has_noise:
            x += sigma * noise[b, s, i]
        U[b, i] = x
        r, d = transfer_and_slope(x, g, code)
        M[b, i] = r
        S[b, i] = d
        check += x
    return check


@_jit
def tangent_chunk(model, state, noise, logs):
    """Advance B trials and one tangent vector per trial by ``logs.shape[1]`` steps (Benettin, E6, k = 1).

    Parameters (tuples, to keep the signature short)
    ----------
    model : (JT, theta, gamma, sigma, g, code)
        As in :func:`run_chunk`.
    state : (U, M, H, V, S, alive)
        ``U`` (Bp, N) states; ``M`` (2 Bp, N) with ``M[:Bp] = f(U)`` and ``M[Bp + b] = f'(U[b]) * V[b]``;
        ``H`` (2 Bp, N) work buffer; ``V`` (Bp, N) unit tangent vectors; ``S`` (Bp, N) slopes f'(U);
        ``alive`` (B,) bool. Updated in place; padded rows stay zero.
    noise : (B, n, N) standard normal draws, or (B, 0, N) when sigma = 0.
    logs : (B, n) float64, output
        ``logs[b, s]`` = ln of the growth of trial b's tangent vector in step s (the vector is then
        renormalised); NaN once the trial has diverged, -inf if the tangent map annihilated the vector.

    The product is one gemm over the 2 Bp rows. A single trial (Bp = 1) uses two gemv, like the
    single-trial :func:`run_chunk`, so its state is bit-identical to ``simulate``'s too; J is then read
    twice per step (a two-row gemm would pack J on every call, which is slower still), so one trial costs
    about twice a simulation step while a batch costs little more than one.
    """
    U, M, H, V, S, alive = state
    gamma = model[2]
    B = alive.shape[0]
    Bp = U.shape[0]
    N = U.shape[1]
    has_noise = noise.shape[1] > 0
    for s in range(logs.shape[1]):
        if Bp == 1:
            H[0, :] = np.dot(M[0], model[0])
            H[1, :] = np.dot(M[1], model[0])
        else:
            np.dot(M, model[0], H)
        for b in range(B):
            if not alive[b]:
                logs[b, s] = np.nan
                continue
            check = _state_rows(model, U, M, S, H, b, s, noise, has_noise)
            nrm = 0.0
            for i in range(N):
                w = gamma * V[b, i] + H[Bp + b, i]
                V[b, i] = w
                nrm += w * w
            if not np.isfinite(check):
                alive[b] = False
                logs[b, s] = np.nan
                for i in range(N):
                    M[b, i] = 0.0
                    M[Bp + b, i] = 0.0
                continue
            if nrm > 0.0:
                logs[b, s] = 0.5 * math.log(nrm)
                scale = 1.0 / math.sqrt(nrm)
            else:
                logs[b, s] = -np.inf
                scale = 0.0
            for i in range(N):
                v = V[b, i] * scale
                V[b, i] = v
                M[Bp + b, i] = S[b, i] * v


@_jit
def orthonormalise(T, logsum, b):
    """QR of trial b's k tangent vectors (rows of ``T[b]``, i.e. columns of ``T[b].T``) by LAPACK
    (geqrf/orgqr); ``T[b]`` becomes the orthonormal Q^T and ``logsum[b, j] += ln |R_jj|``."""
    Q, R = np.linalg.qr(T[b].T)
    T[b, :, :] = Q.T
    for j in range(T.shape[1]):
        logsum[b, j] += math.log(abs(R[j, j]))


@_jit
def qr_chunk(model, state, noise, schedule, logsum):
    """Advance B trials and k tangent vectors per trial, re-orthonormalising by QR (E6).

    Parameters
    ----------
    model : (JT, theta, gamma, sigma, g, code)
    state : (U, M, H, T, S, alive)
        ``U`` (Bp, N); ``T`` (B, k, N) tangent vectors as rows; ``M`` (Bp + B k, N) with ``M[:Bp] = f(U)``
        and ``M[Bp + b k + j] = f'(U[b]) * T[b, j]``; ``H`` like ``M``; ``S`` (Bp, N) slopes; ``alive`` (B,).
    noise : (B, n, N) or (B, 0, N)
        n is the number of steps of the chunk (``schedule[2]`` when there is no noise).
    schedule : (qr_every, since, nsteps, qr_at_end)
        QR every ``qr_every`` steps; ``since`` (1,) int64 counts the steps since the last QR (updated);
        ``qr_at_end`` forces a QR after the last step of the chunk (block boundaries).
    logsum : (B, k) float64
        ``ln |R_jj|`` summed over the QRs of the chunk (added in place; NaN once a trial diverged).
    """
    U, M, H, T, S, alive = state
    qr_every, since, nsteps, qr_at_end = schedule
    gamma = model[2]
    B = alive.shape[0]
    Bp = U.shape[0]
    N = U.shape[1]
    k = T.shape[1]
    has_noise = noise.shape[1] > 0
    for s in range(nsteps):
        np.dot(M, model[0], H)
        since[0] += 1
        do_qr = since[0] >= qr_every or (qr_at_end and s == nsteps - 1)
        for b in range(B):
            if not alive[b]:
                continue
            check = _state_rows(model, U, M, S, H, b, s, noise, has_noise)
            if not np.isfinite(check):
                alive[b] = False
                for j in range(k):
                    logsum[b, j] = np.nan
                for r in range(Bp + b * k, Bp + (b + 1) * k):
                    for i in range(N):
                        M[r, i] = 0.0
                for i in range(N):
                    M[b, i] = 0.0
                continue
            for j in range(k):
                row = Bp + b * k + j
                for i in range(N):
                    T[b, j, i] = gamma * T[b, j, i] + H[row, i]
            if do_qr:
                orthonormalise(T, logsum, b)
            for j in range(k):
                row = Bp + b * k + j
                for i in range(N):
                    M[row, i] = S[b, i] * T[b, j, i]
        if do_qr:
            since[0] = 0
