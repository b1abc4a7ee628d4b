r"""The SNT map itself as a planted-attractor classifier.

.. math:: u(t+1) = \gamma\,u(t) + A\,f(u(t)), \qquad f(u) = \tanh(g u), \qquad A = \Phi\Lambda\Phi^{-1},

i.e. SCIENCE.md (E1) with :math:`J = A`, :math:`\theta = 0`, :math:`\sigma = 0`, and the item as the initial
condition :math:`u(0)`. The leak :math:`\gamma` is trained.

Self-consistency (how the patterns are planted). Take sign patterns :math:`s^k \in \{\pm1\}^N`
(:math:`-1` on block :math:`k` of :math:`\lfloor N/(K+2)\rfloor` nodes, :math:`+1` elsewhere) and
:math:`\xi^k = b\,s^k`. Because :math:`f` is odd, :math:`f(\xi^k) = \tanh(gb)\,s^k`. Put
:math:`\mathrm{span}\{s^k\}` in :math:`\Phi_\mathrm{fix}` with eigenvalue :math:`\mu`; then
:math:`A f(\xi^k) = \mu\tanh(gb)\,s^k` and the fixed-point condition :math:`(1-\gamma)\xi^k = A f(\xi^k)` reads
:math:`(1-\gamma)\,b = \mu\tanh(gb)`, so

.. math:: \mu(\gamma) = \frac{(1-\gamma)\,b}{\tanh(g b)} .

The planted eigenvalue therefore follows the trained leak; its derivative
:math:`\partial\mu/\partial\gamma = -b/\tanh(gb)` enters the gradient of :math:`\gamma` through
:math:`\partial L/\partial\mu = \sum_{k\in\mathrm{fix}}\tilde G_{kk}` (CLASSIFIERS.md §1.4).

Stability. :math:`f'(\xi^k_i) = g\,\mathrm{sech}^2(gb) =: c` on every node, so the Jacobian of the map at
:math:`\xi^k` is :math:`DF = \gamma I + cA` with eigenvalues :math:`\gamma + c\lambda_i` (real). The planted
ones, :math:`\gamma + (1-\gamma)\,2gb/\sinh(2gb)`, lie in :math:`(\gamma, 1)`; the trained ones are in
:math:`(-1, 1)` for every :math:`\gamma \in [\gamma_\mathrm{lo}, \gamma_\mathrm{hi}]` when
:math:`(-1 + \delta - \gamma_\mathrm{lo})/c \le \lambda_{tr} \le (1 - \delta - \gamma_\mathrm{hi})/c`, the box
used here (:math:`\delta = 10^{-3}`). Stability is thus enforced exactly by the bounds.

Loss: mean squared error to :math:`\xi^y`; readouts: nearest attractor or strict sign match.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._jit import SAFE_FASTMATH
from .._transfer import apply_transfer
from .._transfer_codes import TANH
from .base import PlantedModel, Trajectory, block_patterns

__all__ = ["SNTMap"]


@njit(cache=True, fastmath=SAFE_FASTMATH)
def _adjoint(u, f, p, pa, gamma, g, out):
    """out = gamma p + g (1 - f^2) pa; returns sum p * u."""
    b, n = u.shape
    acc = 0.0
    for i in range(b):
        for j in range(n):
            out[i, j] = gamma * p[i, j] + g * (1.0 - f[i, j] * f[i, j]) * pa[i, j]
            acc += p[i, j] * u[i, j]
    return acc


class SNTMap(PlantedModel):
    """SNT map classifier (see the module docstring for the derivation).

    Parameters
    ----------
    n_nodes, n_classes : int
    dtype : {numpy.float64, numpy.float32}
    b : float
        Amplitude of the planted patterns (default 1).
    g : float
        Gain of the transfer function (default 1).
    """

    name = "snt-map"
    discrete = True
    gamma_init = 0.5
    gamma_bounds = (0.0, 0.9)
    default_dt = 1.0
    default_steps = 20
    orth_gain = 1.15
    orth_factor = 0.01
    margin = 1e-3

    def __init__(self, n_nodes, n_classes, dtype=np.float64, b=1.0, g=1.0):
        for name, v in (("b", b), ("g", g)):
            if not (np.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a positive finite number, got {v!r}")
        self.b, self.g = float(b), float(g)
        self.slope = self.g / np.cosh(self.g * self.b) ** 2
        super().__init__(n_nodes, n_classes, dtype)

    def _patterns(self):
        block = self.n_nodes // (self.n_classes + 2)
        if block < 1:
            raise ValueError(f"n_nodes={self.n_nodes} too small for n_classes={self.n_classes}")
        return block_patterns(self.n_nodes, self.n_classes, block, -self.b, self.b)

    def lam_fix(self, gamma):
        return (1.0 - gamma) * self.b / np.tanh(self.g * self.b)

    def dlam_fix_dgamma(self, gamma):
        return -self.b / np.tanh(self.g * self.b)

    def lam_bounds(self):
        lo, hi = self.gamma_bounds
        return ((-1.0 + self.margin - lo) / self.slope, (1.0 - self.margin - hi) / self.slope)

    def lam_init(self, rng, m):
        lo, hi = self.lam_bounds()
        return rng.uniform(lo, hi, m)

    def forward(self, A, gamma, s0, steps, dt=None, noise=None, keep=True, work=None):
        d = self.dtype
        At = np.ascontiguousarray(A.T)
        u = s0
        traj = Trajectory([u])
        rng = self.noise_rng(noise)          # noise sigma B(t) of (E1) (snt.classify.noise), frozen in the adjoint
        for _ in range(steps):
            f = apply_transfer(np.ascontiguousarray(u), self.g, TANH)    # the transfer of E1 (snt._kernels)
            nxt = f @ At
            nxt += d(gamma) * u
            if rng is not None:
                nxt += self.noise_increment(u, rng, None)
            u = nxt
            if keep:
                traj.append(u)
                traj.aux.append(f)
        if not keep:
            traj.append(u)
        return traj

    def backward(self, A, gamma, traj, p_T, dt=None, noise=None, work=None):
        d = self.dtype
        G = np.zeros(A.shape, dtype=d)
        dg = 0.0
        p = p_T
        for t in range(len(traj) - 2, -1, -1):
            u, f = traj[t], traj.aux[t]
            G += p.T @ f
            pa = p @ A
            pn = np.empty_like(p)
            dg += _adjoint(u, f, p, pa, d(gamma), d(self.g), pn)
            p = pn
        return G, dg, p

    def drift(self, s, A, gamma):
        return gamma * s + A @ np.tanh(self.g * s) - s

    def jacobian(self, s, A, gamma):
        return gamma * np.eye(self.n_nodes) + A * (self.g / np.cosh(self.g * s) ** 2)[None, :]

    def strict_match(self, out):
        """(B,) class index whose sign pattern every node of ``out`` matches, or -1."""
        s = np.sign(out)
        ps = np.sign(self.patterns)
        hit = (s[:, None, :] == ps[None, :, :]).all(axis=2)
        return np.where(hit.any(1), hit.argmax(1), -1)
