r"""Wilson–Cowan metapopulation classifier: an excitatory and an inhibitory population per node.

.. math::

    s_E &= w_{EE}x - w_{EI}y + h_E + \Gamma A x, \qquad s_I = w_{IE}x - w_{II}y + h_I, \qquad \Gamma = 1/\sqrt N,\\
    \dot x &= -\alpha_E x + (1-x)\,f_E(s_E), \qquad
    \dot y = \tfrac{1}{\gamma}\bigl[-\alpha_I y + (1-y)\,f_I(s_I)\bigr],\\
    f_E(s) &= 0.25\tanh(3.7 s) + 0.65, \qquad f_I(s) = 0.5\tanh(s) + 0.5,

with :math:`w_{EE}=7.2, w_{EI}=2, w_{IE}=0, w_{II}=1, \alpha_E=1.5, \alpha_I=0.4, h_E=-1.2, h_I=0.1`,
integrated with explicit Euler (both updates use the old :math:`x, y`). The item is the initial
condition of both populations, :math:`x(0)=y(0)=` pixels; :math:`\gamma` (initially 0.25) is trained.

Planted patterns. Since :math:`w_{IE}=0` the inhibitory equation decouples; its zero is
:math:`y^* \approx 0.45256`. With :math:`A x = 0` an excitatory node has two stable zeros
:math:`x_\mathrm{low} \approx 0.21359` and :math:`x_\mathrm{high} \approx 0.37327` (both computed here by
root finding). Pattern :math:`\xi^k` is :math:`x_\mathrm{low}` on block :math:`k` (:math:`\lfloor N/(K+2)\rfloor`
nodes) and :math:`x_\mathrm{high}` elsewhere; :math:`A\xi^k = 0` (eigenvalue 0 on the planted span), so
:math:`(\xi^k, y^*\mathbf 1)` is an exact fixed point for any trained parameters. The Jacobian is block
upper-triangular (:math:`w_{IE}=0`), :math:`J_{xx} = \mathrm{diag}(a_i) + \mathrm{diag}(g_i)\,\Gamma A`, and
stability is checked numerically; :math:`\lambda_{tr} \le 200` as in the original (a box bound here).

Readout: :math:`d_k = \lVert\xi^k - x(T)\rVert^2/(\lVert\xi^k\rVert\,\lVert x(T)\rVert)`, class
:math:`\arg\min_k d_k`, probabilities :math:`p_k \propto 1/d_k`.

References
----------
.. [1] R. Marino, L. Buffoni, L. Chicchi, F. Di Patti, D. Febbe, L. Giambagli, D. Fanelli, "Learning in
       Wilson-Cowan model for metapopulation", Neural Computation 37(4), 701 (2025), arXiv:2406.16453.
"""

from __future__ import annotations

import numpy as np
import scipy.optimize
from numba import njit

from .._jit import SAFE_FASTMATH
from ._fastmath import tanh
from .base import FewFeatureDefaults, block_patterns
from .fused import FusedModel

__all__ = ["WilsonCowan", "WC_CONSTANTS"]

#: constants of the original code (w_EE, w_EI, w_IE, w_II, alpha_E, alpha_I, h_E, h_I, gate amplitudes,
#: offsets and slopes)
WC_CONSTANTS = dict(w_ee=7.2, w_ei=2.0, w_ie=0.0, w_ii=1.0, alpha_e=1.5, alpha_i=0.4, h_e=-1.2, h_i=0.1,
                    amp_e=0.25, off_e=0.65, slope_e=3.7, amp_i=0.5, off_i=0.5, slope_i=1.0)


def _fe(s, c=WC_CONSTANTS):
    return c["amp_e"] * np.tanh(c["slope_e"] * s) + c["off_e"]


def _fi(s, c=WC_CONSTANTS):
    return c["amp_i"] * np.tanh(c["slope_i"] * s) + c["off_i"]


def _dfe(s, c=WC_CONSTANTS):
    return c["amp_e"] * c["slope_e"] * (1.0 - np.tanh(c["slope_e"] * s) ** 2)


def _dfi(s, c=WC_CONSTANTS):
    return c["amp_i"] * c["slope_i"] * (1.0 - np.tanh(c["slope_i"] * s) ** 2)


def local_fixed_points():
    """Zeros of the uncoupled node: ``(x_low, x_unstable, x_high, y_star)`` by bracketing root finding."""
    c = WC_CONSTANTS
    # w_IE = 0: y does not depend on x
    y_star = scipy.optimize.brentq(lambda y: -c["alpha_i"] * y + (1 - y) * _fi(-c["w_ii"] * y + c["h_i"]),
                                   0.0, 1.0, xtol=1e-15, rtol=1e-15)

    def fx(x):
        return -c["alpha_e"] * x + (1 - x) * _fe(c["w_ee"] * x - c["w_ei"] * y_star + c["h_e"])

    grid = np.linspace(0.0, 1.0, 2001)
    v = fx(grid)
    roots = [scipy.optimize.brentq(fx, grid[i], grid[i + 1], xtol=1e-15, rtol=1e-15)
             for i in np.flatnonzero(np.sign(v[:-1]) * np.sign(v[1:]) < 0)]
    if len(roots) != 3:  # pragma: no cover - constants are fixed
        raise RuntimeError(f"expected three excitatory zeros, found {roots}")
    return roots[0], roots[1], roots[2], y_star


@njit(cache=True, fastmath=SAFE_FASTMATH, error_model="numpy")
def _step(s, u, dt, dtg, gam_coup, k, out, te, ti):
    """One Euler step of the batch ``s = [x | y]`` (B, 2N) with ``u = x A^T``; also stores
    ``te = tanh(slope_e s_E)`` and ``ti = tanh(slope_i s_I)`` for the adjoint.

    k = (w_ee, w_ei, w_ie, w_ii, alpha_e, alpha_i, h_e, h_i, amp_e, off_e, slope_e, amp_i, off_i, slope_i)."""
    b, n = u.shape
    for i in range(b):
        sr, ur, orow, ter, tir = s[i], u[i], out[i], te[i], ti[i]
        for j in range(n):
            xv = sr[j]
            yv = sr[n + j]
            se = k[0] * xv - k[1] * yv + k[6] + gam_coup * ur[j]
            si = k[2] * xv - k[3] * yv + k[7]
            tE = tanh(k[10] * se)
            tI = tanh(k[13] * si)
            ter[j] = tE
            tir[j] = tI
            orow[j] = xv + dt * (-k[4] * xv + (1.0 - xv) * (k[8] * tE + k[9]))
            orow[n + j] = yv + dtg * (-k[5] * yv + (1.0 - yv) * (k[11] * tI + k[12]))


@njit(cache=True, fastmath=SAFE_FASTMATH, error_model="numpy")
def _adjoint(s, te, ti, p, r, dt, dtg, gam_coup, k, q1, pn):
    """Adjoint of one step.

    ``p = [p_x | p_y]`` is the local part of the adjoint of the next state and ``r`` its coupling part
    (the full ``p_x`` is ``p[:, :N] + r``). Writes ``q1 = Gamma * dL/ds_E`` and the local part of the new
    adjoint ``pn = [b_x | b_y]`` (the coupling part is ``q1 A``); returns
    ``sum p_y * (-alpha_i y + (1 - y) f_I)``, from which dL/dgamma follows."""
    b, n = te.shape
    acc = 0.0
    for i in range(b):
        sr, ter, tir, pr, rr, qr, pnr = s[i], te[i], ti[i], p[i], r[i], q1[i], pn[i]
        for j in range(n):
            xv = sr[j]
            yv = sr[n + j]
            px = pr[j] + rr[j]
            py = pr[n + j]
            tE = ter[j]
            tI = tir[j]
            fe = k[8] * tE + k[9]
            fi = k[11] * tI + k[12]
            a1 = px * dt * (1.0 - xv) * (k[8] * k[10] * (1.0 - tE * tE))
            a2 = py * dtg * (1.0 - yv) * (k[11] * k[13] * (1.0 - tI * tI))
            qr[j] = gam_coup * a1
            pnr[j] = px * (1.0 - dt * k[4] - dt * fe) + k[0] * a1 + k[2] * a2
            pnr[n + j] = py * (1.0 - dtg * (k[5] + fi)) - k[1] * a1 - k[3] * a2
            acc += py * (-k[5] * yv + (1.0 - yv) * fi)
    return acc


class WilsonCowan(FewFeatureDefaults, FusedModel):
    """Wilson–Cowan metapopulation classifier (see the module docstring for the equations).

    The state of a batch is stored as one (B, 2N) array ``[x | y]``.

    Parameters
    ----------
    n_nodes, n_classes : int
    dtype : {numpy.float64, numpy.float32}
    """

    name = "wilson-cowan"
    #: tanh(slope_e s_E) and tanh(slope_i s_I) of every step, kept for the adjoint
    aux_names = ("te", "ti")
    gamma_init = 0.25
    gamma_bounds = (0.05, 5.0)
    default_dt = 0.1
    default_steps = 25
    orth_gain = 1.15
    orth_factor = 0.01
    n_state_blocks = 2
    #: x and y are fractions of active populations. A negative initial fraction (training items with input
    #: noise, unclipped) sent the adjoint of a digits fit to 1e5 times its median size in one mini-batch,
    #: after which Adam's second moment froze the eigenvalues for the rest of the training (accuracy 0.79).
    state_range = (0.0, 1.0)

    def __init__(self, n_nodes, n_classes, dtype=np.float64):
        self.x_low, self.x_mid, self.x_high, self.y_star = local_fixed_points()
        super().__init__(n_nodes, n_classes, dtype)
        self.gam_coup = 1.0 / np.sqrt(self.n_nodes)
        self._k = np.array([WC_CONSTANTS[n] for n in ("w_ee", "w_ei", "w_ie", "w_ii", "alpha_e", "alpha_i",
                                                        "h_e", "h_i", "amp_e", "off_e", "slope_e", "amp_i",
                                                        "off_i", "slope_i")])

    def _patterns(self):
        block = self.n_nodes // (self.n_classes + 2)
        if block < 1:
            raise ValueError(f"n_nodes={self.n_nodes} too small for n_classes={self.n_classes}")
        return block_patterns(self.n_nodes, self.n_classes, block, self.x_low, self.x_high)

    def y_rate_max(self):
        r"""Largest relaxation rate of the inhibitory equation over :math:`y \in [0, 1]`, times γ:
        :math:`\max_y\,[\alpha_I + f_I(s_I) + (1-y) f_I'(s_I) w_{II}]` with :math:`s_I = h_I - w_{II} y`
        (:math:`w_{IE} = 0`); 1.445, at :math:`y = 0`."""
        c = WC_CONSTANTS
        y = np.linspace(0.0, 1.0, 10001)
        s = c["h_i"] - c["w_ii"] * y
        return float(np.max(c["alpha_i"] + _fi(s) + (1.0 - y) * _dfi(s) * c["w_ii"]))

    def gamma_box(self, dt=None):
        r"""γ box for Euler steps ``dt``: :math:`\gamma \ge \Delta t\,r_\max` (:meth:`y_rate_max`).

        The Euler update of y multiplies a deviation by :math:`1 - (\Delta t/\gamma) r`; below this bound it
        overshoots (oscillates) for y near 0, and for :math:`\gamma < \Delta t\,r_\max/2` it diverges
        (the pixels, hence y(0), are mostly 0). The original code leaves γ unconstrained; with Adam at
        lr 0.1 it is moved by ~0.1 per step and reaches that regime within a few steps.
        """
        dt = self.default_dt if dt is None else float(dt)
        lo, hi = self.gamma_bounds
        return (max(lo, dt * self.y_rate_max()), hi)

    def lam_bounds(self):
        return (-1e6, 200.0)

    def lam_init(self, rng, m):
        return rng.normal(-28.0, 1.0, m)

    def initial_state(self, X):
        X = np.asarray(X, dtype=self.dtype)
        return np.ascontiguousarray(np.concatenate([X, X], axis=1))

    def output(self, s):
        return s[:, : self.n_nodes]

    def output_adjoint(self, s, p_out):
        return np.concatenate([p_out, np.zeros_like(p_out)], axis=1)

    def attractor_states(self, gamma):
        y = np.full((self.n_classes, self.n_nodes), self.y_star)
        return np.concatenate([self.patterns, y], axis=1)

    # ------------------------------------------------------------------ the kernels of the template
    def step_constants(self, gamma, dt):
        d = self.dtype
        return (d(dt), d(dt / gamma), d(self.gam_coup), self._k.astype(d))

    def step(self, s, u, out, aux, consts, noise=None):
        dt, dtg, gc, k = consts
        _step(s, u, dt, dtg, gc, k, out, aux[0], aux[1])
        if noise is not None:      # Euler–Maruyama: noise on x and y
            out += noise

    def adjoint_step(self, s, s_next, aux, p, r, q, pn, consts):
        dt, dtg, gc, k = consts
        return _adjoint(s, aux[0], aux[1], p, r, dt, dtg, gc, k, q, pn)

    def gamma_gradient(self, gamma, dt, acc):
        return -dt / gamma**2 * acc

    def drift(self, s, A, gamma):
        c, n = WC_CONSTANTS, self.n_nodes
        x, y = s[:n], s[n:]
        se = c["w_ee"] * x - c["w_ei"] * y + c["h_e"] + self.gam_coup * (A @ x)
        si = c["w_ie"] * x - c["w_ii"] * y + c["h_i"]
        return np.concatenate([-c["alpha_e"] * x + (1 - x) * _fe(se),
                               (-c["alpha_i"] * y + (1 - y) * _fi(si)) / gamma])

    def jacobian(self, s, A, gamma):
        c, n = WC_CONSTANTS, self.n_nodes
        x, y = s[:n], s[n:]
        se = c["w_ee"] * x - c["w_ei"] * y + c["h_e"] + self.gam_coup * (A @ x)
        si = c["w_ie"] * x - c["w_ii"] * y + c["h_i"]
        ge, gi = (1 - x) * _dfe(se), (1 - y) * _dfi(si)
        J = np.zeros((2 * n, 2 * n))
        J[:n, :n] = np.diag(-c["alpha_e"] - _fe(se) + ge * c["w_ee"]) + ge[:, None] * self.gam_coup * A
        J[:n, n:] = np.diag(-ge * c["w_ei"])
        J[n:, :n] = np.diag(gi * c["w_ie"] / gamma)
        J[n:, n:] = np.diag((-c["alpha_i"] - _fi(si) - gi * c["w_ii"]) / gamma)
        return J

    def distances(self, out):
        t = self.targets()
        d2 = super().distances(out)
        norm = np.sqrt((out * out).sum(1))[:, None] * np.sqrt((t * t).sum(1))[None, :]
        return d2 / np.maximum(norm, 1e-300)
