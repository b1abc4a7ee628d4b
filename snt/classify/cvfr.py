r"""CVFR firing-rate classifier, deterministic and stochastic (Euler–Maruyama, noise vanishing at attractors).

.. math::

    x_{n+1} = x_n + \Delta t\,[-x_n + \beta W r(x_n)] + \sqrt{\Delta t}\,\sigma \tanh(P(x_n))\,\eta_n ,
    \qquad r(x) = \frac{x^2}{\gamma_r + x^2},\quad \beta = \frac{1}{\sqrt N},\quad \gamma_r = \frac{1}{8N},

with :math:`\eta_n \sim \mathcal N(0, I_N)` and the damping factor

.. math:: P(x) = \prod_{k=1}^K \Bigl[\tfrac1N \lVert x - x^{*k}\rVert^2\Bigr]^{1/K},

the geometric mean over classes of the mean-square distance to each attractor, evaluated in log space
(:math:`\log P = \frac1K\sum_k \log(m_k + \epsilon)` in float64, :math:`\epsilon = 10^{-300}`). :math:`P(x^{*k}) = 0`, so the
noise vanishes at every planted attractor. Near :math:`x^{*k}`, :math:`P \propto \lVert x - x^{*k}\rVert^{2/K}`
is not Lipschitz, so a rounding-level departure is amplified and the stochastic state hovers within a small
distance (about :math:`10^{-7}` for the test parameters) of the attractor. :math:`\sigma = 0` is the
deterministic model.

Planted patterns (rate space): :math:`r^k_i = 0` on block :math:`[kb, (k+1)b)`, :math:`b = \lfloor N/K\rfloor`,
and :math:`r_p` elsewhere; :math:`W r^k = r^k` (eigenvalue 1 on :math:`\mathrm{span}\{r^k\}`). Then
:math:`x^{*k} = \beta r^k` is a fixed point iff :math:`x_p = \beta r(x_p)`, i.e.
:math:`x_p^2 - \beta x_p + \gamma_r = 0`; the larger root is :math:`x_p = \beta(1 + 1/\sqrt2)/2` and
:math:`r_p = (1 + 1/\sqrt2)/2` (and :math:`r(0) = 0` makes the zero nodes consistent). The Jacobian
:math:`J = -I + \beta W\,\mathrm{diag}(r'(x^*))` has :math:`\beta r'(x_p) = 1 - 1/\sqrt2`; stability is not
guaranteed by the parametrisation and is checked (and, if needed, restored) after training.

Loss: mean squared error between :math:`r(x(T))` and :math:`r^{y}`. Readout: nearest attractor in rate space.
The gradient of the stochastic model is pathwise with the noise frozen (common random numbers); it
includes the path through :math:`\tanh P(x)`.

References
----------
.. [1] L. Chicchi, D. Fanelli, D. Febbe, L. Buffoni, F. Di Patti, L. Giambagli, R. Marino, "Deterministic
       versus stochastic dynamical classifiers: opposing random adversarial attacks with noise",
       Mach. Learn.: Sci. Technol. (2025), arXiv:2409.13470.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._checks import check_int
from .._jit import SAFE_FASTMATH
from .base import PlantedModel, Trajectory
from .noise import check_sigma

__all__ = ["CVFR"]

_EPS = 1e-300


@njit(cache=True, fastmath=SAFE_FASTMATH)
def _rates(x, gr, out):
    b, n = x.shape
    for i in range(b):
        for j in range(n):
            v = x[i, j] * x[i, j]
            out[i, j] = v / (gr + v)


@njit(cache=True, fastmath=SAFE_FASTMATH)
def _step(x, wr, amp, eta, dt, beta, out):
    """out = x + dt(-x + beta wr) + amp[i] eta."""
    b, n = x.shape
    for i in range(b):
        a = amp[i]
        for j in range(n):
            out[i, j] = x[i, j] + dt * (-x[i, j] + beta * wr[i, j]) + a * eta[i, j]


@njit(cache=True, fastmath=SAFE_FASTMATH)
def _damping_kernel(x, xs, m, logp):
    """m[i, k] = mean_j (x[i, j] - xs[k, j])^2 (direct differences, float64); logp = mean_k log(m + eps).

    Direct differences, not |x|^2 - 2 x.x* + |x*|^2, whose rounding would leave P ~ 1e-6 at x*.
    """
    b, n = x.shape
    kk = xs.shape[0]
    for i in range(b):
        acc = 0.0
        for k in range(kk):
            s = 0.0
            for j in range(n):
                dv = np.float64(x[i, j]) - xs[k, j]
                s += dv * dv
            m[i, k] = s / n
            acc += np.log(s / n + 1e-300)
        logp[i] = acc / kk


@njit(cache=True, fastmath=SAFE_FASTMATH)
def _step_det(x, wr, dt, beta, out):
    b, n = x.shape
    for i in range(b):
        for j in range(n):
            out[i, j] = x[i, j] + dt * (-x[i, j] + beta * wr[i, j])


@njit(cache=True, fastmath=SAFE_FASTMATH)
def _adjoint(x, p, pw, gr, dt, beta, out):
    """out = p + dt(-p + beta r'(x) * pw) (deterministic part of the adjoint)."""
    b, n = x.shape
    for i in range(b):
        for j in range(n):
            v = x[i, j]
            den = gr + v * v
            dr = 2.0 * v * gr / (den * den)
            out[i, j] = p[i, j] + dt * (-p[i, j] + beta * dr * pw[i, j])


class CVFR(PlantedModel):
    """CVFR classifier (see the module docstring for the equations).

    Parameters
    ----------
    n_nodes, n_classes : int
    dtype : {numpy.float64, numpy.float32}
    sigma : float or array
        Noise amplitude (0 = deterministic; the stochastic model of the paper uses 0.1).
    noise : {"damped", "additive", "state-dependent"}
        Noise model (:mod:`snt.classify.noise`): ``"damped"`` is the paper's, vanishing at every attractor.
    """

    name = "cvfr"
    trains_gamma = False
    gamma_init = 0.0
    default_dt = 0.03
    default_steps = 300
    orth_gain = 1.3
    orth_factor = 0.004
    default_noise = "damped"

    def __init__(self, n_nodes, n_classes, dtype=np.float64, sigma=0.0, noise="damped"):
        sigma = check_sigma(sigma)
        self.sigma = sigma
        n = check_int(n_nodes, "n_nodes", minimum=3)
        self.beta = 1.0 / np.sqrt(n)
        self.gamma_r = 1.0 / (8.0 * n)
        self.r_p = (1.0 + 1.0 / np.sqrt(2.0)) / 2.0
        self.x_p = self.beta * self.r_p
        super().__init__(n_nodes, n_classes, dtype)
        self.rate_patterns = self._rate_patterns()
        self.set_noise(noise, sigma)
        self.name = "cvfr-stochastic" if noise == "damped" and np.any(np.asarray(sigma) > 0) else "cvfr"

    def _rate_patterns(self):
        block = self.n_nodes // self.n_classes
        p = np.full((self.n_classes, self.n_nodes), self.r_p)
        for k in range(self.n_classes):
            p[k, k * block:(k + 1) * block] = 0.0
        return p

    def _patterns(self):
        return self.beta * self._rate_patterns()

    def _fixed_span(self):
        return self._rate_patterns()

    def targets(self):
        return self.rate_patterns

    def lam_fix(self, gamma):
        return 1.0

    def lam_init(self, rng, m):
        return rng.uniform(-0.4, 0.4, m)

    def rates(self, x):
        return x * x / (self.gamma_r + x * x)

    def output(self, s):
        out = np.empty_like(s)
        _rates(s, s.dtype.type(self.gamma_r), out)
        return out

    def output_adjoint(self, s, p_out):
        den = self.gamma_r + s * s
        return (2.0 * self.gamma_r) * s / (den * den) * p_out

    # ---------------------------------------------------------------- noise
    def _damping(self, x):
        """log P(x) per row (B,) and the mean-square distances m_k (B, K), in float64."""
        m = np.empty((len(x), self.n_classes))
        logp = np.empty(len(x))
        _damping_kernel(x, self.patterns, m, logp)
        return logp, m

    def forward(self, A, gamma, s0, steps, dt, noise=None, keep=True, work=None):
        """Euler–Maruyama; the noise of step t is the t-th draw of ``default_rng(noise)`` (kept for the adjoint)."""
        d = self.dtype
        Wt = np.ascontiguousarray(A.T)
        x = s0
        traj = Trajectory([x])
        r = np.empty_like(x)
        rng = self.noise_rng(noise)
        damped = self.noise is not None and self.noise.kind == "damped"
        for _ in range(steps):
            _rates(x, d(self.gamma_r), r)
            wr = r @ Wt
            nxt = np.empty_like(x)
            if rng is None or not damped:
                _step_det(x, wr, d(dt), d(self.beta), nxt)
                if rng is not None:          # additive or state-dependent noise, frozen in the adjoint
                    nxt += self.noise_increment(x, rng, dt)
            else:
                eta = rng.standard_normal(x.shape).astype(d)   # same draws in float32 and float64
                logp, m = self._damping(x)
                amp = (np.sqrt(dt) * float(self.sigma) * np.tanh(np.exp(logp))).astype(d)
                _step(x, wr, amp, eta, d(dt), d(self.beta), nxt)
                if keep:
                    traj.aux.append((eta, logp, m))
            x = nxt
            if keep:
                traj.append(x)
        if not keep:
            traj.append(x)
        return traj

    def backward(self, A, gamma, traj, p_T, dt, noise=None, work=None):
        d = self.dtype
        G = np.zeros(A.shape, dtype=d)
        p = p_T
        r = np.empty_like(p)
        c = d(dt * self.beta)
        stochastic = len(traj.aux) > 0
        for t in range(len(traj) - 2, -1, -1):
            x = traj[t]
            _rates(x, d(self.gamma_r), r)
            G += c * (p.T @ r)
            pw = p @ A
            pn = np.empty_like(p)
            _adjoint(x, p, pw, d(self.gamma_r), d(dt), d(self.beta), pn)
            if stochastic:
                eta, logp, m = traj.aux[t]
                P = np.exp(logp)
                th = np.tanh(P)
                # dP/dx = P (1/K) sum_k 2 (x - x*k) / (N (m_k + eps))
                w = P[:, None] / (m + _EPS) / self.n_classes          # (B, K), float64
                grad_p = (2.0 / self.n_nodes) * (x * w.sum(1)[:, None] - w @ self.patterns)
                coef = np.sqrt(dt) * float(self.sigma) * (1.0 - th * th) * np.einsum("ij,ij->i", eta, p)
                pn += (coef[:, None] * grad_p).astype(d)
            p = pn
        return G, 0.0, p

    def drift(self, s, A, gamma):
        return -s + self.beta * (A @ self.rates(s))

    def jacobian(self, s, A, gamma):
        den = self.gamma_r + s * s
        dr = 2.0 * self.gamma_r * s / (den * den)
        return -np.eye(self.n_nodes) + self.beta * A * dr[None, :]
