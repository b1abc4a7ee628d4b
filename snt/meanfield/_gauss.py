r"""Gaussian integrals of the transfer function for the mean-field equations (SCIENCE.md §4, E7--E11).

All integrals use the trapezoid rule on one uniform grid :math:`h_k = -H, -H + \delta, \dots, H`
(default :math:`\delta = 0.05`, :math:`H = 9`) with weights :math:`\delta\,\varphi(h_k)`. For analytic
integrands this rule is exponentially accurate; tanh and sech² have poles at distance
:math:`\pi/(2 g s)` from the real axis (s the standard deviation of the argument), which is why a fine
uniform grid is used rather than low-order Gauss--Hermite.

One-dimensional moments (``moments``): :math:`\langle f\rangle, \langle f^2\rangle, \langle f'\rangle,
\langle f'^2\rangle` for :math:`u \sim \mathcal N(m, v)`.

Two-dimensional moments (``pair_row``): for one time t and a whole row of times s at once,
:math:`C(t,s) = E[f(u_t) f(u_s)]` and :math:`Q(t,s) = E[f'(u_t) f'(u_s)]` with
:math:`u_t = m_t + \sqrt{v_t}\,z_1`, :math:`u_s = m_s + a z_1 + b z_2`, :math:`a = c/\sqrt{v_t}`,
:math:`b = \sqrt{v_s - c^2/v_t}`. The inner integral over :math:`z_2` is

* tanh: a 2-D trapezoid sum; :math:`\tanh(x + y) = 1 - 2/(1 + e^{2gx} e^{2gy})` turns the
  :math:`n^2` transfer evaluations into products of two precomputed exponentials (one division per node);
* logistic: the same sums, with :math:`(1 + \tanh)/2 = 1 - 1/(1 + e^{2g(x+y)})`;
* erf: exact, :math:`\int Dz\,\mathrm{erf}(k(x + bz)) = \mathrm{erf}(kx/\sqrt{1 + 2k^2b^2})` and
  :math:`\int Dz\, e^{-k^2(x+bz)^2} = e^{-k^2x^2/(1+2k^2b^2)}/\sqrt{1 + 2k^2b^2}`, so only the outer
  integral is a trapezoid sum;
* normcdf: exact as well, :math:`\int Dz\,\Phi(g(x + bz)) = \Phi(gx/\sqrt{1 + g^2b^2})` and
  :math:`\int Dz\, e^{-g^2(x+bz)^2/2} = e^{-g^2x^2/(2(1+g^2b^2))}/\sqrt{1 + g^2b^2}`.

The kernels are pure (arrays in, arrays out) and are checked against plain numpy and scipy quadrature
in ``tests/test_meanfield.py``.
"""

import math

import numpy as np
from numba import njit

from .._jit import SAFE_FASTMATH
from .._transfer_codes import ERF, LOGISTIC, NORMCDF, TANH, TRANSFER_CODES

#: Largest grid step and half-width allowed for the quadrature (SCIENCE.md §4).
MAX_STEP = 0.05
HALF_WIDTH = 9.0

_SQRT_PI_2 = math.sqrt(math.pi) / 2.0
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
#: |exponent| above which e^x is not formed (e^709 is the largest finite double).
_EXP_LIMIT = 600.0

_jit = njit(cache=True, nogil=True, fastmath=SAFE_FASTMATH)


def grid(step=MAX_STEP, half_width=HALF_WIDTH):
    """Nodes and trapezoid weights of the standard Gaussian measure Dh on [-half_width, half_width]."""
    n = int(round(half_width / step))
    z = step * np.arange(-n, n + 1, dtype=np.float64)
    w = step * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    w[0] *= 0.5
    w[-1] *= 0.5
    return z, w


def auto_step(g, v_max, code, step=MAX_STEP):
    r"""Largest grid step for which the trapezoid rule is accurate to ~1e-11 on u ~ N(m, v <= v_max).

    tanh and sech² (and the logistic function, :math:`(1 + \tanh)/2`) have poles at distance
    :math:`d = \pi/(2 g \sqrt v)` from the real h axis; the trapezoid error is ~ :math:`e^{-2\pi d/\delta}`
    times a power of :math:`2\pi d/\delta` (sech⁴ has 4th-order poles), so
    :math:`\delta \le \pi^2/(35 g\sqrt v)`. erf and normcdf are entire: ``step`` is kept.
    """
    if code not in (TANH, LOGISTIC) or g * math.sqrt(max(v_max, 0.0)) == 0.0:
        return step
    return min(step, math.pi ** 2 / (35.0 * g * math.sqrt(v_max)))


def transfer_code(name):
    """Integer code of a transfer function name."""
    return TRANSFER_CODES[name]


@_jit
def _f(x, g, code):
    if code == TANH or code == LOGISTIC:
        e = 2.0 * g * x
        c = 2.0 if code == TANH else 1.0
        if e > _EXP_LIMIT:
            return 1.0
        if e < -_EXP_LIMIT:
            return 1.0 - c
        return 1.0 - c / (math.exp(e) + 1.0)
    if code == NORMCDF:
        return 0.5 * math.erfc(-_SQRT_HALF * g * x)
    return math.erf(_SQRT_PI_2 * g * x)


@_jit
def _fp(x, g, code):
    if code == TANH or code == LOGISTIC:
        e = 2.0 * g * x
        if e > _EXP_LIMIT or e < -_EXP_LIMIT:
            return 0.0
        r = 1.0 / (math.exp(e) + 1.0)
        return (4.0 if code == TANH else 2.0) * g * r * (1.0 - r)
    if code == NORMCDF:
        y = g * x
        return g * _INV_SQRT_2PI * math.exp(-0.5 * y * y)
    y = _SQRT_PI_2 * g * x
    return g * math.exp(-y * y)


@_jit
def moments(m, v, g, code, z, w):
    """(4, P) array: <f>, <f^2>, <f'>, <f'^2> for u ~ N(m[p], v[p]) (v >= 0)."""
    P = m.shape[0]
    out = np.zeros((4, P))
    for p in range(P):
        s = math.sqrt(max(v[p], 0.0))
        a0 = 0.0
        a1 = 0.0
        a2 = 0.0
        a3 = 0.0
        for k in range(z.shape[0]):
            x = m[p] + s * z[k]
            fx = _f(x, g, code)
            dx = _fp(x, g, code)
            a0 += w[k] * fx
            a1 += w[k] * fx * fx
            a2 += w[k] * dx
            a3 += w[k] * dx * dx
        out[0, p] = a0
        out[1, p] = a1
        out[2, p] = a2
        out[3, p] = a3
    return out


@_jit
def pair_row(mt, vt, ms, vs, cs, g, code, z, w, slope):
    """C(t, s_k) = E f(u_t) f(u_s) (and Q = E f'(u_t) f'(u_s) when ``slope``) for a row of k.

    u_t ~ N(mt, vt); u_s ~ N(ms[k], vs[k]); Cov(u_t, u_s) = cs[k]. Returns (2, K): C, Q (Q = 0 if not
    ``slope``). Covariances are clipped to the Cauchy--Schwarz range.
    """
    n = z.shape[0]
    K = ms.shape[0]
    out = np.zeros((2, K))
    st = math.sqrt(max(vt, 0.0))
    ft = np.empty(n)
    dt = np.empty(n)
    for i in range(n):
        x = mt + st * z[i]
        ft[i] = _f(x, g, code)
        dt[i] = _fp(x, g, code)
    xs = np.empty(n)
    ch = np.empty(n)
    cw, jmax = _disc(z, w)
    for k in range(K):
        vsk = max(vs[k], 0.0)
        c = cs[k]
        lim = math.sqrt(max(vt, 0.0) * vsk)
        if c > lim:
            c = lim
        elif c < -lim:
            c = -lim
        a = c / st if st > 0.0 else 0.0
        b = math.sqrt(max(vsk - a * a, 0.0))
        for i in range(n):
            xs[i] = ms[k] + a * z[i]
        accC = 0.0
        accQ = 0.0
        if code == ERF:
            kk = _SQRT_PI_2 * g
            den = 1.0 + 2.0 * kk * kk * b * b
            r = 1.0 / math.sqrt(den)
            for i in range(n):
                accC += w[i] * ft[i] * math.erf(kk * xs[i] * r)
                if slope:
                    y = kk * xs[i]
                    accQ += w[i] * dt[i] * g * r * math.exp(-y * y / den)
        elif code == NORMCDF:
            den = 1.0 + g * g * b * b
            r = 1.0 / math.sqrt(den)
            for i in range(n):
                accC += w[i] * ft[i] * 0.5 * math.erfc(-_SQRT_HALF * g * xs[i] * r)
                if slope:
                    y = g * xs[i]
                    accQ += w[i] * dt[i] * g * _INV_SQRT_2PI * r * math.exp(-0.5 * y * y / den)
        elif _pairs_ok(xs, g, b * z[n - 1]):
            coef = 2.0 if code == TANH else 1.0   # f = 1 - coef r: tanh (2) or logistic (1)
            if slope:
                accC, accQ = _tanh_row_slope(xs, g, b, ft, dt, z, w, ch, coef)
            else:
                accC = _tanh_row_pairs(xs, g, b, ft, z, w, ch, cw, jmax, coef)
        else:
            for i in range(n):
                gC = 0.0
                gQ = 0.0
                for j in range(n):
                    x = xs[i] + b * z[j]
                    gC += w[j] * _f(x, g, code)
                    if slope:
                        gQ += w[j] * _fp(x, g, code)
                accC += w[i] * ft[i] * gC
                accQ += w[i] * dt[i] * gQ
        out[0, k] = accC
        out[1, k] = accQ
    return out


#: Exponents |2 g x| allowed on the fast tanh path (so that P^2 and P cosh stay finite).
_PAIR_LIMIT = 300.0


@_jit
def _disc(z, w):
    """For each outer node i: the number of inner pairs kept (nodes with z_i^2 + z_j^2 <= z_max^2; the
    mass outside that disc is below exp(-z_max^2/2)) and the inner weight they carry."""
    n = z.shape[0]
    c = n // 2
    r2 = z[n - 1] * z[n - 1] * (1.0 + 1e-12)
    jmax = np.empty(n, dtype=np.int64)
    cw = np.empty(n)
    for i in range(n):
        J = 0
        while c + J + 1 < n and z[i] * z[i] + z[c + J + 1] * z[c + J + 1] <= r2:
            J += 1
        jmax[i] = J
        s = w[c]
        for j in range(1, J + 1):
            s += 2.0 * w[c + j]
        cw[i] = s
    return cw, jmax


@_jit
def _pairs_ok(xs, g, ymax):
    """True when every exponent 2 g x_i and 2 g b z_max stays below the fast-path limit."""
    if abs(2.0 * g * ymax) >= _PAIR_LIMIT:
        return False
    for i in range(xs.shape[0]):
        if abs(2.0 * g * xs[i]) >= _PAIR_LIMIT:
            return False
    return True


@_jit
def _tanh_row_pairs(xs, g, b, ft, z, w, ch, cw, jmax, coef):
    r"""Outer sum of w_i f_t(z_i) times the inner sum of w_j f(x_i + b z_j) over the disc, f = 1 - coef r.

    With :math:`P = e^{2gx}` and :math:`c_j = 2\cosh(2gbz_j)` the two nodes :math:`\pm z_j` give
    :math:`r_+ + r_- = (2 + P c_j)/(1 + P c_j + P^2)`, :math:`r = 1/(1 + e^{2g(x \pm bz)})`, and
    :math:`\tanh = 1 - 2r` (coef = 2), :math:`(1 + \tanh)/2 = 1 - r` (coef = 1): one division per pair of nodes.
    """
    n = z.shape[0]
    c = n // 2
    for j in range(c + 1):
        ch[j] = 2.0 * math.cosh(2.0 * g * b * z[c + j])
    acc = 0.0
    for i in range(n):
        if ft[i] == 0.0:
            continue
        P = math.exp(2.0 * g * xs[i])
        P2 = P * P
        s = w[c] / (1.0 + P)
        for j in range(1, jmax[i] + 1):
            q = P * ch[j]
            s += w[c + j] * (2.0 + q) / (1.0 + q + P2)
        acc += w[i] * ft[i] * (cw[i] - coef * s)
    return acc


@_jit
def _tanh_row_slope(xs, g, b, ft, dt, z, w, E, coef):
    """Full 2-D sums of w_i w_j f_t f and w_i w_j f'_t f' with f(x + bz) = 1 - coef/(1 + P E_j) (tanh:
    coef = 2, logistic: coef = 1) and f' = 2 coef g r (1 - r)."""
    n = z.shape[0]
    for j in range(n):
        E[j] = math.exp(2.0 * g * b * z[j])
    accC = 0.0
    accQ = 0.0
    for i in range(n):
        P = math.exp(2.0 * g * xs[i])
        sC = 0.0
        sQ = 0.0
        for j in range(n):
            r = 1.0 / (1.0 + P * E[j])
            sC += w[j] * (1.0 - coef * r)
            sQ += w[j] * r * (1.0 - r)
        accC += w[i] * ft[i] * sC
        accQ += w[i] * dt[i] * 2.0 * coef * g * sQ
    return accC, accQ
