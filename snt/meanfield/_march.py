r"""Two-time marching of the mean-field equations (SCIENCE.md E7--E9).

The state is the mean :math:`m_a(t)` and a band of the covariance, :math:`\Delta_a(t, t-k)` for
:math:`0 \le k \le W`. One step uses the input covariance

.. math:: K_a(t,s) = \sum_b \alpha_b J_{ab}^2 C_b(t,s) + \sigma_{\theta,a}^2 + \sigma^2\delta_{ts}

and the cross-covariance of the input with the past state, :math:`Y(t,s) = \mathrm{Cov}(x(t), u(s))`
(:math:`x(t) = u(t+1) - \gamma u(t)`), which obeys the first-order recursion
:math:`Y(t, s+1) = \gamma Y(t,s) + K(t,s)`, :math:`Y(t, 0) = 0`. Then

.. math:: \Delta(t+1, s) = \gamma\Delta(t,s) + Y(t,s),\qquad
          \Delta(t+1,t+1) = \gamma^2\Delta(t,t) + 2\gamma Y(t,t) + K(t,t),

which is (E9) written row by row. Beyond the band (lags > W) K is held at its value at lag W, so the
recursion for Y starts from :math:`Y(t, t-W) = K(t,t-W)(1-\gamma^{t-W})/(1-\gamma)`; the error this makes at
lag k in one step is at most :math:`\gamma^{W-k}\,\delta_K/(1-\gamma)` with
:math:`\delta_K = \max_{l>W}|K(t,t-l) - K(t,t-W)|`. Over many steps these errors feed back through
C(t, s) into K and accumulate: the error at lag k then decays like :math:`r^{W-k}` with r the larger of γ and
the decay of the correlation per lag, not like :math:`\gamma^{W-k}`. For :math:`\gamma = 0` the band is exact.
"""

import numpy as np

from ._gauss import moments, pair_row


def row_kernel(model, t, m_hist, v_hist, band, L, z, w, slope=False):
    """K_a(t, t-k) for k = 0..L (P, L+1), the moments (4, P) at time t, and Q_b(t, t-k) if ``slope``.

    ``band[p, k]`` is Delta_p(t, t-k); ``m_hist``/``v_hist`` (time, P) hold the past means and variances.
    """
    P = model.P
    mom = moments(np.ascontiguousarray(m_hist[t]), np.ascontiguousarray(v_hist[t]), model.g, model.code, z, w)
    C = np.empty((P, L + 1))
    Q = np.empty((P, L + 1)) if slope else None
    C[:, 0] = mom[1]
    if slope:
        Q[:, 0] = mom[3]
    if L > 0:
        idx = t - np.arange(1, L + 1)
        for b in range(P):
            res = pair_row(m_hist[t, b], v_hist[t, b], np.ascontiguousarray(m_hist[idx, b]),
                           np.ascontiguousarray(v_hist[idx, b]), np.ascontiguousarray(band[b, 1:L + 1]),
                           model.g, model.code, z, w, slope)
            C[:, 1:][b] = res[0]
            if slope:
                Q[:, 1:][b] = res[1]
    K = model.var @ C + model.theta_var[:, None]
    K[:, 0] += model.sigma2
    return K, mom, C, Q


def advance(model, t, band, K, L, W):
    r"""One step of (E9): the band of row t+1 from the band of row t and K(t, t-k), k = 0..L.

    Returns the new band and ``Y`` (P, L+1) with ``Y[:, k] = Y(t, t-k)``. ``t = inf`` is the stationary
    state (the march has run for ever, so :math:`\gamma^{t-W} = 0`).
    """
    gam = model.gamma
    P = model.P
    Y = np.zeros((P, L + 1))
    if L == W and t > W:
        far = 1.0 / (1.0 - gam) if gam > 0 else 1.0
        Y[:, L] = K[:, L] * (1.0 - gam ** (t - W)) * far
    # Y(t, t-k+1) = gam Y(t, t-k) + K(t, t-k), from the band edge inwards.
    for k in range(L, 0, -1):
        Y[:, k - 1] = gam * Y[:, k] + K[:, k]
    new = np.zeros_like(band)
    new[:, 0] = gam * gam * band[:, 0] + 2.0 * gam * Y[:, 0] + K[:, 0]
    top = min(L + 1, W)
    new[:, 1:top + 1] = gam * band[:, 0:top] + Y[:, 0:top]
    return new, Y


def march(model, steps, m0, v0, W, z, w, *, full=False, tol=None, min_steps=0):
    """March (E7)-(E9) for ``steps`` steps with band W.

    With ``full`` the whole lower triangle Delta(t, s) is kept (entries beyond the band from K held
    constant); with ``tol`` the march stops once the band and the mean change by less than ``tol``
    between two steps (after ``min_steps``). Returns a dict.
    """
    P = model.P
    gam = model.gamma
    m_hist = np.zeros((steps + 1, P))
    v_hist = np.zeros((steps + 1, P))
    M_hist = np.zeros((steps + 1, P))
    m_hist[0] = m0
    v_hist[0] = v0
    band = np.zeros((P, W + 1))
    band[:, 0] = v0
    Delta = np.zeros((P, steps + 1, steps + 1)) if full else None
    if full:
        Delta[:, 0, 0] = v0
    change = np.inf
    t_end = steps
    for t in range(steps):
        L = min(t, W)
        K, mom, _, _ = row_kernel(model, t, m_hist, v_hist, band, L, z, w)
        M_hist[t] = mom[0]
        new, Y = advance(model, t, band, K, L, W)
        m_new = gam * m_hist[t] + model.mean @ mom[0] - model.theta
        if full:
            Delta[:, t + 1, t + 1 - np.arange(min(t + 1, W) + 1)] = new[:, :min(t + 1, W) + 1]
            if t + 1 > W:
                s = np.arange(0, t + 1 - W)
                far = (1.0 - gam ** s) / (1.0 - gam) if gam > 0 else (s > 0).astype(float)
                Delta[:, t + 1, s] = gam * Delta[:, t, s] + K[:, L:L + 1] * far[None, :]
        if tol is not None:
            change = max(float(np.max(np.abs(new - band))), float(np.max(np.abs(m_new - m_hist[t]))))
        band = new
        m_hist[t + 1] = m_new
        v_hist[t + 1] = new[:, 0]
        if not np.all(np.isfinite(new)):
            raise FloatingPointError(f"mean-field march became non-finite at t={t + 1}")
        if tol is not None and t + 1 >= min_steps and change < tol:
            t_end = t + 1
            break
    mom = moments(np.ascontiguousarray(m_hist[t_end]), np.ascontiguousarray(v_hist[t_end]), model.g,
                  model.code, z, w)
    M_hist[t_end] = mom[0]
    out = {"m": m_hist[:t_end + 1], "v": v_hist[:t_end + 1], "M": M_hist[:t_end + 1], "band": band,
           "steps": t_end, "change": change}
    if full:
        D = Delta[:, :t_end + 1, :t_end + 1]
        out["Delta"] = np.tril(D) + np.transpose(np.tril(D, -1), (0, 2, 1))
    return out
