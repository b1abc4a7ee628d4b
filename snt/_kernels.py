r"""Numba kernels of the SNT map (SCIENCE.md E1, E2, E6, E12).

Everything here is a pure array function: plain arrays and scalars in, arrays out, no validation and no
Python objects. The engine (``snt.dynamics``) checks and converts its input once and calls these. Every
kernel has a plain-numpy twin in ``tests/reference.py``.

The map, for a batch of B trials stored row-wise in ``U`` (Bp, N) (Bp >= B: zero padding rows),

.. math:: u_b(t+1) = \gamma u_b(t) + J f(u_b(t)) - \theta + \sigma B_b(t) + \xi(t)

is advanced by one matrix--matrix product ``H = F @ J.T`` (``F = f(U)``; :func:`product`: one-thread BLAS
gemm calls, or for a few rows a fused kernel that shares each read of J (:func:`few_rows`), on fixed column
panels, spread over the numba threads) followed by :func:`row_update`, the one fused elementwise pass of E1:
new state, its transfer, its slope, the finiteness check, noise and stimulus, run for the trials in
parallel. Every chunk kernel calls it. The thread count cannot change a bit: every call of a product has a
fixed shape and one BLAS thread, and each trial's pass is its own. What travels with the state
(the *riders*) is written once each:

* tangent vectors, :math:`v \mapsto \gamma v + J(f'(u)\odot v)` (E2): :func:`tangent_rows`, used by
  Benettin's exponent, the QR spectrum and the Jacobian estimator of the response;
* QR frames (E6): :func:`orthonormalise`;
* replicas that share the noise of their trial, kicked (perturbation response) or forced
  (susceptibility): extra rows advanced by :func:`row_update` with the trial's noise, :func:`replica_rows`.

Transfer functions (gain ``g``), by integer code; :func:`snt._transfer.transfer` is the only formula:

* ``TANH`` (0): :math:`f(x) = \tanh(g x)`, computed by :func:`snt._transfer.vector_tanh` in straight-line
  arithmetic that LLVM vectorises (within 4 ulp of ``np.tanh``);
* ``ERF`` (1): :math:`f(x) = \mathrm{erf}(\sqrt{\pi} g x / 2)`;
* ``NORMCDF`` (2): :math:`f(x) = \Phi(g x) = \tfrac12\,\mathrm{erfc}(-g x/\sqrt 2)`, the Gaussian CDF of the
  lecture (range (0, 1), slope :math:`g/\sqrt{2\pi}` at 0);
* ``LOGISTIC`` (3): :math:`f(x) = (1 + \tanh(g x))/2 = 1/(1 + e^{-2gx})`, the rate form (range (0, 1), slope
  g/2 at 0).

Derivatives :math:`f'` include the factor ``g`` (SCIENCE.md E1 convention).
"""

import math
import os
from collections import namedtuple

import numpy as np
from numba import prange, types
from numba.np import linalg as _linalg

# the transfer codes (TANH = 0, ERF = 1, NORMCDF = 2, LOGISTIC = 3), their names and properties
from ._transfer_codes import ERF, LOGISTIC, MAX_SLOPE, NORMCDF, ODD_TRANSFERS, TANH, TRANSFER_CODES  # noqa: F401
# the compilation options and the transfer functions, re-exported for the modules that use them with the kernels
from ._jit import SAFE_FASTMATH  # noqa: F401
from ._jit import inline as _inline
from ._jit import jit as _jit
from ._jit import parallel as _par
from ._philox import normal_row
from ._transfer import (TANH_SATURATION, apply_slope, apply_transfer, transfer, transfer_and_slope,  # noqa: F401
                        transfer_rows, vector_tanh)


#: Fast products (``lanes = 0``): batches are padded with zero rows to a multiple of this many trials and
#: multiplied in one gemm (gemv for a lone trial). Bit-identical only between batches of the same padded size.
LANE_BLOCK = 4

#: Exact products (``lanes = EXACT_LANES``): every product is a sequence of gemm calls of exactly this many
#: rows, so a row's arithmetic never depends on the batch size (the BLAS picks its path by shape) nor, with
#: one BLAS thread per call, on threads.
EXACT_LANES = 8

#: The parameters of E1 as the kernels receive them: ``J`` the couplings (C-contiguous, read in place),
#: ``theta`` (N,), ``code`` the transfer code, ``lanes`` the product policy (0: fast, L > 0: gemm calls of L
#: rows), ``panels`` the number of column panels of the products (:func:`panels`).
Params = namedtuple("Params", ["J", "theta", "gamma", "sigma", "g", "code", "lanes", "panels"])

_DBL_MAX = np.finfo(np.float64).max



#: Column panels of the products: H = F J^T is computed as ``panels(N)`` BLAS calls, each on a fixed block of
#: columns of H (boundaries on multiples of 8), with one BLAS thread per call. The partition depends on N and
#: on the machine (:data:`PANEL_JOBS`), never on the threads that run the calls: any number of them, in any
#: order, gives the same bits.
MAX_PANELS = 8

#: Narrowest panel: a product of fewer than twice this many columns is one call.
MIN_PANEL_WIDTH = 64


def _panel_jobs():
    value = os.environ.get("SNT_PANELS")
    if value is None:
        return max(2, min(MAX_PANELS, os.cpu_count() or 2))
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if not 1 <= jobs <= MAX_PANELS:
        raise ValueError(f"SNT_PANELS must be an integer from 1 to {MAX_PANELS}, got {value!r}")
    return jobs


#: Column panels of a wide product: the machine's logical CPUs (at least 2, at most :data:`MAX_PANELS`),
#: or the environment variable ``SNT_PANELS`` read at import. As many panels as cores let every thread
#: run one wide call: on a 2-core machine 2 panels multiplied (64 x 1000)(1000 x 1000) in 0.86 of the time
#: of 6 panels of about 170 columns at 2 threads, 0.88 at 1 (OpenBLAS 0.3.31, AVX-512). The panel count can
#: change the rounding of some shapes, so two machines with different CPU counts can differ in the last
#: bits (as two BLAS architectures do); ``SNT_PANELS`` makes them equal where the BLAS is the same.
PANEL_JOBS = _panel_jobs()

_xxgemm = _linalg._BLAS.numba_xxgemm(types.float64)
_xxgemv = types.ExternalFunction("numba_xxgemv", types.intc(
    types.char, types.char, types.intp, types.intp, types.CPointer(types.float64),
    types.CPointer(types.float64), types.intp, types.CPointer(types.float64),
    types.CPointer(types.float64), types.CPointer(types.float64)))


def panels(N, jobs=None):
    """Number of column panels of an N-column product: ``jobs`` (default :data:`PANEL_JOBS`), but panels of
    at least :data:`MIN_PANEL_WIDTH` columns (so 1 below 128 columns)."""
    jobs = PANEL_JOBS if jobs is None else jobs
    return max(1, min(jobs, N // MIN_PANEL_WIDTH))


@_inline
def panel_edge(N, q, nq):
    """Column where panel q of nq starts (a multiple of 8; ``panel_edge(N, nq, nq) = N``)."""
    if q >= nq:
        return N
    return (q * N // nq) // 8 * 8


#: Fast products of 2 to 4 rows, and of up to this many rows while N <= :data:`FEW_ROWS_MAX_N`, are computed
#: by :func:`few_rows` (J read once for every 4 rows) instead of a BLAS gemm: for few rows the gemm's packing
#: of J costs several gemv (measured with OpenBLAS, N = 1000, one thread: 2 rows 4.5, 4 rows 4.9, 8 rows 7.3,
#: 16 rows 12.6 gemv; :func:`few_rows` about 1.0, 1.8, 3.6, 7.2).
FEW_ROWS = 16

#: Above this N a J that no cache holds is streamed from memory once per 4 rows by :func:`few_rows`, which
#: then beats the gemm for at most 4 rows only (measured, N = 4000, one thread: 2 and 4 rows 0.44 and 0.58 of
#: the gemm's time, 8 rows 1.13, 16 rows 1.8; at N = 2000, 16 rows 0.86).
FEW_ROWS_MAX_N = 2048


@_jit
def _rows2(F, r, J, H, c0, c1):
    """``H[r:r+2, c0:c1] = F[r:r+2] @ J[c0:c1].T``: four rows of J at a time, each read once for both."""
    N = J.shape[1]
    a, b = F[r], F[r + 1]
    i = c0
    while i + 4 <= c1:
        J0, J1, J2, J3 = J[i], J[i + 1], J[i + 2], J[i + 3]
        s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = 0.0
        for j in range(N):
            x, y = a[j], b[j]
            s00 += J0[j] * x
            s01 += J0[j] * y
            s10 += J1[j] * x
            s11 += J1[j] * y
            s20 += J2[j] * x
            s21 += J2[j] * y
            s30 += J3[j] * x
            s31 += J3[j] * y
        H[r, i], H[r + 1, i], H[r, i + 1], H[r + 1, i + 1] = s00, s01, s10, s11
        H[r, i + 2], H[r + 1, i + 2], H[r, i + 3], H[r + 1, i + 3] = s20, s21, s30, s31
        i += 4
    while i < c1:
        s0 = s1 = 0.0
        for j in range(N):
            s0 += J[i, j] * a[j]
            s1 += J[i, j] * b[j]
        H[r, i], H[r + 1, i] = s0, s1
        i += 1


@_jit
def _rows4(F, r, J, H, c0, c1):
    """``H[r:r+4, c0:c1] = F[r:r+4] @ J[c0:c1].T``: two rows of J at a time, each read once for all four."""
    N = J.shape[1]
    a, b, c, d = F[r], F[r + 1], F[r + 2], F[r + 3]
    i = c0
    while i + 2 <= c1:
        J0, J1 = J[i], J[i + 1]
        s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = 0.0
        for j in range(N):
            x0, x1 = J0[j], J1[j]
            s00 += x0 * a[j]
            s01 += x0 * b[j]
            s02 += x0 * c[j]
            s03 += x0 * d[j]
            s10 += x1 * a[j]
            s11 += x1 * b[j]
            s12 += x1 * c[j]
            s13 += x1 * d[j]
        H[r, i], H[r + 1, i], H[r + 2, i], H[r + 3, i] = s00, s01, s02, s03
        H[r, i + 1], H[r + 1, i + 1], H[r + 2, i + 1], H[r + 3, i + 1] = s10, s11, s12, s13
        i += 2
    while i < c1:
        s0 = s1 = s2 = s3 = 0.0
        for j in range(N):
            x = J[i, j]
            s0 += x * a[j]
            s1 += x * b[j]
            s2 += x * c[j]
            s3 += x * d[j]
        H[r, i], H[r + 1, i], H[r + 2, i], H[r + 3, i] = s0, s1, s2, s3
        i += 1


@_jit
def few_rows(F, J, H, c0, c1):
    """``H[:, c0:c1] = F @ J[c0:c1].T`` for a few rows of F, in blocks of 4 rows, then 2, then 1 (the summation
    order of an entry depends on N and on its row's place in these blocks only)."""
    rows = F.shape[0]
    r = 0
    while r + 4 <= rows:
        _rows4(F, r, J, H, c0, c1)
        r += 4
    if r + 2 <= rows:
        _rows2(F, r, J, H, c0, c1)
        r += 2
    if r < rows:
        for i in range(c0, c1):
            acc = 0.0
            for j in range(J.shape[1]):
                acc += J[i, j] * F[r, j]
            H[r, i] = acc


@_par
def product(F, J, H, lanes, nq):
    """H = F @ J.T by ``nq`` column panels (:func:`panels`), the calls spread over the numba threads.

    Column panel [c0, c1) of H is F times the rows c0..c1 of J transposed: a contiguous block of J, read
    in place (no transposed copy of J is ever made; for the column-major BLAS it is the transpose of a
    (N, c1 - c0) matrix). ``lanes = L > 0``: one gemm per block of L rows and panel (F has a multiple of L
    rows), the same call shapes whatever the batch; ``lanes = 0``: gemv for one row, :func:`few_rows` for
    2 to 4 rows (up to :data:`FEW_ROWS` while N <= :data:`FEW_ROWS_MAX_N`), else one gemm per panel on all
    the rows. Every call has a fixed shape and one BLAS thread (the engine sets that limit), so the result
    does not depend on the number of threads."""
    rows, N = F.shape[0], J.shape[0]
    lane = lanes if lanes > 0 else rows
    nl = rows // lane if lane > 0 else 0
    few = lanes == 0 and 1 < rows and (rows <= 4 or (rows <= FEW_ROWS and N <= FEW_ROWS_MAX_N))
    consts = np.array([1.0, 0.0])
    for job in prange(nl * nq):
        lb, q = job // nq, job % nq
        c0, c1 = panel_edge(N, q, nq), panel_edge(N, q + 1, nq)
        r0 = lb * lane
        if few:
            few_rows(F, J, H, c0, c1)
        elif lane == 1:
            _xxgemv(ord("d"), ord("t"), N, c1 - c0, consts.ctypes, J[c0:].ctypes, N, F[r0].ctypes,
                    consts[1:].ctypes, H[r0, c0:].ctypes)
        else:
            _xxgemm(ord("d"), ord("t"), ord("n"), c1 - c0, lane, N, consts.ctypes, J[c0:].ctypes, N,
                    F[r0:].ctypes, N, consts[1:].ctypes, H[r0:, c0:].ctypes, N)


@_inline
def row_update(p, X, F, S, r, h, noise, stim, extra):
    """The fused E1 row update: ``X[r] <- gamma X[r] + h - theta + sigma noise + stim + extra``, then
    ``F[r] = f(X[r])`` and, when ``S`` has rows, ``S[r] = f'(X[r])``.

    ``h`` (N,) is the product row ``(J f(x))``; ``noise`` (N,) or (0,), ``stim`` (N,) or (0,), ``extra`` (N,)
    or (0,) are skipped when empty. Returns True when the new row is finite."""
    has_noise = noise.shape[0] > 0
    has_stim = stim.shape[0] > 0
    has_extra = extra.shape[0] > 0
    x = X[r]
    finite = True
    for i in range(X.shape[1]):
        v = p.gamma * x[i] + h[i] - p.theta[i]
        if has_noise:
            v += p.sigma * noise[i]
        if has_stim:
            v += stim[i]
        if has_extra:
            v += extra[i]
        x[i] = v
        # False for inf and NaN (no ninf/nnan flag, so not folded); a comparison, not a sum: a reassociated
        # sum of v * 0 could overflow on finite values
        finite &= abs(v) <= _DBL_MAX
    transfer_rows(x, F[r], S[r] if S.shape[0] > 0 else np.empty(0), p.g, p.code)
    return finite


@_inline
def trial_step(p, X, F, S, H, b, s, drive, empty, status, t):
    """Step s of a chunk for trial b: :func:`row_update` with the trial's noise row and the stimulus row of
    ``drive = (noise, stim, keys, rows, work)``; a non-finite result marks the trial dead in
    ``status = (alive, diverged_at)`` at time ``t + 1``. Returns True while the trial is finite.

    The noise row is ``noise[b, s]`` when the draws were made beforehand (stream 1, or ``noise.shape[1] > 0``);
    with counter keys (``keys.shape[0] > 0``, stream 2) it is computed here into ``rows[b]``, the draws of trial b
    at time t (:func:`snt._philox.normal_row`)."""
    noise, stim, keys, rows, work = drive
    if keys.shape[0] > 0:
        normal_row(keys[b, 0], keys[b, 1], t, rows[b], work[b])
        nz = rows[b]
    elif noise.shape[1] > 0:
        nz = noise[b, s]
    else:
        nz = empty
    ok = row_update(p, X, F, S, b, H[b], nz, stim[s] if stim.shape[0] > 0 else empty, empty)
    if not ok:
        status[0][b] = False
        status[1][b] = t + 1
    return ok


@_inline
def tangent_rows(gamma, V, j, h, S, b, M, row, scale):
    """The tangent rider (E2): ``V[j] <- gamma V[j] + h`` (``h`` the product row ``J (f' * v)``), then
    ``V[j] *= scale`` and ``M[row] = S[b] * V[j]`` (the next product row). Returns ``||gamma V + h||^2``
    (before the scale)."""
    nrm = 0.0
    for i in range(V.shape[1]):
        w = gamma * V[j, i] + h[i]
        V[j, i] = w
        nrm += w * w
    if row >= 0:
        for i in range(V.shape[1]):
            v = V[j, i] * scale
            V[j, i] = v
            M[row, i] = S[b, i] * v
    return nrm


@_jit
def orthonormalise(T, logsum, b):
    """The QR-frame rider (E6): QR of trial b's k tangent vectors (rows of ``T[b]``) by LAPACK
    (geqrf/orgqr); ``T[b]`` becomes the orthonormal Q^T and ``logsum[b, j] += ln |R_jj|``."""
    Q, R = np.linalg.qr(T[b].T)
    T[b, :, :] = Q.T
    for j in range(T.shape[1]):
        logsum[b, j] += math.log(abs(R[j, j]))


@_par
def run_chunk(p, state, drive, clock, records):
    """Advance B trials by ``clock[1]`` steps of E1, recording as it goes (the parameters are tuples, to
    keep the signature short).

    Parameters
    ----------
    p : Params
    state : (U, F, H, alive, diverged_at)
        ``U`` (Bp, N) states (padded rows stay zero), ``F = f(U)``, ``H`` a work buffer, ``alive`` (B,) bool,
        ``diverged_at`` (B,) int64 (-1 while alive). Updated in place.
    drive : (noise, stim, keys, rows, work)
        ``noise`` (B, C, N) standard normal draws, or (B, 0, N) when sigma = 0 or the draws are computed in
        the steps from the counter ``keys`` (B, 2) into the scratch ``rows``/``work`` (:func:`trial_step`);
        ``stim`` (C, N) or (0, N).
    clock : (t0, nsteps, rec_start, rec_every, n_rec)
        Absolute time of the chunk's first state, number of steps, and the recording grid
        t = rec_start + k * rec_every, k < n_rec.
    records : (rec_u, rec_M, rec_m)
        ``rec_u`` (B, n_rec, N) or (B, 0, N); ``rec_M`` (B, n_rec) the activity (1/N) sum_i f(u_i), or (B, 0);
        ``rec_m`` (B, n_rec) the mean (1/N) sum_i u_i, or (B, 0). Dead trials record NaN.
    """
    U, F, H, alive, diverged_at = state
    t0, nsteps = clock[0], clock[1]
    B = alive.shape[0]
    N = U.shape[1]
    empty = np.empty(0)
    noslope = np.empty((0, N))
    for s in range(nsteps):
        t = t0 + s
        _record_on_grid(U, F, alive, t, clock, records)
        product(F, p.J, H, p.lanes, p.panels)
        for b in prange(B):
            if alive[b]:
                if not trial_step(p, U, F, noslope, H, b, s, drive, empty, (alive, diverged_at), t):
                    F[b, :] = 0.0


@_jit
def run_lone(p, state, drive, clock, records):
    """:func:`run_chunk` for a lone trial (``U`` of one row): the same steps, the row's pass on the calling
    thread. Only the product opens a parallel region (of its column panels): a second one per step, for
    one row's elementwise pass, costs about as much as the pass itself."""
    U, F, H, alive, diverged_at = state
    t0, nsteps = clock[0], clock[1]
    empty = np.empty(0)
    noslope = np.empty((0, U.shape[1]))
    for s in range(nsteps):
        t = t0 + s
        _record_on_grid(U, F, alive, t, clock, records)
        if not alive[0]:
            continue
        product(F, p.J, H, p.lanes, p.panels)
        if not trial_step(p, U, F, noslope, H, 0, s, drive, empty, (alive, diverged_at), t):
            F[0, :] = 0.0


@_inline
def _record_on_grid(U, F, alive, t, clock, records):
    """:func:`_record` when t is on the recording grid of ``clock`` (see :func:`run_chunk`)."""
    rec_start, rec_every, n_rec = clock[2], clock[3], clock[4]
    if t >= rec_start and (t - rec_start) % rec_every == 0:
        k = (t - rec_start) // rec_every
        if k < n_rec:
            _record(U, F, alive, k, records[0], records[1], records[2])


@_inline
def _record(U, F, alive, k, rec_u, rec_M, rec_m):
    N = U.shape[1]
    for b in range(alive.shape[0]):
        if alive[b]:
            if rec_u.shape[1] > 0:
                rec_u[b, k, :] = U[b, :]
            if rec_M.shape[1] > 0:
                acc = 0.0
                for i in range(N):
                    acc += F[b, i]
                rec_M[b, k] = acc / N
            if rec_m.shape[1] > 0:
                acc = 0.0
                for i in range(N):
                    acc += U[b, i]
                rec_m[b, k] = acc / N
        else:
            if rec_u.shape[1] > 0:
                rec_u[b, k, :] = np.nan
            if rec_M.shape[1] > 0:
                rec_M[b, k] = np.nan
            if rec_m.shape[1] > 0:
                rec_m[b, k] = np.nan


# ----------------------------------------------------------------------------------------------------------
# Tangent dynamics (SCIENCE.md E2, E6): Benettin's maximal exponent and the QR spectrum.
#
# The tangent vectors ride in the same matrix product as the state: the rows of ``M`` are f(u_b) for the
# (padded) trials followed by Λ(u_b) ⊙ v for every tangent vector v, so one gemm ``H = M @ J^T`` per step
# gives both J f(u) and J Λ v (J is read once per step). Noise and thresholds do not enter the tangent map,
# so the tangent vector is the infinitesimal separation of two replicas that share the noise.
# ----------------------------------------------------------------------------------------------------------


@_par
def tangent_chunk(p, state, drive, logs):
    """Advance B trials and one tangent vector per trial by ``logs.shape[1]`` steps (Benettin, E6, k = 1).

    Parameters
    ----------
    p : Params
    state : (U, M, H, V, S, alive, diverged_at, t0)
        ``U`` (Bp, N) states; ``M`` (2 Bp, N) with ``M[:Bp] = f(U)`` and ``M[Bp + b] = f'(U[b]) * V[b]``;
        ``H`` (2 Bp, N) work buffer; ``V`` (Bp, N) unit tangent vectors; ``S`` (Bp, N) slopes f'(U);
        ``alive`` (B,) bool; ``diverged_at`` (B,) int64; ``t0`` the absolute time of the first state.
    drive : (noise, stim, keys, rows, work)
        As in :func:`run_chunk`.
    logs : (B, n) float64, output
        ``logs[b, s]`` = ln of the growth of trial b's tangent vector in step s (the vector is then
        renormalised); NaN once the trial has diverged, -inf if the tangent map annihilated the vector.

    One trial (Bp = 1) makes a product of two rows (state and tangent vector): J is read once per step.
    """
    U, M, H, V, S, alive, diverged_at, t0 = state
    B = alive.shape[0]
    Bp = U.shape[0]
    empty = np.empty(0)
    for s in range(logs.shape[1]):
        product(M, p.J, H, p.lanes, p.panels)
        for b in prange(B):
            _benettin_trial(p, U, M, H, V, S, (alive, diverged_at), drive, logs, b, s, t0 + s, Bp, empty)


@_inline
def _benettin_trial(p, U, M, H, V, S, status, drive, logs, b, s, t, Bp, empty):
    """Step s of :func:`tangent_chunk` for trial b: the state, then its renormalised tangent vector."""
    if not status[0][b]:
        logs[b, s] = np.nan
        return
    if not trial_step(p, U, M, S, H, b, s, drive, empty, status, t):
        logs[b, s] = np.nan
        M[b, :] = 0.0
        M[Bp + b, :] = 0.0
        return
    nrm = tangent_rows(p.gamma, V, b, H[Bp + b], S, b, M, -1, 1.0)
    if nrm > 0.0:
        logs[b, s] = 0.5 * math.log(nrm)
        scale = 1.0 / math.sqrt(nrm)
    else:
        logs[b, s] = -np.inf
        scale = 0.0
    for i in range(V.shape[1]):
        v = V[b, i] * scale
        V[b, i] = v
        M[Bp + b, i] = S[b, i] * v


@_par
def qr_chunk(p, state, drive, schedule, logsum):
    """Advance B trials and k tangent vectors per trial, re-orthonormalising by QR (E6).

    Parameters
    ----------
    p : Params
    state : (U, M, H, T, S, alive, diverged_at, t0)
        ``U`` (Bp, N); ``T`` (B, k, N) tangent vectors as rows; ``M`` (Bp + B k, N) with ``M[:Bp] = f(U)``
        and ``M[Bp + b k + j] = f'(U[b]) * T[b, j]``; ``H`` like ``M``; ``S`` (Bp, N) slopes; ``alive`` (B,);
        ``diverged_at`` (B,); ``t0`` the absolute time of the first state.
    drive : (noise, stim, keys, rows, work)
        As in :func:`run_chunk`.
    schedule : (qr_every, since, nsteps, qr_at_end)
        QR every ``qr_every`` steps; ``since`` (1,) int64 counts the steps since the last QR (updated);
        ``qr_at_end`` forces a QR after the last step of the chunk (block boundaries).
    logsum : (B, k) float64
        ``ln |R_jj|`` summed over the QRs of the chunk (added in place; NaN once a trial diverged).
    """
    U, M, H, T, S, alive, diverged_at, t0 = state
    qr_every, since, nsteps, qr_at_end = schedule
    B = alive.shape[0]
    empty = np.empty(0)
    for s in range(nsteps):
        product(M, p.J, H, p.lanes, p.panels)
        since[0] += 1
        do_qr = since[0] >= qr_every or (qr_at_end and s == nsteps - 1)
        for b in prange(B):
            _qr_trial(p, U, M, H, T, S, (alive, diverged_at), drive, logsum, b, s, t0 + s, do_qr, empty)
        if do_qr:
            since[0] = 0


@_inline
def _qr_trial(p, U, M, H, T, S, status, drive, logsum, b, s, t, do_qr, empty):
    """Step s of :func:`qr_chunk` for trial b: the state, its k tangent vectors, their QR when due."""
    if not status[0][b]:
        return
    Bp, k = U.shape[0], T.shape[1]
    if not trial_step(p, U, M, S, H, b, s, drive, empty, status, t):
        logsum[b, :] = np.nan
        M[Bp + b * k:Bp + (b + 1) * k, :] = 0.0
        M[b, :] = 0.0
        return
    for j in range(k):
        tangent_rows(p.gamma, T[b], j, H[Bp + b * k + j], S, b, M, -1, 1.0)
    if do_qr:
        orthonormalise(T, logsum, b)
    for j in range(k):
        row = Bp + b * k + j
        for i in range(T.shape[2]):
            M[row, i] = S[b, i] * T[b, j, i]


# ----------------------------------------------------------------------------------------------------------
# Response riders (SCIENCE.md E12, E13): tangent vectors restarted at given patterns, and replicas of each
# trial (kicked at a window start, or driven by a forcing) that share the trial's noise. The state rows keep
# their own product, the same as run_chunk's, so the reference trajectory is simulate's whatever rides along.
# ----------------------------------------------------------------------------------------------------------


@_jit
def replica_rows(p, R, FR, hr, r, noise, extra):
    """The replica rider: row r of the replicas ``R`` makes the full E1 step with its trial's ``noise``
    row and an ``extra`` input (the kick or the forcing); returns True while finite."""
    return row_update(p, R, FR, np.empty((0, R.shape[1])), r, hr, noise, np.empty(0), extra)


@_jit
def response_chunk(p, state, riders, drive, clock, out):
    """Advance B trials with K tangent rows and/or K replicas per trial for ``clock[1]`` steps.

    Parameters
    ----------
    p : Params
    state : (U, F, H, alive, diverged_at, S)
        As in :func:`run_chunk`, plus ``S`` (Bp, N) the slopes f'(U) (kept current).
    riders : (V, MV, R, FR, E)
        ``V`` (B K, N) tangent vectors (or (0, N)), ``MV`` = f'(u_b) * V (product rows); ``R`` (B K, N)
        replicas (or (0, N)), ``FR = f(R)``; ``E`` (B K, N) the patterns: restart of V, and kick (times
        ``eps``) of R. The tangent rows and the replicas each go through their own product (padded to whole
        lanes), so a replica's bits do not depend on the tangent rows riding along.
    drive : (noise, eps, force, pattern)
        ``noise`` (B, n, N) or (B, 0, N); ``eps`` the kick; ``force`` (n, K) amplitudes of a forcing
        ``force[s, j] * pattern`` added to replica j of every trial in step s (or (0, K)); ``pattern`` (N,).
    clock : (t0, nsteps, phase, window)
        Absolute time of the first state; steps; the step's position in its window (``phase``, 0 restarts
        the riders) and the window length (0: never restart).
    out : (D, rec_u)
        ``D`` (n, B, 2, K, N) or (0, ...): the tangent vector after each step in ``D[s, b, 0]`` and
        ``(R - u) / eps`` in ``D[s, b, 1]``; ``rec_u`` (n, B, N) or (0, B, N): the new state after each step.
        Dead trials are skipped (their records are left as they are: the caller masks them).
    """
    U, F, H, alive, diverged_at, S = state
    V, MV, R, FR, E = riders
    noise, eps, force, pattern = drive
    t0, nsteps, phase, window = clock
    D, rec_u = out
    B = alive.shape[0]
    N = U.shape[1]
    KV = V.shape[0] // B if B > 0 else 0
    KR = R.shape[0] // B if B > 0 else 0
    has_noise = noise.shape[1] > 0
    forced = force.shape[0] > 0
    empty = np.empty(0)
    extra = np.empty(N)
    # the tangent rows and the replicas go through separate products, so that the replicas' arithmetic (the
    # BLAS picks its kernels by the shape) does not depend on whether tangent rows ride along
    rv, rr = KV * B, KR * B
    if p.lanes > 0:
        rv, rr = -(-rv // p.lanes) * p.lanes, -(-rr // p.lanes) * p.lanes
    MRV, HRV = np.zeros((rv, N)), np.zeros((rv, N))
    MRR, HRR = np.zeros((rr, N)), np.zeros((rr, N))
    for s in range(nsteps):
        k = (phase + s) % window if window > 0 else 1
        product(F, p.J, H, p.lanes, p.panels)
        if k > 0 and rv > 0:
            MRV[:KV * B] = MV
            product(MRV, p.J, HRV, p.lanes, p.panels)
        if k > 0 and rr > 0:
            MRR[:KR * B] = FR
            product(MRR, p.J, HRR, p.lanes, p.panels)
        for b in range(B):
            if not alive[b]:
                continue
            nz = noise[b, s] if has_noise else empty
            ok = row_update(p, U, F, S, b, H[b], nz, empty, empty)
            for j in range(KR):
                r = b * KR + j
                if k == 0:
                    for i in range(N):
                        R[r, i] = U[b, i] + eps * E[r, i]
                        FR[r, i] = transfer(R[r, i], p.g, p.code)
                else:
                    if forced:
                        for i in range(N):
                            extra[i] = force[s, j] * pattern[i]
                    ok &= replica_rows(p, R, FR, HRR[r], r, nz, extra if forced else empty)
            for j in range(KV):
                r = b * KV + j
                if k == 0:
                    V[r, :] = E[r, :]
                    for i in range(N):
                        MV[r, i] = S[b, i] * V[r, i]
                else:
                    tangent_rows(p.gamma, V, r, HRV[r], S, b, MV, r, 1.0)
            if not ok:
                alive[b] = False
                diverged_at[b] = t0 + s + 1
                F[b, :] = 0.0
                FR[b * KR:(b + 1) * KR, :] = 0.0
                MV[b * KV:(b + 1) * KV, :] = 0.0
                continue
            if D.shape[0] > 0:
                for j in range(KV):
                    D[s, b, 0, j, :] = V[b * KV + j, :]
                for j in range(KR):
                    for i in range(N):
                        D[s, b, 1, j, i] = (R[b * KR + j, i] - U[b, i]) / eps
            if rec_u.shape[0] > 0:
                rec_u[s, b, :] = U[b, :]
