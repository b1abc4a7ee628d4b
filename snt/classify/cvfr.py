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
from .base import FewFeatureDefaults, PlantedModel, Trajectory, Workspace
from .noise import check_sigma

__all__ = ["CVFR"]



@njit(cache=True, fastmath=SAFE_FASTMATH)
def _rates(x, gr, out):
    b, n = x.shape
    for i in range(b):
        for j in range(n):
            v = x[i, j] * x[i, j]
            out[i, j] = v / (gr + v)


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
def _forward_step(x, wr, eta, xs, amp0, dt, beta, gr, out, r_next, m, logp):
    """One step from ``x`` given ``wr = W r(x)``: ``out = x + dt(-x + beta wr) + a eta`` and
    ``r_next = r(out)``; with ``amp0 = sqrt(dt) sigma > 0`` the damped amplitude ``a = amp0 tanh P(x)``
    of each row, whose ``m`` and ``logp`` (:func:`_damping_kernel`) are kept for the adjoint."""
    b, n = x.shape
    noisy = amp0 != 0.0
    if noisy:
        _damping_kernel(x, xs, m, logp)
    for i in range(b):
        a = amp0 * np.tanh(np.exp(logp[i])) if noisy else 0.0
        for j in range(n):
            v = x[i, j] + dt * (-x[i, j] + beta * wr[i, j])
            if noisy:
                v += a * eta[i, j]
            out[i, j] = v
            vv = out[i, j] * out[i, j]
            r_next[i, j] = vv / (gr + vv)


@njit(cache=True, fastmath=SAFE_FASTMATH)
def _adjoint_step(x, p, pw, eta, logp, m, xs, amp0, dt, beta, gr, out):
    """Adjoint of one step: ``out = p + dt(-p + beta r'(x) pw)`` (``pw = p W``) plus, with the damped noise
    (``amp0 > 0``), the path through its amplitude, ``amp0 (1 - tanh^2 P) (eta . p) dP/dx`` with
    ``dP/dx = P (1/K) sum_k 2 (x - x*k) / (N (m_k + eps))``."""
    b, n = x.shape
    kk = xs.shape[0]
    noisy = amp0 != 0.0
    g = np.zeros(n)
    for i in range(b):
        coef = 0.0
        if noisy:
            P = np.exp(logp[i])
            th = np.tanh(P)
            ep = 0.0
            for j in range(n):
                ep += np.float64(eta[i, j]) * p[i, j]
            coef = amp0 * (1.0 - th * th) * ep * (2.0 / n)
            # g = x wsum - sum_k w_k x*k, w_k = P / (K (m_k + eps))
            wsum = 0.0
            for j in range(n):
                g[j] = 0.0
            for k in range(kk):
                wk = P / (m[i, k] + 1e-300) / kk
                wsum += wk
                for j in range(n):
                    g[j] -= wk * xs[k, j]
            for j in range(n):
                g[j] += np.float64(x[i, j]) * wsum
        for j in range(n):
            v = x[i, j]
            den = gr + v * v
            dr = 2.0 * v * gr / (den * den)
            val = p[i, j] + dt * (-p[i, j] + beta * dr * pw[i, j])
            if noisy:
                val += coef * g[j]
            out[i, j] = val


class CVFR(FewFeatureDefaults, PlantedModel):
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
        r"""Euler–Maruyama; the noise of step t is the t-th draw of ``default_rng(noise)`` (kept for the adjoint).

        Each step is one product :math:`r(x_n) W^\top` and one fused kernel (the step, the rates of the next
        state and, with the damped noise, its amplitude). With ``keep`` the states, their rates and the noise
        terms are kept (views of (T+1, B, N) arrays, in the buffers of ``work`` when given) for
        :meth:`backward`."""
        d = self.dtype
        Wt = np.ascontiguousarray(np.asarray(A, dtype=d).T)
        s0 = np.ascontiguousarray(s0, dtype=d)
        B, n = s0.shape
        K = self.n_classes
        work = Workspace() if work is None else work
        rng = self.noise_rng(noise)
        damped = rng is not None and self.noise.kind == "damped"
        amp0 = float(np.sqrt(dt) * float(self.sigma)) if damped else 0.0
        xs = self.patterns
        if keep:
            S = work.get("S", (steps + 1, B, n), d)
            R = work.get("R", (steps + 1, B, n), d)
            E = work.get("eta", (steps, B, n), d) if damped else None
            M = work.get("m", (steps, B, K), np.float64)
            L = work.get("logp", (steps, B), np.float64)
        else:
            S = np.empty((2, B, n), dtype=d)
            R = np.empty((2, B, n), dtype=d)
            E = np.empty((1, B, n), dtype=d) if damped else None
            M, L = np.empty((1, B, K)), np.empty((1, B))
        S[0] = s0
        _rates(S[0], d(self.gamma_r), R[0])
        wr = np.empty((B, n), dtype=d)
        eta = np.zeros((1, 1), dtype=d)
        for t in range(steps):
            cur, nxt = (t, t + 1) if keep else (t % 2, (t + 1) % 2)
            aux = t if keep else 0
            np.matmul(R[cur], Wt, out=wr)
            if damped:
                eta = E[aux]
                if d is np.float64:
                    rng.standard_normal(out=eta)
                else:                                      # the float64 draws, as in float64
                    eta[...] = rng.standard_normal((B, n))
            _forward_step(S[cur], wr, eta, xs, amp0, d(dt), d(self.beta), d(self.gamma_r), S[nxt], R[nxt],
                          M[aux], L[aux])
            if rng is not None and not damped:   # additive or state-dependent noise, frozen in the adjoint
                S[nxt] += self.noise_increment(S[cur], rng, dt)
                _rates(S[nxt], d(self.gamma_r), R[nxt])
        if not keep:
            return Trajectory([S[steps % 2]])
        aux = {"rates": R, "eta": E, "m": M, "logp": L, "amp0": amp0}
        return Trajectory(list(S), aux=aux, array=S)

    def backward(self, A, gamma, traj, p_T, dt, noise=None, work=None):
        r"""Discrete adjoint of :meth:`forward` (``keep=True``); :math:`G = \Delta t\,\beta\sum_t p_{t+1}^\top
        r(x_t)` is accumulated as one product per block of steps (about 2048 rows)."""
        d, n = self.dtype, self.n_nodes
        A = np.ascontiguousarray(A, dtype=d)
        S, aux = traj.array, traj.aux
        R, E, M, L, amp0 = aux["rates"], aux["eta"], aux["m"], aux["logp"], aux["amp0"]
        steps, B = S.shape[0] - 1, S.shape[1]
        work = Workspace() if work is None else work
        G = np.zeros((n, n), dtype=d)
        block = max(1, min(steps, -(-2048 // B)))
        Q = work.get("Q", (block, B, n), d)
        pw = work.get("pw", (B, n), d)
        pn = work.get("pn", (B, n), d)
        p = np.array(p_T, dtype=d, order="C")
        eta = np.zeros((1, 1), dtype=d)
        xs = self.patterns
        for hi in range(steps, 0, -block):
            lo = max(0, hi - block)
            for t in range(hi - 1, lo - 1, -1):
                Q[t - lo] = p                                # adjoint of x_{t+1}
                np.matmul(p, A, out=pw)
                if E is not None:
                    eta = E[t]
                _adjoint_step(S[t], p, pw, eta, L[t], M[t], xs, amp0, d(dt), d(self.beta), d(self.gamma_r), pn)
                p, pn = pn, p
            G += Q[: hi - lo].reshape(-1, n).T @ R[lo:hi].reshape(-1, n)
        G *= d(dt * self.beta)
        return G, 0.0, p.copy()

    def drift(self, s, A, gamma):
        return -s + self.beta * (A @ self.rates(s))

    def jacobian(self, s, A, gamma):
        den = self.gamma_r + s * s
        dr = 2.0 * self.gamma_r * s / (den * den)
        return -np.eye(self.n_nodes) + self.beta * A * dr[None, :]
