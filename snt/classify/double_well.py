r"""SA-nODE / EODECA: a double-well potential per node plus a spectral coupling.

.. math::

    \dot x_i = -\partial_{x_i} V + \beta (A x)_i = 4|\gamma|(a^2 x_i - x_i^3) + \beta (A x)_i ,
    \qquad V(x) = |\gamma|(x^2 - a^2)^2, \quad \beta = 1/\sqrt N ,

integrated with explicit Euler and the state clipped to :math:`[-10a, 10a]` after every step:
:math:`x_{t+1} = \mathrm{clip}(x_t + \Delta t\,[4|\gamma|(a^2 x_t - x_t^3) + \beta A x_t])`.

Planted patterns: :math:`\xi^k_i = -a` on the block :math:`[k b, (k+1) b)`, :math:`b = \lfloor N/(K+2)\rfloor`,
and :math:`+a` elsewhere. :math:`\pm a` are zeros of the local force and :math:`A\xi^k = 0` (eigenvalue 0 on
:math:`\mathrm{span}\{\xi^k\}`), so :math:`F(\xi^k) = 0` exactly for every trained :math:`\Phi_{tr}, \lambda_{tr},
\gamma`. The Jacobian there is :math:`J = -8|\gamma|a^2 I + \beta A`, with eigenvalues
:math:`-8|\gamma|a^2 + \beta\lambda_i`: the attractors are stable iff
:math:`\max\lambda_{tr} < 8|\gamma|a^2\sqrt N`. Here :math:`\gamma` is boxed to
``gamma_bounds`` and :math:`\lambda_{tr} \le 8\gamma_\mathrm{min}a^2\sqrt N - 0.1`, which enforces stability for
every admissible :math:`\gamma` (the original clips λ inside the forward pass instead).

Readouts: ``"nearest"`` (argmin of :math:`\lVert x(T) - \xi^k\rVert`) and ``"strict"`` (class ``k`` only if
the sign of every node of :math:`x(T)` matches :math:`\xi^k`, otherwise rejected).

References
----------
.. [1] R. Marino, L. Buffoni, L. Chicchi, L. Giambagli, D. Fanelli, arXiv:2311.10387 (SA-nODE).
.. [2] R. Marino et al., "Engineered Ordinary Differential Equations as Classification Algorithm (EODECA)",
       arXiv:2312.14681.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .base import PlantedModel, Trajectory, block_patterns

__all__ = ["DoubleWell"]

_FM = {"nsz", "arcp", "contract", "afn", "reassoc"}


@njit(cache=True, fastmath=_FM)
def _step(x, u, g4, a2, dt, beta, lim, out):
    b, n = x.shape
    for i in range(b):
        for j in range(n):
            v = x[i, j]
            w = v + dt * (g4 * (a2 * v - v * v * v) + beta * u[i, j])
            if w > lim:
                w = lim
            elif w < -lim:
                w = -lim
            out[i, j] = w


@njit(cache=True, fastmath=_FM)
def _adjoint(x, xn, pb, r, g4, a2, dt, c, lim, q, p):
    """Adjoint of one step; the adjoint of the next state is ``pb + r`` (local + coupling part).

    q = c * mask * p_{t+1} (c = dt beta), p = local part mask * p_{t+1} (1 + dt g4 (a^2 - 3x^2)) (the coupling
    part is q A); returns sum 4(a^2 x - x^3) mask * p_{t+1}."""
    b, n = x.shape
    acc = 0.0
    for i in range(b):
        xr, xnr, pbr, rr, qr, pr = x[i], xn[i], pb[i], r[i], q[i], p[i]
        for j in range(n):
            qq = pbr[j] + rr[j] if abs(xnr[j]) < lim else 0.0
            v = xr[j]
            qr[j] = c * qq
            pr[j] = qq + dt * g4 * (a2 - 3.0 * v * v) * qq
            acc += 4.0 * (a2 * v - v * v * v) * qq
    return acc


class DoubleWell(PlantedModel):
    """SA-nODE/EODECA double-well classifier (see the module docstring for the equations).

    Parameters
    ----------
    n_nodes, n_classes : int
    dtype : {numpy.float64, numpy.float32}
    a : float
        Position of the wells, default 0.5.
    """

    name = "sa-node"
    uses_workspace = True
    gamma_init = 0.4
    gamma_bounds = (0.1, 10.0)
    default_dt = 0.1
    default_steps = 55
    orth_gain = 1.15
    orth_factor = 0.01

    def __init__(self, n_nodes, n_classes, dtype=np.float64, a=0.5):
        if not (np.isfinite(a) and a > 0):
            raise ValueError(f"a must be a positive finite number, got {a!r}")
        self.a = float(a)
        super().__init__(n_nodes, n_classes, dtype)
        self.beta = 1.0 / np.sqrt(self.n_nodes)
        self.lim = 10.0 * self.a

    def _patterns(self):
        block = self.n_nodes // (self.n_classes + 2)
        if block < 1:
            raise ValueError(f"n_nodes={self.n_nodes} too small for n_classes={self.n_classes}")
        return block_patterns(self.n_nodes, self.n_classes, block, -self.a, self.a)

    def lam_bounds(self):
        return (-1e9, 8.0 * self.a**2 * self.gamma_bounds[0] * np.sqrt(self.n_nodes) - 0.1)

    def lam_init(self, rng, m):
        return rng.normal(-5.0, 1.0, m)

    def forward(self, A, gamma, s0, steps, dt, noise=None, keep=True, work=False):
        """States ``[x_0, ..., x_T]`` (views of one (T+1, B, N) array); ``work``: use the cached buffers.

        With noise (:meth:`set_noise`) the step is Euler–Maruyama, the noise of step t being the t-th draw of
        ``default_rng(noise)``; the adjoint (:meth:`backward`) is that of the step with the noise frozen, exact
        for additive noise."""
        d = self.dtype
        g4, a2 = d(4.0 * abs(gamma)), d(self.a**2)
        dt_, beta, lim = d(dt), d(self.beta), d(self.lim)
        A = np.asarray(A, dtype=d)
        s0 = np.ascontiguousarray(s0, dtype=d)
        B, n = s0.shape
        u = np.empty((B, n), dtype=d)
        if keep:
            S = self.workspace("S", (steps + 1, B, n)) if work else np.empty((steps + 1, B, n), dtype=d)
        else:
            S = np.empty((2, B, n), dtype=d)
        S[0] = s0
        rng = self.noise_rng(noise)
        for t in range(steps):
            cur, nxt = (t, t + 1) if keep else (t % 2, (t + 1) % 2)
            np.matmul(S[cur], A.T, out=u)
            if rng is not None:   # the noise enters before the clip, through u (x + dt(f + beta u) + noise)
                u += self.noise_increment(S[cur], rng, dt) / (dt_ * beta)
            _step(S[cur], u, g4, a2, dt_, beta, lim, S[nxt])
        if keep:
            traj = Trajectory(list(S))
            traj.states = S
        else:
            traj = Trajectory([S[steps % 2]])
        return traj

    def backward(self, A, gamma, traj, p_T, dt, noise=None):
        d = self.dtype
        g4, a2, dt_, lim = d(4.0 * abs(gamma)), d(self.a**2), d(dt), d(self.lim)
        c = d(dt * self.beta)
        A = np.asarray(A, dtype=d)
        S = traj.states if hasattr(traj, "states") else np.stack(traj)
        steps, B, n = S.shape[0] - 1, S.shape[1], S.shape[2]
        G = np.zeros((n, n), dtype=d)
        dg = 0.0
        p = np.array(p_T, dtype=d, order="C")
        pn = self.workspace("pn", p.shape)
        r = self.workspace("r", (B, n))
        r[:] = 0.0
        # G = sum_t c q_t^T x_t, accumulated as one product per block of steps (about 2048 rows)
        block = max(1, min(steps, -(-2048 // B)))
        Q = self.workspace("Q", (block, B, n))
        for hi in range(steps, 0, -block):
            lo = max(0, hi - block)
            for t in range(hi - 1, lo - 1, -1):
                q = Q[t - lo]
                dg += _adjoint(S[t], S[t + 1], p, r, g4, a2, dt_, c, lim, q, pn)
                np.matmul(q, A, out=r)
                p, pn = pn, p
            G += Q[: hi - lo].reshape(-1, n).T @ S[lo:hi].reshape(-1, n)
        p = p + r
        return G, dt * np.sign(gamma) * dg, p

    def drift(self, s, A, gamma):
        return 4.0 * abs(gamma) * (self.a**2 * s - s**3) + self.beta * (A @ s)

    def jacobian(self, s, A, gamma):
        return np.diag(4.0 * abs(gamma) * (self.a**2 - 3.0 * s**2)) + self.beta * A

    def strict_match(self, out):
        """(B,) class index whose sign pattern every node of ``out`` matches, or -1 when none does."""
        s = np.sign(out)
        ps = np.sign(self.patterns)
        hit = (s[:, None, :] == ps[None, :, :]).all(axis=2)
        return np.where(hit.any(1), hit.argmax(1), -1)
