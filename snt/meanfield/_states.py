r"""Which stationary state the mean-field march selects, and what kind of state it is (SCIENCE.md §4, E10, E11).

A root of the stationary equations is reported only if it attracts the march:

* the mean mode :math:`A = \gamma I + [\alpha_b \bar J_{ab}\langle f'\rangle_b]` must have spectral radius < 1
  (E10) at the symmetric solution. With :math:`a > 1` the symmetric solution of an odd f with θ̄ = 0 is unstable towards a
  ferromagnetic fixed point (m* ≠ 0), which a march from m0 = 0 can never reach: the march is restarted
  from m* ± δ along the unstable direction. With :math:`a < -1` the mean settles on a period-2 cycle,
  solved as a 2-cycle of the (one-time, γ = 0, or banded, γ > 0) stationary map;
* the whole step (means and the band of Δ) must be contracting at the root: its leading multiplier is
  estimated by power iteration of finite differences (an accelerated root can be the unstable one).

λ_MF = max(λ_bulk, λ_mean) (E11). At a fixed point the mean (outlier) mode is coupled to the variance: a
uniform kick changes M = <f> and also v, through 2 J² <f f'> (Stein's lemma), and v feeds back through
<f''>. λ_mean is therefore the log of the leading multiplier of the linearised stationary step (at γ = 0 the
2 × 2 Jacobian of (m, v) -> (J̄<f> − θ̄, J²<f²> + σ_θ² + σ²)); the uncoupled ln|γ + J̄<f'>| is kept as
``lambda_mean_uncoupled``. Example J = 0.5, J̄ = 2, g = 1, γ = 0: bulk −2.445, uncoupled −1.360, coupled
−1.576; the outlier of DF(u*) of sampled networks is −1.499 (N = 1000) and −1.544 (N = 2000).

The kind of state is a flag (CF ``flag_values``/``flag_meanings``), never a guess: see :data:`STATES`.
"""

import numpy as np

from ._gauss import moments, pair_row

#: Kinds of mean-field state, by flag value.
STATES = ("not converged", "fixed point", "noise-driven", "chaotic", "period-2 mean", "chaotic period-2 mean",
          "marginal")


def state_flag(name):
    return STATES.index(name)


def state_attrs():
    return {"long_name": "kind of mean-field state", "units": "1", "flag_values": np.arange(len(STATES), dtype=np.int8),
            "flag_meanings": " ".join(s.replace(" ", "_").replace("-", "_") for s in STATES)}


def mean_mode(model, m, v, z, w):
    """The mean-mode matrix A = γI + [α_b J̄_ab <f'>_b] at (m, v) (P, P) (E10, E11)."""
    mom = moments(np.ascontiguousarray(m, dtype=float), np.ascontiguousarray(np.maximum(v, 0.0), dtype=float),
                  model.g, model.code, z, w)
    return model.gamma * np.eye(model.P) + model.mean * mom[2][None, :]


def leading(A):
    """Leading eigenvalue (largest modulus) and its (real part of the) eigenvector."""
    ev, vec = np.linalg.eig(A)
    i = int(np.argmax(np.abs(ev)))
    e = np.real(vec[:, i])
    return complex(ev[i]), e / (np.max(np.abs(e)) or 1.0)


def multiplier(G, x, iters=25, eps=1e-6, seed=0):
    """Leading multiplier :math:`|DG(x^*)|` of the map G at its fixed point x, by power iteration on finite
    differences (geometric mean of the growth over the last 10 iterations)."""
    rng = np.random.default_rng(seed)
    gx = G(x)
    d = rng.standard_normal(x.size)
    d /= np.linalg.norm(d)
    logs = []
    scale = eps * max(1.0, float(np.max(np.abs(x))))
    for _ in range(iters):
        nd = (G(x + scale * d) - gx) / scale
        n = float(np.linalg.norm(nd))
        if not np.isfinite(n) or n == 0.0:
            return 0.0 if n == 0.0 else np.inf
        logs.append(np.log(n))
        d = nd / n
    return float(np.exp(np.mean(logs[-10:])))


def cycle_gamma0(model, G, x, tol, max_steps):
    """A 2-cycle of the one-time map G (γ = 0) from x: march G∘G, then Anderson on it. Returns
    (x0, x1, change, converged)."""
    from ._solve import anderson
    P = model.P

    def G2(y):
        return G(G(y))
    change = np.inf
    for _ in range(max_steps):
        nx = G2(x)
        change = float(np.max(np.abs(nx - x)))
        x = nx
        if change < max(tol, 1e-4):
            break
    if change >= tol:
        x, change, _ = anderson(G2, x, tol, max_steps)
    x1 = G(x)
    del P
    return x, x1, change, bool(change < tol)


def cycle_lags_gamma0(model, ph, lags, z, w, tol, max_steps):
    """Δ_p(τ), τ = 0..lags, of a period-2 state at γ = 0, for t in phase p (P, lags+1) per phase.

    (E9) at γ = 0, Δ(t+1, s+1) = Σ_b αJ² C_b(t, s) + σ_θ²: odd lags link the two phases, q_odd ->
    K(ph0, ph1; q_odd); even lags swap phases, q_even,p -> K(p', p'; q_even,p'); each marched from 0.
    """
    (m0, v0), (m1, v1) = ph
    P = model.P

    def C(ma, va, mb, vb, c):
        return np.array([pair_row(ma[b], va[b], mb[b:b + 1], vb[b:b + 1], c[b:b + 1], model.g, model.code, z, w,
                                  False)[0, 0] for b in range(P)])
    q_odd, qe = np.zeros(P), [np.zeros(P), np.zeros(P)]
    for _ in range(max_steps):
        n_odd = model.var @ C(m0, v0, m1, v1, q_odd) + model.theta_var
        n0 = model.var @ C(m1, v1, m1, v1, qe[1]) + model.theta_var
        n1 = model.var @ C(m0, v0, m0, v0, qe[0]) + model.theta_var
        done = max(np.max(np.abs(n_odd - q_odd)), np.max(np.abs(n0 - qe[0])), np.max(np.abs(n1 - qe[1]))) < tol * 1e-2
        q_odd, qe = n_odd, [n0, n1]
        if done:
            break
    out = []
    for p, v in ((0, v0), (1, v1)):
        D = np.empty((P, lags + 1))
        D[:, 0] = v
        D[:, 1::2] = q_odd[:, None]
        D[:, 2::2] = qe[p][:, None]
        out.append(D)
    return out


def replica_growth(model, Qtab, T=400):
    r"""Bulk exponent of a period-2 state from the replica distance kernel (E11) marched directly:
    :math:`D(t+1,s+1) = \gamma D(t,s+1) + \gamma D(t+1,s) - \gamma^2 D(t,s) + J^2 Q(t,s) D(t,s)`, with
    ``Qtab[p, τ]`` = Q(t, t-τ) for t in phase p (constant beyond its last lag), one population.
    Returns (λ, change of the estimate over the last 40 steps)."""
    gam, J2 = model.gamma, float(model.var[0, 0])
    L = Qtab.shape[1] - 1
    D = np.zeros((T + 1, T + 1))
    D[0, 0] = 1.0
    logs = np.zeros(T + 1)
    for t in range(T):
        D[t + 1, 0] = gam * D[t, 0]
        for s in range(t + 1):
            tau = min(t - s, L)
            q = Qtab[t % 2, tau]
            D[t + 1, s + 1] = gam * D[t, s + 1] + gam * D[t + 1, s] + (J2 * q - gam * gam) * D[t, s]
            D[s + 1, t + 1] = D[t + 1, s + 1]
        D[t + 1, t + 1] = gam * D[t, t + 1] + gam * D[t + 1, t] + (J2 * Qtab[t % 2, 0] - gam * gam) * D[t, t]
        scale = D[t + 1, t + 1]
        if not np.isfinite(scale) or scale <= 0:
            return np.nan, np.inf
        logs[t + 1] = logs[t] + np.log(scale)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            D[:t + 2, :t + 2] /= scale
        if not np.all(np.isfinite(D[:t + 2, :t + 2])):
            # the old entries outgrow the range when lambda is strongly negative: keep the estimate so far
            # if it has settled, else undecided
            if t >= 44:
                lam = 0.25 * (logs[t + 1] - logs[t - 1])
                drift = abs(lam - 0.25 * (logs[t - 39] - logs[t - 41]))
                return (float(lam), float(drift)) if drift < 1e-6 else (np.nan, float(drift))
            return np.nan, np.inf
        if t >= 100 and t % 20 == 0:
            lam = 0.25 * (logs[t + 1] - logs[t - 1])
            if abs(lam - 0.25 * (logs[t - 39] - logs[t - 41])) < 1e-12:
                return float(lam), float(abs(lam - 0.25 * (logs[t - 39] - logs[t - 41])))
    # growth over two steps (one period), per step: D(t,t) ~ e^{2 λ t}
    lam = 0.25 * (logs[T] - logs[T - 2])
    earlier = 0.25 * (logs[T - 40] - logs[T - 42])
    return float(lam), float(abs(lam - earlier))


def _unstable(mu):
    return abs(mu) >= 1.0 + 1e-9


def select(model, lags, tol, band, max_steps, m0, v0, z, w, period1, warm=None):
    """The state the march is attracted to, from (m0, v0), as a dict for the Dataset (see module docstring).

    ``period1`` solves a time-translation invariant solution from a start (``_theory._period1``); ``warm``
    (a neighbouring converged result) is passed on to it for the first solve only."""
    r = period1(model, lags, tol, band, max_steps, m0, v0, z, w, warm=warm)
    notes = [f"march from m0 = {np.round(np.atleast_1d(m0), 6).tolist()}"]
    if r.get("method", "").startswith("warm start"):
        notes = ["continued from a neighbouring solution"]
    reason = ""
    if r["converged"]:
        mu, e = leading(mean_mode(model, r["m"], r["v"], z, w))
        if _unstable(mu) and abs(mu.imag) < 1e-12 and mu.real > 0:
            # ferromagnetic instability: restart on both sides of the symmetric solution
            notes.append(f"mean mode a = {mu.real:.6g} > 1 at m = {np.round(r['m'], 6).tolist()}: unstable")
            first = np.sign(np.sum(np.atleast_1d(m0) - r["m"])) or 1.0
            delta = 0.5 * (1.0 + float(np.max(np.abs(model.mean))))
            found = None
            for sgn in (first, -first):
                start = r["m"] + sgn * delta * e
                c = period1(model, lags, tol, band, max_steps, start, r["v"], z, w)
                nu, _ = leading(mean_mode(model, c["m"], c["v"], z, w))
                notes.append(f"restart from m = {np.round(start, 6).tolist()}: m = {np.round(c['m'], 6).tolist()}, "
                             f"a = {abs(nu):.6g}")
                if c["converged"] and not _unstable(nu):
                    found = c
                    break
            if found is None:
                reason = "no stable ferromagnetic solution found from either side of the unstable one"
                r = {**r, "converged": False}
            else:
                r = found
        elif _unstable(mu) and mu.real < 0 and abs(mu.imag) < 1e-12:
            notes.append(f"mean mode a = {mu.real:.6g} < -1: the mean settles on a period-2 cycle")
            r2 = period2(model, r, e, lags, tol, max_steps, z, w)
            if r2 is None:
                reason = "mean mode a < -1 (period-2 mean) but no stable 2-cycle was found"
                r = {**r, "converged": False}
            else:
                r = r2
        elif _unstable(mu):
            reason = f"complex mean mode a = {mu:.4g} with |a| > 1: not a stationary state, not solved"
            r = {**r, "converged": False}
    else:
        reason = "the march and its acceleration did not reach the tolerance"
    if r["converged"] and r.get("period", 1) == 1:
        mult = _march_multiplier(model, r, z, w)
        r["multiplier"] = mult
        notes.append(f"leading multiplier of the stationary step at the root: {mult:.6g}")
        if mult > 1.0 + 1e-3:
            reason = f"the accelerated root is unstable against the march (multiplier {mult:.4g} > 1)"
            r = {**r, "converged": False}
    return _classify(model, r, z, w, notes, reason)


def _march_multiplier(model, r, z, w):
    """Leading multiplier of the (one-time, γ = 0, or banded) stationary step at the solution."""
    from ._solve import one_time_map, stationary_step
    if model.gamma == 0.0:
        x = np.concatenate([r["m"], r["v"]])
        return multiplier(one_time_map(model, z, w), x, iters=15)
    D = r["Delta"]
    x = np.concatenate([r["m"], D.ravel()])
    return multiplier(stationary_step(model, D.shape[1] - 1, z, w), x, iters=15)


def period2(model, r, e, lags, tol, max_steps, z, w):
    """The period-2 cycle of the mean near the flip-unstable solution r (None if not found)."""
    from ._solve import anderson, one_time_map, stationary_step
    P = model.P
    delta = 0.5 * (1.0 + float(np.max(np.abs(model.mean))))
    if model.gamma == 0.0:
        G = one_time_map(model, z, w)
        x0, x1, change, ok = cycle_gamma0(model, G, np.concatenate([r["m"] + delta * e, r["v"]]), tol, max_steps)
        if not ok or np.max(np.abs(x0[:P] - x1[:P])) < 1e-6:
            return None
        mult = multiplier(lambda y: G(G(y)), x0, iters=15)
        if mult > 1.0 + 1e-3:
            return None
        lam_step = 0.5 * float(np.log(mult)) if mult > 0 else -np.inf
        ph = [(x0[:P], x0[P:]), (x1[:P], x1[P:])]
        Ds = cycle_lags_gamma0(model, ph, lags, z, w, tol, max_steps)
        method = "2-cycle of the one-time map (gamma = 0), marched then Anderson-accelerated on its square"
    else:
        D = r["Delta"]
        W = D.shape[1] - 1
        G = stationary_step(model, W, z, w, period=2)
        x = np.concatenate([r["m"] + delta * e, r["m"] - delta * e, D.ravel(), D.ravel()])
        change = np.inf
        for it in range(min(max_steps, 400)):
            nx = G(x)
            change = float(np.max(np.abs(nx - x)))
            x = nx
            if change < 1e-4:
                break
        x, change, _ = anderson(G, x, tol, max_steps)
        ms = x[:2 * P].reshape(2, P)
        Db = x[2 * P:].reshape(2, P, W + 1)
        if change >= tol or np.max(np.abs(ms[0] - ms[1])) < 1e-6:
            return None
        mult = multiplier(G, x, iters=15)
        if mult > 1.0 + 1e-3:
            return None
        lam_step = float(np.log(mult)) if mult > 0 else -np.inf
        ph = [(ms[0], Db[0, :, 0]), (ms[1], Db[1, :, 0])]
        Ds = [Db[0], Db[1]]
        method = f"2-cycle of the banded stationary step (band W={W}), Anderson-accelerated"
    # λ: mean mode over one period, bulk from the replica kernel
    A0 = mean_mode(model, ph[0][0], ph[0][1], z, w)
    A1 = mean_mode(model, ph[1][0], ph[1][1], z, w)
    naive = 0.5 * float(np.log(np.max(np.abs(np.linalg.eigvals(A1 @ A0)))))
    lam_mean = lam_step if model.sigma2 == 0.0 else naive
    QC = [_slope_row(model, ph, p, Ds[p], z, w) for p in (0, 1)]
    Qtab = [q for q, _ in QC]
    if model.gamma == 0.0:
        M0 = model.var * Qtab[0][:, 0][None, :]
        M1 = model.var * Qtab[1][:, 0][None, :]
        lam_bulk = 0.25 * float(np.log(np.max(np.abs(np.linalg.eigvals(M1 @ M0)))))
        lam_note = "E11 over one period, gamma = 0: 1/4 ln rho(M(1) M(0))"
    elif P == 1:
        lam_bulk, drift = replica_growth(model, np.array([Qtab[0][0], Qtab[1][0]]))
        lam_note = f"E11 replica kernel marched over 400 steps (drift {drift:.1e})"
    else:
        lam_bulk, lam_note = np.nan, "bulk exponent of a period-2 state with several populations: not computed"
    mom = moments(np.ascontiguousarray(ph[0][0]), np.ascontiguousarray(ph[0][1]), model.g, model.code, z, w)
    return {**r, "m": ph[0][0], "v": ph[0][1], "Delta": Ds[0], "Q": Qtab[0], "C": QC[0][1], "M": mom[0],
            "m_phase": np.array([ph[0][0], ph[1][0]]), "v_phase": np.array([ph[0][1], ph[1][1]]),
            "lambda": lam_bulk, "lambda_mean": lam_mean, "lambda_mean_uncoupled": naive, "lambda_info": {"lambda_method": lam_note},
            "static": model.sigma2 == 0.0, "period": 2, "converged": True, "change": float(change),
            "method": r["method"] + "; then " + method}


def _slope_row(model, ph, p, D, z, w):
    """Q(t, t-τ) and C(t, t-τ) for t in phase p (P, L+1): the partner phase alternates with τ."""
    P, L1 = D.shape
    Q = np.empty((P, L1))
    C = np.empty((P, L1))
    (mp, vp), (mq, vq) = ph[p], ph[1 - p]
    for b in range(P):
        for par, (ms, vs) in ((0, (mp, vp)), (1, (mq, vq))):
            ks = np.arange(par, L1, 2)
            res = pair_row(mp[b], vp[b], np.full(ks.size, ms[b]), np.full(ks.size, vs[b]),
                           np.ascontiguousarray(D[b, ks]), model.g, model.code, z, w, True)
            C[b, ks], Q[b, ks] = res[0], res[1]
    mom = moments(np.ascontiguousarray(mp), np.ascontiguousarray(vp), model.g, model.code, z, w)
    Q[:, 0], C[:, 0] = mom[3], mom[1]
    return Q, C


def _classify(model, r, z, w, notes, reason):
    """λ_MF = max(bulk, mean mode) and the kind of state (E11); never a label the numbers do not support."""
    period = r.get("period", 1)
    if period == 1:
        A = mean_mode(model, r["m"], r["v"], z, w)
        rho = float(np.max(np.abs(np.linalg.eigvals(A))))
        r["lambda_mean_uncoupled"] = float(np.log(rho)) if rho > 0 else -np.inf
        lam_mean = r["lambda_mean_uncoupled"]
        if r["static"] and r.get("multiplier", 0.0) > 0:
            # at a fixed point the mean mode is coupled to the variance (the radial direction u - m): the
            # leading multiplier of the linearised (m, Delta) step, not |gamma + Jbar <f'>| alone
            lam_mean = float(np.log(r["multiplier"]))
        r["m_phase"] = np.array([r["m"], r["m"]])
        r["v_phase"] = np.array([r["v"], r["v"]])
    else:
        lam_mean = r["lambda_mean"]
    lam_bulk = float(r["lambda"])
    lam = np.nan if np.isnan(lam_bulk) else max(lam_bulk, lam_mean)
    noisy = model.sigma2 > 0
    if not r["converged"]:
        state = "not converged"
    elif np.isnan(lam):
        state, reason = "not converged", reason or r["lambda_info"]["lambda_method"]
    elif abs(lam) <= 1e-9:
        state, reason = "marginal", "lambda_MF = 0 within its accuracy (1e-9): at the edge of stability"
    elif r.get("multiplier", 0.0) > 0.99 and abs(lam) < 1e-2:
        # critical slowing down: near a bifurcation of the mean-field solution the residual is no longer a
        # measure of the error (v -> 0 like 1/t exactly at g_c), so the sign of a small lambda is not resolved
        state = "marginal"
        reason = (f"the stationary step's multiplier {r['multiplier']:.4f} is within 0.01 of 1 (critical slowing "
                  f"down) and |lambda_MF| = {abs(lam):.2g} < 0.01: at the edge of stability, sign not resolved")
    elif period == 2:
        state = "chaotic period-2 mean" if lam_bulk > 0 else "period-2 mean"
    elif lam > 0:
        state = "chaotic"
    elif r["static"]:
        state = "fixed point"
    elif noisy:
        state = "noise-driven"
    else:
        state = "not converged"
        reason = ("lambda_MF < 0 without noise, so the attractor is a fixed point, but the correlation Delta(tau) "
                  "has not settled to v")
    return {**r, "lambda": lam, "lambda_bulk": lam_bulk, "lambda_mean": lam_mean, "regime": state,
            "state": state_flag(state), "state_reason": reason, "selection": "; ".join(notes)}
