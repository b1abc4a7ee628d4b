"""Dynamic mean-field theory (SCIENCE.md §4, E7-E11) against closed forms, independent quadrature,
direct marching and simulation."""

import math

import numpy as np
import pytest
import scipy.integrate
import scipy.optimize
import xarray as xr

import snt
from snt.meanfield import Populations
from snt.meanfield._gauss import auto_step, grid, moments, pair_row

from . import reference

Z, W = grid()
TANH, ERF = 0, 1


# ---------------------------------------------------------------------------------------------- integrals
@pytest.mark.parametrize("code,g,m,v", [(TANH, 2.0, 0.0, 0.53), (TANH, 5.0, 0.4, 3.0), (ERF, 2.0, -0.3, 0.8),
                                        (TANH, 12.0, 0.1, 4.0)])
def test_moments_match_adaptive_quadrature(code, g, m, v):
    # trapezoid error ~ exp(-2π d / step), d = π/(2 g √v) the distance of the poles of tanh from the real
    # axis: auto_step makes it ~1e-11 (relative to g^2 for the slopes)
    name = "tanh" if code == TANH else "erf"
    got = moments(np.array([m]), np.array([v]), g, code, *grid(auto_step(g, v, code)))[:, 0]
    for k, fun in enumerate([lambda u: reference.f(u, g, name), lambda u: reference.f(u, g, name) ** 2,
                             lambda u: reference.fprime(u, g, name), lambda u: reference.fprime(u, g, name) ** 2]):
        dens = lambda h: fun(m + math.sqrt(v) * h) * math.exp(-h * h / 2) / math.sqrt(2 * math.pi)  # noqa: E731
        want = scipy.integrate.quad(dens, -12, 12, points=[-m / math.sqrt(v)], limit=400, epsabs=1e-14)[0]
        assert abs(got[k] - want) < 3e-11 * max(1.0, g) ** (k // 2 * 2), (k, got[k], want)


def _brute_pair(mt, vt, ms, vs, c, g, step=0.02):
    """E tanh(g u_t) tanh(g u_s), E f'f' on a finer grid, factorised around u_s (the kernel uses u_t)."""
    z = np.arange(-10, 10 + step / 2, step)
    w = step * np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    Z1, Z2 = np.meshgrid(z, z, indexing="ij")
    us = ms + math.sqrt(vs) * Z1
    a = c / math.sqrt(vs)
    ut = mt + a * Z1 + math.sqrt(max(vt - a * a, 0)) * Z2
    ww = w[:, None] * w[None, :]
    C = np.sum(ww * np.tanh(g * ut) * np.tanh(g * us))
    Q = np.sum(ww * reference.fprime(ut, g, "tanh") * reference.fprime(us, g, "tanh"))
    return C, Q


@pytest.mark.parametrize("mt,vt,ms,vs,c,g", [(0.0, 0.5, 0.0, 0.5, 0.3, 2.0), (0.3, 2.0, -0.2, 1.5, -1.1, 3.0),
                                             (0.0, 2.6, 0.0, 2.6, 2.55, 2.0), (0.5, 4.0, 0.5, 4.0, 1.0, 8.0),
                                             (0.2, 0.0, 0.1, 1.0, 0.0, 2.0)])
def test_tanh_pair_integral_matches_brute_force(mt, vt, ms, vs, c, g):
    step = auto_step(g, max(vt, vs), TANH)   # 0.05 except for the large-g√v case
    for slope in (False, True):
        got = pair_row(mt, vt, np.array([ms]), np.array([vs]), np.array([c]), g, TANH, *grid(step), slope)[:, 0]
        C, Q = _brute_pair(mt, vt, ms, vs, c, g, step=min(0.02, step / 2))
        assert abs(got[0] - C) < 1e-10
        if slope:
            assert abs(got[1] - Q) < 1e-9 * max(1.0, g * g)


def test_tanh_pair_integral_matches_dblquad():
    mt, vt, ms, vs, c, g = 0.2, 1.0, -0.1, 0.7, 0.5, 1.5
    cov = np.array([[vt, c], [c, vs]])
    inv, det = np.linalg.inv(cov), np.linalg.det(cov)

    def dens(y, x):
        d = np.array([x - mt, y - ms])
        return np.tanh(g * x) * np.tanh(g * y) * np.exp(-0.5 * d @ inv @ d) / (2 * math.pi * math.sqrt(det))
    want = scipy.integrate.dblquad(dens, -8, 8, -8, 8, epsabs=1e-12)[0]
    got = pair_row(mt, vt, np.array([ms]), np.array([vs]), np.array([c]), g, TANH, Z, W, False)[0, 0]
    assert abs(got - want) < 1e-9


def _erf_pair(v1, v2, c, g):
    """SCIENCE.md §4 closed form of E f(u1) f(u2) for erf, zero means."""
    k = math.pi * g * g / 2
    return 2 / math.pi * math.asin(k * c / math.sqrt((1 + k * v1) * (1 + k * v2)))


@pytest.mark.parametrize("v1,v2,c", [(0.5, 0.5, 0.2), (2.0, 1.0, -1.3), (0.3, 3.0, 0.9), (1.0, 1.0, 1.0)])
def test_erf_pair_integral_matches_arcsin_closed_form(v1, v2, c):
    got = pair_row(0.0, v1, np.array([0.0]), np.array([v2]), np.array([c]), 2.0, ERF, Z, W, False)[0, 0]
    assert abs(got - _erf_pair(v1, v2, c, 2.0)) < 1e-12


# ------------------------------------------------------------------------------------- gamma = 0, closed forms
def test_tanh_reference_values_gamma0():
    st = snt.meanfield.stationary(snt.Ensemble(J=1.0, g=2.0))
    assert abs(float(st.v) - 0.5304) < 1e-4
    assert abs(float(st.lambda_max) - 0.1547) < 1e-4
    assert str(st.regime.values) == "chaotic"


@pytest.mark.parametrize("g,J,sigma", [(2.0, 1.0, 0.0), (1.3, 1.5, 0.4), (4.0, 1.0, 1.0)])
def test_erf_closed_forms_gamma0(g, J, sigma):
    k = math.pi * g * g / 2

    def eq(v):
        return 2 * J * J / math.pi * math.asin(k * v / (1 + k * v)) + sigma ** 2 - v
    v_star = scipy.optimize.brentq(eq, 1e-6, 50.0, xtol=1e-15)
    lam = 0.5 * math.log(g * g * J * J) - 0.25 * math.log(1 + math.pi * g * g * v_star)
    st = snt.meanfield.stationary(snt.Ensemble(J=J, g=g, sigma=sigma, transfer="erf"))
    assert abs(float(st.v) - v_star) < 1e-9
    assert abs(float(st.lambda_max) - lam) < 1e-9
    if (g, J, sigma) == (2.0, 1.0, 0.0):
        assert abs(v_star - 0.571902) < 1e-6 and abs(lam - 0.167519) < 1e-6


def test_erf_correlation_gamma0_with_quenched_thresholds():
    # γ = 0: Δ(t+1, s+1) = J² C(t, s) + σ_θ², so every lag >= 1 tends to the fixed point q = J² C(v, q) + σ_θ²
    # reached from q = 0 (closed-form C for erf)
    g, J, st_ = 1.8, 1.0, 0.4
    st = snt.meanfield.stationary(snt.Ensemble(J=J, g=g, theta_std=st_, transfer="erf"), lags=12)
    v = float(st.v)
    q = 0.0
    for _ in range(2000):
        q = J * J * _erf_pair(v, v, q, g) + st_ ** 2
    assert st_ ** 2 < q < v
    np.testing.assert_allclose(st.covariance.values, [v] + [q] * 12, rtol=0, atol=1e-10)
    # and the two-time march (evolve) reaches the same rows
    tr = snt.meanfield.evolve(snt.Ensemble(J=J, g=g, theta_std=st_, transfer="erf"), 400, band=6)
    np.testing.assert_allclose(tr.covariance.values[400, 394:][::-1], st.covariance.values[:7], atol=1e-9)


# ----------------------------------------------------------------------------------------------- J = 0 limits
@pytest.mark.parametrize("gamma", [0.0, 0.5])
def test_J0_limits_are_exact(gamma):
    sigma, th_mean, th_std = 0.7, 0.3, 0.4
    st = snt.meanfield.stationary(snt.Ensemble(J=0.0, g=2.0, gamma=gamma, sigma=sigma, theta_mean=th_mean,
                                               theta_std=th_std), lags=10)
    lag = np.arange(11)
    want = sigma ** 2 * gamma ** lag / (1 - gamma ** 2) + th_std ** 2 / (1 - gamma) ** 2
    assert abs(float(st.m) + th_mean / (1 - gamma)) < 1e-10
    assert abs(float(st.v) - (sigma ** 2 / (1 - gamma ** 2) + th_std ** 2 / (1 - gamma) ** 2)) < 1e-10
    np.testing.assert_allclose(st.covariance.values, want, rtol=0, atol=1e-10)
    assert abs(float(st.q_inf) - th_std ** 2 / (1 - gamma) ** 2) < 1e-10


def test_evolve_J0_transient_is_exact():
    gamma, sigma, th_mean, th_std, m0, v0, T = 0.6, 0.5, 0.2, 0.3, 1.0, 2.0, 12
    tr = snt.meanfield.evolve(snt.Ensemble(J=0.0, gamma=gamma, sigma=sigma, theta_mean=th_mean, theta_std=th_std),
                              T, m0=m0, v0=v0)
    t = np.arange(T + 1)
    np.testing.assert_allclose(tr.m, gamma ** t * m0 - th_mean * (1 - gamma ** t) / (1 - gamma), atol=1e-12)
    # u(t) = γ^t u0 + Σ_k γ^(t-1-k) x(k), x iid-in-time noise plus a frozen threshold
    G = np.array([[gamma ** (ti - 1 - k) if k < ti else 0.0 for k in range(T)] for ti in t])
    want = np.outer(gamma ** t, gamma ** t) * v0 + sigma ** 2 * G @ G.T + th_std ** 2 * np.outer(G.sum(1), G.sum(1))
    np.testing.assert_allclose(tr.covariance.values, want, rtol=0, atol=1e-12)


def test_evolve_gamma0_follows_one_time_recursion_and_band_is_exact():
    ens = snt.Ensemble(J=1.2, g=1.7, Jbar=0.4, theta_mean=0.1, theta_std=0.2, sigma=0.3)
    tr = snt.meanfield.evolve(ens, 15, m0=0.2, v0=0.8)
    m, v = 0.2, 0.8
    for t in range(1, 16):
        mom = moments(np.array([m]), np.array([v]), ens.g, TANH, Z, W)[:, 0]
        m, v = ens.Jbar * mom[0] - ens.theta_mean, ens.J ** 2 * mom[1] + ens.theta_std ** 2 + ens.sigma ** 2
        assert abs(float(tr.m[t]) - m) < 1e-12 and abs(float(tr.v[t]) - v) < 1e-12
    narrow = snt.meanfield.evolve(ens, 15, m0=0.2, v0=0.8, band=4)
    for k in range(5):
        np.testing.assert_allclose(np.diagonal(narrow.covariance.values, -k), np.diagonal(tr.covariance.values, -k),
                                   rtol=0, atol=1e-12)


def test_evolve_gamma_positive_band_error_and_approach_to_stationary():
    ens = snt.Ensemble(J=1.0, g=2.0, gamma=0.5, sigma=0.5)
    full = snt.meanfield.evolve(ens, 40, band=40)
    banded = snt.meanfield.evolve(ens, 40, band=20)
    # the lag-k error shrinks towards the diagonal, but by r ~ 0.75 per lag here, not by γ = 0.5 (the errors
    # accumulate through C); after 40 steps it is still within 10 γ^(W-k) near the diagonal
    for k in range(4):
        err = np.max(np.abs(np.diagonal(full.covariance.values, -k) - np.diagonal(banded.covariance.values, -k)))
        assert err < 0.5 ** (20 - k) * 10
    st = snt.meanfield.stationary(ens, lags=5)
    # the band truncation error decays like r^W with r = max(γ, correlation decay per lag) ~ 0.8 here
    long = snt.meanfield.evolve(ens, 240, band=50).covariance.values
    err = [np.max(np.abs(long[t, t - np.arange(6)] - st.covariance.values)) for t in (120, 240)]
    assert err[1] < 1e-6 and err[1] < err[0] / 5  # the transient approaches the stationary solution


# ------------------------------------------------------------------------------------ E11: eigenproblem vs march
def _replica_growth(Q, J, gamma, T):
    """Growth rate of D(t,t) for D(t+1,s+1) = γD(t,s+1) + γD(t+1,s) + (J²Q(t-s) - γ²)D(t,s) (E11)."""
    L = Q.size - 1
    q = lambda k: Q[min(abs(k), L)]  # noqa: E731
    D = np.zeros((T + 1, T + 1))
    D[0, 0] = 1.0
    for t in range(T):
        D[t + 1, 0] = gamma * D[t, 0]
        D[0, t + 1] = D[t + 1, 0]
        for s in range(t + 1):
            D[t + 1, s + 1] = gamma * D[t, s + 1] + gamma * D[t + 1, s] + (J * J * q(t - s) - gamma ** 2) * D[t, s]
            D[s + 1, t + 1] = D[t + 1, s + 1]
        if D[t + 1, t + 1] > 1e100:
            D /= 1e100
    return 0.5 * math.log(D[T, T] / D[T - 1, T - 1]), 0.5 * math.log(D[T - 40, T - 40] / D[T - 41, T - 41])


def test_lambda_eigenproblem_equals_direct_replica_march_gamma05():
    ens = snt.Ensemble(J=1.0, g=2.0, gamma=0.5)
    st = snt.meanfield.stationary(ens, lags=60)
    lam_march, lam_earlier = _replica_growth(st.slope_correlation.values, 1.0, 0.5, 400)
    assert abs(lam_march - lam_earlier) < 1e-7  # the direct march has converged
    assert abs(float(st.lambda_max) - lam_march) < 1e-5
    # the shortcuts of SCIENCE.md E11 are wrong for γ > 0: make sure we are not computing them
    fp2 = float(st.slope_correlation[0])
    assert abs(float(st.lambda_max) - math.log(0.5 + math.sqrt(fp2))) > 1e-2
    assert abs(float(st.lambda_max) - 0.5 * math.log(0.25 + fp2)) > 1e-2


def test_fixed_point_solution_gamma_positive():
    ens = snt.Ensemble(J=1.0, g=0.4, gamma=0.5, theta_mean=0.3, theta_std=0.5)
    st = snt.meanfield.stationary(ens, lags=5)
    assert str(st.regime.values) == "fixed point"
    m, v = float(st.m), float(st.v)
    mom = moments(np.array([m]), np.array([v]), 0.4, TANH, Z, W)[:, 0]
    assert abs(0.25 * v - (mom[1] + 0.25)) < 1e-9
    assert abs(0.5 * m - (-0.3)) < 1e-9
    np.testing.assert_allclose(st.covariance.values, v, atol=1e-8)
    assert abs(float(st.lambda_max) - math.log(0.5 + math.sqrt(mom[3]))) < 1e-9


# ------------------------------------------------------------------------------------------- critical values
@pytest.mark.parametrize("gamma,J", [(0.0, 1.0), (0.5, 1.0), (0.3, 2.0)])
def test_critical_gain_origin(gamma, J):
    assert abs(snt.meanfield.critical_gain(snt.Ensemble(J=J, gamma=gamma)) - (1 - gamma) / J) < 1e-6


def test_critical_gain_is_where_lambda_vanishes():
    ens = snt.Ensemble(J=1.0, theta_std=0.5, sigma=0.0)
    gc = snt.meanfield.critical_gain(ens)
    assert gc > 1.0  # quenched thresholds delay chaos
    below = snt.meanfield.stationary(ens.replace(g=gc * 0.98))
    above = snt.meanfield.stationary(ens.replace(g=gc * 1.02))
    assert float(below.lambda_max) < 0 < float(above.lambda_max)
    noisy = ens.replace(sigma=0.3)
    gcn = snt.meanfield.critical_gain(noisy)
    assert gcn > gc
    assert abs(float(snt.meanfield.stationary(noisy.replace(g=gcn)).lambda_max)) < 1e-8


def test_critical_gain_with_noise_induced_chaos():
    """θ̄ = 2 parks the mean on the flat part of tanh: the noise widens the distribution of u into the steep
    part, raises <f'²> and makes λ_MF > 0 below the static g_c (14.0). The crossing is found there."""
    ens = snt.Ensemble(J=1.0, theta_mean=2.0, sigma=0.5)
    g_static = snt.meanfield.critical_gain(ens.replace(sigma=0.0))
    gc = snt.meanfield.critical_gain(ens)
    assert gc < 0.9 * g_static
    below = snt.meanfield.stationary(ens.replace(g=gc * 0.98))
    above = snt.meanfield.stationary(ens.replace(g=gc * 1.02))
    assert float(below.lambda_max) < 0 < float(above.lambda_max)
    assert float(snt.meanfield.stationary(ens.replace(g=g_static)).lambda_max) > 0.1


def test_stationary_exactly_at_the_edge_is_bounded_and_flagged():
    """At g = g_c = (1 - γ)/J the correlations decay ever more slowly (critical slowing down); the band
    refinement used to grow W without bound (20 min for this point of the default study). The band and the
    iterations are capped: the answer comes back flagged, with λ_MF at its critical value 0."""
    st = snt.meanfield.stationary(snt.Ensemble(J=1.0, g=0.5, gamma=0.5))
    assert str(st.regime.values) in ("not converged", "marginal")   # never "fixed point" or "chaotic"
    assert abs(float(st.lambda_max)) < 1e-3          # ln(γ + g J) = 0 at the edge; O(√v) off it
    assert float(st.v) < 1e-3                        # the variance decays to the critical fixed point 0
    assert st.attrs["state_reason"]


def test_critical_noise_gamma0():
    ens = snt.Ensemble(J=1.0, g=2.0)
    sc = snt.meanfield.critical_noise(ens)
    assert abs(float(snt.meanfield.stationary(ens.replace(sigma=sc)).lambda_max)) < 1e-9
    assert float(snt.meanfield.stationary(ens.replace(sigma=0.9 * sc)).lambda_max) > 0
    assert snt.meanfield.critical_noise(ens.replace(g=0.8)) == 0.0


def test_critical_noise_below_the_first_scan_point():
    # just above g_c the critical noise is below the scan's first point (0.01): it is refined in [0, 0.01]
    # instead of returning 0.01, where λ_MF is already negative
    ens = snt.Ensemble(J=1.0, g=1.01)
    sc = snt.meanfield.critical_noise(ens)
    assert 0.0 < sc < 0.01
    assert abs(float(snt.meanfield.stationary(ens.replace(sigma=sc)).lambda_max)) < 1e-9
    assert float(snt.meanfield.stationary(ens.replace(sigma=0.9 * sc)).lambda_max) > 0


# ---------------------------------------------------------------------------------------------- populations
def test_identical_populations_reduce_to_one():
    kw = dict(g=1.8, gamma=0.0, sigma=0.2, theta_mean=0.1, theta_std=0.3)
    one = snt.meanfield.stationary(snt.Ensemble(J=1.2, Jbar=0.5, **kw), lags=5)
    two = snt.meanfield.stationary(Populations(fractions=[0.3, 0.7], J=1.2, Jbar=0.5, **kw), lags=5)
    for name in ("m", "v", "q_inf"):
        np.testing.assert_allclose(two[name].values, float(one[name]), atol=1e-9)
    assert abs(float(two.lambda_max) - float(one.lambda_max)) < 1e-9


def test_population_chaos_criterion():
    alpha = np.array([0.8, 0.2])
    Jab = np.array([[1.0, 2.0], [0.5, 1.5]])
    rho = np.max(np.abs(np.linalg.eigvals(Jab ** 2 * alpha[None, :])))
    for gamma in (0.0, 0.4):
        pops = Populations(fractions=alpha, J=Jab, gamma=gamma)
        assert abs(snt.meanfield.critical_gain(pops) - (1 - gamma) / math.sqrt(rho)) < 1e-6
    # gamma = 0: λ = ½ ln ρ(α_b J_ab² <f'²>_b) on the stationary state
    st = snt.meanfield.stationary(Populations(fractions=alpha, J=Jab, g=2.0), lags=3)
    fp2 = [moments(np.array([float(st.m[p])]), np.array([float(st.v[p])]), 2.0, TANH, Z, W)[3, 0] for p in (0, 1)]
    want = 0.5 * math.log(np.max(np.abs(np.linalg.eigvals(Jab ** 2 * alpha[None, :] * np.array(fp2)[None, :]))))
    assert abs(float(st.lambda_max) - want) < 1e-10


def test_population_block_eigenproblem_matches_single_population_gamma_positive():
    kw = dict(g=2.0, gamma=0.5)
    one = snt.meanfield.stationary(snt.Ensemble(J=1.0, **kw), lags=4)
    two = snt.meanfield.stationary(Populations(fractions=[0.5, 0.5], J=1.0, **kw), lags=4)
    assert abs(float(two.lambda_max) - float(one.lambda_max)) < 1e-8
    np.testing.assert_allclose(two.v.values, float(one.v), atol=1e-8)


# --------------------------------------------------------------------------------------------- simulation
def _need_max_lyapunov():
    if not hasattr(snt, "max_lyapunov"):
        pytest.skip("snt.max_lyapunov (snt/lyapunov.py) is not available yet; compare() needs it for lambda")


def _check_compare(cmp, v_rel, lam_abs):
    th, sim = cmp.sel(estimator="theory"), cmp.sel(estimator="simulation")
    assert int(cmp.diverged) == 0
    assert abs(float(sim.v) / float(th.v) - 1) < v_rel
    assert abs(float(sim.lambda_max) - float(th.lambda_max)) < lam_abs
    assert abs(float(sim.m) - float(th.m)) < 0.05
    # Δ(τ) theory vs simulated autocovariance, relative to v
    assert np.max(np.abs(cmp.covariance.sel(estimator="simulation") - cmp.covariance.sel(estimator="theory"))) \
        < 2 * v_rel * float(th.v)


@pytest.mark.parametrize("gamma,sigma", [(0.0, 0.0), (0.5, 0.5)])
def test_compare_small_network(gamma, sigma):
    # N = 400: over seeds 1-3 we measured |v_sim/v* - 1| <= 0.030 (network-to-network spread) and
    # lambda_sim - lambda_MF in [-0.011, -0.003] (finite-N bias ~ c/N); tolerances are twice those.
    _need_max_lyapunov()
    cmp = snt.meanfield.compare(snt.Ensemble(N=400, J=1.0, g=2.0, gamma=gamma, sigma=sigma), steps=1500, trials=2,
                                seed=1, transient=300, lags=10)
    assert cmp.covariance.dims == ("estimator", "lag")
    _check_compare(cmp, 0.06, 0.025)


@pytest.mark.slow
@pytest.mark.parametrize("gamma", [0.0, 0.5])
@pytest.mark.parametrize("sigma", [0.0, 0.5])
def test_compare_N2000(gamma, sigma):
    _need_max_lyapunov()
    cmp = snt.meanfield.compare(snt.Ensemble(N=2000, J=1.0, g=2.0, gamma=gamma, sigma=sigma), steps=3000,
                                trials=4, seed=1, transient=500, lags=10)
    _check_compare(cmp, 0.02, 0.01)


def test_compare_populations_without_lyapunov():
    pops = Populations(fractions=[0.5, 0.5], J=[[1.0, 1.5], [1.5, 1.0]], g=1.8, N=400, theta_std=[0.0, 0.3])
    cmp = snt.meanfield.compare(pops, steps=1000, trials=2, seed=3, transient=200, lags=5, lyapunov=False)
    th, sim = cmp.v.sel(estimator="theory").values, cmp.v.sel(estimator="simulation").values
    assert cmp.v.dims == ("estimator", "population")
    np.testing.assert_allclose(sim, th, rtol=0.08)


def test_compare_one_trial_needs_blocks_longer_than_the_lags():
    # one trial is cut into 4 time blocks: with steps < 4 (lags + 2) the long lags had no samples (NaN)
    ens = snt.Ensemble(N=50, J=1.0, g=2.0)
    with pytest.raises(ValueError, match="steps = 30 is too short for lags = 20 with one trial"):
        snt.meanfield.compare(ens, steps=30, trials=1, seed=1, transient=10, lags=20, lyapunov=False)
    cmp = snt.meanfield.compare(ens, steps=4 * 7, trials=1, seed=1, transient=10, lags=5, lyapunov=False)
    assert np.all(np.isfinite(cmp.covariance.values)) and np.all(np.isfinite(cmp.covariance_stderr.values))


# ------------------------------------------------------------------------------------ API, files, errors
def test_datasets_round_trip_and_cli(tmp_path):
    from snt.cli import main
    out = tmp_path / "mf.nc"
    assert main(["meanfield", "--g", "2", "--gamma", "0", "--sigma", "0.3", "--lags", "5", "-o", str(out)]) == 0
    ds = snt.open(out)
    st = snt.meanfield.stationary(snt.Ensemble(J=1.0, g=2.0, sigma=0.3), lags=5)
    xr.testing.assert_allclose(ds.drop_vars("regime"), st.drop_vars("regime"), rtol=0, atol=1e-14)
    assert str(ds.regime.values) == str(st.regime.values)
    snt.save(st, tmp_path / "st.nc")
    xr.testing.assert_identical(snt.open(tmp_path / "st.nc"), st)
    tr = snt.meanfield.evolve(snt.Ensemble(J=1.0, g=2.0), 5)
    snt.save(tr, tmp_path / "tr.nc")
    xr.testing.assert_identical(snt.open(tmp_path / "tr.nc"), tr)


def test_bad_input_names_parameter():
    ens = snt.Ensemble(J=1.0, g=2.0)
    with pytest.raises(ValueError, match="step"):
        snt.meanfield.stationary(ens, step=0.1)
    with pytest.raises(ValueError, match="tol"):
        snt.meanfield.stationary(ens, tol=0.5)
    with pytest.raises(TypeError, match="ens must be"):
        snt.meanfield.stationary(ens.sample(seed=1))
    with pytest.raises(ValueError, match="fractions"):
        Populations(fractions=[0.5, 0.6])
    with pytest.raises(ValueError, match="steps"):
        snt.meanfield.evolve(ens, 0)


def test_plots_draw_theory_and_simulation():
    import matplotlib
    matplotlib.use("Agg")
    sc = snt.meanfield.scan(snt.Ensemble(J=1.0), "g", [0.5, 1.5, 2.5], lags=3)
    assert [str(r) for r in sc.regime.values] == ["fixed point", "chaotic", "chaotic"]
    axs = snt.plot.meanfield_scan(sc)
    np.testing.assert_allclose(axs[1].lines[0].get_ydata(), sc.lambda_max.values)
    st = snt.meanfield.stationary(snt.Ensemble(J=1.0, g=2.0, sigma=0.5), lags=4)
    ax = snt.plot.meanfield_correlation(st)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), st.covariance.values)


def test_critical_gain_with_noise_and_leak_continues_its_solves(monkeypatch):
    # gamma > 0: each evaluation is continued from the nearest gain solved (warm start, memoised); the root
    # must be where a cold stationary solve has lambda_MF = 0 (to the brentq tolerance times dlambda/dg ~ 0.1)
    from snt.meanfield import _critical
    ens = snt.Ensemble(J=1.0, gamma=0.5, sigma=0.3)
    calls = []
    lam = _critical._lam

    def spy(e, *args, **kw):
        calls.append((e.g, kw.get("warm") is not None))
        return lam(e, *args, **kw)
    monkeypatch.setattr(_critical, "_lam", spy)
    gc = snt.meanfield.critical_gain(ens)
    assert len({g for g, _ in calls}) == len(calls)          # no gain solved twice
    assert not calls[0][1] and all(w for _, w in calls[1:])  # every solve but the first continued
    cold = snt.meanfield.stationary(ens.replace(g=gc))
    assert abs(float(cold.lambda_max)) < 1e-9
    assert float(snt.meanfield.stationary(ens.replace(g=0.98 * gc)).lambda_max) < 0


def test_convergence_is_a_status_variable_in_stationary_scan_and_compare():
    # attrs are dropped by most xarray operations, so the solve's outcome is a CF status variable
    from snt.results import STATUS
    ens = snt.Ensemble(J=1.0, g=2.0, gamma=0.5, sigma=0.2)
    ok = snt.meanfield.stationary(ens, lags=4)
    assert int(ok.status) == STATUS["ok"] and float(ok.final_change) < 1e-10
    assert ok.status.attrs["flag_meanings"].split()[STATUS["not_converged"]] == "not_converged"
    cut = snt.meanfield.stationary(ens, lags=4, max_steps=2)
    assert int(cut.status) == STATUS["not_converged"] and float(cut.final_change) > 1e-10
    # g = 0.3: below the edge g J = 1 - gamma = 0.5, where the march to v = 0 is only algebraic
    sc = snt.meanfield.scan(snt.Ensemble(J=1.0, gamma=0.5), "g", [0.3, 2.0], lags=4)
    assert sc.status.dims == ("g",) and sc.status.values.tolist() == [STATUS["ok"], STATUS["ok"]]
    cmp = snt.meanfield.compare(snt.Ensemble(N=100, J=1.0, g=0.5), steps=200, trials=2, lags=3, seed=1,
                                lyapunov=False)
    assert cmp.status.sel(estimator="theory") == STATUS["ok"]
    assert cmp.status.sel(estimator="simulation") == STATUS["ok"]
