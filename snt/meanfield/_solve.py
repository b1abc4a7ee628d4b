r"""Stationary solutions of the mean-field equations and the mean-field Lyapunov exponent (E7--E11).

* :func:`solve_gamma0` -- γ = 0: the one-time recursions for (m, v) marched to convergence; every lag
  τ >= 1 then has the same covariance q, the stable fixed point of
  :math:`q = \sum_b \alpha_b J_{ab}^2 C_b(v, q) + \sigma_\theta^2` marched from q = 0.
* :func:`solve_banded` -- γ > 0: (E9) marched with a band W until it settles near the attractor, then
  Anderson-accelerated iteration of the same step under time-translation invariance.
* :func:`lyapunov` -- (E11): the top eigenvalue of the (block) tridiagonal kernel equals
  :math:`e^{2\lambda}`, solved by a 1-D root find in :math:`x = e^{\lambda}`.
"""

import math

import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.sparse
import scipy.sparse.linalg

from ._gauss import moments, pair_row
from ._march import advance


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
        # least squares by the (small) normal equations: LAPACK's gelsd on a tall (n, memory) matrix was
        # the bottleneck under BLAS thread contention
        A = dF.T @ dF
        A[np.diag_indices_from(A)] += 1e-13 * np.trace(A) + 1e-300
        coef = np.linalg.solve(A, dF.T @ f)
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


#: Anderson memory of the banded stationary iteration (slow modes near the edge need a long memory).
ANDERSON_MEMORY = 25

#: Chebyshev nodes of the long-lag interpolation of C(c) (see :func:`lag_C`).
CHEB_NODES = 16
#: the nodes x_k = cos(pi (k + 1/2) / n) on [-1, 1] and the matrix that maps values at them to the Chebyshev
#: coefficients of the interpolant, c_j = (2 - [j = 0]) / n sum_k f(x_k) T_j(x_k) (discrete orthogonality)
_CHEB_X = np.cos(np.pi * (np.arange(CHEB_NODES) + 0.5) / CHEB_NODES)
_CHEB_COEF = (2.0 / CHEB_NODES) * np.cos(np.outer(np.arange(CHEB_NODES), np.pi * (np.arange(CHEB_NODES) + 0.5)
                                                  / CHEB_NODES))
_CHEB_COEF[0] *= 0.5


def _chebyshev_interpolate(values, t):
    """The degree n-1 interpolant through ``values`` at the nodes :data:`_CHEB_X`, at points t in [-1, 1]."""
    coef = _CHEB_COEF @ values
    T = np.cos(np.outer(np.arccos(np.clip(t, -1.0, 1.0)), np.arange(CHEB_NODES)))
    return T @ coef


def lag_C(model, mt, vt, ms, vs, c, z, w):
    r"""C(c_k) = E f(u_t) f(u_s) for a row of covariances c_k at fixed (m_t, v_t), (m_s, v_s).

    C is analytic in c on and beyond the Cauchy--Schwarz range :math:`|c| \le \ell = \sqrt{v_t v_s}`.
    The covariances are grouped by their distance :math:`d = \ell - |c|` to its ends into intervals of width
    <= d/4 (dyadic levels of d, each cut in four); a group with more members than nodes is interpolated from
    C at 16 Chebyshev nodes of its interval (error ~ 16^-16), the rest are 2-D integrals (:func:`pair_row`).
    A stationary step then costs O(log(1/d_min)) groups of 16 integrals instead of one per lag.
    """
    n = c.size
    lim = math.sqrt(max(vt * vs, 0.0))
    c = np.ascontiguousarray(c, dtype=np.float64)

    def direct(cc):
        return pair_row(mt, vt, np.full(cc.size, ms), np.full(cc.size, vs), np.ascontiguousarray(cc), model.g,
                        model.code, z, w, False)[0]
    if n <= CHEB_NODES or lim == 0.0:
        return direct(c)
    d = np.maximum(lim - np.abs(c), 0.0)
    with np.errstate(divide="ignore"):
        level = np.floor(-np.log2(np.maximum(d, 1e-300) / lim))
    floor_d = lim * 2.0 ** -(level + 1)
    sub = np.minimum(np.floor(4.0 * (d - floor_d) / floor_d), 3)
    key = np.where(level <= 30, (np.sign(c) + 2) * 1000 + level * 4 + sub, -1.0)
    out = np.empty(n)
    todo = np.ones(n, dtype=bool)
    x = _CHEB_X
    for kv in np.unique(key):
        idx = np.nonzero(key == kv)[0]
        if kv < 0 or idx.size <= CHEB_NODES:
            continue
        lo, hi = float(c[idx].min()), float(c[idx].max())
        if hi - lo <= 1e-15 * lim:
            out[idx] = direct(np.array([0.5 * (lo + hi)]))[0]
        else:
            nodes = 0.5 * (lo + hi) + 0.5 * (hi - lo) * x
            out[idx] = _chebyshev_interpolate(direct(nodes), (2.0 * c[idx] - (lo + hi)) / (hi - lo))
        todo[idx] = False
    if todo.any():
        out[todo] = direct(c[todo])
    return out


def _row_K(model, m_t, v_t, m_hist, v_hist, D, z, w):
    """K_a(t, t-k), k = 0..W (P, W+1), and the moments at t, in a stationary (period 1 or 2) state:
    ``m_hist[k]``, ``v_hist[k]`` (W+1, P) are m, v at t - k; lags are grouped by phase."""
    P, W1 = D.shape
    mom = moments(np.ascontiguousarray(m_t), np.ascontiguousarray(v_t), model.g, model.code, z, w)
    C = np.empty((P, W1))
    C[:, 0] = mom[1]
    period = 1 if W1 < 3 or np.array_equal(m_hist[1], m_hist[2]) and np.array_equal(v_hist[1], v_hist[2]) else 2
    for b in range(P):
        for ph in range(period):
            ks = np.arange(1 + ph, W1, period)
            if ks.size:
                C[b, ks] = lag_C(model, m_t[b], v_t[b], m_hist[ks[0], b], v_hist[ks[0], b], D[b, ks], z, w)
    K = model.var @ C + model.theta_var[:, None]
    K[:, 0] += model.sigma2
    return K, mom


def stationary_step(model, W, z, w, period=1):
    """The time-translation invariant step of (E9) with band W on ``period`` phases (1: a stationary state,
    2: a period-2 cycle of the mean): x holds (m, band) per phase; one call advances every phase once."""
    P = model.P

    def G(x):
        ms = x[:P * period].reshape(period, P)
        Ds = x[P * period:].reshape(period, P, W + 1)
        new_m, new_D = np.empty_like(ms), np.empty_like(Ds)
        k = np.arange(W + 1)
        for ph in range(period):
            m, D = ms[ph], Ds[ph]
            v = np.maximum(D[:, 0], 0.0)
            vs = np.maximum(Ds[:, :, 0], 0.0)
            hist_m = ms[(ph - k) % period]
            hist_v = vs[(ph - k) % period]
            K, mom = _row_K(model, m, v, hist_m, hist_v, D, z, w)
            new, _ = advance(model, np.inf, D, K, W, W)
            nxt = (ph + 1) % period
            new_m[nxt] = model.gamma * m + model.mean @ mom[0] - model.theta
            new_D[nxt] = new
        return np.concatenate([new_m.ravel(), new_D.ravel()])
    return G


def solve_banded(model, W, z, w, tol, max_steps, m0, v0, switch=1e-2):
    """Stationary state for γ > 0: march with band W, then accelerate (see module docstring)."""
    P = model.P
    G = stationary_step(model, W, z, w)
    # the plain iteration of the time-translation invariant step is the march at t -> infinity: it selects
    # the attracting solution (checked afterwards); Anderson then converges it
    band0 = np.zeros((P, W + 1))
    band0[:, 0] = v0
    x = np.concatenate([np.broadcast_to(np.asarray(m0, dtype=float), (P,)), band0.ravel()])
    marched, change = 0, np.inf
    for marched in range(1, max_steps + 1):
        nx = G(x)
        change = float(np.max(np.abs(nx - x)))
        x = nx
        if not np.isfinite(change):
            raise FloatingPointError(f"mean-field march became non-finite at step {marched}")
        if change < switch:
            break
    start = x.copy()
    x, change, iters = anderson(G, x, tol, max(max_steps - marched, 1), memory=ANDERSON_MEMORY)
    if not np.isfinite(change) or change >= tol:
        # fall back on the plain (time-translation invariant) march
        x = start
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
            "method": f"stationary step with band W={W} iterated ({marched} steps), then Anderson-accelerated "
                      f"({iters} iterations)"}


def refine_banded(model, W, z, w, tol, max_steps, m, D0, previous):
    """Continue a stationary solution on a wider band W (D0 padded to W+1 lags) with Anderson iteration."""
    G = stationary_step(model, W, z, w)
    x, change, iters = anderson(G, np.concatenate([m, D0.ravel()]), tol, max_steps, memory=ANDERSON_MEMORY)
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
