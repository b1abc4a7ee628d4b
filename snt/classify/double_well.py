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

from .._jit import SAFE_FASTMATH
from .base import block_patterns
from .fused import FusedModel

__all__ = ["DoubleWell"]


@njit(cache=True, fastmath=SAFE_FASTMATH)
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


@njit(cache=True, fastmath=SAFE_FASTMATH)
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


class DoubleWell(FusedModel):
    """SA-nODE/EODECA double-well classifier (see the module docstring for the equations).

    Parameters
    ----------
    n_nodes, n_classes : int
    dtype : {numpy.float64, numpy.float32}
    a : float
        Position of the wells, default 0.5.
    """

    name = "sa-node"
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

    # ------------------------------------------------------------------ the kernels of the template
    def step_constants(self, gamma, dt):
        d = self.dtype
        return (d(4.0 * abs(gamma)), d(self.a**2), d(dt), d(self.beta), d(self.lim), d(dt * self.beta))

    def step(self, s, u, out, aux, consts, noise=None):
        g4, a2, dt, beta, lim, _ = consts
        if noise is not None:      # the noise enters before the clip, through u (x + dt(f + beta u) + noise)
            u += noise / (dt * beta)
        _step(s, u, g4, a2, dt, beta, lim, out)

    def adjoint_step(self, s, s_next, aux, p, r, q, pn, consts):
        g4, a2, dt, _, lim, c = consts
        return _adjoint(s, s_next, p, r, g4, a2, dt, c, lim, q, pn)

    def gamma_gradient(self, gamma, dt, acc):
        return dt * np.sign(gamma) * acc

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
