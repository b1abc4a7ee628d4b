"""Plain-numpy references for the tangent kernels: one trial, one step at a time, obvious loops."""

import numpy as np

from .reference import f, fprime, step  # noqa: F401 - the map and transfer functions of E1


def jacobian(net, u):
    """DF(u) = gamma I + J diag(f'(u)) (SCIENCE.md E2), built entry by entry."""
    N = net.N
    d = fprime(u, net.g, net.transfer)
    out = np.empty((N, N))
    for i in range(N):
        for j in range(N):
            out[i, j] = net.J[i, j] * d[j] + (net.gamma if i == j else 0.0)
    return out


def benettin(net, u0, noise, transient, tangent_transient, measured, v0):
    """Maximal exponent: state alone for ``transient`` steps, tangent alignment, then the measured mean of
    ln ||DF v|| with renormalisation every step. Returns (lambda, per-step logs, final state)."""
    u = np.array(u0, dtype=float)
    t = 0
    for _ in range(transient):
        u = step(net, u, None if noise is None else noise[t])
        t += 1
    v = np.array(v0, dtype=float)
    logs = []
    for s in range(tangent_transient + measured):
        w = jacobian(net, u) @ v
        u = step(net, u, None if noise is None else noise[t])
        t += 1
        n = np.linalg.norm(w)
        v = w / n
        if s >= tangent_transient:
            logs.append(np.log(n))
    logs = np.array(logs)
    return logs.mean(), logs, u


def qr_spectrum(net, u0, transient, tangent_transient, measured, Q0, qr_every):
    """QR exponents (in QR column order, not sorted) with the product of Jacobians re-orthonormalised
    every ``qr_every`` steps and at the end of both windows; also the mean of ln|det DF(u(t))| over the
    measured window of the same trajectory."""
    u = np.array(u0, dtype=float)
    for _ in range(transient):
        u = step(net, u)
    Q = np.array(Q0, dtype=float)
    sums = np.zeros(Q.shape[1])
    logdet = 0.0
    for phase, n in (("align", tangent_transient), ("measure", measured)):
        for s in range(n):
            D = jacobian(net, u)
            if phase == "measure":
                logdet += np.linalg.slogdet(D)[1]
            Q = D @ Q
            u = step(net, u)
            if (s + 1) % qr_every == 0 or s == n - 1:
                Q, R = np.linalg.qr(Q)
                if phase == "measure":
                    sums += np.log(np.abs(np.diag(R)))
    return sums / measured, logdet / measured, u
