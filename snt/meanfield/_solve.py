r"""Stationary solutions of the mean-field equations and the mean-field Lyapunov exponent (E7--E11).

* :func:`solve_gamma0` -- γ = 0: the one-time recursions for (m, v) marched to convergence; every lag
  τ >= 1 then has the same covariance q, the stable fixed point of
  :math:`q = \sum_b \alpha_b J_{ab}^2 C_b(v, q) + \sigma_\theta^2` marched from q = 0.
* :func:`solve_banded` -- γ > 0: (E9) marched with a band W until it settles near the attractor, then
  Anderson-accelerated iteration of the same step under time-translation invariance.
* :func:`lyapunov` -- (E11): the top eigenvalue of the (block) tridiagonal kernel equals
  :math:`e^{2\lambda}`, solved by a 1-D root find in :math:`x = e^{\lambda}`.
"""

import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.sparse
import scipy.sparse.linalg

from ._gauss import moments, pair_row
from ._march import advance, march, row_kernel


def anderson(G, x, tol, max_iter, memory=6):
    """Type-II Anderson acceleration of x = G(x). Returns (x, residual, iterations)."""
    X, F = [], []
    res = np.inf
    for it in range(1, max_iter + 1):
        gx = G(x)
        f = gx - x
        res = float(np.max(np.abs(f)))
        if not np.isfinite(res):
            return x, np.inf, it
        if res < tol:
            return gx, res, it
        X.append(gx)
        F.append(f)
        if len(F) > memory + 1:
            X.pop(0)
            F.pop(0)
        if len(F) == 1:
            x = gx
            continue
        dF = np.array([F[i + 1] - F[i] for i in range(len(F) - 1)]).T
        dX = np.array([X[i + 1] - X[i] for i in range(len(X) - 1)]).T
        coef, *_ = np.linalg.lstsq(dF, f, rcond=None)
        x = gx - dX @ coef
    return x, res, max_iter


def one_time_map(model, z, w):
    """(m, v) -> (m', v') for γ = 0 (SCIENCE.md §4): m' = Σ ᾱJ̄ <f> − θ̄, v' = Σ αJ² <f²> + σ_θ² + σ²."""
    P = model.P

    def G(x):
        mom = moments(np.ascontiguousarray(x[:P]), np.ascontiguousarray(np.maximum(x[P:], 0.0)), model.g,
                      model.code, z, w)
        return np.concatenate([model.mean @ mom[0] - model.theta,
                               model.var @ mom[1] + model.theta_var + model.sigma2])
    return G


def solve_gamma0(model, lags, z, w, tol, max_steps, m0, v0):
    """Stationary state for γ = 0. Returns a dict (m, v, Delta (P, lags+1), Q (P, lags+1), ...)."""
    P = model.P
    G = one_time_map(model, z, w)
    x = np.concatenate([np.full(P, m0, dtype=float), np.full(P, v0, dtype=float)])
    marched, change = 0, np.inf
    for marched in range(1, max_steps + 1):
        nx = G(x)
        change = float(np.max(np.abs(nx - x)))
        x = nx
        if change < max(tol, 1e-4):
            break
    iters = 0
    if change >= tol:
        x, change, iters = anderson(G, x, tol, max_steps)
    m, v = x[:P], x[P:]
    # Stationary (E9) at γ = 0: Δ(t+1, s+1) = K(t, s) links a lag to the same lag one step earlier, so every
    # lag τ >= 1 converges to the same q, the fixed point of q -> Σ_b αJ² C_b(v, q) + σ_θ² reached from
    # Δ(τ, 0) = 0 (the march's initial condition).
    q = np.zeros(P)
    for _ in range(max_steps):
        C = np.array([pair_row(m[b], v[b], m[b:b + 1], v[b:b + 1], q[b:b + 1], model.g, model.code, z, w,
                               False)[0, 0] for b in range(P)])
        nq = model.var @ C + model.theta_var
        done = np.max(np.abs(nq - q)) < tol * 1e-2
        q = nq
        if done:
            break
    Delta = np.empty((P, lags + 1))
    Delta[:, 0] = v
    Delta[:, 1:] = q[:, None]
    return {"m": m, "v": v, "Delta": Delta, "change": change, "steps": marched + iters,
            "converged": bool(change < tol), "method": "one-time recursion (gamma = 0), Anderson-accelerated"}


def slope_correlation(model, m, Delta, z, w):
    """Q_b(τ) = E f'(u(t)) f'(u(t-τ)) in the stationary state, τ = 0..L (P, L+1), and C_b(τ)."""
    P, L1 = Delta.shape
    Q = np.empty((P, L1))
    C = np.empty((P, L1))
    for b in range(P):
        v = Delta[b, 0]
        res = pair_row(m[b], v, np.full(L1, m[b]), np.full(L1, v), np.ascontiguousarray(Delta[b]), model.g,
                       model.code, z, w, True)
        C[b], Q[b] = res
    mom = moments(np.ascontiguousarray(m), np.ascontiguousarray(Delta[:, 0]), model.g, model.code, z, w)
    Q[:, 0] = mom[3]
    C[:, 0] = mom[1]
    return Q, C


def _stationary_step(model, W, z, w):
    P = model.P

    def G(x):
        m = x[:P]
        D = x[P:].reshape(P, W + 1)
        hist_m = np.tile(m, (W + 1, 1))
        hist_v = np.tile(np.maximum(D[:, 0], 0.0), (W + 1, 1))
        K, mom, _, _ = row_kernel(model, W, hist_m, hist_v, D, W, z, w)
        new, _ = advance(model, np.inf, D, K, W, W)
        m_new = model.gamma * m + model.mean @ mom[0] - model.theta
        return np.concatenate([m_new, new.ravel()])
    return G


def solve_banded(model, W, z, w, tol, max_steps, m0, v0, switch=1e-3):
    """Stationary state for γ > 0: march with band W, then accelerate (see module docstring)."""
    P = model.P
    out = march(model, max_steps, m0, v0, W, z, w, tol=switch, min_steps=W + 1)
    marched = out["steps"]
    x = np.concatenate([out["m"][-1], out["band"].ravel()])
    G = _stationary_step(model, W, z, w)
    x, change, iters = anderson(G, x, tol, max(max_steps - marched, 1))
    if not np.isfinite(change) or change >= tol:
        # fall back on the plain (time-translation invariant) march
        x = np.concatenate([out["m"][-1], out["band"].ravel()])
        for iters in range(1, max(max_steps - marched, 1) + 1):
            nx = G(x)
            change = float(np.max(np.abs(nx - x)))
            x = nx
            if change < tol:
                break
    m = x[:P]
    D = x[P:].reshape(P, W + 1)
    return {"m": m, "v": D[:, 0].copy(), "Delta": D, "change": change, "steps": marched + iters,
            "converged": bool(change < tol),
            "method": f"two-time march with band W={W} ({marched} steps), then Anderson-accelerated "
                      f"stationary iteration ({iters} iterations)"}


def refine_banded(model, W, z, w, tol, max_steps, m, D0, previous):
    """Continue a stationary solution on a wider band W (D0 padded to W+1 lags) with Anderson iteration."""
    G = _stationary_step(model, W, z, w)
    x, change, iters = anderson(G, np.concatenate([m, D0.ravel()]), tol, max_steps)
    P = model.P
    D = x[P:].reshape(P, W + 1)
    return {"m": x[:P], "v": D[:, 0].copy(), "Delta": D, "change": change,
            "steps": previous["steps"] + iters, "converged": bool(change < tol),
            "method": previous["method"] + f"; continued on band W={W} to the tolerance ({iters} iterations)"}


def _top_eigenvalue(model, Q, x):
    """Top eigenvalue of A(x) = γx(shift+ + shift-) − γ² + diag_τ(M(τ)), M_ab(τ) = α_b J_ab² Q_b(τ),
    on τ in [-L, L], with its eigenvector's weight at the two ends."""
    gam = model.gamma
    P, L1 = Q.shape
    L = L1 - 1
    Qs = np.concatenate([Q[:, :0:-1], Q], axis=1)          # τ = -L..L
    if P == 1:
        d = model.var[0, 0] * Qs[0] - gam * gam
        e = np.full(2 * L, gam * x)
        vals, vecs = scipy.linalg.eigh_tridiagonal(d, e, select="i", select_range=(2 * L, 2 * L))
        vec = vecs[:, 0]
        return float(vals[0]), float(max(abs(vec[0]), abs(vec[-1])))
    n = 2 * L + 1
    blocks = [model.var * Qs[None, :, k] - gam * gam * np.eye(P) for k in range(n)]
    A = scipy.sparse.block_diag(blocks, format="csr")
    off = scipy.sparse.kron(scipy.sparse.diags([np.ones(n - 1), np.ones(n - 1)], [-1, 1]),
                            scipy.sparse.identity(P)) * (gam * x)
    A = (A + off).tocsr()
    val, vec = scipy.sparse.linalg.eigs(A, k=1, which="LR", tol=1e-13)
    vec = np.abs(vec[:, 0])
    vec = vec / np.linalg.norm(vec)
    return float(val[0].real), float(max(vec[:P].max(), vec[-P:].max()))


def lyapunov(model, Q, static):
    """Mean-field maximal Lyapunov exponent (E11). Returns (λ, info dict).

    ``static``: the stationary solution is a fixed point (Δ(τ) = v), then e^λ = γ + √ρ(M(0)) exactly.
    """
    gam = model.gamma
    M0 = model.var * Q[None, :, 0]
    rho0 = float(np.max(np.abs(np.linalg.eigvals(M0))))
    if gam == 0.0:
        return 0.5 * np.log(rho0) if rho0 > 0 else -np.inf, {"lambda_method": "E11, gamma = 0: 1/2 ln rho(M(0))"}
    if static:
        return float(np.log(gam + np.sqrt(rho0))), {"lambda_method": "E11, fixed-point solution: "
                                                    "ln(gamma + sqrt(rho(M(0))))"}
    def phi(x):
        return _top_eigenvalue(model, Q, x)[0] - x * x

    x_hi = gam + np.sqrt(rho0)
    x_lo = x_hi
    for _ in range(200):
        x_lo *= 0.8
        if phi(x_lo) > 0:
            break
    else:
        return -np.inf, {"lambda_method": "E11 eigenproblem: no root above exp(-45)"}
    x = scipy.optimize.brentq(phi, x_lo, x_hi, xtol=1e-15, rtol=1e-15, maxiter=200)
    _, edge = _top_eigenvalue(model, Q, x)
    return float(np.log(x)), {"lambda_method": f"E11 eigenproblem on lags [-{Q.shape[1] - 1}, "
                                               f"{Q.shape[1] - 1}] + brentq in exp(lambda)",
                              "eigenvector_edge_weight": edge}
